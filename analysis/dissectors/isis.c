/* Owns OSI's network layer dispatch and IS-IS: LLC SAP 0xfe (and GRE
 * and PPP's OSI numbers) lead to the "osi" dispatcher, which Wireshark
 * lists in frame.protocols but not in the hierarchy; its first byte (the
 * NLPID) 0x83 is IS-IS, shown with the node of its PDU's kind (hello,
 * LSP, CSNP, PSNP) as Wireshark registers those. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The OSI dispatcher, IS-IS and its PDU kinds. */
static int proto_osi, proto_isis, proto_hello, proto_lsp, proto_csnp, proto_psnp;

/* The NLPID of IS-IS. */
#define NLPID_ISIS 0x83

/* Returns the node of an IS-IS PDU type (the low 5 bits of its type byte), or 0. */
static int isis_pdu_node(uint8_t type)
{
    switch (type & 0x1f) {
    case 15: /* LAN hello, level 1. */
    case 16: /* LAN hello, level 2. */
    case 17: /* Point-to-point hello. */
        return proto_hello;
    case 18: /* LSP, level 1. */
    case 20: /* LSP, level 2. */
        return proto_lsp;
    case 24: /* CSNP, level 1. */
    case 25: /* CSNP, level 2. */
        return proto_csnp;
    case 26: /* PSNP, level 1. */
    case 27: /* PSNP, level 2. */
        return proto_psnp;
    default:
        return 0;
    }
}

/* Dissects an IS-IS PDU: its header (8 bytes), then its kind's node. */
static void dissect_isis(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_isis);
    if (!dissect_need(c, s, 8))
        return;
    int node = isis_pdu_node(s.p[4]);
    if (node)
        ctx_push(c, node);
}

/* Dissects an OSI network layer PDU by its NLPID (only IS-IS so far). */
static void dissect_osi(struct dissect_ctx *c, struct span s)
{
    ctx_layer(c, proto_osi);
    if (s.cap >= 1 && s.p[0] == NLPID_ISIS)
        dissect_isis(c, s);
    else
        dissect_data(c, s);
}

/* The OSI dispatcher (its node is a layer only: no handle protocol is pushed). */
static const struct dissector_handle osi_handle = {&proto_osi, dissect_osi, NULL};

/* Registers the OSI dispatcher, IS-IS and its PDU kinds. */
static void isis_register(void)
{
    proto_osi = registry_proto("osi", "OSI");
    proto_isis = registry_proto(
        "isis", "ISO 10589 ISIS InTRA Domain Routeing Information Exchange Protocol");
    proto_hello = registry_proto("isis.hello", "ISIS HELLO");
    proto_lsp = registry_proto("isis.lsp", "ISO 10589 ISIS Link State Protocol Data Unit");
    proto_csnp =
        registry_proto("isis.csnp", "ISO 10589 ISIS Complete Sequence Numbers Protocol Data Unit");
    proto_psnp =
        registry_proto("isis.psnp", "ISO 10589 ISIS Partial Sequence Numbers Protocol Data Unit");
}

/* OSI on LLC SAP 0xfe, GRE's and PPP's OSI numbers. */
static void isis_handoff(void)
{
    registry_table_add("llc.dsap", 0xfe, &osi_handle);
    registry_table_add("gre.proto", 0x00fe, &osi_handle);
    registry_table_add("ppp.protocol", 0x0023, &osi_handle);
}

const struct dissector_module dissector_isis = {isis_register, isis_handoff};
