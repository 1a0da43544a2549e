/* Owns BGP on TCP port 179: its messages framed by the length of their
 * 19-byte header (marker, length, type), one "bgp" node each, as
 * Wireshark shows them (several in a segment nest in the hierarchy). */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"

/* The BGP protocol. */
static int proto_bgp;

/* BGP's framing: the marker and length (18 bytes), then the rest of the
 * length, which counts the whole message. */
static const struct tcp_stream_ops bgp_ops = {.hdr_len = 18, .len_off = 16, .counted = 18};

/* The BGP dissector (over TCP). */
static const struct dissector_handle bgp_handle = {&proto_bgp, NULL, &bgp_ops};

/* Registers BGP. */
static void bgp_register(void)
{
    proto_bgp = registry_proto("bgp", "Border Gateway Protocol");
}

/* BGP on TCP port 179. */
static void bgp_handoff(void)
{
    registry_table_add("tcp.port", 179, &bgp_handle);
}

const struct dissector_module dissector_bgp = {bgp_register, bgp_handoff};
