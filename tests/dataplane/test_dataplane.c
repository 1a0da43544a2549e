/*
 * Tests of the DPDK dataplane itself (include/pcapd/dataplane.h), in the
 * style of DPDK's app/test: one EAL per process, no hugepages, virtual
 * devices only.  The group setup writes a pcap of known Ethernet/IPv4/TCP/
 * UDP/ARP frames, then starts the dataplane once on two ports: net_null0 (a
 * flood of 64-byte all-zero frames, not IP) and net_pcap0 replaying that file
 * forever, in order.  One rx lcore, max_jobs 64, and one writer lcore (given
 * as the older single `writer_lcore`) or, with the argument `two-writers`,
 * two writer lcores sharing a core with the main lcore, or, with `two-rx`,
 * two rx lcores (net_null's two queues spread over both, net_pcap's one on
 * the first) and one writer, which must merge their records so that every
 * file stays in time order.  The whole suite runs in the three layouts, and
 * the two-writer run adds tests of how jobs are spread over the writers.
 *
 * Receive timestamps run in processes of their own (argument `hw-on`,
 * `hw-off`, `hw-auto` or `hw-refused`): net_pcap reads a FIFO the test
 * feeds once its jobs are published, so every fed packet reaches them, with
 * timestamps the test chose; with hw_timestamps on, the captured files must
 * carry exactly those times; off, the time of capture.
 *
 * Every file a job writes is checked record by record (raw headers, then
 * libpcap) and each packet is identified as one of the known frames, byte
 * for byte; it must satisfy the job's filter (checked by a reference
 * predicate written here), timestamps never go back and lie within the
 * job's life, and with 1-in-1 sampling the replayed frames must follow each
 * other in replay order (nothing lost, nothing reordered).  A job writing
 * into a pipe nobody reads stalls the writer on demand, to overflow the
 * rings deterministically.
 *
 * Covered: packet limit, filter selectivity, 1-in-N sampling (count and
 * phase), stop with and without traffic and with a stalled writer, stale
 * handles and generations, slot capacity and reuse, overlapping jobs and
 * many filter classes (the rte_acl path), full captures and snaplens, byte
 * limits, write errors, packet limits under ring overflow, and the
 * dataplane-wide counters.  Each test's teardown stops its leftover jobs,
 * waits for their end reports and for their slots to be free, so a failing
 * test does not poison the next.  PCAPD_DPTEST_FILTER="test_byte*" runs
 * only the matching tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>
#include <rte_eal.h>

#include "pcapd/capture_record.h"
#include "pcapd/dataplane.h"
#include "pcapd/filter.h"

/* ---- Configuration ------------------------------------------------------ */

#define MAX_JOBS 64
/* Jobs one test may track (capacity test: 64 + the refused ones + one). */
#define MAX_TRACKED 80
/* Milliseconds to wait for a job's end report. */
#define END_DEADLINE_MS 10000
/* Null PMD frame size. */
#define NULL_FRAME_LEN 64
/* Frames of the sampling flow in the pcap (sequence numbers 0..N-1). */
#define SAMPLE_FLOW_FRAMES 10
/* Biggest frame we generate. */
#define MAX_FRAME_LEN 400
/* Snaplen of a `full` job that keeps whole frames. */
#define FULL 65535u
/* Slack around the job's lifetime for record timestamps (ns): the TSC to
 * Unix time conversion has been within 5 ms here. */
#define TS_SLACK_NS 100000000ull

/* ---- The generated traffic ----------------------------------------------- */

/* Flows of the generated pcap. */
enum flow_id {
    FLOW_TCP_A, /* TCP 10.1.0.1:40000 -> 10.2.0.1:80 */
    FLOW_TCP_B, /* TCP 10.1.0.2:80 -> 10.2.0.2:443, 354 bytes (longer than 160) */
    FLOW_UDP_C, /* UDP 10.1.0.3:5353 -> 10.2.0.3:53, 72 bytes */
    FLOW_UDP_D, /* UDP 192.168.7.4:53 -> 10.2.0.4:4789 (source port 53) */
    FLOW_TCP_E, /* TCP 10.1.0.5:1000 -> 172.16.0.5:53 (TCP to port 53) */
    FLOW_ARP,   /* an ARP request: not IP */
    FLOW_UDP_S, /* UDP 10.1.0.9:7000 -> 10.2.0.9:7001, SAMPLE_FLOW_FRAMES sequence numbers */
    FLOW_NULL,  /* the null PMD's all-zero frame */
};

/* One known frame and its five-tuple. */
struct frame {
    enum flow_id flow;
    /* Sequence number of FLOW_UDP_S frames (payload byte 1), else 0. */
    unsigned seq;
    uint32_t len;
    uint8_t data[MAX_FRAME_LEN];
    bool is_ip;
    uint8_t proto;
    uint8_t src[4], dst[4];
    uint16_t sport, dport;
};

/* The replayed frames, in file (and replay) order, and the null frame. */
static struct frame frames[32];
static unsigned n_frames;
static struct frame null_frame;

/* Scratch directory for the input pcap and the jobs' files. */
static char tmpdir[128];
static char input_pcap[160];

/* Offsets in our frames (no VLAN, IPv4 without options). */
#define OFF_IP 14
#define OFF_L4 (OFF_IP + 20)

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* Appends an Ethernet/IPv4/TCP or UDP frame with `payload_len` bytes of
 * payload tagged with the flow and sequence number. */
static void build_ipv4(enum flow_id flow, unsigned seq, uint8_t proto, const uint8_t src[4],
                       const uint8_t dst[4], uint16_t sport, uint16_t dport, unsigned payload_len)
{
    assert_true(n_frames < sizeof(frames) / sizeof(frames[0]));
    struct frame *f = &frames[n_frames++];
    memset(f, 0, sizeof(*f));
    f->flow = flow;
    f->seq = seq;
    f->is_ip = true;
    f->proto = proto;
    memcpy(f->src, src, 4);
    memcpy(f->dst, dst, 4);
    f->sport = sport;
    f->dport = dport;
    uint8_t *d = f->data;
    static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0x02}, smac[6] = {0x02, 0, 0, 0, 0, 0x01};
    memcpy(d, dmac, 6);
    memcpy(d + 6, smac, 6);
    put16(d + 12, 0x0800);
    unsigned l4_len = proto == 6 ? 20 : 8;
    uint8_t *ip = d + OFF_IP;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + l4_len + payload_len));
    put16(ip + 4, (uint16_t)(0x1000 + n_frames));
    put16(ip + 6, 0x4000); /* DF, no fragment offset */
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint32_t sum = 0;
    for (unsigned i = 0; i < 20; i += 2)
        sum += get16(ip + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, (uint16_t)~sum);
    uint8_t *l4 = d + OFF_L4;
    put16(l4, sport);
    put16(l4 + 2, dport);
    if (proto == 6) {
        l4[12] = 0x50; /* data offset 5 */
        l4[13] = 0x18; /* PSH, ACK */
        put16(l4 + 14, 8192);
    } else {
        put16(l4 + 4, (uint16_t)(8 + payload_len));
    }
    uint8_t *payload = l4 + l4_len;
    for (unsigned i = 0; i < payload_len; i++)
        payload[i] = (uint8_t)(0xa0 + i);
    payload[0] = (uint8_t)flow;
    payload[1] = (uint8_t)seq;
    f->len = OFF_L4 + l4_len + payload_len;
    assert_true(f->len <= MAX_FRAME_LEN);
}

/* Appends an ARP request padded to 60 bytes. */
static void build_arp(void)
{
    struct frame *f = &frames[n_frames++];
    memset(f, 0, sizeof(*f));
    f->flow = FLOW_ARP;
    uint8_t *d = f->data;
    memset(d, 0xff, 6);
    static const uint8_t smac[6] = {0x02, 0, 0, 0, 0, 0x01};
    memcpy(d + 6, smac, 6);
    put16(d + 12, 0x0806);
    put16(d + 14, 1);      /* Ethernet */
    put16(d + 16, 0x0800); /* IPv4 */
    d[18] = 6;
    d[19] = 4;
    put16(d + 20, 1); /* request */
    memcpy(d + 22, smac, 6);
    static const uint8_t spa[4] = {10, 1, 0, 1}, tpa[4] = {10, 1, 0, 254};
    memcpy(d + 28, spa, 4);
    memcpy(d + 38, tpa, 4);
    f->len = 60;
}

/* Builds the frames and writes them to `input_pcap` with libpcap. */
static void write_input_pcap(void)
{
    static const uint8_t a_s[4] = {10, 1, 0, 1}, a_d[4] = {10, 2, 0, 1};
    static const uint8_t b_s[4] = {10, 1, 0, 2}, b_d[4] = {10, 2, 0, 2};
    static const uint8_t c_s[4] = {10, 1, 0, 3}, c_d[4] = {10, 2, 0, 3};
    static const uint8_t d_s[4] = {192, 168, 7, 4}, d_d[4] = {10, 2, 0, 4};
    static const uint8_t e_s[4] = {10, 1, 0, 5}, e_d[4] = {172, 16, 0, 5};
    static const uint8_t s_s[4] = {10, 1, 0, 9}, s_d[4] = {10, 2, 0, 9};
    n_frames = 0;
    build_ipv4(FLOW_TCP_A, 0, 6, a_s, a_d, 40000, 80, 40);
    build_ipv4(FLOW_UDP_S, 0, 17, s_s, s_d, 7000, 7001, 20);
    build_ipv4(FLOW_TCP_B, 0, 6, b_s, b_d, 80, 443, 300);
    build_ipv4(FLOW_UDP_S, 1, 17, s_s, s_d, 7000, 7001, 20);
    build_ipv4(FLOW_UDP_C, 0, 17, c_s, c_d, 5353, 53, 30);
    build_ipv4(FLOW_UDP_S, 2, 17, s_s, s_d, 7000, 7001, 20);
    build_ipv4(FLOW_UDP_D, 0, 17, d_s, d_d, 53, 4789, 50);
    build_ipv4(FLOW_UDP_S, 3, 17, s_s, s_d, 7000, 7001, 20);
    build_ipv4(FLOW_TCP_E, 0, 6, e_s, e_d, 1000, 53, 10);
    build_ipv4(FLOW_UDP_S, 4, 17, s_s, s_d, 7000, 7001, 20);
    build_arp();
    for (unsigned s = 5; s < SAMPLE_FLOW_FRAMES; s++)
        build_ipv4(FLOW_UDP_S, s, 17, s_s, s_d, 7000, 7001, 20);
    memset(&null_frame, 0, sizeof(null_frame));
    null_frame.flow = FLOW_NULL;
    null_frame.len = NULL_FRAME_LEN;

    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    assert_non_null(dead);
    pcap_dumper_t *dumper = pcap_dump_open(dead, input_pcap);
    assert_non_null(dumper);
    for (unsigned i = 0; i < n_frames; i++) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        h.ts.tv_sec = 1700000000 + (time_t)i;
        h.caplen = h.len = frames[i].len;
        pcap_dump((u_char *)dumper, &h, frames[i].data);
    }
    pcap_dump_close(dumper);
    pcap_close(dead);
}

/* Index in frames[] of the first frame of `flow`. */
static unsigned frame_of(enum flow_id flow)
{
    for (unsigned i = 0; i < n_frames; i++) {
        if (frames[i].flow == flow)
            return i;
    }
    fail_msg("no frame of flow %d", (int)flow);
    return 0;
}

/* ---- Filters and the reference predicate --------------------------------- */

/* A filter; proto, sport, dport < 0 and NULL prefixes are absent. */
static struct pcapd_filter mkfilter(int proto, const char *src, const char *dst, int sport,
                                    int dport)
{
    struct pcapd_filter f;
    memset(&f, 0, sizeof(f));
    if (proto >= 0) {
        f.fields |= PCAPD_FILTER_PROTOCOL;
        f.protocol = (uint8_t)proto;
    }
    if (src != NULL) {
        f.fields |= PCAPD_FILTER_SRC_ADDR;
        assert_int_equal(pcapd_prefix_parse(src, &f.src), 0);
    }
    if (dst != NULL) {
        f.fields |= PCAPD_FILTER_DST_ADDR;
        assert_int_equal(pcapd_prefix_parse(dst, &f.dst), 0);
    }
    if (sport >= 0) {
        f.fields |= PCAPD_FILTER_SRC_PORT;
        f.src_port = (uint16_t)sport;
    }
    if (dport >= 0) {
        f.fields |= PCAPD_FILTER_DST_PORT;
        f.dst_port = (uint16_t)dport;
    }
    return f;
}

static struct pcapd_filter filter_any(void)
{
    return mkfilter(-1, NULL, NULL, -1, -1);
}

/* Whether IPv4 address `a` lies in prefix `p` (bit by bit, independent of
 * the dataplane's prefix code). */
static bool ref_prefix_v4(const struct pcapd_prefix *p, const uint8_t a[4])
{
    if (p->family != PCAPD_FAMILY_IPV4)
        return false;
    for (unsigned b = 0; b < p->len; b++) {
        unsigned byte = b / 8, bit = 7 - b % 8;
        if (((p->addr[byte] >> bit) & 1) != ((a[byte] >> bit) & 1))
            return false;
    }
    return true;
}

/* Reference predicate: does filter `f` want frame `fr`? */
static bool ref_matches(const struct pcapd_filter *f, const struct frame *fr)
{
    if (f->fields == 0)
        return true;
    if (!fr->is_ip)
        return false;
    if ((f->fields & PCAPD_FILTER_PROTOCOL) && f->protocol != fr->proto)
        return false;
    if ((f->fields & PCAPD_FILTER_SRC_ADDR) && !ref_prefix_v4(&f->src, fr->src))
        return false;
    if ((f->fields & PCAPD_FILTER_DST_ADDR) && !ref_prefix_v4(&f->dst, fr->dst))
        return false;
    if ((f->fields & PCAPD_FILTER_SRC_PORT) && f->src_port != fr->sport)
        return false;
    if ((f->fields & PCAPD_FILTER_DST_PORT) && f->dst_port != fr->dport)
        return false;
    return true;
}

/* The replayed frame after frames[k] that `f` matches. */
static unsigned next_match(const struct pcapd_filter *f, unsigned k)
{
    for (unsigned j = 1; j <= n_frames; j++) {
        unsigned i = (k + j) % n_frames;
        if (ref_matches(f, &frames[i]))
            return i;
    }
    fail_msg("filter matches no replayed frame");
    return 0;
}

/* ---- Time ---------------------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- Job tracking -------------------------------------------------------- */

/* A job a test started, and its end report once it came. */
struct tjob {
    struct pcapd_job_spec spec;
    pcapd_job_handle handle;
    /* The job's file, or "" when the fd is not a file of ours. */
    char path[160];
    /* Realtime clock when it was started. */
    uint64_t t0;
    bool started;
    bool ended;
    struct pcapd_job_ended info;
};

static struct tjob tjobs[MAX_TRACKED];
static unsigned n_tjobs;
static uint64_t next_cookie = 0x5eed0000;
/* End reports nobody asked for, or reported twice: must stay 0. */
static unsigned bogus_reports;
/* Read end of a pipe the jobs stalling the writers write into, while
 * open, and those jobs (at least one per writer). */
static int pipe_rd = -1;
static struct tjob *stall_jobs[2 * PCAPD_MAX_WRITER_LCORES];
static unsigned n_stall;
/* Writer lcores the group runs (1, or 2 with `two-writers`). */
static unsigned n_writers = 1;
/* Rx lcores the group runs (1, or 2 with `two-rx`). */
static unsigned n_rx = 1;
/* When the group's dataplane had started (mono_ms()). */
static uint64_t dp_started_ms;
/* The file pcap_foreach() is reading, so a failed check does not leak it. */
static pcap_t *reading;

static struct tjob *tjob_by_cookie(uint64_t cookie)
{
    for (unsigned i = 0; i < n_tjobs; i++) {
        if (tjobs[i].spec.cookie == cookie)
            return &tjobs[i];
    }
    return NULL;
}

/* Records one end report against its tracked job. */
static void record_end(const struct pcapd_job_ended *e)
{
    struct tjob *j = tjob_by_cookie(e->cookie);
    if (j == NULL || !j->started || j->ended || e->fd != j->spec.fd) {
        bogus_reports++;
        return;
    }
    j->ended = true;
    j->info = *e;
}

/* One pcapd_dp_poll_ended(); records what it reports. */
static unsigned poll_once(void)
{
    struct pcapd_job_ended e[16];
    unsigned n = pcapd_dp_poll_ended(e, 16);
    assert_true(n <= 16);
    for (unsigned i = 0; i < n; i++)
        record_end(&e[i]);
    assert_int_equal(bogus_reports, 0);
    return n;
}

/* Polls every millisecond for `ms` milliseconds. */
static void poll_for(unsigned ms)
{
    uint64_t end = mono_ms() + ms;
    while (mono_ms() < end) {
        poll_once();
        sleep_ms(1);
    }
}

/* Starts a job writing into a new temp file, or into `fd` if it is not -1.
 * Returns the start's result; `*out` is the tracked job. */
static int start_job_ex(const struct pcapd_filter *filter, uint32_t sample_rate,
                        uint32_t packet_limit, uint32_t snaplen, uint64_t byte_limit, int fd,
                        struct tjob **out)
{
    assert_true(n_tjobs < MAX_TRACKED);
    struct tjob *j = &tjobs[n_tjobs];
    memset(j, 0, sizeof(*j));
    if (fd < 0) {
        snprintf(j->path, sizeof(j->path), "%s/job-XXXXXX", tmpdir);
        fd = mkstemp(j->path);
        assert_true(fd >= 0);
    }
    j->spec = (struct pcapd_job_spec){
        .filter = *filter,
        .sample_rate = sample_rate,
        .packet_limit = packet_limit,
        .byte_limit = byte_limit,
        .snaplen = snaplen,
        .fd = fd,
        .cookie = next_cookie++,
    };
    n_tjobs++;
    j->t0 = now_ns();
    int rc = pcapd_dp_job_start(&j->spec, &j->handle);
    j->started = rc == 0;
    if (out != NULL)
        *out = j;
    return rc;
}

/* Starts a simple job (160-byte snaplen, no byte limit); asserts it started. */
static struct tjob *start_job_ok(const struct pcapd_filter *filter, uint32_t sample_rate,
                                 uint32_t packet_limit)
{
    struct tjob *j;
    assert_int_equal(
        start_job_ex(filter, sample_rate, packet_limit, PCAPD_SIMPLE_SNAPLEN, 0, -1, &j), 0);
    return j;
}

/* Polls until `j` is reported ended or `deadline_ms` passes; asserts the
 * report came. */
static void wait_ended(struct tjob *j, unsigned deadline_ms)
{
    uint64_t end = mono_ms() + deadline_ms;
    while (!j->ended && mono_ms() < end) {
        poll_once();
        if (!j->ended)
            sleep_ms(1);
    }
    if (!j->ended)
        fail_msg("job cookie %#llx not reported ended within %u ms",
                 (unsigned long long)j->spec.cookie, deadline_ms);
}

static uint32_t handle_slot(pcapd_job_handle h)
{
    return (uint32_t)h;
}

static uint32_t handle_gen(pcapd_job_handle h)
{
    return (uint32_t)(h >> 32);
}

/* Per-test teardown: stops the test's running jobs, waits for every end
 * report, closes and removes the files, and waits until every slot the test
 * used is free again (a stale handle reads -ENOENT), so the next test starts
 * with an empty job table. */
static int teardown_jobs(void **state)
{
    (void)state;
    int rc = 0;
    /* A test that failed while the writer was stalled on a pipe: let the
     * writer go (its write fails with EPIPE). */
    if (pipe_rd >= 0) {
        close(pipe_rd);
        pipe_rd = -1;
    }
    if (reading != NULL) {
        pcap_close(reading);
        reading = NULL;
    }
    for (unsigned i = 0; i < n_tjobs; i++) {
        if (tjobs[i].started && !tjobs[i].ended)
            pcapd_dp_job_stop(tjobs[i].handle);
    }
    uint64_t end = mono_ms() + END_DEADLINE_MS;
    for (;;) {
        struct pcapd_job_ended e[16];
        unsigned n = pcapd_dp_poll_ended(e, 16);
        for (unsigned i = 0; i < n; i++)
            record_end(&e[i]);
        bool pending = false;
        for (unsigned i = 0; i < n_tjobs; i++) {
            struct pcapd_job_stats st;
            if (tjobs[i].started &&
                (!tjobs[i].ended || pcapd_dp_job_stats(tjobs[i].handle, &st) != -ENOENT))
                pending = true;
        }
        if (!pending)
            break;
        if (mono_ms() > end) {
            fprintf(stderr, "teardown: jobs not ended or slots not freed after %d ms\n",
                    END_DEADLINE_MS);
            rc = -1;
            break;
        }
        sleep_ms(1);
    }
    for (unsigned i = 0; i < n_tjobs; i++) {
        /* A job never reported may still be written to: leak its fd then. */
        if (tjobs[i].path[0] != '\0') {
            if (!tjobs[i].started || tjobs[i].ended)
                close(tjobs[i].spec.fd);
            unlink(tjobs[i].path);
        }
    }
    if (bogus_reports != 0) {
        fprintf(stderr, "teardown: %u unexpected end reports\n", bogus_reports);
        rc = -1;
    }
    n_tjobs = 0;
    n_stall = 0;
    bogus_reports = 0;
    return rc;
}

/* ---- Reading the jobs' files back ---------------------------------------- */

/* One packet read back from a job's file. */
struct rpkt {
    uint64_t ts_ns;
    uint32_t caplen;
    uint32_t len;
    const uint8_t *data;
};

static off_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* Checks the file header of the nanosecond pcap at `path` (with `snaplen`)
 * and calls `fn` on each of its packets; returns the packet count. */
static unsigned pcap_foreach(const char *path, uint32_t snaplen,
                             void (*fn)(const struct rpkt *, unsigned, void *), void *ctx)
{
    /* The raw file first: libpcap silently cuts records longer than the
     * header's snaplen, so check the record headers ourselves. */
    off_t size = file_size(path);
    assert_true(size >= 24);
    uint8_t *raw = malloc((size_t)size);
    assert_non_null(raw);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t got = fread(raw, 1, (size_t)size, f);
    fclose(f);
    uint32_t hdr[6], rec[4];
    memcpy(hdr, raw, sizeof(hdr));
    unsigned n_raw = 0;
    size_t off = 24;
    while (off + 16 <= got) {
        memcpy(rec, raw + off, sizeof(rec));
        if (rec[2] > snaplen || rec[2] != (rec[3] < snaplen ? rec[3] : snaplen) ||
            rec[1] >= 1000000000u)
            break;
        off += 16 + rec[2];
        n_raw++;
    }
    free(raw);
    assert_int_equal(got, (size_t)size);
    assert_int_equal(hdr[0], 0xa1b23c4du);     /* nanosecond magic, host order */
    assert_int_equal(hdr[1], 2u | (4u << 16)); /* version 2.4 */
    assert_int_equal(hdr[4], snaplen);
    assert_int_equal(hdr[5], 1); /* LINKTYPE_ETHERNET */
    /* Every record has caplen = min(len, snaplen), and they fill the file. */
    if (off != (size_t)size)
        fail_msg("%s: record %u at offset %zu is bad or cut (caplen %u, len %u, snaplen %u)", path,
                 n_raw, off, rec[2], rec[3], snaplen);

    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == NULL)
        fail_msg("libpcap cannot open %s: %s", path, errbuf);
    reading = p;
    assert_int_equal(pcap_datalink(p), DLT_EN10MB);
    unsigned n = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        struct rpkt pkt = {
            .ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec,
            .caplen = h->caplen,
            .len = h->len,
            .data = data,
        };
        fn(&pkt, n++, ctx);
    }
    /* -2: clean end of file; -1 would be a truncated or corrupt record. */
    if (rc != -2) {
        const char *msg = pcap_geterr(p);
        fail_msg("%s: pcap_next_ex returned %d after %u packets: %s", path, rc, n, msg);
    }
    pcap_close(p);
    reading = NULL;
    assert_int_equal(n, n_raw);
    return n;
}

/* The known frame `p` is a record of with `snaplen`, or NULL. */
static const struct frame *identify(const struct rpkt *p, uint32_t snaplen)
{
    for (unsigned i = 0; i <= n_frames; i++) {
        const struct frame *fr = i < n_frames ? &frames[i] : &null_frame;
        uint32_t cap = fr->len < snaplen ? fr->len : snaplen;
        if (p->len == fr->len && p->caplen == cap && memcmp(p->data, fr->data, cap) == 0)
            return fr;
    }
    return NULL;
}

/* What check_pkt() checks each packet of one job's file against, and what
 * it saw. */
struct file_check {
    const struct tjob *j;
    /* Replayed frames must follow each other in replay order. */
    bool check_order;
    uint64_t lo_ns, hi_ns, prev_ns;
    int prev;
    /* Packets per replayed frame, and null frames. */
    unsigned seen[32];
    unsigned seen_null;
    /* Packets cut to the snaplen. */
    unsigned truncated;
    /* Sequence numbers of FLOW_UDP_S packets, in file order. */
    unsigned s_seq[128];
    unsigned n_s;
};

/* Asserts packet `i` is a byte-exact record of a known frame that the job's
 * filter wants, stamped in [lo_ns, hi_ns], not before the previous packet,
 * and (with check_order) the next wanted replayed frame after the last. */
static void check_pkt(const struct rpkt *p, unsigned i, void *ctx)
{
    struct file_check *c = ctx;
    const struct frame *fr = identify(p, c->j->spec.snaplen);
    if (fr == NULL)
        fail_msg("packet %u (len %u, caplen %u) is no known frame cut at %u", i, p->len, p->caplen,
                 c->j->spec.snaplen);
    if (!ref_matches(&c->j->spec.filter, fr))
        fail_msg("packet %u (flow %d) does not satisfy the job's filter", i, (int)fr->flow);
    if (p->ts_ns < c->lo_ns || p->ts_ns > c->hi_ns)
        fail_msg("packet %u: timestamp %llu outside [%llu, %llu]", i, (unsigned long long)p->ts_ns,
                 (unsigned long long)c->lo_ns, (unsigned long long)c->hi_ns);
    if (p->ts_ns < c->prev_ns)
        fail_msg("job %#llx packet %u: timestamp %llu before the previous one %llu",
                 (unsigned long long)c->j->spec.cookie, i, (unsigned long long)p->ts_ns,
                 (unsigned long long)c->prev_ns);
    c->prev_ns = p->ts_ns;
    if (p->caplen < p->len)
        c->truncated++;
    if (fr == &null_frame) {
        c->seen_null++;
        return;
    }
    unsigned k = (unsigned)(fr - frames);
    if (c->check_order && c->prev >= 0 && k != next_match(&c->j->spec.filter, (unsigned)c->prev))
        fail_msg("packet %u is replayed frame %u, expected %u after %d: lost or reordered", i, k,
                 next_match(&c->j->spec.filter, (unsigned)c->prev), c->prev);
    c->prev = (int)k;
    c->seen[k]++;
    if (fr->flow == FLOW_UDP_S && c->n_s < sizeof(c->s_seq) / sizeof(c->s_seq[0]))
        c->s_seq[c->n_s++] = fr->seq;
}

/* Reads back the file of ended job `j`, checking every packet (check_pkt())
 * and that it holds what the end report says.  Returns the packet count;
 * `c` tells what was seen. */
static unsigned check_file(const struct tjob *j, struct file_check *c)
{
    assert_true(j->ended);
    memset(c, 0, sizeof(*c));
    c->j = j;
    /* In 1-in-1 jobs the rings never overflowed: nothing can be missing. */
    c->check_order = j->spec.sample_rate == 1 && j->info.stats.packets_dropped == 0;
    c->prev = -1;
    c->lo_ns = j->t0 - TS_SLACK_NS;
    c->hi_ns = now_ns() + TS_SLACK_NS;
    uint32_t snaplen = j->spec.snaplen;
    unsigned n = pcap_foreach(j->path, snaplen, check_pkt, c);
    assert_int_equal(n, j->info.stats.packets_written);
    /* bytes_written counts the whole file, headers included. */
    assert_int_equal(j->info.stats.bytes_written, (uint64_t)file_size(j->path));
    assert_true(j->info.stats.packets_matched >=
                j->info.stats.packets_written + j->info.stats.packets_dropped);
    return n;
}

/* Asserts `j` ended at its packet limit with a good file of exactly that
 * many packets. */
static unsigned check_limit_file(const struct tjob *j, struct file_check *c)
{
    assert_true(j->ended);
    assert_int_equal(j->info.reason, PCAPD_JOB_END_PACKET_LIMIT);
    assert_int_equal(j->info.error, 0);
    assert_int_equal(j->info.cookie, j->spec.cookie);
    assert_int_equal(j->info.fd, j->spec.fd);
    assert_int_equal(j->info.stats.packets_written, j->spec.packet_limit);
    unsigned n = check_file(j, c);
    assert_int_equal(n, j->spec.packet_limit);
    return n;
}

/* Asserts that the file saw every replayed frame the job's filter wants
 * (and, by check_pkt(), no other). */
static void assert_saw_all_wanted(const struct file_check *c)
{
    /* With two rx lcores sharing a core, a job on every frame may fill its
     * limit, in time order, within one lcore's time slice: all null frames
     * from the lcore without the replayed port. */
    if (n_rx > 1 && c->j->spec.filter.fields == 0)
        return;
    for (unsigned k = 0; k < n_frames; k++) {
        if (ref_matches(&c->j->spec.filter, &frames[k]) && c->seen[k] == 0)
            fail_msg("replayed frame %u (flow %d) wanted but never written", k,
                     (int)frames[k].flow);
    }
}

/* ---- Group setup and teardown -------------------------------------------- */

static char *eal_argv[16];

/* Fills eal_argv with what every process of this test gives EAL (no
 * hugepages, `mem` MiB, no shared config, a file prefix of its own, no PCI,
 * quiet logs), the lcore map `lcores` and the `n` --vdev arguments `vdevs`
 * (strings that live as long as EAL).  Returns the argument count. */
static int eal_args(const char *lcores, const char *mem, char **vdevs, unsigned n)
{
    static char a_lcores[64], a_mem[16], a_prefix[64];
    static char a_name[] = "pcapd-test", a_nohuge[] = "--no-huge", a_m[] = "-m";
    static char a_noshconf[] = "--no-shconf", a_nopci[] = "--no-pci";
    static char a_log[] = "--log-level=lib.eal:warning";
    snprintf(a_lcores, sizeof(a_lcores), "--lcores=%s", lcores);
    snprintf(a_mem, sizeof(a_mem), "%s", mem);
    snprintf(a_prefix, sizeof(a_prefix), "--file-prefix=pcapd-dptest-%d", (int)getpid());
    char *args[] = {a_name, a_lcores, a_nohuge, a_m, a_mem, a_noshconf, a_prefix, a_nopci, a_log};
    int argc = 0;
    for (unsigned i = 0; i < sizeof(args) / sizeof(args[0]); i++)
        eal_argv[argc++] = args[i];
    for (unsigned i = 0; i < n; i++)
        eal_argv[argc++] = vdevs[i];
    eal_argv[argc] = NULL;
    return argc;
}

/* The sizes every dataplane of this test starts with, for `argc` arguments
 * in eal_argv; the caller sets the lcores and the rest. */
static struct pcapd_dp_config dp_config(int argc)
{
    return (struct pcapd_dp_config){
        .eal_argc = argc,
        .eal_argv = eal_argv,
        .n_mbufs = 8191,
        .rx_desc = 512,
        .ring_size = 4096,
        .full_ring_size = 1024,
        .max_jobs = MAX_JOBS,
        .write_buffer_size = 65536,
    };
}

/* Creates the scratch directory and writes the known frames to
 * `input_pcap` in it.  Returns 0 or -1. */
static int make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pcapd-dptest-%d-XXXXXX", (int)getpid());
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    snprintf(input_pcap, sizeof(input_pcap), "%s/input.pcap", tmpdir);
    write_input_pcap();
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    if (make_tmpdir() != 0)
        return -1;
    /* Writers share core 0 with the main lcore; the rx lcore has core 1.
     * With two rx lcores, the second shares core 0 with the writer. */
    static char a_pcap[256], a_null[] = "--vdev=net_null0,copy=1,size=64";
    snprintf(a_pcap, sizeof(a_pcap), "--vdev=net_pcap0,rx_pcap=%s,infinite_rx=1", input_pcap);
    char *vdevs[] = {a_null, a_pcap};
    int argc =
        eal_args(n_rx > 1 || n_writers > 1 ? "0@0,1@1,2@0,3@0" : "0@0,1@1,2@0", "512", vdevs, 2);
    struct pcapd_dp_config cfg = dp_config(argc);
    cfg.rx_lcores[0] = 1;
    cfg.n_rx_lcores = 1;
    /* One writer: the older field, which must keep working. */
    cfg.writer_lcore = 2;
    if (n_rx > 1) {
        cfg.rx_lcores[1] = 3;
        cfg.n_rx_lcores = 2;
    }
    if (n_writers > 1) {
        cfg.writer_lcores[0] = 2;
        cfg.writer_lcores[1] = 3;
        cfg.n_writer_lcores = 2;
    }
    char err[256] = "";
    int rc = pcapd_dp_start(&cfg, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "pcapd_dp_start: %d: %s\n", rc, err);
        return -1;
    }
    dp_started_ms = mono_ms();
    struct pcapd_dp_stats s;
    pcapd_dp_stats_read(&s);
    if (s.writers != n_writers || s.hw_timestamp_ports != 0) {
        fprintf(stderr, "%u writers and %u stamping ports, expected %u and 0\n", s.writers,
                s.hw_timestamp_ports, n_writers);
        return -1;
    }
    return 0;
}

static unsigned stop_reports;

static void on_stop_ended(const struct pcapd_job_ended *e, void *arg)
{
    (void)arg;
    stop_reports++;
    close(e->fd);
}

static int group_teardown(void **state)
{
    (void)state;
    /* EAL leaves its (empty) runtime directory behind: remove it too. */
    char runtime_dir[256];
    snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
    pcapd_dp_stop(on_stop_ended, NULL);
    rmdir(runtime_dir);
    unlink(input_pcap);
    rmdir(tmpdir);
    /* Every test's teardown waited for its jobs: none can be left. */
    if (stop_reports != 0) {
        fprintf(stderr, "pcapd_dp_stop reported %u jobs, expected none\n", stop_reports);
        return -1;
    }
    return 0;
}

/* ---- Tests --------------------------------------------------------------- */

/* An unfiltered job ends at exactly its packet limit, with byte-exact records
 * from both ports, cut at 160 bytes, with sane timestamps and stats. */
static void test_packet_limit_exact(void **state)
{
    (void)state;
    struct pcapd_filter f = filter_any();
    struct pcapd_dp_stats s0, s1;
    pcapd_dp_stats_read(&s0);
    struct tjob *j = start_job_ok(&f, 1, 1000);
    wait_ended(j, END_DEADLINE_MS);
    poll_for(50);
    pcapd_dp_stats_read(&s1);
    struct file_check c;
    check_limit_file(j, &c);
    /* Each rx lcore samples at most the limit; the writer writes exactly
     * the limit and counts the rest as late. */
    uint64_t records = s1.writer_records - s0.writer_records;
    assert_int_equal(records - (s1.writer_late - s0.writer_late), 1000);
    assert_true(records <= 1000 * n_rx);
    assert_true(c.seen_null > 0);
    /* One rx lcore alternates bursts of the two ports. */
    if (n_rx == 1)
        assert_true(c.seen_null < 1000);
    assert_saw_all_wanted(&c);
    /* FLOW_TCP_B (354 bytes) is cut to 160 (with two rx lcores, the first
     * 1000 packets may all be null frames). */
    if (n_rx == 1)
        assert_true(c.truncated > 0);
    assert_int_equal(c.truncated, c.seen[frame_of(FLOW_TCP_B)]);
}

/* Jobs that sample every frame 1 in 50 over a longer time than one burst
 * (with two rx lcores, long enough for both to contribute many passes):
 * each file is in receive-time order, which check_file() asserts packet by
 * packet.  With several rx lcores, this is the writer's merge at work. */
static void test_time_order(void **state)
{
    (void)state;
    struct pcapd_filter any = filter_any(), udp = mkfilter(17, NULL, NULL, -1, -1);
    struct tjob *a = start_job_ok(&any, 50, 4000), *u = start_job_ok(&udp, 1, 4000);
    wait_ended(a, END_DEADLINE_MS);
    wait_ended(u, END_DEADLINE_MS);
    struct file_check c;
    check_limit_file(a, &c);
    assert_true(c.seen_null > 0);
    check_limit_file(u, &c);
    assert_saw_all_wanted(&c);
}

/* A protocol + destination port filter keeps only its flow: not the flow with
 * that source port, nor TCP to that port, nor the null frames. */
static void test_filter_selectivity(void **state)
{
    (void)state;
    struct pcapd_filter f = mkfilter(17, NULL, NULL, -1, 53);
    struct tjob *j = start_job_ok(&f, 1, 200);
    wait_ended(j, END_DEADLINE_MS);
    struct file_check c;
    check_limit_file(j, &c);
    assert_int_equal(c.seen[frame_of(FLOW_UDP_C)], 200);
}

/* 1-in-10 sampling of everything: the limit is reached, and at least as many
 * packets matched as 100 samples need (1 + 99 * 10). */
static void test_sampling_count(void **state)
{
    (void)state;
    enum { LIMIT = 100, RATE = 10 };
    struct pcapd_filter f = filter_any();
    struct tjob *j = start_job_ok(&f, RATE, LIMIT);
    wait_ended(j, END_DEADLINE_MS);
    struct file_check c;
    check_limit_file(j, &c);
    /* One rx lcore counts a match before it samples it and enqueues the
     * record, so the bound is exact, not approximate. */
    assert_true(j->info.stats.packets_matched >= 1 + (uint64_t)(LIMIT - 1) * RATE);
    assert_int_equal(j->info.stats.packets_dropped, 0);
}

/* 1-in-7 sampling of a flow replayed with sequence numbers 0..9: consecutive
 * samples are exactly 7 matching packets apart (no skew, no gaps). */
static void test_sampling_phase(void **state)
{
    (void)state;
    enum { LIMIT = 100, RATE = 7 };
    struct pcapd_filter f = mkfilter(17, NULL, NULL, -1, 7001);
    struct tjob *j = start_job_ok(&f, RATE, LIMIT);
    wait_ended(j, END_DEADLINE_MS);
    struct file_check c;
    check_limit_file(j, &c);
    assert_true(j->info.stats.packets_matched >= 1 + (uint64_t)(LIMIT - 1) * RATE);
    assert_int_equal(c.n_s, LIMIT);
    for (unsigned i = 1; i < c.n_s; i++) {
        if (c.s_seq[i] != (c.s_seq[i - 1] + RATE) % SAMPLE_FLOW_FRAMES)
            fail_msg("sample %u has sequence %u, expected %u", i, c.s_seq[i],
                     (c.s_seq[i - 1] + RATE) % SAMPLE_FLOW_FRAMES);
    }
}

/* Stopping a job nothing matches: STOPPED, a header-only file; afterwards
 * the stale handle reads -ENOENT and stopping it again is harmless, even when
 * a new job (same slot, next generation) runs. */
static void test_stop_no_traffic(void **state)
{
    (void)state;
    struct pcapd_filter f = mkfilter(250, NULL, NULL, -1, -1);
    struct tjob *j = start_job_ok(&f, 1, 1000);
    struct pcapd_job_stats st;
    poll_for(50);
    assert_false(j->ended);
    assert_int_equal(pcapd_dp_job_stats(j->handle, &st), 0);
    assert_int_equal(st.packets_matched, 0);
    assert_int_equal(st.packets_written, 0);

    pcapd_dp_job_stop(j->handle);
    pcapd_dp_job_stop(j->handle); /* twice before its end: harmless */
    wait_ended(j, 3000);
    assert_int_equal(j->info.reason, PCAPD_JOB_END_STOPPED);
    assert_int_equal(j->info.error, 0);
    assert_int_equal(j->info.stats.packets_written, 0);
    assert_int_equal(j->info.stats.packets_matched, 0);
    assert_int_equal(j->info.stats.bytes_written, 24);
    assert_int_equal(file_size(j->path), 24);
    struct file_check c;
    assert_int_equal(check_file(j, &c), 0);

    /* The slot of a stopped job is free once its end is reported. */
    assert_int_equal(pcapd_dp_job_stats(j->handle, &st), -ENOENT);
    pcapd_dp_job_stop(j->handle);
    poll_for(20);

    /* A new job takes the lowest free slot, the same one, with the next
     * generation; the stale handle must not reach it. */
    struct tjob *k = start_job_ok(&f, 1, 1000);
    assert_int_equal(handle_slot(k->handle), handle_slot(j->handle));
    assert_int_equal(handle_gen(k->handle), handle_gen(j->handle) + 1);
    pcapd_dp_job_stop(j->handle);
    assert_int_equal(pcapd_dp_job_stats(j->handle, &st), -ENOENT);
    poll_for(200);
    assert_false(k->ended);
    assert_int_equal(pcapd_dp_job_stats(k->handle, &st), 0);
    pcapd_dp_job_stop(k->handle);
    wait_ended(k, 3000);
    assert_int_equal(k->info.reason, PCAPD_JOB_END_STOPPED);
    assert_int_equal(file_size(k->path), 24);
}

/* Stopping a job in the middle of its traffic: the file holds exactly the
 * packets its final stats count, in replay order, and the counters add up. */
static void test_stop_with_traffic(void **state)
{
    (void)state;
    enum { LIMIT = 100000000 };
    struct pcapd_filter f = mkfilter(17, NULL, NULL, -1, 53);
    struct tjob *j = start_job_ok(&f, 1, LIMIT);
    struct pcapd_job_stats s1, s2;
    poll_for(20);
    assert_int_equal(pcapd_dp_job_stats(j->handle, &s1), 0);
    /* Traffic keeps matching while the job runs (on a loaded machine the
     * rx lcore may wait its turn for a while: poll up to the deadline). */
    uint64_t until = mono_ms() + END_DEADLINE_MS;
    do {
        poll_for(100);
        assert_int_equal(pcapd_dp_job_stats(j->handle, &s2), 0);
    } while (s2.packets_matched == s1.packets_matched && mono_ms() < until);
    assert_false(j->ended);
    assert_true(s2.packets_matched > s1.packets_matched);
    assert_true(s2.packets_written >= s1.packets_written);
    assert_true(s2.packets_written > 0);
    assert_true(s2.packets_matched >= s2.packets_written + s2.packets_dropped);

    pcapd_dp_job_stop(j->handle);
    wait_ended(j, 5000);
    assert_int_equal(j->info.reason, PCAPD_JOB_END_STOPPED);
    assert_int_equal(j->info.error, 0);
    const struct pcapd_job_stats *e = &j->info.stats;
    assert_true(e->packets_written >= s2.packets_written);
    assert_true(e->packets_written < LIMIT);
    /* 1-in-1 below the limit: every match was sampled, and every sample
     * written or counted dropped (none arrived after the job's end). */
    assert_int_equal(e->packets_matched, e->packets_written + e->packets_dropped);
    struct file_check c;
    check_file(j, &c);
    assert_int_equal(c.seen[frame_of(FLOW_UDP_C)], e->packets_written);
}

/* Stalls every writer: starts jobs writing into one pipe nobody reads
 * until each writer has one (jobs go to the writer with the fewest), so
 * every writer gets stuck in write() and the rings to it overflow; returns
 * once each stalling job is losing samples.  The jobs are in stall_jobs. */
static void stall_writers(void)
{
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pipe_rd = pfd[0];
    signal(SIGPIPE, SIG_IGN);
    struct pcapd_filter all = filter_any();
    bool stalled[PCAPD_MAX_WRITER_LCORES] = {false};
    unsigned covered = 0;
    n_stall = 0;
    while (covered < n_writers) {
        assert_true(n_stall < sizeof(stall_jobs) / sizeof(stall_jobs[0]));
        struct tjob *j;
        int fd = dup(pfd[1]);
        assert_true(fd >= 0);
        assert_int_equal(start_job_ex(&all, 1, 100000000, PCAPD_SIMPLE_SNAPLEN, 0, fd, &j), 0);
        stall_jobs[n_stall++] = j;
        struct pcapd_job_stats st;
        assert_int_equal(pcapd_dp_job_stats(j->handle, &st), 0);
        assert_true(st.writer < n_writers);
        if (!stalled[st.writer]) {
            stalled[st.writer] = true;
            covered++;
        }
    }
    close(pfd[1]);
    uint64_t end = mono_ms() + 5000;
    unsigned losing;
    do {
        poll_for(10);
        losing = 0;
        for (unsigned i = 0; i < n_stall; i++) {
            struct pcapd_job_stats st;
            assert_int_equal(pcapd_dp_job_stats(stall_jobs[i]->handle, &st), 0);
            losing += st.packets_dropped > 0;
        }
    } while (losing < n_stall && mono_ms() < end);
    assert_int_equal(losing, n_stall);
    for (unsigned i = 0; i < n_stall; i++)
        assert_false(stall_jobs[i]->ended);
}

/* Lets the writers go: the stalling jobs' writes fail with EPIPE. */
static void unstall_writers(void)
{
    close(pipe_rd);
    pipe_rd = -1;
    for (unsigned i = 0; i < n_stall; i++) {
        struct tjob *stall = stall_jobs[i];
        wait_ended(stall, 3000);
        close(stall->spec.fd);
        assert_int_equal(stall->info.reason, PCAPD_JOB_END_WRITE_ERROR);
        assert_int_equal(stall->info.error, EPIPE);
    }
    n_stall = 0;
}

/* A job stopped while the writer is stalled with its records still in the
 * ring: once the writer goes on, the CLOSE writes them all before ending
 * the job (matched = written + dropped), none is left to arrive late; the
 * file of a job that keeps running stays in time order. */
static void test_stop_while_writer_stalled(void **state)
{
    (void)state;
    /* `other` matches every packet, so it has records everywhere in the
     * batch the writer is routing when it stalls. */
    struct pcapd_filter fc = mkfilter(17, NULL, NULL, -1, 53), all = filter_any();
    struct tjob *j = start_job_ok(&fc, 1, 100000000);
    struct tjob *other = start_job_ok(&all, 1, 100000000);
    poll_for(20);
    stall_writers();
    pcapd_dp_job_stop(j->handle);
    poll_for(100);
    assert_false(j->ended); /* the writer cannot have closed it */
    unstall_writers();
    wait_ended(j, END_DEADLINE_MS);
    assert_int_equal(j->info.reason, PCAPD_JOB_END_STOPPED);
    const struct pcapd_job_stats *e = &j->info.stats;
    assert_true(e->packets_written > 0);
    struct file_check c;
    check_file(j, &c);
    assert_int_equal(c.seen[frame_of(FLOW_UDP_C)], e->packets_written);
    poll_for(50);
    pcapd_dp_job_stop(other->handle);
    wait_ended(other, END_DEADLINE_MS);
    check_file(other, &c);
    assert_int_equal(e->packets_matched, e->packets_written + e->packets_dropped);
}

/* max_jobs jobs (64 distinct filters: the rte_acl path) fill the table and
 * the next gets -ENOSPC; once stopped and reported, a slot is reused with a
 * new generation and the new job works. */
static void test_capacity_and_reuse(void **state)
{
    (void)state;
    struct tjob *jobs[MAX_JOBS];
    bool slot_used[MAX_JOBS] = {false};

    /* Invalid specs are refused without taking a slot. */
    struct pcapd_job_spec bad = {.filter = filter_any(),
                                 .sample_rate = 0,
                                 .packet_limit = 1,
                                 .snaplen = PCAPD_SIMPLE_SNAPLEN,
                                 .fd = 1};
    pcapd_job_handle h;
    assert_int_equal(pcapd_dp_job_start(&bad, &h), -EINVAL);
    bad.sample_rate = 1;
    bad.packet_limit = 0;
    assert_int_equal(pcapd_dp_job_start(&bad, &h), -EINVAL);
    bad.packet_limit = 1;
    bad.fd = -1;
    assert_int_equal(pcapd_dp_job_start(&bad, &h), -EINVAL);
    bad.fd = 1;
    bad.snaplen = 0;
    assert_int_equal(pcapd_dp_job_start(&bad, &h), -EINVAL);
    bad.snaplen = PCAPD_FULL_SNAPLEN_MAX + 1;
    assert_int_equal(pcapd_dp_job_start(&bad, &h), -EINVAL);

    for (unsigned i = 0; i < MAX_JOBS; i++) {
        struct pcapd_filter none = mkfilter(250, NULL, NULL, -1, (int)(1000 + i));
        jobs[i] = start_job_ok(&none, 1, 10);
        uint32_t slot = handle_slot(jobs[i]->handle);
        assert_true(slot < MAX_JOBS);
        assert_false(slot_used[slot]);
        slot_used[slot] = true;
        assert_true(handle_gen(jobs[i]->handle) != 0);
    }
    struct pcapd_filter none = mkfilter(250, NULL, NULL, -1, -1);
    struct tjob *extra;
    assert_int_equal(start_job_ex(&none, 1, 10, PCAPD_SIMPLE_SNAPLEN, 0, -1, &extra), -ENOSPC);
    poll_for(20);
    assert_int_equal(start_job_ex(&none, 1, 10, PCAPD_SIMPLE_SNAPLEN, 0, -1, &extra), -ENOSPC);

    for (unsigned i = 0; i < MAX_JOBS; i++) {
        struct pcapd_job_stats st;
        assert_int_equal(pcapd_dp_job_stats(jobs[i]->handle, &st), 0);
        pcapd_dp_job_stop(jobs[i]->handle);
    }
    uint64_t end = mono_ms() + END_DEADLINE_MS;
    unsigned n_ended;
    do {
        poll_once();
        n_ended = 0;
        for (unsigned i = 0; i < MAX_JOBS; i++)
            n_ended += jobs[i]->ended;
        if (n_ended < MAX_JOBS)
            sleep_ms(1);
    } while (n_ended < MAX_JOBS && mono_ms() < end);
    assert_int_equal(n_ended, MAX_JOBS);
    for (unsigned i = 0; i < MAX_JOBS; i++) {
        assert_int_equal(jobs[i]->info.reason, PCAPD_JOB_END_STOPPED);
        assert_int_equal(jobs[i]->info.stats.packets_written, 0);
        assert_int_equal(file_size(jobs[i]->path), 24);
    }

    struct pcapd_filter udp = mkfilter(17, NULL, NULL, -1, -1);
    struct tjob *k = start_job_ok(&udp, 1, 50);
    uint32_t slot = handle_slot(k->handle);
    assert_true(slot < MAX_JOBS);
    for (unsigned i = 0; i < MAX_JOBS; i++) {
        if (handle_slot(jobs[i]->handle) == slot)
            assert_true(handle_gen(k->handle) > handle_gen(jobs[i]->handle));
        assert_true(k->handle != jobs[i]->handle);
    }
    wait_ended(k, END_DEADLINE_MS);
    struct file_check c;
    check_limit_file(k, &c);
    assert_saw_all_wanted(&c);
}

/* Two jobs at once with overlapping filters (all TCP; anything to port 80):
 * each file holds only its own job's packets and both reach their limits. */
static void test_overlapping_filters(void **state)
{
    (void)state;
    struct pcapd_filter ftcp = mkfilter(6, NULL, NULL, -1, -1);
    struct pcapd_filter f80 = mkfilter(-1, NULL, NULL, -1, 80);
    struct tjob *a = start_job_ok(&ftcp, 1, 300);
    struct tjob *b = start_job_ok(&f80, 1, 300);
    assert_true(handle_slot(a->handle) != handle_slot(b->handle));
    wait_ended(a, END_DEADLINE_MS);
    wait_ended(b, END_DEADLINE_MS);
    struct file_check ca, cb;
    check_limit_file(a, &ca);
    check_limit_file(b, &cb);
    /* Every TCP flow, whatever its ports; only FLOW_TCP_A goes to port 80
     * (FLOW_TCP_B comes from it). */
    assert_saw_all_wanted(&ca);
    assert_int_equal(cb.seen[frame_of(FLOW_TCP_A)], 300);
}

/* Ten jobs with distinct filters over five signatures (more classes than
 * the linear scan takes: rte_acl), including identical filters, prefixes
 * and the empty filter: every file holds its job's packets and only them,
 * every wanted frame, in replay order. */
static void test_many_filter_classes(void **state)
{
    (void)state;
    struct pcapd_filter fs[] = {
        mkfilter(6, NULL, NULL, -1, -1),                    /* A B E */
        mkfilter(17, NULL, NULL, -1, -1),                   /* C D S */
        mkfilter(17, NULL, NULL, -1, 53),                   /* C */
        mkfilter(6, NULL, NULL, -1, 53),                    /* E */
        mkfilter(-1, "10.1.0.0/16", NULL, -1, -1),          /* all but D */
        mkfilter(-1, "192.168.0.0/16", NULL, -1, -1),       /* D */
        mkfilter(-1, NULL, "10.2.0.3", -1, -1),             /* C */
        mkfilter(-1, "10.1.0.0/16", "10.2.0.0/24", 80, -1), /* B */
        mkfilter(17, NULL, NULL, -1, 53),                   /* C again: a shared class */
        filter_any(),                                       /* everything */
    };
    enum { N = sizeof(fs) / sizeof(fs[0]), LIMIT = 150 };
    struct tjob *jobs[N];
    for (unsigned i = 0; i < N; i++)
        jobs[i] = start_job_ok(&fs[i], 1, LIMIT);
    for (unsigned i = 0; i < N; i++)
        wait_ended(jobs[i], END_DEADLINE_MS);
    for (unsigned i = 0; i < N; i++) {
        struct file_check c;
        check_limit_file(jobs[i], &c);
        assert_saw_all_wanted(&c);
        if (i != N - 1)
            assert_int_equal(c.seen_null, 0);
    }
}

/* Full captures next to simple ones on the same filter: whole frames with a
 * 65535 snaplen, cut at 200 with a 200 snaplen, at 100 with 100 (a full
 * snaplen below 160), at 160 for the simple job; each file's header carries
 * its job's snaplen, so libpcap reads every byte back. */
static void test_full_capture(void **state)
{
    (void)state;
    struct pcapd_filter f = mkfilter(6, NULL, NULL, -1, -1);
    static const uint32_t snaplens[] = {FULL, 200, 100, PCAPD_SIMPLE_SNAPLEN};
    enum { N = sizeof(snaplens) / sizeof(snaplens[0]), LIMIT = 120 };
    struct tjob *jobs[N];
    for (unsigned i = 0; i < N; i++)
        assert_int_equal(start_job_ex(&f, 1, LIMIT, snaplens[i], 0, -1, &jobs[i]), 0);
    for (unsigned i = 0; i < N; i++)
        wait_ended(jobs[i], END_DEADLINE_MS);
    unsigned b = frame_of(FLOW_TCP_B), a = frame_of(FLOW_TCP_A);
    for (unsigned i = 0; i < N; i++) {
        struct file_check c;
        check_limit_file(jobs[i], &c); /* identify() checks caplen = min(len, snaplen) */
        assert_saw_all_wanted(&c);
        /* FLOW_TCP_B is 354 bytes, FLOW_TCP_A 94. */
        unsigned expect = (snaplens[i] < frames[b].len ? c.seen[b] : 0) +
                          (snaplens[i] < frames[a].len ? c.seen[a] : 0);
        assert_int_equal(c.truncated, expect);
    }
}

/* Byte limits: a job ends with BYTE_LIMIT before the packet that would take
 * its file past the limit; a limit met exactly keeps the last packet. */
static void test_byte_limit(void **state)
{
    (void)state;
    /* FLOW_UDP_C: 72-byte frames, 88-byte records. */
    struct pcapd_filter fc = mkfilter(17, NULL, NULL, -1, 53);
    uint64_t lim_c = 24 + 10 * 88 + 50;
    /* FLOW_TCP_B in full: 354-byte frames, 370-byte records; exactly 5. */
    struct pcapd_filter fb = mkfilter(6, NULL, NULL, 80, -1);
    uint64_t lim_b = 24 + 5 * 370;
    struct tjob *c, *b;
    assert_int_equal(start_job_ex(&fc, 1, 1000, PCAPD_SIMPLE_SNAPLEN, lim_c, -1, &c), 0);
    assert_int_equal(start_job_ex(&fb, 1, 1000, FULL, lim_b, -1, &b), 0);
    wait_ended(c, END_DEADLINE_MS);
    wait_ended(b, END_DEADLINE_MS);
    struct file_check chk;
    assert_int_equal(c->info.reason, PCAPD_JOB_END_BYTE_LIMIT);
    assert_int_equal(check_file(c, &chk), 10);
    assert_int_equal(file_size(c->path), 24 + 10 * 88);
    assert_int_equal(b->info.reason, PCAPD_JOB_END_BYTE_LIMIT);
    assert_int_equal(check_file(b, &chk), 5);
    assert_int_equal(file_size(b->path), lim_b);
}

/* A file that cannot be written (/dev/full): the job ends with WRITE_ERROR
 * and ENOSPC, whether it had traffic (buffer full) or none (drain timer). */
static void test_write_error(void **state)
{
    (void)state;
    int fd1 = open("/dev/full", O_WRONLY);
    int fd2 = open("/dev/full", O_WRONLY);
    assert_true(fd1 >= 0);
    assert_true(fd2 >= 0);
    struct pcapd_filter none = mkfilter(250, NULL, NULL, -1, -1), all = filter_any();
    struct tjob *j1, *j2;
    assert_int_equal(start_job_ex(&none, 1, 1000, PCAPD_SIMPLE_SNAPLEN, 0, fd1, &j1), 0);
    assert_int_equal(start_job_ex(&all, 1, 1000000, PCAPD_SIMPLE_SNAPLEN, 0, fd2, &j2), 0);
    wait_ended(j1, 3000);
    wait_ended(j2, 3000);
    close(fd1);
    close(fd2);
    assert_int_equal(j1->info.reason, PCAPD_JOB_END_WRITE_ERROR);
    assert_int_equal(j1->info.error, ENOSPC);
    assert_int_equal(j1->info.stats.bytes_written, 0);
    assert_int_equal(j2->info.reason, PCAPD_JOB_END_WRITE_ERROR);
    assert_int_equal(j2->info.error, ENOSPC);
    assert_int_equal(j2->info.stats.bytes_written, 0);
}

/* Packet limits bigger than the rings while the rings overflow: a job
 * writing into a pipe nobody reads stalls the writer, so the rings fill and
 * the samples of a simple and a full job are lost; once the pipe's reader
 * goes (the stalled job ends with EPIPE), both jobs must still end at their
 * limits with exactly that many packets, not wait forever. */
static void test_limit_under_overflow(void **state)
{
    (void)state;
    struct pcapd_filter all = filter_any();
    struct pcapd_dp_stats s0, s1;
    pcapd_dp_stats_read(&s0);
    stall_writers();
    struct tjob *simple, *full;
    assert_int_equal(start_job_ex(&all, 1, 20000, PCAPD_SIMPLE_SNAPLEN, 0, -1, &simple), 0);
    assert_int_equal(start_job_ex(&all, 1, 5000, FULL, 0, -1, &full), 0);
    struct pcapd_job_stats st, sf;
    uint64_t end = mono_ms() + 5000;
    do {
        poll_for(10);
        assert_int_equal(pcapd_dp_job_stats(simple->handle, &st), 0);
        assert_int_equal(pcapd_dp_job_stats(full->handle, &sf), 0);
    } while ((st.packets_dropped < 20000 || sf.packets_dropped < 5000) && mono_ms() < end);
    /* More samples lost than either limit. */
    assert_true(st.packets_dropped >= 20000);
    assert_true(sf.packets_dropped >= 5000);
    unstall_writers();
    wait_ended(simple, END_DEADLINE_MS);
    wait_ended(full, END_DEADLINE_MS);
    pcapd_dp_stats_read(&s1);
    assert_true(s1.writer_backlog_full > s0.writer_backlog_full);
    struct file_check c;
    check_limit_file(simple, &c);
    check_limit_file(full, &c);
}

/* The dataplane-wide counters: rx grows, a job start publishes a table, the
 * writer saw at least the records of a job that just ended, no counter goes
 * backwards. */
static void test_dp_stats(void **state)
{
    (void)state;
    struct pcapd_dp_stats s1, s2, s3;
    pcapd_dp_stats_read(&s1);
    /* The rx lcore may be starved for a while on a loaded machine: wait for
     * it to receive, up to the deadline, rather than a fixed time. */
    uint64_t end = mono_ms() + END_DEADLINE_MS;
    do {
        poll_for(20);
        pcapd_dp_stats_read(&s2);
    } while (s2.rx_packets == s1.rx_packets && mono_ms() < end);
    assert_true(s1.rx_packets > 0);
    assert_true(s2.rx_packets > s1.rx_packets);
    assert_false(s2.table_pending);

    struct pcapd_filter f = filter_any();
    struct tjob *j = start_job_ok(&f, 1, 500);
    wait_ended(j, END_DEADLINE_MS);
    assert_int_equal(j->info.reason, PCAPD_JOB_END_PACKET_LIMIT);
    poll_for(20);
    pcapd_dp_stats_read(&s3);
    assert_true(s3.rx_packets > s2.rx_packets);
    assert_true(s3.writer_records >= s2.writer_records + 500);
    /* One table with the job, one without it. */
    assert_true(s3.table_builds >= s2.table_builds + 2);
    assert_false(s3.table_pending);
    assert_true(s3.rx_missed >= s2.rx_missed);
    assert_true(s3.rx_nombuf >= s2.rx_nombuf);
    assert_true(s3.ring_full >= s2.ring_full);
    assert_true(s3.writer_backlog_full >= s2.writer_backlog_full);
    assert_true(s3.writer_late >= s2.writer_late);
    print_message("rx %llu missed %llu nombuf %llu ring_full %llu backlog_full %llu "
                  "writer %llu late %llu builds %llu last build %llu ns\n",
                  (unsigned long long)s3.rx_packets, (unsigned long long)s3.rx_missed,
                  (unsigned long long)s3.rx_nombuf, (unsigned long long)s3.ring_full,
                  (unsigned long long)s3.writer_backlog_full, (unsigned long long)s3.writer_records,
                  (unsigned long long)s3.writer_late, (unsigned long long)s3.table_builds,
                  (unsigned long long)s3.table_build_ns);
}

/* Sums the uint64_t at `offset` of `n` items of `size` bytes at `items`. */
static uint64_t sum_of(const void *items, size_t size, unsigned n, size_t offset)
{
    uint64_t sum = 0, v;
    for (unsigned i = 0; i < n; i++) {
        memcpy(&v, (const char *)items + i * size + offset, sizeof(v));
        sum += v;
    }
    return sum;
}

/* Sums the packets the rx lcores received. */
static uint64_t rx_lcores_packets(void)
{
    struct pcapd_dp_rx_stats rx[PCAPD_MAX_RX_LCORES];
    unsigned n = pcapd_dp_rx_read(rx, PCAPD_MAX_RX_LCORES);
    assert_int_equal(n, n_rx);
    return sum_of(rx, sizeof(rx[0]), n, offsetof(struct pcapd_dp_rx_stats, packets));
}

/* Sums the packets the ports received. */
static uint64_t ports_packets(void)
{
    struct pcapd_dp_port_stats p[PCAPD_MAX_PORTS];
    unsigned n = pcapd_dp_ports_read(p, PCAPD_MAX_PORTS);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].name, "net_null0");
    assert_string_equal(p[1].name, "net_pcap0");
    return sum_of(p, sizeof(p[0]), n, offsetof(struct pcapd_dp_port_stats, rx_packets));
}

/* Sums the rx lcores' busy time (ns), checking their rings' occupancy. */
static uint64_t rx_busy_ns(void)
{
    struct pcapd_dp_rx_stats rx[PCAPD_MAX_RX_LCORES];
    unsigned n = pcapd_dp_rx_read(rx, PCAPD_MAX_RX_LCORES);
    for (unsigned i = 0; i < n; i++) {
        assert_true(rx[i].ring_size > 0 && rx[i].backlog_size > 0);
        for (unsigned w = 0; w < n_writers; w++)
            assert_true(rx[i].ring_used[w] <= rx[i].ring_size &&
                        rx[i].backlog_used[w] <= rx[i].backlog_size);
    }
    return sum_of(rx, sizeof(rx[0]), n, offsetof(struct pcapd_dp_rx_stats, busy_ns));
}

/* The per-port, per-rx-lcore and per-writer counters: the ports count
 * what the rx lcores received (at most the bursts in flight apart); the
 * rx lcores, under a flood, are busy for about their whole life; a job's
 * file is exactly the bytes its writer counts as written, in writes
 * that its latency histogram counts once each. */
static void test_dp_detail_stats(void **state)
{
    (void)state;
    uint64_t l1 = rx_lcores_packets(), p = ports_packets(), l2 = rx_lcores_packets();
    /* A port counts a burst before its rx lcore does. */
    assert_true(l1 <= p);
    assert_true(p <= l2 + 32u * 3u);

    /* Under a flood every pass receives: the busy time is the lcores' whole
     * life, less the pass under way, which counts once it ends (an lcore
     * the host does not schedule for a while catches up later). */
    uint64_t busy, life, deadline = mono_ms() + 3000;
    do {
        poll_for(20);
        busy = rx_busy_ns();
        life = (mono_ms() - dp_started_ms) * 1000000u * n_rx;
    } while (busy < life / 2 && mono_ms() < deadline);
    print_message("busy %llu ns of %llu ns\n", (unsigned long long)busy, (unsigned long long)life);
    assert_true(busy >= life / 2);
    assert_true(busy <= life + 50000000u * n_rx);

    struct pcapd_dp_writer_stats w0[PCAPD_MAX_WRITER_LCORES], w1[PCAPD_MAX_WRITER_LCORES];
    assert_int_equal(pcapd_dp_writers_read(w0, PCAPD_MAX_WRITER_LCORES), n_writers);
    struct pcapd_filter f = filter_any();
    struct tjob *j = start_job_ok(&f, 1, 3000);
    wait_ended(j, END_DEADLINE_MS);
    assert_int_equal(pcapd_dp_writers_read(w1, PCAPD_MAX_WRITER_LCORES), n_writers);
    struct stat st;
    assert_int_equal(stat(j->path, &st), 0);
    uint64_t bytes = 0, writes = 0, in_buckets = 0;
    for (unsigned w = 0; w < n_writers; w++) {
        bytes += w1[w].bytes_written - w0[w].bytes_written;
        writes += w1[w].writes - w0[w].writes;
        for (unsigned b = 0; b <= PCAPD_WRITE_LATENCY_BUCKETS; b++)
            in_buckets += w1[w].write_latency[b] - w0[w].write_latency[b];
        assert_true(w1[w].write_ns >= w0[w].write_ns);
    }
    assert_int_equal(bytes, (uint64_t)st.st_size);
    assert_int_equal(j->info.stats.bytes_written, (uint64_t)st.st_size);
    /* 3000 records of up to 176 bytes in 64 KiB buffers. */
    assert_true(writes >= 2);
    assert_int_equal(in_buckets, writes);
}

/* ---- Several writer lcores ----------------------------------------------- */

/* Jobs started one after another on an empty table go to the writers in
 * turn (each goes to the one with the fewest); simple and full jobs,
 * identical filters on different writers: every file is complete and in
 * order, every job ends exactly at its limit, and the counters add up: the
 * writers received exactly the records written, and every lost sample is
 * counted once per stage and once per job.  Once they have ended, new jobs
 * again go to every writer. */
static void test_writers_share_jobs(void **state)
{
    (void)state;
    struct pcapd_filter fs[] = {
        mkfilter(6, NULL, NULL, -1, -1),  /* A B E */
        mkfilter(17, NULL, NULL, -1, 53), /* C */
        mkfilter(17, NULL, NULL, -1, 53), /* C again, likely on the other writer */
        mkfilter(-1, "10.1.0.0/16", NULL, -1, -1),
    };
    enum { N_FILTERS = sizeof(fs) / sizeof(fs[0]), N = 2 * N_FILTERS, LIMIT = 400 };
    struct pcapd_dp_stats s0, s1;
    struct tjob *jobs[N];
    unsigned per_writer[PCAPD_MAX_WRITER_LCORES] = {0};
    pcapd_dp_stats_read(&s0);
    for (unsigned i = 0; i < N; i++) {
        uint32_t snaplen = i < N_FILTERS ? PCAPD_SIMPLE_SNAPLEN : FULL;
        assert_int_equal(start_job_ex(&fs[i % N_FILTERS], 1, LIMIT, snaplen, 0, -1, &jobs[i]), 0);
        struct pcapd_job_stats st;
        assert_int_equal(pcapd_dp_job_stats(jobs[i]->handle, &st), 0);
        assert_int_equal(st.writer, i % n_writers);
        per_writer[st.writer]++;
    }
    for (unsigned w = 0; w < n_writers; w++)
        assert_int_equal(per_writer[w], N / n_writers);
    uint64_t written = 0, dropped = 0;
    for (unsigned i = 0; i < N; i++) {
        wait_ended(jobs[i], END_DEADLINE_MS);
        struct file_check c;
        check_limit_file(jobs[i], &c);
        assert_saw_all_wanted(&c);
        written += jobs[i]->info.stats.packets_written;
        dropped += jobs[i]->info.stats.packets_dropped;
    }
    poll_for(50);
    pcapd_dp_stats_read(&s1);
    assert_int_equal(written, (uint64_t)N * LIMIT);
    /* One rx lcore samples each job exactly to its limit: no record late. */
    assert_int_equal(s1.writer_records - s0.writer_records, written);
    assert_int_equal(s1.writer_late, s0.writer_late);
    assert_int_equal(
        (s1.ring_full - s0.ring_full) + (s1.writer_backlog_full - s0.writer_backlog_full), dropped);

    /* The writers are free again: the next jobs are spread the same way. */
    struct pcapd_filter udp = mkfilter(17, NULL, NULL, -1, -1);
    for (unsigned i = 0; i < n_writers; i++) {
        struct tjob *j = start_job_ok(&udp, 1, 50);
        struct pcapd_job_stats st;
        assert_int_equal(pcapd_dp_job_stats(j->handle, &st), 0);
        assert_int_equal(st.writer, i);
    }
}

/* Jobs on every writer stopped in the middle of their traffic: each file
 * holds exactly the packets its final stats count, in replay order, with
 * matched = written + dropped; and a job started while the others run goes
 * to the writer with the fewest jobs. */
static void test_writers_stop(void **state)
{
    (void)state;
    enum { N = 4, LIMIT = 100000000 };
    struct pcapd_filter f = mkfilter(17, NULL, NULL, -1, 53);
    struct tjob *jobs[N + 1];
    for (unsigned i = 0; i < N; i++)
        jobs[i] = start_job_ok(&f, 1, LIMIT);
    poll_for(100);
    /* Two jobs end on writer 0: it has the fewest, the next goes there. */
    pcapd_dp_job_stop(jobs[0]->handle);
    wait_ended(jobs[0], END_DEADLINE_MS);
    if (n_writers > 1) {
        pcapd_dp_job_stop(jobs[2]->handle);
        wait_ended(jobs[2], END_DEADLINE_MS);
    }
    struct pcapd_job_stats st;
    uint64_t end = mono_ms() + END_DEADLINE_MS;
    do { /* A slot counts against its writer until it is free. */
        poll_for(5);
    } while (pcapd_dp_job_stats(jobs[0]->handle, &st) != -ENOENT && mono_ms() < end);
    while (n_writers > 1 && pcapd_dp_job_stats(jobs[2]->handle, &st) != -ENOENT && mono_ms() < end)
        poll_for(5);
    jobs[N] = start_job_ok(&f, 1, LIMIT);
    assert_int_equal(pcapd_dp_job_stats(jobs[N]->handle, &st), 0);
    assert_int_equal(st.writer, 0);
    poll_for(100);
    for (unsigned i = 0; i <= N; i++)
        pcapd_dp_job_stop(jobs[i]->handle);
    for (unsigned i = 0; i <= N; i++) {
        wait_ended(jobs[i], END_DEADLINE_MS);
        assert_int_equal(jobs[i]->info.reason, PCAPD_JOB_END_STOPPED);
        const struct pcapd_job_stats *e = &jobs[i]->info.stats;
        assert_true(e->packets_written > 0);
        assert_int_equal(e->packets_matched, e->packets_written + e->packets_dropped);
        struct file_check c;
        check_file(jobs[i], &c);
        assert_int_equal(c.seen[frame_of(FLOW_UDP_C)], e->packets_written);
    }
}

/* ---- Receive timestamps ----------------------------------------------------- */

/* Packets fed through the FIFO: the replayed frames over and over. */
#define FEED_PACKETS 600
/* Microseconds since the epoch of fed packet k: FEED_T0_US + k * FEED_STEP_US
 * (every digit of the microseconds in use). */
#define FEED_T0_US 1700000000123457ull
#define FEED_STEP_US 1234567ull

/* Which hw timestamps process runs: what the group starts and expects. */
static enum pcapd_hw_timestamps hw_mode;
/* Also a net_null port beside the fed net_pcap one (`hw-auto`). */
static bool hw_with_null;
/* The FIFO net_pcap reads, the thread feeding it (and whether a test
 * joined it already), and the pipe that tells the thread to send the
 * packets. */
static char fifo_path[160];
static pthread_t feeder;
static bool feeder_joined;
static int feed_go[2] = {-1, -1};
/* Realtime clock when the packets were sent. */
static uint64_t feed_t_ns;

/* The frame of fed packet k. */
static const struct frame *feed_frame(unsigned k)
{
    return &frames[k % n_frames];
}

/* Nanoseconds since the epoch in the pcap record of fed packet k. */
static uint64_t feed_ns(unsigned k)
{
    return (FEED_T0_US + k * FEED_STEP_US) * 1000u;
}

/* Writes `len` bytes to `fd`, whatever the FIFO takes at a time. */
static void write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            perror("feeder write");
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

/* The feeder thread: opens the FIFO (while net_pcap's probe opens it),
 * writes the microsecond pcap file header, which the probe reads; then,
 * once told to, every packet, and closes it (net_pcap then sees the end of
 * the file and receives nothing more). */
static void *feeder_main(void *arg)
{
    (void)arg;
    int fd = open(fifo_path, O_WRONLY);
    if (fd < 0) {
        perror("feeder open");
        return NULL;
    }
    uint32_t hdr[6] = {0xa1b2c3d4u, 2u | (4u << 16), 0, 0, 65535, 1};
    write_all(fd, hdr, sizeof(hdr));
    char go;
    if (read(feed_go[0], &go, 1) == 1) {
        for (unsigned k = 0; k < FEED_PACKETS; k++) {
            const struct frame *fr = feed_frame(k);
            uint64_t us = FEED_T0_US + k * FEED_STEP_US;
            uint32_t rec[4] = {(uint32_t)(us / 1000000u), (uint32_t)(us % 1000000u), fr->len,
                               fr->len};
            write_all(fd, rec, sizeof(rec));
            write_all(fd, fr->data, fr->len);
        }
    }
    close(fd);
    return NULL;
}

/* Group setup of the hw timestamps processes: the frames, the FIFO and its
 * feeder, and the dataplane on net_pcap reading the FIFO (beside net_null
 * with `hw-auto`), one rx lcore, two writers, hw_timestamps as `hw_mode`. */
static int hw_group_setup(void **state)
{
    (void)state;
    if (make_tmpdir() != 0) /* the frames; the file itself is not replayed here */
        return -1;
    snprintf(fifo_path, sizeof(fifo_path), "%s/feed.fifo", tmpdir);
    if (mkfifo(fifo_path, 0600) != 0 || pipe(feed_go) != 0 ||
        pthread_create(&feeder, NULL, feeder_main, NULL) != 0) {
        perror("feeder");
        return -1;
    }
    static char a_pcap[256], a_null[] = "--vdev=net_null0,copy=1,size=64";
    snprintf(a_pcap, sizeof(a_pcap), "--vdev=net_pcap0,rx_pcap=%s", fifo_path);
    char *vdevs[] = {a_pcap, a_null};
    int argc = eal_args("0@0,1@1,2@0,3@0", "512", vdevs, hw_with_null ? 2 : 1);
    struct pcapd_dp_config cfg = dp_config(argc);
    cfg.rx_lcores[0] = 1;
    cfg.n_rx_lcores = 1;
    cfg.writer_lcores[0] = 2;
    cfg.writer_lcores[1] = 3;
    cfg.n_writer_lcores = 2;
    /* Room on each writer's ring for every fed packet of the full job: a
     * writer starved by other work on its core (a shared CI machine) must
     * not turn into a lost packet, and a job that waits for it forever. */
    cfg.full_ring_size = 2 * 1024;
    cfg.hw_timestamps = hw_mode;
    char err[256] = "";
    int rc = pcapd_dp_start(&cfg, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "pcapd_dp_start: %d: %s\n", rc, err);
        return -1;
    }
    struct pcapd_dp_stats s;
    pcapd_dp_stats_read(&s);
    unsigned want = hw_mode == PCAPD_HW_TIMESTAMPS_OFF ? 0 : 1;
    if (s.hw_timestamp_ports != want || s.writers != 2) {
        fprintf(stderr, "%u stamping ports and %u writers, expected %u and 2\n",
                s.hw_timestamp_ports, s.writers, want);
        return -1;
    }
    return 0;
}

/* Group teardown of the hw timestamps processes: lets the feeder finish if
 * no test told it to send, then stops the dataplane. */
static int hw_group_teardown(void **state)
{
    if (feed_go[1] >= 0) {
        close(feed_go[1]); /* the feeder sends nothing and closes the FIFO */
        feed_go[1] = -1;
    }
    if (!feeder_joined)
        pthread_join(feeder, NULL);
    close(feed_go[0]);
    unlink(fifo_path);
    return group_teardown(state);
}

/* Tells the feeder to send every packet. */
static void feed_now(void)
{
    feed_t_ns = now_ns();
    assert_int_equal(write(feed_go[1], "g", 1), 1);
    close(feed_go[1]);
    feed_go[1] = -1;
}

/* Waits until every one of the `n` jobs is in the published table. */
static void wait_published(struct tjob **jobs, unsigned n)
{
    uint64_t end = mono_ms() + END_DEADLINE_MS;
    for (unsigned i = 0; i < n; i++) {
        struct pcapd_job_stats st;
        do {
            poll_for(1);
            assert_int_equal(pcapd_dp_job_stats(jobs[i]->handle, &st), 0);
        } while (!st.published && mono_ms() < end);
        assert_true(st.published);
    }
}

/* What check_feed_pkt() checks a job's file against. */
struct feed_check {
    const struct tjob *j;
    /* The fed packets the job's filter wants, in feed order. */
    unsigned want[FEED_PACKETS];
    unsigned n_want;
    /* Some fed packets may be missing (the job lost samples): each fed
     * packet is then told by its source timestamp, not by its place. */
    bool lossy;
    /* Fed packets seen, the last one's index in the feed, null frames
     * seen, previous timestamp. */
    unsigned n_fed;
    int last_k;
    unsigned n_null;
    uint64_t prev_ns;
};

/* The fed packet whose source time is `ts_ns`, or -1 if none has it. */
static int feed_index_of(uint64_t ts_ns)
{
    if (ts_ns % 1000 != 0 || ts_ns / 1000 < FEED_T0_US)
        return -1;
    uint64_t d = ts_ns / 1000 - FEED_T0_US;
    if (d % FEED_STEP_US != 0 || d / FEED_STEP_US >= FEED_PACKETS)
        return -1;
    return (int)(d / FEED_STEP_US);
}

/* Asserts packet `i` of a job's file is the next fed packet its filter
 * wants, byte for byte (or, with `hw-auto`, a null frame), stamped as
 * hw_mode says: with the fed record's own time when the port's timestamps
 * are used, else with the time of capture. */
static void check_feed_pkt(const struct rpkt *p, unsigned i, void *ctx)
{
    struct feed_check *c = ctx;
    const struct frame *fr = identify(p, c->j->spec.snaplen);
    if (fr == NULL)
        fail_msg("packet %u (len %u) is no known frame", i, p->len);
    uint64_t now = now_ns();
    if (fr == &null_frame) {
        /* net_null stamps nothing: its packets always have the TSC time. */
        if (p->ts_ns < feed_t_ns - TS_SLACK_NS || p->ts_ns > now + TS_SLACK_NS)
            fail_msg("null packet %u: timestamp %llu is not the time of capture", i,
                     (unsigned long long)p->ts_ns);
        c->n_null++;
        return;
    }
    if (c->n_fed >= c->n_want)
        fail_msg("packet %u: more fed packets than the %u wanted", i, c->n_want);
    unsigned k = c->want[c->n_fed++];
    if (c->lossy) {
        int found = feed_index_of(p->ts_ns);
        if (found < 0 || found <= c->last_k)
            fail_msg("packet %u: timestamp %llu is no later fed packet's source time", i,
                     (unsigned long long)p->ts_ns);
        k = (unsigned)found;
    }
    c->last_k = (int)k;
    if (fr != feed_frame(k))
        fail_msg("packet %u is frame %d, expected fed packet %u (frame %d)", i, (int)fr->flow, k,
                 (int)feed_frame(k)->flow);
    if (hw_mode != PCAPD_HW_TIMESTAMPS_OFF) {
        if (p->ts_ns != feed_ns(k))
            fail_msg("packet %u (fed %u): timestamp %llu, the source has %llu", i, k,
                     (unsigned long long)p->ts_ns, (unsigned long long)feed_ns(k));
    } else {
        if (p->ts_ns < feed_t_ns - TS_SLACK_NS || p->ts_ns > now + TS_SLACK_NS)
            fail_msg("packet %u: timestamp %llu is not the time of capture [%llu, %llu]", i,
                     (unsigned long long)p->ts_ns, (unsigned long long)feed_t_ns,
                     (unsigned long long)now);
        if (p->ts_ns < c->prev_ns)
            fail_msg("packet %u: timestamp before the previous one", i);
        c->prev_ns = p->ts_ns;
    }
}

/* Reads back ended job `j` and checks it against the feed: every fed
 * packet its filter wants, in order, and nothing else but null frames; or,
 * when the job lost samples, only fed packets it wants, in order, each
 * with its own source time.  Returns the check's findings. */
static const struct feed_check *check_feed_file(const struct tjob *j)
{
    static struct feed_check c;
    memset(&c, 0, sizeof(c));
    c.j = j;
    c.last_k = -1;
    c.lossy = j->info.stats.packets_dropped != 0;
    for (unsigned k = 0; k < FEED_PACKETS; k++) {
        if (ref_matches(&j->spec.filter, feed_frame(k)))
            c.want[c.n_want++] = k;
    }
    unsigned n = pcap_foreach(j->path, j->spec.snaplen, check_feed_pkt, &c);
    assert_int_equal(n, j->info.stats.packets_written);
    if (!c.lossy)
        assert_int_equal(c.n_fed, c.n_want);
    return &c;
}

/* The fed packets that filter `f` wants. */
static unsigned feed_count(const struct pcapd_filter *f)
{
    unsigned n = 0;
    for (unsigned k = 0; k < FEED_PACKETS; k++)
        n += ref_matches(f, feed_frame(k));
    return n;
}

/* Every fed packet through simple and full jobs on both writers, the whole
 * feed and one flow: each file holds exactly the fed packets its filter
 * wants, in order, byte for byte, stamped (with `hw-on`) with the source
 * file's own times to the microsecond, or (with `hw-off`) with the time of
 * capture. */
static void test_hw_timestamps_feed(void **state)
{
    (void)state;
    struct pcapd_filter all = filter_any(), c53 = mkfilter(17, NULL, NULL, -1, 53);
    struct tjob *jobs[3];
    assert_int_equal(start_job_ex(&all, 1, FEED_PACKETS, PCAPD_SIMPLE_SNAPLEN, 0, -1, &jobs[0]), 0);
    assert_int_equal(start_job_ex(&all, 1, FEED_PACKETS, FULL, 0, -1, &jobs[1]), 0);
    assert_int_equal(start_job_ex(&c53, 1, feed_count(&c53), PCAPD_SIMPLE_SNAPLEN, 0, -1, &jobs[2]),
                     0);
    wait_published(jobs, 3);
    feed_now();
    for (unsigned i = 0; i < 3; i++) {
        wait_ended(jobs[i], END_DEADLINE_MS);
        assert_int_equal(jobs[i]->info.reason, PCAPD_JOB_END_PACKET_LIMIT);
        assert_int_equal(jobs[i]->info.stats.packets_dropped, 0);
        assert_int_equal(check_feed_file(jobs[i])->n_null, 0);
    }
}

/* `hw-auto` with net_pcap (stamps) beside net_null (stamps nothing): one
 * flow of the feed keeps its source times, every packet of it; a job on
 * everything gets both, the fed packets with their source times, in order,
 * and the null frames with the time of capture (it loses samples to the
 * null flood, so its fed packets are told by their times). */
static void test_hw_timestamps_auto_mixed(void **state)
{
    (void)state;
    struct pcapd_filter all = filter_any(), c53 = mkfilter(17, NULL, NULL, -1, 53);
    struct tjob *jobs[2];
    unsigned n53 = feed_count(&c53);
    assert_int_equal(start_job_ex(&c53, 1, n53, PCAPD_SIMPLE_SNAPLEN, 0, -1, &jobs[0]), 0);
    /* A full job on everything, until the feed is over (the null frames
     * keep coming). */
    assert_int_equal(start_job_ex(&all, 1, 100000000, FULL, 0, -1, &jobs[1]), 0);
    wait_published(jobs, 2);
    feed_now();
    wait_ended(jobs[0], END_DEADLINE_MS);
    assert_int_equal(jobs[0]->info.reason, PCAPD_JOB_END_PACKET_LIMIT);
    assert_int_equal(jobs[0]->info.stats.packets_dropped, 0);
    assert_int_equal(check_feed_file(jobs[0])->n_null, 0);
    pthread_join(feeder, NULL); /* every packet is in the FIFO, and it is closed */
    feeder_joined = true;
    poll_for(200);
    pcapd_dp_job_stop(jobs[1]->handle);
    wait_ended(jobs[1], END_DEADLINE_MS);
    const struct feed_check *c = check_feed_file(jobs[1]);
    print_message("everything: %u fed and %u null packets, %llu lost\n", c->n_fed, c->n_null,
                  (unsigned long long)jobs[1]->info.stats.packets_dropped);
    assert_true(c->n_fed > 0);
    assert_true(c->n_null > 0);
}

/* hw_timestamps = on with a port that gives no timestamps (net_null): the
 * dataplane refuses to start, naming the port and why. */
static void test_hw_timestamps_refused(void **state)
{
    (void)state;
    static char a_null[] = "--vdev=net_null0";
    char *vdevs[] = {a_null};
    struct pcapd_dp_config cfg = dp_config(eal_args("0@0,1@1,2@0", "256", vdevs, 1));
    cfg.rx_lcores[0] = 1;
    cfg.n_rx_lcores = 1;
    cfg.writer_lcores[0] = 2;
    cfg.n_writer_lcores = 1;
    cfg.n_mbufs = 2047;
    cfg.ring_size = 1024;
    cfg.full_ring_size = 256;
    cfg.max_jobs = 4;
    cfg.hw_timestamps = PCAPD_HW_TIMESTAMPS_ON;
    char err[256] = "";
    assert_int_equal(pcapd_dp_start(&cfg, err, sizeof(err)), -EINVAL);
    print_message("%s\n", err);
    assert_non_null(strstr(err, "hw_timestamps is on"));
    assert_non_null(strstr(err, "port 0 (net_null)"));
    assert_non_null(strstr(err, "RTE_ETH_RX_OFFLOAD_TIMESTAMP"));
    rte_eal_cleanup();
}

/* Runs the tests of `mode`: `one-writer` (the default), `two-writers` or
 * `two-rx`, the suite in that layout; `hw-on`, `hw-off` or `hw-auto`, the receive
 * timestamp tests; `hw-refused`, the refusal to start.
 * PCAPD_DPTEST_FILTER="test_byte*" runs only the matching tests. */
int main(int argc, char **argv)
{
    const struct CMUnitTest suite[] = {
        cmocka_unit_test_teardown(test_packet_limit_exact, teardown_jobs),
        cmocka_unit_test_teardown(test_filter_selectivity, teardown_jobs),
        cmocka_unit_test_teardown(test_time_order, teardown_jobs),
        cmocka_unit_test_teardown(test_sampling_count, teardown_jobs),
        cmocka_unit_test_teardown(test_sampling_phase, teardown_jobs),
        cmocka_unit_test_teardown(test_stop_no_traffic, teardown_jobs),
        cmocka_unit_test_teardown(test_stop_with_traffic, teardown_jobs),
        cmocka_unit_test_teardown(test_stop_while_writer_stalled, teardown_jobs),
        cmocka_unit_test_teardown(test_capacity_and_reuse, teardown_jobs),
        cmocka_unit_test_teardown(test_overlapping_filters, teardown_jobs),
        cmocka_unit_test_teardown(test_many_filter_classes, teardown_jobs),
        cmocka_unit_test_teardown(test_full_capture, teardown_jobs),
        cmocka_unit_test_teardown(test_byte_limit, teardown_jobs),
        cmocka_unit_test_teardown(test_write_error, teardown_jobs),
        cmocka_unit_test_teardown(test_limit_under_overflow, teardown_jobs),
        cmocka_unit_test_teardown(test_dp_stats, teardown_jobs),
        cmocka_unit_test_teardown(test_dp_detail_stats, teardown_jobs),
        cmocka_unit_test_teardown(test_writers_share_jobs, teardown_jobs),
        cmocka_unit_test_teardown(test_writers_stop, teardown_jobs),
    };
    const struct CMUnitTest hw_feed[] = {
        cmocka_unit_test_teardown(test_hw_timestamps_feed, teardown_jobs),
    };
    const struct CMUnitTest hw_auto[] = {
        cmocka_unit_test_teardown(test_hw_timestamps_auto_mixed, teardown_jobs),
    };
    const struct CMUnitTest hw_refused[] = {
        cmocka_unit_test(test_hw_timestamps_refused),
    };
    const char *filter = getenv("PCAPD_DPTEST_FILTER");
    if (filter != NULL)
        cmocka_set_test_filter(filter);
    const char *mode = argc > 1 ? argv[1] : "one-writer";
    if (strcmp(mode, "one-writer") == 0 || strcmp(mode, "two-writers") == 0 ||
        strcmp(mode, "two-rx") == 0) {
        n_writers = strcmp(mode, "two-writers") == 0 ? 2 : 1;
        n_rx = strcmp(mode, "two-rx") == 0 ? 2 : 1;
        return cmocka_run_group_tests_name(mode, suite, group_setup, group_teardown);
    }
    if (strcmp(mode, "hw-on") == 0 || strcmp(mode, "hw-off") == 0) {
        hw_mode = strcmp(mode, "hw-on") == 0 ? PCAPD_HW_TIMESTAMPS_ON : PCAPD_HW_TIMESTAMPS_OFF;
        return cmocka_run_group_tests_name(mode, hw_feed, hw_group_setup, hw_group_teardown);
    }
    if (strcmp(mode, "hw-auto") == 0) {
        hw_mode = PCAPD_HW_TIMESTAMPS_AUTO;
        hw_with_null = true;
        return cmocka_run_group_tests_name(mode, hw_auto, hw_group_setup, hw_group_teardown);
    }
    if (strcmp(mode, "hw-refused") == 0)
        return cmocka_run_group_tests_name(mode, hw_refused, NULL, NULL);
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
