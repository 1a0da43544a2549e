/* Owns 802.2 LLC (in 802.3 length frames and Linux cooked captures):
 * protocols by their SAP (the "llc.dsap" table: spanning tree, OSI), SNAP
 * with an EtherType or with Cisco's or Nortel's OUI and a protocol of
 * theirs ("llc.cisco_pid", "llc.nortel_pid"), and anything else as data. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The LLC protocol. */
static int proto_llc;

/* Protocols by DSAP (spanning tree on 0x42). */
static struct dissector_table *dsap_table;

/* The EtherType table, for SNAP. */
static const struct dissector_table *ethertype_table;

/* Protocols of Cisco's and Nortel's OUIs in SNAP headers. */
static struct dissector_table *cisco_pid_table, *nortel_pid_table;

/* Dissects what a SNAP header (5 bytes at p: OUI, protocol) announces. */
static void dissect_snap(struct dissect_ctx *c, const uint8_t *p, struct span payload)
{
    uint32_t oui = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    if (oui == 0)
        dissect_table_or_data(c, ethertype_table, be16(p + 3), payload);
    else if (oui == 0x00000c)
        dissect_table_or_data(c, cisco_pid_table, be16(p + 3), payload);
    else if (oui == 0x000081)
        dissect_table_or_data(c, nortel_pid_table, be16(p + 3), payload);
    else
        dissect_data(c, payload);
}

/* Dissects an 802.2 LLC payload. */
static void dissect_llc(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_llc);
    if (!dissect_need(c, s, 3))
        return;
    const struct dissector_handle *h;
    if (s.p[0] == s.p[1] && (h = dissector_table_get(dsap_table, s.p[0])) != NULL) {
        call_dissector(c, h, span_from(s, 3));
    } else if (s.p[0] == 0xaa && s.p[1] == 0xaa && s.p[2] == 0x03) {
        if (!dissect_need(c, s, 8))
            return;
        dissect_snap(c, s.p + 3, span_from(s, 8));
    } else {
        dissect_data(c, span_from(s, 3));
    }
}

/* The LLC dissector. */
static const struct dissector_handle llc_handle = {&proto_llc, dissect_llc, NULL};

/* Registers LLC and its DSAP and SNAP protocol tables. */
static void llc_register(void)
{
    proto_llc = registry_proto("llc", "Logical-Link Control");
    dsap_table = registry_table_new("llc.dsap", 8);
    cisco_pid_table = registry_table_new("llc.cisco_pid", 16);
    nortel_pid_table = registry_table_new("llc.nortel_pid", 16);
    register_dissector("llc", &llc_handle);
}

/* Finds the EtherType table for SNAP. */
static void llc_handoff(void)
{
    ethertype_table = find_dissector_table("ethertype");
}

const struct dissector_module dissector_llc = {llc_register, llc_handoff};
