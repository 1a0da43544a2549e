/* Owns GRE (RFC 2784/2890, and the enhanced GRE of PPTP with its
 * acknowledgement number): the header, then the payload its protocol
 * type names through the "gre.proto" table (protocols Wireshark only
 * finds in GRE: ERSPAN, PPP, WCCP's redirected IP) or, failing that, the
 * EtherType table.  The called dissector gets the flags and version
 * (ERSPAN tells its type I by the absence of a sequence number). */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The GRE protocol. */
static int proto_gre;

/* GRE's own protocol types, and the EtherType table. */
static struct dissector_table *proto_table;
static const struct dissector_table *ethertype_table;

/* WCCP's protocol type: IP, after a 4-byte redirect header in WCCP version 2. */
#define GRE_WCCP 0x883e

/* Dissects a GRE header and its payload. */
static void dissect_gre(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_gre);
    if (!dissect_need(c, s, 4))
        return;
    uint16_t flags = be16(s.p), type = be16(s.p + 2);
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
    if (type == GRE_WCCP && s.cap > hl && (s.p[hl] & 0xf0) != 0x40)
        hl += 4; /* Not an IPv4 header yet: WCCP version 2's redirect header. */
    struct span p = span_from(s, hl);
    if (p.len == 0)
        return;
    c->data = flags;
    if (dissector_table_get(proto_table, type))
        dissect_table_or_data(c, proto_table, type, p);
    else
        dissect_table_or_data(c, ethertype_table, type, p);
}

/* The GRE dissector. */
static const struct dissector_handle gre_handle = {&proto_gre, dissect_gre, NULL};

/* Registers GRE and its protocol type table. */
static void gre_register(void)
{
    proto_gre = registry_proto("gre", "Generic Routing Encapsulation");
    proto_table = registry_table_new("gre.proto", 16);
}

/* GRE on IP protocol 47; WCCP's redirected IPv4. */
static void gre_handoff(void)
{
    ethertype_table = find_dissector_table("ethertype");
    registry_table_add("ip.proto", 47, &gre_handle);
    registry_table_add("gre.proto", GRE_WCCP, find_dissector("ip"));
}

const struct dissector_module dissector_gre = {gre_register, gre_handoff};
