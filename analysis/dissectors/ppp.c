/* Owns PPP: the protocol field (one byte when compressed, an odd value)
 * and the payload it names through the "ppp.protocol" table.  As a link
 * type and in PPTP's GRE, an address and control field (0xff, then any
 * byte) may come first, as Wireshark's ppp_hdlc dissector reads them;
 * PPPoE sessions carry the protocol field alone. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The PPP protocol. */
static int proto_ppp;

/* Protocols by PPP protocol number. */
static struct dissector_table *protocol_table;

/* Dissects a PPP protocol field and its payload. */
static void dissect_ppp_common(struct dissect_ctx *c, struct span s)
{
    if (!dissect_need(c, s, 1))
        return;
    size_t n = (s.p[0] & 1) ? 1 : 2;
    if (!dissect_need(c, s, n))
        return;
    uint32_t protocol = n == 1 ? s.p[0] : be16(s.p);
    struct span p = span_from(s, n);
    if (p.len > 0)
        dissect_table_or_data(c, protocol_table, protocol, p);
}

/* Dissects PPP without an address and control field. */
static void dissect_ppp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_ppp);
    dissect_ppp_common(c, s);
}

/* Dissects PPP whose frames may start with an address and control field. */
static void dissect_ppp_hdlc(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_ppp);
    if (s.cap >= 1 && s.p[0] == 0xff) {
        if (!dissect_need(c, s, 2))
            return;
        s = span_from(s, 2);
    }
    dissect_ppp_common(c, s);
}

/* The PPP dissectors: bare, and with HDLC-like framing. */
static const struct dissector_handle ppp_handle = {&proto_ppp, dissect_ppp, NULL};
static const struct dissector_handle ppp_hdlc_handle = {&proto_ppp, dissect_ppp_hdlc, NULL};

/* Registers PPP and its protocol table. */
static void ppp_register(void)
{
    proto_ppp = registry_proto("ppp", "Point-to-Point Protocol");
    protocol_table = registry_table_new("ppp.protocol", 16);
    register_dissector("ppp", &ppp_handle);
    register_dissector("ppp_hdlc", &ppp_hdlc_handle);
}

/* PPP as a link type and in PPTP's GRE; IPv4, IPv6 and MPLS in PPP. */
static void ppp_handoff(void)
{
    registry_table_add("wtap_encap", LINKTYPE_PPP, &ppp_hdlc_handle);
    registry_table_add("wtap_encap", LINKTYPE_PPP_HDLC, &ppp_hdlc_handle);
    registry_table_add("gre.proto", 0x880b, &ppp_hdlc_handle);
    registry_table_add("ppp.protocol", 0x0021, find_dissector("ip"));
    registry_table_add("ppp.protocol", 0x0057, find_dissector("ipv6"));
    registry_table_add("ppp.protocol", 0x0281, find_dissector("mpls"));
    registry_table_add("ppp.protocol", 0x0283, find_dissector("mpls"));
}

const struct dissector_module dissector_ppp = {ppp_register, ppp_handoff};
