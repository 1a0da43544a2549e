"""Synthetic captures for the link, network and transport fields (eth.*,
vlan.id, ip.*, ipv6.*, tcp.*, udp.*, tcp.analysis.initial_rtt): the cases
the shared captures lack.  ICMP and ICMPv6 errors quoting UDP and TCP
headers of known and unknown flows, whole and cut; IPv4 fragments carrying
TCP and UDP; bogus and cut TCP, UDP, IPv4 and IPv6 headers; handshakes with
SYN and SYN-ACK retransmissions, simultaneous open, port reuse, a quoted SYN
or ACK, lost segments, window scaling and a full window, zero windows,
keep-alives, sequence numbers wrapping; VXLAN, IP-in-IP and GRE tunnels
and VLAN tags.

Each scenario is a list of (time offset, frame bytes, captured length or
None); write() stores one as a classic pcap (Ethernet, microseconds)."""
import ipaddress
import struct

from capture_gen import inet_checksum

A, B, C = "10.0.0.1", "10.0.0.2", "10.0.0.3"
X, Y = "2001:db8::1", "2001:db8::2"
SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08



def ip4(src, dst, proto, payload, ident=1, frag=0, total=None):
    """Returns an IPv4 packet (total overrides the total length field)."""
    tl = 20 + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tl, ident, frag, 64, proto, 0,
                    ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    return h[:10] + struct.pack("!H", inet_checksum(h)) + h[12:] + payload


def ip6(src, dst, nh, payload):
    """Returns an IPv6 packet."""
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64,
                       ipaddress.IPv6Address(src).packed,
                       ipaddress.IPv6Address(dst).packed) + payload


def udp(sp, dp, payload=b"", ulen=None):
    """Returns a UDP datagram (ulen overrides the length field)."""
    return struct.pack("!HHHH", sp, dp, 8 + len(payload) if ulen is None else ulen, 0) + payload


def tcp(sp, dp, seq, ack, flags, payload=b"", win=1000, opts=b"", off=None, urg=0):
    """Returns a TCP segment (off overrides the data offset, in words; flags
    may have the 4 bits above the 8 classic ones)."""
    o = (20 + len(opts)) // 4 if off is None else off
    return struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                       (o << 4) | (flags >> 8), flags & 0xFF, win, 0x1234, urg) + opts + payload


def eth(payload, typ=0x0800):
    """Returns an Ethernet frame between two fixed MAC addresses."""
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", typ) + payload


def icmp(typ, code, body):
    """Returns an ICMP message quoting body."""
    h = struct.pack("!BBHI", typ, code, 0, 0) + body
    return h[:2] + struct.pack("!H", inet_checksum(h)) + h[4:]


def icmp6(typ, code, body):
    """Returns an ICMPv6 message quoting body (checksum left 0)."""
    return struct.pack("!BBHI", typ, code, 0, 0) + body


class _Frames:
    """Collects the frames of a scenario."""

    def __init__(self):
        self.frames = []

    def add(self, frame, dt=0.01, caplen=None):
        """Adds a frame dt seconds after the previous one, cut to caplen bytes if given."""
        self.frames.append((dt, frame, caplen))

    def tcp_pair(self, sp, dp, a=A, b=B, v6=False):
        """Returns two functions adding segments from a to b and from b to a."""
        def side(src, dst, s_port, d_port):
            def add(seq, ack, flags, payload=b"", win=1000, dt=0.01, opts=b"", caplen=None,
                    urg=0):
                seg = tcp(s_port, d_port, seq, ack, flags, payload, win, opts, urg=urg)
                if v6:
                    self.add(eth(ip6(src, dst, 6, seg), 0x86DD), dt, caplen)
                else:
                    self.add(eth(ip4(src, dst, 6, seg)), dt, caplen)
            return add
        return side(a, b, sp, dp), side(b, a, dp, sp)


def icmp_quotes():
    """ICMP and ICMPv6 errors quoting UDP and TCP of known and unknown flows."""
    w = _Frames()
    u = ip4(A, B, 17, udp(5000, 53, b"abcd"))
    w.add(eth(u))
    w.add(eth(ip4(B, A, 1, icmp(3, 3, u[:28]))))
    w.add(eth(ip4(B, A, 1, icmp(3, 3, ip4(A, C, 17, udp(6000, 7000, b"xyzw"))[:32]))))
    w.add(eth(ip4(A, C, 17, udp(6001, 7000, b"q"))))
    t = ip4(A, B, 6, tcp(1234, 80, 100, 0, SYN))
    w.add(eth(t))
    for n in (8, 12, 14, 16, 18, 20):
        w.add(eth(ip4(B, A, 1, icmp(11, 0, t[:20 + n]))))
    w.add(eth(ip4(B, A, 1, icmp(11, 0, ip4(A, C, 6, tcp(1, 2, 5, 0, SYN))[:40]))))
    w.add(eth(ip4(A, C, 6, tcp(7, 8, 5, 0, SYN))))
    for n in (4, 6, 8):
        w.add(eth(ip4(B, A, 1, icmp(3, 3, ip4(A, C, 17, udp(200 + n, 2, b"abcdefgh"))[:20 + n]))))
    u6 = ip6(X, Y, 17, udp(5000, 53, b"abcd"))
    w.add(eth(u6, 0x86DD))
    w.add(eth(ip6(Y, X, 58, icmp6(1, 4, u6)), 0x86DD))
    t6 = ip6(X, Y, 6, tcp(1234, 80, 100, 0, SYN))
    w.add(eth(t6, 0x86DD))
    w.add(eth(ip6(Y, X, 58, icmp6(3, 0, t6)), 0x86DD))
    w.add(eth(ip6(Y, X, 58, icmp6(2, 0, ip6(X, Y, 17, udp(9, 10, b"zz")))), 0x86DD))
    w.add(eth(ip6(X, Y, 17, udp(11, 12, b"zz")), 0x86DD))
    return w.frames


def fragments():
    """IPv4 fragments carrying a TCP SYN with data and a UDP datagram; IPv6
    fragments of a UDP datagram, and an atomic fragment."""
    w = _Frames()
    seg = tcp(1111, 80, 500, 0, SYN, b"P" * 40)
    w.add(eth(ip4(A, B, 6, seg[:24], ident=7, frag=0x2000, total=44)))
    w.add(eth(ip4(A, B, 6, seg[24:], ident=7, frag=3, total=20 + len(seg) - 24)))
    d = udp(4000, 4001, b"Q" * 40)
    w.add(eth(ip4(A, B, 17, d[:16], ident=8, frag=0x2000, total=36)))
    w.add(eth(ip4(A, B, 17, d[16:], ident=8, frag=2, total=20 + len(d) - 16)))
    w.add(eth(ip4(A, B, 6, tcp(1111, 80, 541, 0, ACK, b"x"))))
    d6 = udp(4002, 4003, b"R" * 40)
    frag = lambda off, more, ident=9: struct.pack("!BBHI", 17, 0, off << 3 | more, ident)
    w.add(eth(ip6(X, Y, 44, frag(0, 1) + d6[:24]), 0x86DD))
    w.add(eth(ip6(X, Y, 44, frag(3, 0) + d6[24:]), 0x86DD))
    w.add(eth(ip6(X, Y, 44, frag(0, 0, 10) + udp(4004, 4005, b"S")), 0x86DD))
    return w.frames


def odd_headers():
    """Bogus and cut TCP, UDP, IPv4 and IPv6 headers, odd lengths."""
    w = _Frames()
    w.add(eth(ip4(A, B, 6, tcp(20, 21, 1, 0, SYN, off=4))))
    w.add(eth(ip4(A, B, 6, tcp(22, 23, 1, 0, SYN, opts=b"\x02\x04\x05\xb4\x01\x03\x03\x07"))),
          caplen=14 + 20 + 22)
    for n in (2, 10, 16, 18):
        w.add(eth(ip4(A, B, 6, tcp(300 + n, 25, 1, 0, SYN))), caplen=14 + 20 + n)
    for n in (1, 8, 9, 10, 12, 16, 19):
        w.add(eth(ip4(A, B, 6, tcp(400 + n, 25, 1, 0, SYN))), caplen=14 + n)
    for n in (8, 24, 39):
        w.add(eth(ip6(X, Y, 17, udp(500 + n, 2, b"a")), 0x86DD), caplen=14 + n)
    w.add(eth(ip4(A, B, 6, tcp(30, 31, 1, 0, SYN, off=15))))
    w.add(eth(ip4(A, B, 17, udp(32, 33, b"abc", ulen=4))))
    w.add(eth(ip4(A, B, 17, udp(34, 35, b"abc"))), caplen=14 + 20 + 5)
    w.add(eth(ip4(A, B, 17, udp(36, 37, b"abc", ulen=40))))
    w.add(eth(ip4(A, B, 17, udp(38, 39, b"abcdefgh", ulen=10))))
    w.add(eth(ip6(X, Y, 17, udp(7, 8, b"abc", ulen=0)), 0x86DD))
    w.add(eth(ip4(A, B, 17, udp(7, 8, b"abc", ulen=0))))
    w.add(eth(ip4(A, B, 6, tcp(1, 2, 1, 0, SYN), total=30)))
    w.add(eth(ip4(A, B, 6, tcp(600, 601, 1, 0, SYN), total=0)))
    w.add(eth(ip4(A, B, 6, tcp(602, 603, 1, 0, SYN, b"abc")) + b"\0" * 6))
    w.add(eth(ip4(A, B, 6, tcp(606, 607, 1, 0, SYN), total=100)))
    return w.frames


def handshakes():
    """Handshakes: retransmitted SYN and SYN-ACK, data as the third segment,
    simultaneous open, a stream seen mid-way then reused, RST after SYN,
    duplicate ACKs, window updates, keep-alives, zero window, FINs, and a
    SYN reusing the ports with a new sequence number."""
    w = _Frames()
    c, s = w.tcp_pair(1000, 80)
    c(100, 0, SYN); c(100, 0, SYN, dt=1); s(900, 101, SYN | ACK); c(101, 901, ACK)
    c(101, 901, PSH | ACK, b"GET"); s(901, 104, ACK); c(104, 901, FIN | ACK)
    s(901, 105, FIN | ACK); c(105, 902, ACK)
    c(5000, 0, SYN, dt=2); s(7000, 5001, SYN | ACK); c(5001, 7001, ACK); c(5001, 7001, RST | ACK)
    c, s = w.tcp_pair(1001, 80)
    c(10, 0, SYN); s(20, 11, SYN | ACK); c(11, 21, PSH | ACK, b"abc"); s(21, 14, ACK)
    c, s = w.tcp_pair(1002, 80)
    c(10, 0, SYN); s(20, 11, SYN | ACK); s(20, 11, SYN | ACK, dt=1); c(11, 21, ACK); c(11, 21, ACK)
    c, s = w.tcp_pair(1003, 1004)
    c(10, 0, SYN); s(20, 0, SYN); c(10, 21, SYN | ACK); s(20, 11, SYN | ACK); c(11, 21, ACK)
    c, s = w.tcp_pair(1005, 80)
    s(50, 60, ACK); c(60, 51, PSH | ACK, b"zz"); c(300, 0, SYN); s(400, 301, SYN | ACK)
    c(301, 401, ACK)
    c, s = w.tcp_pair(1006, 81)
    c(10, 0, SYN); s(0, 11, RST | ACK)
    c, s = w.tcp_pair(1007, 80)
    c(10, 0, SYN); s(20, 11, SYN | ACK); c(11, 21, ACK); c(11, 21, PSH | ACK, b"a" * 10)
    s(21, 21, ACK); s(21, 21, ACK); s(21, 21, ACK, win=2000); c(20, 21, ACK)
    s(21, 21, ACK, win=0); c(11, 21, PSH | ACK, b"a" * 10); c(21, 21, FIN | ACK)
    s(21, 21, FIN | ACK); s(21, 21, FIN | ACK)
    return w.frames


def sequence_analysis():
    """Segments that Wireshark's sequence analysis flags or not: a lost
    segment, an ACK of an unseen one, window scaling and a full window, a
    zero window probe, sequence numbers wrapping, a SYN-ACK with a new
    sequence number, a quoted SYN and ACK, cut headers and options, IPv6,
    VXLAN and IP-in-IP tunnels, VLAN tags."""
    w = _Frames()
    c, s = w.tcp_pair(2000, 80)
    c(10, 0, SYN); s(20, 11, SYN | ACK); c(11, 21, ACK)
    s(21, 11, PSH | ACK, b"a" * 100); s(221, 11, PSH | ACK, b"b" * 100)
    s(321, 11, PSH | ACK, b"c" * 100); c(11, 421, ACK); c(11, 421, ACK); s(421, 11, FIN | ACK)
    c(11, 422, FIN | ACK); s(422, 12, ACK)
    c, s = w.tcp_pair(2001, 80)
    c(10, 0, SYN, opts=b"\x03\x03\x02\x00"); s(20, 11, SYN | ACK, win=100, opts=b"\x03\x03\x01\x00")
    c(11, 21, ACK, win=100); s(21, 11, ACK, b"x" * 300, win=100); s(321, 11, ACK, b"x" * 100, win=100)
    c(11, 421, ACK, win=100)
    c, s = w.tcp_pair(2002, 80)
    c(10, 0, SYN); s(20, 11, SYN | ACK); c(11, 21, ACK, win=0); s(21, 11, ACK, b"z")
    c(11, 21, ACK, win=0); c(11, 22, ACK, win=500)
    c, s = w.tcp_pair(2003, 80)
    c(0xFFFFFFFA, 0, SYN); s(100, 0xFFFFFFFB, SYN | ACK); c(0xFFFFFFFB, 101, PSH | ACK, b"abcde")
    s(101, 0, ACK); c(0, 101, PSH | ACK, b"fg"); s(101, 2, ACK)
    c, s = w.tcp_pair(2004, 80)
    c(10, 0, SYN); s(20, 11, SYN | ACK); s(99, 11, SYN | ACK); c(11, 100, ACK); c(11, 100, ACK)
    c, s = w.tcp_pair(2005, 80)
    c(10, 0, SYN, caplen=14 + 20 + 17); s(20, 11, SYN | ACK); c(11, 21, ACK, caplen=14 + 20 + 18)
    c(11, 21, PSH | ACK, b"q")
    tsopt = b"\x01\x01\x08\x0a" + b"\0" * 8
    for cut in (24, 26, 21, 32):
        s(21, 12, ACK, opts=tsopt, win=900 + cut, caplen=14 + 20 + cut)
    syn = ip4(A, B, 6, tcp(2006, 80, 100, 0, SYN))
    w.add(eth(syn))
    w.add(eth(ip4(C, A, 1, icmp(11, 0, syn[:40]))), dt=0.5)
    w.add(eth(ip4(B, A, 6, tcp(80, 2006, 900, 101, SYN | ACK))), dt=0.1)
    w.add(eth(ip4(A, B, 6, tcp(2006, 80, 101, 901, ACK))), dt=0.1)
    w.add(eth(ip4(A, B, 6, tcp(2007, 80, 100, 0, SYN))))
    w.add(eth(ip4(B, A, 6, tcp(80, 2007, 900, 101, SYN | ACK))), dt=0.1)
    w.add(eth(ip4(C, A, 1, icmp(11, 0, ip4(A, B, 6, tcp(2007, 80, 101, 901, ACK))[:40]))), dt=0.5)
    w.add(eth(ip4(A, B, 6, tcp(2007, 80, 101, 901, ACK))), dt=0.1)
    w.add(eth(ip4(C, A, 1, icmp(11, 0, ip4(A, B, 6, tcp(2007, 80, 5555, 0, SYN))[:40]))))
    w.add(eth(ip4(A, B, 6, tcp(2007, 80, 101, 901, PSH | ACK, b"abc"))))
    c, s = w.tcp_pair(2008, 443, X, Y, True)
    c(10, 0, SYN); s(20, 11, SYN | ACK); c(11, 21, ACK); c(11, 21, PSH | ACK, b"hello")
    s(21, 16, ACK)
    for sp, dp, seq, ack, flags in ((3000, 22, 10, 0, SYN), (22, 3000, 20, 11, SYN | ACK),
                                    (3000, 22, 11, 21, ACK)):
        a, b = ("192.168.0.1", "192.168.0.2") if sp == 3000 else ("192.168.0.2", "192.168.0.1")
        inner = eth(ip4(a, b, 6, tcp(sp, dp, seq, ack, flags)))
        w.add(eth(ip4(C, A, 17, udp(12345, 4789, b"\x08\0\0\0\0\0\x01\0" + inner))))
    w.add(eth(ip4(A, C, 4, ip4("172.16.0.1", "172.16.0.2", 17, udp(53, 53, b"\0" * 12)))))
    w.add(eth(ip4(A, C, 41, ip6(X, Y, 17, udp(1, 2)))))
    w.add(eth(struct.pack("!HH", 0x2005, 0x0800) + ip4(A, B, 17, udp(9, 9, b"a")), 0x8100))
    w.add(eth(struct.pack("!HHHH", 0x3006, 0x8100, 0x0007, 0x0800)
              + ip4(A, B, 17, udp(9, 9, b"a")), 0x9100))
    w.add(eth(struct.pack("!HHHH", 0x3006, 0x8100, 0x0008, 0x0800)
              + ip4(A, B, 17, udp(9, 9, b"a")), 0x88A8))
    w.add(eth(b"\x20", 0x8100))
    return w.frames


def tcp_analysis():
    """The verdicts of Wireshark's sequence analysis one by one, and the
    options and flags a handshake and a transfer carry: MSS, SACK permitted,
    timestamps and window scaling; SACK and D-SACK blocks (and the bytes in
    flight they leave out); duplicate ACKs then a fast retransmission;
    spurious, plain and out-of-order retransmissions; a lost segment and an
    ACK of an unseen one; keep-alives and their ACKs; a zero window, its
    probe and the probe's ACK; a window update and a full window; urgent
    data, ECN and reserved flags, data on a RST."""
    w = _Frames()
    nop, mss, sperm = b"\x01", b"\x02\x04\x05\xb4", b"\x04\x02"
    ts = b"\x08\x0a\x00\x00\x00\x10\x00\x00\x00\x00"
    sack = lambda *edges: nop * 2 + struct.pack("!BB", 5, 2 + 4 * len(edges)) + \
        struct.pack("!%dI" % len(edges), *edges)
    c, s = w.tcp_pair(4000, 80)
    c(1000, 0, SYN | 0xC0, opts=mss + sperm + nop + b"\x03\x03\x07" + nop * 4 + ts)
    s(5000, 1001, SYN | ACK | 0x40, win=200, opts=mss + sperm + nop + b"\x03\x03\x02" + nop * 2,
      dt=0.02)
    c(1001, 5001, ACK, win=4, opts=nop * 2 + ts, dt=0.02)
    for i in range(5):
        s(5001 + 100 * i, 1001, PSH | ACK if i == 4 else ACK, b"d" * 100, win=200, dt=0.001)
    c(1001, 5101, ACK, win=4, dt=0.001)
    c(1001, 5101, ACK, win=4, opts=sack(5201, 5301), dt=0.001)
    c(1001, 5101, ACK, win=4, opts=sack(5201, 5401), dt=0.001)
    c(1001, 5101, ACK, win=4, opts=sack(5201, 5501), dt=0.001)
    s(5101, 1001, ACK, b"d" * 100, win=200, dt=0.001)
    c(1001, 5501, ACK, win=4, opts=sack(5101, 5201), dt=0.002)
    s(5101, 1001, ACK, b"d" * 100, win=200, dt=0.3)
    c(1001, 5501, ACK, win=4, opts=sack(5101, 5201, 5101, 5301), dt=0.002)
    s(5531, 1001, ACK, b"e" * 10, win=200, dt=0.1)
    s(5501, 1001, ACK | PSH, b"e" * 30, win=200, dt=0.001)
    c(1001, 5541, ACK, win=4, dt=0.01)
    s(5540, 1001, ACK, win=200, dt=1)
    c(1001, 5541, ACK, win=4, dt=0.01)
    c(1001, 5541, ACK, win=0, dt=0.01)
    s(5541, 1001, ACK, b"p", win=200, dt=0.5)
    c(1001, 5541, ACK, win=0, dt=0.01)
    c(1001, 5541, ACK, win=1, dt=0.01)
    s(5541, 1001, ACK | PSH, b"f" * 128, win=200, dt=0.01)
    c(1001, 5669, ACK | 0x80, win=4, dt=0.01)
    c(1001, 5900, ACK, win=4, dt=0.01)
    c(1001, 5669, ACK | 0x20 | PSH, b"u" * 5, win=4, urg=3, dt=0.01)
    s(5669, 1006, ACK | 0x100 | 0x200, win=200, dt=0.01)
    s(5669, 1006, RST | ACK, b"bye", dt=0.01)
    return w.frames


def gre_tunnels():
    """GRE carrying IPv4, IPv6 and Ethernet, with key, sequence and checksum
    fields, over IPv4 and IPv6; an unknown payload type, an empty payload
    and a cut header."""
    w = _Frames()
    w.add(eth(ip4(A, B, 47, struct.pack("!HH", 0, 0x0800)
                  + ip4("192.168.1.1", "192.168.1.2", 6, tcp(5000, 80, 1, 0, SYN)))))
    w.add(eth(ip4(B, A, 47, struct.pack("!HHI", 0x2000, 0x0800, 7)
                  + ip4("192.168.1.2", "192.168.1.1", 6, tcp(80, 5000, 9, 2, SYN | ACK)))))
    w.add(eth(ip4(A, B, 47, struct.pack("!HHHHII", 0xB000, 0x86DD, 0, 0, 5, 6)
                  + ip6(X, Y, 17, udp(1, 2, b"x")))))
    w.add(eth(ip4(A, B, 47, struct.pack("!HH", 0, 0x6558)
                  + eth(ip4("10.9.9.9", "10.9.9.8", 17, udp(3, 4, b"y"))))))
    w.add(eth(ip4(A, B, 47, struct.pack("!HH", 0, 0x1234) + b"abcd")))
    w.add(eth(ip4(A, B, 47, struct.pack("!HH", 0, 0x0800))))
    w.add(eth(ip4(A, B, 47, struct.pack("!H", 0))))
    w.add(eth(ip6(X, Y, 47, struct.pack("!HH", 0, 0x0800)
                  + ip4("3.3.3.3", "4.4.4.4", 17, udp(9, 10, b"z"))), 0x86DD))
    return w.frames


def icmp_raw(typ, code, rest, body=b""):
    """Returns an ICMP message whose second word is rest (4 bytes), with a good checksum."""
    h = struct.pack("!BBH", typ, code, 0) + rest + body
    return h[:2] + struct.pack("!H", inet_checksum(h)) + h[4:]


def icmp6_raw(src, dst, typ, code, rest, body=b"", good=True):
    """Returns an ICMPv6 message whose second word is rest, its checksum
    computed over the pseudo-header (or left wrong)."""
    h = struct.pack("!BBH", typ, code, 0) + rest + body
    ph = (ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed
          + struct.pack("!II", len(h), 58))
    ck = inet_checksum(ph + h) if good else 0x1234
    return h[:2] + struct.pack("!H", ck) + h[4:]


def icmp_messages():
    """ICMP and ICMPv6 messages: echoes answered, unanswered, answered
    twice, repeated and unmatched, over GRE too (where tshark 4.0 matches
    them with the bare ones); redirects, parameter
    problems, fragmentation needed with RFC 4884 lengths, timestamps, cut
    messages and bad checksums, requests to multicast groups, timestamps
    in either byte order; neighbour discovery with options, MLD and
    MLDv2 reports, packet too big."""
    w = _Frames()
    echo = lambda t, i, q, data=b"abcdefgh": icmp_raw(t, 0, struct.pack("!HH", i, q), data)
    w.add(eth(ip4(A, B, 1, echo(8, 0x1234, 1))))
    w.add(eth(ip4(B, A, 1, echo(0, 0x1234, 1))), dt=0.0123)
    w.add(eth(ip4(A, B, 1, echo(8, 0x1234, 2))))
    w.add(eth(ip4(A, B, 1, echo(8, 0x1234, 3))))
    w.add(eth(ip4(A, B, 1, echo(8, 0x1234, 3))))
    w.add(eth(ip4(B, A, 1, echo(0, 0x1234, 3))))
    w.add(eth(ip4(B, A, 1, echo(0, 0x1234, 3))))
    w.add(eth(ip4(B, A, 1, echo(0, 0x9999, 7))))
    w.add(eth(ip4(A, "224.0.0.1", 1, echo(8, 2, 2))))
    w.add(eth(ip4(A, B, 1, echo(8, 3, 1, struct.pack("!II", 1000, 5000) + b"tail"))))
    w.add(eth(ip4(B, A, 1, echo(0, 3, 1, struct.pack("<II", 1000, 5000)))))
    w.add(eth(ip4(A, C, 1, echo(8, 1, 1, b""))))
    w.add(eth(ip4(C, A, 1, echo(0, 1, 1, b""))))
    gre = struct.pack("!HH", 0, 0x0800)
    w.add(eth(ip4(A, B, 1, echo(8, 5, 5))))
    w.add(eth(ip4(C, "10.0.0.4", 47, gre + ip4(A, B, 1, echo(8, 5, 5)))))
    w.add(eth(ip4("10.0.0.4", C, 47, gre + ip4(B, A, 1, echo(0, 5, 5)))))
    w.add(eth(ip4(B, A, 1, echo(0, 5, 5))))
    bad = bytearray(echo(8, 6, 6))
    bad[2] ^= 0xFF
    w.add(eth(ip4(A, B, 1, bytes(bad))))
    w.add(eth(ip4(A, B, 1, echo(8, 7, 7))), caplen=14 + 20 + 12)
    w.add(eth(ip4(A, B, 1, echo(8, 7, 8))), caplen=14 + 20 + 6)
    quoted = ip4(A, C, 17, udp(53, 53, b"q" * 8))
    w.add(eth(ip4(B, A, 1, icmp_raw(5, 1, ipaddress.IPv4Address(C).packed, quoted))))
    w.add(eth(ip4(B, A, 1, icmp_raw(12, 0, struct.pack("!BBH", 9, 0, 0), quoted))))
    w.add(eth(ip4(B, A, 1, icmp_raw(3, 4, struct.pack("!BBH", 0, 0, 1400), quoted))))
    w.add(eth(ip4(B, A, 1, icmp_raw(3, 1, struct.pack("!BBH", 0, 9, 0),
                                    quoted + b"\0" * 8))))
    w.add(eth(ip4(B, A, 1, icmp_raw(11, 0, struct.pack("!BBH", 0, 2, 0), quoted))))
    w.add(eth(ip4(A, B, 1, icmp_raw(13, 0, struct.pack("!HH", 3, 4), b"\0" * 12))))
    w.add(eth(ip4(B, A, 1, icmp_raw(14, 0, struct.pack("!HH", 3, 4), b"\0" * 12))))
    w.add(eth(ip4(A, B, 1, icmp_raw(4, 0, b"\0" * 4, quoted))))
    e6 = lambda s, d, t, i, q: icmp6_raw(s, d, t, 0, struct.pack("!HH", i, q), b"ping")
    w.add(eth(ip6(X, Y, 58, e6(X, Y, 128, 0xea40, 1)), 0x86DD))
    w.add(eth(ip6(Y, X, 58, e6(Y, X, 129, 0xea40, 1)), 0x86DD), dt=0.002)
    w.add(eth(ip6(X, Y, 58, e6(X, Y, 128, 0xea40, 2)), 0x86DD))
    w.add(eth(ip6(Y, X, 58, e6(Y, X, 129, 0xea40, 9)), 0x86DD))
    w.add(eth(ip6(X, "ff02::1", 58, e6(X, "ff02::1", 128, 0xea40, 4)), 0x86DD))
    w.add(eth(ip6(X, Y, 58, icmp6_raw(X, Y, 128, 0, b"\0\1\0\1", good=False)), 0x86DD))
    mac = b"\x02\0\0\0\0\x01"
    ll = lambda t: struct.pack("!BB", t, 1) + mac
    prefix = struct.pack("!BBBBII4x16s", 3, 4, 64, 0xC0, 86400, 14400,
                         ipaddress.IPv6Address("2001:db8:1::").packed)
    mtu = struct.pack("!BBHI", 5, 1, 0, 1500)
    w.add(eth(ip6("fe80::1", "ff02::2", 58, icmp6_raw("fe80::1", "ff02::2", 133, 0, b"\0" * 4,
                                                      ll(1))), 0x86DD))
    w.add(eth(ip6("fe80::2", "ff02::1", 58, icmp6_raw(
        "fe80::2", "ff02::1", 134, 0, struct.pack("!BBH", 64, 0x80, 1800),
        struct.pack("!II", 30000, 1000) + ll(1) + prefix + mtu + b"\x63\x01" + b"\0" * 6)),
        0x86DD))
    tgt = ipaddress.IPv6Address(Y).packed
    w.add(eth(ip6(X, "ff02::1:ff00:2", 58, icmp6_raw(X, "ff02::1:ff00:2", 135, 0, b"\0" * 4,
                                                     tgt + ll(1))), 0x86DD))
    w.add(eth(ip6(Y, X, 58, icmp6_raw(Y, X, 136, 0, struct.pack("!I", 0x60000000),
                                      tgt + ll(2))), 0x86DD))
    w.add(eth(ip6(Y, X, 58, icmp6_raw(Y, X, 136, 0, struct.pack("!I", 0xA0000001), tgt)),
              0x86DD))
    w.add(eth(ip6(Y, X, 58, icmp6_raw(Y, X, 137, 0, b"\0" * 4,
                                      tgt + ipaddress.IPv6Address("2001:db8::9").packed)),
              0x86DD))
    grp = ipaddress.IPv6Address("ff02::1:3").packed
    w.add(eth(ip6("fe80::1", "ff02::1", 58, icmp6_raw("fe80::1", "ff02::1", 130, 0,
                                                      struct.pack("!HH", 1000, 0), grp)),
              0x86DD))
    w.add(eth(ip6("fe80::1", "ff02::1:3", 58, icmp6_raw("fe80::1", "ff02::1:3", 131, 0,
                                                        struct.pack("!HH", 0, 0), grp)),
              0x86DD))
    rec = lambda t, srcs, aux: (struct.pack("!BBH", t, aux, len(srcs)) + grp
                                + b"".join(ipaddress.IPv6Address(a).packed for a in srcs)
                                + b"\0" * (4 * aux))
    w.add(eth(ip6("fe80::1", "ff02::16", 58, icmp6_raw(
        "fe80::1", "ff02::16", 143, 0, struct.pack("!HH", 0, 3),
        rec(4, [], 0) + rec(1, ["2001:db8::5", "2001:db8::6"], 1) + rec(3, [], 0))), 0x86DD))
    u6 = ip6(X, Y, 17, udp(5000, 53, b"abcd"))
    w.add(eth(ip6(Y, X, 58, icmp6_raw(Y, X, 2, 0, struct.pack("!I", 1280), u6)), 0x86DD))
    w.add(eth(ip6(Y, X, 58, icmp6_raw(Y, X, 4, 1, struct.pack("!I", 40), u6)), 0x86DD))
    w.add(eth(ip6(Y, X, 58, icmp6_raw(Y, X, 3, 1, b"\0" * 4, u6)), 0x86DD))
    w.add(eth(ip6(X, Y, 58, e6(X, Y, 128, 3, 3)), 0x86DD), caplen=14 + 40 + 6)
    return w.frames


def arp(op, sha, spa, tha, tpa, hrd=1, pro=0x0800):
    """Returns an ARP packet (addresses as bytes)."""
    return struct.pack("!HHBBH", hrd, pro, len(sha), len(spa), op) + sha + spa + tha + tpa


def link_layers():
    """ARP requests, replies, gratuitous ARP, probes and announcements, and
    other hardware and protocol types; 802.1Q tags with priorities and DEI,
    802.1ad outer tags, 802.3 length frames in and out of tags, locally
    administered and group addresses, a cut tag and a cut ARP."""
    w = _Frames()
    m1, m2, z = b"\x02\0\0\0\0\x01", b"\x00\x1b\x21\0\0\x02", b"\0" * 6
    a, b = ipaddress.IPv4Address(A).packed, ipaddress.IPv4Address(B).packed
    w.add(eth(arp(1, m1, a, z, b), 0x0806))
    w.add(eth(arp(2, m2, b, m1, a), 0x0806))
    w.add(eth(arp(1, m1, a, z, a), 0x0806))
    w.add(eth(arp(2, m1, a, m1, a), 0x0806))
    w.add(eth(arp(1, m1, b"\0" * 4, z, b), 0x0806))
    w.add(eth(arp(3, m1, a, m2, b), 0x0806))
    w.add(eth(arp(1, m1[:4], a, z[:4], b, hrd=6), 0x0806))
    w.add(eth(arp(1, m1, b"\1" * 16, z, b"\2" * 16, pro=0x86DD), 0x0806))
    w.add(eth(arp(1, m1, a, z, b), 0x0806), caplen=14 + 20)
    tag = lambda tci, typ: struct.pack("!HH", tci, typ)
    u = ip4(A, B, 17, udp(1, 2, b"v"))
    w.add(eth(tag(0xA00A, 0x0800) + u, 0x8100))
    w.add(eth(tag(0x3064, 0x8100) + tag(0x000B, 0x0800) + u, 0x88A8))
    llc = b"\x42\x42\x03" + b"\0" * 35
    w.add(eth(tag(5, len(llc)) + llc, 0x8100))
    w.add(b"\x01\x80\xc2\0\0\0" + m1 + struct.pack("!H", len(llc)) + llc)
    w.add(b"\xff" * 6 + b"\x03\0\0\0\0\x01" + b"\x08\x00" + u)
    w.add(eth(tag(0x1FFF, 0x0800) + u, 0x8100), caplen=14 + 3)
    return w.frames


SCENARIOS = {
    "link_layers": link_layers,
    "icmp_quotes": icmp_quotes,
    "icmp_messages": icmp_messages,
    "fragments": fragments,
    "odd_headers": odd_headers,
    "handshakes": handshakes,
    "sequence_analysis": sequence_analysis,
    "tcp_analysis": tcp_analysis,
    "gre_tunnels": gre_tunnels,
}


def write(path, frames):
    """Writes frames as a classic little-endian pcap with microsecond times."""
    t = 1000.0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for dt, frame, caplen in frames:
            t += dt
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            cap = frame if caplen is None else frame[:caplen]
            f.write(struct.pack("<IIII", sec, usec, len(cap), len(frame)) + cap)
