/* The per-frame store of field occurrences: what the dissectors record
 * (fields of the registry, registry.h) and the display-filter evaluator
 * and the packets/fields API read, with the text form tshark prints.
 *
 * A dissector records a value only when the current query wants its field
 * (field_add_* return at once otherwise), so the summary pass, which wants
 * none, pays one branch per call. */
#ifndef PCAPD_ANALYSIS_FIELDS_H
#define PCAPD_ANALYSIS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"

/* One recorded occurrence of a field in a frame. */
struct field_value {
    uint16_t id; /* The field (a registry id). */
    union {
        uint64_t u;      /* FK_UINT, FK_BOOL (0 or 1). */
        int64_t i;       /* FK_INT. */
        int64_t ns;      /* FK_TIME. */
        double d;        /* FK_DOUBLE. */
        uint8_t ip4[4];  /* FK_IPV4, network byte order. */
        uint8_t ip6[16]; /* FK_IPV6, network byte order. */
        uint8_t mac[6];  /* FK_ETHER. */
        struct {
            uint32_t off; /* Offset of the text in the frame's string arena. */
            uint32_t len; /* Its length in bytes (no NUL is stored). */
        } str;            /* FK_STRING, FK_BYTES. */
    } v;
};

/* The fields of one frame, in the order the dissectors met them (which is
 * the order tshark prints occurrences), and which fields are wanted. */
struct frame_fields {
    struct field_value *vals;       /* Recorded occurrences. */
    uint32_t n;                     /* Number of occurrences recorded. */
    uint32_t cap;                   /* Allocated entries in vals. */
    char *arena;                    /* Text and bytes of the FK_STRING and FK_BYTES occurrences. */
    uint32_t arena_len;             /* Bytes used in arena. */
    uint32_t arena_cap;             /* Bytes allocated in arena. */
    bool oom;                       /* True when an occurrence was lost to a failed allocation. */
    bool want_any;                  /* True when at least one field is wanted. */
    bool want[REGISTRY_MAX_FIELDS]; /* Per field id: true when the query uses it. */
    /* Per protocol id: true when the query uses one of its fields (its own
     * presence aside), so that a dissector skips its field work at once
     * otherwise, as Wireshark's skip building a subtree nobody looks at. */
    bool want_proto[REGISTRY_MAX_FIELDS];
};

/* Prepares an empty store wanting nothing. */
void frame_fields_init(struct frame_fields *ff);

/* Marks a field as wanted (a protocol field marks only its presence). */
void frame_fields_want(struct frame_fields *ff, int id);

/* Returns true when ff is not NULL and wants a field of protocol proto
 * (not counting proto's own presence). */
static inline bool fields_want_proto(const struct frame_fields *ff, int proto)
{
    return ff != NULL && ff->want_proto[proto];
}

/* Returns true when ff wants a field whose id is in first .. last (a run
 * of fields registered together): dissectors test a group once per pass. */
bool fields_want_range(const struct frame_fields *ff, int first, int last);

/* Forgets the occurrences of the previous frame, keeping the wanted set and memory. */
static inline void frame_fields_reset(struct frame_fields *ff)
{
    ff->n = 0;
    ff->arena_len = 0;
    ff->oom = false;
}

/* Frees the store's memory. */
void frame_fields_free(struct frame_fields *ff);

/* Returns true when ff is not NULL and wants the field: dissectors may test
 * this before computing a costly value. */
static inline bool fields_want(const struct frame_fields *ff, int id)
{
    return ff != NULL && ff->want[id];
}

/* Records an unsigned value of a wanted field (the out-of-line part of field_add_uint()). */
void field_add_uint_wanted(struct frame_fields *ff, int id, uint64_t value);

/* Records an unsigned (or boolean) value of a wanted field; a no-op when
 * not wanted (inline: the dissectors call it for every field they know). */
static inline void field_add_uint(struct frame_fields *ff, int id, uint64_t value)
{
    if (fields_want(ff, id))
        field_add_uint_wanted(ff, id, value);
}

/* Records a time in nanoseconds. */
void field_add_time_wanted(struct frame_fields *ff, int id, int64_t ns);

/* Calls field_add_time_wanted() when the field is wanted (the test inline). */
static inline void field_add_time(struct frame_fields *ff, int id, int64_t ns)
{
    if (fields_want(ff, id))
        field_add_time_wanted(ff, id, ns);
}

/* An absolute time Wireshark has no value for (an NTP timestamp of zero):
 * printed "NULL". */
#define FIELD_TIME_NULL INT64_MIN

/* Records an IPv4 address (4 bytes, network order). */
void field_add_ipv4_wanted(struct frame_fields *ff, int id, const uint8_t *addr);

/* Calls field_add_ipv4_wanted() when the field is wanted (the test inline). */
static inline void field_add_ipv4(struct frame_fields *ff, int id, const uint8_t *addr)
{
    if (fields_want(ff, id))
        field_add_ipv4_wanted(ff, id, addr);
}

/* Records an IPv6 address (16 bytes, network order). */
void field_add_ipv6_wanted(struct frame_fields *ff, int id, const uint8_t *addr);

/* Calls field_add_ipv6_wanted() when the field is wanted (the test inline). */
static inline void field_add_ipv6(struct frame_fields *ff, int id, const uint8_t *addr)
{
    if (fields_want(ff, id))
        field_add_ipv6_wanted(ff, id, addr);
}

/* Records a MAC address (6 bytes). */
void field_add_ether_wanted(struct frame_fields *ff, int id, const uint8_t *mac);

/* Calls field_add_ether_wanted() when the field is wanted (the test inline). */
static inline void field_add_ether(struct frame_fields *ff, int id, const uint8_t *mac)
{
    if (fields_want(ff, id))
        field_add_ether_wanted(ff, id, mac);
}

/* Records text (copied; len bytes, not NUL-terminated). */
void field_add_string_wanted(struct frame_fields *ff, int id, const char *text, size_t len);

/* Calls field_add_string_wanted() when the field is wanted (the test inline). */
static inline void field_add_string(struct frame_fields *ff, int id, const char *text, size_t len)
{
    if (fields_want(ff, id))
        field_add_string_wanted(ff, id, text, len);
}

/* Records an address as text (a "host" string field, as tshark -n prints
 * it): len 4 (IPv4), 16 (IPv6) or 6 (MAC) bytes. */
void field_add_addr_text_wanted(struct frame_fields *ff, int id, const uint8_t *addr, size_t len);

/* Calls field_add_addr_text_wanted() when the field is wanted (the test inline). */
static inline void field_add_addr_text(struct frame_fields *ff, int id, const uint8_t *addr,
                                       size_t len)
{
    if (fields_want(ff, id))
        field_add_addr_text_wanted(ff, id, addr, len);
}

/* Records a signed value. */
void field_add_int(struct frame_fields *ff, int id, int64_t value);

/* Records a floating-point value. */
void field_add_double(struct frame_fields *ff, int id, double value);

/* Records raw bytes (copied; printed as hex). */
void field_add_bytes_wanted(struct frame_fields *ff, int id, const uint8_t *p, size_t len);

/* Calls field_add_bytes_wanted() when the field is wanted (the test inline). */
static inline void field_add_bytes(struct frame_fields *ff, int id, const uint8_t *p, size_t len)
{
    if (fields_want(ff, id))
        field_add_bytes_wanted(ff, id, p, len);
}

/* Records a bytes field none of whose bytes were captured (tshark prints "<MISSING>"). */
void field_add_missing(struct frame_fields *ff, int id);

/* Records the presence of a protocol or FT_NONE field (no value). */
void field_add_present_wanted(struct frame_fields *ff, int id);

/* Calls field_add_present_wanted() when the field is wanted (the test inline). */
static inline void field_add_present(struct frame_fields *ff, int id)
{
    if (fields_want(ff, id))
        field_add_present_wanted(ff, id);
}

/* Returns the text (or bytes) of a FK_STRING (FK_BYTES) occurrence (not NUL-terminated; see
 * v.str.len). */
static inline const char *field_string(const struct frame_fields *ff, const struct field_value *v)
{
    return ff->arena + v->v.str.off;
}

/* Returns the text form of an occurrence in buf (size bytes) when it fits,
 * else in a new heap buffer the caller frees (NULL when out of memory);
 * *len is its length (not NUL-terminated). */
char *field_text(const struct frame_fields *ff, const struct field_value *v, char *buf, size_t size,
                 size_t *len);

/* Writes the text form of an occurrence, as `tshark -T fields` prints it,
 * into buf (NUL-terminated, cut to size); returns the full length. */
size_t field_format(const struct frame_fields *ff, const struct field_value *v, char *buf,
                    size_t size);

#endif
