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
#include <stdint.h>

/* A packets/fields query the worker answers into a cache file of its own. */
struct analysis_query {
    char fields[2048]; /* Comma-separated field names. */
    char filter[4096]; /* Display filter, or empty for every frame. */
    uint64_t offset;   /* Matching frames to skip. */
    uint64_t limit;    /* Most frames to return. */
};

/* Starts the thread.  Returns 0, or -1 with errno. */
int analysis_worker_start(void);

/* Stops the thread once the analysis under way, if any, is done. */
void analysis_worker_stop(void);

/* Queues the analysis of `pcap_path` into `cache_path`, unless it is queued
 * or running already.  Returns 0, or -1 when the queue is full. */
int analysis_worker_submit(const char *pcap_path, const char *cache_path);

/* Queues a packets/fields query on `pcap_path` whose answer goes to
 * `cache_path` (the data object, or CACHE.error), unless that cache is
 * queued or running already.  Returns 0, or -1 when the queue is full. */
int analysis_worker_submit_query(const char *pcap_path, const char *cache_path,
                                 const struct analysis_query *q);

/* Answers query q on `pcap_path` into `cache_path` on the calling thread.
 * Returns 0, or -1 after writing CACHE.error. */
int analysis_worker_run_query(const char *pcap_path, const char *cache_path,
                              const struct analysis_query *q);

/* Tells whether the analysis into `cache_path` is queued or running. */
bool analysis_worker_busy(const char *cache_path);

/* Runs the analysis of `pcap_path` into `cache_path` on the calling thread,
 * writing CACHE.error with the reason when it fails.  Returns 0 or -1. */
int analysis_worker_run(const char *pcap_path, const char *cache_path);

#endif /* PCAPD_ANALYSIS_WORKER_H */
