/* IPv4 and IPv6 fragment reassembly, for the ip and ipv6 dissectors. */
#ifndef PCAPD_ANALYSIS_IP_REASSEMBLY_H
#define PCAPD_ANALYSIS_IP_REASSEMBLY_H

#include "dissect_internal.h"
#include "hash_table.h"

/* The datagrams being reassembled. */
struct ip_reassembly {
    struct hash_table frags; /* Pending datagrams by (addresses, id, protocol). */
    uint8_t *whole;          /* The last datagram reassembly completed. */
};

/* Adds one fragment; returns true with *whole set to the datagram's
 * payload when this fragment completes it (valid until the next call),
 * false while fragments are missing. */
bool ip_reassembly_add(struct ip_reassembly *r, const struct net_addr *src,
                       const struct net_addr *dst, uint32_t id, uint8_t proto, size_t offset,
                       bool more, struct span frag, struct span *whole);

/* Frees every pending datagram (r itself is the caller's). */
void ip_reassembly_free(struct ip_reassembly *r);

#endif
