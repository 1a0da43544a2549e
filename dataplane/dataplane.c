/*
 * The dataplane's control-thread side: EAL and lcore start-up and shut-down,
 * the job slots, and the assignment of jobs to writer lcores.  The job table
 * is published to the rx lcores by table_publish.c, under whose lock the
 * functions here change the slots.
 *
 * A job leaves in three steps: it is removed from the table; after the
 * grace period no rx lcore can produce records for it, so the writer is told
 * to CLOSE it (if it has not ended by itself); once the writer reports its
 * end and the grace period is over, the slot is free for a new job with a
 * new generation.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dp_internal.h"
#include "eal_log.h"
#include "pcapd/pcap_format.h"

struct dp dp;
uint8_t dp_rx_start_mode = DP_RX_CAPTURE;

/* Per writer: jobs given to it whose slot is not free yet. */
static unsigned dp_writer_jobs[DP_MAX_WRITERS];

/* Sends a command to writer `w`.  Its command ring has room for two
 * commands per slot, so this cannot fail while slots are bounded. */
static void dp_writer_send(uint32_t w, uint32_t type, uint32_t slot, uint32_t gen,
                           struct writer_job *job)
{
    struct writer_cmd cmd = {.type = type, .slot = slot, .gen = gen, .pad = 0, .job = job};
    rte_ring_sp_enqueue_elem(dp.writers[w].cmd_ring, &cmd, sizeof(cmd));
}

/* Chooses the writer of a new job: the one with the fewest jobs (the lowest
 * index among equals).  Least-loaded rather than round-robin because jobs
 * live from a second to a day: round-robin ignores the jobs that ended, so
 * the long-lived ones can pile up on one writer while others idle; counting
 * the jobs each writer still has keeps them even as jobs come and go.  A
 * job's record rate is not known when it starts, so the count of jobs is
 * the load measure. */
static uint32_t dp_writer_choose(void)
{
    uint32_t best = 0;
    for (uint32_t w = 1; w < dp.n_writers; w++) {
        if (dp_writer_jobs[w] < dp_writer_jobs[best])
            best = w;
    }
    return best;
}

/* Sums the rx lcores' counters of slot `slot` at generation `gen` into
 * `stats` (matched and dropped). */
static void dp_rx_slot_stats(uint32_t slot, uint32_t gen, struct pcapd_job_stats *stats)
{
    for (unsigned i = 0; i < dp.n_rx; i++) {
        const volatile struct rx_slot_state *s = &dp.rx[i].slots[slot];
        const volatile struct rx_slot_tally *t = &dp.rx[i].tallies[slot];
        if (s->gen == gen) {
            stats->packets_matched += s->matched;
            stats->packets_dropped += t->dropped;
        }
    }
}

/* Fills `stats` for the job of slot `s` (index `slot`). */
static void dp_job_stats_fill(uint32_t slot, const struct dp_slot *s, struct pcapd_job_stats *stats)
{
    memset(stats, 0, sizeof(*stats));
    stats->published = s->published_seq != 0;
    stats->writer = s->writer;
    dp_rx_slot_stats(slot, s->gen, stats);
    if (s->job != NULL) {
        stats->packets_written =
            atomic_load_explicit(&s->job->packets_written, memory_order_relaxed);
        stats->bytes_written = pcap_out_size(&s->job->out);
    }
}

/* pcapd_dp_job_start() with the publication lock held. */
static int dp_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle)
{
    uint32_t slot = 0;
    while (slot < dp.cfg.max_jobs && dp.slots[slot].state != DP_SLOT_FREE)
        slot++;
    if (slot == dp.cfg.max_jobs)
        return -ENOSPC;

    /* The buffer holds at least the file header and one whole record. */
    size_t buf_cap = RTE_MAX((size_t)dp.cfg.write_buffer_size,
                             (size_t)spec->snaplen + PCAP_FILE_HEADER_LEN + PCAP_RECORD_HEADER_LEN);
    buf_cap = RTE_ALIGN_CEIL(buf_cap, 4096);
    struct writer_job *job = calloc(1, sizeof(*job));
    uint8_t *buf = aligned_alloc(4096, buf_cap);
    if (job == NULL || buf == NULL) {
        free(job);
        free(buf);
        return -ENOMEM;
    }
    struct dp_slot *s = &dp.slots[slot];
    s->gen = s->gen + 1 == 0 ? 1 : s->gen + 1;
    s->writer = dp_writer_choose();
    dp_writer_jobs[s->writer]++;
    *job = (struct writer_job){
        .slot = slot,
        .gen = s->gen,
        .packet_limit = spec->packet_limit,
        .byte_limit = spec->byte_limit,
        .snaplen = spec->snaplen,
        .cookie = spec->cookie,
    };
    pcap_out_init(&job->out, spec->fd, buf, (uint32_t)buf_cap, spec->snaplen);
    job->out.stats = &dp.writers[s->writer].out_stats;
    s->rule = (struct classifier_rule){
        .filter = spec->filter,
        .slot = slot,
        .gen = s->gen,
        .sample_rate = spec->sample_rate,
        .packet_limit = spec->packet_limit,
        .snaplen = spec->snaplen,
        .writer = s->writer,
    };
    s->state = DP_SLOT_ACTIVE;
    s->job = job;
    s->ended = s->unpublished = s->stop_requested = false;
    s->published_seq = 0;
    dp_publish_slot_reset(slot);

    /* The writer learns of the job before any rx lcore can match it. */
    dp_writer_send(s->writer, WRITER_CMD_OPEN, slot, s->gen, job);
    dp_publish_request();
    *handle = ((uint64_t)s->gen << 32) | slot;
    return 0;
}

int pcapd_dp_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle)
{
    if (spec->sample_rate == 0 || spec->packet_limit == 0 || spec->fd < 0 || spec->snaplen == 0 ||
        spec->snaplen > PCAPD_FULL_SNAPLEN_MAX)
        return -EINVAL;
    dp_pub_lock();
    int rc = dp_job_start(spec, handle);
    dp_pub_unlock();
    return rc;
}

/* Returns the slot of `handle` if it is still that job's, else NULL. */
static struct dp_slot *dp_slot_of(pcapd_job_handle handle)
{
    uint32_t slot = (uint32_t)handle, gen = (uint32_t)(handle >> 32);
    if (slot >= dp.cfg.max_jobs)
        return NULL;
    struct dp_slot *s = &dp.slots[slot];
    return s->state != DP_SLOT_FREE && s->gen == gen ? s : NULL;
}

void pcapd_dp_job_stop(pcapd_job_handle handle)
{
    dp_pub_lock();
    struct dp_slot *s = dp_slot_of(handle);
    if (s != NULL && !s->stop_requested) {
        s->stop_requested = true;
        if (s->state == DP_SLOT_ACTIVE) {
            s->state = DP_SLOT_RETIRING;
            dp_publish_request();
        }
    }
    dp_pub_unlock();
}

int pcapd_dp_job_stats(pcapd_job_handle handle, struct pcapd_job_stats *stats)
{
    dp_pub_lock();
    struct dp_slot *s = dp_slot_of(handle);
    if (s != NULL)
        dp_job_stats_fill((uint32_t)handle, s, stats);
    dp_pub_unlock();
    return s != NULL ? 0 : -ENOENT;
}

/* Fills `e` from writer job `job`, whose writer reported its end, marks
 * its slot ended and frees the job; a job still in the table is taken out
 * with the next publication (lock held). */
static void dp_report_end(struct writer_job *job, struct pcapd_job_ended *e)
{
    struct dp_slot *s = &dp.slots[job->slot];
    dp_job_stats_fill(job->slot, s, &e->stats);
    /* What reached the file: after a failed write the buffer still holds
     * bytes that never will. */
    e->stats.bytes_written = atomic_load_explicit(&job->out.flushed, memory_order_relaxed);
    e->cookie = job->cookie;
    e->fd = job->out.fd;
    e->reason = job->reason;
    e->error = job->error;
    s->ended = true;
    s->job = NULL;
    if (s->state == DP_SLOT_ACTIVE) {
        s->state = DP_SLOT_RETIRING;
        if (!dp.force_quit)
            dp_publish_request();
    }
    free(job->out.buf);
    free(job);
}

/* Takes the writers' end reports (up to `max`, from each writer in turn)
 * into `ended`.  Returns how many it took. */
static unsigned dp_collect_ended(struct pcapd_job_ended *ended, unsigned max)
{
    unsigned n = 0;
    void *p;
    for (unsigned w = 0; w < dp.n_writers; w++) {
        while (n < max && rte_ring_sc_dequeue(dp.writers[w].ended_ring, &p) == 0)
            dp_report_end(p, &ended[n++]);
    }
    return n;
}

/* Moves retiring slots along once the grace period of their removal is
 * over: CLOSE to the writer if it is still writing, or free the slot (lock
 * held). */
static void dp_advance_retiring(void)
{
    for (unsigned i = 0; i < dp.cfg.max_jobs; i++) {
        struct dp_slot *s = &dp.slots[i];
        if (s->state != DP_SLOT_RETIRING)
            continue;
        if (!s->unpublished && dp_publish_grace_over(i)) {
            s->unpublished = true;
            if (!s->ended)
                dp_writer_send(s->writer, WRITER_CMD_CLOSE, i, s->gen, NULL);
        }
        if (s->unpublished && s->ended) {
            s->state = DP_SLOT_FREE;
            dp_writer_jobs[s->writer]--;
        }
    }
}

unsigned pcapd_dp_poll_ended(struct pcapd_job_ended *ended, unsigned max)
{
    dp_pub_lock();
    unsigned n = dp_collect_ended(ended, max);
    dp_advance_retiring();
    dp_pub_unlock();
    dp_ports_clock_tick();
    return n;
}

void pcapd_dp_stats_read(struct pcapd_dp_stats *stats)
{
    memset(stats, 0, sizeof(*stats));
    for (unsigned i = 0; i < dp.n_rx; i++) {
        stats->rx_packets += dp.rx[i].rx_packets;
        stats->ring_full += dp.rx[i].ring_full;
        stats->writer_backlog_full += dp.rx[i].backlog_full;
        stats->history_sampled += dp.rx[i].history_sampled;
        stats->history_ring_full += dp.rx[i].history_ring_full;
    }
    for (unsigned i = 0; i < dp.n_ports; i++) {
        struct rte_eth_stats es;
        if (rte_eth_stats_get(dp.port_ids[i], &es) == 0) {
            stats->rx_missed += es.imissed;
            stats->rx_nombuf += es.rx_nombuf;
        }
    }
    for (unsigned w = 0; w < dp.n_writers; w++) {
        stats->writer_records += atomic_load_explicit(&dp.writers[w].records, memory_order_relaxed);
        stats->writer_late += atomic_load_explicit(&dp.writers[w].late, memory_order_relaxed);
    }
    dp_pub_lock();
    dp_publish_stats(stats);
    dp_pub_unlock();
    stats->writers = dp.n_writers;
    stats->hw_timestamp_ports = dp.n_stamping_ports;
}

unsigned pcapd_dp_ports_read(struct pcapd_dp_port_stats *ports, unsigned max)
{
    unsigned n = RTE_MIN(max, dp.n_ports);
    for (unsigned i = 0; i < n; i++) {
        struct pcapd_dp_port_stats *p = &ports[i];
        struct rte_eth_stats es;
        memset(p, 0, sizeof(*p));
        if (rte_eth_dev_get_name_by_port(dp.port_ids[i], p->name) != 0)
            snprintf(p->name, sizeof(p->name), "port%u", dp.port_ids[i]);
        if (rte_eth_stats_get(dp.port_ids[i], &es) == 0) {
            p->rx_packets = es.ipackets;
            p->rx_bytes = es.ibytes;
            p->rx_missed = es.imissed;
            p->rx_nombuf = es.rx_nombuf;
            p->rx_errors = es.ierrors;
        }
    }
    return n;
}

/* Converts `cycles` of the TSC to nanoseconds, without overflow. */
static uint64_t dp_tsc_to_ns(uint64_t cycles)
{
    return cycles / dp.tsc_hz * 1000000000u + cycles % dp.tsc_hz * 1000000000u / dp.tsc_hz;
}

unsigned pcapd_dp_rx_read(struct pcapd_dp_rx_stats *rx, unsigned max)
{
    unsigned n = RTE_MIN(max, dp.n_rx);
    for (unsigned i = 0; i < n; i++) {
        const struct rx_lcore *l = &dp.rx[i];
        struct pcapd_dp_rx_stats *r = &rx[i];
        memset(r, 0, sizeof(*r));
        r->lcore_id = l->lcore_id;
        r->packets = l->rx_packets;
        r->busy_ns = dp_tsc_to_ns(atomic_load_explicit(&l->busy_cycles, memory_order_relaxed));
        r->ring_full = l->ring_full;
        r->backlog_full = l->backlog_full;
        for (unsigned w = 0; w < dp.n_writers; w++) {
            r->ring_used[w] = rte_ring_count(l->ring[w]);
            r->backlog_used[w] = rte_ring_count(l->full_ring[w]);
        }
        r->ring_size = rte_ring_get_capacity(l->ring[0]);
        r->backlog_size = rte_ring_get_capacity(l->full_ring[0]);
    }
    return n;
}

unsigned pcapd_dp_writers_read(struct pcapd_dp_writer_stats *writers, unsigned max)
{
    unsigned n = RTE_MIN(max, dp.n_writers);
    for (unsigned i = 0; i < n; i++) {
        const struct dp_writer *w = &dp.writers[i];
        const struct pcap_out_stats *os = &w->out_stats;
        struct pcapd_dp_writer_stats *r = &writers[i];
        r->lcore_id = w->lcore_id;
        r->records = atomic_load_explicit(&w->records, memory_order_relaxed);
        r->late = atomic_load_explicit(&w->late, memory_order_relaxed);
        r->writes = atomic_load_explicit(&os->writes, memory_order_relaxed);
        r->bytes_written = atomic_load_explicit(&os->bytes, memory_order_relaxed);
        r->write_ns = atomic_load_explicit(&os->ns, memory_order_relaxed);
        for (unsigned b = 0; b <= PCAPD_WRITE_LATENCY_BUCKETS; b++)
            r->write_latency[b] = atomic_load_explicit(&os->latency[b], memory_order_relaxed);
    }
    return n;
}

/* Checks that the configured lcores exist and are distinct workers. */
static int dp_check_lcores(char *err, unsigned err_size)
{
    const struct pcapd_dp_config *c = &dp.cfg;
    if (c->n_rx_lcores == 0 || c->n_rx_lcores > PCAPD_MAX_RX_LCORES) {
        snprintf(err, err_size, "rx lcores: need 1 to %d, got %u", PCAPD_MAX_RX_LCORES,
                 c->n_rx_lcores);
        return -EINVAL;
    }
    if (c->n_writer_lcores == 0 || c->n_writer_lcores > PCAPD_MAX_WRITER_LCORES) {
        snprintf(err, err_size, "writer lcores: need 1 to %d, got %u", PCAPD_MAX_WRITER_LCORES,
                 c->n_writer_lcores);
        return -EINVAL;
    }
    unsigned all[PCAPD_MAX_RX_LCORES + PCAPD_MAX_WRITER_LCORES];
    unsigned n_all = 0;
    for (unsigned i = 0; i < c->n_rx_lcores; i++)
        all[n_all++] = c->rx_lcores[i];
    for (unsigned i = 0; i < c->n_writer_lcores; i++)
        all[n_all++] = c->writer_lcores[i];
    for (unsigned i = 0; i < n_all; i++) {
        if (all[i] >= RTE_MAX_LCORE || !rte_lcore_is_enabled(all[i]) ||
            all[i] == rte_get_main_lcore()) {
            snprintf(err, err_size,
                     "lcore %u is not an enabled worker lcore (check --lcores / -l in eal_args)",
                     all[i]);
            return -EINVAL;
        }
        for (unsigned j = 0; j < i; j++) {
            if (all[j] == all[i]) {
                snprintf(err, err_size, "lcore %u is given two roles", all[i]);
                return -EINVAL;
            }
        }
    }
    return 0;
}

/* Creates the rx lcores' rings to each writer and their slot arrays.  The
 * mbuf-reference rings of one rx lcore share full_ring_size among the
 * writers, so the mbufs its backlog may pin stay bounded by it. */
static int dp_create_rx(char *err, unsigned err_size)
{
    dp.n_rx = dp.cfg.n_rx_lcores;
    unsigned full_size = RTE_MAX(dp.cfg.full_ring_size / dp.n_writers, 1u);
    for (unsigned i = 0; i < dp.n_rx; i++) {
        struct rx_lcore *rx = &dp.rx[i];
        char name[64]; /* rte_ring refuses names over RTE_RING_NAMESIZE; ours fit */
        rx->lcore_id = dp.cfg.rx_lcores[i];
        rx->qsbr_id = i;
        int socket = (int)rte_lcore_to_socket_id(rx->lcore_id);
        rx->slots = rte_zmalloc_socket("pcapd_rx_slots", sizeof(rx->slots[0]) * dp.cfg.max_jobs,
                                       RTE_CACHE_LINE_SIZE, socket);
        rx->tallies =
            rte_zmalloc_socket("pcapd_rx_tallies", sizeof(rx->tallies[0]) * dp.cfg.max_jobs,
                               RTE_CACHE_LINE_SIZE, socket);
        if (rx->slots == NULL || rx->tallies == NULL) {
            snprintf(err, err_size, "rx lcore %u: cannot allocate its job slots", rx->lcore_id);
            return -ENOMEM;
        }
        for (unsigned w = 0; w < dp.n_writers; w++) {
            snprintf(name, sizeof(name), "pcapd_rx%u_w%u", i, w);
            rx->ring[w] = rte_ring_create_elem(name, sizeof(struct pcapd_record), dp.cfg.ring_size,
                                               socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
            snprintf(name, sizeof(name), "pcapd_full%u_w%u", i, w);
            rx->full_ring[w] =
                rte_ring_create_elem(name, sizeof(struct full_ref), full_size, socket,
                                     RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
            if (rx->ring[w] == NULL || rx->full_ring[w] == NULL) {
                snprintf(err, err_size,
                         "rx lcore %u: cannot allocate its rings to writer %u (%u records, %u "
                         "mbuf references): %s",
                         rx->lcore_id, w, dp.cfg.ring_size, full_size, rte_strerror(rte_errno));
                return -ENOMEM;
            }
        }
    }
    return 0;
}

/* Creates the job slots, and for each writer its command and end-report
 * rings and its arrays.  A writer may be given every job, so each is sized
 * for max_jobs. */
static int dp_create_writers(char *err, unsigned err_size)
{
    unsigned max = dp.cfg.max_jobs;
    dp.slots = calloc(max, sizeof(dp.slots[0]));
    if (dp.slots == NULL) {
        snprintf(err, err_size, "cannot allocate %u job slots", max);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < dp.n_writers; i++) {
        struct dp_writer *w = &dp.writers[i];
        char name[64]; /* as in dp_create_rx() */
        w->lcore_id = dp.cfg.writer_lcores[i];
        w->index = i;
        snprintf(name, sizeof(name), "pcapd_cmd%u", i);
        w->cmd_ring =
            rte_ring_create_elem(name, sizeof(struct writer_cmd), 2 * max + 64, SOCKET_ID_ANY,
                                 RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
        snprintf(name, sizeof(name), "pcapd_ended%u", i);
        w->ended_ring = rte_ring_create(name, max, SOCKET_ID_ANY,
                                        RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
        w->by_slot = calloc(max, sizeof(w->by_slot[0]));
        w->open = calloc(max, sizeof(w->open[0]));
        if (w->cmd_ring == NULL || w->ended_ring == NULL || w->by_slot == NULL || w->open == NULL) {
            snprintf(err, err_size, "cannot allocate the rings of writer %u for %u jobs", i, max);
            return -ENOMEM;
        }
        dp_writer_jobs[i] = 0;
    }
    return 0;
}

/* Opens the history's writer for writer 0 when the configuration asks for
 * a history; every rx lcore samples its first packet. */
static int dp_create_history(char *err, unsigned err_size)
{
    if (dp.cfg.history == NULL || dp.cfg.history_sample_rate == 0) {
        for (unsigned i = 0; i < dp.n_rx; i++)
            dp.rx[i].history_countdown = UINT32_MAX;
        return 0;
    }
    dp.history = history_writer_open(dp.cfg.history, "dp");
    if (dp.history == NULL) {
        snprintf(err, err_size, "cannot open the history's writer");
        return -ENOMEM;
    }
    dp.history_rate = dp.cfg.history_sample_rate;
    return 0;
}

/* Anchors TSC readings to the Unix clock for the writers' timestamps. */
static void dp_anchor_clock(void)
{
    struct timespec ts;
    dp.tsc_hz = rte_get_tsc_hz();
    clock_gettime(CLOCK_REALTIME, &ts);
    dp.tsc_clock = (struct ts_clock_map){
        .clock_anchor = rte_rdtsc(),
        .ns_anchor = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
        .hz = dp.tsc_hz,
    };
}

/* Launches the writer lcores, then the rx lcores. */
static int dp_launch(char *err, unsigned err_size)
{
    for (unsigned i = 0; i < dp.n_writers; i++) {
        if (rte_eal_remote_launch(dp_writer_lcore_main, &dp.writers[i], dp.writers[i].lcore_id) !=
            0) {
            snprintf(err, err_size, "cannot launch writer lcore %u", dp.writers[i].lcore_id);
            return -EBUSY;
        }
    }
    for (unsigned i = 0; i < dp.n_rx; i++) {
        if (rte_eal_remote_launch(dp_rx_lcore_main, &dp.rx[i], dp.rx[i].lcore_id) != 0) {
            snprintf(err, err_size, "cannot launch rx lcore %u", dp.rx[i].lcore_id);
            return -EBUSY;
        }
    }
    return 0;
}

int pcapd_dp_start(const struct pcapd_dp_config *cfg, char *err, unsigned err_size)
{
    memset(&dp, 0, sizeof(dp));
    dp.rx_mode = dp_rx_start_mode;
    dp.cfg = *cfg;
    /* The single writer_lcore of older configurations. */
    if (dp.cfg.n_writer_lcores == 0) {
        dp.cfg.writer_lcores[0] = dp.cfg.writer_lcore;
        dp.cfg.n_writer_lcores = 1;
    }
    dp.n_writers = RTE_MIN(dp.cfg.n_writer_lcores, (unsigned)DP_MAX_WRITERS);
    rte_seqcount_init(&dp.port_clock_sn);
    if (cfg->log != NULL && eal_log_redirect(cfg->log) != 0) {
        snprintf(err, err_size, "cannot redirect DPDK's log");
        return -ENOMEM;
    }
    if (rte_eal_init(cfg->eal_argc, cfg->eal_argv) < 0) {
        snprintf(err, err_size, "EAL initialisation failed: %s", rte_strerror(rte_errno));
        return -rte_errno;
    }
    int rc;
    if ((rc = dp_check_lcores(err, err_size)) != 0)
        return rc;
    if ((rc = dp_create_rx(err, err_size)) != 0 || (rc = dp_create_writers(err, err_size)) != 0 ||
        (rc = dp_create_history(err, err_size)) != 0 || (rc = dp_publish_init(err, err_size)) != 0)
        return rc;
    dp_anchor_clock();
    if ((rc = dp_ports_start(err, err_size)) != 0)
        return rc;
    return dp_launch(err, err_size);
}

/* Removes EAL's runtime directory `dir` once EAL has stopped: the
 * telemetry socket DPDK would unlink only at exit, then the directory. */
static void dp_remove_runtime_dir(const char *dir)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/dpdk_telemetry.v2", dir);
    unlink(path);
    rmdir(dir);
}

void pcapd_dp_stop(void (*on_ended)(const struct pcapd_job_ended *, void *), void *arg)
{
    dp_publish_stop();
    dp.force_quit = true;
    for (unsigned i = 0; i < dp.n_rx; i++)
        rte_eal_wait_lcore(dp.rx[i].lcore_id);
    dp.writer_quit = true;
    for (unsigned i = 0; i < dp.n_writers; i++)
        rte_eal_wait_lcore(dp.writers[i].lcore_id);

    struct pcapd_job_ended ended[32];
    unsigned n;
    do {
        dp_pub_lock();
        n = dp_collect_ended(ended, RTE_DIM(ended));
        dp_pub_unlock();
        for (unsigned i = 0; i < n; i++)
            on_ended(&ended[i], arg);
    } while (n > 0);
    dp_publish_fini();
    dp_ports_stop();
    free(dp.slots);
    for (unsigned i = 0; i < dp.n_writers; i++) {
        free(dp.writers[i].by_slot);
        free(dp.writers[i].open);
    }
    char runtime_dir[PATH_MAX];
    snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
    rte_eal_cleanup();
    if (dp.cfg.own_runtime_dir)
        dp_remove_runtime_dir(runtime_dir);
}
