/*
 * State shared by the dataplane's own files (dataplane.c, port.c,
 * rx_lcore.c, writer_lcore.c); nothing outside dataplane/ includes it.
 *
 * Ownership: the control thread owns `struct dp` and the job slots; each rx
 * lcore owns its `struct rx_lcore` counters; each writer lcore owns its
 * `struct dp_writer` counters and arrays, and the `struct writer_job`
 * objects of the jobs given to it, between their OPEN and their end.
 *
 * Every ring has one producer and one consumer: each rx lcore has one ring
 * of records and one of mbuf references per writer, and each writer has its
 * own command and end-report rings to and from the control thread.
 */
#ifndef PCAPD_DP_INTERNAL_H
#define PCAPD_DP_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_config.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_seqcount.h>

#include "classifier.h"
#include "history_writer.h"
#include "pcap_out.h"
#include "pcapd/capture_record.h"
#include "pcapd/dataplane.h"
#include "ts_clock.h"

/* Packets asked of a port queue per rte_eth_rx_burst(). */
#define DP_RX_BURST 32
/* Most (port, queue) pairs one rx lcore polls. */
#define DP_MAX_QUEUES_PER_LCORE 16
/* Records an rx lcore stages before one ring enqueue. */
#define DP_RX_STAGE 64
/* Bytes of a packet the parser looks at when the first segment is short. */
#define DP_PARSE_WINDOW 256
/* Most writer lcores. */
#define DP_MAX_WRITERS PCAPD_MAX_WRITER_LCORES
/* The job slot of records sampled for the history (no job has it). */
#define DP_HISTORY_SLOT UINT32_MAX

/* A packet of a `full` job on its way to the writer: the rx lcore holds a
 * reference to the mbuf for each job, the writer writes and frees it. */
struct full_ref {
    /* Job slot and generation, as in a simple record. */
    uint32_t job_slot;
    uint32_t job_gen;
    /* When the packet was received, in the clock `rx_clock` names (an
     * enum pcapd_rx_clock; the port is the mbuf's). */
    uint64_t rx_time;
    uint32_t rx_clock;
    uint32_t pad;
    /* The packet. */
    struct rte_mbuf *m;
};

/* Per rx lcore, per job slot: sampling state and counters of one job,
 * what every matching packet reads and writes: 16 bytes, four slots a
 * cache line.  The rest, read per sample, is the slot's rx_slot_tally. */
struct rx_slot_state {
    /* Generation these counters and the slot's tally belong to; both are
     * reset when the slot's changes. */
    uint32_t gen;
    /* Matching packets still to skip before the next sample. */
    uint32_t countdown;
    /* Packets that matched. */
    uint64_t matched;
};
_Static_assert(sizeof(struct rx_slot_state) == 16, "four slots a cache line");

/* Per rx lcore, per job slot: the counters read only when a packet is
 * sampled or lost, apart from the hot rx_slot_state. */
struct rx_slot_tally {
    /* Packets sampled (records staged for the writer). */
    uint64_t sampled;
    /* Sampled packets lost because the ring was full. */
    uint64_t dropped;
};

/* What the rx lcores do with what they receive.  pcapd always captures;
 * the benchmark driver (tools/bench/dataplane_bench.c) switches to the
 * other modes to measure, in the same process and memory, what receiving
 * alone costs, and to leave the core to another process between its
 * measurements.  The rx loop reads the mode once per pass over its queues. */
enum dp_rx_mode {
    /* Parse, classify, sample and stage: the fast path. */
    DP_RX_CAPTURE = 0,
    /* Receive and free each burst, exactly as dpdk-testpmd's rxonly
     * forwarding does: the reference the fast path is measured against. */
    DP_RX_REFERENCE,
    /* The reference, reading each frame's EtherType too: the least any
     * capture does, which must know whether a frame is IP (the floor of
     * the fast path's cost on frames no job wants). */
    DP_RX_ETHERTYPE,
    /* Poll nothing; sleep a millisecond per pass (still quiescent). */
    DP_RX_PAUSED,
};

/* The stages of an rx lcore's work on a burst, as a stage-timing build
 * (meson -Dstage_timing=true, never a production build) times them. */
enum dp_rx_stage {
    /* rte_eth_rx_burst(): the PMD's work. */
    DP_STAGE_RECEIVE,
    /* Parsing the headers of the burst. */
    DP_STAGE_PARSE,
    /* Finding the filter classes each packet is in. */
    DP_STAGE_CLASSIFY,
    /* Sampling the matches per job and staging records and references. */
    DP_STAGE_SAMPLE,
    /* Putting what was staged on the rings to the writers. */
    DP_STAGE_ENQUEUE,
    /* rte_pktmbuf_free_bulk() of the burst. */
    DP_STAGE_FREE,
    DP_STAGES,
};

/* One (port, queue) pair an rx lcore polls. */
struct rx_queue_ref {
    uint16_t port_id;
    uint16_t queue_id;
    /* The port puts its receive timestamps in the mbufs: the rx lcore
     * takes each sampled packet's own timestamp when its flag is set. */
    bool port_stamps;
};

/* Look-back history samples an rx lcore has written straight into writer
 * 0's record ring, in space it reserved there and has not yet handed over
 * (see rx_lcore.c). */
struct rx_history_stage {
    /* The reserved space: `reserved` records, in at most two pieces. */
    struct rte_ring_zc_data zcd;
    unsigned reserved;
    /* Records written, the first `n` of the reserved ones. */
    unsigned n;
    /* The pass TSC of the oldest written sample's pass. */
    uint64_t first_tsc;
    /* TSC ticks the oldest may wait. */
    uint64_t drain_tsc;
};

/* Per rx lcore state.  Written only by its lcore; read by the control
 * thread for statistics. */
struct rx_lcore {
    /* DPDK lcore id. */
    unsigned lcore_id;
    /* Thread id in the RCU QSBR variable. */
    unsigned qsbr_id;
    /* Queues to poll. */
    struct rx_queue_ref queues[DP_MAX_QUEUES_PER_LCORE];
    unsigned n_queues;
    /* Rings of simple records to each writer (single producer: this
     * lcore; single consumer: that writer). */
    struct rte_ring *ring[DP_MAX_WRITERS];
    /* Rings of full-job mbuf references to each writer. */
    struct rte_ring *full_ring[DP_MAX_WRITERS];
    /* Per job slot state and tallies, max_jobs entries each. */
    struct rx_slot_state *slots;
    struct rx_slot_tally *tallies;
    /* Packets received. */
    uint64_t rx_packets;
    /* DP_RX_ETHERTYPE: IPv4 frames seen (kept, so that the reads are). */
    uint64_t floor_ipv4;
    /* Records lost because the ring was full. */
    uint64_t ring_full;
    /* Full-job packets lost because the mbuf ring was full. */
    uint64_t backlog_full;
    /* Packets still to skip before the next history sample, packets
     * sampled for the history, and samples lost because the ring to the
     * history's writer was full. */
    uint32_t history_countdown;
    uint64_t history_sampled;
    uint64_t history_ring_full;
    /* History samples written into the ring, not yet handed over. */
    struct rx_history_stage history_stage __rte_cache_aligned;
    /* Stage-timing builds only: TSC cycles spent in each enum dp_rx_stage
     * (zero otherwise), read by the benchmark driver. */
    uint64_t stage_tsc[DP_STAGES];
    /* With several rx lcores: the TSC read when the lcore started its
     * current pass over its queues, published after everything staged in
     * earlier passes is in the rings.  Every TSC-stamped record the lcore
     * stages from then on is stamped at or after it, so a writer may write
     * every record stamped before the lowest of these over all rx lcores
     * in time order.  Alone in its cache line: it changes every pass. */
    _Atomic uint64_t pass_tsc __rte_cache_aligned;
    /* TSC cycles spent in passes that received packets (busy time), read
     * by the control thread for statistics.  In a cache line of its own,
     * written with relaxed stores by this lcore only. */
    _Atomic uint64_t busy_cycles __rte_cache_aligned;
} __rte_cache_aligned;

/* Commands from the control thread to a writer. */
enum writer_cmd_type {
    /* Start writing job `job`. */
    WRITER_CMD_OPEN = 1,
    /* End job (slot, gen) once its last records are written. */
    WRITER_CMD_CLOSE = 2,
};

/* One command on a control-to-writer ring (stored by value). */
struct writer_cmd {
    /* An enum writer_cmd_type. */
    uint32_t type;
    /* The job's slot and generation. */
    uint32_t slot;
    uint32_t gen;
    uint32_t pad;
    /* For OPEN: the job, owned by the writer until it ends. */
    struct writer_job *job;
};

/* A job as the writer sees it. */
struct writer_job {
    /* Slot and generation, as in the job's records. */
    uint32_t slot;
    uint32_t gen;
    /* Most packets to write. */
    uint32_t packet_limit;
    /* Most bytes the file may hold (0: no limit), and bytes per packet. */
    uint64_t byte_limit;
    uint32_t snaplen;
    /* Opaque value of the job spec. */
    uint64_t cookie;
    /* The file, through its write buffer. */
    struct pcap_out out;
    /* Packets written, read by the control thread. */
    _Atomic uint64_t packets_written;
    /* Why the job ended and the errno of a failed write. */
    enum pcapd_job_end reason;
    int error;
    /* Writer only: the job's CLOSE came when the writer had started
     * `close_round` rounds (0: no CLOSE yet), at TSC `close_tsc`.  Every
     * record of the job was in the rings by then; the job ends after a
     * later round has written every record stamped before `close_tsc`. */
    uint64_t close_round;
    uint64_t close_tsc;
};

/* Life of a job slot, as the control thread tracks it. */
enum dp_slot_state {
    DP_SLOT_FREE = 0,
    /* In the published table and open in the writer. */
    DP_SLOT_ACTIVE,
    /* Removed from the table (or about to be); waiting for the writer's end
     * report and for the rx lcores to pass a quiescent state. */
    DP_SLOT_RETIRING,
};

/* One job slot (control thread, and the publisher's snapshots, under the
 * publication lock). */
struct dp_slot {
    /* Where the slot is in its life. */
    enum dp_slot_state state;
    /* Current generation; bumped at every reuse. */
    uint32_t gen;
    /* Index of the writer the job was given to (also in `rule`). */
    uint32_t writer;
    /* The job's rule in the published table. */
    struct classifier_rule rule;
    /* The job's writer object, until the writer reports its end. */
    struct writer_job *job;
    /* The writer reported the end. */
    bool ended;
    /* The rx lcores can no longer see the job (quiescent since removal). */
    bool unpublished;
    /* A stop was requested; send CLOSE once unpublished. */
    bool stop_requested;
    /* Sequence of the first published table holding the job, or 0. */
    uint64_t published_seq;
};

/* One writer lcore.  The control thread creates it; afterwards only its
 * lcore writes it, except the rings' other ends. */
struct dp_writer {
    /* DPDK lcore id, and the writer's index (what job rules carry). */
    unsigned lcore_id;
    unsigned index;
    /* Control-to-writer commands (struct writer_cmd). */
    struct rte_ring *cmd_ring;
    /* Writer-to-control end reports (struct writer_job pointers). */
    struct rte_ring *ended_ring;
    /* The writer's job per slot (max_jobs entries) and its densely packed
     * list of open jobs; allocated by the control thread, used only here. */
    struct writer_job **by_slot;
    struct writer_job **open;
    /* Records the writer received, and the ones whose job had ended; read
     * by the control thread for statistics. */
    _Atomic uint64_t records;
    _Atomic uint64_t late;
    /* The buffer writes of its jobs' files (each job's pcap_out points
     * here), read by the control thread for statistics. */
    struct pcap_out_stats out_stats __rte_cache_aligned;
} __rte_cache_aligned;

/* How a port stamps the packets it receives. */
enum dp_port_clock {
    /* Not at all (or hw_timestamps is off): the rx lcore uses the TSC. */
    DP_PORT_CLOCK_NONE = 0,
    /* A free-running device clock (the port offers
     * RTE_ETH_RX_OFFLOAD_TIMESTAMP), mapped to Unix time through samples
     * of rte_eth_read_clock() against the wall clock. */
    DP_PORT_CLOCK_DEVICE,
    /* Microseconds since the Unix epoch (net_pcap stamps each packet with
     * its pcap record's time, without offering the offload). */
    DP_PORT_CLOCK_EPOCH_US,
};

/* The dataplane's global state. */
struct dp {
    /* The configuration given to pcapd_dp_start(). */
    struct pcapd_dp_config cfg;
    /* Set to end the rx lcore loops. */
    volatile bool force_quit;
    /* What the rx lcores do (an enum dp_rx_mode; benchmarks only). */
    volatile uint8_t rx_mode;
    /* Set, once the rx lcores have returned, to end the writer loops. */
    volatile bool writer_quit;
    /* Receive mbuf pools, one per NUMA socket that has a port (created by
     * dp_ports_start()), so that the PMD fills mbufs of its own socket. */
    struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
    /* Rx lcores. */
    struct rx_lcore rx[PCAPD_MAX_RX_LCORES];
    unsigned n_rx;
    /* The table rx lcores match against; replaced by table_publish.c,
     * reclaimed through `dq` after a grace period. */
    struct classifier *_Atomic table;
    /* QSBR variable the rx lcores report quiescent states to. */
    struct rte_rcu_qsbr *qsbr;
    /* Defer queue of retired tables and the actions waiting on them. */
    struct rte_rcu_qsbr_dq *dq;
    /* Writer lcores. */
    struct dp_writer writers[DP_MAX_WRITERS];
    unsigned n_writers;
    /* The history: 1 packet in history_rate (0: none) of every rx lcore
     * goes to writer 0 with job slot DP_HISTORY_SLOT, which appends it
     * through its history writer (owned by that lcore). */
    uint32_t history_rate;
    struct history_writer *history;
    /* Job slots, cfg.max_jobs of them. */
    struct dp_slot *slots;
    /* TSC frequency, and the map of rx TSC readings to Unix time. */
    uint64_t tsc_hz;
    struct ts_clock_map tsc_clock;
    /* Ports in use. */
    uint16_t port_ids[PCAPD_MAX_PORTS];
    unsigned n_ports;
    /* How each port (by DPDK port id) stamps its packets, and the map of
     * its stamps to Unix time.  The maps of device clocks are re-anchored
     * by the control thread under `port_clock_sn`; writers copy them. */
    enum dp_port_clock port_clock_kind[RTE_MAX_ETHPORTS];
    struct ts_clock_map port_clock[RTE_MAX_ETHPORTS];
    rte_seqcount_t port_clock_sn;
    /* Ports that stamp their packets, and how many of them have a device
     * clock (0: the writers never look at port_clock_sn). */
    unsigned n_stamping_ports;
    unsigned n_device_clocks;
    /* The mbuf dynamic field and flag of receive timestamps, when some
     * port stamps its packets. */
    int ts_dynfield_offset;
    uint64_t ts_dynflag;
};

/* The one dataplane of the process. */
extern struct dp dp;

/* The mode the rx lcores start in: DP_RX_CAPTURE, unless the benchmark
 * driver sets another before pcapd_dp_start(), so that nothing is received
 * before its first measurement window. */
extern uint8_t dp_rx_start_mode;

/* Configures and starts every probed port with one rx queue per rx lcore
 * (as far as the port allows), with receive timestamps as
 * cfg.hw_timestamps asks, and assigns the queues to the rx lcores. */
int dp_ports_start(char *err, unsigned err_size);

/* Re-anchors the device clocks of the ports to the wall clock when a
 * second has passed since the last time (control thread). */
void dp_ports_clock_tick(void);

/* Stops and closes the ports. */
void dp_ports_stop(void);

/* ---- Publication of the job table (table_publish.c) ---- */

/* Takes and releases the lock under which the control thread changes the
 * slots and the publisher reads them.  Lcores never take it. */
void dp_pub_lock(void);
void dp_pub_unlock(void);

/* Creates the RCU variable, the defer queue, an empty published table and
 * the publisher thread.  Returns 0, or a negative errno with `err`. */
int dp_publish_init(char *err, unsigned err_size);

/* Ends the publisher thread (before the lcores stop). */
void dp_publish_stop(void);

/* Frees the publication state (once the lcores have stopped). */
void dp_publish_fini(void);

/* Asks for a table built from the ACTIVE slots: at once on this thread
 * when builds are cheap, else on the publisher (lock held). */
void dp_publish_request(void);

/* Tells whether slot `slot`'s job is out of the table and every rx lcore
 * has passed a quiescent state since (lock held). */
bool dp_publish_grace_over(uint32_t slot);

/* Forgets the removal of slot `slot`'s previous job (lock held). */
void dp_publish_slot_reset(uint32_t slot);

/* Fills the publication counters of `stats` (lock held). */
void dp_publish_stats(struct pcapd_dp_stats *stats);

/* Main loop of an rx lcore; `arg` is its struct rx_lcore. */
int dp_rx_lcore_main(void *arg);

/* Main loop of a writer lcore; `arg` is its struct dp_writer. */
int dp_writer_lcore_main(void *arg);

#endif /* PCAPD_DP_INTERNAL_H */
