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
/* Option codes. */
enum {
    DHCP_OPT_PAD = 0,
    DHCP_OPT_HOSTNAME = 12,
    DHCP_OPT_OVERLOAD = 52,
    DHCP_OPT_END = 255,
};

/* The DHCP protocol and fields. */
static int proto_dhcp, hf_hostname;

/* Walks the options from off to end (exclusive) of the message at s;
 * overload_ok allows option 52 to open the overloaded fields.  Returns
 * false once an option runs past the captured bytes. */
static bool dhcp_options(struct dissect_ctx *c, struct span s, size_t off, size_t end,
                         bool overload_ok);

/* Records one host name option value of len bytes at p. */
static void dhcp_hostname(struct dissect_ctx *c, const uint8_t *p, size_t len)
{
    char text[WS_ASCII_FIELD_MAX(255)];
    size_t n = ws_ascii_field(p, len, text);
    field_add_string(c->fields, hf_hostname, text, n);
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

/* Walks the options from off to end. */
static bool dhcp_options(struct dissect_ctx *c, struct span s, size_t off, size_t end,
                         bool overload_ok)
{
    while (off < end) {
        if (off >= s.cap)
            return false;
        uint8_t code = s.p[off];
        if (code == DHCP_OPT_PAD) {
            off++;
            continue;
        }
        if (code == DHCP_OPT_END)
            return true;
        if (off + 1 >= s.cap)
            return false;
        size_t len = s.p[off + 1];
        if (off + 2 + len > s.cap)
            return false;
        if (code == DHCP_OPT_HOSTNAME)
            dhcp_hostname(c, s.p + off + 2, len);
        else if (code == DHCP_OPT_OVERLOAD && overload_ok && len >= 1 &&
                 !dhcp_overload(c, s, s.p[off + 2]))
            return false;
        off += 2 + len;
    }
    return true;
}

/* Records the fields of a DHCP/BOOTP message. */
static void dhcp_fields(struct dissect_ctx *c, struct span s)
{
    static const uint8_t cookie[4] = {0x63, 0x82, 0x53, 0x63};
    if (!fields_want(c->fields, hf_hostname))
        return;
    if (s.cap < BOOTP_COOKIE_OFF + 4 || memcmp(s.p + BOOTP_COOKIE_OFF, cookie, 4) != 0)
        return;
    dhcp_options(c, s, BOOTP_COOKIE_OFF + 4, s.len, true);
}

/* Dissects a DHCP/BOOTP message (read to its end: a cut one is short). */
static void dissect_dhcp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_dhcp);
    dhcp_fields(c, s);
    dissect_mark_short(c, s);
}

/* The DHCP dissector. */
static const struct dissector_handle dhcp_handle = {&proto_dhcp, dissect_dhcp, NULL};

/* Registers DHCP and its fields. */
static void dhcp_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_hostname, "dhcp.option.hostname", "Host Name", FT_STRINGZ, BASE_NONE, 0, NULL),
    };
    proto_dhcp = registry_proto("dhcp", "Dynamic Host Configuration Protocol");
    registry_fields(proto_dhcp, hf, ARRAY_COUNT(hf));
}

/* DHCP on the BOOTP server and client ports. */
static void dhcp_handoff(void)
{
    registry_table_add("udp.port", 67, &dhcp_handle);
    registry_table_add("udp.port", 68, &dhcp_handle);
}

const struct dissector_module dissector_dhcp = {dhcp_register, dhcp_handoff};
