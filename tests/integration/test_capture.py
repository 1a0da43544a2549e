"""End-to-end captures: a real pcapd on net_pcap, fed a real capture from
../shared/pcaps through a FIFO once the job exists, so that the expected
result is exactly what tshark finds in the source for the same filter."""
import os
import subprocess
import threading
import time

import pytest

import pcapfile
from conftest import PCAPS, ROOT

# (source capture, filter_v1, equivalent tshark display filter).  Each
# filter is one direction of one TCP flow; the expected packets are
# computed from the source with tshark, never written down here.
FLOWS = [
    pytest.param(
        "cs-http_espn.pcapng",
        {"source_address": "205.234.218.129", "destination_address": "172.16.0.122",
         "source_port": 80, "destination_port": 41835, "protocol": 6},
        "ip.src==205.234.218.129 && ip.dst==172.16.0.122 && tcp.srcport==80"
        " && tcp.dstport==41835",
        id="ipv4-large-segments"),
    pytest.param(
        "zeek-http-vlan-0.pcap",
        {"destination_port": 80, "protocol": 6},
        "tcp.dstport==80",
        id="8021q-tagged"),
    pytest.param(
        "cs-http_ip4and6.pcapng",
        {"source_address": "2001:db8::/32", "protocol": 6},
        "ipv6.src==2001:db8::/32 && tcp",
        id="ipv6-prefix"),
]


def tshark_frames(path, display_filter):
    """Frame numbers (1-based) of `path` that match `display_filter`."""
    out = subprocess.run(["tshark", "-n", "-r", str(path), "-Y", display_filter, "-T", "fields",
                          "-e", "frame.number"], check=True, capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def to_classic_pcap(src, dst):
    """Converts `src` (pcap or pcapng) to a classic pcap file at `dst`."""
    subprocess.run(["editcap", "-F", "pcap", str(src), str(dst)], check=True)
    return dst.read_bytes()


class FifoFeeder(threading.Thread):
    """Feeds a pcap file into a FIFO that net_pcap reads: the 24-byte file
    header first (EAL's probe blocks on it), the packets once `go` is set."""

    def __init__(self, fifo, data):
        super().__init__(daemon=True)
        self.fifo, self.data, self.go = fifo, data, threading.Event()

    def run(self):
        with open(self.fifo, "wb", buffering=0) as f:
            f.write(self.data[:24])
            if self.go.wait(120):
                f.write(self.data[24:])


@pytest.mark.parametrize("source, filter_v1, display_filter", FLOWS)
def test_capture_one_flow_matches_tshark(daemon_factory, tmp_path, source, filter_v1,
                                         display_filter):
    src = tmp_path / "source.pcap"
    data = to_classic_pcap(PCAPS / source, src)
    expected = tshark_frames(src, display_filter)
    assert len(expected) > 0, "the test flow must exist in the source"
    source_records = pcapfile.PcapFile(data).records

    fifo = tmp_path / "port0.fifo"
    os.mkfifo(fifo)
    feeder = FifoFeeder(fifo, data)
    feeder.start()
    d = daemon_factory([f"net_pcap0,rx_pcap={fifo}"], sample_rate=1)

    r = d.create(time_limit=3, packet_limit=10000, filter_v1=filter_v1)
    assert r.status == 200, r.body
    assert r.json["success"] is True and r.json["errors"] == []
    capture = r.json["result"]
    assert len(capture["id"]) == 32 and capture["status"] in ("pending", "running")
    assert capture["filter_v1"] == filter_v1
    d.wait_status(capture["id"], statuses=("running",))
    feeder.go.set()

    done = d.wait_status(capture["id"])
    feeder.join(10)
    assert done["status"] == "success", done
    assert done["packets_captured"] == len(expected)

    r = d.request("GET", d.pcaps(f"/{capture['id']}/download"))
    assert r.status == 200
    assert r.headers["content-type"] == "application/vnd.tcpdump.pcap"
    assert int(r.headers["content-length"]) == len(r.body)
    out = tmp_path / "capture.pcap"
    out.write_bytes(r.body)

    pcap = pcapfile.PcapFile(r.body)
    assert pcap.nanosecond and pcap.snaplen == 160 and pcap.linktype == 1
    assert len(pcap.records) == len(expected)
    for (sec, nsec, caplen, wirelen, head), frame in zip(pcap.records, expected):
        src_rec = source_records[frame - 1]
        assert wirelen == src_rec[3], "original length is kept"
        assert caplen == min(160, wirelen)
        assert head == src_rec[4][:caplen], f"bytes of source frame {frame}"
        assert nsec < 1_000_000_000 and abs(sec - time.time()) < 600

    # tshark reads the file, and every packet in it matches the filter.
    total = tshark_frames(out, "frame")
    matching = tshark_frames(out, display_filter)
    assert len(total) == len(expected) and matching == total


def test_sampling_one_in_n(daemon_factory):
    """With sample_rate N on a port replaying a file in a loop, consecutive
    captured packets are exactly N apart in the cyclic sequence of the
    file's matching packets."""
    n, limit = 7, 60
    sample = ROOT / "config" / "sample-traffic.pcap"
    frames = set(tshark_frames(sample, "tcp && !icmp && !icmpv6"))
    tcp = [rec[4][:160] for i, rec in enumerate(pcapfile.read(sample).records) if i + 1 in frames]
    assert len(tcp) > n
    d = daemon_factory([f"net_pcap0,rx_pcap={sample},infinite_rx=1"], sample_rate=n)
    r = d.create(time_limit=10, packet_limit=limit, filter_v1={"protocol": 6})
    assert r.status == 200, r.body
    cid = r.json["result"]["id"]
    done = d.wait_status(cid)
    assert done["status"] == "success" and done["packets_captured"] == limit
    assert done["packets_remaining"] == 0
    got = [rec[4] for rec in pcapfile.PcapFile(
        d.request("GET", d.pcaps(f"/{cid}/download")).body).records]
    assert len(got) == limit
    starts = [i for i, head in enumerate(tcp) if head == got[0]]
    assert any(all(got[j] == tcp[(i0 + n * j) % len(tcp)] for j in range(limit))
               for i0 in starts), "captured packets are not every n-th matching packet"


def test_stop_ends_capture_with_what_it_has(replay_daemon):
    d = replay_daemon
    r = d.create(time_limit=300, packet_limit=10000, filter_v1={"protocol": 250})
    assert r.status == 200, r.body
    cid = r.json["result"]["id"]
    r = d.request("PUT", d.pcaps(f"/{cid}/stop"))
    # As the reference: stop_requested is on full captures only.
    assert r.status == 200 and "stop_requested" not in r.json["result"]
    again = d.request("PUT", d.pcaps(f"/{cid}/stop"))
    assert again.status == 200, "stop is safe to repeat"
    done = d.wait_status(cid, timeout=10)
    assert done["status"] == "success" and done["packets_captured"] == 0
    r = d.request("GET", d.pcaps(f"/{cid}/download"))
    assert r.status == 200 and len(pcapfile.PcapFile(r.body).records) == 0


def test_captures_survive_restart(daemon_factory, tmp_path):
    sample = ROOT / "config" / "sample-traffic.pcap"
    ports = [f"net_pcap0,rx_pcap={sample},infinite_rx=1"]
    d = daemon_factory(ports, name="first")
    r = d.create(time_limit=5, packet_limit=20, filter_v1={"protocol": 17})
    cid = r.json["result"]["id"]
    first = d.wait_status(cid)
    body = d.request("GET", d.pcaps(f"/{cid}/download")).body
    assert d.stop() == 0

    d2 = daemon_factory(ports, name="first", token=d.token)
    listed = d2.request("GET", d2.pcaps())
    assert listed.status == 200
    assert [c["id"] for c in listed.json["result"]] == [cid]
    assert listed.json["result_info"]["total_count"] == 1
    again = d2.request("GET", d2.pcaps(f"/{cid}"))
    assert again.json["result"]["status"] == first["status"] == "success"
    assert d2.request("GET", d2.pcaps(f"/{cid}/download")).body == body
