#!/usr/bin/env python3
"""Writes a synthetic traffic mix as a pcap for the dataplane benchmark.

Thousands of flows, IMIX-like frame sizes (60, 594 and 1514 bytes, 7:4:1),
70 % IPv4 / 30 % IPv6, 70 % TCP / 30 % UDP, 10 % behind an 802.1Q tag, flow
popularity skewed (a few heavy flows, a long tail), packets interleaved.

Every packet's L4 payload starts with b"PCPD", the flow number and the
packet's sequence number within its flow (big-endian 32-bit each).  Flow 0
is the *probe flow*, UDP 172.31.255.1:4242 -> 172.31.255.2:4343, one packet
in ten: a job on it must see sequence numbers without gaps, which is how the
benchmark proves that table swaps lose nothing.

Usage: gen-traffic.py OUT.pcap [--packets N] [--flows N] [--seed N]
"""
import argparse
import random
import struct

PROBE = ("172.31.255.1", "172.31.255.2", 4242, 4343)
SIZES = [60] * 7 + [594] * 4 + [1514]


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def make_flows(rng, n):
    """Flow tuples: (family, src, dst, sport, dport, proto, vlan)."""
    flows = [(4, ip4(PROBE[0]), ip4(PROBE[1]), PROBE[2], PROBE[3], 17, False)]
    for i in range(1, n):
        proto = 6 if rng.random() < 0.7 else 17
        sport = rng.randrange(1024, 65535)
        dport = rng.choice([80, 443, 53, 8080, 22, 3306]) if rng.random() < 0.8 \
            else rng.randrange(1024, 65535)
        if rng.random() < 0.7:
            src = bytes([10, rng.randrange(16), rng.randrange(256), rng.randrange(1, 255)])
            dst = bytes(rng.choice([[192, 0, 2], [198, 51, 100], [203, 0, 113]])
                        + [rng.randrange(1, 255)])
            fam = 4
        else:
            src = bytes.fromhex("20010db8") + struct.pack("!H", rng.randrange(4096)) \
                + bytes(8) + struct.pack("!H", rng.randrange(1, 65535))
            dst = bytes.fromhex("20010db8ffff") + bytes(8) + struct.pack("!H", rng.randrange(65535))
            fam = 6
        flows.append((fam, src, dst, sport, dport, proto, rng.random() < 0.1))
    return flows


def frame(flow, index, seq, size):
    fam, src, dst, sport, dport, proto, vlan = flow
    payload_hdr = b"PCPD" + struct.pack("!II", index, seq)
    l2 = bytes.fromhex("020000000002020000000001")
    l2 += (b"\x81\x00" + struct.pack("!H", 100 + index % 4000)) if vlan else b""
    l2 += b"\x08\x00" if fam == 4 else b"\x86\xdd"
    l3_len = 20 if fam == 4 else 40
    l4_len = 20 if proto == 6 else 8
    pad = max(0, size - len(l2) - l3_len - l4_len - len(payload_hdr))
    payload = payload_hdr + bytes(pad)
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 0x50, 0x18, 65535, 0, 0)
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    if fam == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4) + len(payload), seq & 0xFFFF,
                         0x4000, 64, proto, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    else:
        ip = struct.pack("!IHBB16s16s", 0x60000000, len(l4) + len(payload), proto, 64, src, dst)
    return l2 + ip + l4 + payload


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--packets", type=int, default=12000)
    ap.add_argument("--flows", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    flows = make_flows(rng, args.flows)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(1, args.flows)]
    seqs = [0] * args.flows
    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n in range(args.packets):
            idx = 0 if n % 10 == 0 else rng.choices(range(1, args.flows), weights)[0]
            data = frame(flows[idx], idx, seqs[idx], rng.choice(SIZES))
            seqs[idx] += 1
            f.write(struct.pack("<IIII", n // 1000, (n % 1000) * 1000, len(data), len(data)))
            f.write(data)


if __name__ == "__main__":
    main()
