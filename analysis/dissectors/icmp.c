/* Owns ICMP.  Error messages quote an IP header that tshark neither
 * counts nor shows at the top level (its fields are recorded); an RFC
 * 4884 length that overruns the message makes Wireshark call the packet
 * malformed. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The ICMP protocol. */
static int proto_icmp;

/* Dissects an ICMP message. */
static void dissect_icmp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_icmp);
    if (!dissect_need(c, s, s.len < 8 ? s.len : 8))
        return;
    if (s.len < 8)
        return;
    uint8_t type = s.p[0];
    size_t words = type == 12 ? s.p[4] : s.p[5];
    if ((type == 3 || type == 4 || type == 5 || type == 11 || type == 12) && !c->quoted &&
        ctx_fields_mode(c))
        dissect_quoted(c, span_from(s, 8), false);
    if ((type == 3 || type == 11 || type == 12) && words > 0 && 8 + words * 4 > s.len)
        ctx_push(c, proto_malformed);
}

/* The ICMP dissector. */
static const struct dissector_handle icmp_handle = {&proto_icmp, dissect_icmp, NULL};

/* Registers ICMP. */
static void icmp_register(void)
{
    proto_icmp = registry_proto("icmp", "Internet Control Message Protocol");
}

/* ICMP on IP protocol 1. */
static void icmp_handoff(void)
{
    registry_table_add("ip.proto", 1, &icmp_handle);
}

const struct dissector_module dissector_icmp = {icmp_register, icmp_handoff};
