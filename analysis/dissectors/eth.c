/* Owns Ethernet II and 802.3 frames: eth.* fields, the EtherType table
 * every protocol carried over Ethernet registers in, and the hand-off of
 * 802.3 length frames to LLC. */
#include "dissectors/eth.h"

#include "dissectors/list.h"

/* The Ethernet and EtherType protocols, and Ethernet's fields. */
static int proto_ethertype, proto_eth, hf_dst, hf_src, hf_addr, hf_dst_resolved, hf_src_resolved,
    hf_addr_resolved, hf_dst_oui, hf_src_oui, hf_addr_oui, hf_dst_lg, hf_src_lg, hf_lg, hf_dst_ig,
    hf_src_ig, hf_ig, hf_type, hf_len, hf_src_not_group;

/* The EtherType table (also used by VLAN tags, GRE, Geneve, SNAP...). */
static struct dissector_table *ethertype_table;

/* LLC, for 802.3 length frames. */
static const struct dissector_handle *llc_handle;

/* Records one address and its forms; hf is {address, resolved, OUI, LG, IG}. */
static void addr_fields(struct frame_fields *ff, const int *hf, const uint8_t *a)
{
    field_add_ether(ff, hf[0], a);
    field_add_addr_text(ff, hf[1], a, 6); /* With -n, the address itself. */
    field_add_uint(ff, hf[2], (uint32_t)a[0] << 16 | (uint32_t)a[1] << 8 | a[2]);
    field_add_ether(ff, hf_addr, a);
    field_add_addr_text(ff, hf_addr_resolved, a, 6);
    field_add_uint(ff, hf_addr_oui, (uint32_t)a[0] << 16 | (uint32_t)a[1] << 8 | a[2]);
    field_add_uint(ff, hf[3], (a[0] >> 1) & 1u);
    field_add_uint(ff, hf_lg, (a[0] >> 1) & 1u);
    field_add_uint(ff, hf[4], a[0] & 1u);
    field_add_uint(ff, hf_ig, a[0] & 1u);
}

/* Records the fields of an Ethernet header (14 bytes at p): Wireshark
 * adds the destination first, so eth.addr is destination, then source. */
static __attribute__((noinline)) void eth_fields(struct frame_fields *ff, const uint8_t *p)
{
    const int dst[] = {hf_dst, hf_dst_resolved, hf_dst_oui, hf_dst_lg, hf_dst_ig};
    const int src[] = {hf_src, hf_src_resolved, hf_src_oui, hf_src_lg, hf_src_ig};
    addr_fields(ff, dst, p);
    addr_fields(ff, src, p + 6);
    if (p[6] & 1)
        field_add_present(ff, hf_src_not_group);
    uint16_t type = be16(p + 12);
    field_add_uint(ff, type <= 1500 ? hf_len : hf_type, type);
}

/* Dissects s by its EtherType. */
void ethertype_dissect(struct dissect_ctx *c, uint16_t type, struct span s)
{
    ctx_layer(c, proto_ethertype);
    dissect_table_or_data(c, ethertype_table, type, s);
}

/* Dissects an Ethernet frame. */
static void dissect_eth(struct dissect_ctx *c, struct span s)
{
    if (s.cap < 14) {
        /* Wireshark fails before adding its Ethernet item: the error is the top node. */
        ctx_push(c, s.len >= 14 ? proto_short : proto_malformed);
        return;
    }
    ctx_push(c, proto_eth);
    struct frame_dissection *o = c->out;
    if (fields_want_proto(c->fields, proto_eth))
        eth_fields(c->fields, s.p);
    dissect_add_addr_layer(o->eth, &o->n_eth, NET_ADDR_MAC, s.p + 6, s.p);
    uint16_t type = be16(s.p + 12);
    if (type <= 1500)
        call_dissector(c, llc_handle, span_trim(span_from(s, 14), type));
    else
        ethertype_dissect(c, type, span_from(s, 14));
}

/* The Ethernet dissector. */
static const struct dissector_handle eth_handle = {&proto_eth, dissect_eth, NULL};

/* The names of the LG and IG bits' values. */
static const char *const tfs_lg[2] = {"Locally administered address (this is NOT the factory "
                                      "default)",
                                      "Globally unique address (factory default)"};
static const char *const tfs_ig[2] = {"Group address (multicast/broadcast)",
                                      "Individual address (unicast)"};

/* Registers Ethernet, its fields and the EtherType table. */
static void eth_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_dst, "eth.dst", "Destination", FT_ETHER, BASE_NONE, 0, NULL),
        HF(&hf_src, "eth.src", "Source", FT_ETHER, BASE_NONE, 0, NULL),
        HF(&hf_addr, "eth.addr", "Address", FT_ETHER, BASE_NONE, 0, NULL),
        HF(&hf_dst_resolved, "eth.dst_resolved", "Destination (resolved)", FT_STRING, BASE_NONE, 0,
           NULL),
        HF(&hf_src_resolved, "eth.src_resolved", "Source (resolved)", FT_STRING, BASE_NONE, 0,
           NULL),
        HF(&hf_addr_resolved, "eth.addr_resolved", "Address (resolved)", FT_STRING, BASE_NONE, 0,
           NULL),
        HF(&hf_dst_oui, "eth.dst.oui", "Destination OUI", FT_UINT24, BASE_OUI, 0, NULL),
        HF(&hf_src_oui, "eth.src.oui", "Source OUI", FT_UINT24, BASE_OUI, 0, NULL),
        HF(&hf_addr_oui, "eth.addr.oui", "Address OUI", FT_UINT24, BASE_OUI, 0, NULL),
        HF_TFS(&hf_dst_lg, "eth.dst.lg", "LG bit", 0x20000, tfs_lg),
        HF_TFS(&hf_src_lg, "eth.src.lg", "LG bit", 0x20000, tfs_lg),
        HF_TFS(&hf_lg, "eth.lg", "LG bit", 0x20000, tfs_lg),
        HF_TFS(&hf_dst_ig, "eth.dst.ig", "IG bit", 0x10000, tfs_ig),
        HF_TFS(&hf_src_ig, "eth.src.ig", "IG bit", 0x10000, tfs_ig),
        HF_TFS(&hf_ig, "eth.ig", "IG bit", 0x10000, tfs_ig),
        HF(&hf_type, "eth.type", "Type", FT_UINT16, BASE_HEX, 0, NULL),
        HF(&hf_len, "eth.len", "Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_src_not_group, "eth.src_not_group",
           "Source MAC must not be a group address: IEEE 802.3-2002, Section 3.2.3(b)", FT_NONE,
           BASE_NONE, 0, NULL),
    };
    proto_eth = registry_proto("eth", "Ethernet");
    proto_ethertype = registry_proto("ethertype", "Ethertype");
    registry_fields(proto_eth, hf, ARRAY_COUNT(hf));
    ethertype_table = registry_table_new("ethertype", 16);
    register_dissector("eth", &eth_handle);
}

/* Ethernet on the Ethernet link type and in transparent Ethernet bridging. */
static void eth_handoff(void)
{
    llc_handle = find_dissector("llc");
    registry_table_add("wtap_encap", LINKTYPE_ETHERNET, &eth_handle);
    registry_table_add("ethertype", 0x6558, &eth_handle);
}

const struct dissector_module dissector_eth = {eth_register, eth_handoff};
