/*
 * Header parsing for the fast path: from the first bytes of a frame to the
 * five-tuple a capture filter looks at.  Pure C over a byte buffer, no DPDK,
 * so that unit tests and fuzzers can drive it directly.
 *
 * Ethernet, 802.1Q/802.1ad tags, IPv4 with options and fragments, IPv6 with
 * extension headers and fragments, and the ports of TCP, UDP, UDP-Lite and
 * SCTP.  Every read is bounds-checked against the frame length; a short
 * frame is reported, never over-read.
 *
 * The parser is inline (pkt_parse_frame()), so that the rx lcore parses a
 * burst without a call per packet, and writes its result where the
 * classifier reads it: the first 40 bytes of struct pkt_meta are the
 * classifier's hashed key (see struct classifier_hkey), so a packet is
 * hashed and compared where it was parsed, without building a key.
 */
#ifndef PCAPD_PACKET_PARSE_H
#define PCAPD_PACKET_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pcapd/filter.h"

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

/* 64-bit words of struct pkt_meta that form the classifier's key. */
#define PKT_KEY_WORDS 5

/* The five-tuple of a frame, and where its headers are. */
struct pkt_meta {
    union {
        /* The fields below as the classifier reads them: word 0 holds
         * bytes 0-7 (protocol, has_ports, sport, dport in host order,
         * family, later_fragment), words 1-4 the addresses. */
        uint64_t key[PKT_KEY_WORDS];
        struct {
            /* Transport protocol: the IPv4 protocol field, or the IPv6
             * next header after the extension headers. */
            uint8_t proto;
            /* 1 when sport and dport hold the transport ports. */
            uint8_t has_ports;
            /* Transport ports in host byte order; 0 without ports. */
            uint16_t sport;
            uint16_t dport;
            /* PCAPD_FAMILY_IPV4, PCAPD_FAMILY_IPV6, or 0 when not IP. */
            uint8_t family;
            /* 1 when the packet is a fragment other than the first. */
            uint8_t later_fragment;
            /* Source and destination addresses in network byte order.  An
             * IPv4 packet's take the first 4 bytes of each, and src[4..7]
             * holds the destination again, so that key word 1 is both
             * addresses (the classifier's IPv4 address word). */
            uint8_t src[16];
            uint8_t dst[16];
        };
    };
    /* Offsets of the IP header and of the transport header in the frame. */
    uint16_t l3_offset;
    uint16_t l4_offset;
    /* Number of 802.1Q / 802.1ad tags crossed. */
    uint8_t vlan_tags;
};

_Static_assert(offsetof(struct pkt_meta, src) == 8 && offsetof(struct pkt_meta, dst) == 24,
               "the addresses are key words 1-4");

#define PKT_ETHERTYPE_IPV4 0x0800
#define PKT_ETHERTYPE_IPV6 0x86dd
#define PKT_ETHERTYPE_VLAN 0x8100
#define PKT_ETHERTYPE_QINQ 0x88a8
#define PKT_ETHERTYPE_QINQ_OLD 0x9100

/* Reads a big-endian 16-bit value. */
static inline uint16_t pkt_read_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* Tells whether `proto` carries 16-bit source and destination ports first:
 * TCP (6), UDP (17), SCTP (132), UDP-Lite (136).  A bit map, so the answer
 * costs no branch. */
static inline unsigned pkt_proto_has_ports(uint8_t proto)
{
    static const uint64_t map[4] = {UINT64_C(1) << 6 | UINT64_C(1) << 17, 0,
                                    UINT64_C(1) << (132 - 128) | UINT64_C(1) << (136 - 128), 0};
    return (unsigned)(map[proto >> 6] >> (proto & 63)) & 1;
}

/* Key word 0 of an IP packet of family `family` and protocol `proto` that
 * is a later fragment or not (`later`), whose transport header starts with
 * the 4 bytes at `l4` when `l4` is not NULL: the ports are in it when the
 * protocol has them and the packet is not a later fragment. */
static inline uint64_t pkt_word0(uint8_t family, uint8_t proto, unsigned later, const uint8_t *l4)
{
    uint64_t w = (uint64_t)proto | (uint64_t)family << 48 | (uint64_t)later << 56;
    if (l4 != NULL && !later && pkt_proto_has_ports(proto))
        w |= UINT64_C(1) << 8 | (uint64_t)pkt_read_be16(l4) << 16 |
             (uint64_t)pkt_read_be16(l4 + 2) << 32;
    return w;
}

/* Parses any Ethernet frame the inline fast path leaves to it (QinQ and
 * stacked tags, IPv4 options, IPv6 extension headers, short frames), as
 * pkt_parse_frame() says (packet_parse.c). */
enum pkt_parse_status pkt_parse_general(const uint8_t *frame, uint32_t len, struct pkt_meta *meta);

/* Key word 0 of an untagged IPv4 packet without options, or an IPv6 one
 * whose transport header follows the fixed one, in a frame that holds
 * the first 4 bytes of its transport header at `l4`: without a branch, as
 * the mix of protocols, ports and fragments is not predictable. */
static inline uint64_t pkt_word0_fast(uint8_t family, uint8_t proto, unsigned later,
                                      const uint8_t *l4)
{
    uint64_t has = pkt_proto_has_ports(proto) & (later ^ 1);
    uint32_t raw;
    memcpy(&raw, l4, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Bytes: source port, destination port, each big-endian.  Swapped
     * whole, then the halves exchanged: the source port in host order in
     * the low half, the destination's in the high one. */
    uint32_t v = __builtin_bswap32(raw);
    uint64_t ports = (uint64_t)((v << 16) | (v >> 16)) << 16;
#else
    uint64_t ports = (uint64_t)(__builtin_bswap16((uint16_t)(raw >> 16)) |
                                (uint32_t)__builtin_bswap16((uint16_t)raw) << 16)
                     << 16;
#endif
    return (uint64_t)proto | (uint64_t)family << 48 | (uint64_t)later << 56 |
           ((ports | UINT64_C(1) << 8) & (UINT64_C(0) - has));
}

/* pkt_parse_frame() past the Ethernet header: `type` is the EtherType at
 * offset l3 - 2, after `tags` 802.1Q tags; `l3` and `tags` are constants
 * where it is called, so each copy addresses the headers directly. */
static inline enum pkt_parse_status pkt_parse_l3(const uint8_t *frame, uint32_t len, uint16_t type,
                                                 uint32_t l3, unsigned tags, struct pkt_meta *meta)
{
    const uint8_t *ip = frame + l3;
    if (type == PKT_ETHERTYPE_IPV4) {
        if (len < l3 + 24 || ip[0] != 0x45)
            return pkt_parse_general(frame, len, meta);
        memcpy(&meta->key[1], ip + 12, 8); /* source, then destination */
        memcpy(meta->dst, ip + 16, 4);
        meta->key[0] = pkt_word0_fast(PCAPD_FAMILY_IPV4, ip[9],
                                      (pkt_read_be16(ip + 6) & 0x1fff) != 0, ip + 20);
        meta->l3_offset = (uint16_t)l3;
        meta->l4_offset = (uint16_t)(l3 + 20);
        meta->vlan_tags = (uint8_t)tags;
        return PKT_PARSE_IP;
    }
    if (type == PKT_ETHERTYPE_IPV6) {
        if (len < l3 + 44 || (ip[0] >> 4) != 6 || !pkt_proto_has_ports(ip[6]))
            return pkt_parse_general(frame, len, meta);
        memcpy(&meta->key[1], ip + 8, 32); /* source and destination */
        meta->key[0] = pkt_word0_fast(PCAPD_FAMILY_IPV6, ip[6], 0, ip + 40);
        meta->l3_offset = (uint16_t)l3;
        meta->l4_offset = (uint16_t)(l3 + 40);
        meta->vlan_tags = (uint8_t)tags;
        return PKT_PARSE_IP;
    }
    if (type == PKT_ETHERTYPE_VLAN || type == PKT_ETHERTYPE_QINQ || type == PKT_ETHERTYPE_QINQ_OLD)
        return pkt_parse_general(frame, len, meta);
    meta->key[0] = 0;
    meta->vlan_tags = (uint8_t)tags;
    return PKT_PARSE_NOT_IP;
}

/* Tells whether pkt_parse_frame() may find IP in the frame of `len` bytes
 * at `frame`: false when it cannot, the frame being shorter than an
 * Ethernet header or its EtherType not starting as IPv4's, IPv6's or a
 * VLAN tag's (0x08, 0x86, 0x81, 0x88, 0x91) do.  A bit map of those first
 * bytes: one test, whatever the frame (ARP's 0x0806 passes, and is parsed
 * to be told apart). */
static inline bool pkt_may_be_ip(const uint8_t *frame, uint32_t len)
{
    static const uint64_t first[4] = {UINT64_C(1) << 0x08, 0,
                                      UINT64_C(1) << (0x81 - 128) | UINT64_C(1) << (0x86 - 128) |
                                          UINT64_C(1) << (0x88 - 128) | UINT64_C(1) << (0x91 - 128),
                                      0};
    return len >= 14 && ((first[frame[12] >> 6] >> (frame[12] & 63)) & 1) != 0;
}

/* Parses the Ethernet frame of `len` bytes at `frame` into `meta`, setting
 * what the classifier reads: key word 0 (all zero but for an IP packet),
 * an IP packet's addresses of its family, the offsets and vlan_tags.
 * Other bytes keep what they held (pkt_parse_ethernet() zeroes them
 * first).  Inline for what most traffic is (IPv4 without options, IPv6
 * with TCP or UDP right after the fixed header, non-IP, untagged or
 * behind one 802.1Q tag, the usual on a trunk port), with a call to
 * pkt_parse_general() for the rest. */
static inline enum pkt_parse_status pkt_parse_frame(const uint8_t *frame, uint32_t len,
                                                    struct pkt_meta *meta)
{
    if (len < 18)
        return pkt_parse_general(frame, len, meta);
    uint16_t type = pkt_read_be16(frame + 12);
    if (type == PKT_ETHERTYPE_VLAN)
        return pkt_parse_l3(frame, len, pkt_read_be16(frame + 16), 18, 1, meta);
    return pkt_parse_l3(frame, len, type, 14, 0, meta);
}

/* Parses the Ethernet frame of `len` bytes at `frame` into `meta`, every
 * field of which it sets (zero where the frame has nothing).  Crosses any
 * number of 802.1Q/802.1ad/QinQ tags, IPv4 options and IPv6 extension
 * headers.  Ports are read for TCP, UDP, UDP-Lite and SCTP when the packet
 * is not a later fragment and the frame holds them. */
enum pkt_parse_status pkt_parse_ethernet(const uint8_t *frame, uint32_t len, struct pkt_meta *meta);

#endif /* PCAPD_PACKET_PARSE_H */
