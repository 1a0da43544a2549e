/*
 * The compiled classifier (dataplane/classifier.c, rte_acl) against a brute
 * force matcher: random rule sets (overlapping filters, identical filters,
 * IPv4 and IPv6 prefixes, wildcards, ports, protocols) and random frames
 * (VLAN tags, IPv4 fragments, IPv6 extension headers and fragments, ICMP,
 * non-IP, truncated), built into real bytes and parsed as the rx lcore does.
 * Every (packet, job) pair must match exactly when filter_matches() says so,
 * and each job must see its packets in burst order.  The tables cover the
 * three modes (linear, hashed, rte_acl) and the thresholds between them,
 * IPv4-only and IPv6-only tables, filters without addresses (which sit in
 * both families' contexts), and ports of 0 (packets without ports have 0 in
 * their keys).  Runs under EAL without hugepages, because rte_acl allocates
 * from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>

#include "classifier.h"
#include "filter_match.h"

/* Deterministic pseudo-random numbers (xorshift64*), seeded per test. */
static uint64_t rng_state;

/* Returns a pseudo-random number below `n`. */
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

/* Small value pools, so that random filters and packets collide often. */
static const char *const v4_addrs[] = {"10.0.0.1", "10.0.0.2", "10.0.1.1", "10.1.0.1",
                                       "192.168.1.1"};
static const uint8_t v4_lens[] = {0, 8, 16, 24, 31, 32};
static const char *const v6_addrs[] = {"2001:db8::1", "2001:db8::2", "2001:db8:1::1", "2001:db9::1",
                                       "fe80::1"};
static const uint8_t v6_lens[] = {0, 16, 32, 48, 64, 127, 128};
static const uint16_t ports[] = {53, 80, 443, 1234, 0};
static const uint8_t protos[] = {6, 17, 1, 58, 132};

/* A random prefix of `family`. */
static struct pcapd_prefix random_prefix(int family)
{
    struct pcapd_prefix p;
    char text[64];
    if (family == 4)
        snprintf(text, sizeof(text), "%s/%u", v4_addrs[rnd(5)], v4_lens[rnd(6)]);
    else
        snprintf(text, sizeof(text), "%s/%u", v6_addrs[rnd(5)], v6_lens[rnd(7)]);
    assert_int_equal(pcapd_prefix_parse(text, &p), 0);
    return p;
}

/* A random address of `family` as a prefix of `len` bits. */
static struct pcapd_prefix random_prefix_len(int family, unsigned len)
{
    struct pcapd_prefix p;
    char text[64];
    snprintf(text, sizeof(text), "%s/%u", family == 4 ? v4_addrs[rnd(5)] : v6_addrs[rnd(5)], len);
    assert_int_equal(pcapd_prefix_parse(text, &p), 0);
    return p;
}

/* A filter of the signature of `t` (same fields, families and prefix
 * lengths) with random values. */
static struct pcapd_filter random_like(const struct pcapd_filter *t)
{
    struct pcapd_filter f = *t;
    if (f.fields & PCAPD_FILTER_SRC_ADDR)
        f.src = random_prefix_len(f.src.family, f.src.len);
    if (f.fields & PCAPD_FILTER_DST_ADDR)
        f.dst = random_prefix_len(f.dst.family, f.dst.len);
    if (f.fields & PCAPD_FILTER_SRC_PORT)
        f.src_port = ports[rnd(5)];
    if (f.fields & PCAPD_FILTER_DST_PORT)
        f.dst_port = ports[rnd(5)];
    if (f.fields & PCAPD_FILTER_PROTOCOL)
        f.protocol = protos[rnd(5)];
    return f;
}

/* A random filter; each field present with probability 2/5. */
static struct pcapd_filter random_filter(void)
{
    struct pcapd_filter f;
    memset(&f, 0, sizeof(f));
    int family = rnd(2) ? 4 : 6;
    if (rnd(5) < 2) {
        f.fields |= PCAPD_FILTER_SRC_ADDR;
        f.src = random_prefix(family);
    }
    if (rnd(5) < 2) {
        f.fields |= PCAPD_FILTER_DST_ADDR;
        f.dst = random_prefix(rnd(8) ? family : 10 - family);
    }
    if (rnd(5) < 2) {
        f.fields |= PCAPD_FILTER_SRC_PORT;
        f.src_port = ports[rnd(5)];
    }
    if (rnd(5) < 2) {
        f.fields |= PCAPD_FILTER_DST_PORT;
        f.dst_port = ports[rnd(5)];
    }
    if (rnd(5) < 2) {
        f.fields |= PCAPD_FILTER_PROTOCOL;
        f.protocol = protos[rnd(5)];
    }
    return f;
}

/* Builds a random Ethernet frame into `buf`; returns its length. */
static uint32_t random_frame(uint8_t *buf)
{
    memset(buf, 0, 256);
    uint32_t off = 12;
    for (uint32_t tags = rnd(3) == 0 ? rnd(3) : 0; tags > 0; tags--) {
        buf[off] = 0x81;
        off += 4;
    }
    int kind = (int)rnd(10);
    if (kind == 0) {
        buf[off] = 0x08, buf[off + 1] = 0x06; /* ARP */
        return off + 30;
    }
    uint8_t proto = protos[rnd(5)];
    struct pcapd_prefix s, d;
    uint32_t l4;
    if (kind < 6) {
        buf[off] = 0x08, buf[off + 1] = 0x00;
        uint8_t *ip = buf + off + 2;
        uint32_t ihl = rnd(4) == 0 ? 24 : 20;
        ip[0] = (uint8_t)(0x40 | ihl / 4);
        ip[9] = proto;
        if (rnd(6) == 0)
            ip[7] = 8; /* A later fragment: no ports. */
        s = random_prefix(4), d = random_prefix(4);
        memcpy(ip + 12, s.addr, 4);
        memcpy(ip + 16, d.addr, 4);
        ip[15] = (uint8_t)rnd(4); /* Vary the host bits. */
        l4 = off + 2 + ihl;
    } else {
        buf[off] = 0x86, buf[off + 1] = 0xdd;
        uint8_t *ip = buf + off + 2;
        ip[0] = 0x60;
        s = random_prefix(6), d = random_prefix(6);
        memcpy(ip + 8, s.addr, 16);
        memcpy(ip + 24, d.addr, 16);
        ip[39] = (uint8_t)rnd(4);
        l4 = off + 2 + 40;
        if (rnd(3) == 0) { /* A fragment header, first or later fragment. */
            ip[6] = 44;
            buf[l4] = proto;
            buf[l4 + 3] = rnd(2) ? 8 : 0;
            l4 += 8;
        } else {
            ip[6] = proto;
        }
    }
    uint16_t sp = ports[rnd(5)], dp = ports[rnd(5)];
    buf[l4] = (uint8_t)(sp >> 8), buf[l4 + 1] = (uint8_t)sp;
    buf[l4 + 2] = (uint8_t)(dp >> 8), buf[l4 + 3] = (uint8_t)dp;
    uint32_t len = l4 + 20;
    return rnd(12) == 0 ? rnd(len) : len; /* Sometimes truncated. */
}

/* Builds into `buf` a frame that cannot hold IP: an ARP or LLDP frame,
 * an 802.3 frame (a length where the EtherType would be), or one shorter
 * than an Ethernet header.  Returns its length. */
static uint32_t non_ip_frame(uint8_t *buf)
{
    static const uint16_t types[] = {0x0806, 0x88cc, 0x0040, 0x0000, 0x0801, 0x86de};
    memset(buf, 0, 256);
    if (rnd(8) == 0)
        return rnd(14);
    uint16_t type = types[rnd(sizeof(types) / sizeof(types[0]))];
    buf[12] = (uint8_t)(type >> 8), buf[13] = (uint8_t)type;
    buf[14] = 0x45; /* What an IPv4 header would start with. */
    return 60;
}

/* Collects the emitted matches of one burst as a bitmap per packet. */
struct collect {
    uint8_t hit[CLASSIFIER_BURST][16384 / 8];
    /* Per job slot: 1 + the last packet reported, or 0. */
    uint8_t next[16384];
    unsigned emitted;
};

/* classifier_match_burst() callback: records (packet, slot). */
static void collect_emit(void *arg, unsigned i, const struct classifier_job *job)
{
    struct collect *c = arg;
    assert_true(i < CLASSIFIER_BURST && job->slot < 16384);
    /* A job is reported at most once per packet. */
    assert_false(c->hit[i][job->slot / 8] & (1u << (job->slot % 8)));
    c->hit[i][job->slot / 8] |= (uint8_t)(1u << (job->slot % 8));
    /* A job sees its packets in burst order. */
    assert_true(i + 1 > c->next[job->slot]);
    c->next[job->slot] = (uint8_t)(i + 1);
    c->emitted++;
}

/* Rules of the random tables: a whole random filter each, or one of the
 * signatures of `templates[0 .. n_templates)` with random values. */
struct rule_gen {
    const struct pcapd_filter *templates;
    uint32_t n_templates;
};

/* Builds a table of `n` rules drawn as `gen` says (some duplicated; every
 * template is used when n is at least their number) and checks `bursts`
 * random bursts against the brute-force matcher.  The table must be in mode
 * `mode`, or any mode past the linear one when `mode` is -1, with at least
 * `min_ctx` rte_acl contexts.  Returns how many (packet, job) matches there
 * were. */
static unsigned check_gen(uint32_t n, unsigned bursts, uint64_t seed, const struct rule_gen *gen,
                          int mode, uint32_t min_ctx)
{
    rng_state = seed;
    struct classifier_rule *rules = calloc(n, sizeof(*rules));
    assert_non_null(rules);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t n_templates = gen != NULL ? gen->n_templates : 0;
        if (i < n_templates)
            rules[i].filter = random_like(&gen->templates[i]);
        else if (i > 0 && rnd(5) == 0)
            rules[i].filter = rules[rnd(i)].filter;
        else if (n_templates > 0)
            rules[i].filter = random_like(&gen->templates[rnd(gen->n_templates)]);
        else
            rules[i].filter = random_filter();
        rules[i].slot = i;
        rules[i].gen = i + 1;
        rules[i].sample_rate = 1;
        rules[i].packet_limit = 1;
        rules[i].snaplen = 160;
    }
    struct classifier *c = classifier_build(rules, n);
    assert_non_null(c);
    assert_int_equal(c->n_rules, n);
    if (c->n_classes <= CLASSIFIER_LINEAR_MAX)
        assert_int_equal(c->mode, CLASSIFIER_LINEAR);
    else if (mode >= 0)
        assert_int_equal(c->mode, mode);
    else
        assert_int_not_equal(c->mode, CLASSIFIER_LINEAR);
    assert_true(c->mode == CLASSIFIER_ACL ? c->n_ctx > 0 : c->n_ctx == 0);
    assert_true(c->n_ctx >= min_ctx);
    static struct classifier_burst b;
    static struct collect got;
    static uint8_t frames[CLASSIFIER_BURST][256];
    unsigned expected_total = 0, got_total = 0;
    for (unsigned k = 0; k < bursts; k++) {
        classifier_burst_reset(&b);
        memset(&got, 0, sizeof(got));
        unsigned n_pkts = 1 + rnd(CLASSIFIER_BURST);
        uint32_t lens[CLASSIFIER_BURST];
        const uint8_t *fp[CLASSIFIER_BURST];
        /* Some bursts start with a run of frames that cannot hold IP (all
         * of the burst, at times), which the parse of a whole burst scans
         * past; half the bursts are parsed whole, as the rx lcore does,
         * the others a frame at a time. */
        unsigned not_ip = rnd(4) == 0 ? 1 + rnd(n_pkts) : 0;
        for (unsigned i = 0; i < n_pkts; i++) {
            lens[i] = i < not_ip ? non_ip_frame(frames[i]) : random_frame(frames[i]);
            fp[i] = frames[i];
            if (k % 2 == 0)
                classifier_burst_add(&b, frames[i], lens[i]);
        }
        if (k % 2 == 1)
            classifier_burst_parse(&b, fp, lens, n_pkts);
        assert_int_equal(b.n, n_pkts);
        classifier_match_burst(c, &b, collect_emit, &got);
        got_total += got.emitted;
        for (unsigned i = 0; i < n_pkts; i++) {
            /* The reference: the out-of-line parser on a zeroed result, so
             * that the classifier cannot lean on bytes the fast path's
             * parse left from an earlier burst. */
            struct pkt_meta ref;
            enum pkt_parse_status status = pkt_parse_ethernet(frames[i], lens[i], &ref);
            for (uint32_t r = 0; r < n; r++) {
                bool want = filter_matches(&rules[r].filter, status, &ref);
                bool have = got.hit[i][r / 8] & (1u << (r % 8));
                expected_total += want;
                if (want != have) {
                    const struct pcapd_filter *f = &rules[r].filter;
                    const struct pkt_meta *m = &ref;
                    char fs[64], fd[64];
                    print_message("filter fields=%x src=%s dst=%s sp=%u dp=%u proto=%u\n",
                                  f->fields, pcapd_prefix_format(&f->src, fs, 64),
                                  pcapd_prefix_format(&f->dst, fd, 64), f->src_port, f->dst_port,
                                  f->protocol);
                    print_message("packet status=%d fam=%u proto=%u ports=%u %u-%u frag=%u "
                                  "src=%02x%02x%02x%02x dst=%02x%02x%02x%02x\n",
                                  status, m->family, m->proto, m->has_ports, m->sport, m->dport,
                                  m->later_fragment, m->src[0], m->src[1], m->src[2], m->src[3],
                                  m->dst[0], m->dst[1], m->dst[2], m->dst[3]);
                }
                if (want != have)
                    fail_msg("n=%u seed=%lu burst %u packet %u rule %u: want %d got %d", n,
                             (unsigned long)seed, k, i, r, want, have);
            }
        }
    }
    assert_int_equal(got_total, expected_total);
    classifier_free(c);
    free(rules);
    return expected_total;
}

/* check_gen() with whole random filters. */
static unsigned check_random(uint32_t n, unsigned bursts, uint64_t seed)
{
    return check_gen(n, bursts, seed, NULL, -1, 0);
}

/* One rule: the linear path. */
static void test_one_rule(void **state)
{
    (void)state;
    unsigned matches = 0;
    for (uint64_t seed = 1; seed <= 40; seed++)
        matches += check_random(1, 20, seed);
    /* The test must exercise matches, not only misses. */
    assert_true(matches > 0);
}

/* A few rules, around the linear/rte_acl threshold. */
static void test_few_rules(void **state)
{
    (void)state;
    unsigned matches = 0;
    for (uint32_t n = 2; n <= 12; n++)
        matches += check_random(n, 40, 100 + n);
    assert_true(matches > 0);
}

/* Hundreds of rules: many signatures, several rte_acl contexts. */
static void test_hundreds_of_rules(void **state)
{
    (void)state;
    assert_true(check_random(300, 500, 7) > 0);
    assert_true(check_random(700, 100, 8) > 0);
}

/* Thousands of rules, as a busy appliance has. */
static void test_thousands_of_rules(void **state)
{
    (void)state;
    assert_true(check_random(5000, 200, 9) > 0);
    assert_true(check_random(10000, 50, 10) > 0);
}

/* Overlapping filters of different signatures all report the packet:
 * protocol 6, destination port 443, a source prefix, and the empty filter,
 * plus a second job with an identical filter. */
static void test_overlaps_all_reported(void **state)
{
    (void)state;
    struct classifier_rule rules[8];
    memset(rules, 0, sizeof(rules));
    for (uint32_t i = 0; i < 8; i++) {
        rules[i].slot = i;
        rules[i].sample_rate = rules[i].packet_limit = 1;
        rules[i].snaplen = 160;
    }
    rules[0].filter.fields = PCAPD_FILTER_PROTOCOL, rules[0].filter.protocol = 6;
    rules[1].filter.fields = PCAPD_FILTER_DST_PORT, rules[1].filter.dst_port = 443;
    rules[2].filter.fields = PCAPD_FILTER_SRC_ADDR;
    assert_int_equal(pcapd_prefix_parse("10.0.0.0/8", &rules[2].filter.src), 0);
    rules[3].filter.fields = 0;
    rules[4].filter = rules[0].filter; /* Identical to job 0. */
    rules[5].filter.fields = PCAPD_FILTER_PROTOCOL, rules[5].filter.protocol = 17;
    rules[6].filter.fields = PCAPD_FILTER_DST_PORT, rules[6].filter.dst_port = 80;
    rules[7].filter.fields = PCAPD_FILTER_SRC_ADDR;
    assert_int_equal(pcapd_prefix_parse("2001:db8::/32", &rules[7].filter.src), 0);
    struct classifier *c = classifier_build(rules, 8);
    assert_non_null(c);
    /* 7 classes of 4 signatures per family: hashed. */
    assert_int_equal(c->mode, CLASSIFIER_HASHED);

    /* IPv4 TCP 10.0.0.1:1234 -> 10.0.0.2:443. */
    uint8_t f[54] = {0};
    f[12] = 0x08, f[14] = 0x45, f[23] = 6, f[26] = 10, f[29] = 1, f[30] = 10, f[33] = 2;
    f[34] = 0x04, f[35] = 0xd2, f[36] = 0x01, f[37] = 0xbb;
    static struct classifier_burst b;
    static struct collect got;
    classifier_burst_reset(&b);
    memset(&got, 0, sizeof(got));
    classifier_burst_add(&b, f, sizeof(f));
    classifier_match_burst(c, &b, collect_emit, &got);
    assert_int_equal(got.emitted, 5);
    assert_int_equal(got.hit[0][0], 0x1f); /* Jobs 0-4. */
    classifier_free(c);
}

/* Fills `t` with the 7 signatures without addresses (every non-empty
 * combination of source port, destination port and protocol); returns 7. */
static uint32_t templates_addressless(struct pcapd_filter *t)
{
    for (uint32_t bits = 1; bits < 8; bits++) {
        memset(&t[bits - 1], 0, sizeof(t[0]));
        t[bits - 1].fields = (bits & 1 ? PCAPD_FILTER_SRC_PORT : 0u) |
                             (bits & 2 ? PCAPD_FILTER_DST_PORT : 0u) |
                             (bits & 4 ? PCAPD_FILTER_PROTOCOL : 0u);
    }
    return 7;
}

/* Fills `t` with signatures of one address of `family` (4 or 6): a source
 * or a destination prefix of each length of the pools, every other one with
 * a protocol or a destination port too; returns how many (12 for IPv4, 14
 * for IPv6). */
static uint32_t templates_addressed(struct pcapd_filter *t, int family)
{
    const uint8_t *lens = family == 4 ? v4_lens : v6_lens;
    uint32_t n_lens = family == 4 ? sizeof(v4_lens) : sizeof(v6_lens), n = 0;
    for (uint32_t l = 0; l < n_lens; l++) {
        for (int dst = 0; dst < 2; dst++, n++) {
            memset(&t[n], 0, sizeof(t[0]));
            t[n].fields = dst ? PCAPD_FILTER_DST_ADDR : PCAPD_FILTER_SRC_ADDR;
            if (dst)
                t[n].dst = random_prefix_len(family, lens[l]);
            else
                t[n].src = random_prefix_len(family, lens[l]);
            if (l % 2 == 1)
                t[n].fields |= dst ? PCAPD_FILTER_PROTOCOL : PCAPD_FILTER_DST_PORT;
        }
    }
    return n;
}

/* Tables around the hashed/rte_acl threshold (CLASSIFIER_HASH_SIGS
 * signatures per family, those without addresses counting in both):
 * IPv4-only, IPv6-only, address-less only, mixed, and rte_acl tables whose
 * families have more than one context's worth of signatures. */
static void test_modes_at_thresholds(void **state)
{
    (void)state;
    static const struct {
        uint32_t none, v4, v6;
        int mode;
        uint32_t min_ctx;
    } cases[] = {
        {0, 1, 0, CLASSIFIER_HASHED, 0},
        {0, CLASSIFIER_HASH_SIGS, 0, CLASSIFIER_HASHED, 0},
        {0, CLASSIFIER_HASH_SIGS + 1, 0, CLASSIFIER_ACL, 2},
        {0, 0, CLASSIFIER_HASH_SIGS, CLASSIFIER_HASHED, 0},
        {0, 0, CLASSIFIER_HASH_SIGS + 1, CLASSIFIER_ACL, 2},
        {7, 0, 0, CLASSIFIER_HASHED, 0},
        {3, CLASSIFIER_HASH_SIGS - 3, CLASSIFIER_HASH_SIGS - 3, CLASSIFIER_HASHED, 0},
        {4, CLASSIFIER_HASH_SIGS - 3, CLASSIFIER_HASH_SIGS - 3, CLASSIFIER_ACL, 2},
        {3, CLASSIFIER_HASH_SIGS - 2, CLASSIFIER_HASH_SIGS - 3, CLASSIFIER_ACL, 2},
        {7, 2, 0, CLASSIFIER_ACL, 2},
        {7, 12, 14, CLASSIFIER_ACL, 4},
        {7, 12, 0, CLASSIFIER_ACL, 4},
    };
    struct pcapd_filter none[7], v4[12], v6[14], t[40];
    rng_state = 42;
    templates_addressless(none);
    templates_addressed(v4, 4);
    templates_addressed(v6, 6);
    unsigned matches = 0;
    for (uint32_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < cases[k].none; i++)
            t[n++] = none[i];
        for (uint32_t i = 0; i < cases[k].v4; i++)
            t[n++] = v4[i];
        for (uint32_t i = 0; i < cases[k].v6; i++)
            t[n++] = v6[i];
        struct rule_gen gen = {.templates = t, .n_templates = n};
        matches += check_gen(60, 100, 1000 + k, &gen, cases[k].mode, cases[k].min_ctx);
        matches += check_gen(600, 60, 2000 + k, &gen, cases[k].mode, cases[k].min_ctx);
    }
    assert_true(matches > 0);
}

/* Random tables of many signatures take several rte_acl rounds. */
static void test_acl_rounds(void **state)
{
    (void)state;
    assert_true(check_gen(700, 100, 11, NULL, CLASSIFIER_ACL, 4) > 0);
}

/* A TCP packet to port 443 of `family` (4 or 6) into `f`; returns its
 * length. */
static uint32_t tcp443_frame(uint8_t *f, int family)
{
    memset(f, 0, 80);
    uint32_t l4;
    if (family == 4) {
        f[12] = 0x08, f[14] = 0x45, f[23] = 6, f[26] = 10, f[29] = 1, f[30] = 10, f[33] = 2;
        l4 = 34;
    } else {
        f[12] = 0x86, f[13] = 0xdd, f[14] = 0x60, f[20] = 6;
        f[22] = 0x20, f[23] = 0x01, f[24] = 0x0d, f[25] = 0xb8, f[37] = 1;
        l4 = 54;
    }
    f[l4] = 0x04, f[l4 + 1] = 0xd2, f[l4 + 2] = 0x01, f[l4 + 3] = 0xbb;
    return l4 + 20;
}

/* Filters without addresses match packets of both families, in hashed and
 * in rte_acl tables, next to filters of one family. */
static void test_addressless_both_families(void **state)
{
    (void)state;
    for (int acl = 0; acl < 2; acl++) {
        struct classifier_rule rules[16];
        memset(rules, 0, sizeof(rules));
        uint32_t n = acl ? 16 : 6;
        for (uint32_t i = 0; i < n; i++) {
            rules[i].slot = i;
            rules[i].sample_rate = rules[i].packet_limit = 1;
            rules[i].snaplen = 160;
            /* Fillers: IPv4 destinations of distinct lengths, none of
             * which the packets have. */
            rules[i].filter.fields = PCAPD_FILTER_DST_ADDR;
            assert_int_equal(pcapd_prefix_parse("192.168.1.1", &rules[i].filter.dst), 0);
            rules[i].filter.dst.len = (uint8_t)(32 - i);
        }
        rules[0].filter.fields = PCAPD_FILTER_PROTOCOL, rules[0].filter.protocol = 6;
        rules[1].filter.fields = PCAPD_FILTER_DST_PORT, rules[1].filter.dst_port = 443;
        rules[2].filter.fields = PCAPD_FILTER_SRC_ADDR;
        assert_int_equal(pcapd_prefix_parse("10.0.0.0/8", &rules[2].filter.src), 0);
        rules[3].filter.fields = PCAPD_FILTER_SRC_ADDR;
        assert_int_equal(pcapd_prefix_parse("2001:db8::/32", &rules[3].filter.src), 0);
        struct classifier *c = classifier_build(rules, n);
        assert_non_null(c);
        assert_int_equal(c->mode, acl ? CLASSIFIER_ACL : CLASSIFIER_HASHED);
        static struct classifier_burst b;
        static struct collect got;
        static uint8_t f[2][80];
        classifier_burst_reset(&b);
        memset(&got, 0, sizeof(got));
        classifier_burst_add(&b, f[0], tcp443_frame(f[0], 4));
        classifier_burst_add(&b, f[1], tcp443_frame(f[1], 6));
        classifier_match_burst(c, &b, collect_emit, &got);
        assert_int_equal(got.emitted, 6);
        assert_int_equal(got.hit[0][0], 0x07); /* IPv4: jobs 0, 1, 2. */
        assert_int_equal(got.hit[1][0], 0x0b); /* IPv6: jobs 0, 1, 3. */
        classifier_free(c);
    }
}

/* An empty table matches nothing; one of CLASSIFIER_MAX_RULES rules is not
 * built. */
static void test_empty_table(void **state)
{
    (void)state;
    struct classifier *c = classifier_build(NULL, 0);
    assert_non_null(c);
    static struct classifier_burst b;
    static struct collect got;
    uint8_t f[60] = {0};
    classifier_burst_reset(&b);
    memset(&got, 0, sizeof(got));
    classifier_burst_add(&b, f, sizeof(f));
    classifier_match_burst(c, &b, collect_emit, &got);
    assert_int_equal(got.emitted, 0);
    classifier_free(c);
    /* Too many rules for a match to hold a class index: refused. */
    assert_null(classifier_build(NULL, CLASSIFIER_MAX_RULES));
}

int main(void)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=pcapd-cls-%d", (int)getpid());
    char *argv[] = {"test_classifier",
                    "--no-huge",
                    "-m",
                    "512",
                    "--no-pci",
                    "--no-shconf",
                    "--lcores=0",
                    "--log-level=lib.eal:error",
                    prefix,
                    NULL};
    if (rte_eal_init(9, argv) < 0) {
        fprintf(stderr, "EAL initialisation failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_rule),
        cmocka_unit_test(test_few_rules),
        cmocka_unit_test(test_hundreds_of_rules),
        cmocka_unit_test(test_thousands_of_rules),
        cmocka_unit_test(test_overlaps_all_reported),
        cmocka_unit_test(test_modes_at_thresholds),
        cmocka_unit_test(test_acl_rounds),
        cmocka_unit_test(test_addressless_both_families),
        cmocka_unit_test(test_empty_table),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rte_eal_cleanup();
    return rc;
}
