/* Owns IGMP, and hands its PIM version 1 messages (type 0x14) to PIM:
 * Wireshark then shows PIM alone (IGMP is a layer of frame.protocols,
 * no node of the hierarchy). */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The IGMP protocol. */
static int proto_igmp;

/* PIM, for version 1 messages. */
static const struct dissector_handle *pim_handle;

/* IGMP's type of PIM version 1 messages. */
#define IGMP_V1_PIM_ROUTING_MESSAGE 0x14

/* Returns true for the types Wireshark's IGMP dissector hands to the
 * dissector of their IGMP version (itself "igmp" again): version 0's
 * (0 to 15), queries and reports of versions 1 to 3, leaves, mtrace. */
static bool igmp_versioned(uint8_t type)
{
    return type <= 15 || type == 0x11 || type == 0x12 || type == 0x16 || type == 0x17 ||
           type == 0x1e || type == 0x1f || type == 0x22;
}

/* Dissects an IGMP message (no fields yet: its node, or PIM's). */
static void dissect_igmp(struct dissect_ctx *c, struct span s)
{
    if (s.cap >= 1 && s.p[0] == IGMP_V1_PIM_ROUTING_MESSAGE) {
        ctx_layer(c, proto_igmp);
        call_dissector(c, pim_handle, s);
        return;
    }
    ctx_push(c, proto_igmp);
    if (s.cap >= 1 && igmp_versioned(s.p[0]))
        ctx_layer(c, proto_igmp); /* The version's dissector, through the "igmp.type" table. */
}

/* The IGMP dissector. */
static const struct dissector_handle igmp_handle = {&proto_igmp, dissect_igmp, NULL};

/* Registers IGMP. */
static void igmp_register(void)
{
    proto_igmp = registry_proto("igmp", "Internet Group Management Protocol");
}

/* IGMP on IP protocol 2. */
static void igmp_handoff(void)
{
    pim_handle = find_dissector("pim");
    registry_table_add("ip.proto", 2, &igmp_handle);
}

const struct dissector_module dissector_igmp = {igmp_register, igmp_handoff};
