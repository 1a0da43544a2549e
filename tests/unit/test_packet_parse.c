/*
 * Unit tests for pkt_parse_ethernet() (dataplane/packet_parse.[ch]): Ethernet,
 * 802.1Q / 802.1ad / QinQ tags, IPv4 with options and fragments, IPv6 with
 * extension headers and fragment headers, transport ports, and every
 * truncated or malformed case.  Frames are built byte by byte and parsed
 * from an exactly-sized heap copy so that AddressSanitizer flags any read
 * past the end of the frame.  The inline fast path must agree with the
 * general one byte for byte on every shape and truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "packet_parse.h"
#include "pcapd/filter.h"

/* ---- Frame builders ---------------------------------------------------- */

/* A frame under construction. */
struct frame {
    uint8_t b[512];
    uint32_t len;
};

static const uint8_t V4_SRC[4] = {192, 0, 2, 1};
static const uint8_t V4_DST[4] = {198, 51, 100, 7};
static const uint8_t V6_SRC[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
static const uint8_t V6_DST[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xee, 0, 0,
                                   0,    0,    0,    0,    0xab, 0xcd, 0, 0x02};

/* Appends one byte. */
static void put8(struct frame *f, uint8_t v)
{
    assert_true(f->len < sizeof(f->b));
    f->b[f->len++] = v;
}

/* Appends a big-endian 16-bit value. */
static void put16(struct frame *f, uint16_t v)
{
    put8(f, (uint8_t)(v >> 8));
    put8(f, (uint8_t)v);
}

/* Appends `n` bytes. */
static void put_bytes(struct frame *f, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        put8(f, p[i]);
}

/* Appends `n` filler bytes of value `v`. */
static void put_fill(struct frame *f, uint8_t v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        put8(f, v);
}

/* Starts a frame with destination and source MACs (no EtherType yet). */
static void eth_macs(struct frame *f)
{
    static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};
    f->len = 0;
    put_bytes(f, macs, sizeof(macs));
}

/* Starts a frame with MACs and EtherType `type`. */
static void eth(struct frame *f, uint16_t type)
{
    eth_macs(f);
    put16(f, type);
}

/* Appends a VLAN tag: TPID `tpid` and TCI `tci`. */
static void vlan_tag(struct frame *f, uint16_t tpid, uint16_t tci)
{
    put16(f, tpid);
    put16(f, tci);
}

/* Appends an IPv4 header with `opt_len` bytes of options (a multiple of 4),
 * protocol `proto` and flags/fragment-offset field `frag`. */
static void ipv4(struct frame *f, uint8_t proto, uint16_t frag, uint32_t opt_len)
{
    assert_int_equal(opt_len % 4, 0);
    put8(f, (uint8_t)(0x40 | (5 + opt_len / 4)));
    put8(f, 0);       /* TOS */
    put16(f, 0x0100); /* total length (not checked by the parser) */
    put16(f, 0x1234); /* identification */
    put16(f, frag);
    put8(f, 64); /* TTL */
    put8(f, proto);
    put16(f, 0); /* checksum */
    put_bytes(f, V4_SRC, 4);
    put_bytes(f, V4_DST, 4);
    /* Options: NOPs then an end-of-list, bytes that look nothing like ports. */
    for (uint32_t i = 0; i < opt_len; i++)
        put8(f, i + 1 == opt_len ? 0x00 : 0x01);
}

/* Appends an IPv6 header with next header `nh`. */
static void ipv6(struct frame *f, uint8_t nh)
{
    put8(f, 0x60);
    put8(f, 0);
    put16(f, 0);
    put16(f, 0x0100); /* payload length (not checked by the parser) */
    put8(f, nh);
    put8(f, 64); /* hop limit */
    put_bytes(f, V6_SRC, 16);
    put_bytes(f, V6_DST, 16);
}

/* Appends an IPv6 extension header in the (len + 1) * 8 format. */
static void ipv6_ext(struct frame *f, uint8_t nh, uint8_t hdr_ext_len)
{
    put8(f, nh);
    put8(f, hdr_ext_len);
    put_fill(f, 0xee, (uint32_t)(hdr_ext_len + 1) * 8 - 2);
}

/* Appends an IPv6 fragment header: offset in 8-byte units, M flag. */
static void ipv6_frag(struct frame *f, uint8_t nh, uint16_t offset, int more)
{
    put8(f, nh);
    put8(f, 0);
    put16(f, (uint16_t)((offset << 3) | (more ? 1 : 0)));
    put16(f, 0xdead);
    put16(f, 0xbeef);
}

/* Appends the start of a transport header: the two ports then `rest` bytes. */
static void l4_ports(struct frame *f, uint16_t sport, uint16_t dport, uint32_t rest)
{
    put16(f, sport);
    put16(f, dport);
    put_fill(f, 0x5a, rest);
}

/* Parses the first `len` bytes of `f` from an exactly-sized heap copy. */
static enum pkt_parse_status parse_n(const struct frame *f, uint32_t len, struct pkt_meta *meta)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, f->b, len);
    /* Poison the output so that fields the parser forgets to set show up. */
    memset(meta, 0xa5, sizeof(*meta));
    enum pkt_parse_status st = pkt_parse_ethernet(copy, len, meta);
    free(copy);
    return st;
}

/* Parses the whole frame `f`. */
static enum pkt_parse_status parse(const struct frame *f, struct pkt_meta *meta)
{
    return parse_n(f, f->len, meta);
}

/* Checks the IPv4 addresses of `m`: the first 4 bytes of src and dst, the
 * destination again in src[4..7] (the classifier's address word), and
 * zeroes after. */
static void check_v4_addrs(const struct pkt_meta *m)
{
    static const uint8_t zero[16];
    assert_int_equal(m->family, PCAPD_FAMILY_IPV4);
    assert_memory_equal(m->src, V4_SRC, 4);
    assert_memory_equal(m->dst, V4_DST, 4);
    assert_memory_equal(m->src + 4, V4_DST, 4);
    assert_memory_equal(m->src + 8, zero, 8);
    assert_memory_equal(m->dst + 4, zero, 12);
}

/* Checks the IPv6 addresses of `m`. */
static void check_v6_addrs(const struct pkt_meta *m)
{
    assert_int_equal(m->family, PCAPD_FAMILY_IPV6);
    assert_memory_equal(m->src, V6_SRC, 16);
    assert_memory_equal(m->dst, V6_DST, 16);
}

/* Checks that `m` is entirely zero except for `vlan_tags`. */
static void check_meta_empty(const struct pkt_meta *m, uint8_t vlan_tags)
{
    struct pkt_meta want;
    memset(&want, 0, sizeof(want));
    want.vlan_tags = vlan_tags;
    assert_int_equal(m->family, 0);
    assert_int_equal(m->proto, 0);
    assert_int_equal(m->has_ports, 0);
    assert_int_equal(m->later_fragment, 0);
    assert_int_equal(m->vlan_tags, vlan_tags);
    assert_int_equal(m->sport, 0);
    assert_int_equal(m->dport, 0);
    assert_memory_equal(m, &want, sizeof(want));
}

/* ---- Well-formed IPv4 -------------------------------------------------- */

/* Plain Ethernet + IPv4 (IHL 5) + TCP: five-tuple and offsets. */
static void test_ipv4_tcp(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x0800);
    ipv4(&f, 6, 0, 0);
    l4_ports(&f, 49152, 80, 16);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v4_addrs(&m);
    assert_int_equal(m.proto, 6);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 49152);
    assert_int_equal(m.dport, 80);
    assert_int_equal(m.later_fragment, 0);
    assert_int_equal(m.vlan_tags, 0);
    assert_int_equal(m.l3_offset, 14);
    assert_int_equal(m.l4_offset, 34);
}

/* IPv4 with 12 bytes of options (IHL 8): UDP ports are read after them. */
static void test_ipv4_options_udp(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x0800);
    ipv4(&f, 17, 0, 12);
    l4_ports(&f, 5353, 53, 4);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v4_addrs(&m);
    assert_int_equal(m.proto, 17);
    assert_int_equal(m.l3_offset, 14);
    assert_int_equal(m.l4_offset, 14 + 32);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 5353);
    assert_int_equal(m.dport, 53);
}

/* IPv4 with the maximum 40 bytes of options (IHL 15). */
static void test_ipv4_max_options(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x0800);
    ipv4(&f, 6, 0, 40);
    l4_ports(&f, 1, 65535, 16);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    assert_int_equal(m.l4_offset, 14 + 60);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 1);
    assert_int_equal(m.dport, 65535);
}

/* UDP-Lite (136) and SCTP (132) carry ports; ICMP (1) and GRE (47) do not. */
static void test_ipv4_port_protocols(void **state)
{
    (void)state;
    static const struct {
        uint8_t proto;
        uint8_t has_ports;
    } cases[] = {{6, 1}, {17, 1}, {132, 1}, {136, 1}, {1, 0}, {47, 0}, {50, 0}, {0, 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct frame f;
        struct pkt_meta m;
        eth(&f, 0x0800);
        ipv4(&f, cases[i].proto, 0, 0);
        l4_ports(&f, 1111, 2222, 8);
        assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
        assert_int_equal(m.proto, cases[i].proto);
        assert_int_equal(m.has_ports, cases[i].has_ports);
        assert_int_equal(m.l4_offset, 34);
        if (cases[i].has_ports) {
            assert_int_equal(m.sport, 1111);
            assert_int_equal(m.dport, 2222);
        } else {
            assert_int_equal(m.sport, 0);
            assert_int_equal(m.dport, 0);
        }
    }
}

/* Frame ending right after the 4 port bytes still yields the ports. */
static void test_ipv4_ports_exactly_at_end(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x0800);
    ipv4(&f, 17, 0, 0);
    l4_ports(&f, 7, 9, 0);
    assert_int_equal(f.len, 38);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 7);
    assert_int_equal(m.dport, 9);
}

/* IPv4 with only 2 bytes of TCP header: IP is reported, without ports. */
static void test_ipv4_short_tcp_header(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x0800);
    ipv4(&f, 6, 0, 0);
    put16(&f, 443);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v4_addrs(&m);
    assert_int_equal(m.proto, 6);
    assert_int_equal(m.has_ports, 0);
    assert_int_equal(m.sport, 0);
    assert_int_equal(m.dport, 0);
    assert_int_equal(m.l4_offset, 34);
    /* And with no transport byte at all, or 3 bytes. */
    assert_int_equal(parse_n(&f, 34, &m), PKT_PARSE_IP);
    assert_int_equal(m.has_ports, 0);
    put8(&f, 1);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    assert_int_equal(m.has_ports, 0);
}

/* ---- IPv4 fragments ---------------------------------------------------- */

/* IPv4 later fragment (offset != 0): protocol kept, no ports. */
static void test_ipv4_later_fragment(void **state)
{
    (void)state;
    static const uint16_t frags[] = {
        0x0001,          /* offset 8 bytes, last fragment */
        0x2000 | 0x00b9, /* MF + offset */
        0x1fff,          /* maximum offset */
        0x4000 | 0x0010, /* DF (odd, but offset wins) */
    };
    for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
        struct frame f;
        struct pkt_meta m;
        eth(&f, 0x0800);
        ipv4(&f, 17, frags[i], 0);
        l4_ports(&f, 1234, 5678, 8); /* payload bytes, not a UDP header */
        assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
        check_v4_addrs(&m);
        assert_int_equal(m.proto, 17);
        assert_int_equal(m.later_fragment, 1);
        assert_int_equal(m.has_ports, 0);
        assert_int_equal(m.sport, 0);
        assert_int_equal(m.dport, 0);
    }
}

/* IPv4 first fragment (MF set, offset 0) and DF-only packets keep ports. */
static void test_ipv4_first_fragment(void **state)
{
    (void)state;
    static const uint16_t frags[] = {0x2000 /* MF */, 0x4000 /* DF */, 0x8000 /* reserved */};
    for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
        struct frame f;
        struct pkt_meta m;
        eth(&f, 0x0800);
        ipv4(&f, 6, frags[i], 0);
        l4_ports(&f, 22, 60000, 16);
        assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
        assert_int_equal(m.later_fragment, 0);
        assert_int_equal(m.has_ports, 1);
        assert_int_equal(m.sport, 22);
        assert_int_equal(m.dport, 60000);
    }
}

/* ---- VLAN tags --------------------------------------------------------- */

/* One 802.1Q tag before IPv4/UDP: offsets shift by 4. */
static void test_vlan_single_tag(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth_macs(&f);
    vlan_tag(&f, 0x8100, 0x0064);
    put16(&f, 0x0800);
    ipv4(&f, 17, 0, 0);
    l4_ports(&f, 67, 68, 4);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v4_addrs(&m);
    assert_int_equal(m.vlan_tags, 1);
    assert_int_equal(m.l3_offset, 18);
    assert_int_equal(m.l4_offset, 38);
    assert_int_equal(m.proto, 17);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 67);
    assert_int_equal(m.dport, 68);
}

/* QinQ: 802.1ad (0x88a8) outer tag then 802.1Q inner tag, over IPv6/TCP. */
static void test_qinq_88a8(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth_macs(&f);
    vlan_tag(&f, 0x88a8, 0x0010);
    vlan_tag(&f, 0x8100, 0x0020);
    put16(&f, 0x86dd);
    ipv6(&f, 6);
    l4_ports(&f, 443, 50000, 16);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v6_addrs(&m);
    assert_int_equal(m.vlan_tags, 2);
    assert_int_equal(m.l3_offset, 22);
    assert_int_equal(m.l4_offset, 62);
    assert_int_equal(m.proto, 6);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 443);
    assert_int_equal(m.dport, 50000);
}

/* Legacy QinQ TPID 0x9100, alone and stacked over 0x8100. */
static void test_qinq_9100(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;

    eth_macs(&f);
    vlan_tag(&f, 0x9100, 0x0001);
    put16(&f, 0x0800);
    ipv4(&f, 6, 0, 0);
    l4_ports(&f, 1000, 2000, 16);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    assert_int_equal(m.vlan_tags, 1);
    assert_int_equal(m.l3_offset, 18);
    assert_int_equal(m.sport, 1000);
    assert_int_equal(m.dport, 2000);

    eth_macs(&f);
    vlan_tag(&f, 0x9100, 0x0001);
    vlan_tag(&f, 0x8100, 0x0002);
    put16(&f, 0x0800);
    ipv4(&f, 6, 0, 0);
    l4_ports(&f, 1000, 2000, 16);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v4_addrs(&m);
    assert_int_equal(m.vlan_tags, 2);
    assert_int_equal(m.l3_offset, 22);
    assert_int_equal(m.l4_offset, 42);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 1000);
    assert_int_equal(m.dport, 2000);
}

/* Three stacked tags are all crossed. */
static void test_vlan_three_tags(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth_macs(&f);
    vlan_tag(&f, 0x88a8, 1);
    vlan_tag(&f, 0x9100, 2);
    vlan_tag(&f, 0x8100, 3);
    put16(&f, 0x0800);
    ipv4(&f, 17, 0, 0);
    l4_ports(&f, 10, 20, 4);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    assert_int_equal(m.vlan_tags, 3);
    assert_int_equal(m.l3_offset, 26);
    assert_int_equal(m.l4_offset, 46);
    assert_int_equal(m.sport, 10);
    assert_int_equal(m.dport, 20);
}

/* ---- IPv6 -------------------------------------------------------------- */

/* Plain IPv6/UDP. */
static void test_ipv6_udp(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 17);
    l4_ports(&f, 546, 547, 4);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v6_addrs(&m);
    assert_int_equal(m.proto, 17);
    assert_int_equal(m.l3_offset, 14);
    assert_int_equal(m.l4_offset, 54);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 546);
    assert_int_equal(m.dport, 547);
    assert_int_equal(m.later_fragment, 0);
    assert_int_equal(m.vlan_tags, 0);
}

/* IPv6 hop-by-hop (8 B) + routing (24 B) + destination options (16 B) + TCP. */
static void test_ipv6_ext_headers_tcp(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 0);         /* -> hop-by-hop */
    ipv6_ext(&f, 43, 0); /* hop-by-hop, 8 bytes -> routing */
    ipv6_ext(&f, 60, 2); /* routing, 24 bytes -> destination options */
    ipv6_ext(&f, 6, 1);  /* destination options, 16 bytes -> TCP */
    l4_ports(&f, 33000, 8080, 16);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v6_addrs(&m);
    assert_int_equal(m.proto, 6);
    assert_int_equal(m.l3_offset, 14);
    assert_int_equal(m.l4_offset, 54 + 8 + 24 + 16);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 33000);
    assert_int_equal(m.dport, 8080);
    assert_int_equal(m.later_fragment, 0);
}

/* IPv6 authentication header ((len + 2) * 4 bytes) then UDP. */
static void test_ipv6_ah_udp(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 51);
    put8(&f, 17); /* AH next header */
    put8(&f, 4);  /* (4 + 2) * 4 = 24 bytes */
    put_fill(&f, 0xaa, 22);
    l4_ports(&f, 4500, 4501, 4);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    assert_int_equal(m.proto, 17);
    assert_int_equal(m.l4_offset, 54 + 24);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 4500);
    assert_int_equal(m.dport, 4501);
}

/* IPv6 mobility header (135) is crossed like the other (len + 1) * 8
 * extension headers. */
static void test_ipv6_mobility_header(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 0);
    ipv6_ext(&f, 135, 0); /* hop-by-hop -> mobility */
    ipv6_ext(&f, 59, 1);  /* mobility, 16 bytes -> no next header */
    put_fill(&f, 0, 8);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v6_addrs(&m);
    assert_int_equal(m.proto, 59);
    assert_int_equal(m.l4_offset, 54 + 8 + 16);
    assert_int_equal(m.has_ports, 0);
}

/* A chain of 8 extension headers is crossed to the TCP ports; a longer chain
 * is given up on without ports and without over-reading. */
static void test_ipv6_long_ext_chain(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 60);
    for (int i = 0; i < 7; i++)
        ipv6_ext(&f, 60, 0);
    ipv6_ext(&f, 6, 0);
    l4_ports(&f, 7000, 7001, 16);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    assert_int_equal(m.proto, 6);
    assert_int_equal(m.l4_offset, 54 + 8 * 8);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 7000);
    assert_int_equal(m.dport, 7001);

    eth(&f, 0x86dd);
    ipv6(&f, 60);
    for (int i = 0; i < 40; i++)
        ipv6_ext(&f, 60, 0);
    ipv6_ext(&f, 6, 0);
    l4_ports(&f, 7000, 7001, 16);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v6_addrs(&m);
    assert_int_equal(m.has_ports, 0);
    assert_int_not_equal(m.proto, 6);
}

/* IPv6 with ICMPv6 (58) and no-next-header (59): protocol set, no ports. */
static void test_ipv6_no_port_protocols(void **state)
{
    (void)state;
    static const uint8_t protos[] = {58, 59, 50};
    for (size_t i = 0; i < sizeof(protos); i++) {
        struct frame f;
        struct pkt_meta m;
        eth(&f, 0x86dd);
        ipv6(&f, protos[i]);
        l4_ports(&f, 1, 2, 8);
        assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
        check_v6_addrs(&m);
        assert_int_equal(m.proto, protos[i]);
        assert_int_equal(m.has_ports, 0);
        assert_int_equal(m.l4_offset, 54);
    }
}

/* IPv6 fragment header, first fragment (offset 0, M=1): ports present. */
static void test_ipv6_first_fragment(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 44);
    ipv6_frag(&f, 17, 0, 1);
    l4_ports(&f, 9999, 53, 4);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v6_addrs(&m);
    assert_int_equal(m.proto, 17);
    assert_int_equal(m.later_fragment, 0);
    assert_int_equal(m.l4_offset, 54 + 8);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 9999);
    assert_int_equal(m.dport, 53);
}

/* IPv6 later fragment: later_fragment set, no ports, proto = the fragment
 * header's next header. */
static void test_ipv6_later_fragment(void **state)
{
    (void)state;
    static const uint16_t offsets[] = {1, 185, 8191};
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        struct frame f;
        struct pkt_meta m;
        eth(&f, 0x86dd);
        ipv6(&f, 44);
        ipv6_frag(&f, 6, offsets[i], i % 2);
        l4_ports(&f, 1234, 5678, 16); /* payload bytes */
        assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
        check_v6_addrs(&m);
        assert_int_equal(m.proto, 6);
        assert_int_equal(m.later_fragment, 1);
        assert_int_equal(m.has_ports, 0);
        assert_int_equal(m.sport, 0);
        assert_int_equal(m.dport, 0);
    }
}

/* IPv6 later fragment whose next header names an extension header (here
 * destination options): the payload of a later fragment is not a header and
 * must not be parsed as one; proto is the fragment header's next header. */
static void test_ipv6_later_fragment_ext_next_header(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 44);
    ipv6_frag(&f, 60, 100, 0);
    /* Payload that would read as "next header 17, length 0" if mis-parsed. */
    put8(&f, 17);
    put8(&f, 0);
    put_fill(&f, 0x11, 30);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v6_addrs(&m);
    assert_int_equal(m.later_fragment, 1);
    assert_int_equal(m.has_ports, 0);
    assert_int_equal(m.proto, 60);
}

/* Hop-by-hop then fragment header (first fragment) then UDP. */
static void test_ipv6_hbh_then_fragment(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 0);
    ipv6_ext(&f, 44, 0);
    ipv6_frag(&f, 17, 0, 1);
    l4_ports(&f, 1, 2, 4);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    assert_int_equal(m.proto, 17);
    assert_int_equal(m.l4_offset, 54 + 16);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(m.sport, 1);
    assert_int_equal(m.dport, 2);
}

/* IPv6 with only 3 bytes of UDP header: IP, no ports. */
static void test_ipv6_short_udp_header(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 17);
    put_fill(&f, 0x01, 3);
    assert_int_equal(parse(&f, &m), PKT_PARSE_IP);
    check_v6_addrs(&m);
    assert_int_equal(m.proto, 17);
    assert_int_equal(m.has_ports, 0);
    assert_int_equal(m.sport, 0);
    assert_int_equal(m.dport, 0);
}

/* Frame cut inside an extension header: IP, proto = IPv6 next header, no
 * ports. */
static void test_ipv6_truncated_ext_header(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 0);
    ipv6_ext(&f, 6, 0);
    l4_ports(&f, 1, 2, 16);
    /* Cut 4 bytes into the hop-by-hop header. */
    assert_int_equal(parse_n(&f, 54 + 4, &m), PKT_PARSE_IP);
    check_v6_addrs(&m);
    assert_int_equal(m.proto, 0);
    assert_int_equal(m.has_ports, 0);
    assert_int_equal(m.l3_offset, 14);
}

/* ---- Not IP ------------------------------------------------------------ */

/* ARP is well-formed but not IP; other EtherTypes likewise. */
static void test_arp_not_ip(void **state)
{
    (void)state;
    static const uint16_t types[] = {0x0806, 0x88cc, 0x8847, 0x0000, 0xffff, 0x0801};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        struct frame f;
        struct pkt_meta m;
        eth(&f, types[i]);
        /* An ARP body; irrelevant to the other types. */
        put16(&f, 1);
        put16(&f, 0x0800);
        put8(&f, 6);
        put8(&f, 4);
        put16(&f, 1);
        put_fill(&f, 0x42, 20);
        assert_int_equal(parse(&f, &m), PKT_PARSE_NOT_IP);
        check_meta_empty(&m, 0);
    }
}

/* A bare 14-byte Ethernet header of ARP type is also not IP. */
static void test_bare_ethernet_not_ip(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x0806);
    assert_int_equal(parse(&f, &m), PKT_PARSE_NOT_IP);
    check_meta_empty(&m, 0);
}

/* ARP behind a VLAN tag: not IP, the tag counted. */
static void test_vlan_arp_not_ip(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth_macs(&f);
    vlan_tag(&f, 0x8100, 5);
    put16(&f, 0x0806);
    put_fill(&f, 0, 28);
    assert_int_equal(parse(&f, &m), PKT_PARSE_NOT_IP);
    check_meta_empty(&m, 1);
}

/* A previous packet's fields do not leak into the next parse. */
static void test_meta_reset_between_parses(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    uint8_t *arp = calloc(1, 42);
    assert_non_null(arp);
    arp[12] = 0x08;
    arp[13] = 0x06;
    eth(&f, 0x0800);
    ipv4(&f, 6, 0, 0);
    l4_ports(&f, 1, 2, 16);
    assert_int_equal(pkt_parse_ethernet(f.b, f.len, &m), PKT_PARSE_IP);
    assert_int_equal(m.has_ports, 1);
    assert_int_equal(pkt_parse_ethernet(arp, 42, &m), PKT_PARSE_NOT_IP);
    check_meta_empty(&m, 0);
    free(arp);
}

/* ---- Truncated --------------------------------------------------------- */

/* Fewer than 14 bytes: truncated, every length from 0 to 13. */
static void test_truncated_short_ethernet(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x0800);
    ipv4(&f, 6, 0, 0);
    l4_ports(&f, 1, 2, 16);
    for (uint32_t len = 0; len < 14; len++) {
        assert_int_equal(parse_n(&f, len, &m), PKT_PARSE_TRUNCATED);
        check_meta_empty(&m, 0);
    }
}

/* Frame cut inside a VLAN tag or before the inner EtherType: truncated. */
static void test_truncated_in_vlan_tag(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth_macs(&f);
    vlan_tag(&f, 0x88a8, 1);
    vlan_tag(&f, 0x8100, 2);
    put16(&f, 0x0800);
    ipv4(&f, 6, 0, 0);
    l4_ports(&f, 1, 2, 16);
    /* 14..17: inside the outer tag; 18..21: inside the inner tag. */
    for (uint32_t len = 14; len < 22; len++) {
        assert_int_equal(parse_n(&f, len, &m), PKT_PARSE_TRUNCATED);
        assert_int_equal(m.family, 0);
        assert_int_equal(m.has_ports, 0);
    }
}

/* Frame cut inside the fixed 20-byte IPv4 header: truncated. */
static void test_truncated_in_ipv4_header(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x0800);
    ipv4(&f, 6, 0, 0);
    l4_ports(&f, 1, 2, 16);
    for (uint32_t len = 14; len < 34; len++) {
        assert_int_equal(parse_n(&f, len, &m), PKT_PARSE_TRUNCATED);
        assert_int_equal(m.family, 0);
        assert_int_equal(m.has_ports, 0);
    }
    /* The full 20 bytes are enough. */
    assert_int_equal(parse_n(&f, 34, &m), PKT_PARSE_IP);
}

/* IHL pointing past the end of the frame (options cut): truncated. */
static void test_truncated_ihl_past_end(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x0800);
    ipv4(&f, 17, 0, 40); /* IHL 15: header is 60 bytes */
    for (uint32_t len = 34; len < 74; len++) {
        assert_int_equal(parse_n(&f, len, &m), PKT_PARSE_TRUNCATED);
        assert_int_equal(m.family, 0);
    }
    /* Exactly the header: IP without ports. */
    assert_int_equal(parse_n(&f, 74, &m), PKT_PARSE_IP);
    assert_int_equal(m.has_ports, 0);
    assert_int_equal(m.l4_offset, 74);
}

/* Frame cut inside the 40-byte IPv6 header: truncated. */
static void test_truncated_in_ipv6_header(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 17);
    l4_ports(&f, 1, 2, 4);
    for (uint32_t len = 14; len < 54; len++) {
        assert_int_equal(parse_n(&f, len, &m), PKT_PARSE_TRUNCATED);
        assert_int_equal(m.family, 0);
        assert_int_equal(m.has_ports, 0);
    }
    assert_int_equal(parse_n(&f, 54, &m), PKT_PARSE_IP);
    assert_int_equal(m.has_ports, 0);
}

/* Every prefix of complex frames parses without over-reading, and ports are
 * only reported when the frame holds them. */
static void test_every_prefix_length(void **state)
{
    (void)state;
    struct frame frames[3];
    uint32_t l4[3];

    eth_macs(&frames[0]);
    vlan_tag(&frames[0], 0x88a8, 1);
    vlan_tag(&frames[0], 0x8100, 2);
    put16(&frames[0], 0x0800);
    ipv4(&frames[0], 6, 0, 8);
    l4[0] = frames[0].len;
    l4_ports(&frames[0], 1, 2, 16);

    eth(&frames[1], 0x86dd);
    ipv6(&frames[1], 0);
    ipv6_ext(&frames[1], 43, 0);
    ipv6_ext(&frames[1], 44, 1);
    ipv6_frag(&frames[1], 60, 0, 1);
    ipv6_ext(&frames[1], 132, 0);
    l4[1] = frames[1].len;
    l4_ports(&frames[1], 3, 4, 8);

    eth_macs(&frames[2]);
    vlan_tag(&frames[2], 0x8100, 9);
    put16(&frames[2], 0x86dd);
    ipv6(&frames[2], 51);
    put8(&frames[2], 17);
    put8(&frames[2], 1); /* AH of 12 bytes */
    put_fill(&frames[2], 0, 10);
    l4[2] = frames[2].len;
    l4_ports(&frames[2], 5, 6, 4);

    for (int i = 0; i < 3; i++) {
        for (uint32_t len = 0; len <= frames[i].len; len++) {
            struct pkt_meta m;
            enum pkt_parse_status st = parse_n(&frames[i], len, &m);
            assert_true(st == PKT_PARSE_IP || st == PKT_PARSE_TRUNCATED);
            if (st == PKT_PARSE_TRUNCATED)
                assert_int_equal(m.family, 0);
            assert_int_equal(m.has_ports, len >= l4[i] + 4);
            if (len >= l4[i] + 4) {
                assert_int_equal(m.l4_offset, l4[i]);
                assert_int_equal(m.sport, 2 * i + 1);
                assert_int_equal(m.dport, 2 * i + 2);
            }
        }
    }
}

/* ---- Malformed --------------------------------------------------------- */

/* Version 6 in a header under EtherType 0x0800: malformed. */
static void test_malformed_ipv4_version(void **state)
{
    (void)state;
    static const uint8_t first_bytes[] = {0x65, 0x05, 0x55, 0xf5};
    for (size_t i = 0; i < sizeof(first_bytes); i++) {
        struct frame f;
        struct pkt_meta m;
        eth(&f, 0x0800);
        ipv4(&f, 6, 0, 0);
        l4_ports(&f, 1, 2, 16);
        f.b[14] = first_bytes[i];
        assert_int_equal(parse(&f, &m), PKT_PARSE_MALFORMED);
        assert_int_equal(m.family, 0);
        assert_int_equal(m.has_ports, 0);
    }
}

/* IHL below 5 (0..4): malformed. */
static void test_malformed_ihl_below_5(void **state)
{
    (void)state;
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        struct frame f;
        struct pkt_meta m;
        eth(&f, 0x0800);
        ipv4(&f, 6, 0, 0);
        l4_ports(&f, 1, 2, 16);
        f.b[14] = (uint8_t)(0x40 | ihl);
        assert_int_equal(parse(&f, &m), PKT_PARSE_MALFORMED);
        assert_int_equal(m.family, 0);
        assert_int_equal(m.has_ports, 0);
    }
}

/* Version 4 in a header under EtherType 0x86dd: malformed. */
static void test_malformed_ipv6_version(void **state)
{
    (void)state;
    struct frame f;
    struct pkt_meta m;
    eth(&f, 0x86dd);
    ipv6(&f, 17);
    l4_ports(&f, 1, 2, 4);
    f.b[14] = 0x45;
    assert_int_equal(parse(&f, &m), PKT_PARSE_MALFORMED);
    assert_int_equal(m.family, 0);
    assert_int_equal(m.has_ports, 0);
}

/* ---- The inline fast path against the general one --------------------- */

/* Parses every prefix of `f` (0 bytes to all of it) with
 * pkt_parse_ethernet(), which takes the inline fast path where the frame
 * allows, and with pkt_parse_general() alone: both must give the same
 * status and the same bytes. */
static void check_paths_agree(const struct frame *f)
{
    for (uint32_t len = 0; len <= f->len; len++) {
        struct pkt_meta fast, general;
        enum pkt_parse_status st = parse_n(f, len, &fast);
        uint8_t *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, f->b, len);
        memset(&general, 0, sizeof(general));
        assert_int_equal(pkt_parse_general(copy, len, &general), st);
        free(copy);
        assert_memory_equal(&fast, &general, sizeof(fast));
    }
}

/* Every shape the fast path takes (IPv4 without options, IPv6 with a
 * transport header right after the fixed one, non-IP, untagged or behind
 * one 802.1Q tag), every one it must leave to the general path next to
 * them (options, QinQ, extension headers, bad versions), with protocols
 * with and without ports, first and later fragments, and every
 * truncation. */
static void test_fast_path_agrees_with_general(void **state)
{
    (void)state;
    static const uint8_t protos[] = {6, 17, 132, 136, 1, 47, 58, 0};
    static const uint16_t frags[] = {0, 0x2000, 0x4000, 0x0001, 0x1fff};
    struct frame f;
    for (unsigned p = 0; p < sizeof(protos); p++) {
        for (unsigned k = 0; k < sizeof(frags) / sizeof(frags[0]); k++) {
            for (uint32_t opt = 0; opt <= 4; opt += 4) {
                eth(&f, 0x0800);
                ipv4(&f, protos[p], frags[k], opt);
                l4_ports(&f, 40000, 443, 20);
                check_paths_agree(&f);
            }
            for (unsigned tags = 1; tags <= 2; tags++) {
                eth_macs(&f);
                for (unsigned t = 0; t < tags; t++)
                    vlan_tag(&f, t == 0 ? 0x8100 : 0x88a8, (uint16_t)(100 + t));
                put16(&f, 0x0800);
                ipv4(&f, protos[p], frags[k], 0);
                l4_ports(&f, 40000, 443, 20);
                check_paths_agree(&f);
            }
        }
        eth(&f, 0x86dd);
        ipv6(&f, protos[p]);
        l4_ports(&f, 53, 5353, 20);
        check_paths_agree(&f);
        eth_macs(&f);
        vlan_tag(&f, 0x8100, 5);
        put16(&f, 0x86dd);
        ipv6(&f, protos[p]);
        l4_ports(&f, 53, 5353, 20);
        check_paths_agree(&f);
        eth(&f, 0x86dd);
        ipv6(&f, 44);
        ipv6_frag(&f, protos[p], 0, 1);
        l4_ports(&f, 53, 5353, 20);
        check_paths_agree(&f);
    }
    static const uint16_t others[] = {0x0806, 0x88cc, 0x0000, 0xffff, 0x9100, 0x88a8, 0x8100};
    for (unsigned t = 0; t < sizeof(others) / sizeof(others[0]); t++) {
        eth(&f, others[t]);
        put_fill(&f, 0x45, 60);
        check_paths_agree(&f);
        eth_macs(&f);
        vlan_tag(&f, 0x8100, 9);
        put16(&f, others[t]);
        put_fill(&f, 0x45, 60);
        check_paths_agree(&f);
    }
    eth(&f, 0x0800);
    put_fill(&f, 0x65, 60); /* version 6 in an IPv4 header */
    check_paths_agree(&f);
    eth(&f, 0x86dd);
    put_fill(&f, 0x45, 60); /* version 4 in an IPv6 header */
    check_paths_agree(&f);
}

/* pkt_may_be_ip() says no only for frames in which the parser finds no
 * IP: every EtherType, untagged and behind an 802.1Q tag, before an IPv4
 * and an IPv6 header, at every length; and it says yes only for the
 * EtherTypes that start as the five behind which IP may be. */
static void test_may_be_ip_agrees_with_parser(void **state)
{
    (void)state;
    struct frame f;
    unsigned yes = 0;
    for (uint32_t type = 0; type <= UINT16_MAX; type++) {
        eth(&f, (uint16_t)type);
        ipv4(&f, 6, 0, 0);
        l4_ports(&f, 40000, 443, 20);
        bool may = pkt_may_be_ip(f.b, f.len);
        yes += may;
        for (uint32_t len = 0; len <= f.len; len += len < 20 ? 1 : 13) {
            struct pkt_meta m;
            bool ip = pkt_parse_ethernet(f.b, len, &m) == PKT_PARSE_IP;
            assert_true(!ip || pkt_may_be_ip(f.b, len));
            assert_true(len >= 14 || !pkt_may_be_ip(f.b, len));
        }
        eth(&f, (uint16_t)type);
        ipv6(&f, 17);
        l4_ports(&f, 53, 5353, 20);
        struct pkt_meta m;
        assert_true(pkt_parse_ethernet(f.b, f.len, &m) != PKT_PARSE_IP || may);
        eth_macs(&f);
        vlan_tag(&f, (uint16_t)type, 5);
        put16(&f, 0x0800);
        ipv4(&f, 17, 0, 0);
        l4_ports(&f, 53, 5353, 20);
        assert_true(pkt_parse_ethernet(f.b, f.len, &m) != PKT_PARSE_IP || may);
    }
    assert_int_equal(yes, 5 * 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_tcp),
        cmocka_unit_test(test_ipv4_options_udp),
        cmocka_unit_test(test_ipv4_max_options),
        cmocka_unit_test(test_ipv4_port_protocols),
        cmocka_unit_test(test_ipv4_ports_exactly_at_end),
        cmocka_unit_test(test_ipv4_short_tcp_header),
        cmocka_unit_test(test_ipv4_later_fragment),
        cmocka_unit_test(test_ipv4_first_fragment),
        cmocka_unit_test(test_vlan_single_tag),
        cmocka_unit_test(test_qinq_88a8),
        cmocka_unit_test(test_qinq_9100),
        cmocka_unit_test(test_vlan_three_tags),
        cmocka_unit_test(test_ipv6_udp),
        cmocka_unit_test(test_ipv6_ext_headers_tcp),
        cmocka_unit_test(test_ipv6_ah_udp),
        cmocka_unit_test(test_ipv6_mobility_header),
        cmocka_unit_test(test_ipv6_long_ext_chain),
        cmocka_unit_test(test_ipv6_no_port_protocols),
        cmocka_unit_test(test_ipv6_first_fragment),
        cmocka_unit_test(test_ipv6_later_fragment),
        cmocka_unit_test(test_ipv6_later_fragment_ext_next_header),
        cmocka_unit_test(test_ipv6_hbh_then_fragment),
        cmocka_unit_test(test_ipv6_short_udp_header),
        cmocka_unit_test(test_ipv6_truncated_ext_header),
        cmocka_unit_test(test_arp_not_ip),
        cmocka_unit_test(test_bare_ethernet_not_ip),
        cmocka_unit_test(test_vlan_arp_not_ip),
        cmocka_unit_test(test_meta_reset_between_parses),
        cmocka_unit_test(test_truncated_short_ethernet),
        cmocka_unit_test(test_truncated_in_vlan_tag),
        cmocka_unit_test(test_truncated_in_ipv4_header),
        cmocka_unit_test(test_truncated_ihl_past_end),
        cmocka_unit_test(test_truncated_in_ipv6_header),
        cmocka_unit_test(test_every_prefix_length),
        cmocka_unit_test(test_malformed_ipv4_version),
        cmocka_unit_test(test_malformed_ihl_below_5),
        cmocka_unit_test(test_malformed_ipv6_version),
        cmocka_unit_test(test_fast_path_agrees_with_general),
        cmocka_unit_test(test_may_be_ip_agrees_with_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
