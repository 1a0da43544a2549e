/* What the Ethernet module offers the others that carry an EtherType. */
#ifndef PCAPD_ANALYSIS_DISSECTORS_ETH_H
#define PCAPD_ANALYSIS_DISSECTORS_ETH_H

#include "dissect_internal.h"

/* Dissects s by its EtherType as Wireshark's "ethertype" dissector does
 * (after Ethernet, VLAN tags and Linux cooked headers: it shows in
 * frame.protocols), through the "ethertype" table, else as data. */
void ethertype_dissect(struct dissect_ctx *c, uint16_t type, struct span s);

#endif
