/*
 * The rx lcore: polls its port queues in bursts, parses each packet, matches
 * the burst against the published job table, samples 1-in-N per job, and
 * stages for the writer the job was given to, per sampled packet and job, a
 * 160-byte record (simple jobs) or a reference to the mbuf (full jobs).
 * Each writer has its own stage and rings, so every ring keeps one producer
 * and one consumer.
 *
 * Each staged packet carries its receive time: the TSC of its burst, read
 * when the burst's first sample is staged (within microseconds of the
 * receive; a burst that stages nothing reads no TSC, which costs tens of
 * cycles on some CPUs; not the pass's start, which a preempted lcore may
 * have read long before the receive), or, on a port that stamps its
 * packets (hw_timestamps), the packet's own timestamp when its flag is set.
 * Which of the two is chosen once per burst, so ports without stamps pay
 * nothing per packet.
 *
 * With several rx lcores, each publishes the TSC at which it starts a pass
 * over its queues, so that the writers can merge the lcores' records in
 * time order (see writer_lcore.c).
 *
 * It counts its busy time, the TSC cycles of the passes that received
 * packets, from the one TSC reading it takes per pass.
 *
 * No allocation, no locks, no system calls.  The job table is read under
 * RCU (QSBR): the lcore reports a quiescent state after each pass over its
 * queues, when it holds no reference to the table.
 *
 * Apart from the jobs, 1 packet in dp.history_rate of everything received
 * is sampled for the look-back history, on the rings to the first writer:
 * a countdown per lcore, so a burst without a sample costs one comparison;
 * a burst with one asks for the sampled frame's lines right after the
 * receive.  A sample is written once, straight into writer 0's record ring
 * (rte_ring's zero-copy enqueue), in space the lcore reserves there for
 * DP_RX_STAGE of them and hands over when it is used up or
 * DP_HISTORY_DRAIN_US have passed, so that a hand-over, and the ring's
 * tail it moves to the writer's core, carry a batch rather than the one
 * sample of a burst.  With several rx lcores they are handed over every
 * pass, as the jobs' records are: the writer's merge needs each lcore's
 * records in its rings by the end of the pass that stamped them.  The
 * jobs' records for writer 0 never pass the space the history holds: it
 * is handed over first.
 *
 * For the benchmark driver only, a pass may instead receive and free as
 * dpdk-testpmd's rxonly forwarding does, or pause (see enum dp_rx_mode);
 * and a stage-timing build (-Dstage_timing=true) adds up the TSC cycles of
 * each stage of a burst (enum dp_rx_stage).
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "dp_internal.h"

/* Stage timing: `t` holds the TSC at which the current stage began;
 * RX_STAGE_END() charges the cycles since to `stage` and starts the next. */
#ifdef PCAPD_STAGE_TIMING
#define RX_STAGE_BEGIN(t) uint64_t t = rte_rdtsc()
#define RX_STAGE_RESTART(t) ((t) = rte_rdtsc())
#define RX_STAGE_END(rx, stage, t)                                                                 \
    do {                                                                                           \
        uint64_t now_ = rte_rdtsc();                                                               \
        (rx)->stage_tsc[stage] += now_ - (t);                                                      \
        (t) = now_;                                                                                \
    } while (0)
#else
#define RX_STAGE_BEGIN(t)
#define RX_STAGE_RESTART(t)
#define RX_STAGE_END(rx, stage, t)
#endif

/* Records and mbuf references staged for the rings to one writer. */
struct rx_stage {
    /* Simple records, `n` of them. */
    struct pcapd_record recs[DP_RX_STAGE];
    unsigned n;
    /* Full-job mbuf references, `n_refs` of them. */
    struct full_ref refs[DP_RX_STAGE];
    unsigned n_refs;
};

/* Longest time a history sample waits in the ring before it is handed
 * over, in microseconds (the history writer's buffer goes to disk every
 * 100 ms). */
#define DP_HISTORY_DRAIN_US 100

/* What an rx lcore has staged, per writer. */
struct rx_stages {
    struct rx_stage w[DP_MAX_WRITERS];
};

/* Counts a sample of job (slot, gen) that a full ring refused as dropped,
 * and gives it back to the job's packet limit: the writer ends a job only
 * once it has written packet_limit packets, so a lost sample must not use
 * up the limit, or the job would wait forever for packets it never gets. */
static inline void rx_unsample(struct rx_lcore *rx, uint32_t slot, uint32_t gen)
{
    struct rx_slot_tally *t = &rx->tallies[slot];
    t->dropped++;
    if (rx->slots[slot].gen == gen && t->sampled > 0)
        t->sampled--;
}

/* Hands the history samples written into writer 0's record ring over to
 * the writer, and gives back the space reserved beyond them. */
static void rx_history_flush(struct rx_lcore *rx, struct rx_history_stage *h)
{
    if (h->reserved == 0)
        return;
    rte_ring_enqueue_zc_elem_finish(rx->ring[0], h->n);
    h->reserved = h->n = 0;
}

/* Returns where the next history sample is to be written in writer 0's
 * record ring, reserving space for DP_RX_STAGE of them when the space
 * reserved is used up; NULL when the ring is full (the sample is counted
 * as lost). */
static inline struct pcapd_record *rx_history_slot(struct rx_lcore *rx, struct rx_history_stage *h)
{
    if (unlikely(h->n == h->reserved)) {
        rx_history_flush(rx, h);
        h->reserved = rte_ring_enqueue_zc_burst_elem_start(rx->ring[0], sizeof(struct pcapd_record),
                                                           DP_RX_STAGE, &h->zcd, NULL);
        if (h->reserved == 0) {
            rx->history_ring_full++;
            rx->ring_full++;
            return NULL;
        }
    }
    unsigned k = h->n++;
    if (k < h->zcd.n1)
        return (struct pcapd_record *)h->zcd.ptr1 + k;
    return (struct pcapd_record *)h->zcd.ptr2 + (k - h->zcd.n1);
}

/* Enqueues the simple records staged for writer `w`; counts the ones the
 * full ring refused against their jobs. */
static void rx_stage_flush_records(struct rx_lcore *rx, struct rx_stage *st, unsigned w)
{
    if (st->n == 0)
        return;
    /* The history's samples go first: no other enqueue may pass the
     * space they hold in writer 0's ring. */
    if (w == 0)
        rx_history_flush(rx, &rx->history_stage);
    unsigned sent =
        rte_ring_sp_enqueue_burst_elem(rx->ring[w], st->recs, sizeof(st->recs[0]), st->n, NULL);
    for (unsigned i = sent; i < st->n; i++)
        rx_unsample(rx, st->recs[i].job_slot, st->recs[i].job_gen);
    rx->ring_full += st->n - sent;
    st->n = 0;
}

/* Enqueues the mbuf references staged for writer `w`; releases and counts
 * the ones the full ring refused. */
static void rx_stage_flush_refs(struct rx_lcore *rx, struct rx_stage *st, unsigned w)
{
    if (st->n_refs == 0)
        return;
    unsigned sent = rte_ring_sp_enqueue_burst_elem(rx->full_ring[w], st->refs, sizeof(st->refs[0]),
                                                   st->n_refs, NULL);
    for (unsigned i = sent; i < st->n_refs; i++) {
        rx_unsample(rx, st->refs[i].job_slot, st->refs[i].job_gen);
        rte_pktmbuf_free(st->refs[i].m);
    }
    rx->backlog_full += st->n_refs - sent;
    st->n_refs = 0;
}

/* Enqueues everything the jobs staged, for every writer, and the
 * history's samples when they are due: with several rx lcores, or once the
 * oldest has waited DP_HISTORY_DRAIN_US by the pass TSC `now`. */
static void rx_stage_flush(struct rx_lcore *rx, struct rx_stages *st, uint64_t now)
{
    RX_STAGE_BEGIN(t);
    for (unsigned w = 0; w < dp.n_writers; w++) {
        rx_stage_flush_records(rx, &st->w[w], w);
        rx_stage_flush_refs(rx, &st->w[w], w);
    }
    struct rx_history_stage *h = &rx->history_stage;
    if (h->n > 0 && (dp.n_rx > 1 || now - h->first_tsc >= h->drain_tsc))
        rx_history_flush(rx, h);
    RX_STAGE_END(rx, DP_STAGE_ENQUEUE, t);
}

/* Decides whether `job`'s next matching packet is sampled, updating the
 * lcore's state for the job. */
static inline bool rx_sample(struct rx_lcore *rx, const struct classifier_job *job)
{
    struct rx_slot_state *s = &rx->slots[job->slot];
    if (unlikely(s->gen != job->gen)) {
        *s = (struct rx_slot_state){.gen = job->gen};
        rx->tallies[job->slot] = (struct rx_slot_tally){0};
    }
    s->matched++;
    if (s->countdown > 0) {
        s->countdown--;
        return false;
    }
    struct rx_slot_tally *t = &rx->tallies[job->slot];
    if (t->sampled >= job->packet_limit)
        return false;
    s->countdown = job->sample_rate - 1;
    t->sampled++;
    return true;
}

/* Fills record `r` of mbuf `m`, received at `time` in clock `clock`, for
 * job `rule`: its first 160 bytes at most. */
static inline void rx_fill_record(struct pcapd_record *r, const struct classifier_rule *rule,
                                  const struct rte_mbuf *m, uint64_t time, uint8_t clock)
{
    /* A snaplen below 160 (a `full` snaplen configured that low) is honoured
     * too, so records never exceed the snaplen in the file header. */
    uint32_t cap = RTE_MIN(m->pkt_len, RTE_MIN(rule->snaplen, (uint32_t)PCAPD_SIMPLE_SNAPLEN));
    r->job_slot = rule->slot;
    r->job_gen = rule->gen;
    r->rx_time = time;
    r->wire_len = m->pkt_len;
    r->cap_len = (uint8_t)cap;
    r->rx_clock = clock;
    r->port_id = m->port;
    const void *p = rte_pktmbuf_read(m, 0, cap, r->data);
    if (p != r->data)
        rte_memcpy(r->data, p, cap);
}

/* Stages a 160-byte record of mbuf `m`, received at `time` in clock
 * `clock`, for simple job `rule`, on the stage of the job's writer. */
static inline void rx_stage_record(struct rx_lcore *rx, struct rx_stages *sts,
                                   const struct classifier_rule *rule, const struct rte_mbuf *m,
                                   uint64_t time, uint8_t clock)
{
    struct rx_stage *st = &sts->w[rule->writer];
    if (unlikely(st->n == DP_RX_STAGE))
        rx_stage_flush_records(rx, st, rule->writer);
    rx_fill_record(&st->recs[st->n++], rule, m, time, clock);
}

/* Stages a reference to mbuf `m`, received at `time` in clock `clock`, for
 * full job `rule`, on the stage of the job's writer: the packet is not
 * copied here; the writer writes it from the mbuf and frees it. */
static inline void rx_stage_ref(struct rx_lcore *rx, struct rx_stages *sts,
                                const struct classifier_rule *rule, struct rte_mbuf *m,
                                uint64_t time, uint8_t clock)
{
    struct rx_stage *st = &sts->w[rule->writer];
    if (unlikely(st->n_refs == DP_RX_STAGE))
        rx_stage_flush_refs(rx, st, rule->writer);
    rte_mbuf_refcnt_update(m, 1);
    st->refs[st->n_refs++] = (struct full_ref){.job_slot = rule->slot,
                                               .job_gen = rule->gen,
                                               .rx_time = time,
                                               .rx_clock = clock,
                                               .pad = 0,
                                               .m = m};
}

/* What the classifier's callback needs to stage a match. */
struct rx_emit_ctx {
    /* The lcore and its stages. */
    struct rx_lcore *rx;
    struct rx_stages *st;
    /* The table the burst is matched against. */
    const struct classifier *table;
    /* The burst's packets. */
    struct rte_mbuf **pkts;
    /* The burst's TSC, or 0 until a sample needs it. */
    uint64_t tsc;
};

/* Returns the burst's TSC, reading it the first time. */
static inline uint64_t rx_burst_tsc(struct rx_emit_ctx *e)
{
    if (e->tsc == 0)
        e->tsc = rte_rdtsc();
    return e->tsc;
}

/* Stages packet `i`, sampled for `job` and received at `time` in clock
 * `clock`: a record for a simple job, an mbuf reference for a full one.
 * Kept out of line, so the per-match code inlined into the two copies of
 * the classifier's loop stays small (sampling decides most matches); only
 * here is the job's whole rule read. */
static __rte_noinline void rx_stage_packet(struct rx_emit_ctx *e, unsigned i,
                                           const struct classifier_job *job, uint64_t time,
                                           uint8_t clock)
{
    const struct classifier_rule *rule = classifier_job_rule(e->table, job);
    if (rule->snaplen <= PCAPD_SIMPLE_SNAPLEN)
        rx_stage_record(e->rx, e->st, rule, e->pkts[i], time, clock);
    else
        rx_stage_ref(e->rx, e->st, rule, e->pkts[i], time, clock);
}

/* Classifier callback for a burst of a port that does not stamp packets:
 * packet `i` matched `job`; if sampled, it is staged with the burst's
 * TSC. */
static inline void rx_emit(void *arg, unsigned i, const struct classifier_job *job)
{
    struct rx_emit_ctx *e = arg;
    if (rx_sample(e->rx, job))
        rx_stage_packet(e, i, job, rx_burst_tsc(e), PCAPD_RX_CLOCK_TSC);
}

/* Classifier callback for a burst of a port that stamps packets: packet `i`
 * matched `job`; if sampled, it is staged with its own timestamp when the
 * port set the timestamp flag, else with the burst's TSC. */
static inline void rx_emit_stamped(void *arg, unsigned i, const struct classifier_job *job)
{
    struct rx_emit_ctx *e = arg;
    if (!rx_sample(e->rx, job))
        return;
    const struct rte_mbuf *m = e->pkts[i];
    if ((m->ol_flags & dp.ts_dynflag) != 0)
        rx_stage_packet(e, i, job,
                        *RTE_MBUF_DYNFIELD(m, dp.ts_dynfield_offset, rte_mbuf_timestamp_t *),
                        PCAPD_RX_CLOCK_PORT);
    else
        rx_stage_packet(e, i, job, rx_burst_tsc(e), PCAPD_RX_CLOCK_TSC);
}

/* The rule history samples are recorded under: the head of a simple
 * capture, for writer 0. */
static const struct classifier_rule rx_history_rule = {
    .slot = DP_HISTORY_SLOT, .snaplen = PCAPD_SIMPLE_SNAPLEN, .writer = 0};

/* Writes into writer 0's ring for the history 1 packet in dp.history_rate
 * of the burst of `n` packets, with the burst's TSC, or the packet's own
 * stamp on a port that stamps (`stamps`) when its flag is set. */
static void rx_history_sample(struct rx_emit_ctx *e, unsigned n, bool stamps)
{
    struct rx_lcore *rx = e->rx;
    struct rx_history_stage *h = &rx->history_stage;
    if (dp.history_rate == 0) {
        rx->history_countdown = UINT32_MAX;
        return;
    }
    unsigned i = rx->history_countdown;
    for (; i < n; i += dp.history_rate) {
        rx->history_sampled++;
        struct pcapd_record *r = rx_history_slot(rx, h);
        if (r == NULL)
            continue;
        uint64_t tsc = rx_burst_tsc(e);
        if (h->n == 1)
            h->first_tsc = tsc;
        const struct rte_mbuf *m = e->pkts[i];
        if (stamps && (m->ol_flags & dp.ts_dynflag) != 0)
            rx_fill_record(r, &rx_history_rule, m,
                           *RTE_MBUF_DYNFIELD(m, dp.ts_dynfield_offset, rte_mbuf_timestamp_t *),
                           PCAPD_RX_CLOCK_PORT);
        else
            rx_fill_record(r, &rx_history_rule, m, tsc, PCAPD_RX_CLOCK_TSC);
    }
    rx->history_countdown = i - n;
}

/* Asks for the lines of the first PCAPD_SIMPLE_SNAPLEN bytes of every
 * packet of burst `pkts` (of `n`) the history will sample, the first being
 * packet `first`. */
static inline void rx_history_prefetch(struct rte_mbuf **pkts, unsigned n, unsigned first)
{
    for (unsigned i = first; i < n && dp.history_rate > 0; i += dp.history_rate) {
        const char *p = rte_pktmbuf_mtod(pkts[i], const char *);
        for (unsigned off = 0; off < PCAPD_SIMPLE_SNAPLEN; off += RTE_CACHE_LINE_SIZE)
            rte_prefetch0(p + off);
        rte_prefetch0(p + PCAPD_SIMPLE_SNAPLEN - 1);
    }
}

/* Sets `*frame` and `*len` to where mbuf `m`'s headers are, gathered into
 * `window` first when they are spread over segments, and asks for their
 * first cache line. */
static inline void rx_frame(const struct rte_mbuf *m, uint8_t *window, const uint8_t **frame,
                            uint32_t *len)
{
    *frame = rte_pktmbuf_mtod(m, const uint8_t *);
    *len = m->data_len;
    if (unlikely(m->nb_segs > 1 && *len < DP_PARSE_WINDOW)) {
        *len = RTE_MIN(m->pkt_len, (uint32_t)DP_PARSE_WINDOW);
        *frame = rte_pktmbuf_read(m, 0, *len, window);
    }
    rte_prefetch0(*frame);
}

/* Finds the jobs of each packet of burst `b` in `table` and calls `emit`
 * for each (packet, job), as classifier_match_burst() does, timing the
 * two steps apart in a stage-timing build. */
static inline void rx_match(struct rx_lcore *rx, const struct classifier *table,
                            struct classifier_burst *b, classifier_emit_fn emit,
                            struct rx_emit_ctx *e)
{
    RX_STAGE_BEGIN(t);
    (void)rx;
    if (table->match_all != UINT32_MAX) {
        for (unsigned i = 0; i < b->n; i++)
            classifier_emit_class(table, table->classes[table->match_all].first, i, emit, e);
        RX_STAGE_END(rx, DP_STAGE_SAMPLE, t);
    }
    if (b->n_ip == 0)
        return;
    for (uint32_t r = 0; r < table->n_rounds; r++) {
        unsigned n = classifier_find(table, b, r);
        RX_STAGE_END(rx, DP_STAGE_CLASSIFY, t);
        for (unsigned k = 0; k < n; k++) {
            uint32_t x = b->match[k];
            classifier_emit_class(table, x >> CLASSIFIER_MATCH_SHIFT,
                                  x & ((1u << CLASSIFIER_MATCH_SHIFT) - 1), emit, e);
        }
        RX_STAGE_END(rx, DP_STAGE_SAMPLE, t);
    }
}

/* Receives one burst from `q`, classifies it and stages what the jobs and
 * the history sample.  Returns the packets received. */
static inline unsigned rx_poll_queue(struct rx_lcore *rx, struct rx_stages *st,
                                     struct classifier_burst *b, const struct rx_queue_ref *q)
{
    struct rte_mbuf *pkts[DP_RX_BURST];
    uint8_t window[DP_RX_BURST][DP_PARSE_WINDOW];
    RX_STAGE_BEGIN(t);
    uint16_t n = rte_eth_rx_burst(q->port_id, q->queue_id, pkts, DP_RX_BURST);
    RX_STAGE_END(rx, DP_STAGE_RECEIVE, t);
    if (n == 0)
        return 0;
    /* A history sample reads its frame's first 160 bytes, which nothing
     * else may have touched (a PMD that does not write the data): ask for
     * them now, a burst's parse and classification ahead. */
    if (unlikely(rx->history_countdown < n))
        rx_history_prefetch(pkts, n, rx->history_countdown);
    /* Load the table after the burst, so a job published while the PMD was
     * receiving sees the packets received after its publication. */
    const struct classifier *table = atomic_load_explicit(&dp.table, memory_order_acquire);
    struct rx_emit_ctx e = {.rx = rx, .st = st, .table = table, .pkts = pkts, .tsc = 0};
    if (table->n_rules > 0) {
        /* Headers are a cache miss each on a NIC: ask for every packet's
         * before parsing the first (the mbufs' first lines, which the PMD
         * wrote, are in cache). */
        const uint8_t *frames[DP_RX_BURST];
        uint32_t lens[DP_RX_BURST];
        for (uint16_t i = 0; i < n; i++)
            rx_frame(pkts[i], window[i], &frames[i], &lens[i]);
        classifier_burst_reset(b);
        classifier_burst_parse(b, frames, lens, n);
        RX_STAGE_END(rx, DP_STAGE_PARSE, t);
        /* The one test hw timestamps add per burst. */
        if (likely(!q->port_stamps))
            rx_match(rx, table, b, rx_emit, &e);
        else
            rx_match(rx, table, b, rx_emit_stamped, &e);
        RX_STAGE_RESTART(t);
    }
    /* History: the same burst, one comparison unless it holds a sample. */
    if (unlikely(rx->history_countdown < n))
        rx_history_sample(&e, n, q->port_stamps);
    else
        rx->history_countdown -= n;
    rte_pktmbuf_free_bulk(pkts, n);
    RX_STAGE_END(rx, DP_STAGE_FREE, t);
    rx->rx_packets += n;
    return n;
}

/* One pass of the reference mode: receives and frees a burst of each
 * queue, as dpdk-testpmd's rxonly forwarding does (pkt_burst_receive()),
 * counting the packets; with `ethertype`, counts too the frames whose
 * EtherType is IPv4's, reading it from each (DP_RX_ETHERTYPE). */
static inline void rx_reference_pass(struct rx_lcore *rx, bool ethertype)
{
    for (unsigned i = 0; i < rx->n_queues; i++) {
        struct rte_mbuf *pkts[DP_RX_BURST];
        uint16_t n =
            rte_eth_rx_burst(rx->queues[i].port_id, rx->queues[i].queue_id, pkts, DP_RX_BURST);
        if (n == 0)
            continue;
        rx->rx_packets += n;
        for (uint16_t k = 0; ethertype && k < n; k++)
            rx->floor_ipv4 += pkt_read_be16(rte_pktmbuf_mtod(pkts[k], const uint8_t *) + 12) ==
                              PKT_ETHERTYPE_IPV4;
        rte_pktmbuf_free_bulk(pkts, n);
    }
}

int dp_rx_lcore_main(void *arg)
{
    struct rx_lcore *rx = arg;
    struct rx_stages st;
    struct classifier_burst burst;
    for (unsigned w = 0; w < DP_MAX_WRITERS; w++)
        st.w[w].n = st.w[w].n_refs = 0;
    rx->history_stage.n = rx->history_stage.reserved = 0;
    rx->history_stage.drain_tsc = rte_get_tsc_hz() / 1000000 * DP_HISTORY_DRAIN_US;

    rte_rcu_qsbr_thread_register(dp.qsbr, rx->qsbr_id);
    rte_rcu_qsbr_thread_online(dp.qsbr, rx->qsbr_id);
    uint64_t pass_start = rte_rdtsc();
    unsigned received = 0;
    while (likely(!dp.force_quit)) {
        if (unlikely(dp.rx_mode != DP_RX_CAPTURE)) {
            /* Benchmarks only: nothing is staged in these modes, and the
             * reference pays nothing testpmd does not (not the TSC read
             * of the busy count). */
            rx_history_flush(rx, &rx->history_stage);
            if (dp.n_rx > 1)
                atomic_store_explicit(&rx->pass_tsc, rte_rdtsc(), memory_order_release);
            if (dp.rx_mode == DP_RX_REFERENCE)
                rx_reference_pass(rx, false);
            else if (dp.rx_mode == DP_RX_ETHERTYPE)
                rx_reference_pass(rx, true);
            else
                rte_delay_us_sleep(1000);
            received = 0;
            rte_rcu_qsbr_quiescent(dp.qsbr, rx->qsbr_id);
            continue;
        }
        /* One TSC reading per pass: the previous pass, if it received
         * packets, was busy until now. */
        uint64_t now = rte_rdtsc();
        if (received > 0)
            atomic_store_explicit(&rx->busy_cycles,
                                  atomic_load_explicit(&rx->busy_cycles, memory_order_relaxed) +
                                      (now - pass_start),
                                  memory_order_relaxed);
        pass_start = now;
        /* Everything staged so far is in the rings: tell the writers that
         * what this pass stages is stamped from now on. */
        if (dp.n_rx > 1)
            atomic_store_explicit(&rx->pass_tsc, now, memory_order_release);
        received = 0;
        for (unsigned i = 0; i < rx->n_queues; i++)
            received += rx_poll_queue(rx, &st, &burst, &rx->queues[i]);
        rx_stage_flush(rx, &st, now);
        /* Every record of this pass is in the ring: the table may go. */
        rte_rcu_qsbr_quiescent(dp.qsbr, rx->qsbr_id);
    }
    rx_history_flush(rx, &rx->history_stage);
    rte_rcu_qsbr_thread_offline(dp.qsbr, rx->qsbr_id);
    rte_rcu_qsbr_thread_unregister(dp.qsbr, rx->qsbr_id);
    return 0;
}
