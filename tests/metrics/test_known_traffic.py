"""The counters of /metrics and of DPDK telemetry against known traffic: a
net_pcap port reads a FIFO the test feeds a real capture into once a
capture of every packet is running, so every figure is known: the port,
the rx lcore and the writer saw exactly the capture's packets, the writer
wrote exactly the bytes of the file the API serves, nothing was lost, and
telemetry (ours and DPDK's own /ethdev/stats) agrees with the scrape."""
import os
import subprocess
import time

import pytest

import pcapfile
from conftest import PCAPS, ROOT, dpdk_telemetry_py, scrape, start_daemon, telemetry
from pcapd_fixtures import wait_for
from test_capture import FifoFeeder, to_classic_pcap

SOURCE = "cs-http_espn.pcapng"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Feeds SOURCE to a daemon with one simple capture of every packet
    (sample rate 1), stops the capture once every packet is counted, and
    keeps what the test saw on the way."""
    tmp = tmp_path_factory.mktemp("known")
    src = tmp / "source.pcap"
    data = to_classic_pcap(PCAPS / SOURCE, src)
    records = pcapfile.PcapFile(data).records
    fifo = tmp / "port0.fifo"
    os.mkfifo(fifo)
    feeder = FifoFeeder(fifo, data)
    feeder.start()
    d = start_daemon(tmp, [f"net_pcap0,rx_pcap={fifo}"], extra={"metrics": "open", "history_sample_rate": 0})
    out = {"d": d, "n": len(records), "caplen": sum(r[2] for r in records)}
    out["before"] = scrape(d)
    r = d.create(time_limit=120, packet_limit=10000)
    assert r.status == 200, r.body
    cid = out["cid"] = r.json["result"]["id"]
    d.wait_status(cid, statuses=("running",))
    out["jobs"], out["job"] = telemetry(d, "/pcapd/jobs", f"/pcapd/jobs,{cid}")
    out["api_running"] = d.request("GET", d.pcaps(f"/{cid}")).json["result"]
    out["running"] = scrape(d)
    feeder.go.set()
    feeder.join(60)
    wait_for("every packet captured", lambda: d.request(
        "GET", d.pcaps(f"/{cid}")).json["result"]["packets_captured"] == len(records))
    assert d.request("PUT", d.pcaps(f"/{cid}/stop")).status == 200
    out["done"] = d.wait_status(cid)
    out["file"] = d.request("GET", d.pcaps(f"/{cid}/download")).body
    out["after"] = wait_for("the capture recorded", lambda: (
        lambda s: s if s.get("pcapd_captures_active") == 0 else None)(scrape(d)))
    out["tel_stats"], out["tel_jobs"], out["ethdev"] = telemetry(
        d, "/pcapd/stats", "/pcapd/jobs", "/ethdev/stats,0")
    out["tool"] = dpdk_telemetry_py(d, "/pcapd/stats", "/ethdev/stats,0")
    yield out
    rc = d.stop()
    log = d.log()
    assert rc == 0, log
    assert "runtime error" not in log and "AddressSanitizer" not in log, log


def test_nothing_counted_before_traffic(run):
    s = run["before"]
    assert s.get("pcapd_port_rx_packets_total", port="net_pcap0") == 0
    assert s.total("pcapd_rx_lcore_packets_total") == 0
    assert s.total("pcapd_writer_records_total") == 0
    assert s.total("pcapd_captures") == 0


def test_port_and_rx_lcore_count_the_capture(run):
    s, n = run["after"], run["n"]
    assert s.get("pcapd_port_rx_packets_total", port="net_pcap0") == n
    assert s.get("pcapd_port_rx_bytes_total", port="net_pcap0") == run["caplen"]
    for name in ("pcapd_port_rx_missed_packets_total", "pcapd_port_rx_nombuf_total",
                 "pcapd_port_rx_errors_total"):
        assert s.get(name, port="net_pcap0") == 0, name
    lcores = s.find("pcapd_rx_lcore_packets_total")
    assert len(lcores) == 1 and lcores[0][1] == n
    lcore = lcores[0][0]["lcore"]
    # It was busy while it received, and never longer than it lived.
    busy = s.get("pcapd_rx_lcore_busy_seconds_total", lcore=lcore)
    assert 0 < busy <= time.time() - s.get("pcapd_start_time_seconds")
    assert 0 <= s.get("pcapd_rx_lcore_busy_ratio", lcore=lcore) <= 1


def test_writer_wrote_the_file_the_api_serves(run):
    s, n = run["after"], run["n"]
    assert run["done"]["status"] == "success" and run["done"]["packets_captured"] == n
    assert len(pcapfile.PcapFile(run["file"]).records) == n
    assert s.total("pcapd_writer_records_total") == n
    assert s.total("pcapd_writer_late_records_total") == 0
    assert s.total("pcapd_writer_written_bytes_total") == len(run["file"])
    writes = s.total("pcapd_writer_write_duration_seconds_count")
    # The writer hands the file to the kernel in writes of at most its
    # 64 KiB buffer; the drain timer may add partial ones, never fewer.
    assert writes >= -(-len(run["file"]) // 65536)
    assert s.total("pcapd_writer_write_duration_seconds_bucket", le="+Inf") == writes
    assert s.total("pcapd_writer_write_duration_seconds_sum") > 0


def test_nothing_dropped_and_rings_empty(run):
    s = run["after"]
    drops = dict((l["stage"], v) for l, v in s.find("pcapd_dropped_packets_total"))
    assert drops == {"port_missed": 0, "port_nombuf": 0, "ring_full": 0, "writer_backlog": 0}
    assert s.total("pcapd_ring_entries") == 0
    for labels, cap in s.find("pcapd_ring_capacity_entries"):
        assert cap > 0 and s.get("pcapd_ring_entries", **labels) <= cap
    # A table with the job, and one without it.
    assert s.get("pcapd_table_builds_total") >= 2
    assert s.get("pcapd_table_pending") == 0


def test_captures_by_status_follow_the_capture(run):
    running, after = run["running"], run["after"]
    assert running.get("pcapd_captures", type="simple", status="running") == 1
    assert running.total("pcapd_captures") == 1
    assert running.get("pcapd_captures_active") == 1
    assert after.get("pcapd_captures", type="simple", status="success") == 1
    assert after.total("pcapd_captures") == 1
    assert after.get("pcapd_captures_max") == 64


def test_no_capture_id_is_a_label(run):
    """No label value anywhere is a capture id (or any 32 hex digits)."""
    for s in (run["running"], run["after"]):
        for (name, labels) in s.samples:
            for _, value in labels:
                assert run["cid"] not in value and not (
                    len(value) == 32 and all(c in "0123456789abcdef" for c in value)), name


def test_build_info_and_disk(run):
    s = run["after"]
    version = next(line.split("'")[1] for line in (ROOT / "meson.build").read_text().splitlines()
                   if line.strip().startswith("version :"))
    (labels, value), = s.find("pcapd_build_info")
    assert value == 1 and labels["version"] == version
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                         capture_output=True, text=True)
    if git.returncode == 0:
        assert labels["commit"].startswith(git.stdout.strip()), labels
    assert s.get("pcapd_disk_reserve_bytes") == 64 << 20
    assert s.get("pcapd_disk_free_bytes") > 64 << 20
    assert s.get("pcapd_disk_state", state="ok") == 1
    assert s.get("pcapd_disk_state", state="low") == 0
    assert s.get("pcapd_analysis_queue_depth") == 0


def test_telemetry_jobs_while_running(run):
    jobs, job, api = run["jobs"], run["job"], run["api_running"]
    assert jobs == {"count": 1, "ids": [run["cid"]]}
    for key in ("id", "type", "status", "time_limit", "packet_limit", "submitted"):
        assert job[key] == api[key], key
    assert job["account_id"] == run["d"].pcaps().split("/")[4]
    assert job["stop_requested"] == 0
    assert run["tel_jobs"] == {"count": 0, "ids": []}


def test_telemetry_stats_agree_with_the_scrape(run):
    s, n = run["after"], run["n"]
    for stats in (run["tel_stats"], run["tool"][0]):
        assert stats["rx_packets"] == n
        assert stats["writer_records"] == n
        assert stats["ring_full"] == stats["rx_missed"] == stats["writer_backlog_full"] == 0
        assert stats["captures_simple_success"] == 1 and stats["captures_active"] == 0
        assert stats["port0"]["name"] == "net_pcap0" and stats["port0"]["rx_packets"] == n
        assert stats["writer0"]["bytes_written"] == s.total("pcapd_writer_written_bytes_total")
        assert stats["disk_reserve_bytes"] == 64 << 20
        lcore = s.find("pcapd_rx_lcore_packets_total")[0][0]["lcore"]
        assert stats[f"rx_lcore{lcore}"]["packets"] == n
    # DPDK's own command, read the same two ways, counts the same packets.
    for ethdev in (run["ethdev"], run["tool"][1]):
        assert ethdev["ipackets"] == n and ethdev["imissed"] == 0


def test_telemetry_refuses_unknown_ids(run):
    d = run["d"]
    assert telemetry(d, "/pcapd/jobs,0123456789abcdef0123456789abcdef",
                     "/pcapd/jobs,../../x") == [None, None]
