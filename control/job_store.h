/*
 * The job store: captures persisted in an SQLite database (WAL mode) in the
 * state directory.  Every API read comes from here, so what the API shows
 * is what survives a restart.
 */
#ifndef PCAPD_JOB_STORE_H
#define PCAPD_JOB_STORE_H

#include <stdint.h>

#include <sqlite3.h>

#include "capture.h"

struct job_store;

/* What the store's functions return besides 0 (done) and 1 (no such
 * capture): */
/* Any failure not below. */
#define JOB_STORE_ERROR (-1)
/* Another connection held a lock for longer than the busy timeout. */
#define JOB_STORE_BUSY (-2)
/* The file system (or a quota) is full. */
#define JOB_STORE_FULL (-3)

/* Opens (creating if needed) the store at `path`, whose statements wait at
 * most `busy_ms` for another connection's lock.  A connection is used by
 * one thread at a time: the daemon opens one for the event loop's reads
 * and one for the store thread's writes.  Returns 0, or -1 with a message
 * in `err`. */
int job_store_open(const char *path, unsigned busy_ms, struct job_store **store, char *err,
                   unsigned err_size);

/* Closes the store; NULL is allowed. */
void job_store_close(struct job_store *store);

/* Returns the store's connection, for a token store that shares it
 * (token_store_open_shared()). */
sqlite3 *job_store_connection(struct job_store *store);

/* Returns a number that changes whenever another connection has committed
 * a change to the database since the last call on this connection (PRAGMA
 * data_version), or -1 on error: an answer built from the store stays
 * right while it stays the same. */
int64_t job_store_version(struct job_store *store);

/* Opens a read transaction, so that the reads of one request, on this
 * connection, take the database's read lock once and see one snapshot;
 * job_store_read_end() ends it.  Best effort: on failure the reads run
 * one transaction each, as without it. */
void job_store_read_begin(struct job_store *store);
void job_store_read_end(struct job_store *store);

/* Inserts a new capture.  Returns 0 or a JOB_STORE_* error. */
int job_store_insert(struct job_store *store, const struct capture *c);

/* Writes the mutable fields of `c` (status, counters, stop_requested,
 * error_message, file_size).  Returns 0 or a JOB_STORE_* error. */
int job_store_update(struct job_store *store, const struct capture *c);

/* Writes the mutable fields of the `n` captures `cs` in one transaction,
 * so that a locked database costs one wait, however many changed.
 * Returns 0 (all written) or a JOB_STORE_* error (none written). */
int job_store_update_many(struct job_store *store, const struct capture *cs, unsigned n);

/* Reads capture `id` of `account` into `c`.  Returns 0, 1 if there is no
 * such capture in that account, or a JOB_STORE_* error. */
int job_store_get(struct job_store *store, const char *account, const char *id, struct capture *c);

/* Calls `fn` for the captures of `account`, newest first, skipping `offset`
 * and stopping after `limit`; `total` receives the account's count.
 * Returns 0 or a JOB_STORE_* error. */
int job_store_list(struct job_store *store, const char *account, unsigned offset, unsigned limit,
                   void (*fn)(const struct capture *c, void *arg), void *arg, uint64_t *total);

/* Reads the status of capture `id` of `account` into `st`.  Returns 0, 1 if
 * there is no such capture in that account, or a JOB_STORE_* error. */
int job_store_status(struct job_store *store, const char *account, const char *id,
                     enum capture_status *st);

/* Calls `fn` with the id and status of each capture of `account`, newest
 * first, skipping `offset` and stopping after `limit`; `total` receives
 * the account's count.  Returns 0 or a JOB_STORE_*
 * error. */
int job_store_list_ids(struct job_store *store, const char *account, unsigned offset,
                       unsigned limit,
                       void (*fn)(const char *id, enum capture_status st, void *arg), void *arg,
                       uint64_t *total);

/* Marks every capture left pending or running by a previous process as
 * failed with `message` (unless it already records an error_message, the
 * cause found while it ran), calling `fn` for each before it is updated.
 * Returns how many, or -1. */
int job_store_fail_unfinished(struct job_store *store, const char *message,
                              void (*fn)(struct capture *c, void *arg), void *arg);

/* Reads into `ms` when `account` last created a capture of `type`
 * (milliseconds since the epoch).  Returns 0, 1 if it never did, or -1. */
int job_store_last_submitted(struct job_store *store, const char *account, enum capture_type type,
                             int64_t *ms);

/* Counts the captures of `type` of `account` that are pending or running.
 * Returns 0 or -1. */
int job_store_count_unfinished(struct job_store *store, const char *account, enum capture_type type,
                               unsigned *count);

/* Types and statuses of captures, for counts by kind. */
#define JOB_STORE_TYPES 2
#define JOB_STORE_STATUSES 4

/* Counts the stored captures by type and status (one query over the whole
 * table: for start-up).  Returns 0 or -1. */
int job_store_count_by_kind(struct job_store *store,
                            uint64_t counts[JOB_STORE_TYPES][JOB_STORE_STATUSES]);

/* Deletes ended captures (success or failed) submitted before `before_ms`
 * (milliseconds since the epoch), oldest first and at most 256 per call,
 * calling `fn` with each one's id before its row goes, and adding each
 * deleted row to `deleted` by type and status.  Returns how many, or
 * -1. */
int job_store_expire(struct job_store *store, int64_t before_ms,
                     void (*fn)(const char *id, void *arg), void *arg,
                     uint64_t deleted[JOB_STORE_TYPES][JOB_STORE_STATUSES]);

/* Counts the captures job_store_expire() deleted in this process, on any
 * connection; readable on any thread, so caches of captures can tell when
 * one may have gone. */
uint64_t job_store_deletions(void);

#endif /* PCAPD_JOB_STORE_H */
