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
#include "hash_table.h"
#include "ws_text.h"

#include <ctype.h>
#include <stdio.h>
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

/* The HTTP protocol and its fields: the kind of message and its first line's, ... */
static int proto_http, hf_notification, hf_response, hf_request, hf_response_number,
    hf_request_number, hf_response_line, hf_request_line, hf_request_method, hf_request_uri,
    hf_request_uri_path, hf_request_uri_query, hf_request_uri_query_parameter, hf_request_version,
    hf_response_version, hf_request_full_uri, hf_response_code, hf_response_code_desc,
    hf_response_for_uri, hf_response_phrase, hf_chat;
/* ... the headers' ... */
static int hf_authorization, hf_proxy_authenticate, hf_proxy_authorization, hf_www_authenticate,
    hf_content_type, hf_content_length_header, hf_content_length, hf_content_encoding,
    hf_transfer_encoding, hf_upgrade, hf_user_agent, hf_host, hf_connection, hf_cookie,
    hf_cookie_pair, hf_accept, hf_referer, hf_accept_language, hf_accept_encoding, hf_date,
    hf_cache_control, hf_server, hf_location, hf_sec_websocket_accept, hf_sec_websocket_extensions,
    hf_sec_websocket_key, hf_sec_websocket_protocol, hf_sec_websocket_version, hf_set_cookie,
    hf_last_modified, hf_x_forwarded_for;
/* ... and the request/response matching's. */
static int hf_request_in, hf_response_in, hf_next_request_in, hf_next_response_in,
    hf_prev_request_in, hf_prev_response_in, hf_time;

/* The ids of the first and last HTTP field (registered in one run). */
static int first_field, last_field;

/* The state slot of request/response matching. */
static int matching_slot;

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

/* The kinds of HTTP message, as Wireshark's http_type. */
enum http_type { HTTP_REQUEST, HTTP_RESPONSE, HTTP_NOTIFICATION };

/* One request/response pair of a connection, as Wireshark's http_req_res_t. */
struct http_pair {
    uint32_t number;    /* Its number in the connection (http.request_number...). */
    uint32_t req_frame; /* Its request's frame, or 0. */
    uint32_t res_frame; /* Its response's frame, or 0. */
    uint32_t pad;       /* Zero. */
    int64_t req_ns;     /* Its request's time (when req_frame is set). */
};

/* One connection's pairs and the last request's URIs. */
struct http_conv {
    uint64_t stream;         /* The tcp.stream index; must come first. */
    struct http_pair *pairs; /* Its pairs, in order. */
    uint32_t n, cap;         /* Their number and room. */
    char *full_uri;          /* The last request's full URI, or NULL. */
    char *request_uri;       /* The last request's URI, or NULL. */
};

/* The pair a frame's message belongs to. */
struct http_frame_pair {
    uint64_t frame;  /* Must come first. */
    uint64_t stream; /* Its connection. */
    uint32_t index;  /* Its pair's index there. */
    uint32_t pad;    /* Zero. */
};

/* Request/response matching across a capture. */
struct http_state {
    struct hash_table convs;  /* struct http_conv by stream. */
    struct hash_table frames; /* struct http_frame_pair by frame. */
    bool seeded;              /* True in the second pass: the pairs are the first pass's. */
};

/* The matching of this pass, made on first use; NULL when out of memory. */
static struct http_state *http_state_get(struct dissect_ctx *c)
{
    struct http_state *st = c->d->state[matching_slot];
    if (!st && (st = c->d->state[matching_slot] = calloc(1, sizeof(*st))) != NULL) {
        hash_table_init(&st->convs, sizeof(uint64_t), sizeof(struct http_conv));
        hash_table_init(&st->frames, sizeof(uint64_t), sizeof(struct http_frame_pair));
    }
    return st;
}

/* Appends a pair to a connection; returns its index, or -1 when out of memory. */
static int64_t pair_push(struct http_conv *cv)
{
    if (cv->n == cv->cap) {
        uint32_t cap = cv->cap ? cv->cap * 2 : 4;
        struct http_pair *p = realloc(cv->pairs, cap * sizeof(*p));
        if (!p)
            return -1;
        cv->pairs = p;
        cv->cap = cap;
    }
    cv->pairs[cv->n] = (struct http_pair){.number = cv->n + 1};
    return cv->n++;
}

/* Files a message of a connection (first pass: as push_req()/push_res() do)
 * and returns its pair's index in *index (false when it has none). */
static bool pair_file(struct dissect_ctx *c, struct http_state *st, struct http_conv *cv,
                      enum http_type type, uint32_t *index)
{
    uint64_t frame = c->d->frame_number;
    int created;
    if (st->seeded) {
        const struct http_frame_pair *fp = hash_table_find(&st->frames, &frame);
        if (!fp || fp->stream != cv->stream || fp->index >= cv->n)
            return false;
        *index = fp->index;
        return true;
    }
    int64_t i = -1;
    if (type == HTTP_REQUEST) {
        if ((i = pair_push(cv)) < 0)
            return false;
        cv->pairs[i].req_frame = (uint32_t)frame;
        cv->pairs[i].req_ns = c->frame->ts_ns;
    } else if (type == HTTP_RESPONSE) {
        if (cv->n > 0 && cv->pairs[cv->n - 1].res_frame == 0)
            i = cv->n - 1;
        else if ((i = pair_push(cv)) < 0)
            return false;
        cv->pairs[i].res_frame = (uint32_t)frame;
    } else {
        return false;
    }
    /* The frame shows its last message's pair (p_get_proto_data()'s answer). */
    struct http_frame_pair *fp = hash_table_upsert(&st->frames, &frame, &created);
    if (fp) {
        fp->stream = cv->stream;
        fp->index = (uint32_t)i;
    }
    *index = (uint32_t)i;
    return true;
}

/* Records a frame number field when the frame is known. */
static void add_frame(struct frame_fields *ff, int id, uint32_t frame)
{
    if (frame)
        field_add_uint(ff, id, frame);
}

/* Records the matching fields of a message of connection cv: its pair's
 * number, the pairs before and after, the time since the request and the
 * request's URI (in a response). */
static void matching_fields(struct dissect_ctx *c, struct http_conv *cv, enum http_type type,
                            uint32_t i)
{
    struct frame_fields *ff = c->fields;
    const struct http_pair *curr = &cv->pairs[i], *prev = i > 0 ? curr - 1 : NULL,
                           *next = i + 1 < cv->n ? curr + 1 : NULL;
    if (type == HTTP_RESPONSE) {
        field_add_uint(ff, hf_response_number, curr->number);
        if (curr->req_frame)
            field_add_time(ff, hf_time, c->frame->ts_ns - curr->req_ns);
        add_frame(ff, hf_prev_request_in, prev ? prev->req_frame : 0);
        add_frame(ff, hf_prev_response_in, prev ? prev->res_frame : 0);
        add_frame(ff, hf_request_in, curr->req_frame);
        add_frame(ff, hf_next_request_in, next ? next->req_frame : 0);
        add_frame(ff, hf_next_response_in, next ? next->res_frame : 0);
        const char *uri = cv->full_uri ? cv->full_uri : cv->request_uri;
        if (uri)
            field_add_string(ff, hf_response_for_uri, uri, strlen(uri));
    } else {
        field_add_uint(ff, hf_request_number, curr->number);
        add_frame(ff, hf_prev_request_in, prev ? prev->req_frame : 0);
        add_frame(ff, hf_response_in, curr->res_frame);
        add_frame(ff, hf_next_request_in, next ? next->req_frame : 0);
    }
}

/* Returns the connection of the current TCP stream, made on first use; NULL
 * when there is none or memory ran out. */
static struct http_conv *http_conv_get(struct dissect_ctx *c, struct http_state *st)
{
    const struct frame_dissection *o = c->out;
    int created;
    if (!st || o->n_tcp == 0)
        return NULL;
    uint64_t stream = o->tcp[o->n_tcp - 1].stream;
    return hash_table_upsert(&st->convs, &stream, &created);
}

/* Replaces a connection's copy of a URI. */
static void uri_keep(char **slot, const char *uri, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, uri, len);
    copy[len] = '\0';
    free(*slot);
    *slot = copy;
}

/* The standard status codes' descriptions (Wireshark's vals_http_status_code). */
static const struct value_name status_names[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {102, "Processing"},
    {103, "Early Hints"},
    {199, "Informational - Others"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {207, "Multi-Status"},
    {208, "Already Reported"},
    {226, "IM Used"},
    {299, "Success - Others"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {399, "Redirection - Others"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Time-out"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Requested Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Entity"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {499, "Client Error - Others"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Time-out"},
    {505, "HTTP Version not supported"},
    {506, "Variant Also Negotiates"},
    {507, "Insufficient Storage"},
    {508, "Loop Detected"},
    {510, "Not Extended"},
    {511, "Network Authentication Required"},
    {599, "Server Error - Others"},
    {0, NULL},
};

/* Returns the description of a status code, or NULL. */
static const char *status_name(unsigned code)
{
    for (const struct value_name *v = status_names; v->name; v++)
        if (v->value == code)
            return v->name;
    return NULL;
}

/* What a message's header block gives its matching: its kind, URI and Host. */
struct http_message {
    enum http_type type; /* Request, response or notification. */
    const uint8_t *uri;  /* The request URI, or NULL. */
    size_t uri_len;      /* Its length. */
    const uint8_t *host; /* The last Host header's value, or NULL. */
    size_t host_len;     /* Its length. */
    bool connect;        /* The method is CONNECT. */
};

/* Records the path, query and query parameters of a URI with a '?'. */
static void uri_parts(struct dissect_ctx *c, const uint8_t *uri, size_t len)
{
    const uint8_t *q = memchr(uri, '?', len);
    if (!q)
        return;
    http_add(c, hf_request_uri_path, uri, (size_t)(q - uri));
    const uint8_t *query = q + 1, *end = uri + len;
    http_add(c, hf_request_uri_query, query, (size_t)(end - query));
    while (query <= end) {
        const uint8_t *amp = memchr(query, '&', (size_t)(end - query));
        const uint8_t *stop = amp ? amp : end;
        if (stop > query) /* Empty parameters are skipped. */
            http_add(c, hf_request_uri_query_parameter, query, (size_t)(stop - query));
        if (!amp)
            break;
        query = amp + 1;
    }
}

/* Records the method, URI and version of a request line of len bytes at p. */
static void http_request_line(struct dissect_ctx *c, const uint8_t *p, size_t len,
                              struct http_message *m)
{
    const uint8_t *end = p + len, *next;
    size_t tok = http_token(p, end, &next);
    if (tok == 0)
        return;
    http_add(c, hf_request_method, p, tok);
    m->connect = tok == 7 && memcmp(p, "CONNECT", 7) == 0;
    /* Two blanks after the method mean an empty URI: step back onto one. */
    if (next - p > 2 && next[-1] == ' ' && next[-2] == ' ')
        next--;
    p = next;
    tok = http_token(p, end, &next);
    http_add(c, hf_request_uri, p, tok);
    m->uri = p;
    m->uri_len = tok;
    uri_parts(c, p, tok);
    http_add(c, hf_request_version, next, (size_t)(end - next));
}

/* Records the version, status code, its description and the phrase of a
 * status line of len bytes at p ("HTTP/1.1 200 OK"). */
static void http_status_line(struct dissect_ctx *c, const uint8_t *p, size_t len)
{
    const uint8_t *code, *end = p + len;
    size_t tok = http_token(p, end, &code);
    http_add(c, hf_response_version, p, tok);
    if (!(code + 3 <= end && isdigit(code[0]) && isdigit(code[1]) && isdigit(code[2]) &&
          (code + 3 == end || code[3] == ' ')))
        return;
    unsigned status = (unsigned)((code[0] - '0') * 100 + (code[1] - '0') * 10 + code[2] - '0');
    field_add_uint(c->fields, hf_response_code, status);
    const char *desc = status_name(status);
    char unknown[24];
    if (!desc) {
        snprintf(unknown, sizeof(unknown), "Unknown (%u)", status);
        desc = unknown;
    }
    field_add_string(c->fields, hf_response_code_desc, desc, strlen(desc));
    const uint8_t *phrase = code + 3 < end ? code + 4 : end;
    http_add(c, hf_response_phrase, phrase, (size_t)(end - phrase));
}

/* The headers Wireshark gives a field, by lower-case name with its colon. */
static const struct {
    const char *name; /* Lower-case name and colon. */
    size_t len;       /* Its length. */
    const int *id;    /* The field. */
} http_headers[] = {
#define HTTP_HEADER(name, id)                                                                      \
    {                                                                                              \
        name, sizeof(name) - 1, id                                                                 \
    }
    HTTP_HEADER("authorization:", &hf_authorization),
    HTTP_HEADER("proxy-authenticate:", &hf_proxy_authenticate),
    HTTP_HEADER("proxy-authorization:", &hf_proxy_authorization),
    HTTP_HEADER("www-authenticate:", &hf_www_authenticate),
    HTTP_HEADER("content-type:", &hf_content_type),
    HTTP_HEADER("content-length:", &hf_content_length_header),
    HTTP_HEADER("content-encoding:", &hf_content_encoding),
    HTTP_HEADER("transfer-encoding:", &hf_transfer_encoding),
    HTTP_HEADER("upgrade:", &hf_upgrade),
    HTTP_HEADER("user-agent:", &hf_user_agent),
    HTTP_HEADER("host:", &hf_host),
    HTTP_HEADER("connection:", &hf_connection),
    HTTP_HEADER("cookie:", &hf_cookie),
    HTTP_HEADER("accept:", &hf_accept),
    HTTP_HEADER("referer:", &hf_referer),
    HTTP_HEADER("accept-language:", &hf_accept_language),
    HTTP_HEADER("accept-encoding:", &hf_accept_encoding),
    HTTP_HEADER("date:", &hf_date),
    HTTP_HEADER("cache-control:", &hf_cache_control),
    HTTP_HEADER("server:", &hf_server),
    HTTP_HEADER("location:", &hf_location),
    HTTP_HEADER("sec-websocket-accept:", &hf_sec_websocket_accept),
    HTTP_HEADER("sec-websocket-extensions:", &hf_sec_websocket_extensions),
    HTTP_HEADER("sec-websocket-key:", &hf_sec_websocket_key),
    HTTP_HEADER("sec-websocket-protocol:", &hf_sec_websocket_protocol),
    HTTP_HEADER("sec-websocket-version:", &hf_sec_websocket_version),
    HTTP_HEADER("set-cookie:", &hf_set_cookie),
    HTTP_HEADER("last-modified:", &hf_last_modified),
    HTTP_HEADER("x-forwarded-for:", &hf_x_forwarded_for),
#undef HTTP_HEADER
};

/* Records a Cookie header's pairs (split at ';', leading blanks skipped). */
static void cookie_pairs(struct dissect_ctx *c, const uint8_t *v, size_t len)
{
    size_t off = 0;
    while (off < len) {
        while (off < len && v[off] == ' ')
            off++;
        const uint8_t *semi = memchr(v + off, ';', len - off);
        size_t stop = semi ? (size_t)(semi - v) : len;
        if (stop > off) /* Empty pairs are skipped. */
            http_add(c, hf_cookie_pair, v + off, stop - off);
        if (!semi)
            break;
        off = stop + 1;
    }
}

/* Records one header line of len bytes at p (line_len with its line end). */
static void http_header(struct dissect_ctx *c, const uint8_t *p, size_t len, size_t line_len,
                        struct http_message *m)
{
    if (m->type != HTTP_NOTIFICATION)
        http_add(c, m->type == HTTP_RESPONSE ? hf_response_line : hf_request_line, p, line_len);
    const uint8_t *colon = memchr(p, ':', len);
    if (!colon)
        return;
    size_t n = (size_t)(colon - p) + 1;
    for (size_t h = 0; h < ARRAY_COUNT(http_headers); h++) {
        if (http_headers[h].len != n || strncasecmp((const char *)p, http_headers[h].name, n) != 0)
            continue;
        size_t i = n;
        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        const int id = *http_headers[h].id;
        http_add(c, id, p + i, len - i);
        if (id == hf_host) {
            m->host = p + i;
            m->host_len = len - i;
        } else if (id == hf_content_length_header) {
            char digits[24];
            size_t k = 0;
            while (i + k < len && k + 1 < sizeof(digits) && isdigit(p[i + k])) {
                digits[k] = (char)p[i + k];
                k++;
            }
            digits[k] = '\0';
            if (k > 0 && i + k == len)
                field_add_uint(c->fields, hf_content_length, strtoull(digits, NULL, 10));
        } else if (id == hf_cookie) {
            cookie_pairs(c, p + i, len - i);
        }
        return;
    }
}

/* Returns the kind of message a first line starts: a response ("HTTP/"),
 * a notification (NOTIFY, SUBSCRIBE, UNSUBSCRIBE) or a request. */
static enum http_type http_type_of(const uint8_t *p, size_t len)
{
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
        return HTTP_RESPONSE;
    if ((len >= 7 && memcmp(p, "NOTIFY ", 7) == 0) ||
        (len >= 10 && memcmp(p, "SUBSCRIBE ", 10) == 0) ||
        (len >= 12 && memcmp(p, "UNSUBSCRIBE ", 12) == 0))
        return HTTP_NOTIFICATION;
    return HTTP_REQUEST;
}

/* Appends a URI as Wireshark's ENC_ASCII string holds it (cut at a NUL,
 * bytes above 0x7f as U+FFFD) at out; returns the bytes written (at most
 * 3 per input byte). */
static size_t uri_ascii(const uint8_t *uri, size_t len, uint8_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len && uri[i] != 0; i++) {
        if (uri[i] < 0x80) {
            out[n++] = uri[i];
        } else {
            memcpy(out + n, "\xef\xbf\xbd", 3);
            n += 3;
        }
    }
    return n;
}

/* Records the full URI of a request (the URI itself when absolute or the
 * method is CONNECT, else http:// and the raw Host value stripped of
 * blanks) and keeps the connection's last URIs for its responses. */
static void full_uri(struct dissect_ctx *c, struct http_conv *cv, const struct http_message *m)
{
    if (!m->uri)
        return;
    size_t hlen = m->host_len, ulen = m->uri_len;
    const uint8_t *h = m->host;
    const uint8_t *nul = h ? memchr(h, 0, hlen) : NULL;
    if (nul)
        hlen = (size_t)(nul - h);
    while (hlen > 0 && isspace(*h)) {
        h++;
        hlen--;
    }
    while (hlen > 0 && isspace(h[hlen - 1]))
        hlen--;
    uint8_t *raw = malloc(7 + hlen + 3 * ulen + 1);
    char *text = malloc(WS_FORMAT_TEXT_MAX(7 + hlen + 3 * ulen));
    if (raw && text) {
        size_t un = uri_ascii(m->uri, ulen, raw);
        if (cv)
            uri_keep(&cv->request_uri, text, ws_raw_field(raw, un, text));
        if (m->host) {
            bool absolute = (un >= 7 && strncasecmp((const char *)raw, "http://", 7) == 0) ||
                            (un >= 8 && strncasecmp((const char *)raw, "https://", 8) == 0) ||
                            m->connect;
            size_t total = un;
            if (!absolute) {
                memmove(raw + 7 + hlen, raw, un);
                memcpy(raw, "http://", 7);
                memcpy(raw + 7, h, hlen);
                total += 7 + hlen;
            }
            size_t n = ws_raw_field(raw, total, text);
            field_add_string(c->fields, hf_request_full_uri, text, n);
            if (cv)
                uri_keep(&cv->full_uri, text, n);
        }
    }
    free(raw);
    free(text);
}

static bool http_needs_first_pass(const struct frame_fields *ff);

/* Returns true when this pass or the next shows a field of the
 * request/response matching (the pairs and the requests' URIs are kept
 * only then). */
static bool http_matching_wanted(const struct dissect_ctx *c)
{
    return http_needs_first_pass(c->fields) || http_needs_first_pass(c->d->next_pass) ||
           ctx_wants(c, hf_response_for_uri);
}

/* Records the fields of an HTTP message's header block (len bytes at hdr)
 * and files it for matching. */
static void http_message_fields(struct dissect_ctx *c, const uint8_t *hdr, size_t len)
{
    size_t next;
    struct http_message m = {0};
    size_t ll = http_line(hdr, len, &next);
    m.type = http_type_of(hdr, ll);
    field_add_present(c->fields, hf_chat);
    if (m.type == HTTP_RESPONSE)
        http_status_line(c, hdr, ll);
    else
        http_request_line(c, hdr, ll, &m);
    for (size_t off = next; off < len; off += next) {
        ll = http_line(hdr + off, len - off, &next);
        if (ll == 0)
            break; /* The blank line ends the headers. */
        if (!memchr(hdr + off, ':', ll))
            break; /* Not a header: Wireshark stops reading headers here. */
        http_header(c, hdr + off, ll, next, &m);
    }
    bool matching = http_matching_wanted(c);
    struct http_state *st = matching ? http_state_get(c) : NULL;
    struct http_conv *cv = http_conv_get(c, st);
    if (cv || fields_want(c->fields, hf_request_full_uri))
        full_uri(c, cv, &m);
    field_add_uint(c->fields,
                   m.type == HTTP_RESPONSE       ? hf_response
                   : m.type == HTTP_NOTIFICATION ? hf_notification
                                                 : hf_request,
                   1);
    uint32_t index;
    if (cv && pair_file(c, st, cv, m.type, &index))
        matching_fields(c, cv, m.type, index);
}

/* Returns true when this pass records HTTP fields. */
static bool http_wanted(const struct frame_fields *ff)
{
    return fields_want_proto(ff, proto_http);
}

/* Pushes the nodes of a completed message, with its fields: "http", then
 * the body's media (none for an empty body or a gzip body that inflates
 * to nothing). */
static void http_emit(struct dissect_ctx *c, struct tcp_half *h)
{
    struct http_dir *d = http_dir(h);
    ctx_push(c, proto_http);
    if (http_wanted(c->fields) || c->d->next_pass)
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
    if (h->mode == PDU_IDLE && (http_wanted(c->fields) || c->d->next_pass) &&
        http_starts_message(p.p, p.cap))
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

/* Frees one connection's pairs and URIs (a hash_table_foreach callback). */
static void http_conv_free(void *entry, void *ctx)
{
    struct http_conv *cv = entry;
    (void)ctx;
    free(cv->pairs);
    free(cv->full_uri);
    free(cv->request_uri);
}

/* Frees the matching state. */
static void http_state_free(void *state)
{
    struct http_state *st = state;
    hash_table_foreach(&st->convs, http_conv_free, NULL);
    hash_table_free(&st->convs);
    hash_table_free(&st->frames);
    free(st);
}

/* Forgets a connection's last URIs (the second pass finds them again). */
static void http_conv_forget_uris(void *entry, void *ctx)
{
    struct http_conv *cv = entry;
    (void)ctx;
    free(cv->full_uri);
    free(cv->request_uri);
    cv->full_uri = cv->request_uri = NULL;
}

/* Returns true when the wanted fields need the first pass's pairs: those
 * after a message, and (a frame showing its last message's pair) the
 * numbers and neighbours of every message. */
static bool http_needs_first_pass(const struct frame_fields *ff)
{
    static const int *const ids[] = {
        &hf_response_number, &hf_request_number,   &hf_request_in,
        &hf_response_in,     &hf_next_request_in,  &hf_next_response_in,
        &hf_prev_request_in, &hf_prev_response_in, &hf_time};
    for (size_t i = 0; i < ARRAY_COUNT(ids); i++)
        if (fields_want(ff, *ids[i]))
            return true;
    return false;
}

/* Moves the first pass's pairs to the second pass. */
static void http_take_first_pass(struct dissector *second, struct dissector *first)
{
    struct http_state *st = first->state[matching_slot];
    if (second->state[matching_slot])
        http_state_free(second->state[matching_slot]);
    second->state[matching_slot] = st;
    first->state[matching_slot] = NULL;
    if (st) {
        st->seeded = true;
        hash_table_foreach(&st->convs, http_conv_forget_uris, NULL);
    }
}

/* The fields of the message's kind and first line. */
static const struct field_reg hf_message[] = {
    HF(&hf_notification, "http.notification", "Notification", FT_BOOLEAN, BASE_NONE, 0, NULL),
    HF(&hf_response, "http.response", "Response", FT_BOOLEAN, BASE_NONE, 0, NULL),
    HF(&hf_request, "http.request", "Request", FT_BOOLEAN, BASE_NONE, 0, NULL),
    HF(&hf_response_number, "http.response_number", "Response number", FT_UINT32, BASE_DEC, 0,
       NULL),
    HF(&hf_request_number, "http.request_number", "Request number", FT_UINT32, BASE_DEC, 0, NULL),
    HF(&hf_response_line, "http.response.line", "Response line", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_request_line, "http.request.line", "Request line", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_request_method, "http.request.method", "Request Method", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_request_uri, "http.request.uri", "Request URI", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_request_uri_path, "http.request.uri.path", "Request URI Path", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_request_uri_query, "http.request.uri.query", "Request URI Query", FT_STRING, BASE_NONE,
       0, NULL),
    HF(&hf_request_uri_query_parameter, "http.request.uri.query.parameter",
       "Request URI Query Parameter", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_request_version, "http.request.version", "Request Version", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_response_version, "http.response.version", "Response Version", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_request_full_uri, "http.request.full_uri", "Full request URI", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_response_code, "http.response.code", "Status Code", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_response_code_desc, "http.response.code.desc", "Status Code Description", FT_STRING,
       BASE_NONE, 0, NULL),
    HF(&hf_response_for_uri, "http.response_for.uri", "Request URI", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_response_phrase, "http.response.phrase", "Response Phrase", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_chat, "http.chat", "Formatted text", FT_NONE, BASE_NONE, 0, NULL),
};

/* The headers' fields. */
static const struct field_reg hf_headers[] = {
    HF(&hf_authorization, "http.authorization", "Authorization", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_proxy_authenticate, "http.proxy_authenticate", "Proxy-Authenticate", FT_STRING,
       BASE_NONE, 0, NULL),
    HF(&hf_proxy_authorization, "http.proxy_authorization", "Proxy-Authorization", FT_STRING,
       BASE_NONE, 0, NULL),
    HF(&hf_www_authenticate, "http.www_authenticate", "WWW-Authenticate", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_content_type, "http.content_type", "Content-Type", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_content_length_header, "http.content_length_header", "Content-Length", FT_STRING,
       BASE_NONE, 0, NULL),
    HF(&hf_content_length, "http.content_length", "Content length", FT_UINT64, BASE_DEC, 0, NULL),
    HF(&hf_content_encoding, "http.content_encoding", "Content-Encoding", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_transfer_encoding, "http.transfer_encoding", "Transfer-Encoding", FT_STRING, BASE_NONE,
       0, NULL),
    HF(&hf_upgrade, "http.upgrade", "Upgrade", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_user_agent, "http.user_agent", "User-Agent", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_host, "http.host", "Host", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_connection, "http.connection", "Connection", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_cookie, "http.cookie", "Cookie", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_cookie_pair, "http.cookie_pair", "Cookie pair", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_accept, "http.accept", "Accept", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_referer, "http.referer", "Referer", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_accept_language, "http.accept_language", "Accept-Language", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_accept_encoding, "http.accept_encoding", "Accept Encoding", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_date, "http.date", "Date", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_cache_control, "http.cache_control", "Cache-Control", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_server, "http.server", "Server", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_location, "http.location", "Location", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_sec_websocket_accept, "http.sec_websocket_accept", "Sec-WebSocket-Accept", FT_STRING,
       BASE_NONE, 0, NULL),
    HF(&hf_sec_websocket_extensions, "http.sec_websocket_extensions", "Sec-WebSocket-Extensions",
       FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_sec_websocket_key, "http.sec_websocket_key", "Sec-WebSocket-Key", FT_STRING, BASE_NONE,
       0, NULL),
    HF(&hf_sec_websocket_protocol, "http.sec_websocket_protocol", "Sec-WebSocket-Protocol",
       FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_sec_websocket_version, "http.sec_websocket_version", "Sec-WebSocket-Version", FT_STRING,
       BASE_NONE, 0, NULL),
    HF(&hf_set_cookie, "http.set_cookie", "Set-Cookie", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_last_modified, "http.last_modified", "Last-Modified", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_x_forwarded_for, "http.x_forwarded_for", "X-Forwarded-For", FT_STRING, BASE_NONE, 0,
       NULL),
};

/* The matching's fields. */
static const struct field_reg hf_matching[] = {
    HF(&hf_request_in, "http.request_in", "Request in frame", FT_FRAMENUM, BASE_NONE, 0, NULL),
    HF(&hf_response_in, "http.response_in", "Response in frame", FT_FRAMENUM, BASE_NONE, 0, NULL),
    HF(&hf_next_request_in, "http.next_request_in", "Next request in frame", FT_FRAMENUM, BASE_NONE,
       0, NULL),
    HF(&hf_next_response_in, "http.next_response_in", "Next response in frame", FT_FRAMENUM,
       BASE_NONE, 0, NULL),
    HF(&hf_prev_request_in, "http.prev_request_in", "Prev request in frame", FT_FRAMENUM, BASE_NONE,
       0, NULL),
    HF(&hf_prev_response_in, "http.prev_response_in", "Prev response in frame", FT_FRAMENUM,
       BASE_NONE, 0, NULL),
    HF(&hf_time, "http.time", "Time since request", FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
};

/* Registers HTTP, its fields and the matching state. */
static void http_register(void)
{
    static const struct proto_hooks hooks = {.free_state = http_state_free,
                                             .needs_first_pass = http_needs_first_pass,
                                             .take_first_pass = http_take_first_pass};
    proto_http = registry_proto("http", "Hypertext Transfer Protocol");
    registry_fields(proto_http, hf_message, ARRAY_COUNT(hf_message));
    registry_fields(proto_http, hf_headers, ARRAY_COUNT(hf_headers));
    registry_fields(proto_http, hf_matching, ARRAY_COUNT(hf_matching));
    first_field = hf_notification;
    last_field = hf_time;
    matching_slot = registry_proto_state(proto_http, &hooks);
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
