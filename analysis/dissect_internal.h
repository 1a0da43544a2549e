/* Declarations shared by the dissector modules (link and network layers,
 * transport and applications, IP reassembly, TCP streams); not public. */
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
struct dissect_ctx {
    struct dissector *d;               /* Cross-frame state. */
    struct frame_dissection *out;      /* What this frame contributes. */
    const struct capture_frame *frame; /* The frame being dissected. */
    struct frame_fields *fields;       /* Per-packet fields to record, or NULL (d->fields). */
    struct net_addr net_src;           /* Source of the innermost IP header so far. */
    struct net_addr net_dst;           /* Destination of the innermost IP header so far. */
    unsigned depth;                    /* Number of nested dissector calls, bounded. */
    bool quoted; /* True inside the datagram an ICMP error quotes: fields only, nothing counted. */
};

/* Returns true when this pass records fields or is the first pass of one
 * that does: the state only fields need (stream indices of headers that
 * count nowhere, handshake times) is then kept, the same way in both passes. */
static inline bool ctx_fields_mode(const struct dissect_ctx *c)
{
    return c->fields != NULL || c->d->next_pass != NULL;
}

/* Appends a protocol to the frame's chain. */
void ctx_push(struct dissect_ctx *c, enum proto_id id);

/* Returns the sub-span of s from offset off (empty if off is past its end). */
struct span span_from(struct span s, size_t off);

/* Returns s cut to at most len reported bytes. */
struct span span_trim(struct span s, size_t len);

/* Returns true when s has n captured bytes; otherwise pushes "_ws.short"
 * (the capture was cut by its snaplen) or "_ws.malformed" (the packet itself
 * is too short), as Wireshark's exceptions do, and returns false. */
bool dissect_need(struct dissect_ctx *c, struct span s, size_t n);

/* Dissects a payload announced by an EtherType (IP, ARP, VLAN, MPLS...). */
void dissect_ethertype(struct dissect_ctx *c, uint16_t type, struct span s);

/* Dissects an Ethernet II / 802.3 frame. */
void dissect_eth(struct dissect_ctx *c, struct span s);

/* Dissects an IPv4 packet. */
void dissect_ipv4(struct dissect_ctx *c, struct span s);

/* Dissects an IPv6 packet. */
void dissect_ipv6(struct dissect_ctx *c, struct span s);

/* Dissects an IP payload of the given protocol number (TCP, UDP, ICMP...). */
void dissect_ip_payload(struct dissect_ctx *c, uint8_t proto, struct span s);

/* Dissects a UDP datagram and its application. */
void dissect_udp(struct dissect_ctx *c, struct span s);

/* Dissects a TCP segment and, through the stream state, its application PDUs. */
void dissect_tcp(struct dissect_ctx *c, struct span s);

/* Records a TCP header with its ports and stream index in the frame's layers. */
void dissect_note_tcp(struct dissect_ctx *c, uint16_t sport, uint16_t dport, uint32_t stream);

/* Dissects an ICMP message (errors' quoted headers are not counted, as in tshark). */
void dissect_icmp(struct dissect_ctx *c, struct span s);

/* Dissects an ICMPv6 message (errors' quoted headers give fields only). */
void dissect_icmpv6(struct dissect_ctx *c, struct span s);

/* Dissects the IP datagram an ICMP or ICMPv6 error quotes, for its fields
 * only: nothing of it enters the chain, the statistics or the stream state
 * beyond what Wireshark keeps (conversations it finds or creates). */
void dissect_quoted(struct dissect_ctx *c, struct span s, bool v6);

/* Adds one fragment to IP reassembly; returns true with *whole set to the
 * datagram's payload when this fragment completes it (valid until the next
 * call), false while fragments are missing. */
bool ip_reassembly_add(struct dissector *d, const struct net_addr *src, const struct net_addr *dst,
                       uint32_t id, uint8_t proto, size_t offset, bool more, struct span frag,
                       struct span *whole);

/* Frees the IP reassembly table. */
void ip_reassembly_free(struct dissector *d);

/* Frees the TCP stream table. */
void tcp_streams_free(struct dissector *d);

/* Returns true when the wanted fields need the TCP facts of a first pass
 * (tcp.analysis.initial_rtt, known only once the handshake completes). */
bool tcp_needs_first_pass(const struct frame_fields *ff);

/* Moves the handshake times a first pass learned to the second pass. */
void tcp_take_first_pass(struct dissector *second, struct dissector *first);

/* Frees the UDP stream table. */
void udp_streams_free(struct dissector *d);

/* Records the QUIC fields of one datagram (s is the UDP payload): each long
 * header's version and what its decrypted Initial packets carry. */
void dissect_quic_fields(struct dissect_ctx *c, struct span s);

/* Frees the QUIC connection state of d. */
void quic_state_free(struct dissector *d);

#endif
