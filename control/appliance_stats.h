/*
 * The appliance's figures in one place, for GET /metrics and for DPDK
 * telemetry: a snapshot of every counter and gauge they show, read on the
 * event loop from memory only (the capture engine's counters, the
 * captures by status, the queues, the disk guard's last reading), never
 * from the disk or the store, so that reading it never blocks.
 */
#ifndef PCAPD_APPLIANCE_STATS_H
#define PCAPD_APPLIANCE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capture.h"
#include "disk_guard.h"
#include "job_store.h"
#include "offload.h"
#include "pcapd/dataplane.h"
#include "pcapd/kernel_path.h"

/* The snapshot. */
struct appliance_stats {
    /* The capture engine: per-stage totals, per port, per rx lcore (with
     * its busy share of the last whole second, 0 to 1), per writer. */
    struct pcapd_dp_stats dp;
    struct pcapd_dp_port_stats ports[PCAPD_MAX_PORTS];
    unsigned n_ports;
    struct pcapd_dp_rx_stats rx[PCAPD_MAX_RX_LCORES];
    double rx_busy_ratio[PCAPD_MAX_RX_LCORES];
    unsigned n_rx;
    struct pcapd_dp_writer_stats writers[PCAPD_MAX_WRITER_LCORES];
    unsigned n_writers;
    /* The DPDK dataplane runs (it has ports); the kernel path runs, and its
     * counters. */
    bool dpdk;
    bool kernel;
    struct pcapd_kp_stats kp;
    /* Stored captures by type and status, those under way, and how many
     * may be under way at once (max_captures). */
    uint64_t captures[JOB_STORE_TYPES][JOB_STORE_STATUSES];
    unsigned captures_active;
    unsigned captures_max;
    /* Analysis answers queued or being computed, and tasks per offload
     * lane. */
    unsigned analysis_pending;
    unsigned offload_pending[OFFLOAD_LANES];
    /* The disk guard's last reading: state, free bytes (UINT64_MAX if
     * unknown) and the reserve. */
    enum disk_state disk;
    uint64_t disk_free;
    uint64_t disk_reserve;
    /* API requests answered. */
    uint64_t http_requests;
    /* When the daemon started (Unix seconds). */
    double start_time;
};

/* One counter (a uint64_t) of a port, an rx lcore or a writer, described
 * once for both the metrics and telemetry: its telemetry key, its
 * Prometheus counter and help (NULL: the metrics show it otherwise), and
 * its place in the item's struct. */
struct stats_field {
    const char *key;
    const char *metric;
    const char *help;
    size_t offset;
};

/* The counters of a port (struct pcapd_dp_port_stats), an rx lcore (struct
 * pcapd_dp_rx_stats) and a writer (struct pcapd_dp_writer_stats). */
extern const struct stats_field stats_port_fields[];
extern const unsigned stats_port_n_fields;
extern const struct stats_field stats_rx_fields[];
extern const unsigned stats_rx_n_fields;
extern const struct stats_field stats_writer_fields[];
extern const unsigned stats_writer_n_fields;
/* The kernel path's counters (struct pcapd_kp_stats). */
extern const struct stats_field stats_kernel_fields[];
extern const unsigned stats_kernel_n_fields;

/* Returns counter `f` of `item`. */
static inline uint64_t stats_field_get(const struct stats_field *f, const void *item)
{
    uint64_t v;
    memcpy(&v, (const char *)item + f->offset, sizeof(v));
    return v;
}

/* Notes the start time and how many captures may be under way. */
void appliance_stats_init(unsigned max_captures);

/* Fills `s` (event loop). */
void appliance_stats_read(struct appliance_stats *s);

/* Samples the rx lcores' busy time once a second, for their busy share
 * (called from the event loop's periodic tick). */
void appliance_stats_tick(void);

#endif /* PCAPD_APPLIANCE_STATS_H */
