/* Owns HTTP over TCP: the framing of messages (the header block, then a
 * Content-Length, chunked or until-FIN body; 1xx, 204, 304 and answers to
 * HEAD have none), the media dissector a body goes to (the "media_type"
 * table, by Content-Type), and the fields of a message's header block:
 * http.request.method and http.request.uri split as Wireshark 4.0's
 * basic_request_dissector() does, http.host from every Host header,
 * http.request, http.response and http.response.code.  Only header
 * blocks are buffered (at most 64 KiB); bodies are counted. */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"
#include "ws_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Largest HTTP header block collected before giving up on the message. */
#define HTTP_HEADER_MAX (64u * 1024)

/* Longest value converted on the stack; longer ones get a heap buffer. */
#define HTTP_VALUE_STACK 512

/* States of the chunked-body parser. */
enum chunk_state {
    CHUNK_SIZE = 0, /* Reading a chunk-size line up to its LF. */
    CHUNK_DATA,     /* Skipping chunk data and its CRLF (need bytes). */
    CHUNK_TRAILER,  /* Reading trailer lines up to an empty one. */
};

/* HTTP's state of one direction (in struct tcp_half's application area). */
struct http_dir {
    uint64_t body;                        /* Body bytes of the message in progress. */
    uint64_t chunk_size;                  /* Chunk size being parsed, in CHUNK_SIZE. */
    const struct dissector_handle *media; /* Media of the message in progress, or NULL. */
    uint8_t tail[4];                      /* Last four body bytes (gzip's ISIZE). */
    uint8_t chunk;                        /* An enum chunk_state value, in PDU_CHUNKED. */
    bool head_request;                    /* This direction's last request was HEAD. */
    bool gzip;                            /* The message in progress is gzip-encoded. */
    bool chunk_line_data;                 /* The current chunk/trailer line has characters. */
};

_Static_assert(sizeof(struct http_dir) <= TCP_APP_STATE_SIZE, "HTTP state too large");

/* Returns HTTP's state of a direction. */
static inline struct http_dir *http_dir(struct tcp_half *h)
{
    return (struct http_dir *)(void *)h->app.words;
}

/* The HTTP protocol and fields. */
static int proto_http, hf_request, hf_response, hf_response_code, hf_request_method, hf_host,
    hf_request_uri;

/* The media types bodies go to, and "media" for the others. */
static const struct string_table *media_table;
static const struct dissector_handle *media_handle;

/* The request methods Wireshark 4.0's HTTP dissector recognises as the
 * first token of a message (after an optional "M-" prefix, RFC 2774),
 * each between blanks. */
static const char http_methods[] =
    " GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL MERGE PATCH DELETE"
    " SEARCH UNLOCK REPORT UPDATE NOTIFY BDELETE CONNECT OPTIONS CHECKIN PROPFIND CHECKOUT"
    " CCM_POST SUBSCRIBE PROPPATCH BPROPFIND BPROPPATCH UNCHECKOUT MKACTIVITY MKWORKSPACE"
    " UNSUBSCRIBE RPC_CONNECT RPC_IN_DATA RPC_OUT_DATA VERSION-CONTROL BASELINE-CONTROL ";

/* Keeps the last four bytes of an HTTP body (n bytes at p just consumed). */
static void tail_update(struct http_dir *d, const uint8_t *p, size_t n)
{
    if (n >= 4) {
        memcpy(d->tail, p + n - 4, 4);
        return;
    }
    memmove(d->tail, d->tail + n, 4 - n);
    memcpy(d->tail + 4 - n, p, n);
}

/* Returns the media dissector for a Content-Type header value of len bytes at v:
 * the "media_type" table's, else "media". */
static const struct dissector_handle *media_for(const char *v, size_t len)
{
    while (len > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }
    size_t n = 0;
    while (n < len && v[n] != ';' && v[n] != ' ' && v[n] != '\r' && v[n] != '\n')
        n++;
    const struct dissector_handle *h = string_table_get(media_table, v, n);
    return h ? h : media_handle;
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
    bool response;                        /* True for a response, false for a request. */
    int status;                           /* Response status code. */
    bool chunked;                         /* Transfer-Encoding includes chunked. */
    bool has_length;                      /* A Content-Length header was present. */
    uint64_t length;                      /* Its value. */
    bool keep_alive;                      /* Connection: keep-alive was present. */
    bool gzip;                            /* Content-Encoding: gzip was present. */
    const struct dissector_handle *media; /* Media from Content-Type (NULL if absent). */
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
    struct http_dir *d = http_dir(h), *od = http_dir(other);
    struct http_head hd;
    http_parse_head((const char *)h->buf, h->buf_len, &hd);
    d->media = hd.media;
    d->gzip = hd.gzip;
    if (!hd.response) {
        d->head_request = h->buf_len >= 5 && memcmp(h->buf, "HEAD ", 5) == 0;
    } else if (od->head_request) {
        od->head_request = false;
        return true;
    }
    if (hd.response && (hd.status / 100 == 1 || hd.status == 204 || hd.status == 304))
        return true;
    if (hd.chunked) {
        h->mode = PDU_CHUNKED;
        d->chunk = CHUNK_SIZE;
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
    if (!tcp_pdu_buf_append(h, p, n, HTTP_HEADER_MAX)) {
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
    struct http_dir *d = http_dir(h);
    size_t i = 0;
    while (i < n) {
        if (d->chunk == CHUNK_DATA) {
            size_t take = h->need < n - i ? (size_t)h->need : n - i;
            size_t data_left = h->need > 2 ? (size_t)h->need - 2 : 0;
            tail_update(d, p + i, take < data_left ? take : data_left);
            h->need -= take;
            i += take;
            if (h->need == 0)
                d->chunk = CHUNK_SIZE;
            continue;
        }
        uint8_t ch = p[i++];
        if (ch != '\n') {
            if (ch != '\r')
                d->chunk_line_data = true;
            if (d->chunk == CHUNK_SIZE && d->chunk_size < (1ull << 40)) {
                int digit = ch >= '0' && ch <= '9'   ? ch - '0'
                            : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                            : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                     : -1;
                if (digit >= 0 && d->chunk_line_data)
                    d->chunk_size = d->chunk_size * 16 + (uint64_t)digit;
            }
            continue;
        }
        if (d->chunk == CHUNK_TRAILER) {
            if (!d->chunk_line_data) {
                *done = true;
                return i;
            }
        } else if (d->chunk_size == 0) {
            d->chunk = CHUNK_TRAILER;
        } else {
            d->body += d->chunk_size;
            h->need = d->chunk_size + 2;
            d->chunk = CHUNK_DATA;
        }
        d->chunk_size = 0;
        d->chunk_line_data = false;
    }
    return i;
}

/* Feeds n bytes at p to a body of known length; returns the bytes consumed, *done at its end. */
static size_t http_feed_fixed(struct tcp_half *h, const uint8_t *p, size_t n, bool *done)
{
    struct http_dir *d = http_dir(h);
    size_t take = tcp_pdu_feed_fixed(h, p, n, done);
    tail_update(d, p, take);
    d->body += take;
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
        return used + http_feed_fixed(h, p + used, n - used, done);
    if (h->mode == PDU_CHUNKED)
        return used + http_feed_chunked(h, p + used, n - used, done);
    tail_update(http_dir(h), p + used, n - used);
    http_dir(h)->body += n - used; /* PDU_UNTIL_FIN keeps everything. */
    return n;
}

/* Returns true when a gzip-encoded body inflates to nothing (its ISIZE trailer is 0),
 * which Wireshark then hands to no media dissector. */
static bool gzip_empty(const struct http_dir *d)
{
    return d->gzip && d->body >= 18 && memcmp(d->tail, "\0\0\0\0", 4) == 0;
}

/* Returns the length of the line at p (n bytes available), up to a CR or
 * LF, and sets *next past its end of line (CRLF, LF or a lone CR), as
 * tvb_find_line_end() does. */
static size_t http_line(const uint8_t *p, size_t n, size_t *next)
{
    size_t i = 0;
    while (i < n && p[i] != '\r' && p[i] != '\n')
        i++;
    if (i + 1 < n && p[i] == '\r' && p[i + 1] == '\n')
        *next = i + 2;
    else
        *next = i < n ? i + 1 : i;
    return i;
}

/* Returns the length of the token at p (up to a blank, CR or LF before
 * end) and sets *next past the blanks after it, as get_token_len() does. */
static size_t http_token(const uint8_t *p, const uint8_t *end, const uint8_t **next)
{
    const uint8_t *q = p;
    while (q < end && *q != ' ' && *q != '\r' && *q != '\n')
        q++;
    size_t len = (size_t)(q - p);
    while (q < end && *q == ' ')
        q++;
    *next = q;
    return len;
}

/* Records a string field from len bytes at p, as tshark prints an ENC_ASCII string. */
static void http_add(struct dissect_ctx *c, int id, const uint8_t *p, size_t len)
{
    char small[WS_ASCII_FIELD_MAX(HTTP_VALUE_STACK)];
    if (!fields_want(c->fields, id))
        return;
    char *text = len <= HTTP_VALUE_STACK ? small : malloc(WS_ASCII_FIELD_MAX(len));
    if (!text) {
        c->fields->oom = true;
        return;
    }
    size_t n = ws_ascii_field(p, len, text);
    field_add_string(c->fields, id, text, n);
    if (text != small)
        free(text);
}

/* Records the method and URI of a request line of len bytes at p. */
static void http_request_line(struct dissect_ctx *c, const uint8_t *p, size_t len)
{
    const uint8_t *end = p + len, *next;
    size_t tok = http_token(p, end, &next);
    if (tok == 0)
        return;
    http_add(c, hf_request_method, p, tok);
    /* Two blanks after the method mean an empty URI: step back onto one. */
    if (next - p > 2 && next[-1] == ' ' && next[-2] == ' ')
        next--;
    p = next;
    tok = http_token(p, end, &next);
    http_add(c, hf_request_uri, p, tok);
}

/* Records the Host header value of a header line of len bytes at p, if it is one. */
static void http_header(struct dissect_ctx *c, const uint8_t *p, size_t len)
{
    if (len < 5 || strncasecmp((const char *)p, "host:", 5) != 0)
        return;
    size_t i = 5;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    http_add(c, hf_host, p + i, len - i);
}

/* Returns true when a line starts a request (a method, not "HTTP/"). */
static bool http_is_request(const uint8_t *p, size_t len)
{
    return !(len >= 5 && memcmp(p, "HTTP/", 5) == 0);
}

/* Records http.response and the status code of a status line of len bytes
 * at p ("HTTP/1.1 200 OK"): the three digits after the version, when there. */
static void http_status_line(struct dissect_ctx *c, const uint8_t *p, size_t len)
{
    const uint8_t *code;
    field_add_uint(c->fields, hf_response, 1);
    http_token(p, p + len, &code);
    if (code + 3 <= p + len && isdigit(code[0]) && isdigit(code[1]) && isdigit(code[2]) &&
        (code + 3 == p + len || code[3] == ' '))
        field_add_uint(c->fields, hf_response_code,
                       (uint64_t)((code[0] - '0') * 100 + (code[1] - '0') * 10 + code[2] - '0'));
}

/* Records the fields of an HTTP message's header block. */
static void http_message_fields(struct dissect_ctx *c, const uint8_t *hdr, size_t len)
{
    size_t next;
    if (!fields_want(c->fields, hf_request_method) && !fields_want(c->fields, hf_request_uri) &&
        !fields_want(c->fields, hf_host) && !fields_want(c->fields, hf_request) &&
        !fields_want(c->fields, hf_response) && !fields_want(c->fields, hf_response_code))
        return;
    size_t ll = http_line(hdr, len, &next);
    if (http_is_request(hdr, ll)) {
        field_add_uint(c->fields, hf_request, 1);
        http_request_line(c, hdr, ll);
    } else {
        http_status_line(c, hdr, ll);
    }
    for (size_t off = next; off < len; off += next) {
        ll = http_line(hdr + off, len - off, &next);
        if (ll == 0)
            return; /* The blank line ends the headers. */
        if (!memchr(hdr + off, ':', ll))
            return; /* Not a header: Wireshark stops reading headers here. */
        http_header(c, hdr + off, ll);
    }
}

/* Pushes the nodes of a completed message, with its fields: "http", then
 * the body's media (none for an empty body or a gzip body that inflates
 * to nothing). */
static void http_emit(struct dissect_ctx *c, struct tcp_half *h)
{
    struct http_dir *d = http_dir(h);
    ctx_push(c, proto_http);
    if (c->fields)
        http_message_fields(c, h->buf, h->buf_len);
    if (d->body == 0 || d->media == NULL || gzip_empty(d))
        return;
    call_dissector(c, d->media, (struct span){NULL, 0, 0}); /* Bodies are not kept. */
}

/* Tells whether bytes start a message; data that does not (the capture
 * began mid-message) shows nothing. */
static bool http_start(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                       const uint8_t *p, size_t n, bool pushed)
{
    (void)c;
    (void)h;
    (void)other;
    (void)pushed;
    return http_starts_message(p, n);
}

/* A message completed. */
static void http_done(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                      bool pushed)
{
    (void)other;
    (void)pushed;
    http_emit(c, h);
}

/* Records the fields of a header block at the start of a segment the
 * snaplen cut, as far as it was captured. */
static void http_cut(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                     struct span p)
{
    (void)other;
    if (h->mode == PDU_IDLE && c->fields && http_starts_message(p.p, p.cap))
        http_message_fields(c, p.p, p.cap);
}

/* Completes a body that lasts until the connection closes. */
static bool http_fin(struct dissect_ctx *c, struct tcp_half *h)
{
    if (h->mode != PDU_UNTIL_FIN)
        return false;
    http_emit(c, h);
    return true;
}

/* Forgets HTTP's part of the message in progress. */
static void http_reset(struct tcp_half *h)
{
    struct http_dir *d = http_dir(h);
    bool head_request = d->head_request;
    memset(d, 0, sizeof(*d));
    d->chunk = CHUNK_SIZE;
    d->head_request = head_request;
}

/* HTTP's framing. */
static const struct tcp_stream_ops http_ops = {
    .start = http_start,
    .feed = http_feed,
    .done = http_done,
    .cut = http_cut,
    .fin = http_fin,
    .reset = http_reset,
};

/* The HTTP dissector (over TCP). */
static const struct dissector_handle http_handle = {&proto_http, NULL, &http_ops};

/* Registers HTTP and its fields. */
static void http_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_request, "http.request", "Request", FT_BOOLEAN, BASE_NONE, 0, NULL),
        HF(&hf_response, "http.response", "Response", FT_BOOLEAN, BASE_NONE, 0, NULL),
        HF(&hf_response_code, "http.response.code", "Status Code", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_request_method, "http.request.method", "Request Method", FT_STRING, BASE_NONE, 0,
           NULL),
        HF(&hf_host, "http.host", "Host", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_request_uri, "http.request.uri", "Request URI", FT_STRING, BASE_NONE, 0, NULL),
    };
    proto_http = registry_proto("http", "Hypertext Transfer Protocol");
    registry_fields(proto_http, hf, ARRAY_COUNT(hf));
}

/* HTTP on the TCP ports tshark 4.0 gives it by default. */
static void http_handoff(void)
{
    static const uint16_t ports[] = {80, 3128, 3132, 5985, 8080, 8088, 11371, 1900, 2869, 2710};
    media_table = find_string_table("media_type");
    media_handle = find_dissector("media");
    for (size_t i = 0; i < ARRAY_COUNT(ports); i++)
        registry_table_add("tcp.port", ports[i], &http_handle);
}

const struct dissector_module dissector_http = {http_register, http_handoff};
