/* Owns IPv6: the header and its fields (ipv6.*), the walk over extension
 * headers, fragments (reassembled with IPv4's), and "no next header". */
#include "dissectors/ip.h"

#include "dissectors/list.h"

/* The IPv6 protocol and fields, and the fragment header's. */
static int proto_ipv6, hf_version, hf_tclass, hf_tclass_dscp, hf_tclass_ecn, hf_flow, hf_plen,
    hf_nxt, hf_hlim, hf_src, hf_dst, hf_addr, hf_src_host, hf_dst_host, hf_host;
static int proto_hopopts, proto_routing, proto_dstopts, proto_ah;
static int proto_fraghdr, hf_frag_nxt, hf_frag_reserved_octet, hf_frag_offset,
    hf_frag_reserved_bits, hf_frag_more, hf_frag_ident;

/* Records an address and its "addr", "src_host"/"dst_host" and "host" forms. */
static void addr_fields(struct frame_fields *ff, int hf, int hf_host1, const uint8_t *a)
{
    field_add_ipv6(ff, hf, a);
    field_add_ipv6(ff, hf_addr, a);
    field_add_addr_text(ff, hf_host1, a, 16);
    field_add_addr_text(ff, hf_host, a, 16);
}

/* Records the fields of an IPv6 header as far as they were captured. */
static __attribute__((noinline)) void ipv6_fields(struct frame_fields *ff, struct span s)
{
    if (s.cap < 1)
        return;
    field_add_uint(ff, hf_version, s.p[0] >> 4);
    ip_version_field(ff, s.p[0] >> 4);
    if ((s.p[0] >> 4) != 6 || s.cap < 4)
        return;
    uint32_t w = be32(s.p);
    field_add_uint(ff, hf_tclass, (w >> 20) & 0xffu);
    field_add_uint(ff, hf_tclass_dscp, (w >> 22) & 0x3fu);
    field_add_uint(ff, hf_tclass_ecn, (w >> 20) & 3u);
    field_add_uint(ff, hf_flow, w & 0xfffffu);
    if (s.cap >= 6)
        field_add_uint(ff, hf_plen, be16(s.p + 4));
    if (s.cap >= 7)
        field_add_uint(ff, hf_nxt, s.p[6]);
    if (s.cap >= 8)
        field_add_uint(ff, hf_hlim, s.p[7]);
    if (s.cap >= 24)
        addr_fields(ff, hf_src, hf_src_host, s.p + 8);
    if (s.cap >= 40)
        addr_fields(ff, hf_dst, hf_dst_host, s.p + 24);
}

/* Records the fields of a fragment header (8 bytes captured). */
static void fraghdr_fields(struct frame_fields *ff, const uint8_t *p)
{
    uint16_t off = be16(p + 2);
    field_add_present(ff, proto_fraghdr);
    field_add_uint(ff, hf_frag_nxt, p[0]);
    field_add_uint(ff, hf_frag_reserved_octet, p[1]);
    field_add_uint(ff, hf_frag_offset, off >> 3);
    field_add_uint(ff, hf_frag_reserved_bits, (off >> 1) & 3u);
    field_add_uint(ff, hf_frag_more, off & 1u);
    field_add_uint(ff, hf_frag_ident, be32(p + 4));
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
static void dissect_ipv6(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_ipv6);
    if (fields_want_proto(c->fields, proto_ipv6) || ip_version_wanted(c->fields))
        ipv6_fields(c->fields, s);
    if (!dissect_need(c, s, 40))
        return;
    if ((s.p[0] >> 4) != 6)
        return;
    dissect_set_net_addrs(c, NET_ADDR_IPV6, s.p + 8, s.p + 24);
    size_t plen = be16(s.p + 4);
    struct span p = plen ? span_trim(span_from(s, 40), plen) : span_from(s, 40);
    uint8_t nh = s.p[6];
    while (ipv6_is_ext(nh)) {
        if (!dissect_need(c, p, 8)) {
            dissect_count_net_addrs(c);
            return;
        }
        uint8_t next = p.p[0];
        ctx_layer(c, nh == 0    ? proto_hopopts
                     : nh == 43 ? proto_routing
                     : nh == 60 ? proto_dstopts
                     : nh == 44 ? proto_fraghdr
                     : nh == 51 ? proto_ah
                                : proto_ipv6);
        if (nh == 44) {
            if (c->fields)
                fraghdr_fields(c->fields, p.p);
            uint16_t off = be16(p.p + 2);
            uint32_t id = be32(p.p + 4);
            size_t foff = (size_t)(off & 0xfff8);
            bool more = (off & 1) != 0;
            p = span_from(p, 8);
            if (foff != 0 || more) {
                ip_dissect_fragment(c, id, next, foff, more, p, true);
                return;
            }
            nh = next;
            continue;
        }
        size_t hlen = nh == 51 ? ((size_t)p.p[1] + 2) * 4 : ((size_t)p.p[1] + 1) * 8;
        if (!dissect_need(c, p, hlen)) {
            dissect_count_net_addrs(c);
            return;
        }
        p = span_from(p, hlen);
        nh = next;
    }
    dissect_count_net_addrs(c);
    ip_dissect_payload(c, nh, p);
}

/* "No next header": nothing follows, not even data. */
static void dissect_nonxt(struct dissect_ctx *c, struct span s)
{
    (void)c;
    (void)s;
}

/* The IPv6 dissector and the no-next-header one. */
static const struct dissector_handle ipv6_handle = {&proto_ipv6, dissect_ipv6, NULL};
static const struct dissector_handle nonxt_handle = {&proto_ipv6, dissect_nonxt, NULL};

/* Registers IPv6 and its fields. */
static void ipv6_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_version, "ipv6.version", "Version", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_tclass, "ipv6.tclass", "Traffic Class", FT_UINT32, BASE_HEX, 0x0ff00000, NULL),
        HF(&hf_tclass_dscp, "ipv6.tclass.dscp", "Differentiated Services Codepoint", FT_UINT32,
           BASE_DEC, 0x0fc00000, NULL),
        HF(&hf_tclass_ecn, "ipv6.tclass.ecn", "Explicit Congestion Notification", FT_UINT32,
           BASE_DEC, 0x00300000, NULL),
        HF(&hf_flow, "ipv6.flow", "Flow Label", FT_UINT24, BASE_HEX, 0xfffff, NULL),
        HF(&hf_plen, "ipv6.plen", "Payload Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_nxt, "ipv6.nxt", "Next Header", FT_UINT8, BASE_DEC, 0, ip_proto_names),
        HF(&hf_hlim, "ipv6.hlim", "Hop Limit", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_src, "ipv6.src", "Source Address", FT_IPv6, BASE_NONE, 0, NULL),
        HF(&hf_dst, "ipv6.dst", "Destination Address", FT_IPv6, BASE_NONE, 0, NULL),
        HF(&hf_addr, "ipv6.addr", "Source or Destination Address", FT_IPv6, BASE_NONE, 0, NULL),
        HF(&hf_src_host, "ipv6.src_host", "Source Host", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_dst_host, "ipv6.dst_host", "Destination Host", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_host, "ipv6.host", "Source or Destination Host", FT_STRING, BASE_NONE, 0, NULL),
    };
    static const struct field_reg frag_hf[] = {
        HF(&hf_frag_nxt, "ipv6.fraghdr.nxt", "Next header", FT_UINT8, BASE_DEC, 0, ip_proto_names),
        HF(&hf_frag_reserved_octet, "ipv6.fraghdr.reserved_octet", "Reserved octet", FT_UINT8,
           BASE_HEX, 0, NULL),
        HF(&hf_frag_offset, "ipv6.fraghdr.offset", "Offset", FT_UINT16, BASE_DEC, 0xfff8, NULL),
        HF(&hf_frag_reserved_bits, "ipv6.fraghdr.reserved_bits", "Reserved bits", FT_UINT16,
           BASE_DEC, 0x6, NULL),
        HF_TFS(&hf_frag_more, "ipv6.fraghdr.more", "More Fragments", 0x1, tfs_yes_no),
        HF(&hf_frag_ident, "ipv6.fraghdr.ident", "Identification", FT_UINT32, BASE_HEX, 0, NULL),
    };
    proto_ipv6 = registry_proto("ipv6", "Internet Protocol Version 6");
    registry_fields(proto_ipv6, hf, ARRAY_COUNT(hf));
    proto_fraghdr = registry_proto("ipv6.fraghdr", "Fragment Header for IPv6");
    proto_hopopts = registry_proto("ipv6.hopopts", "IPv6 Hop-by-Hop Option");
    proto_routing = registry_proto("ipv6.routing", "Routing Header for IPv6");
    proto_dstopts = registry_proto("ipv6.dstopts", "Destination Options for IPv6");
    proto_ah = registry_proto("ah", "Authentication Header");
    registry_fields(proto_fraghdr, frag_hf, ARRAY_COUNT(frag_hf));
    register_dissector("ipv6", &ipv6_handle);
}

/* IPv6 on its EtherType, the raw IPv6 link type, and in IP (6in4). */
static void ipv6_handoff(void)
{
    registry_table_add("ethertype", 0x86dd, &ipv6_handle);
    registry_table_add("wtap_encap", LINKTYPE_IPV6, &ipv6_handle);
    registry_table_add("ip.proto", 41, &ipv6_handle);
    registry_table_add("ip.proto", 59, &nonxt_handle);
}

const struct dissector_module dissector_ipv6 = {ipv6_register, ipv6_handoff};
