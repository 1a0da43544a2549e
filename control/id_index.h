/*
 * An index from capture ids (32 hex digits, random) to small integers (the
 * capture runner's slots), so that finding a capture under way costs the
 * same with ten thousand of them as with one.  Open addressing with linear
 * probing and backward-shift deletion, sized at creation for a fixed number
 * of entries.  Single-threaded (the event loop).
 */
#ifndef PCAPD_ID_INDEX_H
#define PCAPD_ID_INDEX_H

#include <stdint.h>

/* The index; its members are its own. */
struct id_index {
    /* Per bucket: the value plus one, 0 when empty. */
    uint32_t *values;
    /* Per bucket: the key's 32 characters (not terminated). */
    char (*keys)[32];
    /* Buckets, a power of two; mask = buckets - 1. */
    uint32_t mask;
};

/* Prepares an index for at most `max_entries`.  Returns 0 or -1. */
int id_index_init(struct id_index *ix, uint32_t max_entries);

/* Frees the index. */
void id_index_free(struct id_index *ix);

/* Adds `id` (32 characters) with `value`, which must be absent. */
void id_index_add(struct id_index *ix, const char *id, uint32_t value);

/* Returns the value of `id`, or -1 if it is absent. */
int64_t id_index_find(const struct id_index *ix, const char *id);

/* Removes `id` if present. */
void id_index_remove(struct id_index *ix, const char *id);

#endif /* PCAPD_ID_INDEX_H */
