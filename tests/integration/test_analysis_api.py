"""The analysis API (CloudShark's /api/v2) on the real daemon: uploads (raw
and multipart, Bearer and bare tokens), a job's capture analysed under its
job id, answers checked against capinfos and tshark, a large capture
analysed off the event loop, and every error with its status and
{"status", "exceptions"} body."""
import json
import subprocess
import time
import urllib.request

import pytest

from conftest import OTHER_ACCOUNT, PCAPS, ROOT


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    from conftest import start_daemon
    sample = ROOT / "config" / "sample-traffic.pcap"
    d = start_daemon(tmp_path_factory.mktemp("analysis"),
                     [f"net_pcap0,rx_pcap={sample},infinite_rx=1"])
    yield d
    assert d.stop() == 0, d.log()
    assert "runtime error" not in d.log() and "AddressSanitizer" not in d.log()


def upload(d, path, token=None, bare=False, multipart=False):
    data = path.read_bytes()
    headers = {"Content-Type": "application/octet-stream"}
    if multipart:
        boundary = "pcapd-test-boundary"
        data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"{path.name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    if bare:
        headers["Authorization"] = token or d.token
        return d.request("POST", "/api/v2/upload", raw=data, headers=headers, token=None)
    return d.request("POST", "/api/v2/upload", raw=data, headers=headers,
                     **({"token": token} if token else {}))


def analysis(d, cid, view, token=None, **query):
    q = "&".join(f"{k}={v}" for k, v in query.items())
    path = f"/api/v2/analysis/{cid}/{view}" + (f"?{q}" if q else "")
    return d.request("GET", path, **({"token": token} if token else {}))


def wait_analysis(d, cid, view, **query):
    """Retries while the answer is 202 (analysis running)."""
    for _ in range(300):
        r = analysis(d, cid, view, **query)
        if r.status != 202:
            return r
        assert r.headers.get("retry-after") == "1"
        time.sleep(0.1)
    raise AssertionError("analysis did not finish")


def capinfos_frames(path):
    out = subprocess.run(["capinfos", "-M", "-c", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return int(out.strip().splitlines()[-1].split()[-1])


def tshark_ip_endpoints(path):
    out = subprocess.run(["tshark", "-n", "-q", "-r", str(path), "-z", "endpoints,ip"],
                         capture_output=True, text=True, check=True).stdout
    hosts = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0].count(".") == 3 and len(parts) >= 7:
            hosts[parts[0]] = int(parts[1])
    return hosts


def cs_error(r, status, words=()):
    assert r.status == status, r.body
    body = json.loads(r.body)
    assert body["status"] == status and len(body["exceptions"]) == 1, body
    for w in words:
        assert w in body["exceptions"][0], body
    return body


@pytest.mark.parametrize("name", ["cs-http_espn.pcapng", "zeek-http-vlan-0.pcap"])
def test_upload_and_analyse_like_tshark(daemon, name):
    path = PCAPS / name
    r = upload(daemon, path)
    assert r.status == 200, r.body
    data = json.loads(r.body)["data"]
    assert len(data["id"]) == 32 and data["filesize"] == path.stat().st_size
    status = json.loads(wait_analysis(daemon, data["id"], "status").body)["data"]
    assert status["frames"] == capinfos_frames(path)
    ep = json.loads(wait_analysis(daemon, data["id"], "stats/endpoints", protocol="ip").body)
    got = {h["host"]: h["txf"] + h["rxf"] for h in ep["data"]["hosts"]}
    assert got == tshark_ip_endpoints(path)
    tree = json.loads(wait_analysis(daemon, data["id"], "stats/hierarchy").body)["data"]
    assert tree["protos"][0]["proto"] == "eth"
    assert tree["protos"][0]["frames"] == status["frames"]
    conv = json.loads(wait_analysis(daemon, data["id"], "stats/conversations",
                                    protocol="tcp").body)["data"]
    assert conv["convs"] and all("sport" in c and "dport" in c for c in conv["convs"])


def test_multipart_upload_with_bare_token(daemon):
    r = upload(daemon, PCAPS / "tcpdump-dns_udp.pcap", bare=True, multipart=True)
    assert r.status == 200, r.body
    data = json.loads(r.body)["data"]
    assert data["filename"] == "tcpdump-dns_udp.pcap"
    r = daemon.request("GET", f"/api/v2/analysis/{data['id']}/status",
                       headers={"Authorization": daemon.token}, token=None)
    assert r.status == 200 and json.loads(r.body)["data"]["frames"] == 2


def test_job_capture_is_analysable_under_its_id(daemon):
    r = daemon.create(time_limit=5, packet_limit=50, filter_v1={"protocol": 6})
    cid = r.json["result"]["id"]
    running = analysis(daemon, cid, "status")
    if daemon.request("GET", daemon.pcaps(f"/{cid}")).json["result"]["status"] == "running":
        cs_error(running, 409, [cid])
    done = daemon.wait_status(cid)
    status = json.loads(wait_analysis(daemon, cid, "status").body)["data"]
    assert status["frames"] == done["packets_captured"] == 50
    tree = json.loads(wait_analysis(daemon, cid, "stats/hierarchy").body)["data"]
    tcp = [p for p in tree["protos"][0]["protos"] if p["proto"] in ("ip", "ipv6", "vlan")]
    assert sum(p["frames"] for p in tcp) == 50


def test_large_capture_is_analysed_off_the_event_loop(daemon, tmp_path):
    big = tmp_path / "big.pcap"
    srcs = [str(PCAPS / "cs-http_espn.pcapng")] * 16
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", str(big)] + srcs, check=True)
    assert big.stat().st_size > 8 << 20
    r = upload(daemon, big)
    assert r.status == 200, r.body
    cid = json.loads(r.body)["data"]["id"]
    # The jobs API keeps answering while the analysis runs.
    assert daemon.request("GET", daemon.pcaps()).status == 200
    status = json.loads(wait_analysis(daemon, cid, "status").body)["data"]
    assert status["frames"] == capinfos_frames(big)


def test_errors(daemon, tmp_path):
    good = json.loads(upload(daemon, PCAPS / "tcpdump-dns_udp.pcap").body)["data"]["id"]
    cs_error(daemon.request("GET", f"/api/v2/analysis/{good}/status", token=None), 401)
    cs_error(daemon.request("GET", f"/api/v2/analysis/{good}/status", token="x" * 40), 401)
    reader = daemon.create_token(permission="read")
    cs_error(upload(daemon, PCAPS / "tcpdump-dns_udp.pcap", token=reader), 403, ["read"])
    assert analysis(daemon, good, "status", token=reader).status == 200
    other = daemon.create_token(account=OTHER_ACCOUNT)
    cs_error(analysis(daemon, good, "status", token=other), 404, [good])
    cs_error(analysis(daemon, "0" * 32, "status"), 404)
    cs_error(analysis(daemon, "not-an-id", "status"), 404)
    cs_error(analysis(daemon, good, "stats/endpoints", protocol="sctp"), 400, ["protocol", "eth, ip, ipv6, tcp, udp"])
    cs_error(analysis(daemon, good, "stats/nothing"), 404)
    cs_error(daemon.request("DELETE", f"/api/v2/analysis/{good}/status"), 405)
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture at all, not even close" * 10)
    cs_error(upload(daemon, junk), 400, ["pcap"])
    cut = tmp_path / "cut.pcap"
    cut.write_bytes((PCAPS / "cs-http_espn.pcapng").read_bytes()[:5000])
    cs_error(upload(daemon, cut), 400, ["not a valid capture"])
    assert daemon.alive()


def test_retention_removes_old_uploads_with_their_analysis(daemon_factory):
    from conftest import ROOT as root
    sample = root / "config" / "sample-traffic.pcap"
    d = daemon_factory([f"net_pcap0,rx_pcap={sample},infinite_rx=1"],
                       extra={"retention_seconds": 4})
    cid = json.loads(upload(d, PCAPS / "tcpdump-dns_udp.pcap").body)["data"]["id"]
    assert analysis(d, cid, "status").status == 200
    files = list(d.state_dir.glob(f"uploads/*/{cid}.pcap")) + [d.state_dir / "analysis" / cid]
    assert all(f.exists() for f in files)
    deadline = time.monotonic() + 30
    while analysis(d, cid, "status").status == 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    cs_error(analysis(d, cid, "status"), 404)
    assert not any(f.exists() for f in files)


def test_views_answer_like_tshark(daemon):
    """follow, expert, stats/io and http/requests of an uploaded capture,
    each checked against tshark 4.0 (tests/analysis/test_views.py holds
    pcap-analyze's views against tshark on every shared capture)."""
    path = PCAPS / "cs-http_google.pcapng"
    cid = json.loads(upload(daemon, path).body)["data"]["id"]
    r = wait_analysis(daemon, cid, "follow", stream=0, proto="tcp", limit=2, offset=1)
    assert r.status == 200, r.body
    follow = json.loads(r.body)["data"]
    raw = subprocess.run(["tshark", "-r", str(path), "-qz", "follow,tcp,raw,0"],
                         capture_output=True, text=True, check=True).stdout
    chunks = [l.strip() for l in raw.splitlines()[6:] if l.strip() and not l.startswith("=")]
    assert [s["payload"] for s in follow["segments"]] == chunks[1:3] and follow["more"]
    assert follow["nodes"][0] == {"host": "172.16.16.128", "port": 1606}

    expert = json.loads(wait_analysis(daemon, cid, "expert").body)["data"]
    assert {"Connection establish request (SYN): server port 80", "GET / HTTP/1.1\\r\\n"} <= {
        i["summary"] for i in expert["items"]}
    assert expert["counts"]["chat"] == 4

    r = wait_analysis(daemon, cid, "stats/io", interval="0.05", filter="tcp&filter=http")
    io = json.loads(r.body)["data"]
    assert io["columns"] == ["tcp", "http"]
    table = subprocess.run(["tshark", "-r", str(path), "-qz", "io,stat,0.05,tcp,http"],
                           capture_output=True, text=True, check=True).stdout
    frames = [[int(c) for c in l.strip().strip("|").split("|")[1::2]]
              for l in table.splitlines() if "<>" in l]
    assert [i["frames"] for i in io["intervals"]] == frames

    http = json.loads(wait_analysis(daemon, cid, "http/requests").body)["data"]
    assert [(q["method"], q["host"], q["uri"], q["status"]) for q in http["requests"]] == [
        ("GET", "www.google.com", "/", 200)]


@pytest.mark.parametrize("view,query,words", [
    ("follow", {}, ["stream: required"]),
    ("follow", {"stream": "x"}, ["stream: must be an integer from 0 to 4294967295"]),
    ("follow", {"stream": "0", "proto": "sctp"}, ["proto: must be tcp or udp"]),
    ("follow", {"stream": "0", "limit": "100001"}, ["limit: must be an integer"]),
    ("stats/io", {}, ["interval: required"]),
    ("stats/io", {"interval": "0.0000001"}, ["interval: must be", "at most 6 decimals"]),
    ("stats/io", {"interval": "1", "filter": "tcp.nope"}, ["filter:", "filter 1"]),
    ("stats/io", {"interval": "1", "filter": ""}, ["filter: must not be empty"]),
    ("http/requests", {"offset": "-1"}, ["offset: must be an integer"]),
])
def test_views_refuse_bad_parameters(daemon, view, query, words):
    cid = json.loads(upload(daemon, PCAPS / "cs-http_google.pcapng").body)["data"]["id"]
    cs_error(analysis(daemon, cid, view, **query), 400, words)
