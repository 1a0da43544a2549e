/*
 * State shared by the dataplane's own files (dataplane.c, port.c,
 * rx_lcore.c, writer_lcore.c); nothing outside dataplane/ includes it.
 *
 * Ownership: the control thread owns `struct dp` and the job slots; each rx
 * lcore owns its `struct rx_lcore` counters; the writer lcore owns the
 * `struct writer_job` objects between their OPEN and their end.
 */
#ifndef PCAPD_DP_INTERNAL_H
#define PCAPD_DP_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "classifier.h"
#include "pcap_out.h"
#include "pcapd/capture_record.h"
#include "pcapd/dataplane.h"

/* Packets asked of a port queue per rte_eth_rx_burst(). */
#define DP_RX_BURST 32
/* Most (port, queue) pairs one rx lcore polls. */
#define DP_MAX_QUEUES_PER_LCORE 16
/* Records an rx lcore stages before one ring enqueue. */
#define DP_RX_STAGE 64
/* Packets ahead of the one being parsed whose headers are prefetched. */
#define DP_PREFETCH_AHEAD 3
/* Bytes of a packet the parser looks at when the first segment is short. */
#define DP_PARSE_WINDOW 256

/* A packet of a `full` job on its way to the writer: the rx lcore holds a
 * reference to the mbuf for each job, the writer writes and frees it. */
struct full_ref {
    uint32_t job_slot;
    uint32_t job_gen;
    uint64_t rx_tsc;
    struct rte_mbuf *m;
};

/* Per rx lcore, per job slot: sampling state and counters of one job. */
struct rx_slot_state {
    /* Generation these counters belong to; reset when the slot's changes. */
    uint32_t gen;
    /* Matching packets still to skip before the next sample. */
    uint32_t countdown;
    /* Packets that matched. */
    uint64_t matched;
    /* Packets sampled (records staged for the writer). */
    uint64_t sampled;
    /* Sampled packets lost because the ring was full. */
    uint64_t dropped;
};

/* One (port, queue) pair an rx lcore polls. */
struct rx_queue_ref {
    uint16_t port_id;
    uint16_t queue_id;
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
    /* Ring of simple records to the writer (single producer: this lcore). */
    struct rte_ring *ring;
    /* Ring of full-job mbuf references to the writer. */
    struct rte_ring *full_ring;
    /* Per job slot state, max_jobs entries. */
    struct rx_slot_state *slots;
    /* Packets received. */
    uint64_t rx_packets;
    /* Records lost because the ring was full. */
    uint64_t ring_full;
    /* Full-job packets lost because the mbuf ring was full. */
    uint64_t backlog_full;
} __rte_cache_aligned;

/* Commands from the control thread to the writer. */
enum writer_cmd_type {
    /* Start writing job `job`. */
    WRITER_CMD_OPEN = 1,
    /* End job (slot, gen) once its last records are written. */
    WRITER_CMD_CLOSE = 2,
};

/* One command on the control-to-writer ring (stored by value). */
struct writer_cmd {
    uint32_t type;
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
    /* Writer only: the close round that ends the job, when its CLOSE came
     * while records were being routed (0: none). */
    uint32_t closing;
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

/* One job slot (control thread only). */
struct dp_slot {
    enum dp_slot_state state;
    /* Current generation; bumped at every reuse. */
    uint32_t gen;
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

/* The dataplane's global state. */
struct dp {
    /* The configuration given to pcapd_dp_start(). */
    struct pcapd_dp_config cfg;
    /* Set to end the rx lcore loops. */
    volatile bool force_quit;
    /* Set, once the rx lcores have returned, to end the writer loop. */
    volatile bool writer_quit;
    /* Receive mbuf pool. */
    struct rte_mempool *pool;
    /* Rx lcores. */
    struct rx_lcore rx[PCAPD_MAX_RX_LCORES];
    unsigned n_rx;
    /* The table rx lcores match against; replaced by the control thread,
     * reclaimed through `dq` after a grace period. */
    struct classifier *_Atomic table;
    /* QSBR variable the rx lcores report quiescent states to. */
    struct rte_rcu_qsbr *qsbr;
    /* Defer queue of retired tables and the actions waiting on them. */
    struct rte_rcu_qsbr_dq *dq;
    /* Control-to-writer commands (struct writer_cmd). */
    struct rte_ring *cmd_ring;
    /* Writer-to-control end reports (struct writer_job pointers). */
    struct rte_ring *ended_ring;
    /* Job slots, cfg.max_jobs of them. */
    struct dp_slot *slots;
    /* The writer's job per slot (cfg.max_jobs entries) and its densely
     * packed list of open jobs; allocated here, used only by the writer. */
    struct writer_job **writer_by_slot;
    struct writer_job **writer_open;
    /* TSC frequency and a (TSC, Unix ns) pair to convert rx timestamps. */
    uint64_t tsc_hz;
    uint64_t tsc_anchor;
    uint64_t ns_anchor;
    /* Writer counters. */
    _Atomic uint64_t writer_records;
    _Atomic uint64_t writer_late;
    /* Ports in use. */
    uint16_t port_ids[PCAPD_MAX_PORTS];
    unsigned n_ports;
};

/* The one dataplane of the process. */
extern struct dp dp;

/* Configures and starts every probed port with one rx queue per rx lcore
 * (as far as the port allows) and assigns the queues to the rx lcores. */
int dp_ports_start(char *err, unsigned err_size);

/* Stops and closes the ports. */
void dp_ports_stop(void);

/* Main loop of an rx lcore; `arg` is its struct rx_lcore. */
int dp_rx_lcore_main(void *arg);

/* Main loop of the writer lcore. */
int dp_writer_lcore_main(void *arg);

#endif /* PCAPD_DP_INTERNAL_H */
