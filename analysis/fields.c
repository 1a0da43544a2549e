/* Owns the per-frame store of field occurrences and their text forms,
 * as `tshark -T fields` prints them. */
#include "fields.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Prepares an empty store wanting nothing (and the registry its ids come from). */
void frame_fields_init(struct frame_fields *ff)
{
    registry_init();
    memset(ff, 0, sizeof(*ff));
}

/* Marks a field as wanted. */
void frame_fields_want(struct frame_fields *ff, int id)
{
    const struct field_def *def = field_def(id);
    ff->want[id] = true;
    ff->want_any = true;
    if (def->type != FT_PROTOCOL)
        ff->want_proto[def->proto] = true;
}

/* Tells whether a field of a run is wanted. */
bool fields_want_range(const struct frame_fields *ff, int first, int last)
{
    if (ff == NULL || !ff->want_any)
        return false;
    for (int id = first; id <= last; id++)
        if (ff->want[id])
            return true;
    return false;
}

/* Frees the store's memory. */
void frame_fields_free(struct frame_fields *ff)
{
    free(ff->vals);
    free(ff->arena);
    ff->vals = NULL;
    ff->arena = NULL;
    ff->n = ff->cap = ff->arena_len = ff->arena_cap = 0;
}

/* Returns a new occurrence slot for a wanted field, or NULL when the field
 * is not wanted or memory ran out (then flagged in ff->oom). */
static struct field_value *field_slot(struct frame_fields *ff, int id)
{
    if (ff == NULL || !ff->want[id])
        return NULL;
    if (ff->n == ff->cap) {
        uint32_t cap = ff->cap ? ff->cap * 2 : 64;
        struct field_value *v = realloc(ff->vals, cap * sizeof(*v));
        if (v == NULL) {
            ff->oom = true;
            return NULL;
        }
        ff->vals = v;
        ff->cap = cap;
    }
    struct field_value *v = &ff->vals[ff->n++];
    memset(v, 0, sizeof(*v));
    v->id = (uint16_t)id;
    return v;
}

/* Records an unsigned (or boolean) value. */
void field_add_uint_wanted(struct frame_fields *ff, int id, uint64_t value)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        v->v.u = value;
}

/* Records an address as text. */
void field_add_addr_text_wanted(struct frame_fields *ff, int id, const uint8_t *addr, size_t len)
{
    char text[INET6_ADDRSTRLEN];
    if (!fields_want(ff, id))
        return;
    if (len == 4 || len == 16)
        inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
    else
        snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", addr[0], addr[1], addr[2],
                 addr[3], addr[4], addr[5]);
    field_add_string(ff, id, text, strlen(text));
}

/* Records a time in nanoseconds. */
void field_add_time_wanted(struct frame_fields *ff, int id, int64_t ns)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        v->v.ns = ns;
}

/* Records an IPv4 address. */
void field_add_ipv4_wanted(struct frame_fields *ff, int id, const uint8_t *addr)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        memcpy(v->v.ip4, addr, 4);
}

/* Records an IPv6 address. */
void field_add_ipv6_wanted(struct frame_fields *ff, int id, const uint8_t *addr)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        memcpy(v->v.ip6, addr, 16);
}

/* Records a MAC address. */
void field_add_ether_wanted(struct frame_fields *ff, int id, const uint8_t *mac)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        memcpy(v->v.mac, mac, 6);
}

/* Records a signed value. */
void field_add_int(struct frame_fields *ff, int id, int64_t value)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        v->v.i = value;
}

/* Records a floating-point value. */
void field_add_double(struct frame_fields *ff, int id, double value)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        v->v.d = value;
}

/* Records the presence of a protocol field. */
void field_add_present_wanted(struct frame_fields *ff, int id)
{
    (void)field_slot(ff, id);
}

/* Makes room for len more bytes in the string arena; returns false when out of memory. */
static bool arena_reserve(struct frame_fields *ff, size_t len)
{
    if (len > UINT32_MAX / 4 || ff->arena_len + len <= ff->arena_cap)
        return len <= UINT32_MAX / 4;
    size_t cap = ff->arena_cap ? ff->arena_cap : 1024;
    while (cap < ff->arena_len + len)
        cap *= 2;
    char *a = realloc(ff->arena, cap);
    if (a == NULL)
        return false;
    ff->arena = a;
    ff->arena_cap = (uint32_t)cap;
    return true;
}

/* Records len bytes (text or raw bytes) copied into the frame's arena. */
static void field_add_arena(struct frame_fields *ff, int id, const void *p, size_t len)
{
    if (!fields_want(ff, id))
        return;
    if (!arena_reserve(ff, len ? len : 1)) { /* Never a NULL arena behind a string. */
        ff->oom = true;
        return;
    }
    struct field_value *v = field_slot(ff, id);
    if (v == NULL)
        return;
    memcpy(ff->arena + ff->arena_len, p, len);
    v->v.str.off = ff->arena_len;
    v->v.str.len = (uint32_t)len;
    ff->arena_len += (uint32_t)len;
}

/* Records text. */
void field_add_string_wanted(struct frame_fields *ff, int id, const char *text, size_t len)
{
    field_add_arena(ff, id, text, len);
}

/* Records a bytes field whose bytes were not captured. */
void field_add_missing(struct frame_fields *ff, int id)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        v->v.str.off = UINT32_MAX;
}

/* Records raw bytes. */
void field_add_bytes_wanted(struct frame_fields *ff, int id, const uint8_t *p, size_t len)
{
    field_add_arena(ff, id, p, len);
}

/* Writes a signed nanosecond time as seconds with nine decimals ("-0.500000000"). */
static size_t format_time(int64_t ns, char *buf, size_t size)
{
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    return (size_t)snprintf(buf, size, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "",
                            mag / 1000000000u, mag % 1000000000u);
}

/* Writes a date and time as tshark prints an absolute time: local time,
 * nanoseconds and the zone's name ("Feb  1, 2015 22:04:33.817203000 UTC"). */
static size_t format_abs_time(int64_t ns, char *buf, size_t size)
{
    if (ns == FIELD_TIME_NULL)
        return (size_t)snprintf(buf, size, "NULL");
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    char date[64], zone[16];
    if (!localtime_r(&t, &tm))
        return (size_t)snprintf(buf, size, "Not representable");
    strftime(date, sizeof(date), "%b %e, %Y %H:%M:%S", &tm);
    strftime(zone, sizeof(zone), "%Z", &tm);
    return (size_t)snprintf(buf, size, "%s.%09" PRId64 " %s", date, frac, zone);
}

/* Writes bytes as lower-case hex without separators, cut to size. */
static size_t format_bytes(const uint8_t *p, size_t n, char *buf, size_t size, enum field_base base)
{
    static const char hex[] = "0123456789abcdef";
    static const char seps[] = {
        [SEP_COLON] = ':', [SEP_DASH] = '-', [SEP_DOT] = '.', [SEP_SPACE] = ' '};
    char sep = (unsigned)base < sizeof(seps) ? seps[base] : 0;
    size_t w = sep ? 3 : 2, i, o = 0;
    for (i = 0; i < n && o + (sep && i > 0 ? 3 : 2) < size; i++) {
        if (sep && i > 0)
            buf[o++] = sep;
        buf[o++] = hex[p[i] >> 4];
        buf[o++] = hex[p[i] & 15];
    }
    if (size > 0)
        buf[o < size ? o : size - 1] = '\0';
    return n == 0 ? 0 : w * n - (sep ? 1 : 0);
}

/* Writes the text form of an occurrence. */
size_t field_format(const struct frame_fields *ff, const struct field_value *v, char *buf,
                    size_t size)
{
    const struct field_def *d = field_def(v->id);
    char text[INET6_ADDRSTRLEN];
    switch (d->kind) {
    case FK_UINT:
        if (d->hex_digits)
            return (size_t)snprintf(buf, size, "0x%0*" PRIx64, d->hex_digits, v->v.u);
        return (size_t)snprintf(buf, size, "%" PRIu64, v->v.u);
    case FK_INT:
        return (size_t)snprintf(buf, size, "%" PRId64, v->v.i);
    case FK_BOOL:
        return (size_t)snprintf(buf, size, "%d", v->v.u ? 1 : 0);
    case FK_TIME:
        if (d->type == FT_ABSOLUTE_TIME)
            return format_abs_time(v->v.ns, buf, size);
        return format_time(v->v.ns, buf, size);
    case FK_DOUBLE:
        return (size_t)snprintf(buf, size, "%.*g", 15, v->v.d);
    case FK_IPV4:
        inet_ntop(AF_INET, v->v.ip4, text, sizeof(text));
        return (size_t)snprintf(buf, size, "%s", text);
    case FK_IPV6:
        inet_ntop(AF_INET6, v->v.ip6, text, sizeof(text));
        return (size_t)snprintf(buf, size, "%s", text);
    case FK_ETHER:
        return (size_t)snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", v->v.mac[0],
                                v->v.mac[1], v->v.mac[2], v->v.mac[3], v->v.mac[4], v->v.mac[5]);
    case FK_STRING:
        return (size_t)snprintf(buf, size, "%.*s", (int)v->v.str.len, field_string(ff, v));
    case FK_BYTES:
        if (v->v.str.off == UINT32_MAX || v->v.str.len == 0)
            return (size_t)snprintf(buf, size,
                                    "<MISSING>"); /* As tshark prints uncaptured bytes. */
        return format_bytes((const uint8_t *)field_string(ff, v), v->v.str.len, buf, size, d->base);
    case FK_NONE:
    default:
        /* tshark prints "1" for a present FT_NONE field, nothing for a protocol. */
        return (size_t)snprintf(buf, size, "%s", d->type == FT_NONE ? "1" : "");
    }
}

/* Returns the text form of an occurrence, in buf or on the heap. */
char *field_text(const struct frame_fields *ff, const struct field_value *v, char *buf, size_t size,
                 size_t *len)
{
    *len = field_format(ff, v, buf, size);
    if (*len < size)
        return buf;
    char *big = malloc(*len + 1);
    if (big)
        field_format(ff, v, big, *len + 1);
    return big;
}
