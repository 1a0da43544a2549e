/* Owns SIP on port 5060 (UDP; TCP messages show sip without framing):
 * its node, and the SDP body a Content-Type of application/sdp announces,
 * which Wireshark dissects inside SIP's tree (a layer of frame.protocols,
 * no node of the hierarchy). */
#include "dissect_internal.h"
#include "dissectors/list.h"

#include <strings.h>

/* SIP and SDP. */
static int proto_sip, proto_sdp;

/* Returns true when the header line of n bytes at p is a Content-Type
 * (or its compact form "c") of application/sdp. */
static bool sip_sdp_type(const uint8_t *p, size_t n)
{
    size_t name = 0;
    while (name < n && p[name] != ':')
        name++;
    bool full = name >= 12 && strncasecmp((const char *)p, "Content-Type", 12) == 0;
    bool compact =
        name >= 1 && (p[0] == 'c' || p[0] == 'C') && (name == 1 || p[1] == ' ' || p[1] == '\t');
    if ((!full && !compact) || name == n)
        return false;
    size_t v = name + 1;
    while (v < n && (p[v] == ' ' || p[v] == '\t'))
        v++;
    return n - v >= 15 && strncasecmp((const char *)p + v, "application/sdp", 15) == 0;
}

/* Returns true when a SIP message of n bytes at p has an SDP body. */
static bool sip_has_sdp(const uint8_t *p, size_t n)
{
    bool sdp = false;
    size_t line = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != '\r' || p[i + 1] != '\n')
            continue;
        if (i == line) /* The empty line: the body follows. */
            return sdp && i + 2 < n;
        sdp = sdp || sip_sdp_type(p + line, i - line);
        line = i + 2;
        i++;
    }
    return false;
}

/* Dissects a SIP message. */
static void dissect_sip(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_sip);
    if (c->want_layers && sip_has_sdp(s.p, s.cap))
        ctx_layer(c, proto_sdp);
}

/* The SIP dissector. */
static const struct dissector_handle sip_handle = {&proto_sip, dissect_sip, NULL};

/* Registers SIP and SDP. */
static void sip_register(void)
{
    proto_sip = registry_proto("sip", "Session Initiation Protocol");
    proto_sdp = registry_proto("sdp", "Session Description Protocol");
}

/* SIP on UDP and TCP port 5060. */
static void sip_handoff(void)
{
    registry_table_add("udp.port", 5060, &sip_handle);
    registry_table_add("tcp.port", 5060, &sip_handle);
}

const struct dissector_module dissector_sip = {sip_register, sip_handoff};
