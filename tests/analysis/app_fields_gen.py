"""Builds the captures the DNS, HTTP and DHCP field tests need and the shared
ones lack: DNS names with escapes, compression loops, bitstring labels and
names too long; retransmitted queries and responses, zone transfers,
responses without queries, IDs reused across conversations; malformed and
snaplen-cut messages; DNS over TCP with two messages in one segment, length
prefixes split across segments and port reuse; mDNS; HTTP request lines and
Host headers with odd spacing, bytes and line ends, every method Wireshark
knows, cut segments; DHCP host names with odd bytes, overloaded fields and
truncated options.

Each scenario is a list of frames (ts_ns, data) or (ts_ns, data, wirelen)
of Ethernet frames, written by write()."""
import struct

from capture_gen import inet_checksum, write_pcap

CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
CLIENT6, SERVER6 = bytes(15) + b"\x01", bytes(15) + b"\x02"
MDNS = bytes([224, 0, 0, 251])



def ipv4(src, dst, proto, payload):
    """Returns an IPv4 packet."""
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", inet_checksum(h)) + h[12:] + payload


def ipv6(src, dst, nh, payload):
    """Returns an IPv6 packet."""
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, src, dst) + payload


def udp(sport, dport, payload):
    """Returns a UDP datagram (checksum 0)."""
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def eth(payload, etype=0x0800):
    """Returns an Ethernet frame."""
    return bytes.fromhex("001122334455" "66778899aabb") + struct.pack("!H", etype) + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    """Returns a TCP segment (checksum 0)."""
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


class Tcp:
    """A client/server TCP connection over IPv4."""

    def __init__(self, cport, sport, cseq=1000, sseq=5000):
        self.cport, self.sport, self.cseq, self.sseq = cport, sport, cseq, sseq

    def handshake(self):
        """Returns the three handshake frames."""
        frames = [eth(ipv4(CLIENT, SERVER, 6, tcp(self.cport, self.sport, self.cseq, 0, 0x02))),
                  eth(ipv4(SERVER, CLIENT, 6, tcp(self.sport, self.cport, self.sseq,
                                                  self.cseq + 1, 0x12))),
                  eth(ipv4(CLIENT, SERVER, 6, tcp(self.cport, self.sport, self.cseq + 1,
                                                  self.sseq + 1, 0x10)))]
        self.cseq += 1
        self.sseq += 1
        return frames

    def send(self, from_client, data):
        """Returns a data segment and advances that direction's sequence number."""
        if from_client:
            seg = tcp(self.cport, self.sport, self.cseq, self.sseq, 0x18, data)
            self.cseq += len(data)
            return eth(ipv4(CLIENT, SERVER, 6, seg))
        seg = tcp(self.sport, self.cport, self.sseq, self.cseq, 0x18, data)
        self.sseq += len(data)
        return eth(ipv4(SERVER, CLIENT, 6, seg))


def name(*labels):
    """Returns an uncompressed DNS name of the given labels."""
    out = b""
    for label in labels:
        label = label.encode("latin-1") if isinstance(label, str) else label
        out += bytes([len(label)]) + label
    return out + b"\0"


def question(qname, qtype=1, qclass=1):
    """Returns a DNS question."""
    return qname + struct.pack("!HH", qtype, qclass)


def record(rname, rtype, data, rclass=1, ttl=60):
    """Returns a DNS resource record."""
    return rname + struct.pack("!HHIH", rtype, rclass, ttl, len(data)) + data


def message(mid, flags, qs=(), ans=(), counts=None, tail=b""):
    """Returns a DNS message; counts overrides the section counts."""
    c = counts or (len(qs), len(ans), 0, 0)
    return struct.pack("!HHHHHH", mid, flags, *c) + b"".join(qs) + b"".join(ans) + tail


WWW = name("www", "example", "com")
PTR = b"\xc0\x0c"
A1, A2 = record(PTR, 1, bytes([1, 2, 3, 4])), record(PTR, 1, bytes([5, 6, 7, 8]))
OPT = b"\x00" + struct.pack("!HHIH", 41, 4096, 0, 0)


def query(mid, qname=WWW, qtype=1, flags=0x0100):
    """Returns a one-question query."""
    return message(mid, flags, qs=[question(qname, qtype)])


def answer(mid, ans, qname=WWW, qtype=1, flags=0x8180):
    """Returns a response to query(mid, qname, qtype)."""
    return message(mid, flags, qs=[question(qname, qtype)], ans=ans)


def to_server(msg, sport=40000, dport=53, dst=SERVER):
    """Returns a UDP DNS frame from the client."""
    return eth(ipv4(CLIENT, dst, 17, udp(sport, dport, msg)))


def to_client(msg, dport=40000):
    """Returns a UDP DNS frame from the server."""
    return eth(ipv4(SERVER, CLIENT, 17, udp(53, dport, msg)))


class Clock:
    """Frame times: each frame some milliseconds after the previous one."""

    def __init__(self):
        self.ns, self.frames = 1_000_000_000_000, []

    def add(self, ms, frame, wirelen=None):
        """Appends a frame ms milliseconds later (ms may be negative)."""
        self.ns += int(ms * 1_000_000)
        self.frames.append((self.ns, frame) if wirelen is None else (self.ns, frame, wirelen))


def dns_matching():
    """Queries and responses: retransmissions, duplicates, zone transfers, reuse."""
    c = Clock()
    c.add(1, to_server(query(1)))
    c.add(10, to_client(answer(1, [record(PTR, 5, name("alias", "example", "net")), A1, A2,
                                   record(PTR, 28, bytes(range(16)))]) + OPT))
    c.add(100, to_server(query(2)))
    c.add(1000, to_server(query(2)))                 # retransmitted within 5 s
    c.add(10, to_client(answer(2, [A1])))
    c.add(100, to_server(query(3)))
    c.add(6000, to_server(query(3)))                 # repeated after 5 s: a new transaction
    c.add(10, to_client(answer(3, [A1])))
    c.add(1, to_client(answer(3, [A2])))             # a second response
    c.add(100, to_client(answer(4, [A1])))           # no query at all
    c.add(100, to_client(answer(5, [A1])))           # response before its query
    c.add(1, to_server(query(5)))
    c.add(100, to_server(query(6), sport=40001))      # one ID, two conversations
    c.add(1, to_server(query(6), sport=40002))
    c.add(1, to_client(answer(6, [A1]), dport=40002))
    c.add(1, to_client(answer(6, [A2]), dport=40001))
    c.add(100, to_server(query(7, qtype=252)))        # AXFR: several responses
    c.add(1, to_client(answer(7, [A1], qtype=252)))
    c.add(1, to_client(answer(7, [A2], qtype=252)))
    c.add(100, to_server(query(8)))                   # ID reused after an answer
    c.add(1, to_client(answer(8, [A1])))
    c.add(1, to_server(query(8)))
    c.add(1, to_client(answer(8, [A2])))
    c.add(1, to_server(query(25)))
    c.add(-500, to_client(answer(25, [A1])))          # time going backwards
    c.add(1, to_server(message(0, 0, qs=[question(name("printer", "local"), 12, 0x8001)]),
                       5353, 5353, bytes([224, 0, 0, 251])))
    c.add(1, eth(ipv4(bytes([10, 0, 0, 9]), bytes([224, 0, 0, 251]), 17, udp(
        5353, 5353, message(0, 0x8400, ans=[record(name("printer", "local"), 1,
                                                   bytes([10, 0, 0, 9]), 0x8001)])))))
    c.add(1, eth(ipv6(CLIENT6, SERVER6, 17, udp(40000, 53, query(9, qtype=28))), 0x86DD))
    c.add(1, eth(ipv6(SERVER6, CLIENT6, 17, udp(53, 40000, answer(
        9, [record(PTR, 28, bytes(range(16)))], qtype=28))), 0x86DD))
    return c.frames


def dns_names():
    """Names as format_text() prints them, and expand_dns_name()'s limits."""
    names = [b"\0", name("a b", "c\\d", "e.f"), name(bytes([1, 2, 7, 8, 9, 10, 11, 12, 13, 27, 127]), "x"),
             name(b"\xc3\xa9A", b"\xff\xfeA", b"\xe2\x82", "z"), name('q"uote', "tab\there"),
             name(*(["a" * 63] * 5)), name(b"\x80\x81", b"\xf0\x9f\x98\x80", b"\xc2\x80", b"\xc0\x81"),
             name(b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xef\xbf\xbe", b"\xe2\x80\x8b"),
             PTR, name(*(["c" * 63] * 3 + ["d" * 61])), name(*(["c" * 63] * 3 + ["d" * 62])),
             b"\x41\x10\xab\xcd\x03www\x00", b"\x03abc\x41\x08\xff\x00", b"\x42abc\x00"]
    c = Clock()
    for i, n in enumerate(names):
        c.add(1, to_server(query(0x100 + i, n)))
    c.add(1, to_client(message(0x200, 0x8180, qs=[question(WWW)], ans=[
        record(b"\xc0\x28", 1, bytes([1, 1, 1, 1])), record(PTR, 5, PTR)])))
    c.add(1, to_client(message(0x201, 0x8180, qs=[question(WWW)], ans=[
        record(PTR, 5, name(*(["b" * 60] * 5)))])))
    return c.frames


def dns_malformed():
    """Bad labels, short messages, odd record lengths, other record types, cut frames."""
    c = Clock()
    c.add(1, to_client(answer(9, [A1, record(b"\x80\x01", 1, bytes(4)), A2])))
    c.add(1, to_client(message(10, 0x8180, qs=[question(WWW)], ans=[A1], counts=(1, 3, 0, 0))))
    c.add(1, to_server(b"\x00\x0b\x01"))
    c.add(1, to_client(b"\x00\x0c\x81\x80\x00\x01"))
    c.add(1, to_server(struct.pack("!HHHHHH", 13, 0x0100, 2, 0, 0, 0) + question(WWW)))
    c.add(1, to_client(message(17, 0x8180, qs=[question(b"\0")], ans=[
        record(b"\0", 1, b""), record(b"\0", 1, b"\x01\x02"), record(b"\0", 28, bytes(4)),
        record(b"\0", 1, bytes([8, 8, 8, 8]))])))
    others = [record(PTR, 2, name("ns1")), record(PTR, 15, b"\x00\x0a" + name("mx")),
              record(PTR, 6, name("a") + name("b") + bytes(20)), record(PTR, 16, b"\x03abc\x02de"),
              record(PTR, 33, bytes(6) + name("srv")), record(PTR, 12, name("ptr")),
              record(PTR, 99, b"\x01x"), record(PTR, 65, b"\x00\x01\x00"),
              record(PTR, 35, bytes(4) + b"\x01S\x00\x00" + name("r")), A1]
    c.add(1, to_client(answer(19, others)))
    c.add(1, to_client(answer(20, [record(PTR, 16, b"\x05ab"), A1])))
    c.add(1, to_client(answer(21, [record(PTR, 15, b"\x00\x0a\x80"), A1])))
    c.add(1, to_client(message(22, 0x8183, qs=[question(WWW)])))
    c.add(1, to_server(message(23, 0x2800, qs=[question(WWW)])))
    c.add(1, to_server(message(24, 0x3000, counts=(0, 0, 0, 0), tail=b"\x00\x01\x00\x08" + bytes(8))))
    c.add(1, to_server(message(26, 0x3000, counts=(0, 0, 0, 0), tail=b"\x00\x01\x00\x08" + bytes(4))))
    c.add(1000, to_server(query(27)))
    full = to_client(answer(27, [A1, A2, record(PTR, 28, bytes(range(16)))]))
    c.add(1000, full[:-20], len(full))
    full = to_client(answer(28, [A1, A2]))
    c.add(1, full[:-6], len(full))
    return c.frames


def dns_tcp():
    """DNS over TCP: messages split and joined across segments, retransmission, port reuse."""
    def framed(msg):
        return struct.pack("!H", len(msg)) + msg
    q1, q2 = framed(query(0x101)), framed(query(0x102, name("two")))
    r1, r2 = framed(answer(0x101, [A1])), framed(answer(0x102, [A2], name("two")))
    c = Clock()
    t = Tcp(41000, 53)
    for f in t.handshake():
        c.add(1, f)
    c.add(1, t.send(True, q1 + q2))
    c.add(1, t.send(False, r2[:1]))
    c.add(1, t.send(False, r2[1:10]))
    c.add(1, t.send(False, r2[10:] + r1[:5]))
    c.add(1, t.send(False, r1[5:]))
    t.sseq -= len(r1) - 5
    c.add(1, t.send(False, r1[5:]))                   # retransmitted segment
    c.add(1, t.send(True, framed(query(0x101, name("again")))))
    c.add(1, t.send(False, framed(answer(0x101, [A2], name("again")))))
    c.add(1, t.send(False, framed(message(0x103, 0x8180, qs=[question(b"\x80\x00")])) + r1))
    t2 = Tcp(41000, 53, 90000, 70000)                 # the same ports again
    for f in t2.handshake():
        c.add(1, f)
    c.add(1, t2.send(False, r1))
    c.add(1, t2.send(True, q1))
    t3 = Tcp(41001, 53)
    for f in t3.handshake():
        c.add(1, f)
    full = t3.send(False, framed(answer(0x301, [A1, A2])))
    c.add(1, full[:-10], len(full))                   # cut by the snaplen
    return c.frames


HTTP_REQUESTS = [
    b"GET /a HTTP/1.1\r\nHost: www.example.com\r\n\r\n",
    b"GET /b HTTP/1.1\r\nHost:   spaced.example.com   \r\nhost: second.example\r\n\r\n",
    b"GET /c\x01\xe9%20x?q=1 HTTP/1.1\r\nHost:nospace\r\n\r\n",
    b"POST /d HTTP/1.1\r\nHost: post.example\r\nContent-Length: 5\r\n\r\nhello",
    b"GET /e\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: \xc3\xa9t\xe9\x01\r\n\r\n",
    b"GET  /twospaces HTTP/1.1\r\nHOST: upper\r\n\r\n",
    b"GET /x  HTTP/1.1\r\nHost:\tb\r\n\r\n",
    b"HEAD /h HTTP/1.0\r\nX-Host: no\r\nHost : sp\r\n\r\n",
    b"GET /nul\x00rest HTTP/1.1\r\nHost: a\x00b\r\n\r\n",
    b"GET /y\tz HTTP/1.1\nHost: lf-only\n\n",
    b"GET /cr\rmid HTTP/1.1\r\nHost: c\r\n\r\n",
    b"GET\r\nHost: nothing\r\n\r\n",
    b"GET /u HTTP/1.1\r\nHost: \r\n\r\n",
    b"GET /v HTTP/1.1\r\nHost: folded\r\n  continued\r\n\r\n",
    b"GET /w\\x\"y HTTP/1.1\r\nHost: " + bytes(range(1, 9)) + b"\x0b\x0c" + bytes(range(14, 32))
    + b"\x7f\\\"'\r\n\r\n",
]
HTTP_METHODS = ("GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL MERGE PATCH "
                "DELETE SEARCH UNLOCK REPORT UPDATE NOTIFY BDELETE CONNECT OPTIONS CHECKIN PROPFIND "
                "CHECKOUT CCM_POST SUBSCRIBE PROPPATCH BPROPFIND BPROPPATCH UNCHECKOUT MKACTIVITY "
                "MKWORKSPACE UNSUBSCRIBE RPC_CONNECT VERSION-CONTROL BASELINE-CONTROL RPC_IN_DATA "
                "RPC_OUT_DATA M-SEARCH M-POST M-GET ACL BIND LINK MKCALENDAR ORDERPATCH REBIND "
                "UNBIND UNLINK PRI SETUP get Get ICY").split()


def http_requests():
    """Request lines and Host headers, one connection each, then split and pipelined ones."""
    c = Clock()
    port = 50000
    # Methods get no response: a CONNECT answered 200 would open a tunnel,
    # after which tshark -2 shows even the request as plain TCP.
    for req in HTTP_REQUESTS + [m.encode() + b" /m HTTP/1.1\r\nHost: h\r\n\r\n"
                                for m in HTTP_METHODS]:
        t = Tcp(port, 80)
        port += 1
        for f in t.handshake():
            c.add(1, f)
        c.add(1, t.send(True, req))
        if req in HTTP_REQUESTS:
            c.add(1, t.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    t = Tcp(port, 80)
    for f in t.handshake():
        c.add(1, f)
    c.add(1, t.send(True, b"GET /split/uri HT"))
    c.add(1, t.send(True, b"TP/1.1\r\nHo"))
    c.add(1, t.send(True, b"st: split.example\r\n\r\nGET /second HTTP/1.1\r\nHost: two\r\n\r\n"))
    t = Tcp(port + 1, 80)
    for f in t.handshake():
        c.add(1, f)
    full = t.send(True, b"GET /cut/path HTTP/1.1\r\nHost: cut.example\r\nUser-Agent: x\r\n\r\n")
    c.add(1, full[:54 + 38], len(full))               # cut by the snaplen
    return c.frames


def http_headers():
    """Every header with a field of its own, cookies and query strings,
    status lines with known and unknown codes and odd phrases, a
    Content-Length with blanks, a keep-alive connection with several requests
    and responses (and a response nobody asked for), and a proxy request
    with an absolute URI."""
    c = Clock()
    t = Tcp(51000, 80)
    for f in t.handshake():
        c.add(1, f)
    req = (b"GET /a/b?x=1&&y=%20z&=&last HTTP/1.1\r\nHost:  www.example.com \r\n"
           b"User-Agent: pcapd-test/1.0\r\nAccept: */*\r\nAccept-Language: en\r\n"
           b"Accept-Encoding: gzip, br\r\nReferer: http://ref.example/\r\n"
           b"Cookie: a=1; b=2;c=3; ;\r\nAuthorization: Basic dXNlcjpwYXNz\r\n"
           b"Proxy-Authorization: Basic eDp5\r\nConnection: Upgrade, keep-alive\r\n"
           b"Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n"
           b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n"
           b"Sec-WebSocket-Extensions: permessage-deflate\r\nX-Forwarded-For: 192.0.2.7\r\n"
           b"Cache-Control: no-cache\r\nX-Unknown: v\r\n\r\n")
    c.add(1, t.send(True, req))
    c.add(1, t.send(False, b"HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
                           b"Server: test\r\nLast-Modified: Sun, 31 Dec 2023 23:59:59 GMT\r\n"
                           b"Content-Type: text/plain; charset=utf-8\r\n"
                           b"Content-Encoding: identity\r\nSet-Cookie: s=1; Path=/\r\n"
                           b"Set-Cookie: t=2\r\nContent-Length: 5\r\n\r\nhello"))
    c.add(1, t.send(True, b"GET /two HTTP/1.1\r\nHost: www.example.com\r\n\r\n"))
    c.add(1, t.send(False, b"HTTP/1.1 302 Found\r\nLocation: /three\r\n"
                           b"WWW-Authenticate: Basic realm=x\r\nProxy-Authenticate: Basic\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
    c.add(1, t.send(False, b"HTTP/1.1 299 Whatever It Is\r\nContent-Length: 0\r\n\r\n"))
    c.add(1, t.send(True, b"GET /four HTTP/1.0\r\nHost: www.example.com\r\n\r\n"))
    c.add(1, t.send(False, b"HTTP/1.1 799 \r\nContent-Length:  0\r\n\r\n"))
    c.add(1, t.send(True, b"GET /five HTTP/1.1\r\nContent-Length: 0\r\n\r\n"))
    c.add(1, t.send(False, b"HTTP/1.1 101 Switching Protocols\r\n"
                           b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"))
    t = Tcp(51001, 8080)
    for f in t.handshake():
        c.add(1, f)
    c.add(1, t.send(True, b"GET http://other.example/x HTTP/1.1\r\nHost: proxy\r\n\r\n"))
    c.add(1, t.send(False, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
    c.add(1, t.send(True, b"NOTIFY * HTTP/1.1\r\nHost: h\r\nNT: upnp:rootdevice\r\n\r\n"))
    return c.frames


def _bootp(opts, file=b"", sname=b"", cookie=True):
    """Returns a BOOTP request with the given options, file and server name fields."""
    b = struct.pack("!BBBBIHH4s4s4s4s16s", 1, 1, 6, 0, 0x1234, 0, 0, bytes(4), bytes(4), bytes(4),
                    bytes(4), bytes.fromhex("001122334455") + bytes(10))
    b += sname.ljust(64, b"\0") + file.ljust(128, b"\0")
    return b + (b"\x63\x82\x53\x63" if cookie else bytes(4)) + opts


def _opt(code, data):
    """Returns one DHCP option."""
    return bytes([code, len(data)]) + data


def dhcp_hostnames():
    """Option 12 with odd bytes, repeated, empty, truncated, overloaded, past the End option."""
    t53 = _opt(53, b"\x01")
    cases = [
        (t53 + _opt(12, b"host-one") + b"\xff", {}),
        (t53 + _opt(12, b"h\xc3\xa9\x01x\tz") + b"\xff", {}),
        (t53 + _opt(12, b"nul\x00after") + b"\xff", {}),
        (t53 + _opt(12, b"first") + _opt(12, b"second") + b"\xff", {}),
        (t53 + _opt(12, b"") + b"\xff", {}),
        (t53 + b"\x0c\x20short", {}),
        (t53 + _opt(12, b"okfirst") + b"\x3c\x40abc", {}),
        (t53 + _opt(52, b"\x01") + _opt(12, b"main") + b"\xff", {"file": _opt(12, b"infile") + b"\xff"}),
        (t53 + _opt(12, b"main") + _opt(52, b"\x03") + _opt(12, b"main2") + b"\xff",
         {"file": _opt(12, b"infile") + b"\xff", "sname": _opt(12, b"insname") + b"\xff"}),
        (t53 + _opt(12, b"afterend"), {}),
        (t53 + b"\xff" + _opt(12, b"pastend"), {}),
        (_opt(12, b"a") + bytes(3) + _opt(12, b"b") + b"\xff" + bytes(5), {}),
        (_opt(12, b"nocookie") + b"\xff", {"cookie": False}),
    ]
    c = Clock()
    for opts, kw in cases:
        c.add(1, eth(ipv4(bytes(4), b"\xff" * 4, 17, udp(68, 67, _bootp(opts, **kw)))))
    return c.frames


def dns_records():
    """Record types with fields of their own (NS, PTR, DNAME, MX, TXT, SPF,
    SOA, SRV under several owner names, HINFO, NAPTR, OPT with cookies and
    other options, RRSIG, DNSKEY, DS), cut inside their data; a query with
    the AD bit, an UPDATE, a retransmitted query and response, and mDNS
    questions and answers with the QU and cache-flush bits."""
    c = Clock()
    srv = lambda owner: record(name(*owner.split(".")), 33, struct.pack("!HHH", 1, 2, 5060)
                               + name("sip", "example", "com"))
    soa = name("ns", "example", "com") + name("admin", "example", "com") + struct.pack(
        "!IIIII", 2024010101, 7200, 3600, 1209600, 300)
    cookie = struct.pack("!HH", 10, 8) + bytes(range(8))
    cookie2 = struct.pack("!HH", 10, 24) + bytes(range(24))
    ecs = struct.pack("!HHHBB", 8, 7, 1, 24, 0) + bytes([192, 0, 2])
    opt = b"\x00" + struct.pack("!HHBBHH", 41, 1232, 0, 0, 0x8000,
                                  len(cookie + ecs) + 4) + cookie + ecs + struct.pack("!HH", 12, 0)
    rrsig = struct.pack("!HBBIIIH", 1, 8, 3, 3600, 1700000000, 1690000000, 12345) + name(
        "example", "com") + bytes(range(32))
    dnskey = struct.pack("!HBB", 0x0101, 3, 8) + bytes(range(64))
    ds = struct.pack("!HBB", 12345, 8, 2) + bytes(range(32))
    recs = [record(PTR, 2, name("ns1", "example", "com")),
            record(PTR, 12, name("host", "example", "com")),
            record(PTR, 39, name("example", "net")),
            record(PTR, 15, b"\x00\x0a" + name("mx", "example", "com")),
            record(PTR, 16, b"\x05hello\x0awor\tld \xe9t\x00"),
            record(PTR, 99, b"\x0fv=spf1 -all ok!"),
            record(PTR, 6, soa),
            srv("_sip._tcp.example.com"), srv("www.example.com"), srv("a.b"), srv("x"),
            record(PTR, 13, b"\x03x86\x05Linux"),
            record(PTR, 35, struct.pack("!HH", 100, 10) + b"\x01S\x07SIP+D2U\x00" + name("r")),
            record(PTR, 46, rrsig), record(PTR, 48, dnskey), record(PTR, 43, ds)]
    c.add(1, to_server(query(40, flags=0x0120)))
    c.add(1, to_client(message(40, 0x81a0, qs=[question(WWW)], ans=recs, tail=opt,
                               counts=(1, len(recs), 0, 1))))
    c.add(1, to_server(message(41, 0x0100, qs=[question(WWW)], tail=b"\x00" + struct.pack(
        "!HHIH", 41, 4096, 0, len(cookie2)) + cookie2, counts=(1, 0, 0, 1))))
    c.add(1, to_client(answer(42, [record(PTR, 15, b"\x00\x0a" + name("mx"))])[:-3]))
    c.add(1, to_client(answer(43, [record(PTR, 33, struct.pack("!HHH", 1, 2, 3) + b"\x03ab")])))
    c.add(1, to_client(answer(44, [record(PTR, 6, soa[:-6])])))
    c.add(1, to_client(answer(45, [record(PTR, 46, rrsig[:30])])))
    c.add(1, to_server(message(46, 0x2800, qs=[question(name("example", "com"), 6)],
                               ans=[record(PTR, 1, bytes(4))], counts=(1, 0, 1, 0))))
    c.add(1, to_server(query(47)))
    c.add(1000, to_server(query(47)))
    c.add(1, to_client(answer(47, [A1])))
    c.add(1, to_client(answer(47, [A1])))
    mq = message(0, 0, qs=[question(name("printer", "local"), 12, 0x8001)])
    c.add(1, eth(ipv4(CLIENT, MDNS, 17, udp(5353, 5353, mq))))
    ma = message(0, 0x8400, ans=[record(name("printer", "local"), 1, bytes(4), rclass=0x8001)])
    c.add(1, eth(ipv4(SERVER, MDNS, 17, udp(5353, 5353, ma))))
    return c.frames


def dhcp_options():
    """A DHCP exchange with the options that have fields of their own, the
    server name and boot file set, a relay agent, and a non-Ethernet
    client hardware address."""
    ip = lambda *a: bytes(a)
    opts = (_opt(53, b"\x05") + _opt(54, ip(10, 0, 0, 1)) + _opt(51, b"\x00\x00\x0e\x10")
            + _opt(58, b"\x00\x00\x07\x08") + _opt(59, b"\x00\x00\x0c\x4e")
            + _opt(1, ip(255, 255, 255, 0)) + _opt(3, ip(10, 0, 0, 1) + ip(10, 0, 0, 254))
            + _opt(6, ip(8, 8, 8, 8) + ip(1, 1, 1, 1)) + _opt(15, b"example.org")
            + _opt(28, ip(10, 0, 0, 255)) + _opt(4, ip(10, 0, 0, 2)) + _opt(42, ip(10, 0, 0, 3))
            + _opt(56, b"all good") + _opt(60, b"MSFT 5.0") + _opt(50, ip(10, 0, 0, 7))
            + _opt(55, bytes([1, 3, 6, 15, 119])) + b"\xff")
    c = Clock()
    msg = bytearray(_bootp(opts, file=b"pxelinux.0", sname=b"boot.example"))
    msg[0] = 2
    msg[24:28] = bytes([10, 9, 8, 7])
    c.add(1, eth(ipv4(SERVER, CLIENT, 17, udp(67, 68, bytes(msg)))))
    other = bytearray(_bootp(_opt(53, b"\x03") + b"\xff"))
    other[1], other[2] = 6, 4
    c.add(1, eth(ipv4(CLIENT, SERVER, 17, udp(68, 67, bytes(other)))))
    return c.frames


SCENARIOS = {
    "dns_matching": dns_matching,
    "dns_records": dns_records,
    "dns_names": dns_names,
    "dns_malformed": dns_malformed,
    "dns_tcp": dns_tcp,
    "http_requests": http_requests,
    "http_headers": http_headers,
    "dhcp_hostnames": dhcp_hostnames,
    "dhcp_options": dhcp_options,
}


def write(path, frames):
    """Writes frames (ts_ns, data[, wirelen]) as an Ethernet pcap with nanosecond times."""
    write_pcap(path, 1, [(f[0], f[2] if len(f) > 2 else len(f[1]), f[1]) for f in frames],
               nano=True)
