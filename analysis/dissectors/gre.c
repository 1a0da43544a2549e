/* Owns GRE (RFC 2784/2890, and the enhanced GRE of PPTP with its
 * acknowledgement number): the header, then the payload its protocol
 * type names through the EtherType table. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The GRE protocol. */
static int proto_gre;

/* The EtherType table. */
static const struct dissector_table *ethertype_table;

/* Dissects a GRE header and its payload. */
static void dissect_gre(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_gre);
    if (!dissect_need(c, s, 4))
        return;
    uint16_t flags = be16(s.p);
    size_t hl = 4;
    if (flags & 0xc000)
        hl += 4; /* Checksum and offset, present when either bit is set. */
    if (flags & 0x2000)
        hl += 4; /* Key (payload length and call id in PPTP's version 1). */
    if (flags & 0x1000)
        hl += 4; /* Sequence number. */
    if ((flags & 0x0007) == 1 && (flags & 0x0080))
        hl += 4; /* PPTP's acknowledgement number. */
    if ((flags & 0x4000) || !dissect_need(c, s, hl))
        return; /* Source routing (RFC 1701, obsolete) is left undissected. */
    struct span p = span_from(s, hl);
    if (p.len > 0)
        dissect_table_or_data(c, ethertype_table, be16(s.p + 2), p);
}

/* The GRE dissector. */
static const struct dissector_handle gre_handle = {&proto_gre, dissect_gre, NULL};

/* Registers GRE. */
static void gre_register(void)
{
    proto_gre = registry_proto("gre", "Generic Routing Encapsulation");
}

/* GRE on IP protocol 47. */
static void gre_handoff(void)
{
    ethertype_table = find_dissector_table("ethertype");
    registry_table_add("ip.proto", 47, &gre_handle);
}

const struct dissector_module dissector_gre = {gre_register, gre_handoff};
