/*
 * The capture id index (see id_index.h).
 */
#include "id_index.h"

#include <stdlib.h>
#include <string.h>

/* Hashes a 32-character id (FNV-1a; ids are random, so this spreads). */
static uint32_t id_hash(const char *id)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 32; i++)
        h = (h ^ (unsigned char)id[i]) * 16777619u;
    return h;
}

int id_index_init(struct id_index *ix, uint32_t max_entries)
{
    uint32_t buckets = 16;
    while (buckets < 2 * max_entries)
        buckets <<= 1;
    ix->values = calloc(buckets, sizeof(ix->values[0]));
    ix->keys = calloc(buckets, sizeof(ix->keys[0]));
    ix->mask = buckets - 1;
    if (ix->values == NULL || ix->keys == NULL) {
        id_index_free(ix);
        return -1;
    }
    return 0;
}

void id_index_free(struct id_index *ix)
{
    free(ix->values);
    free(ix->keys);
    ix->values = NULL;
    ix->keys = NULL;
}

void id_index_add(struct id_index *ix, const char *id, uint32_t value)
{
    uint32_t b = id_hash(id) & ix->mask;
    while (ix->values[b] != 0)
        b = (b + 1) & ix->mask;
    memcpy(ix->keys[b], id, 32);
    ix->values[b] = value + 1;
}

/* Returns the bucket of `id`, or -1. */
static int64_t bucket_of(const struct id_index *ix, const char *id)
{
    for (uint32_t b = id_hash(id) & ix->mask; ix->values[b] != 0; b = (b + 1) & ix->mask) {
        if (memcmp(ix->keys[b], id, 32) == 0)
            return b;
    }
    return -1;
}

int64_t id_index_find(const struct id_index *ix, const char *id)
{
    int64_t b = bucket_of(ix, id);
    return b < 0 ? -1 : (int64_t)ix->values[b] - 1;
}

void id_index_remove(struct id_index *ix, const char *id)
{
    int64_t found = bucket_of(ix, id);
    if (found < 0)
        return;
    /* Backward shift: move later entries of the run into the hole when
     * their home bucket does not lie between the hole and them. */
    uint32_t hole = (uint32_t)found;
    for (uint32_t b = (hole + 1) & ix->mask; ix->values[b] != 0; b = (b + 1) & ix->mask) {
        uint32_t home = id_hash(ix->keys[b]) & ix->mask;
        if (((b - home) & ix->mask) >= ((b - hole) & ix->mask)) {
            memcpy(ix->keys[hole], ix->keys[b], 32);
            ix->values[hole] = ix->values[b];
            hole = b;
        }
    }
    ix->values[hole] = 0;
}
