/*
 * Buffered pcap output: one write() per buffer, retried on EINTR and short
 * writes, each taken from the process's write budget first.
 */
#include "pcap_out.h"

#include <errno.h>
#include <stdatomic.h>
#include <unistd.h>

#include "pcapd/pcap_budget.h"
#include "pcapd/pcap_format.h"

void pcap_out_init(struct pcap_out *o, int fd, uint8_t *buf, uint32_t cap, uint32_t snaplen)
{
    o->fd = fd;
    o->buf = buf;
    o->cap = cap;
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

int pcap_out_flush(struct pcap_out *o)
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

uint8_t *pcap_out_reserve_flush(struct pcap_out *o, int *err)
{
    int rc = pcap_out_flush(o);
    if (rc != 0) {
        *err = rc;
        return NULL;
    }
    return o->buf + o->len;
}
