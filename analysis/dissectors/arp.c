/* Owns ARP: the header fields (arp.*), with the Ethernet and IPv4
 * addresses under their typed fields and others as bytes, and Wireshark's
 * flags for gratuitous ARP, probes and announcements. */
#include "dissect_internal.h"
#include "dissectors/list.h"

#include <string.h>

/* The ARP protocol and its fields. */
static int proto_arp, hf_hw_type, hf_proto_type, hf_hw_size, hf_proto_size, hf_opcode,
    hf_isgratuitous, hf_isprobe, hf_isannouncement, hf_src_hw, hf_src_hw_mac, hf_src_proto,
    hf_src_proto_ipv4, hf_dst_hw, hf_dst_hw_mac, hf_dst_proto, hf_dst_proto_ipv4;

/* Records a hardware address: a MAC when it is Ethernet's, else bytes. */
static void hw_field(struct frame_fields *ff, int hf_mac, int hf_bytes, const uint8_t *p, size_t n,
                     bool ether)
{
    if (ether && n == 6)
        field_add_ether(ff, hf_mac, p);
    else if (n > 0)
        field_add_bytes(ff, hf_bytes, p, n);
}

/* Records a protocol address: an IPv4 address when it is one, else bytes. */
static void proto_field(struct frame_fields *ff, int hf_ip, int hf_bytes, const uint8_t *p,
                        size_t n, bool ipv4)
{
    if (ipv4 && n == 4)
        field_add_ipv4(ff, hf_ip, p);
    else if (n > 0)
        field_add_bytes(ff, hf_bytes, p, n);
}

/* Records the fields of an ARP packet (its first 8 bytes captured). */
static void arp_fields(struct frame_fields *ff, struct span s)
{
    uint16_t hrd = be16(s.p), pro = be16(s.p + 2), op = be16(s.p + 6);
    size_t hln = s.p[4], pln = s.p[5];
    const uint8_t *sha = s.p + 8, *spa = sha + hln, *tha = spa + pln, *tpa = tha + hln;
    bool ether = hrd == 1 || hrd == 6, ipv4 = pro == 0x0800;
    field_add_uint(ff, hf_hw_type, hrd);
    field_add_uint(ff, hf_proto_type, pro);
    field_add_uint(ff, hf_hw_size, hln);
    field_add_uint(ff, hf_proto_size, pln);
    field_add_uint(ff, hf_opcode, op);
    if (s.cap < 8 + 2 * (hln + pln))
        return; /* Wireshark reads every address before adding any. */
    if (pln > 0 && (op == 1 || op == 2) && memcmp(spa, tpa, pln) == 0) {
        field_add_uint(ff, hf_isgratuitous, 1);
        if (op == 1)
            field_add_uint(ff, hf_isannouncement, 1);
    }
    if (op == 1 && pln == 4 && be32(spa) == 0 && ipv4)
        field_add_uint(ff, hf_isprobe, 1);
    hw_field(ff, hf_src_hw_mac, hf_src_hw, sha, hln, ether);
    proto_field(ff, hf_src_proto_ipv4, hf_src_proto, spa, pln, ipv4);
    hw_field(ff, hf_dst_hw_mac, hf_dst_hw, tha, hln, ether);
    proto_field(ff, hf_dst_proto_ipv4, hf_dst_proto, tpa, pln, ipv4);
}

/* Dissects an ARP packet. */
static void dissect_arp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_arp);
    if (!dissect_need(c, s, 8))
        return;
    if (fields_want_proto(c->fields, proto_arp))
        arp_fields(c->fields, s);
    dissect_need(c, s, 8 + 2 * ((size_t)s.p[4] + s.p[5]));
}

/* The ARP dissector. */
static const struct dissector_handle arp_handle = {&proto_arp, dissect_arp, NULL};

/* Registers ARP and its fields. */
static void arp_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_hw_type, "arp.hw.type", "Hardware type", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_proto_type, "arp.proto.type", "Protocol type", FT_UINT16, BASE_HEX, 0, NULL),
        HF(&hf_hw_size, "arp.hw.size", "Hardware size", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_proto_size, "arp.proto.size", "Protocol size", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_opcode, "arp.opcode", "Opcode", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_isgratuitous, "arp.isgratuitous", "Is gratuitous", FT_BOOLEAN, BASE_NONE, 0, NULL),
        HF(&hf_isprobe, "arp.isprobe", "Is probe", FT_BOOLEAN, BASE_NONE, 0, NULL),
        HF(&hf_isannouncement, "arp.isannouncement", "Is announcement", FT_BOOLEAN, BASE_NONE, 0,
           NULL),
        HF(&hf_src_hw, "arp.src.hw", "Sender hardware address", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_src_hw_mac, "arp.src.hw_mac", "Sender MAC address", FT_ETHER, BASE_NONE, 0, NULL),
        HF(&hf_src_proto, "arp.src.proto", "Sender protocol address", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_src_proto_ipv4, "arp.src.proto_ipv4", "Sender IP address", FT_IPv4, BASE_NONE, 0,
           NULL),
        HF(&hf_dst_hw, "arp.dst.hw", "Target hardware address", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_dst_hw_mac, "arp.dst.hw_mac", "Target MAC address", FT_ETHER, BASE_NONE, 0, NULL),
        HF(&hf_dst_proto, "arp.dst.proto", "Target protocol address", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_dst_proto_ipv4, "arp.dst.proto_ipv4", "Target IP address", FT_IPv4, BASE_NONE, 0,
           NULL),
    };
    proto_arp = registry_proto("arp", "Address Resolution Protocol");
    registry_fields(proto_arp, hf, ARRAY_COUNT(hf));
}

/* ARP on its EtherType. */
static void arp_handoff(void)
{
    registry_table_add("ethertype", 0x0806, &arp_handle);
}

const struct dissector_module dissector_arp = {arp_register, arp_handoff};
