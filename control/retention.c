/*
 * The retention sweep (see retention.h).
 */
#include "retention.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock_ms.h"
#include "analysis_api.h"
#include "capture_counts.h"
#include "capture_files.h"
#include "log.h"
#include "offload.h"

/* Longest pause between two sweeps (ms). */
#define RETENTION_SWEEP_MAX_MS 60000

/* The sweep's state (event loop). */
static struct {
    /* The store thread's connection. */
    struct job_store *store;
    /* Ended captures older than this are deleted (ms; 0: never). */
    int64_t keep_ms;
    /* Pause between two sweeps, and when the next is due (CLOCK_MONOTONIC, ms). */
    int64_t interval_ms;
    int64_t next_ms;
    /* A sweep is running. */
    bool running;
    /* The captures the last sweep deleted, by type and status. */
    uint64_t deleted[JOB_STORE_TYPES][JOB_STORE_STATUSES];
} ret;

/* Deletes the files and analysis results of capture `id` (expire
 * callback, on the store lane). */
static void forget_capture(const char *id, void *arg)
{
    (void)arg;
    capture_files_remove(id);
    analysis_api_forget(id);
}

/* Deletes what is older than the retention period (blocks). */
static void sweep(void *arg)
{
    (void)arg;
    int64_t before = clock_ms(CLOCK_REALTIME) - ret.keep_ms;
    int n, total = analysis_api_expire_uploads(before);
    memset(ret.deleted, 0, sizeof(ret.deleted));
    while ((n = job_store_expire(ret.store, before, forget_capture, NULL, ret.deleted)) > 0)
        total += n;
    if (n < 0)
        log_error("retention_failed", "cause=job_store");
    if (total > 0)
        log_info("retention", "deleted=%d", total);
}

/* A sweep has ended (event loop): the captures it deleted are no longer
 * counted. */
static void sweep_done(void *arg)
{
    (void)arg;
    capture_counts_remove(ret.deleted);
    ret.running = false;
}

void retention_init(const struct config *cfg, struct job_store *store)
{
    ret.store = store;
    ret.keep_ms = (int64_t)config_retention_seconds(cfg) * 1000;
    ret.interval_ms = ret.keep_ms / 2;
    if (ret.interval_ms > RETENTION_SWEEP_MAX_MS)
        ret.interval_ms = RETENTION_SWEEP_MAX_MS;
    if (ret.interval_ms < 1000)
        ret.interval_ms = 1000;
    ret.next_ms = clock_ms(CLOCK_MONOTONIC) + ret.interval_ms;
    if (ret.keep_ms > 0) {
        sweep(NULL);
        sweep_done(NULL);
    }
}

void retention_tick(void)
{
    int64_t now = clock_ms(CLOCK_MONOTONIC);
    if (ret.keep_ms == 0 || ret.running || now < ret.next_ms)
        return;
    ret.next_ms = now + ret.interval_ms;
    if (offload_submit(OFFLOAD_STORE, sweep, sweep_done, NULL) == 0)
        ret.running = true;
}
