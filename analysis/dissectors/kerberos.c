/* Owns Kerberos on port 88: a message per UDP datagram, and over TCP
 * messages framed by their 4-byte record mark (RFC 4120 7.2.2), one
 * "kerberos" node each. */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"

/* The Kerberos protocol. */
static int proto_kerberos;

/* Kerberos' framing over TCP: the record mark (a 31-bit length, its low
 * 16 bits read), then that many bytes. */
static const struct tcp_stream_ops kerberos_ops = {.hdr_len = 4, .len_off = 2, .counted = 0};

/* The Kerberos dissectors: over UDP (a node) and over TCP (framed). */
static const struct dissector_handle kerberos_udp_handle = {&proto_kerberos, NULL, NULL};
static const struct dissector_handle kerberos_tcp_handle = {&proto_kerberos, NULL, &kerberos_ops};

/* Registers Kerberos. */
static void kerberos_register(void)
{
    proto_kerberos = registry_proto("kerberos", "Kerberos");
}

/* Kerberos on UDP and TCP port 88. */
static void kerberos_handoff(void)
{
    registry_table_add("udp.port", 88, &kerberos_udp_handle);
    registry_table_add("tcp.port", 88, &kerberos_tcp_handle);
}

const struct dissector_module dissector_kerberos = {kerberos_register, kerberos_handoff};
