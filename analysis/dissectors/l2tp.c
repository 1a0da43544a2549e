/* Owns L2TP version 2 on UDP port 1701: the header its flags size
 * (length, sequence numbers, offset), then a data message's PPP frame
 * (with address and control field); control messages show l2tp alone.
 * Fewer than 2 bytes are not L2TP to Wireshark: UDP shows them as data. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The L2TP protocol. */
static int proto_l2tp;

/* PPP with HDLC-like framing. */
static const struct dissector_handle *ppp_hdlc_handle;

/* L2TPv2 header flags. */
enum {
    L2TP_TYPE = 0x8000,   /* A control message. */
    L2TP_LENGTH = 0x4000, /* The length field is present. */
    L2TP_SEQ = 0x0800,    /* Ns and Nr are present. */
    L2TP_OFFSET = 0x0200, /* The offset size field is present. */
};

/* Dissects an L2TP message. */
static void dissect_l2tp(struct dissect_ctx *c, struct span s)
{
    if (s.cap < 2) {
        dissect_data(c, s);
        return;
    }
    ctx_push(c, proto_l2tp);
    uint16_t flags = be16(s.p);
    if ((flags & 0x000f) != 2 || (flags & L2TP_TYPE))
        return;
    size_t hl = 2 + ((flags & L2TP_LENGTH) ? 2 : 0) + 4 + ((flags & L2TP_SEQ) ? 4 : 0);
    if ((flags & L2TP_OFFSET) && dissect_need(c, s, hl + 2))
        hl += 2 + be16(s.p + hl);
    if (!dissect_need(c, s, hl))
        return;
    struct span p = span_from(s, hl);
    if (p.len > 0)
        call_dissector(c, ppp_hdlc_handle, p);
}

/* The L2TP dissector. */
static const struct dissector_handle l2tp_handle = {&proto_l2tp, dissect_l2tp, NULL};

/* Registers L2TP. */
static void l2tp_register(void)
{
    proto_l2tp = registry_proto("l2tp", "Layer 2 Tunneling Protocol");
}

/* L2TP on UDP port 1701. */
static void l2tp_handoff(void)
{
    ppp_hdlc_handle = find_dissector("ppp_hdlc");
    registry_table_add("udp.port", 1701, &l2tp_handle);
}

const struct dissector_module dissector_l2tp = {l2tp_register, l2tp_handoff};
