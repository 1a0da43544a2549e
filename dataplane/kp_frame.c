/*
 * Ethernet framing of a packet the kernel logged: NFLOG hands over the
 * network-layer packet, with the link-layer header only for packets that
 * arrived on a device.  The kernel path's files hold Ethernet frames, as
 * the DPDK path's do, so both merge into one file.
 */
#include "kp_internal.h"

#include <string.h>

/* ARPHRD_ETHER and ARPHRD_LOOPBACK: devices whose header is Ethernet's. */
#define KP_ARPHRD_ETHER 1
#define KP_ARPHRD_LOOPBACK 772
/* Bytes of an Ethernet header, and of an 802.1Q tag. */
#define KP_ETH_HLEN 14
#define KP_VLAN_HLEN 4

/* Length of the network-layer packet as its header says, or 0 when the
 * header says nothing usable (not IP, too short, a GSO packet of length 0). */
static uint32_t l3_length(const struct kp_nflog_packet *p)
{
    const uint8_t *h = p->payload;
    if (p->payload_len >= 20 && (h[0] >> 4) == 4)
        return (uint32_t)h[2] << 8 | h[3];
    if (p->payload_len >= 40 && (h[0] >> 4) == 6) {
        uint32_t plen = (uint32_t)h[4] << 8 | h[5];
        return plen == 0 ? 0 : 40 + plen;
    }
    return 0;
}

/* The EtherType of the packet: NFLOG's, else from the IP version. */
static uint16_t ethertype_of(const struct kp_nflog_packet *p)
{
    if (p->ethertype != 0)
        return p->ethertype;
    if (p->payload_len > 0 && (p->payload[0] >> 4) == 6)
        return 0x86dd;
    return 0x0800;
}

uint32_t kp_frame_ethernet(const struct kp_nflog_packet *p, uint8_t *out, uint32_t *wire_len)
{
    uint32_t n;
    bool ether_header = p->hwheader != NULL && p->hwheader_len == KP_ETH_HLEN &&
                        (p->hwtype == KP_ARPHRD_ETHER || p->hwtype == KP_ARPHRD_LOOPBACK);
    if (ether_header) {
        memcpy(out, p->hwheader, KP_ETH_HLEN);
    } else {
        uint16_t type = ethertype_of(p);
        memset(out, 0, 12);
        out[12] = (uint8_t)(type >> 8);
        out[13] = (uint8_t)type;
    }
    n = KP_ETH_HLEN;
    if (p->has_vlan) {
        /* The tag goes between the addresses and the EtherType. */
        uint16_t proto = p->vlan_proto != 0 ? p->vlan_proto : 0x8100;
        memcpy(out + 12 + KP_VLAN_HLEN, out + 12, 2);
        out[12] = (uint8_t)(proto >> 8);
        out[13] = (uint8_t)proto;
        out[14] = (uint8_t)(p->vlan_tci >> 8);
        out[15] = (uint8_t)p->vlan_tci;
        n += KP_VLAN_HLEN;
    }
    memcpy(out + n, p->payload, p->payload_len);
    uint32_t l3 = l3_length(p);
    *wire_len = n + (l3 > p->payload_len ? l3 : p->payload_len);
    return n + p->payload_len;
}
