/*
 * A feeder's writer of the history store (include/pcapd/history.h): what a
 * capture path's thread calls for every packet it samples for history.
 * The writer belongs to that thread: it takes no lock and allocates
 * nothing after it is opened; its system calls are a write() per buffer
 * (256 KiB, or on the feeder's drain timer) and an open() per segment.
 * Sealing a closed segment (sync, index) is the store's thread's work.
 */
#ifndef PCAPD_HISTORY_WRITER_H
#define PCAPD_HISTORY_WRITER_H

#include <stdint.h>

#include "pcapd/history.h"

/* A feeder's writer. */
struct history_writer;

/* Opens a writer of stream `stream` (a short lowercase name: "dp" for the
 * DPDK dataplane, "kp" for the kernel path) on store `h`, on any thread,
 * before the feeder starts.  Returns NULL when out of memory or when the
 * store has all the writers it takes. */
struct history_writer *history_writer_open(struct pcapd_history *h, const char *stream);

/* Appends one sampled packet: received at `ts_ns` (ns since the epoch; a
 * time before the previous packet's is taken as that one), `wire_len`
 * bytes on the wire, its first `cap_len` (at most 160) bytes at `data`.
 * Packets the writer cannot keep (no segment object free, a failed write
 * or a spent write budget) are counted as dropped. */
void history_writer_append(struct history_writer *w, uint64_t ts_ns, uint32_t wire_len,
                           const uint8_t *data, uint32_t cap_len);

/* Writes out the buffer, so queries see what was appended (the feeder's
 * drain timer, every 100 ms or so). */
void history_writer_flush(struct history_writer *w);

/* Flushes and closes the segment being written, for the store to seal;
 * the writer takes no more packets.  The store frees it when it closes. */
void history_writer_close(struct history_writer *w);

#endif /* PCAPD_HISTORY_WRITER_H */
