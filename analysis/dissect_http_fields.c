/* Owns the HTTP fields of a message's header block (the bytes tcp_pdu.c
 * collects up to the blank line): http.request.method and
 * http.request.uri from a request line, split as Wireshark 4.0's
 * basic_request_dissector() does, http.host from every Host header, and
 * http.request, http.response and http.response.code.
 * Values are ENC_ASCII strings, printed as tshark prints them. */
#include "app_fields.h"

#include "ws_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest value converted on the stack; longer ones get a heap buffer. */
#define HTTP_VALUE_STACK 512

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
static void http_add(struct dissect_ctx *c, enum field_id id, const uint8_t *p, size_t len)
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
    http_add(c, F_HTTP_REQUEST_METHOD, p, tok);
    /* Two blanks after the method mean an empty URI: step back onto one. */
    if (next - p > 2 && next[-1] == ' ' && next[-2] == ' ')
        next--;
    p = next;
    tok = http_token(p, end, &next);
    http_add(c, F_HTTP_REQUEST_URI, p, tok);
}

/* Records the Host header value of a header line of len bytes at p, if it is one. */
static void http_header(struct dissect_ctx *c, const uint8_t *p, size_t len)
{
    if (len < 5 || strncasecmp((const char *)p, "host:", 5) != 0)
        return;
    size_t i = 5;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    http_add(c, F_HTTP_HOST, p + i, len - i);
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
    field_add_uint(c->fields, F_HTTP_RESPONSE, 1);
    http_token(p, p + len, &code);
    if (code + 3 <= p + len && isdigit(code[0]) && isdigit(code[1]) && isdigit(code[2]) &&
        (code + 3 == p + len || code[3] == ' '))
        field_add_uint(c->fields, F_HTTP_RESPONSE_CODE,
                       (uint64_t)((code[0] - '0') * 100 + (code[1] - '0') * 10 + code[2] - '0'));
}

/* Records the fields of an HTTP message's header block. */
void http_message_fields(struct dissect_ctx *c, const uint8_t *hdr, size_t len)
{
    size_t next;
    if (!fields_want(c->fields, F_HTTP_REQUEST_METHOD) &&
        !fields_want(c->fields, F_HTTP_REQUEST_URI) && !fields_want(c->fields, F_HTTP_HOST) &&
        !fields_want(c->fields, F_HTTP_REQUEST) && !fields_want(c->fields, F_HTTP_RESPONSE) &&
        !fields_want(c->fields, F_HTTP_RESPONSE_CODE))
        return;
    size_t ll = http_line(hdr, len, &next);
    if (http_is_request(hdr, ll)) {
        field_add_uint(c->fields, F_HTTP_REQUEST, 1);
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
