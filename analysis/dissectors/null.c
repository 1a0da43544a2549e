/* Owns BSD loopback frames: a 4-byte address family in either byte order. */
#include "dissect_internal.h"
#include "dissectors/list.h"

#include <string.h>

/* The protocol. */
static int proto_null;

/* IPv4 and IPv6. */
static const struct dissector_handle *ip_handle, *ipv6_handle;

/* Dissects a BSD loopback frame. */
static void dissect_null(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_null);
    if (!dissect_need(c, s, 4))
        return;
    uint32_t fam;
    memcpy(&fam, s.p, 4);
    if ((fam & 0xffff0000u) != 0)
        fam = __builtin_bswap32(fam);
    struct span p = span_from(s, 4);
    if (fam == 2)
        call_dissector(c, ip_handle, p);
    else if (fam == 24 || fam == 28 || fam == 30)
        call_dissector(c, ipv6_handle, p);
    else
        dissect_data(c, p);
}

/* The dissector. */
static const struct dissector_handle null_handle = {&proto_null, dissect_null, NULL};

/* Registers the protocol. */
static void null_register(void)
{
    proto_null = registry_proto("null", "Null/Loopback");
}

/* The loopback link type. */
static void null_handoff(void)
{
    ip_handle = find_dissector("ip");
    ipv6_handle = find_dissector("ipv6");
    registry_table_add("wtap_encap", LINKTYPE_NULL, &null_handle);
}

const struct dissector_module dissector_null = {null_register, null_handoff};
