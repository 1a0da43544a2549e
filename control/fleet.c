/*
 * The fleet on the event loop (fleet.h): the targets this appliance runs,
 * the round of synchronisation kept in flight on the fleet_sync lane, and
 * what its results ask of the capture runner.
 */
#include "fleet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bucket_delivery.h"
#include "capture_runner.h"
#include "clock_ms.h"
#include "destination.h"
#include "fleet_pg.h"
#include "log.h"
#include "offload.h"

/* A target this appliance runs. */
struct fleet_target {
    char id[CAPTURE_ID_LEN + 1];
    char account_id[65];
    /* The runner has not answered its create yet. */
    bool starting;
    /* Its create was refused: `error` says why. */
    bool start_failed;
    char error[400];
    /* Its phase (enum target_phase) as the round under way last saw it. */
    int sent;
    /* A full capture: the object its file goes to ("s3://BUCKET/KEY"). */
    bool full;
    char object[700];
    /* The database has heard that it runs (logged once, for the
     * create-to-running breakdown of tools/bench-fleet), and when it last
     * took a report of it (monotonic ms). */
    bool live_reported;
    int64_t reported_ms;
};

/* Least time between two progress reports of a live target (ms): within
 * the lease (3 s) with room for a slow round or two. */
#define PROGRESS_MS 500

/* Where a target is, as far as the fleet must hear of it. */
enum target_phase {
    PHASE_STARTING, /* the runner has not answered its create */
    PHASE_LIVE,     /* capturing */
    PHASE_ENDED,    /* its part is final, or it could not start */
};

/* The loop's fleet state. */
static struct {
    bool enabled;
    struct fleet_identity me;
    struct job_store *reader;
    /* The targets under way here (their count and room). */
    struct fleet_target *targets;
    unsigned n, cap;
    /* A round is on the fleet_sync lane. */
    bool in_flight;
    /* The database answered the last round. */
    bool connected;
    /* The eventfd that wakes a round from its wait, and whether it was
     * written since the round was submitted. */
    int wake_fd;
    bool woken;
} fleet;

/* Rate limit of the log of failed rounds. */
static struct log_rate_limit sync_rl = LOG_RATE_LIMIT_INIT(10, 2);

bool fleet_enabled(void)
{
    return fleet.enabled;
}

const struct fleet_identity *fleet_me(void)
{
    return &fleet.me;
}

int fleet_init(const struct config *cfg, struct job_store *reader, char *err, unsigned err_size)
{
    if (cfg->store[0] == '\0')
        return 0;
    static const char *const paths[] = {[CONFIG_CAPTURE_DPDK] = "dpdk",
                                        [CONFIG_CAPTURE_KERNEL] = "kernel",
                                        [CONFIG_CAPTURE_BOTH] = "both"};
    fleet.cap = cfg->max_captures;
    fleet.targets = calloc(fleet.cap, sizeof(*fleet.targets));
    if (fleet.targets == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    snprintf(fleet.me.name, sizeof(fleet.me.name), "%s", cfg->appliance_name);
    snprintf(fleet.me.site, sizeof(fleet.me.site), "%s", cfg->site);
    snprintf(fleet.me.capture_path, sizeof(fleet.me.capture_path), "%s", paths[cfg->capture_path]);
    snprintf(fleet.me.db_path, sizeof(fleet.me.db_path), "%s/pcapd.db", cfg->state_dir);
    fleet.me.rate_window_s = cfg->simple_rate_window;
    fleet.me.max_captures = cfg->max_captures;
    fleet.me.retention_s = config_retention_seconds(cfg);
    fleet.reader = reader;
    fleet.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fleet.wake_fd < 0) {
        snprintf(err, err_size, "eventfd: %s", strerror(errno));
        return -1;
    }
    fleet_pg_init(cfg->store);
    fleet.enabled = true;
    return 0;
}

void fleet_shutdown(void)
{
    fleet.enabled = false;
}

void fleet_set_port(const struct config *cfg, uint16_t port)
{
    snprintf(fleet.me.api, sizeof(fleet.me.api), "%s://%s:%u",
             cfg->tls_certificate[0] ? "https" : "http", cfg->listen_host, port);
}

/* Returns the target `id` run here, or NULL. */
static struct fleet_target *target_find(const char *id)
{
    for (unsigned i = 0; i < fleet.n; i++) {
        if (strcmp(fleet.targets[i].id, id) == 0)
            return &fleet.targets[i];
    }
    return NULL;
}

/* Forgets target `id` (its end is in the database). */
static void target_forget(const char *id)
{
    struct fleet_target *t = target_find(id);
    if (t != NULL)
        *t = fleet.targets[--fleet.n];
}

/* Returns the phase of target `t` now. */
static int target_phase(const struct fleet_target *t)
{
    if (t->starting)
        return PHASE_STARTING;
    struct capture c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", t->id);
    return !t->start_failed && capture_runner_overlay(&c) && !capture_status_final(c.status)
               ? PHASE_LIVE
               : PHASE_ENDED;
}

/* Wakes the round under way from its wait when a target here has changed
 * phase since it was submitted: a start or an end reaches the fleet at
 * once, not after the wait. */
static void wake_on_news(void)
{
    for (unsigned i = 0; !fleet.woken && i < fleet.n; i++) {
        if (target_phase(&fleet.targets[i]) != fleet.targets[i].sent) {
            uint64_t one = 1;
            fleet.woken = write(fleet.wake_fd, &one, sizeof(one)) == sizeof(one);
        }
    }
}

/* Fills `rep` with the state of target `t`.  Returns false while its
 * create is still under way (nothing to report yet). */
static bool target_report(const struct fleet_target *t, struct fleet_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    snprintf(rep->id, sizeof(rep->id), "%s", t->id);
    if (t->starting)
        return false;
    if (t->start_failed) {
        rep->ended = rep->start_failed = true;
        snprintf(rep->error, sizeof(rep->error), "%s", t->error);
        return true;
    }
    struct capture c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", t->id);
    bool live = capture_runner_overlay(&c);
    /* Ended and released by the runner: the store holds its end. */
    if (!live && job_store_get(fleet.reader, t->account_id, t->id, &c) != 0)
        return false;
    rep->ended = capture_status_final(c.status);
    rep->packets = c.packets_captured;
    rep->dropped = c.packets_dropped;
    snprintf(rep->error, sizeof(rep->error), "%s", c.error_message);
    snprintf(rep->local_status, sizeof(rep->local_status), "%s", capture_status_name(c.status));
    rep->full = t->full;
    if (t->full && c.status == CAPTURE_SUCCESS)
        snprintf(rep->object, sizeof(rep->object), "%s", t->object);
    return true;
}

/* The runner's answer to the create of a claimed target. */
static void on_target_created(const struct capture *c, const struct capture_outcome *o, void *arg)
{
    (void)arg;
    struct fleet_target *t = target_find(c->id);
    if (t == NULL)
        return;
    t->starting = false;
    if (o->http_status != 200) {
        t->start_failed = true;
        snprintf(t->error, sizeof(t->error), "appliance %s could not run its part: %.200s",
                 fleet.me.name, o->err.message);
    }
    log_info("fleet_target_started", "capture=%s ok=%d", c->id, o->http_status == 200);
    if (fleet.in_flight)
        wake_on_news();
}

/* Names the object the file of full capture `c` run here goes to. */
static void target_name_object(struct fleet_target *t, const struct capture *c)
{
    struct destination d;
    char err[256], file[160], key[600];
    t->full = true;
    if (destination_parse(c->destination_conf, &d, err, sizeof(err)) != 0) {
        snprintf(t->object, sizeof(t->object), "its bucket");
        return;
    }
    bucket_delivery_file_name(c->id, file, sizeof(file));
    destination_object_key(&d, file, key, sizeof(key));
    destination_object_name(&d, key, t->object, sizeof(t->object));
}

/* Starts claimed capture `c` on the runner. */
static void start_claim(const struct capture *c)
{
    if (target_find(c->id) != NULL)
        return;
    if (fleet.n == fleet.cap || capture_runner_create(c, on_target_created, NULL) != 0) {
        /* No slot: reported as failed in the next round. */
        if (fleet.n == fleet.cap)
            return;
        struct fleet_target *t = &fleet.targets[fleet.n++];
        *t = (struct fleet_target){.start_failed = true};
        snprintf(t->id, sizeof(t->id), "%s", c->id);
        snprintf(t->error, sizeof(t->error),
                 "appliance %s could not run its part: every capture slot is in use",
                 fleet.me.name);
        return;
    }
    struct fleet_target *t = &fleet.targets[fleet.n++];
    *t = (struct fleet_target){.starting = true};
    snprintf(t->id, sizeof(t->id), "%s", c->id);
    snprintf(t->account_id, sizeof(t->account_id), "%s", c->account_id);
    if (c->type == CAPTURE_FULL)
        target_name_object(t, c);
    log_info("fleet_target_claimed", "capture=%s", c->id);
}

/* Frees a round. */
static void task_free(struct fleet_sync_task *t)
{
    free(t->reports);
    free(t->reported);
    free(t->claims);
    free(t->stops);
    free(t);
}

/* The round on the lane. */
static void sync_work(void *arg)
{
    fleet_sync_run(arg);
}

/* Applies a round's results (event loop). */
static void sync_done(void *arg)
{
    struct fleet_sync_task *t = arg;
    fleet.in_flight = false;
    if (t->ok != fleet.connected)
        log_event(t->ok ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
                  t->ok ? "fleet_store_up" : "fleet_store_down", "error=%s",
                  log_q(t->ok ? "" : t->err));
    else if (!t->ok)
        log_event_rl(&sync_rl, LOG_LEVEL_WARN, "fleet_sync_failed", "error=%s", log_q(t->err));
    fleet.connected = t->ok;
    for (unsigned i = 0; i < t->n_reports; i++) {
        struct fleet_target *ft = target_find(t->reports[i].id);
        if (ft != NULL && t->reported[i])
            ft->reported_ms = clock_monotonic_ms();
        if (ft != NULL && t->reported[i] && !t->reports[i].ended && !ft->live_reported) {
            ft->live_reported = true;
            log_info("fleet_target_live", "capture=%s", ft->id);
        }
        if (t->reported[i] && t->reports[i].ended)
            target_forget(t->reports[i].id);
    }
    for (unsigned i = 0; i < t->n_claims; i++)
        start_claim(&t->claims[i]);
    for (unsigned i = 0; i < t->n_stops; i++) {
        struct capture c;
        capture_runner_stop(t->stops[i], &c);
    }
    task_free(t);
    /* The next round at once, not at the next tick: a claim's start or a
     * target's news is on its way. */
    fleet_tick();
}

void fleet_tick(void)
{
    if (fleet.enabled && fleet.in_flight)
        wake_on_news();
    if (!fleet.enabled || fleet.in_flight)
        return;
    struct fleet_sync_task *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return;
    t->me = &fleet.me;
    t->wake_fd = fleet.wake_fd;
    t->reports = calloc(fleet.n + 1, sizeof(*t->reports));
    t->reported = calloc(fleet.n + 1, sizeof(*t->reported));
    if (t->reports == NULL || t->reported == NULL) {
        task_free(t);
        return;
    }
    int64_t now = clock_monotonic_ms();
    for (unsigned i = 0; i < fleet.n; i++) {
        struct fleet_target *ft = &fleet.targets[i];
        ft->sent = target_phase(ft);
        /* A live target already known to run is reported (its counters,
         * its lease renewed) at most every PROGRESS_MS: a round woken by
         * another capture's NOTIFY does not write it again. */
        if (ft->sent == PHASE_LIVE && ft->live_reported && now - ft->reported_ms < PROGRESS_MS)
            continue;
        t->n_reports += target_report(ft, &t->reports[t->n_reports]);
    }
    t->has_targets = fleet.n > 0;
    fleet.woken = false;
    if (offload_submit(OFFLOAD_FLEET_SYNC, sync_work, sync_done, t) != 0) {
        task_free(t);
        return;
    }
    fleet.in_flight = true;
}
