"""Builds synthetic captures of TLS over TCP and QUIC for the TLS/QUIC
field tests: ClientHellos split over TCP segments, TLS records and QUIC
CRYPTO frames (in and out of order, across packets and datagrams,
coalesced), encrypted-looking handshake records, odd server names,
certificate chains (made with the cryptography package), QUIC
v1, v2 and draft-29 Initials protected as RFC 9001 and RFC 9369 say.
Everything is deterministic but the certificates' keys and signatures;
the expected values come from tshark."""
import datetime
import hashlib
import hmac
import random
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from capture_gen import inet_checksum

# The Initial salts of QUIC v1 (RFC 9001), v2 (RFC 9369) and draft-29.
SALTS = {0x00000001: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
         0x6b3343cf: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
         0xff00001d: bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899")}
V2 = 0x6b3343cf
CLIENT, SERVER = "10.0.0.1", "10.0.0.2"


def _expand_label(secret, label, length):
    """TLS 1.3 HKDF-Expand-Label with SHA-256 and an empty context."""
    full = b"tls13 " + label
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def initial_keys(version, dcid, server):
    """Returns (key, iv, hp) of one direction's Initial packets."""
    initial = hmac.new(SALTS[version], dcid, hashlib.sha256).digest()
    secret = _expand_label(initial, b"server in" if server else b"client in", 32)
    prefix = b"quicv2 " if version == V2 else b"quic "
    return tuple(_expand_label(secret, prefix + name, n)
                 for name, n in ((b"key", 16), (b"iv", 12), (b"hp", 16)))


def varint(v):
    """Encodes a QUIC variable-length integer."""
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack("!H", 0x4000 | v)
    return struct.pack("!I", 0x80000000 | v)


def crypto(offset, data):
    """A CRYPTO frame."""
    return b"\x06" + varint(offset) + varint(len(data)) + data


def pad(payload, to=1162):
    """Appends PADDING frames up to a length."""
    return payload + bytes(max(0, to - len(payload)))


def long_packet(version, ptype, dcid, scid, pn, payload, key_dcid, server, token=b"",
                raw=None):
    """A protected long-header packet (ptype in v1 numbering: 0 Initial,
    2 Handshake); raw gives an unprotected body instead (undecryptable)."""
    bits = (ptype + 1) & 3 if version == V2 else ptype
    hdr = bytes([0xc1 | bits << 4]) + struct.pack("!I", version)
    hdr += bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
    if ptype == 0:
        hdr += varint(len(token)) + token
    body_len = 2 + (len(raw) if raw is not None else len(payload) + 16)
    hdr += struct.pack("!H", 0x4000 | body_len)
    pn_off = len(hdr)
    hdr += struct.pack("!H", pn & 0xffff)
    if raw is not None:
        return hdr + raw
    key, iv, hp = initial_keys(version, key_dcid, server)
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big")))
    ct = AESGCM(key).encrypt(nonce, payload, hdr)
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(ct[2:18]) + enc.finalize()
    h = bytearray(hdr)
    h[0] ^= mask[0] & 0x0f
    h[pn_off] ^= mask[1]
    h[pn_off + 1] ^= mask[2]
    return bytes(h) + ct


def client_hello(names, pad_ext=0):
    """A TLS 1.3 ClientHello message naming each of names (None: no SNI)."""
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    exts = b""
    if names is not None:
        lst = b"".join(b"\x00" + struct.pack("!H", len(n)) + n for n in names)
        sn = struct.pack("!H", len(lst)) + lst
        exts += struct.pack("!HH", 0, len(sn)) + sn
    exts += struct.pack("!HH", 43, 3) + b"\x02\x03\x04"
    if pad_ext:
        exts += struct.pack("!HH", 21, pad_ext) + bytes(pad_ext)
    body += struct.pack("!H", len(exts)) + exts
    return b"\x01" + len(body).to_bytes(3, "big") + body


def server_hello(tls13=True):
    """A ServerHello selecting TLS 1.3 (supported_versions) or TLS 1.2."""
    body = b"\x03\x03" + bytes(32) + b"\x00"
    if not tls13:
        return _msg(2, body + b"\xc0\x2f\x00")
    exts = struct.pack("!HH", 43, 2) + b"\x03\x04"
    return _msg(2, body + b"\x13\x01\x00" + struct.pack("!H", len(exts)) + exts)


def _msg(mtype, body):
    """A handshake message."""
    return bytes([mtype]) + len(body).to_bytes(3, "big") + body


def record(ctype, data, version=b"\x03\x03"):
    """A TLS record."""
    return bytes([ctype]) + version + struct.pack("!H", len(data)) + data



def _ipv4(src, dst, proto, payload):
    """An Ethernet frame with an IPv4 packet."""
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0,
                      bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + hdr + payload


def udp(src, sport, dst, dport, payload):
    """A frame with one UDP datagram."""
    return _ipv4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


class Tcp:
    """One TCP connection handing out frames with consistent sequence numbers."""

    def __init__(self, cport, sport=443):
        self.cport, self.sport, self.cseq, self.sseq = cport, sport, 1000, 5000

    def _seg(self, fwd, seq, ack, flags, data=b""):
        ports = (self.cport, self.sport) if fwd else (self.sport, self.cport)
        addrs = (CLIENT, SERVER) if fwd else (SERVER, CLIENT)
        t = struct.pack("!HHIIBBHHH", ports[0], ports[1], seq, ack, 0x50, flags, 65535, 0, 0)
        return _ipv4(addrs[0], addrs[1], 6, t + data)

    def handshake(self):
        """The three frames of the TCP handshake."""
        frames = [self._seg(True, self.cseq, 0, 0x02),
                  self._seg(False, self.sseq, self.cseq + 1, 0x12),
                  self._seg(True, self.cseq + 1, self.sseq + 1, 0x10)]
        self.cseq += 1
        self.sseq += 1
        return frames

    def c2s(self, data):
        """A client segment carrying data."""
        f = self._seg(True, self.cseq, self.sseq, 0x18, data)
        self.cseq += len(data)
        return f

    def s2c(self, data):
        """A server segment carrying data."""
        f = self._seg(False, self.sseq, self.cseq, 0x18, data)
        self.sseq += len(data)
        return f


def write_pcap(path, frames):
    """Writes Ethernet frames as a microsecond pcap, one second apart."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1000 + i, 0, len(fr), len(fr)) + fr)


def tcp_split_hellos():
    """A ClientHello over three segments; a Certificate split over two
    records and three segments; CCS rules of TLS 1.3 and older sessions."""
    t = Tcp(50000)
    frames = t.handshake()
    ch = record(22, client_hello([b"three.segments.example"], pad_ext=500), b"\x03\x01")
    frames += [t.c2s(ch[:100]), t.c2s(ch[100:400]), t.c2s(ch[400:])]
    part = _msg(11, bytes(2000)) + _msg(14, b"")
    r1, r2 = record(22, part[:1000]), record(22, part[1000:])
    frames += [t.s2c(record(22, server_hello()) + r1[:500]), t.s2c(r1[500:] + r2[:10]),
               t.s2c(r2[10:])]
    ccs = record(20, b"\x01")
    frames += [t.c2s(record(22, _msg(16, b"\x20" + bytes(32))) + ccs + record(22, bytes(40)))]
    fin = record(22, _msg(20, bytes(12)) + bytes(24))
    frames += [t.s2c(record(22, _msg(4, bytes(10))) + ccs + fin)]
    frames += [t.c2s(record(22, _msg(20, bytes(12)) + bytes(4))), t.c2s(record(22, bytes(4)))]
    for i, tls13 in enumerate((False, True, None)):
        t = Tcp(50100 + i)
        frames += t.handshake() + [t.c2s(record(22, client_hello([b"ccs%d.example" % i])))]
        if tls13 is not None:
            frames.append(t.s2c(record(22, server_hello(tls13))))
        late = record(22, _msg(20, bytes(12)) + bytes(4))
        frames += [t.c2s(ccs), t.c2s(late), t.s2c(ccs + late), t.s2c(late)]
        frames += [t.c2s(record(22, bytes(20)))]
        # Application data: an opaque type once the session is TLS 1.3.
        frames += [t.s2c(record(23, bytes(30))), t.c2s(record(23, bytes(25)))]
    return frames


def tcp_server_names():
    """Server names with control, quote, backslash, DEL, non-ASCII and NUL
    bytes, several names in one extension, an empty one."""
    t = Tcp(50200)
    frames = t.handshake()
    odd = b"a\x01b\tc\\d\"e\x7f\xc3\xa9f\xffg"
    frames += [t.c2s(record(22, client_hello([odd, b"second.example", b""])))]
    frames += [t.c2s(record(22, client_hello([b"nul\x00after"])))]
    frames += [t.c2s(record(22, client_hello(None)))]
    return frames


def tcp_message_types():
    """Every handshake type as an empty message, three to a record, then
    each known type alone (Wireshark throws on some empty bodies)."""
    t = Tcp(50300)
    frames = t.handshake()
    msgs = b"".join(bytes([ty, 0, 0, 0]) for ty in range(256))
    frames += [t.c2s(record(22, msgs[i:i + 12])) for i in range(0, len(msgs), 12)]
    t = Tcp(50301)
    frames += t.handshake()
    for ty in (0, 1, 2, 3, 4, 5, 6, 8, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 67):
        frames.append(t.c2s(record(22, bytes([ty, 0, 0, 0]))))
    return frames


def tcp_ports():
    """ClientHellos on ports tshark decodes as TLS by port or by heuristic,
    and an SSLv2-compatible ClientHello."""
    frames = []
    for i, port in enumerate((993, 8443, 5061, 853, 4433, 465)):
        t = Tcp(51000 + i, port)
        frames += t.handshake() + [t.c2s(record(22, client_hello([b"port%d.example" % port])))]
    t = Tcp(51100, 8444)
    v2 = b"\x80\x2e\x01\x03\x01\x00\x06\x00\x00\x00\x20" + b"\x00\x00\x04\x01\x00\x80" + bytes(32)
    frames += t.handshake() + [t.c2s(v2), t.c2s(record(22, client_hello([b"after.v2"])))]
    return frames


def _quic_conn(cport, dcid, scid=bytes.fromhex("a1a2a3a4"), version=1):
    """Returns functions building this connection's client and server Initials."""
    sscid = bytes.fromhex("b1b2b3b4b5b6b7b8")

    def client(pn, payload, padded=True):
        body = pad(payload) if padded else payload
        return udp(CLIENT, cport, SERVER, 443, long_packet(version, 0, dcid, scid, pn, body,
                                                           dcid, False))

    def server(pn, payload, extra=b""):
        pkt = long_packet(version, 0, scid, sscid, pn, payload, dcid, True)
        return udp(SERVER, 443, CLIENT, cport, pkt + extra)
    return client, server


def quic_crypto_streams():
    """A ClientHello over two datagrams in order, then retransmitted; one
    over three datagrams out of order; Chrome-style shuffled CRYPTO frames
    with PING and PADDING in one packet; two coalesced client Initials."""
    ch = client_hello([b"split.example"], pad_ext=300)
    client, server = _quic_conn(40001, bytes.fromhex("0102030405060708"))
    ack = b"\x02\x00\x00\x00\x01"
    frames = [client(0, crypto(0, ch[:150])), client(1, crypto(150, ch[150:])),
              server(0, ack + crypto(0, server_hello())), client(2, crypto(0, ch[:150]))]
    client, _ = _quic_conn(40002, bytes.fromhex("1112131415161718"))
    frames += [client(0, crypto(200, ch[200:])), client(1, crypto(0, ch[:100])),
               client(2, crypto(100, ch[100:200]))]
    client, server = _quic_conn(40003, bytes.fromhex("2122232425262728"))
    rng = random.Random(6)
    pieces = [(o, ch[o:o + 37]) for o in range(0, len(ch), 37)]
    rng.shuffle(pieces)
    payload = b"".join(crypto(o, d) + (b"\x01" if i % 3 == 0 else b"\x00\x00")
                       for i, (o, d) in enumerate(pieces))
    frames += [client(5, payload), server(0, ack + crypto(0, server_hello()))]
    client, _ = _quic_conn(40004, bytes.fromhex("3132333435363738"))
    first = client(0, crypto(0, ch[:60]), padded=False)
    second = long_packet(1, 0, bytes.fromhex("3132333435363738"), bytes.fromhex("a1a2a3a4"), 1,
                         pad(crypto(60, ch[60:]), 900), bytes.fromhex("3132333435363738"), False)
    frames.append(first + second)
    return frames


def quic_packets():
    """Coalesced Initial, Handshake and short-header packets; padding after
    a packet; Version Negotiation; QUIC v2 and draft-29 connections; a
    Retry, a server Initial before any client Initial, zero-length CIDs."""
    scid, sscid = bytes.fromhex("a1a2a3a4"), bytes.fromhex("b1b2b3b4b5b6b7b8")
    dcid = bytes.fromhex("4142434445464748")
    client, server = _quic_conn(40010, dcid)
    hs = long_packet(1, 2, scid, sscid, 0, None, None, True, raw=bytes(range(60)))
    short = b"\x41" + scid + bytes(range(40))
    vn = b"\x80" + bytes(4) + bytes([4]) + scid + bytes([8]) + dcid + struct.pack("!II", 1, 29)
    frames = [client(0, crypto(0, client_hello([b"coalesced.example"]))),
              server(0, b"\x02\x00\x00\x00\x00" + crypto(0, server_hello()), hs + short),
              udp(SERVER, 443, CLIENT, 40010, hs + bytes(30)),
              udp(SERVER, 443, CLIENT, 40010, short), udp(SERVER, 443, CLIENT, 40010, vn),
              udp(SERVER, 443, CLIENT, 40010, hs + hs)]
    for i, version in enumerate((V2, 0xff00001d)):
        c, s = _quic_conn(40020 + i, bytes([0x50 + i]) * 8, version=version)
        v2hs = long_packet(version, 2, scid, sscid, 0, None, None, True, raw=bytes(60))
        frames += [c(0, crypto(0, client_hello([b"v%x.example" % version]))),
                   s(0, b"\x02\x00\x00\x00\x00" + crypto(0, server_hello()), v2hs)]
    a, b, cs = bytes([0x0a]) * 8, bytes([0x0b]) * 8, bytes.fromhex("cc01")
    ch = client_hello([b"retry.example"])
    frames.append(udp(CLIENT, 42000, SERVER, 443, long_packet(1, 0, a, cs, 0, pad(crypto(0, ch)),
                                                               a, False)))
    retry = b"\xf0" + struct.pack("!I", 1) + b"\x02" + cs + b"\x08" + b + b"token" + bytes(16)
    frames.append(udp(SERVER, 443, CLIENT, 42000, retry))
    frames.append(udp(CLIENT, 42000, SERVER, 443, long_packet(1, 0, b, cs, 1, pad(crypto(0, ch)),
                                                               b, False, token=b"token")))
    frames.append(udp(SERVER, 443, CLIENT, 42000, long_packet(
        1, 0, cs, sscid, 0, b"\x02\x00\x00\x00\x00" + crypto(0, server_hello()), b, True)))
    d, e = bytes([0x0d]) * 8, bytes([0x0e]) * 8
    sh = b"\x02\x00\x00\x00\x00" + crypto(0, server_hello())
    frames.append(udp(SERVER, 443, CLIENT, 42001, long_packet(1, 0, cs, sscid, 0, sh, d, True)))
    frames.append(udp(CLIENT, 42001, SERVER, 443, long_packet(
        1, 0, d, b"", 0, pad(crypto(0, client_hello([b"late.example"]))), d, False)))
    frames.append(udp(CLIENT, 42002, SERVER, 443, long_packet(
        1, 0, e, b"", 0, pad(crypto(0, client_hello([b"zero.example"]))), e, False)))
    frames.append(udp(SERVER, 443, CLIENT, 42002, long_packet(1, 0, b"", sscid, 0, sh, e, True)))
    return frames


def quic_unknown_versions():
    """Long headers of versions tshark's QUIC heuristic refuses (they stay
    "data" in tshark) on UDP port 443."""
    frames = []
    for i, version in enumerate((0x709a50c4, 0x00000002, 0x6b3343ce)):
        dcid = bytes([0x60 + i]) * 8
        pkt = long_packet(1, 0, dcid, b"", 0, pad(crypto(0, client_hello([b"x"]))), dcid, False)
        frames.append(udp(CLIENT, 43000 + i, SERVER, 443, pkt[:1] + struct.pack("!I", version)
                          + pkt[5:]))
    return frames


# Scenario name -> function returning its frames.
def _ext(etype, data):
    """A hello extension."""
    return struct.pack("!HH", etype, len(data)) + data


def _vec(size, data):
    """A vector with a size-byte length."""
    return len(data).to_bytes(size, "big") + data


def tcp_hello_fields():
    """ClientHellos and ServerHellos with the extensions that have fields
    of their own (names, ALPN, groups, point formats, signature
    algorithms, OCSP status request, PSK modes, certificate compression,
    key shares, supported versions), GREASE values JA3 leaves out,
    extensions shown as bytes, session IDs; a TLS 1.2 ECDHE and a DHE
    handshake with ServerKeyExchange, CertificateVerify, CertificateStatus
    and CompressedCertificate messages."""
    grease = b"\x0a\x0a"
    exts = (_ext(0x0a0a, b"") + _ext(0, _vec(2, b"\x00" + _vec(2, b"hello.example")))
            + _ext(16, _vec(2, _vec(1, b"h2") + _vec(1, b"http/1.1")))
            + _ext(10, _vec(2, grease + b"\x00\x1d\x00\x17\x00\x18"))
            + _ext(11, _vec(1, b"\x00\x01")) + _ext(13, _vec(2, b"\x04\x03\x08\x04\x04\x01"))
            + _ext(5, b"\x01\x00\x00\x00\x00") + _ext(45, _vec(1, b"\x01"))
            + _ext(27, _vec(1, b"\x00\x02")) + _ext(43, _vec(1, grease + b"\x03\x04\x03\x03"))
            + _ext(51, _vec(2, struct.pack("!HH", 29, 4) + b"abcd")) + _ext(23, b"")
            + _ext(30032, b"") + _ext(999, b"\x01\x02\x03") + _ext(21, bytes(7)))
    body = (b"\x03\x03" + bytes(range(32)) + _vec(1, bytes(range(32)))
            + _vec(2, grease + b"\x13\x01\xc0\x2f\x00\x9e") + _vec(1, b"\x00") + _vec(2, exts))
    sh12 = _msg(2, b"\x03\x03" + bytes(32) + _vec(1, b"\x07" * 8) + b"\xc0\x2f\x00"
                + _vec(2, _ext(65281, b"\x00") + _ext(11, _vec(1, b"\x00")) + _ext(23, b"")))
    ske = _msg(12, b"\x03\x00\x17" + _vec(1, bytes(65)) + b"\x04\x01" + _vec(2, bytes(16)))
    status = _msg(22, b"\x01" + _vec(3, b"ocsp"))
    frames = []
    t = Tcp(52000)
    frames += t.handshake()
    frames.append(t.c2s(record(22, _msg(1, body))))
    frames.append(t.s2c(record(22, sh12 + ske + status)))
    frames.append(t.c2s(record(22, _msg(15, b"\x08\x04" + _vec(2, bytes(8))))))
    t = Tcp(52001)
    frames += t.handshake()
    frames.append(t.c2s(record(22, _msg(1, body))))
    dh = _vec(2, b"\x17" * 4) + _vec(2, b"\x02") + _vec(2, b"\x05" * 4)
    frames.append(t.s2c(record(22, _msg(2, b"\x03\x03" + bytes(32) + b"\x00\x00\x9e\x00")
                                + _msg(12, dh + b"\x06\x01" + _vec(2, bytes(4)))
                                + _msg(25, b"\x00\x02" + b"\x00\x00\x10" + _vec(3, b"z")))))
    t = Tcp(52002)
    frames += t.handshake()
    sh13 = _msg(2, b"\x03\x03" + bytes(32) + b"\x00" + b"\x13\x01\x00"
                + _vec(2, _ext(43, b"\x03\x04") + _ext(51, struct.pack("!HH", 29, 2) + b"xy")))
    frames += [t.c2s(record(22, _msg(1, body))), t.s2c(record(22, sh13))]
    return frames


def _certificate(subject, issuer, key, issuer_key, names, serial):
    """A DER certificate of subject (an x509.Name) signed by issuer_key,
    with DNS alternative names when given."""
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(datetime.datetime(2024, 1, 2, 3, 4, 5))
         .not_valid_after(datetime.datetime(2049, 12, 31, 23, 59, 59)))
    if names:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                            critical=False)
    b = b.add_extension(x509.BasicConstraints(ca=not names, path_length=None), critical=True)
    return b.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def tcp_certificates():
    """A TLS 1.2 server's certificate chain (a leaf with alternative DNS
    names, a multi-valued RDN and printable, UTF-8 and teletex strings,
    and its CA) in a Certificate message over several records and
    segments, then one in a single record."""
    def attr(oid, value, kind=None):
        return x509.NameAttribute(oid, value, _type=kind) if kind else x509.NameAttribute(oid,
                                                                                       value)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    ca = x509.Name([x509.RelativeDistinguishedName([attr(NameOID.COUNTRY_NAME, "US")]),
                    x509.RelativeDistinguishedName([attr(NameOID.ORGANIZATION_NAME, "Example CA",
                                                         _ASN1Type.PrintableString)]),
                    x509.RelativeDistinguishedName([attr(NameOID.COMMON_NAME, "Example Root")])])
    leaf = x509.Name([
        x509.RelativeDistinguishedName([attr(NameOID.COUNTRY_NAME, "DE")]),
        x509.RelativeDistinguishedName([attr(NameOID.STATE_OR_PROVINCE_NAME,
                                             "Baden-W\u00fcrttemberg")]),
        x509.RelativeDistinguishedName([attr(NameOID.LOCALITY_NAME, "Stuttgart",
                                             _ASN1Type.T61String)]),
        x509.RelativeDistinguishedName([attr(NameOID.ORGANIZATION_NAME, "Zertifikat GmbH",
                                             _ASN1Type.PrintableString),
                                        attr(NameOID.ORGANIZATIONAL_UNIT_NAME, "Netz")]),
        x509.RelativeDistinguishedName([attr(NameOID.COMMON_NAME, "*.zertifikat.example")])])
    chain = [_certificate(leaf, ca, leaf_key, ca_key, ["zertifikat.example",
                                                       "*.zertifikat.example"], 0x1234567),
             _certificate(ca, ca, ca_key, ca_key, None, 1)]
    cert = _msg(11, _vec(3, b"".join(_vec(3, c) for c in chain)))
    sh12 = _msg(2, b"\x03\x03" + bytes(32) + b"\x00" + b"\xc0\x2b\x00")
    frames = []
    t = Tcp(53000)
    frames += t.handshake()
    frames.append(t.c2s(record(22, client_hello([b"zertifikat.example"]))))
    flight = record(22, sh12 + cert[:700]) + record(22, cert[700:] + _msg(14, b""))
    frames += [t.s2c(flight[i:i + 600]) for i in range(0, len(flight), 600)]
    t = Tcp(53001)
    frames += t.handshake()
    frames.append(t.c2s(record(22, client_hello([b"ca.example"]))))
    frames.append(t.s2c(record(22, sh12 + _msg(11, _vec(3, _vec(3, chain[1]))))))
    return frames


SCENARIOS = {f.__name__: f for f in (tcp_split_hellos, tcp_server_names, tcp_message_types,
                                     tcp_ports, tcp_hello_fields, tcp_certificates,
                                     quic_crypto_streams, quic_packets, quic_unknown_versions)}
