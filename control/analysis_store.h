/*
 * The analysis API's files, and the only code that builds their paths:
 *
 *   STATE_DIR/uploads/ACCOUNT/ID.pcap        an uploaded capture
 *   STATE_DIR/analysis/ID/summary-vN/VIEW.json  the answers of one
 *                                            summary analysis (status,
 *                                            hierarchy, endpoints-eth...)
 *   STATE_DIR/analysis/ID/q-HASH.json        the answer of one
 *                                            packets/fields query
 *   ENTRY.error                              why ENTRY cannot be computed
 *
 * Each answer file holds a whole response body ({"data": ...}), so it is
 * served straight from disk.  The cached answers (the "entries": a summary
 * directory, or a query file) share a size budget, analysis_cache_mb: when
 * an entry is added beyond it, the least recently used ones are deleted.
 * Others ask this module to forget a capture; nobody else builds these
 * paths.  Every function is safe on any thread; those that delete files
 * block.
 */
#ifndef PCAPD_ANALYSIS_STORE_H
#define PCAPD_ANALYSIS_STORE_H

#include <stddef.h>
#include <stdint.h>

/* Room for any path this module builds. */
#define ANALYSIS_PATH_MAX 900

/* Creates the directories, deletes the caches of an older layout and
 * indexes the cached answers for the budget of `budget_bytes` (start-up:
 * it blocks).  Returns 0, or -1 with `err`. */
int analysis_store_init(const char *state_dir, uint64_t budget_bytes, char *err, unsigned err_size);

/* Writes the path of upload `id` of `account` into `buf`. */
void analysis_store_upload_path(const char *account, const char *id, char *buf, size_t size);

/* Creates the upload directory of `account` (blocks).  Returns 0 or -1
 * with errno. */
int analysis_store_upload_dir(const char *account);

/* Writes the path of the summary entry of capture `id` into `buf`. */
void analysis_store_summary_path(const char *id, char *buf, size_t size);

/* Writes the path of the answer file of summary view `view` (for
 * endpoints and conversations, `view-table`) of capture `id` into `buf`. */
void analysis_store_view_path(const char *id, const char *view, const char *table, char *buf,
                              size_t size);

/* Writes the path of the entry of query `hash` on capture `id`. */
void analysis_store_query_path(const char *id, const char *hash, char *buf, size_t size);

/* Writes the path of the error file of `entry` into `buf`. */
void analysis_store_error_path(const char *entry, char *buf, size_t size);

/* Creates the directory of capture `id`'s entries (blocks).  Returns 0 or
 * -1 with errno. */
int analysis_store_capture_dir(const char *id);

/* Removes `path`, a partly written entry or its temporary (blocks). */
void analysis_store_discard(const char *path);

/* Notes that `entry` was just used (for the least-recently-used order). */
void analysis_store_used(const char *entry);

/* Notes that `entry` of `bytes` was just written, then deletes the least
 * recently used entries while the cache is over its budget (blocks). */
void analysis_store_added(const char *entry, uint64_t bytes);

/* Returns the bytes the cached answers take. */
uint64_t analysis_store_cache_bytes(void);

/* Deletes every cached answer of capture `id` (blocks). */
void analysis_store_forget(const char *id);

/* Deletes the uploads last written before `before_ms` (ms since the
 * epoch), with their cached answers (blocks).  Returns how many. */
int analysis_store_expire_uploads(int64_t before_ms);

#endif /* PCAPD_ANALYSIS_STORE_H */
