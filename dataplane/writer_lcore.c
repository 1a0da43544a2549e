/*
 * A writer lcore: takes the records of its rings from every rx lcore, formats
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
 * Writer 0 also writes the look-back history: records of the job slot
 * DP_HISTORY_SLOT go to its history writer (history_writer.h), whose
 * buffer the drain timer writes out too, in the same time order.
 *
 * Records are read in place in the rings (DPDK's zero-copy peek) and written
 * in rounds.  With one rx lcore, a round writes what the rings hold, which
 * is already in time order.  With several, each rx lcore's rings are in time
 * order but the lcores interleave, so a round merges the rings by receive
 * time and writes only the records stamped before the horizon: the lowest
 * TSC at which an rx lcore started its current pass (pass_tsc), before which
 * no rx lcore can stage anything more.  Every file is thus in time order.
 * Records stamped by a port's clock are not in the TSC's order; they are
 * written as they come, in their rx lcore's order.
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
#include <rte_ring_peek_zc.h>

#include "dp_internal.h"
#include "pcapd/pcap_format.h"

/* Buffers are written out at least this often (microseconds). */
#define WRITER_DRAIN_US 100000
/* Sleep when a loop found nothing to do (microseconds). */
#define WRITER_IDLE_SLEEP_US 50
/* Rings a round reads: a ring of records and one of mbuf references per rx
 * lcore. */
#define WRITER_MAX_SOURCES (2 * PCAPD_MAX_RX_LCORES)

/* The writer's private state. */
struct writer {
    /* This writer's shared part: rings, arrays, counters. */
    struct dp_writer *self;
    /* Job per slot, or NULL: self->by_slot. */
    struct writer_job **by_slot;
    /* Open jobs, densely packed, for the drain timer: self->open. */
    struct writer_job **open;
    unsigned n_open;
    /* Rounds started, counting from 1 (a CLOSE records this count), and
     * the horizon of the last one finished (every record stamped before
     * it is written). */
    uint64_t rounds;
    uint64_t done_horizon;
    /* Open jobs whose CLOSE came and that still wait for their records. */
    unsigned n_closing;
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
    if (job->close_round != 0) {
        job->close_round = 0;
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

/* One ring a round reads, peeked in place. */
struct writer_source {
    /* The ring, and whether it carries mbuf references (struct full_ref)
     * rather than simple records (struct pcapd_record). */
    struct rte_ring *ring;
    bool refs;
    /* The entries peeked: `n` of them, in one or two runs. */
    struct rte_ring_zc_data zcd;
    unsigned n;
    /* Entries written so far. */
    unsigned i;
};

/* Returns entry `k` of the entries `src` peeked. */
static inline const void *writer_source_at(const struct writer_source *src, unsigned k)
{
    size_t esize = src->refs ? sizeof(struct full_ref) : sizeof(struct pcapd_record);
    if (k < src->zcd.n1)
        return (const uint8_t *)src->zcd.ptr1 + (size_t)k * esize;
    return (const uint8_t *)src->zcd.ptr2 + (size_t)(k - src->zcd.n1) * esize;
}

/* The merge key of the next entry of `src`: its TSC stamp, or 0 for a
 * port's stamp (written as soon as it is reached). */
static inline uint64_t writer_source_key(const struct writer_source *src)
{
    const void *e = writer_source_at(src, src->i);
    if (src->refs) {
        const struct full_ref *ref = e;
        return ref->rx_clock == PCAPD_RX_CLOCK_TSC ? ref->rx_time : 0;
    }
    const struct pcapd_record *r = e;
    return r->rx_clock == PCAPD_RX_CLOCK_TSC ? r->rx_time : 0;
}

/* Writes the next entry of `src` into its job's file, if the job is open;
 * frees a referenced mbuf. */
static void writer_source_write(struct writer *w, struct writer_source *src)
{
    const void *e = writer_source_at(src, src->i++);
    if (src->refs) {
        const struct full_ref *ref = e;
        struct writer_job *job = writer_job_of(w, ref->job_slot, ref->job_gen);
        if (job != NULL)
            writer_append_full(w, job, ref);
        rte_pktmbuf_free(ref->m);
        return;
    }
    const struct pcapd_record *r = e;
    if (unlikely(r->job_slot == DP_HISTORY_SLOT)) {
        history_writer_append(dp.history, writer_time_to_ns(w, r->rx_time, r->rx_clock, r->port_id),
                              r->wire_len, r->data, r->cap_len);
        return;
    }
    struct writer_job *job = writer_job_of(w, r->job_slot, r->job_gen);
    if (job != NULL)
        writer_append(w, job, r);
}

/* Peeks at what `ring` holds into sources[*n] unless it is empty. */
static void writer_source_open(struct writer_source *sources, unsigned *n, struct rte_ring *ring,
                               bool refs)
{
    struct writer_source *src = &sources[*n];
    size_t esize = refs ? sizeof(struct full_ref) : sizeof(struct pcapd_record);
    src->ring = ring;
    src->refs = refs;
    src->i = 0;
    src->n = rte_ring_dequeue_zc_burst_elem_start(ring, (unsigned)esize,
                                                  rte_ring_get_capacity(ring), &src->zcd, NULL);
    if (src->n > 0)
        (*n)++;
}

/* Gives back to its ring the entries of `src` written; returns how many. */
static unsigned writer_source_close(struct writer_source *src)
{
    rte_ring_dequeue_zc_elem_finish(src->ring, src->i);
    return src->i;
}

/* Returns the horizon: with one rx lcore, no limit (its rings are in time
 * order); with several, the lowest TSC at which one started its current
 * pass.  Read before the rings, so every record stamped before it that will
 * ever exist is in them. */
static uint64_t writer_horizon(void)
{
    if (dp.n_rx == 1)
        return UINT64_MAX;
    uint64_t h = UINT64_MAX;
    for (unsigned i = 0; i < dp.n_rx; i++)
        h = RTE_MIN(h, atomic_load_explicit(&dp.rx[i].pass_tsc, memory_order_acquire));
    return h;
}

/* Writes, in time order, the entries of the `n` sources stamped at or
 * before `horizon`: repeatedly the run of the source with the oldest next
 * entry, up to the next entry of any other source.  Returns how many. */
static unsigned writer_merge(struct writer *w, struct writer_source *src, unsigned n,
                             uint64_t horizon)
{
    unsigned written = 0;
    for (;;) {
        unsigned best = n;
        uint64_t k1 = UINT64_MAX, k2 = UINT64_MAX;
        for (unsigned s = 0; s < n; s++) {
            if (src[s].i == src[s].n)
                continue;
            uint64_t k = writer_source_key(&src[s]);
            if (best == n || k < k1) {
                k2 = k1;
                k1 = k;
                best = s;
            } else if (k < k2) {
                k2 = k;
            }
        }
        if (best == n || k1 > horizon)
            return written;
        uint64_t limit = RTE_MIN(k2, horizon);
        do {
            writer_source_write(w, &src[best]);
            written++;
        } while (src[best].i < src[best].n && writer_source_key(&src[best]) <= limit);
    }
}

/* One round: writes every record of this writer's rings stamped before the
 * horizon (`final`: every record; the rx lcores have stopped). */
static unsigned writer_round(struct writer *w, bool final)
{
    struct writer_source src[WRITER_MAX_SOURCES];
    unsigned n = 0, taken = 0;
    w->rounds++;
    uint64_t horizon = final ? UINT64_MAX : writer_horizon();
    for (unsigned i = 0; i < dp.n_rx; i++) {
        writer_source_open(src, &n, dp.rx[i].ring[w->self->index], false);
        writer_source_open(src, &n, dp.rx[i].full_ring[w->self->index], true);
    }
    if (n > 0) {
        writer_merge(w, src, n, horizon);
        for (unsigned s = 0; s < n; s++)
            taken += writer_source_close(&src[s]);
        writer_counter_add(&w->self->records, taken);
    }
    w->done_horizon = horizon;
    return taken;
}

/* Ends job (slot, gen) on CLOSE once its last records are written.  The
 * control thread sends CLOSE only after every rx lcore passed a quiescent
 * state since the job left the table, so all its records are in this
 * writer's rings now, stamped before now; a round started after this one
 * and reaching past now writes them (see writer_close_ready()).  A CLOSE
 * may come in the middle of a round (a record of an unknown job made the
 * writer look at its commands), so nothing is written here. */
static void writer_close(struct writer *w, uint32_t slot, uint32_t gen)
{
    struct writer_job *job = w->by_slot[slot];
    if (job == NULL || job->gen != gen || job->close_round != 0)
        return; /* Already ended at its limit or on an error, or closing. */
    job->close_round = w->rounds;
    job->close_tsc = rte_rdtsc();
    w->n_closing++;
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

/* Ends the closing jobs whose records the last round wrote: it started
 * after their CLOSE and its horizon is past the CLOSE. */
static void writer_close_ready(struct writer *w)
{
    for (unsigned i = 0; i < w->n_open;) {
        struct writer_job *job = w->open[i];
        if (job->close_round != 0 && job->close_round < w->rounds &&
            job->close_tsc < w->done_horizon) {
            writer_end(w, job, PCAPD_JOB_END_STOPPED); /* Moves another job to i. */
            continue;
        }
        i++;
    }
}

/* Writes out every open job's buffer, and the history's on writer 0;
 * ends the jobs whose write fails. */
static void writer_drain_timer(struct writer *w)
{
    if (w->self->index == 0 && dp.history != NULL)
        history_writer_flush(dp.history);
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
    struct writer w = {.self = self, .by_slot = self->by_slot, .open = self->open, .rounds = 1};
    const uint64_t drain_tsc = dp.tsc_hz / 1000000 * WRITER_DRAIN_US;
    uint64_t last_drain = rte_rdtsc();
    writer_clock_refresh(&w, true);

    while (likely(!dp.writer_quit)) {
        writer_process_cmds(&w);
        if (unlikely(dp.n_device_clocks > 0))
            writer_clock_refresh(&w, false);
        /* Take at most what each ring holds now, so commands and the drain
         * timer are served even when the rx lcores outpace the writer. */
        unsigned n = writer_round(&w, false);
        if (unlikely(w.n_closing > 0))
            writer_close_ready(&w);
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
    writer_round(&w, true);
    while (w.n_open > 0)
        writer_end(&w, w.open[0], PCAPD_JOB_END_STOPPED);
    if (self->index == 0 && dp.history != NULL)
        history_writer_close(dp.history);
    return 0;
}
