/* A generic open-addressing hash table of fixed-size entries whose first
 * key_size bytes (a multiple of 8, padding zeroed) are the key.  The analyses keep hosts,
 * conversations and TCP streams in it; it grows with the number of entries, never shrinks. */
#ifndef PCAPD_ANALYSIS_HASH_TABLE_H
#define PCAPD_ANALYSIS_HASH_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* One table; entries live in slots, and the tags tell which slots hold one. */
struct hash_table {
    uint8_t *slots;    /* cap entries of entry_size bytes each. */
    uint32_t *tags;    /* Per slot: 0 when free, else the entry's hash with the low bit set. */
    size_t cap;        /* Number of slots, a power of two (0 before the first insert). */
    size_t count;      /* Number of entries stored. */
    size_t key_size;   /* Number of leading bytes of an entry that form its key. */
    size_t entry_size; /* Size of an entry in bytes. */
    size_t last;       /* Slot of the last entry found or inserted (consecutive packets
                          often share a flow, so it is checked before hashing). */
};

/* Prepares an empty table of entries of entry_size bytes keyed by their first key_size bytes. */
void hash_table_init(struct hash_table *t, size_t key_size, size_t entry_size);

/* Returns the entry with the given key, inserting a zeroed entry holding
 * the key if absent (*created tells which); NULL when out of memory. */
void *hash_table_upsert(struct hash_table *t, const void *key, int *created);

/* Returns the entry with the given key, or NULL when absent (never inserts). */
void *hash_table_find(const struct hash_table *t, const void *key);

/* Calls fn(entry, ctx) for every entry, in slot order. */
void hash_table_foreach(const struct hash_table *t, void (*fn)(void *entry, void *ctx), void *ctx);

/* Frees the table's memory and leaves it empty. */
void hash_table_free(struct hash_table *t);

#endif
