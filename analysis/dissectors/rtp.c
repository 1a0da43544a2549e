/* Owns RTP and RTCP (RFC 3550).  Wireshark finds RTP only where a
 * session description set its conversation up (SDP's handles "rtp" and
 * "rtcp", through the core's conversation hand-off table); RTCP also by
 * its heuristic on UDP.  The fields are the fixed headers', the CSRCs,
 * the header extension's profile and length, the payload, the padding
 * count and the setup (frame and method). */
#include "dissect_internal.h"
#include "dissectors/list.h"

#include <string.h>

/* The protocols and their fields. */
static int proto_rtp, hf_version, hf_padding, hf_ext, hf_cc, hf_marker, hf_p_type, hf_seq,
    hf_timestamp, hf_ssrc, hf_csrc, hf_ext_profile, hf_ext_len, hf_payload, hf_padding_count,
    hf_setup_frame, hf_setup_method;
static int proto_rtcp, hf_rtcp_version, hf_rtcp_padding, hf_rtcp_rc, hf_rtcp_sc, hf_rtcp_pt,
    hf_rtcp_length, hf_rtcp_senderssrc, hf_rtcp_setup_frame, hf_rtcp_setup_method;

/* RTP's fixed header length. */
#define RTP_HDR 12

/* RTCP packet types of sender and receiver reports, SDES, BYE, APP and
 * payload-specific feedback. */
enum {
    RTCP_SR = 200,
    RTCP_RR = 201,
    RTCP_SDES = 202,
    RTCP_BYE = 203,
    RTCP_APP = 204,
    RTCP_PSFB = 206
};

/* Records the setup of the conversation the payload came by, if any. */
static void setup_fields(struct dissect_ctx *c, int hf_frame, int hf_method)
{
    const struct conversation_handoff *h = c->conversation;
    if (!h)
        return;
    field_add_uint(c->fields, hf_frame, h->setup_frame);
    field_add_string(c->fields, hf_method, h->setup_method, strlen(h->setup_method));
}

/* Records the fixed header's fields (s has RTP_HDR bytes). */
static void rtp_fixed_fields(struct frame_fields *ff, const uint8_t *p)
{
    field_add_uint(ff, hf_version, p[0] >> 6);
    field_add_uint(ff, hf_padding, (p[0] >> 5) & 1u);
    field_add_uint(ff, hf_ext, (p[0] >> 4) & 1u);
    field_add_uint(ff, hf_cc, p[0] & 0x0fu);
    field_add_uint(ff, hf_marker, p[1] >> 7);
    field_add_uint(ff, hf_p_type, p[1] & 0x7fu);
    field_add_uint(ff, hf_seq, be16(p + 2));
    field_add_uint(ff, hf_timestamp, be32(p + 4));
    field_add_uint(ff, hf_ssrc, be32(p + 8));
}

/* Returns the length of the header with its CSRCs and extension as far as
 * the captured bytes show it. */
static size_t rtp_header_len(struct span s)
{
    size_t off = RTP_HDR + 4u * (s.p[0] & 0x0fu);
    if ((s.p[0] & 0x10) && off + 4 <= s.cap)
        off += 4 + 4u * be16(s.p + off + 2);
    return off;
}

/* Dissects what follows the fixed header: the CSRCs, the extension, the
 * payload and the padding count (pad: the count, or 0). */
static void rtp_rest(struct dissect_ctx *c, struct span s, size_t pad)
{
    struct frame_fields *ff = c->fields;
    size_t off = RTP_HDR;
    for (unsigned i = 0; i < (s.p[0] & 0x0fu); i++, off += 4) {
        if (!dissect_need(c, s, off + 4))
            return;
        field_add_uint(ff, hf_csrc, be32(s.p + off));
    }
    if (s.p[0] & 0x10) {
        if (!dissect_need(c, s, off + 4))
            return;
        field_add_uint(ff, hf_ext_profile, be16(s.p + off));
        field_add_uint(ff, hf_ext_len, be16(s.p + off + 2));
        off += 4 + 4u * be16(s.p + off + 2);
        if (off > s.cap)
            return; /* Wireshark shows a cut extension's words quietly, and stops. */
    }
    if (off + pad < s.len) { /* A cut payload shows what was captured, quietly. */
        struct span d = span_trim(span_from(s, off), s.len - off - pad);
        field_add_bytes(ff, hf_payload, d.p, d.cap);
        if (d.cap < d.len)
            return;
    }
    if (pad)
        field_add_uint(ff, hf_padding_count, pad);
}

/* Dissects an RTP packet: one of another version is refused (its version
 * shown, the payload left as data, as Wireshark's refusal leaves it). */
static void dissect_rtp(struct dissect_ctx *c, struct span s)
{
    if (s.cap > 0 && s.p[0] >> 6 != 2) {
        field_add_uint(c->fields, hf_version, s.p[0] >> 6);
        ctx_push_node(c, proto_rtp);
        dissect_data(c, s);
        return;
    }
    if (s.cap < RTP_HDR) { /* Wireshark reads the whole fixed header before its tree. */
        ctx_layer(c, proto_rtp);
        dissect_need(c, s, RTP_HDR);
        return;
    }
    ctx_push(c, proto_rtp);
    rtp_fixed_fields(c->fields, s.p);
    setup_fields(c, hf_setup_frame, hf_setup_method);
    size_t pad = 0;
    if (s.p[0] & 0x20) {
        if (s.cap < s.len)
            return; /* The padding count is in the missing last byte. */
        pad = s.p[s.len - 1];
        if (pad > s.len - rtp_header_len(s)) { /* Bogus padding: nothing more is shown. */
            field_add_uint(c->fields, hf_padding_count, pad);
            return;
        }
    }
    rtp_rest(c, s, pad);
}

/* Dissects the headers of the packets of an RTCP compound packet
 * (Wireshark's hierarchy nests each under the one before). */
static void dissect_rtcp(struct dissect_ctx *c, struct span s)
{
    struct frame_fields *ff = c->fields;
    ctx_push(c, proto_rtcp);
    for (size_t off = 0; off + 4 <= s.cap;) {
        const uint8_t *p = s.p + off;
        if (off > 0) /* Each packet of a compound one is a node of its own. */
            ctx_push_node(c, proto_rtcp);
        setup_fields(c, hf_rtcp_setup_frame, hf_rtcp_setup_method);
        field_add_uint(ff, hf_rtcp_version, p[0] >> 6);
        field_add_uint(ff, hf_rtcp_padding, (p[0] >> 5) & 1u);
        if (p[1] == RTCP_SR || p[1] == RTCP_RR)
            field_add_uint(ff, hf_rtcp_rc, p[0] & 0x1fu);
        else if (p[1] == RTCP_SDES)
            field_add_uint(ff, hf_rtcp_sc, p[0] & 0x1fu);
        field_add_uint(ff, hf_rtcp_pt, p[1]);
        field_add_uint(ff, hf_rtcp_length, be16(p + 2));
        if ((p[1] == RTCP_SR || p[1] == RTCP_RR) && off + 8 <= s.cap)
            field_add_uint(ff, hf_rtcp_senderssrc, be32(p + 4));
        off += 4 + 4u * be16(p + 2);
    }
}

/* Wireshark's RTCP heuristic: version 2, a first packet that is a report,
 * a BYE, an APP or payload-specific feedback, a length of whole words. */
static bool rtcp_heur(const struct heur_args *a)
{
    if (a->cap < 2 || a->p[0] >> 6 != 2 || a->len % 4 != 0)
        return false;
    uint8_t pt = a->p[1];
    return pt == RTCP_SR || pt == RTCP_RR || pt == RTCP_BYE || pt == RTCP_APP || pt == RTCP_PSFB;
}

/* The handles SDP sets conversations up with. */
static const struct dissector_handle rtp_handle = {&proto_rtp, dissect_rtp, NULL};
static const struct dissector_handle rtcp_handle = {&proto_rtcp, dissect_rtcp, NULL};

/* RTP's payload types (Wireshark's rtp_payload_type_vals, the static ones). */
static const struct value_name p_type_names[] = {{0, "ITU-T G.711 PCMU"},
                                                 {3, "GSM 06.10"},
                                                 {4, "ITU-T G.723"},
                                                 {5, "DVI4 8000 samples/s"},
                                                 {6, "DVI4 16000 samples/s"},
                                                 {7, "LPC"},
                                                 {8, "ITU-T G.711 PCMA"},
                                                 {9, "ITU-T G.722"},
                                                 {10, "L16 Stereo"},
                                                 {11, "L16 Mono"},
                                                 {12, "QCELP"},
                                                 {13, "Comfort noise"},
                                                 {14, "MPEG-I/II Audio"},
                                                 {15, "ITU-T G.728"},
                                                 {16, "DVI4 11025 samples/s"},
                                                 {17, "DVI4 22050 samples/s"},
                                                 {18, "ITU-T G.729"},
                                                 {25, "Sun CellB video encoding"},
                                                 {26, "JPEG-compressed video"},
                                                 {28, "'nv' program"},
                                                 {31, "ITU-T H.261"},
                                                 {32, "MPEG-I/II Video"},
                                                 {33, "MPEG-II transport streams"},
                                                 {34, "ITU-T H.263"},
                                                 {0, NULL}};

/* The RTP fields. */
static const struct field_reg rtp_fields[] = {
    HF(&hf_version, "rtp.version", "Version", FT_UINT8, BASE_DEC, 0xc0, NULL),
    HF(&hf_padding, "rtp.padding", "Padding", FT_BOOLEAN, BASE_NONE, 0x20, NULL),
    HF(&hf_ext, "rtp.ext", "Extension", FT_BOOLEAN, BASE_NONE, 0x10, NULL),
    HF(&hf_cc, "rtp.cc", "Contributing source identifiers count", FT_UINT8, BASE_DEC, 0x0f, NULL),
    HF(&hf_marker, "rtp.marker", "Marker", FT_BOOLEAN, BASE_NONE, 0x80, NULL),
    HF(&hf_p_type, "rtp.p_type", "Payload type", FT_UINT8, BASE_DEC, 0x7f, p_type_names),
    HF(&hf_seq, "rtp.seq", "Sequence number", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_timestamp, "rtp.timestamp", "Timestamp", FT_UINT32, BASE_DEC, 0, NULL),
    HF(&hf_ssrc, "rtp.ssrc", "Synchronization Source identifier", FT_UINT32, BASE_HEX_DEC, 0, NULL),
    HF(&hf_csrc, "rtp.csrc.item", "CSRC item", FT_UINT32, BASE_HEX_DEC, 0, NULL),
    HF(&hf_ext_profile, "rtp.ext.profile", "Defined by profile", FT_UINT16, BASE_HEX_DEC, 0, NULL),
    HF(&hf_ext_len, "rtp.ext.len", "Extension length", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_payload, "rtp.payload", "Payload", FT_BYTES, BASE_NONE, 0, NULL),
    HF(&hf_padding_count, "rtp.padding.count", "Padding count", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_setup_frame, "rtp.setup-frame", "Setup frame", FT_FRAMENUM, BASE_NONE, 0, NULL),
    HF(&hf_setup_method, "rtp.setup-method", "Setup Method", FT_STRING, BASE_NONE, 0, NULL),
};

/* RTCP's packet types. */
static const struct value_name rtcp_pt_names[] = {{192, "Full INTRA-frame Request (H.261)"},
                                                  {193, "Negative Acknowledgement (H.261)"},
                                                  {200, "Sender Report"},
                                                  {201, "Receiver Report"},
                                                  {202, "Source description"},
                                                  {203, "Goodbye"},
                                                  {204, "Application specific"},
                                                  {205, "Generic RTP Feedback"},
                                                  {206, "Payload-specific Feedback"},
                                                  {207, "Extended report (RFC 3611)"},
                                                  {0, NULL}};

/* The RTCP fields. */
static const struct field_reg rtcp_fields[] = {
    HF(&hf_rtcp_version, "rtcp.version", "Version", FT_UINT8, BASE_DEC, 0xc0, NULL),
    HF(&hf_rtcp_padding, "rtcp.padding", "Padding", FT_BOOLEAN, BASE_NONE, 0x20, NULL),
    HF(&hf_rtcp_rc, "rtcp.rc", "Reception report count", FT_UINT8, BASE_DEC, 0x1f, NULL),
    HF(&hf_rtcp_sc, "rtcp.sc", "Source count", FT_UINT8, BASE_DEC, 0x1f, NULL),
    HF(&hf_rtcp_pt, "rtcp.pt", "Packet type", FT_UINT8, BASE_DEC, 0, rtcp_pt_names),
    HF(&hf_rtcp_length, "rtcp.length", "Length", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_rtcp_senderssrc, "rtcp.senderssrc", "Sender SSRC", FT_UINT32, BASE_HEX_DEC, 0, NULL),
    HF(&hf_rtcp_setup_frame, "rtcp.setup-frame", "Setup frame", FT_FRAMENUM, BASE_NONE, 0, NULL),
    HF(&hf_rtcp_setup_method, "rtcp.setup-method", "Setup Method", FT_STRING, BASE_NONE, 0, NULL),
};

/* Registers RTP and RTCP with their fields and handles. */
static void rtp_register(void)
{
    proto_rtp = registry_proto("rtp", "Real-Time Transport Protocol");
    registry_fields(proto_rtp, rtp_fields, ARRAY_COUNT(rtp_fields));
    proto_rtcp = registry_proto("rtcp", "Real-time Transport Control Protocol");
    registry_fields(proto_rtcp, rtcp_fields, ARRAY_COUNT(rtcp_fields));
    register_dissector("rtp", &rtp_handle);
    register_dissector("rtcp", &rtcp_handle);
}

/* RTCP's heuristic on UDP. */
static void rtp_handoff(void)
{
    registry_heur_add("udp", rtcp_heur, &rtcp_handle);
}

const struct dissector_module dissector_rtp = {rtp_register, rtp_handoff};
