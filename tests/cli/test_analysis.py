"""pcapctl's analysis commands against the real daemon: upload, analyze
(every table printed from the API's own answer, and --json), fields
printed byte for byte as tshark -T fields prints them."""
import json
import re
import subprocess

import pytest

from conftest import SAMPLE

ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(scope="module")
def uploaded(replay, tmp_path_factory):
    from conftest import Cli
    cli = Cli(replay, tmp_path_factory.mktemp("analysis"))
    p = cli("upload", SAMPLE)
    assert p.returncode == 0, p.stderr
    assert ID.match(p.stdout.strip())
    return p.stdout.strip()


def analysis_json(cli, cid):
    p = cli("analyze", cid, "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_upload_json_and_errors(cli, tmp_path):
    p = cli("upload", SAMPLE, "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["filename"] == SAMPLE.name, "the file is sent with its name"
    assert data["filesize"] == SAMPLE.stat().st_size
    p = cli("upload", tmp_path / "missing.pcap")
    assert p.returncode == 8 and "missing.pcap: No such file or directory" in p.stderr
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture at all, not even close")
    p = cli("upload", junk)
    assert p.returncode == 1 and "file: not a pcap or pcapng capture (HTTP 400)" in p.stderr


def test_analyze_prints_the_apis_answers(cli, uploaded):
    data = analysis_json(cli, uploaded)
    assert set(data) == {"status", "hierarchy", "endpoints_ip", "endpoints_ipv6",
                         "conversations_ip", "conversations_ipv6", "dns_lookups", "tls_hosts"}
    p = cli("analyze", uploaded, "--limit", "0")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    st = data["status"]
    assert out.startswith(f"Capture {uploaded}: {st['frames']} frames, {st['data_size']} bytes")

    # The hierarchy: one row per protocol, indented two spaces per level.
    block = out.split("\nProtocol hierarchy\n")[1].split("\n\n")[0].splitlines()
    assert block[0].split() == ["PROTOCOL", "FRAMES", "BYTES"]
    expected = []

    def walk(protos, depth):
        for p_ in protos:
            expected.append((depth, p_["proto"], p_["frames"], p_["bytes"]))
            walk(p_.get("protos", []), depth + 1)
    walk(data["hierarchy"]["protos"], 0)
    rows = []
    for line in block[1:]:
        body = line[2:]
        depth = (len(body) - len(body.lstrip(" "))) // 2
        name, frames, size = body.split()
        rows.append((depth, name, int(frames), int(size)))
    assert rows == expected

    # Top talkers: IPv4 and IPv6 hosts together, by bytes, largest first.
    hosts = data["endpoints_ip"]["hosts"] + data["endpoints_ipv6"]["hosts"]
    by_bytes = sorted(hosts, key=lambda h: -(h["txb"] + h["rxb"]))
    block = out.split("\nTop talkers (IPv4 and IPv6, by bytes)\n")[1].split("\n\n")[0]
    talkers = [line.split() for line in block.splitlines()[1:]]
    assert len(talkers) == min(10, len(hosts))
    assert [int(t[2]) for t in talkers] == [h["txb"] + h["rxb"] for h in by_bytes[:10]]
    assert talkers[0][0] in {h["host"] for h in by_bytes
                             if h["txb"] + h["rxb"] == by_bytes[0]["txb"] + by_bytes[0]["rxb"]}

    # DNS lookups and TLS names: every one the API lists.
    block = out.split("\nDNS lookups\n")[1].split("\n\n")[0]
    queries = [line.split()[3] for line in block.splitlines()[1:]]
    assert queries == [lk["full_query"] for lk in data["dns_lookups"]["lookups"]]
    block = out.split("\nTLS and QUIC server names\n")[1]
    names = [line.split()[0] for line in block.splitlines()[1:]]
    assert names == [h["server_name"] for h in data["tls_hosts"]["hosts"]]
    assert "google.de" in names

    # --top and --limit cut the tables.
    p = cli("analyze", uploaded, "--top", "2", "--limit", "1")
    block = p.stdout.split("\nTop talkers (IPv4 and IPv6, by bytes)\n")[1].split("\n\n")[0]
    assert len(block.splitlines()) == 3
    n_dns = len(data["dns_lookups"]["lookups"])
    assert f"... and {n_dns - 1} more (--limit 0 shows all)" in p.stdout


def test_analyze_a_job_capture(cli):
    p = cli("capture", "--time-limit", "20", "--packet-limit", "60", "--proto", "udp", "--wait")
    assert p.returncode == 0, p.stderr
    cid = p.stdout.strip()
    data = analysis_json(cli, cid)
    assert data["status"]["frames"] == 60
    assert [p_["proto"] for p_ in data["hierarchy"]["protos"]] == ["eth"]
    p = cli("analyze", "0" * 32)
    assert p.returncode == 5 and "(HTTP 404)" in p.stderr


def tshark_fields(filter_, fields, *extra):
    args = ["tshark", "-n", "-2", "-r", str(SAMPLE), "-T", "fields", "-E", "occurrence=a"]
    if filter_:
        args += ["-Y", filter_]
    for f in fields:
        args += ["-e", f]
    return subprocess.run(args + list(extra), capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("filter_, fields", [
    ("dns", ["frame.number", "ip.src", "dns.qry.name", "dns.a", "dns.flags.rcode"]),
    ("tcp.port == 80 and ip.addr == 141.142.0.0/16", ["frame.number", "ip.addr", "tcp.stream",
                                                      "tcp.flags", "http.host"]),
    ("", ["frame.number", "eth.src", "vlan.id", "ipv6.src", "udp.srcport"]),
    ("tls.handshake.type == 1", ["frame.number", "tls.handshake.extensions_server_name"]),
])
def test_fields_print_as_tshark(cli, uploaded, filter_, fields):
    args = ["fields", uploaded]
    if filter_:
        args += ["-Y", filter_]
    for f in fields:
        args += ["-e", f]
    p = cli(*args)
    assert p.returncode == 0, p.stderr
    expected = tshark_fields(filter_, fields)
    assert expected, "the filter must select frames"
    assert p.stdout == expected


def test_fields_settings_and_paging(cli, uploaded):
    fields = ["frame.number", "ip.addr", "tcp.srcport"]
    args = ["fields", uploaded, "-Y", "tcp"] + sum((["-e", f] for f in fields), [])
    p = cli(*args, "-E", "header=y", "-E", "separator=,", "-E", "aggregator=;", "-E", "quote=d")
    assert p.returncode == 0, p.stderr
    assert p.stdout == tshark_fields("tcp", fields, "-E", "header=y", "-E", "separator=,",
                                     "-E", "aggregator=;", "-E", "quote=d")
    every = cli(*args).stdout.splitlines()
    assert cli(*args, "-c", "5").stdout.splitlines() == every[:5]
    assert cli(*args, "--offset", "3", "-c", "2").stdout.splitlines() == every[3:5]


def test_fields_errors_are_the_apis(cli, uploaded):
    p = cli("fields", uploaded, "-Y", "ip.src ==", "-e", "frame.number")
    assert p.returncode == 1
    assert re.search(r"pcapctl: filter: .*\(at offset \d+\) \(HTTP 400\)", p.stderr), p.stderr
    p = cli("fields", uploaded, "-e", "no.such.field")
    assert p.returncode == 1 and "fields:" in p.stderr and "no.such.field" in p.stderr
