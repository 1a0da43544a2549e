/*
 * The dataplane as the control plane sees it: start-up and shut-down of the
 * DPDK fast path, and the life cycle of capture jobs on it.
 *
 * All functions here are called from the control thread (the main lcore)
 * only.  Data flows one way: the control plane publishes jobs, the rx lcores
 * match packets against them, the writer lcore the job was given to writes
 * its records to the file descriptor it was given, and reports the job's end
 * back through pcapd_dp_poll_ended().
 */
#ifndef PCAPD_DATAPLANE_H
#define PCAPD_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapd/capture_job.h"
#include "pcapd/filter.h"

struct pcapd_history;

/* Most DPDK ports one pcapd process drives. */
#define PCAPD_MAX_PORTS 16
/* Most rx lcores one pcapd process runs. */
#define PCAPD_MAX_RX_LCORES 16
/* Most writer lcores one pcapd process runs. */
#define PCAPD_MAX_WRITER_LCORES 8

/* Where packet timestamps come from. */
enum pcapd_hw_timestamps {
    /* The TSC, read by the rx lcore when it receives a burst. */
    PCAPD_HW_TIMESTAMPS_OFF = 0,
    /* The port's own receive timestamps on every port that gives them,
     * the TSC on the others. */
    PCAPD_HW_TIMESTAMPS_AUTO,
    /* The port's own receive timestamps; the dataplane refuses to start
     * when a port gives none. */
    PCAPD_HW_TIMESTAMPS_ON,
};

/* What the dataplane needs to start. */
struct pcapd_dp_config {
    /* EAL arguments, argv-style, argv[0] included. */
    int eal_argc;
    char **eal_argv;
    /* DPDK lcore ids of the rx lcores, and how many there are. */
    unsigned rx_lcores[PCAPD_MAX_RX_LCORES];
    unsigned n_rx_lcores;
    /* DPDK lcore ids of the writer lcores, and how many there are.  Each
     * job is written by one of them. */
    unsigned writer_lcores[PCAPD_MAX_WRITER_LCORES];
    unsigned n_writer_lcores;
    /* DPDK lcore id of the one writer lcore when n_writer_lcores is 0 (the
     * layout before there could be several). */
    unsigned writer_lcore;
    /* Mbufs in the receive pool (one pool per NUMA socket with a port). */
    unsigned n_mbufs;
    /* Receive descriptors per queue. */
    unsigned rx_desc;
    /* Records each rx-to-writer ring holds (a power of two). */
    unsigned ring_size;
    /* Mbuf references the rx-to-writer rings of full jobs of one rx lcore
     * hold together, shared equally among the writers: the most mbufs the
     * writers' backlog may pin per rx lcore (keep it well below n_mbufs). */
    unsigned full_ring_size;
    /* Most jobs that can be active at once. */
    unsigned max_jobs;
    /* Size of each job's write buffer in the writer, in bytes. */
    unsigned write_buffer_size;
    /* Where packet timestamps come from (zero: the TSC). */
    enum pcapd_hw_timestamps hw_timestamps;
    /* EAL's runtime directory (its --file-prefix) is this process's alone:
     * pcapd_dp_stop() removes it, with DPDK's telemetry socket in it. */
    bool own_runtime_dir;
    /* Receives DPDK's log lines (EAL, drivers, libraries), one call per
     * line without its newline, with the message's syslog priority (3:
     * error ... 7: debug), from whichever thread logs; NULL leaves them on
     * DPDK's own stream (stderr). */
    void (*log)(int priority, const char *line);
    /* The look-back history (pcapd/history.h) the rx lcores feed with 1
     * packet in history_sample_rate of all they receive, written by the
     * first writer lcore (NULL or a rate of 0: no history). */
    struct pcapd_history *history;
    uint32_t history_sample_rate;
};

/* Dataplane-wide counters, per stage. */
struct pcapd_dp_stats {
    /* Packets received on all ports. */
    uint64_t rx_packets;
    /* Packets the NICs dropped for lack of descriptors (imissed). */
    uint64_t rx_missed;
    /* Receive failures for lack of mbufs (rx_nombuf). */
    uint64_t rx_nombuf;
    /* Records lost because an rx-to-writer ring was full: simple jobs'
     * and the history's (history_ring_full counts the latter apart). */
    uint64_t ring_full;
    /* Full-job packets lost because an rx-to-writer mbuf ring was full
     * (the writer's backlog of held mbufs). */
    uint64_t writer_backlog_full;
    /* Records the writers received, all writers together. */
    uint64_t writer_records;
    /* Records the writers discarded because their job had already ended. */
    uint64_t writer_late;
    /* Packets sampled for the history, and those lost because an
     * rx-to-writer ring was full. */
    uint64_t history_sampled;
    uint64_t history_ring_full;
    /* Table publications, and the time the last build took (ns). */
    uint64_t table_builds;
    uint64_t table_build_ns;
    /* Job changes are waiting for the next publication. */
    bool table_pending;
    /* Writer lcores running. */
    uint32_t writers;
    /* Ports whose packets carry the port's own receive timestamps (see
     * pcapd_dp_config.hw_timestamps). */
    uint32_t hw_timestamp_ports;
};

/* The writers' write latency histogram: the upper bounds of its buckets,
 * in microseconds, as an array initialiser; one more bucket counts the
 * writes above the largest bound. */
#define PCAPD_WRITE_LATENCY_BOUNDS_US                                                              \
    {                                                                                              \
        10, 25, 50, 100, 250, 500, 1000, 2500, 10000, 50000, 250000, 1000000                       \
    }
#define PCAPD_WRITE_LATENCY_BUCKETS 12

/* Counters of one port, as the port's driver keeps them. */
struct pcapd_dp_port_stats {
    /* The port's device name ("net_pcap0", or a NIC's PCI address). */
    char name[64];
    /* Packets and bytes the port received (ipackets, ibytes). */
    uint64_t rx_packets;
    uint64_t rx_bytes;
    /* Packets the port dropped for lack of descriptors (imissed). */
    uint64_t rx_missed;
    /* Receive failures for lack of mbufs (rx_nombuf). */
    uint64_t rx_nombuf;
    /* Erroneous packets received (ierrors). */
    uint64_t rx_errors;
};

/* Counters of one rx lcore. */
struct pcapd_dp_rx_stats {
    /* Its DPDK lcore id. */
    unsigned lcore_id;
    /* Packets it received, from all its queues. */
    uint64_t packets;
    /* Time it spent in passes over its queues that received packets, in
     * nanoseconds: the share of wall time this grows by is how busy the
     * lcore is (near 1: it has no headroom left). */
    uint64_t busy_ns;
    /* Simple-job records and full-job mbuf references lost because its
     * ring to a writer was full. */
    uint64_t ring_full;
    uint64_t backlog_full;
    /* Entries its ring of records, and its ring of mbuf references, to
     * each writer hold now, and how many each can hold. */
    uint32_t ring_used[PCAPD_MAX_WRITER_LCORES];
    uint32_t ring_size;
    uint32_t backlog_used[PCAPD_MAX_WRITER_LCORES];
    uint32_t backlog_size;
};

/* Counters of one writer lcore. */
struct pcapd_dp_writer_stats {
    /* Its DPDK lcore id. */
    unsigned lcore_id;
    /* Records it took from its rings, and those of jobs already ended. */
    uint64_t records;
    uint64_t late;
    /* Bytes written to capture files, and the buffer writes that carried
     * them. */
    uint64_t bytes_written;
    uint64_t writes;
    /* Time those writes took, in nanoseconds, in all and per bucket of
     * PCAPD_WRITE_LATENCY_BOUNDS_US (not cumulative; the last bucket holds
     * the writes above the largest bound). */
    uint64_t write_ns;
    uint64_t write_latency[PCAPD_WRITE_LATENCY_BUCKETS + 1];
};

/* Initialises EAL, the ports, the rings and the job table, and launches the
 * rx and writer lcores.  Returns 0, or a negative errno with a message in
 * `err` (of `err_size` bytes), for example when hw_timestamps is ON and a
 * port gives no receive timestamps. */
int pcapd_dp_start(const struct pcapd_dp_config *cfg, char *err, unsigned err_size);

/* Stops the lcores, the ports and EAL.  Jobs still running are ended and
 * reported by a last pcapd_dp_poll_ended() made before this call returns,
 * so their files can be closed. */
void pcapd_dp_stop(void (*on_ended)(const struct pcapd_job_ended *, void *), void *arg);

/* Starts capturing for `spec`.  Returns 0 and the job's handle, or -ENOSPC
 * when max_jobs are active, or another negative errno.  The job goes to the
 * writer lcore with the fewest jobs.  It reaches the rx lcores at once, or,
 * while table builds are expensive (thousands of jobs), with the next
 * pcapd_dp_poll_ended(). */
int pcapd_dp_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle);

/* Asks the job to end now; it is reported by pcapd_dp_poll_ended() once its
 * last packets are written.  Safe to call more than once. */
void pcapd_dp_job_stop(pcapd_job_handle handle);

/* Reads the counters of a running job.  Returns 0, or -ENOENT. */
int pcapd_dp_job_stats(pcapd_job_handle handle, struct pcapd_job_stats *stats);

/* Does deferred work (reclaiming old job tables, ending stopped jobs,
 * re-anchoring device clocks to the wall clock) and reports up to `max` jobs
 * that have ended.  Returns how many it reported.  The control plane calls
 * this periodically. */
unsigned pcapd_dp_poll_ended(struct pcapd_job_ended *ended, unsigned max);

/* Reads the dataplane-wide counters. */
void pcapd_dp_stats_read(struct pcapd_dp_stats *stats);

/* Reads the counters of up to `max` ports into `ports`, in the order EAL
 * probed them.  Returns how many it read. */
unsigned pcapd_dp_ports_read(struct pcapd_dp_port_stats *ports, unsigned max);

/* Reads the counters of up to `max` rx lcores into `rx`.  Returns how many
 * it read. */
unsigned pcapd_dp_rx_read(struct pcapd_dp_rx_stats *rx, unsigned max);

/* Reads the counters of up to `max` writer lcores into `writers`, by
 * writer index.  Returns how many it read. */
unsigned pcapd_dp_writers_read(struct pcapd_dp_writer_stats *writers, unsigned max);

#endif /* PCAPD_DATAPLANE_H */
