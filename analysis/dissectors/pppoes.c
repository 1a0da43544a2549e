/* Owns PPPoE's session stage: a 6-byte header (version and type, code,
 * session id, payload length), then PPP without address and control. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The PPPoE session protocol. */
static int proto_pppoes;

/* PPP, for the payload. */
static const struct dissector_handle *ppp_handle;

/* Dissects a PPPoE session header and the PPP frame it carries (as long
 * as its payload length says, when the frame is longer). */
static void dissect_pppoes(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_pppoes);
    if (!dissect_need(c, s, 6))
        return;
    struct span p = span_from(s, 6);
    uint16_t len = be16(s.p + 4);
    if (len < p.len)
        p = span_trim(p, len);
    if (p.len > 0)
        call_dissector(c, ppp_handle, p);
}

/* The PPPoE session dissector. */
static const struct dissector_handle pppoes_handle = {&proto_pppoes, dissect_pppoes, NULL};

/* Registers the PPPoE session protocol. */
static void pppoes_register(void)
{
    proto_pppoes = registry_proto("pppoes", "PPP-over-Ethernet Session");
}

/* PPPoE sessions on their EtherType. */
static void pppoes_handoff(void)
{
    ppp_handle = find_dissector("ppp");
    registry_table_add("ethertype", 0x8864, &pppoes_handle);
}

const struct dissector_module dissector_pppoes = {pppoes_register, pppoes_handoff};
