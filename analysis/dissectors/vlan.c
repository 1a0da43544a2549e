/* Owns 802.1Q VLAN tags (vlan.id) and 802.1ad service tags (shown as
 * "ieee8021ad"), and what follows a tag: an EtherType or an LLC length. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The protocols and the VLAN id field (802.1Q tags only; Wireshark names
 * the 802.1ad one ieee8021ad.id). */
static int proto_vlan, proto_8021ad, hf_id;

/* The EtherType table and LLC. */
static const struct dissector_table *ethertype_table;
static const struct dissector_handle *llc_handle;

/* Dissects a tag of protocol proto and what follows it. */
static void dissect_tag(struct dissect_ctx *c, int proto, struct span s)
{
    ctx_push(c, proto);
    if (c->fields && proto == proto_vlan && s.cap >= 2)
        field_add_uint(c->fields, hf_id, be16(s.p) & 0x0fffu);
    if (!dissect_need(c, s, 4))
        return;
    uint16_t type = be16(s.p + 2);
    if (type <= 1500)
        call_dissector(c, llc_handle, span_trim(span_from(s, 4), type));
    else
        dissect_table_or_data(c, ethertype_table, type, span_from(s, 4));
}

/* Dissects an 802.1Q tag. */
static void dissect_vlan(struct dissect_ctx *c, struct span s)
{
    dissect_tag(c, proto_vlan, s);
}

/* Dissects an 802.1ad tag. */
static void dissect_8021ad(struct dissect_ctx *c, struct span s)
{
    dissect_tag(c, proto_8021ad, s);
}

/* The two dissectors. */
static const struct dissector_handle vlan_handle = {&proto_vlan, dissect_vlan, NULL};
static const struct dissector_handle ad_handle = {&proto_8021ad, dissect_8021ad, NULL};

/* Registers the two protocols. */
static void vlan_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_id, "vlan.id", "ID", FT_UINT16, BASE_DEC, 0x0fff, NULL),
    };
    proto_vlan = registry_proto("vlan", "802.1Q Virtual LAN");
    registry_fields(proto_vlan, hf, ARRAY_COUNT(hf));
    proto_8021ad = registry_proto("ieee8021ad", "IEEE 802.1ad");
}

/* Tags on their EtherTypes (0x9100 is an older QinQ outer tag). */
static void vlan_handoff(void)
{
    ethertype_table = find_dissector_table("ethertype");
    llc_handle = find_dissector("llc");
    registry_table_add("ethertype", 0x8100, &vlan_handle);
    registry_table_add("ethertype", 0x9100, &vlan_handle);
    registry_table_add("ethertype", 0x88a8, &ad_handle);
}

const struct dissector_module dissector_vlan = {vlan_register, vlan_handoff};
