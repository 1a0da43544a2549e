"""A full disk fails the captures that fill it, with a clear error_message,
refuses new ones with 503 code 1302, and the daemon keeps serving: the job
store, on the same file system, still records all of it."""
import os
import subprocess

import pytest

from conftest import ROOT


@pytest.fixture
def small_fs(tmp_path):
    """An 8 MiB tmpfs, mounted for the test (needs root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], check=True)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_reserve_fails_captures_and_refuses_new_ones(daemon_factory, small_fs):
    sample = ROOT / "config" / "sample-traffic.pcap"
    d = daemon_factory([f"net_pcap0,rx_pcap={sample},infinite_rx=1"],
                       extra={"state_dir": str(small_fs / "state"), "disk_reserve_mb": 4})
    # Every packet, whole: the replay fills the 4 MiB above the reserve in
    # well under a second.
    r = d.create_full(time_limit=60)
    assert r.status == 200, r.body
    cid = r.json["result"]["id"]
    done = d.wait_status(cid, timeout=30)
    assert done["status"] == "failed", done
    assert "disk_reserve_mb" in done["error_message"], done
    assert done["packets_captured"] > 0

    r = d.create(time_limit=5, packet_limit=10)
    assert r.status == 503, r.body
    assert r.json["errors"][0]["code"] == 1302
    assert "disk_reserve_mb" in r.json["errors"][0]["message"]

    # What was written is a valid, downloadable pcap; the daemon still serves.
    dl = d.request("GET", d.pcaps(f"/{cid}/download"))
    assert dl.status == 200 and dl.body[:4] == bytes.fromhex("4d3cb2a1")
    listed = d.request("GET", d.pcaps())
    assert listed.status == 200 and [c["id"] for c in listed.json["result"]] == [cid]
