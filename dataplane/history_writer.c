/*
 * A feeder's writer (history_writer.h): appends sampled packets to the
 * segment it writes as pcap records, enters each into the segment's
 * index, and closes the segment when it covers segment_ns or would pass
 * segment_bytes, handing it to the store's thread to seal.
 *
 * The file goes through pcap_out, so every write() is taken from the
 * capture writers' budget (include/pcapd/pcap_budget.h) and history never
 * writes past the disk reserve.  A write that fails (the budget spent, a
 * full disk) cuts the file back to its last whole record, closes the
 * segment (its index is then rebuilt from the file when it is sealed) and
 * drops what arrives in the next second.
 */
#include "history_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history_internal.h"

/* Time a writer drops packets after a failed write (ns). */
#define HIST_RESUME_NS 1000000000ull
/* Attempts at a free name when a segment of the same first time exists. */
#define HIST_NAME_ATTEMPTS 16

struct history_writer *history_writer_open(struct pcapd_history *h, const char *stream)
{
    struct history_writer *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->h = h;
    snprintf(w->stream, sizeof(w->stream), "%s", stream);
    w->buf = malloc(HIST_WRITE_BUFFER);
    /* A segment of the smallest records (a header and one byte), four
     * times as long as its bound, in case the store's thread is slow to
     * give a segment object back (see hist_take_spare()). */
    uint64_t max_records = 4 * h->cfg.segment_bytes / (PCAP_RECORD_HEADER_LEN + 1) + 1;
    bool ok = w->buf != NULL;
    for (unsigned i = 0; i < HIST_SEG_POOL; i++) {
        w->pool[i].fd = -1;
        ok = ok && hist_index_init(&w->pool[i].ix, max_records) == 0;
        if (ok)
            hist_spsc_push(&w->free_segs, &w->pool[i]);
    }
    if (!ok || hist_store_add_writer(h, w) != 0) {
        for (unsigned i = 0; i < HIST_SEG_POOL; i++)
            hist_index_free(&w->pool[i].ix);
        free(w->buf);
        free(w);
        return NULL;
    }
    return w;
}

/* Publishes what the file holds to queries: the time first, then the
 * bytes (see struct hist_seg). */
static void hist_publish(struct history_writer *w)
{
    struct hist_seg *s = w->cur;
    atomic_store_explicit(&s->live_last_ts, s->ix.last_ts, memory_order_release);
    atomic_store_explicit(&s->live_records, s->ix.records, memory_order_release);
    atomic_store_explicit(&s->live_bytes, atomic_load(&w->out.flushed), memory_order_release);
}

/* Counts `n` records dropped. */
static void hist_drop(struct history_writer *w, uint64_t n)
{
    atomic_store_explicit(&w->dropped, atomic_load_explicit(&w->dropped, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Hands the segment being written to the store's thread. */
static void hist_close_segment(struct history_writer *w)
{
    struct hist_seg *s = w->cur;
    w->cur = NULL;
    /* The queue holds two events per pool entry: it cannot be full. */
    hist_spsc_push(&w->to_store, hist_event_closed(s));
    hist_store_wake(w->h);
}

/* After a failed write: cuts the file back to its last whole record,
 * drops what the buffer held, closes the segment and drops packets for a
 * while. */
static void hist_write_failed(struct history_writer *w, uint64_t ts_ns)
{
    struct hist_seg *s = w->cur;
    uint64_t flushed = atomic_load(&w->out.flushed);
    if (ftruncate(s->fd, (off_t)flushed) != 0) {
        /* The segment is walked when sealed: a cut record is left out. */
    }
    hist_drop(w, s->ix.records - atomic_load(&s->live_records));
    w->out.len = 0;
    s->rebuild = true;
    atomic_store_explicit(&s->live_bytes, flushed, memory_order_release);
    hist_close_segment(w);
    w->resume_ts = ts_ns + HIST_RESUME_NS;
}

/* Writes out the buffer of the segment being written. */
static void hist_flush(struct history_writer *w, uint64_t ts_ns)
{
    if (w->cur == NULL || w->out.len == 0)
        return;
    if (pcap_out_flush(&w->out) != 0)
        hist_write_failed(w, ts_ns);
    else
        hist_publish(w);
}

/* Makes sure a segment object is at hand for the next segment.  While the
 * store's thread has not sealed the ones closed before, there is none: the
 * segment being written then goes on past its bounds. */
static bool hist_take_spare(struct history_writer *w)
{
    if (w->spare == NULL)
        w->spare = hist_spsc_pop(&w->free_segs);
    return w->spare != NULL;
}

/* Opens a segment whose first record is received at `ts_ns`.  Returns
 * false when none can be opened. */
static bool hist_open_segment(struct history_writer *w, uint64_t ts_ns)
{
    if (!hist_take_spare(w))
        return false;
    struct hist_seg *s = w->spare;
    int fd = -1;
    for (unsigned i = 0; i < HIST_NAME_ATTEMPTS && fd < 0; i++) {
        hist_segment_name(s->name, w->stream, ts_ns + i);
        fd = openat(w->h->dir_fd, s->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        w->resume_ts = ts_ns + HIST_RESUME_NS;
        return false;
    }
    s->fd = fd;
    s->first_ts = ts_ns;
    s->offset = PCAP_FILE_HEADER_LEN;
    s->rebuild = false;
    hist_index_reset(&s->ix);
    atomic_store(&s->live_bytes, 0);
    atomic_store(&s->live_records, 0);
    atomic_store(&s->live_last_ts, ts_ns);
    pcap_out_init(&w->out, fd, w->buf, HIST_WRITE_BUFFER, HIST_SNAPLEN);
    w->spare = NULL;
    w->cur = s;
    hist_spsc_push(&w->to_store, s);
    return true;
}

/* Tells whether the record `need` bytes long, received at `ts_ns`, must
 * go to a new segment. */
static bool hist_segment_full(const struct history_writer *w, uint64_t ts_ns, uint32_t need)
{
    const struct hist_seg *s = w->cur;
    return ts_ns - s->ix.first_ts >= w->h->cfg.segment_ns ||
           s->offset + need > w->h->cfg.segment_bytes || s->ix.n_sparse + 1 >= s->ix.cap_sparse;
}

void history_writer_append(struct history_writer *w, uint64_t ts_ns, uint32_t wire_len,
                           const uint8_t *data, uint32_t cap_len)
{
    if (cap_len > HIST_SNAPLEN)
        cap_len = HIST_SNAPLEN;
    if (wire_len < cap_len)
        wire_len = cap_len;
    if (ts_ns < w->last_ts)
        ts_ns = w->last_ts;
    w->last_ts = ts_ns;
    uint32_t need = PCAP_RECORD_HEADER_LEN + cap_len;
    if (w->cur != NULL && w->cur->ix.records > 0 && hist_segment_full(w, ts_ns, need) &&
        hist_take_spare(w)) {
        hist_flush(w, ts_ns);
        if (w->cur != NULL)
            hist_close_segment(w);
    }
    if (w->cur != NULL && !hist_index_has_room(&w->cur->ix)) {
        hist_drop(w, 1);
        return;
    }
    if (cap_len == 0 || ts_ns < w->resume_ts || (w->cur == NULL && !hist_open_segment(w, ts_ns))) {
        hist_drop(w, 1);
        return;
    }
    if (w->out.len + need > w->out.cap) {
        hist_flush(w, ts_ns);
        if (w->cur == NULL) {
            hist_drop(w, 1);
            return;
        }
    }
    uint8_t *room = w->out.buf + w->out.len;
    pcap_format_record(room, ts_ns, wire_len, data, cap_len);
    hist_index_add(&w->cur->ix, ts_ns, w->cur->offset, data, cap_len);
    pcap_out_commit(&w->out, need);
    w->cur->offset += need;
    atomic_store_explicit(&w->appended,
                          atomic_load_explicit(&w->appended, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

void history_writer_flush(struct history_writer *w)
{
    hist_flush(w, w->last_ts);
}

void history_writer_close(struct history_writer *w)
{
    history_writer_flush(w);
    if (w->cur != NULL)
        hist_close_segment(w);
    atomic_store_explicit(&w->closed, true, memory_order_release);
    hist_store_wake(w->h);
}
