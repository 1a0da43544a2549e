/*
 * The capture path's rare events (see dp_events.h).
 */
#include "dp_events.h"

#include <inttypes.h>
#include <stdbool.h>
#include <time.h>

#include "capture_engine.h"
#include "clock_ms.h"
#include "log.h"

/* How often the counters are read (ms). */
#define DP_EVENTS_PERIOD_MS 1000

/* The stages watched, in the order of their counters below. */
enum dp_stage {
    STAGE_PORT_MISSED,
    STAGE_PORT_NOMBUF,
    STAGE_RING_FULL,
    STAGE_WRITER_BACKLOG,
    STAGE_KERNEL_LOST,
    STAGES
};

/* The names of the stages, as the metrics label them. */
static const char *const stage_names[STAGES] = {"port_missed", "port_nombuf", "ring_full",
                                                "writer_backlog", "kernel_lost"};

/* At most 6 lines a minute per stage, 3 at once. */
static struct log_rate_limit stage_rl[STAGES] = {
    LOG_RATE_LIMIT_INIT(6, 3), LOG_RATE_LIMIT_INIT(6, 3), LOG_RATE_LIMIT_INIT(6, 3),
    LOG_RATE_LIMIT_INIT(6, 3), LOG_RATE_LIMIT_INIT(6, 3)};

/* The last reading (event loop only). */
static struct {
    uint64_t total[STAGES];
    int64_t read_ms;
    bool read;
} last;

void dp_events_tick(void)
{
    int64_t now = clock_monotonic_ms();
    if (last.read && now - last.read_ms < DP_EVENTS_PERIOD_MS)
        return;
    struct pcapd_dp_stats s;
    struct pcapd_kp_stats k = {0};
    capture_engine_stats(&s);
    capture_engine_kernel_stats(&k);
    const uint64_t total[STAGES] = {s.rx_missed, s.rx_nombuf, s.ring_full, s.writer_backlog_full,
                                    k.packets_lost};
    for (unsigned i = 0; i < STAGES; i++) {
        if (last.read && total[i] > last.total[i])
            log_event_rl(&stage_rl[i], LOG_LEVEL_WARN, "packets_dropped",
                         "stage=%s count=%" PRIu64 " total=%" PRIu64, stage_names[i],
                         total[i] - last.total[i], total[i]);
        last.total[i] = total[i];
    }
    last.read = true;
    last.read_ms = now;
}
