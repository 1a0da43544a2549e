/* Owns LLDP. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The LLDP protocol. */
static int proto_lldp;

/* The LLDP dissector. */
static const struct dissector_handle lldp_handle = {&proto_lldp, NULL, NULL};

/* Registers LLDP. */
static void lldp_register(void)
{
    proto_lldp = registry_proto("lldp", "Link Layer Discovery Protocol");
}

/* LLDP on its EtherType. */
static void lldp_handoff(void)
{
    registry_table_add("ethertype", 0x88cc, &lldp_handle);
}

const struct dissector_module dissector_lldp = {lldp_register, lldp_handoff};
