/*
 * The index of one history segment: what lets a query skip the segment or
 * seek inside it.  Built record by record while the segment is written,
 * sealed (its Bloom filters folded to their fill) and written to the
 * segment's `.idx` file when the segment closes, and read back by queries.
 *
 * It holds the segment's time range and record count, a sparse time index
 * (the time and offset of every HIST_SPARSE_EVERY-th record), bit maps of
 * the IP protocols and of the source and destination ports present, and
 * two Bloom filters of the source and destination addresses, each address
 * entered at the prefix lengths of hist_prefix_lens (so a query for a
 * prefix tests the longest indexed length within it).  Packets are parsed
 * with the fast path's parser, so the index sees what its filter sees.
 */
#ifndef PCAPD_HISTORY_INDEX_H
#define PCAPD_HISTORY_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapd/filter.h"

/* Records between two entries of the sparse time index. */
#define HIST_SPARSE_EVERY 1024
/* 64-bit words of each Bloom filter while a segment is written (256 KiB),
 * and the fewest a sealed one is folded down to. */
#define HIST_BLOOM_WORDS_MAX (1u << 15)
#define HIST_BLOOM_WORDS_MIN 64u
/* 64-bit words of a port bit map. */
#define HIST_PORT_WORDS (65536u / 64u)
/* Entries of the cache of recently entered Bloom keys (a power of two). */
#define HIST_RECENT_KEYS 1024u

/* Bits of struct hist_index.flags. */
enum hist_index_flag {
    /* The segment holds IP packets. */
    HIST_HAS_IP = 1u << 0,
    /* The segment holds frames that are not IP (only an empty filter
     * matches them). */
    HIST_HAS_NON_IP = 1u << 1,
};

/* One entry of the sparse time index. */
struct hist_sparse {
    /* Receive time of the record (ns since the epoch). */
    uint64_t ts_ns;
    /* Its offset in the segment file. */
    uint64_t offset;
};

/* A segment's index. */
struct hist_index {
    /* Receive times of the first and last record, and how many. */
    uint64_t first_ts;
    uint64_t last_ts;
    uint64_t records;
    /* Bytes of the segment file the index describes. */
    uint64_t file_bytes;
    /* Bitmask of enum hist_index_flag. */
    uint32_t flags;
    /* Words of each Bloom filter (a power of two). */
    uint32_t bloom_words;
    /* IP protocols present (bit per protocol number). */
    uint64_t proto[4];
    /* Source and destination ports present, of packets that have ports. */
    uint64_t sport[HIST_PORT_WORDS];
    uint64_t dport[HIST_PORT_WORDS];
    /* Bloom filters of the source and destination address prefixes. */
    uint64_t *src_bloom;
    uint64_t *dst_bloom;
    /* The sparse time index: `n_sparse` entries of room for `cap_sparse`. */
    struct hist_sparse *sparse;
    uint32_t n_sparse;
    uint32_t cap_sparse;
    /* While building: hashes of keys entered lately, per direction, so a
     * flow's packets touch the Bloom filters once. */
    uint64_t *recent;
};

/* Allocates an index builder for segments of up to `max_records` records.
 * Returns 0 or -ENOMEM. */
int hist_index_init(struct hist_index *ix, uint64_t max_records);

/* Frees what an index holds (built or read). */
void hist_index_free(struct hist_index *ix);

/* Empties a builder for a new segment. */
void hist_index_reset(struct hist_index *ix);

/* Enters the record at `offset` of the segment, received at `ts_ns`, whose
 * first `cap_len` bytes are `data`.  Returns false when the sparse index is
 * full (the segment must close first). */
bool hist_index_add(struct hist_index *ix, uint64_t ts_ns, uint64_t offset, const uint8_t *data,
                    uint32_t cap_len);

/* Tells whether the sparse index has room for one more record. */
bool hist_index_has_room(const struct hist_index *ix);

/* Seals a builder for a segment of `file_bytes` bytes: folds the Bloom
 * filters to the size their fill calls for. */
void hist_index_seal(struct hist_index *ix, uint64_t file_bytes);

/* Writes a sealed index to `fd`.  Returns 0 or a negative errno. */
int hist_index_write(const struct hist_index *ix, int fd);

/* Reads an index written by hist_index_write() from `fd` into `ix` (which
 * it allocates; hist_index_free() it).  With `head_only`, only the time
 * range, counts and size are read.  Returns 0, or -EINVAL when the file is
 * not a whole, intact index, or another negative errno. */
int hist_index_read(int fd, struct hist_index *ix, bool head_only);

/* Tells whether a packet matching `f` can be in the segment. */
bool hist_index_may_match(const struct hist_index *ix, const struct pcapd_filter *f);

#endif /* PCAPD_HISTORY_INDEX_H */
