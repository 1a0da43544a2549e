/*
 * The capture runner: carries stored captures out on the dataplane.  It
 * opens each capture's file, starts the dataplane job, ends it at its time
 * limit or on request, and when the dataplane reports the end, syncs the
 * file, renames it to its final name and records the outcome in the store.
 */
#ifndef PCAPD_CAPTURE_RUNNER_H
#define PCAPD_CAPTURE_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "config.h"
#include "job_store.h"

/* Prepares the runner from the configuration: `state_dir`/pcaps holds the
 * files, at most max_captures run at once.  Captures a previous process
 * left unfinished are marked failed, and their partial files, cut back to
 * their last whole record, kept under the final name.  Captures older than
 * the retention period are deleted now and periodically.  Returns 0, or -1
 * with `err`. */
int capture_runner_init(struct job_store *store, const struct config *cfg, char *err,
                        unsigned err_size);

/* Tells how many captures are running now. */
unsigned capture_runner_active(void);

/* Tells whether the file system of the capture files has less free space
 * than disk_reserve_mb; `free_bytes` receives what it has (UINT64_MAX if it
 * cannot be read). */
bool capture_runner_disk_low(uint64_t *free_bytes);

/* Starts the stored pending capture `c` and marks it running (in `c` and in
 * the store).  Returns 0, or -1 with `err` filled (the capture is then
 * marked failed). */
int capture_runner_start(struct capture *c, struct capture_error *err);

/* Asks the running capture `c` to end now, recording stop_requested.  Safe
 * to repeat; does nothing to an ended capture but record the request. */
int capture_runner_stop(struct capture *c);

/* Updates the counters of `c` with live figures if it is running. */
void capture_runner_overlay(struct capture *c);

/* Writes the path of the file of capture `id` into `buf`. */
void capture_runner_file_path(const char *id, char *buf, unsigned size);

/* Ends captures whose time is up, records the ones that ended, and runs
 * the retention sweep when it is due.  Called periodically by the event
 * loop. */
void capture_runner_tick(void);

/* Stops the dataplane, recording every capture still running as ended. */
void capture_runner_shutdown(void);

#endif /* PCAPD_CAPTURE_RUNNER_H */
