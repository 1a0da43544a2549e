/*
 * The capture filter model shared by the control plane (which parses a job's
 * `filter_v1` from JSON) and the dataplane (which matches packets against it).
 *
 * A filter is a conjunction of optional five-tuple constraints.  A field that
 * is absent matches anything; `fields` says which ones are present.
 */
#ifndef PCAPD_FILTER_H
#define PCAPD_FILTER_H

#include <stdbool.h>
#include <stdint.h>

/* Bits of struct pcapd_filter.fields: which constraints are present. */
enum pcapd_filter_field {
    PCAPD_FILTER_SRC_ADDR = 1u << 0,
    PCAPD_FILTER_DST_ADDR = 1u << 1,
    PCAPD_FILTER_SRC_PORT = 1u << 2,
    PCAPD_FILTER_DST_PORT = 1u << 3,
    PCAPD_FILTER_PROTOCOL = 1u << 4,
};

/* Address families as pcapd numbers them (independent of the socket API). */
enum pcapd_family {
    PCAPD_FAMILY_NONE = 0,
    PCAPD_FAMILY_IPV4 = 4,
    PCAPD_FAMILY_IPV6 = 6,
};

/* An IPv4 or IPv6 prefix; a plain address is a prefix of full length. */
struct pcapd_prefix {
    /* PCAPD_FAMILY_IPV4 or PCAPD_FAMILY_IPV6. */
    uint8_t family;
    /* Significant leading bits: 0..32 for IPv4, 0..128 for IPv6. */
    uint8_t len;
    /* Address in network byte order; IPv4 uses the first 4 bytes.  Bits past
     * `len` are zero, so two equal prefixes compare equal with memcmp(). */
    uint8_t addr[16];
};

/* One job's filter: a conjunction of the present constraints. */
struct pcapd_filter {
    /* Bitmask of enum pcapd_filter_field. */
    uint32_t fields;
    /* Source address prefix, if PCAPD_FILTER_SRC_ADDR is set. */
    struct pcapd_prefix src;
    /* Destination address prefix, if PCAPD_FILTER_DST_ADDR is set. */
    struct pcapd_prefix dst;
    /* Source port in host byte order, if PCAPD_FILTER_SRC_PORT is set. */
    uint16_t src_port;
    /* Destination port in host byte order, if PCAPD_FILTER_DST_PORT is set. */
    uint16_t dst_port;
    /* IP protocol number, if PCAPD_FILTER_PROTOCOL is set. */
    uint8_t protocol;
};

/* Parses "a.b.c.d", "a.b.c.d/n", an IPv6 address or "v6/n" into `out`,
 * clearing host bits.  Returns 0, or -1 if `text` is not such a prefix. */
int pcapd_prefix_parse(const char *text, struct pcapd_prefix *out);

/* Formats `p` as pcapd_prefix_parse() accepts it ("/n" only when shorter than
 * the full address) into `buf` of `size` bytes.  Returns `buf`. */
char *pcapd_prefix_format(const struct pcapd_prefix *p, char *buf, unsigned size);

/* Tells whether the address `addr` of `family` lies inside prefix `p`. */
bool pcapd_prefix_contains(const struct pcapd_prefix *p, uint8_t family, const uint8_t *addr);

#endif /* PCAPD_FILTER_H */
