/*
 * The ended captures' JSON (see capture_json_cache.h): entries in a ring,
 * found through an id index.
 */
#include "capture_json_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "id_index.h"
#include "job_store.h"

/* One cached capture. */
struct json_entry {
    char id[CAPTURE_ID_LEN];
    char account[65];
    char *json;
    size_t len;
};

/* The cache. */
static struct {
    struct json_entry *entries;
    unsigned cap;
    /* The next entry to (re)use: the oldest once the ring is full. */
    unsigned next;
    struct id_index index;
    /* job_store_deletions() when the entries were checked. */
    uint64_t deletions;
} cache;

int capture_json_cache_init(unsigned max_entries)
{
    cache.entries = calloc(max_entries, sizeof(cache.entries[0]));
    cache.cap = max_entries;
    cache.next = 0;
    if (cache.entries == NULL || id_index_init(&cache.index, max_entries) != 0) {
        capture_json_cache_free();
        return -1;
    }
    return 0;
}

void capture_json_cache_free(void)
{
    for (unsigned i = 0; cache.entries != NULL && i < cache.cap; i++)
        free(cache.entries[i].json);
    free(cache.entries);
    cache.entries = NULL;
    id_index_free(&cache.index);
}

/* Empties entry `i`. */
static void entry_clear(unsigned i)
{
    struct json_entry *e = &cache.entries[i];
    if (e->json == NULL)
        return;
    char id[CAPTURE_ID_LEN + 1];
    memcpy(id, e->id, CAPTURE_ID_LEN);
    id[CAPTURE_ID_LEN] = '\0';
    id_index_remove(&cache.index, id);
    free(e->json);
    e->json = NULL;
}

/* Empties the cache when the store deleted captures since it was last
 * checked: an entry must not outlive its capture. */
static void check_deletions(void)
{
    uint64_t now = job_store_deletions();
    if (now == cache.deletions)
        return;
    cache.deletions = now;
    for (unsigned i = 0; i < cache.cap; i++)
        entry_clear(i);
}

const char *capture_json_cache_get(const char *account, const char *id, size_t *len)
{
    if (cache.entries == NULL || strlen(id) != CAPTURE_ID_LEN)
        return NULL;
    check_deletions();
    int64_t i = id_index_find(&cache.index, id);
    if (i < 0 || strcmp(cache.entries[i].account, account) != 0)
        return NULL;
    *len = cache.entries[i].len;
    return cache.entries[i].json;
}

void capture_json_cache_put(const char *account, const char *id, const char *json, size_t len)
{
    if (cache.entries == NULL || strlen(id) != CAPTURE_ID_LEN)
        return;
    check_deletions();
    capture_json_cache_forget(id);
    char *copy = malloc(len);
    if (copy == NULL)
        return;
    memcpy(copy, json, len);
    unsigned i = cache.next;
    cache.next = (cache.next + 1) % cache.cap;
    entry_clear(i);
    memcpy(cache.entries[i].id, id, CAPTURE_ID_LEN);
    snprintf(cache.entries[i].account, sizeof(cache.entries[i].account), "%s", account);
    cache.entries[i].json = copy;
    cache.entries[i].len = len;
    id_index_add(&cache.index, id, i);
}

void capture_json_cache_forget(const char *id)
{
    if (cache.entries == NULL || strlen(id) != CAPTURE_ID_LEN)
        return;
    int64_t i = id_index_find(&cache.index, id);
    if (i >= 0)
        entry_clear((unsigned)i);
}
