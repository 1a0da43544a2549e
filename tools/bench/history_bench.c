/*
 * pcapd-history-bench: the look-back query benchmark's driver
 * (tools/bench-history runs it).
 *
 *   synth DIR RING SECONDS RATE
 *       Writes SECONDS of sampled traffic at RATE packets a second, ending
 *       now, into a history store in DIR through the history's own writer
 *       (the segments, 64 MiB or a minute each, and their indexes), and the
 *       same packets, in the same order, into a ring of 64 MiB nanosecond
 *       pcap files RING/ring-NNNN.pcap, as `tcpdump -C 64 -W N` keeps them.
 *       The traffic: sessions between clients (10.0.0.0/8) and a thousand
 *       servers (172.16.0.0/16, a few IPv6), TCP (80 %), UDP (18 %), ICMP,
 *       each lasting half a minute on average, so that a client is seen
 *       in a minute or two of the hour.  Prints a JSON line: packets,
 *       bytes, and a client of a session that began in the middle of the
 *       span, its server port and when the session began.
 *
 *   query DIR OUT [--src A] [--dst A] [--sport P] [--dport P] [--proto N]
 *         [--limit N] [--scan-all] [--repeat N]
 *       Runs a look-back query over everything DIR holds into the file OUT,
 *       N times over one open store (default 1), and prints a JSON line of
 *       the last run: seconds (wall), cpu_seconds (user and system time of
 *       the process: page faults and copies are the kernel's), packets,
 *       bytes read, segments in the window and read; and the first run's
 *       first_seconds and first_cpu_seconds (its page tables not built).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history_internal.h"
#include "history_writer.h"
#include "pcapd/history.h"
#include "pcapd/pcap_format.h"

/* Size of a ring file, as tcpdump -C 64 makes them. */
#define RING_FILE_BYTES (64ull << 20)
/* Sessions under way at any time. */
#define SESSIONS 4096

/* A deterministic pseudo-random generator (xorshift64). */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Seconds on the monotonic clock. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds of CPU the process has used, in user and in kernel mode. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One session of the synthetic traffic. */
struct session {
    uint8_t v6;
    uint8_t proto;
    uint32_t client;
    uint32_t server;
    uint16_t cport;
    uint16_t sport;
    /* When it ends (ns since the epoch). */
    uint64_t end;
};

/* Starts a new session `s` at time `t`. */
static void session_new(struct session *s, uint64_t t)
{
    static const uint16_t server_ports[] = {80, 443, 443, 443, 53, 22, 8080, 25};
    unsigned p = (unsigned)(next_random() % 100);
    s->proto = p < 80 ? 6 : p < 98 ? 17 : 1;
    s->v6 = next_random() % 20 == 0;
    s->client = 0x0a000000u | (uint32_t)(next_random() % 0xffffffu);
    s->server = 0xac100000u | (uint32_t)(next_random() % 1000);
    s->cport = (uint16_t)(1024 + next_random() % 60000);
    s->sport = s->proto == 17 ? 53 : server_ports[next_random() % 8];
    /* Half a minute on average, from a second to two minutes. */
    s->end = t + (1 + next_random() % 60) * 1000000000ull;
}

/* Writes a big-endian 16- or 32-bit value. */
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* Builds a packet of session `s` (either direction) into `f`; returns the
 * bytes kept and sets the length on the wire. */
static uint32_t session_frame(const struct session *s, uint8_t *f, uint32_t *wire)
{
    bool up = next_random() % 2;
    uint32_t src = up ? s->client : s->server, dst = up ? s->server : s->client;
    memset(f, 0, 160);
    f[0] = 0x02;
    f[6] = 0x02;
    f[11] = 1;
    uint32_t l4;
    if (s->v6) {
        put16(f + 12, 0x86dd);
        f[14] = 0x60;
        f[20] = s->proto == 1 ? 58 : s->proto;
        f[21] = 64;
        put32(f + 22, 0x20010db8);
        put32(f + 34, src);
        put32(f + 38, 0x20010db8);
        put32(f + 50, dst);
        l4 = 54;
    } else {
        put16(f + 12, 0x0800);
        f[14] = 0x45;
        f[22] = 64;
        f[23] = s->proto;
        put32(f + 26, src);
        put32(f + 30, dst);
        l4 = 34;
    }
    put16(f + l4, up ? s->cport : s->sport);
    put16(f + l4 + 2, up ? s->sport : s->cport);
    *wire = l4 + 20 + (uint32_t)(next_random() % 1400);
    return *wire < 160 ? *wire : 160;
}

/* The ring of pcap files beside the history. */
struct ring {
    const char *dir;
    FILE *f;
    uint64_t size;
    unsigned files;
    uint64_t bytes;
};

/* Appends a record to the ring, opening the next file past 64 MiB. */
static void ring_add(struct ring *r, uint64_t ts, uint32_t wire, const uint8_t *data, uint32_t cap)
{
    uint8_t rec[16 + 160];
    size_t n = pcap_format_record(rec, ts, wire, data, cap);
    if (r->f == NULL || r->size + n > RING_FILE_BYTES) {
        if (r->f != NULL)
            fclose(r->f);
        char path[600];
        snprintf(path, sizeof(path), "%s/ring-%04u.pcap", r->dir, r->files++);
        r->f = fopen(path, "wb");
        if (r->f == NULL) {
            perror(path);
            exit(1);
        }
        uint8_t hdr[PCAP_FILE_HEADER_LEN];
        r->size = pcap_format_file_header(hdr, 160, PCAP_LINKTYPE_ETHERNET);
        fwrite(hdr, 1, sizeof(hdr), r->f);
        r->bytes += r->size;
    }
    fwrite(rec, 1, n, r->f);
    r->size += n;
    r->bytes += n;
}

/* Waits until the store's thread has given back a segment object to `w`,
 * so that a writer faster than any capture path keeps its segments to
 * their bounds instead of dropping. */
static void wait_sealed(struct history_writer *w)
{
    while (w->spare == NULL && atomic_load(&w->free_segs.tail) == atomic_load(&w->free_segs.head))
        usleep(1000);
}

/* The synth command. */
static int synth(const char *dir, const char *ring_dir, double seconds, double rate)
{
    char err[256];
    struct pcapd_history *h;
    struct pcapd_history_config cfg = {.dir = dir, .max_bytes = 1ull << 40, .sample_rate = 100};
    if (pcapd_history_open(&cfg, &h, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct history_writer *w = history_writer_open(h, "dp");
    struct ring ring = {.dir = ring_dir};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t end = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    uint64_t t = end - (uint64_t)(seconds * 1e9), step = (uint64_t)(1e9 / rate);
    uint64_t n = (uint64_t)(seconds * rate), mid = n / 2;
    static struct session s[SESSIONS];
    for (unsigned i = 0; i < SESSIONS; i++)
        session_new(&s[i], t);
    struct session probe = {0};
    uint64_t probe_ts = 0;
    for (uint64_t i = 0; i < n; i++, t += step) {
        struct session *x = &s[next_random() % SESSIONS];
        if (t >= x->end) {
            session_new(x, t);
            /* The narrow queries' client: the first IPv4 TCP session
             * that starts in the middle of the span. */
            if (i >= mid && probe_ts == 0 && !x->v6 && x->proto == 6) {
                probe = *x;
                probe_ts = t;
            }
        }
        uint8_t frame[160];
        uint32_t wire, cap = session_frame(x, frame, &wire);
        history_writer_append(w, t, wire, frame, cap);
        ring_add(&ring, t, wire, frame, cap);
        if (i % 4096 == 4095)
            wait_sealed(w);
    }
    history_writer_close(w);
    fclose(ring.f);
    struct pcapd_history_stats st;
    pcapd_history_stats(h, &st);
    pcapd_history_close(h);
    printf("{\"packets\":%" PRIu64 ",\"history_bytes\":%" PRIu64 ",\"segments\":%u"
           ",\"dropped\":%" PRIu64 ",\"ring_bytes\":%" PRIu64 ",\"ring_files\":%u"
           ",\"client\":\"%u.%u.%u.%u\",\"server_port\":%u,\"client_seen_ns\":%" PRIu64 "}\n",
           st.appended, st.bytes, st.segments, st.dropped, ring.bytes, ring.files,
           probe.client >> 24, (probe.client >> 16) & 255, (probe.client >> 8) & 255,
           probe.client & 255, probe.sport, probe_ts);
    return st.dropped == 0 ? 0 : 1;
}

/* Parses an address option into a prefix. */
static void parse_addr(const char *text, struct pcapd_prefix *p)
{
    if (pcapd_prefix_parse(text, p) != 0) {
        fprintf(stderr, "bad address %s\n", text);
        exit(2);
    }
}

/* Reads the query command's options (from argv[4]) into `q` and
 * `repeat`.  Returns 0, or 2 on an unknown option. */
static int query_options(int argc, char **argv, struct pcapd_history_query *q, int *repeat)
{
    for (int i = 4; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : "0";
        if (strcmp(argv[i], "--scan-all") == 0) {
            q->scan_all = true;
            continue;
        }
        if (strcmp(argv[i], "--src") == 0) {
            parse_addr(v, &q->filter.src);
            q->filter.fields |= PCAPD_FILTER_SRC_ADDR;
        } else if (strcmp(argv[i], "--dst") == 0) {
            parse_addr(v, &q->filter.dst);
            q->filter.fields |= PCAPD_FILTER_DST_ADDR;
        } else if (strcmp(argv[i], "--sport") == 0) {
            q->filter.src_port = (uint16_t)atoi(v);
            q->filter.fields |= PCAPD_FILTER_SRC_PORT;
        } else if (strcmp(argv[i], "--dport") == 0) {
            q->filter.dst_port = (uint16_t)atoi(v);
            q->filter.fields |= PCAPD_FILTER_DST_PORT;
        } else if (strcmp(argv[i], "--proto") == 0) {
            q->filter.protocol = (uint8_t)atoi(v);
            q->filter.fields |= PCAPD_FILTER_PROTOCOL;
        } else if (strcmp(argv[i], "--limit") == 0) {
            q->packet_limit = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(argv[i], "--repeat") == 0) {
            *repeat = atoi(v) > 0 ? atoi(v) : 1;
        } else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
        i++;
    }
    return 0;
}

/* The query command: the query run `repeat` times over one open store,
 * as a running daemon's queries are; the figures are the last run's, and
 * the first run's time beside them. */
static int query(int argc, char **argv)
{
    struct pcapd_history_query q = {.end_ns = UINT64_MAX, .packet_limit = 10000};
    int repeat = 1;
    if (query_options(argc, argv, &q, &repeat) != 0)
        return 2;
    char err[256];
    struct pcapd_history *h;
    struct pcapd_history_config cfg = {.dir = argv[2], .max_bytes = 1ull << 40};
    if (pcapd_history_open(&cfg, &h, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct pcapd_history_result r;
    double wall = 0, cpu = 0, first_wall = 0, first_cpu = 0;
    int rc = 0;
    for (int i = 0; i < repeat && rc == 0; i++) {
        q.fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        double t0 = now_s(), c0 = cpu_s();
        rc = pcapd_history_query(h, &q, &r);
        wall = now_s() - t0;
        cpu = cpu_s() - c0;
        close(q.fd);
        first_wall = i == 0 ? wall : first_wall;
        first_cpu = i == 0 ? cpu : first_cpu;
    }
    pcapd_history_close(h);
    printf("{\"rc\":%d,\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"first_seconds\":%.6f,"
           "\"first_cpu_seconds\":%.6f,\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
           ",\"bytes_read\":%" PRIu64 ",\"segments_in_window\":%u,\"segments_read\":%u}\n",
           rc, wall, cpu, first_wall, first_cpu, r.packets, r.bytes, r.bytes_read,
           r.segments_in_window, r.segments_read);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "synth") == 0)
        return synth(argv[2], argv[3], atof(argv[4]), atof(argv[5]));
    if (argc >= 4 && strcmp(argv[1], "query") == 0)
        return query(argc, argv);
    fprintf(stderr, "usage: pcapd-history-bench synth DIR RING SECONDS RATE\n"
                    "       pcapd-history-bench query DIR OUT [--src A] [--dst A] [--sport P]\n"
                    "           [--dport P] [--proto N] [--limit N] [--scan-all]\n");
    return 2;
}
