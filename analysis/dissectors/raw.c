/* Owns the raw IP link type (101): a "raw" node, then IPv4 or IPv6 by
 * the first nibble.  (The raw IPv4 and IPv6 link types go straight to ip
 * and ipv6, which register them.) */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The protocol. */
static int proto_raw;

/* IPv4 and IPv6. */
static const struct dissector_handle *ip_handle, *ipv6_handle;

/* Dissects a raw IP frame. */
static void dissect_raw(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_raw);
    call_dissector(c, s.cap >= 1 && (s.p[0] >> 4) == 6 ? ipv6_handle : ip_handle, s);
}

/* The dissector. */
static const struct dissector_handle raw_handle = {&proto_raw, dissect_raw, NULL};

/* Registers the protocol. */
static void raw_register(void)
{
    proto_raw = registry_proto("raw", "Raw packet data");
}

/* The raw IP link type. */
static void raw_handoff(void)
{
    ip_handle = find_dissector("ip");
    ipv6_handle = find_dissector("ipv6");
    registry_table_add("wtap_encap", LINKTYPE_RAW, &raw_handle);
}

const struct dissector_module dissector_raw = {raw_register, raw_handoff};
