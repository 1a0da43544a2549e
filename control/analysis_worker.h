/*
 * The analysis worker: one background thread that runs the capture
 * analysis engine and writes each capture's results cache, so that
 * analysing a large capture never blocks the event loop.  The event loop
 * submits work and learns the outcome from the cache files themselves:
 * CACHE exists once the results are complete (written through a rename),
 * CACHE.error holds the reason when the capture cannot be analysed.
 */
#ifndef PCAPD_ANALYSIS_WORKER_H
#define PCAPD_ANALYSIS_WORKER_H

#include <stdbool.h>

/* Starts the thread.  Returns 0, or -1 with errno. */
int analysis_worker_start(void);

/* Stops the thread once the analysis under way, if any, is done. */
void analysis_worker_stop(void);

/* Queues the analysis of `pcap_path` into `cache_path`, unless it is queued
 * or running already.  Returns 0, or -1 when the queue is full. */
int analysis_worker_submit(const char *pcap_path, const char *cache_path);

/* Tells whether the analysis into `cache_path` is queued or running. */
bool analysis_worker_busy(const char *cache_path);

/* Runs the analysis of `pcap_path` into `cache_path` on the calling thread,
 * writing CACHE.error with the reason when it fails.  Returns 0 or -1. */
int analysis_worker_run(const char *pcap_path, const char *cache_path);

#endif /* PCAPD_ANALYSIS_WORKER_H */
