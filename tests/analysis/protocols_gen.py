"""Synthetic captures of the protocols the shared captures lack (issue 17's
list): tunnels (GTP-U, L2TP), SCTP, and applications found by port
(SNMP, SIP with SDP, NetBIOS name and datagram services, LLMNR, SSDP,
Kerberos, LDAP, SMB and SMB2 over NetBIOS sessions, SMB pipe
transactions carrying DCE/RPC), QUIC off port 443
over IPv4 and IPv6, whole, cut and bogus.  The oracle test (test_protocols.py) compares every analysis and
frame.protocols with tshark's on them.  Same frame format as
core_fields_gen."""
import struct

from core_fields_gen import A, B, C, ACK, PSH, SYN, X, Y, _Frames, eth, ip4, ip6, tcp, udp


def _u(w, sp, dp, payload, v6=False, caplen=None):
    """Adds a UDP datagram from A to B (X to Y over IPv6)."""
    d = udp(sp, dp, payload)
    w.add(eth(ip6(X, Y, 17, d), 0x86DD) if v6 else eth(ip4(A, B, 17, d)), caplen=caplen)


def _dns_name(name):
    """A DNS name in labels."""
    return b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\0"


def _der(tag, *content):
    """A DER element (short or long length form)."""
    body = b"".join(content)
    n = len(body)
    length = bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else b"\x82" + n.to_bytes(2, "big")
    return bytes([tag]) + length + body


def as_req():
    """A Kerberos AS-REQ for alice@EXAMPLE.COM (RFC 4120)."""
    def ctx(n, *c):
        return _der(0xa0 + n, *c)

    def integer(v):
        return _der(0x02, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big"))

    def principal(kind, *names):
        return _der(0x30, ctx(0, integer(kind)),
                    ctx(1, _der(0x30, *[_der(0x1b, n) for n in names])))
    body = _der(0x30, ctx(0, _der(0x03, b"\x00\x40\x81\x00\x10")),
                ctx(1, principal(1, b"alice")), ctx(2, _der(0x1b, b"EXAMPLE.COM")),
                ctx(3, principal(2, b"krbtgt", b"EXAMPLE.COM")),
                ctx(5, _der(0x18, b"20370913024805Z")), ctx(7, integer(12345)),
                ctx(8, _der(0x30, integer(18), integer(17))))
    return _der(0x6a, _der(0x30, ctx(1, integer(5)), ctx(2, integer(10)), ctx(4, body)))


def tunnels():
    """GTP-U (with and without its optional fields and extension headers)
    carrying IPv4 and IPv6, GTP-C, L2TP data and control messages
    carrying PPP and its LCP, and cut tunnel headers."""
    w = _Frames()
    inner4 = ip4("192.168.0.1", "192.168.0.2", 17, udp(1000, 2000, b"hello"))
    inner6 = ip6("2001:db8:1::1", "2001:db8:1::2", 17, udp(1000, 2000, b"hello"))
    _u(w, 2152, 2152, struct.pack("!BBHI", 0x30, 0xff, len(inner4), 1) + inner4)
    _u(w, 2152, 2152, struct.pack("!BBHI", 0x30, 0xff, len(inner6), 2) + inner6, v6=True)
    opt = struct.pack("!HBB", 7, 0, 0x85) + struct.pack("!BBBB", 1, 0x10, 0x01, 0)
    _u(w, 2152, 2152, struct.pack("!BBHI", 0x34, 0xff, len(opt) + len(inner4), 3) + opt + inner4)
    _u(w, 2152, 2152, struct.pack("!BBHI", 0x32, 0x01, 4, 0) + struct.pack("!HBB", 9, 0, 0))
    _u(w, 2123, 2123, struct.pack("!BBHI", 0x32, 0x10, 4, 0) + struct.pack("!HBB", 9, 0, 0))
    _u(w, 2152, 2152, b"\x30\xff")
    ppp_ip = b"\xff\x03\x00\x21" + inner4
    _u(w, 1701, 1701, struct.pack("!HHH", 0x0002, 7, 9) + ppp_ip)
    _u(w, 1701, 1701, struct.pack("!HHHH", 0x4002, 8 + 8, 7, 9) + b"\xff\x03\xc0\x21"
       + b"\x01\x01\x00\x04")
    _u(w, 1701, 1701, struct.pack("!HHHHHH", 0xc802, 12 + 8, 7, 0, 0, 0)
       + struct.pack("!HHHH", 0x8008, 0, 0, 1))
    _u(w, 1701, 1701, b"\x00")
    return w.frames


def applications():
    """Datagrams of SNMP, SIP (with and without an SDP body), NBNS, the
    NetBIOS datagram service, LLMNR, SSDP and Kerberos on their ports."""
    w = _Frames()
    snmp = bytes.fromhex("302602010104067075626c6963a019020101020100020100300e300c06082b060102010101000500")
    _u(w, 40000, 161, snmp)
    _u(w, 161, 40000, snmp)
    _u(w, 40000, 162, snmp)
    sdp = b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    sip = (b"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
           b"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: 1@a\r\n"
           b"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n"
           % len(sdp)) + sdp
    _u(w, 5060, 5060, sip)
    _u(w, 5060, 5060, b"SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
       b"Call-ID: 1@a\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
    nb_name = b"\x20" + b"EBEBEBEBEBEBEBEBEBEBEBEBEBEBEBAA" + b"\0"
    _u(w, 137, 137, struct.pack("!HHHHHH", 1, 0x0110, 1, 0, 0, 0) + nb_name + b"\x00\x20\x00\x01")
    _u(w, 138, 138, struct.pack("!BBH4sHHH", 0x11, 2, 1, bytes([10, 0, 0, 1]), 138, 68, 0)
       + nb_name + nb_name + b"hello")
    llmnr = struct.pack("!HHHHHH", 7, 0, 1, 0, 0, 0) + _dns_name(b"host") + b"\x00\x01\x00\x01"
    _u(w, 50000, 5355, llmnr)
    _u(w, 50000, 5355, llmnr, v6=True)
    _u(w, 50000, 1900, b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
       b"MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n")
    _u(w, 1900, 50000, b"HTTP/1.1 200 OK\r\nST: ssdp:all\r\nUSN: uuid:1\r\n\r\n")
    _u(w, 50001, 88, as_req())
    return w.frames


def sessions():
    """TCP: LDAP messages, Kerberos with its record mark, and NetBIOS
    session messages carrying SMB and SMB2, one over two segments."""
    w = _Frames()
    c2s, s2c = w.tcp_pair(50010, 389)
    c2s(100, 0, SYN)
    s2c(500, 101, SYN | ACK)
    c2s(101, 501, ACK)
    bind = bytes.fromhex("300c020101600702010304008000")
    c2s(101, 501, PSH | ACK, bind + bind)
    s2c(501, 101 + 2 * len(bind), PSH | ACK, bytes.fromhex("300c02010161070a010004000400"))
    c2s, s2c = w.tcp_pair(50011, 445)
    c2s(100, 0, SYN)
    s2c(500, 101, SYN | ACK)
    c2s(101, 501, ACK)
    smb2 = b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ16s", 64, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, bytes(16))
    smb2 += struct.pack("<HHHHI16sIIQ", 36, 1, 1, 0, 0, bytes(16), 0, 0, 0) + b"\x02\x02"
    msg = struct.pack("!I", len(smb2)) + smb2
    c2s(101, 501, PSH | ACK, msg)
    s2c(501, 101 + len(msg), PSH | ACK, msg[:30])
    s2c(531, 101 + len(msg), PSH | ACK, msg[30:])
    c2s, s2c = w.tcp_pair(50012, 139)
    c2s(100, 0, SYN)
    s2c(500, 101, SYN | ACK)
    c2s(101, 501, ACK)
    smb1 = b"\xffSMB\x72" + bytes(27) + b"\x00\x0c\x00\x02NT LM 0.12\x00"
    c2s(101, 501, PSH | ACK, struct.pack("!I", len(smb1)) + smb1)
    c2s, s2c = w.tcp_pair(50013, 88)
    c2s(100, 0, SYN)
    s2c(500, 101, SYN | ACK)
    krb = as_req()
    c2s(101, 501, PSH | ACK, struct.pack("!I", len(krb)) + krb)
    return w.frames


def dcerpc_pdu(ptype=0, stub=b"\x11" * 20, ver=5, minor=0, flags=3, drep=b"\x10\0\0\0"):
    """A connection-oriented DCE/RPC PDU (request layout) in drep's byte order."""
    e = "<" if drep[0] & 0x10 else ">"
    body = struct.pack(e + "IHH", len(stub), 0, 16) + stub
    return (struct.pack("BBBB", ver, minor, ptype, flags) + drep
            + struct.pack(e + "HHI", 16 + len(body), 0, 1) + body)


def smb_trans(name, data, setup=(0x26, 0x8012), unicode=True, cmd=0x25):
    """An SMB Transaction (cmd) request to a named pipe, its name Unicode
    or not, its data 4-byte aligned."""
    flags2 = 0xc807 if unicode else 0x4807
    hdr = b"\xffSMB" + struct.pack("<BIBHH8sHHHHH", cmd, 0, 0x18, flags2,
                                   0, bytes(8), 0, 16386, 2136, 30720, 10305)
    wct = 14 + len(setup)
    off = 32 + 1 + 2 * wct + 2
    pad = b"\0" if unicode and off % 2 else b""
    raw = pad + ((name.encode("utf-16-le") + b"\0\0") if unicode else name.encode() + b"\0")
    raw += bytes(-(off + len(raw)) % 4)
    words = struct.pack("<HHHHBBHIHHHHHBB", 0, len(data), 0, 1024, 0, 0, 0, 0, 0, 0,
                        off + len(raw), len(data), off + len(raw), len(setup), 0)
    words += b"".join(struct.pack("<H", v) for v in setup)
    return hdr + bytes([wct]) + words + struct.pack("<H", len(raw) + len(data)) + raw + data


def smb_pipes():
    """SMB Transaction requests to "\\PIPE\\" (Unicode or not) whose
    TransactNmPipe data is DCE/RPC (requests, responses, faults, both byte
    orders, every flag, version 5.1), or not (other versions and types,
    short, empty), other functions, missing setup words, another pipe
    name, a lower-case one, one the server sends, and Transaction2.  Not
    here: a transaction in several parts and a PDU over several
    transactions, which Wireshark reassembles, and the responses, which it
    dissects by their request's pipe: we do neither."""
    w = _Frames()
    c2s, s2c = w.tcp_pair(50020, 445)
    c2s(100, 0, SYN)
    s2c(500, 101, SYN | ACK)
    c2s(101, 501, ACK)
    seq = [101, 501]

    def send(smb, back=False):
        msg = struct.pack("!I", len(smb)) + smb
        (s2c if back else c2s)(seq[back], seq[not back], PSH | ACK, msg)
        seq[back] += len(msg)
    pipe = "\\PIPE\\"
    for data in (dcerpc_pdu(), dcerpc_pdu(ptype=2), dcerpc_pdu(ptype=3), dcerpc_pdu(ptype=20),
                 dcerpc_pdu(drep=b"\0\0\0\0"), dcerpc_pdu(flags=0xfc),
                 dcerpc_pdu(minor=1, drep=b"\x00\x01\x02\x00"), dcerpc_pdu(stub=bytes(900)),
                 dcerpc_pdu(ver=4), dcerpc_pdu(minor=2), b"hello, not DCE/RPC", dcerpc_pdu()[:10],
                 b""):
        send(smb_trans(pipe, data))
    send(smb_trans(pipe, dcerpc_pdu(), unicode=False))
    send(smb_trans(pipe, dcerpc_pdu()), back=True)
    send(smb_trans("\\pipe\\", dcerpc_pdu()))
    send(smb_trans(pipe + "LANMAN", bytes(10), setup=()))
    for setup in ((0x53, 0x8012), (0x26,), ()):
        send(smb_trans(pipe, dcerpc_pdu(), setup=setup))
    send(smb_trans(pipe, dcerpc_pdu(), cmd=0x32))
    return w.frames


def sctp():
    """SCTP: an INIT, DATA chunks (two in one packet), a cut packet."""
    w = _Frames()
    hdr = struct.pack("!HHII", 5000, 6000, 1, 0)
    init = struct.pack("!BBHIIHHI", 1, 0, 20, 1, 65535, 10, 10, 1)
    data = struct.pack("!BBHIHHI", 0, 3, 16 + 4, 1, 0, 0, 0) + b"abcd"
    w.add(eth(ip4(A, B, 132, hdr + init)))
    w.add(eth(ip4(A, B, 132, hdr + data + data)))
    w.add(eth(ip6(X, Y, 132, hdr + data), 0x86DD))
    w.add(eth(ip4(A, B, 132, hdr + data)), caplen=14 + 20 + 14)
    return w.frames


def quic_any_port():
    """QUIC found by Wireshark's heuristic off port 443, over IPv4 and
    IPv6: long headers start connections whose short headers follow on
    both sides; a version the heuristic refuses, a short header of no
    connection (an unknown connection ID) and a packet too short stay data."""
    w = _Frames()

    def long_header(version, dcid, scid=b""):
        body = bytes(range(40))
        return (bytes([0xc3]) + struct.pack("!I", version) + bytes([len(dcid)]) + dcid
                + bytes([len(scid)]) + scid + b"\x00" + bytes([0x40, len(body)]) + body)
    first, client, server = (bytes.fromhex("0102030405060708"), bytes.fromhex("a1a2a3a4"),
                             bytes.fromhex("b1b2b3b4b5b6b7b8"))
    for v6 in (False, True):
        _u(w, 50100, 4433, long_header(1, first, client), v6)
        _u(w, 4433, 50100, long_header(1, client, server), v6)
        _u(w, 50100, 4433, b"\x41" + server + bytes(30), v6)
        _u(w, 4433, 50100, b"\x41" + client + bytes(30), v6)
    _u(w, 50101, 4434, long_header(0x00000002, first))
    _u(w, 50102, 4435, b"\x41" + bytes(8) + bytes(30))
    _u(w, 50103, 4436, b"\xc3\x00\x00\x00\x01")
    _u(w, 50104, 8443, long_header(0xff00001d, first, client))
    return w.frames


def _rtp(seq, ts=160, pt=0, ssrc=0x11223344, marker=0, ver=2, pad=b"", csrc=(), ext=None,
         payload=b"\xd5" * 20):
    """An RTP packet (RFC 3550): padding bytes end with their count, ext is
    (profile, words) for a header extension."""
    b0 = ver << 6 | (0x20 if pad else 0) | (0x10 if ext else 0) | len(csrc)
    h = struct.pack("!BBHII", b0, marker << 7 | pt, seq, ts, ssrc)
    h += b"".join(struct.pack("!I", c) for c in csrc)
    if ext:
        h += struct.pack("!HH", ext[0], len(ext[1]) // 4) + ext[1]
    return h + payload + pad


def _sip(first, sdp, call=b"7@a", cseq=b"1 INVITE"):
    """A SIP message over UDP, with an SDP body unless sdp is None."""
    body = b"" if sdp is None else b"Content-Type: application/sdp\r\n"
    return (first + b"\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK7\r\n"
            b"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
            b"Call-ID: " + call + b"\r\nCSeq: " + cseq + b"\r\n" + body
            + b"Content-Length: %d\r\n\r\n" % len(sdp or b"") + (sdp or b""))


def _sdp(ip, port):
    """An SDP body of one audio medium on ip and port."""
    return (b"v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            b"m=audio %d RTP/AVP 0\r\n" % (ip, ip, port))


def _calls(w):
    """Interleaved calls: an answer's media count from its own request's
    frame (matched by Call-ID and CSeq), the request having an SDP or not,
    and from the answer's own frame when no request matches."""
    _u(w, 5060, 5060, _sip(b"INVITE sip:b SIP/2.0", _sdp(b"10.0.0.1", 31000), b"call1"))
    _u(w, 5060, 5060, _sip(b"INVITE sip:c SIP/2.0", _sdp(b"10.0.0.1", 32000), b"call2"))
    for sdp, call, cseq in ((_sdp(b"10.0.0.2", 41000), b"call1", b"1 INVITE"),
                            (None, b"call3", b"1 INVITE"),
                            (_sdp(b"10.0.0.2", 43000), b"call3", b"1 INVITE"),
                            (_sdp(b"10.0.0.2", 44000), b"call4", b"2 INVITE")):
        if sdp is None:
            _u(w, 5060, 5060, _sip(b"INVITE sip:d SIP/2.0", None, call))
            _u(w, 5060, 5060, _sip(b"INVITE sip:e SIP/2.0", _sdp(b"10.0.0.1", 33000), b"call4"))
            continue
        w.add(eth(ip4(B, A, 17, udp(5060, 5060, _sip(b"SIP/2.0 200 OK", sdp, call, cseq)))))
    for src, port in ((B, 41000), (B, 43000), (B, 44000), (A, 32000)):
        w.add(eth(ip4(src, C, 17, udp(port, 1234, _rtp(1)))))


def sip_rtp():
    """RTP and RTCP as Wireshark finds them, through the SDP of a SIP call:
    RTP before the SDP (still data), an INVITE whose SDP gives several
    media (an IPv6 one, one with a=rtcp), the 200 OK's answer, then RTP
    both ways (marker, CSRCs, extension, padding, version 1, cut header),
    RTCP on the port after the media's, and interleaved calls."""
    w = _Frames()
    _u(w, 30000, 40000, _rtp(1))  # Before any SDP: data.
    offer = (b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
             b"m=audio 30000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n"
             b"m=video 30010 RTP/AVP 96\r\na=rtcp:30021\r\n"
             b"m=audio 30020 RTP/AVP 0\r\nc=IN IP6 2001:db8::1\r\n")
    _u(w, 5060, 5060, _sip(b"INVITE sip:bob@example.com SIP/2.0", offer))
    answer = (b"v=0\r\no=- 2 2 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
              b"m=audio 40000 RTP/AVP 0\r\nm=video 40010 RTP/AVP 96\r\n")
    d = udp(5060, 5060, _sip(b"SIP/2.0 200 OK", answer))
    w.add(eth(ip4(B, A, 17, d)))
    _u(w, 30000, 40000, _rtp(2, marker=1))
    d = udp(40000, 30000, _rtp(100, ts=8000, ssrc=0x55667788, pt=8))
    w.add(eth(ip4(B, A, 17, d)))
    _u(w, 30000, 40000, _rtp(3, csrc=(1, 2)))
    _u(w, 30000, 40000, _rtp(4, ext=(0xBEDE, b"\x10\xaa\0\0")))
    _u(w, 30000, 40000, _rtp(5, pad=b"\0\0\0\x04"))
    _u(w, 30000, 40000, _rtp(6, ver=1))
    _u(w, 30000, 40000, _rtp(7), caplen=14 + 20 + 8 + 6)
    _u(w, 30000, 40000, _rtp(8, csrc=(1, 2, 3)), caplen=14 + 20 + 8 + 16)
    _u(w, 30000, 40000, b"\x80\x00\x00")  # Shorter than a header.
    _u(w, 30000, 40000, _rtp(9, pad=b"\0\xff"))  # Padding count past the payload.
    _u(w, 30000, 40000, _rtp(10, csrc=(1, 2, 3), pad=b"\0" * 13 + b"\x0e"))
    _u(w, 30000, 40000, _rtp(11, payload=b"\xd5" * 30), caplen=14 + 20 + 8 + 12 + 5)
    _u(w, 30000, 40000, _rtp(12, ext=(0x1000, b"\1\2\3\4\5\6\7\x08")), caplen=14 + 20 + 8 + 12 + 6)
    _u(w, 30000, 40000, _rtp(13, payload=b""))
    d = udp(40000, 1234, _rtp(101))  # Only the answer named B's port.
    w.add(eth(ip4(B, C, 17, d)))
    _u(w, 30010, 40010, _rtp(1, pt=96))
    rr = struct.pack("!BBHI", 0x81, 201, 7, 0x11223344) + struct.pack("!IIIIII", 0x55667788, 0, 0, 0, 0, 0)
    _u(w, 30001, 40001, rr)
    _u(w, 30011, 50001, rr)  # a=rtcp moved video's RTCP to 30021.
    _u(w, 30021, 50001, rr)
    sr = struct.pack("!BBHIIIIII", 0x80, 200, 6, 0x11223344, 1, 2, 3, 4, 5)
    sdes = struct.pack("!BBHIBB4sBB", 0x81, 202, 3, 0x11223344, 1, 4, b"user", 0, 0)
    _u(w, 30001, 40001, sr + sdes)
    _u(w, 50011, 50013, rr)  # No SDP named these: RTCP by its heuristic.
    _u(w, 30020, 40020, _rtp(1), v6=True)
    d = udp(50000, 30020, _rtp(2))
    w.add(eth(ip6(Y, X, 17, d), 0x86DD))
    _u(w, 50000, 60000, _rtp(1))  # No SDP named these: data.
    _calls(w)
    return w.frames


SCENARIOS = {"tunnels": tunnels, "applications": applications, "sessions": sessions, "sctp": sctp,
             "quic_any_port": quic_any_port, "smb_pipes": smb_pipes,
             "sip_rtp": sip_rtp}
