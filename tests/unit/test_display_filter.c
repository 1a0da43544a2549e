/*
 * Unit tests for the display-filter compiler and evaluator of
 * analysis/display_filter.c, on hand-built frames (fields.h): every
 * operator and literal type, Wireshark 4.0's multi-occurrence semantics
 * ("==" any equal, "!=" all not equal), CIDR blocks, sets with ranges,
 * caseless regexes, precedence, and every error path with its offset.
 * The behaviours tested were checked against tshark 4.0.17's -Y.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "display_filter.h"

/* Returns the id of a field by its name (the registry's ids are made at run time). */
static int F(const char *name)
{
    int id = field_lookup(name, strlen(name));
    assert_true(id > 0);
    return id;
}

/* The frames the tests filter: a TCP/IPv4 packet and a DNS/UDP/IPv6 one. */
static struct frame_fields tcp_frame, dns_frame;

/* Records an IPv4 address given as text. */
static void add_ip4(struct frame_fields *ff, int id, const char *text)
{
    uint8_t a[4];
    assert_int_equal(inet_pton(AF_INET, text, a), 1);
    field_add_ipv4(ff, id, a);
}

/* Records an IPv6 address given as text. */
static void add_ip6(struct frame_fields *ff, int id, const char *text)
{
    uint8_t a[16];
    assert_int_equal(inet_pton(AF_INET6, text, a), 1);
    field_add_ipv6(ff, id, a);
}

/* Records a NUL-terminated string. */
static void add_str(struct frame_fields *ff, int id, const char *text)
{
    field_add_string(ff, id, text, strlen(text));
}

/* Prepares a store that wants every field. */
static void want_all(struct frame_fields *ff)
{
    frame_fields_init(ff);
    for (int id = 1; id < registry_field_count(); id++)
        frame_fields_want(ff, id);
}

/* Builds the TCP frame: 10.1.2.3:443 -> 192.168.0.1:51000, SYN+ACK, an HTTP host and URI. */
static void build_tcp_frame(struct frame_fields *ff)
{
    static const uint8_t src_mac[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    static const uint8_t dst_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    want_all(ff);
    field_add_present(ff, F("frame"));
    field_add_uint(ff, F("frame.number"), 7);
    field_add_time(ff, F("frame.time_relative"), 1500000000);
    field_add_uint(ff, F("frame.len"), 1514);
    field_add_present(ff, F("eth"));
    field_add_ether(ff, F("eth.src"), src_mac);
    field_add_ether(ff, F("eth.dst"), dst_mac);
    field_add_ether(ff, F("eth.addr"), dst_mac);
    field_add_ether(ff, F("eth.addr"), src_mac);
    field_add_present(ff, F("ip"));
    add_ip4(ff, F("ip.src"), "10.1.2.3");
    add_ip4(ff, F("ip.dst"), "192.168.0.1");
    add_ip4(ff, F("ip.addr"), "10.1.2.3");
    add_ip4(ff, F("ip.addr"), "192.168.0.1");
    field_add_uint(ff, F("ip.ttl"), 64);
    field_add_uint(ff, F("ip.proto"), 6);
    field_add_present(ff, F("tcp"));
    field_add_uint(ff, F("tcp.srcport"), 443);
    field_add_uint(ff, F("tcp.dstport"), 51000);
    field_add_uint(ff, F("tcp.port"), 443);
    field_add_uint(ff, F("tcp.port"), 51000);
    field_add_uint(ff, F("tcp.flags"), 0x12);
    field_add_uint(ff, F("tcp.flags.syn"), 1);
    field_add_uint(ff, F("tcp.flags.ack"), 1);
    field_add_uint(ff, F("tcp.flags.fin"), 0);
    field_add_int(ff, F("tcp.window_size_scalefactor"), -2);
    field_add_bytes(ff, F("tcp.payload"), (const uint8_t *)"GET /\r\n", 7);
    field_add_present(ff, F("tcp.analysis.flags"));
    field_add_present(ff, F("tcp.analysis.duplicate_ack"));
    field_add_present(ff, F("http"));
    add_str(ff, F("http.host"), "Example.COM");
    add_str(ff, F("http.request.uri"), "/a?b=\"c\\d\"");
}

/* Builds the DNS frame: a response over UDP/IPv6 with two A, one AAAA, two CNAMEs. */
static void build_dns_frame(struct frame_fields *ff)
{
    want_all(ff);
    field_add_present(ff, F("frame"));
    field_add_uint(ff, F("frame.number"), 8);
    field_add_time(ff, F("frame.time_relative"), -250000000);
    field_add_present(ff, F("ipv6"));
    add_ip6(ff, F("ipv6.src"), "2001:db8::1");
    add_ip6(ff, F("ipv6.dst"), "fe80::1");
    add_ip6(ff, F("ipv6.addr"), "2001:db8::1");
    add_ip6(ff, F("ipv6.addr"), "fe80::1");
    field_add_present(ff, F("udp"));
    field_add_uint(ff, F("udp.srcport"), 53);
    field_add_uint(ff, F("udp.dstport"), 5353);
    field_add_uint(ff, F("udp.port"), 53);
    field_add_uint(ff, F("udp.port"), 5353);
    field_add_present(ff, F("dns"));
    field_add_uint(ff, F("dns.id"), 0x1234);
    field_add_uint(ff, F("dns.flags.response"), 1);
    field_add_uint(ff, F("dns.flags.rcode"), 3);
    add_str(ff, F("dns.qry.name"), "www.example.com");
    field_add_uint(ff, F("dns.qry.type"), 1);
    add_ip4(ff, F("dns.a"), "1.2.3.4");
    add_ip4(ff, F("dns.a"), "5.6.7.8");
    add_ip6(ff, F("dns.aaaa"), "2001:db8::53");
    add_str(ff, F("dns.cname"), "Alias.Example.com");
    add_str(ff, F("dns.cname"), "edge.cdn.net");
    field_add_time(ff, F("dns.time"), 25000000);
}

/* Builds both frames once. */
static int group_setup(void **state)
{
    (void)state;
    build_tcp_frame(&tcp_frame);
    build_dns_frame(&dns_frame);
    return 0;
}

/* Frees both frames. */
static int group_teardown(void **state)
{
    (void)state;
    frame_fields_free(&tcp_frame);
    frame_fields_free(&dns_frame);
    return 0;
}

/* Compiles expr (which must be valid) and returns whether ff passes it. */
static bool passes(const char *expr, const struct frame_fields *ff)
{
    char err[256];
    size_t pos = 12345;
    struct display_filter *df = display_filter_compile(expr, err, sizeof(err), &pos);
    if (df == NULL)
        fail_msg("\"%s\" was rejected at %zu: %s", expr, pos, err);
    bool r = display_filter_match(df, ff);
    display_filter_free(df);
    return r;
}

/* Asserts that expr selects the TCP frame (tcp) and the DNS frame (dns) as given. */
static void expect(const char *expr, bool tcp, bool dns)
{
    if (passes(expr, &tcp_frame) != tcp)
        fail_msg("\"%s\" on the TCP frame: expected %s", expr, tcp ? "match" : "no match");
    if (passes(expr, &dns_frame) != dns)
        fail_msg("\"%s\" on the DNS frame: expected %s", expr, dns ? "match" : "no match");
}

/* Asserts that expr is rejected at offset pos with a message containing part. */
static void expect_error(const char *expr, size_t pos, const char *part)
{
    char err[256];
    size_t at = 12345;
    struct display_filter *df = display_filter_compile(expr, err, sizeof(err), &at);
    if (df != NULL) {
        display_filter_free(df);
        fail_msg("\"%s\" was accepted", expr);
    }
    if (strstr(err, part) == NULL)
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", expr, err, part);
    if (at != pos)
        fail_msg("\"%s\": error at %zu, expected %zu (%s)", expr, at, pos, err);
}

/* Returns the offset of the first occurrence of needle in expr (which must hold it). */
static size_t offset_of(const char *expr, const char *needle)
{
    const char *at = strstr(expr, needle);
    assert_non_null(at);
    return (size_t)(at - expr);
}

/* Signed integers (tcp.window_size_scalefactor), bytes (tcp.payload) and
 * labels (tcp.analysis.*: presence only). */
static void test_signed_bytes_labels(void **state)
{
    (void)state;
    expect("tcp.window_size_scalefactor == -2", true, false);
    expect("tcp.window_size_scalefactor < 0 && tcp.window_size_scalefactor > -3", true, false);
    expect("tcp.window_size_scalefactor in {-2, 4}", true, false);
    expect("tcp.window_size_scalefactor >= 1", false, false);
    expect("tcp.payload contains \"GET\"", true, false);
    expect("tcp.payload contains 2f:0d", true, false);
    expect("tcp.payload == 47:45:54:20:2f:0d:0a", true, false);
    expect("tcp.payload == \"GET\"", false, false);
    expect("tcp.analysis.flags && tcp.analysis.duplicate_ack", true, false);
    expect("!tcp.analysis.retransmission", true, true);
    expect_error("tcp.window_size_scalefactor == 2147483648", 31, "out of range");
    expect_error("tcp.window_size_scalefactor == -2147483649", 32, "out of range");
    expect_error("tcp.payload == zz", 15, "not a valid byte string");
    expect_error("tcp.analysis.flags == 1", 0, "(type=Label) cannot participate in ==");
    expect_error("tcp.analysis.retransmission contains 1", 0, "cannot participate");
}

/* Protocol and field presence; "frame" is always present; the empty filter passes all. */
static void test_presence(void **state)
{
    (void)state;
    expect("ip", true, false);
    expect("ipv6", false, true);
    expect("tcp.port", true, false);
    expect("dns.a", false, true);
    expect("frame", true, true);
    expect("", true, true);
    expect("   ", true, true);
    expect("http.host", true, false);
    struct frame_fields empty;
    frame_fields_init(&empty);
    assert_true(passes("frame", &empty));
    assert_false(passes("tcp", &empty));
    assert_false(passes("!frame", &empty));
}

/* Every comparison operator, in symbol and word forms, on an unsigned field. */
static void test_uint_operators(void **state)
{
    (void)state;
    expect("ip.ttl == 64", true, false);
    expect("ip.ttl eq 64", true, false);
    expect("ip.ttl any_eq 64", true, false);
    expect("ip.ttl != 64", false, false);
    expect("ip.ttl ne 63", true, false);
    expect("ip.ttl all_ne 63", true, false);
    expect("ip.ttl > 63", true, false);
    expect("ip.ttl gt 64", false, false);
    expect("ip.ttl >= 64", true, false);
    expect("ip.ttl ge 65", false, false);
    expect("ip.ttl < 65", true, false);
    expect("ip.ttl lt 64", false, false);
    expect("ip.ttl <= 64", true, false);
    expect("ip.ttl le 63", false, false);
    expect("ip.ttl === 64", true, false);
    expect("ip.ttl all_eq 64", true, false);
    expect("ip.ttl !== 64", false, false);
    expect("ip.ttl ~= 63", true, false);
    expect("ip.ttl any_ne 63", true, false);
    expect("ip.ttl==64", true, false);
}

/* Integer literals: hex, octal, binary, '+', character constants, value names. */
static void test_uint_literals(void **state)
{
    (void)state;
    expect("ip.ttl == 0x40", true, false);
    expect("ip.ttl == 0X40", true, false);
    expect("ip.ttl == 0100", true, false);
    expect("ip.ttl == 0b1000000", true, false);
    expect("ip.ttl == +64", true, false);
    expect("ip.ttl == '@'", true, false);
    expect("ip.ttl == '\\x40'", true, false);
    expect("ip.ttl == '\\100'", true, false);
    expect("frame.number == 0b", false, false);
    expect("tcp.flags == 0x0012", true, false);
    expect("ip.proto == TCP", true, false);
    expect("ip.proto == tcp.port", false, false);
    expect("ip.proto == \"tcp\"", true, false);
    expect("ip.proto == UDP", false, false);
    expect("ip.proto in {UDP, TCP}", true, false);
    expect("dns.flags.rcode == \"No such name\"", false, true);
    expect("tls.handshake.type == \"Client Hello\"", false, false);
    expect("frame.number == 4294967295", false, false);
    expect("ip.ttl == 255", false, false);
}

/* Multiple occurrences: "==" any equal, "!=" all not equal (false when
 * absent), "===" all equal, "~=" any not equal, orders any. */
static void test_multi_occurrence(void **state)
{
    (void)state;
    expect("tcp.port == 443", true, false);
    expect("tcp.port == 51000", true, false);
    expect("tcp.port != 443", false, false);
    expect("tcp.port != 80", true, false);
    expect("tcp.port ~= 443", true, false);
    expect("tcp.port === 443", false, false);
    expect("tcp.port > 50000", true, false);
    expect("tcp.port < 500", true, false);
    expect("tcp.port < 443", false, false);
    expect("!(tcp.port == 80)", true, true);
    expect("not tcp.port == 443", false, true);
    expect("dns.a == 5.6.7.8", false, true);
    expect("dns.a != 1.2.3.4", false, false);
    expect("dns.a != 9.9.9.9", false, true);
    expect("udp.port != 53", false, false);
}

/* Booleans: numbers (any non-zero is true), True/TRUE/False/FALSE, the field's names. */
static void test_bool(void **state)
{
    (void)state;
    expect("tcp.flags.syn == 1", true, false);
    expect("tcp.flags.syn == 2", true, false);
    expect("tcp.flags.syn == True", true, false);
    expect("tcp.flags.syn == TRUE", true, false);
    expect("tcp.flags.fin == False", true, false);
    expect("tcp.flags.fin == FALSE", true, false);
    expect("tcp.flags.syn == Set", true, false);
    expect("tcp.flags.fin == \"not SET\"", true, false);
    expect("tcp.flags.fin == 0x0", true, false);
    expect("tcp.flags.syn > 0", true, false);
    expect("tcp.flags.fin < 1", true, false);
    expect("dns.flags.response == \"Message is a response\"", false, true);
    expect("tcp.flags.syn in {0..1}", true, false);
}

/* Time offsets: seconds with up to nine decimals, negative values, suffixes ignored after them. */
static void test_time(void **state)
{
    (void)state;
    expect("frame.time_relative >= 1.5", true, false);
    expect("frame.time_relative == 1.500000000", true, false);
    expect("frame.time_relative > 1.499999999", true, false);
    expect("frame.time_relative > 1", true, false);
    expect("frame.time_relative < 0", false, true);
    expect("frame.time_relative == -0.25", false, true);
    expect("frame.time_relative == - 0.25", false, true);
    expect("frame.time_relative > -1", true, true);
    expect("frame.time_relative in {1..2}", true, false);
    expect("dns.time > 0.02", false, true);
    expect("dns.time < 0.1", false, true);
    expect("dns.time == 0.025s", false, true);
    expect("dns.time == 0.025", false, true);
}

/* IPv4: equality, CIDR blocks, orders under a prefix, ranges, several occurrences. */
static void test_ipv4(void **state)
{
    (void)state;
    expect("ip.src == 10.1.2.3", true, false);
    expect("ip.src == 10.0.0.0/8", true, false);
    expect("ip.src == 10.1.2.3/32", true, false);
    expect("ip.src == 11.0.0.0/8", false, false);
    expect("ip.src == 0.0.0.0/0", true, false);
    expect("ip.dst == 192.168.0.0/16", true, false);
    expect("ip.addr == 192.168.0.1", true, false);
    expect("ip.addr != 10.1.2.3", false, false);
    expect("ip.addr != 172.16.0.0/12", true, false);
    expect("ip.src > 10.0.0.0/8", false, false);
    expect("ip.src >= 10.0.0.0/8", true, false);
    expect("ip.src < 10.1.2.4", true, false);
    expect("ip.src in {10.1.2.0..10.1.2.255}", true, false);
    expect("ip.src in {1.1.1.1, 10.0.0.0/8}", true, false);
    expect("ip.src == 11.1.2.3/07", true, false);
    expect("dns.a == 1.2.3.0/24", false, true);
    expect("dns.a in {5.6.7.8}", false, true);
}

/* IPv6: any RFC 4291 text, CIDR blocks, orders, ranges. */
static void test_ipv6(void **state)
{
    (void)state;
    expect("ipv6.src == 2001:db8::1", false, true);
    expect("ipv6.src == 2001:DB8:0:0:0:0:0:1", false, true);
    expect("ipv6.src == 2001:db8::/32", false, true);
    expect("ipv6.addr == fe80::/10", false, true);
    expect("ipv6.addr != fe80::/10", false, false);
    expect("ipv6.src == 2001:db9::/32", false, false);
    expect("ipv6.src == ::/0", false, true);
    expect("ipv6.src > 2001:db8::", false, true);
    expect("ipv6.src in {2001:db8::..2001:db8::ff}", false, true);
    expect("ipv6.src == ::ffff:1.2.3.4", false, false);
    expect("dns.aaaa == 2001:db8::53/128", false, true);
    expect("ipv6.src == 2001:db8:ff::/010", false, true);
    expect("ipv6.src == 2001:db8:ff::/10", false, true);
    expect("ipv6.src == 2001:db8:ff00::/040", false, true);
    expect("ipv6.src == 2001:db8:ff00::/40", false, false);
}

/* MAC addresses: ':' '-' '.' separators and none, orders, sets, "contains" on bytes. */
static void test_ether(void **state)
{
    (void)state;
    expect("eth.src == 00:11:22:33:44:55", true, false);
    expect("eth.src == 00-11-22-33-44-55", true, false);
    expect("eth.src == 0011.2233.4455", true, false);
    expect("eth.src == 00.11.22.33.44.55", true, false);
    expect("eth.src == 001122334455", true, false);
    expect("eth.dst == FF:FF:FF:FF:FF:FF", true, false);
    expect("eth.addr == 00:11:22:33:44:55", true, false);
    expect("eth.addr != 00:11:22:33:44:55", false, false);
    expect("eth.src < ff:ff:ff:ff:ff:ff", true, false);
    expect("eth.src in {00:11:22:33:44:00..00:11:22:33:44:ff}", true, false);
    expect("eth.src contains 33:44", true, false);
    expect("eth.src contains 44-55", true, false);
    expect("eth.src contains 55:44", false, false);
}

/* Strings: quoted with escapes, bare words, character constants, orders, sets. */
static void test_string(void **state)
{
    (void)state;
    expect("http.host == \"Example.COM\"", true, false);
    expect("http.host == Example.COM", true, false);
    expect("http.host == example.com", false, false);
    expect("http.request.uri == \"/a?b=\\\"c\\\\d\\\"\"", true, false);
    expect("http.host == \"\\x45xample.COM\"", true, false);
    expect("http.host == \"\\105xample.COM\"", true, false);
    expect("http.host > \"D\"", true, false);
    expect("http.host < \"Example.COMa\"", true, false);
    expect("http.host in {\"a\", \"Example.COM\"}", true, false);
    expect("http.host in {\"E\"..\"F\"}", true, false);
    expect("dns.cname == edge.cdn.net", false, true);
    expect("dns.cname != edge.cdn.net", false, false);
    expect("dns.qry.name != edge.cdn.net", false, true);
}

/* contains: case-sensitive substrings, bare words, character constants; empty never matches. */
static void test_contains(void **state)
{
    (void)state;
    expect("http.host contains \"ample\"", true, false);
    expect("http.host contains ample", true, false);
    expect("http.host contains \"AMPLE\"", false, false);
    expect("http.host contains 'C'", true, false);
    expect("http.host contains \"\"", false, false);
    expect("http.request.uri contains \"\\\"\"", true, false);
    expect("dns.cname contains cdn", false, true);
    expect("http.host contains http.host", true, false);
}

/* matches: PCRE2, caseless as in Wireshark 4.0 unless the pattern says (?-i). */
static void test_matches(void **state)
{
    (void)state;
    expect("http.host matches \"example\\\\.com$\"", true, false);
    expect("http.host matches \"^EXAMPLE\"", true, false);
    expect("http.host ~ \"xampl\"", true, false);
    expect("http.host matches \"(?-i)example\"", false, false);
    expect("http.host matches \"(?-i)Example\"", true, false);
    expect("http.host matches \"\"", true, false);
    expect("dns.cname matches \"^edge\"", false, true);
    expect("dns.cname matches \"^alias\\\\.\"", false, true);
    expect("dns.qry.name matches \"^[a-z]+\\\\.example\\\\.com$\"", false, true);
}

/* A regex that backtracks exponentially on a long text gives up (no match)
 * within PCRE2's limits instead of hanging; a plain one still matches it. */
static void test_matches_bounded(void **state)
{
    (void)state;
    static char text[8001];
    memset(text, 'a', sizeof(text) - 2);
    text[sizeof(text) - 2] = 'b';
    struct frame_fields ff;
    want_all(&ff);
    add_str(&ff, F("http.host"), text);
    assert_false(passes("http.host matches \"^(a|aa)+$\"", &ff));
    assert_false(passes("http.host matches \"^(a*)*c\"", &ff));
    assert_true(passes("http.host matches \"^a.*b$\"", &ff));
    assert_true(passes("http.host matches \"A{7999}B\"", &ff));
    frame_fields_free(&ff);
}

/* in: values, ranges, mixed, fields as members, "not in"; per occurrence. */
static void test_in(void **state)
{
    (void)state;
    expect("tcp.port in {80, 443}", true, false);
    expect("tcp.port in {80,8080}", false, false);
    expect("tcp.port in {1..1023}", true, false);
    expect("tcp.port in {1000..2000}", false, false);
    expect("tcp.port in {1000..2000, 51000}", true, false);
    expect("tcp.port in {60..1}", false, false);
    expect("tcp.port not in {80}", true, true);
    expect("tcp.port not in {443}", false, true);
    expect("tcp.srcport in {tcp.dstport, 443}", true, false);
    expect("tcp.srcport in {tcp.dstport}", false, false);
    expect("udp.port in {0x35}", false, true);
}

/* Field against field: any pair for "==" and orders, all pairs for "!=". */
static void test_field_to_field(void **state)
{
    (void)state;
    expect("ip.src == ip.dst", false, false);
    expect("ip.src != ip.dst", true, false);
    expect("ip.addr == ip.src", true, false);
    expect("ip.addr != ip.src", false, false);
    expect("tcp.srcport < tcp.dstport", true, false);
    expect("tcp.port == ip.ttl", false, false);
    expect("ipv6.src == ipv6.addr", false, true);
    expect("dns.qry.name == dns.cname", false, false);
}

/* Bitwise and: a non-zero test alone, or compared; on unsigned and IPv4 fields. */
static void test_bitwise_and(void **state)
{
    (void)state;
    expect("tcp.flags & 0x02", true, false);
    expect("tcp.flags & 0x01", false, false);
    expect("tcp.flags bitwise_and 0x10", true, false);
    expect("tcp.flags & 0x12 == 0x12", true, false);
    expect("tcp.flags & 0x13 == 0x13", false, false);
    expect("!tcp.flags & 0x04", true, true);
    expect("tcp.flags & -1", true, false);
    expect("ip.src & 255.0.0.0 == 10.0.0.0", true, false);
    expect("ip.src & 0.0.0.255 == 0.0.0.3", true, false);
}

/* A negative integer against an unsigned field: -0 is 0; -N equals and
 * orders with nothing, so only "!=" passes (as tshark 4.0). */
static void test_negative_uint(void **state)
{
    (void)state;
    expect("ip.ttl == -1", false, false);
    expect("ip.ttl != -1", true, false);
    expect("ip.ttl > -1", false, false);
    expect("ip.ttl < -1", false, false);
    expect("ip.ttl ~= -1", false, false);
    expect("ip.ttl > -0", true, false);
    expect("ip.ttl in {-1..100}", false, false);
    expect("ip.ttl == - 1", false, false);
}

/* Precedence: "and" binds tighter than "or"; "not" tighter than both; parentheses override. */
static void test_precedence(void **state)
{
    (void)state;
    expect("udp or tcp and ip.ttl == 1", false, true);
    expect("(udp or tcp) and ip.ttl == 1", false, false);
    expect("tcp and ip.ttl == 1 or udp", false, true);
    expect("tcp or udp and ip.ttl == 1", true, false);
    expect("not tcp and udp", false, true);
    expect("not (tcp and udp)", true, true);
    expect("!tcp || tcp.port == 443", true, true);
    expect("! ! tcp", true, false);
    expect("not not not tcp", false, true);
    expect("((((tcp))))", true, false);
    expect("tcp && ip.ttl == 64 && tcp.flags.syn == 1 && http.host", true, false);
    expect("dns || tcp.port == 1 || ip.ttl == 1", false, true);
    expect("tcp.port == 443 || udp.port == 53 && ip.ttl == 64", true, false);
}

/* Nesting up to the limit compiles; one level more is an error at that token. */
static void test_depth_limit(void **state)
{
    (void)state;
    char expr[512];
    size_t n = 0;
    for (int i = 0; i < 64; i++)
        expr[n++] = '(';
    memcpy(expr + n, "tcp", 3);
    n += 3;
    for (int i = 0; i < 64; i++)
        expr[n++] = ')';
    expr[n] = '\0';
    assert_true(passes(expr, &tcp_frame));
    memmove(expr + 1, expr, n + 1);
    expr[0] = '(';
    expect_error(expr, 64, "more than 64");

    n = 0;
    for (int i = 0; i < 64; i++)
        expr[n++] = '!';
    memcpy(expr + n, "tcp", 4);
    assert_true(passes(expr, &tcp_frame));
    memmove(expr + 1, expr, strlen(expr) + 1);
    expr[0] = '!';
    expect_error(expr, 64, "more than 64");
}

/* Syntax errors: unknown names, unexpected tokens and ends, unbalanced parentheses. */
static void test_errors_syntax(void **state)
{
    (void)state;
    expect_error("foo.bar", 0, "\"foo.bar\" is neither a field nor a protocol name.");
    expect_error("tcp and foo", 8, "\"foo\" is neither a field");
    expect_error("53 == tcp.port", 0, "\"53\" is neither a field");
    expect_error("tcp.port ==", 11, "Unexpected end of filter expression.");
    expect_error("(tcp", 4, "Unexpected end");
    expect_error("tcp and", 7, "Unexpected end");
    expect_error("not", 3, "Unexpected end");
    expect_error("!", 1, "Unexpected end");
    expect_error("tcp)", 3, "\")\" was unexpected in this context.");
    expect_error("(tcp))", 5, "\")\" was unexpected");
    expect_error("()", 1, "\")\" was unexpected");
    expect_error("tcp.port == 53 53", 15, "\"53\" was unexpected");
    expect_error("and", 0, "\"and\" was unexpected");
    expect_error("tcp or or udp", 7, "\"or\" was unexpected");
    expect_error("tcp xor udp", 4, "\"xor\" was unexpected");
    expect_error("tcp.port = 53", 9, "\"=\" was unexpected");
    expect_error("tcp | udp", 4, "\"|\" was unexpected");
    expect_error("tcp.port == 53 # x", 15, "\"#\" was unexpected");
    expect_error("tcp\x01", 3, "Byte 0x01 was unexpected");
    expect_error("ip.src == 1.1.1.1 == 2", 18, "\"==\" was unexpected");
    expect_error("tcp not udp", 8, "\"udp\" was unexpected");
    expect_error("tcp.port == -", 13, "Unexpected end");
    expect_error("tcp.port == --1", 13, "\"-\" was unexpected");
    expect_error("tcp.port == udp.port ==", 21, "\"==\" was unexpected");
    expect_error("dns.time > 0.", 12, "\".\" was unexpected");
    expect_error("dns.time > .5", 11, "\".\" was unexpected");
}

/* Set syntax errors. */
static void test_errors_set(void **state)
{
    (void)state;
    expect_error("tcp.port in {}", 13, "\"}\" was unexpected");
    expect_error("tcp.port in {53 80}", 16, "\"80\" was unexpected");
    expect_error("tcp.port in 53", 12, "\"53\" was unexpected");
    expect_error("tcp.port in {1,}", 15, "\"}\" was unexpected");
    expect_error("tcp.port in {1..}", 16, "\"}\" was unexpected");
    expect_error("tcp.port in {1", 14, "Unexpected end");
    expect_error("tcp.port in {1..2..3}", 17, "\"..\" was unexpected");
    expect_error("tcp.port not 53", 13, "\"53\" was unexpected");
    expect_error("tcp.flags & 2 in {2}", 14, "\"in\" was unexpected");
    char big[8192];
    size_t n = (size_t)snprintf(big, sizeof(big), "tcp.port in {");
    for (int i = 0; i < 1025; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "%d,", i);
    big[n - 1] = '}';
    big[n] = '\0';
    char *last = strrchr(big, ',');
    expect_error(big, (size_t)(last - big) + 1, "at most 1024");
}

/* Errors in quoted strings and character constants. */
static void test_errors_quotes(void **state)
{
    (void)state;
    expect_error("dns.qry.name == \"abc", 16, "The final quote was missing");
    expect_error("\"abc", 0, "The final quote was missing");
    expect_error("dns.qry.name == \"a\\q\"", 18, "\\q is not a valid character escape");
    expect_error("dns.qry.name == \"\\777\"", 17, "\\777 is larger than 255.");
    expect_error("dns.qry.name == \"abc\\", 20, "The final quote was missing");
    expect_error("ip.ttl == ''", 10, "Empty character constant.");
    expect_error("ip.ttl == 'ab'", 10, "'ab' is too long");
    expect_error("ip.ttl == '\\400'", 10, "'\\400' is too large");
    expect_error("ip.ttl == 'a", 10, "The final quote was missing from a character constant.");
}

/* Literals that do not fit the field's type. */
static void test_errors_literals(void **state)
{
    (void)state;
    expect_error("tcp.port == foo", 12, "\"foo\" is not a valid number.");
    expect_error("tcp.port == 08", 12, "\"08\" is not a valid number.");
    expect_error("tcp.port == 0x", 12, "\"0x\" is not a valid number.");
    expect_error("tcp.port == 53.0", 12, "\"53.0\" is not a valid number.");
    expect_error("tcp.port == 70000", 12, "\"70000\" too big for this field, maximum 65535.");
    expect_error("ip.ttl == 256", 10, "maximum 255.");
    expect_error("frame.number == 4294967296", 16, "maximum 4294967295.");
    expect_error("frame.number == 18446744073709551616", 16, "causes an integer overflow.");
    expect_error("tcp.port == \"53\"", 12, "cannot be converted from a string");
    expect_error("ip.proto == \"nope\"", 12, "cannot be found among the possible values");
    expect_error("ip.proto == nope", 12, "\"nope\" cannot be found among the possible values");
    expect_error("tcp.flags.syn == yes", 17,
                 "\"yes\" cannot be found among the possible values for tcp.flags.syn.");
    expect_error("tcp.flags.syn == true", 17, "cannot be found among the possible values");
    expect_error("tcp.flags.syn == \"True\"", 17, "cannot be found among the possible values");
    expect_error("tcp.flags.syn == -1", 18, "cannot be negative");
    expect_error("frame.time_relative > 1s", 22, "\"1s\" is not a valid time.");
    expect_error("frame.time_relative > 0.0000000001", 22, "is not a valid time.");
    expect_error("frame.time_relative > 0x1", 22, "is not a valid time.");
    expect_error("frame.time_relative > \"1\"", 22, "cannot be converted from a string");
    expect_error("frame.time_relative > 99999999999999999999", 22, "is not a valid time.");
    expect_error("ip.src == 1.2.3", 10, "\"1.2.3\" is not a valid hostname or IPv4 address.");
    expect_error("ip.src == 1.2.3.256", 10, "not a valid hostname or IPv4");
    expect_error("ip.src == 01.2.3.4", 10, "not a valid hostname or IPv4");
    expect_error("ip.src == 10.0.0.0/33", 10, "should be <= 32, not 33");
    expect_error("ip.src == 10.0.0.0/08", 10, "not a valid hostname or IPv4");
    expect_error("ip.src == 10.0.0.0/", 10, "not a valid hostname or IPv4");
    expect_error("ip.src == \"1.2.3.4\"", 10, "IPv4 address cannot be converted from a string");
    expect_error("ip.src == 'a'", 10, "cannot be converted from a character constant");
    expect_error("ip.src == -1.2.3.4", 11, "cannot be negative");
    expect_error("ipv6.src == 1.2.3.4", 12, "not a valid hostname or IPv6 address.");
    expect_error("ipv6.src == 2001:db8::1/129", 12, "should be <= 128, not 129");
    expect_error("ipv6.src == 2001:db8::1/1x", 12, "not a valid hostname or IPv6");
    expect_error("eth.src == 00:11:22:33:44", 11, "contains too few bytes");
    expect_error("eth.src == 00:11:22:33:44:55:66", 11, "contains too many bytes");
    expect_error("eth.src == 00:11-22:33:44:55", 11, "not a valid Ethernet address.");
    expect_error("eth.src == broadcast", 11, "\"broadcast\" is not a valid Ethernet address.");
    expect_error("eth.src contains zz", 17, "\"zz\" is not a valid byte string.");
    expect_error("dns.qry.name matches \"[\"", 21, "Regex compilation error");
}

/* Operators that do not apply to a type, and fields of incompatible types. */
static void test_errors_types(void **state)
{
    (void)state;
    expect_error("ip.src contains 1.2.3.4", 0,
                 "ip.src (type=IPv4 address) cannot participate in contains comparison.");
    expect_error("tcp.port matches \"5\"", 0, "cannot participate in matches comparison.");
    expect_error("eth.src matches \"5\"", 0, "cannot participate in matches comparison.");
    expect_error("frame.time_relative contains 1", 0, "cannot participate in contains");
    expect_error("tcp < 5", 0, "tcp is a protocol: only its presence can be tested");
    expect_error("frame == 1", 0, "is a protocol");
    expect_error("tcp in {1}", 0, "is a protocol");
    expect_error("dns.qry.name matches foo", 21,
                 "Matches requires a double quoted string on the right side.");
    expect_error("dns.qry.name matches", 20, "Unexpected end");
    expect_error("ip.src == tcp.port", 10, "ip.src and tcp.port are not of compatible types.");
    expect_error("tcp.port in {ip.src}", 13, "not of compatible types");
    expect_error("eth.src contains eth.dst", 17, "needs text fields");
    expect_error("dns.qry.name & 1", 0, "cannot be used with \"&\"");
    expect_error("tcp.flags & foo", 12, "\"foo\" is not a valid number.");
    expect_error("tcp & 1", 0, "cannot be used with \"&\"");
}

/* A name that starts a test at any depth is reported where it stands. */
static void test_error_offsets_nested(void **state)
{
    (void)state;
    const char *e1 = "tcp and (udp or (dns and nosuch.field))";
    expect_error(e1, offset_of(e1, "nosuch"), "\"nosuch.field\" is neither");
    const char *e2 = "ip.src == 10.0.0.0/8 && !(tcp.port in {1, 2, 99999})";
    expect_error(e2, offset_of(e2, "99999"), "too big for this field");
}

/* display_filter_want marks every field the filter reads, and nothing else. */
static void test_want(void **state)
{
    (void)state;
    char err[128];
    size_t pos;
    struct display_filter *df = display_filter_compile(
        "dns && (ip.src == ip.dst || tcp.srcport in {tcp.dstport, 1})", err, sizeof(err), &pos);
    assert_non_null(df);
    struct frame_fields ff;
    frame_fields_init(&ff);
    display_filter_want(df, &ff);
    assert_true(ff.want[F("dns")]);
    assert_true(ff.want[F("ip.src")]);
    assert_true(ff.want[F("ip.dst")]);
    assert_true(ff.want[F("tcp.srcport")]);
    assert_true(ff.want[F("tcp.dstport")]);
    assert_false(ff.want[F("tcp.port")]);
    assert_false(ff.want[F("ip.addr")]);
    assert_true(ff.want_any);
    display_filter_free(df);
}

/* A NULL message buffer and offset are accepted; freeing NULL is a no-op; the message is cut to
 * size. */
static void test_api_edges(void **state)
{
    (void)state;
    assert_null(display_filter_compile("foo", NULL, 0, NULL));
    char small[8];
    size_t pos = 0;
    assert_null(display_filter_compile("foo.bar.baz", small, sizeof(small), &pos));
    assert_int_equal(strlen(small), sizeof(small) - 1);
    display_filter_free(NULL);
    char err[64];
    struct display_filter *df = display_filter_compile("tcp", err, sizeof(err), &pos);
    assert_non_null(df);
    assert_string_equal(err, "");
    display_filter_free(df);
}

/* One compiled filter evaluates many frames, and regex state is reused between them. */
static void test_reuse(void **state)
{
    (void)state;
    char err[128];
    size_t pos;
    struct display_filter *df = display_filter_compile(
        "http.host matches \"com$\" or dns.cname matches \"NET$\"", err, sizeof(err), &pos);
    assert_non_null(df);
    for (int i = 0; i < 100; i++) {
        assert_true(display_filter_match(df, &tcp_frame));
        assert_true(display_filter_match(df, &dns_frame));
    }
    display_filter_free(df);
}

/* Runs the tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presence),
        cmocka_unit_test(test_signed_bytes_labels),
        cmocka_unit_test(test_uint_operators),
        cmocka_unit_test(test_uint_literals),
        cmocka_unit_test(test_multi_occurrence),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_ether),
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_matches_bounded),
        cmocka_unit_test(test_in),
        cmocka_unit_test(test_field_to_field),
        cmocka_unit_test(test_bitwise_and),
        cmocka_unit_test(test_negative_uint),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_errors_syntax),
        cmocka_unit_test(test_errors_set),
        cmocka_unit_test(test_errors_quotes),
        cmocka_unit_test(test_errors_literals),
        cmocka_unit_test(test_errors_types),
        cmocka_unit_test(test_error_offsets_nested),
        cmocka_unit_test(test_want),
        cmocka_unit_test(test_api_edges),
        cmocka_unit_test(test_reuse),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
