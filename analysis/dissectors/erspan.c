/* Owns ERSPAN, Cisco's remote port mirroring over GRE: type I (protocol
 * 0x88be without a GRE sequence number) has no header of its own, type
 * II (0x88be) an 8-byte one, type III (0x22eb) 12 bytes and an optional
 * 8-byte platform subheader; the mirrored Ethernet frame follows. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The ERSPAN protocol. */
static int proto_erspan;

/* Ethernet, for the mirrored frame. */
static const struct dissector_handle *eth_handle;

/* GRE's sequence number flag, in the flags GRE passes. */
#define GRE_SEQUENCE 0x1000

/* Dissects an ERSPAN header of type II or III (by its version) and the frame after it. */
static void dissect_erspan(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_erspan);
    size_t hl = 0;
    if (c->data & GRE_SEQUENCE) {
        if (!dissect_need(c, s, 8))
            return;
        unsigned version = s.p[0] >> 4;
        hl = version == 2 ? 12 : 8;
        if (version == 2 && (!dissect_need(c, s, 12) || (s.p[11] & 1)))
            hl += 8; /* The platform-specific subheader. */
        if (!dissect_need(c, s, hl))
            return;
    }
    if (s.len > hl)
        call_dissector(c, eth_handle, span_from(s, hl));
}

/* The ERSPAN dissector. */
static const struct dissector_handle erspan_handle = {&proto_erspan, dissect_erspan, NULL};

/* Registers ERSPAN. */
static void erspan_register(void)
{
    proto_erspan = registry_proto("erspan", "Encapsulated Remote Switch Packet ANalysis");
}

/* ERSPAN on its GRE protocol types (types I and II, type III). */
static void erspan_handoff(void)
{
    eth_handle = find_dissector("eth");
    registry_table_add("gre.proto", 0x88be, &erspan_handle);
    registry_table_add("gre.proto", 0x22eb, &erspan_handle);
}

const struct dissector_module dissector_erspan = {erspan_register, erspan_handoff};
