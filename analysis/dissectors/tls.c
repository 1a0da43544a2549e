/* Owns TLS over TCP: the framing of records (5-byte header), the
 * handshake fields of the records completed in a frame (through
 * tls_hello.c, which QUIC shares), a direction's first ChangeCipherSpec
 * (after which Wireshark takes handshake records for encrypted), SSLv2
 * ClientHellos, and TLS on other ports: tshark's TLS ports and heuristic
 * (the "tcp" heuristic list).  One "tls" node per segment, whatever the
 * records it holds; bytes that cannot start a record are "Continuation
 * Data", still "tls". */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"
#include "tls_fields.h"
#include "tls_hello.h"

#include <stdlib.h>
#include <string.h>

/* TLS's state of one direction (in struct tcp_half's application area). */
struct tls_dir {
    uint64_t ccs;            /* Frame of this direction's first counted ChangeCipherSpec, or 0. */
    uint64_t abort;          /* Frame in which Wireshark's TLS dissector would have thrown, or 0. */
    struct tls_hs_state *hs; /* Handshake messages split over records, or NULL. */
    bool keep;               /* buf keeps whole handshake records (their fields are wanted). */
    bool tls13;              /* A ServerHello of the stream selected TLS 1.3. */
    bool v2;                 /* An SSLv2 ClientHello made the stream SSLv2 to Wireshark. */
};

_Static_assert(sizeof(struct tls_dir) <= TCP_APP_STATE_SIZE, "TLS state too large");

/* Returns TLS's state of a direction. */
static inline struct tls_dir *tls_dir(struct tcp_half *h)
{
    return (struct tls_dir *)(void *)h->app.words;
}

/* The TLS protocol and fields (the fields are shared with tls_hello.c). */
static int proto_tls;
int tls_hf_handshake_type, tls_hf_server_name;
static int hf_record_content_type, hf_record_opaque_type, hf_record_version, hf_record_length;

/* Returns true when the wanted fields need the record headers. */
static bool tls_wants_headers(const struct dissect_ctx *c)
{
    return fields_want(c->fields, hf_record_content_type) ||
           fields_want(c->fields, hf_record_opaque_type) ||
           fields_want(c->fields, hf_record_version) || fields_want(c->fields, hf_record_length);
}

/* Returns true when the wanted fields need the handshake records' bytes
 * (or the TLS 1.3 choice, which names an encrypted record's type). */
static bool tls_wants_records(const struct dissect_ctx *c)
{
    if (!fields_want_proto(c->fields, proto_tls))
        return tls_hello_fields_wanted(c->fields); /* Certificates' X.509 fields. */
    return tls_wants_headers(c) || fields_want(c->fields, tls_hf_handshake_type) ||
           fields_want(c->fields, tls_hf_server_name) || tls_hello_fields_wanted(c->fields);
}

/* Records a record's header (5 bytes at p): an application data record
 * of TLS 1.3 has an opaque type, as its true type is encrypted. */
static void tls_record_header(struct dissect_ctx *c, const struct tls_dir *d, const uint8_t *p)
{
    if (p[0] == 23 && d->tls13)
        field_add_uint(c->fields, hf_record_opaque_type, p[0]);
    else
        field_add_uint(c->fields, hf_record_content_type, p[0]);
    field_add_uint(c->fields, hf_record_version, be16(p + 1));
    field_add_uint(c->fields, hf_record_length, be16(p + 3));
}

/* Records the fields of a TLS record completed in this frame: the handshake
 * messages of a handshake record, and the frame of a direction's first
 * ChangeCipherSpec outside TLS 1.3 (after it, Wireshark takes handshake
 * records for encrypted).  A record Wireshark would have thrown on ends
 * the frame's TLS fields, as its exception ends the frame's dissection. */
static void tls_record_done(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other)
{
    struct tls_dir *d = tls_dir(h), *od = tls_dir(other);
    uint64_t frame = c->d->frame_number;
    if (!d->keep || h->buf_len < 5 || d->abort == frame || d->v2)
        return;
    tls_record_header(c, d, h->buf);
    if (h->buf[0] == 20 && d->ccs == 0 && !d->tls13)
        d->ccs = frame;
    if (h->buf[0] != 22 || h->buf_len != 5 + (uint32_t)(h->buf[3] << 8 | h->buf[4]))
        return;
    if (!d->hs && !(d->hs = calloc(1, sizeof(*d->hs))))
        return;
    bool after_ccs = d->ccs != 0 && frame > d->ccs;
    int flags = tls_handshake_chunk(d->hs, c->fields, h->buf + 5, h->buf_len - 5, true, after_ccs);
    if (flags & (TLS_CHUNK_SH_TLS13 | TLS_CHUNK_SH_OTHER))
        d->tls13 = od->tls13 = (flags & TLS_CHUNK_SH_TLS13) != 0;
    if (flags & TLS_CHUNK_ABORT)
        d->abort = frame;
}

/* Records the TLS fields of a segment the snaplen cut, which Wireshark
 * dissects alone with the records' reported lengths: whole records as
 * usual, then the record the capture ends in as far as it goes. */
static void tls_cut_segment(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                            struct span p)
{
    struct tls_dir *d = tls_dir(h), *od = tls_dir(other);
    uint64_t frame = c->d->frame_number;
    size_t off = 0;
    while (off < p.len && p.cap - off >= 5 && p.p[off] >= 20 && p.p[off] <= 24 && !d->v2) {
        size_t len = (size_t)(p.p[off + 3] << 8 | p.p[off + 4]);
        if (len > p.len - off - 5)
            return; /* Wireshark cannot ask for the rest: it stops. */
        size_t cap = p.cap - off - 5 < len ? p.cap - off - 5 : len;
        tls_record_header(c, d, p.p + off);
        if (p.p[off] == 20 && d->ccs == 0 && !d->tls13 && cap > 0)
            d->ccs = frame;
        if (p.p[off] == 22) {
            if (!d->hs && !(d->hs = calloc(1, sizeof(*d->hs))))
                return;
            bool after_ccs = d->ccs != 0 && frame > d->ccs;
            int flags =
                tls_handshake_chunk_cut(d->hs, c->fields, p.p + off + 5, cap, len, after_ccs);
            if (flags & (TLS_CHUNK_SH_TLS13 | TLS_CHUNK_SH_OTHER))
                d->tls13 = od->tls13 = (flags & TLS_CHUNK_SH_TLS13) != 0;
            if (flags & TLS_CHUNK_ABORT)
                return;
        }
        if (cap < len)
            return;
        off += 5 + len;
    }
}

/* Records the ClientHello of SSL 2.0 (a record header 0x80 and message
 * type 1, Wireshark's ssl_is_v2_client_hello) at the start of n bytes at
 * p; Wireshark then takes the session for SSLv2 and shows no later
 * handshake record of either direction. */
static void tls_v2_hello(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                         const uint8_t *p, size_t n)
{
    struct tls_dir *d = tls_dir(h), *od = tls_dir(other);
    if (!d->keep || d->v2 || n < 3 || p[0] != 0x80 || p[2] != 1)
        return;
    field_add_uint(c->fields, tls_hf_handshake_type, 1);
    tls_v2_hello_fields(c->fields, p, n);
    d->v2 = od->v2 = true;
}

/* Records the header of bytes that look like an SSLv2 record to
 * Wireshark (a 2-byte header, then a message type it knows, of SSL 2.0 or
 * PCT): the version it gives every such record, and the length of one
 * holding a ClientHello (any other it takes for encrypted data). */
static void tls_v2_record(struct dissect_ctx *c, const uint8_t *p, size_t n)
{
    if (!c->fields || n < 3 || p[0] < 0x80 || p[2] > 5)
        return;
    field_add_uint(c->fields, hf_record_version, 0x0002);
    if (p[2] == 1 && n >= 46)
        field_add_uint(c->fields, hf_record_length, be16(p) & 0x7fff);
}

/* Decides per segment whether handshake records are kept. */
static void tls_prepare(struct dissect_ctx *c, struct tcp_half *h)
{
    tls_dir(h)->keep = tls_wants_records(c);
}

/* Tells whether bytes start a record; bytes that do not are Continuation
 * Data (one "tls" node unless the segment has one), or an SSLv2 ClientHello. */
static bool tls_start(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                      const uint8_t *p, size_t n, bool pushed)
{
    if (p[0] >= 20 && p[0] <= 24)
        return true;
    if (!pushed)
        ctx_push(c, proto_tls);
    tls_v2_record(c, p, n);
    tls_v2_hello(c, h, other, p, n);
    return false;
}

/* Feeds bytes to a record (5-byte header, length at offset 3), keeping
 * handshake records whole when their fields are wanted. */
static size_t tls_feed(struct tcp_half *h, struct tcp_half *other, const uint8_t *p, size_t n,
                       bool *done)
{
    (void)other;
    uint8_t type = h->buf_len > 0 ? h->buf[0] : p[0];
    return tcp_pdu_feed_prefixed(h, p, n, 5, 3, tls_dir(h)->keep && type == 22, 5 + 0xffff, done);
}

/* A record completed: its handshake fields, and one "tls" node per segment. */
static void tls_done(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other, bool pushed)
{
    tls_record_done(c, h, other);
    if (!pushed)
        ctx_push(c, proto_tls);
}

/* Records the fields of a cut segment's whole records (no record in progress). */
static void tls_cut(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                    struct span p)
{
    if (h->mode == PDU_IDLE && tls_wants_records(c))
        tls_cut_segment(c, h, other, p);
}

/* Frees a direction's handshake reassembly. */
static void tls_free(struct tcp_half *h)
{
    struct tls_dir *d = tls_dir(h);
    if (d->hs) {
        tls_hs_state_free(d->hs);
        free(d->hs);
    }
}

/* TLS's framing. */
static const struct tcp_stream_ops tls_ops = {
    .prepare = tls_prepare,
    .start = tls_start,
    .feed = tls_feed,
    .done = tls_done,
    .cut = tls_cut,
    .free = tls_free,
};

/* The TLS dissector (over TCP). */
static const struct dissector_handle tls_handle = {&proto_tls, NULL, &tls_ops};

/* Returns true for the TCP ports tshark 4.0 decodes as TLS by default
 * (besides 443, which is in the port table). */
static bool tls_port(uint16_t port)
{
    switch (port) {
    case 324:
    case 465:
    case 636:
    case 802:
    case 853:
    case 993:
    case 995:
    case 1300:
    case 2221:
    case 2443:
    case 3249:
    case 3250:
    case 3251:
    case 3252:
    case 3496:
    case 5061:
    case 5671:
    case 5684:
    case 5868:
    case 8883:
    case 11207:
    case 19999:
    case 27017:
        return true;
    default:
        return false;
    }
}

/* Returns true when a payload starts the way Wireshark's TLS heuristic
 * wants: a handshake or application data record of an SSL 3.0 to TLS 1.2
 * (or GM/T) version with a plausible length, or an SSLv2 ClientHello. */
static bool tls_heuristic(struct span p)
{
    const uint8_t *b = p.p;
    if (p.cap >= 5 && (b[0] == 22 || b[0] == 23)) {
        uint32_t version = (uint32_t)b[1] << 8 | b[2], len = (uint32_t)b[3] << 8 | b[4];
        bool known = (version >= 0x0300 && version <= 0x0303) || version == 0x0101;
        return known && len != 0 && len < 16384 + 2048;
    }
    if (p.cap < 46 || b[0] != 0x80 || b[2] != 1)
        return false;
    uint32_t specs = (uint32_t)b[5] << 8 | b[6], sid = (uint32_t)b[7] << 8 | b[8];
    uint32_t challenge = (uint32_t)b[9] << 8 | b[10];
    return specs != 0 && specs % 3 == 0 && (sid == 0 || sid == 16) && challenge == 32;
}

/* Wireshark's TLS heuristic and its other TLS ports: a stream still
 * without an application becomes TLS. */
static bool tls_heur(const struct heur_args *a)
{
    struct span p = {a->p, a->cap, a->len};
    return tls_port(a->sport) || tls_port(a->dport) || tls_heuristic(p);
}

/* The handshake message types tshark 4.0 names for filters: it resolves
 * tls.handshake.type with the SSLv2 table (registered first under the
 * same name), where "Server Hello" is 4. */
static const struct value_name handshake_type_names[] = {
    {0, "Error"},
    {1, "Client Hello"},
    {2, "Client Master Key"},
    {3, "Client Finished"},
    {4, "Server Hello"},
    {5, "Server Verify"},
    {6, "Server Finished"},
    {7, "Request Certificate"},
    {8, "Client Certificate"},
    {0, NULL},
};

/* The record content types (Wireshark's ssl_31_content_type). */
static const struct value_name content_type_names[] = {
    {20, "Change Cipher Spec"}, {21, "Alert"},         {22, "Handshake"}, {23, "Application Data"},
    {24, "Heartbeat"},          {25, "Connection ID"}, {0, NULL},
};

/* The record layer versions (Wireshark's ssl_versions, the common ones). */
static const struct value_name version_names[] = {
    {0x0002, "SSL 2.0"}, {0x0300, "SSL 3.0"}, {0x0301, "TLS 1.0"}, {0x0302, "TLS 1.1"},
    {0x0303, "TLS 1.2"}, {0x0304, "TLS 1.3"}, {0, NULL},
};

/* Registers TLS and its fields. */
static void tls_register(void)
{
    static const struct field_reg hf[] = {
        HF(&tls_hf_handshake_type, "tls.handshake.type", "Handshake Message Type", FT_UINT8,
           BASE_DEC, 0, handshake_type_names),
        HF(&tls_hf_server_name, "tls.handshake.extensions_server_name", "Server Name", FT_STRING,
           BASE_NONE, 0, NULL),
        HF(&hf_record_content_type, "tls.record.content_type", "Content Type", FT_UINT8, BASE_DEC,
           0, content_type_names),
        HF(&hf_record_opaque_type, "tls.record.opaque_type", "Opaque Type", FT_UINT8, BASE_DEC, 0,
           content_type_names),
        HF(&hf_record_version, "tls.record.version", "Version", FT_UINT16, BASE_HEX, 0,
           version_names),
        HF(&hf_record_length, "tls.record.length", "Length", FT_UINT16, BASE_DEC, 0, NULL),
    };
    proto_tls = registry_proto("tls", "Transport Layer Security");
    registry_fields(proto_tls, hf, ARRAY_COUNT(hf));
    tls_fields_register(proto_tls);
    register_dissector("tls", &tls_handle);
}

/* TLS on TCP port 443, and by heuristic. */
static void tls_handoff(void)
{
    registry_table_add("tcp.port", 443, &tls_handle);
    registry_heur_add("tcp", tls_heur, &tls_handle);
}

const struct dissector_module dissector_tls = {tls_register, tls_handoff};
