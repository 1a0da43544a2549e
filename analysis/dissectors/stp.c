/* Owns the spanning tree protocol: BPDUs on LLC SAP 0x42, and Cisco's
 * per-VLAN ones (PVST+) in SNAP with Cisco's OUI, protocol 0x010b. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The STP protocol. */
static int proto_stp;

/* The STP dissector. */
static const struct dissector_handle stp_handle = {&proto_stp, NULL, NULL};

/* Registers STP. */
static void stp_register(void)
{
    proto_stp = registry_proto("stp", "Spanning Tree Protocol");
}

/* STP on LLC SAP 0x42 and Cisco's PVST+ protocol. */
static void stp_handoff(void)
{
    registry_table_add("llc.dsap", 0x42, &stp_handle);
    registry_table_add("llc.cisco_pid", 0x010b, &stp_handle);
}

const struct dissector_module dissector_stp = {stp_register, stp_handoff};
