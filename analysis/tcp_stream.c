/* Owns TCP: the segment header, stream tracking (tcp.stream indices,
 * reuse of a 4-tuple by a new SYN), retransmission detection, and the
 * framing of application PDUs across segments the way Wireshark's TCP
 * reassembly shows them: a PDU is named in the frame that completes it, and
 * a PDU that spanned several segments adds a "tcp.segments" node after it. */
#include "dissect_internal.h"
#include "tcp_pdu.h"

#include <stdlib.h>
#include <string.h>

/* Identifies a TCP connection independently of direction. */
struct tcp_key {
    struct net_addr a; /* Lower of the two endpoint addresses. */
    struct net_addr b; /* Higher of the two endpoint addresses. */
    uint16_t port_a;   /* Port of endpoint a. */
    uint16_t port_b;   /* Port of endpoint b. */
    uint16_t pad;      /* Zero, rounding the key to whole 8-byte words. */
};

/* One TCP connection. */
struct tcp_flow {
    struct tcp_key key;      /* The connection's identity; must come first. */
    uint32_t stream;         /* Its tcp.stream index. */
    uint8_t app;             /* Application protocol chosen for the stream (enum proto_id). */
    struct tcp_half half[2]; /* Per direction: 0 is from endpoint a, 1 from endpoint b. */
};

/* Reads a big-endian 16-bit value. */
static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reads a big-endian 32-bit value. */
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Returns the application Wireshark registers on a TCP port, or PROTO_COUNT. */
static enum proto_id tcp_port_proto(uint16_t port)
{
    switch (port) {
    case 80:
    case 3128:
    case 3132:
    case 5985:
    case 8080:
    case 8088:
    case 11371:
    case 1900:
    case 2869:
    case 2710:
        return PROTO_HTTP;
    case 443:
        return PROTO_TLS;
    case 53:
        return PROTO_DNS;
    case 22:
        return PROTO_SSH;
    default:
        return PROTO_COUNT;
    }
}

/* Chooses a new stream's application: the SYN's destination port first, then the lower port. */
static enum proto_id tcp_choose_app(uint16_t sport, uint16_t dport, bool syn_only)
{
    enum proto_id p;
    if (syn_only && (p = tcp_port_proto(dport)) != PROTO_COUNT)
        return p;
    uint16_t lo = sport < dport ? sport : dport, hi = sport < dport ? dport : sport;
    if ((p = tcp_port_proto(lo)) != PROTO_COUNT)
        return p;
    if ((p = tcp_port_proto(hi)) != PROTO_COUNT)
        return p;
    return PROTO_DATA;
}

/* Frees the buffers of a flow's two directions. */
static void tcp_flow_reset(struct tcp_flow *f)
{
    for (int i = 0; i < 2; i++) {
        free(f->half[i].buf);
        memset(&f->half[i], 0, sizeof(f->half[i]));
    }
}

/* Finds or creates the flow of a segment and returns it with the direction
 * index in *dir; a SYN with a new sequence number starts a new stream. */
static struct tcp_flow *tcp_flow_get(struct dissect_ctx *c, uint16_t sport, uint16_t dport,
                                     uint8_t flags, uint32_t seq, int *dir)
{
    struct dissector *d = c->d;
    struct tcp_key k;
    int created;
    bool src_low = net_addr_cmp(&c->net_src, &c->net_dst) < 0 ||
                   (net_addr_cmp(&c->net_src, &c->net_dst) == 0 && sport <= dport);

    if (d->tcp_flows.entry_size == 0)
        hash_table_init(&d->tcp_flows, sizeof(struct tcp_key), sizeof(struct tcp_flow));
    memset(&k, 0, sizeof(k));
    k.a = src_low ? c->net_src : c->net_dst;
    k.b = src_low ? c->net_dst : c->net_src;
    k.port_a = src_low ? sport : dport;
    k.port_b = src_low ? dport : sport;
    *dir = src_low ? 0 : 1;
    struct tcp_flow *f = hash_table_upsert(&d->tcp_flows, &k, &created);
    if (!f)
        return NULL;
    bool syn_only = (flags & 0x12) == 0x02;
    struct tcp_half *h = &f->half[*dir];
    if (!created && syn_only && h->base_set && h->base_seq != seq) {
        tcp_flow_reset(f);
        created = 1;
    }
    if (created) {
        f->stream = d->next_tcp_stream++;
        f->app = (uint8_t)tcp_choose_app(sport, dport, syn_only);
    }
    if (!h->base_set) {
        h->base_set = true;
        h->base_seq = seq;
    }
    return f;
}

/* How a segment's sequence number relates to what its direction already carried. */
enum seg_kind {
    SEG_NEW,     /* It continues the stream (or is the first seen). */
    SEG_RETRANS, /* It carries only bytes already seen: Wireshark does not dissect it again. */
    SEG_GAP,     /* It starts past the next expected byte: a segment was lost. */
};

/* Classifies a segment and advances the direction's next expected sequence number. */
static enum seg_kind tcp_track_seq(struct tcp_half *h, uint32_t seq, size_t len, uint8_t flags)
{
    uint32_t end = seq + (uint32_t)len + ((flags & 0x02) ? 1 : 0) + ((flags & 0x01) ? 1 : 0);
    enum seg_kind kind = SEG_NEW;
    if (h->seq_set && len > 0 && (int32_t)(end - h->next_seq) <= 0)
        return SEG_RETRANS;
    if (h->seq_set && len > 0 && (int32_t)(seq - h->next_seq) > 0)
        kind = SEG_GAP;
    if (!h->seq_set || (int32_t)(end - h->next_seq) > 0)
        h->next_seq = end;
    h->seq_set = true;
    return kind;
}

/* Dissects a TCP segment and, through the stream state, its application PDUs. */
void dissect_tcp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_TCP);
    if (!dissect_need(c, s, 20))
        return;
    uint16_t sport = be16(s.p), dport = be16(s.p + 2);
    uint32_t seq = be32(s.p + 4);
    size_t hl = (size_t)(s.p[12] >> 4) * 4;
    uint8_t flags = s.p[13];
    int dir;
    if (hl < 20 || !dissect_need(c, s, hl))
        return; /* Wireshark stops before its TCP tap: the segment counts nowhere. */
    struct tcp_flow *f = tcp_flow_get(c, sport, dport, flags, seq, &dir);
    if (!f)
        return;
    dissect_note_tcp(c, sport, dport, f->stream);
    struct span p = span_from(s, hl);
    struct tcp_half *h = &f->half[dir];
    enum seg_kind kind = tcp_track_seq(h, seq, p.len, flags);
    if (kind == SEG_RETRANS)
        return;
    if (kind == SEG_GAP)
        tcp_pdu_gap(h);
    if (p.len > 0)
        tcp_pdu_segment(c, (enum proto_id)f->app, h, &f->half[!dir], p);
    if (flags & 0x01)
        tcp_pdu_fin(c, (enum proto_id)f->app, h);
}

/* Frees one flow's buffers (a hash_table_foreach callback). */
static void tcp_flow_free(void *entry, void *ctx)
{
    (void)ctx;
    tcp_flow_reset(entry);
}

/* Frees the TCP stream table. */
void tcp_streams_free(struct dissector *d)
{
    hash_table_foreach(&d->tcp_flows, tcp_flow_free, NULL);
    hash_table_free(&d->tcp_flows);
}
