/*
 * The kernel capture path (include/pcapd/kernel_path.h): the life cycle of
 * its jobs, and its thread.
 *
 * Job slot i logs to NFLOG group base + i, so a packet's group names its
 * job.  The control thread owns slot allocation (a slot is taken by
 * pcapd_kp_job_start() and given back when pcapd_kp_poll_ended() reports
 * its end); the path's thread owns everything else of a running job: its
 * group binding, its rules, its file.  Between the two: a queue of jobs to
 * start and one of ended jobs (under a mutex held for a copy only), a
 * `stop` flag per job, and atomic counters.
 *
 * A job ends in this order, so that it loses nothing it matched and its
 * counters are final: its rules are flushed (no packet is logged for it
 * any more), its group is unbound (the kernel sends what it still held,
 * then the answer), its counters are read, its tables deleted, its file
 * flushed.  Loss is exact: the kernel's `logged` counter minus the packets
 * received, or, for a job ended at a limit, the gaps in the group's
 * sequence numbers before the limit.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "kp_internal.h"
#include "pcap_out.h"
#include "pcapd/pcap_format.h"

/* Longest wait for the kernel's answer to a bind or unbind (ms). */
#define KP_ACK_TIMEOUT_MS 2000
/* Pause between two readings of the running jobs' counters (ms). */
#define KP_COUNTER_REFRESH_MS 250
/* Longest time packets stay in a job's write buffer (ms). */
#define KP_FLUSH_INTERVAL_MS 200
/* Datagrams read in a row before the thread looks at its commands. */
#define KP_RECEIVE_BURST 64

/* Where a job is in its life. */
enum kp_job_state {
    /* The slot is free, or its job is waiting for the thread. */
    KP_JOB_IDLE = 0,
    /* Its group is bound and its rules are in. */
    KP_JOB_RUNNING,
    /* Its rules are gone; the packets the kernel held are coming in. */
    KP_JOB_DRAINING,
};

/* One job slot. */
struct kp_job {
    /* Control thread: the slot is taken, and its generation. */
    bool used;
    uint32_t gen;
    /* Set by the control thread before the job is queued, then read-only. */
    struct pcapd_job_spec spec;
    struct kp_job_rules rules;

    /* The path's thread only. */
    enum kp_job_state state;
    /* The file, through a buffer of the job's own. */
    struct pcap_out out;
    uint8_t *buf;
    /* When the buffer was last written out (ms, monotonic). */
    int64_t flushed_ms;
    /* Packets are still written (false once a limit is reached). */
    bool accepting;
    /* The job must end (a limit, a write error, a stop). */
    bool end_due;
    /* Why it ends, and the errno of a failure. */
    enum pcapd_job_end reason;
    int error;
    /* The next sequence number expected from the group. */
    bool have_seq;
    uint32_t next_seq;
    /* Packets received from the group (written or past a limit). */
    uint64_t received;
    /* Packets lost per the sequence numbers while the job was accepting. */
    uint64_t gap_lost;
    /* Time of the last packet written (keeps the file in time order). */
    uint64_t last_ts;
    /* Sequence number of the command whose answer is awaited, and it. */
    int64_t ack_seq;
    bool ack_done;
    int ack_error;

    /* Shared with the control thread. */
    _Atomic bool stop;
    _Atomic bool published;
    _Atomic uint64_t matched;
    _Atomic uint64_t written;
    _Atomic uint64_t bytes;
    _Atomic uint64_t dropped;
};

/* An ended job's report, and its slot. */
struct kp_ended {
    struct pcapd_job_ended e;
    uint32_t slot;
};

/* The path (one per process). */
static struct {
    /* The configuration, defaults applied. */
    struct pcapd_kp_config cfg;
    /* The job slots. */
    struct kp_job *jobs;
    /* The rules context and the NFLOG socket, used by the thread. */
    struct kp_rules *rules;
    struct kp_nflog *nflog;
    /* The thread, the eventfd that wakes it, and the order to quit. */
    pthread_t thread;
    bool thread_started;
    int wake_fd;
    _Atomic bool quit;
    /* Jobs queued to start, and jobs ended, under `lock`. */
    pthread_mutex_t lock;
    uint32_t *starts;
    unsigned n_starts;
    struct kp_ended *ended;
    unsigned n_ended;
    /* Path-wide counters. */
    _Atomic uint64_t batches, packets, packets_written, enobufs, packets_lost, packets_late,
        packets_unknown, rule_transactions, rule_transaction_ns;
    _Atomic uint32_t running;
    /* The control thread read a job's counters since the last refresh of
     * the kernel's counts (which are read only when someone looks). */
    _Atomic bool stats_wanted;
} kp = {.wake_fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

/* Nanoseconds on the monotonic clock. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Milliseconds on the monotonic clock. */
static int64_t now_ms(void)
{
    return (int64_t)(now_ns() / 1000000u);
}

/* Wakes the thread. */
static void wake(void)
{
    uint64_t one = 1;
    if (write(kp.wake_fd, &one, sizeof(one)) < 0) {
        /* The counter is full: the thread has wake-ups pending anyway. */
    }
}

/* Counts the relaxed way (statistics only). */
static inline void count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* --- packets (the thread) --- */

/* The job of a packet's group while it takes packets, or NULL. */
static struct kp_job *job_of_group(uint16_t group)
{
    uint32_t slot = (uint32_t)group - kp.cfg.nflog_group_base;
    if (group < kp.cfg.nflog_group_base || slot >= kp.cfg.max_jobs)
        return NULL;
    struct kp_job *j = &kp.jobs[slot];
    return j->state == KP_JOB_IDLE ? NULL : j;
}

/* Stops writing for job `j`, which must end for `reason`. */
static void job_close(struct kp_job *j, enum pcapd_job_end reason, int error)
{
    if (!j->accepting)
        return;
    j->accepting = false;
    j->end_due = true;
    j->reason = reason;
    j->error = error;
}

/* Accounts a packet's sequence number: a gap is packets the kernel logged
 * that did not reach us. */
static void account_seq(struct kp_job *j, const struct kp_nflog_packet *p)
{
    if (!p->has_seq)
        return;
    uint32_t gap = j->have_seq ? p->seq - j->next_seq : p->seq;
    if (gap != 0 && gap < (1u << 31) && j->accepting) {
        j->gap_lost += gap;
        count(&kp.packets_lost, gap);
        atomic_store_explicit(&j->dropped, j->gap_lost, memory_order_relaxed);
    }
    j->have_seq = true;
    j->next_seq = p->seq + 1;
}

/* Writes packet `p` to job `j`'s file, or ends the job at a limit. */
static void write_packet(struct kp_job *j, const struct kp_nflog_packet *p)
{
    uint32_t need = PCAP_RECORD_HEADER_LEN + 18 + p->payload_len, wire_len;
    int err = 0;
    uint8_t *room = pcap_out_reserve(&j->out, need, &err);
    if (room == NULL) {
        job_close(j, PCAPD_JOB_END_WRITE_ERROR, err);
        return;
    }
    uint32_t frame_len = kp_frame_ethernet(p, room + PCAP_RECORD_HEADER_LEN, &wire_len);
    uint32_t cap_len = frame_len < j->spec.snaplen ? frame_len : j->spec.snaplen;
    uint64_t size = pcap_out_size(&j->out) + PCAP_RECORD_HEADER_LEN + cap_len;
    if (j->spec.byte_limit != 0 && size > j->spec.byte_limit) {
        count(&kp.packets_late, 1);
        job_close(j, PCAPD_JOB_END_BYTE_LIMIT, 0);
        return;
    }
    uint64_t ts = p->ts_ns > j->last_ts ? p->ts_ns : j->last_ts;
    j->last_ts = ts;
    pcap_format_record_header(room, ts, wire_len, cap_len);
    pcap_out_commit(&j->out, PCAP_RECORD_HEADER_LEN + cap_len);
    uint64_t written = atomic_load_explicit(&j->written, memory_order_relaxed) + 1;
    atomic_store_explicit(&j->written, written, memory_order_relaxed);
    atomic_store_explicit(&j->bytes, size, memory_order_relaxed);
    count(&kp.packets_written, 1);
    if (written >= j->spec.packet_limit)
        job_close(j, PCAPD_JOB_END_PACKET_LIMIT, 0);
}

/* The reader's packet callback. */
static void on_packet(void *ctx, const struct kp_nflog_packet *p)
{
    (void)ctx;
    count(&kp.packets, 1);
    struct kp_job *j = job_of_group(p->group);
    if (j == NULL) {
        count(&kp.packets_unknown, 1);
        return;
    }
    account_seq(j, p);
    j->received++;
    if (!j->accepting) {
        count(&kp.packets_late, 1);
        return;
    }
    write_packet(j, p);
}

/* The reader's answer callback: the job awaiting `seq` has it. */
static void on_ack(void *ctx, uint32_t seq, int error)
{
    (void)ctx;
    for (unsigned i = 0; i < kp.cfg.max_jobs; i++) {
        struct kp_job *j = &kp.jobs[i];
        if (j->ack_seq == (int64_t)seq && !j->ack_done) {
            j->ack_done = true;
            j->ack_error = error;
            return;
        }
    }
}

static const struct kp_nflog_handler handler = {.packet = on_packet, .ack = on_ack};

/* Reads what the socket holds, up to a burst of datagrams.  Returns true
 * when it read all there was. */
static bool receive_burst(void)
{
    for (unsigned i = 0; i < KP_RECEIVE_BURST; i++) {
        int rc = kp_nflog_receive(kp.nflog, &handler);
        if (rc == -EAGAIN)
            return true;
        if (rc == -ENOBUFS)
            count(&kp.enobufs, 1);
        else if (rc > 0)
            count(&kp.batches, 1);
    }
    return false;
}

/* Sends a bind (`bind`) or an unbind of job `j`'s group and reads packets
 * until the kernel answers.  Returns 0 or a negative errno. */
static int group_command(struct kp_job *j, bool bind)
{
    uint16_t group = (uint16_t)j->rules.group;
    for (int attempt = 0; attempt < 2; attempt++) {
        j->ack_done = false;
        j->ack_seq = bind ? kp_nflog_bind(kp.nflog, group, j->rules.snaplen,
                                          (kp.cfg.flush_timeout_ms + 9) / 10,
                                          kp.cfg.queue_threshold, kp.cfg.batch_buffer_size)
                          : kp_nflog_unbind(kp.nflog, group);
        if (j->ack_seq < 0)
            return (int)j->ack_seq;
        int64_t deadline = now_ms() + KP_ACK_TIMEOUT_MS;
        uint64_t enobufs = atomic_load(&kp.enobufs);
        while (!j->ack_done && now_ms() < deadline && atomic_load(&kp.enobufs) == enobufs) {
            struct pollfd pfd = {.fd = kp_nflog_fd(kp.nflog), .events = POLLIN};
            if (receive_burst())
                poll(&pfd, 1, 10);
        }
        j->ack_seq = -1;
        if (j->ack_done)
            /* A repeated bind finds the group ours already (EBUSY); a
             * repeated unbind finds it gone (ENODEV). */
            return attempt > 0 && (j->ack_error == -EBUSY || j->ack_error == -ENODEV)
                       ? 0
                       : j->ack_error;
        /* The answer was lost (ENOBUFS) or late: ask again. */
    }
    return -ETIMEDOUT;
}

/* --- job life (the thread) --- */

/* Runs a rule transaction, timing it. */
static int timed(int (*op)(struct kp_rules *, const struct kp_job_rules *), struct kp_job *j)
{
    uint64_t t0 = now_ns();
    int rc = op(kp.rules, &j->rules);
    atomic_store(&kp.rule_transaction_ns, now_ns() - t0);
    count(&kp.rule_transactions, 1);
    return rc;
}

/* Queues the end report of job `j` and frees what it held. */
static void report_end(struct kp_job *j, const struct pcapd_job_stats *stats)
{
    struct pcapd_job_ended e = {.cookie = j->spec.cookie,
                                .fd = j->spec.fd,
                                .reason = j->reason,
                                .error = j->error,
                                .stats = *stats};
    free(j->buf);
    j->buf = NULL;
    j->state = KP_JOB_IDLE;
    pthread_mutex_lock(&kp.lock);
    kp.ended[kp.n_ended++] = (struct kp_ended){.e = e, .slot = (uint32_t)(j - kp.jobs)};
    pthread_mutex_unlock(&kp.lock);
}

/* Installs a new job's group and rules; a failure ends it at once. */
static void job_begin(struct kp_job *j)
{
    uint32_t cap = kp.cfg.write_buffer_size;
    uint32_t largest = PCAP_RECORD_HEADER_LEN + 18 + j->spec.snaplen;
    if (cap < 2 * largest)
        cap = 2 * largest;
    memset(&j->out, 0, sizeof(j->out));
    j->buf = malloc(cap);
    j->accepting = true;
    j->end_due = false;
    j->have_seq = false;
    j->received = j->gap_lost = j->last_ts = 0;
    j->ack_seq = -1;
    int rc = j->buf == NULL ? -ENOMEM : 0;
    bool bound = false;
    if (rc == 0) {
        pcap_out_init(&j->out, j->spec.fd, j->buf, cap, j->spec.snaplen);
        atomic_store(&j->bytes, pcap_out_size(&j->out));
        j->flushed_ms = now_ms();
        j->state = KP_JOB_RUNNING;
        rc = group_command(j, true);
        bound = rc == 0;
    }
    char script[8192];
    int len = rc == 0 ? kp_rules_format(&j->rules, script, sizeof(script)) : rc;
    if (len >= 0) {
        uint64_t t0 = now_ns();
        rc = kp_rules_run(kp.rules, script, NULL, 0);
        atomic_store(&kp.rule_transaction_ns, now_ns() - t0);
        count(&kp.rule_transactions, 1);
    } else {
        rc = len;
    }
    if (rc != 0) {
        if (bound)
            group_command(j, false);
        j->accepting = false;
        j->reason = PCAPD_JOB_END_PATH_ERROR;
        j->error = -rc;
        struct pcapd_job_stats none = {.bytes_written = pcap_out_size(&j->out)};
        if (j->buf != NULL)
            pcap_out_flush(&j->out);
        report_end(j, &none);
        return;
    }
    atomic_fetch_add(&kp.running, 1);
    atomic_store_explicit(&j->published, true, memory_order_release);
}

/* Ends job `j` (see the top of this file for the order). */
static void job_end(struct kp_job *j)
{
    if (j->accepting) {
        j->reason = PCAPD_JOB_END_STOPPED;
        j->error = 0;
    }
    int rc = timed(kp_rules_flush, j);
    j->state = KP_JOB_DRAINING;
    int unbind = group_command(j, false);
    j->accepting = false;
    uint64_t matched = 0, logged = 0;
    int counters = kp_rules_counters(kp.rules, &j->rules, &matched, &logged);
    int del = timed(kp_rules_delete, j);
    int werr = pcap_out_flush(&j->out);
    if (werr != 0 && j->reason != PCAPD_JOB_END_WRITE_ERROR) {
        j->reason = PCAPD_JOB_END_WRITE_ERROR;
        j->error = werr;
    } else if ((rc != 0 || del != 0 || unbind != 0) && j->reason == PCAPD_JOB_END_STOPPED) {
        j->reason = PCAPD_JOB_END_PATH_ERROR;
        j->error = -(rc != 0 ? rc : del != 0 ? del : unbind);
    }
    /* A job that ended at a limit lost what the gaps before it say; any
     * other lost what the kernel logged and we did not receive. */
    uint64_t dropped = j->gap_lost;
    bool at_limit =
        j->reason == PCAPD_JOB_END_PACKET_LIMIT || j->reason == PCAPD_JOB_END_BYTE_LIMIT;
    if (!at_limit && counters == 0 && logged > j->received + j->gap_lost) {
        /* Lost beyond the gaps: the last batches, which no later sequence
         * number revealed. */
        count(&kp.packets_lost, logged - j->received - j->gap_lost);
        dropped = logged - j->received;
    }
    struct pcapd_job_stats stats = {
        .packets_matched = matched,
        .packets_written = atomic_load(&j->written),
        .bytes_written = pcap_out_size(&j->out),
        .packets_dropped = dropped,
        .published = true,
    };
    atomic_fetch_sub(&kp.running, 1);
    report_end(j, &stats);
}

/* Starts the jobs queued by the control thread. */
static void start_queued(void)
{
    uint32_t slots[PCAPD_KP_MAX_JOBS];
    pthread_mutex_lock(&kp.lock);
    unsigned n = kp.n_starts;
    memcpy(slots, kp.starts, n * sizeof(slots[0]));
    kp.n_starts = 0;
    pthread_mutex_unlock(&kp.lock);
    for (unsigned i = 0; i < n; i++)
        job_begin(&kp.jobs[slots[i]]);
}

/* Adds the `matched` count of a table to its running job's refresh. */
static void add_matched(void *arg, const char *table, uint64_t matched, uint64_t logged)
{
    uint64_t *sums = arg;
    (void)logged;
    for (unsigned i = 0; i < kp.cfg.max_jobs; i++) {
        if (kp.jobs[i].state == KP_JOB_RUNNING && strcmp(kp.jobs[i].rules.table, table) == 0) {
            sums[i] += matched;
            return;
        }
    }
}

/* Reads the kernel's `matched` counts of every running job in one
 * listing, for their live statistics (at most every
 * KP_COUNTER_REFRESH_MS, and only while someone reads them). */
static void refresh_matched(void)
{
    static uint64_t sums[PCAPD_KP_MAX_JOBS];
    memset(sums, 0, kp.cfg.max_jobs * sizeof(sums[0]));
    if (kp_rules_each_counters(kp.rules, add_matched, sums) != 0)
        return;
    for (unsigned i = 0; i < kp.cfg.max_jobs; i++) {
        if (kp.jobs[i].state == KP_JOB_RUNNING)
            atomic_store_explicit(&kp.jobs[i].matched, sums[i], memory_order_relaxed);
    }
}

/* Ends the jobs that must end, refreshes counters and flushes buffers
 * when due. */
static void tend_jobs(bool quitting, int64_t *next_refresh)
{
    int64_t now = now_ms();
    if (now >= *next_refresh && atomic_load(&kp.running) > 0 &&
        atomic_exchange(&kp.stats_wanted, false)) {
        *next_refresh = now + KP_COUNTER_REFRESH_MS;
        refresh_matched();
    }
    for (unsigned i = 0; i < kp.cfg.max_jobs; i++) {
        struct kp_job *j = &kp.jobs[i];
        if (j->state != KP_JOB_RUNNING)
            continue;
        if (j->end_due || quitting || atomic_load_explicit(&j->stop, memory_order_acquire)) {
            job_end(j);
            continue;
        }
        if (now - j->flushed_ms >= KP_FLUSH_INTERVAL_MS) {
            int err = pcap_out_flush(&j->out);
            if (err != 0)
                job_close(j, PCAPD_JOB_END_WRITE_ERROR, err);
            j->flushed_ms = now;
        }
    }
}

/* The path's thread: starts jobs, reads packets, ends jobs. */
static void *kp_thread(void *arg)
{
    (void)arg;
    int64_t next_refresh = 0;
    while (!atomic_load(&kp.quit)) {
        struct pollfd pfd[2] = {{.fd = kp_nflog_fd(kp.nflog), .events = POLLIN},
                                {.fd = kp.wake_fd, .events = POLLIN}};
        poll(pfd, 2, 50);
        if (pfd[1].revents & POLLIN) {
            uint64_t v;
            if (read(kp.wake_fd, &v, sizeof(v)) < 0) {
                /* Nothing was pending. */
            }
        }
        start_queued();
        while (!receive_burst())
            tend_jobs(false, &next_refresh);
        tend_jobs(false, &next_refresh);
    }
    start_queued();
    tend_jobs(true, &next_refresh);
    return NULL;
}

/* --- the control thread's side --- */

/* Applies the defaults of zero fields of `in` into `out`. */
static void apply_defaults(const struct pcapd_kp_config *in, struct pcapd_kp_config *out)
{
    *out = *in;
    if (out->max_jobs == 0)
        out->max_jobs = 64;
    if (out->nflog_group_base == 0)
        out->nflog_group_base = 0x7c00;
    if (out->hooks == 0)
        out->hooks = PCAPD_KP_HOOK_PREROUTING | PCAPD_KP_HOOK_OUTPUT;
    if (!out->priority_set)
        out->priority = PCAPD_KP_DEFAULT_PRIORITY;
    if (out->queue_threshold == 0)
        out->queue_threshold = 64;
    if (out->flush_timeout_ms == 0)
        out->flush_timeout_ms = 10;
    if (out->batch_buffer_size == 0)
        out->batch_buffer_size = 131072;
    if (out->socket_buffer_size == 0)
        out->socket_buffer_size = 64u << 20;
    if (out->write_buffer_size == 0)
        out->write_buffer_size = 65536;
}

/* Checks the configuration.  Returns 0 or -EINVAL with `err`. */
static int check_config(const struct pcapd_kp_config *c, char *err, unsigned err_size)
{
    if (c->max_jobs > PCAPD_KP_MAX_JOBS || c->nflog_group_base + c->max_jobs > 65536) {
        snprintf(err, err_size, "kernel path: %u jobs from NFLOG group %u do not fit in 65536",
                 c->max_jobs, c->nflog_group_base);
        return -EINVAL;
    }
    if ((c->hooks & PCAPD_KP_HOOK_INGRESS) && c->n_ingress == 0) {
        snprintf(err, err_size, "kernel path: the ingress hook needs at least one interface");
        return -EINVAL;
    }
    if (c->n_ingress > PCAPD_KP_MAX_INGRESS || c->queue_threshold > 65535) {
        snprintf(err, err_size, "kernel path: too many interfaces or too large a queue threshold");
        return -EINVAL;
    }
    return 0;
}

/* Binds and unbinds the first group, to check NFLOG works here. */
static int probe_nflog(char *err, unsigned err_size)
{
    struct kp_job *j = &kp.jobs[0];
    j->rules.group = kp.cfg.nflog_group_base;
    j->rules.snaplen = 64;
    int rc = group_command(j, true);
    if (rc == 0)
        rc = group_command(j, false);
    if (rc != 0)
        snprintf(err, err_size, "kernel path: NFLOG group %u cannot be bound: %s%s",
                 kp.cfg.nflog_group_base, strerror(-rc),
                 rc == -EPERM ? " (another program uses it, or CAP_NET_ADMIN is missing)" : "");
    return rc;
}

/* Frees what pcapd_kp_start() set up. */
static void release_all(void)
{
    kp_rules_close(kp.rules);
    kp_nflog_close(kp.nflog);
    if (kp.wake_fd >= 0)
        close(kp.wake_fd);
    free(kp.jobs);
    free(kp.starts);
    free(kp.ended);
    kp.rules = NULL;
    kp.nflog = NULL;
    kp.wake_fd = -1;
    kp.jobs = NULL;
    kp.starts = NULL;
    kp.ended = NULL;
}

/* Opens the socket, the rules context and the queues. */
static int open_all(char *err, unsigned err_size)
{
    unsigned n = kp.cfg.max_jobs;
    kp.jobs = calloc(n, sizeof(kp.jobs[0]));
    kp.starts = calloc(n, sizeof(kp.starts[0]));
    kp.ended = calloc(n, sizeof(kp.ended[0]));
    kp.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (kp.jobs == NULL || kp.starts == NULL || kp.ended == NULL || kp.wake_fd < 0) {
        snprintf(err, err_size, "kernel path: out of memory");
        return -ENOMEM;
    }
    kp.nflog = kp_nflog_open(kp.cfg.socket_buffer_size);
    if (kp.nflog == NULL) {
        int e = errno;
        snprintf(err, err_size, "kernel path: cannot open an NFLOG netlink socket: %s",
                 strerror(e));
        return -e;
    }
    kp.rules = kp_rules_open();
    if (kp.rules == NULL) {
        snprintf(err, err_size, "kernel path: cannot open a libnftables context");
        return -ENOMEM;
    }
    return 0;
}

int pcapd_kp_start(const struct pcapd_kp_config *cfg, char *err, unsigned err_size)
{
    apply_defaults(cfg, &kp.cfg);
    int rc = check_config(&kp.cfg, err, err_size);
    if (rc == 0)
        rc = open_all(err, err_size);
    if (rc == 0)
        rc = probe_nflog(err, err_size);
    if (rc == 0) {
        char why[200] = "";
        rc = kp_rules_probe(kp.rules, &kp.cfg, kp.cfg.nflog_group_base, why, sizeof(why));
        if (rc != 0)
            snprintf(err, err_size, "kernel path: nftables refuses a capture's rules: %s%s", why,
                     rc == -EPERM ? " (CAP_NET_ADMIN is needed)" : "");
    }
    if (rc == 0) {
        int removed = kp_rules_remove_leftovers(kp.rules);
        if (removed > 0)
            fprintf(stderr, "pcapd: kernel path: removed %d table(s) a previous run left\n",
                    removed);
        atomic_store(&kp.quit, false);
        rc = -pthread_create(&kp.thread, NULL, kp_thread, NULL);
        if (rc != 0)
            snprintf(err, err_size, "kernel path: cannot start its thread: %s", strerror(-rc));
    }
    if (rc != 0) {
        release_all();
        return rc;
    }
    kp.thread_started = true;
    return 0;
}

void pcapd_kp_stop(void (*on_ended)(const struct pcapd_job_ended *, void *), void *arg)
{
    if (!kp.thread_started)
        return;
    atomic_store(&kp.quit, true);
    wake();
    pthread_join(kp.thread, NULL);
    kp.thread_started = false;
    struct pcapd_job_ended e[32];
    unsigned n;
    while ((n = pcapd_kp_poll_ended(e, 32)) > 0) {
        for (unsigned i = 0; i < n && on_ended != NULL; i++)
            on_ended(&e[i], arg);
    }
    release_all();
}

/* Tells whether `name` is a valid job name. */
static bool name_ok(const char *name)
{
    size_t len = strnlen(name, PCAPD_JOB_NAME_MAX + 1);
    if (len > PCAPD_JOB_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Tells whether prefix `p` is well formed. */
static bool prefix_ok(const struct pcapd_prefix *p)
{
    return (p->family == PCAPD_FAMILY_IPV4 && p->len <= 32) ||
           (p->family == PCAPD_FAMILY_IPV6 && p->len <= 128);
}

/* Checks a spec the way the kernel path needs it.  Returns 0 or -EINVAL. */
static int check_spec(const struct pcapd_job_spec *s)
{
    const struct pcapd_filter *f = &s->filter;
    if (s->fd < 0 || s->sample_rate == 0 || s->packet_limit == 0 || s->snaplen < 64 ||
        s->snaplen > PCAPD_FULL_SNAPLEN_MAX || !name_ok(s->name))
        return -EINVAL;
    if (((f->fields & PCAPD_FILTER_SRC_ADDR) && !prefix_ok(&f->src)) ||
        ((f->fields & PCAPD_FILTER_DST_ADDR) && !prefix_ok(&f->dst)))
        return -EINVAL;
    return 0;
}

/* Returns the job of `handle` if it is taken, else NULL. */
static struct kp_job *job_of_handle(pcapd_job_handle handle)
{
    uint32_t slot = (uint32_t)handle, gen = (uint32_t)(handle >> 32);
    if (kp.jobs == NULL || slot >= kp.cfg.max_jobs || !kp.jobs[slot].used ||
        kp.jobs[slot].gen != gen)
        return NULL;
    return &kp.jobs[slot];
}

/* Fills the rules of the job in `slot` from its spec.  Returns 0, or
 * -EINVAL when they cannot be written. */
static int prepare_rules(struct kp_job *j, unsigned slot)
{
    struct kp_job_rules *r = &j->rules;
    memset(r, 0, sizeof(*r));
    if (j->spec.name[0] != '\0')
        snprintf(r->table, sizeof(r->table), PCAPD_KP_TABLE_PREFIX "%s", j->spec.name);
    else
        snprintf(r->table, sizeof(r->table), PCAPD_KP_TABLE_PREFIX "job%u_%u", slot, j->gen);
    r->filter = j->spec.filter;
    r->sample_rate = j->spec.sample_rate;
    r->group = kp.cfg.nflog_group_base + slot;
    /* The kernel copies the network-layer packet: the file's snaplen less
     * the Ethernet header. */
    r->snaplen = j->spec.snaplen - 14;
    r->cfg = &kp.cfg;
    r->owner = kp_rules_have_owner(kp.rules);
    char script[8192];
    return kp_rules_format(r, script, sizeof(script)) < 0 ? -EINVAL : 0;
}

int pcapd_kp_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle)
{
    if (!kp.thread_started)
        return -ENODEV;
    int rc = check_spec(spec);
    if (rc != 0)
        return rc;
    unsigned slot = kp.cfg.max_jobs;
    for (unsigned i = 0; i < kp.cfg.max_jobs; i++) {
        struct kp_job *j = &kp.jobs[i];
        if (j->used && spec->name[0] != '\0' && strcmp(j->spec.name, spec->name) == 0)
            return -EEXIST;
        if (!j->used && slot == kp.cfg.max_jobs)
            slot = i;
    }
    if (slot == kp.cfg.max_jobs)
        return -ENOSPC;
    struct kp_job *j = &kp.jobs[slot];
    j->spec = *spec;
    j->gen++;
    if (prepare_rules(j, slot) != 0)
        return -EINVAL;
    j->used = true;
    atomic_store(&j->stop, false);
    atomic_store(&j->published, false);
    atomic_store(&j->matched, 0);
    atomic_store(&j->written, 0);
    atomic_store(&j->bytes, 0);
    atomic_store(&j->dropped, 0);
    pthread_mutex_lock(&kp.lock);
    kp.starts[kp.n_starts++] = slot;
    pthread_mutex_unlock(&kp.lock);
    wake();
    *handle = (uint64_t)j->gen << 32 | slot;
    return 0;
}

void pcapd_kp_job_stop(pcapd_job_handle handle)
{
    struct kp_job *j = job_of_handle(handle);
    if (j == NULL)
        return;
    atomic_store_explicit(&j->stop, true, memory_order_release);
    wake();
}

int pcapd_kp_job_stats(pcapd_job_handle handle, struct pcapd_job_stats *stats)
{
    struct kp_job *j = job_of_handle(handle);
    if (j == NULL)
        return -ENOENT;
    atomic_store_explicit(&kp.stats_wanted, true, memory_order_relaxed);
    *stats = (struct pcapd_job_stats){
        .packets_matched = atomic_load_explicit(&j->matched, memory_order_relaxed),
        .packets_written = atomic_load_explicit(&j->written, memory_order_relaxed),
        .bytes_written = atomic_load_explicit(&j->bytes, memory_order_relaxed),
        .packets_dropped = atomic_load_explicit(&j->dropped, memory_order_relaxed),
        .published = atomic_load_explicit(&j->published, memory_order_acquire),
    };
    return 0;
}

unsigned pcapd_kp_poll_ended(struct pcapd_job_ended *ended, unsigned max)
{
    if (kp.ended == NULL)
        return 0;
    pthread_mutex_lock(&kp.lock);
    unsigned n = kp.n_ended < max ? kp.n_ended : max;
    for (unsigned i = 0; i < n; i++) {
        ended[i] = kp.ended[i].e;
        kp.jobs[kp.ended[i].slot].used = false;
    }
    memmove(kp.ended, kp.ended + n, (kp.n_ended - n) * sizeof(kp.ended[0]));
    kp.n_ended -= n;
    pthread_mutex_unlock(&kp.lock);
    return n;
}

void pcapd_kp_stats_read(struct pcapd_kp_stats *s)
{
    *s = (struct pcapd_kp_stats){
        .batches = atomic_load(&kp.batches),
        .packets = atomic_load(&kp.packets),
        .packets_written = atomic_load(&kp.packets_written),
        .enobufs = atomic_load(&kp.enobufs),
        .packets_lost = atomic_load(&kp.packets_lost),
        .packets_late = atomic_load(&kp.packets_late),
        .packets_unknown = atomic_load(&kp.packets_unknown),
        .rule_transactions = atomic_load(&kp.rule_transactions),
        .rule_transaction_ns = atomic_load(&kp.rule_transaction_ns),
        .jobs = atomic_load(&kp.running),
    };
}
