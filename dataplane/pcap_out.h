/*
 * A pcap file being written through one large buffer: the file header and
 * records are formatted in place, and the buffer goes to the file with one
 * write() when it is full or flushed.  No per-packet stdio, no allocation.
 */
#ifndef PCAPD_PCAP_OUT_H
#define PCAPD_PCAP_OUT_H

#include <stdatomic.h>
#include <stdint.h>

#include "pcapd/dataplane.h"

/* Counters of the buffer writes of the files that share them (a writer
 * lcore's).  Only the thread that flushes those files writes them, with
 * relaxed stores; any thread may read them. */
struct pcap_out_stats {
    /* Buffer writes (flushes that wrote bytes), the bytes they wrote, and
     * the time they took (ns). */
    _Atomic uint64_t writes;
    _Atomic uint64_t bytes;
    _Atomic uint64_t ns;
    /* Writes per latency bucket (PCAPD_WRITE_LATENCY_BOUNDS_US, and one
     * above the largest bound). */
    _Atomic uint64_t latency[PCAPD_WRITE_LATENCY_BUCKETS + 1];
};

/* One output file and its buffer. */
struct pcap_out {
    /* Destination file. */
    int fd;
    /* Buffer: `len` bytes used of `cap`, owned by the caller. */
    uint8_t *buf;
    uint32_t len;
    uint32_t cap;
    /* Bytes already written to `fd`; read by other threads for statistics. */
    _Atomic uint64_t flushed;
    /* Where its writes are counted, or NULL. */
    struct pcap_out_stats *stats;
};

/* Starts a file on `fd` through `buf` (of `cap` bytes, which must hold the
 * file header and the largest record): the nanosecond pcap file header for
 * `snaplen` and Ethernet goes into the buffer.  Its writes are not counted
 * until `stats` is set. */
void pcap_out_init(struct pcap_out *o, int fd, uint8_t *buf, uint32_t cap, uint32_t snaplen);

/* Writes the buffer to the file.  Returns 0, or the errno of the failed
 * write (the buffer is then kept): EDQUOT when the write budget is spent. */
int pcap_out_flush(struct pcap_out *o);

/* pcap_out_reserve() when the buffer must be flushed first. */
uint8_t *pcap_out_reserve_flush(struct pcap_out *o, int *err);

/* Returns room for `need` bytes at the end of the buffer, flushing first if
 * needed; NULL with `*err` set if that flush failed.  The caller formats
 * into the room and calls pcap_out_commit().  Inline: called per record. */
static inline uint8_t *pcap_out_reserve(struct pcap_out *o, uint32_t need, int *err)
{
    if (__builtin_expect(o->len + need > o->cap, 0))
        return pcap_out_reserve_flush(o, err);
    return o->buf + o->len;
}

/* Accounts `used` bytes formatted into the room pcap_out_reserve() gave. */
static inline void pcap_out_commit(struct pcap_out *o, uint32_t used)
{
    o->len += used;
}

/* Bytes of the file so far, buffered bytes included. */
static inline uint64_t pcap_out_size(const struct pcap_out *o)
{
    return atomic_load_explicit(&o->flushed, memory_order_relaxed) + o->len;
}

/* The write budget (include/pcapd/pcap_budget.h) is shared by every file
 * of the process; pcap_out_flush() takes from it. */

#endif /* PCAPD_PCAP_OUT_H */
