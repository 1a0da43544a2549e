/*
 * The look-back query (pcapd_history_query()): the packets of a time
 * window that match a capture filter, at most packet_limit of them, the
 * most recent ones, written in time order as a nanosecond pcap.
 *
 * Segments are taken newest first.  A sealed segment's index decides
 * whether it can hold a match at all; if it can, its blocks (the records
 * between two entries of its sparse time index) are read newest first,
 * and only those that meet the window.  An open segment, or one whose
 * index is missing, is read whole.  The matches kept are the packet_limit
 * greatest by (time, segment, offset) in a min-heap, so the query stops
 * as soon as nothing older can enter it, and its memory is the heap and
 * one output buffer.  Packets are matched with the fast path's parser and
 * filter predicate (packet_parse.h: the rx lcores' inline parser;
 * filter_match.h).
 *
 * Segments are read through a read-only mapping of the page cache rather
 * than copied into a buffer with pread(): records are decoded where they
 * lie, so a query that reads every segment costs the decoding and not a
 * copy of each byte as well (tools/bench-history measures the scan beside
 * read() of the same files).  A sealed segment's mapping is the catalog's
 * (struct hist_map), held for the query's life, so queries do not build
 * its page tables again; the open segment is mapped by the query itself.
 * A mapping is safe here because nothing cuts a segment below what a
 * query took: the writer only ever cuts the live segment back to the
 * bytes it had flushed (the snapshot's length is at most that), repairs
 * happen at open before any query, and eviction unlinks the file, which
 * leaves its pages mapped until the last holder lets go.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filter_match.h"
#include "history_internal.h"
#include "packet_parse.h"

/* The output buffer's size, and the bytes decoded between two looks at
 * the query's cancel flag. */
#define HQ_READ_CHUNK (1u << 20)

/* A segment of the window, as the catalog had it when the query began. */
struct hq_seg {
    char name[HIST_NAME_SIZE];
    uint64_t first_ts;
    uint64_t last_ts;
    uint64_t bytes;
    bool sealed;
    /* Its place among all segments by first time: the order of records of
     * equal time in different segments. */
    uint32_t ordinal;
    /* The catalog's mapping of it, held by the query (NULL: map it). */
    struct hist_map *map;
};

/* One kept match: its key and its record. */
struct hq_slot {
    uint64_t ts;
    uint64_t tie;
    uint32_t len;
    uint8_t rec[HIST_RECORD_MAX];
};

/* A running query. */
struct hq {
    /* The query, and what it found. */
    const struct pcapd_history_query *q;
    struct pcapd_history_result *r;
    /* The kept matches, `n` of room for `cap`, and a min-heap of them by
     * key (indices into `slots`). */
    struct hq_slot *slots;
    uint32_t *heap;
    uint32_t n;
    uint32_t cap;
    /* The output buffer. */
    uint8_t *buf;
};

/* Tells whether key (ts a, tie ta) is below key (b, tb). */
static inline bool hq_less(uint64_t a, uint64_t ta, uint64_t b, uint64_t tb)
{
    return a < b || (a == b && ta < tb);
}

/* Tells whether slot `i` is below slot `j`. */
static inline bool hq_slot_less(const struct hq *s, uint32_t i, uint32_t j)
{
    return hq_less(s->slots[i].ts, s->slots[i].tie, s->slots[j].ts, s->slots[j].tie);
}

/* Moves heap entry `i` down to its place. */
static void hq_sift_down(struct hq *s, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->n && hq_slot_less(s, s->heap[l], s->heap[m]))
            m = l;
        if (r < s->n && hq_slot_less(s, s->heap[r], s->heap[m]))
            m = r;
        if (m == i)
            return;
        uint32_t t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
}

/* Moves heap entry `i` up to its place. */
static void hq_sift_up(struct hq *s, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!hq_slot_less(s, s->heap[i], s->heap[p]))
            return;
        uint32_t t = s->heap[i];
        s->heap[i] = s->heap[p];
        s->heap[p] = t;
        i = p;
    }
}

/* Tells whether the kept matches are packet_limit and all newer than
 * time `ts`: nothing at or before it can enter. */
static bool hq_closed_below(const struct hq *s, uint64_t ts)
{
    return s->n == s->cap && ts < s->slots[s->heap[0]].ts;
}

/* Offers match `rec` (`len` bytes) of key (ts, tie) to the kept ones. */
static void hq_offer(struct hq *s, uint64_t ts, uint64_t tie, const uint8_t *rec, uint32_t len)
{
    bool grow = s->n < s->cap;
    uint32_t slot = grow ? s->n : s->heap[0];
    if (!grow && !hq_less(s->slots[slot].ts, s->slots[slot].tie, ts, tie))
        return;
    struct hq_slot *k = &s->slots[slot];
    k->ts = ts;
    k->tie = tie;
    k->len = len;
    memcpy(k->rec, rec, len);
    if (grow) {
        s->heap[s->n++] = slot;
        hq_sift_up(s, s->n - 1);
    } else {
        hq_sift_down(s, 0);
    }
}

/* Tells whether record `r` is in the window and matches the filter. */
static bool hq_match(const struct pcapd_history_query *q, const struct hist_record *r)
{
    if (r->ts_ns < q->start_ns || r->ts_ns > q->end_ns)
        return false;
    if (q->filter.fields == 0)
        return true;
    struct pkt_meta meta;
    enum pkt_parse_status st = pkt_parse_frame(r->raw + PCAP_RECORD_HEADER_LEN, r->cap_len, &meta);
    return filter_matches(&q->filter, st, &meta);
}

/* Bytes ahead of the record being decoded that are asked for early: the
 * next record's place depends on this one's length, so without a hint
 * every record waits on its first cache line. */
#define HQ_PREFETCH_AHEAD 2048

/* Decodes the records of mapped segment `base` in [from, to) and offers
 * the matches.  A bad record ends the segment (so does a file shorter
 * than its catalog entry said: its snapshot length is what was mapped). */
static void hq_scan(struct hq *s, const uint8_t *base, const struct hq_seg *seg, uint64_t from,
                    uint64_t to)
{
    uint64_t at = from, look = from, ahead = from;
    struct hist_record r;
    int n;
    while (at < to && (n = hist_record_decode(base + at, to - at, &r)) > 0) {
        /* Each cache line is asked for once, HQ_PREFETCH_AHEAD early. */
        for (; ahead < at + HQ_PREFETCH_AHEAD && ahead < to; ahead += 64)
            __builtin_prefetch(base + ahead);
        if (at >= look) {
            if (s->q->cancel != NULL && atomic_load(s->q->cancel)) {
                s->r->cancelled = true;
                break;
            }
            look = at + HQ_READ_CHUNK;
        }
        if (r.ts_ns > s->q->end_ns)
            break; /* Records are in time order: the window is behind. */
        if (hq_match(s->q, &r))
            hq_offer(s, r.ts_ns, (uint64_t)seg->ordinal << 40 | at, r.raw, (uint32_t)n);
        at += (uint64_t)n;
    }
    s->r->bytes_read += at - from;
}

/* Reads the blocks of the indexed segment that meet the window, newest
 * first, while their matches can still enter the kept ones. */
static void hq_scan_indexed(struct hq *s, const uint8_t *base, uint64_t len,
                            const struct hq_seg *seg, const struct hist_index *ix)
{
    for (uint32_t b = ix->n_sparse; b-- > 0;) {
        bool last = b + 1 == ix->n_sparse;
        uint64_t lo = ix->sparse[b].ts_ns, hi = last ? ix->last_ts : ix->sparse[b + 1].ts_ns;
        uint64_t to = last ? ix->file_bytes : ix->sparse[b + 1].offset;
        if (to > len)
            to = len;
        if (hi < s->q->start_ns || hq_closed_below(s, hi))
            return;
        if (lo > s->q->end_ns)
            continue;
        hq_scan(s, base, seg, ix->sparse[b].offset, to);
        if (s->r->cancelled)
            return;
    }
}

/* Reads the index of sealed segment `seg` into `ix`.  Returns 0, or -1
 * when there is none whole (the segment is then read whole). */
static int hq_read_index(const struct pcapd_history *h, const struct hq_seg *seg,
                         struct hist_index *ix)
{
    char idx[HIST_NAME_SIZE];
    hist_segment_index_name(idx, seg->name);
    int fd = openat(h->dir_fd, idx, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = hist_index_read(fd, ix, false);
    close(fd);
    if (rc == 0 && ix->file_bytes != seg->bytes) {
        hist_index_free(ix);
        rc = -1;
    }
    return rc == 0 ? 0 : -1;
}

/* Maps segment `seg` for this query alone (the open segment, or one the
 * catalog could not map), every page at once when `whole`: no more than
 * the file holds, whatever the catalog said.  Returns 0 with *map set (to
 * NULL when the segment has gone or holds no record), or a negative
 * errno. */
static int hq_map(const struct pcapd_history *h, const struct hq_seg *seg, bool whole,
                  struct hist_map **map)
{
    *map = NULL;
    int fd = openat(h->dir_fd, seg->name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* Evicted since the query began: simply gone. */
    struct stat st;
    int rc = fstat(fd, &st) != 0 ? -errno : 0;
    uint64_t len = (uint64_t)st.st_size < seg->bytes ? (uint64_t)st.st_size : seg->bytes;
    if (rc == 0 && len > PCAP_FILE_HEADER_LEN && (*map = hist_map_open(fd, len, whole)) == NULL)
        rc = -ENOMEM;
    close(fd);
    return rc;
}

/* Looks for the window's matches in segment `seg`.  Returns 0 or a
 * negative errno. */
static int hq_segment(struct hq *s, const struct pcapd_history *h, const struct hq_seg *seg)
{
    if (hq_closed_below(s, seg->last_ts))
        return 0;
    struct hist_index ix;
    bool indexed = seg->sealed && !s->q->scan_all && hq_read_index(h, seg, &ix) == 0;
    if (indexed && !hist_index_may_match(&ix, &s->q->filter)) {
        hist_index_free(&ix);
        return 0;
    }
    int rc = 0;
    struct hist_map *own = NULL, *map = seg->map;
    if (map == NULL) {
        rc = hq_map(h, seg, !indexed, &own);
        map = own;
    }
    if (map != NULL) {
        s->r->segments_read++;
        if (indexed)
            hq_scan_indexed(s, map->base, map->len, seg, &ix);
        else
            hq_scan(s, map->base, seg, PCAP_FILE_HEADER_LEN, map->len);
    }
    hist_map_free(own);
    if (indexed)
        hist_index_free(&ix);
    return rc;
}

/* Orders segments newest first (by last time). */
static int hq_seg_newest_first(const void *a, const void *b)
{
    const struct hq_seg *x = a, *y = b;
    if (x->last_ts != y->last_ts)
        return x->last_ts > y->last_ts ? -1 : 1;
    return x->ordinal > y->ordinal ? -1 : 1;
}

/* Copies the catalog's segments that meet the window, newest first.
 * Returns how many (in *segs, to free), or -ENOMEM. */
static int hq_snapshot(struct pcapd_history *h, const struct pcapd_history_query *q,
                       struct hq_seg **segs)
{
    pthread_mutex_lock(&h->lock);
    struct hq_seg *v = malloc((h->n_entries + 1) * sizeof(*v));
    unsigned n = 0;
    for (unsigned i = 0; v != NULL && i < h->n_entries; i++) {
        struct hist_entry *e = &h->entries[i];
        if (e->live != NULL) {
            e->bytes = atomic_load_explicit(&e->live->live_bytes, memory_order_acquire);
            e->last_ts = atomic_load_explicit(&e->live->live_last_ts, memory_order_acquire);
        }
        if (e->bytes <= PCAP_FILE_HEADER_LEN || e->last_ts < q->start_ns || e->first_ts > q->end_ns)
            continue;
        v[n] = (struct hq_seg){.first_ts = e->first_ts,
                               .last_ts = e->last_ts,
                               .bytes = e->bytes,
                               .sealed = e->sealed && e->live == NULL,
                               .ordinal = i,
                               .map = e->live == NULL ? hist_map_hold(e->map) : NULL};
        memcpy(v[n++].name, e->name, HIST_NAME_SIZE);
    }
    pthread_mutex_unlock(&h->lock);
    if (v == NULL)
        return -ENOMEM;
    qsort(v, n, sizeof(v[0]), hq_seg_newest_first);
    *segs = v;
    return (int)n;
}

/* Lets go of the catalog's mappings the `n` segments of a query held,
 * unmapping those evicted meanwhile. */
static void hq_release(struct pcapd_history *h, struct hq_seg *segs, int n)
{
    pthread_mutex_lock(&h->lock);
    for (int i = 0; i < n; i++)
        segs[i].map = hist_map_drop(segs[i].map);
    pthread_mutex_unlock(&h->lock);
    for (int i = 0; i < n; i++)
        hist_map_free(segs[i].map);
}

/* Orders kept slots by key, oldest first. */
static int hq_slot_cmp(const void *a, const void *b)
{
    const struct hq_slot *x = a, *y = b;
    if (hq_less(x->ts, x->tie, y->ts, y->tie))
        return -1;
    return hq_less(y->ts, y->tie, x->ts, x->tie) ? 1 : 0;
}

/* Writes the kept matches in time order to the query's file.  Returns 0
 * or the errno of the failed write, negated. */
static int hq_write(struct hq *s)
{
    qsort(s->slots, s->n, sizeof(s->slots[0]), hq_slot_cmp);
    struct pcap_out out;
    pcap_out_init(&out, s->q->fd, s->buf, HQ_READ_CHUNK, HIST_SNAPLEN);
    int err = 0;
    for (uint32_t i = 0; i < s->n && err == 0; i++) {
        uint8_t *room = pcap_out_reserve(&out, s->slots[i].len, &err);
        if (room == NULL)
            break;
        memcpy(room, s->slots[i].rec, s->slots[i].len);
        pcap_out_commit(&out, s->slots[i].len);
        s->r->packets++;
    }
    if (err == 0)
        err = pcap_out_flush(&out);
    s->r->bytes = atomic_load(&out.flushed);
    if (err != 0)
        s->r->packets = 0;
    return -err;
}

int pcapd_history_query(struct pcapd_history *h, const struct pcapd_history_query *q,
                        struct pcapd_history_result *result)
{
    memset(result, 0, sizeof(*result));
    struct hq s = {.q = q, .r = result, .cap = q->packet_limit};
    struct hq_seg *segs = NULL;
    s.slots = malloc((size_t)(s.cap + 1) * sizeof(s.slots[0]));
    s.heap = malloc((size_t)(s.cap + 1) * sizeof(s.heap[0]));
    s.buf = malloc(HQ_READ_CHUNK);
    int n = s.slots && s.heap && s.buf ? hq_snapshot(h, q, &segs) : -ENOMEM;
    int rc = n < 0 ? n : 0;
    result->segments_in_window = n > 0 ? (uint32_t)n : 0;
    for (int i = 0; i < n && rc == 0 && s.cap > 0 && !result->cancelled; i++)
        rc = hq_segment(&s, h, &segs[i]);
    if (rc == 0)
        rc = hq_write(&s);
    hq_release(h, segs, n);
    free(segs);
    free(s.slots);
    free(s.heap);
    free(s.buf);
    return rc;
}
