/* Owns the link and network layers of dissection: the capture link types
 * (Ethernet, BSD loopback, Linux cooked v1/v2, raw IP, NFLOG), EtherType
 * dispatch, 802.1Q/802.1ad, MPLS, ARP, IPv4 and IPv6 with extension
 * headers and fragments.  Each layer pushes its Wireshark name onto the
 * frame's chain and records its addresses. */
#include "dissect_internal.h"

#include "app_fields.h"

#include <string.h>

/* Reads a big-endian 16-bit value. */
static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Appends a protocol to the frame's chain (dropping it if the chain is full,
 * as dissect_quoted() makes it) and records its presence. */
void ctx_push(struct dissect_ctx *c, enum proto_id id)
{
    if (c->out->n_chain < DISSECT_MAX_CHAIN)
        c->out->chain[c->out->n_chain++] = (uint8_t)id;
    field_add_present(c->fields, field_of_proto(id));
}

/* Returns the sub-span of s from offset off. */
struct span span_from(struct span s, size_t off)
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
struct span span_trim(struct span s, size_t len)
{
    if (s.len > len)
        s.len = len;
    if (s.cap > len)
        s.cap = len;
    return s;
}

/* Returns true when s has n captured bytes, else pushes why not and returns false. */
bool dissect_need(struct dissect_ctx *c, struct span s, size_t n)
{
    if (s.cap >= n)
        return true;
    ctx_push(c, s.len >= n ? PROTO_SHORT : PROTO_MALFORMED);
    return false;
}

/* Pushes "data" for a non-empty payload nobody dissects. */
static void dissect_data(struct dissect_ctx *c, struct span s)
{
    if (s.len > 0)
        ctx_push(c, PROTO_DATA);
}

/* Records an address layer (Ethernet or IP) if there is room. */
static void add_addr_layer(struct dissect_addr_layer *arr, uint8_t *n, enum net_addr_kind kind,
                           const uint8_t *src, const uint8_t *dst)
{
    if (*n >= DISSECT_MAX_LAYERS)
        return;
    net_addr_set(&arr[*n].src, kind, src);
    net_addr_set(&arr[*n].dst, kind, dst);
    (*n)++;
}

/* Dissects an 802.2 LLC payload (802.3 length frames): spanning tree BPDUs,
 * SNAP-encapsulated EtherTypes, and anything else as data. */
static void dissect_llc(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_LLC);
    if (!dissect_need(c, s, 3))
        return;
    if (s.p[0] == 0x42 && s.p[1] == 0x42) {
        ctx_push(c, PROTO_STP);
    } else if (s.p[0] == 0xaa && s.p[1] == 0xaa && s.p[2] == 0x03) {
        if (!dissect_need(c, s, 8))
            return;
        if (s.p[3] == 0 && s.p[4] == 0 && s.p[5] == 0)
            dissect_ethertype(c, be16(s.p + 6), span_from(s, 8));
        else
            dissect_data(c, span_from(s, 8));
    } else {
        dissect_data(c, span_from(s, 3));
    }
}

/* Dissects an 802.1Q or 802.1ad tag and what follows it; vlan.id is the
 * 802.1Q tag's (Wireshark names the 802.1ad one ieee8021ad.id). */
static void dissect_vlan(struct dissect_ctx *c, enum proto_id id, struct span s)
{
    ctx_push(c, id);
    if (c->fields && id == PROTO_VLAN && s.cap >= 2)
        field_add_uint(c->fields, F_VLAN_ID, be16(s.p) & 0x0fffu);
    if (!dissect_need(c, s, 4))
        return;
    uint16_t type = be16(s.p + 2);
    if (type <= 1500)
        dissect_llc(c, span_trim(span_from(s, 4), type));
    else
        dissect_ethertype(c, type, span_from(s, 4));
}

/* Dissects an MPLS label stack: one "mpls" node per label, as Wireshark shows it. */
static void dissect_mpls(struct dissect_ctx *c, struct span s)
{
    for (;;) {
        ctx_push(c, PROTO_MPLS);
        if (!dissect_need(c, s, 4))
            return;
        bool bottom = (s.p[2] & 1) != 0;
        s = span_from(s, 4);
        if (bottom)
            break;
    }
    if (s.cap >= 1 && (s.p[0] >> 4) == 4)
        dissect_ipv4(c, s);
    else if (s.cap >= 1 && (s.p[0] >> 4) == 6)
        dissect_ipv6(c, s);
    else
        dissect_data(c, s);
}

/* Dissects a payload announced by an EtherType. */
void dissect_ethertype(struct dissect_ctx *c, uint16_t type, struct span s)
{
    if (++c->depth > DISSECT_MAX_DEPTH) {
        dissect_data(c, s);
        return;
    }
    switch (type) {
    case 0x0800:
        dissect_ipv4(c, s);
        break;
    case 0x86dd:
        dissect_ipv6(c, s);
        break;
    case 0x0806:
        ctx_push(c, PROTO_ARP);
        break;
    case 0x88cc:
        ctx_push(c, PROTO_LLDP);
        break;
    case 0x8100:
    case 0x9100:
        dissect_vlan(c, PROTO_VLAN, s);
        break;
    case 0x88a8:
        dissect_vlan(c, PROTO_IEEE8021AD, s);
        break;
    case 0x8847:
    case 0x8848:
        dissect_mpls(c, s);
        break;
    case 0x6558:
        dissect_eth(c, s);
        break;
    default:
        dissect_data(c, s);
        break;
    }
}

/* Records the address fields of an Ethernet header (14 bytes at p): Wireshark
 * adds the destination first, so eth.addr is destination, then source. */
static __attribute__((noinline)) void eth_fields(struct frame_fields *ff, const uint8_t *p)
{
    field_add_ether(ff, F_ETH_DST, p);
    field_add_ether(ff, F_ETH_ADDR, p);
    field_add_ether(ff, F_ETH_SRC, p + 6);
    field_add_ether(ff, F_ETH_ADDR, p + 6);
}

/* Dissects an Ethernet frame. */
void dissect_eth(struct dissect_ctx *c, struct span s)
{
    if (s.cap < 14) {
        /* Wireshark fails before adding its Ethernet item: the error is the top node. */
        ctx_push(c, s.len >= 14 ? PROTO_SHORT : PROTO_MALFORMED);
        return;
    }
    ctx_push(c, PROTO_ETH);
    struct frame_dissection *o = c->out;
    if (c->fields)
        eth_fields(c->fields, s.p);
    add_addr_layer(o->eth, &o->n_eth, NET_ADDR_MAC, s.p + 6, s.p);
    uint16_t type = be16(s.p + 12);
    if (type <= 1500)
        dissect_llc(c, span_trim(span_from(s, 14), type));
    else
        dissect_ethertype(c, type, span_from(s, 14));
}

/* Dissects an IP packet whose version is read from its first nibble. */
static void dissect_ip_any(struct dissect_ctx *c, struct span s)
{
    if (s.cap >= 1 && (s.p[0] >> 4) == 6)
        dissect_ipv6(c, s);
    else
        dissect_ipv4(c, s);
}

/* Makes an IP header's addresses the innermost network address pair. */
static void set_net_addrs(struct dissect_ctx *c, enum net_addr_kind kind, const uint8_t *src,
                          const uint8_t *dst)
{
    net_addr_set(&c->net_src, kind, src);
    net_addr_set(&c->net_dst, kind, dst);
}

/* Records the innermost IP header as an address layer (for endpoints and
 * conversations), if there is room (a quoted datagram leaves none). */
static void count_net_addrs(struct dissect_ctx *c)
{
    struct frame_dissection *o = c->out;
    if (o->n_ip >= DISSECT_MAX_LAYERS)
        return;
    o->ip[o->n_ip].src = c->net_src;
    o->ip[o->n_ip].dst = c->net_dst;
    o->n_ip++;
}

/* Handles one fragment: dissects the whole datagram if it completes it (and
 * returns true), else shows the fragment as data (and returns false).  A
 * quoted fragment is never reassembled: the first one is dissected as it is. */
static bool dissect_fragment(struct dissect_ctx *c, uint32_t id, uint8_t proto, size_t offset,
                             bool more, struct span payload, bool v6)
{
    struct span whole;
    struct net_addr src = c->net_src, dst = c->net_dst;
    if (c->quoted) {
        if (offset == 0)
            dissect_ip_payload(c, proto, payload);
        else
            dissect_data(c, payload);
        return offset == 0;
    }
    if (ip_reassembly_add(c->d, &src, &dst, id, proto, offset, more, payload, &whole)) {
        if (v6)
            count_net_addrs(c);
        dissect_ip_payload(c, proto, whole);
        return true;
    }
    dissect_data(c, payload);
    return false;
}

/* Records the fields of an IPv4 header as far as it was captured: Wireshark
 * adds them in header order until a read past the captured bytes stops it. */
static __attribute__((noinline)) void ipv4_fields(struct frame_fields *ff, struct span s)
{
    if (s.cap < 1 || (s.p[0] >> 4) != 4 || (s.p[0] & 0x0f) < 5)
        return;
    if (s.cap >= 9)
        field_add_uint(ff, F_IP_TTL, s.p[8]);
    if (s.cap >= 10)
        field_add_uint(ff, F_IP_PROTO, s.p[9]);
    if (s.cap >= 16) {
        field_add_ipv4(ff, F_IP_SRC, s.p + 12);
        field_add_ipv4(ff, F_IP_ADDR, s.p + 12);
    }
    if (s.cap >= 20) {
        field_add_ipv4(ff, F_IP_DST, s.p + 16);
        field_add_ipv4(ff, F_IP_ADDR, s.p + 16);
    }
}

/* Dissects an IPv4 packet. */
void dissect_ipv4(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_IP);
    if (c->fields)
        ipv4_fields(c->fields, s);
    if (!dissect_need(c, s, 20))
        return;
    size_t hl = (size_t)(s.p[0] & 0x0f) * 4;
    size_t total = be16(s.p + 2);
    if ((s.p[0] >> 4) != 4 || hl < 20 || !dissect_need(c, s, hl))
        return;
    set_net_addrs(c, NET_ADDR_IPV4, s.p + 12, s.p + 16);
    count_net_addrs(c);
    if (total == 0)
        total = s.len; /* TCP segmentation offload leaves the length 0. */
    if (total < hl)
        return;
    struct span payload = span_from(span_trim(s, total), hl);
    uint16_t frag = be16(s.p + 6);
    size_t offset = (size_t)(frag & 0x1fff) * 8;
    bool more = (frag & 0x2000) != 0;
    if (offset != 0 || more) {
        dissect_fragment(c, be16(s.p + 4), s.p[9], offset, more, payload, false);
        return;
    }
    dissect_ip_payload(c, s.p[9], payload);
}

/* Records the address fields of an IPv6 header as far as they were captured. */
static __attribute__((noinline)) void ipv6_fields(struct frame_fields *ff, struct span s)
{
    if (s.cap < 24 || (s.p[0] >> 4) != 6)
        return;
    field_add_ipv6(ff, F_IPV6_SRC, s.p + 8);
    field_add_ipv6(ff, F_IPV6_ADDR, s.p + 8);
    if (s.cap >= 40) {
        field_add_ipv6(ff, F_IPV6_DST, s.p + 24);
        field_add_ipv6(ff, F_IPV6_ADDR, s.p + 24);
    }
}

/* Returns true for the IPv6 next-header values that are extension headers. */
static bool ipv6_is_ext(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 || nh == 139 ||
           nh == 140;
}

/* Dissects an IPv6 packet, walking its extension headers.  Like tshark, a
 * fragment counts for the IPv6 endpoints and conversations only in the
 * frame that completes its datagram. */
void dissect_ipv6(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_IPV6);
    if (c->fields)
        ipv6_fields(c->fields, s);
    if (!dissect_need(c, s, 40))
        return;
    if ((s.p[0] >> 4) != 6)
        return;
    set_net_addrs(c, NET_ADDR_IPV6, s.p + 8, s.p + 24);
    size_t plen = be16(s.p + 4);
    struct span p = plen ? span_trim(span_from(s, 40), plen) : span_from(s, 40);
    uint8_t nh = s.p[6];
    while (ipv6_is_ext(nh)) {
        if (!dissect_need(c, p, 8)) {
            count_net_addrs(c);
            return;
        }
        uint8_t next = p.p[0];
        if (nh == 44) {
            uint16_t off = be16(p.p + 2);
            uint32_t id =
                (uint32_t)p.p[4] << 24 | (uint32_t)p.p[5] << 16 | (uint32_t)p.p[6] << 8 | p.p[7];
            size_t foff = (size_t)(off & 0xfff8);
            bool more = (off & 1) != 0;
            p = span_from(p, 8);
            if (foff != 0 || more) {
                dissect_fragment(c, id, next, foff, more, p, true);
                return;
            }
            nh = next;
            continue;
        }
        size_t hlen = nh == 51 ? ((size_t)p.p[1] + 2) * 4 : ((size_t)p.p[1] + 1) * 8;
        if (!dissect_need(c, p, hlen)) {
            count_net_addrs(c);
            return;
        }
        p = span_from(p, hlen);
        nh = next;
    }
    count_net_addrs(c);
    dissect_ip_payload(c, nh, p);
}

/* Dissects a GRE header (RFC 2784/2890, and the enhanced GRE of PPTP with
 * its acknowledgement number) and the payload its protocol type names. */
static void dissect_gre(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_GRE);
    if (!dissect_need(c, s, 4))
        return;
    uint16_t flags = be16(s.p);
    size_t hl = 4;
    if (flags & 0xc000)
        hl += 4; /* Checksum and offset, present when either bit is set. */
    if (flags & 0x2000)
        hl += 4; /* Key (payload length and call id in PPTP's version 1). */
    if (flags & 0x1000)
        hl += 4; /* Sequence number. */
    if ((flags & 0x0007) == 1 && (flags & 0x0080))
        hl += 4; /* PPTP's acknowledgement number. */
    if ((flags & 0x4000) || !dissect_need(c, s, hl))
        return; /* Source routing (RFC 1701, obsolete) is left undissected. */
    struct span p = span_from(s, hl);
    if (p.len > 0)
        dissect_ethertype(c, be16(s.p + 2), p);
}

/* Dissects an IP payload of the given protocol number. */
void dissect_ip_payload(struct dissect_ctx *c, uint8_t proto, struct span s)
{
    if (++c->depth > DISSECT_MAX_DEPTH) {
        dissect_data(c, s);
        return;
    }
    switch (proto) {
    case 1:
        dissect_icmp(c, s);
        break;
    case 2:
        ctx_push(c, PROTO_IGMP);
        break;
    case 4:
        dissect_ipv4(c, s);
        break;
    case 6:
        dissect_tcp(c, s);
        break;
    case 17:
        dissect_udp(c, s);
        break;
    case 41:
        dissect_ipv6(c, s);
        break;
    case 47:
        dissect_gre(c, s);
        break;
    case 58:
        dissect_icmpv6(c, s);
        break;
    case 59:
        break;
    default:
        dissect_data(c, s);
        break;
    }
}

/* Dissects the datagram an ICMP or ICMPv6 error quotes, for its fields only:
 * the chain and the address and port layers are made to look full, so that
 * nothing of it is counted, and are given back their lengths after. */
void dissect_quoted(struct dissect_ctx *c, struct span s, bool v6)
{
    struct frame_dissection *o = c->out;
    struct net_addr src = c->net_src, dst = c->net_dst;
    uint8_t n_chain = o->n_chain, n_eth = o->n_eth, n_ip = o->n_ip, n_tcp = o->n_tcp,
            n_udp = o->n_udp;
    bool was_quoted = c->quoted;
    o->n_chain = DISSECT_MAX_CHAIN;
    o->n_eth = o->n_ip = o->n_tcp = o->n_udp = DISSECT_MAX_LAYERS;
    c->quoted = true;
    if (v6)
        dissect_ipv6(c, s);
    else
        dissect_ipv4(c, s);
    c->quoted = was_quoted;
    o->n_chain = n_chain;
    o->n_eth = n_eth;
    o->n_ip = n_ip;
    o->n_tcp = n_tcp;
    o->n_udp = n_udp;
    c->net_src = src;
    c->net_dst = dst;
}

/* Dissects a BSD loopback frame: a 4-byte address family in either byte order. */
static void dissect_null(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_NULL);
    if (!dissect_need(c, s, 4))
        return;
    uint32_t fam;
    memcpy(&fam, s.p, 4);
    if ((fam & 0xffff0000u) != 0)
        fam = __builtin_bswap32(fam);
    struct span p = span_from(s, 4);
    if (fam == 2)
        dissect_ipv4(c, p);
    else if (fam == 24 || fam == 28 || fam == 30)
        dissect_ipv6(c, p);
    else
        dissect_data(c, p);
}

/* Dissects a Linux cooked capture (v1 with 16-byte or v2 with 20-byte header). */
static void dissect_sll(struct dissect_ctx *c, struct span s, bool v2)
{
    size_t hl = v2 ? 20 : 16;
    ctx_push(c, PROTO_SLL);
    if (!dissect_need(c, s, hl))
        return;
    uint16_t proto = v2 ? be16(s.p) : be16(s.p + 14);
    struct span p = span_from(s, hl);
    if (proto == 0x0004)
        dissect_llc(c, p);
    else if (proto > 1500)
        dissect_ethertype(c, proto, p);
    else
        dissect_data(c, p);
}

/* Dissects an NFLOG message: finds the payload TLV and dissects it as IP.
 * tshark 4.0 shows no top-level "nflog" node, so none is pushed. */
static void dissect_nflog(struct dissect_ctx *c, struct span s)
{
    if (!dissect_need(c, s, 4))
        return;
    uint8_t family = s.p[0];
    size_t off = 4;
    while (off + 4 <= s.cap) {
        uint16_t tlen, type;
        memcpy(&tlen, s.p + off, 2);
        memcpy(&type, s.p + off + 2, 2);
        if (tlen < 4 || off + tlen > s.len)
            return;
        if ((type & 0x7fff) == 9) {
            struct span p = span_trim(span_from(s, off + 4), tlen - 4u);
            if (family == 2)
                dissect_ipv4(c, p);
            else if (family == 10)
                dissect_ipv6(c, p);
            else
                dissect_data(c, p);
            return;
        }
        off += ((size_t)tlen + 3) & ~(size_t)3;
    }
}

/* Dissects a frame by its link type. */
static void dissect_link(struct dissect_ctx *c, uint32_t linktype, struct span s)
{
    switch (linktype) {
    case LINKTYPE_ETHERNET:
        dissect_eth(c, s);
        break;
    case LINKTYPE_NULL:
        dissect_null(c, s);
        break;
    case LINKTYPE_LINUX_SLL:
        dissect_sll(c, s, false);
        break;
    case LINKTYPE_LINUX_SLL2:
        dissect_sll(c, s, true);
        break;
    case LINKTYPE_RAW:
        ctx_push(c, PROTO_RAW);
        dissect_ip_any(c, s);
        break;
    case LINKTYPE_IPV4:
        dissect_ipv4(c, s);
        break;
    case LINKTYPE_IPV6:
        dissect_ipv6(c, s);
        break;
    case LINKTYPE_NFLOG:
        dissect_nflog(c, s);
        break;
    default:
        dissect_data(c, s);
        break;
    }
}

/* Prepares an empty dissector. */
void dissector_init(struct dissector *d)
{
    memset(d, 0, sizeof(*d));
}

/* Dissects one frame into *out. */
void dissector_run(struct dissector *d, const struct capture_frame *f, struct frame_dissection *out)
{
    struct dissect_ctx c = {.d = d, .out = out, .frame = f, .fields = d->fields};
    d->frame_number++;
    out->n_chain = out->n_eth = out->n_ip = out->n_tcp = out->n_udp = 0;
    dissect_link(&c, f->linktype, (struct span){f->data, f->caplen, f->wirelen});
}

/* Returns true when the wanted fields need a first pass (DNS matching, TCP handshake times). */
bool dissector_needs_first_pass(const struct frame_fields *ff)
{
    return dns_needs_first_pass(ff) || tcp_needs_first_pass(ff);
}

/* Hands a first pass's facts to the second pass (DNS transactions, TCP handshake times). */
void dissector_take_first_pass(struct dissector *second, struct dissector *first)
{
    dns_take_first_pass(second, first);
    tcp_take_first_pass(second, first);
}

/* Frees every reassembly buffer and stream. */
void dissector_free(struct dissector *d)
{
    ip_reassembly_free(d);
    tcp_streams_free(d);
    udp_streams_free(d);
    dns_state_free(d);
    quic_state_free(d);
}
