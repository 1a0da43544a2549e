/* Owns Linux NFLOG messages: finds the payload TLV and dissects it as IP.
 * tshark 4.0 shows no top-level "nflog" node, so none is pushed. */
#include "dissect_internal.h"
#include "dissectors/list.h"

#include <string.h>

/* The protocol (registered for its name; never pushed). */
static int proto_nflog;

/* IPv4 and IPv6. */
static const struct dissector_handle *ip_handle, *ipv6_handle;

/* Dissects an NFLOG message. */
static void dissect_nflog(struct dissect_ctx *c, struct span s)
{
    if (!dissect_need(c, s, 4))
        return;
    uint8_t family = s.p[0];
    size_t off = 4;
    while (off + 4 <= s.cap) {
        uint16_t tlen, type;
        memcpy(&tlen, s.p + off, 2);
        memcpy(&type, s.p + off + 2, 2);
        if (tlen < 4 || off + tlen > s.len)
            return;
        if ((type & 0x7fff) == 9) {
            struct span p = span_trim(span_from(s, off + 4), tlen - 4u);
            if (family == 2)
                call_dissector(c, ip_handle, p);
            else if (family == 10)
                call_dissector(c, ipv6_handle, p);
            else
                dissect_data(c, p);
            return;
        }
        off += ((size_t)tlen + 3) & ~(size_t)3;
    }
}

/* The dissector. */
static const struct dissector_handle nflog_handle = {&proto_nflog, dissect_nflog, NULL};

/* Registers the protocol. */
static void nflog_register(void)
{
    proto_nflog = registry_proto("nflog", "Linux Netfilter NFLOG");
}

/* The NFLOG link type. */
static void nflog_handoff(void)
{
    ip_handle = find_dissector("ip");
    ipv6_handle = find_dissector("ipv6");
    registry_table_add("wtap_encap", LINKTYPE_NFLOG, &nflog_handle);
}

const struct dissector_module dissector_nflog = {nflog_register, nflog_handoff};
