/* Owns Linux cooked captures, v1 (16-byte header) and v2 (20-byte header). */
#include "dissect_internal.h"
#include "dissectors/eth.h"
#include "dissectors/list.h"

/* The protocol (both versions show as "sll"). */
static int proto_sll;

/* The EtherType table and LLC. */
static const struct dissector_table *ethertype_table;
static const struct dissector_handle *llc_handle;

/* Dissects a cooked header of hl bytes whose protocol is at proto_off and
 * link-layer address type at hatype_off: a GRE tunnel's (ARPHRD_IPGRE)
 * protocol is looked up directly, others through the EtherType dissector. */
static void dissect_sll_any(struct dissect_ctx *c, struct span s, size_t hl, size_t proto_off,
                            size_t hatype_off)
{
    ctx_push(c, proto_sll);
    if (!dissect_need(c, s, hl))
        return;
    uint16_t proto = be16(s.p + proto_off);
    struct span p = span_from(s, hl);
    if (proto == 0x0004)
        call_dissector(c, llc_handle, p);
    else if (proto > 1500 && be16(s.p + hatype_off) == 778)
        dissect_table_or_data(c, ethertype_table, proto, p);
    else if (proto > 1500)
        ethertype_dissect(c, proto, p);
    else
        dissect_data(c, p);
}

/* Dissects a v1 header. */
static void dissect_sll(struct dissect_ctx *c, struct span s)
{
    dissect_sll_any(c, s, 16, 14, 2);
}

/* Dissects a v2 header. */
static void dissect_sll2(struct dissect_ctx *c, struct span s)
{
    dissect_sll_any(c, s, 20, 0, 8);
}

/* The dissectors. */
static const struct dissector_handle sll_handle = {&proto_sll, dissect_sll, NULL};
static const struct dissector_handle sll2_handle = {&proto_sll, dissect_sll2, NULL};

/* Registers the protocol. */
static void sll_register(void)
{
    proto_sll = registry_proto("sll", "Linux cooked-mode capture");
}

/* The two cooked link types. */
static void sll_handoff(void)
{
    ethertype_table = find_dissector_table("ethertype");
    llc_handle = find_dissector("llc");
    registry_table_add("wtap_encap", LINKTYPE_LINUX_SLL, &sll_handle);
    registry_table_add("wtap_encap", LINKTYPE_LINUX_SLL2, &sll2_handle);
}

const struct dissector_module dissector_sll = {sll_register, sll_handoff};
