/* What UDP offers the dissectors above it: conversations they expect,
 * as Wireshark's conversations with a wildcard port (TFTP's transfers
 * from a port the server picks). */
#ifndef PCAPD_ANALYSIS_DISSECTORS_UDP_H
#define PCAPD_ANALYSIS_DISSECTORS_UDP_H

#include "dissect_internal.h"

/* Sends the datagrams between the current datagram's source (address and
 * port) and its destination address, from any port, to h for the rest of
 * the pass; they go there before the port table. */
void udp_expect_conversation(struct dissect_ctx *c, const struct dissector_handle *h);

#endif
