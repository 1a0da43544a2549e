/*
 * The capture engine: the one interface through which the control plane
 * runs capture jobs, whichever path captures the packets: the DPDK
 * dataplane (include/pcapd/dataplane.h), the kernel path
 * (include/pcapd/kernel_path.h), or both (capture_both.h), as
 * `capture_path` says.  The calls, their arguments and their meaning are
 * the dataplane's, so the capture runner does not know which path runs.
 *
 * Every call is made on the event loop's thread and returns without
 * waiting on slow work.
 */
#ifndef PCAPD_CAPTURE_ENGINE_H
#define PCAPD_CAPTURE_ENGINE_H

#include <stdbool.h>

#include "config.h"
#include "pcapd/dataplane.h"
#include "pcapd/kernel_path.h"

/* Starts the capture path(s) `cfg` configures.  Returns 0, or -1 with a
 * message in `err` (the daemon cannot run). */
int capture_engine_start(const struct config *cfg, char *err, unsigned err_size);

/* Stops capturing; jobs still running are ended and reported to
 * `on_ended` before this returns. */
void capture_engine_stop(void (*on_ended)(const struct pcapd_job_ended *, void *), void *arg);

/* Starts a job (see pcapd_dp_job_start()). */
int capture_engine_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle);

/* Asks a job to end (see pcapd_dp_job_stop()). */
void capture_engine_job_stop(pcapd_job_handle handle);

/* Reads a running job's counters (see pcapd_dp_job_stats()). */
int capture_engine_job_stats(pcapd_job_handle handle, struct pcapd_job_stats *stats);

/* Does deferred work and reports ended jobs (see pcapd_dp_poll_ended()). */
unsigned capture_engine_poll_ended(struct pcapd_job_ended *ended, unsigned max);

/* Reads the per-stage counters of the DPDK dataplane (zero without it). */
void capture_engine_stats(struct pcapd_dp_stats *stats);

/* Reads the kernel path's counters; false when it does not run. */
bool capture_engine_kernel_stats(struct pcapd_kp_stats *stats);

/* Reads the counters of up to `max` ports, rx lcores or writers of the
 * DPDK dataplane (see pcapd_dp_ports_read() and the others).  Each returns
 * how many it read: none without the dataplane (capture_path = kernel). */
unsigned capture_engine_ports(struct pcapd_dp_port_stats *ports, unsigned max);
unsigned capture_engine_rx(struct pcapd_dp_rx_stats *rx, unsigned max);
unsigned capture_engine_writers(struct pcapd_dp_writer_stats *writers, unsigned max);

#endif /* PCAPD_CAPTURE_ENGINE_H */
