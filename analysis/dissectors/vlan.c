/* Owns 802.1Q VLAN tags (vlan.id) and 802.1ad service tags (shown as
 * "ieee8021ad"), and what follows a tag: an EtherType or an LLC length. */
#include "dissect_internal.h"
#include "dissectors/eth.h"
#include "dissectors/list.h"

/* The protocols and their fields: an 802.1Q tag's, and an 802.1ad
 * tag's ({priority, DEI, id} each). */
static int proto_vlan, proto_8021ad, hf_priority, hf_dei, hf_id, hf_etype, hf_len;
static int hf_ad[3];

/* LLC, for 802.3 length frames. */
static const struct dissector_handle *llc_handle;

/* Dissects a tag of protocol proto and what follows it. */
static void dissect_tag(struct dissect_ctx *c, int proto, struct span s)
{
    ctx_push(c, proto);
    if (fields_want_proto(c->fields, proto) && s.cap >= 2) {
        const int *hf = proto == proto_vlan ? (const int[]){hf_priority, hf_dei, hf_id} : hf_ad;
        uint16_t tci = be16(s.p);
        field_add_uint(c->fields, hf[0], tci >> 13);
        field_add_uint(c->fields, hf[1], (tci >> 12) & 1u);
        field_add_uint(c->fields, hf[2], tci & 0x0fffu);
        if (proto == proto_vlan && s.cap >= 4)
            field_add_uint(c->fields, be16(s.p + 2) <= 1500 ? hf_len : hf_etype, be16(s.p + 2));
    }
    if (!dissect_need(c, s, 4))
        return;
    uint16_t type = be16(s.p + 2);
    if (type <= 1500)
        call_dissector(c, llc_handle, span_trim(span_from(s, 4), type));
    else
        ethertype_dissect(c, type, span_from(s, 4));
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

/* The names of the DEI bit's values. */
static const char *const tfs_eligible[2] = {"Eligible", "Ineligible"};

/* Registers the two protocols. */
static void vlan_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_priority, "vlan.priority", "Priority", FT_UINT16, BASE_DEC, 0xe000, NULL),
        HF_TFS(&hf_dei, "vlan.dei", "DEI", 0x1000, tfs_eligible),
        HF(&hf_id, "vlan.id", "ID", FT_UINT16, BASE_DEC, 0x0fff, NULL),
        HF(&hf_etype, "vlan.etype", "Type", FT_UINT16, BASE_HEX, 0, NULL),
        HF(&hf_len, "vlan.len", "Length", FT_UINT16, BASE_DEC, 0, NULL),
    };
    static const struct field_reg ad_hf[] = {
        HF(&hf_ad[0], "ieee8021ad.priority", "Priority", FT_UINT16, BASE_DEC, 0xe000, NULL),
        HF(&hf_ad[1], "ieee8021ad.dei", "DEI", FT_UINT16, BASE_DEC, 0x1000, NULL),
        HF(&hf_ad[2], "ieee8021ad.id", "ID", FT_UINT16, BASE_DEC, 0x0fff, NULL),
    };
    proto_vlan = registry_proto("vlan", "802.1Q Virtual LAN");
    registry_fields(proto_vlan, hf, ARRAY_COUNT(hf));
    proto_8021ad = registry_proto("ieee8021ad", "IEEE 802.1ad");
    registry_fields(proto_8021ad, ad_hf, ARRAY_COUNT(ad_hf));
}

/* Tags on their EtherTypes (0x9100 is an older QinQ outer tag). */
static void vlan_handoff(void)
{
    llc_handle = find_dissector("llc");
    registry_table_add("ethertype", 0x8100, &vlan_handle);
    registry_table_add("ethertype", 0x9100, &vlan_handle);
    registry_table_add("ethertype", 0x88a8, &ad_handle);
}

const struct dissector_module dissector_vlan = {vlan_register, vlan_handoff};
