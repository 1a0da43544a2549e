"""Fault 2: the event loop blocked on the database and on large cached
answers (GET p99 2.7 s while they were served; every request stalled for
the 5 s busy timeout while another process held the database's lock).  Now
reads never wait on writers, writes run on the store thread with a bound,
and answers stream from disk.

Fault 6: job-store updates whose failure was ignored left a capture shown
running until a restart.  Now a change the store cannot take is kept and
written when it can, and a refused create stores nothing."""
import json
import subprocess
import time

from chaos import SAMPLE, LatencyProbe, check_v4_error, db_locked, stored_captures
from pcapd_integration import PCAPS


def test_a_locked_database_stalls_nothing_and_loses_nothing(daemon_factory):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"],
                       extra={"store_timeout_ms": 400})
    ending = d.create(time_limit=2, packet_limit=10000, filter_v1={"protocol": 6}).json["result"]
    probe = LatencyProbe(d)
    probe.start()
    time.sleep(0.5)
    with db_locked(d.state_dir):
        # A create needs the store's write lock: refused after the bound,
        # with Retry-After, and nothing stored.
        t0 = time.monotonic()
        r = d.create(time_limit=5, packet_limit=10)
        waited = time.monotonic() - t0
        msg = check_v4_error(r.status, r.body, 503, 1303)
        assert "busy" in msg and r.headers.get("retry-after") == "1"
        assert 0.3 < waited < 3, waited
        # The capture that ends meanwhile is shown ended at once.
        live = d.wait_status(ending["id"], timeout=20)
        assert live["status"] == "success" and live["packets_captured"] > 0
        time.sleep(2.5)
    probe.stop()
    assert probe.statuses == {200}, probe.statuses
    assert probe.p99() < 0.25, probe.summary()
    # Once the lock is gone the end is written: it survives a restart.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = {row[0]: row for row in stored_captures(d.state_dir)}
        if rows[ending["id"]][1] == "success":
            break
        time.sleep(0.1)
    assert list(rows) == [ending["id"]], rows
    assert rows[ending["id"]][1] == "success" and rows[ending["id"]][3] == live["packets_captured"]
    assert d.create(time_limit=1, packet_limit=5).status == 200


def big_capture(tmp_path):
    """A capture well above the size answered while the request waits."""
    big = tmp_path / "big.pcap"
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", str(big)] +
                   [str(PCAPS / "cs-http_espn.pcapng")] * 24, check=True)
    return big


def test_large_cached_answers_do_not_stall_other_requests(daemon_factory, tmp_path):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"])
    r = d.request("POST", "/api/v2/upload", raw=big_capture(tmp_path).read_bytes(),
                  headers={"Content-Type": "application/octet-stream"})
    assert r.status == 200, r.body
    cid = json.loads(r.body)["data"]["id"]
    query = (f"/api/v2/analysis/{cid}/packets/fields?limit=100000&"
             "fields=frame.number,frame.time_epoch,ip.src,ip.dst,tcp.srcport,tcp.dstport,tcp.stream")
    deadline = time.monotonic() + 120
    while (r := d.request("GET", query)).status == 202 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert r.status == 200 and len(r.body) > 4 << 20, (r.status, len(r.body))
    answer = r.body

    probe = LatencyProbe(d)
    probe.start()
    time.sleep(0.3)
    # Ten clients in processes of their own (in this one they would share
    # the interpreter's lock with the probe and slow it, not the daemon).
    script = "; ".join(f"curl -s -H 'Authorization: Bearer {d.token}' '{d.base_url}{query}' | wc -c"
                       for _ in range(3))
    readers = [subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, text=True)
               for _ in range(10)]
    sizes = [int(n) for p in readers for n in p.communicate(timeout=300)[0].split()]
    probe.stop()
    assert sizes == [len(answer)] * 30
    assert probe.statuses == {200}
    # Before: each cached answer stalled the loop 1.5-1.8 s (p99 2.7 s, max
    # 3.8 s).  Ten curl processes and the daemon's busy-polling rx lcore
    # share this machine's two cores, so the bound leaves room for the
    # scheduler; tools/bench-api-under-load measures the real figure.
    assert probe.p99() < 1.0, probe.summary()
