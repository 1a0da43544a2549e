/*
 * A writer lcore: takes the records of its ring from every rx lcore, formats
 * them as pcap records into each job's buffer, and writes a buffer with one
 * write() when it fills, on the drain timer, and when the job ends.  It ends
 * a job itself at its packet limit or on a write error, or when the control
 * thread sends CLOSE; every end is reported on its ended ring.
 *
 * There may be several writers; each job is given to one when it starts, and
 * only that writer's rings carry its records, so a writer sees all of a
 * job's records and no other writer touches the job.  Receive times become
 * Unix nanoseconds here: TSC readings through the TSC's map, port stamps
 * through the port's map (a copy, refreshed when the control thread
 * re-anchors a device clock).
 *
 * The writer owns its jobs between OPEN and end; it never allocates, and
 * the only system calls it makes are write() and, when idle, a short sleep.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "dp_internal.h"
#include "pcap_format.h"

/* Records taken from a ring per dequeue. */
#define WRITER_BURST 64
/* Buffers are written out at least this often (microseconds). */
#define WRITER_DRAIN_US 100000
/* Sleep when a loop found nothing to do (microseconds). */
#define WRITER_IDLE_SLEEP_US 50

/* The writer's private state. */
struct writer {
    /* This writer's shared part: rings, arrays, counters. */
    struct dp_writer *self;
    /* Job per slot, or NULL: self->by_slot. */
    struct writer_job **by_slot;
    /* Open jobs, densely packed, for the drain timer: self->open. */
    struct writer_job **open;
    unsigned n_open;
    /* Drains in progress: records dequeued but not yet routed exist. */
    unsigned depth;
    /* Jobs whose CLOSE waits for the next close round, and that round. */
    unsigned n_closing;
    uint32_t close_round;
    /* The writer's copy of the ports' clock maps (dp.port_clock), and the
     * sequence number it was copied at. */
    struct ts_clock_map port_clock[RTE_MAX_ETHPORTS];
    uint32_t port_clock_sn;
};

/* Flushes the job, forgets it and reports its end to the control thread. */
static void writer_end(struct writer *w, struct writer_job *job, enum pcapd_job_end reason)
{
    int err = pcap_out_flush(&job->out);
    if (err != 0 && reason != PCAPD_JOB_END_WRITE_ERROR) {
        reason = PCAPD_JOB_END_WRITE_ERROR;
        job->error = err;
    }
    job->reason = reason;
    if (job->closing != 0) {
        job->closing = 0;
        w->n_closing--;
    }
    w->by_slot[job->slot] = NULL;
    for (unsigned i = 0; i < w->n_open; i++) {
        if (w->open[i] == job) {
            w->open[i] = w->open[--w->n_open];
            break;
        }
    }
    /* The ended ring holds max_jobs entries: it cannot be full. */
    rte_ring_sp_enqueue(w->self->ended_ring, job);
}

/* Converts receive time `t` in clock `clock` of a packet from `port` to
 * nanoseconds since the Unix epoch. */
static inline uint64_t writer_time_to_ns(const struct writer *w, uint64_t t, uint32_t clock,
                                         uint16_t port)
{
    if (likely(clock == PCAPD_RX_CLOCK_TSC))
        return ts_clock_to_ns(&dp.tsc_clock, t);
    return ts_clock_to_ns(&w->port_clock[port], t);
}

/* Copies the ports' clock maps if the control thread changed them since the
 * last copy (it re-anchors device clocks once a second). */
static void writer_clock_refresh(struct writer *w, bool force)
{
    uint32_t sn = rte_seqcount_read_begin(&dp.port_clock_sn);
    if (!force && sn == w->port_clock_sn)
        return;
    for (;;) {
        memcpy(w->port_clock, dp.port_clock, sizeof(w->port_clock));
        if (!rte_seqcount_read_retry(&dp.port_clock_sn, sn))
            break;
        sn = rte_seqcount_read_begin(&dp.port_clock_sn);
    }
    w->port_clock_sn = sn;
}

/* Returns room for `need` bytes at the end of the job's buffer, flushing
 * it first if needed, or NULL after ending the job because the bytes would
 * take its file past byte_limit or a write failed. */
static uint8_t *writer_reserve(struct writer *w, struct writer_job *job, uint32_t need)
{
    if (job->byte_limit != 0 && pcap_out_size(&job->out) + need > job->byte_limit) {
        writer_end(w, job, PCAPD_JOB_END_BYTE_LIMIT);
        return NULL;
    }
    int err;
    uint8_t *room = pcap_out_reserve(&job->out, need, &err);
    if (unlikely(room == NULL)) {
        job->error = err;
        writer_end(w, job, PCAPD_JOB_END_WRITE_ERROR);
    }
    return room;
}

/* Adds `n` to a counter that only this writer lcore writes: a relaxed load
 * and store, without the locked read-modify-write of atomic_fetch_add. */
static inline uint64_t writer_counter_add(_Atomic uint64_t *c, uint64_t n)
{
    uint64_t v = atomic_load_explicit(c, memory_order_relaxed) + n;
    atomic_store_explicit(c, v, memory_order_relaxed);
    return v;
}

/* Accounts `used` bytes just formatted into the job's buffer as one packet,
 * ending the job at its packet limit. */
static void writer_commit(struct writer *w, struct writer_job *job, uint32_t used)
{
    pcap_out_commit(&job->out, used);
    if (writer_counter_add(&job->packets_written, 1) >= job->packet_limit)
        writer_end(w, job, PCAPD_JOB_END_PACKET_LIMIT);
}

/* Appends a simple job's record. */
static void writer_append(struct writer *w, struct writer_job *job, const struct pcapd_record *r)
{
    uint8_t *out = writer_reserve(w, job, PCAP_RECORD_HEADER_LEN + r->cap_len);
    if (out == NULL)
        return;
    uint64_t ns = writer_time_to_ns(w, r->rx_time, r->rx_clock, r->port_id);
    size_t n = pcap_format_record(out, ns, r->wire_len, r->data, r->cap_len);
    writer_commit(w, job, (uint32_t)n);
}

/* Appends a full job's packet, read from its mbuf (the caller frees it). */
static void writer_append_full(struct writer *w, struct writer_job *job, const struct full_ref *ref)
{
    uint32_t cap = RTE_MIN(ref->m->pkt_len, job->snaplen);
    uint8_t *out = writer_reserve(w, job, PCAP_RECORD_HEADER_LEN + cap);
    if (out == NULL)
        return;
    uint64_t ns = writer_time_to_ns(w, ref->rx_time, ref->rx_clock, ref->m->port);
    size_t n = pcap_format_record_header(out, ns, ref->m->pkt_len, cap);
    uint8_t *data = out + n;
    const void *p = rte_pktmbuf_read(ref->m, 0, cap, data);
    if (p != data)
        rte_memcpy(data, p, cap);
    writer_commit(w, job, (uint32_t)n + cap);
}

static void writer_process_cmds(struct writer *w);

/* Returns the open job (slot, gen), or NULL if it has ended.  The job's
 * OPEN may still be in the command ring, so look there before giving up. */
static struct writer_job *writer_job_of(struct writer *w, uint32_t slot, uint32_t gen)
{
    struct writer_job *job = w->by_slot[slot];
    if (likely(job != NULL && job->gen == gen))
        return job;
    writer_process_cmds(w);
    job = w->by_slot[slot];
    if (job != NULL && job->gen == gen)
        return job;
    writer_counter_add(&w->self->late, 1);
    return NULL;
}

/* Dequeues and writes up to `max` simple records from `ring`.  Returns how
 * many it took. */
static unsigned writer_drain_records(struct writer *w, struct rte_ring *ring, unsigned max)
{
    struct pcapd_record recs[WRITER_BURST];
    unsigned total = 0;
    w->depth++;
    while (total < max) {
        unsigned n = rte_ring_sc_dequeue_burst_elem(
            ring, recs, sizeof(recs[0]), RTE_MIN(max - total, (unsigned)WRITER_BURST), NULL);
        writer_counter_add(&w->self->records, n);
        for (unsigned i = 0; i < n; i++) {
            struct writer_job *job = writer_job_of(w, recs[i].job_slot, recs[i].job_gen);
            if (job != NULL)
                writer_append(w, job, &recs[i]);
        }
        total += n;
        if (n < WRITER_BURST)
            break;
    }
    w->depth--;
    return total;
}

/* Dequeues, writes and frees up to `max` full-job mbufs from `ring`.
 * Returns how many it took. */
static unsigned writer_drain_refs(struct writer *w, struct rte_ring *ring, unsigned max)
{
    struct full_ref refs[WRITER_BURST];
    unsigned total = 0;
    w->depth++;
    while (total < max) {
        unsigned n = rte_ring_sc_dequeue_burst_elem(
            ring, refs, sizeof(refs[0]), RTE_MIN(max - total, (unsigned)WRITER_BURST), NULL);
        writer_counter_add(&w->self->records, n);
        for (unsigned i = 0; i < n; i++) {
            struct writer_job *job = writer_job_of(w, refs[i].job_slot, refs[i].job_gen);
            if (job != NULL)
                writer_append_full(w, job, &refs[i]);
            rte_pktmbuf_free(refs[i].m);
        }
        total += n;
        if (n < WRITER_BURST)
            break;
    }
    w->depth--;
    return total;
}

/* Writes what this writer's rings from rx lcore `rx` hold now (not what
 * arrives while doing so).  Returns how many entries it took. */
static unsigned writer_drain_lcore(struct writer *w, const struct rx_lcore *rx)
{
    struct rte_ring *ring = rx->ring[w->self->index];
    struct rte_ring *full = rx->full_ring[w->self->index];
    return writer_drain_records(w, ring, rte_ring_count(ring)) +
           writer_drain_refs(w, full, rte_ring_count(full));
}

/* Ends job (slot, gen) on CLOSE.  The control thread sends CLOSE only after
 * every rx lcore passed a quiescent state since the job left the table, so
 * all its records are already in this writer's rings: route what the rings
 * hold now before ending it.  A CLOSE that comes while a drain is routing a batch
 * (a record of an unknown job made the writer look at its commands) waits
 * for the next close round: some of the job's records are in that batch,
 * and draining the rings now would write newer records of every job before
 * the batch's older ones, and end the job before the batch's records. */
static void writer_close(struct writer *w, uint32_t slot, uint32_t gen)
{
    struct writer_job *job = w->by_slot[slot];
    if (job == NULL || job->gen != gen)
        return; /* Already ended at its limit or on an error. */
    if (w->depth > 0) {
        if (job->closing == 0) {
            job->closing = w->close_round;
            w->n_closing++;
        }
        return;
    }
    for (unsigned i = 0; i < dp.n_rx; i++)
        writer_drain_lcore(w, &dp.rx[i]);
    job = w->by_slot[slot];
    if (job != NULL && job->gen == gen)
        writer_end(w, job, PCAPD_JOB_END_STOPPED);
}

/* Opens a job (its buffer already holds the pcap file header, which
 * carries the job's snaplen: readers cut records longer than that). */
static void writer_open(struct writer *w, struct writer_job *job)
{
    w->by_slot[job->slot] = job;
    w->open[w->n_open++] = job;
}

/* Executes every pending command. */
static void writer_process_cmds(struct writer *w)
{
    struct writer_cmd cmd;
    while (rte_ring_sc_dequeue_elem(w->self->cmd_ring, &cmd, sizeof(cmd)) == 0) {
        if (cmd.type == WRITER_CMD_OPEN)
            writer_open(w, cmd.job);
        else if (cmd.type == WRITER_CMD_CLOSE)
            writer_close(w, cmd.slot, cmd.gen);
    }
}

/* A close round, with no drain in progress: writes what the rings hold,
 * then ends the jobs whose CLOSE came before the round (CLOSEs that come
 * during its drain wait for the next round). */
static void writer_close_round(struct writer *w)
{
    uint32_t round = w->close_round++;
    for (unsigned i = 0; i < dp.n_rx; i++)
        writer_drain_lcore(w, &dp.rx[i]);
    for (unsigned i = 0; i < w->n_open;) {
        struct writer_job *job = w->open[i];
        if (job->closing != 0 && job->closing <= round) {
            writer_end(w, job, PCAPD_JOB_END_STOPPED); /* Moves another job to i. */
            continue;
        }
        i++;
    }
}

/* Writes out every open job's buffer; ends the jobs whose write fails. */
static void writer_drain_timer(struct writer *w)
{
    for (unsigned i = 0; i < w->n_open;) {
        struct writer_job *job = w->open[i];
        int err = pcap_out_flush(&job->out);
        if (err != 0) {
            job->error = err;
            writer_end(w, job, PCAPD_JOB_END_WRITE_ERROR); /* Moves another job to i. */
            continue;
        }
        i++;
    }
}

int dp_writer_lcore_main(void *arg)
{
    struct dp_writer *self = arg;
    struct writer w = {
        .self = self, .by_slot = self->by_slot, .open = self->open, .n_open = 0, .close_round = 1};
    const uint64_t drain_tsc = dp.tsc_hz / 1000000 * WRITER_DRAIN_US;
    uint64_t last_drain = rte_rdtsc();
    writer_clock_refresh(&w, true);

    while (likely(!dp.writer_quit)) {
        writer_process_cmds(&w);
        if (unlikely(w.n_closing > 0))
            writer_close_round(&w);
        if (unlikely(dp.n_device_clocks > 0))
            writer_clock_refresh(&w, false);
        /* Take at most what each ring holds now, so commands and the drain
         * timer are served even when the rx lcores outpace the writer. */
        unsigned n = 0;
        for (unsigned i = 0; i < dp.n_rx; i++)
            n += writer_drain_lcore(&w, &dp.rx[i]);
        uint64_t now = rte_rdtsc();
        if (now - last_drain >= drain_tsc) {
            writer_drain_timer(&w);
            last_drain = now;
        }
        if (n == 0)
            rte_delay_us_sleep(WRITER_IDLE_SLEEP_US);
    }

    /* The rx lcores have stopped: write what they left, then end every job. */
    writer_process_cmds(&w);
    for (unsigned i = 0; i < dp.n_rx; i++)
        writer_drain_lcore(&w, &dp.rx[i]);
    while (w.n_open > 0)
        writer_end(&w, w.open[0], PCAPD_JOB_END_STOPPED);
    return 0;
}
