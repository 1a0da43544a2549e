/* Owns the field registry (names, types, text forms) and the per-frame
 * store of field occurrences. */
#include "fields.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value fields, in enum field_id order. */
static const struct field_def value_fields[] = {
#define FIELD_DEF(e, name, type, hex) {name, type, hex},
    FIELD_LIST(FIELD_DEF)
#undef FIELD_DEF
};

/* The protocol fields, filled from proto_name() on first use. */
static struct field_def proto_fields[PROTO_COUNT + 1];

/* Fills proto_fields once (idempotent, so a race writes the same values). */
static void proto_fields_init(void)
{
    if (proto_fields[PROTO_COUNT].name != NULL)
        return;
    for (int p = 0; p < PROTO_COUNT; p++)
        proto_fields[p] = (struct field_def){proto_name((enum proto_id)p), FT_PROTOCOL, 0};
    proto_fields[PROTO_COUNT] = (struct field_def){"frame", FT_PROTOCOL, 0};
}

/* Returns the description of a field id. */
const struct field_def *field_def(enum field_id id)
{
    if (id < F_PROTO_BASE)
        return &value_fields[id];
    proto_fields_init();
    return &proto_fields[id - F_PROTO_BASE];
}

/* Looks a field up by name; a linear scan over some hundred names, done
 * once per field a query names. */
int field_lookup(const char *name, size_t len)
{
    for (int id = 0; id < F_COUNT; id++) {
        const char *n = field_def((enum field_id)id)->name;
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return id;
    }
    return -1;
}

/* Prepares an empty store wanting nothing. */
void frame_fields_init(struct frame_fields *ff)
{
    memset(ff, 0, sizeof(*ff));
}

/* Marks a field as wanted. */
void frame_fields_want(struct frame_fields *ff, enum field_id id)
{
    ff->want[id] = true;
    ff->want_any = true;
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
static struct field_value *field_slot(struct frame_fields *ff, enum field_id id)
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
void field_add_uint(struct frame_fields *ff, enum field_id id, uint64_t value)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        v->v.u = value;
}

/* Records a time in nanoseconds. */
void field_add_time(struct frame_fields *ff, enum field_id id, int64_t ns)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        v->v.ns = ns;
}

/* Records an IPv4 address. */
void field_add_ipv4(struct frame_fields *ff, enum field_id id, const uint8_t *addr)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        memcpy(v->v.ip4, addr, 4);
}

/* Records an IPv6 address. */
void field_add_ipv6(struct frame_fields *ff, enum field_id id, const uint8_t *addr)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        memcpy(v->v.ip6, addr, 16);
}

/* Records a MAC address. */
void field_add_ether(struct frame_fields *ff, enum field_id id, const uint8_t *mac)
{
    struct field_value *v = field_slot(ff, id);
    if (v)
        memcpy(v->v.mac, mac, 6);
}

/* Records the presence of a protocol field. */
void field_add_present(struct frame_fields *ff, enum field_id id)
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

/* Records text (copied into the frame's arena). */
void field_add_string(struct frame_fields *ff, enum field_id id, const char *text, size_t len)
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
    memcpy(ff->arena + ff->arena_len, text, len);
    v->v.str.off = ff->arena_len;
    v->v.str.len = (uint32_t)len;
    ff->arena_len += (uint32_t)len;
}

/* Writes a signed nanosecond time as seconds with nine decimals ("-0.500000000"). */
static size_t format_time(int64_t ns, char *buf, size_t size)
{
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    return (size_t)snprintf(buf, size, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "",
                            mag / 1000000000u, mag % 1000000000u);
}

/* Writes the text form of an occurrence. */
size_t field_format(const struct frame_fields *ff, const struct field_value *v, char *buf,
                    size_t size)
{
    const struct field_def *d = field_def((enum field_id)v->id);
    char text[INET6_ADDRSTRLEN];
    switch (d->type) {
    case FT_UINT:
        if (d->hex_digits)
            return (size_t)snprintf(buf, size, "0x%0*" PRIx64, d->hex_digits, v->v.u);
        return (size_t)snprintf(buf, size, "%" PRIu64, v->v.u);
    case FT_BOOL:
        return (size_t)snprintf(buf, size, "%d", v->v.u ? 1 : 0);
    case FT_TIME:
        return format_time(v->v.ns, buf, size);
    case FT_IPV4:
        inet_ntop(AF_INET, v->v.ip4, text, sizeof(text));
        return (size_t)snprintf(buf, size, "%s", text);
    case FT_IPV6:
        inet_ntop(AF_INET6, v->v.ip6, text, sizeof(text));
        return (size_t)snprintf(buf, size, "%s", text);
    case FT_ETHER:
        return (size_t)snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", v->v.mac[0],
                                v->v.mac[1], v->v.mac[2], v->v.mac[3], v->v.mac[4], v->v.mac[5]);
    case FT_STRING:
        return (size_t)snprintf(buf, size, "%.*s", (int)v->v.str.len, field_string(ff, v));
    case FT_PROTOCOL:
    default:
        if (size > 0)
            buf[0] = '\0';
        return 0;
    }
}
