/*
 * Header parsing for the fast path: Ethernet, 802.1Q/802.1ad tags, IPv4 with
 * options and fragments, IPv6 with extension headers and fragments, and the
 * ports of TCP, UDP, UDP-Lite and SCTP.  Every read is bounds-checked against
 * the frame length; a short frame is reported, never over-read.
 */
#include "packet_parse.h"

#include <string.h>

#include "pcapd/filter.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_MH_ 135
#define IPPROTO_SCTP_ 132
#define IPPROTO_UDPLITE_ 136

/* Most IPv6 extension headers crossed before giving up on a packet. */
#define MAX_IPV6_EXT_HEADERS 8

/* Reads a big-endian 16-bit value. */
static inline uint16_t read_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* Tells whether `proto` carries 16-bit source and destination ports first. */
static inline int proto_has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_ || proto == IPPROTO_SCTP_ ||
           proto == IPPROTO_UDPLITE_;
}

/* Reads the transport ports at `off` when the protocol has them and the
 * packet is a first (or only) fragment that holds them. */
static void parse_ports(const uint8_t *frame, uint32_t len, uint32_t off, struct pkt_meta *meta)
{
    meta->l4_offset = (uint16_t)off;
    if (meta->later_fragment || !proto_has_ports(meta->proto) || off + 4 > len)
        return;
    meta->sport = read_be16(frame + off);
    meta->dport = read_be16(frame + off + 2);
    meta->has_ports = 1;
}

/* Parses the IPv4 header at `off`. */
static enum pkt_parse_status parse_ipv4(const uint8_t *frame, uint32_t len, uint32_t off,
                                        struct pkt_meta *meta)
{
    if (off + 20 > len)
        return PKT_PARSE_TRUNCATED;
    const uint8_t *ip = frame + off;
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ihl < 20)
        return PKT_PARSE_MALFORMED;
    if (off + ihl > len)
        return PKT_PARSE_TRUNCATED;
    meta->family = PCAPD_FAMILY_IPV4;
    meta->l3_offset = (uint16_t)off;
    meta->proto = ip[9];
    memcpy(meta->src, ip + 12, 4);
    memcpy(meta->dst, ip + 16, 4);
    meta->later_fragment = (read_be16(ip + 6) & 0x1fff) != 0;
    parse_ports(frame, len, off + ihl, meta);
    return PKT_PARSE_IP;
}

/* Crosses the IPv6 extension headers starting at `off` with next header
 * `nh`, setting meta->proto and meta->later_fragment.  Returns the offset of
 * the transport header, or 0 if the frame ends inside an extension header. */
static uint32_t skip_ipv6_ext(const uint8_t *frame, uint32_t len, uint32_t off, uint8_t nh,
                              struct pkt_meta *meta)
{
    for (int i = 0; i < MAX_IPV6_EXT_HEADERS; i++) {
        uint32_t ext_len;
        switch (nh) {
        case IPPROTO_HOPOPTS_:
        case IPPROTO_ROUTING_:
        case IPPROTO_DSTOPTS_:
        case IPPROTO_MH_:
            if (off + 8 > len)
                return 0;
            ext_len = ((uint32_t)frame[off + 1] + 1) * 8;
            break;
        case IPPROTO_AH_:
            if (off + 8 > len)
                return 0;
            ext_len = ((uint32_t)frame[off + 1] + 2) * 4;
            break;
        case IPPROTO_FRAGMENT_:
            if (off + 8 > len)
                return 0;
            ext_len = 8;
            if ((read_be16(frame + off + 2) & 0xfff8) != 0) {
                /* A later fragment's payload is the middle of the original
                 * packet, not a header: stop at the fragment header. */
                meta->later_fragment = 1;
                meta->proto = frame[off];
                return off + ext_len;
            }
            break;
        default:
            meta->proto = nh;
            return off;
        }
        nh = frame[off];
        off += ext_len;
    }
    meta->proto = nh;
    return off;
}

/* Parses the IPv6 header at `off`. */
static enum pkt_parse_status parse_ipv6(const uint8_t *frame, uint32_t len, uint32_t off,
                                        struct pkt_meta *meta)
{
    if (off + 40 > len)
        return PKT_PARSE_TRUNCATED;
    const uint8_t *ip = frame + off;
    if ((ip[0] >> 4) != 6)
        return PKT_PARSE_MALFORMED;
    meta->family = PCAPD_FAMILY_IPV6;
    meta->l3_offset = (uint16_t)off;
    memcpy(meta->src, ip + 8, 16);
    memcpy(meta->dst, ip + 24, 16);
    uint32_t l4 = skip_ipv6_ext(frame, len, off + 40, ip[6], meta);
    if (l4 == 0) {
        /* The protocol is unknown past a cut extension header: report the
         * packet as IP without ports rather than guessing. */
        meta->proto = ip[6];
        return PKT_PARSE_IP;
    }
    parse_ports(frame, len, l4, meta);
    return PKT_PARSE_IP;
}

enum pkt_parse_status pkt_parse_ethernet(const uint8_t *frame, uint32_t len, struct pkt_meta *meta)
{
    memset(meta, 0, sizeof(*meta));
    if (len < 14)
        return PKT_PARSE_TRUNCATED;
    uint32_t off = 12;
    uint16_t type = read_be16(frame + off);
    while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
        if (off + 6 > len)
            return PKT_PARSE_TRUNCATED;
        if (meta->vlan_tags < UINT8_MAX)
            meta->vlan_tags++;
        off += 4;
        type = read_be16(frame + off);
    }
    off += 2;
    if (type == ETHERTYPE_IPV4)
        return parse_ipv4(frame, len, off, meta);
    if (type == ETHERTYPE_IPV6)
        return parse_ipv6(frame, len, off, meta);
    return PKT_PARSE_NOT_IP;
}
