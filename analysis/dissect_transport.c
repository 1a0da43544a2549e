/* Owns the transport layers other than TCP streams: UDP with its
 * port-detected applications (DNS, mDNS, DHCP, DHCPv6, NTP, QUIC, VXLAN,
 * Geneve) and ICMP.  Applications are named by the lower port first, then
 * the higher, as Wireshark's UDP dissector tries them. */
#include "dissect_internal.h"

#include "app_fields.h"
#include "quic_initial.h"

#include <string.h>

/* Reads a big-endian 16-bit value. */
static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Returns the application registered for a UDP port, or PROTO_COUNT for none. */
static enum proto_id udp_port_proto(uint16_t port)
{
    switch (port) {
    case 53:
        return PROTO_DNS;
    case 5353:
        return PROTO_MDNS;
    case 67:
    case 68:
        return PROTO_DHCP;
    case 546:
    case 547:
        return PROTO_DHCPV6;
    case 123:
        return PROTO_NTP;
    case 443:
        return PROTO_QUIC;
    case 4789:
        return PROTO_VXLAN;
    case 6081:
        return PROTO_GENEVE;
    default:
        return PROTO_COUNT;
    }
}

/* Dissects a VXLAN header and the Ethernet frame it carries. */
static void dissect_vxlan(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_VXLAN);
    if (!dissect_need(c, s, 8))
        return;
    dissect_eth(c, span_from(s, 8));
}

/* Dissects a Geneve header (with its options) and the payload its protocol type names. */
static void dissect_geneve(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_GENEVE);
    if (!dissect_need(c, s, 8))
        return;
    size_t hl = 8 + (size_t)(s.p[0] & 0x3f) * 4;
    if (!dissect_need(c, s, hl))
        return;
    dissect_ethertype(c, be16(s.p + 2), span_from(s, hl));
}

/* Returns the length of the QUIC long-header packet at the start of s, or 0
 * when it is a short-header packet or cannot be parsed (it then fills s). */
static size_t quic_long_packet_len(struct span s)
{
    if (s.cap < 7 || !(s.p[0] & 0x80))
        return 0;
    size_t off = 5;
    size_t dcil = s.p[off++];
    if (off + dcil + 1 > s.cap)
        return 0;
    off += dcil;
    size_t scil = s.p[off++];
    off += scil;
    uint32_t version =
        (uint32_t)s.p[1] << 24 | (uint32_t)s.p[2] << 16 | (uint32_t)s.p[3] << 8 | s.p[4];
    uint8_t type = (s.p[0] >> 4) & 3;
    if (version == 0x6b3343cf)
        type = (type + 3) & 3; /* QUIC v2 (RFC 9369) numbers the types 1 Initial ... 0 Retry. */
    if (version == 0 || type == 3)
        return 0; /* Version negotiation and Retry fill the datagram. */
    uint64_t v;
    if (type == 0) {
        /* Initial packets carry a token length (varint) and token. */
        if (!quic_read_varint(s.p, s.cap, &off, &v))
            return 0;
        off += v;
    }
    if (!quic_read_varint(s.p, s.cap, &off, &v))
        return 0;
    return off + v <= s.len ? off + v : 0;
}

/* Dissects a QUIC datagram: one "quic" node per coalesced packet. */
static void dissect_quic(struct dissect_ctx *c, struct span s)
{
    dissect_quic_fields(c, s);
    for (unsigned n = 0; s.len > 0 && n < 8; n++) {
        ctx_push(c, PROTO_QUIC);
        size_t plen = quic_long_packet_len(s);
        if (plen == 0 || plen >= s.len)
            return;
        s = span_from(s, plen);
        /* Padding after the last packet is no packet. */
        if (s.cap == 0 || s.p[0] == 0)
            return;
    }
}

/* Dissects a UDP payload as the application of one port, if that port has one. */
static bool udp_try_port(struct dissect_ctx *c, uint16_t port, struct span s)
{
    enum proto_id app = udp_port_proto(port);
    switch (app) {
    case PROTO_COUNT:
        return false;
    case PROTO_VXLAN:
        dissect_vxlan(c, s);
        return true;
    case PROTO_GENEVE:
        dissect_geneve(c, s);
        return true;
    case PROTO_QUIC:
        dissect_quic(c, s);
        return true;
    default:
        ctx_push(c, app);
        app_fields_udp(c, app, s);
        if (s.cap < s.len)
            ctx_push(c, PROTO_SHORT);
        return true;
    }
}

/* Records a TCP or UDP header with its ports and enclosing IP addresses. */
static void add_port_layer(struct dissect_ctx *c, struct dissect_port_layer *arr, uint8_t *n,
                           uint16_t sport, uint16_t dport, uint32_t stream)
{
    if (*n >= DISSECT_MAX_LAYERS)
        return;
    arr[*n] = (struct dissect_port_layer){
        .src = c->net_src, .dst = c->net_dst, .sport = sport, .dport = dport, .stream = stream};
    (*n)++;
}

/* Identifies a UDP conversation (udp.stream) independently of direction. */
struct udp_key {
    struct net_addr a; /* Lower of the two endpoint addresses. */
    struct net_addr b; /* Higher of the two endpoint addresses. */
    uint16_t port_a;   /* Port of endpoint a. */
    uint16_t port_b;   /* Port of endpoint b. */
    uint16_t pad;      /* Zero, rounding the key to whole 8-byte words. */
};

/* One UDP conversation. */
struct udp_conv {
    struct udp_key key; /* The conversation's identity; must come first. */
    uint32_t stream;    /* Its udp.stream index. */
};

/* Returns the udp.stream index of a datagram between the innermost IP
 * addresses and these ports: Wireshark numbers UDP conversations in order
 * of first appearance, whichever direction comes first (quoted datagrams
 * included); returns -1 when out of memory. */
static int64_t udp_stream_index(struct dissect_ctx *c, uint16_t sport, uint16_t dport)
{
    struct dissector *d = c->d;
    struct udp_key k;
    int created;
    int cmp = net_addr_cmp(&c->net_src, &c->net_dst);
    bool src_low = cmp < 0 || (cmp == 0 && sport <= dport);

    if (d->udp_streams.entry_size == 0)
        hash_table_init(&d->udp_streams, sizeof(struct udp_key), sizeof(struct udp_conv));
    memset(&k, 0, sizeof(k));
    k.a = src_low ? c->net_src : c->net_dst;
    k.b = src_low ? c->net_dst : c->net_src;
    k.port_a = src_low ? sport : dport;
    k.port_b = src_low ? dport : sport;
    struct udp_conv *u = hash_table_upsert(&d->udp_streams, &k, &created);
    if (!u)
        return -1;
    if (created)
        u->stream = d->next_udp_stream++;
    return u->stream;
}

/* Records the fields of a UDP header as far as Wireshark gets: the ports
 * once 4 bytes are there, the stream once the whole header is and its
 * length field is plausible (a jumbogram's 0 counts, over IPv6). */
static __attribute__((noinline)) void udp_fields(struct dissect_ctx *c, struct span s)
{
    struct frame_fields *ff = c->fields;
    if (s.cap < 4)
        return;
    uint16_t sport = be16(s.p), dport = be16(s.p + 2);
    field_add_uint(ff, F_UDP_SRCPORT, sport);
    field_add_uint(ff, F_UDP_DSTPORT, dport);
    field_add_uint(ff, F_UDP_PORT, sport);
    field_add_uint(ff, F_UDP_PORT, dport);
    if (s.cap < 8 || !fields_want(ff, F_UDP_STREAM))
        return;
    uint16_t ulen = be16(s.p + 4);
    if (ulen < 8 && !(ulen == 0 && c->net_src.kind == NET_ADDR_IPV6))
        return;
    int64_t stream = udp_stream_index(c, sport, dport);
    if (stream >= 0)
        field_add_uint(ff, F_UDP_STREAM, (uint64_t)stream);
}

/* Frees the UDP stream table. */
void udp_streams_free(struct dissector *d)
{
    hash_table_free(&d->udp_streams);
    d->next_udp_stream = 0;
}

/* Dissects a UDP datagram and its application; a quoted one (in an ICMP
 * error) gives only its header fields. */
void dissect_udp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_UDP);
    if (c->fields)
        udp_fields(c, s);
    if (!dissect_need(c, s, 8) || c->quoted)
        return;
    uint16_t sport = be16(s.p), dport = be16(s.p + 2), ulen = be16(s.p + 4);
    add_port_layer(c, c->out->udp, &c->out->n_udp, sport, dport, 0);
    if (ulen >= 8 && ulen <= s.len)
        s = span_trim(s, ulen);
    struct span p = span_from(s, 8);
    if (p.len == 0)
        return;
    uint16_t lo = sport < dport ? sport : dport, hi = sport < dport ? dport : sport;
    if (udp_try_port(c, lo, p) || udp_try_port(c, hi, p))
        return;
    ctx_push(c, PROTO_DATA);
}

/* Records a TCP header (called by the TCP stream module). */
void dissect_note_tcp(struct dissect_ctx *c, uint16_t sport, uint16_t dport, uint32_t stream)
{
    add_port_layer(c, c->out->tcp, &c->out->n_tcp, sport, dport, stream);
}

/* Dissects an ICMP message.  Error messages quote an IP header that tshark
 * neither counts nor shows at the top level; an RFC 4884 length that
 * overruns the message makes Wireshark call the packet malformed. */
void dissect_icmp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_ICMP);
    if (!dissect_need(c, s, s.len < 8 ? s.len : 8))
        return;
    if (s.len < 8)
        return;
    uint8_t type = s.p[0];
    size_t words = type == 12 ? s.p[4] : s.p[5];
    if ((type == 3 || type == 4 || type == 5 || type == 11 || type == 12) && !c->quoted &&
        ctx_fields_mode(c))
        dissect_quoted(c, span_from(s, 8), false);
    if ((type == 3 || type == 11 || type == 12) && words > 0 && 8 + words * 4 > s.len)
        ctx_push(c, PROTO_MALFORMED);
}

/* Dissects an ICMPv6 message: errors (destination unreachable, packet too
 * big, time exceeded, parameter problem) quote the offending packet, whose
 * headers Wireshark shows (and so gives fields) without counting them. */
void dissect_icmpv6(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_ICMPV6);
    if (s.cap < 8 || s.p[0] < 1 || s.p[0] > 4 || c->quoted || !ctx_fields_mode(c))
        return;
    dissect_quoted(c, span_from(s, 8), true);
}
