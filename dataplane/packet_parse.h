/*
 * Header parsing for the fast path: from the first bytes of a frame to the
 * five-tuple a capture filter looks at.  Pure C over a byte buffer, no DPDK,
 * so that unit tests and fuzzers can drive it directly.
 */
#ifndef PCAPD_PACKET_PARSE_H
#define PCAPD_PACKET_PARSE_H

#include <stdint.h>

/* How far parsing got. */
enum pkt_parse_status {
    /* An IP packet; family, protocol and addresses are set. */
    PKT_PARSE_IP = 0,
    /* A well-formed frame that does not carry IPv4 or IPv6. */
    PKT_PARSE_NOT_IP = 1,
    /* The frame ends inside the Ethernet, VLAN or IP header. */
    PKT_PARSE_TRUNCATED = 2,
    /* The IP header is malformed (bad version or header length). */
    PKT_PARSE_MALFORMED = 3,
};

/* The five-tuple of a frame, and where its headers are. */
struct pkt_meta {
    /* PCAPD_FAMILY_IPV4, PCAPD_FAMILY_IPV6, or 0 when not IP. */
    uint8_t family;
    /* Transport protocol: the IPv4 protocol field, or the IPv6 next header
     * after the extension headers. */
    uint8_t proto;
    /* 1 when sport and dport hold the transport ports. */
    uint8_t has_ports;
    /* 1 when the packet is a fragment other than the first. */
    uint8_t later_fragment;
    /* Number of 802.1Q / 802.1ad tags crossed. */
    uint8_t vlan_tags;
    /* Transport ports in host byte order, valid when has_ports is 1. */
    uint16_t sport;
    uint16_t dport;
    /* Offsets of the IP header and of the transport header in the frame. */
    uint16_t l3_offset;
    uint16_t l4_offset;
    /* Source and destination addresses in network byte order; IPv4 uses the
     * first 4 bytes. */
    uint8_t src[16];
    uint8_t dst[16];
};

/* Parses the Ethernet frame of `len` bytes at `frame` into `meta`.  Crosses
 * any number of 802.1Q/802.1ad/QinQ tags, IPv4 options and IPv6 extension
 * headers.  Ports are read for TCP, UDP, UDP-Lite and SCTP when the packet is
 * not a later fragment and the frame holds them. */
enum pkt_parse_status pkt_parse_ethernet(const uint8_t *frame, uint32_t len, struct pkt_meta *meta);

#endif /* PCAPD_PACKET_PARSE_H */
