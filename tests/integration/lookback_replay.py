"""The replay of the look-back tests (tests/integration/test_lookback.py,
and the Cloudflare SDK's look-back in tests/bucket/test_sdk.py).

A real pcapd with history_sample_rate = 1 on a net_pcap port fed, through
a FIFO, captures from ../shared/pcaps one after another with pauses
between them, while a simple capture of everything records what the
dataplane received and when.  A look-back capture must then hold exactly
the packets tshark selects from that record for the same filter and time
window (times as recorded by the dataplane), byte for byte."""
import os
import pathlib
import subprocess
import threading
import time

import pcapfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Captures from ../shared/pcaps (as tests/integration/conftest.py finds
# them; this module is imported by suites with their own conftest).
PCAPS = pathlib.Path(os.environ.get("PCAPD_PCAPS_DIR", ROOT.parent / "shared" / "pcaps"))

# The replay, one part after another.
PARTS = ["cs-http_ip4and6.pcapng", "zeek-http-vlan-0.pcap", "cs-icmp_traceroute.pcapng",
         "cs-ipv6_fragments.pcapng", "tcpdump-dns_udp.pcap", "cs-tcp_ports.pcapng"]
# Seconds between two parts, so windows of a second or two cut the replay.
PAUSE = 1.3


def tshark_proto(p):
    """The outermost IP header's protocol (after IPv6 fragment headers)."""
    return f"(ip.proto#1 == {p} || ipv6.nxt#1 == {p} || ipv6.fraghdr.nxt#1 == {p})"


def tshark_port(side, port):
    """A transport port of the packet itself (not one an ICMP error quotes,
    not a later fragment, which carries none)."""
    return (f"((tcp.{side}port == {port} || udp.{side}port == {port} || "
            f"sctp.{side}port == {port}) && !icmp && !icmpv6)")


def tshark_addr(side, prefix):
    """The outermost IP header's address."""
    field = "ipv6" if ":" in prefix else "ip"
    return f"{field}.{side}#1 == {prefix}"


def classic(src, dst):
    """`src` (pcap or pcapng) as a classic Ethernet pcap at `dst`; its bytes."""
    subprocess.run(["editcap", "-F", "pcap", str(src), str(dst)], check=True)
    data = dst.read_bytes()
    assert pcapfile.PcapFile(data).linktype == 1, src
    return data


class PartsFeeder(threading.Thread):
    """Feeds the parts' records into the FIFO net_pcap reads: a pcap file
    header first (EAL's probe waits for it), each part's records once `go`
    is set, PAUSE seconds apart, then the end of the file (net_pcap holds a
    burst until it has 32 packets or the file ends).  Without parts, the
    file ends after its header."""

    def __init__(self, fifo, parts):
        super().__init__(daemon=True)
        self.fifo, self.parts = fifo, parts
        self.go = threading.Event()

    def run(self):
        with open(self.fifo, "wb", buffering=0) as f:
            f.write(self.parts[0][:24] if self.parts else pcap_header())
            if not self.parts or not self.go.wait(120):
                return
            for i, part in enumerate(self.parts):
                if i:
                    time.sleep(PAUSE)
                f.write(part[24:])


def pcap_header():
    """A microsecond Ethernet pcap file header."""
    return bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000")


def ns_time(ns):
    """RFC 3339 of `ns` nanoseconds since the epoch, to the nanosecond."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d}Z"


def record_ns(rec):
    return rec[0] * 10**9 + rec[1]


def tshark_frames(path, display_filter, start_ns, end_ns):
    """Frame numbers (1-based) of `path` that tshark selects with the
    filter within [start_ns, end_ns], IP reassembly off (as the dataplane
    sees packets)."""
    window = (f"frame.time_epoch >= {start_ns // 10**9}.{start_ns % 10**9:09d} && "
              f"frame.time_epoch <= {end_ns // 10**9}.{end_ns % 10**9:09d}")
    flt = f"({display_filter}) && {window}" if display_filter else window
    out = subprocess.run(["tshark", "-n", "-o", "ip.defragment:FALSE", "-o",
                          "ipv6.defragment:FALSE", "-r", str(path), "-Y", flt, "-T", "fields",
                          "-e", "frame.number"], check=True, capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


class Replay:
    """A daemon fed the parts, and the record of what its dataplane saw."""

    def __init__(self, daemon, ref_path, records):
        self.d, self.ref_path, self.records = daemon, ref_path, records


def start_replay(daemon_factory, tmp_path, parts=PARTS, extra=None, name="pcapd", token=None):
    """Starts a daemon with history_sample_rate = 1 on a FIFO and feeds it
    `parts`, recording them with a simple capture of everything."""
    fifo = tmp_path / f"{name}.fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    data = [classic(PCAPS / p, tmp_path / f"part{i}.pcap") for i, p in enumerate(parts)]
    feeder = PartsFeeder(fifo, data)
    feeder.start()
    settings = {"history_sample_rate": 1, "history_segment_seconds": 2}
    settings.update(extra or {})
    d = daemon_factory([f"net_pcap0,rx_pcap={fifo}"], sample_rate=1, extra=settings, name=name,
                       token=token)
    d.feeder = feeder
    if not parts:
        return Replay(d, None, [])
    total = sum(len(pcapfile.PcapFile(x).records) for x in data)
    ref = d.create(time_limit=120, packet_limit=10000)
    assert ref.status == 200, ref.body
    ref_id = ref.json["result"]["id"]
    d.wait_status(ref_id, statuses=("running",))
    feeder.go.set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = d.request("GET", d.pcaps(f"/{ref_id}")).json["result"]["packets_captured"]
        if got >= total:
            break
        time.sleep(0.1)
    assert d.request("PUT", d.pcaps(f"/{ref_id}/stop")).status == 200
    done = d.wait_status(ref_id)
    assert done["packets_captured"] == total, done
    ref_path = tmp_path / f"{name}-reference.pcap"
    ref_path.write_bytes(d.request("GET", d.pcaps(f"/{ref_id}/download")).body)
    records = pcapfile.PcapFile(ref_path.read_bytes()).records
    assert len(records) == total
    time.sleep(0.5)  # the history's buffer is written out every 100 ms
    return Replay(d, ref_path, records)


def lookback(d, offset_ns, time_limit, packet_limit=10000, filter_v1=None, expect=200):
    """Creates a look-back capture; returns the response (and the capture
    once it has ended, when created)."""
    body = {"type": "simple", "system": "magic-transit", "time_limit": time_limit,
            "packet_limit": packet_limit, "offset_time": ns_time(offset_ns)}
    if filter_v1 is not None:
        body["filter_v1"] = filter_v1
    r = d.request("POST", d.pcaps(), body)
    assert r.status == expect, r.body
    if expect != 200:
        return r, None
    return r, d.wait_status(r.json["result"]["id"], timeout=30)


def expected_records(rp, offset_ns, time_limit, display_filter, packet_limit=10000):
    """The records of the replay a look-back capture must hold: what tshark
    selects from the record for the filter and the window that ends at
    `offset_ns` and reaches back `time_limit` seconds, the most recent
    `packet_limit` of them, in time order."""
    start = offset_ns - time_limit * 10**9
    frames = tshark_frames(rp.ref_path, display_filter, start, offset_ns)[-packet_limit:]
    return [rp.records[i - 1] for i in frames]


def check_capture_file(data, want, what):
    """`data`, a look-back capture's file, holds exactly the records `want`
    (the history's nanosecond pcap of 160-byte heads)."""
    got = pcapfile.PcapFile(data)
    assert got.nanosecond and got.linktype == 1 and got.snaplen == 160
    assert got.records == want, (what, len(got.records), len(want))


def check_lookback(rp, offset_ns, time_limit, filter_v1, display_filter, packet_limit=10000):
    """A look-back capture holds exactly what tshark selects from the
    record; returns how many packets."""
    r, done = lookback(rp.d, offset_ns, time_limit, packet_limit, filter_v1)
    assert done["status"] == "success", done
    assert done["offset_time"] == ns_time(offset_ns)
    want = expected_records(rp, offset_ns, time_limit, display_filter, packet_limit)
    check_capture_file(rp.d.request("GET", rp.d.pcaps(f"/{done['id']}/download")).body, want,
                       (filter_v1, time_limit))
    assert done["packets_captured"] == len(want)
    return len(want)
