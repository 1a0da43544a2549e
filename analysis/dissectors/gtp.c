/* Owns GTP, the GPRS tunnelling protocol, on UDP ports 2152 (user plane)
 * and 2123 (control plane): version 1 headers with their optional fields
 * and extension headers, a T-PDU's IPv4 or IPv6 packet by its version
 * nibble, and version 2 (control) messages as "gtpv2". */
#include "dissect_internal.h"
#include "dissectors/ip.h"
#include "dissectors/list.h"

/* GTP and GTPv2. */
static int proto_gtp, proto_gtpv2;

/* GTPv1's message type of a tunnelled packet. */
#define GTP_TPDU 0xff

/* Returns the length of a version 1 header with its optional fields and
 * extension headers, or 0 when the packet is too short for it (s.cap >= 8). */
static size_t gtp_header_len(struct span s)
{
    size_t hl = 8;
    if (!(s.p[0] & 0x07))
        return hl;
    hl += 4; /* Sequence number, N-PDU number and next extension type. */
    if (s.cap < hl)
        return 0;
    uint8_t next = s.p[hl - 1];
    while (next != 0) {
        if (s.cap < hl + 1 || s.p[hl] == 0)
            return 0;
        hl += (size_t)s.p[hl] * 4;
        if (s.cap < hl)
            return 0;
        next = s.p[hl - 1];
    }
    return hl;
}

/* Dissects a GTP message. */
static void dissect_gtp(struct dissect_ctx *c, struct span s)
{
    if (s.cap >= 1 && (s.p[0] >> 5) == 2) {
        ctx_push(c, proto_gtpv2);
        return;
    }
    ctx_push(c, proto_gtp);
    if (!dissect_need(c, s, 8) || (s.p[0] >> 5) != 1 || s.p[1] != GTP_TPDU)
        return;
    size_t hl = gtp_header_len(s);
    if (hl == 0) {
        dissect_need(c, s, s.len + 1); /* Cut: short or malformed, as Wireshark says. */
        return;
    }
    ip_dissect_by_version(c, span_from(s, hl));
}

/* The GTP dissector. */
static const struct dissector_handle gtp_handle = {&proto_gtp, dissect_gtp, NULL};

/* Registers GTP and GTPv2. */
static void gtp_register(void)
{
    proto_gtp = registry_proto("gtp", "GPRS Tunneling Protocol");
    proto_gtpv2 = registry_proto("gtpv2", "GPRS Tunneling Protocol V2");
}

/* GTP on its user and control plane ports. */
static void gtp_handoff(void)
{
    registry_table_add("udp.port", 2152, &gtp_handle);
    registry_table_add("udp.port", 2123, &gtp_handle);
}

const struct dissector_module dissector_gtp = {gtp_register, gtp_handoff};
