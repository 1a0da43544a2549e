/*
 * pcapd-kp-driver: drives the kernel path (include/pcapd/kernel_path.h)
 * through commands on standard input, one per line, answering each with
 * one line.  The kernel tests (test_kernel_path.py) and the benchmark
 * (tools/bench-kernel-path) run it inside a network namespace.
 *
 *   start NAME FILE SAMPLE SNAPLEN PACKET_LIMIT BYTE_LIMIT [FIELD=VALUE...]
 *         FIELD: src, dst (prefixes), sport, dport, proto
 *                      -> "started NAME" | "error NAME ERRNO"
 *   published NAME     -> "published NAME" once its rules are in, or its end
 *   stop NAME          -> "stopping NAME"
 *   stats NAME         -> "stats NAME matched M written W bytes B dropped D"
 *   ended NAME         -> waits: "ended NAME REASON ERRNO matched M written W
 *                          bytes B dropped D"
 *   path               -> "path packets P written W enobufs E lost L late T
 *                          unknown U transactions X last_ns N jobs J"
 *   quit               -> stops the path: "ended ..." for each job still
 *                          running, then "bye"
 *
 * Options: --hooks prerouting,output,ingress  --ingress IFACE (repeatable)
 *          --group-base N  --max-jobs N  --socket-buffer BYTES
 *          --queue-threshold N
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcapd/kernel_path.h"

/* Most jobs the driver tracks. */
#define DRIVER_MAX_JOBS 1024

/* A job the driver started. */
struct driver_job {
    char name[PCAPD_JOB_NAME_MAX + 1];
    pcapd_job_handle handle;
    bool ended;
    struct pcapd_job_ended end;
};

static struct driver_job jobs[DRIVER_MAX_JOBS];
static unsigned n_jobs;

/* Names of enum pcapd_job_end. */
static const char *reason_name(enum pcapd_job_end r)
{
    static const char *names[] = {"packet_limit", "byte_limit", "stopped", "write_error",
                                  "path_error"};
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* Records an ended job. */
static void on_ended(const struct pcapd_job_ended *e, void *arg)
{
    (void)arg;
    struct driver_job *j = &jobs[e->cookie];
    j->ended = true;
    j->end = *e;
    close(e->fd);
}

/* Collects the ends the path reports. */
static void poll_ends(void)
{
    struct pcapd_job_ended e[32];
    unsigned n;
    while ((n = pcapd_kp_poll_ended(e, 32)) > 0) {
        for (unsigned i = 0; i < n; i++)
            on_ended(&e[i], NULL);
    }
}

/* Sleeps a millisecond. */
static void nap(void)
{
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

/* Returns the job named `name`, or NULL. */
static struct driver_job *find(const char *name)
{
    for (unsigned i = n_jobs; i-- > 0;) {
        if (strcmp(jobs[i].name, name) == 0)
            return &jobs[i];
    }
    return NULL;
}

/* Prints the end of `j`. */
static void print_end(const struct driver_job *j)
{
    const struct pcapd_job_stats *s = &j->end.stats;
    printf("ended %s %s %d matched %llu written %llu bytes %llu dropped %llu\n", j->name,
           reason_name(j->end.reason), j->end.error, (unsigned long long)s->packets_matched,
           (unsigned long long)s->packets_written, (unsigned long long)s->bytes_written,
           (unsigned long long)s->packets_dropped);
}

/* Parses FIELD=VALUE into filter `f`.  Returns 0 or -1. */
static int parse_field(const char *arg, struct pcapd_filter *f)
{
    const char *v = strchr(arg, '=');
    if (v == NULL)
        return -1;
    v++;
    if (strncmp(arg, "src=", 4) == 0) {
        f->fields |= PCAPD_FILTER_SRC_ADDR;
        return pcapd_prefix_parse(v, &f->src);
    }
    if (strncmp(arg, "dst=", 4) == 0) {
        f->fields |= PCAPD_FILTER_DST_ADDR;
        return pcapd_prefix_parse(v, &f->dst);
    }
    unsigned long n = strtoul(v, NULL, 10);
    if (strncmp(arg, "sport=", 6) == 0) {
        f->fields |= PCAPD_FILTER_SRC_PORT;
        f->src_port = (uint16_t)n;
    } else if (strncmp(arg, "dport=", 6) == 0) {
        f->fields |= PCAPD_FILTER_DST_PORT;
        f->dst_port = (uint16_t)n;
    } else if (strncmp(arg, "proto=", 6) == 0) {
        f->fields |= PCAPD_FILTER_PROTOCOL;
        f->protocol = (uint8_t)n;
    } else {
        return -1;
    }
    return 0;
}

/* `start NAME FILE SAMPLE SNAPLEN PACKET_LIMIT BYTE_LIMIT [FIELD=VALUE...]` */
static void cmd_start(char **argv, int argc)
{
    if (argc < 7 || n_jobs == DRIVER_MAX_JOBS) {
        printf("error usage %d\n", EINVAL);
        return;
    }
    struct pcapd_job_spec spec = {.sample_rate = (uint32_t)strtoul(argv[3], NULL, 10),
                                  .snaplen = (uint32_t)strtoul(argv[4], NULL, 10),
                                  .packet_limit = (uint32_t)strtoul(argv[5], NULL, 10),
                                  .byte_limit = strtoull(argv[6], NULL, 10),
                                  .cookie = n_jobs};
    snprintf(spec.name, sizeof(spec.name), "%s", argv[1]);
    for (int i = 7; i < argc; i++) {
        if (parse_field(argv[i], &spec.filter) != 0) {
            printf("error %s %d\n", argv[1], EINVAL);
            return;
        }
    }
    spec.fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    struct driver_job *j = &jobs[n_jobs];
    int rc = spec.fd < 0 ? -errno : pcapd_kp_job_start(&spec, &j->handle);
    if (rc != 0) {
        if (spec.fd >= 0)
            close(spec.fd);
        printf("error %s %d\n", argv[1], -rc);
        return;
    }
    snprintf(j->name, sizeof(j->name), "%s", argv[1]);
    j->ended = false;
    n_jobs++;
    printf("started %s\n", j->name);
}

/* Runs one command line. */
static bool run_command(char *line)
{
    char *argv[64];
    int argc = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\n", &save); t != NULL && argc < 64;
         t = strtok_r(NULL, " \t\n", &save))
        argv[argc++] = t;
    if (argc == 0)
        return true;
    if (strcmp(argv[0], "quit") == 0)
        return false;
    if (strcmp(argv[0], "start") == 0) {
        cmd_start(argv, argc);
        return true;
    }
    if (strcmp(argv[0], "path") == 0) {
        struct pcapd_kp_stats s;
        pcapd_kp_stats_read(&s);
        printf("path packets %llu written %llu enobufs %llu lost %llu late %llu unknown %llu "
               "transactions %llu last_ns %llu jobs %u\n",
               (unsigned long long)s.packets, (unsigned long long)s.packets_written,
               (unsigned long long)s.enobufs, (unsigned long long)s.packets_lost,
               (unsigned long long)s.packets_late, (unsigned long long)s.packets_unknown,
               (unsigned long long)s.rule_transactions, (unsigned long long)s.rule_transaction_ns,
               s.jobs);
        return true;
    }
    struct driver_job *j = argc > 1 ? find(argv[1]) : NULL;
    if (j == NULL) {
        printf("error %s %d\n", argc > 1 ? argv[1] : "-", ENOENT);
        return true;
    }
    struct pcapd_job_stats s;
    if (strcmp(argv[0], "published") == 0) {
        for (;;) {
            poll_ends();
            if (j->ended) {
                print_end(j);
                break;
            }
            if (pcapd_kp_job_stats(j->handle, &s) == 0 && s.published) {
                printf("published %s\n", j->name);
                break;
            }
            nap();
        }
    } else if (strcmp(argv[0], "stop") == 0) {
        pcapd_kp_job_stop(j->handle);
        printf("stopping %s\n", j->name);
    } else if (strcmp(argv[0], "stats") == 0) {
        poll_ends();
        if (j->ended)
            s = j->end.stats;
        else
            pcapd_kp_job_stats(j->handle, &s);
        printf("stats %s matched %llu written %llu bytes %llu dropped %llu\n", j->name,
               (unsigned long long)s.packets_matched, (unsigned long long)s.packets_written,
               (unsigned long long)s.bytes_written, (unsigned long long)s.packets_dropped);
    } else if (strcmp(argv[0], "ended") == 0) {
        while (poll_ends(), !j->ended)
            nap();
        print_end(j);
    } else {
        printf("error %s %d\n", argv[0], EINVAL);
    }
    return true;
}

/* Fills `cfg` from the options.  Returns 0 or -1. */
static int parse_options(int argc, char **argv, struct pcapd_kp_config *cfg)
{
    static const struct option opts[] = {{"hooks", required_argument, NULL, 'h'},
                                         {"ingress", required_argument, NULL, 'i'},
                                         {"group-base", required_argument, NULL, 'g'},
                                         {"max-jobs", required_argument, NULL, 'm'},
                                         {"socket-buffer", required_argument, NULL, 's'},
                                         {"queue-threshold", required_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'h') {
            cfg->hooks = (strstr(optarg, "prerouting") ? PCAPD_KP_HOOK_PREROUTING : 0) |
                         (strstr(optarg, "output") ? PCAPD_KP_HOOK_OUTPUT : 0) |
                         (strstr(optarg, "ingress") ? PCAPD_KP_HOOK_INGRESS : 0);
        } else if (c == 'i' && cfg->n_ingress < PCAPD_KP_MAX_INGRESS) {
            snprintf(cfg->ingress[cfg->n_ingress++], PCAPD_KP_IFNAME_SIZE, "%s", optarg);
        } else if (c == 'g') {
            cfg->nflog_group_base = (uint32_t)strtoul(optarg, NULL, 0);
        } else if (c == 'm') {
            cfg->max_jobs = (unsigned)strtoul(optarg, NULL, 0);
        } else if (c == 's') {
            cfg->socket_buffer_size = (uint32_t)strtoul(optarg, NULL, 0);
        } else if (c == 'q') {
            cfg->queue_threshold = (uint32_t)strtoul(optarg, NULL, 0);
        } else {
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct pcapd_kp_config cfg = {0};
    if (parse_options(argc, argv, &cfg) != 0) {
        fprintf(stderr,
                "usage: %s [--hooks H,...] [--ingress IF]... [--group-base N] "
                "[--max-jobs N] [--socket-buffer B] [--queue-threshold N]\n",
                argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    char err[512];
    int rc = pcapd_kp_start(&cfg, err, sizeof(err));
    if (rc != 0) {
        printf("unavailable %d %s\n", -rc, err);
        return 3;
    }
    printf("ready\n");
    char line[4096];
    while (fgets(line, sizeof(line), stdin) != NULL && run_command(line)) {
    }
    pcapd_kp_stop(on_ended, NULL);
    for (unsigned i = 0; i < n_jobs; i++) {
        if (jobs[i].ended)
            print_end(&jobs[i]);
    }
    printf("bye\n");
    return 0;
}
