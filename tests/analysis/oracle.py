"""tshark 4.0 as the oracle of the analysis engine: runs tshark, capinfos
and sharkd on a capture and parses their answers into the shapes
pcap-analyze prints, so that the test compares them field by field."""
import glob
import json
import os
import re
import subprocess

ENV = dict(os.environ, TZ="UTC", LC_ALL="C")

# The tool under test and the shared captures (meson passes both).
TOOL = os.environ.get("PCAP_ANALYZE", "pcap-analyze")
PCAPS = os.environ.get("PCAPS_DIR",
                       os.path.join(os.path.dirname(__file__), "../../../shared/pcaps"))
PCAPS_WIDE = os.environ.get("PCAPS_WIDE_DIR",
                            os.path.join(os.path.dirname(__file__), "../../../shared/pcaps-wide"))
SAMPLE = os.path.join(os.path.dirname(__file__), "../../config/sample-traffic.pcap")


def capture_paths(wide=True):
    """Returns {name: path} of every shared capture (by file name), of the
    wider set (as "wide/NAME") when wide, and of the repository's sample
    traffic (as "config/sample-traffic.pcap")."""
    paths = {os.path.basename(p): p for p in glob.glob(os.path.join(PCAPS, "*.pcap*"))}
    if wide:
        paths.update({"wide/" + os.path.basename(p): p
                      for p in glob.glob(os.path.join(PCAPS_WIDE, "*.pcap*"))})
    if os.path.exists(SAMPLE):
        paths["config/sample-traffic.pcap"] = SAMPLE
    return paths

# tshark's section titles for each endpoints table, and sharkd's tap names.
ENDPOINT_TITLES = {"Ethernet": "eth", "IPv4": "ip", "IPv6": "ipv6", "TCP": "tcp", "UDP": "udp"}
SHARKD_CONV = {"eth": "Ethernet", "ip": "IPv4", "ipv6": "IPv6", "tcp": "TCP", "udp": "UDP"}
TABLES = ["eth", "ip", "ipv6", "tcp", "udp"]


def run(cmd, **kw):
    """Runs a command and returns its standard output as text."""
    return subprocess.run(cmd, capture_output=True, text=True, check=True, env=ENV, **kw).stdout


def capinfos(path):
    """Returns capinfos' frame count, duration, data size, file size,
    encapsulation and first/last times of a capture."""
    out = run(["capinfos", "-T", "-M", "-r", "-c", "-u", "-d", "-s", "-E", "-a", "-e", path])
    f = out.rstrip("\n").split("\t")
    return {"encapsulation": f[1], "frames": int(f[2]), "filesize": int(f[3]),
            "data_size": int(f[4]), "duration": f[5], "start_time": f[6], "end_time": f[7]}


def _phs_lines(lines):
    """Parses the indented lines of an io,phs section into a list of nodes."""
    root = {"protos": []}
    stack = [(-1, root)]
    for line in lines:
        m = re.match(r"^( *)(\S+)\s+frames:(\d+) bytes:(\d+)\s*$", line)
        if not m:
            continue
        depth = len(m.group(1)) // 2
        node = {"proto": m.group(2), "frames": int(m.group(3)), "bytes": int(m.group(4)),
                "protos": []}
        while stack[-1][0] >= depth:
            stack.pop()
        stack[-1][1]["protos"].append(node)
        stack.append((depth, node))
    return root["protos"]


def _endpoint_lines(table, lines):
    """Parses the rows of a tshark endpoints section into {(host, port): counters}."""
    hosts = {}
    for line in lines:
        f = line.split()
        if table in ("tcp", "udp") and len(f) == 8 and f[1].isdigit():
            key, n = (f[0], f[1]), f[4:8]
        elif table not in ("tcp", "udp") and len(f) == 7 and f[1].isdigit():
            key, n = (f[0], None), f[3:7]
        else:
            continue
        hosts[key] = {"txf": int(n[0]), "txb": int(n[1]), "rxf": int(n[2]), "rxb": int(n[3])}
    return hosts


def tshark_stats(path):
    """Runs one tshark pass for io,phs and the five endpoints tables; returns
    {"hierarchy": [...], "endpoints": {table: {(host, port): counters}}}."""
    args = ["tshark", "-n", "-q", "-r", path, "-z", "io,phs"]
    for t in TABLES:
        args += ["-z", "endpoints," + t]
    sections, cur = [], None
    for line in run(args).splitlines():
        if line.startswith("====="):
            cur = None
            continue
        if cur is None:
            cur = [line.strip(), []]
            sections.append(cur)
        else:
            cur[1].append(line)
    res = {"hierarchy": None, "endpoints": {}}
    for title, lines in sections:
        if title == "Protocol Hierarchy Statistics":
            res["hierarchy"] = _phs_lines(lines)
        elif title.endswith(" Endpoints"):
            table = ENDPOINT_TITLES[title[: -len(" Endpoints")]]
            res["endpoints"][table] = _endpoint_lines(table, lines)
    return res


def _conv_from_filter(c, with_ports):
    """Rebuilds a sharkd conversation's raw addresses and ports from its filter
    (sharkd's saddr/daddr may carry resolved names)."""
    addrs = re.findall(r"(?:eth|ip|ipv6)\.addr==(\S+)", c["filter"])
    ports = re.findall(r"(?:tcp|udp)\.port==(\d+)", c["filter"])
    key = (addrs[0], addrs[1], ports[0], ports[1]) if with_ports else (addrs[0], addrs[1])
    return key, {k: c[k] for k in ("txf", "txb", "rxf", "rxb", "start", "stop")}


def sharkd_conversations(path):
    """Returns sharkd's conversations per table: {table: [(key, counters)]}."""
    reqs = [{"jsonrpc": "2.0", "id": 1, "method": "load", "params": {"file": path}},
            {"jsonrpc": "2.0", "id": 2, "method": "tap",
             "params": {f"tap{i}": "conv:" + SHARKD_CONV[t] for i, t in enumerate(TABLES)}}]
    out = run(["sharkd", "-"], input="\n".join(json.dumps(r) for r in reqs) + "\n")
    answer = [json.loads(l) for l in out.splitlines() if l.startswith("{")][-1]
    res = {}
    for tap in answer["result"]["taps"]:
        table = {v: k for k, v in SHARKD_CONV.items()}[tap["proto"]]
        res[table] = [_conv_from_filter(c, table in ("tcp", "udp")) for c in tap["convs"]]
    return res


def iso(ts):
    """Converts capinfos' 'YYYY-MM-DD HH:MM:SS.frac' (UTC) to the engine's ISO 8601 form."""
    return ts.replace(" ", "T") + "Z"


def sort_tree(nodes):
    """Returns hierarchy nodes sorted by name at every level (sibling order is not compared)."""
    return sorted(({**n, "protos": sort_tree(n.get("protos", []))} for n in nodes),
                  key=lambda n: n["proto"])


def _rounded(d):
    """Rounds a conversation's times to nanoseconds so that floats compare exactly."""
    return {k: round(v, 9) if isinstance(v, float) else v for k, v in d.items()}


def expected(path):
    """Returns tshark's answers for every analysis of a capture, normalised:
    {"status": {...}, "hierarchy": [...], "endpoints,X": {...}, "conversations,X": [...]}."""
    cap = capinfos(path)
    res = {"status": {"frames": cap["frames"], "data_size": cap["data_size"],
                      "filesize": cap["filesize"], "encapsulation": cap["encapsulation"],
                      "duration": round(float(cap["duration"]), 9),
                      "start_time": iso(cap["start_time"]), "end_time": iso(cap["end_time"])}}
    stats = tshark_stats(path)
    res["hierarchy"] = sort_tree(stats["hierarchy"])
    for t in TABLES:
        res["endpoints," + t] = stats["endpoints"][t]
    for t, convs in sharkd_conversations(path).items():
        res["conversations," + t] = sorted((k, _rounded(v)) for k, v in convs)
    return res


def actual(data):
    """Normalises pcap-analyze's complete results ('all' command) like expected()."""
    st = data["status"]
    res = {"status": {k: st[k] for k in ("frames", "data_size", "filesize", "encapsulation",
                                         "start_time", "end_time")}}
    res["status"]["duration"] = round(st["duration"], 9)
    res["hierarchy"] = sort_tree(data["hierarchy"]["protos"])
    for t in TABLES:
        res["endpoints," + t] = {
            (h["host"], h.get("port")): {k: h[k] for k in ("txf", "txb", "rxf", "rxb")}
            for h in data["endpoints"][t]["hosts"]}
        convs = []
        for c in data["conversations"][t]["convs"]:
            key = (c["saddr"], c["daddr"], c["sport"], c["dport"]) if t in ("tcp", "udp") \
                else (c["saddr"], c["daddr"])
            convs.append((key, _rounded({k: c[k] for k in ("txf", "txb", "rxf", "rxb", "start",
                                                            "stop")})))
        res["conversations," + t] = sorted(convs)
    return res


ANALYSES = ["status", "hierarchy"] + ["endpoints," + t for t in TABLES] + \
    ["conversations," + t for t in TABLES]


def registered_fields():
    """The value fields pcap-analyze knows (`pcap-analyze fields --list`)."""
    return subprocess.run([TOOL, "fields", "--list"], capture_output=True, text=True,
                          check=True).stdout.split()


def lines(cmd):
    """Runs a command and returns its output lines (bytes that are not
    UTF-8 shown as backslash escapes)."""
    out = subprocess.run(cmd, capture_output=True, text=True, env=ENV, check=True,
                         errors="backslashreplace").stdout
    return out.split("\n")[:-1]


def field_args(fields):
    """Returns -e NAME for each field."""
    return [a for f in fields for a in ("-e", f)]


def ours_fields(path, fields):
    """Returns pcap-analyze's `fields` lines for a capture."""
    return lines([TOOL, "fields", *field_args(fields), path])


def tshark_fields(path, fields):
    """Returns `tshark -n -2 -T fields -E occurrence=a` lines for a capture."""
    return lines(["tshark", "-n", "-2", "-r", path, "-T", "fields", "-E", "occurrence=a",
                  *field_args(fields)])


def columns(lines, fields):
    """Splits tab-separated lines into one list of values per field."""
    rows = [line.split("\t") for line in lines]
    return {f: [row[i] if i < len(row) else None for row in rows] for i, f in enumerate(fields)}


def first_difference(ours, theirs):
    """Returns a message naming the first differing frame, or None."""
    for i in range(max(len(ours), len(theirs))):
        a = ours[i] if i < len(ours) else None
        b = theirs[i] if i < len(theirs) else None
        if a != b:
            return f"frame {i + 1}: ours {a!r}, tshark {b!r}"
    return None
