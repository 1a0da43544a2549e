/* Owns Wireshark's text forms of packet bytes: format_text() as
 * epan/strutil.c (4.0) writes it, with GLib's printable-character test
 * (from the generated unicode_nonprint.h), and ENC_ASCII strings with the
 * escapes of tshark's field output. */
#include "ws_text.h"

#include "unicode_nonprint.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The code point Wireshark substitutes for bytes that are not UTF-8. */
#define REPLACEMENT_CHAR 0xFFFDu

/* Returns true when GLib's g_unichar_isprint() accepts code point uc. */
static bool unichar_isprint(uint32_t uc)
{
    if (uc < 0x80)
        return uc >= 0x20 && uc != 0x7f;
    size_t lo = 0, hi = sizeof(unicode_nonprint) / sizeof(unicode_nonprint[0]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (uc < unicode_nonprint[mid][0])
            hi = mid;
        else if (uc > unicode_nonprint[mid][1])
            lo = mid + 1;
        else
            return false;
    }
    return true;
}

/* Returns true when GLib's g_unichar_validate() accepts code point uc. */
static bool unichar_valid(uint32_t uc)
{
    return uc < 0x110000 && (uc < 0xD800 || uc > 0xDFFF);
}

/* Appends code point uc as UTF-8 at out; returns the bytes written. */
static size_t put_utf8(uint32_t uc, char *out)
{
    if (uc < 0x80) {
        out[0] = (char)uc;
        return 1;
    }
    if (uc < 0x800) {
        out[0] = (char)(0xC0 | uc >> 6);
        out[1] = (char)(0x80 | (uc & 0x3F));
        return 2;
    }
    if (uc < 0x10000) {
        out[0] = (char)(0xE0 | uc >> 12);
        out[1] = (char)(0x80 | ((uc >> 6) & 0x3F));
        out[2] = (char)(0x80 | (uc & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | uc >> 18);
    out[1] = (char)(0x80 | ((uc >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((uc >> 6) & 0x3F));
    out[3] = (char)(0x80 | (uc & 0x3F));
    return 4;
}

/* Writes the escape format_text() gives a non-printable ASCII byte; returns its length. */
static size_t put_ascii_escape(uint8_t c, char *out)
{
    static const char names[] = "abtnvfr"; /* \a (7) to \r (13). */
    out[0] = '\\';
    if (c >= 7 && c <= 13) {
        out[1] = names[c - 7];
        return 2;
    }
    out[1] = (char)('0' + ((c >> 6) & 3));
    out[2] = (char)('0' + ((c >> 3) & 7));
    out[3] = (char)('0' + (c & 7));
    return 4;
}

/* Decodes the UTF-8 sequence whose lead byte c was just taken from *s
 * (end bounds it), advancing *s past its continuation bytes as
 * format_text() does; returns the code point, or U+FFFD when invalid. */
static uint32_t take_utf8(uint8_t c, const uint8_t **s, const uint8_t *end)
{
    int more;
    uint32_t uc;
    if ((c & 0xE0) == 0xC0) {
        more = 1;
        uc = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        more = 2;
        uc = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        more = 3;
        uc = c & 0x07;
    } else if ((c & 0xFC) == 0xF8) {
        more = 4;
        uc = c & 0x03;
    } else if ((c & 0xFE) == 0xFC) {
        more = 5;
        uc = c & 0x01;
    } else {
        return REPLACEMENT_CHAR; /* 0xFE, 0xFF or a stray continuation byte. */
    }
    for (int i = 0; i < more; i++) {
        if (*s >= end || (**s & 0xC0) != 0x80)
            return REPLACEMENT_CHAR; /* The next byte starts a new character. */
        uc = uc << 6 | (**s & 0x3F);
        (*s)++;
    }
    return unichar_valid(uc) ? uc : REPLACEMENT_CHAR;
}

/* Writes format_text() of len bytes at s into out. */
size_t ws_format_text(const uint8_t *s, size_t len, char *out)
{
    const uint8_t *end = s + len;
    size_t n = 0;
    while (s < end) {
        uint8_t c = *s++;
        if (c < 0x80) {
            if (c >= 0x20 && c != 0x7f)
                out[n++] = (char)c;
            else
                n += put_ascii_escape(c, out + n);
            continue;
        }
        uint32_t uc = take_utf8(c, &s, end);
        if (unichar_isprint(uc))
            n += put_utf8(uc, out + n);
        else
            n += (size_t)sprintf(out + n, uc <= 0xFFFF ? "\\u%04X" : "\\U%08X", uc);
    }
    out[n] = '\0';
    return n;
}

/* Writes len bytes at s as an ENC_ASCII string field prints. */
size_t ws_ascii_field(const uint8_t *s, size_t len, char *out)
{
    static const char esc[] = "btn\0fr"; /* \b (8) to \r (13); \v (11) is not escaped. */
    size_t n = 0;
    for (size_t i = 0; i < len && s[i] != 0; i++) {
        uint8_t c = s[i];
        if (c >= 0x80) {
            n += put_utf8(REPLACEMENT_CHAR, out + n);
        } else if (c >= 8 && c <= 13 && esc[c - 8] != '\0') {
            out[n++] = '\\';
            out[n++] = esc[c - 8];
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
    return n;
}

/* Returns the length of the valid UTF-8 sequence (GLib's rules: no
 * overlong forms, no surrogates, at most U+10FFFF) starting at s, or 0. */
static size_t utf8_valid_len(const uint8_t *s, const uint8_t *end)
{
    uint8_t c = s[0];
    size_t more;
    uint32_t uc, min;
    if ((c & 0xE0) == 0xC0) {
        more = 1, uc = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        more = 2, uc = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        more = 3, uc = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(end - s) <= more)
        return 0;
    for (size_t i = 1; i <= more; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        uc = uc << 6 | (s[i] & 0x3F);
    }
    return uc >= min && unichar_valid(uc) ? more + 1 : 0;
}

/* Writes len raw bytes at s as a string field built from them prints. */
size_t ws_raw_field(const uint8_t *s, size_t len, char *out)
{
    static const char esc[] = "btn\0fr"; /* \b (8) to \r (13); \v (11) is not escaped. */
    static const char hex[] = "0123456789abcdef";
    const uint8_t *end = s + len;
    size_t n = 0;
    while (s < end && *s != 0) {
        uint8_t c = *s;
        size_t v;
        if (c < 0x80) {
            if (c >= 8 && c <= 13 && esc[c - 8] != '\0') {
                out[n++] = '\\';
                out[n++] = esc[c - 8];
            } else {
                out[n++] = (char)c;
            }
            s++;
        } else if ((v = utf8_valid_len(s, end)) > 0) {
            memcpy(out + n, s, v);
            n += v;
            s += v;
        } else {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
            s++;
        }
    }
    out[n] = '\0';
    return n;
}
