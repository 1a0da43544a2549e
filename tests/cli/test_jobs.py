"""pcapctl's jobs commands against the real daemon: capture with every
create field (names and numbers), list and show as tables and --json,
stop, wait, download, and the exit code of every kind of failure."""
import json
import re
import signal
import subprocess

import pytest

from conftest import Cli, SAMPLE

ID = re.compile(r"^[0-9a-f]{32}$")


def created_id(p):
    assert p.returncode == 0, p.stderr
    assert ID.match(p.stdout.strip()), p.stdout
    return p.stdout.strip()


def show(cli, cid):
    p = cli("show", cid, "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def capinfos_count(path):
    out = subprocess.run(["capinfos", "-M", "-c", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return int(out.strip().splitlines()[-1].split()[-1])


@pytest.mark.parametrize("flags, filter_v1", [
    (["--proto", "tcp", "--dport", "http", "--src", "10.0.0.0/8"],
     {"protocol": 6, "destination_port": 80, "source_address": "10.0.0.0/8"}),
    (["--proto", "17", "--sport", "53", "--dst", "2001:db8::1"],
     {"protocol": 17, "source_port": 53, "destination_address": "2001:db8::1"}),
    (["--proto", "icmpv6"], {"protocol": 58}),
    ([], {}),
])
def test_capture_sends_every_filter_field(cli, flags, filter_v1):
    cid = created_id(cli("capture", "--time-limit", "1m", "--packet-limit", "5", *flags))
    c = show(cli, cid)
    assert c["filter_v1"] == filter_v1
    assert c["type"] == "simple" and c["system"] == "magic-transit"
    assert c["time_limit"] == 60 and c["packet_limit"] == 5
    cli("stop", cid)


def test_full_capture_fields_and_stop(cli):
    p = cli("capture", "--type", "full", "--colo", "local", "--time-limit", "2h",
            "--byte-limit", "5M", "--packet-limit", "1000", "--destination",
            "s3://bucket?region=auto", "--proto", "sctp", "--json")
    assert p.returncode == 0, p.stderr
    c = json.loads(p.stdout)
    assert c["type"] == "full" and c["colo_name"] == "local" and c["time_limit"] == 7200
    assert c["byte_limit"] == 5_000_000 and c["packet_limit"] == 1000
    assert c["destination_conf"] == "s3://bucket?region=auto"
    assert c["filter_v1"] == {"protocol": 132}
    # A second full capture while this one runs: 409, exit 6.
    p = cli("capture", "--type", "full", "--colo", "local", "--time-limit", "10")
    assert p.returncode == 6 and "code 1201" in p.stderr, p.stderr
    # Downloading it while it runs: 409, exit 6, and no file left behind.
    out = cli.home / "running.pcap"
    p = cli("download", c["id"], "-o", out)
    assert p.returncode == 6 and "code 1200" in p.stderr, p.stderr
    assert not out.exists() and not (cli.home / "running.pcap.part").exists()
    p = cli("stop", c["id"], "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["stop_requested"] is True
    p = cli("wait", c["id"])
    assert p.returncode == 0, p.stderr
    assert "status:" in p.stdout and "success" in p.stdout
    assert cli("stop", c["id"]).returncode == 0, "stopping again is harmless"


def test_api_validation_errors_exit_1_with_the_api_message(cli):
    p = cli("capture", "--time-limit", "900", "--packet-limit", "10")
    assert p.returncode == 1
    assert "time_limit: must be an integer from 1 to 300 (HTTP 400, code 1005)" in p.stderr
    p = cli("capture", "--packet-limit", "10")
    assert p.returncode == 1 and "time_limit: is required" in p.stderr
    p = cli("capture", "--time-limit", "5", "--packet-limit", "10", "--src", "10.0.0.300")
    assert p.returncode == 1 and "filter_v1.source_address" in p.stderr, p.stderr
    p = cli("capture", "--time-limit", "5", "--packet-limit", "10", "--dport", "70000")
    assert p.returncode == 1 and "filter_v1.destination_port" in p.stderr, p.stderr
    p = cli("capture", "--type", "full", "--time-limit", "5")
    assert p.returncode == 1 and "colo_name: is required" in p.stderr


def test_wait_and_output_download_the_file(cli):
    out = cli.home / "web.pcap"
    p = cli("capture", "--time-limit", "20", "--packet-limit", "40", "--proto", "tcp", "-o", out)
    cid = created_id(p)
    assert p.stderr == "", "no progress and no chatter when stderr is not a terminal"
    assert capinfos_count(out) == 40
    c = show(cli, cid)
    assert c["status"] == "success" and c["packets_captured"] == 40
    # download gives the same bytes, to a file (ID.pcap by default) and to stdout.
    p = cli("download", cid, cwd=cli.home)
    assert p.returncode == 0, p.stderr
    assert (cli.home / f"{cid}.pcap").read_bytes() == out.read_bytes()
    p = cli("download", cid, "-o", "-", text=False)
    assert p.returncode == 0 and p.stdout == out.read_bytes()
    # --json with --wait prints the ended capture.
    p = cli("capture", "--time-limit", "20", "--packet-limit", "3", "--wait", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["status"] == "success"


def test_list_table_and_json(cli):
    cid = created_id(cli("capture", "--time-limit", "5", "--packet-limit", "7", "--proto",
                         "udp", "--dport", "53"))
    cli("wait", cid)
    p = cli("list")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "TYPE", "SUBMITTED", "TIME", "PACKETS",
                                "DROPPED", "FILTER"]
    row = next(line for line in lines if line.startswith(cid))
    assert row.split()[1:3] == ["success", "simple"]
    assert row.split()[5] == "7/7" and row.endswith("proto udp dport 53")
    # Columns are aligned: every row's STATUS starts where the header's does.
    col = lines[0].index("STATUS")
    assert all(line[col - 2:col] == "  " and line[col] != " " for line in lines[1:])
    p = cli("list", "--json")
    listed = json.loads(p.stdout)
    assert isinstance(listed, list) and cid in [c["id"] for c in listed]
    p = cli("list", "--json", "--per-page", "1", "--page", "1")
    assert len(json.loads(p.stdout)) == 1


def test_show_prints_every_field(cli):
    cid = created_id(cli("capture", "--time-limit", "5", "--packet-limit", "2", "--src",
                         "192.168.0.0/16"))
    cli("wait", cid)
    p = cli("show", cid)
    assert p.returncode == 0
    fields = dict(re.match(r"^(\S+):\s+(.*)$", line).groups() for line in p.stdout.splitlines())
    c = show(cli, cid)
    assert set(fields) == set(c)
    assert fields["id"] == cid and fields["packets_captured"] == str(c["packets_captured"])
    assert fields["filter_v1"] == "src 192.168.0.0/16"


def test_not_found_and_auth_exit_codes(cli, replay):
    p = cli("show", "0" * 32)
    assert p.returncode == 5 and "code 1102" in p.stderr
    p = cli("download", "../../etc")
    assert p.returncode == 5, p.stderr
    p = cli("list", "--token", "0" * 40)
    assert p.returncode == 4 and "(HTTP 401, code 1401)" in p.stderr
    read = replay.create_token(permission="read")
    p = cli("capture", "--time-limit", "5", "--packet-limit", "1", "--token", read)
    assert p.returncode == 4 and "(HTTP 403, code 1402)" in p.stderr
    assert cli("list", "--token", read).returncode == 0
    p = cli("list", "--account", "0123456789abcdef0123456789abcdef")
    assert p.returncode == 5 and "code 1101" in p.stderr


def test_rate_limit_exits_6(daemon_factory, tmp_path):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"],
                       extra={"simple_rate_window": 60})
    cli = Cli(d, tmp_path)
    created_id(cli("capture", "--time-limit", "5", "--packet-limit", "1"))
    p = cli("capture", "--time-limit", "5", "--packet-limit", "1")
    assert p.returncode == 6 and "code 1301" in p.stderr, p.stderr


def test_failed_capture_exits_7(daemon_factory, tmp_path):
    ports = [f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"]
    d = daemon_factory(ports, name="victim")
    cli = Cli(d, tmp_path)
    cid = created_id(cli("capture", "--time-limit", "5m", "--packet-limit", "10", "--proto",
                         "250"))
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(10)
    d2 = daemon_factory(ports, name="victim", token=d.token)
    cli = Cli(d2, tmp_path)
    out = tmp_path / "failed.pcap"
    p = cli("wait", cid, "-o", out)
    assert p.returncode == 7, p.stderr
    assert f"capture {cid} failed: interrupted" in p.stderr
    assert capinfos_count(out) == 0, "what a failed capture wrote is still downloaded"


def test_capture_file_not_writable_exits_8(cli):
    cid = created_id(cli("capture", "--time-limit", "5", "--packet-limit", "1", "--wait"))
    p = cli("download", cid, "-o", cli.home / "no" / "such" / "dir.pcap")
    assert p.returncode == 8 and "No such file or directory" in p.stderr
