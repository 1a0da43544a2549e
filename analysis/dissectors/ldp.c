/* Owns LDP, the Label Distribution Protocol, on port 646: discovery
 * hellos over UDP, sessions over TCP framed by the length of each PDU's
 * 4-byte header (version, length of the rest), one "ldp" node each. */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"

/* The LDP protocol. */
static int proto_ldp;

/* LDP's framing over TCP: its version and length, then that many bytes. */
static const struct tcp_stream_ops ldp_ops = {.hdr_len = 4, .len_off = 2, .counted = 0};

/* The LDP dissectors: over UDP (a node) and over TCP (framed). */
static const struct dissector_handle ldp_udp_handle = {&proto_ldp, NULL, NULL};
static const struct dissector_handle ldp_tcp_handle = {&proto_ldp, NULL, &ldp_ops};

/* Registers LDP. */
static void ldp_register(void)
{
    proto_ldp = registry_proto("ldp", "Label Distribution Protocol");
}

/* LDP on UDP and TCP port 646. */
static void ldp_handoff(void)
{
    registry_table_add("udp.port", 646, &ldp_udp_handle);
    registry_table_add("tcp.port", 646, &ldp_tcp_handle);
}

const struct dissector_module dissector_ldp = {ldp_register, ldp_handoff};
