"""kill -9 during a full capture: at the next start the capture is failed
as interrupted, and what it wrote is a valid, downloadable pcap."""
import signal
import time

from chaos import SAMPLE


def test_kill_9_during_a_full_capture(daemon_factory):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"], name="victim")
    r = d.create_full(time_limit=120, byte_limit=50 << 20, filter_v1={"protocol": 6})
    cid = r.json["result"]["id"]
    d.wait_status(cid, statuses=("running",))
    deadline = time.monotonic() + 30
    while d.request("GET", d.pcaps(f"/{cid}")).json["result"]["packets_captured"] < 1000:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(10)
    d2 = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"], name="victim",
                        token=d.token)
    got = d2.request("GET", d2.pcaps(f"/{cid}")).json["result"]
    assert got["status"] == "failed" and got["error_message"].startswith("interrupted"), got
    assert got["packets_captured"] >= 1000
    dl = d2.request("GET", d2.pcaps(f"/{cid}/download"))
    assert dl.status == 200 and dl.body[:4] == bytes.fromhex("4d3cb2a1")
    import pcapfile
    assert len(pcapfile.PcapFile(dl.body).records) == got["packets_captured"]
