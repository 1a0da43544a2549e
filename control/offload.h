/*
 * Blocking work off the event loop.  Lanes of worker threads run tasks
 * that may wait on the disk or the database, and each task's completion
 * runs afterwards on the event loop's thread (through h2o's multithread
 * queue), where it may touch the loop's state and answer requests.  This is
 * h2o's rule: one event loop that never blocks, slow work on threads,
 * results handed back.
 *
 * A lane with one thread runs its tasks in the order they were submitted.
 */
#ifndef PCAPD_OFFLOAD_H
#define PCAPD_OFFLOAD_H

#include <stdbool.h>

#include "h2o.h"

/* The lanes, each with its own threads, so that a long task on one never
 * holds up another's. */
enum offload_lane {
    /* The job store's writes: one thread, in submission order. */
    OFFLOAD_STORE,
    /* File system work: syncing and renaming finished captures, writing
     * uploads, removing files, reading free space. */
    OFFLOAD_FILES,
    /* Analyses of captures: CPU-bound work of up to minutes. */
    OFFLOAD_ANALYSIS,
    /* Look-back queries of the history (lookback.c): reading segments,
     * as many at once as the lane has threads (history_queries). */
    OFFLOAD_HISTORY,
    /* Short requests to customers' buckets (ownership challenges): they
     * wait on the network, up to the store's timeouts. */
    OFFLOAD_BUCKET,
    /* The fleet store's API requests (fleet_api.c): one thread and its
     * own PostgreSQL connection; no thread when the store is SQLite. */
    OFFLOAD_FLEET,
    /* The fleet's synchronisation (fleet.c): heartbeat, claims, counters,
     * parts, and the wait for NOTIFY; one thread, its own connection. */
    OFFLOAD_FLEET_SYNC,
    /* How many lanes there are. */
    OFFLOAD_LANES
};

/* Returns the name of `lane` ("store", "files", ...), as metrics label it. */
const char *offload_lane_name(enum offload_lane lane);

/* A task's work (on a worker thread) or completion (on the event loop). */
typedef void (*offload_fn)(void *arg);

/* Starts `threads[lane]` threads for each lane; completions run on `loop`.
 * Returns 0, or -1 with `err`. */
int offload_start(h2o_loop_t *loop, const unsigned threads[OFFLOAD_LANES], char *err,
                  unsigned err_size);

/* Runs work(arg) on a thread of `lane`, then, if `done` is not NULL,
 * done(arg) on the event loop.  Called on the event loop's thread.
 * Returns 0, or -1 when out of memory (nothing runs). */
int offload_submit(enum offload_lane lane, offload_fn work, offload_fn done, void *arg);

/* Tells how many tasks of `lane` are queued or running, completions not
 * yet run included. */
unsigned offload_pending(enum offload_lane lane);

/* Runs the event loop until every task submitted so far has completed.
 * For shut-down, after the HTTP listener has closed. */
void offload_drain(void);

/* Stops the threads once their queues are empty.  Call after
 * offload_drain(). */
void offload_stop(void);

#endif /* PCAPD_OFFLOAD_H */
