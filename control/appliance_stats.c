/*
 * The appliance's figures (see appliance_stats.h).
 */
#include "appliance_stats.h"

#include <string.h>
#include <time.h>

#include "analysis_worker.h"
#include "capture_counts.h"
#include "capture_engine.h"
#include "capture_runner.h"
#include "http_metrics.h"

/* How often the busy shares are sampled (ns). */
#define BUSY_SAMPLE_NS 1000000000ull

/* An entry of a counters table: `field` of counters struct `type`. */
#define STATS_FIELD(type, key, field, metric, help)                                                \
    {                                                                                              \
        key, metric, help, offsetof(type, field)                                                   \
    }
#define PORT_FIELD(...) STATS_FIELD(struct pcapd_dp_port_stats, __VA_ARGS__)
const struct stats_field stats_port_fields[] = {
    PORT_FIELD("rx_packets", rx_packets, "pcapd_port_rx_packets_total",
               "Packets the port received."),
    PORT_FIELD("rx_bytes", rx_bytes, "pcapd_port_rx_bytes_total", "Bytes the port received."),
    PORT_FIELD("rx_missed", rx_missed, "pcapd_port_rx_missed_packets_total",
               "Packets the port dropped for lack of receive descriptors (imissed)."),
    PORT_FIELD("rx_nombuf", rx_nombuf, "pcapd_port_rx_nombuf_total",
               "Receive failures of the port for lack of mbufs (rx_nombuf)."),
    PORT_FIELD("rx_errors", rx_errors, "pcapd_port_rx_errors_total",
               "Erroneous packets the port received."),
};
const unsigned stats_port_n_fields = sizeof(stats_port_fields) / sizeof(stats_port_fields[0]);

#define RX_FIELD(...) STATS_FIELD(struct pcapd_dp_rx_stats, __VA_ARGS__)
const struct stats_field stats_rx_fields[] = {
    RX_FIELD("packets", packets, "pcapd_rx_lcore_packets_total", "Packets the rx lcore received."),
    /* pcapd_rx_lcore_busy_seconds_total, in seconds. */
    RX_FIELD("busy_ns", busy_ns, NULL, NULL),
    /* In pcapd_dropped_packets_total, by stage. */
    RX_FIELD("ring_full", ring_full, NULL, NULL),
    RX_FIELD("backlog_full", backlog_full, NULL, NULL),
};
const unsigned stats_rx_n_fields = sizeof(stats_rx_fields) / sizeof(stats_rx_fields[0]);

#define WRITER_FIELD(...) STATS_FIELD(struct pcapd_dp_writer_stats, __VA_ARGS__)
const struct stats_field stats_writer_fields[] = {
    WRITER_FIELD("records", records, "pcapd_writer_records_total",
                 "Records the writer took from its rings (late ones included)."),
    WRITER_FIELD("late", late, "pcapd_writer_late_records_total",
                 "Records the writer discarded because their capture had already ended."),
    WRITER_FIELD("bytes_written", bytes_written, "pcapd_writer_written_bytes_total",
                 "Bytes the writer wrote to capture files."),
    /* The count and sum of pcapd_writer_write_duration_seconds. */
    WRITER_FIELD("writes", writes, NULL, NULL),
    WRITER_FIELD("write_ns", write_ns, NULL, NULL),
};
const unsigned stats_writer_n_fields = sizeof(stats_writer_fields) / sizeof(stats_writer_fields[0]);

#define KERNEL_FIELD(...) STATS_FIELD(struct pcapd_kp_stats, __VA_ARGS__)
const struct stats_field stats_kernel_fields[] = {
    KERNEL_FIELD("batches", batches, "pcapd_kernel_batches_total",
                 "Netlink messages carrying packets the kernel path received from NFLOG."),
    KERNEL_FIELD("packets", packets, "pcapd_kernel_packets_total",
                 "Packets the kernel path received from NFLOG."),
    KERNEL_FIELD("packets_written", packets_written, "pcapd_kernel_written_packets_total",
                 "Packets the kernel path wrote to capture files."),
    KERNEL_FIELD("enobufs", enobufs, "pcapd_kernel_enobufs_total",
                 "Times the kernel dropped a batch because the netlink socket's buffer was full."),
    /* In pcapd_dropped_packets_total, stage kernel_lost. */
    KERNEL_FIELD("packets_lost", packets_lost, NULL, NULL),
    KERNEL_FIELD("packets_late", packets_late, "pcapd_kernel_late_packets_total",
                 "Packets the kernel path discarded because their capture had reached a limit."),
    KERNEL_FIELD("packets_unknown", packets_unknown, "pcapd_kernel_unknown_packets_total",
                 "NFLOG messages for no capture of this daemon, or that could not be parsed."),
    KERNEL_FIELD("rule_transactions", rule_transactions, "pcapd_kernel_rule_transactions_total",
                 "nftables transactions that installed or removed a capture's rules."),
    /* pcapd_kernel_rule_transaction_last_seconds, in seconds. */
    KERNEL_FIELD("rule_transaction_ns", rule_transaction_ns, NULL, NULL),
};
const unsigned stats_kernel_n_fields = sizeof(stats_kernel_fields) / sizeof(stats_kernel_fields[0]);

/* The state of the snapshot (event loop only). */
static struct {
    /* Unix time at start, and max_captures. */
    double start_time;
    unsigned captures_max;
    /* The last sample of the rx lcores' busy time (ns) and when it was
     * taken (CLOCK_MONOTONIC, ns), and the shares of the last interval. */
    uint64_t busy_ns[PCAPD_MAX_RX_LCORES];
    uint64_t sampled_ns;
    double busy_ratio[PCAPD_MAX_RX_LCORES];
} as;

/* Nanoseconds on `clock`. */
static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void appliance_stats_init(unsigned max_captures)
{
    as.start_time = (double)clock_ns(CLOCK_REALTIME) / 1e9;
    as.captures_max = max_captures;
}

void appliance_stats_tick(void)
{
    uint64_t now = clock_ns(CLOCK_MONOTONIC);
    if (now - as.sampled_ns < BUSY_SAMPLE_NS)
        return;
    struct pcapd_dp_rx_stats rx[PCAPD_MAX_RX_LCORES];
    unsigned n = capture_engine_rx(rx, PCAPD_MAX_RX_LCORES);
    for (unsigned i = 0; i < n; i++) {
        if (as.sampled_ns != 0) {
            double share = (double)(rx[i].busy_ns - as.busy_ns[i]) / (double)(now - as.sampled_ns);
            as.busy_ratio[i] = share > 1 ? 1 : share;
        }
        as.busy_ns[i] = rx[i].busy_ns;
    }
    as.sampled_ns = now;
}

void appliance_stats_read(struct appliance_stats *s)
{
    capture_engine_stats(&s->dp);
    s->n_ports = capture_engine_ports(s->ports, PCAPD_MAX_PORTS);
    s->n_rx = capture_engine_rx(s->rx, PCAPD_MAX_RX_LCORES);
    memcpy(s->rx_busy_ratio, as.busy_ratio, sizeof(s->rx_busy_ratio));
    s->n_writers = capture_engine_writers(s->writers, PCAPD_MAX_WRITER_LCORES);
    s->dpdk = s->n_ports > 0; /* the dataplane does not start without one */
    s->kernel = capture_engine_kernel_stats(&s->kp);
    for (unsigned t = 0; t < JOB_STORE_TYPES; t++) {
        for (unsigned st = 0; st < JOB_STORE_STATUSES; st++)
            s->captures[t][st] = capture_counts_get((enum capture_type)t, (enum capture_status)st);
    }
    s->captures_active = capture_runner_active();
    s->captures_max = as.captures_max;
    s->analysis_pending = analysis_worker_pending();
    for (unsigned l = 0; l < OFFLOAD_LANES; l++)
        s->offload_pending[l] = offload_pending((enum offload_lane)l);
    s->disk = disk_guard_state(&s->disk_free);
    s->disk_reserve = disk_guard_reserve();
    s->http_requests = http_metrics_total();
    s->start_time = as.start_time;
}
