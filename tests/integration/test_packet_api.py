"""The per-packet analysis API (issue 6) on the real daemon:
packets/fields with display filters and paging, dns/lookups and tls/hosts,
each compared with what tshark 4.0 says of the same capture at test time,
large captures answered by the worker (202, then the answer), old caches
recomputed, and every bad parameter refused with a 400 naming it."""
import json
import subprocess
import urllib.parse

import pytest

from conftest import PCAPS, ROOT
from test_analysis_api import cs_error, upload, wait_analysis


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    from conftest import start_daemon
    sample = ROOT / "config" / "sample-traffic.pcap"
    d = start_daemon(tmp_path_factory.mktemp("packets"),
                     [f"net_pcap0,rx_pcap={sample},infinite_rx=1"])
    yield d
    assert d.stop() == 0, d.log()
    assert "runtime error" not in d.log() and "AddressSanitizer" not in d.log()


@pytest.fixture(scope="module")
def uploaded(daemon):
    """Uploads a capture once per module; returns its id."""
    ids = {}

    def get(name):
        if name not in ids:
            r = upload(daemon, PCAPS / name)
            assert r.status == 200, r.body
            ids[name] = json.loads(r.body)["data"]["id"]
        return ids[name]
    return get


def tshark_fields(path, fields, flt=None):
    """tshark's -T fields rows (lists of per-field strings) for a capture."""
    cmd = ["tshark", "-n", "-2", "-r", str(path), "-T", "fields", "-E", "occurrence=a"]
    cmd += [a for f in fields for a in ("-e", f)]
    if flt:
        cmd += ["-Y", flt]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def get(d, cid, view, **query):
    """GETs an analysis view with a properly encoded query string."""
    q = urllib.parse.urlencode(query)
    return d.request("GET", f"/api/v2/analysis/{cid}/{view}" + (f"?{q}" if q else ""))


def as_rows(packets, fields):
    """Turns packets/fields objects into tshark-like rows."""
    rows = []
    for p in packets:
        row = []
        for f in fields:
            v = p["fields"].get(f)
            row.append(",".join(v) if isinstance(v, list) else (v or ""))
        rows.append(row)
    return rows


FIELD_CASES = [
    ("cs-http_post.pcapng", ["frame.number", "ip.src", "tcp.stream", "http.request.method",
                             "http.host", "http.request.uri"], "http.request"),
    ("cs-dns_query_response.pcapng", ["frame.number", "dns.qry.name", "dns.a", "dns.time"],
     "dns.flags.response == 1"),
    ("zeek-http-qinq-0.pcap", ["frame.number", "vlan.id", "tcp.flags", "tcp.len"],
     "tcp.len > 0 and tcp.port in {80, 8080}"),
    ("cs-tcp_handshake.pcapng", ["frame.number", "tcp.analysis.initial_rtt", "tcp.flags.syn"],
     None),
    ("cs-http_espn.pcapng", ["frame.number", "http.response.code"],
     "http.response and not http.response.code in {200..299}"),
]


@pytest.mark.parametrize("name,fields,flt", FIELD_CASES)
def test_fields_equal_tshark(daemon, uploaded, name, fields, flt):
    query = {"fields": ",".join(fields), "limit": 100000}
    if flt:
        query["filter"] = flt
    r = wait_analysis(daemon, uploaded(name), "packets/fields",
                      **{k: urllib.parse.quote(str(v)) for k, v in query.items()})
    assert r.status == 200, r.body
    data = json.loads(r.body)["data"]
    want = tshark_fields(PCAPS / name, fields, flt)
    assert want, "the case selects no frame: it would prove nothing"
    assert as_rows(data["packets"], fields) == want
    assert [p["frame"] for p in data["packets"]] == [int(w[0]) for w in want]
    assert data["more"] is False


def test_paging(daemon, uploaded):
    cid = uploaded("cs-http_espn.pcapng")
    whole = json.loads(get(daemon, cid, "packets/fields", fields="frame.len",
                           filter="tcp", limit=100000).body)["data"]["packets"]
    assert len(whole) > 50
    pages, offset = [], 0
    while True:
        page = json.loads(get(daemon, cid, "packets/fields", fields="frame.len", filter="tcp",
                              limit=17, offset=offset).body)["data"]
        pages += page["packets"]
        offset += 17
        if not page["more"]:
            break
        assert len(page["packets"]) == 17
    assert pages == whole


def test_absent_fields_are_left_out_and_repeats_are_lists(daemon, uploaded):
    cid = uploaded("zeek-http-qinq-0.pcap")
    p = json.loads(get(daemon, cid, "packets/fields", fields="vlan.id,dns.qry.name,frame.len",
                       limit=1).body)["data"]["packets"][0]
    assert p["frame"] == 1
    assert p["fields"]["vlan.id"] == ["0", "0"]
    assert "dns.qry.name" not in p["fields"]
    assert isinstance(p["fields"]["frame.len"], str)


@pytest.mark.parametrize("name", ["cs-dns_query_response.pcapng", "zeek-dns-two-responses.pcap",
                                  "cs-dns_isp_hijack.pcapng", "tcpdump-dns_tcp.pcap"])
def test_dns_lookups_pair_queries_as_tshark_does(daemon, uploaded, name):
    r = wait_analysis(daemon, uploaded(name), "dns/lookups")
    assert r.status == 200, r.body
    lookups = json.loads(r.body)["data"]["lookups"]
    rows = tshark_fields(PCAPS / name, ["frame.number", "dns.flags.response", "dns.response_to",
                                        "dns.time", "dns.qry.name"], "dns")
    queries = [int(f) for f, resp, *_ in rows if resp == "0"]
    assert queries, "no DNS query in the capture: the case proves nothing"
    assert sorted({lk["frame"] for lk in lookups if lk["frame"]}) == sorted(set(queries))
    for f, resp, to, t, qname in rows:
        if resp != "1":
            continue
        mine = [lk for lk in lookups if lk["response_frame"] == int(f)]
        assert len(mine) == 1, (f, lookups)
        assert mine[0]["frame"] == (int(to) if to else None)
        if t:
            assert abs(mine[0]["response_time"] - float(t)) < 1e-9
        assert mine[0]["full_query"] == qname.split(",")[0]


@pytest.mark.parametrize("name", ["zeek-tls-chrome-34-google.pcap", "tcpdump-quic_handshake.pcap",
                                  "zeek-quic-chromium-115-google-de-fragmented.pcap"])
def test_tls_hosts_are_tshark_server_names(daemon, uploaded, name):
    r = wait_analysis(daemon, uploaded(name), "tls/hosts")
    assert r.status == 200, r.body
    hosts = json.loads(r.body)["data"]["hosts"]
    rows = tshark_fields(PCAPS / name, ["frame.number", "tls.handshake.extensions_server_name"],
                         "tls.handshake.extensions_server_name")
    assert rows, "no server name in the capture: the case proves nothing"
    assert sorted({h["server_name"] for h in hosts}) == sorted({r[1] for r in rows})
    assert min(h["first_frame"] for h in hosts) == int(rows[0][0])
    proto = "quic" if "quic" in name else "tls"
    assert all(h["protocol"] == proto and h["port"] in (443, 4433) for h in hosts), hosts


def test_large_capture_query_runs_in_the_worker(daemon, tmp_path):
    big = tmp_path / "big.pcap"
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", str(big)] +
                   [str(PCAPS / "cs-http_espn.pcapng")] * 16, check=True)
    assert big.stat().st_size > 8 << 20
    cid = json.loads(upload(daemon, big).body)["data"]["id"]
    fields, flt = ["frame.number", "tcp.stream", "http.host"], "http.request.method"
    r = get(daemon, cid, "packets/fields", fields=",".join(fields), filter=flt, limit=100000)
    assert r.status in (200, 202), r.body
    q = {"fields": urllib.parse.quote(",".join(fields)), "filter": urllib.parse.quote(flt),
         "limit": 100000}
    r = wait_analysis(daemon, cid, "packets/fields", **q)
    assert r.status == 200, r.body
    got = as_rows(json.loads(r.body)["data"]["packets"], fields)
    assert got == tshark_fields(big, fields, flt)


def test_old_caches_are_recomputed(daemon, uploaded):
    cid = uploaded("tcpdump-dns_udp.pcap")
    assert wait_analysis(daemon, cid, "status").status == 200
    # The answers of one engine version live in summary-vN; those of another
    # version are never served: they are computed again.
    current = [p for p in (daemon.state_dir / "analysis" / cid).iterdir()
               if p.name.startswith("summary-v")]
    assert len(current) == 1 and (current[0] / "dns_lookups.json").exists()
    old = current[0].with_name("summary-v1")
    current[0].rename(old)
    (old / "dns_lookups.json").write_text('{"data":{"lookups":[]}}')
    r = wait_analysis(daemon, cid, "dns/lookups")
    assert r.status == 200, r.body
    assert len(json.loads(r.body)["data"]["lookups"]) == 1
    assert (current[0] / "dns_lookups.json").exists()


@pytest.mark.parametrize("query,status,words", [
    ({}, 400, ["fields", "required"]),
    ({"fields": "ip.src,nope.field"}, 400, ["fields", "nope.field", "offset 7"]),
    ({"fields": "ip.src,,tcp.port"}, 400, ["fields", "empty"]),
    ({"fields": "tcp"}, 400, ["fields", "protocol"]),
    ({"fields": "ip.src", "filter": "ip.src == "}, 400, ["filter", "offset"]),
    ({"fields": "ip.src", "filter": "nope.field == 1"}, 400, ["filter", "nope.field"]),
    ({"fields": "ip.src", "filter": "(tcp"}, 400, ["filter"]),
    ({"fields": "ip.src", "limit": "ten"}, 400, ["limit", "integer"]),
    ({"fields": "ip.src", "limit": "100001"}, 400, ["limit", "100000"]),
    ({"fields": "ip.src", "offset": "-1"}, 400, ["offset", "integer"]),
])
def test_bad_parameters_are_400_naming_them(daemon, uploaded, query, status, words):
    cs_error(get(daemon, uploaded("tcpdump-dns_udp.pcap"), "packets/fields", **query), status,
             words)


def test_bad_percent_encoding_is_400(daemon, uploaded):
    cid = uploaded("tcpdump-dns_udp.pcap")
    r = daemon.request("GET", f"/api/v2/analysis/{cid}/packets/fields?fields=ip.src%zz")
    cs_error(r, 400, ["fields", "percent"])
    r = daemon.request("GET", f"/api/v2/analysis/{cid}/packets/fields?fields=ip.src%00")
    cs_error(r, 400, ["fields"])
    assert daemon.alive()
