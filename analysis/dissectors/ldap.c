/* Owns LDAP: messages over TCP (ports 389 and 3268) framed by their BER
 * SEQUENCE header, one "ldap" node each, and connectionless LDAP over
 * UDP port 389 ("cldap"). */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"

/* LDAP and CLDAP. */
static int proto_ldap, proto_cldap;

/* Feeds bytes to a message: its tag and first length byte, the long
 * form's length bytes when there are (up to 4), then the content. */
static size_t ldap_feed(struct tcp_half *h, struct tcp_half *other, const uint8_t *p, size_t n,
                        bool *done)
{
    (void)other;
    size_t used = 0;
    while (h->mode == PDU_HEADER && used < n) {
        tcp_pdu_buf_append(h, p + used, 1, 8);
        used++;
        if (h->buf_len < 2)
            continue;
        uint8_t first = h->buf[1];
        size_t extra = (first & 0x80) ? first & 0x7f : 0;
        if (extra > 4)
            extra = 0; /* Not a length Wireshark reads: the message ends here. */
        if (h->buf_len < 2 + extra)
            continue;
        uint64_t len = extra ? 0 : first;
        for (size_t i = 0; i < extra; i++)
            len = len << 8 | h->buf[2 + i];
        h->mode = PDU_FIXED;
        h->need = len;
    }
    if (h->mode == PDU_HEADER)
        return used;
    if (h->need == 0) {
        *done = true;
        return used;
    }
    return used + tcp_pdu_feed_fixed(h, p + used, n - used, done);
}

/* LDAP's framing over TCP. */
static const struct tcp_stream_ops ldap_ops = {.feed = ldap_feed};

/* The LDAP dissector (over TCP) and CLDAP's (a node). */
static const struct dissector_handle ldap_handle = {&proto_ldap, NULL, &ldap_ops};
static const struct dissector_handle cldap_handle = {&proto_cldap, NULL, NULL};

/* Registers LDAP and CLDAP. */
static void ldap_register(void)
{
    proto_ldap = registry_proto("ldap", "Lightweight Directory Access Protocol");
    proto_cldap = registry_proto("cldap", "Connectionless Lightweight Directory Access Protocol");
}

/* LDAP on TCP ports 389 and 3268 (global catalog), CLDAP on UDP port 389. */
static void ldap_handoff(void)
{
    registry_table_add("tcp.port", 389, &ldap_handle);
    registry_table_add("tcp.port", 3268, &ldap_handle);
    registry_table_add("udp.port", 389, &cldap_handle);
}

const struct dissector_module dissector_ldap = {ldap_register, ldap_handoff};
