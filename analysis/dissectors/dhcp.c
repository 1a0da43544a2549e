/* Owns DHCP (BOOTP) on UDP ports 67 and 68, and its fields: dhcp.option.hostname (option 12) of
 * DHCP/BOOTP messages, found as Wireshark 4.0 walks the options: after the magic cookie, pads
 * skipped, up to the End option, and through the server name and boot file fields when option 52
 * overloads them (at the point option 52 appears, server name first).  An option that runs past the
 * captured bytes ends the walk, as Wireshark's exception does. */
#include "dissect_internal.h"
#include "dissectors/list.h"
#include "ws_text.h"

#include <string.h>

/* Offset of the server name field, where an overloaded one holds options. */
#define BOOTP_SNAME_OFF 44
/* Offset of the boot file field. */
#define BOOTP_FILE_OFF 108
/* Offset of the magic cookie that precedes the options. */
#define BOOTP_COOKIE_OFF 236
/* The magic cookie of DHCP (RFC 2132). */
static const uint8_t bootp_cookie[4] = {0x63, 0x82, 0x53, 0x63};
/* Option codes. */
enum {
    DHCP_OPT_PAD = 0,
    DHCP_OPT_HOSTNAME = 12,
    DHCP_OPT_OVERLOAD = 52,
    DHCP_OPT_END = 255,
};

/* The DHCP protocol and its fields: the BOOTP header's, ... */
static int proto_dhcp, hf_type, hf_hw_type, hf_hw_len, hf_hops, hf_id, hf_secs, hf_flags,
    hf_flags_bc, hf_flags_reserved, hf_ip_client, hf_ip_your, hf_ip_server, hf_ip_relay,
    hf_hw_mac_addr, hf_hw_addr_padding, hf_server, hf_file, hf_cookie;
/* ... every option's, and the decoded options'. */
static int hf_option_type, hf_option_length, hf_option_value, hf_option_end, hf_option_padding,
    hf_option_dhcp, hf_hostname, hf_subnet_mask, hf_router, hf_time_server, hf_dns_server,
    hf_domain_name, hf_broadcast_address, hf_requested_ip, hf_lease_time, hf_server_id,
    hf_request_list_item, hf_message, hf_renewal_time, hf_rebinding_time, hf_vendor_class_id,
    hf_ntp_server;

/* The ids of the first and last DHCP field (registered in one run). */
static int first_field, last_field;

/* Walks the options from off to end (exclusive) of the message at s;
 * overload_ok allows option 52 to open the overloaded fields (main is
 * true for the options area, where bytes after End are padding).
 * Returns false once an option runs past the captured bytes. */
static bool dhcp_options(struct dissect_ctx *c, struct span s, size_t off, size_t end,
                         bool overload_ok);

/* Records a string option's value of len bytes at p (ENC_ASCII, cut at a NUL). */
static void dhcp_string(struct dissect_ctx *c, int id, const uint8_t *p, size_t len)
{
    char text[WS_ASCII_FIELD_MAX(255)];
    if (fields_want(c->fields, id))
        field_add_string(c->fields, id, text, ws_ascii_field(p, len, text));
}

/* Records every IPv4 address of an address-list option. */
static void dhcp_addresses(struct frame_fields *ff, int id, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i += 4)
        field_add_ipv4(ff, id, p + i);
}

/* Records the decoded fields of one option (its value, len bytes at p). */
static void dhcp_option_value(struct dissect_ctx *c, uint8_t code, const uint8_t *p, size_t len)
{
    struct frame_fields *ff = c->fields;
    switch (code) {
    case 1:
        if (len == 4)
            field_add_ipv4(ff, hf_subnet_mask, p);
        break;
    case 3:
        dhcp_addresses(ff, hf_router, p, len);
        break;
    case 4:
        dhcp_addresses(ff, hf_time_server, p, len);
        break;
    case 6:
        dhcp_addresses(ff, hf_dns_server, p, len);
        break;
    case 12:
        dhcp_string(c, hf_hostname, p, len);
        break;
    case 15:
        dhcp_string(c, hf_domain_name, p, len);
        break;
    case 28:
        if (len == 4)
            field_add_ipv4(ff, hf_broadcast_address, p);
        break;
    case 42:
        dhcp_addresses(ff, hf_ntp_server, p, len);
        break;
    case 50:
        if (len == 4)
            field_add_ipv4(ff, hf_requested_ip, p);
        break;
    case 51:
        if (len == 4)
            field_add_uint(ff, hf_lease_time, be32(p));
        break;
    case 53:
        if (len == 1)
            field_add_uint(ff, hf_option_dhcp, p[0]);
        break;
    case 54:
        if (len == 4)
            field_add_ipv4(ff, hf_server_id, p);
        break;
    case 55:
        for (size_t i = 0; i < len; i++)
            field_add_uint(ff, hf_request_list_item, p[i]);
        break;
    case 56:
        dhcp_string(c, hf_message, p, len);
        break;
    case 58:
        if (len == 4)
            field_add_uint(ff, hf_renewal_time, be32(p));
        break;
    case 59:
        if (len == 4)
            field_add_uint(ff, hf_rebinding_time, be32(p));
        break;
    case 60:
        dhcp_string(c, hf_vendor_class_id, p, len);
        break;
    default:
        break;
    }
}

/* Walks the server name and boot file fields option 52 (value v) overloads. */
static bool dhcp_overload(struct dissect_ctx *c, struct span s, uint8_t v)
{
    if ((v & 2) && !dhcp_options(c, s, BOOTP_SNAME_OFF, BOOTP_FILE_OFF, false))
        return false;
    if ((v & 1) && !dhcp_options(c, s, BOOTP_FILE_OFF, BOOTP_COOKIE_OFF, false))
        return false;
    return true;
}

/* Walks the options from off to end: a run of Pad options shows as one
 * (type 0 and its bytes), End as type 0 and option.end, and what follows
 * End in the options area as padding. */
static bool dhcp_options(struct dissect_ctx *c, struct span s, size_t off, size_t end,
                         bool overload_ok)
{
    struct frame_fields *ff = c->fields;
    while (off < end) {
        if (off >= s.cap)
            return false;
        uint8_t code = s.p[off];
        if (code == DHCP_OPT_PAD) {
            size_t run = off;
            while (run < end && run < s.cap && s.p[run] == 0)
                run++;
            field_add_uint(ff, hf_option_type, 0);
            field_add_bytes(ff, hf_option_padding, s.p + off, run - off);
            off = run;
            continue;
        }
        if (code == DHCP_OPT_END) {
            field_add_uint(ff, hf_option_type, 0);
            field_add_uint(ff, hf_option_end, 255);
            if (overload_ok && off + 1 < end) {
                if (off + 1 < s.cap)
                    field_add_bytes(ff, hf_option_padding, s.p + off + 1,
                                    (end < s.cap ? end : s.cap) - off - 1);
            }
            return true;
        }
        field_add_uint(ff, hf_option_type, code);
        if (off + 1 >= s.cap)
            return false;
        size_t len = s.p[off + 1];
        field_add_uint(ff, hf_option_length, len);
        if (off + 2 + len > s.cap)
            return false;
        if (len > 0)
            field_add_bytes(ff, hf_option_value, s.p + off + 2, len);
        else
            field_add_missing(ff, hf_option_value);
        dhcp_option_value(c, code, s.p + off + 2, len);
        if (code == DHCP_OPT_OVERLOAD && overload_ok && len >= 1 &&
            !dhcp_overload(c, s, s.p[off + 2]))
            return false;
        off += 2 + len;
    }
    return true;
}

/* Returns the value of the main options' overload option (52), or 0. */
static uint8_t dhcp_overloads(struct span s)
{
    for (size_t off = BOOTP_COOKIE_OFF + 4; off + 2 < s.cap;) {
        uint8_t code = s.p[off];
        if (code == DHCP_OPT_PAD) {
            off++;
            continue;
        }
        if (code == DHCP_OPT_END)
            break;
        if (code == DHCP_OPT_OVERLOAD && s.p[off + 1] >= 1)
            return s.p[off + 2];
        off += 2 + (size_t)s.p[off + 1];
    }
    return 0;
}

/* Records the fields of the BOOTP header (s.cap >= BOOTP_COOKIE_OFF + 4);
 * the server name and boot file fields only when set and not holding
 * options. */
static void bootp_fields(struct dissect_ctx *c, struct span s)
{
    uint8_t overloads = dhcp_overloads(s);
    struct frame_fields *ff = c->fields;
    const uint8_t *p = s.p;
    uint8_t hlen = p[2];
    field_add_uint(ff, hf_type, p[0]);
    field_add_uint(ff, hf_hw_type, p[1]);
    field_add_uint(ff, hf_hw_len, hlen);
    field_add_uint(ff, hf_hops, p[3]);
    field_add_uint(ff, hf_id, be32(p + 4));
    field_add_uint(ff, hf_secs, be16(p + 8));
    field_add_uint(ff, hf_flags, be16(p + 10));
    field_add_uint(ff, hf_flags_bc, p[10] >> 7);
    field_add_uint(ff, hf_flags_reserved, be16(p + 10) & 0x7fffu);
    field_add_ipv4(ff, hf_ip_client, p + 12);
    field_add_ipv4(ff, hf_ip_your, p + 16);
    field_add_ipv4(ff, hf_ip_server, p + 20);
    field_add_ipv4(ff, hf_ip_relay, p + 24);
    if (p[1] == 1 && hlen == 6)
        field_add_ether(ff, hf_hw_mac_addr, p + 28);
    if (hlen > 0 && hlen < 16)
        field_add_bytes(ff, hf_hw_addr_padding, p + 28 + hlen, 16u - hlen);
    if (p[BOOTP_SNAME_OFF] != 0 && !(overloads & 2))
        dhcp_string(c, hf_server, p + BOOTP_SNAME_OFF, BOOTP_FILE_OFF - BOOTP_SNAME_OFF);
    if (p[BOOTP_FILE_OFF] != 0 && !(overloads & 1))
        dhcp_string(c, hf_file, p + BOOTP_FILE_OFF, BOOTP_COOKIE_OFF - BOOTP_FILE_OFF);
}

/* Records the fields of a DHCP/BOOTP message. */
static void dhcp_fields(struct dissect_ctx *c, struct span s)
{
    bool wanted = false;
    for (int id = first_field; c->fields && id <= last_field && !wanted; id++)
        wanted = c->fields->want[id];
    if (!wanted || s.cap < BOOTP_COOKIE_OFF + 4)
        return;
    bootp_fields(c, s);
    if (memcmp(s.p + BOOTP_COOKIE_OFF, bootp_cookie, 4) != 0)
        return;
    field_add_ipv4(c->fields, hf_cookie, s.p + BOOTP_COOKIE_OFF);
    dhcp_options(c, s, BOOTP_COOKIE_OFF + 4, s.len, true);
}

/* Dissects a DHCP/BOOTP message (read to its end: a cut one is short; one
 * without the magic cookie shorter than the vendor options is malformed). */
static void dissect_dhcp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_dhcp);
    dhcp_fields(c, s);
    if (s.cap < s.len) {
        ctx_push(c, proto_short);
        return;
    }
    /* Without the magic cookie, Wireshark shows 64 bytes of vendor options. */
    if (s.len >= BOOTP_COOKIE_OFF + 4 && s.len < BOOTP_COOKIE_OFF + 64 &&
        memcmp(s.p + BOOTP_COOKIE_OFF, bootp_cookie, 4) != 0)
        ctx_push(c, proto_malformed);
}

/* The DHCP dissector. */
static const struct dissector_handle dhcp_handle = {&proto_dhcp, dissect_dhcp, NULL};

/* The names of the broadcast flag's values. */
static const char *const tfs_bc[2] = {"Broadcast", "Unicast"};

/* Registers DHCP and its fields. */
static void dhcp_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_type, "dhcp.type", "Message type", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_hw_type, "dhcp.hw.type", "Hardware type", FT_UINT8, BASE_HEX, 0, NULL),
        HF(&hf_hw_len, "dhcp.hw.len", "Hardware address length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_hops, "dhcp.hops", "Hops", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_id, "dhcp.id", "Transaction ID", FT_UINT32, BASE_HEX, 0, NULL),
        HF(&hf_secs, "dhcp.secs", "Seconds elapsed", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_flags, "dhcp.flags", "Bootp flags", FT_UINT16, BASE_HEX, 0, NULL),
        HF_TFS(&hf_flags_bc, "dhcp.flags.bc", "Broadcast flag", 0x8000, tfs_bc),
        HF(&hf_flags_reserved, "dhcp.flags.reserved", "Reserved flags", FT_UINT16, BASE_HEX, 0x7fff,
           NULL),
        HF(&hf_ip_client, "dhcp.ip.client", "Client IP address", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_ip_your, "dhcp.ip.your", "Your (client) IP address", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_ip_server, "dhcp.ip.server", "Next server IP address", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_ip_relay, "dhcp.ip.relay", "Relay agent IP address", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_hw_mac_addr, "dhcp.hw.mac_addr", "Client MAC address", FT_ETHER, BASE_NONE, 0, NULL),
        HF(&hf_hw_addr_padding, "dhcp.hw.addr_padding", "Client hardware address padding", FT_BYTES,
           BASE_NONE, 0, NULL),
        HF(&hf_server, "dhcp.server", "Server host name", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_file, "dhcp.file", "Boot file name", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_cookie, "dhcp.cookie", "Magic cookie", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_option_type, "dhcp.option.type", "Option", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_option_length, "dhcp.option.length", "Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_option_value, "dhcp.option.value", "Value", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_option_end, "dhcp.option.end", "Option End", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_option_padding, "dhcp.option.padding", "Padding", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_option_dhcp, "dhcp.option.dhcp", "DHCP", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_hostname, "dhcp.option.hostname", "Host Name", FT_STRINGZ, BASE_NONE, 0, NULL),
        HF(&hf_subnet_mask, "dhcp.option.subnet_mask", "Subnet Mask", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_router, "dhcp.option.router", "Router", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_time_server, "dhcp.option.time_server", "Time Server", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_dns_server, "dhcp.option.domain_name_server", "Domain Name Server", FT_IPv4,
           BASE_NONE, 0, NULL),
        HF(&hf_domain_name, "dhcp.option.domain_name", "Domain Name", FT_STRINGZ, BASE_NONE, 0,
           NULL),
        HF(&hf_broadcast_address, "dhcp.option.broadcast_address", "Broadcast Address", FT_IPv4,
           BASE_NONE, 0, NULL),
        HF(&hf_requested_ip, "dhcp.option.requested_ip_address", "Requested IP Address", FT_IPv4,
           BASE_NONE, 0, NULL),
        HF(&hf_lease_time, "dhcp.option.ip_address_lease_time", "IP Address Lease Time", FT_UINT32,
           BASE_DEC, 0, NULL),
        HF(&hf_server_id, "dhcp.option.dhcp_server_id", "DHCP Server Identifier", FT_IPv4,
           BASE_NONE, 0, NULL),
        HF(&hf_request_list_item, "dhcp.option.request_list_item", "Parameter Request List Item",
           FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_message, "dhcp.option.message", "Message", FT_STRINGZ, BASE_NONE, 0, NULL),
        HF(&hf_renewal_time, "dhcp.option.renewal_time_value", "Renewal Time Value", FT_UINT32,
           BASE_DEC, 0, NULL),
        HF(&hf_rebinding_time, "dhcp.option.rebinding_time_value", "Rebinding Time Value",
           FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_vendor_class_id, "dhcp.option.vendor_class_id", "Vendor class identifier",
           FT_STRINGZ, BASE_NONE, 0, NULL),
        HF(&hf_ntp_server, "dhcp.option.ntp_server", "Network Time Protocol Server", FT_IPv4,
           BASE_NONE, 0, NULL),
    };
    proto_dhcp = registry_proto("dhcp", "Dynamic Host Configuration Protocol");
    registry_fields(proto_dhcp, hf, ARRAY_COUNT(hf));
    first_field = hf_type;
    last_field = hf_ntp_server;
}

/* DHCP on the BOOTP server and client ports. */
static void dhcp_handoff(void)
{
    registry_table_add("udp.port", 67, &dhcp_handle);
    registry_table_add("udp.port", 68, &dhcp_handle);
}

const struct dissector_module dissector_dhcp = {dhcp_register, dhcp_handoff};
