/* Network addresses as the analyses key and print them: Ethernet MAC,
 * IPv4 and IPv6 in one fixed-size value type. */
#ifndef PCAPD_ANALYSIS_NET_ADDR_H
#define PCAPD_ANALYSIS_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The kind of an address, which also fixes its length. */
enum net_addr_kind {
    NET_ADDR_NONE = 0, /* No address. */
    NET_ADDR_MAC = 1,  /* A 6-byte Ethernet MAC address. */
    NET_ADDR_IPV4 = 2, /* A 4-byte IPv4 address. */
    NET_ADDR_IPV6 = 3, /* A 16-byte IPv6 address. */
};

/* Longest text form of any address, with its terminating NUL. */
#define NET_ADDR_STRLEN 46

/* One address; unused bytes are zero so that addresses compare with memcmp. */
struct net_addr {
    uint8_t kind;      /* An enum net_addr_kind value. */
    uint8_t bytes[16]; /* The address in network byte order, zero-padded. */
};

/* Fills *a with an address of the given kind read from p (inline: it runs
 * several times per packet). */
static inline void net_addr_set(struct net_addr *a, enum net_addr_kind kind, const uint8_t *p)
{
    memset(a, 0, sizeof(*a));
    a->kind = (uint8_t)kind;
    if (kind == NET_ADDR_IPV4)
        memcpy(a->bytes, p, 4);
    else if (kind == NET_ADDR_MAC)
        memcpy(a->bytes, p, 6);
    else if (kind == NET_ADDR_IPV6)
        memcpy(a->bytes, p, 16);
}

/* Compares two addresses: negative, zero or positive, kind first, then bytes
 * (inline, word by word: it runs for every conversation of every packet). */
static inline int net_addr_cmp(const struct net_addr *a, const struct net_addr *b)
{
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    for (int i = 0; i < 16; i += 8) {
        uint64_t x, y;
        memcpy(&x, a->bytes + i, 8);
        memcpy(&y, b->bytes + i, 8);
        if (x != y)
            return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
    }
    return 0;
}

/* Returns true when a and b are the same address (inline and branch-free
 * over the bytes: the conversation counters compare every packet's
 * addresses with the conversation they counted last). */
static inline bool net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a->bytes, 8);
    memcpy(&a1, a->bytes + 8, 8);
    memcpy(&b0, b->bytes, 8);
    memcpy(&b1, b->bytes + 8, 8);
    return a->kind == b->kind && ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* Returns the direction of a packet from (src, sport) to (dst, dport)
 * within the endpoint pair whose lower side is (lo, lo_port) and higher
 * side (hi, hi_port): 0 from the lower side, 1 from the higher, -1 when the
 * packet is not the pair's.  The lower side is tried first, as the keys
 * that order a pair put the sender of an equal pair low. */
static inline int net_pair_direction(const struct net_addr *lo, uint16_t lo_port,
                                     const struct net_addr *hi, uint16_t hi_port,
                                     const struct net_addr *src, uint16_t sport,
                                     const struct net_addr *dst, uint16_t dport)
{
    if (lo_port == sport && hi_port == dport && net_addr_equal(lo, src) && net_addr_equal(hi, dst))
        return 0;
    if (lo_port == dport && hi_port == sport && net_addr_equal(lo, dst) && net_addr_equal(hi, src))
        return 1;
    return -1;
}

/* Writes the text form of a (as tshark -n prints it) into buf of size len. */
void net_addr_format(const struct net_addr *a, char *buf, size_t len);

#endif
