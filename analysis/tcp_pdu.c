/* Owns the framing of application PDUs inside one direction of a TCP
 * stream: TLS records (5-byte header), DNS messages (2-byte length), HTTP
 * messages (headers, then a Content-Length, chunked or until-FIN body) and
 * the media type Wireshark hands an HTTP body to, and the detection of TLS
 * on other ports (tshark's TLS ports and heuristic).  Only header bytes are
 * buffered, except whole DNS messages and TLS handshake records when their
 * fields are wanted (capped at 64 KiB); other bodies are counted, never stored. */
#include "tcp_pdu.h"

#include "app_fields.h"
#include "tls_hello.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Largest HTTP header block collected before giving up on the message. */
#define HTTP_HEADER_MAX (64u * 1024)

/* Maps an HTTP Content-Type (without parameters) to Wireshark's media dissector name. */
struct media_map {
    const char *type;   /* Lower-case media type. */
    enum proto_id node; /* The dissector Wireshark's media_type table picks. */
};

/* The media types seen on the test captures and their dissectors; others go to "media". */
static const struct media_map media_types[] = {
    {"text/html", PROTO_DATA_TEXT_LINES},
    {"text/plain", PROTO_DATA_TEXT_LINES},
    {"text/css", PROTO_DATA_TEXT_LINES},
    {"text/javascript", PROTO_DATA_TEXT_LINES},
    {"application/x-javascript", PROTO_DATA_TEXT_LINES},
    {"application/javascript", PROTO_DATA_TEXT_LINES},
    {"text/xml", PROTO_XML},
    {"application/xml", PROTO_XML},
    {"application/json", PROTO_JSON},
    {"application/x-www-form-urlencoded", PROTO_URLENCODED_FORM},
    {"image/jpeg", PROTO_IMAGE_JFIF},
    {"image/jpg", PROTO_IMAGE_JFIF},
    {"image/gif", PROTO_IMAGE_GIF},
    {"image/png", PROTO_PNG},
};

/* The request methods Wireshark 4.0's HTTP dissector recognises as the
 * first token of a message (after an optional "M-" prefix, RFC 2774),
 * each between blanks. */
static const char http_methods[] =
    " GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL MERGE PATCH DELETE"
    " SEARCH UNLOCK REPORT UPDATE NOTIFY BDELETE CONNECT OPTIONS CHECKIN PROPFIND CHECKOUT"
    " CCM_POST SUBSCRIBE PROPPATCH BPROPFIND BPROPPATCH UNCHECKOUT MKACTIVITY MKWORKSPACE"
    " UNSUBSCRIBE RPC_CONNECT RPC_IN_DATA RPC_OUT_DATA VERSION-CONTROL BASELINE-CONTROL ";

/* Forgets the PDU in progress. */
static void pdu_reset(struct tcp_half *h)
{
    h->mode = PDU_IDLE;
    h->segs = 0;
    h->need = 0;
    h->body = 0;
    h->buf_len = 0;
    h->media = PROTO_COUNT;
    h->chunk = CHUNK_SIZE;
    h->chunk_size = 0;
    h->chunk_line_data = false;
    h->gzip = false;
    memset(h->tail, 0, sizeof(h->tail));
}

/* Forgets the PDU in progress after a gap in the sequence numbers. */
void tcp_pdu_gap(struct tcp_half *h)
{
    pdu_reset(h);
}

/* Keeps the last four bytes of an HTTP body (n bytes at p just consumed). */
static void tail_update(struct tcp_half *h, const uint8_t *p, size_t n)
{
    if (n >= 4) {
        memcpy(h->tail, p + n - 4, 4);
        return;
    }
    memmove(h->tail, h->tail + n, 4 - n);
    memcpy(h->tail + 4 - n, p, n);
}

/* Appends n bytes to the header buffer; returns false when it would exceed max. */
static bool buf_append(struct tcp_half *h, const uint8_t *p, size_t n, uint32_t max)
{
    if (h->buf_len + n > max)
        return false;
    if (h->buf_len + n > h->buf_cap) {
        uint32_t ncap = h->buf_cap ? h->buf_cap : 256;
        while (ncap < h->buf_len + n)
            ncap *= 2;
        uint8_t *nb = realloc(h->buf, ncap);
        if (!nb)
            return false;
        h->buf = nb;
        h->buf_cap = ncap;
    }
    memcpy(h->buf + h->buf_len, p, n);
    h->buf_len += (uint32_t)n;
    return true;
}

/* Returns the media node for a Content-Type header value of len bytes at v. */
static enum proto_id media_for(const char *v, size_t len)
{
    while (len > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }
    size_t n = 0;
    while (n < len && v[n] != ';' && v[n] != ' ' && v[n] != '\r' && v[n] != '\n')
        n++;
    for (size_t i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
        if (strlen(media_types[i].type) == n && strncasecmp(media_types[i].type, v, n) == 0)
            return media_types[i].node;
    return PROTO_MEDIA;
}

/* Returns true when bytes start an HTTP request or response line: "HTTP/",
 * or a known method as the line's first token (up to a blank or the end
 * of the line), as Wireshark's is_http_request_or_reply() decides. */
static bool http_starts_message(const uint8_t *p, size_t n)
{
    char word[24];
    size_t tok = 0;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
        return true;
    if (n >= 2 && memcmp(p, "M-", 2) == 0) {
        p += 2;
        n -= 2;
    }
    /* The token ends at a blank or the line's end; no method fills the word. */
    while (tok < n && tok + 2 < sizeof(word) && p[tok] != ' ' && p[tok] != '\r' && p[tok] != '\n')
        tok++;
    if (tok == 0 || tok + 2 >= sizeof(word))
        return false;
    word[0] = ' ';
    memcpy(word + 1, p, tok);
    word[tok + 1] = ' ';
    return memmem(http_methods, sizeof(http_methods) - 1, word, tok + 2) != NULL;
}

/* What an HTTP header block says about the body that follows. */
struct http_head {
    bool response;       /* True for a response, false for a request. */
    int status;          /* Response status code. */
    bool chunked;        /* Transfer-Encoding includes chunked. */
    bool has_length;     /* A Content-Length header was present. */
    uint64_t length;     /* Its value. */
    bool keep_alive;     /* Connection: keep-alive was present. */
    bool gzip;           /* Content-Encoding: gzip was present. */
    enum proto_id media; /* Media node from Content-Type (PROTO_COUNT if absent). */
};

/* Returns true when the header line of len bytes at l names header name (with its colon). */
static bool header_is(const char *l, size_t len, const char *name, const char **val, size_t *vlen)
{
    size_t n = strlen(name);
    if (len < n || strncasecmp(l, name, n) != 0)
        return false;
    *val = l + n;
    *vlen = len - n;
    return true;
}

/* Applies one header line to *hd. */
static void http_header_line(struct http_head *hd, const char *l, size_t len)
{
    const char *v;
    size_t vl;
    if (header_is(l, len, "content-length:", &v, &vl)) {
        hd->has_length = true;
        hd->length = strtoull(v, NULL, 10);
    } else if (header_is(l, len, "transfer-encoding:", &v, &vl)) {
        hd->chunked = memmem(v, vl, "chunked", 7) != NULL;
    } else if (header_is(l, len, "content-type:", &v, &vl)) {
        hd->media = media_for(v, vl);
    } else if (header_is(l, len, "content-encoding:", &v, &vl)) {
        hd->gzip = memmem(v, vl, "gzip", 4) != NULL;
    } else if (header_is(l, len, "connection:", &v, &vl)) {
        hd->keep_alive = memmem(v, vl, "eep-", 4) != NULL || memmem(v, vl, "EEP-", 4) != NULL;
    }
}

/* Parses the collected header block of len bytes into *hd. */
static void http_parse_head(const char *b, size_t len, struct http_head *hd)
{
    memset(hd, 0, sizeof(*hd));
    hd->media = PROTO_COUNT;
    hd->response = len >= 5 && memcmp(b, "HTTP/", 5) == 0;
    if (hd->response && len >= 12)
        hd->status = atoi(b + 9);
    const char *line = memchr(b, '\n', len);
    while (line && (size_t)(line - b) + 1 < len) {
        const char *start = line + 1;
        const char *end = memchr(start, '\n', len - (size_t)(start - b));
        size_t ll = end ? (size_t)(end - start) : len - (size_t)(start - b);
        http_header_line(hd, start, ll);
        line = end;
    }
}

/* Sets the body mode of an HTTP message from its headers; returns true when there is no body. */
static bool http_start_body(struct tcp_half *h, struct tcp_half *other)
{
    struct http_head hd;
    http_parse_head((const char *)h->buf, h->buf_len, &hd);
    h->media = (uint8_t)hd.media;
    h->gzip = hd.gzip;
    if (!hd.response) {
        h->head_request = h->buf_len >= 5 && memcmp(h->buf, "HEAD ", 5) == 0;
    } else if (other->head_request) {
        other->head_request = false;
        return true;
    }
    if (hd.response && (hd.status / 100 == 1 || hd.status == 204 || hd.status == 304))
        return true;
    if (hd.chunked) {
        h->mode = PDU_CHUNKED;
        h->chunk = CHUNK_SIZE;
        return false;
    }
    if (hd.has_length) {
        h->mode = PDU_FIXED;
        h->need = hd.length;
        return hd.length == 0;
    }
    if (hd.response && !hd.keep_alive) {
        h->mode = PDU_UNTIL_FIN;
        return false;
    }
    return true;
}

/* Returns the length of the header block in b (len bytes) up to the end
 * of its first empty line, scanning lines from from on, or 0 when there is
 * none yet.  Lines end with CRLF, LF or a lone CR, as tvb_find_line_end()
 * sees them; a CR at the very end is undecided until more bytes come. */
static size_t http_header_end(const uint8_t *b, size_t len, size_t from)
{
    for (size_t i = from > 0 ? from : 1; i < len; i++) {
        bool eol_before = b[i - 1] == '\n' || (b[i - 1] == '\r' && b[i] != '\n');
        if (!eol_before || (b[i] != '\r' && b[i] != '\n'))
            continue;
        if (b[i] == '\n')
            return i + 1;
        if (i + 1 == len)
            return 0;
        return b[i + 1] == '\n' ? i + 2 : i + 1;
    }
    return 0;
}

/* Collects HTTP header bytes; returns the bytes consumed and sets *hdr_done
 * once the blank line ending the headers has been seen. */
static size_t http_feed_header(struct tcp_half *h, const uint8_t *p, size_t n, bool *hdr_done)
{
    uint32_t before = h->buf_len;
    *hdr_done = false;
    if (!buf_append(h, p, n, HTTP_HEADER_MAX)) {
        *hdr_done = true; /* Oversized headers: end the message here. */
        h->buf_len = 0;
        return n;
    }
    size_t hlen = http_header_end(h->buf, h->buf_len, before > 2 ? before - 2 : 0);
    if (hlen == 0)
        return n;
    h->buf_len = (uint32_t)hlen;
    *hdr_done = true;
    return hlen - before;
}

/* Feeds bytes to a chunked body; returns the bytes consumed, *done at its end. */
static size_t http_feed_chunked(struct tcp_half *h, const uint8_t *p, size_t n, bool *done)
{
    size_t i = 0;
    while (i < n) {
        if (h->chunk == CHUNK_DATA) {
            size_t take = h->need < n - i ? (size_t)h->need : n - i;
            size_t data_left = h->need > 2 ? (size_t)h->need - 2 : 0;
            tail_update(h, p + i, take < data_left ? take : data_left);
            h->need -= take;
            i += take;
            if (h->need == 0)
                h->chunk = CHUNK_SIZE;
            continue;
        }
        uint8_t ch = p[i++];
        if (ch != '\n') {
            if (ch != '\r')
                h->chunk_line_data = true;
            if (h->chunk == CHUNK_SIZE && h->chunk_size < (1ull << 40)) {
                int d = ch >= '0' && ch <= '9'   ? ch - '0'
                        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                 : -1;
                if (d >= 0 && h->chunk_line_data)
                    h->chunk_size = h->chunk_size * 16 + (uint64_t)d;
            }
            continue;
        }
        if (h->chunk == CHUNK_TRAILER) {
            if (!h->chunk_line_data) {
                *done = true;
                return i;
            }
        } else if (h->chunk_size == 0) {
            h->chunk = CHUNK_TRAILER;
        } else {
            h->body += h->chunk_size;
            h->need = h->chunk_size + 2;
            h->chunk = CHUNK_DATA;
        }
        h->chunk_size = 0;
        h->chunk_line_data = false;
    }
    return i;
}

/* Feeds n bytes at p to a known-length PDU; returns the bytes consumed, *done at its end. */
static size_t feed_fixed(struct tcp_half *h, const uint8_t *p, size_t n, bool *done)
{
    size_t take = h->need < n ? (size_t)h->need : n;
    tail_update(h, p, take);
    h->need -= take;
    h->body += take;
    *done = h->need == 0;
    return take;
}

/* Feeds bytes to an HTTP message; returns the bytes consumed, *done at its end. */
static size_t http_feed(struct tcp_half *h, struct tcp_half *other, const uint8_t *p, size_t n,
                        bool *done)
{
    size_t used = 0;
    if (h->mode == PDU_HEADER) {
        bool hdr_done;
        used = http_feed_header(h, p, n, &hdr_done);
        if (!hdr_done)
            return used;
        if (h->buf_len == 0 || http_start_body(h, other)) {
            *done = true;
            return used;
        }
    }
    if (h->mode == PDU_FIXED)
        return used + feed_fixed(h, p + used, n - used, done);
    if (h->mode == PDU_CHUNKED)
        return used + http_feed_chunked(h, p + used, n - used, done);
    tail_update(h, p + used, n - used);
    h->body += n - used; /* PDU_UNTIL_FIN keeps everything. */
    return n;
}

/* Feeds bytes to a length-prefixed PDU (TLS record or DNS message). */
static size_t prefixed_feed(struct tcp_half *h, enum proto_id app, const uint8_t *p, size_t n,
                            bool *done)
{
    size_t used = 0;
    if (h->mode == PDU_HEADER) {
        uint32_t hlen = app == PROTO_TLS ? 5 : 2;
        size_t take = hlen - h->buf_len < n ? hlen - h->buf_len : n;
        buf_append(h, p, take, 16);
        used = take;
        if (h->buf_len < hlen)
            return used;
        h->mode = PDU_FIXED;
        h->need = app == PROTO_TLS ? (uint64_t)(h->buf[3] << 8 | h->buf[4])
                                   : (uint64_t)(h->buf[0] << 8 | h->buf[1]);
        if (h->need == 0) {
            *done = true;
            return used;
        }
    }
    size_t take = feed_fixed(h, p + used, n - used, done);
    if (app == PROTO_TLS && h->keep_tls && h->buf[0] == 22)
        buf_append(h, p + used, take, 5 + 0xffff); /* A failure shows as a short record. */
    return used + take;
}

/* Returns true when the wanted fields need the TLS handshake records' bytes. */
static bool tls_wants_records(const struct dissect_ctx *c)
{
    return fields_want(c->fields, F_TLS_HANDSHAKE_TYPE) || fields_want(c->fields, F_TLS_SNI);
}

/* Records the fields of a TLS record completed in this frame: the handshake
 * messages of a handshake record, and the frame of a direction's first
 * ChangeCipherSpec outside TLS 1.3 (after it, Wireshark takes handshake
 * records for encrypted).  A record Wireshark would have thrown on ends
 * the frame's TLS fields, as its exception ends the frame's dissection. */
static void tls_record_done(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other)
{
    uint64_t frame = c->d->frame_number;
    if (!h->keep_tls || h->buf_len < 5 || h->tls_abort == frame || h->tls_v2)
        return;
    if (h->buf[0] == 20 && h->tls_ccs == 0 && !h->tls13)
        h->tls_ccs = frame;
    if (h->buf[0] != 22 || h->buf_len != 5 + (uint32_t)(h->buf[3] << 8 | h->buf[4]))
        return;
    if (!h->tls && !(h->tls = calloc(1, sizeof(*h->tls))))
        return;
    bool after_ccs = h->tls_ccs != 0 && frame > h->tls_ccs;
    int flags = tls_handshake_chunk(h->tls, c->fields, h->buf + 5, h->buf_len - 5, true, after_ccs);
    if (flags & (TLS_CHUNK_SH_TLS13 | TLS_CHUNK_SH_OTHER))
        h->tls13 = other->tls13 = (flags & TLS_CHUNK_SH_TLS13) != 0;
    if (flags & TLS_CHUNK_ABORT)
        h->tls_abort = frame;
}

/* Feeds bytes to a DNS message (2-byte length, then the message), keeping
 * them in buf when keep_dns is set, for the message's fields. */
static size_t dns_feed(struct tcp_half *h, const uint8_t *p, size_t n, bool *done)
{
    size_t used = 0;
    if (h->mode == PDU_HEADER) {
        used = 2 - h->buf_len < n ? 2 - h->buf_len : n;
        buf_append(h, p, used, 16);
        if (h->buf_len < 2)
            return used;
        h->mode = PDU_FIXED;
        h->need = (uint64_t)(h->buf[0] << 8 | h->buf[1]);
        if (h->need == 0) {
            *done = true;
            return used;
        }
    }
    size_t take = feed_fixed(h, p + used, n - used, done);
    /* A failure to keep the bytes shows at the end as a message too short. */
    if (h->keep_dns)
        buf_append(h, p + used, take, 2 + 0xffff);
    return used + take;
}

/* Records the TLS fields of a segment the snaplen cut, which Wireshark
 * dissects alone with the records' reported lengths: whole records as
 * usual, then the record the capture ends in as far as it goes. */
static void tls_cut_segment(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                            struct span p)
{
    uint64_t frame = c->d->frame_number;
    size_t off = 0;
    while (off < p.len && p.cap - off >= 5 && p.p[off] >= 20 && p.p[off] <= 24 && !h->tls_v2) {
        size_t len = (size_t)(p.p[off + 3] << 8 | p.p[off + 4]);
        if (len > p.len - off - 5)
            return; /* Wireshark cannot ask for the rest: it stops. */
        size_t cap = p.cap - off - 5 < len ? p.cap - off - 5 : len;
        if (p.p[off] == 20 && h->tls_ccs == 0 && !h->tls13 && cap > 0)
            h->tls_ccs = frame;
        if (p.p[off] == 22) {
            if (!h->tls && !(h->tls = calloc(1, sizeof(*h->tls))))
                return;
            bool after_ccs = h->tls_ccs != 0 && frame > h->tls_ccs;
            int flags =
                tls_handshake_chunk_cut(h->tls, c->fields, p.p + off + 5, cap, len, after_ccs);
            if (flags & (TLS_CHUNK_SH_TLS13 | TLS_CHUNK_SH_OTHER))
                h->tls13 = other->tls13 = (flags & TLS_CHUNK_SH_TLS13) != 0;
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
    if (!h->keep_tls || h->tls_v2 || n < 3 || p[0] != 0x80 || p[2] != 1)
        return;
    field_add_uint(c->fields, F_TLS_HANDSHAKE_TYPE, 1);
    h->tls_v2 = other->tls_v2 = true;
}

/* Feeds bytes to the PDU in progress (starting one if idle); returns the bytes consumed. */
static size_t pdu_feed(enum proto_id app, struct tcp_half *h, struct tcp_half *other,
                       const uint8_t *p, size_t n, bool *done)
{
    *done = false;
    if (h->mode == PDU_IDLE)
        h->mode = PDU_HEADER;
    if (app == PROTO_HTTP)
        return http_feed(h, other, p, n, done);
    if (app == PROTO_DNS)
        return dns_feed(h, p, n, done);
    return prefixed_feed(h, app, p, n, done);
}

/* Returns true when a gzip-encoded body inflates to nothing (its ISIZE trailer is 0),
 * which Wireshark then hands to no media dissector. */
static bool gzip_empty(const struct tcp_half *h)
{
    return h->gzip && h->body >= 18 && memcmp(h->tail, "\0\0\0\0", 4) == 0;
}

/* Records the fields of a completed HTTP message (from its header block)
 * or DNS message (when its bytes were kept). */
static void pdu_fields(struct dissect_ctx *c, enum proto_id app, const struct tcp_half *h)
{
    if (app == PROTO_HTTP && c->fields)
        http_message_fields(c, h->buf, h->buf_len);
    else if (app == PROTO_DNS && h->keep_dns && h->buf_len >= 2 &&
             h->buf_len == 2 + (uint32_t)(h->buf[0] << 8 | h->buf[1]))
        dns_dissect_tcp(c, h->buf + 2, h->buf_len - 2, h->buf_len - 2u);
}

/* Records the fields of the PDUs that start a segment cut by the snaplen
 * (h idle), as Wireshark dissects them up to the end of the capture: an
 * HTTP header block, or the DNS messages whose length the segment holds. */
static void pdu_fields_cut(struct dissect_ctx *c, enum proto_id app, const struct tcp_half *h,
                           struct span p)
{
    if (h->mode != PDU_IDLE)
        return;
    if (app == PROTO_HTTP && c->fields && http_starts_message(p.p, p.cap))
        http_message_fields(c, p.p, p.cap);
    if (app != PROTO_DNS || !dns_wants_messages(c))
        return;
    for (size_t off = 0; off + 2 <= p.cap;) {
        size_t len = (size_t)(p.p[off] << 8 | p.p[off + 1]);
        if (off + 2 + len > p.len)
            return;
        size_t cap = p.cap - off - 2 < len ? p.cap - off - 2 : len;
        dns_dissect_tcp(c, p.p + off + 2, cap, len);
        off += 2 + len;
    }
}

/* Pushes the nodes of a completed PDU: the application, then an HTTP body's media. */
static void pdu_emit(struct dissect_ctx *c, enum proto_id app, const struct tcp_half *h)
{
    ctx_push(c, app);
    pdu_fields(c, app, h);
    if (app != PROTO_HTTP || h->body == 0 || h->media == PROTO_COUNT || gzip_empty(h))
        return;
    ctx_push(c, h->media);
    if (h->media == PROTO_JSON)
        ctx_push(c, PROTO_DATA_TEXT_LINES);
}

/* Completes a PDU in progress with this segment's bytes; returns the bytes it
 * took, or n with nothing pushed while the PDU still needs more. */
static size_t pdu_continue(struct dissect_ctx *c, enum proto_id app, struct tcp_half *h,
                           struct tcp_half *other, const uint8_t *p, size_t n)
{
    bool done;
    h->segs++;
    size_t used = pdu_feed(app, h, other, p, n, &done);
    if (!done)
        return n;
    if (app == PROTO_TLS)
        tls_record_done(c, h, other);
    pdu_emit(c, app, h);
    ctx_push(c, PROTO_TCP_SEGMENTS);
    pdu_reset(h);
    return used;
}

/* Dissects the payload of one in-order segment. */
void tcp_pdu_segment(struct dissect_ctx *c, enum proto_id app, struct tcp_half *h,
                     struct tcp_half *other, struct span p)
{
    if (p.cap < p.len) {
        /* Cut by the snaplen: no reassembly, the application hits the end of the capture. */
        pdu_fields_cut(c, app, h, p);
        if (app == PROTO_TLS && h->mode == PDU_IDLE && tls_wants_records(c))
            tls_cut_segment(c, h, other, p);
        pdu_reset(h);
        ctx_push(c, app);
        if (app != PROTO_DATA)
            ctx_push(c, PROTO_SHORT);
        return;
    }
    if (app == PROTO_DATA || app == PROTO_SSH) {
        ctx_push(c, app);
        return;
    }
    h->keep_dns = app == PROTO_DNS && dns_wants_messages(c);
    h->keep_tls = app == PROTO_TLS && tls_wants_records(c);
    size_t off = 0, n = p.cap;
    if (h->mode != PDU_IDLE)
        off = pdu_continue(c, app, h, other, p.p, n);
    bool pushed = false;
    while (off < n) {
        if (app == PROTO_HTTP && !http_starts_message(p.p + off, n - off))
            return; /* Continuation of a message whose start was not captured. */
        if (app == PROTO_TLS && (p.p[off] < 20 || p.p[off] > 24)) {
            if (!pushed)
                ctx_push(c, PROTO_TLS); /* "Continuation Data": not a record start. */
            tls_v2_hello(c, h, other, p.p + off, n - off);
            return;
        }
        bool done;
        pdu_reset(h);
        h->segs = 1;
        off += pdu_feed(app, h, other, p.p + off, n - off, &done);
        if (!done)
            return;
        if (app == PROTO_TLS)
            tls_record_done(c, h, other);
        if (app != PROTO_TLS || !pushed)
            pdu_emit(c, app, h);
        pushed = true;
        pdu_reset(h);
    }
}

/* Ends the direction at a FIN, completing an until-FIN HTTP body. */
void tcp_pdu_fin(struct dissect_ctx *c, enum proto_id app, struct tcp_half *h)
{
    if (h->mode != PDU_UNTIL_FIN)
        return;
    pdu_emit(c, app, h);
    if (h->segs > 1)
        ctx_push(c, PROTO_TCP_SEGMENTS);
    pdu_reset(h);
}

/* Frees the buffers of a direction. */
void tcp_pdu_free(struct tcp_half *h)
{
    free(h->buf);
    if (h->tls) {
        tls_hs_state_free(h->tls);
        free(h->tls);
    }
}

/* Returns true for the TCP ports tshark 4.0 decodes as TLS by default
 * (besides 443, which port selection already maps). */
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

/* Returns the application of a stream given one more payload segment. */
enum proto_id tcp_pdu_detect(enum proto_id app, uint16_t sport, uint16_t dport, struct span p)
{
    if (app != PROTO_DATA)
        return app;
    if (tls_port(sport) || tls_port(dport) || tls_heuristic(p))
        return PROTO_TLS;
    return app;
}
