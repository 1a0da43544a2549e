/*
 * The dataplane's control-thread side: EAL and lcore start-up and shut-down,
 * the job slots, the assignment of jobs to writer lcores, and the
 * publication of the job table to the rx lcores.
 *
 * Publication is read-copy-update: each change builds a new immutable table
 * and swaps the pointer; the old table goes on an RCU QSBR defer queue and is
 * freed once every rx lcore has reported a quiescent state.  A job leaves in
 * three steps: it is removed from the table; after the grace period no rx
 * lcore can produce records for it, so the writer is told to CLOSE it (if it
 * has not ended by itself); once the writer reports its end and the grace
 * period is over, the slot is free for a new job with a new generation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dp_internal.h"
#include "pcapd/pcap_format.h"

struct dp dp;

/* A retired table on the defer queue. */
struct dp_deferred {
    /* The table to free after the grace period. */
    struct classifier *table;
    /* Sequence number of the table that replaced it. */
    uint64_t replaced_by_seq;
};

/* Sequence of the published table, and the newest sequence every rx lcore
 * is known to have moved to (all older tables are unreachable). */
static uint64_t dp_table_seq;
static uint64_t dp_quiescent_seq;
/* The ACTIVE slots differ from the rules of the published table. */
static bool dp_table_dirty;
/* Per slot: sequence of the first table without the slot's job, or 0. */
static uint64_t *dp_removed_seq;
/* How long the last table build took, in nanoseconds and TSC cycles, and
 * when the last publication ended (TSC). */
static uint64_t dp_last_build_ns;
static uint64_t dp_last_build_tsc;
static uint64_t dp_last_publish_tsc;
/* Per writer: jobs given to it whose slot is not free yet. */
static unsigned dp_writer_jobs[DP_MAX_WRITERS];

/* Frees retired tables once their grace period is over (defer queue
 * callback, on the control thread). */
static void dp_deferred_free(void *p, void *e, unsigned int n)
{
    (void)p;
    struct dp_deferred *d = e;
    for (unsigned i = 0; i < n; i++) {
        classifier_free(d[i].table);
        if (d[i].replaced_by_seq > dp_quiescent_seq)
            dp_quiescent_seq = d[i].replaced_by_seq;
    }
}

/* Builds a table from the ACTIVE slots and publishes it.  On failure the
 * table stays dirty and the next pcapd_dp_poll_ended() tries again. */
static void dp_publish(void)
{
    struct classifier_rule *rules = malloc(sizeof(*rules) * (dp.cfg.max_jobs + 1));
    if (rules == NULL)
        return;
    uint32_t n = 0;
    for (unsigned i = 0; i < dp.cfg.max_jobs; i++) {
        if (dp.slots[i].state == DP_SLOT_ACTIVE)
            rules[n++] = dp.slots[i].rule;
    }
    uint64_t t0 = rte_rdtsc();
    struct classifier *next = classifier_build(rules, n);
    dp_last_publish_tsc = rte_rdtsc();
    dp_last_build_tsc = dp_last_publish_tsc - t0;
    dp_last_build_ns = dp_last_build_tsc * 1000000000ull / rte_get_tsc_hz();
    free(rules);
    if (next == NULL)
        return;

    /* Unpublish the old table first, then queue it: the defer queue takes
     * its grace-period token at enqueue, and an rx lcore that reports a
     * quiescent state before the swap may load the old table again, so a
     * token taken before the swap would let the table be freed under it. */
    struct dp_deferred d = {
        .table = atomic_load_explicit(&dp.table, memory_order_relaxed),
        .replaced_by_seq = dp_table_seq + 1,
    };
    atomic_store_explicit(&dp.table, next, memory_order_release);
    dp_table_seq++;
    if (rte_rcu_qsbr_dq_enqueue(dp.dq, &d) != 0) {
        /* The defer queue is full (an rx lcore has not reported in a long
         * time): wait for the grace period here instead. */
        rte_rcu_qsbr_synchronize(dp.qsbr, RTE_QSBR_THRID_INVALID);
        dp_deferred_free(NULL, &d, 1);
    }
    dp_table_dirty = false;
    for (unsigned i = 0; i < dp.cfg.max_jobs; i++) {
        struct dp_slot *s = &dp.slots[i];
        if (s->state == DP_SLOT_RETIRING && dp_removed_seq[i] == 0)
            dp_removed_seq[i] = dp_table_seq;
        if (s->state == DP_SLOT_ACTIVE && s->published_seq == 0)
            s->published_seq = dp_table_seq;
    }
}

/* Marks the table out of date and publishes it now if builds are cheap
 * compared with how often they are asked for (a small table: always);
 * otherwise the next pcapd_dp_poll_ended() publishes every change since in
 * one build, so a burst of job starts costs one build, not one each. */
static void dp_request_publish(void)
{
    dp_table_dirty = true;
    if (rte_rdtsc() - dp_last_publish_tsc >= 2 * dp_last_build_tsc)
        dp_publish();
}

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
        if (s->gen == gen) {
            stats->packets_matched += s->matched;
            stats->packets_dropped += s->dropped;
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

int pcapd_dp_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle)
{
    if (spec->sample_rate == 0 || spec->packet_limit == 0 || spec->fd < 0 || spec->snaplen == 0 ||
        spec->snaplen > PCAPD_FULL_SNAPLEN_MAX)
        return -EINVAL;
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
    dp_removed_seq[slot] = 0;

    /* The writer learns of the job before any rx lcore can match it. */
    dp_writer_send(s->writer, WRITER_CMD_OPEN, slot, s->gen, job);
    dp_request_publish();
    *handle = ((uint64_t)s->gen << 32) | slot;
    return 0;
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
    struct dp_slot *s = dp_slot_of(handle);
    if (s == NULL || s->stop_requested)
        return;
    s->stop_requested = true;
    if (s->state == DP_SLOT_ACTIVE) {
        s->state = DP_SLOT_RETIRING;
        dp_request_publish();
    }
}

int pcapd_dp_job_stats(pcapd_job_handle handle, struct pcapd_job_stats *stats)
{
    struct dp_slot *s = dp_slot_of(handle);
    if (s == NULL)
        return -ENOENT;
    dp_job_stats_fill((uint32_t)handle, s, stats);
    return 0;
}

/* Fills `e` from writer job `job`, whose writer reported its end, marks
 * its slot ended and frees the job. */
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
        dp_table_dirty = true;
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
 * over: CLOSE to the writer if it is still writing, or free the slot. */
static void dp_advance_retiring(void)
{
    for (unsigned i = 0; i < dp.cfg.max_jobs; i++) {
        struct dp_slot *s = &dp.slots[i];
        if (s->state != DP_SLOT_RETIRING)
            continue;
        if (!s->unpublished && dp_removed_seq[i] != 0 && dp_removed_seq[i] <= dp_quiescent_seq) {
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
    unsigned n = dp_collect_ended(ended, max);
    if (dp_table_dirty)
        dp_publish();
    rte_rcu_qsbr_dq_reclaim(dp.dq, UINT32_MAX, NULL, NULL, NULL);
    dp_advance_retiring();
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
    stats->table_builds = dp_table_seq;
    stats->table_build_ns = dp_last_build_ns;
    stats->table_pending = dp_table_dirty;
    stats->writers = dp.n_writers;
    stats->hw_timestamp_ports = dp.n_stamping_ports;
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
        if (rx->slots == NULL) {
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

/* Creates the RCU variable and the defer queue of retired tables. */
static int dp_create_rcu(char *err, unsigned err_size)
{
    size_t sz = rte_rcu_qsbr_get_memsize(dp.n_rx);
    dp.qsbr = rte_zmalloc("pcapd_qsbr", sz, RTE_CACHE_LINE_SIZE);
    if (dp.qsbr == NULL || rte_rcu_qsbr_init(dp.qsbr, dp.n_rx) != 0) {
        snprintf(err, err_size, "cannot create the RCU variable");
        return -ENOMEM;
    }
    struct rte_rcu_qsbr_dq_parameters params = {
        .name = "pcapd_tables",
        .flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
        .size = 2 * dp.cfg.max_jobs + 64,
        .esize = sizeof(struct dp_deferred),
        .trigger_reclaim_limit = 32,
        .max_reclaim_size = 2 * dp.cfg.max_jobs + 64,
        .free_fn = dp_deferred_free,
        .p = NULL,
        .v = dp.qsbr,
    };
    dp.dq = rte_rcu_qsbr_dq_create(&params);
    if (dp.dq == NULL) {
        snprintf(err, err_size, "cannot create the RCU defer queue: %s", rte_strerror(rte_errno));
        return -ENOMEM;
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
    dp_removed_seq = calloc(max, sizeof(dp_removed_seq[0]));
    if (dp.slots == NULL || dp_removed_seq == NULL) {
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
    dp.cfg = *cfg;
    /* The single writer_lcore of older configurations. */
    if (dp.cfg.n_writer_lcores == 0) {
        dp.cfg.writer_lcores[0] = dp.cfg.writer_lcore;
        dp.cfg.n_writer_lcores = 1;
    }
    dp.n_writers = RTE_MIN(dp.cfg.n_writer_lcores, (unsigned)DP_MAX_WRITERS);
    rte_seqcount_init(&dp.port_clock_sn);
    if (rte_eal_init(cfg->eal_argc, cfg->eal_argv) < 0) {
        snprintf(err, err_size, "EAL initialisation failed: %s", rte_strerror(rte_errno));
        return -rte_errno;
    }
    int rc;
    if ((rc = dp_check_lcores(err, err_size)) != 0)
        return rc;
    dp.pool = rte_pktmbuf_pool_create("pcapd_mbufs", cfg->n_mbufs, 256, 0,
                                      RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
    if (dp.pool == NULL) {
        snprintf(err, err_size, "cannot create a pool of %u mbufs: %s", cfg->n_mbufs,
                 rte_strerror(rte_errno));
        return -ENOMEM;
    }
    if ((rc = dp_create_rx(err, err_size)) != 0 || (rc = dp_create_rcu(err, err_size)) != 0 ||
        (rc = dp_create_writers(err, err_size)) != 0)
        return rc;
    struct classifier *empty = classifier_build(NULL, 0);
    if (empty == NULL) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    atomic_store_explicit(&dp.table, empty, memory_order_release);
    dp_anchor_clock();
    if ((rc = dp_ports_start(err, err_size)) != 0)
        return rc;
    return dp_launch(err, err_size);
}

void pcapd_dp_stop(void (*on_ended)(const struct pcapd_job_ended *, void *), void *arg)
{
    dp.force_quit = true;
    for (unsigned i = 0; i < dp.n_rx; i++)
        rte_eal_wait_lcore(dp.rx[i].lcore_id);
    dp.writer_quit = true;
    for (unsigned i = 0; i < dp.n_writers; i++)
        rte_eal_wait_lcore(dp.writers[i].lcore_id);

    struct pcapd_job_ended ended[32];
    unsigned n;
    while ((n = dp_collect_ended(ended, RTE_DIM(ended))) > 0) {
        for (unsigned i = 0; i < n; i++)
            on_ended(&ended[i], arg);
    }
    /* The rx lcores are offline: every grace period is over. */
    rte_rcu_qsbr_dq_delete(dp.dq);
    classifier_free(atomic_load_explicit(&dp.table, memory_order_relaxed));
    dp_ports_stop();
    free(dp.slots);
    free(dp_removed_seq);
    for (unsigned i = 0; i < dp.n_writers; i++) {
        free(dp.writers[i].by_slot);
        free(dp.writers[i].open);
    }
    rte_eal_cleanup();
}
