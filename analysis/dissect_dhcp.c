/* Owns the DHCP fields: dhcp.option.hostname (option 12) of DHCP/BOOTP
 * messages, found as Wireshark 4.0 walks the options: after the magic
 * cookie, pads skipped, up to the End option, and through the server name
 * and boot file fields when option 52 overloads them (at the point option
 * 52 appears, server name first).  An option that runs past the captured
 * bytes ends the walk, as Wireshark's exception does. */
#include "app_fields.h"

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
    field_add_string(c->fields, F_DHCP_OPTION_HOSTNAME, text, n);
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
void dhcp_dissect_fields(struct dissect_ctx *c, struct span s)
{
    static const uint8_t cookie[4] = {0x63, 0x82, 0x53, 0x63};
    if (!fields_want(c->fields, F_DHCP_OPTION_HOSTNAME))
        return;
    if (s.cap < BOOTP_COOKIE_OFF + 4 || memcmp(s.p + BOOTP_COOKIE_OFF, cookie, 4) != 0)
        return;
    dhcp_options(c, s, BOOTP_COOKIE_OFF + 4, s.len, true);
}
