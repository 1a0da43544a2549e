/*
 * pcapd-sig-hash-bench: the classifier's hashed mode (one open-addressing
 * table per filter signature, dataplane/classifier.c) beside DPDK's rte_hash
 * doing the same lookups, on the packets of the traffic mix.
 *
 * For N = 100, 1000 and 10000 filter classes of the five shapes
 * pcapd-dataplane-bench starts jobs with, it builds
 *   (a) the real table with classifier_build() (hashed mode), and
 *   (b) one rte_hash per signature (key_len = the words the signature
 *       compares * 8, rte_hash_crc, 2x its classes as entries) mapping each
 *       class's masked key to its first job's index in (a), as a match
 *       names it,
 * checks that both find the same (packet, class) pairs on every burst of 32
 * packets, then times, alternating, 5 runs of each over the same bursts in
 * the same order: (a) classifier_find(), which hashes each IP packet's key
 * where the parser left it, once per signature of its family, and probes
 * those past the signature's common bits; (b) building the
 * same keys, masking them per signature, and one
 * rte_hash_lookup_bulk_data() per signature over the burst's keys of that
 * family.  As on an rx lcore, each burst is first parsed into one scratch
 * struct classifier_burst with classifier_burst_add() (pkt_parse_frame()),
 * and that is in both times; a third loop times the parsing alone, so that
 * what the lookups cost apart from it can be told too.
 *
 * Usage: pcapd-sig-hash-bench [MIX.pcap] [PASSES]
 * (defaults /tmp/pcapd-bench-mix.pcap, made by tools/gen-traffic.py, and 100
 * passes over its packets per run).  Output: one JSON line per N.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>

#include "classifier.h"
#include "pcapd/filter.h"

/* Runs of each side; the medians are reported. */
#define RUNS 5
/* Most signatures the bench handles (it makes five). */
#define MAX_SIGS 16

/* One signature as side (b) sees it: its mask and its rte_hash. */
struct bench_sig {
    /* What of a packet's key the signature compares. */
    struct classifier_hkey mask;
    /* Words it compares: 1, 2 or 5 (classifier_sig_mask()). */
    uint32_t words;
    /* The signature's classes: masked key -> first job index. */
    struct rte_hash *h;
};

/* Side (b)'s table: the signatures, and those of each family. */
struct bench_table {
    /* Signatures. */
    uint32_t n_sigs;
    struct bench_sig sigs[MAX_SIGS];
    /* Indexes into sigs of each family's signatures. */
    uint32_t n_family[CLASSIFIER_FAMILIES];
    uint32_t family[CLASSIFIER_FAMILIES][MAX_SIGS];
};

/* Returns monotonic time in nanoseconds. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Prints `msg` and exits with status 1. */
static void die(const char *msg)
{
    fprintf(stderr, "pcapd-sig-hash-bench: %s\n", msg);
    exit(1);
}

/* Fills `k` with filter `f`'s key, masked by signature `s`. */
static void class_key(const struct bench_sig *s, const struct pcapd_filter *f, unsigned fam,
                      struct classifier_hkey *k)
{
    bool ports = f->fields & (PCAPD_FILTER_SRC_PORT | PCAPD_FILTER_DST_PORT);
    classifier_hkey_fill(k, fam == CLASSIFIER_V6 ? CLASSIFIER_V6 : CLASSIFIER_V4, f->protocol,
                         ports ? CLASSIFIER_META_PORTS : 0, f->src_port, f->dst_port, f->src.addr,
                         f->dst.addr);
    for (unsigned w = 0; w < CLASSIFIER_HKEY_WORDS; w++)
        k->w[w] &= s->mask.w[w];
}

/* Builds side (b) from the classes of table `c` (sorted by signature, so
 * each signature is a run of classes): a mask and an rte_hash per
 * signature.  `tag` makes the rte_hash names unique. */
static void bench_table_build(const struct classifier *c, struct bench_table *t, unsigned tag)
{
    memset(t, 0, sizeof(*t));
    for (uint32_t first = 0, last; first < c->n_classes; first = last) {
        const struct pcapd_filter *f = &c->classes[first].filter;
        for (last = first + 1;
             last < c->n_classes && classifier_same_signature(f, &c->classes[last].filter);)
            last++;
        if (t->n_sigs == MAX_SIGS)
            die("too many signatures");
        struct bench_sig *s = &t->sigs[t->n_sigs];
        unsigned fam = classifier_filter_family(f);
        s->words = classifier_sig_mask(f, fam, &s->mask);
        char name[RTE_HASH_NAMESIZE];
        snprintf(name, sizeof(name), "shb%u_%u", tag, t->n_sigs);
        struct rte_hash_parameters hp = {.name = name,
                                         .entries = RTE_MAX(2 * (last - first), 8u),
                                         .key_len = s->words * 8,
                                         .hash_func = rte_hash_crc,
                                         .hash_func_init_val = 0,
                                         .socket_id = SOCKET_ID_ANY};
        s->h = rte_hash_create(&hp);
        if (s->h == NULL)
            die("rte_hash_create failed");
        for (uint32_t k = first; k < last; k++) {
            struct classifier_hkey key;
            class_key(s, &c->classes[k].filter, fam, &key);
            if (rte_hash_add_key_data(s->h, &key, (void *)(uintptr_t)c->classes[k].first) != 0)
                die("rte_hash_add_key_data failed");
        }
        /* The address-less signatures are in both families. */
        for (unsigned g = 0; g < CLASSIFIER_FAMILIES; g++) {
            if (fam == g || fam == CLASSIFIER_FAMILIES)
                t->family[g][t->n_family[g]++] = t->n_sigs;
        }
        t->n_sigs++;
    }
}

/* Frees side (b)'s hash tables. */
static void bench_table_free(struct bench_table *t)
{
    for (uint32_t s = 0; s < t->n_sigs; s++)
        rte_hash_free(t->sigs[s].h);
}

/* Side (b) on burst `b`: builds each IP packet's key, masks it per
 * signature of its family, and looks the keys of each signature up in one
 * rte_hash_lookup_bulk_data() call.  Writes the matches into `match` (class
 * index << CLASSIFIER_MATCH_SHIFT | packet index, by signature then burst
 * order) and returns how many. */
static unsigned bench_find(const struct bench_table *t, const struct classifier_burst *b,
                           uint32_t *match)
{
    struct classifier_hkey key[CLASSIFIER_BURST], masked[MAX_SIGS][CLASSIFIER_BURST];
    const void *keyp[MAX_SIGS][CLASSIFIER_BURST];
    uint8_t pkt[MAX_SIGS][CLASSIFIER_BURST];
    unsigned n_keys[MAX_SIGS] = {0};
    for (unsigned j = 0; j < b->n_ip; j++) {
        const struct pkt_meta *m = &b->meta[b->ip_index[j]];
        unsigned f = m->family == PCAPD_FAMILY_IPV6 ? CLASSIFIER_V6 : CLASSIFIER_V4;
        if (m->has_ports)
            classifier_hkey_fill(&key[j], f, m->proto, CLASSIFIER_META_PORTS, m->sport, m->dport,
                                 m->src, m->dst);
        else
            classifier_hkey_fill(&key[j], f, m->proto, 0, 0, 0, m->src, m->dst);
        for (uint32_t x = 0; x < t->n_family[f]; x++) {
            uint32_t s = t->family[f][x];
            const struct bench_sig *sig = &t->sigs[s];
            unsigned n = n_keys[s]++;
            for (uint32_t w = 0; w < sig->words; w++)
                masked[s][n].w[w] = key[j].w[w] & sig->mask.w[w];
            keyp[s][n] = &masked[s][n];
            pkt[s][n] = b->ip_index[j];
        }
    }
    unsigned n = 0;
    for (uint32_t s = 0; s < t->n_sigs; s++) {
        if (n_keys[s] == 0)
            continue;
        uint64_t hits = 0;
        void *data[CLASSIFIER_BURST];
        rte_hash_lookup_bulk_data(t->sigs[s].h, keyp[s], n_keys[s], &hits, data);
        while (hits != 0) {
            unsigned k = (unsigned)__builtin_ctzll(hits);
            hits &= hits - 1;
            match[n++] = (uint32_t)(uintptr_t)data[k] << CLASSIFIER_MATCH_SHIFT | pkt[s][k];
        }
    }
    return n;
}

/* qsort() comparator of matches. */
static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* The parsed packets of the mix: pkts[i] and len[i], `n` of them. */
struct mix {
    /* Frame bytes and lengths. */
    uint8_t **pkts;
    uint32_t *len;
    uint32_t n;
    /* The parse of each frame. */
    struct pkt_meta *meta;
    enum pkt_parse_status *status;
};

/* Reads every frame of the pcap at `path` into `mx` and parses it. */
static void mix_read(const char *path, struct mix *mx)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (p == NULL)
        die(err);
    struct pcap_pkthdr *h;
    const u_char *data;
    uint32_t cap = 0;
    memset(mx, 0, sizeof(*mx));
    while (pcap_next_ex(p, &h, &data) == 1) {
        if (mx->n == cap) {
            cap = cap ? 2 * cap : 4096;
            mx->pkts = realloc(mx->pkts, cap * sizeof(*mx->pkts));
            mx->len = realloc(mx->len, cap * sizeof(*mx->len));
            mx->meta = realloc(mx->meta, cap * sizeof(*mx->meta));
            mx->status = realloc(mx->status, cap * sizeof(*mx->status));
            if (!mx->pkts || !mx->len || !mx->meta || !mx->status)
                die("out of memory");
        }
        mx->pkts[mx->n] = malloc(h->caplen);
        if (mx->pkts[mx->n] == NULL)
            die("out of memory");
        memcpy(mx->pkts[mx->n], data, h->caplen);
        mx->len[mx->n] = h->caplen;
        mx->status[mx->n] = pkt_parse_ethernet(data, h->caplen, &mx->meta[mx->n]);
        mx->n++;
    }
    pcap_close(p);
    if (mx->n < CLASSIFIER_BURST)
        die("too few packets in the mix");
}

/* Returns the next number of a xorshift64 generator at `s`. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Sets `p` to the first `len` bits of the address `addr` of `family`. */
static void prefix_set(struct pcapd_prefix *p, uint8_t family, const uint8_t *addr, unsigned len)
{
    uint8_t mask[16];
    memset(p, 0, sizeof(*p));
    p->family = family;
    p->len = (uint8_t)len;
    classifier_prefix_mask(len, mask);
    for (unsigned i = 0; i < 16; i++)
        p->addr[i] = addr[i] & mask[i];
}

/* Makes a filter of shape `shape` (the five of pcapd-dataplane-bench's
 * job_filter(): proto+dst port; IPv4 src /24; IPv4 dst + UDP; IPv6 src /48;
 * IPv4 src + dst port 443 + TCP) from the fields of packet `m`, or from
 * random values when `m` is NULL.  Returns false when `m` cannot give that
 * shape (wrong family, no ports). */
static bool filter_of(unsigned shape, const struct pkt_meta *m, uint64_t *seed,
                      struct pcapd_filter *f)
{
    uint8_t a[16] = {0};
    uint64_t r = rnd(seed);
    memset(f, 0, sizeof(*f));
    switch (shape) {
    case 0:
        if (m != NULL && !m->has_ports)
            return false;
        f->fields = PCAPD_FILTER_PROTOCOL | PCAPD_FILTER_DST_PORT;
        f->protocol = m ? m->proto : (r & 1 ? 6 : 17);
        f->dst_port = m ? m->dport : (uint16_t)(r >> 8);
        return true;
    case 1:
    case 2:
    case 4:
        if (m != NULL && m->family != PCAPD_FAMILY_IPV4)
            return false;
        if (m == NULL) { /* 10.0.0.0/8 for sources, 198.18.0.0/15 for UDP destinations. */
            a[0] = shape == 2 ? 198 : 10;
            a[1] = shape == 2 ? (uint8_t)(18 + (r & 1)) : (uint8_t)(r >> 8);
            a[2] = (uint8_t)(r >> 16);
            a[3] = (uint8_t)(r >> 24);
        }
        if (shape == 1) {
            f->fields = PCAPD_FILTER_SRC_ADDR;
            prefix_set(&f->src, PCAPD_FAMILY_IPV4, m ? m->src : a, 24);
        } else if (shape == 2) {
            if (m != NULL && m->proto != 17)
                return false;
            f->fields = PCAPD_FILTER_DST_ADDR | PCAPD_FILTER_PROTOCOL;
            prefix_set(&f->dst, PCAPD_FAMILY_IPV4, m ? m->dst : a, 32);
            f->protocol = 17;
        } else {
            if (m != NULL && (m->proto != 6 || !m->has_ports || m->dport != 443))
                return false;
            f->fields = PCAPD_FILTER_SRC_ADDR | PCAPD_FILTER_DST_PORT | PCAPD_FILTER_PROTOCOL;
            prefix_set(&f->src, PCAPD_FAMILY_IPV4, m ? m->src : a, 32);
            f->dst_port = 443;
            f->protocol = 6;
        }
        return true;
    default:
        if (m != NULL && m->family != PCAPD_FAMILY_IPV6)
            return false;
        if (m == NULL) { /* 2001:db8::/32, as the mix's sources. */
            a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
            a[4] = (uint8_t)(r >> 8), a[5] = (uint8_t)(r >> 16);
        }
        f->fields = PCAPD_FILTER_SRC_ADDR;
        prefix_set(&f->src, PCAPD_FAMILY_IPV6, m ? m->src : a, 48);
        return true;
    }
}

/* Makes `n` distinct filters of the five shapes, filter i of shape i % 5:
 * for every other filter of a shape, the first packet of the mix from a
 * pseudo-random start that gives that shape and a new filter (so that
 * packets match), otherwise random values of the shape. */
static void make_filters(const struct mix *mx, uint32_t n, struct pcapd_filter *out)
{
    uint64_t seed = 0x9e3779b97f4a7c15u ^ n;
    for (uint32_t i = 0; i < n; i++) {
        unsigned shape = i % 5;
        bool from_mix = (i / 5) % 2 == 0;
        for (unsigned tries = 0;; tries++) {
            const struct pkt_meta *m = NULL;
            if (from_mix && tries < 64) {
                uint32_t k = (uint32_t)(rnd(&seed) % mx->n);
                if (mx->status[k] != PKT_PARSE_IP)
                    continue;
                m = &mx->meta[k];
            }
            if (!filter_of(shape, m, &seed, &out[i]))
                continue;
            bool dup = false;
            for (uint32_t j = shape; j < i && !dup; j += 5)
                dup = memcmp(&out[j], &out[i], sizeof(out[i])) == 0;
            if (!dup)
                break;
        }
    }
}

/* Empties `b` and adds burst `k` of the mix (its packets k * 32 to k * 32 +
 * 31) with classifier_burst_add(), which parses each. */
static void burst_fill(const struct mix *mx, uint32_t k, struct classifier_burst *b)
{
    classifier_burst_reset(b);
    for (unsigned i = 0; i < CLASSIFIER_BURST; i++) {
        uint32_t p = k * CLASSIFIER_BURST + i;
        classifier_burst_add(b, mx->pkts[p], mx->len[p]);
    }
}

/* Returns the median of `n` (at most RUNS) values. */
static double median(const double *v, unsigned n)
{
    double s[RUNS];
    memcpy(s, v, n * sizeof(*v));
    for (unsigned i = 1; i < n; i++) {
        for (unsigned j = i; j > 0 && s[j - 1] > s[j]; j--) {
            double x = s[j];
            s[j] = s[j - 1];
            s[j - 1] = x;
        }
    }
    return s[n / 2];
}

/* Builds both sides for `n` classes, checks them on every burst, times
 * them and prints one JSON line. */
static void bench_n(const struct mix *mx, uint32_t n, unsigned passes)
{
    struct pcapd_filter *filters = calloc(n, sizeof(*filters));
    struct classifier_rule *rules = calloc(n, sizeof(*rules));
    if (filters == NULL || rules == NULL)
        die("out of memory");
    make_filters(mx, n, filters);
    for (uint32_t i = 0; i < n; i++)
        rules[i] = (struct classifier_rule){
            .filter = filters[i], .slot = i, .sample_rate = 1, .packet_limit = UINT32_MAX};
    struct classifier *c = classifier_build(rules, n);
    if (c == NULL)
        die("classifier_build failed");
    if (c->mode != CLASSIFIER_HASHED)
        die("the table is not hashed");
    if (c->n_classes != n)
        die("filters are not distinct");
    struct bench_table t;
    bench_table_build(c, &t, n);

    /* The bursts: every 32 packets of the mix, in order, each parsed into
     * one scratch burst as an rx lcore does. */
    uint32_t n_bursts = mx->n / CLASSIFIER_BURST;
    static struct classifier_burst sb;
    static uint32_t mb[CLASSIFIER_BURST * MAX_SIGS];

    /* Both sides must find the same pairs on every burst. */
    uint64_t expect = 0, lookups = 0;
    for (uint32_t k = 0; k < n_bursts; k++) {
        burst_fill(mx, k, &sb);
        unsigned na = classifier_find(c, &sb, 0);
        unsigned nb = bench_find(&t, &sb, mb);
        qsort(sb.match, na, sizeof(uint32_t), u32_cmp);
        qsort(mb, nb, sizeof(uint32_t), u32_cmp);
        if (na != nb || memcmp(sb.match, mb, na * sizeof(uint32_t)) != 0) {
            fprintf(stderr, "burst %" PRIu32 ": %u matches against %u\n", k, na, nb);
            die("the two sides disagree");
        }
        expect += na;
        for (unsigned j = 0; j < sb.n_ip; j++) {
            unsigned i = sb.ip_index[j];
            lookups +=
                t.n_family[sb.meta[i].family == PCAPD_FAMILY_IPV6 ? CLASSIFIER_V6 : CLASSIFIER_V4];
        }
    }

    /* Alternating runs of parsing alone, (a) and (b); a run's match count
     * must be the checked one. */
    double ns_p[RUNS], ns_a[RUNS], ns_b[RUNS];
    uint64_t packets = (uint64_t)passes * n_bursts * CLASSIFIER_BURST;
    for (unsigned r = 0; r < RUNS; r++) {
        uint64_t found = 0, t0 = now_ns();
        for (unsigned p = 0; p < passes; p++) {
            for (uint32_t k = 0; k < n_bursts; k++) {
                burst_fill(mx, k, &sb);
                found += sb.n_ip;
            }
        }
        uint64_t t1 = now_ns();
        if (found == 0)
            die("no IP packet");
        found = 0;
        for (unsigned p = 0; p < passes; p++) {
            for (uint32_t k = 0; k < n_bursts; k++) {
                burst_fill(mx, k, &sb);
                found += classifier_find(c, &sb, 0);
            }
        }
        uint64_t t2 = now_ns();
        if (found != expect * passes)
            die("classifier: match count changed");
        found = 0;
        for (unsigned p = 0; p < passes; p++) {
            for (uint32_t k = 0; k < n_bursts; k++) {
                burst_fill(mx, k, &sb);
                found += bench_find(&t, &sb, mb);
            }
        }
        uint64_t t3 = now_ns();
        if (found != expect * passes)
            die("rte_hash: match count changed");
        ns_p[r] = (double)(t1 - t0) / (double)packets;
        ns_a[r] = (double)(t2 - t1) / (double)packets;
        ns_b[r] = (double)(t3 - t2) / (double)packets;
    }
    double pm = median(ns_p, RUNS), a = median(ns_a, RUNS), b = median(ns_b, RUNS);
    printf("{\"classes\":%" PRIu32 ",\"signatures\":%" PRIu32 ",\"packets_per_run\":%" PRIu64
           ",\"lookups_per_run\":%" PRIu64 ",\"matches_per_pass\":%" PRIu64
           ",\"classifier_ns_per_pkt\":%.2f,\"rte_hash_ns_per_pkt\":%.2f,\"ratio_a_b\":%.3f,"
           "\"parse_only_ns_per_pkt\":%.2f,\"ratio_a_b_less_parse\":%.3f,"
           "\"classifier_runs\":[%.2f,%.2f,%.2f,%.2f,%.2f],"
           "\"rte_hash_runs\":[%.2f,%.2f,%.2f,%.2f,%.2f]}\n",
           n, t.n_sigs, packets, lookups * passes, expect, a, b, a / b, pm, (a - pm) / (b - pm),
           ns_a[0], ns_a[1], ns_a[2], ns_a[3], ns_a[4], ns_b[0], ns_b[1], ns_b[2], ns_b[3],
           ns_b[4]);
    fflush(stdout);
    bench_table_free(&t);
    classifier_free(c);
    free(rules);
    free(filters);
}

/* Starts EAL without hugepages on lcore 0, reads the mix, and runs the
 * three sizes. */
int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/pcapd-bench-mix.pcap";
    unsigned passes = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
    if (passes == 0)
        die("PASSES must be positive");
    static char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=pcapd-sighash-%d", (int)getpid());
    char *eal[] = {"pcapd-sig-hash-bench",
                   "-l",
                   "0",
                   "--no-huge",
                   "-m",
                   "512",
                   "--no-shconf",
                   "--no-pci",
                   prefix,
                   "--log-level=lib.eal:warning",
                   NULL};
    if (rte_eal_init(10, eal) < 0)
        die("rte_eal_init failed");
    struct mix mx;
    mix_read(path, &mx);
    static const uint32_t sizes[] = {100, 1000, 10000};
    for (unsigned i = 0; i < RTE_DIM(sizes); i++)
        bench_n(&mx, sizes[i], passes);
    rte_eal_cleanup();
    return 0;
}
