/* Owns the NetBIOS datagram service on UDP port 138: a direct or
 * broadcast datagram's header (14 bytes) and two encoded names, then its
 * user data, as data (SMB's mailslots are not dissected yet); other
 * message types show nbdgm alone. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The NetBIOS datagram service. */
static int proto_nbdgm;

/* Skips an encoded NetBIOS name (length-prefixed labels up to a zero) at
 * *off of s; returns false when it runs past the captured bytes. */
static bool nbdgm_skip_name(struct span s, size_t *off)
{
    while (*off < s.cap) {
        uint8_t l = s.p[(*off)++];
        if (l == 0)
            return true;
        *off += l;
    }
    return false;
}

/* Dissects a NetBIOS datagram. */
static void dissect_nbdgm(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_nbdgm);
    size_t off = 14;
    if (s.cap < off || s.p[0] < 0x10 || s.p[0] > 0x12)
        return; /* Not a datagram carrying user data. */
    if (nbdgm_skip_name(s, &off) && nbdgm_skip_name(s, &off))
        dissect_data(c, span_from(s, off));
}

/* The NetBIOS datagram service dissector. */
static const struct dissector_handle nbdgm_handle = {&proto_nbdgm, dissect_nbdgm, NULL};

/* Registers the NetBIOS datagram service. */
static void nbdgm_register(void)
{
    proto_nbdgm = registry_proto("nbdgm", "NetBIOS Datagram Service");
}

/* The NetBIOS datagram service on UDP port 138. */
static void nbdgm_handoff(void)
{
    registry_table_add("udp.port", 138, &nbdgm_handle);
}

const struct dissector_module dissector_nbdgm = {nbdgm_register, nbdgm_handoff};
