/*
 * pcapd-dataplane-bench: drives pcapd's dataplane (the same library the
 * daemon runs) without the HTTP layer, to measure it beside dpdk-testpmd.
 *
 *   throughput: start N jobs (filters drawn like tools/gen-traffic.py's
 *   flows, so some match), let the table publish, then count received
 *   packets over a window; print Mpps, drops per stage, the table's build
 *   time and memory.
 *
 *   --swap: additionally run a probe job on gen-traffic.py's probe flow
 *   (sample 1) while other jobs are stopped and started every few ms, each
 *   change publishing a new table under load; then check the probe's file:
 *   its sequence numbers must follow each other with no gap.
 *
 *   --writers N: N writer lcores (default 1), sharing core 0 with the main
 *   lcore; jobs are spread over them.  --hw-timestamps off|auto|on: where
 *   timestamps come from (default off, the TSC).  --rx-lcores N: N rx
 *   lcores on cores 1..N, each with its share of the port's queues.
 *   --history N: the rx lcores also sample 1 packet in N for the look-back
 *   history, written by writer 0 into a store in a temporary directory
 *   (removed at the end; at most --history-mb MiB, default 256).
 *
 *   --windows: the jobs are started and published, then the rx lcores
 *   pause and the driver reads commands on stdin, one a line:
 *     capture S     the fast path for S seconds;
 *     reference S   receive and free only, as dpdk-testpmd's rxonly does,
 *                   for S seconds (same process, memory, pool and ports);
 *     ethertype S   the reference, reading each frame's EtherType too:
 *                   the least a capture does;
 *     quit.
 *   After each window the rx lcores pause again (they sleep, leaving the
 *   core to another process, e.g. testpmd, between windows), and the
 *   driver prints one JSON line: packets, Mpps, the rx threads' CPU time,
 *   per rx lcore rates, drops per stage and, in a stage-timing build
 *   (-Dstage_timing=true), nanoseconds per packet of each stage.
 *
 * Output: one JSON object on stdout (with --windows: one per window, after
 * a first one describing the set-up).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/sysinfo.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "dp_internal.h"
#include "pcapd/capture_record.h"
#include "pcapd/dataplane.h"
#include "pcapd/history.h"

/* Command-line settings. */
struct opts {
    /* The vdev's devargs. */
    const char *vdev;
    /* Jobs, and their 1-in-N sampling. */
    unsigned jobs;
    unsigned sample;
    /* Length of the measurement. */
    double seconds;
    /* Mbufs in the pool. */
    unsigned mbufs;
    /* Run the table-swap proof; run on hugepages. */
    int swap;
    int huge;
    /* Writer lcores. */
    unsigned writers;
    /* Where timestamps come from. */
    enum pcapd_hw_timestamps hw_timestamps;
    /* Rx lcores (on cores 1..rx_lcores). */
    unsigned rx_lcores;
    /* Take measurement windows as stdin asks (see the top of the file). */
    int windows;
    /* History sample rate (0: none), and its size bound (MiB). */
    unsigned history;
    unsigned history_mb;
};

/* The history store of --history, and its directory. */
static struct pcapd_history *bench_history;
static char bench_history_dir[64];

/* Monotonic time in seconds. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Parses a prefix the benchmark writes itself (never fails on valid text). */
static struct pcapd_prefix prefix(const char *text)
{
    struct pcapd_prefix p;
    if (pcapd_prefix_parse(text, &p) != 0) {
        fprintf(stderr, "bad prefix %s\n", text);
        exit(2);
    }
    return p;
}

/* The filter of job `i`: five kinds, like the generator's flows. */
static struct pcapd_filter job_filter(unsigned i)
{
    static const uint16_t ports[] = {80, 443, 53, 8080, 22, 3306};
    struct pcapd_filter f;
    char text[64];
    memset(&f, 0, sizeof(f));
    switch (i % 5) {
    case 0:
        f.fields = PCAPD_FILTER_PROTOCOL | PCAPD_FILTER_DST_PORT;
        f.protocol = 6;
        f.dst_port = (uint16_t)(i / 5 < 6 ? ports[i / 5] : 1024 + i);
        break;
    case 1:
        snprintf(text, sizeof(text), "10.%u.%u.0/24", i % 16, (i / 16) % 256);
        f.fields = PCAPD_FILTER_SRC_ADDR;
        f.src = prefix(text);
        break;
    case 2:
        snprintf(text, sizeof(text), "192.0.2.%u", i % 254 + 1);
        f.fields = PCAPD_FILTER_DST_ADDR | PCAPD_FILTER_PROTOCOL;
        f.dst = prefix(text);
        f.protocol = 17;
        break;
    case 3:
        snprintf(text, sizeof(text), "2001:db8:%x::/48", i % 4096);
        f.fields = PCAPD_FILTER_SRC_ADDR;
        f.src = prefix(text);
        break;
    default:
        snprintf(text, sizeof(text), "10.%u.%u.%u", i % 16, i / 16 % 256, i % 253 + 1);
        f.fields = PCAPD_FILTER_SRC_ADDR | PCAPD_FILTER_DST_PORT | PCAPD_FILTER_PROTOCOL;
        f.src = prefix(text);
        f.dst_port = 443;
        f.protocol = 6;
        break;
    }
    return f;
}

/* Starts a job of filter `f` writing to `fd`; returns 0 or a negative
 * errno. */
static int try_start_job(struct pcapd_filter f, unsigned sample, uint32_t limit, int fd,
                         uint64_t cookie, pcapd_job_handle *h)
{
    struct pcapd_job_spec spec = {.filter = f,
                                  .sample_rate = sample,
                                  .packet_limit = limit,
                                  .byte_limit = 0,
                                  .snaplen = PCAPD_SIMPLE_SNAPLEN,
                                  .fd = fd,
                                  .cookie = cookie};
    return pcapd_dp_job_start(&spec, h);
}

/* try_start_job(), exiting on failure. */
static pcapd_job_handle start_job(struct pcapd_filter f, unsigned sample, uint32_t limit, int fd,
                                  uint64_t cookie)
{
    pcapd_job_handle h;
    int rc = try_start_job(f, sample, limit, fd, cookie, &h);
    if (rc != 0) {
        fprintf(stderr, "job start: %s\n", strerror(-rc));
        exit(1);
    }
    return h;
}

/* Polls the dataplane for `seconds`, every `step_us` microseconds,
 * closing the files of ended jobs other than the probe's.  Returns the
 * probe's end report if it ended. */
static int poll_every(double seconds, unsigned step_us, int probe_fd,
                      struct pcapd_job_ended *probe_end)
{
    int probe_ended = 0;
    double until = now_s() + seconds;
    do {
        struct pcapd_job_ended e[64];
        unsigned n = pcapd_dp_poll_ended(e, 64);
        for (unsigned i = 0; i < n; i++) {
            if (e[i].fd == probe_fd) {
                *probe_end = e[i];
                probe_ended = 1;
            } else {
                close(e[i].fd);
            }
        }
        usleep(step_us);
    } while (now_s() < until);
    return probe_ended;
}

/* poll_every() each millisecond. */
static int poll_for(double seconds, int probe_fd, struct pcapd_job_ended *probe_end)
{
    return poll_every(seconds, 1000, probe_fd, probe_end);
}

/* Waits until every job change is in the published table. */
static void wait_published(void)
{
    struct pcapd_dp_stats s;
    struct pcapd_job_ended unused;
    do {
        poll_for(0.01, -2, &unused);
        pcapd_dp_stats_read(&s);
    } while (s.table_pending);
}

/* pcapd_dp_stop() callback: closes the files of jobs still running. */
static void close_ended(const struct pcapd_job_ended *e, void *arg)
{
    (void)arg;
    close(e->fd);
}

/* Checks the probe file: gen-traffic.py's probe packets carry their
 * sequence number at offset 50 (Ethernet + IPv4 + UDP + "PCPD" + flow).
 * Returns the number of gaps, counting a wrap of the replayed file as none
 * when the sequence restarts at 0 after `per_loop - 1`. */
static long probe_gaps(const char *path, long *packets, long per_loop)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (p == NULL) {
        fprintf(stderr, "%s: %s\n", path, err);
        return -1;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    long gaps = 0, prev = -1;
    *packets = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        if (h->caplen < 54 || memcmp(d + 42, "PCPD", 4) != 0) {
            gaps++;
            continue;
        }
        long seq = (long)((uint32_t)d[50] << 24 | (uint32_t)d[51] << 16 | d[52] << 8 | d[53]);
        if (prev >= 0 && seq != prev + 1 && !(seq == 0 && prev == per_loop - 1))
            gaps++;
        prev = seq;
        (*packets)++;
    }
    pcap_close(p);
    return gaps;
}

/* Parses the command line; EAL arguments are built from it. */
static void parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"vdev", 1, NULL, 'v'},       {"jobs", 1, NULL, 'j'},    {"sample", 1, NULL, 's'},
        {"seconds", 1, NULL, 't'},    {"mbufs", 1, NULL, 'm'},   {"swap", 0, NULL, 'w'},
        {"huge", 0, NULL, 'h'},       {"writers", 1, NULL, 'W'}, {"hw-timestamps", 1, NULL, 'T'},
        {"rx-lcores", 1, NULL, 'R'},  {"windows", 0, NULL, 'i'}, {"history", 1, NULL, 'H'},
        {"history-mb", 1, NULL, 'M'}, {NULL, 0, NULL, 0}};
    *o = (struct opts){.vdev = "net_null0",
                       .jobs = 1,
                       .sample = 100,
                       .seconds = 4,
                       .mbufs = 32767,
                       .swap = 0,
                       .writers = 1,
                       .hw_timestamps = PCAPD_HW_TIMESTAMPS_OFF,
                       .rx_lcores = 1,
                       .history_mb = 256};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'v')
            o->vdev = optarg;
        else if (c == 'j')
            o->jobs = (unsigned)atoi(optarg);
        else if (c == 's')
            o->sample = (unsigned)atoi(optarg);
        else if (c == 't')
            o->seconds = atof(optarg);
        else if (c == 'm')
            o->mbufs = (unsigned)atoi(optarg);
        else if (c == 'w')
            o->swap = 1;
        else if (c == 'h')
            o->huge = 1;
        else if (c == 'W')
            o->writers = (unsigned)atoi(optarg);
        else if (c == 'T' && strcmp(optarg, "off") == 0)
            o->hw_timestamps = PCAPD_HW_TIMESTAMPS_OFF;
        else if (c == 'T' && strcmp(optarg, "auto") == 0)
            o->hw_timestamps = PCAPD_HW_TIMESTAMPS_AUTO;
        else if (c == 'T' && strcmp(optarg, "on") == 0)
            o->hw_timestamps = PCAPD_HW_TIMESTAMPS_ON;
        else if (c == 'R')
            o->rx_lcores = (unsigned)atoi(optarg);
        else if (c == 'i')
            o->windows = 1;
        else if (c == 'H')
            o->history = (unsigned)atoi(optarg);
        else if (c == 'M')
            o->history_mb = (unsigned)atoi(optarg);
        else
            exit(2);
    }
    if (o->rx_lcores < 1 || o->rx_lcores > 8) {
        fprintf(stderr, "--rx-lcores: 1 to 8\n");
        exit(2);
    }
    if (o->writers < 1 || o->writers > PCAPD_MAX_WRITER_LCORES) {
        fprintf(stderr, "--writers: 1 to %d\n", PCAPD_MAX_WRITER_LCORES);
        exit(2);
    }
}

/* Starts the dataplane with the rx lcores 1..N on cores 1..N (in turn on
 * the cores there are past 0, when fewer) and the writers (lcores N+1,
 * N+2, ...) beside the main lcore on core 0, as pcapd does on a 2-core
 * host; with --huge, on hugepages (their files unlinked
 * once mapped, so they go back to the host when the process ends however
 * it ends), else with --no-huge. */
static void start_dataplane(const struct opts *o)
{
    static char vdev[600], prefix[64], lcores[160] = "--lcores=0@0";
    snprintf(vdev, sizeof(vdev), "--vdev=%s", o->vdev);
    snprintf(prefix, sizeof(prefix), "--file-prefix=pcapd-bench-%d", (int)getpid());
    /* On a host with fewer cores, the rx lcores share cores 1.. in turn. */
    unsigned cores = (unsigned)RTE_MAX(get_nprocs(), 2);
    for (unsigned r = 1; r <= o->rx_lcores; r++)
        snprintf(lcores + strlen(lcores), sizeof(lcores) - strlen(lcores), ",%u@%u", r,
                 1 + (r - 1) % (cores - 1));
    for (unsigned w = 0; w < o->writers; w++)
        snprintf(lcores + strlen(lcores), sizeof(lcores) - strlen(lcores), ",%u@0",
                 o->rx_lcores + 1 + w);
    static char *eal[] = {"bench",    "--no-huge",   "-m",   "1024",
                          "--no-pci", "--no-shconf", lcores, "--log-level=lib.eal:error",
                          prefix,     vdev,          NULL};
    int argc = 10;
    /* On hugepages, reserve what the pool and rings need (about 100 MiB)
     * rather than 1 GiB up front: the benchmark runs two or three of these
     * processes at once on a host whose pages others share. */
    if (o->huge) {
        eal[1] = "--huge-unlink";
        eal[3] = "256";
    }
    struct pcapd_dp_config cfg = {.eal_argc = argc,
                                  .eal_argv = eal,
                                  .n_rx_lcores = o->rx_lcores,
                                  .n_writer_lcores = o->writers,
                                  .n_mbufs = o->mbufs,
                                  .rx_desc = 1024,
                                  .ring_size = 16384,
                                  .full_ring_size = 4096,
                                  .max_jobs = o->jobs + 64,
                                  .write_buffer_size = 65536,
                                  .hw_timestamps = o->hw_timestamps};
    if (o->history > 0) {
        snprintf(bench_history_dir, sizeof(bench_history_dir), "/tmp/pcapd-bench-history-XXXXXX");
        char herr[256];
        struct pcapd_history_config hc = {.dir = bench_history_dir,
                                          .max_bytes = (uint64_t)o->history_mb << 20,
                                          .sample_rate = o->history};
        if (mkdtemp(bench_history_dir) == NULL ||
            pcapd_history_open(&hc, &bench_history, herr, sizeof(herr)) != 0) {
            fprintf(stderr, "history: %s\n", herr);
            exit(1);
        }
        cfg.history = bench_history;
        cfg.history_sample_rate = o->history;
    }
    for (unsigned r = 0; r < o->rx_lcores; r++)
        cfg.rx_lcores[r] = 1 + r;
    for (unsigned w = 0; w < o->writers; w++)
        cfg.writer_lcores[w] = o->rx_lcores + 1 + w;
    char err[512];
    if (pcapd_dp_start(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "dataplane: %s\n", err);
        exit(1);
    }
}

/* Closes the --history store, prints what it held, and removes it. */
static void history_done(void)
{
    if (bench_history == NULL)
        return;
    struct pcapd_history_stats hs;
    pcapd_history_stats(bench_history, &hs);
    pcapd_history_close(bench_history);
    printf("{\"history_appended\":%" PRIu64 ",\"history_dropped\":%" PRIu64
           ",\"history_bytes\":%" PRIu64 "}\n",
           hs.appended, hs.dropped, hs.bytes);
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", bench_history_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", bench_history_dir);
}

/* Heap bytes in use on this socket (rte_malloc), for table memory. */
static uint64_t heap_bytes(void)
{
    struct rte_malloc_socket_stats st;
    rte_malloc_get_socket_stats((int)rte_socket_id(), &st);
    return st.heap_allocsz_bytes;
}

/* The kernel's thread id of EAL lcore `lcore` (EAL names its thread
 * "rte-worker-N"), or 0 when not found. */
static pid_t lcore_tid(unsigned lcore)
{
    char want[32], path[300], comm[32];
    snprintf(want, sizeof(want), "rte-worker-%u\n", lcore);
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    pid_t tid = 0;
    while (d != NULL && tid == 0 && (e = readdir(d)) != NULL) {
        snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        if (fgets(comm, sizeof(comm), f) != NULL && strcmp(comm, want) == 0)
            tid = (pid_t)atoi(e->d_name);
        fclose(f);
    }
    if (d != NULL)
        closedir(d);
    return tid;
}

/* On-CPU nanoseconds of thread `tid` so far (its schedstat), or 0. */
static uint64_t thread_cpu_ns(pid_t tid)
{
    char path[64];
    unsigned long long ns = 0;
    snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        if (fscanf(f, "%llu", &ns) != 1)
            ns = 0;
        fclose(f);
    }
    return ns;
}

/* What a measurement window reads at its start and at its end. */
struct snapshot {
    double t;
    struct pcapd_dp_stats stats;
    /* Per rx lcore: packets received and on-CPU ns of its thread. */
    uint64_t packets[PCAPD_MAX_RX_LCORES];
    uint64_t cpu_ns[PCAPD_MAX_RX_LCORES];
    /* Stage cycles of all rx lcores together (stage-timing builds). */
    uint64_t stage_tsc[DP_STAGES];
};

/* Reads a snapshot of the `n_rx` rx lcores whose threads are `tids`. */
static void snapshot_take(struct snapshot *s, const pid_t *tids, unsigned n_rx)
{
    memset(s, 0, sizeof(*s));
    s->t = now_s();
    pcapd_dp_stats_read(&s->stats);
    for (unsigned r = 0; r < n_rx; r++) {
        s->packets[r] = dp.rx[r].rx_packets;
        s->cpu_ns[r] = thread_cpu_ns(tids[r]);
        for (unsigned k = 0; k < DP_STAGES; k++)
            s->stage_tsc[k] += dp.rx[r].stage_tsc[k];
    }
}

/* Prints the JSON line of a window of mode `what` between `a` and `b`. */
static void window_print(const char *what, const struct snapshot *a, const struct snapshot *b,
                         unsigned n_rx)
{
    static const char *stage_names[DP_STAGES] = {"receive", "parse",   "classify",
                                                 "sample",  "enqueue", "free"};
    double secs = b->t - a->t, cpu = 0;
    uint64_t packets = 0;
    printf("{\"mode\":\"%s\",\"seconds\":%.4f,\"lcores\":[", what, secs);
    for (unsigned r = 0; r < n_rx; r++) {
        uint64_t p = b->packets[r] - a->packets[r];
        double c = (double)(b->cpu_ns[r] - a->cpu_ns[r]) / 1e9;
        packets += p;
        cpu += c;
        printf("%s{\"packets\":%" PRIu64 ",\"mpps\":%.4f,\"cpu_share\":%.4f}", r ? "," : "", p,
               (double)p / secs / 1e6, c / secs);
    }
    printf("],\"packets\":%" PRIu64 ",\"mpps\":%.4f,\"rx_cpu_s\":%.4f,\"mpps_cpu\":%.4f", packets,
           (double)packets / secs / 1e6, cpu, cpu > 0 ? (double)packets / cpu / 1e6 : 0.0);
    printf(",\"ring_full\":%" PRIu64 ",\"writer_backlog_full\":%" PRIu64 ",\"rx_missed\":%" PRIu64
           ",\"rx_nombuf\":%" PRIu64 ",\"writer_records\":%" PRIu64 ",\"writer_late\":%" PRIu64,
           b->stats.ring_full - a->stats.ring_full,
           b->stats.writer_backlog_full - a->stats.writer_backlog_full,
           b->stats.rx_missed - a->stats.rx_missed, b->stats.rx_nombuf - a->stats.rx_nombuf,
           b->stats.writer_records - a->stats.writer_records,
           b->stats.writer_late - a->stats.writer_late);
    printf(",\"history_sampled\":%" PRIu64 ",\"history_ring_full\":%" PRIu64,
           b->stats.history_sampled - a->stats.history_sampled,
           b->stats.history_ring_full - a->stats.history_ring_full);
    printf(",\"stage_ns\":{");
    double ns_per_tsc = 1e9 / (double)rte_get_tsc_hz();
    for (unsigned k = 0; k < DP_STAGES; k++)
        printf("%s\"%s\":%.2f", k ? "," : "", stage_names[k],
               packets ? (double)(b->stage_tsc[k] - a->stage_tsc[k]) * ns_per_tsc / (double)packets
                       : 0.0);
    printf("}}\n");
    fflush(stdout);
}

/* The --windows loop: prints the set-up (`st` and `table_mem` as
 * measured after the jobs were published), then takes the windows stdin
 * asks for (see the top of the file) until "quit" or its end. */
static void run_windows(const struct opts *o, const struct pcapd_dp_stats *st, uint64_t table_mem)
{
#ifdef PCAPD_STAGE_TIMING
    const char *stage_timing = "true";
#else
    const char *stage_timing = "false";
#endif
    printf("{\"ready\":true,\"jobs\":%u,\"table_build_ms\":%.3f,\"table_mem_kib\":%" PRIu64
           ",\"rx_lcores\":%u,\"rx_queues\":%u,\"writers\":%u,\"huge\":%s,\"stage_timing\":%s}\n",
           o->jobs, st->table_build_ns / 1e6, table_mem / 1024, o->rx_lcores, dp.rx[0].n_queues,
           st->writers, o->huge ? "true" : "false", stage_timing);
    fflush(stdout);
    pid_t tids[PCAPD_MAX_RX_LCORES];
    for (unsigned r = 0; r < o->rx_lcores; r++) {
        tids[r] = lcore_tid(1 + r);
        if (tids[r] == 0) {
            fprintf(stderr, "no thread rte-worker-%u\n", 1 + r);
            exit(1);
        }
    }
    char line[128];
    struct pcapd_job_ended unused;
    while (fgets(line, sizeof(line), stdin) != NULL) {
        char what[32];
        double secs;
        if (strncmp(line, "quit", 4) == 0)
            break;
        if (sscanf(line, "%31s %lf", what, &secs) != 2 || secs <= 0 ||
            (strcmp(what, "capture") != 0 && strcmp(what, "reference") != 0 &&
             strcmp(what, "ethertype") != 0)) {
            fprintf(stderr, "bad command: %s", line);
            exit(2);
        }
        dp.rx_mode = strcmp(what, "capture") == 0     ? DP_RX_CAPTURE
                     : strcmp(what, "reference") == 0 ? DP_RX_REFERENCE
                                                      : DP_RX_ETHERTYPE;
        /* Let every rx lcore leave its pause and warm its caches. */
        poll_for(0.05, -2, &unused);
        struct snapshot a, b;
        snapshot_take(&a, tids, o->rx_lcores);
        /* The main thread sleeps most of the window: on a machine shared
         * with other work, the kernel's autogroups share a core among
         * process groups by what each group runs on every core, so what
         * this process's main thread (and writer) run on core 0 lowers
         * what its rx lcore gets of core 1. */
        poll_every(secs, 20000, -2, &unused);
        snapshot_take(&b, tids, o->rx_lcores);
        dp.rx_mode = DP_RX_PAUSED;
        window_print(what, &a, &b, o->rx_lcores);
    }
    /* Every packet received, all in the windows (the rx lcores started
     * paused): for instructions per packet, valgrind --tool=callgrind
     * --toggle-collect=dp_rx_lcore_main's total over this count. */
    struct pcapd_dp_stats end;
    pcapd_dp_stats_read(&end);
    printf("{\"rx_packets_total\":%" PRIu64 "}\n", end.rx_packets);
}

int main(int argc, char **argv)
{
    struct opts o;
    parse_opts(argc, argv, &o);
    /* --windows: the rx lcores wait for the first window. */
    if (o.windows)
        dp_rx_start_mode = DP_RX_PAUSED;
    start_dataplane(&o);
    int devnull = open("/dev/null", O_WRONLY);
    uint64_t heap0 = heap_bytes();
    for (unsigned i = 0; i < o.jobs; i++)
        start_job(job_filter(i), o.sample, UINT32_MAX, dup(devnull), i);
    wait_published();
    struct pcapd_dp_stats s0, s1;
    pcapd_dp_stats_read(&s0);
    uint64_t table_mem = heap_bytes() - heap0;

    char probe_path[] = "/tmp/pcapd-bench-probe-XXXXXX";
    int probe_fd = -1;
    pcapd_job_handle probe = 0;
    if (o.swap) {
        probe_fd = mkstemp(probe_path);
        struct pcapd_filter f = {.fields = PCAPD_FILTER_SRC_ADDR | PCAPD_FILTER_SRC_PORT |
                                           PCAPD_FILTER_PROTOCOL,
                                 .src = prefix("172.31.255.1"),
                                 .src_port = 4242,
                                 .protocol = 17};
        probe = start_job(f, 1, UINT32_MAX, probe_fd, UINT64_MAX);
        wait_published();
    }
    if (o.windows) {
        run_windows(&o, &s0, table_mem);
        pcapd_dp_stop(close_ended, NULL);
        history_done();
        return 0;
    }
    poll_for(0.5, probe_fd, &(struct pcapd_job_ended){0});
    pcapd_dp_stats_read(&s0);
    double t0 = now_s();
    unsigned swaps = 0;
    pcapd_job_handle churn[32] = {0};
    while (now_s() - t0 < o.seconds) {
        if (o.swap) {
            /* Replace one job of a window of 32: table changes under load. */
            unsigned k = swaps % 32, id = o.jobs + swaps;
            if (swaps >= 32)
                pcapd_dp_job_stop(churn[k]);
            /* A stopped job's slot is free once its writer reported its
             * end, which a writer starved on a loaded machine does late:
             * wait for one (10 s at most) rather than give up. */
            int fd = dup(devnull), rc;
            for (int tries = 0; (rc = try_start_job(job_filter(id), o.sample, UINT32_MAX, fd, id,
                                                    &churn[k])) == -ENOSPC &&
                                tries < 10000;
                 tries++)
                poll_for(0.001, probe_fd, &(struct pcapd_job_ended){0});
            if (rc != 0) {
                fprintf(stderr, "job start: %s\n", strerror(-rc));
                exit(1);
            }
            swaps++;
        }
        poll_for(o.swap ? 0.005 : 0.1, probe_fd, &(struct pcapd_job_ended){0});
        if (o.swap && swaps % 50 == 0)
            wait_published();
    }
    double t1 = now_s();
    pcapd_dp_stats_read(&s1);
    double mpps = (double)(s1.rx_packets - s0.rx_packets) / (t1 - t0) / 1e6;

    long probe_packets = 0, gaps = 0, probe_dropped = -1;
    if (o.swap) {
        struct pcapd_job_ended end;
        pcapd_dp_job_stop(probe);
        int done = 0;
        for (int tries = 0; tries < 500 && !done; tries++)
            done = poll_for(0.01, probe_fd, &end);
        /* The probe's own lost samples over its whole life (-1: its end
         * was not reported in time), to tell a gap a full ring made from
         * a loss; ring_full below covers only the swapping seconds. */
        if (done)
            probe_dropped = (long)end.stats.packets_dropped;
        gaps = probe_gaps(probe_path, &probe_packets, 1200);
        unlink(probe_path);
    }
    printf("{\"vdev\":\"%s\",\"jobs\":%u,\"sample\":%u,\"mpps\":%.3f,\"rx_missed\":%" PRIu64
           ",\"rx_nombuf\":%" PRIu64 ",\"ring_full\":%" PRIu64 ",\"writer_backlog_full\":%" PRIu64
           ",\"writer_records\":%" PRIu64 ",\"writer_late\":%" PRIu64
           ",\"table_build_ms\":%.3f,\"table_mem_kib\":%" PRIu64
           ",\"swaps\":%u,\"publications\":%" PRIu64
           ",\"probe_packets\":%ld,\"probe_gaps\":%ld,\"probe_dropped\":%ld"
           ",\"writers\":%u,\"hw_timestamp_ports\":%u"
           ",\"rx_packets_total\":%" PRIu64 "}\n",
           o.vdev, o.jobs, o.sample, mpps, s1.rx_missed - s0.rx_missed, s1.rx_nombuf - s0.rx_nombuf,
           s1.ring_full - s0.ring_full, s1.writer_backlog_full - s0.writer_backlog_full,
           s1.writer_records - s0.writer_records, s1.writer_late - s0.writer_late,
           s0.table_build_ns / 1e6, table_mem / 1024, swaps, s1.table_builds - s0.table_builds,
           probe_packets, gaps, probe_dropped, s1.writers, s1.hw_timestamp_ports, s1.rx_packets);
    fflush(stdout);
    pcapd_dp_stop(close_ended, NULL);
    history_done();
    return gaps == 0 ? 0 : 1;
}
