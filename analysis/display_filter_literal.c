/* Owns the literals of the display filters, parsed for the type of the
 * field they are compared with: integers (decimal, 0x hex, 0 octal, 0b
 * binary, 'c' characters, value names from the registry) checked against
 * the field's width, booleans, times, IPv4/IPv6 addresses with CIDR
 * prefixes, MAC addresses, byte strings and text. */
#include "display_filter_internal.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Returns true when the field has value names (or true/false names). */
static bool field_has_names(int field)
{
    const struct field_def *d = field_def(field);
    return d->vals != NULL || d->tfs != NULL;
}

/* Looks a value name up for a field (caseless); returns true and sets *value when found. */
static bool name_lookup(int field, const char *text, size_t len, uint64_t *value)
{
    const struct field_def *d = field_def(field);
    for (const struct value_name *v = d->vals; v && v->name; v++) {
        if (strlen(v->name) == len && strncasecmp(v->name, text, len) == 0) {
            *value = v->value;
            return true;
        }
    }
    for (int i = 0; d->tfs && i < 2; i++) {
        if (strlen(d->tfs[i]) == len && strncasecmp(d->tfs[i], text, len) == 0) {
            *value = i == 0;
            return true;
        }
    }
    return false;
}

/* Keeps a copy of len bytes of text for the filter's lifetime; returns it, or NULL. */
const char *df_keep_text(struct parser *p, const char *text, size_t len)
{
    struct display_filter *df = p->df;
    if (df->nstrs == df->strs_cap) {
        uint32_t cap = df->strs_cap ? df->strs_cap * 2 : 8;
        char **strs = realloc(df->strs, cap * sizeof(*strs));
        if (strs == NULL) {
            df_fail(p, p->tok.pos, "Out of memory.");
            return NULL;
        }
        df->strs = strs;
        df->strs_cap = cap;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        df_fail(p, p->tok.pos, "Out of memory.");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    df->strs[df->nstrs++] = copy;
    return copy;
}
/* ------------------------------------------------------------------ */
/* Literals                                                             */
/* ------------------------------------------------------------------ */

/* Outcomes of parsing an unsigned number. */
enum num_status {
    NUM_OK,       /* Parsed. */
    NUM_INVALID,  /* Not a number. */
    NUM_OVERFLOW, /* More than 64 bits. */
};

/* Parses an unsigned integer as Wireshark does: decimal, 0x hex, 0b
 * binary, or octal with a leading 0, optionally after a '+'. */
static enum num_status parse_number(const char *s, size_t len, uint64_t *out)
{
    unsigned base = 10;
    size_t i = 0;
    if (len > 0 && s[0] == '+')
        i = 1;
    if (len - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        i += 2;
        if (i == len)
            return NUM_INVALID;
    } else if (len - i >= 2 && s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B')) {
        base = 2;
        i += 2;
    } else if (len - i >= 2 && s[i] == '0') {
        base = 8;
        i += 1;
    } else if (i == len) {
        return NUM_INVALID;
    }
    uint64_t v = 0;
    for (; i < len; i++) {
        int d = df_hexval((unsigned char)s[i]);
        if (d < 0 || (unsigned)d >= base)
            return NUM_INVALID;
        if (v > (UINT64_MAX - (unsigned)d) / base)
            return NUM_OVERFLOW;
        v = v * base + (unsigned)d;
    }
    *out = v;
    return NUM_OK;
}

/* Parses an unsigned-field literal (word, string or character constant);
 * range-checks it against the field's width. */
static bool lit_uint(struct parser *p, int field, const struct token *t, struct df_value *out)
{
    uint64_t v = 0;
    if (t->kind == TK_CHAR) {
        v = t->ch;
    } else if (t->kind == TK_STRING) {
        if (!name_lookup(field, t->text, t->text_len, &v)) {
            if (field_has_names(field))
                df_fail(p, t->pos, "%.*s cannot be found among the possible values for %s.",
                        QUOTE(t, p), fname(field));
            else
                df_fail(p, t->pos, "Unsigned integer cannot be converted from a string (%.*s).",
                        QUOTE(t, p));
            return false;
        }
    } else {
        const char *s = p->expr + t->pos;
        enum num_status st = parse_number(s, t->len, &v);
        if (st == NUM_OVERFLOW) {
            df_fail(p, t->pos, "\"%.*s\" causes an integer overflow.", QUOTE(t, p));
            return false;
        }
        if (st == NUM_INVALID && !name_lookup(field, s, t->len, &v)) {
            if (field_has_names(field))
                df_fail(p, t->pos, "\"%.*s\" cannot be found among the possible values for %s.",
                        QUOTE(t, p), fname(field));
            else
                df_fail(p, t->pos, "\"%.*s\" is not a valid number.", QUOTE(t, p));
            return false;
        }
    }
    if (v > uint_max(field)) {
        df_fail(p, t->pos, "\"%.*s\" too big for this field, maximum %llu.", QUOTE(t, p),
                (unsigned long long)uint_max(field));
        return false;
    }
    out->v.u = v;
    return true;
}

/* Parses a signed integer literal (the minus sign is a separate token)
 * checked against the width of the field's type. */
static bool lit_int(struct parser *p, int field, const struct token *t, bool negative,
                    struct df_value *out)
{
    uint64_t v = 0;
    if (t->kind == TK_CHAR) {
        v = t->ch;
    } else {
        enum num_status st = parse_number(p->expr + t->pos, t->len, &v);
        if (st != NUM_OK) {
            df_fail(p, t->pos,
                    st == NUM_OVERFLOW ? "\"%.*s\" causes an integer overflow."
                                       : "\"%.*s\" is not a valid number.",
                    QUOTE(t, p));
            return false;
        }
    }
    enum ftype ft = field_def(field)->type;
    uint64_t limit = ft == FT_INT8    ? INT8_MAX
                     : ft == FT_INT16 ? INT16_MAX
                     : ft == FT_INT32 ? INT32_MAX
                                      : INT64_MAX; /* The largest positive value. */
    if (v > limit + (negative ? 1 : 0)) {
        df_fail(p, t->pos, "\"%s%.*s\" is out of range for this field.", negative ? "-" : "",
                QUOTE(t, p));
        return false;
    }
    out->v.i = negative ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Parses a floating-point literal. */
static bool lit_double(struct parser *p, const struct token *t, bool negative, struct df_value *out)
{
    char buf[64], *end;
    if (t->kind != TK_WORD || t->len >= sizeof(buf)) {
        df_fail(p, t->pos, "\"%.*s\" is not a valid floating-point number.", QUOTE(t, p));
        return false;
    }
    memcpy(buf, p->expr + t->pos, t->len);
    buf[t->len] = '\0';
    out->v.d = strtod(buf, &end);
    if (*end != '\0' || end == buf) {
        df_fail(p, t->pos, "\"%.*s\" is not a valid floating-point number.", QUOTE(t, p));
        return false;
    }
    if (negative)
        out->v.d = -out->v.d;
    return true;
}

/* Parses a boolean literal: a number (true when not zero), True, TRUE,
 * False, FALSE, or one of the field's two value names (as tshark 4.0). */
static bool lit_bool(struct parser *p, int field, const struct token *t, struct df_value *out)
{
    uint64_t v = 0;
    const char *s = t->kind == TK_STRING ? t->text : p->expr + t->pos;
    size_t len = t->kind == TK_STRING ? t->text_len : t->len;
    bool ok;
    if (t->kind == TK_CHAR) {
        v = t->ch;
        ok = true;
    } else if (t->kind == TK_WORD && parse_number(s, len, &v) == NUM_OK) {
        ok = true;
    } else if (t->kind == TK_WORD &&
               ((len == 4 && (memcmp(s, "True", 4) == 0 || memcmp(s, "TRUE", 4) == 0)))) {
        v = 1;
        ok = true;
    } else if (t->kind == TK_WORD &&
               ((len == 5 && (memcmp(s, "False", 5) == 0 || memcmp(s, "FALSE", 5) == 0)))) {
        v = 0;
        ok = true;
    } else {
        ok = name_lookup(field, s, len, &v);
    }
    if (!ok) {
        if (t->kind == TK_STRING)
            df_fail(p, t->pos, "%.*s cannot be found among the possible values for %s.",
                    QUOTE(t, p), fname(field));
        else
            df_fail(p, t->pos, "\"%.*s\" cannot be found among the possible values for %s.",
                    QUOTE(t, p), fname(field));
        return false;
    }
    out->v.u = v != 0;
    return true;
}

/* Parses a time offset as tshark 4.0 does: seconds, optionally '.' and up
 * to nine digits of fraction (anything after those digits is ignored). */
static bool lit_time(struct parser *p, const struct token *t, struct df_value *out)
{
    const char *s = p->expr + t->pos;
    size_t len = t->len, i = 0;
    uint64_t secs = 0, frac = 0;
    if (i < len && s[i] == '+')
        i++;
    size_t digits = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (secs > (uint64_t)INT64_MAX / 1000000000u / 10)
            goto bad;
        secs = secs * 10 + (uint64_t)(s[i++] - '0');
    }
    if (i == digits || (i < len && s[i] != '.'))
        goto bad;
    if (i < len) {
        i++;
        unsigned n = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (n == 9)
                goto bad;
            frac = frac * 10 + (uint64_t)(s[i++] - '0');
            n++;
        }
        for (; n < 9; n++)
            frac *= 10;
    }
    out->v.ns = (int64_t)(secs * 1000000000u + frac);
    return true;
bad:
    df_fail(p, t->pos, "\"%.*s\" is not a valid time.", QUOTE(t, p));
    return false;
}

/* Parses a date and time as tshark 4.0 does: "Nov 12, 1999 08:55:44",
 * "2011-07-04 12:34:56" (or with a 'T'), or "2011-07-04", each time
 * optionally with up to nine digits of fraction, then "UTC" or "Z" for
 * UTC (local time otherwise). */
static bool lit_abs_time(struct parser *p, const struct token *t, bool negative,
                         struct df_value *out)
{
    static const char *const formats[] = {"%b %d, %Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                                          "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"};
    char text[128];
    size_t len = t->kind == TK_STRING ? t->text_len : t->len;
    const char *src = t->kind == TK_STRING ? t->text : p->expr + t->pos;
    const char *end = NULL;
    struct tm tm;
    if (negative || t->kind == TK_CHAR || len >= sizeof(text))
        goto bad;
    memcpy(text, src, len);
    text[len] = '\0';
    for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]) && !end; f++) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(text, formats[f], &tm);
    }
    if (!end)
        goto bad;
    int64_t frac = 0;
    if (*end == '.') {
        unsigned n = 0;
        for (end++; *end >= '0' && *end <= '9'; end++, n++) {
            if (n == 9)
                goto bad;
            frac = frac * 10 + (*end - '0');
        }
        for (; n < 9; n++)
            frac *= 10;
    }
    while (*end == ' ')
        end++;
    bool utc = strcmp(end, "UTC") == 0 || strcmp(end, "Z") == 0;
    if (!utc && *end != '\0')
        goto bad;
    tm.tm_isdst = -1;
    time_t secs = utc ? timegm(&tm) : mktime(&tm);
    out->v.ns = (int64_t)secs * 1000000000 + frac;
    return true;
bad:
    df_fail(p, t->pos,
            "\"%.*s\" is not a valid absolute time. Example: \"Nov 12, 1999 08:55:44.123\" or "
            "\"2011-07-04 12:34:56\"",
            (int)len, src);
    return false;
}

/* Parses a CIDR suffix "/N" of at most digits digits (octal with a leading
 * 0, as tshark reads it); returns the length, or -1 when s is not such a
 * suffix, -2 when it is more than max. */
static int parse_prefix(const char *s, size_t len, int max, size_t digits)
{
    uint64_t v;
    if (len < 2 || len > digits + 1 || s[0] != '/')
        return -1;
    for (size_t i = 1; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    if (parse_number(s + 1, len - 1, &v) != NUM_OK)
        return -1;
    return v > (uint64_t)max ? -2 : (int)v;
}

/* Clears the host bits of an address of nbytes bytes beyond prefix bits. */
static void mask_bits(uint8_t *a, size_t nbytes, unsigned prefix)
{
    for (size_t i = 0; i < nbytes; i++) {
        unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
        a[i] &= (uint8_t)(0xff00u >> keep);
    }
}

/* Parses a dotted-quad IPv4 address (no leading zeros), with an optional /N. */
static bool lit_ipv4(struct parser *p, const struct token *t, struct df_value *out)
{
    const char *s = p->expr + t->pos;
    size_t len = t->len, i = 0;
    for (int octet = 0; octet < 4; octet++) {
        if (octet > 0 && (i >= len || s[i++] != '.'))
            goto bad;
        size_t start = i;
        unsigned v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
            goto bad;
        out->v.ip4[octet] = (uint8_t)v;
    }
    out->prefix = 32;
    if (i < len) {
        int pl = parse_prefix(s + i, len - i, 32, 2);
        if (pl == -2) {
            df_fail(p, t->pos, "Netmask bits in a CIDR IPv4 address should be <= 32, not %.*s",
                    (int)(len - i - 1), s + i + 1);
            return false;
        }
        if (pl < 0)
            goto bad;
        out->prefix = (uint8_t)pl;
        mask_bits(out->v.ip4, 4, (unsigned)pl);
    }
    return true;
bad:
    df_fail(p, t->pos, "\"%.*s\" is not a valid hostname or IPv4 address.", QUOTE(t, p));
    return false;
}

/* Parses an IPv6 address (any RFC 4291 text), with an optional /N. */
static bool lit_ipv6(struct parser *p, const struct token *t, struct df_value *out)
{
    const char *s = p->expr + t->pos;
    const char *slash = memchr(s, '/', t->len);
    size_t alen = slash ? (size_t)(slash - s) : t->len;
    char buf[INET6_ADDRSTRLEN + 8];
    if (alen >= sizeof(buf))
        goto bad;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    if (inet_pton(AF_INET6, buf, out->v.ip6) != 1)
        goto bad;
    out->prefix = 128;
    if (slash != NULL) {
        int pl = parse_prefix(slash, t->len - alen, 128, 3);
        if (pl == -2) {
            df_fail(p, t->pos, "Prefix in a IPv6 address should be <= 128, not %.*s",
                    (int)(t->len - alen - 1), slash + 1);
            return false;
        }
        if (pl < 0)
            goto bad;
        out->prefix = (uint8_t)pl;
        mask_bits(out->v.ip6, 16, (unsigned)pl);
    }
    return true;
bad:
    df_fail(p, t->pos, "\"%.*s\" is not a valid hostname or IPv6 address.", QUOTE(t, p));
    return false;
}

/* Parses hex bytes separated by one kind of separator (':', '-' or '.')
 * between any two bytes, or by none; returns the count, or -1 when the
 * text is not such a byte string, -2 when it has more than max bytes. */
static int parse_bytes(const char *s, size_t len, uint8_t *out, size_t max)
{
    size_t n = 0, i = 0;
    char sep = 0;
    while (i < len) {
        if (n > 0 && (s[i] == ':' || s[i] == '-' || s[i] == '.')) {
            if (sep != 0 && s[i] != sep)
                return -1;
            sep = s[i++];
        }
        if (i + 2 > len)
            return -1;
        int hi = df_hexval((unsigned char)s[i]);
        int lo = df_hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        if (n == max)
            return -2;
        out[n++] = (uint8_t)(hi * 16 + lo);
        i += 2;
    }
    return n == 0 ? -1 : (int)n;
}

/* Parses a MAC address: six hex bytes ("00:11:22:33:44:55", "-" or "."
 * separators, "0011.2233.4455", or none). */
static bool lit_ether(struct parser *p, const struct token *t, struct df_value *out)
{
    uint8_t b[7];
    int n = parse_bytes(p->expr + t->pos, t->len, b, sizeof(b));
    if (n == 6) {
        memcpy(out->v.mac, b, 6);
        return true;
    }
    if (n == -2 || n > 6)
        df_fail(p, t->pos, "\"%.*s\" contains too many bytes to be a valid Ethernet address.",
                QUOTE(t, p));
    else if (n > 0)
        df_fail(p, t->pos, "\"%.*s\" contains too few bytes to be a valid Ethernet address.",
                QUOTE(t, p));
    else
        df_fail(p, t->pos, "\"%.*s\" is not a valid Ethernet address.", QUOTE(t, p));
    return false;
}

/* Parses the byte string of a "contains" on a MAC address ("aa:bb", "aa"). */
static bool lit_bytes(struct parser *p, const struct token *t, struct df_value *out)
{
    uint8_t b[DF_MAX_BYTES];
    int n = t->kind == TK_WORD ? parse_bytes(p->expr + t->pos, t->len, b, sizeof(b)) : -1;
    if (n < 0) {
        df_fail(p, t->pos, "\"%.*s\" is not a valid byte string.", QUOTE(t, p));
        return false;
    }
    out->v.str = df_keep_text(p, (const char *)b, (size_t)n);
    out->len = (uint32_t)n;
    return out->v.str != NULL;
}

/* Takes the text of a string literal: a quoted string, a bare word, or a character constant. */
static bool lit_string(struct parser *p, const struct token *t, struct df_value *out)
{
    char ch = (char)t->ch;
    const char *text = t->kind == TK_STRING ? t->text : t->kind == TK_CHAR ? &ch : p->expr + t->pos;
    size_t len = t->kind == TK_STRING ? t->text_len : t->kind == TK_CHAR ? 1 : t->len;
    out->v.str = df_keep_text(p, text, len);
    out->len = (uint32_t)len;
    return out->v.str != NULL;
}

/* Parses the literal in token t for a field, as the value of a comparison
 * with op (OP_CONTAINS on a MAC takes a byte string); negative is true
 * after a unary minus. */
bool df_parse_literal(struct parser *p, int field, enum df_op op, const struct token *t,
                      bool negative, struct df_value *out)
{
    enum field_kind type = ftype(field);
    memset(out, 0, sizeof(*out));
    if (field_def(field)->type == FT_ABSOLUTE_TIME)
        return lit_abs_time(p, t, negative, out);
    if (negative && type != FK_UINT && type != FK_TIME && type != FK_INT && type != FK_DOUBLE) {
        df_fail(p, t->pos, "A %s value cannot be negative.", tname(field));
        return false;
    }
    if (t->kind == TK_STRING && type != FK_STRING && type != FK_UINT && type != FK_BOOL &&
        type != FK_BYTES) {
        df_fail(p, t->pos, "%s cannot be converted from a string (%.*s).", tname(field),
                QUOTE(t, p));
        return false;
    }
    if (t->kind == TK_CHAR && type != FK_STRING && type != FK_UINT && type != FK_BOOL &&
        type != FK_INT) {
        df_fail(p, t->pos, "%s cannot be converted from a character constant.", tname(field));
        return false;
    }
    switch (type) {
    case FK_UINT:
        if (!lit_uint(p, field, t, out))
            return false;
        if (negative && out->v.u > INT32_MAX) {
            df_fail(p, t->pos, "\"-%.*s\" is out of range.", QUOTE(t, p));
            return false;
        }
        /* Wireshark 4.0 makes -N a signed integer that no unsigned value
         * equals or orders with; -0 is plain 0. */
        out->incomparable = negative && out->v.u != 0;
        return true;
    case FK_BOOL:
        return lit_bool(p, field, t, out);
    case FK_TIME:
        if (!lit_time(p, t, out))
            return false;
        if (negative)
            out->v.ns = -out->v.ns;
        return true;
    case FK_IPV4:
        return lit_ipv4(p, t, out);
    case FK_IPV6:
        return lit_ipv6(p, t, out);
    case FK_ETHER:
        return op == OP_CONTAINS ? lit_bytes(p, t, out) : lit_ether(p, t, out);
    case FK_STRING:
        return lit_string(p, t, out);
    case FK_INT:
        return lit_int(p, field, t, negative, out);
    case FK_DOUBLE:
        return lit_double(p, t, negative, out);
    case FK_BYTES:
        /* Bytes are written "aa:bb:cc" (or "aabbcc"), or as a quoted string of their text. */
        return t->kind == TK_STRING ? lit_string(p, t, out) : lit_bytes(p, t, out);
    case FK_NONE:
    default:
        df_fail(p, t->pos, "A protocol cannot be compared with a value.");
        return false;
    }
}
