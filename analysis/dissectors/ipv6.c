/* Owns IPv6: the header and its fields (ipv6.*), the walk over extension
 * headers, fragments (reassembled with IPv4's), and "no next header". */
#include "dissectors/ip.h"

#include "dissectors/list.h"

/* The IPv6 protocol and fields. */
static int proto_ipv6, hf_src, hf_dst, hf_addr;

/* Records the address fields of an IPv6 header as far as they were captured. */
static __attribute__((noinline)) void ipv6_fields(struct frame_fields *ff, struct span s)
{
    if (s.cap < 24 || (s.p[0] >> 4) != 6)
        return;
    field_add_ipv6(ff, hf_src, s.p + 8);
    field_add_ipv6(ff, hf_addr, s.p + 8);
    if (s.cap >= 40) {
        field_add_ipv6(ff, hf_dst, s.p + 24);
        field_add_ipv6(ff, hf_addr, s.p + 24);
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
static void dissect_ipv6(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_ipv6);
    if (c->fields)
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
        if (nh == 44) {
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
        HF(&hf_src, "ipv6.src", "Source Address", FT_IPv6, BASE_NONE, 0, NULL),
        HF(&hf_dst, "ipv6.dst", "Destination Address", FT_IPv6, BASE_NONE, 0, NULL),
        HF(&hf_addr, "ipv6.addr", "Source or Destination Address", FT_IPv6, BASE_NONE, 0, NULL),
    };
    proto_ipv6 = registry_proto("ipv6", "Internet Protocol Version 6");
    registry_fields(proto_ipv6, hf, ARRAY_COUNT(hf));
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
