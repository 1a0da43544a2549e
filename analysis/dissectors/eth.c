/* Owns Ethernet II and 802.3 frames: eth.* fields, the EtherType table
 * every protocol carried over Ethernet registers in, and the hand-off of
 * 802.3 length frames to LLC. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The Ethernet protocol and fields. */
static int proto_eth, hf_dst, hf_src, hf_addr;

/* The EtherType table (also used by VLAN tags, GRE, Geneve, SNAP...). */
static struct dissector_table *ethertype_table;

/* LLC, for 802.3 length frames. */
static const struct dissector_handle *llc_handle;

/* Records the address fields of an Ethernet header (14 bytes at p): Wireshark
 * adds the destination first, so eth.addr is destination, then source. */
static __attribute__((noinline)) void eth_fields(struct frame_fields *ff, const uint8_t *p)
{
    field_add_ether(ff, hf_dst, p);
    field_add_ether(ff, hf_addr, p);
    field_add_ether(ff, hf_src, p + 6);
    field_add_ether(ff, hf_addr, p + 6);
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
    if (c->fields)
        eth_fields(c->fields, s.p);
    dissect_add_addr_layer(o->eth, &o->n_eth, NET_ADDR_MAC, s.p + 6, s.p);
    uint16_t type = be16(s.p + 12);
    if (type <= 1500)
        call_dissector(c, llc_handle, span_trim(span_from(s, 14), type));
    else
        dissect_table_or_data(c, ethertype_table, type, span_from(s, 14));
}

/* The Ethernet dissector. */
static const struct dissector_handle eth_handle = {&proto_eth, dissect_eth, NULL};

/* Registers Ethernet, its fields and the EtherType table. */
static void eth_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_dst, "eth.dst", "Destination", FT_ETHER, BASE_NONE, 0, NULL),
        HF(&hf_src, "eth.src", "Source", FT_ETHER, BASE_NONE, 0, NULL),
        HF(&hf_addr, "eth.addr", "Address", FT_ETHER, BASE_NONE, 0, NULL),
    };
    proto_eth = registry_proto("eth", "Ethernet");
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
