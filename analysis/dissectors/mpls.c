/* Owns MPLS label stacks: one "mpls" node per label, as Wireshark shows
 * them, and the payload after the bottom label by its first nibble. */
#include "dissect_internal.h"
#include "dissectors/ip.h"
#include "dissectors/list.h"

/* The MPLS protocol. */
static int proto_mpls;

/* Dissects an MPLS label stack and its payload. */
static void dissect_mpls(struct dissect_ctx *c, struct span s)
{
    for (bool first = true;; first = false) {
        if (first)
            ctx_push(c, proto_mpls);
        else
            ctx_push_node(c, proto_mpls); /* One dissector call for the whole stack. */
        if (!dissect_need(c, s, 4))
            return;
        bool bottom = (s.p[2] & 1) != 0;
        s = span_from(s, 4);
        if (bottom)
            break;
    }
    ip_dissect_by_version(c, s);
}

/* The MPLS dissector. */
static const struct dissector_handle mpls_handle = {&proto_mpls, dissect_mpls, NULL};

/* Registers MPLS. */
static void mpls_register(void)
{
    proto_mpls = registry_proto("mpls", "MultiProtocol Label Switching Header");
    register_dissector("mpls", &mpls_handle);
}

/* MPLS on its unicast and multicast EtherTypes, over UDP and in IP. */
static void mpls_handoff(void)
{
    registry_table_add("ethertype", 0x8847, &mpls_handle);
    registry_table_add("ethertype", 0x8848, &mpls_handle);
    registry_table_add("udp.port", 6635, &mpls_handle); /* MPLS over UDP (RFC 7510). */
    registry_table_add("ip.proto", 137, &mpls_handle);  /* MPLS in IP (RFC 4023). */
}

const struct dissector_module dissector_mpls = {mpls_register, mpls_handoff};
