/*
 * IPv4 and IPv6 prefixes of the filter model: parsing, formatting and the
 * containment test the classifier runs per packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapd/filter.h"

/* Zeroes the bits of `p->addr` past `p->len`. */
static void prefix_clear_host_bits(struct pcapd_prefix *p)
{
    unsigned bytes = p->family == PCAPD_FAMILY_IPV4 ? 4 : 16;
    for (unsigned i = 0; i < bytes; i++) {
        unsigned first_bit = i * 8;
        if (first_bit >= p->len)
            p->addr[i] = 0;
        else if (first_bit + 8 > p->len)
            p->addr[i] &= (uint8_t)(0xff << (8 - (p->len - first_bit)));
    }
}

/* Parses the decimal prefix length after '/', at most `max`. */
static int parse_prefix_len(const char *text, unsigned max, uint8_t *len)
{
    if (*text < '0' || *text > '9' || strlen(text) > 3)
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *len = (uint8_t)v;
    return 0;
}

int pcapd_prefix_parse(const char *text, struct pcapd_prefix *out)
{
    char addr[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(text, '/');
    size_t addr_len = slash ? (size_t)(slash - text) : strlen(text);
    if (addr_len == 0 || addr_len >= sizeof(addr))
        return -1;
    memcpy(addr, text, addr_len);
    addr[addr_len] = '\0';

    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->family = PCAPD_FAMILY_IPV4;
        out->len = 32;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->family = PCAPD_FAMILY_IPV6;
        out->len = 128;
    } else {
        return -1;
    }
    if (slash && parse_prefix_len(slash + 1, out->len, &out->len) != 0)
        return -1;
    prefix_clear_host_bits(out);
    return 0;
}

char *pcapd_prefix_format(const struct pcapd_prefix *p, char *buf, unsigned size)
{
    char addr[INET6_ADDRSTRLEN];
    int af = p->family == PCAPD_FAMILY_IPV4 ? AF_INET : AF_INET6;
    unsigned full = p->family == PCAPD_FAMILY_IPV4 ? 32 : 128;
    if (inet_ntop(af, p->addr, addr, sizeof(addr)) == NULL)
        addr[0] = '\0';
    if (p->len == full)
        snprintf(buf, size, "%s", addr);
    else
        snprintf(buf, size, "%s/%u", addr, p->len);
    return buf;
}

bool pcapd_prefix_contains(const struct pcapd_prefix *p, uint8_t family, const uint8_t *addr)
{
    if (p->family != family)
        return false;
    unsigned whole = p->len / 8;
    if (memcmp(p->addr, addr, whole) != 0)
        return false;
    unsigned rest = p->len % 8;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (addr[whole] & mask) == p->addr[whole];
}
