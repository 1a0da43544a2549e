/*
 * Multipart/form-data: the file part and its name (see multipart.h).
 */
#include "multipart.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Returns the length of the UTF-8 character starting at `s` (at most `len`
 * bytes available), or 0 if it is not a valid one (overlong forms,
 * surrogates and code points past U+10FFFF included). */
static size_t utf8_char(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n = c < 0x80             ? 1
               : (c & 0xe0) == 0xc0 ? 2
               : (c & 0xf0) == 0xe0 ? 3
               : (c & 0xf8) == 0xf0 ? 4
                                    : 0;
    if (n == 0 || n > len)
        return 0;
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

long multipart_utf8_prefix(const char *s, size_t len, size_t max)
{
    size_t i = 0, keep = 0;
    while (i < len) {
        size_t n = utf8_char((const unsigned char *)s + i, len - i);
        if (n == 0)
            return -1;
        i += n;
        if (i <= max)
            keep = i;
    }
    return (long)keep;
}

/* Reads the boundary parameter of `content_type` into `delim` as
 * "\r\n--BOUNDARY".  Returns its length, or -1. */
static int read_boundary(const char *content_type, char *delim, size_t size)
{
    const char *b = strstr(content_type, "boundary=");
    if (b == NULL)
        return -1;
    b += strlen("boundary=");
    bool quoted = *b == '"';
    b += quoted;
    size_t blen = strcspn(b, quoted ? "\"" : "; \t");
    if (blen == 0 || blen > 70) /* RFC 2046: 1 to 70 characters. */
        return -1;
    return snprintf(delim, size, "\r\n--%.*s", (int)blen, b);
}

/* Copies the file name of a part's headers (`h` to `end`), cut at a
 * character boundary.  Returns 1 if the part has one, 0 if not, -1 if it is
 * not UTF-8. */
static int part_filename(const char *h, const char *end, char *filename)
{
    const char *fn = memmem(h, (size_t)(end - h), "filename=\"", 10);
    if (fn == NULL)
        return 0;
    fn += 10;
    const char *q = memchr(fn, '"', (size_t)(end - fn));
    size_t len = q ? (size_t)(q - fn) : 0;
    long keep = multipart_utf8_prefix(fn, len, MULTIPART_FILENAME_MAX);
    if (keep < 0)
        return -1;
    memcpy(filename, fn, (size_t)keep);
    filename[keep] = '\0';
    return 1;
}

int multipart_file(const char *body, size_t len, const char *content_type, const char **data,
                   size_t *data_len, char *filename, char *err, size_t err_size)
{
    char delim[96];
    int dlen = read_boundary(content_type, delim, sizeof(delim));
    if (dlen < 0) {
        snprintf(err, err_size,
                 "Content-Type: multipart/form-data needs a boundary of 1 to 70 "
                 "characters");
        return -1;
    }
    const char *end = body + len;
    const char *p = body ? memmem(body, len, delim + 2, (size_t)dlen - 2) : NULL;
    while (p != NULL) {
        const char *headers = p + dlen - 2;
        const char *blank = memmem(headers, (size_t)(end - headers), "\r\n\r\n", 4);
        const char *part = blank ? blank + 4 : NULL;
        const char *next = part ? memmem(part, (size_t)(end - part), delim, (size_t)dlen) : NULL;
        if (next == NULL)
            break;
        int has = part_filename(headers, blank, filename);
        if (has < 0) {
            snprintf(err, err_size, "file: the file name is not valid UTF-8");
            return -1;
        }
        if (has > 0) {
            *data = part;
            *data_len = (size_t)(next - part);
            return 0;
        }
        p = next + 2;
    }
    snprintf(err, err_size, "file: the multipart body holds no complete part with a filename");
    return -1;
}
