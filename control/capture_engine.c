/*
 * The capture engine on the DPDK dataplane: the dataplane's configuration
 * made from pcapd's (EAL arguments, sizes, lcore layout), and the job calls
 * passed through.
 */
#include "capture_engine.h"

#include <stdio.h>

int capture_engine_start(const struct config *cfg, char *err, unsigned err_size)
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
    };
    config_dp_layout(cfg, &dpc);
    char dp_err[512];
    if (pcapd_dp_start(&dpc, dp_err, sizeof(dp_err)) != 0) {
        snprintf(err, err_size, "dataplane: %s", dp_err);
        return -1;
    }
    return 0;
}

void capture_engine_stop(void (*on_ended)(const struct pcapd_job_ended *, void *), void *arg)
{
    pcapd_dp_stop(on_ended, arg);
}

int capture_engine_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle)
{
    return pcapd_dp_job_start(spec, handle);
}

void capture_engine_job_stop(pcapd_job_handle handle)
{
    pcapd_dp_job_stop(handle);
}

int capture_engine_job_stats(pcapd_job_handle handle, struct pcapd_job_stats *stats)
{
    return pcapd_dp_job_stats(handle, stats);
}

unsigned capture_engine_poll_ended(struct pcapd_job_ended *ended, unsigned max)
{
    return pcapd_dp_poll_ended(ended, max);
}

void capture_engine_stats(struct pcapd_dp_stats *stats)
{
    pcapd_dp_stats_read(stats);
}
