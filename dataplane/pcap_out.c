/*
 * Buffered pcap output: one write() per buffer, retried on EINTR and short
 * writes.
 */
#include "pcap_out.h"

#include <errno.h>
#include <unistd.h>

#include "pcapd/pcap_format.h"

void pcap_out_init(struct pcap_out *o, int fd, uint8_t *buf, uint32_t cap, uint32_t snaplen)
{
    o->fd = fd;
    o->buf = buf;
    o->cap = cap;
    atomic_store_explicit(&o->flushed, 0, memory_order_relaxed);
    o->len = (uint32_t)pcap_format_file_header(buf, snaplen, PCAP_LINKTYPE_ETHERNET);
}

int pcap_out_flush(struct pcap_out *o)
{
    uint32_t done = 0;
    while (done < o->len) {
        ssize_t n = write(o->fd, o->buf + done, o->len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* Keep what did not go out, so a later flush can retry it. */
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
