/* What the IPv4 module offers IPv6 and the tunnels: the IP protocol table
 * dispatch, the handling of fragments (reassembly is shared by both
 * versions), and IPv4 or IPv6 by the version nibble. */
#ifndef PCAPD_ANALYSIS_DISSECTORS_IP_H
#define PCAPD_ANALYSIS_DISSECTORS_IP_H

#include "dissect_internal.h"

/* Dissects an IP payload of protocol number proto through the "ip.proto" table. */
void ip_dissect_payload(struct dissect_ctx *c, uint8_t proto, struct span s);

/* Handles one fragment of a datagram between the innermost addresses:
 * dissects the whole datagram if it completes it (and returns true), else
 * shows the fragment as data (and returns false).  A quoted fragment is
 * never reassembled: the first one is dissected as it is.  An IPv6
 * datagram (v6) counts its addresses only when it completes. */
bool ip_dissect_fragment(struct dissect_ctx *c, uint32_t id, uint8_t proto, size_t offset,
                         bool more, struct span payload, bool v6);

/* Dissects an IPv4 or IPv6 packet by its version nibble, else data (what
 * MPLS's bottom label and GTP's T-PDUs carry). */
void ip_dissect_by_version(struct dissect_ctx *c, struct span s);

/* Records the (hidden) ip.version field IPv6 headers carry too. */
void ip_version_field(struct frame_fields *ff, uint8_t version);

/* Returns true when ff wants ip.version (IPv6 headers record it too). */
bool ip_version_wanted(const struct frame_fields *ff);

/* The names of IP protocol numbers (ip.proto, ipv6.nxt). */
extern const struct value_name ip_proto_names[];

#endif
