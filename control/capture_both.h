/*
 * capture_path = both: every job runs on the DPDK dataplane and on the
 * kernel path at once.  The DPDK half writes the capture's partial file;
 * the kernel half writes a file of its own, opened off the event loop;
 * when both halves have ended (a limit reached by one ends the other) the
 * two files are merged by time on the files lane, cut at the job's limits
 * keeping the earliest packets, and the job is reported ended once.
 *
 * The calls have the meaning of the dataplane's (include/pcapd/dataplane.h)
 * and are made on the event loop's thread.
 */
#ifndef PCAPD_CAPTURE_BOTH_H
#define PCAPD_CAPTURE_BOTH_H

#include "pcapd/capture_job.h"

/* Makes room for `max_jobs` jobs.  Returns 0 or -1 (out of memory). */
int capture_both_init(unsigned max_jobs);

/* Starts both halves of a job; `spec->name` must be the capture id. */
int capture_both_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle);

/* Asks both halves to end. */
void capture_both_job_stop(pcapd_job_handle handle);

/* Reads the counters of both halves, summed; published once both are. */
int capture_both_job_stats(pcapd_job_handle handle, struct pcapd_job_stats *stats);

/* Collects the halves' ends, merges the files of jobs whose halves have
 * both ended, and reports up to `max` merged jobs. */
unsigned capture_both_poll_ended(struct pcapd_job_ended *ended, unsigned max);

/* Stops both paths and reports every job still running through
 * `on_ended`, its files merged here (shut-down may block). */
void capture_both_stop(void (*on_ended)(const struct pcapd_job_ended *, void *), void *arg);

#endif /* PCAPD_CAPTURE_BOTH_H */
