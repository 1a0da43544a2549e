"""Many concurrent jobs with overlapping filters on the real daemon, and
table changes while traffic runs.

The source (real captures from ../shared/pcaps, concatenated) is fed into a
net_pcap port through a FIFO in chunks.  The long-lived jobs exist before
the first packet and until after the last, so each file must hold exactly
the packets tshark finds in the source for that job's filter, byte for byte.
Between chunks, short-lived jobs are created and stopped, so the table is
rebuilt and republished while the rx lcore is receiving.
"""
import os
import subprocess
import threading
import time

import pcapfile
import pytest
from conftest import PCAPS
from test_capture import tshark_frames

SOURCES = ["cs-http_espn.pcapng", "cs-http_ip4and6.pcapng", "zeek-http-vlan-0.pcap",
           "tcpdump-dns_udp.pcap", "cs-dns_query_response.pcapng",
           "zeek-tls-chrome-34-google.pcap"]

# (filter_v1, the tshark display filter that selects the same packets).
# They overlap on purpose: one packet belongs to many jobs.
LONG_JOBS = [
    ({}, "frame"),
    ({"protocol": 6}, "tcp"),
    ({"protocol": 6}, "tcp"),  # the same filter twice: both get every packet
    ({"protocol": 17}, "udp"),
    ({"destination_port": 80}, "tcp.dstport==80 || udp.dstport==80"),
    ({"source_port": 80, "protocol": 6}, "tcp.srcport==80"),
    ({"source_address": "172.16.0.0/16"}, "ip.src==172.16.0.0/16"),
    ({"destination_address": "205.234.218.129"}, "ip.dst==205.234.218.129"),
    ({"source_address": "205.234.218.129", "destination_address": "172.16.0.122",
      "source_port": 80, "destination_port": 41835, "protocol": 6},
     "ip.src==205.234.218.129 && ip.dst==172.16.0.122 && tcp.srcport==80 && tcp.dstport==41835"),
    ({"source_address": "2001:db8:1:2::/64"}, "ipv6.src==2001:db8:1:2::/64"),
    ({"destination_address": "2001:db8:1:2::1000", "protocol": 6},
     "ipv6.dst==2001:db8:1:2::1000 && tcp"),
    ({"source_address": "141.142.228.5", "destination_port": 80}, "ip.src==141.142.228.5 &&"
                                                                   " tcp.dstport==80"),
    ({"destination_port": 53}, "udp.dstport==53 || tcp.dstport==53"),
    ({"source_address": "0.0.0.0/0"}, "ip"),
    ({"destination_address": "::/0"}, "ipv6"),
    ({"protocol": 250}, "ip.proto==250"),
]

# Short-lived jobs started and stopped between chunks (only checked for
# validity: every packet they hold matches their filter).
CHURN = [
    ({"protocol": 6, "destination_port": 443}, "tcp.dstport==443"),
    ({"source_address": "192.168.0.0/16"}, "ip.src==192.168.0.0/16"),
    ({"destination_port": 80}, "tcp.dstport==80"),
    ({"source_address": "2001:db8::/32", "protocol": 6}, "ipv6.src==2001:db8::/32 && tcp"),
]


def download(d, cid, path):
    r = d.request("GET", d.pcaps(f"/{cid}/download"))
    assert r.status == 200, r.body
    path.write_bytes(r.body)
    return pcapfile.PcapFile(r.body)


# Lcore layouts the test runs in: the default (one rx lcore), and two rx
# lcores, the FIFO port's one queue on the first: every table swap must then
# wait for both lcores' quiescent states, and the writer merges both lcores'
# rings by receive time (the second's stay empty, but its horizon moves).
LAYOUTS = {
    "one-rx": None,
    "two-rx": {"lcores": "0@0,1@1,2@0,3@0", "rx_lcores": "1,3", "writer_lcores": "2"},
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_overlapping_jobs_with_table_swaps(daemon_factory, tmp_path, layout):
    src = tmp_path / "source.pcap"
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", str(src)]
                   + [str(PCAPS / s) for s in SOURCES], check=True)
    data = src.read_bytes()
    source = pcapfile.PcapFile(data).records
    fifo = tmp_path / "port0.fifo"
    os.mkfifo(fifo)
    writer = {}

    def open_fifo():
        # Blocks until EAL's probe opens the read end, which in turn waits
        # for the pcap file header.
        writer["f"] = open(fifo, "wb", buffering=0)
        writer["f"].write(data[:24])

    opener = threading.Thread(target=open_fifo, daemon=True)
    opener.start()
    d = daemon_factory([f"net_pcap0,rx_pcap={fifo}"], sample_rate=1, extra=LAYOUTS[layout])
    opener.join(30)
    f = writer["f"]

    long_ids = []
    for filter_v1, _ in LONG_JOBS:
        r = d.create(time_limit=120, packet_limit=10000, filter_v1=filter_v1)
        assert r.status == 200, r.body
        long_ids.append(r.json["result"]["id"])
    # `running` means the job is in the rx lcore's table: from then on every
    # packet is seen.
    for cid in long_ids:
        d.wait_status(cid, statuses=("running",))
    # Feed the packets in chunks; change the table between chunks.
    churn_ids = []
    with f:
        off, n = 24, 0
        for i, (filter_v1, _) in enumerate(CHURN * 3):
            chunk_end = off
            for _ in range(len(source) // (len(CHURN) * 3) + 1):
                if chunk_end >= len(data):
                    break
                caplen = int.from_bytes(data[chunk_end + 8:chunk_end + 12], "little")
                chunk_end += 16 + caplen
                n += 1
            f.write(data[off:chunk_end])
            off = chunk_end
            r = d.create(time_limit=120, packet_limit=10000, filter_v1=filter_v1)
            assert r.status == 200, r.body
            churn_ids.append((r.json["result"]["id"], CHURN[i % len(CHURN)][1]))
            if len(churn_ids) > 2:
                old, _ = churn_ids[-3]
                assert d.request("PUT", d.pcaps(f"/{old}/stop")).status == 200
            time.sleep(0.05)
        f.write(data[off:])
    time.sleep(0.5)  # let the rx lcore drain the FIFO before ending the jobs
    for cid in long_ids + [c for c, _ in churn_ids]:
        assert d.request("PUT", d.pcaps(f"/{cid}/stop")).status == 200

    for cid, (filter_v1, display) in zip(long_ids, LONG_JOBS):
        done = d.wait_status(cid)
        assert done["status"] == "success", done
        expected = tshark_frames(src, display)
        got = download(d, cid, tmp_path / f"{cid}.pcap")
        assert len(got.records) == len(expected) == done["packets_captured"], filter_v1
        for rec, frame in zip(got.records, expected):
            assert rec[3] == source[frame - 1][3] and rec[4] == source[frame - 1][4][:160], \
                (filter_v1, frame)

    for cid, display in churn_ids:
        assert d.wait_status(cid)["status"] == "success"
        out = tmp_path / f"{cid}.pcap"
        got = download(d, cid, out)
        if got.records:
            assert tshark_frames(out, display) == tshark_frames(out, "frame"), display
