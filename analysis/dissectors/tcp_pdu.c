/* Owns the framing of application PDUs inside one direction of a TCP
 * stream, for whichever application the stream carries: a PDU in progress
 * is continued by the next in-order segment, completed PDUs are shown in
 * the frame that completes them (with "tcp.segments" after one that took
 * several segments), a cut segment is shown as its application and
 * "_ws.short", and a gap abandons the PDU in progress.  The applications'
 * ops (tcp_pdu.h) say where PDUs start and end; only header bytes (or
 * whole PDUs whose fields are wanted) are buffered. */
#include "dissectors/tcp_pdu.h"

#include <stdlib.h>
#include <string.h>

/* Forgets the PDU in progress. */
static void pdu_reset(const struct tcp_stream_ops *ops, struct tcp_half *h)
{
    h->mode = PDU_IDLE;
    h->segs = 0;
    h->need = 0;
    h->buf_len = 0;
    if (ops->reset)
        ops->reset(h);
}

/* Forgets the PDU in progress after a gap in the sequence numbers. */
void tcp_pdu_gap(const struct dissector_handle *app, struct tcp_half *h)
{
    if (app && app->ops)
        pdu_reset((const struct tcp_stream_ops *)app->ops, h);
}

/* Appends n bytes to the direction's buffer. */
bool tcp_pdu_buf_append(struct tcp_half *h, const uint8_t *p, size_t n, uint32_t max)
{
    if (h->buf_len + n > max)
        return false;
    if (h->buf_len + n > h->buf_cap) {
        uint32_t ncap = h->buf_cap ? h->buf_cap : 256;
        while (ncap < h->buf_len + n)
            ncap *= 2;
        uint8_t *nb = realloc(h->buf, ncap);
        if (!nb)
            return false;
        h->buf = nb;
        h->buf_cap = ncap;
    }
    memcpy(h->buf + h->buf_len, p, n);
    h->buf_len += (uint32_t)n;
    return true;
}

/* Feeds bytes to a PDU whose header of hdr_len bytes holds a big-endian
 * 16-bit length at len_off, counting counted header bytes besides the
 * rest (a length smaller than that ends the PDU with its header). */
static size_t feed_length(struct tcp_half *h, const uint8_t *p, size_t n, uint32_t hdr_len,
                          uint32_t len_off, uint32_t counted, bool keep, uint32_t keep_max,
                          bool *done)
{
    size_t used = 0;
    if (h->mode == PDU_HEADER) {
        used = hdr_len - h->buf_len < n ? hdr_len - h->buf_len : n;
        tcp_pdu_buf_append(h, p, used, 32);
        if (h->buf_len < hdr_len)
            return used;
        h->mode = PDU_FIXED;
        uint32_t len = be16(h->buf + len_off);
        h->need = len > counted ? len - counted : 0;
        if (h->need == 0) {
            *done = true;
            return used;
        }
    }
    size_t take = tcp_pdu_feed_fixed(h, p + used, n - used, done);
    /* A failure to keep the bytes shows at the end as a PDU too short. */
    if (keep)
        tcp_pdu_buf_append(h, p + used, take, keep_max);
    return used + take;
}

/* Feeds n bytes at p to a known-length PDU. */
size_t tcp_pdu_feed_fixed(struct tcp_half *h, const uint8_t *p, size_t n, bool *done)
{
    (void)p;
    size_t take = h->need < n ? (size_t)h->need : n;
    h->need -= take;
    *done = h->need == 0;
    return take;
}

/* Feeds bytes to a PDU whose header gives its length. */
size_t tcp_pdu_feed_counted(struct tcp_half *h, const uint8_t *p, size_t n, uint32_t hdr_len,
                            uint32_t len_off, uint32_t counted, bool *done)
{
    return feed_length(h, p, n, hdr_len, len_off, counted, false, 0, done);
}

/* Feeds bytes to a length-prefixed PDU. */
size_t tcp_pdu_feed_prefixed(struct tcp_half *h, const uint8_t *p, size_t n, uint32_t hdr_len,
                             uint32_t len_off, bool keep, uint32_t keep_max, bool *done)
{
    return feed_length(h, p, n, hdr_len, len_off, 0, keep, keep_max, done);
}

/* Feeds bytes to the PDU in progress, starting one if idle. */
static size_t pdu_feed(const struct tcp_stream_ops *ops, struct tcp_half *h, struct tcp_half *other,
                       const uint8_t *p, size_t n, bool *done)
{
    *done = false;
    if (h->mode == PDU_IDLE)
        h->mode = PDU_HEADER;
    if (!ops->feed)
        return tcp_pdu_feed_counted(h, p, n, ops->hdr_len, ops->len_off, ops->counted, done);
    return ops->feed(h, other, p, n, done);
}

/* A PDU completed: the application shows it, or (no done op) its protocol does. */
static void pdu_done(struct dissect_ctx *c, const struct dissector_handle *app, struct tcp_half *h,
                     struct tcp_half *other, bool pushed)
{
    const struct tcp_stream_ops *ops = app->ops;
    const struct frame_dissection *o = c->out;
    if (ops->done)
        ops->done(c, h, other, pushed);
    else if (o->n_chain > 0 && o->chain[o->n_chain - 1] == *app->proto)
        ctx_push_node(c, *app->proto); /* One dissector call for a segment's PDUs. */
    else
        ctx_push(c, *app->proto);
}

/* Completes a PDU in progress with this segment's bytes; returns the bytes it
 * took, or n with nothing pushed while the PDU still needs more. */
static size_t pdu_continue(struct dissect_ctx *c, const struct dissector_handle *app,
                           struct tcp_half *h, struct tcp_half *other, const uint8_t *p, size_t n)
{
    const struct tcp_stream_ops *ops = app->ops;
    bool done;
    h->segs++;
    size_t used = pdu_feed(ops, h, other, p, n, &done);
    if (!done)
        return n;
    pdu_done(c, app, h, other, false);
    ctx_push_node(c, tcp_proto_segments);
    pdu_reset(ops, h);
    return used;
}

/* Handles a segment the snaplen cut: no reassembly, the application hits
 * the end of the capture. */
static void pdu_cut(struct dissect_ctx *c, const struct dissector_handle *app, struct tcp_half *h,
                    struct tcp_half *other, struct span p)
{
    if (!app) {
        ctx_push(c, proto_data);
        return;
    }
    const struct tcp_stream_ops *ops = app->ops;
    if (ops && ops->cut)
        ops->cut(c, h, other, p);
    if (ops)
        pdu_reset(ops, h);
    ctx_push(c, *app->proto);
    ctx_push(c, proto_short);
}

/* Dissects the payload of one in-order segment. */
void tcp_pdu_segment(struct dissect_ctx *c, const struct dissector_handle *app, struct tcp_half *h,
                     struct tcp_half *other, struct span p)
{
    if (p.cap < p.len) {
        pdu_cut(c, app, h, other, p);
        return;
    }
    if (!app || !app->ops) {
        ctx_push(c, app ? *app->proto : proto_data);
        return;
    }
    const struct tcp_stream_ops *ops = app->ops;
    if (ops->prepare)
        ops->prepare(c, h);
    size_t off = 0, n = p.cap;
    if (h->mode != PDU_IDLE)
        off = pdu_continue(c, app, h, other, p.p, n);
    bool pushed = false;
    while (off < n) {
        if (ops->start && !ops->start(c, h, other, p.p + off, n - off, pushed))
            return;
        bool done;
        pdu_reset(ops, h);
        h->segs = 1;
        off += pdu_feed(ops, h, other, p.p + off, n - off, &done);
        if (!done)
            return;
        pdu_done(c, app, h, other, pushed);
        pushed = true;
        pdu_reset(ops, h);
    }
}

/* Ends the direction at a FIN. */
void tcp_pdu_fin(struct dissect_ctx *c, const struct dissector_handle *app, struct tcp_half *h)
{
    const struct tcp_stream_ops *ops = app ? app->ops : NULL;
    if (!ops || !ops->fin || !ops->fin(c, h))
        return;
    if (h->segs > 1)
        ctx_push_node(c, tcp_proto_segments);
    pdu_reset(ops, h);
}

/* Frees the buffers of a direction. */
void tcp_pdu_free(const struct dissector_handle *app, struct tcp_half *h)
{
    const struct tcp_stream_ops *ops = app ? app->ops : NULL;
    free(h->buf);
    if (ops && ops->free)
        ops->free(h);
}
