/*
 * pcapd's entry point.  `pcapd token ...` administers API tokens
 * (token_cli.c).  Otherwise pcapd is the daemon: it reads the
 * configuration, opens the job and token stores, starts the DPDK dataplane
 * (rx and writer lcores), then serves the REST API on the main lcore until
 * SIGINT or SIGTERM, and shuts down in order: API, dataplane (ending and
 * recording running captures), stores.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis_api.h"
#include "capture_runner.h"
#include "config.h"
#include "http_server.h"
#include "job_store.h"
#include "jobs_api.h"
#include "log.h"
#include "pcapd/dataplane.h"
#include "state_dir.h"
#include "token_cli.h"
#include "token_store.h"

/* How often the capture runner's periodic work runs (milliseconds). */
#define RUNNER_TICK_MS 10

/* Set by SIGINT and SIGTERM to end the event loop. */
static volatile int quit;

/* Asks the event loop to end. */
static void on_signal(int sig)
{
    (void)sig;
    quit = 1;
}

/* The server's handler: /api/v2 is the analysis API, the rest the jobs
 * API (which answers unknown routes). */
static int route_request(h2o_req_t *req)
{
    h2o_iovec_t p = req->path_normalized;
    if (p.len >= 7 && memcmp(p.base, "/api/v2", 7) == 0 && (p.len == 7 || p.base[7] == '/'))
        return analysis_api_handle(req);
    return jobs_api_handle(req);
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

/* Starts the dataplane as configured.  Exits on error. */
static void start_dataplane(const struct config *cfg)
{
    static char *eal_argv[CONFIG_MAX_EAL_ARGS];
    static char eal_storage[8192];
    char err[512];
    int eal_argc = config_eal_argv(cfg, eal_argv, eal_storage, sizeof(eal_storage));
    if (eal_argc < 0) {
        fprintf(stderr, "pcapd: too many EAL arguments\n");
        exit(2);
    }
    struct pcapd_dp_config dpc = {
        .eal_argc = eal_argc,
        .eal_argv = eal_argv,
        .n_mbufs = cfg->n_mbufs,
        .rx_desc = cfg->rx_desc,
        .ring_size = cfg->ring_size,
        .full_ring_size = cfg->n_mbufs / 4,
        .max_jobs = cfg->max_jobs,
        .write_buffer_size = cfg->write_buffer_size,
    };
    config_dp_layout(cfg, &dpc);
    if (pcapd_dp_start(&dpc, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd: dataplane: %s\n", err);
        exit(1);
    }
}

/* Logs the dataplane's per-stage counters. */
static void log_stats(void)
{
    struct pcapd_dp_stats s;
    pcapd_dp_stats_read(&s);
    log_info("dataplane_stats",
             "rx_packets=%" PRIu64 " rx_missed=%" PRIu64 " rx_nombuf=%" PRIu64 " ring_full=%" PRIu64
             " writer_records=%" PRIu64 " writer_late=%" PRIu64,
             s.rx_packets, s.rx_missed, s.rx_nombuf, s.ring_full, s.writer_records, s.writer_late);
}

int main(int argc, char **argv)
{
    struct config cfg;
    struct job_store *store = NULL;
    struct token_store *tokens = NULL;
    char err[1024], path[600];
    uint16_t port;

    if (argc >= 2 && strcmp(argv[1], "token") == 0)
        return token_cli_main(argc - 1, argv + 1);
    load_config(argc, argv, &cfg);
    log_init(cfg.log_target, cfg.log_level);
    /* Everything pcapd creates is private to its user. */
    umask(077);
    if (state_dir_claim(cfg.state_dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd: %s\n", err);
        return 1;
    }
    if (state_dir_tighten(cfg.state_dir) > 0)
        log_warn("state_dir_tightened", "dir=%s", log_q(cfg.state_dir));
    snprintf(path, sizeof(path), "%s/pcapd.db", cfg.state_dir);
    if (job_store_open(path, &store, err, sizeof(err)) != 0 ||
        token_store_open(path, &tokens, err, sizeof(err)) != 0 ||
        capture_runner_init(store, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd: %s\n", err);
        return 1;
    }
    start_dataplane(&cfg);
    jobs_api_init(store, tokens, &cfg);
    if (analysis_api_init(store, tokens, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd: %s\n", err);
        capture_runner_shutdown();
        return 1;
    }
    /* h2o refuses bodies over the largest upload itself; below that, the
     * jobs API answers oversized bodies with its own 413 envelope. */
    size_t max_entity = (size_t)cfg.max_upload_mb << 20;
    if (max_entity < (size_t)cfg.max_body_size * 4)
        max_entity = (size_t)cfg.max_body_size * 4;
    if (http_server_start(cfg.listen_host, cfg.listen_port, max_entity, route_request, &port, err,
                          sizeof(err)) != 0) {
        fprintf(stderr, "pcapd: %s\n", err);
        capture_runner_shutdown();
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    printf("pcapd: API listening on http://%s:%u\n", cfg.listen_host, port);
    fflush(stdout);

    http_server_run(&quit, capture_runner_tick, RUNNER_TICK_MS);

    log_info("shutdown", NULL);
    http_server_stop();
    analysis_api_stop();
    log_stats();
    capture_runner_shutdown();
    token_store_close(tokens);
    job_store_close(store);
    return 0;
}
