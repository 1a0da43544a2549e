/*
 * The history store's parts, private to dataplane/: the store and its
 * catalog of segments (history.c), the feeders' segment writers
 * (history_writer.c), the query (history_query.c) and the segment files'
 * form (history_segment.c).
 *
 * A segment is a nanosecond pcap file (snaplen PCAPD_SIMPLE_SNAPLEN,
 * Ethernet) named STREAM-FIRSTNS.pcap, where STREAM names its feeder
 * ("dp", "kp") and FIRSTNS is the receive time of its first record, with
 * its index beside it as STREAM-FIRSTNS.idx once it is sealed.  Records of
 * one stream are in time order, and its segments do not overlap.
 *
 * Threads: each writer belongs to its feeder's thread (a writer lcore, the
 * kernel path's thread) and takes no lock; it hands segments it opens and
 * closes to the store's thread through a single-producer queue, and gets
 * spent segment objects back through another.  The store's thread seals
 * segments (sync, index) and evicts; the catalog is under `lock`, which
 * the store's thread and queries hold briefly and writers never take.
 */
#ifndef PCAPD_HISTORY_INTERNAL_H
#define PCAPD_HISTORY_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "history_index.h"
#include "pcap_out.h"
#include "pcapd/capture_record.h"
#include "pcapd/history.h"
#include "pcapd/pcap_format.h"

/* Longest segment file name, terminator included. */
#define HIST_NAME_SIZE 48
/* Segment objects per writer: the one written, and ones being sealed. */
#define HIST_SEG_POOL 4
/* Room of a writer's queue to the store (a power of two, more than twice
 * the pool: each segment sends two events). */
#define HIST_QUEUE_SIZE 16
/* Most writers (feeders) of one store. */
#define HIST_MAX_WRITERS 4
/* Bytes of a writer's write buffer. */
#define HIST_WRITE_BUFFER (256u << 10)
/* Bytes of a packet kept: the head a simple capture keeps. */
#define HIST_SNAPLEN PCAPD_SIMPLE_SNAPLEN
/* Bytes of a record in a segment, pcap header included, at most. */
#define HIST_RECORD_MAX (PCAP_RECORD_HEADER_LEN + HIST_SNAPLEN)

/* A single-producer, single-consumer queue of pointers. */
struct hist_spsc {
    void *slots[HIST_QUEUE_SIZE];
    _Atomic uint32_t head;
    _Atomic uint32_t tail;
};

/* Puts `p` on `q` (the producer's thread).  Returns false when full. */
static inline bool hist_spsc_push(struct hist_spsc *q, void *p)
{
    uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (t - atomic_load_explicit(&q->head, memory_order_acquire) == HIST_QUEUE_SIZE)
        return false;
    q->slots[t % HIST_QUEUE_SIZE] = p;
    atomic_store_explicit(&q->tail, t + 1, memory_order_release);
    return true;
}

/* Takes the oldest pointer off `q` (the consumer's thread), or NULL. */
static inline void *hist_spsc_pop(struct hist_spsc *q)
{
    uint32_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
    if (h == atomic_load_explicit(&q->tail, memory_order_acquire))
        return NULL;
    void *p = q->slots[h % HIST_QUEUE_SIZE];
    atomic_store_explicit(&q->head, h + 1, memory_order_release);
    return p;
}

/* A segment a writer writes, until the store seals it. */
struct hist_seg {
    /* The file's name in the store's directory, and descriptor. */
    char name[HIST_NAME_SIZE];
    int fd;
    /* Receive time of its first record. */
    uint64_t first_ts;
    /* The index, built as records are written. */
    struct hist_index ix;
    /* Bytes formatted so far: the offset of the next record. */
    uint64_t offset;
    /* A write failed: the file was cut back to what was written whole, and
     * the index must be built again from the file when it is sealed. */
    bool rebuild;
    /* What queries may read while it is open: the bytes in the file and
     * the receive time of the last record among them (stored before the
     * bytes, so a reader that sees the bytes sees a time at least theirs). */
    _Atomic uint64_t live_bytes;
    _Atomic uint64_t live_last_ts;
    _Atomic uint64_t live_records;
};

/* A feeder's writer (see history_writer.h). */
struct history_writer {
    /* The store, and the stream name in the segments' names. */
    struct pcapd_history *h;
    char stream[8];
    /* The segment being written, or NULL; a free segment object taken
     * from `free_segs` and not used yet, or NULL. */
    struct hist_seg *cur;
    struct hist_seg *spare;
    /* The segment objects, and their way to the store and back: the
     * writer puts each segment on `to_store` when it opens it, and again,
     * tagged (hist_event_closed()), when it closes it; the store's thread
     * gives sealed ones back on `free_segs`. */
    struct hist_seg pool[HIST_SEG_POOL];
    struct hist_spsc to_store;
    struct hist_spsc free_segs;
    /* The file being written, through `buf`. */
    struct pcap_out out;
    uint8_t *buf;
    /* Receive time of the last record (records never go back in time). */
    uint64_t last_ts;
    /* After a failed write: records received before this time are
     * dropped, so a spent budget does not open a segment per record. */
    uint64_t resume_ts;
    /* The writer has been closed by its feeder. */
    _Atomic bool closed;
    /* Records appended, and dropped (no segment, a failed write). */
    _Atomic uint64_t appended;
    _Atomic uint64_t dropped;
};

/* The event of `to_store` that says segment `s` was closed. */
static inline void *hist_event_closed(struct hist_seg *s)
{
    return (void *)((uintptr_t)s | 1u);
}

/* One segment in the catalog. */
struct hist_entry {
    /* The file's name, and the stream it belongs to. */
    char name[HIST_NAME_SIZE];
    /* Its time range, records and bytes; for an open segment, as of the
     * last look at `live`. */
    uint64_t first_ts;
    uint64_t last_ts;
    uint64_t records;
    uint64_t bytes;
    /* Its index is written. */
    bool sealed;
    /* While open: the writer's segment object. */
    struct hist_seg *live;
    /* Once sealed: the file mapped for queries (NULL if mapping failed). */
    struct hist_map *map;
};

/* The store. */
struct pcapd_history {
    /* The configuration, defaults applied, and the directory's descriptor
     * and path. */
    struct pcapd_history_config cfg;
    char dir[512];
    int dir_fd;
    /* Guards the catalog, the writer list and the counters below. */
    pthread_mutex_t lock;
    /* An eventfd that wakes the store's thread (a segment closed, or the
     * store closes). */
    int wake_fd;
    /* The segments, oldest first (by first_ts, then name). */
    struct hist_entry *entries;
    unsigned n_entries;
    unsigned cap_entries;
    /* The writers. */
    struct history_writer *writers[HIST_MAX_WRITERS];
    unsigned n_writers;
    /* The store's thread, and the order to end it. */
    pthread_t thread;
    bool thread_started;
    _Atomic bool quit;
    /* Counters (see struct pcapd_history_stats). */
    uint64_t evicted_size, evicted_age, evicted_disk;
    uint32_t repaired, removed;
};

/* ---- Segment files (history_segment.c) ---- */

/* A sealed segment mapped read-only, shared by its catalog entry and the
 * queries reading it, so that its page tables are built once (when it is
 * sealed, its pages still cached) rather than by every query.  `refs`,
 * under the store's lock, counts the entry and each query holding it; the
 * one that lets go last unmaps it (hist_map_free(), outside the lock). */
struct hist_map {
    const uint8_t *base;
    size_t len;
    unsigned refs;
};

/* Maps the first `len` bytes of segment file `fd`, every page at once when
 * `populate`.  Returns the mapping with one reference, or NULL. */
struct hist_map *hist_map_open(int fd, uint64_t len, bool populate);

/* Unmaps and frees `m`, which nobody holds any more (NULL is ignored). */
void hist_map_free(struct hist_map *m);

/* Takes a reference on `m` (under the store's lock).  Returns `m`. */
static inline struct hist_map *hist_map_hold(struct hist_map *m)
{
    if (m != NULL)
        m->refs++;
    return m;
}

/* Drops a reference on `m` (under the store's lock).  Returns `m` when it
 * was the last, for the caller to free once the lock is released, or
 * NULL. */
static inline struct hist_map *hist_map_drop(struct hist_map *m)
{
    return m != NULL && --m->refs == 0 ? m : NULL;
}

/* Formats the name of the segment of `stream` starting at `first_ts`. */
void hist_segment_name(char *name, const char *stream, uint64_t first_ts);

/* Tells whether `name` is a segment file's name; sets the length of its
 * base (before ".pcap"). */
bool hist_segment_name_ok(const char *name, size_t *base_len);

/* Writes `name`'s index name (".idx" for ".pcap") into `out`. */
void hist_segment_index_name(char *out, const char *name);

/* Reads the records of segment file `fd` of `size` bytes from its start,
 * checking each (lengths, times never going back), into the builder `ix`
 * (reset first).  Returns the bytes up to the end of the last whole, valid
 * record (24 with none), or a negative errno (-EINVAL: not a segment). */
int64_t hist_segment_scan(int fd, uint64_t size, struct hist_index *ix);

/* One record as a segment holds it. */
struct hist_record {
    /* Receive time (ns since the epoch), original length, bytes kept. */
    uint64_t ts_ns;
    uint32_t wire_len;
    uint32_t cap_len;
    /* The pcap record: its header, then cap_len bytes. */
    const uint8_t *raw;
};

/* Decodes the record at `p`, of which `avail` bytes are at hand, into
 * `r`.  Returns its length (header included), 0 if `avail` holds only part
 * of it, or -1 if it is not a valid record. */
int hist_record_decode(const uint8_t *p, uint64_t avail, struct hist_record *r);

/* Writes the sealed index of segment `name` beside it (to a temporary
 * name, synced, then renamed).  Returns 0 or a negative errno. */
int hist_segment_write_index(int dir_fd, const char *name, const struct hist_index *ix);

/* ---- The store (history.c) ---- */

/* Registers a new writer.  Returns 0 or -ENOSPC. */
int hist_store_add_writer(struct pcapd_history *h, struct history_writer *w);

/* Wakes the store's thread (a segment closed): one write() to an
 * eventfd, no lock. */
void hist_store_wake(struct pcapd_history *h);

#endif /* PCAPD_HISTORY_INTERNAL_H */
