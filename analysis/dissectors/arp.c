/* Owns ARP. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The ARP protocol. */
static int proto_arp;

/* The ARP dissector. */
static const struct dissector_handle arp_handle = {&proto_arp, NULL, NULL};

/* Registers ARP. */
static void arp_register(void)
{
    proto_arp = registry_proto("arp", "Address Resolution Protocol");
}

/* ARP on its EtherType. */
static void arp_handoff(void)
{
    registry_table_add("ethertype", 0x0806, &arp_handle);
}

const struct dissector_module dissector_arp = {arp_register, arp_handoff};
