"""Retention: ended captures older than the retention period are deleted
with their files, by a periodic sweep and at start-up."""
import time

from conftest import ROOT


def ports():
    sample = ROOT / "config" / "sample-traffic.pcap"
    return [f"net_pcap0,rx_pcap={sample},infinite_rx=1"]


def wait_gone(d, cid, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = d.request("GET", d.pcaps(f"/{cid}"))
        if r.status == 404:
            return r
        time.sleep(0.2)
    raise AssertionError(f"capture {cid} was not deleted in {timeout}s")


def test_old_captures_are_deleted_with_their_files(daemon_factory):
    d = daemon_factory(ports(), extra={"retention_seconds": 5})
    r = d.create(time_limit=1, packet_limit=5, filter_v1={"protocol": 17})
    cid = r.json["result"]["id"]
    d.wait_status(cid)
    path = d.state_dir / "pcaps" / f"{cid}.pcap"
    assert path.exists()
    # Its analysis is cached beside it, and goes with it.
    assert d.request("GET", f"/api/v2/analysis/{cid}/status").status == 200
    cache = d.state_dir / "analysis" / cid
    assert cache.exists()
    running = d.create(time_limit=30, packet_limit=10, filter_v1={"protocol": 250}).json["result"]
    gone = wait_gone(d, cid)
    assert gone.json["errors"][0]["code"] == 1102
    assert not path.exists() and not cache.exists()
    assert d.request("GET", d.pcaps(f"/{cid}/download")).status == 404
    assert d.request("GET", f"/api/v2/analysis/{cid}/status").status == 404
    # A running capture is never deleted, however old.
    r = d.request("GET", d.pcaps(f"/{running['id']}"))
    assert r.status == 200 and r.json["result"]["status"] == "running"
    assert [c["id"] for c in d.request("GET", d.pcaps()).json["result"]] == [running["id"]]
    d.request("PUT", d.pcaps(f"/{running['id']}/stop"))
    d.wait_status(running["id"])


def test_retention_off_keeps_captures_and_startup_sweep(daemon_factory):
    d = daemon_factory(ports(), name="keep")
    cid = d.create(time_limit=1, packet_limit=5).json["result"]["id"]
    d.wait_status(cid)
    time.sleep(1.5)
    assert d.request("GET", d.pcaps(f"/{cid}")).status == 200, "no retention by default"
    assert d.stop() == 0
    d2 = daemon_factory(ports(), name="keep", token=d.token, extra={"retention_seconds": 1})
    assert d2.request("GET", d2.pcaps(f"/{cid}")).status == 404, "swept at start-up"
    assert not (d2.state_dir / "pcaps" / f"{cid}.pcap").exists()
