/* Owns VXLAN: an 8-byte header, then an Ethernet frame. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The VXLAN protocol. */
static int proto_vxlan;

/* Ethernet. */
static const struct dissector_handle *eth_handle;

/* Dissects a VXLAN header and the Ethernet frame it carries. */
static void dissect_vxlan(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_vxlan);
    if (!dissect_need(c, s, 8))
        return;
    call_dissector(c, eth_handle, span_from(s, 8));
}

/* The VXLAN dissector. */
static const struct dissector_handle vxlan_handle = {&proto_vxlan, dissect_vxlan, NULL};

/* Registers VXLAN. */
static void vxlan_register(void)
{
    proto_vxlan = registry_proto("vxlan", "Virtual eXtensible Local Area Network");
}

/* VXLAN on UDP port 4789. */
static void vxlan_handoff(void)
{
    eth_handle = find_dissector("eth");
    registry_table_add("udp.port", 4789, &vxlan_handle);
}

const struct dissector_module dissector_vxlan = {vxlan_register, vxlan_handoff};
