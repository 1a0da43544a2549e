/* Owns DHCPv6. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The DHCPv6 protocol. */
static int proto_dhcpv6;

/* Dissects a DHCPv6 message (read to its end: a cut one is short). */
static void dissect_dhcpv6(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_dhcpv6);
    dissect_mark_short(c, s);
}

/* The DHCPv6 dissector. */
static const struct dissector_handle dhcpv6_handle = {&proto_dhcpv6, dissect_dhcpv6, NULL};

/* Registers DHCPv6. */
static void dhcpv6_register(void)
{
    proto_dhcpv6 = registry_proto("dhcpv6", "DHCPv6");
}

/* DHCPv6 on its client and server ports. */
static void dhcpv6_handoff(void)
{
    registry_table_add("udp.port", 546, &dhcpv6_handle);
    registry_table_add("udp.port", 547, &dhcpv6_handle);
}

const struct dissector_module dissector_dhcpv6 = {dhcpv6_register, dhcpv6_handoff};
