"""Writes small captures in the formats and link types the shared captures
lack (big-endian pcap, raw IP, IPv4, Linux cooked v2, NFLOG, pcapng with
several interfaces, snaplen-truncated), built from the shared captures'
packets, so that the oracle test covers them too."""
import os
import struct
import subprocess


def read_pcap(path, tmpdir):
    """Returns (linktype, [(ts_ns, wirelen, data)]) of any capture tshark reads
    (converted to a nanosecond pcap with editcap first)."""
    conv = os.path.join(tmpdir, os.path.basename(path) + ".ns.pcap")
    subprocess.run(["editcap", "-F", "nsecpcap", path, conv], check=True, capture_output=True)
    with open(conv, "rb") as f:
        blob = f.read()
    linktype = struct.unpack_from("<I", blob, 20)[0] & 0xffff
    frames, off = [], 24
    while off + 16 <= len(blob):
        sec, nsec, caplen, wirelen = struct.unpack_from("<IIII", blob, off)
        frames.append((sec * 10**9 + nsec, wirelen, blob[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return linktype, frames


def write_pcap(path, linktype, frames, big_endian=False, nano=False, snaplen=262144):
    """Writes a classic pcap file; frames are (ts_ns, wirelen, data)."""
    e = ">" if big_endian else "<"
    magic = 0xa1b23c4d if nano else 0xa1b2c3d4
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
        for ts, wirelen, data in frames:
            data = data[:snaplen]
            frac = ts % 10**9 if nano else (ts % 10**9) // 1000
            f.write(struct.pack(e + "IIII", ts // 10**9, frac, len(data), wirelen))
            f.write(data)


def _block(btype, body):
    """Returns one little-endian pcapng block."""
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def write_pcapng(path, ifaces, packets):
    """Writes a pcapng file: ifaces are (linktype, tsresol digits); packets
    are (iface index, ts_ns, wirelen, data)."""
    out = [_block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))]
    for linktype, digits in ifaces:
        opts = struct.pack("<HHB3x", 9, 1, digits) + struct.pack("<HH", 0, 0)
        out.append(_block(1, struct.pack("<HHI", linktype, 0, 0) + opts))
    for ifid, ts, wirelen, data in packets:
        units = ts // 10 ** (9 - ifaces[ifid][1])
        out.append(_block(6, struct.pack("<IIIII", ifid, units >> 32, units & 0xffffffff,
                                         len(data), wirelen) + data))
    with open(path, "wb") as f:
        f.write(b"".join(out))


def strip_eth(frames):
    """Returns frames without their 14-byte Ethernet header."""
    return [(ts, wl - 14, d[14:]) for ts, wl, d in frames]


def to_sll2(frames):
    """Returns Ethernet frames re-framed as Linux cooked v2 (20-byte header)."""
    res = []
    for ts, wl, d in frames:
        hdr = d[12:14] + b"\0\0" + struct.pack(">IHBB", 2, 1, 0, 6) + d[6:12] + b"\0\0"
        res.append((ts, wl - 14 + 20, hdr + d[14:]))
    return res


def to_nflog(frames):
    """Returns Ethernet/IPv4 frames re-framed as NFLOG messages."""
    res = []
    for ts, wl, d in frames:
        ip = d[14:]
        tlvs = struct.pack("<HH", 8, 1) + d[12:14] + b"\x01\0"
        pay = struct.pack("<HH", 4 + len(ip), 9) + ip
        pay += b"\0" * (-len(pay) % 4)
        msg = struct.pack(">BBH", 2, 0, 0) + tlvs + pay
        res.append((ts, len(msg), msg))
    return res


def link_layer_frames():
    """Returns hand-made Ethernet frames: an STP BPDU, an LLDP frame, an
    unknown EtherType, a SNAP-encapsulated IPv4/ICMP packet, a runt."""
    eth = lambda dst, typ: bytes.fromhex(dst + "001122334455" + typ)
    stp = eth("0180c2000000", "0026") + bytes.fromhex(
        "424203" "0000000000800000112233445500000000800000112233445580010000140002000f00")
    lldp = eth("0180c200000e", "88cc") + bytes.fromhex("0207040011223344550403050131060200780000")
    unknown = eth("ffffffffffff", "88b5") + b"\x01" * 46
    ip = bytes.fromhex("4500001c000100004001f78cc0a80001c0a80002" "0800f7ff00000000")
    snap = eth("ffffffffffff", "%04x" % (8 + len(ip))) + bytes.fromhex("aaaa030000000800") + ip
    runt = bytes.fromhex("ffffffffffff0011")
    frames = [f + b"\0" * max(0, 60 - len(f)) for f in (stp, lldp, unknown, snap)] + [runt]
    return [((i + 1) * 10**9, len(f), f) for i, f in enumerate(frames)]


def generate(pcaps, tmpdir):
    """Writes every generated capture into tmpdir and returns their paths."""
    src = lambda n: read_pcap(os.path.join(pcaps, n), tmpdir)[1]
    dns_tcp, dual = src("tcpdump-dns_tcp.pcap"), src("cs-http_ip4and6.pcapng")
    http, vxlan, dns_udp = src("zeek-http-get.pcap"), src("tcpdump-vxlan.pcap"), \
        src("tcpdump-dns_udp.pcap")
    out = {}

    def path(name):
        out[name] = os.path.join(tmpdir, name)
        return out[name]

    write_pcap(path("be-usec.pcap"), 1, dns_tcp, big_endian=True)
    write_pcap(path("be-nsec.pcap"), 1, http, big_endian=True, nano=True)
    write_pcap(path("rawip.pcap"), 101, strip_eth(dual))
    write_pcap(path("ipv4.pcap"), 228, strip_eth(dns_tcp))
    write_pcap(path("sll2.pcap"), 276, to_sll2(http))
    write_pcap(path("nflog.pcap"), 239, to_nflog(dns_udp))
    write_pcap(path("link-layers.pcap"), 1, link_layer_frames())
    write_pcap(path("snaplen-64.pcap"), 1, http, snaplen=64)
    write_pcap(path("snaplen-200.pcap"), 1, http, snaplen=200)
    packets = [(0, ts, wl, d) for ts, wl, d in vxlan] + \
        [(1, ts, wl, d) for ts, wl, d in strip_eth(dual)]
    write_pcapng(path("two-interfaces.pcapng"), [(1, 6), (101, 9)], packets)
    write_pcapng(path("two-interfaces-ns-first.pcapng"), [(1, 9), (101, 6)], packets)
    return out


def inet_checksum(b):
    """Returns the Internet checksum (RFC 1071) of b."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
