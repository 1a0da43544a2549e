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
