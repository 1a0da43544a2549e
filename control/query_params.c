/*
 * The query string of an API request (query_params.h): the analysis API's
 * parameters, decoded as browsers and curl encode them.
 */
#include "query_params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns the value of a hex digit, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a percent-encoded query value ('+' is a space) into buf.
 * Returns 0, or -1 for a bad escape, an encoded NUL, or a value that does
 * not fit in size - 1 bytes. */
static int url_decode(const char *in, size_t len, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)in[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < len ? hex_value(in[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value(in[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi | lo) == 0)
                return -1;
            c = hi << 4 | lo;
            i += 2;
        }
        if (n + 1 >= size)
            return -1;
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return 0;
}

int query_params_get_nth(const h2o_req_t *req, const char *name, unsigned nth, char *buf,
                         size_t size)
{
    buf[0] = '\0';
    if (req->query_at == SIZE_MAX)
        return 0;
    const char *p = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    size_t n = strlen(name);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > n && memcmp(p, name, n) == 0 && p[n] == '=' && nth-- == 0)
            return url_decode(p + n + 1, (size_t)(stop - p) - n - 1, buf, size) == 0 ? 1 : -1;
        p = stop + 1;
    }
    return 0;
}

int query_params_get(const h2o_req_t *req, const char *name, char *buf, size_t size)
{
    return query_params_get_nth(req, name, 0, buf, size);
}

int query_params_uint(const h2o_req_t *req, const char *name, uint64_t def, uint64_t max,
                      uint64_t *v, char *why, size_t size)
{
    char buf[32], *end;
    int rc = query_params_get(req, name, buf, sizeof(buf));
    *v = def;
    if (rc == 0)
        return 0;
    errno = 0;
    unsigned long long x = strtoull(buf, &end, 10);
    if (rc < 0 || buf[0] < '0' || buf[0] > '9' || *end != '\0' || errno != 0 || x > max) {
        snprintf(why, size, "%s: must be an integer from 0 to %llu", name, (unsigned long long)max);
        return -1;
    }
    *v = x;
    return 0;
}
