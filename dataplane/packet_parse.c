/*
 * The parser's general path, for what the inline fast path of
 * packet_parse.h leaves to it: 802.1Q/802.1ad/QinQ tags, IPv4 options,
 * IPv6 extension headers, frames too short for the fast path's reads, and
 * malformed headers.  And pkt_parse_ethernet(), the out-of-line entry for
 * unit tests, fuzzers and benchmarks.
 */
#include "packet_parse.h"

/* Most IPv6 extension headers crossed before giving up on a packet. */
#define MAX_IPV6_EXT_HEADERS 8

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
    uint32_t l4 = off + ihl;
    memcpy(&meta->key[1], ip + 12, 8); /* source, then destination */
    memcpy(meta->dst, ip + 16, 4);
    meta->key[0] = pkt_word0(PCAPD_FAMILY_IPV4, ip[9], (pkt_read_be16(ip + 6) & 0x1fff) != 0,
                             l4 + 4 <= len ? frame + l4 : NULL);
    meta->l3_offset = (uint16_t)off;
    meta->l4_offset = (uint16_t)l4;
    return PKT_PARSE_IP;
}

/* Crosses the IPv6 extension headers starting at `off` with next header
 * `*nh`, leaving in `*nh` the transport protocol and in `*later` whether
 * the packet is a later fragment.  Returns the offset of the transport
 * header, or 0 if the frame ends inside an extension header. */
static uint32_t skip_ipv6_ext(const uint8_t *frame, uint32_t len, uint32_t off, uint8_t *nh,
                              unsigned *later)
{
    for (int i = 0; i < MAX_IPV6_EXT_HEADERS; i++) {
        uint32_t ext_len;
        switch (*nh) {
        case 0:   /* hop-by-hop options */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
            if (off + 8 > len)
                return 0;
            ext_len = ((uint32_t)frame[off + 1] + 1) * 8;
            break;
        case 51: /* authentication header */
            if (off + 8 > len)
                return 0;
            ext_len = ((uint32_t)frame[off + 1] + 2) * 4;
            break;
        case 44: /* fragment */
            if (off + 8 > len)
                return 0;
            ext_len = 8;
            if ((pkt_read_be16(frame + off + 2) & 0xfff8) != 0) {
                /* A later fragment's payload is the middle of the original
                 * packet, not a header: stop at the fragment header. */
                *later = 1;
                *nh = frame[off];
                return off + ext_len;
            }
            break;
        default:
            return off;
        }
        *nh = frame[off];
        off += ext_len;
    }
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
    memcpy(&meta->key[1], ip + 8, 32); /* source and destination */
    meta->l3_offset = (uint16_t)off;
    uint8_t nh = ip[6];
    unsigned later = 0;
    uint32_t l4 = skip_ipv6_ext(frame, len, off + 40, &nh, &later);
    if (l4 == 0) {
        /* The protocol is unknown past a cut extension header: report the
         * packet as IP without ports rather than guessing. */
        meta->key[0] = pkt_word0(PCAPD_FAMILY_IPV6, ip[6], 0, NULL);
        return PKT_PARSE_IP;
    }
    meta->key[0] = pkt_word0(PCAPD_FAMILY_IPV6, nh, later, l4 + 4 <= len ? frame + l4 : NULL);
    meta->l4_offset = (uint16_t)l4;
    return PKT_PARSE_IP;
}

enum pkt_parse_status pkt_parse_general(const uint8_t *frame, uint32_t len, struct pkt_meta *meta)
{
    meta->key[0] = 0;
    meta->vlan_tags = 0;
    if (len < 14)
        return PKT_PARSE_TRUNCATED;
    uint32_t off = 12;
    uint16_t type = pkt_read_be16(frame + off);
    while (type == PKT_ETHERTYPE_VLAN || type == PKT_ETHERTYPE_QINQ ||
           type == PKT_ETHERTYPE_QINQ_OLD) {
        if (off + 6 > len)
            return PKT_PARSE_TRUNCATED;
        if (meta->vlan_tags < UINT8_MAX)
            meta->vlan_tags++;
        off += 4;
        type = pkt_read_be16(frame + off);
    }
    off += 2;
    if (type == PKT_ETHERTYPE_IPV4)
        return parse_ipv4(frame, len, off, meta);
    if (type == PKT_ETHERTYPE_IPV6)
        return parse_ipv6(frame, len, off, meta);
    return PKT_PARSE_NOT_IP;
}

enum pkt_parse_status pkt_parse_ethernet(const uint8_t *frame, uint32_t len, struct pkt_meta *meta)
{
    memset(meta, 0, sizeof(*meta));
    return pkt_parse_frame(frame, len, meta);
}
