/*
 * The look-back history as the control plane sees it: an always-on sampled
 * record of all traffic, independent of any capture, kept in
 * time-partitioned segment files under one directory (state_dir/history/),
 * each with an index of its own, and the query that answers a look-back
 * capture from it.
 *
 * The capture paths feed the store (1 packet in `sample_rate`, its first
 * PCAPD_SIMPLE_SNAPLEN bytes, original length and receive time); the
 * store's own thread seals finished segments (index written, file synced)
 * and evicts the oldest ones by size, by age and to keep the disk reserve.
 * Queries run on the caller's thread (the control plane's history lane),
 * read only the segments whose index says they can match, and write a
 * nanosecond pcap.  No DPDK: the library builds and is tested alone.
 */
#ifndef PCAPD_HISTORY_H
#define PCAPD_HISTORY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pcapd/filter.h"

/* An open history store. */
struct pcapd_history;

/* What a store needs to open.  Zero fields take the defaults given. */
struct pcapd_history_config {
    /* The directory of the segments (created if missing). */
    const char *dir;
    /* Bytes the segments may take together; the oldest go beyond it. */
    uint64_t max_bytes;
    /* Age (ns) beyond which a segment's newest packet makes it go. */
    uint64_t max_age_ns;
    /* Longest time a segment covers (ns, default 60 s), and its largest
     * size (default max_bytes / 16, from 1 MiB to 64 MiB). */
    uint64_t segment_ns;
    uint64_t segment_bytes;
    /* Free space kept on the directory's file system beyond what the
     * capture writers' budget keeps (the disk reserve): the store evicts
     * its oldest segments while there is less than this free (default 0:
     * only the budget). */
    uint64_t reserve_bytes;
    /* 1 packet in this many is sampled (reported, not used here). */
    uint32_t sample_rate;
};

/* What a store holds, for GET .../pcaps/history and the logs. */
struct pcapd_history_stats {
    /* Receive times of the oldest and newest packet held (ns since the
     * epoch; both 0 when the store is empty). */
    uint64_t oldest_ns;
    uint64_t newest_ns;
    /* Bytes of the segment files, segments and packets held. */
    uint64_t bytes;
    uint32_t segments;
    uint64_t packets;
    /* Packets the feeders offered and lost (a full write budget or a
     * failed write), and segments evicted since the store opened, by
     * cause. */
    uint64_t appended;
    uint64_t dropped;
    uint64_t evicted_size;
    uint64_t evicted_age;
    uint64_t evicted_disk;
    /* Segments found torn at open and cut at their last whole record, and
     * segments unreadable at open and removed. */
    uint32_t repaired;
    uint32_t removed;
    /* The configured sample rate, size and age bounds. */
    uint32_t sample_rate;
    uint64_t max_bytes;
    uint64_t max_age_ns;
};

/* A look-back query. */
struct pcapd_history_query {
    /* The packets wanted. */
    struct pcapd_filter filter;
    /* The window, inclusive at both ends (ns since the epoch). */
    uint64_t start_ns;
    uint64_t end_ns;
    /* At most this many packets: the most recent of the window. */
    uint32_t packet_limit;
    /* Where the nanosecond pcap goes (written from its current offset). */
    int fd;
    /* Read every segment of the window whole, ignoring the indexes (the
     * reference the property tests compare the indexed query with). */
    bool scan_all;
    /* Set by another thread to end the query early; what was found so far
     * is written.  May be NULL. */
    const _Atomic bool *cancel;
};

/* What a query found and what it cost. */
struct pcapd_history_result {
    /* Packets written and bytes of the file (pcap headers included). */
    uint64_t packets;
    uint64_t bytes;
    /* Segments of the store whose time range meets the window, and of
     * those the ones read (not skipped by their index); bytes read. */
    uint32_t segments_in_window;
    uint32_t segments_read;
    uint64_t bytes_read;
    /* The query was cancelled before it had looked at everything. */
    bool cancelled;
};

/* Opens the store in cfg->dir: every segment found is checked, a torn one
 * (the one being written when a process died) is cut at its last whole
 * record and its index rebuilt, an unreadable one removed; then the
 * store's thread starts.  Blocks on the disk: call before serving.
 * Returns 0, or a negative errno with a message in `err`. */
int pcapd_history_open(const struct pcapd_history_config *cfg, struct pcapd_history **out,
                       char *err, unsigned err_size);

/* Seals what the feeders left open and closes the store.  Call after
 * every feeder has stopped (the capture paths stop first). */
void pcapd_history_close(struct pcapd_history *h);

/* Reads what the store holds (no disk access; any thread). */
void pcapd_history_stats(struct pcapd_history *h, struct pcapd_history_stats *stats);

/* Runs query `q`, writing its pcap to q->fd.  Blocks on the disk: run it
 * off the event loop.  Its memory is bounded by packet_limit (about 200
 * bytes a packet) and a read buffer of 1 MiB.  Returns 0, or a negative
 * errno (-EDQUOT when the capture write budget is spent, or a failed
 * read or write); `result` says what was written either way. */
int pcapd_history_query(struct pcapd_history *h, const struct pcapd_history_query *q,
                        struct pcapd_history_result *result);

#endif /* PCAPD_HISTORY_H */
