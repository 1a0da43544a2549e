/* What the dissectors share (the core in dissect.c and the protocol
 * modules in dissectors/): the dissection context of one frame, spans of
 * packet bytes, the protocol chain, and the calls through handles and
 * tables; not public. */
#ifndef PCAPD_ANALYSIS_DISSECT_INTERNAL_H
#define PCAPD_ANALYSIS_DISSECT_INTERNAL_H

#include "dissect.h"

#include <stddef.h>

/* Deepest nesting of tunnels dissected before the rest is left as data. */
#define DISSECT_MAX_DEPTH 12

/* A piece of packet: cap bytes present at p, of len bytes on the wire. */
struct span {
    const uint8_t *p; /* The captured bytes. */
    size_t cap;       /* Number of bytes captured (at most len). */
    size_t len;       /* Number of bytes the protocol reported (on the wire). */
};

/* The state of dissecting one frame. */
/* Most protocols frame.protocols lists. */
#define CTX_MAX_LAYERS 64

struct dissect_ctx {
    struct dissector *d;               /* Cross-frame state. */
    struct frame_dissection *out;      /* What this frame contributes. */
    const struct capture_frame *frame; /* The frame being dissected. */
    struct frame_fields *fields;       /* Per-packet fields to record, or NULL (d->fields). */
    struct net_addr net_src;           /* Source of the innermost IP header so far. */
    struct net_addr net_dst;           /* Destination of the innermost IP header so far. */
    unsigned depth;                    /* Number of nested dissector calls, bounded. */
    bool quoted; /* True inside the datagram an ICMP error quotes: fields only, nothing counted. */
    uint8_t quoted_chain; /* Inside a quoted datagram: the real length of the chain. */
    uint32_t data;        /* What a dissector passes the one it calls through a table (Wireshark's
                             data argument): GRE its flags and version. */
    /* The conversation hand-off the transport dispatched this payload by, or NULL. */
    const struct conversation_handoff *conversation;
    bool want_layers;                /* True when frame.protocols is wanted: layers is kept. */
    uint8_t n_layers;                /* Number of entries in layers. */
    uint16_t layers[CTX_MAX_LAYERS]; /* Every protocol a dissector was called for, as
                                        Wireshark's pinfo->layers (quoted ones too). */
};

/* Returns true when this pass records fields or is the first pass of one
 * that does: the state only fields need (stream indices of headers that
 * count nowhere, handshake times) is then kept, the same way in both passes. */
static inline bool ctx_fields_mode(const struct dissect_ctx *c)
{
    return c->fields != NULL || c->d->next_pass != NULL;
}

/* Returns true when this pass records field id, or is the first pass of
 * one that does. */
static inline bool ctx_wants(const struct dissect_ctx *c, int id)
{
    return fields_want(c->fields, id) || fields_want(c->d->next_pass, id);
}

/* Reads a big-endian 16-bit value. */
static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reads a big-endian 32-bit value. */
static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads a little-endian 16-bit value. */
static inline uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Reads a little-endian 32-bit value. */
static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Appends a protocol to the frame's chain and records its presence. */
void ctx_push(struct dissect_ctx *c, int proto);

/* Appends a protocol at the top level of the frame's chain even inside a
 * quoted datagram, where Wireshark's UDP shows an undissected payload as
 * data at the top level of the tree (counted after the ICMP error). */
void ctx_push_toplevel(struct dissect_ctx *c, int proto);

/* Appends a protocol to the frame's chain only: a node tshark counts in
 * the hierarchy that is no dissector call of its own (a reassembly's
 * "tcp.segments", a second MPLS label, a coalesced QUIC packet). */
void ctx_push_node(struct dissect_ctx *c, int proto);

/* Appends a protocol to the layers frame.protocols lists only (a
 * dissector Wireshark calls that counts nowhere else: "ethertype", IPv6
 * extension headers). */
static inline void ctx_layer(struct dissect_ctx *c, int proto)
{
    if (c->want_layers && c->n_layers < CTX_MAX_LAYERS)
        c->layers[c->n_layers++] = (uint16_t)proto;
}

/* A conversation handed to a dissector by another (SDP to RTP), as the
 * conversation hand-off table stores it. */
struct conversation_handoff {
    const struct dissector_handle *handle; /* The dissector its datagrams go to. */
    uint64_t setup_frame;                  /* Number of the frame that set it up. */
    const char *setup_method;              /* The protocol that set it up ("SDP"). */
};

/* Hands the endpoint (transport protocol id, address, port) to a
 * dissector from h->setup_frame on. */
void conversation_handoff_set(struct dissect_ctx *c, int transport, const struct net_addr *addr,
                              uint16_t port, const struct conversation_handoff *h);

/* The out-of-line part of conversation_handoff_find(), for a pass with a table. */
const struct conversation_handoff *conversation_handoff_lookup(const struct dissect_ctx *c,
                                                               int transport, uint16_t sport,
                                                               uint16_t dport);

/* Returns the hand-off the current datagram's source endpoint has, else
 * its destination's, if set up by this frame; or NULL (inline: every
 * datagram asks, and most passes have no table). */
static inline const struct conversation_handoff *
conversation_handoff_find(const struct dissect_ctx *c, int transport, uint16_t sport,
                          uint16_t dport)
{
    return c->d->conversations ? conversation_handoff_lookup(c, transport, sport, dport) : NULL;
}

/* Returns the sub-span of s from offset off (empty if off is past its
 * end); inline, as every dissector calls it on every frame. */
static inline struct span span_from(struct span s, size_t off)
{
    struct span r = {s.p, 0, 0};
    if (off < s.len)
        r.len = s.len - off;
    if (off < s.cap) {
        r.p = s.p + off;
        r.cap = s.cap - off;
    }
    return r;
}

/* Returns s cut to at most len reported bytes. */
static inline struct span span_trim(struct span s, size_t len)
{
    if (s.len > len)
        s.len = len;
    if (s.cap > len)
        s.cap = len;
    return s;
}

/* Returns the Internet checksum (RFC 1071) of n bytes at p, starting from
 * the partial one's complement sum sum (a pseudo-header's, or 0): 0 when
 * the bytes hold a correct checksum. */
uint16_t dissect_inet_checksum(const uint8_t *p, size_t n, uint32_t sum);

/* Returns true when s has n captured bytes; otherwise pushes "_ws.short"
 * (the capture was cut by its snaplen) or "_ws.malformed" (the packet itself
 * is too short), as Wireshark's exceptions do, and returns false. */
bool dissect_need(struct dissect_ctx *c, struct span s, size_t n);

/* Pushes "data" for a non-empty payload nobody dissects. */
void dissect_data(struct dissect_ctx *c, struct span s);

/* Pushes "_ws.short" when s was cut by the snaplen (a protocol whose
 * dissector reads to the end of its payload). */
void dissect_mark_short(struct dissect_ctx *c, struct span s);

/* Dissects s with the handle t holds for key, counting one level of
 * nesting (past DISSECT_MAX_DEPTH, or with no handle, s is data). */
void dissect_table_or_data(struct dissect_ctx *c, const struct dissector_table *t, uint32_t key,
                           struct span s);

/* Calls a handle's dissector on s (a handle without one stands for a
 * protocol with no fields yet: its node is pushed). */
static inline void call_dissector(struct dissect_ctx *c, const struct dissector_handle *h,
                                  struct span s)
{
    if (h->dissect)
        h->dissect(c, s);
    else
        ctx_push(c, *h->proto);
}

/* Returns this dissector's state in slot (NULL before its first use). */
static inline void *ctx_state(const struct dissect_ctx *c, int slot)
{
    return c->d->state[slot];
}

/* Records an address layer (Ethernet or IP) of the frame, if there is room. */
void dissect_add_addr_layer(struct dissect_addr_layer *arr, uint8_t *n, enum net_addr_kind kind,
                            const uint8_t *src, const uint8_t *dst);

/* Makes an IP header's addresses the innermost network address pair. */
void dissect_set_net_addrs(struct dissect_ctx *c, enum net_addr_kind kind, const uint8_t *src,
                           const uint8_t *dst);

/* Records the innermost IP header as an address layer (for endpoints and
 * conversations), if there is room (a quoted datagram leaves none). */
void dissect_count_net_addrs(struct dissect_ctx *c);

/* Records a TCP or UDP header with its ports, the enclosing IP addresses
 * and (TCP) its stream index in the frame's port layers. */
void dissect_add_port_layer(struct dissect_ctx *c, bool tcp, uint16_t sport, uint16_t dport,
                            uint32_t stream);

/* Dissects the IP datagram an ICMP or ICMPv6 error quotes, for its fields
 * only: nothing of it enters the chain, the statistics or the stream state
 * beyond what Wireshark keeps (conversations it finds or creates). */
void dissect_quoted(struct dissect_ctx *c, struct span s, bool v6);

#endif
