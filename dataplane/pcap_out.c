/*
 * Buffered pcap output: one write() per buffer, retried on EINTR and short
 * writes, each taken from the process's write budget first.
 */
#include "pcap_out.h"

#include <errno.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "pcapd/pcap_budget.h"
#include "pcapd/pcap_format.h"

void pcap_out_init(struct pcap_out *o, int fd, uint8_t *buf, uint32_t cap, uint32_t snaplen)
{
    o->fd = fd;
    o->buf = buf;
    o->cap = cap;
    o->stats = NULL;
    atomic_store_explicit(&o->flushed, 0, memory_order_relaxed);
    o->len = (uint32_t)pcap_format_file_header(buf, snaplen, PCAP_LINKTYPE_ETHERNET);
}

/* The budget, and the bytes written so far (see pcap_budget.h). */
static _Atomic int64_t budget = INT64_MAX;
static _Atomic uint64_t written;

void pcap_budget_set(int64_t bytes)
{
    atomic_store_explicit(&budget, bytes, memory_order_relaxed);
}

uint64_t pcap_budget_written(void)
{
    return atomic_load_explicit(&written, memory_order_relaxed);
}

int pcap_budget_take(uint64_t bytes)
{
    int64_t n = (int64_t)bytes;
    if (atomic_fetch_sub_explicit(&budget, n, memory_order_relaxed) >= n)
        return 0;
    atomic_fetch_add_explicit(&budget, n, memory_order_relaxed);
    return -1;
}

/* Adds `n` to a counter only this thread writes: a relaxed load and store,
 * without the locked read-modify-write of atomic_fetch_add. */
static inline void stat_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Nanoseconds on the monotonic clock (the vDSO: no system call). */
static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Counts a buffer write of `bytes` that began at `start_ns` in `s`. */
static void stats_count_write(struct pcap_out_stats *s, uint64_t start_ns, uint32_t bytes)
{
    static const uint64_t bounds_us[PCAPD_WRITE_LATENCY_BUCKETS] = PCAPD_WRITE_LATENCY_BOUNDS_US;
    uint64_t ns = mono_ns() - start_ns;
    unsigned b = 0;
    while (b < PCAPD_WRITE_LATENCY_BUCKETS && ns > bounds_us[b] * 1000)
        b++;
    stat_add(&s->writes, 1);
    stat_add(&s->bytes, bytes);
    stat_add(&s->ns, ns);
    stat_add(&s->latency[b], 1);
}

/* Writes the buffer to the file; returns 0 or the errno of the failed
 * write (what did not go out stays in the buffer). */
static int flush_buffer(struct pcap_out *o)
{
    uint32_t done = 0;
    if (o->len > 0 && pcap_budget_take(o->len) != 0)
        return EDQUOT;
    atomic_fetch_add_explicit(&written, o->len, memory_order_relaxed);
    while (done < o->len) {
        ssize_t n = write(o->fd, o->buf + done, o->len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* Keep what did not go out, so a later flush can retry it (and
             * take it from the budget again). */
            atomic_fetch_add_explicit(&budget, (int64_t)(o->len - done), memory_order_relaxed);
            atomic_fetch_sub_explicit(&written, o->len - done, memory_order_relaxed);
            for (uint32_t i = done; i < o->len; i++)
                o->buf[i - done] = o->buf[i];
            o->len -= done;
            atomic_fetch_add_explicit(&o->flushed, done, memory_order_relaxed);
            return errno;
        }
        done += (uint32_t)n;
    }
    atomic_fetch_add_explicit(&o->flushed, done, memory_order_relaxed);
    o->len = 0;
    return 0;
}

int pcap_out_flush(struct pcap_out *o)
{
    if (o->stats == NULL || o->len == 0)
        return flush_buffer(o);
    uint64_t start = mono_ns(), before = atomic_load_explicit(&o->flushed, memory_order_relaxed);
    int rc = flush_buffer(o);
    uint64_t bytes = atomic_load_explicit(&o->flushed, memory_order_relaxed) - before;
    if (bytes > 0)
        stats_count_write(o->stats, start, (uint32_t)bytes);
    return rc;
}

uint8_t *pcap_out_reserve_flush(struct pcap_out *o, int *err)
{
    int rc = pcap_out_flush(o);
    if (rc != 0) {
        *err = rc;
        return NULL;
    }
    return o->buf + o->len;
}
