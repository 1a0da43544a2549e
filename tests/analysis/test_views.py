"""The views (follow, expert, io, http requests) of pcap-analyze against
tshark 4.0 on the shared captures, and a few of the wider set.

- follow: every TCP and UDP stream (at most STREAMS_MAX per capture, the
  first ones) against `tshark -qz follow,PROTO,raw,N`: the two nodes, and
  each chunk's sender and bytes in tshark's order;
- expert: the items of `tshark -qz expert` we cover (COVERED below),
  counted by severity, group, protocol and summary, must be equal; items
  outside COVERED must not appear in ours;
- io: `tshark -qz io,stat,INTERVAL,FILTER...` row by row, frames and bytes
  of every column, for several intervals and filters;
- http: every request (method, host, URI) with its response (frame,
  status, http.time) against tshark's http fields.
"""
import collections
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

PCAP_ANALYZE = os.environ.get("PCAP_ANALYZE", "build-test/analysis/pcap-analyze")
PCAPS = Path(os.environ.get("PCAPS_DIR", "../shared/pcaps"))
PCAPS_WIDE = Path(os.environ.get("PCAPS_WIDE_DIR", "../shared/pcaps-wide"))

#: Streams followed per capture and protocol, at most (the suite's bound).
STREAMS_MAX = 12

#: The wider captures the views are also held against.
WIDE = ["tcpdump-ssh.pcap", "tcpdump-bgp-4byte-asn.pcap", "tcpdump-ipv4_tcp_http_xml.pcap",
        "tcpdump-mptcp-v1.pcap", "tcpdump-dns_fwdptr.pcap", "tcpdump-syslog_udp.pcap",
        "tcpdump-tftp.pcap", "tcpdump-ldp-common-session.pcap"]

CAPTURES = sorted(PCAPS.glob("*.pcap*")) + [PCAPS_WIDE / n for n in WIDE]

#: The expert items we cover: TCP's connection and sequence-analysis items,
#: HTTP's request and response lines, and malformed packets.
COVERED = [
    re.compile(r"Connection establish (request \(SYN\)|acknowledge \(SYN\+ACK\)): "
               r"server port \d+"),
    re.compile(r"Connection finish \(FIN\)"),
    re.compile(r"Connection reset \(RST\)"),
    re.compile(r"This frame (initiates|undergoes) the connection closing"),
    re.compile(r"This frame is a \(suspected\) (fast |spurious )?retransmission"),
    re.compile(r"This frame is a \(suspected\) out-of-order segment"),
    re.compile(r"A new tcp session is started with the same ports as an earlier session"
               r" in this trace"),
    re.compile(r"Previous segment\(s\) not captured \(common at capture start\)"),
    re.compile(r"ACKed segment that wasn't captured \(common at capture start\)"),
    re.compile(r"TCP window update"),
    re.compile(r"TCP window specified by the receiver is now completely full"),
    re.compile(r"(ACK to a )?TCP keep-alive segment"),
    re.compile(r"TCP Zero Window (segment|Probe)|ACK to a TCP Zero Window Probe"),
    re.compile(r"Duplicate ACK \(#\d+\)"),
    re.compile(r"D-SACK Sequence"),
    re.compile(r"(GET|POST|HEAD|PUT|DELETE|OPTIONS|CONNECT|PATCH|TRACE) .*|HTTP/\d\.\d \d{3}.*"),
    re.compile(r"Malformed Packet \(Exception occurred\)"),
]

#: Where we deliberately differ, by capture: what and why.
#: (None today: the DNS record tshark finds cut short in
#: tcpdump-dns_fwdptr.pcap is now malformed for us too.)
EXPERT_DIFFERENCES = {}


def run(*args):
    out = subprocess.run([PCAP_ANALYZE, *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["data"]


def tshark(*args):
    return subprocess.run(["tshark", *args], capture_output=True, text=True, timeout=300,
                          check=True).stdout


def ids(path):
    return path.name


# ---------------------------------------------------------------- follow

def tshark_follow(path, proto, n):
    """Nodes and (sender, hex) chunks of tshark's raw follow output."""
    nodes, chunks, inside = [], [], False
    for line in tshark("-r", str(path), "-qz", f"follow,{proto},raw,{n}").splitlines():
        if line.startswith("Node "):
            nodes.append(line.split(": ", 1)[1])
            inside = line.startswith("Node 1")
        elif inside and line.strip() and not line.startswith("="):
            chunks.append((1 if line.startswith("\t") else 0, line.strip()))
    return nodes, chunks


def node_name(node):
    """As tshark names a node: an IPv6 address in brackets, a MAC address
    (of a frame whose innermost addresses are Ethernet's) bare."""
    host = node["host"]
    ipv6 = ":" in host and not re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", host)
    return f"[{host}]:{node['port']}" if ipv6 else f"{host}:{node['port']}"


@pytest.mark.parametrize("path", CAPTURES, ids=ids)
def test_follow_matches_tshark(path):
    for proto in ("tcp", "udp"):
        out = tshark("-r", str(path), "-T", "fields", "-e", f"{proto}.stream")
        streams = sorted({int(x) for x in re.split(r"[\s,]+", out) if x})[:STREAMS_MAX]
        for n in streams:
            data = run("follow", str(path), "--proto", proto, "--stream", str(n),
                       "--limit", "100000")
            ours = ([node_name(x) for x in data["nodes"]],
                    [(s["node"], s["payload"]) for s in data["segments"]])
            assert ours == tshark_follow(path, proto, n), f"{proto} stream {n}"
            for node in (0, 1):
                sent = [s for s in data["segments"] if s["node"] == node]
                offsets = [s["offset"] for s in sent]
                lengths = [len(s["payload"]) // 2 for s in sent]
                assert offsets == [sum(lengths[:i]) for i in range(len(sent))]
                assert data["bytes"][node] == sum(lengths)


def test_follow_pages_and_absent_stream():
    path = PCAPS / "cs-http_google.pcapng"
    whole = run("follow", str(path), "--stream", "0", "--limit", "100000")
    assert whole["chunks"] == len(whole["segments"]) > 3 and not whole["more"]
    page = run("follow", str(path), "--stream", "0", "--offset", "1", "--limit", "2")
    assert page["segments"] == whole["segments"][1:3] and page["more"]
    none = run("follow", str(path), "--stream", "999")
    assert none["nodes"] == [] and none["segments"] == [] and none["chunks"] == 0


# ---------------------------------------------------------------- expert

SEVERITIES = {"Errors": "error", "Warns": "warning", "Notes": "note", "Chats": "chat"}


def tshark_expert(path):
    items, severity = collections.Counter(), None
    for line in tshark("-r", str(path), "-qz", "expert").splitlines():
        head = re.match(r"^(Errors|Warns|Notes|Chats) \(\d+\)", line)
        if head:
            severity = SEVERITIES[head.group(1)]
            continue
        row = re.match(r"^\s+(\d+)\s+(\S+)\s+(.+?)  (.*)$", line)
        if row and severity and not line.strip().startswith("Frequency"):
            key = (severity, row.group(2), row.group(3).strip(), row.group(4))
            items[key] += int(row.group(1))
    return items


def covered(summary):
    return any(p.fullmatch(summary) for p in COVERED)


@pytest.mark.parametrize("path", CAPTURES, ids=ids)
def test_expert_matches_tshark(path):
    theirs = {k: v for k, v in tshark_expert(path).items() if covered(k[3])}
    data = run("expert", str(path))
    ours = {(i["severity"], i["group"], i["protocol"], i["summary"]): i["count"]
            for i in data["items"]}
    assert all(covered(k[3]) for k in ours)
    for key in EXPERT_DIFFERENCES.get(path.name, ()):
        theirs.pop(key, None)
    assert ours == theirs
    for severity in SEVERITIES.values():
        assert data["counts"][severity] == sum(v for k, v in ours.items() if k[0] == severity)


#: The COVERED items the captures above hold (so equality with tshark is
#: shown on each).  Keep-alives, zero windows, a full window, reused ports
#: and fast retransmissions are covered but no capture here has one.
SHOWN = ["request (SYN)", "acknowledge (SYN+ACK)", "Connection finish (FIN)",
         "Connection reset (RST)", "initiates the connection", "undergoes the connection",
         "(suspected) retransmission", "spurious retransmission", "out-of-order segment",
         "Previous segment(s) not captured", "ACKed segment that wasn't captured",
         "TCP window update", "Duplicate ACK (#", "D-SACK Sequence", "GET /", "HTTP/1.1 200 OK",
         "Malformed Packet"]


def test_expert_items_shown():
    seen = set()
    for path in CAPTURES:
        seen |= {i["summary"] for i in run("expert", str(path))["items"]}
    assert [w for w in SHOWN if not any(w in s for s in seen)] == []


# ---------------------------------------------------------------- io

def tshark_io(path, interval, filters):
    rows = []
    for line in tshark("-r", str(path), "-qz", ",".join(["io,stat", interval] + filters)
                       ).splitlines():
        if "<>" in line:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            numbers = [int(c) for c in cells[1:] if c]
            rows.append((numbers[0::2], numbers[1::2]))
    return rows


IO_CASES = [("1", []), ("0.1", ["tcp", "udp && !dns", "frame.len > 1000"]), ("0", ["ip"]),
            ("10", [])]


@pytest.mark.parametrize("path", CAPTURES, ids=ids)
def test_io_matches_tshark(path):
    for interval, filters in IO_CASES:
        args = ["io", str(path), "--interval", interval, "--limit", "100000"]
        for f in filters:
            args += ["--filter", f]
        data = run(*args)
        ours = [(r["frames"], r["bytes"]) for r in data["intervals"]]
        theirs = tshark_io(path, interval, filters)
        if data["duration"] == 0 and theirs == []:
            # A deliberate difference: tshark 4.0 prints no interval for a
            # capture of duration 0 (one frame, or all at one time); we
            # answer the one interval that holds its frames.
            assert len(ours) == 1 and data["total"] == 1
            continue
        assert ours == theirs, (interval, filters)
        assert data["columns"] == (filters or [""]) and data["total"] == len(ours)


def test_io_pages_and_bad_filter():
    path = PCAPS / "cs-http_espn.pcapng"
    whole = run("io", str(path), "--interval", "0.01", "--limit", "100000")
    page = run("io", str(path), "--interval", "0.01", "--offset", "5", "--limit", "7")
    assert page["intervals"] == whole["intervals"][5:12] and page["more"]
    out = subprocess.run([PCAP_ANALYZE, "io", str(path), "--interval", "1", "--filter", "tcp.nope"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "tcp.nope" in out.stderr


# ---------------------------------------------------------------- http

def tshark_rows(path, display_filter, fields):
    args = ["-r", str(path), "-Y", display_filter, "-T", "fields", "-E", "occurrence=a",
            "-E", "aggregator=\x01"]
    for f in fields:
        args += ["-e", f]
    return [line.split("\t") for line in tshark(*args).splitlines()]


def tshark_http(path):
    want = []
    for frame, methods, hosts, uris in tshark_rows(
            path, "http.request", ["frame.number", "http.request.method", "http.host",
                                   "http.request.uri"]):
        hosts, uris = hosts.split("\x01") if hosts else [], uris.split("\x01")
        for k, method in enumerate(methods.split("\x01")):
            want.append({"frame": int(frame), "method": method,
                         "host": hosts[k] if k < len(hosts) else None,
                         "uri": uris[k] if k < len(uris) else None,
                         "response_frame": None, "status": None, "time": None})
    for frame, request_in, codes, times in tshark_rows(
            path, "http.response", ["frame.number", "http.request_in", "http.response.code",
                                    "http.time"]):
        codes, times = codes.split("\x01"), times.split("\x01") if times else []
        for k, req in enumerate(request_in.split("\x01") if request_in else []):
            line = next(w for w in want if w["frame"] == int(req) and not w["response_frame"])
            line.update(response_frame=int(frame), status=int(codes[k]),
                        time=round(float(times[k]), 6) if k < len(times) else None)
    return want


@pytest.mark.parametrize("path", [p for p in CAPTURES if "http" in p.name or "arppoison" in p.name
                                  or "tcp_ports" in p.name or "dns_isp" in p.name], ids=ids)
def test_http_requests_match_tshark(path):
    data = run("http-requests", str(path), "--limit", "100000")
    keys = ("frame", "method", "host", "uri", "response_frame", "status", "time")
    ours = [{k: round(r[k], 6) if k == "time" and r[k] is not None else r[k] for k in keys}
            for r in data["requests"]]
    assert ours == tshark_http(path)
    assert data["total"] == len(ours)
