"""Known traffic for the kernel path's tests: Ethernet frames built here
(TCP, UDP, SCTP, ICMP, ICMPv6, IPv4 and IPv6, fragments, 802.1Q), written to
a pcap, and sent from the peer namespace through an AF_PACKET socket.

Every frame is addressed to the capture side's MAC, has valid IPv4 header
checksums (the kernel drops others before prerouting) and carries its own
index in its payload, so a captured frame names the frame it came from.

Run as `traffic.py send FILE IFACE [RATE]` in the peer namespace: sends the
frames of FILE on IFACE, at RATE frames per second if given.
"""
import pathlib
import socket
import struct
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "analysis"))
from capture_gen import inet_checksum, write_pcap  # noqa: E402
from harness import CAPTURE_MAC, PEER_MAC  # noqa: E402,F401

# Source and destination addresses the frames use: several prefixes of each
# family, so prefix filters select some and not others.
V4_SOURCES = ["10.1.0.5", "10.1.7.9", "10.2.0.5", "192.168.50.3"]
V4_DESTS = ["10.77.0.1", "10.77.9.9"]
V6_SOURCES = ["2001:db8:1::5", "2001:db8:1:7::9", "2001:db8:2::5", "fd00:50::3"]
V6_DESTS = ["fd77::1", "fd77:9::9"]
PORTS = [(40000, 80), (40001, 53), (53, 40002), (80, 40003)]


def ipv4(src, dst, proto, payload, ident=1, frag_off=0, more=False):
    """An IPv4 header and payload; frag_off in 8-byte units."""
    flags = (0x2000 if more else 0) | frag_off
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nxt, payload):
    """An IPv6 header and payload."""
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nxt, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def ipv6_fragment(nxt, offset, more, ident, payload):
    """An IPv6 fragment header (offset in 8-byte units) and payload."""
    return struct.pack("!BBHI", nxt, 0, offset << 3 | (1 if more else 0), ident) + payload


def ethernet(l3, v6=False, vlan=None):
    """An Ethernet frame to the capture side, with an 802.1Q tag if given."""
    etype = struct.pack("!H", 0x86DD if v6 else 0x0800)
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return CAPTURE_MAC + PEER_MAC + tag + etype + l3


def marker(index, size):
    """A payload of `size` bytes (at least 8) that names frame `index`."""
    return (b"KPTS" + struct.pack("!I", index) + bytes(range(256)) * 64)[:size]


def transport(proto, sport, dport, payload):
    """A TCP, UDP or SCTP header (checksum left 0: the path does not check
    it) and payload."""
    if proto == 6:
        return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x02, 8192, 0, 0) + payload
    if proto == 17:
        return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return struct.pack("!HHII", sport, dport, 0, 0) + payload


def icmp(v6, payload):
    """An ICMP or ICMPv6 echo request."""
    return struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, 1, 1) + payload


def build_frames(vlan=None):
    """The test traffic: every source, destination, protocol and port pair
    in both families, sizes on both sides of 160 bytes, and fragmented
    datagrams.  Returns a list of frames."""
    frames = []

    def add(l3, v6):
        frames.append(ethernet(l3, v6, vlan))

    for family, sources, dests in ((4, V4_SOURCES, V4_DESTS), (6, V6_SOURCES, V6_DESTS)):
        v6 = family == 6
        for src in sources:
            for dst in dests:
                for proto in (6, 17, 132):
                    for sport, dport in PORTS:
                        size = 20 + (len(frames) * 37) % 400
                        l4 = transport(proto, sport, dport, marker(len(frames), size))
                        add(ipv6(src, dst, proto, l4) if v6 else ipv4(src, dst, proto, l4), v6)
                ping = icmp(v6, marker(len(frames), 56))
                add(ipv6(src, dst, 58, ping) if v6 else ipv4(src, dst, 1, ping), v6)
        # A UDP datagram in two fragments: ports only in the first (each
        # fragment carries its own index).
        for i, (sport, dport) in enumerate(PORTS[:2]):
            first = transport(17, sport, dport, marker(len(frames), 392))[:200]
            rest = marker(len(frames) + 1, 200)
            if v6:
                add(ipv6(sources[0], dests[0], 44, ipv6_fragment(17, 0, True, 7 + i, first)), v6)
                add(ipv6(sources[0], dests[0], 44, ipv6_fragment(17, 25, False, 7 + i, rest)), v6)
            else:
                add(ipv4(sources[0], dests[0], 17, first, ident=7 + i, more=True), v6)
                add(ipv4(sources[0], dests[0], 17, rest, ident=7 + i, frag_off=25), v6)
    return frames


def write_frames(path, frames):
    """Writes `frames` as a microsecond pcap (the oracle's input)."""
    write_pcap(path, 1, [(i * 1000, len(f), f) for i, f in enumerate(frames)])


def read_frames(path):
    """Reads back the frames of a pcap written by write_frames()."""
    data = pathlib.Path(path).read_bytes()
    off, frames = 24, []
    while off < len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return frames


def send(path, iface, rate=0.0):
    """Sends the frames of `path` on `iface`, `rate` per second (0: at once)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    start = time.monotonic()
    for i, frame in enumerate(read_frames(path)):
        if rate > 0:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        s.send(frame)
    s.close()


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 0.0)
    else:
        sys.exit(__doc__)
