"""Fault 3: disk use was not bounded.  Now cached answers share a budget
with least-recently-used eviction; uploads and cached answers are refused
below disk_reserve_mb; a full disk fails the running capture at once with a
cause that survives a restart, creates get the documented refusal, and stop
stays harmless."""
import json
import os
import time

import pytest

from chaos import SAMPLE, check_cs_error, check_v4_error, files_under, fill, small_fs
from pcapd_integration import PCAPS


@pytest.fixture
def root_only():
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")


def upload(d, path):
    return d.request("POST", "/api/v2/upload", raw=path.read_bytes(),
                     headers={"Content-Type": "application/octet-stream"})


def test_full_disk_without_reserve(daemon_factory, tmp_path, root_only):
    with small_fs(tmp_path / "small", 24) as fs:
        state = fs / "state"
        d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"],
                           extra={"state_dir": str(state), "disk_reserve_mb": 0,
                                  "sample_rate": 100})
        assert (state / "ballast").stat().st_size == 4 << 20
        r = d.create(time_limit=300, packet_limit=10000, filter_v1={"protocol": 250})
        cid = r.json["result"]["id"]
        d.wait_status(cid, statuses=("running",))
        # Something else fills the disk: the capture fails at once, though it
        # has nothing buffered to write.
        filler = fill(fs)
        done = d.wait_status(cid, timeout=10)
        assert done["status"] == "failed" and "full" in done["error_message"], done
        assert not (state / "ballast").exists()
        r = d.create(time_limit=5, packet_limit=10)
        assert "full" in check_v4_error(r.status, r.body, 503, 1302)
        # Stopping it again is harmless, even with no room to record it.
        r = d.request("PUT", d.pcaps(f"/{cid}/stop"))
        assert r.status == 200 and r.json["result"]["status"] == "failed", r.body
        assert d.stop() == 0
        # The cause was recorded before the end, and survives the restart.
        d2 = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"], token=d.token,
                            extra={"state_dir": str(state), "disk_reserve_mb": 0})
        again = d2.request("GET", d2.pcaps(f"/{cid}")).json["result"]
        assert again["status"] == "failed" and "full" in again["error_message"], again
        filler.unlink()
        deadline = time.monotonic() + 10
        while d2.create(time_limit=1, packet_limit=5).status != 200:
            assert time.monotonic() < deadline, "creates stay refused after space came back"
            time.sleep(0.3)


def test_uploads_and_cached_answers_keep_the_reserve(daemon_factory, tmp_path, root_only):
    with small_fs(tmp_path / "small", 32) as fs:
        state = fs / "state"
        d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"],
                           extra={"state_dir": str(state), "disk_reserve_mb": 16})
        ok = upload(d, PCAPS / "tcpdump-dns_udp.pcap")
        assert ok.status == 200, ok.body
        before = files_under(state)
        # Leave 18 MiB free: a 3 MiB upload would cross the 16 MiB reserve.
        fill(fs, leave_bytes=18 << 20)
        big = tmp_path / "big.pcap"
        data = (PCAPS / "tcpdump-dns_udp.pcap").read_bytes()
        big.write_bytes(data + data[24:] * ((3 << 20) // len(data)))
        r = upload(d, big)
        assert "disk_reserve_mb" in check_cs_error(r.status, r.body, 503)
        assert files_under(state) == before


def test_cache_budget_evicts_least_recently_used(daemon_factory, tmp_path):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"],
                       extra={"analysis_cache_mb": 1})
    r = upload(d, PCAPS / "cs-http_espn.pcapng")
    cid = json.loads(r.body)["data"]["id"]
    cache = d.state_dir / "analysis" / cid
    answers = {}
    for offset in range(0, 40):
        q = f"/api/v2/analysis/{cid}/packets/fields?fields=frame.number,ip.src,tcp.srcport&offset={offset}"
        r = d.request("GET", q)
        assert r.status == 200, r.body
        answers[offset] = r.body
        used = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
        assert used <= (1 << 20) + len(r.body) + 4096, used
    assert len(list(cache.glob("q-*.json"))) < 40
    # An evicted answer is computed again, the same.
    first = f"/api/v2/analysis/{cid}/packets/fields?fields=frame.number,ip.src,tcp.srcport&offset=0"
    assert d.request("GET", first).body == answers[0]
