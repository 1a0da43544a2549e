/* Owns Cisco MetaData (the TrustSec security group tag) on its EtherType
 * and in GRE: an 8-byte header (version, length, option, tag) with the
 * EtherType of what follows in its last two bytes, or in GRE its first two. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The Cisco MetaData protocol. */
static int proto_cmd;

/* The EtherType table, for the payload. */
static const struct dissector_table *ethertype_table;

/* Dissects a Cisco MetaData header whose payload's EtherType is at
 * offset type_off, and its payload. */
static void dissect_cmd_at(struct dissect_ctx *c, struct span s, size_t type_off)
{
    ctx_push(c, proto_cmd);
    if (!dissect_need(c, s, 8))
        return;
    struct span p = span_from(s, 8);
    if (p.len > 0)
        dissect_table_or_data(c, ethertype_table, be16(s.p + type_off), p);
}

/* Dissects Cisco MetaData on its EtherType. */
static void dissect_cmd(struct dissect_ctx *c, struct span s)
{
    dissect_cmd_at(c, s, 6);
}

/* Dissects Cisco MetaData in GRE. */
static void dissect_cmd_gre(struct dissect_ctx *c, struct span s)
{
    dissect_cmd_at(c, s, 0);
}

/* The Cisco MetaData dissectors. */
static const struct dissector_handle cmd_handle = {&proto_cmd, dissect_cmd, NULL};
static const struct dissector_handle cmd_gre_handle = {&proto_cmd, dissect_cmd_gre, NULL};

/* Registers Cisco MetaData. */
static void cmd_register(void)
{
    proto_cmd = registry_proto("cmd", "Cisco MetaData");
}

/* Cisco MetaData on its EtherType, directly and in GRE. */
static void cmd_handoff(void)
{
    ethertype_table = find_dissector_table("ethertype");
    registry_table_add("ethertype", 0x8909, &cmd_handle);
    registry_table_add("gre.proto", 0x8909, &cmd_gre_handle);
}

const struct dissector_module dissector_cmd = {cmd_register, cmd_handoff};
