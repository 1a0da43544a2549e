/*
 * Captures by type and status, as the API would list them all: counted
 * once from the store at start, then kept up to date as the capture runner
 * stores and changes captures and retention deletes them, so that reading
 * them costs nothing (the metrics read them at every scrape).  Event loop
 * only.
 */
#ifndef PCAPD_CAPTURE_COUNTS_H
#define PCAPD_CAPTURE_COUNTS_H

#include <stdint.h>

#include "capture.h"
#include "job_store.h"

/* No status: a capture that is not stored yet, or no longer. */
#define CAPTURE_COUNTS_NONE (-1)

/* Counts the captures of `store` (blocking: at start, before the event
 * loop runs).  Returns 0, or -1 when the store cannot be read. */
int capture_counts_load(struct job_store *store);

/* Moves a capture of `type` from status `from` to status `to` (either may
 * be CAPTURE_COUNTS_NONE: a capture stored, or deleted). */
void capture_counts_move(enum capture_type type, int from, int to);

/* Subtracts captures deleted from the store, by type and status. */
void capture_counts_remove(const uint64_t deleted[JOB_STORE_TYPES][JOB_STORE_STATUSES]);

/* Returns how many captures of `type` have `status`. */
uint64_t capture_counts_get(enum capture_type type, enum capture_status status);

#endif /* PCAPD_CAPTURE_COUNTS_H */
