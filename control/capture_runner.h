/*
 * The capture runner: owns every capture that is under way, from the
 * moment its create is admitted until its end is recorded.  It starts the
 * capture's job on the capture engine, marks it running once the job is
 * published, ends it at its time limit, on request or when the disk runs
 * low, and finishes its file when the job reports its end.
 *
 * While a capture is under way the runner's copy of it is the truth, and
 * the API shows that copy; the job store receives each change through the
 * store thread, retried until it is written, so a slow or locked database
 * never holds up the event loop and no change is lost.  Everything here
 * runs on the event loop.
 */
#ifndef PCAPD_CAPTURE_RUNNER_H
#define PCAPD_CAPTURE_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "config.h"
#include "job_store.h"

/* How a create ended, for its answer. */
struct capture_outcome {
    /* 200 when the capture was stored and started, else the status of the
     * refusal. */
    int http_status;
    /* Seconds the client should wait before retrying (Retry-After), or 0. */
    unsigned retry_after;
    /* The refusal's code and message, when http_status is not 200. */
    struct capture_error err;
    /* The capture was stored (it exists, failed if http_status is not 200). */
    bool stored;
};

/* Receives the outcome of capture_runner_create(): `c` is the capture as
 * stored and started (meaningful when o->http_status is 200). */
typedef void (*capture_created_fn)(const struct capture *c, const struct capture_outcome *o,
                                   void *arg);

/* Prepares the runner: at most max_captures under way at once, changes
 * written through `store` (the store thread's connection).  Returns 0, or
 * -1 with `err`. */
int capture_runner_init(const struct config *cfg, struct job_store *store, char *err,
                        unsigned err_size);

/* Tells how many captures are under way. */
unsigned capture_runner_active(void);

/* Copies up to `max` captures under way into `out`, as the API shows them
 * (live counters).  Returns how many it copied. */
unsigned capture_runner_list(struct capture *out, unsigned max);

/* Tells whether `account` has a `full` capture under way. */
bool capture_runner_has_full(const char *account);

/* Creates the admitted capture `c`: stores it and opens its file off the
 * event loop, then starts its job; `done` gets the outcome on the event
 * loop.  Returns 0, or -1 when no slot or memory is left (nothing was
 * done; `done` is not called). */
int capture_runner_create(const struct capture *c, capture_created_fn done, void *arg);

/* Asks capture `id` to end now and records stop_requested.  Returns 0
 * with the capture's current state in `c` if it was under way, or 1 if it
 * is not (it has ended). */
int capture_runner_stop(const char *id, struct capture *c);

/* Receives the capture whose stop was recorded. */
typedef void (*capture_stopped_fn)(const struct capture *c, void *arg);

/* Records stop_requested on the ended capture `c` through the store
 * thread, then calls `done` on the event loop with the capture as stored
 * (unchanged if the store could not be written: stopping an ended capture
 * is harmless either way).  Returns 0, or -1 when out of memory (`done` is
 * not called). */
int capture_runner_note_stop(const struct capture *c, capture_stopped_fn done, void *arg);

/* Tells whether capture `id` is under way (its figures may change without
 * the store changing). */
bool capture_runner_is_under_way(const char *id);

/* Replaces `c` (as read from the store) by the runner's copy, with live
 * counters, when the capture is under way.  Returns true if it was. */
bool capture_runner_overlay(struct capture *c);

/* Ends captures whose time is up or whose disk ran low, promotes published
 * ones to running, finishes those that ended, and writes changes to the
 * store.  Called periodically by the event loop. */
void capture_runner_tick(void);

/* Stops the capture engine and records every capture still under way as
 * ended (blocking: for shut-down, after the API has stopped). */
void capture_runner_shutdown(void);

#endif /* PCAPD_CAPTURE_RUNNER_H */
