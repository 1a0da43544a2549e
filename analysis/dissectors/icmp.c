/* Owns ICMP: the message and its fields (icmp.*), the checksum verified as
 * tshark verifies it, echo request/reply matching (icmp.resp_in,
 * icmp.resp_to, icmp.resptime), and the datagram an error quotes, which
 * tshark shows (its fields are recorded) but neither counts nor puts at
 * the top level.  An RFC 4884 length that overruns the message makes
 * Wireshark call the packet malformed. */
#include "dissect_internal.h"
#include "dissectors/echo_match.h"
#include "dissectors/list.h"

/* ICMP message types. */
enum {
    ICMP_ECHOREPLY = 0,
    ICMP_UNREACH = 3,
    ICMP_SOURCEQUENCH = 4,
    ICMP_REDIRECT = 5,
    ICMP_ECHO = 8,
    ICMP_TIMXCEED = 11,
    ICMP_PARAMPROB = 12,
};

/* The ICMP protocol and its fields. */
static int proto_icmp, hf_type, hf_code, hf_checksum, hf_checksum_status, hf_ident, hf_ident_le,
    hf_seq, hf_seq_le, hf_length, hf_length_original, hf_mtu, hf_redir_gw, hf_pointer, hf_resp_in,
    hf_resp_to, hf_resptime, hf_no_resp, hf_resp_not_found, hf_data_time, hf_data_time_relative;

/* The state slot of echo matching. */
static int echo_slot;

/* Returns true for the types that carry an identifier and sequence number. */
static bool has_ident(uint8_t type)
{
    return type == 0 || type == 8 || (type >= 13 && type <= 18);
}

/* Records the checksum and its status: good or bad when the whole message
 * was captured outside an error, else unverified (2). */
static void checksum_fields(struct dissect_ctx *c, struct span s)
{
    field_add_uint(c->fields, hf_checksum, be16(s.p + 2));
    uint64_t status = 2;
    if (s.cap >= s.len && !c->quoted)
        status = dissect_inet_checksum(s.p, s.len, 0) == 0 ? 1 : 0;
    field_add_uint(c->fields, hf_checksum_status, status);
}

/* Records the RFC 4884 length of an error's quoted datagram, when given. */
static void length_fields(struct frame_fields *ff, uint8_t words)
{
    if (words == 0)
        return;
    field_add_uint(ff, hf_length, words);
    field_add_uint(ff, hf_length_original, words * 4u);
}

/* Records the fields of the second word of the header, as far as it was
 * captured (s.cap >= 4). */
static void second_word_fields(struct frame_fields *ff, struct span s)
{
    uint8_t type = s.p[0], code = s.p[1];
    if (has_ident(type)) {
        if (s.cap < 6)
            return;
        field_add_uint(ff, hf_ident, be16(s.p + 4));
        field_add_uint(ff, hf_ident_le, (uint16_t)(s.p[4] | s.p[5] << 8));
        if (s.cap < 8)
            return;
        field_add_uint(ff, hf_seq, be16(s.p + 6));
        field_add_uint(ff, hf_seq_le, (uint16_t)(s.p[6] | s.p[7] << 8));
    } else if (s.cap < 8) {
        return;
    } else if (type == ICMP_UNREACH) {
        length_fields(ff, s.p[5]);
        if (code == 4)
            field_add_uint(ff, hf_mtu, be16(s.p + 6));
    } else if (type == ICMP_PARAMPROB) {
        field_add_uint(ff, hf_pointer, s.p[4]);
        length_fields(ff, s.p[5]);
    } else if (type == ICMP_REDIRECT) {
        field_add_ipv4(ff, hf_redir_gw, s.p + 4);
    } else if (type == ICMP_TIMXCEED) {
        length_fields(ff, s.p[5]);
    }
}

/* Matches an echo request or reply and records what it learns. */
static void echo_fields(struct dissect_ctx *c, struct span s)
{
    struct echo_result r;
    uint16_t cksum = be16(s.p + 2);
    uint32_t k1 = (uint32_t)be16(s.p + 4) << 16 | be16(s.p + 6);
    if (s.p[0] == ICMP_ECHO) {
        uint16_t k0 = echo_cksum2((uint16_t)~cksum, (uint16_t)~0x0800);
        echo_request(c, echo_slot, (k0 ? k0 : 0xffffu), k1, &r);
        if (r.resp_in)
            field_add_uint(c->fields, hf_resp_in, r.resp_in);
        if (r.no_resp && (c->net_dst.bytes[0] & 0xf0) != 0xe0) { /* Not multicast. */
            field_add_present(c->fields, hf_no_resp);
            field_add_present(c->fields, hf_resp_not_found);
        }
        return;
    }
    echo_reply(c, echo_slot, cksum, k1, &r);
    if (r.resp_to) {
        field_add_uint(c->fields, hf_resp_to, r.resp_to);
        field_add_double(c->fields, hf_resptime, (double)r.resp_time / 1e6);
    }
}

/* Returns the datagram an error quotes, as long as Wireshark takes it: a
 * redirect quotes the header and 8 bytes; an RFC 4884 length shorter than
 * the quoted datagram's own length and than the message ends it there. */
static struct span quoted_span(struct span s, size_t words)
{
    struct span q = span_from(s, 8);
    if (q.cap < 4)
        return q;
    size_t ihl = (size_t)(q.p[0] & 0x0f) * 4;
    if (s.p[0] == ICMP_REDIRECT)
        return span_trim(q, ihl + 8);
    if (words && s.len > 8 + words * 4 && be16(q.p + 2) > words * 4)
        return span_trim(q, ihl + words * 4);
    return q;
}

/* Reads a timestamp at p in either byte order, as Wireshark guesses it:
 * seconds within a day of the frame's, microseconds under a million;
 * returns false when neither order gives one. */
static bool echo_timestamp(const uint8_t *p, int64_t frame_ns, int64_t *ns)
{
    int64_t frame_s = frame_ns / 1000000000;
    for (int le = 0; le < 2; le++) {
        uint32_t sec =
            le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
               : be32(p);
        uint32_t usec =
            le ? (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24
               : be32(p + 4);
        int32_t diff = (int32_t)(sec - (uint32_t)frame_s);
        if ((diff < 0 ? -(int64_t)diff : diff) < 86400 && usec < 1000000) {
            *ns = (int64_t)sec * 1000000000 + (int64_t)usec * 1000;
            return true;
        }
    }
    return false;
}

/* Records the data of an echo: a leading timestamp when it looks like one,
 * and the rest as data (s.cap >= 8). */
static void echo_data(struct dissect_ctx *c, struct span s)
{
    int64_t ts;
    if (s.cap - 8 < 8) {
        if (s.cap > 8)
            ctx_layer(c, proto_data);
        return;
    }
    if (echo_timestamp(s.p + 8, c->frame->ts_ns, &ts)) {
        field_add_time(c->fields, hf_data_time, ts);
        field_add_time(c->fields, hf_data_time_relative, c->frame->ts_ns - ts);
        if (s.len <= 16)
            return; /* Nothing after the timestamp: no data. */
    }
    ctx_layer(c, proto_data);
}

/* Dissects an ICMP message. */
static void dissect_icmp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_icmp);
    if (fields_want_proto(c->fields, proto_icmp) && s.cap >= 1) {
        field_add_uint(c->fields, hf_type, s.p[0]);
        if (s.cap >= 2)
            field_add_uint(c->fields, hf_code, s.p[1]);
        if (s.cap >= 4) {
            checksum_fields(c, s);
            second_word_fields(c->fields, s);
        }
    }
    if (!dissect_need(c, s, s.len < 8 ? s.len : 8))
        return;
    if (s.len < 8)
        return;
    uint8_t type = s.p[0];
    size_t words = type == ICMP_PARAMPROB ? s.p[4] : s.p[5];
    if ((type == ICMP_UNREACH || type == ICMP_SOURCEQUENCH || type == ICMP_REDIRECT ||
         type == ICMP_TIMXCEED || type == ICMP_PARAMPROB) &&
        !c->quoted)
        dissect_quoted(c, quoted_span(s, words), false);
    if ((type == ICMP_ECHO || type == ICMP_ECHOREPLY) && ctx_fields_mode(c)) {
        if (!c->quoted)
            echo_fields(c, s);
        if (c->fields)
            echo_data(c, s);
    }
    if ((type == ICMP_UNREACH || type == ICMP_TIMXCEED || type == ICMP_PARAMPROB) && words > 0 &&
        8 + words * 4 > s.len)
        ctx_push(c, proto_malformed);
}

/* The ICMP dissector. */
static const struct dissector_handle icmp_handle = {&proto_icmp, dissect_icmp, NULL};

/* Returns true when a request's reply frame is wanted (shown from a first pass). */
static bool icmp_needs_first_pass(const struct frame_fields *ff)
{
    return fields_want(ff, hf_resp_in) || fields_want(ff, hf_no_resp) ||
           fields_want(ff, hf_resp_not_found);
}

/* Moves the first pass's echo matching to the second pass. */
static void icmp_take_first_pass(struct dissector *second, struct dissector *first)
{
    echo_take_first_pass(second, first, echo_slot);
}

/* Registers ICMP and its fields. */
static void icmp_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_type, "icmp.type", "Type", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_code, "icmp.code", "Code", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_checksum, "icmp.checksum", "Checksum", FT_UINT16, BASE_HEX, 0, NULL),
        HF(&hf_checksum_status, "icmp.checksum.status", "Checksum Status", FT_UINT8, BASE_NONE, 0,
           checksum_status_names),
        HF(&hf_ident, "icmp.ident", "Identifier (BE)", FT_UINT16, BASE_DEC_HEX, 0, NULL),
        HF(&hf_ident_le, "icmp.ident_le", "Identifier (LE)", FT_UINT16, BASE_DEC_HEX, 0, NULL),
        HF(&hf_seq, "icmp.seq", "Sequence Number (BE)", FT_UINT16, BASE_DEC_HEX, 0, NULL),
        HF(&hf_seq_le, "icmp.seq_le", "Sequence Number (LE)", FT_UINT16, BASE_DEC_HEX, 0, NULL),
        HF(&hf_length, "icmp.length", "Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_length_original, "icmp.length.original_datagram", "Length of original datagram",
           FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_mtu, "icmp.mtu", "MTU of next hop", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_redir_gw, "icmp.redir_gw", "Gateway Address", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_pointer, "icmp.pointer", "Pointer", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_resp_in, "icmp.resp_in", "Response frame", FT_FRAMENUM, BASE_NONE, 0, NULL),
        HF(&hf_resp_to, "icmp.resp_to", "Request frame", FT_FRAMENUM, BASE_NONE, 0, NULL),
        HF(&hf_resptime, "icmp.resptime", "Response time", FT_DOUBLE, BASE_NONE, 0, NULL),
        HF(&hf_data_time, "icmp.data_time", "Timestamp from icmp data", FT_ABSOLUTE_TIME, BASE_NONE,
           0, NULL),
        HF(&hf_data_time_relative, "icmp.data_time_relative", "Timestamp from icmp data (relative)",
           FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_no_resp, "icmp.no_resp", "No response seen", FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_resp_not_found, "icmp.resp_not_found", "Response not found", FT_NONE, BASE_NONE, 0,
           NULL),
    };
    static const struct proto_hooks hooks = {.free_state = echo_state_free,
                                             .needs_first_pass = icmp_needs_first_pass,
                                             .take_first_pass = icmp_take_first_pass};
    proto_icmp = registry_proto("icmp", "Internet Control Message Protocol");
    registry_fields(proto_icmp, hf, ARRAY_COUNT(hf));
    echo_slot = registry_proto_state(proto_icmp, &hooks);
}

/* ICMP on IP protocol 1. */
static void icmp_handoff(void)
{
    registry_table_add("ip.proto", 1, &icmp_handle);
}

const struct dissector_module dissector_icmp = {icmp_register, icmp_handoff};
