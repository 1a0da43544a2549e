/* The application-layer field dissectors: DNS and mDNS messages (over UDP
 * and TCP, with Wireshark's query/response matching), the request line
 * and Host header of HTTP messages, and the DHCP host name option.  They
 * record fields only when a query wants them, so the summary pass skips them. */
#ifndef PCAPD_ANALYSIS_APP_FIELDS_H
#define PCAPD_ANALYSIS_APP_FIELDS_H

#include "dissect_internal.h"

/* Dissects a DNS or mDNS message carried in one UDP datagram (s is the UDP payload). */
void dns_dissect_udp(struct dissect_ctx *c, struct span s);

/* Returns true when TCP framing must keep the bytes of DNS messages
 * (msg_len bytes after the 2-byte length) for dns_dissect_tcp. */
bool dns_wants_messages(const struct dissect_ctx *c);

/* Dissects one DNS message of len bytes (without its 2-byte length
 * prefix), cap of them present, that completed in this frame on the
 * current TCP stream. */
void dns_dissect_tcp(struct dissect_ctx *c, const uint8_t *msg, size_t cap, size_t len);

/* Returns true when the fields wanted in ff need DNS query/response
 * matching, which (as tshark -2) takes a first pass over the capture. */
bool dns_needs_first_pass(const struct frame_fields *ff);

/* Moves the DNS matching a first pass learned to the second pass's dissector. */
void dns_take_first_pass(struct dissector *second, struct dissector *first);

/* Frees the DNS matching state of d. */
void dns_state_free(struct dissector *d);

/* Records the fields of an HTTP message whose header block (start line to
 * the blank line) is the len bytes at hdr: the request line's method and
 * URI, and the Host header. */
void http_message_fields(struct dissect_ctx *c, const uint8_t *hdr, size_t len);

/* Records the fields of a DHCP/BOOTP message (s is the UDP payload): the host name option. */
void dhcp_dissect_fields(struct dissect_ctx *c, struct span s);

/* Dissects the fields of the UDP application app (DNS, mDNS or DHCP) in payload s. */
static inline void app_fields_udp(struct dissect_ctx *c, enum proto_id app, struct span s)
{
    if (app == PROTO_DNS || app == PROTO_MDNS)
        dns_dissect_udp(c, s);
    else if (app == PROTO_DHCP)
        dhcp_dissect_fields(c, s);
}

#endif
