/*
 * The history store (include/pcapd/history.h, dataplane/history*.c) on its
 * own, without DPDK: random traffic (IPv4, IPv6, 802.1Q, fragments, non-IP,
 * TCP, UDP, SCTP, ICMP, hosts and ports from small pools so that filters
 * hit) written through a feeder's writer into small segments; then random
 * queries (every filter field, prefixes, windows cutting segments, limits
 * below and above the matches) whose files must equal, byte for byte, both
 * the same query ignoring every index (scan_all) and an oracle computed
 * here from the packets appended (the fast path's parser and filter
 * predicate, the window, the most recent packet_limit).  Also: the index
 * file round trip; the index never refusing a segment that holds a match;
 * queries of the segment still being written; a torn last segment cut at
 * its last whole record and re-indexed at open; unreadable segments
 * removed; eviction by size and by age; the write budget respected.
 * PCAPD_KEEP_SCRATCH=1 keeps the scratch directory for a look.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "filter_match.h"
#include "history_index.h"
#include "history_internal.h"
#include "history_writer.h"
#include "packet_parse.h"
#include "pcapd/history.h"
#include "pcapd/pcap_budget.h"
#include "pcapd/pcap_format.h"

/* The scratch directory of this run. */
static char scratch[64];

/* A deterministic pseudo-random generator (xorshift64). */
static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A number below `n`. */
static unsigned below(unsigned n)
{
    return (unsigned)(next_random() % n);
}

/* One packet as appended: what the oracle compares with. */
struct packet {
    uint64_t ts;
    uint32_t wire_len;
    uint32_t cap_len;
    uint8_t data[160];
};

/* The packets appended to the store under test. */
static struct packet *packets;
static unsigned n_packets;

/* Hosts the traffic uses: IPv4 and IPv6, so filters on them hit. */
static const uint8_t v4_hosts[][4] = {{10, 0, 0, 1},    {10, 0, 0, 2},   {10, 0, 1, 7},
                                      {192, 168, 1, 1}, {172, 16, 5, 9}, {8, 8, 8, 8}};
static const uint8_t v6_hosts[][16] = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
                                       {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
                                       {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9},
                                       {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5}};
static const uint16_t ports[] = {53, 80, 443, 8080, 33000, 51234};
static const uint8_t protos[] = {6, 17, 132, 1, 58};

/* Writes a big-endian 16-bit value. */
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Builds a random frame into `f`; returns its length on the wire. */
static uint32_t make_frame(uint8_t *f, uint32_t *cap)
{
    uint32_t off = 12;
    memset(f, 0, 160);
    for (int i = 0; i < 12; i++)
        f[i] = (uint8_t)next_random();
    if (below(5) == 0) {
        put16(f + off, 0x8100);
        put16(f + off + 2, (uint16_t)below(4095));
        off += 4;
    }
    unsigned kind = below(10);
    uint8_t proto = protos[below(sizeof(protos))];
    uint32_t l4;
    if (kind == 0) {
        put16(f + off, 0x0806); /* ARP */
        *cap = off + 2 + 28;
        return *cap;
    }
    if (kind < 7) {
        put16(f + off, 0x0800);
        uint8_t *ip = f + off + 2;
        ip[0] = 0x45;
        ip[9] = proto;
        if (below(12) == 0)
            put16(ip + 6, 0x00b9); /* a later fragment */
        memcpy(ip + 12, v4_hosts[below(6)], 4);
        memcpy(ip + 16, v4_hosts[below(6)], 4);
        l4 = off + 2 + 20;
    } else {
        put16(f + off, 0x86dd);
        uint8_t *ip = f + off + 2;
        ip[0] = 0x60;
        ip[6] = proto;
        memcpy(ip + 8, v6_hosts[below(4)], 16);
        memcpy(ip + 24, v6_hosts[below(4)], 16);
        l4 = off + 2 + 40;
    }
    put16(f + l4, ports[below(6)]);
    put16(f + l4 + 2, ports[below(6)]);
    uint32_t wire = l4 + 8 + below(1400);
    *cap = wire < 160 ? wire : 160;
    if (below(20) == 0)
        *cap = l4 + 2; /* ports cut off */
    return wire;
}

/* Waits until `min` segment objects of `w` are free (the store's thread
 * sealed the segments closed before). */
static void wait_sealed(struct history_writer *w, unsigned min)
{
    for (int i = 0; i < 2000; i++) {
        unsigned n = atomic_load(&w->free_segs.tail) - atomic_load(&w->free_segs.head);
        if (n + (w->spare != NULL) >= min)
            return;
        usleep(5000);
    }
    fail_msg("the store's thread sealed nothing in 10 s");
}

/* Appends `n` random packets from time `t0`, `step` ns apart at most
 * (ties included), to `w` and to the oracle's list. */
static uint64_t feed(struct history_writer *w, unsigned n, uint64_t t0, uint64_t step)
{
    uint64_t t = t0;
    packets = realloc(packets, (n_packets + n) * sizeof(packets[0]));
    assert_non_null(packets);
    for (unsigned i = 0; i < n; i++) {
        struct packet *p = &packets[n_packets++];
        t += next_random() % (step + 1);
        p->ts = t;
        p->wire_len = make_frame(p->data, &p->cap_len);
        history_writer_append(w, p->ts, p->wire_len, p->data, p->cap_len);
        /* A feeder this fast fills a segment in microseconds; let the
         * store's thread seal the ones it closed (a real feeder closes one
         * a minute, or per 64 MiB), so that segments keep to their
         * bounds. */
        if (i % 64 == 63)
            wait_sealed(w, 2);
    }
    return t;
}

/* Nanoseconds since the epoch. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Opens a store in scratch/NAME with small segments. */
static struct pcapd_history *open_store(const char *name, uint64_t max_bytes, uint64_t max_age)
{
    char dir[128], err[256];
    snprintf(dir, sizeof(dir), "%s/%s", scratch, name);
    struct pcapd_history_config cfg = {.dir = dir,
                                       .max_bytes = max_bytes,
                                       .max_age_ns = max_age,
                                       .segment_ns = 2000000000ull,
                                       .segment_bytes = 64 << 10,
                                       .sample_rate = 1};
    struct pcapd_history *h = NULL;
    int rc = pcapd_history_open(&cfg, &h, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    return h;
}

/* Empties the oracle's list and opens store NAME with a writer in `*w`. */
static struct pcapd_history *open_fresh(const char *name, uint64_t max_bytes, uint64_t max_age,
                                        struct history_writer **w)
{
    n_packets = 0;
    struct pcapd_history *h = open_store(name, max_bytes, max_age);
    *w = history_writer_open(h, "dp");
    assert_non_null(*w);
    return h;
}

/* Reads the whole file `path`; its size in `*len`. */
static uint8_t *slurp_fd(int fd, size_t *len)
{
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
    *len = (size_t)st.st_size;
    return buf;
}

/* The oracle's answer to `q` over the packets appended: the file it must
 * get.  Returns its bytes, the length in `*len`. */
static uint8_t *oracle(const struct pcapd_history_query *q, size_t *len, unsigned *count)
{
    unsigned *hits = malloc((n_packets + 1) * sizeof(unsigned)), n = 0;
    assert_non_null(hits);
    for (unsigned i = 0; i < n_packets; i++) {
        const struct packet *p = &packets[i];
        if (p->ts < q->start_ns || p->ts > q->end_ns)
            continue;
        struct pkt_meta meta;
        enum pkt_parse_status st = pkt_parse_ethernet(p->data, p->cap_len, &meta);
        if (filter_matches(&q->filter, st, &meta))
            hits[n++] = i;
    }
    unsigned first = n > q->packet_limit ? n - q->packet_limit : 0;
    uint8_t *out = malloc(PCAP_FILE_HEADER_LEN + (size_t)(n - first) * 176 + 1);
    assert_non_null(out);
    size_t at = pcap_format_file_header(out, 160, PCAP_LINKTYPE_ETHERNET);
    for (unsigned k = first; k < n; k++) {
        const struct packet *p = &packets[hits[k]];
        at += pcap_format_record(out + at, p->ts, p->wire_len, p->data, p->cap_len);
    }
    *count = n - first;
    free(hits);
    *len = at;
    return out;
}

/* Runs `q` into a fresh file; returns its bytes, the length in `*len`. */
static uint8_t *run_query(struct pcapd_history *h, struct pcapd_history_query *q, size_t *len,
                          struct pcapd_history_result *r)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/query.pcap", scratch);
    q->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(q->fd >= 0);
    assert_int_equal(pcapd_history_query(h, q, r), 0);
    uint8_t *buf = slurp_fd(q->fd, len);
    assert_int_equal(*len, r->bytes);
    close(q->fd);
    return buf;
}

/* A random prefix around one of the hosts. */
static void random_prefix(struct pcapd_prefix *p, bool v6)
{
    memset(p, 0, sizeof(*p));
    if (v6) {
        static const uint8_t lens[] = {128, 128, 64, 48, 32, 20, 0};
        p->family = PCAPD_FAMILY_IPV6;
        memcpy(p->addr, v6_hosts[below(4)], 16);
        p->len = lens[below(sizeof(lens))];
    } else {
        static const uint8_t lens[] = {32, 32, 24, 16, 12, 8, 4};
        p->family = PCAPD_FAMILY_IPV4;
        memcpy(p->addr, v4_hosts[below(6)], 4);
        p->len = lens[below(sizeof(lens))];
    }
    if (below(8) == 0) /* a host no packet has */
        p->addr[p->family == PCAPD_FAMILY_IPV4 ? 3 : 15] ^= 0x40;
    for (unsigned b = p->len; b < 128; b++)
        p->addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
}

/* A random filter: each field present or not. */
static void random_filter(struct pcapd_filter *f)
{
    memset(f, 0, sizeof(*f));
    bool v6 = below(3) == 0;
    if (below(3) == 0) {
        f->fields |= PCAPD_FILTER_SRC_ADDR;
        random_prefix(&f->src, v6);
    }
    if (below(3) == 0) {
        f->fields |= PCAPD_FILTER_DST_ADDR;
        random_prefix(&f->dst, v6);
    }
    if (below(3) == 0) {
        f->fields |= PCAPD_FILTER_SRC_PORT;
        f->src_port = below(8) == 0 ? 9999 : ports[below(6)];
    }
    if (below(3) == 0) {
        f->fields |= PCAPD_FILTER_DST_PORT;
        f->dst_port = ports[below(6)];
    }
    if (below(3) == 0) {
        f->fields |= PCAPD_FILTER_PROTOCOL;
        f->protocol = below(8) == 0 ? 47 : protos[below(sizeof(protos))];
    }
}

/* Checks `queries` random queries over [t0, t1] against scan_all and the
 * oracle.  Returns how many segments the indexed queries read, in all,
 * and how many were in their windows, through the pointers. */
static void check_queries(struct pcapd_history *h, unsigned queries, uint64_t t0, uint64_t t1,
                          uint64_t *read, uint64_t *in_window)
{
    unsigned nonempty = 0;
    for (unsigned i = 0; i < queries; i++) {
        struct pcapd_history_query q = {0};
        random_filter(&q.filter);
        uint64_t span = t1 - t0 + 1;
        q.start_ns = t0 - 1000 + next_random() % span;
        q.end_ns = below(4) == 0 ? UINT64_MAX / 2 : q.start_ns + next_random() % span;
        static const uint32_t limits[] = {1, 5, 100, 10000};
        q.packet_limit = limits[below(4)];
        size_t len_ix, len_all, len_want;
        unsigned count;
        struct pcapd_history_result r_ix, r_all;
        uint8_t *ix = run_query(h, &q, &len_ix, &r_ix);
        q.scan_all = true;
        uint8_t *all = run_query(h, &q, &len_all, &r_all);
        uint8_t *want = oracle(&q, &len_want, &count);
        if (len_ix != len_want || memcmp(ix, want, len_ix) != 0) {
            char path[128];
            snprintf(path, sizeof(path), "%s/want.pcap", scratch);
            FILE *f = fopen(path, "wb");
            fwrite(want, 1, len_want, f);
            fclose(f);
            snprintf(path, sizeof(path), "%s/got.pcap", scratch);
            f = fopen(path, "wb");
            fwrite(ix, 1, len_ix, f);
            fclose(f);
            fail_msg("query %u (fields %#x, limit %u): indexed result differs from the oracle "
                     "(%zu vs %zu bytes, %u packets wanted)",
                     i, q.filter.fields, q.packet_limit, len_ix, len_want, count);
        }
        assert_int_equal(len_all, len_want);
        assert_memory_equal(all, want, len_want);
        assert_int_equal(r_ix.packets, count);
        assert_true(r_ix.segments_read <= r_all.segments_read);
        *read += r_ix.segments_read;
        *in_window += r_ix.segments_in_window;
        nonempty += count > 0;
        free(ix);
        free(all);
        free(want);
    }
    /* The random queries must not all be trivially empty. */
    assert_true(nonempty > queries / 4);
}

/* Random traffic in small segments; random queries against scan_all and
 * the oracle, while the last segment is open and after a reopen. */
static void test_queries_match_oracle(void **state)
{
    (void)state;
    struct history_writer *w;
    struct pcapd_history *h = open_fresh("prop", 64 << 20, 0, &w);
    uint64_t t0 = now_ns() - 3600ull * 1000000000ull;
    uint64_t t1 = feed(w, 20000, t0, 3000000);
    history_writer_flush(w);
    usleep(300000); /* the store's thread registers the segments */
    uint64_t read = 0, in_window = 0;
    check_queries(h, 60, t0, t1, &read, &in_window);
    history_writer_close(w);
    pcapd_history_close(h);

    h = open_store("prop", 64 << 20, 0);
    struct pcapd_history_stats s;
    pcapd_history_stats(h, &s);
    assert_int_equal(s.packets, n_packets);
    assert_int_equal(s.oldest_ns, packets[0].ts);
    assert_int_equal(s.newest_ns, packets[n_packets - 1].ts);
    assert_true(s.segments > 10);
    read = in_window = 0;
    check_queries(h, 300, t0, t1, &read, &in_window);
    /* The indexes skip: fewer segments read than the windows held. */
    assert_true(read < in_window);
    pcapd_history_close(h);
}

/* Two feeders (both capture paths, in `both` mode) write streams whose
 * segments overlap in time: queries merge them, newest kept, in time
 * order (times distinct across the streams: even on one, odd on the
 * other). */
static void test_two_streams(void **state)
{
    (void)state;
    struct history_writer *dp;
    struct pcapd_history *h = open_fresh("two", 64 << 20, 0, &dp);
    struct history_writer *kp = history_writer_open(h, "kp");
    assert_non_null(kp);
    uint64_t t = (now_ns() - 300ull * 1000000000ull) & ~1ull, t0 = t;
    packets = realloc(packets, 8000 * sizeof(packets[0]));
    for (unsigned i = 0; i < 8000; i++) {
        bool odd = below(2);
        t += 2 * (1 + below(200000));
        struct packet *p = &packets[n_packets++];
        p->ts = t + odd;
        p->wire_len = make_frame(p->data, &p->cap_len);
        history_writer_append(odd ? kp : dp, p->ts, p->wire_len, p->data, p->cap_len);
        if (i % 64 == 63) {
            wait_sealed(dp, 2);
            wait_sealed(kp, 2);
        }
    }
    history_writer_flush(dp);
    history_writer_flush(kp);
    usleep(300000);
    uint64_t read = 0, in_window = 0;
    check_queries(h, 60, t0, t, &read, &in_window);
    history_writer_close(dp);
    history_writer_close(kp);
    pcapd_history_close(h);
    h = open_store("two", 64 << 20, 0);
    struct pcapd_history_stats s;
    pcapd_history_stats(h, &s);
    assert_int_equal(s.packets, n_packets);
    check_queries(h, 120, t0, t, &read, &in_window);
    pcapd_history_close(h);
}

/* The index file round trip, and no false negative on any record. */
static void test_index_round_trip(void **state)
{
    (void)state;
    struct hist_index ix, back;
    assert_int_equal(hist_index_init(&ix, 4096), 0);
    hist_index_reset(&ix);
    uint8_t frames[3000][160];
    uint32_t caps[3000];
    uint64_t t = 1000;
    for (unsigned i = 0; i < 3000; i++) {
        make_frame(frames[i], &caps[i]);
        assert_true(hist_index_add(&ix, t += below(5), 24 + 200ull * i, frames[i], caps[i]));
    }
    hist_index_seal(&ix, 24 + 200ull * 3000);
    assert_true(ix.bloom_words < HIST_BLOOM_WORDS_MAX);
    char path[128];
    snprintf(path, sizeof(path), "%s/round.idx", scratch);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_int_equal(hist_index_write(&ix, fd), 0);
    lseek(fd, 0, SEEK_SET);
    assert_int_equal(hist_index_read(fd, &back, false), 0);
    assert_int_equal(back.records, 3000);
    assert_int_equal(back.n_sparse, 3);
    assert_int_equal(back.bloom_words, ix.bloom_words);
    assert_memory_equal(back.src_bloom, ix.src_bloom, ix.bloom_words * 8);
    assert_memory_equal(back.sparse, ix.sparse, 3 * sizeof(ix.sparse[0]));
    /* Every record's exact five-tuple, and its prefixes, may match. */
    for (unsigned i = 0; i < 3000; i++) {
        struct pkt_meta m;
        if (pkt_parse_ethernet(frames[i], caps[i], &m) != PKT_PARSE_IP)
            continue;
        struct pcapd_filter f = {.fields = PCAPD_FILTER_SRC_ADDR | PCAPD_FILTER_DST_ADDR |
                                           PCAPD_FILTER_PROTOCOL,
                                 .protocol = m.proto};
        f.src.family = f.dst.family = m.family;
        f.src.len = f.dst.len = m.family == PCAPD_FAMILY_IPV4 ? 32 : 128;
        memcpy(f.src.addr, m.src, 16);
        memcpy(f.dst.addr, m.dst, 16);
        if (m.has_ports) {
            f.fields |= PCAPD_FILTER_SRC_PORT | PCAPD_FILTER_DST_PORT;
            f.src_port = m.sport;
            f.dst_port = m.dport;
        }
        assert_true(hist_index_may_match(&back, &f));
        f.src.len = 20;
        f.src.addr[2] &= 0xf0;
        f.src.addr[3] = 0;
        assert_true(hist_index_may_match(&back, &f));
    }
    /* A flipped byte is no index. */
    uint8_t b;
    assert_int_equal(pread(fd, &b, 1, 300), 1);
    b ^= 1;
    assert_int_equal(pwrite(fd, &b, 1, 300), 1);
    lseek(fd, 0, SEEK_SET);
    hist_index_free(&back);
    assert_int_equal(hist_index_read(fd, &back, false), -EINVAL);
    close(fd);
    hist_index_free(&ix);
}

/* Names of the segments of store `name`, sorted. */
static unsigned list_segments(const char *name, char names[][160], unsigned max)
{
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/%s", scratch, name);
    DIR *d = opendir(dir);
    assert_non_null(d);
    unsigned n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".pcap") == 0 && n < max)
            snprintf(names[n++], 160, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    qsort(names, n, 160, (int (*)(const void *, const void *))strcmp);
    return n;
}

/* A crash leaves the last segment torn (a record cut, zeros after it) and
 * without index: the next open cuts it at its last whole record and
 * indexes it; a segment that is not a pcap file goes. */
static void test_torn_segment_repaired(void **state)
{
    (void)state;
    struct history_writer *w;
    struct pcapd_history *h = open_fresh("torn", 64 << 20, 0, &w);
    uint64_t t0 = now_ns() - 600ull * 1000000000ull;
    uint64_t t1 = feed(w, 4000, t0, 2000000);
    history_writer_close(w);
    pcapd_history_close(h);

    char names[256][160], idx[170];
    unsigned n = list_segments("torn", names, 256);
    assert_true(n > 3);
    const char *last = names[n - 1];
    snprintf(idx, sizeof(idx), "%.*s.idx", (int)(strlen(last) - 5), last);
    assert_int_equal(unlink(idx), 0);
    /* The last segment's packets are the last ones appended: walk back
     * from the end by the file's size.  The crash cut its last record in
     * its header (after the time and part of the lengths), and the file
     * system then gave the file a block of zeros (its size was extended,
     * the data never written). */
    struct stat st;
    assert_int_equal(stat(last, &st), 0);
    unsigned total = n_packets, first_last;
    uint64_t bytes = PCAP_FILE_HEADER_LEN;
    for (first_last = n_packets; first_last > 0 && bytes < (uint64_t)st.st_size; first_last--)
        bytes += PCAP_RECORD_HEADER_LEN + packets[first_last - 1].cap_len;
    assert_int_equal(bytes, st.st_size);
    uint64_t kept_bytes =
        (uint64_t)st.st_size - PCAP_RECORD_HEADER_LEN - packets[total - 1].cap_len;
    uint64_t cut = kept_bytes + 10;
    unsigned in_last = total - 1 - first_last;
    assert_int_equal(truncate(last, (off_t)cut), 0);
    int fd = open(last, O_WRONLY | O_APPEND);
    static const uint8_t zeros[4096];
    assert_int_equal(write(fd, zeros, sizeof(zeros)), sizeof(zeros));
    close(fd);
    /* Not a segment at all. */
    char bogus[128];
    snprintf(bogus, sizeof(bogus), "%s/torn/dp-00000000000000000001.pcap", scratch);
    fd = open(bogus, O_WRONLY | O_CREAT, 0600);
    assert_int_equal(write(fd, "garbage", 7), 7);
    close(fd);

    n_packets = first_last + in_last;
    h = open_store("torn", 64 << 20, 0);
    struct pcapd_history_stats s;
    pcapd_history_stats(h, &s);
    assert_int_equal(s.repaired, 1);
    assert_int_equal(s.removed, 1);
    assert_int_equal(s.packets, n_packets);
    assert_true(n_packets < total);
    assert_int_equal(stat(last, &st), 0);
    assert_int_equal(st.st_size, kept_bytes);
    assert_int_equal(access(idx, R_OK), 0);
    assert_int_equal(access(bogus, F_OK), -1);
    uint64_t read = 0, in_window = 0;
    check_queries(h, 60, t0, t1, &read, &in_window);
    pcapd_history_close(h);
    /* Opened again, nothing is left to repair. */
    h = open_store("torn", 64 << 20, 0);
    pcapd_history_stats(h, &s);
    assert_int_equal(s.repaired, 0);
    assert_int_equal(s.packets, n_packets);
    pcapd_history_close(h);
}

/* Waits up to 5 s for the store's bytes to fall to `max` or below. */
static void wait_evicted(struct pcapd_history *h, uint64_t max, struct pcapd_history_stats *s)
{
    for (int i = 0; i < 100; i++) {
        pcapd_history_stats(h, s);
        if (s->bytes <= max)
            return;
        usleep(50000);
    }
    fail_msg("the store still holds %llu bytes, more than %llu", (unsigned long long)s->bytes,
             (unsigned long long)max);
}

/* The oldest segments go beyond max_bytes; the newest stay queryable. */
static void test_eviction_by_size(void **state)
{
    (void)state;
    struct history_writer *w;
    struct pcapd_history *h = open_fresh("size", 512 << 10, 0, &w);
    uint64_t t0 = now_ns() - 600ull * 1000000000ull;
    feed(w, 30000, t0, 20000);
    history_writer_flush(w);
    struct pcapd_history_stats s;
    wait_evicted(h, 512 << 10, &s);
    assert_true(s.evicted_size > 0);
    assert_true(s.oldest_ns > packets[0].ts);
    /* What is left answers exactly: the newest packets. */
    struct pcapd_history_query q = {.start_ns = 0, .end_ns = UINT64_MAX, .packet_limit = 100};
    size_t len, want_len;
    unsigned count;
    struct pcapd_history_result r;
    uint8_t *got = run_query(h, &q, &len, &r);
    uint8_t *want = oracle(&q, &want_len, &count);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
    free(got);
    free(want);
    history_writer_close(w);
    pcapd_history_close(h);
}

/* What the query thread of test_queries_during_eviction() shares. */
struct racing_queries {
    struct pcapd_history *h;
    atomic_bool done;
    unsigned runs;
    unsigned failures;
};

/* Runs queries over everything, read whole and through the indexes,
 * matching all or nothing, until told to stop; counts those that failed or
 * wrote records out of order. */
static void *racing_query_thread(void *arg)
{
    struct racing_queries *rq = arg;
    char path[128];
    snprintf(path, sizeof(path), "%s/racing.pcap", scratch);
    while (!atomic_load(&rq->done)) {
        /* Every other query matches nothing, so it reads every segment,
         * the oldest (being evicted) included. */
        struct pcapd_history_query q = {
            .end_ns = UINT64_MAX,
            .packet_limit = 1000,
            .scan_all = rq->runs % 4 < 2,
            .filter = {.fields = rq->runs % 2 ? PCAPD_FILTER_PROTOCOL : 0, .protocol = 250}};
        struct pcapd_history_result r;
        q.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        size_t len = 0;
        uint8_t *buf =
            q.fd >= 0 && pcapd_history_query(rq->h, &q, &r) == 0 ? slurp_fd(q.fd, &len) : NULL;
        uint64_t last = 0;
        bool ok = buf != NULL && len >= PCAP_FILE_HEADER_LEN;
        for (size_t at = PCAP_FILE_HEADER_LEN; ok && at < len;) {
            struct hist_record rec;
            int n = hist_record_decode(buf + at, len - at, &rec);
            ok = n > 0 && rec.ts_ns >= last;
            last = rec.ts_ns;
            at += n > 0 ? (size_t)n : 0;
        }
        rq->failures += !ok;
        rq->runs++;
        free(buf);
        if (q.fd >= 0)
            close(q.fd);
    }
    return NULL;
}

/* Queries running while the store evicts the segments they read (their
 * mappings are held until they let go) all succeed, in time order. */
static void test_queries_during_eviction(void **state)
{
    (void)state;
    struct history_writer *w;
    struct racing_queries rq = {.h = open_fresh("race", 2 << 20, 0, &w)};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, racing_query_thread, &rq), 0);
    feed(w, 40000, now_ns() - 600ull * 1000000000ull, 20000);
    history_writer_flush(w);
    struct pcapd_history_stats s;
    wait_evicted(rq.h, 2 << 20, &s);
    atomic_store(&rq.done, true);
    pthread_join(t, NULL);
    assert_true(s.evicted_size > 0);
    assert_true(rq.runs > 0);
    assert_int_equal(rq.failures, 0);
    history_writer_close(w);
    pcapd_history_close(rq.h);
}

/* Segments whose newest packet is older than max_age go. */
static void test_eviction_by_age(void **state)
{
    (void)state;
    struct history_writer *w;
    struct pcapd_history *h = open_fresh("age", 64 << 20, 30ull * 1000000000ull, &w);
    uint64_t now = now_ns();
    feed(w, 3000, now - 120ull * 1000000000ull, 20000000); /* a minute, two minutes ago */
    wait_sealed(w, HIST_SEG_POOL - 1);
    uint64_t recent = now - 5ull * 1000000000ull;
    history_writer_append(w, recent, 60, packets[0].data, 60);
    history_writer_flush(w);
    struct pcapd_history_stats s;
    for (int i = 0; i < 100; i++) {
        pcapd_history_stats(h, &s);
        if (s.evicted_age > 0 && s.oldest_ns == recent)
            break;
        usleep(50000);
    }
    assert_true(s.evicted_age > 0);
    assert_int_equal(s.oldest_ns, recent);
    assert_int_equal(s.packets, 1);
    history_writer_close(w);
    pcapd_history_close(h);
}

/* With the write budget spent, the writer drops and writes nothing; the
 * store stays whole and opens again without repair. */
static void test_write_budget(void **state)
{
    (void)state;
    struct history_writer *w;
    struct pcapd_history *h = open_fresh("budget", 64 << 20, 0, &w);
    uint64_t t0 = now_ns() - 60ull * 1000000000ull;
    pcap_budget_set(100 << 10);
    uint64_t before = pcap_budget_written();
    feed(w, 5000, t0, 1000000);
    history_writer_close(w);
    pcap_budget_set(INT64_MAX);
    assert_true(pcap_budget_written() - before <= 100 << 10);
    struct pcapd_history_stats s;
    pcapd_history_stats(h, &s);
    assert_true(s.dropped > 0);
    pcapd_history_close(h);
    h = open_store("budget", 64 << 20, 0);
    pcapd_history_stats(h, &s);
    assert_int_equal(s.repaired, 0);
    assert_true(s.packets > 0 && s.packets < 5000);
    assert_true(s.bytes <= 100 << 10);
    pcapd_history_close(h);
}

static int setup(void **state)
{
    (void)state;
    snprintf(scratch, sizeof(scratch), "/tmp/pcapd-history-XXXXXX");
    return mkdtemp(scratch) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    free(packets);
    if (getenv("PCAPD_KEEP_SCRATCH") == NULL) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", scratch);
        if (system(cmd) != 0)
            return -1;
    } else {
        fprintf(stderr, "scratch kept in %s\n", scratch);
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_round_trip),
        cmocka_unit_test(test_queries_match_oracle),
        cmocka_unit_test(test_torn_segment_repaired),
        cmocka_unit_test(test_eviction_by_size),
        cmocka_unit_test(test_queries_during_eviction),
        cmocka_unit_test(test_eviction_by_age),
        cmocka_unit_test(test_write_budget),
        cmocka_unit_test(test_two_streams),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
