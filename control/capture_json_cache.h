/*
 * The serialised JSON objects of ended captures, by id.  An ended capture
 * changes only when a stop is recorded on it, so its JSON is built once and
 * reused by every GET and list that shows it, instead of being read,
 * parsed and serialised again for each.  Bounded; the oldest entries go
 * first.  Event loop only.
 */
#ifndef PCAPD_CAPTURE_JSON_CACHE_H
#define PCAPD_CAPTURE_JSON_CACHE_H

#include <stddef.h>

/* Prepares the cache for `max_entries`.  Returns 0 or -1. */
int capture_json_cache_init(unsigned max_entries);

/* Frees the cache. */
void capture_json_cache_free(void);

/* Returns the JSON of capture `id` of `account` and its length, or NULL
 * (also when the capture is another account's, and after the store
 * deleted any capture since the entry was kept: see
 * job_store_deletions()). */
const char *capture_json_cache_get(const char *account, const char *id, size_t *len);

/* Keeps a copy of `json` (`len` bytes), the JSON of the ended capture
 * `id` of `account`, replacing the oldest entry when full. */
void capture_json_cache_put(const char *account, const char *id, const char *json, size_t len);

/* Forgets capture `id` (it changed). */
void capture_json_cache_forget(const char *id);

#endif /* PCAPD_CAPTURE_JSON_CACHE_H */
