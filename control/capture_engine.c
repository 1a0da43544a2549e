/*
 * The capture engine: the configured capture path(s) behind one interface.
 * `dpdk`: the DPDK dataplane, its configuration made from pcapd's (EAL
 * arguments, sizes, lcore layout).  `kernel`: the kernel path (nftables
 * and NFLOG), without EAL, hugepages or ports.  `both`: each job on both,
 * merged (capture_both.c).
 */
#include "capture_engine.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "capture_both.h"
#include "log.h"
#include "pcapd/kernel_path.h"

/* The path(s) in use, set by capture_engine_start(). */
static enum config_capture_path engine_path;

/* Logs a line of DPDK's (EAL, drivers, libraries) as event `dpdk`, at its
 * priority's level, rate-limited: a driver may log at the packet rate. */
static void log_dpdk(int priority, const char *line)
{
    static struct log_rate_limit dpdk_rl = LOG_RATE_LIMIT_INIT(120, 60);
    enum log_level level = priority <= LOG_ERR       ? LOG_LEVEL_ERROR
                           : priority == LOG_WARNING ? LOG_LEVEL_WARN
                           : priority <= LOG_INFO    ? LOG_LEVEL_INFO
                                                     : LOG_LEVEL_DEBUG;
    log_event_rl(&dpdk_rl, level, "dpdk", "msg=%s", log_q(line));
}

/* Starts the DPDK dataplane.  Returns 0, or -1 with `err`. */
static int start_dpdk(const struct config *cfg, char *err, unsigned err_size)
{
    static char *eal_argv[CONFIG_MAX_EAL_ARGS];
    static char eal_storage[8192];
    int eal_argc = config_eal_argv(cfg, eal_argv, eal_storage, sizeof(eal_storage));
    if (eal_argc < 0) {
        snprintf(err, err_size, "too many EAL arguments");
        return -1;
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
        /* Its --file-prefix is pcapd-PID (config_eal_argv()). */
        .own_runtime_dir = true,
        .log = log_dpdk,
    };
    config_dp_layout(cfg, &dpc);
    char dp_err[512];
    if (pcapd_dp_start(&dpc, dp_err, sizeof(dp_err)) != 0) {
        snprintf(err, err_size, "dataplane: %s", dp_err);
        return -1;
    }
    return 0;
}

/* Starts the kernel path.  Returns 0, or -1 with `err`. */
static int start_kernel(const struct config *cfg, char *err, unsigned err_size)
{
    struct pcapd_kp_config kpc;
    config_kp(cfg, &kpc);
    char kp_err[512];
    if (pcapd_kp_start(&kpc, kp_err, sizeof(kp_err)) != 0) {
        snprintf(err, err_size, "%s", kp_err);
        return -1;
    }
    return 0;
}

int capture_engine_start(const struct config *cfg, char *err, unsigned err_size)
{
    engine_path = cfg->capture_path;
    err[0] = '\0';
    if (engine_path == CONFIG_CAPTURE_KERNEL)
        return start_kernel(cfg, err, err_size);
    if (start_dpdk(cfg, err, err_size) != 0)
        return -1;
    if (engine_path == CONFIG_CAPTURE_DPDK)
        return 0;
    if (capture_both_init(cfg->max_captures) != 0 || start_kernel(cfg, err, err_size) != 0) {
        if (err[0] == '\0')
            snprintf(err, err_size, "out of memory");
        pcapd_dp_stop(NULL, NULL);
        return -1;
    }
    return 0;
}

void capture_engine_stop(void (*on_ended)(const struct pcapd_job_ended *, void *), void *arg)
{
    if (engine_path == CONFIG_CAPTURE_KERNEL)
        pcapd_kp_stop(on_ended, arg);
    else if (engine_path == CONFIG_CAPTURE_BOTH)
        capture_both_stop(on_ended, arg);
    else
        pcapd_dp_stop(on_ended, arg);
}

int capture_engine_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle)
{
    if (engine_path == CONFIG_CAPTURE_KERNEL)
        return pcapd_kp_job_start(spec, handle);
    if (engine_path == CONFIG_CAPTURE_BOTH)
        return capture_both_job_start(spec, handle);
    return pcapd_dp_job_start(spec, handle);
}

void capture_engine_job_stop(pcapd_job_handle handle)
{
    if (engine_path == CONFIG_CAPTURE_KERNEL)
        pcapd_kp_job_stop(handle);
    else if (engine_path == CONFIG_CAPTURE_BOTH)
        capture_both_job_stop(handle);
    else
        pcapd_dp_job_stop(handle);
}

int capture_engine_job_stats(pcapd_job_handle handle, struct pcapd_job_stats *stats)
{
    if (engine_path == CONFIG_CAPTURE_KERNEL)
        return pcapd_kp_job_stats(handle, stats);
    if (engine_path == CONFIG_CAPTURE_BOTH)
        return capture_both_job_stats(handle, stats);
    return pcapd_dp_job_stats(handle, stats);
}

unsigned capture_engine_poll_ended(struct pcapd_job_ended *ended, unsigned max)
{
    if (engine_path == CONFIG_CAPTURE_KERNEL)
        return pcapd_kp_poll_ended(ended, max);
    if (engine_path == CONFIG_CAPTURE_BOTH)
        return capture_both_poll_ended(ended, max);
    return pcapd_dp_poll_ended(ended, max);
}

void capture_engine_stats(struct pcapd_dp_stats *stats)
{
    memset(stats, 0, sizeof(*stats));
    if (engine_path != CONFIG_CAPTURE_KERNEL)
        pcapd_dp_stats_read(stats);
}

bool capture_engine_kernel_stats(struct pcapd_kp_stats *stats)
{
    if (engine_path == CONFIG_CAPTURE_DPDK)
        return false;
    pcapd_kp_stats_read(stats);
    return true;
}

unsigned capture_engine_ports(struct pcapd_dp_port_stats *ports, unsigned max)
{
    return engine_path == CONFIG_CAPTURE_KERNEL ? 0 : pcapd_dp_ports_read(ports, max);
}

unsigned capture_engine_rx(struct pcapd_dp_rx_stats *rx, unsigned max)
{
    return engine_path == CONFIG_CAPTURE_KERNEL ? 0 : pcapd_dp_rx_read(rx, max);
}

unsigned capture_engine_writers(struct pcapd_dp_writer_stats *writers, unsigned max)
{
    return engine_path == CONFIG_CAPTURE_KERNEL ? 0 : pcapd_dp_writers_read(writers, max);
}
