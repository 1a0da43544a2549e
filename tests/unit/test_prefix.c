/*
 * Unit tests for the prefix helpers of include/pcapd/filter.h, implemented in
 * dataplane/prefix.c: pcapd_prefix_parse() (IPv4, IPv6, lengths, host bits
 * cleared, invalid input rejected), pcapd_prefix_format() (canonical text,
 * round trips, short buffers) and pcapd_prefix_contains().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pcapd/filter.h"

/* Parses `text`, which must be valid, into `p`. */
static void parse_ok(const char *text, struct pcapd_prefix *p)
{
    if (pcapd_prefix_parse(text, p) != 0)
        fail_msg("\"%s\" was rejected", text);
}

/* Plain IPv4 address: family 4, length 32, bytes in network order, the rest
 * of the array zero. */
static void test_parse_ipv4_address(void **state)
{
    (void)state;
    static const uint8_t want[16] = {192, 168, 1, 200};
    struct pcapd_prefix p;
    memset(&p, 0xa5, sizeof(p));
    parse_ok("192.168.1.200", &p);
    assert_int_equal(p.family, PCAPD_FAMILY_IPV4);
    assert_int_equal(p.len, 32);
    assert_memory_equal(p.addr, want, 16);
}

/* IPv4 prefixes with explicit lengths 0, 8, 24, 31, 32. */
static void test_parse_ipv4_prefix(void **state)
{
    (void)state;
    struct pcapd_prefix p;
    static const uint8_t net10[16] = {10};
    parse_ok("10.0.0.0/8", &p);
    assert_int_equal(p.family, PCAPD_FAMILY_IPV4);
    assert_int_equal(p.len, 8);
    assert_memory_equal(p.addr, net10, 16);

    static const uint8_t net24[16] = {192, 0, 2, 0};
    parse_ok("192.0.2.0/24", &p);
    assert_int_equal(p.len, 24);
    assert_memory_equal(p.addr, net24, 16);

    static const uint8_t zero[16];
    parse_ok("0.0.0.0/0", &p);
    assert_int_equal(p.family, PCAPD_FAMILY_IPV4);
    assert_int_equal(p.len, 0);
    assert_memory_equal(p.addr, zero, 16);

    static const uint8_t net31[16] = {10, 0, 0, 2};
    parse_ok("10.0.0.3/31", &p);
    assert_int_equal(p.len, 31);
    assert_memory_equal(p.addr, net31, 16);

    static const uint8_t host[16] = {10, 0, 0, 3};
    parse_ok("10.0.0.3/32", &p);
    assert_int_equal(p.len, 32);
    assert_memory_equal(p.addr, host, 16);
}

/* IPv6 addresses and prefixes. */
static void test_parse_ipv6(void **state)
{
    (void)state;
    struct pcapd_prefix p;
    static const uint8_t one[16] = {[15] = 1};
    memset(&p, 0xa5, sizeof(p));
    parse_ok("::1", &p);
    assert_int_equal(p.family, PCAPD_FAMILY_IPV6);
    assert_int_equal(p.len, 128);
    assert_memory_equal(p.addr, one, 16);

    static const uint8_t doc[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01};
    parse_ok("2001:db8:1::/48", &p);
    assert_int_equal(p.family, PCAPD_FAMILY_IPV6);
    assert_int_equal(p.len, 48);
    assert_memory_equal(p.addr, doc, 16);

    static const uint8_t zero[16];
    parse_ok("::/0", &p);
    assert_int_equal(p.len, 0);
    assert_memory_equal(p.addr, zero, 16);

    static const uint8_t full[16] = {0xfe, 0x80, 0,    0,    0,    0,    0,    0,
                                     0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55};
    parse_ok("FE80::211:22FF:FE33:4455/128", &p);
    assert_int_equal(p.len, 128);
    assert_memory_equal(p.addr, full, 16);

    /* An IPv4-mapped address is an IPv6 prefix. */
    static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, [12] = 10, [15] = 1};
    parse_ok("::ffff:10.0.0.1", &p);
    assert_int_equal(p.family, PCAPD_FAMILY_IPV6);
    assert_int_equal(p.len, 128);
    assert_memory_equal(p.addr, mapped, 16);
}

/* Host bits past the length are cleared. */
static void test_parse_clears_host_bits(void **state)
{
    (void)state;
    struct pcapd_prefix p;
    static const uint8_t net10[16] = {10};
    parse_ok("10.1.2.3/8", &p);
    assert_int_equal(p.len, 8);
    assert_memory_equal(p.addr, net10, 16);

    static const uint8_t n25[16] = {192, 0, 2, 128};
    parse_ok("192.0.2.255/25", &p);
    assert_memory_equal(p.addr, n25, 16);

    static const uint8_t n12[16] = {172, 16};
    parse_ok("172.31.255.255/12", &p);
    assert_memory_equal(p.addr, n12, 16);

    static const uint8_t zero[16];
    parse_ok("255.255.255.255/0", &p);
    assert_memory_equal(p.addr, zero, 16);
    parse_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0", &p);
    assert_memory_equal(p.addr, zero, 16);

    static const uint8_t n33[16] = {0x20, 0x01, 0x0d, 0xb8, 0x80};
    parse_ok("2001:db8:ffff:ffff::1/33", &p);
    assert_int_equal(p.len, 33);
    assert_memory_equal(p.addr, n33, 16);

    static const uint8_t n127[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    parse_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127", &p);
    assert_memory_equal(p.addr, n127, 16);

    /* Equal prefixes written differently compare equal with memcmp. */
    struct pcapd_prefix a, b;
    parse_ok("10.200.3.4/9", &a);
    parse_ok("10.128.0.0/9", &b);
    assert_memory_equal(&a, &b, sizeof(a));
}

/* Every length from 0 to the maximum is accepted and keeps exactly `len`
 * leading one-bits of an all-ones address. */
static void test_parse_every_length(void **state)
{
    (void)state;
    char text[64];
    for (unsigned len = 0; len <= 128; len++) {
        struct pcapd_prefix p;
        uint8_t want[16] = {0};
        for (unsigned bit = 0; bit < len; bit++)
            want[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
        snprintf(text, sizeof(text), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/%u", len);
        parse_ok(text, &p);
        assert_int_equal(p.len, len);
        assert_memory_equal(p.addr, want, 16);
        if (len <= 32) {
            snprintf(text, sizeof(text), "255.255.255.255/%u", len);
            parse_ok(text, &p);
            assert_int_equal(p.family, PCAPD_FAMILY_IPV4);
            assert_int_equal(p.len, len);
            assert_memory_equal(p.addr, want, 16);
        }
    }
}

/* Malformed prefixes are rejected. */
static void test_parse_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "1.2.3",
        "1.2.3.4/33",
        "::1/129",
        "1.2.3.4/",
        "1.2.3.4/-1",
        "1.2.3.4/08x",
        "abc",
        "1.2.3.4/ 8",
        "1.2.3.4 /8",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2.3.4/+8",
        "1.2.3.4/0x8",
        "1.2.3.4/8/8",
        "1.2.3.4/1000",
        "1.2.3.4/4294967304",
        "1.2.3.4/000000000000000000000000000000008",
        "/8",
        "/",
        "1.2.3.256",
        "1.2.3.4.5",
        "1.2.3.4/8 ",
        "::1/",
        "::1/1280",
        "::1/-0",
        ":::1",
        "2001:db8::1::2",
        "12345::",
        "g::1",
        "2001:db8::/48x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct pcapd_prefix p;
        if (pcapd_prefix_parse(bad[i], &p) != -1)
            fail_msg("\"%s\" was accepted", bad[i]);
    }
}

/* Very long strings are rejected without overflowing the address buffer. */
static void test_parse_long_strings(void **state)
{
    (void)state;
    struct pcapd_prefix p;
    size_t n = 4096;
    char *s = malloc(n + 1);
    assert_non_null(s);

    memset(s, 'a', n);
    s[n] = '\0';
    assert_int_equal(pcapd_prefix_parse(s, &p), -1);

    /* A valid-looking address padded with leading zeros. */
    memset(s, '0', n);
    memcpy(s + n - 7, "1.2.3.4", 7);
    assert_int_equal(pcapd_prefix_parse(s, &p), -1);

    /* A valid address followed by a huge length. */
    memcpy(s, "1.2.3.4/", 8);
    memset(s + 8, '8', n - 8);
    assert_int_equal(pcapd_prefix_parse(s, &p), -1);

    /* Just over the longest IPv6 text (45 characters + NUL). */
    memcpy(s, "0000:0000:0000:0000:0000:ffff:255.255.255.255", 45);
    s[45] = '\0';
    parse_ok(s, &p); /* the longest valid form is accepted */
    assert_int_equal(p.family, PCAPD_FAMILY_IPV6);
    memcpy(s, "00000:0000:0000:0000:0000:ffff:255.255.255.255", 46);
    s[46] = '\0';
    assert_int_equal(pcapd_prefix_parse(s, &p), -1);
    free(s);
}

/* Formatting gives the canonical text, and parsing it back gives the same
 * prefix. */
static void test_format_round_trip(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"192.168.1.0/24", "192.168.1.0/24"},
        {"1.2.3.4", "1.2.3.4"},
        {"1.2.3.4/32", "1.2.3.4"},
        {"0.0.0.0/0", "0.0.0.0/0"},
        {"10.1.2.3/8", "10.0.0.0/8"},
        {"10.0.0.3/31", "10.0.0.2/31"},
        {"255.255.255.255", "255.255.255.255"},
        {"::/0", "::/0"},
        {"::", "::"},
        {"::1", "::1"},
        {"::1/128", "::1"},
        {"2001:db8::/32", "2001:db8::/32"},
        {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        {"fe80::1/128", "fe80::1"},
        {"fe80::1/10", "fe80::/10"},
        {"2001:db8:ffff:ffff::1/33", "2001:db8:8000::/33"},
        {"2001:db8:1:2:3:4:5:6/64", "2001:db8:1:2::/64"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pcapd_prefix p, q;
        char buf[64];
        parse_ok(cases[i].in, &p);
        memset(buf, 'X', sizeof(buf));
        assert_ptr_equal(pcapd_prefix_format(&p, buf, sizeof(buf)), buf);
        assert_string_equal(buf, cases[i].out);
        parse_ok(buf, &q);
        assert_memory_equal(&p, &q, sizeof(p));
    }
}

/* Formatting into a short buffer truncates and still terminates the text. */
static void test_format_short_buffer(void **state)
{
    (void)state;
    struct pcapd_prefix p;
    parse_ok("192.168.100.0/24", &p);
    char buf[8];
    memset(buf, 'X', sizeof(buf));
    assert_ptr_equal(pcapd_prefix_format(&p, buf, sizeof(buf)), buf);
    assert_string_equal(buf, "192.168");

    char big[64];
    parse_ok("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", &p);
    memset(big, 'X', sizeof(big));
    pcapd_prefix_format(&p, big, 10);
    assert_string_equal(big, "2001:db8:");
    assert_int_equal(big[10], 'X');

    /* The longest output fits the documented INET6_ADDRSTRLEN + "/nnn". */
    parse_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127", &p);
    pcapd_prefix_format(&p, big, sizeof(big));
    assert_string_equal(big, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
}

/* pcapd_prefix_contains() on IPv4 and IPv6, aligned and unaligned lengths,
 * and across families. */
static void test_contains(void **state)
{
    (void)state;
    struct pcapd_prefix p;
    static const uint8_t a10_1[16] = {10, 1, 2, 3};
    static const uint8_t a11[16] = {11, 0, 0, 0};
    static const uint8_t a10_0_0_2[16] = {10, 0, 0, 2};
    static const uint8_t a10_0_0_3[16] = {10, 0, 0, 3};
    static const uint8_t a10_0_0_4[16] = {10, 0, 0, 4};

    parse_ok("10.0.0.0/8", &p);
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, a10_1));
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, a11));
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV6, a10_1));
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_NONE, a10_1));

    parse_ok("10.0.0.2/31", &p);
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, a10_0_0_2));
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, a10_0_0_3));
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, a10_0_0_4));

    parse_ok("10.0.0.2", &p);
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, a10_0_0_2));
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, a10_0_0_3));

    parse_ok("0.0.0.0/0", &p);
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, a11));
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV6, a11));

    static const uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2,
                                    0xff, 0xff, 0,    0,    0, 0, 0, 9};
    static const uint8_t v6b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 3};
    parse_ok("2001:db8:1:2::/64", &p);
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV6, v6a));
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV6, v6b));
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, v6a));

    parse_ok("2001:db8:1:2::/63", &p);
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV6, v6b));

    parse_ok("2001:db8:1:2:ffff::9/128", &p);
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV6, v6a));
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV6, v6b));

    parse_ok("::/0", &p);
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV6, v6a));
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, a10_1));
}

/* An IPv4 /32 reads only the 4 address bytes (exact-size buffer, checked by
 * AddressSanitizer). */
static void test_contains_reads_only_address_bytes(void **state)
{
    (void)state;
    struct pcapd_prefix p;
    uint8_t *addr = malloc(4);
    assert_non_null(addr);
    memcpy(addr, (const uint8_t[]){198, 51, 100, 9}, 4);
    parse_ok("198.51.100.9", &p);
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, addr));
    parse_ok("198.51.100.8/31", &p);
    assert_true(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, addr));
    parse_ok("198.51.100.8/32", &p);
    assert_false(pcapd_prefix_contains(&p, PCAPD_FAMILY_IPV4, addr));
    free(addr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ipv4_address),
        cmocka_unit_test(test_parse_ipv4_prefix),
        cmocka_unit_test(test_parse_ipv6),
        cmocka_unit_test(test_parse_clears_host_bits),
        cmocka_unit_test(test_parse_every_length),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_parse_long_strings),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_format_short_buffer),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_contains_reads_only_address_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
