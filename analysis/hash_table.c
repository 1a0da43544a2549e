/* Owns the generic hash table: hashing keys, probing, growing. */
#include "hash_table.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Hashes a key of len bytes at p, a multiple of 8 (a multiply-xorshift per
 * 64-bit word, then a final mix). */
static uint64_t hash_bytes(const uint8_t *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* Prepares an empty table; keys must be whole 8-byte words. */
void hash_table_init(struct hash_table *t, size_t key_size, size_t entry_size)
{
    assert(key_size % 8 == 0 && key_size <= entry_size);
    memset(t, 0, sizeof(*t));
    t->key_size = key_size;
    t->entry_size = entry_size;
}

/* Reads the 8-byte word at p. */
static inline uint64_t word_at(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* Returns true when the n-byte keys at a and b are equal, n a constant
 * multiple of 8 once inlined: the differences of every word are folded and
 * tested once (the keys compared are nearly always equal, since the tag or
 * the last entry matched, so an early exit would only add branches). */
static inline __attribute__((always_inline)) bool words_equal(const uint8_t *a, const uint8_t *b,
                                                              size_t n)
{
    uint64_t diff = 0;
    for (size_t i = 0; i < n; i += 8)
        diff |= word_at(a + i) ^ word_at(b + i);
    return diff == 0;
}

/* Returns true when the n-byte keys at a and b are equal (n a multiple of
 * 8): the sizes of the keys in use get a comparison of their own. */
static inline bool keys_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    switch (n) {
    case 8:
        return words_equal(a, b, 8);
    case 16:
        return words_equal(a, b, 16);
    case 24:
        return words_equal(a, b, 24);
    case 32:
        return words_equal(a, b, 32);
    case 40:
        return words_equal(a, b, 40);
    case 48:
        return words_equal(a, b, 48);
    default:
        return memcmp(a, b, n) == 0;
    }
}

/* Returns the tag of a hash: its low 32 bits with bit 0 set, never 0 (free). */
static uint32_t hash_tag(uint64_t h)
{
    return (uint32_t)h | 1u;
}

/* Returns the slot index holding key (whose hash is h), or the free slot where it would go. */
static size_t hash_table_probe(const struct hash_table *t, const void *key, uint64_t h)
{
    size_t mask = t->cap - 1;
    size_t i = (size_t)(h >> 32) & mask;
    uint32_t tag = hash_tag(h);
    while (t->tags[i] != 0 &&
           (t->tags[i] != tag || !keys_equal(t->slots + i * t->entry_size, key, t->key_size)))
        i = (i + 1) & mask;
    return i;
}

/* Doubles the table (or creates it); returns 0 or -1 when out of memory. */
static int hash_table_grow(struct hash_table *t)
{
    struct hash_table n = *t;
    n.cap = t->cap ? t->cap * 2 : 64;
    n.last = SIZE_MAX;
    n.slots = malloc(n.cap * n.entry_size);
    n.tags = calloc(n.cap, sizeof(uint32_t));
    if (!n.slots || !n.tags) {
        free(n.slots);
        free(n.tags);
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->tags[i])
            continue;
        const uint8_t *e = t->slots + i * t->entry_size;
        uint64_t h = hash_bytes(e, t->key_size);
        size_t j = hash_table_probe(&n, e, h);
        memcpy(n.slots + j * n.entry_size, e, n.entry_size);
        n.tags[j] = hash_tag(h);
    }
    free(t->slots);
    free(t->tags);
    *t = n;
    return 0;
}

/* Returns the entry with the given key, inserting a zeroed one if absent. */
void *hash_table_upsert(struct hash_table *t, const void *key, int *created)
{
    *created = 0;
    if (t->last < t->cap && t->tags[t->last] &&
        keys_equal(t->slots + t->last * t->entry_size, key, t->key_size))
        return t->slots + t->last * t->entry_size;
    if ((t->count + 1) * 4 > t->cap * 3 && hash_table_grow(t) < 0)
        return NULL;
    uint64_t h = hash_bytes(key, t->key_size);
    size_t i = hash_table_probe(t, key, h);
    uint8_t *e = t->slots + i * t->entry_size;
    if (!t->tags[i]) {
        memset(e, 0, t->entry_size);
        memcpy(e, key, t->key_size);
        t->tags[i] = hash_tag(h);
        t->count++;
        *created = 1;
    }
    t->last = i;
    return e;
}

/* Returns the entry with the given key, or NULL when absent (never inserts). */
void *hash_table_find(const struct hash_table *t, const void *key)
{
    if (t->cap == 0)
        return NULL;
    size_t i = hash_table_probe(t, key, hash_bytes(key, t->key_size));
    return t->tags[i] ? t->slots + i * t->entry_size : NULL;
}

/* Calls fn for every entry. */
void hash_table_foreach(const struct hash_table *t, void (*fn)(void *entry, void *ctx), void *ctx)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->tags[i])
            fn(t->slots + i * t->entry_size, ctx);
}

/* Frees the table's memory. */
void hash_table_free(struct hash_table *t)
{
    free(t->slots);
    free(t->tags);
    hash_table_init(t, t->key_size, t->entry_size);
}
