/*
 * Unit tests for the filter predicate (dataplane/filter_match.h): matching on
 * every field alone and in combination, IPv4 and IPv6 prefixes, family
 * mismatches, port constraints against fragments and portless protocols,
 * non-IP frames.  The compiled table (dataplane/classifier.c) is checked
 * against this predicate in tests/dataplane/test_classifier.c, where EAL runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter_match.h"
#include "packet_parse.h"
#include "pcapd/filter.h"

/* ---- Helpers ----------------------------------------------------------- */

/* A parsed IPv4 packet with the given five-tuple. */
static struct pkt_meta meta_v4(uint8_t proto, const char *src, const char *dst, uint16_t sport,
                               uint16_t dport)
{
    struct pkt_meta m;
    struct pcapd_prefix p;
    memset(&m, 0, sizeof(m));
    m.family = PCAPD_FAMILY_IPV4;
    m.proto = proto;
    assert_int_equal(pcapd_prefix_parse(src, &p), 0);
    assert_int_equal(p.family, PCAPD_FAMILY_IPV4);
    memcpy(m.src, p.addr, 4);
    assert_int_equal(pcapd_prefix_parse(dst, &p), 0);
    assert_int_equal(p.family, PCAPD_FAMILY_IPV4);
    memcpy(m.dst, p.addr, 4);
    m.has_ports = proto == 6 || proto == 17 || proto == 132 || proto == 136;
    if (m.has_ports) {
        m.sport = sport;
        m.dport = dport;
    }
    m.l3_offset = 14;
    m.l4_offset = 34;
    return m;
}

/* A parsed IPv6 packet with the given five-tuple. */
static struct pkt_meta meta_v6(uint8_t proto, const char *src, const char *dst, uint16_t sport,
                               uint16_t dport)
{
    struct pkt_meta m;
    struct pcapd_prefix p;
    memset(&m, 0, sizeof(m));
    m.family = PCAPD_FAMILY_IPV6;
    m.proto = proto;
    assert_int_equal(pcapd_prefix_parse(src, &p), 0);
    assert_int_equal(p.family, PCAPD_FAMILY_IPV6);
    memcpy(m.src, p.addr, 16);
    assert_int_equal(pcapd_prefix_parse(dst, &p), 0);
    assert_int_equal(p.family, PCAPD_FAMILY_IPV6);
    memcpy(m.dst, p.addr, 16);
    m.has_ports = proto == 6 || proto == 17 || proto == 132 || proto == 136;
    if (m.has_ports) {
        m.sport = sport;
        m.dport = dport;
    }
    m.l3_offset = 14;
    m.l4_offset = 54;
    return m;
}

/* A filter with no constraint. */
static struct pcapd_filter filter_any(void)
{
    struct pcapd_filter f;
    memset(&f, 0, sizeof(f));
    return f;
}

/* Adds a source prefix constraint to `f`. */
static void with_src(struct pcapd_filter *f, const char *prefix)
{
    assert_int_equal(pcapd_prefix_parse(prefix, &f->src), 0);
    f->fields |= PCAPD_FILTER_SRC_ADDR;
}

/* Adds a destination prefix constraint to `f`. */
static void with_dst(struct pcapd_filter *f, const char *prefix)
{
    assert_int_equal(pcapd_prefix_parse(prefix, &f->dst), 0);
    f->fields |= PCAPD_FILTER_DST_ADDR;
}

/* Adds a protocol constraint to `f`. */
static void with_proto(struct pcapd_filter *f, uint8_t proto)
{
    f->protocol = proto;
    f->fields |= PCAPD_FILTER_PROTOCOL;
}

/* Adds a source port constraint to `f`. */
static void with_sport(struct pcapd_filter *f, uint16_t port)
{
    f->src_port = port;
    f->fields |= PCAPD_FILTER_SRC_PORT;
}

/* Adds a destination port constraint to `f`. */
static void with_dport(struct pcapd_filter *f, uint16_t port)
{
    f->dst_port = port;
    f->fields |= PCAPD_FILTER_DST_PORT;
}

/* Tells whether IP packet `m` matches `f`. */
static bool ip_matches(const struct pcapd_filter *f, const struct pkt_meta *m)
{
    return filter_matches(f, PKT_PARSE_IP, m);
}

/* ---- filter_matches ---------------------------------------------------- */

/* The empty filter matches every packet, IP or not, whatever the status. */
static void test_empty_filter_matches_everything(void **state)
{
    (void)state;
    struct pcapd_filter f = filter_any();
    struct pkt_meta v4 = meta_v4(6, "10.0.0.1", "10.0.0.2", 1, 2);
    struct pkt_meta v6 = meta_v6(17, "2001:db8::1", "2001:db8::2", 3, 4);
    struct pkt_meta none;
    memset(&none, 0, sizeof(none));
    assert_true(filter_matches(&f, PKT_PARSE_IP, &v4));
    assert_true(filter_matches(&f, PKT_PARSE_IP, &v6));
    assert_true(filter_matches(&f, PKT_PARSE_NOT_IP, &none));
    assert_true(filter_matches(&f, PKT_PARSE_TRUNCATED, &none));
    assert_true(filter_matches(&f, PKT_PARSE_MALFORMED, &none));
}

/* A protocol-only filter matches that protocol in either family only. */
static void test_protocol_only(void **state)
{
    (void)state;
    struct pcapd_filter tcp = filter_any();
    with_proto(&tcp, 6);
    struct pcapd_filter icmp = filter_any();
    with_proto(&icmp, 1);
    struct pcapd_filter sctp = filter_any();
    with_proto(&sctp, 132);

    struct pkt_meta v4_tcp = meta_v4(6, "10.0.0.1", "10.0.0.2", 1, 2);
    struct pkt_meta v4_udp = meta_v4(17, "10.0.0.1", "10.0.0.2", 1, 2);
    struct pkt_meta v4_icmp = meta_v4(1, "10.0.0.1", "10.0.0.2", 0, 0);
    struct pkt_meta v6_tcp = meta_v6(6, "::1", "::2", 1, 2);
    struct pkt_meta v6_sctp = meta_v6(132, "::1", "::2", 1, 2);

    assert_true(ip_matches(&tcp, &v4_tcp));
    assert_true(ip_matches(&tcp, &v6_tcp));
    assert_false(ip_matches(&tcp, &v4_udp));
    assert_false(ip_matches(&tcp, &v4_icmp));
    assert_false(ip_matches(&tcp, &v6_sctp));
    assert_true(ip_matches(&icmp, &v4_icmp));
    assert_false(ip_matches(&icmp, &v4_tcp));
    assert_true(ip_matches(&sctp, &v6_sctp));
    assert_false(ip_matches(&sctp, &v4_udp));
}

/* Protocol 0 (IPv6 hop-by-hop) only matches IP packets whose proto is 0, not
 * the zeroed meta of a non-IP frame. */
static void test_protocol_zero(void **state)
{
    (void)state;
    struct pcapd_filter f = filter_any();
    with_proto(&f, 0);
    struct pkt_meta v6_hbh = meta_v6(0, "::1", "::2", 0, 0);
    struct pkt_meta v6_udp = meta_v6(17, "::1", "::2", 1, 2);
    struct pkt_meta none;
    memset(&none, 0, sizeof(none));
    assert_true(ip_matches(&f, &v6_hbh));
    assert_false(ip_matches(&f, &v6_udp));
    assert_false(filter_matches(&f, PKT_PARSE_NOT_IP, &none));
    assert_false(filter_matches(&f, PKT_PARSE_TRUNCATED, &none));
}

/* Exact IPv4 source and destination addresses, and their direction. */
static void test_ipv4_exact_addresses(void **state)
{
    (void)state;
    struct pcapd_filter src = filter_any();
    with_src(&src, "192.0.2.10");
    struct pcapd_filter dst = filter_any();
    with_dst(&dst, "192.0.2.10");
    struct pcapd_filter both = filter_any();
    with_src(&both, "192.0.2.10");
    with_dst(&both, "198.51.100.1/32");

    struct pkt_meta out = meta_v4(6, "192.0.2.10", "198.51.100.1", 1, 2);
    struct pkt_meta back = meta_v4(6, "198.51.100.1", "192.0.2.10", 2, 1);
    struct pkt_meta near = meta_v4(6, "192.0.2.11", "198.51.100.1", 1, 2);
    struct pkt_meta near_dst = meta_v4(6, "192.0.2.10", "198.51.100.0", 1, 2);

    assert_true(ip_matches(&src, &out));
    assert_false(ip_matches(&src, &back));
    assert_false(ip_matches(&src, &near));
    assert_true(ip_matches(&dst, &back));
    assert_false(ip_matches(&dst, &out));
    assert_true(ip_matches(&both, &out));
    assert_false(ip_matches(&both, &back));
    assert_false(ip_matches(&both, &near));
    assert_false(ip_matches(&both, &near_dst));
}

/* Exact IPv6 source and destination addresses. */
static void test_ipv6_exact_addresses(void **state)
{
    (void)state;
    struct pcapd_filter src = filter_any();
    with_src(&src, "2001:db8::10");
    struct pcapd_filter dst = filter_any();
    with_dst(&dst, "2001:db8::10/128");

    struct pkt_meta out = meta_v6(17, "2001:db8::10", "2001:db8:1::1", 1, 2);
    struct pkt_meta back = meta_v6(17, "2001:db8:1::1", "2001:db8::10", 2, 1);
    struct pkt_meta last_bit = meta_v6(17, "2001:db8::11", "2001:db8::10", 2, 1);
    struct pkt_meta first_bit = meta_v6(17, "a001:db8::10", "a001:db8::10", 2, 1);

    assert_true(ip_matches(&src, &out));
    assert_false(ip_matches(&src, &back));
    assert_false(ip_matches(&src, &last_bit));
    assert_false(ip_matches(&src, &first_bit));
    assert_true(ip_matches(&dst, &back));
    assert_true(ip_matches(&dst, &last_bit));
    assert_false(ip_matches(&dst, &out));
    assert_false(ip_matches(&dst, &first_bit));
}

/* IPv4 prefixes /8, /24, /0 and /31: inside and just outside each. */
static void test_ipv4_prefixes(void **state)
{
    (void)state;
    static const struct {
        const char *prefix;
        const char *addr;
        bool in;
    } cases[] = {
        {"10.0.0.0/8", "10.0.0.0", true},          {"10.0.0.0/8", "10.255.255.255", true},
        {"10.0.0.0/8", "11.0.0.0", false},         {"10.0.0.0/8", "9.255.255.255", false},
        {"10.9.8.7/8", "10.1.1.1", true}, /* host bits of the filter ignored */
        {"192.168.1.0/24", "192.168.1.0", true},   {"192.168.1.0/24", "192.168.1.255", true},
        {"192.168.1.0/24", "192.168.2.1", false},  {"192.168.1.0/24", "192.168.0.255", false},
        {"192.168.1.0/24", "64.168.1.1", false},   {"0.0.0.0/0", "0.0.0.0", true},
        {"0.0.0.0/0", "255.255.255.255", true},    {"0.0.0.0/0", "10.1.2.3", true},
        {"10.0.0.2/31", "10.0.0.2", true},         {"10.0.0.2/31", "10.0.0.3", true},
        {"10.0.0.2/31", "10.0.0.1", false},        {"10.0.0.2/31", "10.0.0.4", false},
        {"128.0.0.0/1", "200.1.1.1", true},        {"128.0.0.0/1", "127.255.255.255", false},
        {"172.16.0.0/12", "172.31.255.255", true}, {"172.16.0.0/12", "172.32.0.0", false},
        {"192.0.2.128/25", "192.0.2.127", false},  {"192.0.2.128/25", "192.0.2.128", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pcapd_filter s = filter_any();
        with_src(&s, cases[i].prefix);
        struct pcapd_filter d = filter_any();
        with_dst(&d, cases[i].prefix);
        struct pkt_meta m_src = meta_v4(17, cases[i].addr, "203.0.113.200", 1, 2);
        struct pkt_meta m_dst = meta_v4(17, "203.0.113.200", cases[i].addr, 1, 2);
        if (ip_matches(&s, &m_src) != cases[i].in || ip_matches(&d, &m_dst) != cases[i].in)
            fail_msg("case %zu: %s in %s should be %d", i, cases[i].addr, cases[i].prefix,
                     cases[i].in);
    }
}

/* IPv6 prefixes /64, /128, /0 and odd lengths: inside and just outside. */
static void test_ipv6_prefixes(void **state)
{
    (void)state;
    static const struct {
        const char *prefix;
        const char *addr;
        bool in;
    } cases[] = {
        {"2001:db8:1:2::/64", "2001:db8:1:2::", true},
        {"2001:db8:1:2::/64", "2001:db8:1:2:ffff:ffff:ffff:ffff", true},
        {"2001:db8:1:2::/64", "2001:db8:1:3::", false},
        {"2001:db8:1:2::/64", "2001:db8:1:1:ffff:ffff:ffff:ffff", false},
        {"2001:db8:1:2:aaaa::1/64", "2001:db8:1:2::5", true},
        {"2001:db8::1/128", "2001:db8::1", true},
        {"2001:db8::1/128", "2001:db8::", false},
        {"2001:db8::1/128", "2001:db8::3", false},
        {"2001:db8::1/128", "2001:db9::1", false},
        {"::/0", "::", true},
        {"::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
        {"::/0", "::ffff:10.0.0.1", true},
        {"2001:db8:8000::/33", "2001:db8:ffff::1", true},
        {"2001:db8:8000::/33", "2001:db8:7fff::1", false},
        {"fe80::/10", "febf::1", true},
        {"fe80::/10", "fec0::1", false},
        {"::/127", "::1", true},
        {"::/127", "::2", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pcapd_filter s = filter_any();
        with_src(&s, cases[i].prefix);
        struct pcapd_filter d = filter_any();
        with_dst(&d, cases[i].prefix);
        struct pkt_meta m_src = meta_v6(6, cases[i].addr, "2001:db8:ffff::99", 1, 2);
        struct pkt_meta m_dst = meta_v6(6, "2001:db8:ffff::99", cases[i].addr, 1, 2);
        if (ip_matches(&s, &m_src) != cases[i].in || ip_matches(&d, &m_dst) != cases[i].in)
            fail_msg("case %zu: %s in %s should be %d", i, cases[i].addr, cases[i].prefix,
                     cases[i].in);
    }
}

/* An IPv4 prefix never matches an IPv6 packet and vice versa, even /0 and
 * even when the leading bytes coincide. */
static void test_family_mismatch(void **state)
{
    (void)state;
    struct pcapd_filter v4_any = filter_any();
    with_src(&v4_any, "0.0.0.0/0");
    struct pcapd_filter v4_dst_any = filter_any();
    with_dst(&v4_dst_any, "0.0.0.0/0");
    struct pcapd_filter v6_any = filter_any();
    with_dst(&v6_any, "::/0");
    struct pcapd_filter v4_exact = filter_any();
    with_src(&v4_exact, "32.1.13.184"); /* the bytes 20 01 0d b8 */

    struct pkt_meta v4 = meta_v4(6, "32.1.13.184", "10.0.0.1", 1, 2);
    struct pkt_meta v6 = meta_v6(6, "2001:db8::1", "2001:db8::2", 1, 2);

    assert_true(ip_matches(&v4_any, &v4));
    assert_true(ip_matches(&v4_exact, &v4));
    assert_true(ip_matches(&v6_any, &v6));
    assert_false(ip_matches(&v4_any, &v6));
    assert_false(ip_matches(&v4_dst_any, &v6));
    assert_false(ip_matches(&v4_exact, &v6));
    assert_false(ip_matches(&v6_any, &v4));
}

/* Source and destination port constraints, alone and together. */
static void test_ports(void **state)
{
    (void)state;
    struct pcapd_filter sp = filter_any();
    with_sport(&sp, 53);
    struct pcapd_filter dp = filter_any();
    with_dport(&dp, 53);
    struct pcapd_filter both = filter_any();
    with_sport(&both, 40000);
    with_dport(&both, 443);
    struct pcapd_filter zero = filter_any();
    with_dport(&zero, 0);

    struct pkt_meta query = meta_v4(17, "10.0.0.1", "10.0.0.2", 40000, 53);
    struct pkt_meta reply = meta_v4(17, "10.0.0.2", "10.0.0.1", 53, 40000);
    struct pkt_meta https = meta_v6(6, "::1", "::2", 40000, 443);
    struct pkt_meta https_other = meta_v6(6, "::1", "::2", 40001, 443);
    struct pkt_meta https_swapped = meta_v6(6, "::1", "::2", 443, 40000);
    struct pkt_meta port0 = meta_v4(17, "10.0.0.1", "10.0.0.2", 9, 0);

    assert_true(ip_matches(&dp, &query));
    assert_false(ip_matches(&dp, &reply));
    assert_true(ip_matches(&sp, &reply));
    assert_false(ip_matches(&sp, &query));
    assert_true(ip_matches(&both, &https));
    assert_false(ip_matches(&both, &https_other));
    assert_false(ip_matches(&both, &https_swapped));
    assert_false(ip_matches(&both, &query));
    assert_true(ip_matches(&zero, &port0));
    assert_false(ip_matches(&zero, &query));
}

/* Port constraints never match a later fragment, ICMP, or a packet whose
 * transport header was cut (has_ports 0), even when sport/dport agree. */
static void test_ports_need_ports(void **state)
{
    (void)state;
    struct pcapd_filter dp = filter_any();
    with_dport(&dp, 0);
    struct pcapd_filter sp = filter_any();
    with_sport(&sp, 0);
    struct pcapd_filter dp443 = filter_any();
    with_dport(&dp443, 443);
    struct pcapd_filter proto_only = filter_any();
    with_proto(&proto_only, 6);

    struct pkt_meta frag = meta_v4(6, "10.0.0.1", "10.0.0.2", 0, 0);
    frag.has_ports = 0;
    frag.later_fragment = 1;
    struct pkt_meta frag6 = meta_v6(6, "::1", "::2", 0, 0);
    frag6.has_ports = 0;
    frag6.later_fragment = 1;
    struct pkt_meta icmp = meta_v4(1, "10.0.0.1", "10.0.0.2", 0, 0);
    struct pkt_meta icmp6 = meta_v6(58, "::1", "::2", 0, 0);
    /* Stale port values without has_ports must be ignored. */
    struct pkt_meta stale = meta_v4(6, "10.0.0.1", "10.0.0.2", 1, 443);
    stale.has_ports = 0;

    assert_false(ip_matches(&dp, &frag));
    assert_false(ip_matches(&sp, &frag));
    assert_false(ip_matches(&dp, &frag6));
    assert_false(ip_matches(&dp, &icmp));
    assert_false(ip_matches(&sp, &icmp));
    assert_false(ip_matches(&dp, &icmp6));
    assert_false(ip_matches(&dp443, &stale));
    /* The same packets still match filters without ports. */
    assert_true(ip_matches(&proto_only, &frag));
    assert_true(ip_matches(&proto_only, &frag6));
}

/* Every single-field filter rejects non-IP, truncated and malformed frames. */
static void test_non_ip_only_matches_empty(void **state)
{
    (void)state;
    static const enum pkt_parse_status statuses[] = {PKT_PARSE_NOT_IP, PKT_PARSE_TRUNCATED,
                                                     PKT_PARSE_MALFORMED};
    struct pcapd_filter filters[6];
    for (int i = 0; i < 6; i++)
        filters[i] = filter_any();
    with_src(&filters[0], "0.0.0.0/0");
    with_dst(&filters[1], "::/0");
    with_sport(&filters[2], 0);
    with_dport(&filters[3], 0);
    with_proto(&filters[4], 0);
    with_src(&filters[5], "0.0.0.0/0");
    with_proto(&filters[5], 0);
    with_dport(&filters[5], 0);

    /* Zeroed meta as the parser leaves it, and a meta that looks like IP but
     * whose status says otherwise. */
    struct pkt_meta none;
    memset(&none, 0, sizeof(none));
    struct pkt_meta looks_ip = meta_v4(0, "0.0.0.0", "0.0.0.0", 0, 0);
    looks_ip.has_ports = 1;

    for (size_t s = 0; s < sizeof(statuses) / sizeof(statuses[0]); s++) {
        struct pcapd_filter empty = filter_any();
        assert_true(filter_matches(&empty, statuses[s], &none));
        for (int i = 0; i < 6; i++) {
            assert_false(filter_matches(&filters[i], statuses[s], &none));
            assert_false(filter_matches(&filters[i], statuses[s], &looks_ip));
        }
    }
    /* Sanity: the same filters do match the IP-looking meta as IP. */
    for (int i = 0; i < 5; i++) {
        if (i == 1)
            continue; /* the IPv6 prefix */
        assert_true(ip_matches(&filters[i], &looks_ip));
    }
}

/* All five fields together match; changing any one field breaks the match. */
static void test_all_fields_combined(void **state)
{
    (void)state;
    struct pcapd_filter f = filter_any();
    with_proto(&f, 6);
    with_src(&f, "10.1.0.0/16");
    with_dst(&f, "192.0.2.0/24");
    with_sport(&f, 12345);
    with_dport(&f, 443);
    assert_int_equal(f.fields, PCAPD_FILTER_SRC_ADDR | PCAPD_FILTER_DST_ADDR |
                                   PCAPD_FILTER_SRC_PORT | PCAPD_FILTER_DST_PORT |
                                   PCAPD_FILTER_PROTOCOL);

    struct pkt_meta ok = meta_v4(6, "10.1.200.3", "192.0.2.99", 12345, 443);
    assert_true(ip_matches(&f, &ok));

    struct pkt_meta m = ok;
    m.proto = 17;
    assert_false(ip_matches(&f, &m));
    m = meta_v4(6, "10.2.0.1", "192.0.2.99", 12345, 443);
    assert_false(ip_matches(&f, &m));
    m = meta_v4(6, "10.1.200.3", "192.0.3.1", 12345, 443);
    assert_false(ip_matches(&f, &m));
    m = meta_v4(6, "10.1.200.3", "192.0.2.99", 12346, 443);
    assert_false(ip_matches(&f, &m));
    m = meta_v4(6, "10.1.200.3", "192.0.2.99", 12345, 80);
    assert_false(ip_matches(&f, &m));
    m = ok;
    m.has_ports = 0;
    m.later_fragment = 1;
    assert_false(ip_matches(&f, &m));
    assert_false(filter_matches(&f, PKT_PARSE_TRUNCATED, &ok));

    /* The same combination in IPv6. */
    struct pcapd_filter f6 = filter_any();
    with_proto(&f6, 17);
    with_src(&f6, "2001:db8:aa::/48");
    with_dst(&f6, "2001:db8:bb::53");
    with_dport(&f6, 53);
    struct pkt_meta ok6 = meta_v6(17, "2001:db8:aa:1::7", "2001:db8:bb::53", 5555, 53);
    assert_true(ip_matches(&f6, &ok6));
    m = meta_v6(17, "2001:db8:ab:1::7", "2001:db8:bb::53", 5555, 53);
    assert_false(ip_matches(&f6, &m));
    m = meta_v6(6, "2001:db8:aa:1::7", "2001:db8:bb::53", 5555, 53);
    assert_false(ip_matches(&f6, &m));
    m = meta_v6(17, "2001:db8:aa:1::7", "2001:db8:bb::54", 5555, 53);
    assert_false(ip_matches(&f6, &m));
}

/* Pairs of fields: protocol + address, address + port. */
static void test_field_pairs(void **state)
{
    (void)state;
    struct pcapd_filter udp_from = filter_any();
    with_proto(&udp_from, 17);
    with_src(&udp_from, "10.0.0.0/8");
    struct pcapd_filter to_port = filter_any();
    with_dst(&to_port, "2001:db8::/32");
    with_dport(&to_port, 22);

    struct pkt_meta a = meta_v4(17, "10.5.5.5", "1.1.1.1", 1, 2);
    struct pkt_meta b = meta_v4(6, "10.5.5.5", "1.1.1.1", 1, 2);
    struct pkt_meta c = meta_v4(17, "11.5.5.5", "1.1.1.1", 1, 2);
    assert_true(ip_matches(&udp_from, &a));
    assert_false(ip_matches(&udp_from, &b));
    assert_false(ip_matches(&udp_from, &c));

    struct pkt_meta d = meta_v6(6, "::1", "2001:db8:5::1", 50000, 22);
    struct pkt_meta e = meta_v6(6, "::1", "2001:db9::1", 50000, 22);
    struct pkt_meta g = meta_v6(6, "::1", "2001:db8:5::1", 22, 50000);
    assert_true(ip_matches(&to_port, &d));
    assert_false(ip_matches(&to_port, &e));
    assert_false(ip_matches(&to_port, &g));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_filter_matches_everything),
        cmocka_unit_test(test_protocol_only),
        cmocka_unit_test(test_protocol_zero),
        cmocka_unit_test(test_ipv4_exact_addresses),
        cmocka_unit_test(test_ipv6_exact_addresses),
        cmocka_unit_test(test_ipv4_prefixes),
        cmocka_unit_test(test_ipv6_prefixes),
        cmocka_unit_test(test_family_mismatch),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_ports_need_ports),
        cmocka_unit_test(test_non_ip_only_matches_empty),
        cmocka_unit_test(test_all_fields_combined),
        cmocka_unit_test(test_field_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
