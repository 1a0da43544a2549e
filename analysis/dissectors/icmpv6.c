/* Owns ICMPv6: the message and its fields (icmpv6.*), the checksum
 * verified over the pseudo-header as tshark verifies it, echo
 * request/reply matching, neighbour discovery with its options, MLD, and
 * the errors (destination unreachable, packet too big, time exceeded,
 * parameter problem) that quote the offending packet, whose headers
 * Wireshark shows (and so gives fields) without counting them. */
#include "dissect_internal.h"
#include "dissectors/echo_match.h"
#include "dissectors/list.h"

/* ICMPv6 message types. */
enum {
    ICMP6_DST_UNREACH = 1,
    ICMP6_PACKET_TOO_BIG = 2,
    ICMP6_TIME_EXCEEDED = 3,
    ICMP6_PARAM_PROB = 4,
    ICMP6_ECHO_REQUEST = 128,
    ICMP6_ECHO_REPLY = 129,
    ICMP6_MLD_QUERY = 130,
    ICMP6_MLD_REPORT = 131,
    ICMP6_MLD_DONE = 132,
    ICMP6_ND_ROUTER_SOLICIT = 133,
    ICMP6_ND_ROUTER_ADVERT = 134,
    ICMP6_ND_NEIGHBOR_SOLICIT = 135,
    ICMP6_ND_NEIGHBOR_ADVERT = 136,
    ICMP6_ND_REDIRECT = 137,
    ICMP6_MLDV2_REPORT = 143,
};

/* The ICMPv6 protocol and its fields. */
static int proto_icmpv6, hf_type, hf_code, hf_checksum, hf_checksum_status, hf_reserved, hf_mtu,
    hf_pointer, hf_echo_id, hf_echo_seq, hf_resp_in, hf_resp_to, hf_resptime, hf_no_resp,
    hf_resp_not_found, hf_ns_target, hf_na_flag, hf_na_flag_r, hf_na_flag_s, hf_na_flag_o,
    hf_na_flag_rsv, hf_na_target, hf_rd_target, hf_rd_destination, hf_ra_cur_hop_limit, hf_ra_flag,
    hf_ra_router_lifetime, hf_ra_reachable_time, hf_ra_retrans_timer, hf_opt, hf_opt_type,
    hf_opt_length, hf_opt_linkaddr, hf_opt_src_linkaddr, hf_opt_target_linkaddr,
    hf_opt_prefix_length, hf_opt_prefix_flag, hf_opt_prefix_valid, hf_opt_prefix_preferred,
    hf_opt_prefix, hf_opt_mtu, hf_mld_mrd, hf_mld_mcast, hf_mldr_nb_records, hf_mldr_mar,
    hf_mldr_mar_type, hf_mldr_mar_aux_len, hf_mldr_mar_nb_sources, hf_mldr_mar_mcast,
    hf_mldr_mar_source;

/* The state slot of echo matching. */
static int echo_slot;

/* Returns the checksum status: good (1) or bad (0) when the whole message
 * was captured outside an error, else unverified (2). */
static uint64_t checksum_status(const struct dissect_ctx *c, struct span s)
{
    if (s.cap < s.len || c->quoted || c->net_src.kind != NET_ADDR_IPV6)
        return 2;
    uint32_t sum = (uint32_t)(s.len >> 16) + (uint32_t)(s.len & 0xffff) + 58;
    for (int i = 0; i < 16; i += 2)
        sum += (uint32_t)be16(c->net_src.bytes + i) + be16(c->net_dst.bytes + i);
    return dissect_inet_checksum(s.p, s.len, sum) == 0 ? 1 : 0;
}

/* Matches an echo request or reply and records what it learns. */
static void echo_fields(struct dissect_ctx *c, struct span s)
{
    struct echo_result r;
    uint16_t cksum = be16(s.p + 2);
    uint32_t k1 = (uint32_t)be16(s.p + 4) << 16 | be16(s.p + 6);
    if (s.p[0] == ICMP6_ECHO_REQUEST) {
        echo_request(c, echo_slot, cksum, k1, &r);
        if (r.resp_in)
            field_add_uint(c->fields, hf_resp_in, r.resp_in);
        if (r.no_resp && c->net_dst.bytes[0] != 0xff) { /* Not multicast. */
            field_add_present(c->fields, hf_no_resp);
            field_add_present(c->fields, hf_resp_not_found);
        }
        return;
    }
    uint16_t k0 = echo_cksum2((uint16_t)~cksum, (uint16_t)~0x0100);
    echo_reply(c, echo_slot, (k0 ? k0 : 0xffffu), k1, &r);
    if (r.resp_to) {
        field_add_uint(c->fields, hf_resp_to, r.resp_to);
        field_add_double(c->fields, hf_resptime, (double)r.resp_time / 1e6);
    }
}

/* Records bytes when all were captured; returns false otherwise. */
static bool add_bytes(struct frame_fields *ff, int hf, struct span s, size_t off, size_t n)
{
    if (off + n > s.cap)
        return false;
    field_add_bytes(ff, hf, s.p + off, n);
    return true;
}

/* Records a neighbour-discovery option's value fields. */
static void nd_opt_value(struct frame_fields *ff, const uint8_t *o, size_t len)
{
    switch (o[0]) {
    case 1:
    case 2:
        if (len == 8) {
            field_add_bytes(ff, hf_opt_linkaddr, o + 2, 6);
            field_add_bytes(ff, o[0] == 1 ? hf_opt_src_linkaddr : hf_opt_target_linkaddr, o + 2, 6);
        }
        break;
    case 3:
        if (len >= 32) {
            field_add_uint(ff, hf_opt_prefix_length, o[2]);
            field_add_uint(ff, hf_opt_prefix_flag, o[3]);
            field_add_uint(ff, hf_opt_prefix_valid, be32(o + 4));
            field_add_uint(ff, hf_opt_prefix_preferred, be32(o + 8));
            field_add_ipv6(ff, hf_opt_prefix, o + 16);
        }
        break;
    case 5:
        if (len >= 8)
            field_add_uint(ff, hf_opt_mtu, be32(o + 4));
        break;
    default:
        break;
    }
}

/* Records the neighbour-discovery options from offset off. */
static void nd_options(struct frame_fields *ff, struct span s, size_t off)
{
    while (off + 2 <= s.cap && off < s.len) {
        const uint8_t *o = s.p + off;
        size_t len = (size_t)o[1] * 8;
        field_add_present(ff, hf_opt);
        field_add_uint(ff, hf_opt_type, o[0]);
        field_add_uint(ff, hf_opt_length, o[1]);
        if (len == 0 || off + len > s.cap)
            return;
        nd_opt_value(ff, o, len);
        off += len;
    }
}

/* Records the fields of an MLDv2 report. */
static void mldv2_report(struct frame_fields *ff, struct span s)
{
    if (!add_bytes(ff, hf_reserved, s, 4, 2) || s.cap < 8)
        return;
    field_add_uint(ff, hf_mldr_nb_records, be16(s.p + 6));
    size_t off = 8;
    while (off < s.len && off + 20 <= s.cap) {
        const uint8_t *m = s.p + off;
        field_add_present(ff, hf_mldr_mar);
        field_add_uint(ff, hf_mldr_mar_type, m[0]);
        field_add_uint(ff, hf_mldr_mar_aux_len, m[1]);
        field_add_uint(ff, hf_mldr_mar_nb_sources, be16(m + 2));
        field_add_ipv6(ff, hf_mldr_mar_mcast, m + 4);
        off += 20;
        for (unsigned i = 0; i < be16(m + 2) && off + 16 <= s.cap; i++, off += 16)
            field_add_ipv6(ff, hf_mldr_mar_source, s.p + off);
        off += (size_t)m[1] * 4;
    }
}

/* Records the fields after the checksum, by type (s.cap >= 4). */
static void body_fields(struct frame_fields *ff, struct span s)
{
    switch (s.p[0]) {
    case ICMP6_DST_UNREACH:
    case ICMP6_TIME_EXCEEDED:
        add_bytes(ff, hf_reserved, s, 4, 4);
        break;
    case ICMP6_PACKET_TOO_BIG:
        if (s.cap >= 8)
            field_add_uint(ff, hf_mtu, be32(s.p + 4));
        break;
    case ICMP6_PARAM_PROB:
        if (s.cap >= 8)
            field_add_uint(ff, hf_pointer, be32(s.p + 4));
        break;
    case ICMP6_ECHO_REQUEST:
    case ICMP6_ECHO_REPLY:
        if (s.cap >= 6)
            field_add_uint(ff, hf_echo_id, be16(s.p + 4));
        if (s.cap >= 8)
            field_add_uint(ff, hf_echo_seq, be16(s.p + 6));
        break;
    case ICMP6_MLD_QUERY:
    case ICMP6_MLD_REPORT:
    case ICMP6_MLD_DONE:
        if (s.cap >= 6)
            field_add_uint(ff, hf_mld_mrd, be16(s.p + 4));
        if (add_bytes(ff, hf_reserved, s, 6, 2) && s.cap >= 24)
            field_add_ipv6(ff, hf_mld_mcast, s.p + 8);
        break;
    case ICMP6_ND_ROUTER_SOLICIT:
        if (add_bytes(ff, hf_reserved, s, 4, 4))
            nd_options(ff, s, 8);
        break;
    case ICMP6_ND_ROUTER_ADVERT:
        if (s.cap < 16)
            break;
        field_add_uint(ff, hf_ra_cur_hop_limit, s.p[4]);
        field_add_uint(ff, hf_ra_flag, s.p[5]);
        field_add_uint(ff, hf_ra_router_lifetime, be16(s.p + 6));
        field_add_uint(ff, hf_ra_reachable_time, be32(s.p + 8));
        field_add_uint(ff, hf_ra_retrans_timer, be32(s.p + 12));
        nd_options(ff, s, 16);
        break;
    case ICMP6_ND_NEIGHBOR_SOLICIT:
        if (add_bytes(ff, hf_reserved, s, 4, 4) && s.cap >= 24) {
            field_add_ipv6(ff, hf_ns_target, s.p + 8);
            nd_options(ff, s, 24);
        }
        break;
    case ICMP6_ND_NEIGHBOR_ADVERT:
        if (s.cap < 8)
            break;
        field_add_uint(ff, hf_na_flag, be32(s.p + 4));
        field_add_uint(ff, hf_na_flag_r, s.p[4] >> 7);
        field_add_uint(ff, hf_na_flag_s, (s.p[4] >> 6) & 1u);
        field_add_uint(ff, hf_na_flag_o, (s.p[4] >> 5) & 1u);
        field_add_uint(ff, hf_na_flag_rsv, be32(s.p + 4) & 0x1fffffffu);
        if (s.cap >= 24) {
            field_add_ipv6(ff, hf_na_target, s.p + 8);
            nd_options(ff, s, 24);
        }
        break;
    case ICMP6_ND_REDIRECT:
        if (add_bytes(ff, hf_reserved, s, 4, 4) && s.cap >= 40) {
            field_add_ipv6(ff, hf_rd_target, s.p + 8);
            field_add_ipv6(ff, hf_rd_destination, s.p + 24);
            nd_options(ff, s, 40);
        }
        break;
    case ICMP6_MLDV2_REPORT:
        mldv2_report(ff, s);
        break;
    default:
        break;
    }
}

/* Dissects an ICMPv6 message. */
static void dissect_icmpv6(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_icmpv6);
    uint8_t type = s.cap >= 1 ? s.p[0] : 0;
    if (fields_want_proto(c->fields, proto_icmpv6) && s.cap >= 4) {
        field_add_uint(c->fields, hf_type, type);
        field_add_uint(c->fields, hf_code, s.p[1]);
        field_add_uint(c->fields, hf_checksum, be16(s.p + 2));
        field_add_uint(c->fields, hf_checksum_status, checksum_status(c, s));
        body_fields(c->fields, s);
    }
    if (s.cap < 8 || c->quoted)
        return;
    if (type >= ICMP6_DST_UNREACH && type <= ICMP6_PARAM_PROB)
        dissect_quoted(c, span_from(s, 8), true);
    if (!ctx_fields_mode(c))
        return;
    if (type == ICMP6_ECHO_REQUEST || type == ICMP6_ECHO_REPLY) {
        echo_fields(c, s);
        if (s.len > 8)
            ctx_layer(c, proto_data);
    }
}

/* The ICMPv6 dissector. */
static const struct dissector_handle icmpv6_handle = {&proto_icmpv6, dissect_icmpv6, NULL};

/* Returns true when a request's reply frame is wanted (shown from a first pass). */
static bool icmpv6_needs_first_pass(const struct frame_fields *ff)
{
    return fields_want(ff, hf_resp_in) || fields_want(ff, hf_no_resp) ||
           fields_want(ff, hf_resp_not_found);
}

/* Moves the first pass's echo matching to the second pass. */
static void icmpv6_take_first_pass(struct dissector *second, struct dissector *first)
{
    echo_take_first_pass(second, first, echo_slot);
}

/* The fields of the header, errors and echoes. */
static const struct field_reg hf_base[] = {
    HF(&hf_type, "icmpv6.type", "Type", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_code, "icmpv6.code", "Code", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_checksum, "icmpv6.checksum", "Checksum", FT_UINT16, BASE_HEX, 0, NULL),
    HF(&hf_checksum_status, "icmpv6.checksum.status", "Checksum Status", FT_UINT8, BASE_NONE, 0,
       checksum_status_names),
    HF(&hf_reserved, "icmpv6.reserved", "Reserved", FT_BYTES, BASE_NONE, 0, NULL),
    HF(&hf_mtu, "icmpv6.mtu", "MTU", FT_UINT32, BASE_DEC, 0, NULL),
    HF(&hf_pointer, "icmpv6.pointer", "Pointer", FT_UINT32, BASE_DEC, 0, NULL),
    HF(&hf_echo_id, "icmpv6.echo.identifier", "Identifier", FT_UINT16, BASE_HEX, 0, NULL),
    HF(&hf_echo_seq, "icmpv6.echo.sequence_number", "Sequence", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_resp_in, "icmpv6.resp_in", "Response In", FT_FRAMENUM, BASE_NONE, 0, NULL),
    HF(&hf_resp_to, "icmpv6.resp_to", "Response To", FT_FRAMENUM, BASE_NONE, 0, NULL),
    HF(&hf_resptime, "icmpv6.resptime", "Response Time", FT_DOUBLE, BASE_NONE, 0, NULL),
    HF(&hf_no_resp, "icmpv6.no_resp", "No response seen", FT_NONE, BASE_NONE, 0, NULL),
    HF(&hf_resp_not_found, "icmpv6.resp_not_found", "Response not found", FT_NONE, BASE_NONE, 0,
       NULL),
};

/* The fields of neighbour discovery and MLD. */
static const struct field_reg hf_nd[] = {
    HF(&hf_ns_target, "icmpv6.nd.ns.target_address", "Target Address", FT_IPv6, BASE_NONE, 0, NULL),
    HF(&hf_na_flag, "icmpv6.nd.na.flag", "Flags", FT_UINT32, BASE_HEX, 0, NULL),
    HF_TFS(&hf_na_flag_r, "icmpv6.nd.na.flag.r", "Router", 0x80000000, tfs_set_notset),
    HF_TFS(&hf_na_flag_s, "icmpv6.nd.na.flag.s", "Solicited", 0x40000000, tfs_set_notset),
    HF_TFS(&hf_na_flag_o, "icmpv6.nd.na.flag.o", "Override", 0x20000000, tfs_set_notset),
    HF(&hf_na_flag_rsv, "icmpv6.nd.na.flag.rsv", "Reserved", FT_UINT32, BASE_DEC, 0x1fffffff, NULL),
    HF(&hf_na_target, "icmpv6.nd.na.target_address", "Target Address", FT_IPv6, BASE_NONE, 0, NULL),
    HF(&hf_rd_target, "icmpv6.nd.rd.target_address", "Target Address", FT_IPv6, BASE_NONE, 0, NULL),
    HF(&hf_rd_destination, "icmpv6.rd.na.destination_address", "Destination Address", FT_IPv6,
       BASE_NONE, 0, NULL),
    HF(&hf_ra_cur_hop_limit, "icmpv6.nd.ra.cur_hop_limit", "Cur hop limit", FT_UINT8, BASE_DEC, 0,
       NULL),
    HF(&hf_ra_flag, "icmpv6.nd.ra.flag", "Flags", FT_UINT8, BASE_HEX, 0, NULL),
    HF(&hf_ra_router_lifetime, "icmpv6.nd.ra.router_lifetime", "Router lifetime (s)", FT_UINT16,
       BASE_DEC, 0, NULL),
    HF(&hf_ra_reachable_time, "icmpv6.nd.ra.reachable_time", "Reachable time (ms)", FT_UINT32,
       BASE_DEC, 0, NULL),
    HF(&hf_ra_retrans_timer, "icmpv6.nd.ra.retrans_timer", "Retrans timer (ms)", FT_UINT32,
       BASE_DEC, 0, NULL),
    HF(&hf_opt, "icmpv6.opt", "ICMPv6 Option", FT_NONE, BASE_NONE, 0, NULL),
    HF(&hf_opt_type, "icmpv6.opt.type", "Type", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_opt_length, "icmpv6.opt.length", "Length", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_opt_linkaddr, "icmpv6.opt.linkaddr", "Link-layer address", FT_BYTES, SEP_COLON, 0, NULL),
    HF(&hf_opt_src_linkaddr, "icmpv6.opt.src_linkaddr", "Source Link-layer address", FT_BYTES,
       SEP_COLON, 0, NULL),
    HF(&hf_opt_target_linkaddr, "icmpv6.opt.target_linkaddr", "Target Link-layer address", FT_BYTES,
       SEP_COLON, 0, NULL),
    HF(&hf_opt_prefix_length, "icmpv6.opt.prefix.length", "Prefix Length", FT_UINT8, BASE_DEC, 0,
       NULL),
    HF(&hf_opt_prefix_flag, "icmpv6.opt.prefix.flag", "Flag", FT_UINT8, BASE_HEX, 0, NULL),
    HF(&hf_opt_prefix_valid, "icmpv6.opt.prefix.valid_lifetime", "Valid Lifetime", FT_UINT32,
       BASE_DEC, 0, NULL),
    HF(&hf_opt_prefix_preferred, "icmpv6.opt.prefix.preferred_lifetime", "Preferred Lifetime",
       FT_UINT32, BASE_DEC, 0, NULL),
    HF(&hf_opt_prefix, "icmpv6.opt.prefix", "Prefix", FT_IPv6, BASE_NONE, 0, NULL),
    HF(&hf_opt_mtu, "icmpv6.opt.mtu", "MTU", FT_UINT32, BASE_DEC, 0, NULL),
    HF(&hf_mld_mrd, "icmpv6.mld.maximum_response_delay", "Maximum Response Delay [ms]", FT_UINT16,
       BASE_DEC, 0, NULL),
    HF(&hf_mld_mcast, "icmpv6.mld.multicast_address", "Multicast Address", FT_IPv6, BASE_NONE, 0,
       NULL),
    HF(&hf_mldr_nb_records, "icmpv6.mldr.nb_mcast_records", "Number of Multicast Address Records",
       FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_mldr_mar, "icmpv6.mldr.mar", "Multicast Address Record", FT_NONE, BASE_NONE, 0, NULL),
    HF(&hf_mldr_mar_type, "icmpv6.mldr.mar.record_type", "Record Type", FT_UINT8, BASE_DEC, 0,
       NULL),
    HF(&hf_mldr_mar_aux_len, "icmpv6.mldr.mar.aux_data_len", "Aux Data Len", FT_UINT8, BASE_DEC, 0,
       NULL),
    HF(&hf_mldr_mar_nb_sources, "icmpv6.mldr.mar.nb_sources", "Number of Sources", FT_UINT16,
       BASE_DEC, 0, NULL),
    HF(&hf_mldr_mar_mcast, "icmpv6.mldr.mar.multicast_address", "Multicast Address", FT_IPv6,
       BASE_NONE, 0, NULL),
    HF(&hf_mldr_mar_source, "icmpv6.mldr.mar.source_address", "Source Address", FT_IPv6, BASE_NONE,
       0, NULL),
};

/* Registers ICMPv6 and its fields. */
static void icmpv6_register(void)
{
    static const struct proto_hooks hooks = {.free_state = echo_state_free,
                                             .needs_first_pass = icmpv6_needs_first_pass,
                                             .take_first_pass = icmpv6_take_first_pass};
    proto_icmpv6 = registry_proto("icmpv6", "Internet Control Message Protocol v6");
    registry_fields(proto_icmpv6, hf_base, ARRAY_COUNT(hf_base));
    registry_fields(proto_icmpv6, hf_nd, ARRAY_COUNT(hf_nd));
    echo_slot = registry_proto_state(proto_icmpv6, &hooks);
}

/* ICMPv6 on IP protocol 58. */
static void icmpv6_handoff(void)
{
    registry_table_add("ip.proto", 58, &icmpv6_handle);
}

const struct dissector_module dissector_icmpv6 = {icmpv6_register, icmpv6_handoff};
