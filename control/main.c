/*
 * pcapd's entry point.  `pcapd token ...` administers API tokens
 * (token_cli.c).  Otherwise pcapd is the daemon: it reads the
 * configuration, claims the state directory, opens the job and token
 * stores and recovers what a previous process left unfinished, starts the
 * capture engine (the DPDK dataplane's rx and writer lcores), then serves
 * the REST API on the main lcore until SIGINT or SIGTERM, with blocking
 * work on offload threads, and shuts down in order: API, capture engine
 * (ending and recording running captures), offload threads, stores.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "analysis_api.h"
#include "bucket_delivery.h"
#include "api_response.h"
#include "appliance_stats.h"
#include "auth_throttle.h"
#include "capture_counts.h"
#include "capture_engine.h"
#include "capture_files.h"
#include "capture_json_cache.h"
#include "capture_recovery.h"
#include "capture_runner.h"
#include "disk_guard.h"
#include "fleet.h"
#include "config.h"
#include "dp_events.h"
#include "http_metrics.h"
#include "http_server.h"
#include "job_store.h"
#include "jobs_api.h"
#include "log.h"
#include "metrics_api.h"
#include "lookback.h"
#include "offload.h"
#include "pcapd/history.h"
#include "ownership.h"
#include "ownership_api.h"
#include "retention.h"
#include "state_dir.h"
#include "telemetry.h"
#include "token_cli.h"
#include "token_store.h"
#include "ui_files.h"

/* How often the capture runner's periodic work runs (milliseconds). */
#define RUNNER_TICK_MS 10
/* How long a read on the event loop waits for another process's lock on
 * the job store before it fails (503 with Retry-After).  Readers of a WAL
 * database do not wait on writers; this bounds the rare exceptions
 * (another process holding the database in exclusive locking mode). */
#define STORE_LOOP_BUSY_MS 50
/* Ended captures whose JSON is kept ready (a few MB at most). */
#define CAPTURE_JSON_CACHE_ENTRIES 8192

/* Set by SIGINT and SIGTERM to end the event loop. */
static volatile int quit;

/* Asks the event loop to end. */
static void on_signal(int sig)
{
    (void)sig;
    quit = 1;
}

/* The daemon's stores: the event loop's connections (reads) and the store
 * thread's (writes), and the look-back history (NULL when off). */
static struct {
    struct job_store *reader;
    struct job_store *writer;
    struct token_store *tokens;
    struct pcapd_history *history;
} stores;

/* Tells whether `path` (before any query) is under /api/v2, the analysis
 * API; the rest is the jobs API's (which answers unknown routes). */
static bool is_analysis_path(h2o_iovec_t p)
{
    return p.len >= 7 && memcmp(p.base, "/api/v2", 7) == 0 &&
           (p.len == 7 || p.base[7] == '/' || p.base[7] == '?');
}

/* Builds the body of a refusal made before the handlers, in the envelope
 * of the path's API. */
static h2o_iovec_t refusal_body(h2o_req_t *req, int status, const char *why)
{
    return is_analysis_path(req->path) ? analysis_api_refusal_body(req, status, why)
                                       : api_refusal_body(req, status, why);
}

/* The server's handler: the dashboard's files under /ui, the metrics, the
 * analysis API, or the jobs API (which answers unknown routes).  A
 * request's reads (its token, its captures) share one read transaction:
 * one lock of the database instead of one a statement.  It ends before the
 * handler returns; work a request hands to threads reads without it. */
static int route_request(h2o_req_t *req)
{
    if (ui_files_path(req))
        return ui_files_handle(req);
    job_store_read_begin(stores.reader);
    int rc = metrics_api_path(req)                    ? metrics_api_handle(req)
             : is_analysis_path(req->path_normalized) ? analysis_api_handle(req)
                                                      : jobs_api_handle(req);
    job_store_read_end(stores.reader);
    return rc;
}

/* Counts a request the server is done with under its route's name. */
static void observe_request(h2o_req_t *req, double seconds)
{
    const char *route = ui_files_path(req)                       ? "ui"
                        : metrics_api_path(req)                  ? "metrics"
                        : is_analysis_path(req->path_normalized) ? analysis_api_route(req)
                                                                 : jobs_api_route(req);
    http_metrics_observe(route != NULL ? route : "unknown", req->res.status, seconds);
}

/* Prints usage to `out`. */
static void usage(FILE *out)
{
    fprintf(out, "usage: pcapd [-c CONFIG_FILE] [-s KEY=VALUE]...\n"
                 "       pcapd token create|list|revoke ... (pcapd token --help)\n"
                 "  -c, --config FILE   read settings from FILE (see config/pcapd.conf)\n"
                 "  -s, --set KEY=VALUE override one setting (repeatable, applied last)\n"
                 "  -h, --help          show this help\n");
}

/* Reads the configuration from the command line.  Exits on error. */
static void load_config(int argc, char **argv, struct config *cfg)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"set", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char err[1024];
    char *sets[64];
    int n_sets = 0, opt;
    config_defaults(cfg);
    while ((opt = getopt_long(argc, argv, "c:s:h", opts, NULL)) != -1) {
        if (opt == 'c' && config_load(cfg, optarg, err, sizeof(err)) != 0) {
            fprintf(stderr, "pcapd: %s\n", err);
            exit(2);
        } else if (opt == 's' && n_sets < 64) {
            sets[n_sets++] = optarg;
        } else if (opt == 'h') {
            usage(stdout);
            exit(0);
        } else if (opt != 'c') {
            usage(stderr);
            exit(2);
        }
    }
    for (int i = 0; i < n_sets; i++) {
        char *eq = strchr(sets[i], '=');
        if (eq == NULL) {
            fprintf(stderr, "pcapd: --set %s: expected KEY=VALUE\n", sets[i]);
            exit(2);
        }
        *eq = '\0';
        if (config_set(cfg, sets[i], eq + 1, err, sizeof(err)) != 0) {
            fprintf(stderr, "pcapd: --set: %s\n", err);
            exit(2);
        }
    }
    if (config_finish(cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd: configuration: %s\n", err);
        exit(2);
    }
}

/* Logs the capture engine's per-stage counters. */
static void log_stats(void)
{
    struct pcapd_dp_stats s;
    capture_engine_stats(&s);
    log_info("dataplane_stats",
             "rx_packets=%" PRIu64 " rx_missed=%" PRIu64 " rx_nombuf=%" PRIu64 " ring_full=%" PRIu64
             " writer_records=%" PRIu64 " writer_late=%" PRIu64 " history_sampled=%" PRIu64
             " history_ring_full=%" PRIu64,
             s.rx_packets, s.rx_missed, s.rx_nombuf, s.ring_full, s.writer_records, s.writer_late,
             s.history_sampled, s.history_ring_full);
    struct pcapd_kp_stats k;
    if (capture_engine_kernel_stats(&k))
        log_info("kernel_path_stats",
                 "packets=%" PRIu64 " written=%" PRIu64 " enobufs=%" PRIu64 " lost=%" PRIu64
                 " late=%" PRIu64 " unknown=%" PRIu64 " rule_transactions=%" PRIu64,
                 k.packets, k.packets_written, k.enobufs, k.packets_lost, k.packets_late,
                 k.packets_unknown, k.rule_transactions);
}

/* Claims the state directory and opens the stores.  Returns 0, or -1 with
 * `err`. */
static int open_state(const struct config *cfg, char *err, unsigned err_size)
{
    char path[600];
    if (state_dir_claim(cfg->state_dir, err, err_size) != 0)
        return -1;
    if (state_dir_tighten(cfg->state_dir) > 0)
        log_warn("state_dir_tightened", "dir=%s", log_q(cfg->state_dir));
    snprintf(path, sizeof(path), "%s/pcapd.db", cfg->state_dir);
    if (job_store_open(path, STORE_LOOP_BUSY_MS, &stores.reader, err, err_size) != 0 ||
        job_store_open(path, cfg->store_timeout_ms, &stores.writer, err, err_size) != 0 ||
        token_store_open_shared(job_store_connection(stores.reader), &stores.tokens, err,
                                err_size) != 0 ||
        ownership_store_init(job_store_connection(stores.writer)) != SQLITE_OK ||
        capture_files_init(cfg->state_dir, err, err_size) != 0)
        return -1;
    if (capture_recovery_run(stores.writer, cfg->full_snaplen) < 0) {
        snprintf(err, err_size, "cannot recover unfinished captures from the store");
        return -1;
    }
    if (capture_counts_load(stores.writer) != 0) {
        snprintf(err, err_size, "cannot count the captures of the store");
        return -1;
    }
    disk_guard_init(cfg->state_dir, (uint64_t)cfg->disk_reserve_mb << 20);
    return fleet_init(cfg, stores.reader, err, err_size);
}

/* Free space the history leaves beyond disk_reserve_mb before it evicts
 * its oldest segments, so that captures meet the reserve later than it:
 * an eighth of history_max_mb, from 4 to 128 MiB. */
static uint64_t history_headroom(const struct config *cfg)
{
    uint64_t h = ((uint64_t)cfg->history_max_mb << 20) / 8;
    return h < (4u << 20) ? 4u << 20 : h > (128u << 20) ? 128u << 20 : h;
}

/* Opens the look-back history in state_dir/history, checking (and
 * repairing) what a previous process left, unless history_sample_rate is
 * 0.  Returns 0, or -1 with `err`. */
static int open_history(const struct config *cfg, char *err, unsigned err_size)
{
    char dir[600];
    lookback_init(NULL);
    if (cfg->history_sample_rate == 0)
        return 0;
    snprintf(dir, sizeof(dir), "%s/history", cfg->state_dir);
    struct pcapd_history_config hc = {
        .dir = dir,
        .max_bytes = (uint64_t)cfg->history_max_mb << 20,
        .max_age_ns = config_history_seconds(cfg) * 1000000000ull,
        .segment_ns = (uint64_t)cfg->history_segment_seconds * 1000000000ull,
        .reserve_bytes = ((uint64_t)cfg->disk_reserve_mb << 20) + history_headroom(cfg),
        .sample_rate = cfg->history_sample_rate,
    };
    if (pcapd_history_open(&hc, &stores.history, err, err_size) != 0)
        return -1;
    struct pcapd_history_stats s;
    pcapd_history_stats(stores.history, &s);
    log_info("history_opened",
             "segments=%u packets=%" PRIu64 " bytes=%" PRIu64 " repaired=%u removed=%u", s.segments,
             s.packets, s.bytes, s.repaired, s.removed);
    lookback_init(stores.history);
    return 0;
}

/* The periodic work of the event loop. */
static void tick(void)
{
    capture_runner_tick();
    fleet_tick();
    retention_tick();
    appliance_stats_tick();
    dp_events_tick();
    telemetry_tick();
}

/* Starts the API and the work around it.  Returns 0, or -1 with `err`. */
static int start_api(const struct config *cfg, uint16_t *port, char *err, unsigned err_size)
{
    const unsigned lanes[OFFLOAD_LANES] = {[OFFLOAD_STORE] = 1,
                                           [OFFLOAD_FILES] = 2,
                                           [OFFLOAD_ANALYSIS] = 1,
                                           [OFFLOAD_HISTORY] = cfg->history_queries,
                                           [OFFLOAD_BUCKET] = 1};
    char db_path[600];
    snprintf(db_path, sizeof(db_path), "%s/pcapd.db", cfg->state_dir);
    if (capture_runner_init(cfg, stores.writer, err, err_size) != 0 ||
        bucket_delivery_start(cfg, db_path, err, err_size) != 0)
        return -1;
    ownership_api_init(job_store_connection(stores.reader), job_store_connection(stores.writer),
                       cfg);
    auth_throttle_init(cfg->auth_failure_limit, cfg->auth_failure_window);
    if (capture_json_cache_init(CAPTURE_JSON_CACHE_ENTRIES) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    jobs_api_init(stores.reader, stores.tokens, cfg);
    metrics_api_init(cfg->metrics, stores.tokens);
    appliance_stats_init(cfg->max_captures);
    if (telemetry_init(cfg->capture_path != CONFIG_CAPTURE_KERNEL, cfg->max_captures, err,
                       err_size) != 0)
        return -1;
    if (analysis_api_init(stores.reader, stores.tokens, cfg, err, err_size) != 0)
        return -1;
    /* h2o refuses bodies over the largest upload itself; below that, the
     * jobs API answers oversized bodies with its own 413 envelope. */
    size_t max_entity = (size_t)cfg->max_upload_mb << 20;
    if (max_entity < (size_t)cfg->max_body_size * 4)
        max_entity = (size_t)cfg->max_body_size * 4;
    struct http_server_options http = {
        .host = cfg->listen_host,
        .port = cfg->listen_port,
        .max_body = max_entity,
        .handler = route_request,
        .refusal = refusal_body,
        .observe = observe_request,
        .tls_certificate = cfg->tls_certificate[0] ? cfg->tls_certificate : NULL,
        .tls_key = cfg->tls_key[0] ? cfg->tls_key : NULL,
    };
    if (http_server_start(&http, port, err, err_size) != 0 ||
        offload_start(http_server_loop(), lanes, err, err_size) != 0)
        return -1;
    retention_init(cfg, stores.writer);
    return 0;
}

/* Keeps freed heap memory for reuse instead of returning it to the kernel
 * after each request: a request's allocations (a response, a statement's
 * temporary table) would otherwise grow and shrink the heap with two brk()
 * calls every time. */
static void tune_malloc(void)
{
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 1 << 20);
}

/* Raises the open-file limit to its hard maximum: every running capture
 * holds its file open, and max_captures may be in the thousands. */
static void raise_file_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            log_warn("file_limit", "error=%s", log_q(strerror(errno)));
    }
}

int main(int argc, char **argv)
{
    struct config cfg;
    char err[1024];
    uint16_t port;

    if (argc >= 2 && strcmp(argv[1], "token") == 0)
        return token_cli_main(argc - 1, argv + 1);
    load_config(argc, argv, &cfg);
    log_init(cfg.log_target, cfg.log_level);
    if (ui_files_init(cfg.ui_dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd: %s\n", err);
        return 2;
    }
    /* Everything pcapd creates is private to its user. */
    umask(077);
    raise_file_limit();
    tune_malloc();
    if (open_state(&cfg, err, sizeof(err)) != 0 || open_history(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd: %s\n", err);
        return 1;
    }
    if (capture_engine_start(&cfg, stores.history, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd: %s\n", err);
        return 1;
    }
    if (start_api(&cfg, &port, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd: %s\n", err);
        capture_runner_shutdown();
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    printf("pcapd: API listening on %s://%s:%u\n", cfg.tls_certificate[0] ? "https" : "http",
           cfg.listen_host, port);
    if (ui_files_enabled())
        printf("pcapd: dashboard at %s://%s:%u/ui/\n", cfg.tls_certificate[0] ? "https" : "http",
               cfg.listen_host, port);
    fflush(stdout);
    fleet_set_port(&cfg, port);
    log_info("started", "listen=%s:%u state_dir=%s", cfg.listen_host, port, log_q(cfg.state_dir));

    http_server_run(&quit, tick, RUNNER_TICK_MS);

    log_info("shutdown", NULL);
    fleet_shutdown();
    telemetry_stop();
    http_server_stop();
    log_stats();
    capture_runner_shutdown();
    pcapd_history_close(stores.history);
    bucket_delivery_stop();
    analysis_api_stop();
    offload_drain();
    offload_stop();
    token_store_close(stores.tokens);
    job_store_close(stores.writer);
    job_store_close(stores.reader);
    return 0;
}
