/*
 * pcapd's DPDK telemetry commands (see telemetry.h): a snapshot shared by
 * the event loop, which fills it when asked, and DPDK's telemetry thread,
 * which waits for it and formats it as telemetry data.  The only file of
 * the control plane that uses DPDK (its telemetry library).
 */
#include "telemetry.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_telemetry.h>

#include "appliance_stats.h"
#include "build_info.h"
#include "capture_runner.h"
#include "clock_ms.h"
#include "log.h"

/* How long a command waits for the event loop's snapshot (ms). */
#define TELEMETRY_WAIT_MS 500
/* Most capture ids /pcapd/jobs lists: its answer stays well within the
 * 16 KiB DPDK's telemetry sends. */
#define TELEMETRY_MAX_IDS 256

/* The snapshot and its hand-over. */
static struct {
    /* Guards everything below but `asked`. */
    pthread_mutex_t lock;
    /* Signalled when a snapshot is taken. */
    pthread_cond_t taken;
    /* Snapshots asked for (by commands) and taken (by the loop). */
    _Atomic uint64_t asked;
    uint64_t served;
    /* The commands answer nothing any more. */
    bool stopped;
    /* The snapshot: the figures, when they were taken (CLOCK_MONOTONIC,
     * ms), and the captures under way (room for max_jobs). */
    struct appliance_stats stats;
    int64_t taken_ms;
    struct capture *jobs;
    unsigned n_jobs;
    unsigned max_jobs;
} tel = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- The event loop's side ---- */

void telemetry_tick(void)
{
    uint64_t asked = atomic_load_explicit(&tel.asked, memory_order_acquire);
    if (asked == tel.served || pthread_mutex_trylock(&tel.lock) != 0)
        return;
    appliance_stats_read(&tel.stats);
    tel.n_jobs = tel.jobs != NULL ? capture_runner_list(tel.jobs, tel.max_jobs) : 0;
    tel.taken_ms = clock_monotonic_ms();
    tel.served = asked;
    pthread_cond_broadcast(&tel.taken);
    pthread_mutex_unlock(&tel.lock);
}

void telemetry_stop(void)
{
    pthread_mutex_lock(&tel.lock);
    tel.stopped = true;
    pthread_cond_broadcast(&tel.taken);
    pthread_mutex_unlock(&tel.lock);
}

/* ---- The telemetry thread's side ---- */

/* Asks the loop for a snapshot and waits for it, up to TELEMETRY_WAIT_MS
 * (the last one is used past that).  Returns with the lock held, true if
 * there is a snapshot to answer from; false (lock released) if there is
 * none or the daemon is stopping. */
static bool snapshot_wait(void)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += (long)TELEMETRY_WAIT_MS * 1000000;
    deadline.tv_sec += deadline.tv_nsec / 1000000000;
    deadline.tv_nsec %= 1000000000;
    pthread_mutex_lock(&tel.lock);
    uint64_t want = atomic_fetch_add_explicit(&tel.asked, 1, memory_order_release) + 1;
    while (!tel.stopped && tel.served < want) {
        if (pthread_cond_timedwait(&tel.taken, &tel.lock, &deadline) == ETIMEDOUT)
            break;
    }
    if (tel.stopped || tel.served == 0) {
        pthread_mutex_unlock(&tel.lock);
        return false;
    }
    return true;
}

/* Adds to `d`, under `key`, a dict of `item`'s `n` counters `fields` and,
 * unless NULL, its `name`.  Skips it (silently) when out of memory. */
static void add_item(struct rte_tel_data *d, const char *key, const char *name, const void *item,
                     const struct stats_field *fields, unsigned n)
{
    struct rte_tel_data *c = rte_tel_data_alloc();
    if (c == NULL)
        return;
    rte_tel_data_start_dict(c);
    if (name != NULL)
        rte_tel_data_add_dict_string(c, "name", name);
    for (unsigned i = 0; i < n; i++)
        rte_tel_data_add_dict_u64(c, fields[i].key, stats_field_get(&fields[i], item));
    if (rte_tel_data_add_dict_container(d, key, c, 0) != 0)
        rte_tel_data_free(c);
}

/* Adds a dict per port, rx lcore and writer of the snapshot to `d`. */
static void add_engine_items(struct rte_tel_data *d, const struct appliance_stats *s)
{
    char key[32];
    for (unsigned i = 0; i < s->n_ports; i++) {
        snprintf(key, sizeof(key), "port%u", i);
        add_item(d, key, s->ports[i].name, &s->ports[i], stats_port_fields, stats_port_n_fields);
    }
    for (unsigned i = 0; i < s->n_rx; i++) {
        snprintf(key, sizeof(key), "rx_lcore%u", s->rx[i].lcore_id);
        add_item(d, key, NULL, &s->rx[i], stats_rx_fields, stats_rx_n_fields);
    }
    for (unsigned i = 0; i < s->n_writers; i++) {
        snprintf(key, sizeof(key), "writer%u", i);
        add_item(d, key, NULL, &s->writers[i], stats_writer_fields, stats_writer_n_fields);
    }
    if (s->kernel)
        add_item(d, "kernel", NULL, &s->kp, stats_kernel_fields, stats_kernel_n_fields);
}

/* The capture path's per-stage totals that /pcapd/stats gives. */
static const struct stats_field dp_fields[] = {
    {"rx_packets", NULL, NULL, offsetof(struct pcapd_dp_stats, rx_packets)},
    {"rx_missed", NULL, NULL, offsetof(struct pcapd_dp_stats, rx_missed)},
    {"rx_nombuf", NULL, NULL, offsetof(struct pcapd_dp_stats, rx_nombuf)},
    {"ring_full", NULL, NULL, offsetof(struct pcapd_dp_stats, ring_full)},
    {"writer_backlog_full", NULL, NULL, offsetof(struct pcapd_dp_stats, writer_backlog_full)},
    {"writer_records", NULL, NULL, offsetof(struct pcapd_dp_stats, writer_records)},
    {"writer_late", NULL, NULL, offsetof(struct pcapd_dp_stats, writer_late)},
    {"table_builds", NULL, NULL, offsetof(struct pcapd_dp_stats, table_builds)},
};

/* Adds the snapshot's appliance-wide figures to `d`. */
static void add_totals(struct rte_tel_data *d, const struct appliance_stats *s)
{
    rte_tel_data_add_dict_string(d, "version", PCAPD_VERSION);
    rte_tel_data_add_dict_string(d, "commit", PCAPD_COMMIT);
    for (size_t i = 0; i < RTE_DIM(dp_fields); i++)
        rte_tel_data_add_dict_u64(d, dp_fields[i].key, stats_field_get(&dp_fields[i], &s->dp));
    char key[48];
    for (unsigned t = 0; t < JOB_STORE_TYPES; t++) {
        for (unsigned st = 0; st < JOB_STORE_STATUSES; st++) {
            snprintf(key, sizeof(key), "captures_%s_%s", capture_type_name((enum capture_type)t),
                     capture_status_name((enum capture_status)st));
            rte_tel_data_add_dict_u64(d, key, s->captures[t][st]);
        }
    }
    rte_tel_data_add_dict_u64(d, "captures_active", s->captures_active);
    rte_tel_data_add_dict_u64(d, "captures_max", s->captures_max);
    rte_tel_data_add_dict_u64(d, "analysis_queue_depth", s->analysis_pending);
    rte_tel_data_add_dict_string(d, "disk_state", disk_guard_state_name(s->disk));
    if (s->disk_free != UINT64_MAX)
        rte_tel_data_add_dict_u64(d, "disk_free_bytes", s->disk_free);
    rte_tel_data_add_dict_u64(d, "disk_reserve_bytes", s->disk_reserve);
    rte_tel_data_add_dict_u64(d, "http_requests", s->http_requests);
}

/* /pcapd/stats. */
static int cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    (void)params;
    if (!snapshot_wait())
        return -1;
    rte_tel_data_start_dict(d);
    add_totals(d, &tel.stats);
    for (unsigned i = 0; i < tel.stats.n_rx; i++) {
        char key[48];
        snprintf(key, sizeof(key), "rx_lcore%u_busy_percent", tel.stats.rx[i].lcore_id);
        rte_tel_data_add_dict_u64(d, key, (uint64_t)(tel.stats.rx_busy_ratio[i] * 100 + 0.5));
    }
    add_engine_items(d, &tel.stats);
    rte_tel_data_add_dict_u64(d, "snapshot_age_ms",
                              (uint64_t)(clock_monotonic_ms() - tel.taken_ms));
    pthread_mutex_unlock(&tel.lock);
    return 0;
}

/* Adds capture `c`'s fields to dict `d`. */
static void add_capture(struct rte_tel_data *d, const struct capture *c)
{
    char submitted[40];
    capture_format_time(c->submitted_ms, submitted, sizeof(submitted));
    rte_tel_data_add_dict_string(d, "id", c->id);
    rte_tel_data_add_dict_string(d, "account_id", c->account_id);
    rte_tel_data_add_dict_string(d, "type", capture_type_name(c->type));
    rte_tel_data_add_dict_string(d, "status", capture_status_name(c->status));
    rte_tel_data_add_dict_string(d, "submitted", submitted);
    rte_tel_data_add_dict_u64(d, "time_limit", c->time_limit);
    rte_tel_data_add_dict_u64(d, "packet_limit", c->packet_limit);
    rte_tel_data_add_dict_u64(d, "byte_limit", c->byte_limit);
    rte_tel_data_add_dict_u64(d, "packets_captured", c->packets_captured);
    rte_tel_data_add_dict_u64(d, "packets_dropped", c->packets_dropped);
    rte_tel_data_add_dict_u64(d, "stop_requested", c->stop_requested);
}

/* /pcapd/jobs, and /pcapd/jobs,ID. */
static int cmd_jobs(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!snapshot_wait())
        return -1;
    int rc = 0;
    if (params != NULL && params[0] != '\0') {
        rc = -1;
        for (unsigned i = 0; i < tel.n_jobs && rc != 0; i++) {
            if (strcmp(tel.jobs[i].id, params) == 0) {
                rte_tel_data_start_dict(d);
                add_capture(d, &tel.jobs[i]);
                rc = 0;
            }
        }
        pthread_mutex_unlock(&tel.lock);
        return rc;
    }
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "count", tel.n_jobs);
    struct rte_tel_data *ids = rte_tel_data_alloc();
    if (ids != NULL) {
        rte_tel_data_start_array(ids, RTE_TEL_STRING_VAL);
        for (unsigned i = 0; i < tel.n_jobs && i < TELEMETRY_MAX_IDS; i++)
            rte_tel_data_add_array_string(ids, tel.jobs[i].id);
        if (rte_tel_data_add_dict_container(d, "ids", ids, 0) != 0)
            rte_tel_data_free(ids);
    }
    pthread_mutex_unlock(&tel.lock);
    return rc;
}

int telemetry_init(bool eal, unsigned max_captures, char *err, unsigned err_size)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&tel.taken, &attr);
    pthread_condattr_destroy(&attr);
    tel.jobs = calloc(max_captures, sizeof(tel.jobs[0]));
    tel.max_jobs = max_captures;
    if (tel.jobs == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (!eal) {
        log_info("telemetry_off", "reason=%s", log_q("capture_path = kernel starts no DPDK"));
        return 0;
    }
    if (rte_telemetry_register_cmd("/pcapd/stats", cmd_stats,
                                   "pcapd's figures: totals per stage, ports, rx lcores, writers, "
                                   "captures by type and status, queues, disk. No parameters") !=
            0 ||
        rte_telemetry_register_cmd("/pcapd/jobs", cmd_jobs,
                                   "Captures under way: their count and ids; with an id as "
                                   "parameter, that capture. Parameters: capture id (optional)") !=
            0) {
        snprintf(err, err_size, "cannot register the /pcapd telemetry commands");
        return -1;
    }
    char socket[PATH_MAX + 32];
    snprintf(socket, sizeof(socket), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
    if (access(socket, F_OK) == 0)
        log_info("telemetry", "socket=%s", log_q(socket));
    else
        log_warn("telemetry_off", "socket=%s error=%s", log_q(socket), log_q(strerror(errno)));
    return 0;
}
