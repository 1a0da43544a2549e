/* Owns IPv4: the header and its fields (ip.*), the "ip.proto" table every
 * protocol carried over IP registers in (IPv6 uses it too), and fragments
 * with their reassembly (shared with IPv6). */
#include "dissectors/ip.h"

#include "dissectors/list.h"
#include "ip_reassembly.h"

#include <stdlib.h>

/* The IPv4 protocol and fields. */
static int proto_ip, hf_version, hf_hdr_len, hf_dsfield, hf_dsfield_dscp, hf_dsfield_ecn, hf_len,
    hf_id, hf_flags, hf_flags_rb, hf_flags_df, hf_flags_mf, hf_frag_offset, hf_ttl, hf_proto,
    hf_checksum, hf_checksum_status, hf_src, hf_dst, hf_addr, hf_src_host, hf_dst_host, hf_host;

/* The IP protocol table. */
static struct dissector_table *ip_proto_table;

/* The state slot of fragment reassembly. */
static int reassembly_slot;

/* The names tshark 4.0 gives the common IP protocol numbers (`tshark -G values`). */
const struct value_name ip_proto_names[] = {
    {0, "IPv6 Hop-by-Hop Option"},
    {1, "ICMP"},
    {2, "IGMP"},
    {4, "IPIP"},
    {6, "TCP"},
    {17, "UDP"},
    {41, "IPv6"},
    {43, "Routing Header for IPv6"},
    {44, "Fragment Header for IPv6"},
    {47, "Generic Routing Encapsulation"},
    {50, "Encap Security Payload"},
    {51, "Authentication Header"},
    {58, "ICMPv6"},
    {59, "No Next Header for IPv6"},
    {60, "Destination Options for IPv6"},
    {89, "OSPF IGP"},
    {103, "PIM"},
    {112, "VRRP"},
    {132, "SCTP"},
    {136, "UDPLite"},
    {0, NULL},
};

/* Dissects an IP payload through the IP protocol table. */
void ip_dissect_payload(struct dissect_ctx *c, uint8_t proto, struct span s)
{
    dissect_table_or_data(c, ip_proto_table, proto, s);
}

/* Returns the reassembly state, made on first use; NULL when out of memory. */
static struct ip_reassembly *reassembly_get(struct dissect_ctx *c)
{
    struct ip_reassembly *r = c->d->state[reassembly_slot];
    if (!r)
        r = c->d->state[reassembly_slot] = calloc(1, sizeof(*r));
    return r;
}

/* Handles one fragment. */
bool ip_dissect_fragment(struct dissect_ctx *c, uint32_t id, uint8_t proto, size_t offset,
                         bool more, struct span payload, bool v6)
{
    struct span whole;
    struct net_addr src = c->net_src, dst = c->net_dst;
    struct ip_reassembly *r;
    if (c->quoted) {
        if (offset == 0)
            ip_dissect_payload(c, proto, payload);
        else
            dissect_data(c, payload);
        return offset == 0;
    }
    if ((r = reassembly_get(c)) != NULL &&
        ip_reassembly_add(r, &src, &dst, id, proto, offset, more, payload, &whole)) {
        if (v6)
            dissect_count_net_addrs(c);
        ip_dissect_payload(c, proto, whole);
        return true;
    }
    dissect_data(c, payload);
    return false;
}

/* Records the ip.version field. */
void ip_version_field(struct frame_fields *ff, uint8_t version)
{
    field_add_uint(ff, hf_version, version);
}

/* Tells whether ip.version is wanted. */
bool ip_version_wanted(const struct frame_fields *ff)
{
    return fields_want(ff, hf_version);
}

/* Records an address and its "addr", "src_host"/"dst_host" and "host" forms. */
static void addr_fields(struct frame_fields *ff, int hf, int hf_host1, const uint8_t *a)
{
    field_add_ipv4(ff, hf, a);
    field_add_ipv4(ff, hf_addr, a);
    field_add_addr_text(ff, hf_host1, a, 4);
    field_add_addr_text(ff, hf_host, a, 4);
}

/* Records the fields of an IPv4 header as far as it was captured: Wireshark
 * adds them in header order until a read past the captured bytes stops it.
 * A header length under 20 bytes stops it after that length, a total length
 * under the header's after the total length. */
static __attribute__((noinline)) void ipv4_fields(struct frame_fields *ff, struct span s)
{
    if (s.cap < 1 || (s.p[0] >> 4) != 4)
        return;
    ip_version_field(ff, 4);
    field_add_uint(ff, hf_hdr_len, (s.p[0] & 0x0fu) * 4);
    if ((s.p[0] & 0x0f) < 5 || s.cap < 2)
        return;
    field_add_uint(ff, hf_dsfield, s.p[1]);
    field_add_uint(ff, hf_dsfield_dscp, s.p[1] >> 2);
    field_add_uint(ff, hf_dsfield_ecn, s.p[1] & 3u);
    if (s.cap < 4)
        return;
    size_t total = be16(s.p + 2);
    field_add_uint(ff, hf_len, total ? total : s.len);
    if (total && total < (s.p[0] & 0x0fu) * 4)
        return;
    if (s.cap < 6)
        return;
    field_add_uint(ff, hf_id, be16(s.p + 4));
    if (s.cap < 8)
        return;
    uint16_t frag = be16(s.p + 6);
    field_add_uint(ff, hf_flags, frag >> 13);
    field_add_uint(ff, hf_flags_rb, (frag >> 15) & 1u);
    field_add_uint(ff, hf_flags_df, (frag >> 14) & 1u);
    field_add_uint(ff, hf_flags_mf, (frag >> 13) & 1u);
    field_add_uint(ff, hf_frag_offset, frag & 0x1fffu);
    if (s.cap >= 9)
        field_add_uint(ff, hf_ttl, s.p[8]);
    if (s.cap >= 10)
        field_add_uint(ff, hf_proto, s.p[9]);
    if (s.cap < 12)
        return;
    field_add_uint(ff, hf_checksum, be16(s.p + 10));
    field_add_uint(ff, hf_checksum_status, 2); /* Unverified, as tshark leaves it. */
    if (s.cap >= 16)
        addr_fields(ff, hf_src, hf_src_host, s.p + 12);
    if (s.cap >= 20)
        addr_fields(ff, hf_dst, hf_dst_host, s.p + 16);
}

/* Dissects an IPv4 packet. */
static void dissect_ipv4(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_ip);
    if (fields_want_proto(c->fields, proto_ip))
        ipv4_fields(c->fields, s);
    if (!dissect_need(c, s, 20))
        return;
    size_t hl = (size_t)(s.p[0] & 0x0f) * 4;
    size_t total = be16(s.p + 2);
    if ((s.p[0] >> 4) != 4 || hl < 20 || !dissect_need(c, s, hl))
        return;
    dissect_set_net_addrs(c, NET_ADDR_IPV4, s.p + 12, s.p + 16);
    dissect_count_net_addrs(c);
    if (total == 0)
        total = s.len; /* TCP segmentation offload leaves the length 0. */
    if (total < hl)
        return;
    struct span payload = span_from(span_trim(s, total), hl);
    uint16_t frag = be16(s.p + 6);
    size_t offset = (size_t)(frag & 0x1fff) * 8;
    bool more = (frag & 0x2000) != 0;
    if (offset != 0 || more) {
        ip_dissect_fragment(c, be16(s.p + 4), s.p[9], offset, more, payload, false);
        return;
    }
    ip_dissect_payload(c, s.p[9], payload);
}

/* The IPv4 dissector. */
static const struct dissector_handle ip_handle = {&proto_ip, dissect_ipv4, NULL};

/* Frees the reassembly state. */
static void reassembly_free(void *state)
{
    ip_reassembly_free(state);
    free(state);
}

/* Registers IPv4, its fields, the IP protocol table and the reassembly state. */
static void ip_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_version, "ip.version", "Version", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_hdr_len, "ip.hdr_len", "Header Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_dsfield, "ip.dsfield", "Differentiated Services Field", FT_UINT8, BASE_HEX, 0, NULL),
        HF(&hf_dsfield_dscp, "ip.dsfield.dscp", "Differentiated Services Codepoint", FT_UINT8,
           BASE_DEC, 0xfc, NULL),
        HF(&hf_dsfield_ecn, "ip.dsfield.ecn", "Explicit Congestion Notification", FT_UINT8,
           BASE_DEC, 0x3, NULL),
        HF(&hf_len, "ip.len", "Total Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_id, "ip.id", "Identification", FT_UINT16, BASE_HEX_DEC, 0, NULL),
        HF(&hf_flags, "ip.flags", "Flags", FT_UINT8, BASE_HEX, 0xe0, NULL),
        HF_TFS(&hf_flags_rb, "ip.flags.rb", "Reserved bit", 0x80, tfs_set_notset),
        HF_TFS(&hf_flags_df, "ip.flags.df", "Don't fragment", 0x40, tfs_set_notset),
        HF_TFS(&hf_flags_mf, "ip.flags.mf", "More fragments", 0x20, tfs_set_notset),
        HF(&hf_frag_offset, "ip.frag_offset", "Fragment Offset", FT_UINT16, BASE_DEC, 0x1fff, NULL),
        HF(&hf_ttl, "ip.ttl", "Time to Live", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_proto, "ip.proto", "Protocol", FT_UINT8, BASE_DEC, 0, ip_proto_names),
        HF(&hf_checksum, "ip.checksum", "Header Checksum", FT_UINT16, BASE_HEX, 0, NULL),
        HF(&hf_checksum_status, "ip.checksum.status", "Header checksum status", FT_UINT8, BASE_NONE,
           0, checksum_status_names),
        HF(&hf_src, "ip.src", "Source Address", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_dst, "ip.dst", "Destination Address", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_addr, "ip.addr", "Source or Destination Address", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_src_host, "ip.src_host", "Source Host", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_dst_host, "ip.dst_host", "Destination Host", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_host, "ip.host", "Source or Destination Host", FT_STRING, BASE_NONE, 0, NULL),
    };
    static const struct proto_hooks hooks = {.free_state = reassembly_free};
    proto_ip = registry_proto("ip", "Internet Protocol Version 4");
    registry_fields(proto_ip, hf, ARRAY_COUNT(hf));
    ip_proto_table = registry_table_new("ip.proto", 8);
    reassembly_slot = registry_proto_state(proto_ip, &hooks);
    register_dissector("ip", &ip_handle);
}

/* IPv6, for ip_dissect_by_version(). */
static const struct dissector_handle *ipv6_handle;

/* Dissects an IPv4 or IPv6 packet by its version nibble, else data. */
void ip_dissect_by_version(struct dissect_ctx *c, struct span s)
{
    if (s.cap >= 1 && (s.p[0] >> 4) == 4)
        call_dissector(c, &ip_handle, s);
    else if (s.cap >= 1 && (s.p[0] >> 4) == 6)
        call_dissector(c, ipv6_handle, s);
    else
        dissect_data(c, s);
}

/* IPv4 on its EtherType, the raw IPv4 link type, and in IP (IP-in-IP). */
static void ip_handoff(void)
{
    ipv6_handle = find_dissector("ipv6");
    registry_table_add("ethertype", 0x0800, &ip_handle);
    registry_table_add("wtap_encap", LINKTYPE_IPV4, &ip_handle);
    registry_table_add("ip.proto", 4, &ip_handle);
}

const struct dissector_module dissector_ip = {ip_register, ip_handoff};
