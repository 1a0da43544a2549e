/*
 * The fleet at scale without its daemons (tools/bench-fleet --sim): N
 * simulated appliances, each a thread running the daemon's own sync
 * round (fleet_sync_run(), control/fleet_sync.c) on a connection of its
 * own, and creators running the daemon's own create
 * (fleet_store_create()), against one PostgreSQL database.  A simulated
 * appliance's "runner" starts a claimed target at once and ends it
 * `hold_ms` after the fleet has heard it run, with a one-record part, so
 * what is measured is the protocol: the database's round trips and the
 * time from a create to every appliance running it.
 *
 * Usage: pcapd-fleet-sim CONNINFO STATE_DIR APPLIANCES CAPTURES CREATORS
 * Prints one JSON object.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "capture_files.h"
#include "fleet.h"
#include "fleet_pg.h"
#include "fleet_store.h"
#include "pcapd/pcap_format.h"

/* How long a simulated target runs once the fleet has heard it run. */
#define HOLD_MS 200
/* Least time between two progress reports of a live target, as the
 * daemon has it (control/fleet.c). */
#define PROGRESS_MS 500
/* Room for the targets of one simulated appliance. */
#define SIM_TARGETS 256

/* The account of the simulated captures. */
static const char ACCOUNT[] = "023e105f4ecef8ad9ca31a8372d0c353";

/* A capture being created and watched. */
struct sim_capture {
    char id[CAPTURE_ID_LEN + 1];
    /* Targets the create made, and those the fleet has heard run. */
    unsigned targets;
    atomic_uint running;
    /* When its create was sent, and when its last target was heard
     * running (monotonic ns). */
    int64_t created_ns;
    _Atomic int64_t all_running_ns;
};

/* A target a simulated appliance runs. */
struct sim_target {
    char id[CAPTURE_ID_LEN + 1];
    struct sim_capture *capture;
    /* The fleet has heard it run (since when, ns), when it last took a
     * report of it, and it has ended. */
    int64_t live_ns;
    int64_t reported_ns;
    bool ended;
};

/* A simulated appliance. */
struct sim_app {
    struct fleet_identity me;
    pthread_t thread;
    int wake_fd;
    struct sim_target targets[SIM_TARGETS];
    unsigned n;
};

static struct {
    unsigned n_apps, n_captures, n_creators;
    struct sim_app *apps;
    struct sim_capture *captures;
    atomic_uint next_capture;
    atomic_bool stop;
    char state_dir[512];
} sim;

/* Returns the monotonic clock in ns. */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Finds the capture `id` of this run (ids are unique and few). */
static struct sim_capture *capture_find(const char *id)
{
    unsigned made = atomic_load(&sim.next_capture);
    for (unsigned i = 0; i < made && i < sim.n_captures; i++) {
        if (strcmp(sim.captures[i].id, id) == 0)
            return &sim.captures[i];
    }
    return NULL;
}

/* Builds the reports of a round from the appliance's targets; idx[k] is
 * the target of report k. */
static void round_reports(struct sim_app *a, struct fleet_sync_task *t, unsigned *idx)
{
    int64_t now = now_ns();
    for (unsigned i = 0; i < a->n; i++) {
        struct sim_target *st = &a->targets[i];
        st->ended = st->ended || (st->live_ns != 0 && now - st->live_ns >= HOLD_MS * 1000000ll);
        if (!st->ended && st->live_ns != 0 && now - st->reported_ns < PROGRESS_MS * 1000000ll)
            continue;
        struct fleet_report *rep = &t->reports[t->n_reports++];
        idx[t->n_reports - 1] = i;
        snprintf(rep->id, sizeof(rep->id), "%s", st->id);
        rep->ended = st->ended;
        rep->packets = 1;
        snprintf(rep->local_status, sizeof(rep->local_status), "%s",
                 st->ended ? "success" : "running");
    }
}

/* Applies a round's results: reports taken, claims, stops. */
static void round_results(struct sim_app *a, struct fleet_sync_task *t, const unsigned *idx)
{
    bool gone[SIM_TARGETS] = {false};
    for (unsigned k = 0; k < t->n_reports && t->ok; k++) {
        struct sim_target *st = &a->targets[idx[k]];
        if (!t->reported[k])
            continue;
        st->reported_ns = now_ns();
        gone[idx[k]] = st->ended;
        if (!st->ended && st->live_ns == 0) {
            st->live_ns = st->reported_ns;
            struct sim_capture *c = st->capture;
            if (c != NULL && atomic_fetch_add(&c->running, 1) + 1 == c->targets)
                atomic_store(&c->all_running_ns, st->live_ns);
        }
    }
    unsigned kept = 0;
    for (unsigned i = 0; i < a->n; i++) {
        if (!gone[i])
            a->targets[kept++] = a->targets[i];
    }
    a->n = kept;
    for (unsigned i = 0; i < t->n_claims && a->n < SIM_TARGETS; i++) {
        struct sim_target *st = &a->targets[a->n++];
        memset(st, 0, sizeof(*st));
        snprintf(st->id, sizeof(st->id), "%s", t->claims[i].id);
        st->capture = capture_find(st->id);
    }
    for (unsigned i = 0; i < t->n_stops; i++) {
        for (unsigned j = 0; j < a->n; j++) {
            if (strcmp(a->targets[j].id, t->stops[i]) == 0)
                a->targets[j].ended = true;
        }
    }
}

/* A simulated appliance: the daemon's rounds, back to back. */
static void *app_main(void *arg)
{
    struct sim_app *a = arg;
    while (!atomic_load(&sim.stop)) {
        struct fleet_sync_task t = {.me = &a->me, .wake_fd = a->wake_fd};
        struct fleet_report reports[SIM_TARGETS];
        bool reported[SIM_TARGETS] = {false};
        unsigned idx[SIM_TARGETS];
        memset(reports, 0, sizeof(reports));
        t.reports = reports;
        t.reported = reported;
        round_reports(a, &t, idx);
        t.has_targets = a->n > 0;
        fleet_sync_run(&t);
        if (!t.ok)
            fprintf(stderr, "round failed: appliance=%s error=%s\n", a->me.name, t.err);
        round_results(a, &t, idx);
        free(t.claims);
        free(t.stops);
    }
    return NULL;
}

/* Writes the one-record part every simulated target of capture `id`
 * stores. */
static void write_part(const char *id)
{
    uint8_t buf[PCAP_FILE_HEADER_LEN + PCAP_RECORD_HEADER_LEN + 60] = {0};
    pcap_format_file_header(buf, 160, PCAP_LINKTYPE_ETHERNET);
    pcap_format_record_header(buf + PCAP_FILE_HEADER_LEN, 1700000000000000000ull, 60, 60);
    char path[700];
    capture_files_path(id, path, sizeof(path));
    FILE *f = fopen(path, "wb");
    if (f != NULL) {
        fwrite(buf, 1, sizeof(buf), f);
        fclose(f);
    }
}

/* A creator: creates captures one after the other, each once the last
 * one runs everywhere. */
static void *creator_main(void *arg)
{
    struct fleet_identity me = {.rate_window_s = 0, .max_captures = 1000000};
    snprintf(me.name, sizeof(me.name), "creator%u", (unsigned)(uintptr_t)arg);
    unsigned i;
    while ((i = atomic_fetch_add(&sim.next_capture, 1)) < sim.n_captures) {
        struct sim_capture *sc = &sim.captures[i];
        struct capture c;
        memset(&c, 0, sizeof(c));
        capture_new_id(c.id);
        snprintf(sc->id, sizeof(sc->id), "%s", c.id);
        snprintf(c.account_id, sizeof(c.account_id), "%s", ACCOUNT);
        c.type = CAPTURE_SIMPLE;
        c.time_limit = 60;
        c.packet_limit = 100000;
        c.submitted_ms = (int64_t)time(NULL) * 1000;
        write_part(c.id);
        struct fleet_answer ans;
        memset(&ans, 0, sizeof(ans));
        sc->created_ns = now_ns();
        fleet_store_create(&me, &c, &ans);
        json_t *apps = ans.result != NULL ? json_object_get(ans.result, "appliances") : NULL;
        sc->targets = apps != NULL ? (unsigned)json_array_size(apps) : 0;
        if (ans.status != 200)
            fprintf(stderr, "create %u: %d %s\n", i, ans.status, ans.message);
        json_decref(ans.result);
        json_decref(ans.messages);
        while (ans.status == 200 && atomic_load(&sc->all_running_ns) == 0 &&
               atomic_load(&sc->running) < sc->targets && now_ns() - sc->created_ns < 30e9)
            usleep(1000);
    }
    return NULL;
}

/* Sorts latencies. */
static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Counts the simulated captures that have ended. */
static long ended_captures(void)
{
    char err[256];
    PGresult *r = fleet_pg_exec("SELECT count(*) FROM fleet_captures"
                                " WHERE status IN ('success', 'failed')",
                                0, NULL, PGRES_TUPLES_OK, err, sizeof(err));
    long n = r != NULL ? (long)fleet_pg_int(r, 0, 0) : -1;
    PQclear(r);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s CONNINFO STATE_DIR APPLIANCES CAPTURES CREATORS\n", argv[0]);
        return 2;
    }
    char err[256];
    sim.n_apps = (unsigned)atoi(argv[3]);
    sim.n_captures = (unsigned)atoi(argv[4]);
    sim.n_creators = (unsigned)atoi(argv[5]);
    if (capture_files_init(argv[2], err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    fleet_pg_init(argv[1]);
    sim.apps = calloc(sim.n_apps, sizeof(*sim.apps));
    sim.captures = calloc(sim.n_captures, sizeof(*sim.captures));
    for (unsigned i = 0; i < sim.n_apps; i++) {
        struct sim_app *a = &sim.apps[i];
        snprintf(a->me.name, sizeof(a->me.name), "sim%04u", i);
        snprintf(a->me.site, sizeof(a->me.site), "site%u", i % 10);
        snprintf(a->me.capture_path, sizeof(a->me.capture_path), "kernel");
        snprintf(a->me.db_path, sizeof(a->me.db_path), "%s/%s.db", argv[2], a->me.name);
        a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        pthread_create(&a->thread, NULL, app_main, a);
    }
    /* Every appliance heartbeating, then the round trips of the fleet at
     * rest. */
    sleep(3);
    unsigned long rest0 = fleet_pg_round_trips();
    int64_t t0 = now_ns();
    sleep(2);
    double rest_rate = (double)(fleet_pg_round_trips() - rest0) / ((now_ns() - t0) / 1e9);
    unsigned long run0 = fleet_pg_round_trips();
    int64_t r0 = now_ns();
    pthread_t *creators = calloc(sim.n_creators, sizeof(*creators));
    for (unsigned i = 0; i < sim.n_creators; i++)
        pthread_create(&creators[i], NULL, creator_main, (void *)(uintptr_t)i);
    for (unsigned i = 0; i < sim.n_creators; i++)
        pthread_join(creators[i], NULL);
    while (ended_captures() < (long)sim.n_captures && now_ns() - r0 < 600e9)
        usleep(100000);
    double run_s = (now_ns() - r0) / 1e9;
    unsigned long run_trips = fleet_pg_round_trips() - run0;
    atomic_store(&sim.stop, true);
    for (unsigned i = 0; i < sim.n_apps; i++)
        pthread_join(sim.apps[i].thread, NULL);
    int64_t *lat = calloc(sim.n_captures, sizeof(*lat));
    unsigned n = 0, short_targets = 0;
    for (unsigned i = 0; i < sim.n_captures; i++) {
        struct sim_capture *c = &sim.captures[i];
        short_targets += c->targets < sim.n_apps;
        if (atomic_load(&c->all_running_ns) != 0)
            lat[n++] = atomic_load(&c->all_running_ns) - c->created_ns;
    }
    qsort(lat, n, sizeof(*lat), cmp_i64);
    double per_capture = (run_trips - rest_rate * run_s) / sim.n_captures;
    printf("{\"appliances\": %u, \"captures\": %u, \"creators\": %u, \"ended\": %ld,"
           " \"all_running\": %u, \"fewer_targets_than_appliances\": %u,"
           " \"run_s\": %.2f, \"round_trips_per_s_at_rest\": %.0f,"
           " \"round_trips_per_s_in_run\": %.0f, \"round_trips_per_capture\": %.1f,"
           " \"create_to_running_ms\": {\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f,"
           " \"max\": %.1f}}\n",
           sim.n_apps, sim.n_captures, sim.n_creators, ended_captures(), n, short_targets, run_s,
           rest_rate, run_trips / run_s, per_capture, n ? lat[n / 2] / 1e6 : 0,
           n ? lat[n * 9 / 10] / 1e6 : 0,
           n ? lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e6 : 0,
           n ? lat[n - 1] / 1e6 : 0);
    return 0;
}
