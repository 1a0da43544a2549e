/* Owns Geneve: the header with its options, then the payload its
 * protocol type names through the EtherType table. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The Geneve protocol. */
static int proto_geneve;

/* The EtherType table. */
static const struct dissector_table *ethertype_table;

/* Dissects a Geneve header and its payload. */
static void dissect_geneve(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_geneve);
    if (!dissect_need(c, s, 8))
        return;
    size_t hl = 8 + (size_t)(s.p[0] & 0x3f) * 4;
    if (!dissect_need(c, s, hl))
        return;
    dissect_table_or_data(c, ethertype_table, be16(s.p + 2), span_from(s, hl));
}

/* The Geneve dissector. */
static const struct dissector_handle geneve_handle = {&proto_geneve, dissect_geneve, NULL};

/* Registers Geneve. */
static void geneve_register(void)
{
    proto_geneve = registry_proto("geneve", "Generic Network Virtualization Encapsulation");
}

/* Geneve on UDP port 6081. */
static void geneve_handoff(void)
{
    ethertype_table = find_dissector_table("ethertype");
    registry_table_add("udp.port", 6081, &geneve_handle);
}

const struct dissector_module dissector_geneve = {geneve_register, geneve_handoff};
