/* Owns ICMPv6: errors (destination unreachable, packet too big, time
 * exceeded, parameter problem) quote the offending packet, whose headers
 * Wireshark shows (and so gives fields) without counting them. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The ICMPv6 protocol. */
static int proto_icmpv6;

/* Dissects an ICMPv6 message. */
static void dissect_icmpv6(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_icmpv6);
    if (s.cap < 8 || s.p[0] < 1 || s.p[0] > 4 || c->quoted || !ctx_fields_mode(c))
        return;
    dissect_quoted(c, span_from(s, 8), true);
}

/* The ICMPv6 dissector. */
static const struct dissector_handle icmpv6_handle = {&proto_icmpv6, dissect_icmpv6, NULL};

/* Registers ICMPv6. */
static void icmpv6_register(void)
{
    proto_icmpv6 = registry_proto("icmpv6", "Internet Control Message Protocol v6");
}

/* ICMPv6 on IP protocol 58. */
static void icmpv6_handoff(void)
{
    registry_table_add("ip.proto", 58, &icmpv6_handle);
}

const struct dissector_module dissector_icmpv6 = {icmpv6_register, icmpv6_handoff};
