/* Owns DNS and mDNS over UDP (ports 53 and 5353) and DNS over TCP (port
 * 53, messages framed by their 2-byte length), and the DNS fields (dns.*)
 * as Wireshark 4.0's DNS dissector records them: the header, every
 * question, the A/AAAA/CNAME data of every record, and the query/response
 * matching (dns.response_in, dns.response_to, dns.time).
 *
 * Names are expanded as Wireshark's expand_dns_name() does (compression
 * pointers, its loop and length limits, bitstring labels) and printed
 * with format_text().  Where Wireshark's dissector throws an exception
 * (bytes missing, a bad label), parsing stops and the fields recorded so
 * far stay, as in tshark.
 *
 * Matching keys a transaction on the conversation (UDP addresses and
 * ports, or the TCP stream) and the transaction ID.  As with tshark -2, a
 * first pass records every transaction (a query starts one unless it
 * repeats an unanswered one within 5 seconds; the first response
 * answers it), and the second pass reads them back. */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"
#include "hash_table.h"
#include "ws_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Wireshark's MAX_DNAME_LEN: room for a name, its terminating NUL included. */
#define DNS_MAX_NAME 255
/* Wireshark's DNS retransmission_timer: a repeated unanswered query within it is a retransmission.
 */
#define DNS_RETRANS_NS 5000000000LL
/* Longest text of one name: format_text() of a full name, or a fixed message. */
#define DNS_NAME_TEXT_MAX WS_FORMAT_TEXT_MAX(DNS_MAX_NAME)
/* Record types Wireshark's DNS dissector names. */
enum {
    T_A = 1,
    T_NS = 2,
    T_MD = 3,
    T_MF = 4,
    T_CNAME = 5,
    T_SOA = 6,
    T_MB = 7,
    T_MG = 8,
    T_MR = 9,
    T_WKS = 11,
    T_PTR = 12,
    T_HINFO = 13,
    T_MINFO = 14,
    T_MX = 15,
    T_TXT = 16,
    T_RP = 17,
    T_AFSDB = 18,
    T_RT = 21,
    T_NSAP_PTR = 23,
    T_SIG = 24,
    T_PX = 26,
    T_AAAA = 28,
    T_NXT = 30,
    T_SRV = 33,
    T_NAPTR = 35,
    T_KX = 36,
    T_DNAME = 39,
    T_OPT = 41,
    T_DS = 43,
    T_RRSIG = 46,
    T_NSEC = 47,
    T_DNSKEY = 48,
    T_SPF = 99,
    T_IXFR = 251,
    T_AXFR = 252,
};

/* The DNS and mDNS protocols and the DNS fields: the header's, ... */
static int proto_dns, proto_mdns, hf_length, hf_id, hf_flags, hf_flags_response, hf_flags_opcode,
    hf_flags_authoritative, hf_flags_truncated, hf_flags_recdesired, hf_flags_recavail, hf_flags_z,
    hf_flags_authenticated, hf_flags_checkdisable, hf_flags_rcode, hf_count_queries, hf_count_zones,
    hf_count_answers, hf_count_prerequisites, hf_count_auth_rr, hf_count_updates, hf_count_add_rr;
/* ... the questions' and records' ... */
static int hf_qry_name, hf_qry_name_len, hf_count_labels, hf_qry_type, hf_qry_class, hf_qry_qu,
    hf_resp_name, hf_resp_type, hf_resp_class, hf_resp_cache_flush, hf_resp_ttl, hf_resp_len;
/* ... the record data's ... */
static int hf_a, hf_aaaa, hf_cname, hf_ns, hf_ptr_domain_name, hf_dname, hf_mx_preference,
    hf_mx_mail_exchange, hf_txt_length, hf_txt, hf_spf_length, hf_spf, hf_soa_mname, hf_soa_rname,
    hf_soa_serial_number, hf_soa_refresh_interval, hf_soa_retry_interval, hf_soa_expire_limit,
    hf_soa_minimum_ttl, hf_srv_service, hf_srv_proto, hf_srv_name, hf_srv_priority, hf_srv_weight,
    hf_srv_port, hf_srv_target, hf_hinfo_cpu, hf_hinfo_os, hf_naptr_order, hf_rr_udp_payload_size,
    hf_resp_ext_rcode, hf_resp_edns0_version, hf_resp_z, hf_resp_z_do, hf_resp_z_reserved, hf_opt,
    hf_opt_code, hf_opt_len, hf_opt_data, hf_opt_cookie_client, hf_opt_cookie_server,
    hf_rrsig_type_covered, hf_rrsig_algorithm, hf_rrsig_labels, hf_rrsig_original_ttl,
    hf_rrsig_expiration, hf_rrsig_inception, hf_rrsig_key_tag, hf_rrsig_signers_name,
    hf_rrsig_signature, hf_dnskey_flags, hf_dnskey_flags_zone_key, hf_dnskey_flags_key_revoked,
    hf_dnskey_flags_sep, hf_dnskey_flags_reserved, hf_dnskey_protocol, hf_dnskey_algorithm,
    hf_dnskey_key_id, hf_dnskey_public_key, hf_ds_key_id, hf_ds_algorithm, hf_ds_digest_type,
    hf_ds_digest;
/* ... and the matching's. */
static int hf_response_in, hf_response_to, hf_time, hf_retransmission, hf_retransmit_request,
    hf_retransmit_request_in, hf_retransmit_response, hf_retransmit_response_in;

/* The state slot of query/response matching. */
static int matching_slot;

/* One query/response transaction, as Wireshark's dns_transaction_t. */
struct dns_txn {
    uint32_t req_frame; /* Frame of the query that started it. */
    uint32_t rep_frame; /* Frame of its first response, or 0. */
    int64_t req_ns;     /* Time of that query. */
    bool multi;         /* True when its question asks for a zone transfer (several responses). */
};

/* The conversation and transaction ID transactions are filed under
 * (padding zeroed: it is a hash key). */
struct dns_key {
    struct net_addr a; /* Lower endpoint address (UDP), zero for TCP. */
    struct net_addr b; /* Higher endpoint address (UDP), zero for TCP. */
    uint16_t port_a;   /* Port of endpoint a (UDP). */
    uint16_t port_b;   /* Port of endpoint b (UDP). */
    uint16_t id;       /* DNS transaction ID. */
    uint8_t tcp;       /* 1 for a TCP stream, 0 for UDP. */
    uint8_t pad[3];    /* Zero. */
    uint32_t stream;   /* tcp.stream index (TCP), zero for UDP. */
};

/* The transactions of one key, in order of their query frames. */
struct dns_entry {
    struct dns_key key; /* The key; must come first. */
    struct dns_txn *v;  /* The transactions. */
    uint32_t n;         /* Number of transactions. */
    uint32_t cap;       /* Allocated entries in v. */
};

/* Query/response matching across a capture. */
struct dns_state {
    struct hash_table txns; /* struct dns_entry by struct dns_key. */
    bool second;            /* False while the first pass records, true when the second reads. */
};

/* What one message learns about its transaction (Wireshark's dns_trans and retransmission). */
struct dns_view {
    uint32_t req_frame;   /* Query frame, or 0 when unknown. */
    uint32_t rep_frame;   /* First response frame, or 0. */
    int64_t req_ns;       /* Query time. */
    bool retrans;         /* True for a retransmitted query or response. */
    struct dns_txn *real; /* The stored transaction, or NULL for a made-up one. */
};

/* One message being parsed: cap bytes present of a message of any length. */
struct dns_msg {
    const uint8_t *p; /* The message (offset 0 is its ID). */
    size_t cap;       /* Bytes present: reading past them is Wireshark's exception. */
    size_t len;       /* Its length on the wire (a record past it is malformed). */
};

/* An expanded name: raw bytes and length as expand_dns_name() leaves them. */
struct dns_name {
    uint8_t buf[DNS_MAX_NAME + 16]; /* The name as built (bitstring text included). */
    size_t used;                    /* Bytes written to buf. */
    int len;                        /* Its name_len (bitstring text not counted). */
    const char *fixed;              /* A message replacing the name ("<Root>"...), or NULL. */
};

/* Reads the byte at off into *v; false when it is missing (an exception). */
static bool get8(const struct dns_msg *m, long off, uint8_t *v)
{
    if (off < 0 || (size_t)off >= m->cap)
        return false;
    *v = m->p[off];
    return true;
}

/* Reads the big-endian 16-bit value at off; false when it is missing. */
static bool get16(const struct dns_msg *m, long off, uint16_t *v)
{
    if (off < 0 || (size_t)off + 2 > m->cap)
        return false;
    *v = (uint16_t)(m->p[off] << 8 | m->p[off + 1]);
    return true;
}

/* Returns true when n bytes from off are present. */
static bool have(const struct dns_msg *m, long off, long n)
{
    return off >= 0 && n >= 0 && (size_t)off + (size_t)n <= m->cap;
}

/* Appends text to a name being built, as expand_dns_name()'s snprintf
 * into the room left (*room), which it zeroes when the text does not fit. */
static void name_print(struct dns_name *n, int *room, const char *text)
{
    int len = (int)strlen(text);
    if (*room <= 0)
        return;
    if (len <= *room) {
        memcpy(n->buf + n->used, text, (size_t)len);
        n->used += (size_t)len;
        *room -= len;
    } else {
        *room = 0;
    }
}

/* Expands a bitstring label (RFC 2673) whose bit count is at *off; false on an exception. */
static bool name_bitstring(const struct dns_msg *m, long *off, struct dns_name *n, int *room)
{
    uint8_t bits, b;
    char text[16];
    if (!get8(m, (*off)++, &bits))
        return false;
    int bytes = (bits - 1) / 8 + 1;
    name_print(n, room, "\\[x");
    while (bytes-- > 0) {
        if (*room > 0) {
            if (!get8(m, *off, &b))
                return false;
            snprintf(text, sizeof(text), "%02x", b);
            name_print(n, room, text);
        }
        (*off)++;
    }
    snprintf(text, sizeof(text), "/%d]", bits);
    name_print(n, room, text);
    return true;
}

/* Copies a plain label of len bytes at *off; false on an exception. */
static bool name_label(const struct dns_msg *m, long *off, int len, struct dns_name *n, int *room)
{
    if (n->used != 0) {
        if (*room > 0) {
            n->buf[n->used++] = '.';
            n->len++;
            (*room)--;
        }
    } else {
        (*room)--;
    }
    for (; len > 0; len--, (*off)++) {
        if (*room <= 0) {
            *off += len; /* Wireshark stops reading, not parsing: skip the rest. */
            return true;
        }
        if (!get8(m, *off, &n->buf[n->used]))
            return false;
        n->used++;
        n->len++;
        (*room)--;
    }
    return true;
}

/* Ends a name with a fixed message; returns the bytes used, or -1 when
 * fewer than one byte was used (an exception). */
static int name_fixed(struct dns_name *n, const char *text, long used)
{
    n->fixed = text;
    n->len = (int)strlen(text);
    return used < 1 ? -1 : (int)used;
}

/* Expands the name at offset start as expand_dns_name() does; returns
 * the bytes it occupies there, or -1 on an exception. */
static int name_expand(const struct dns_msg *m, long start, struct dns_name *n)
{
    long off = start, len = -1;
    int room = DNS_MAX_NAME, pointers = 0;
    uint8_t cl, lo;
    n->used = 0;
    n->len = 0;
    n->fixed = NULL;
    for (;;) {
        if (!get8(m, off++, &cl))
            return -1;
        if (cl == 0)
            break;
        switch (cl & 0xc0) {
        case 0x00:
            if (!name_label(m, &off, cl, n, &room))
                return -1;
            break;
        case 0x40:
            if ((cl & 0x3f) != 0x01)
                return name_fixed(n, "<Unknown extended label>", off - start);
            if (!name_bitstring(m, &off, n, &room))
                return -1;
            break;
        case 0x80:
            return -1;
        default:
            if (!get8(m, off++, &lo))
                return -1;
            pointers++;
            if (len < 0)
                len = off - start;
            long target = (long)((cl & 0x3f) << 8 | lo);
            if (target == off + 2 || pointers > DNS_MAX_NAME)
                return name_fixed(n, "<Name contains a pointer that loops>", len);
            off = target;
            break;
        }
    }
    if (room <= 0)
        name_fixed(n, "<Name too long>", 1);
    return (int)(len < 0 ? off - start : len);
}

/* Reads the name at off as get_dns_name() does (an empty name is
 * "<Root>"); returns the bytes it occupies, or -1 on an exception. */
static int name_get(const struct dns_msg *m, long off, struct dns_name *n)
{
    int len = name_expand(m, off, n);
    if (len < 0)
        return -1;
    bool empty = !n->fixed && (n->used == 0 || n->buf[0] == 0);
    if (empty && len <= 2) {
        name_fixed(n, "<Root>", 1);
        return len;
    }
    if (len < 2 || (len > 2 && n->len == 0))
        return -1;
    return len;
}

/* Writes a name in format_text()'s form into text (DNS_NAME_TEXT_MAX
 * bytes); returns its length. */
static size_t name_text(const struct dns_name *n, char *text)
{
    if (n->fixed) {
        size_t len = strlen(n->fixed);
        memcpy(text, n->fixed, len);
        return len;
    }
    return ws_format_text(n->buf, (size_t)n->len, text);
}

/* Records a name as a string field, in format_text()'s form. */
static void name_record(struct dissect_ctx *c, int id, const struct dns_name *n)
{
    char text[DNS_NAME_TEXT_MAX];
    if (fields_want(c->fields, id))
        field_add_string(c->fields, id, text, name_text(n, text));
}

/* Records an SRV record's owner name as Wireshark splits it: service,
 * protocol, and the rest as the name. */
static void srv_owner(struct dissect_ctx *c, const struct dns_name *n)
{
    static const int *const ids[] = {&hf_srv_service, &hf_srv_proto, &hf_srv_name};
    char text[DNS_NAME_TEXT_MAX];
    size_t len = name_text(n, text), start = 0;
    for (size_t i = 0; i < 3 && start <= len; i++) {
        const char *dot = memchr(text + start, '.', len - start);
        size_t end = i < 2 && dot ? (size_t)(dot - text) : len;
        field_add_string(c->fields, *ids[i], text + start, end - start);
        if (end == len)
            break;
        start = end + 1;
    }
}

/* Parses a name at off that a record's data holds (recorded under id when
 * id is not 0); returns its length there, or -1 on an exception. */
static int rdata_name(struct dissect_ctx *c, const struct dns_msg *m, long off, int id)
{
    struct dns_name n;
    int len = name_get(m, off, &n);
    if (len >= 0 && id != 0)
        name_record(c, id, &n);
    return len;
}

/* Records a 16-bit (size 2) or 32-bit (size 4) value at off; false when missing. */
static bool rdata_uint(struct dissect_ctx *c, const struct dns_msg *m, long off, int size, int id)
{
    if (!have(m, off, size))
        return false;
    field_add_uint(c->fields, id, size == 2 ? be16(m->p + off) : be32(m->p + off));
    return true;
}

/* Records bytes at off (n of them) as a bytes field; false when missing. */
static bool rdata_bytes(struct dissect_ctx *c, const struct dns_msg *m, long off, long n, int id)
{
    if (!have(m, off, n))
        return false;
    if (n > 0)
        field_add_bytes(c->fields, id, m->p + off, (size_t)n);
    else
        field_add_missing(c->fields, id);
    return true;
}

/* Records a counted character-string at off (its length under hf_len, its
 * text under hf_text, as an ENC_ASCII string); returns its size, or -1 on
 * an exception. */
static long rdata_string(struct dissect_ctx *c, const struct dns_msg *m, long off, int hf_len,
                         int hf_text)
{
    uint8_t len;
    char text[WS_ASCII_FIELD_MAX(255)];
    if (!get8(m, off, &len))
        return -1;
    if (hf_len)
        field_add_uint(c->fields, hf_len, len);
    if (!have(m, off + 1, len))
        return -1;
    if (fields_want(c->fields, hf_text))
        field_add_string(c->fields, hf_text, text, ws_ascii_field(m->p + off + 1, len, text));
    return 1 + (long)len;
}

/* Walks the character-strings of a TXT or SPF record as Wireshark does
 * (until the data length is used up exactly); false on an exception. */
static bool rdata_txt(struct dissect_ctx *c, const struct dns_msg *m, long off, long left, bool spf)
{
    while (left != 0) {
        long n = spf ? rdata_string(c, m, off, hf_spf_length, hf_spf)
                     : rdata_string(c, m, off, hf_txt_length, hf_txt);
        if (n < 0)
            return false;
        off += n;
        left -= n;
    }
    return true;
}

/* Walks a NAPTR record (order, preference, three counted strings and a
 * replacement name); false on an exception. */
static bool rdata_naptr(struct dissect_ctx *c, const struct dns_msg *m, long off)
{
    uint8_t len;
    if (!rdata_uint(c, m, off, 2, hf_naptr_order))
        return false;
    off += 4;
    for (int i = 0; i < 3; i++) {
        if (!get8(m, off, &len) || !have(m, off + 1, len))
            return false;
        off += 1 + len;
    }
    return rdata_name(c, m, off, 0) >= 0;
}

/* Records one EDNS option's value by its code; false on an exception. */
static bool opt_value(struct dissect_ctx *c, const struct dns_msg *m, long off, uint16_t code,
                      uint16_t len)
{
    if (code == 10) { /* COOKIE: 8 bytes of client cookie, then the server's. */
        if (!rdata_bytes(c, m, off, len < 8 ? len : 8, hf_opt_cookie_client))
            return false;
        return len < 8 || rdata_bytes(c, m, off + 8, len - 8, hf_opt_cookie_server);
    }
    return true;
}

/* Walks the options of an OPT record, recording them; false on an exception. */
static bool rdata_opt(struct dissect_ctx *c, const struct dns_msg *m, long off, long left)
{
    uint16_t code, optlen;
    while (left > 0) {
        if (!get16(m, off, &code) || !get16(m, off + 2, &optlen))
            return false;
        field_add_present(c->fields, hf_opt);
        field_add_uint(c->fields, hf_opt_code, code);
        field_add_uint(c->fields, hf_opt_len, optlen);
        if (!rdata_bytes(c, m, off + 4, optlen, hf_opt_data))
            return false;
        if (!opt_value(c, m, off + 4, code, optlen))
            return false;
        off += 4 + optlen;
        left -= 4 + optlen;
    }
    return true;
}

/* Walks an NSEC type bitmap as Wireshark does; false on an exception. */
static bool rdata_bitmap(const struct dns_msg *m, long off, long left)
{
    uint8_t size;
    while (left != 0) {
        if (!get8(m, off + 1, &size) || !have(m, off, 2 + (long)size))
            return false;
        off += 2 + size;
        left -= 2 + size;
    }
    return true;
}

/* Parses an SOA record's data; false on an exception. */
static bool rdata_soa(struct dissect_ctx *c, const struct dns_msg *m, long off)
{
    static const int *const ids[] = {&hf_soa_serial_number, &hf_soa_refresh_interval,
                                     &hf_soa_retry_interval, &hf_soa_expire_limit,
                                     &hf_soa_minimum_ttl};
    int n = rdata_name(c, m, off, hf_soa_mname);
    if (n < 0)
        return false;
    off += n;
    if ((n = rdata_name(c, m, off, hf_soa_rname)) < 0)
        return false;
    off += n;
    for (size_t i = 0; i < ARRAY_COUNT(ids); i++, off += 4)
        if (!rdata_uint(c, m, off, 4, *ids[i]))
            return false;
    return true;
}

/* Parses an RRSIG (or SIG) record's data of len bytes; false on an exception. */
static bool rdata_rrsig(struct dissect_ctx *c, const struct dns_msg *m, long off, long len)
{
    uint8_t b;
    int n;
    if (!rdata_uint(c, m, off, 2, hf_rrsig_type_covered) || !get8(m, off + 2, &b))
        return false;
    field_add_uint(c->fields, hf_rrsig_algorithm, b);
    if (!get8(m, off + 3, &b))
        return false;
    field_add_uint(c->fields, hf_rrsig_labels, b);
    if (!rdata_uint(c, m, off + 4, 4, hf_rrsig_original_ttl) || !have(m, off + 8, 8))
        return false;
    field_add_time(c->fields, hf_rrsig_expiration, (int64_t)be32(m->p + off + 8) * 1000000000);
    field_add_time(c->fields, hf_rrsig_inception, (int64_t)be32(m->p + off + 12) * 1000000000);
    if (!rdata_uint(c, m, off + 16, 2, hf_rrsig_key_tag) ||
        (n = rdata_name(c, m, off + 18, hf_rrsig_signers_name)) < 0)
        return false;
    return rdata_bytes(c, m, off + 18 + n, len - 18 - n, hf_rrsig_signature);
}

/* Parses a DNSKEY record's data of len bytes; false on an exception. */
static bool rdata_dnskey(struct dissect_ctx *c, const struct dns_msg *m, long off, long len)
{
    uint8_t b;
    if (!have(m, off, 2))
        return false;
    uint16_t flags = be16(m->p + off);
    field_add_uint(c->fields, hf_dnskey_flags, flags);
    field_add_uint(c->fields, hf_dnskey_flags_zone_key, (flags >> 8) & 1u);
    field_add_uint(c->fields, hf_dnskey_flags_key_revoked, (flags >> 7) & 1u);
    field_add_uint(c->fields, hf_dnskey_flags_sep, flags & 1u);
    field_add_uint(c->fields, hf_dnskey_flags_reserved, flags & 0xfe7eu);
    if (!get8(m, off + 2, &b))
        return false;
    field_add_uint(c->fields, hf_dnskey_protocol, b);
    if (!get8(m, off + 3, &b))
        return false;
    field_add_uint(c->fields, hf_dnskey_algorithm, b);
    if (!have(m, off, len))
        return false;
    if (fields_want(c->fields, hf_dnskey_key_id)) {
        /* RFC 4034 appendix B: the key tag over the whole data. */
        uint32_t ac = 0;
        for (long i = 0; i < len; i++)
            ac += (i & 1) ? m->p[off + i] : (uint32_t)m->p[off + i] << 8;
        ac += ac >> 16 & 0xffff;
        field_add_uint(c->fields, hf_dnskey_key_id, ac & 0xffff);
    }
    return rdata_bytes(c, m, off + 4, len - 4, hf_dnskey_public_key);
}

/* Parses a DS record's data of len bytes; false on an exception. */
static bool rdata_ds(struct dissect_ctx *c, const struct dns_msg *m, long off, long len)
{
    uint8_t b;
    if (!rdata_uint(c, m, off, 2, hf_ds_key_id) || !get8(m, off + 2, &b))
        return false;
    field_add_uint(c->fields, hf_ds_algorithm, b);
    if (!get8(m, off + 3, &b))
        return false;
    field_add_uint(c->fields, hf_ds_digest_type, b);
    return rdata_bytes(c, m, off + 4, len - 4, hf_ds_digest);
}

/* Parses the data of a record with names or counted strings as Wireshark
 * does; returns false on an exception. */
static bool rdata_names(struct dissect_ctx *c, const struct dns_msg *m, uint16_t type, long off,
                        long len)
{
    int n;
    switch (type) {
    case T_CNAME:
        return rdata_name(c, m, off, hf_cname) >= 0;
    case T_NS:
        return rdata_name(c, m, off, hf_ns) >= 0;
    case T_PTR:
        return rdata_name(c, m, off, hf_ptr_domain_name) >= 0;
    case T_DNAME:
        return rdata_name(c, m, off, hf_dname) >= 0;
    case T_SOA:
        return rdata_soa(c, m, off);
    case T_MINFO:
    case T_RP:
        return (n = rdata_name(c, m, off, 0)) >= 0 && rdata_name(c, m, off + n, 0) >= 0;
    case T_MX: /* Wireshark reads the name before adding the preference. */
        return have(m, off, 2) && rdata_name(c, m, off + 2, 0) >= 0 &&
               rdata_uint(c, m, off, 2, hf_mx_preference) &&
               rdata_name(c, m, off + 2, hf_mx_mail_exchange) >= 0;
    case T_AFSDB:
    case T_RT:
    case T_KX:
        return have(m, off, 2) && rdata_name(c, m, off + 2, 0) >= 0;
    case T_PX:
        return have(m, off, 2) && (n = rdata_name(c, m, off + 2, 0)) >= 0 &&
               rdata_name(c, m, off + 2 + n, 0) >= 0;
    case T_SRV:
        return rdata_uint(c, m, off, 2, hf_srv_priority) &&
               rdata_uint(c, m, off + 2, 2, hf_srv_weight) &&
               rdata_uint(c, m, off + 4, 2, hf_srv_port) &&
               rdata_name(c, m, off + 6, hf_srv_target) >= 0;
    case T_SIG:
    case T_RRSIG:
        return rdata_rrsig(c, m, off, len);
    case T_NSEC:
        return (n = rdata_name(c, m, off, 0)) >= 0 && rdata_bitmap(m, off + n, len - n);
    case T_HINFO: {
        long a = rdata_string(c, m, off, 0, hf_hinfo_cpu);
        return a >= 0 && rdata_string(c, m, off + a, 0, hf_hinfo_os) >= 0;
    }
    case T_TXT:
    case T_SPF:
        return rdata_txt(c, m, off, len, type == T_SPF);
    case T_OPT:
        return rdata_opt(c, m, off, len);
    case T_NAPTR:
        return rdata_naptr(c, m, off);
    case T_NXT:
        return (n = rdata_name(c, m, off, 0)) >= 0 && have(m, off + n, len - n);
    default:
        return rdata_name(c, m, off, 0) >= 0; /* MD, MF, MB, MG, MR, NSAP-PTR, ... */
    }
}

/* Parses a record's data of len bytes at off, recording its fields;
 * returns false on an exception.  Like Wireshark, A and AAAA read their
 * address whatever the data length. */
static bool rdata_parse(struct dissect_ctx *c, const struct dns_msg *m, uint16_t type, long off,
                        long len)
{
    switch (type) {
    case T_A:
        if (!have(m, off, 4))
            return false;
        field_add_ipv4(c->fields, hf_a, m->p + off);
        return true;
    case T_AAAA:
        if (!have(m, off, 16))
            return false;
        field_add_ipv6(c->fields, hf_aaaa, m->p + off);
        return true;
    case T_DNSKEY:
        return rdata_dnskey(c, m, off, len);
    case T_DS:
        return rdata_ds(c, m, off, len);
    case T_NS:
    case T_MD:
    case T_MF:
    case T_MB:
    case T_MG:
    case T_MR:
    case T_PTR:
    case T_NSAP_PTR:
    case T_DNAME:
    case T_NXT:
    case T_CNAME:
    case T_SOA:
    case T_MINFO:
    case T_RP:
    case T_MX:
    case T_AFSDB:
    case T_RT:
    case T_KX:
    case T_PX:
    case T_SRV:
    case T_NAPTR:
    case T_SIG:
    case T_RRSIG:
    case T_NSEC:
    case T_HINFO:
    case T_TXT:
    case T_SPF:
    case T_OPT:
        return rdata_names(c, m, type, off, len);
    case T_WKS:
        return have(m, off, len > 5 ? len : 5) && len >= 5;
    default:
        return have(m, off, len); /* Shown as bytes: all of them must be there. */
    }
}

/* Returns the number of labels of a name as Wireshark counts them (dots,
 * plus one, unless the name is empty or one character). */
static unsigned name_labels(const struct dns_name *n)
{
    const uint8_t *text = n->fixed ? (const uint8_t *)n->fixed : n->buf;
    unsigned labels = 0;
    if (n->len <= 1)
        return 0;
    for (int i = 0; i < n->len; i++)
        labels += text[i] == '.';
    return labels + 1;
}

/* Parses the question at *off; false on an exception. */
static bool dns_question(struct dissect_ctx *c, const struct dns_msg *m, long *off, bool *multi,
                         bool mdns)
{
    struct dns_name n;
    uint16_t type, cls;
    int len = name_get(m, *off, &n);
    if (len < 0 || !get16(m, *off + len, &type) || !get16(m, *off + len + 2, &cls))
        return false;
    name_record(c, hf_qry_name, &n);
    field_add_uint(c->fields, hf_qry_name_len, (uint64_t)n.len);
    field_add_uint(c->fields, hf_count_labels, name_labels(&n));
    field_add_uint(c->fields, hf_qry_type, type);
    if (mdns) {
        field_add_uint(c->fields, hf_qry_class, cls & 0x7fffu);
        field_add_uint(c->fields, hf_qry_qu, cls >> 15);
    } else {
        field_add_uint(c->fields, hf_qry_class, cls);
    }
    if (type == T_AXFR || type == T_IXFR)
        *multi = true;
    *off += len + 4;
    return true;
}

/* Records the fields of a record's header (name, type, class and TTL or
 * the OPT record's EDNS fields, data length). */
static void record_header(struct dissect_ctx *c, const struct dns_msg *m, long off,
                          const struct dns_name *n, uint16_t type, bool mdns)
{
    const uint8_t *h = m->p + off; /* Type, class, TTL, data length. */
    uint16_t cls = be16(h + 2);
    if (type == T_SRV)
        srv_owner(c, n);
    else
        name_record(c, hf_resp_name, n);
    field_add_uint(c->fields, hf_resp_type, type);
    if (type == T_OPT) {
        field_add_uint(c->fields, hf_rr_udp_payload_size, cls);
        field_add_uint(c->fields, hf_resp_ext_rcode, h[4]);
        field_add_uint(c->fields, hf_resp_edns0_version, h[5]);
        field_add_uint(c->fields, hf_resp_z, be16(h + 6));
        field_add_uint(c->fields, hf_resp_z_do, h[6] >> 7);
        field_add_uint(c->fields, hf_resp_z_reserved, be16(h + 6) & 0x7fffu);
    } else {
        if (mdns) {
            field_add_uint(c->fields, hf_resp_class, cls & 0x7fffu);
            field_add_uint(c->fields, hf_resp_cache_flush, cls >> 15);
        } else {
            field_add_uint(c->fields, hf_resp_class, cls);
        }
        field_add_uint(c->fields, hf_resp_ttl, be32(h + 4));
    }
    field_add_uint(c->fields, hf_resp_len, be16(h + 8));
}

/* Parses the resource record at *off; false on an exception. */
static bool dns_record(struct dissect_ctx *c, const struct dns_msg *m, long *off, bool mdns)
{
    struct dns_name n;
    uint16_t type, cls, dlen;
    int len = name_get(m, *off, &n);
    if (len < 0 || !get16(m, *off + len, &type) || !get16(m, *off + len + 2, &cls) ||
        !get16(m, *off + len + 8, &dlen))
        return false;
    /* Wireshark's subtree for the record throws when its data overruns the message. */
    if ((size_t)*off + (size_t)len + 10 + dlen > m->len)
        return false;
    if (c->fields)
        record_header(c, m, *off + len, &n, type, mdns);
    long data = *off + len + 10;
    if (dlen != 0 && !rdata_parse(c, m, type, data, dlen))
        return false;
    *off = data + dlen;
    return true;
}

/* Returns the last transaction of e whose query frame is at most num, or NULL. */
static struct dns_txn *txn_find(struct dns_entry *e, uint32_t num)
{
    uint32_t lo = 0, hi = e->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e->v[mid].req_frame <= num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 ? &e->v[lo - 1] : NULL;
}

/* Appends a new transaction to e; NULL when out of memory. */
static struct dns_txn *txn_add(struct dns_entry *e, uint32_t num, int64_t now)
{
    if (e->n == e->cap) {
        uint32_t cap = e->cap ? e->cap * 2 : 2;
        struct dns_txn *v = realloc(e->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        e->v = v;
        e->cap = cap;
    }
    e->v[e->n] = (struct dns_txn){.req_frame = num, .req_ns = now};
    return &e->v[e->n++];
}

/* The first pass's bookkeeping for a message (Wireshark's unvisited frame). */
static struct dns_txn *track_first(struct dns_entry *e, bool response, uint32_t num, int64_t now,
                                   bool *retrans)
{
    struct dns_txn *t = txn_find(e, num);
    if (response) {
        if (t && t->rep_frame == 0)
            t->rep_frame = num;
        else if (t && !t->multi)
            *retrans = true;
        return t;
    }
    if (t && t->rep_frame == 0 && now - t->req_ns < DNS_RETRANS_NS) {
        *retrans = true;
        return t;
    }
    return txn_add(e, num, now);
}

/* Finds (first pass: records) the transaction of a message into *v. */
static void dns_track(struct dns_state *st, const struct dns_key *k, bool response, uint32_t num,
                      int64_t now, struct dns_view *v)
{
    int created;
    struct dns_txn *t = NULL;
    *v = (struct dns_view){.req_ns = now};
    struct dns_entry *e = hash_table_upsert(&st->txns, k, &created);
    if (!e)
        return;
    if (!st->second) {
        t = track_first(e, response, num, now, &v->retrans);
    } else if ((t = txn_find(e, num)) != NULL) {
        if (!response && t->req_frame != num) {
            /* A retransmitted query: it points at the original, with no response. */
            *v = (struct dns_view){.req_frame = t->req_frame, .req_ns = now, .retrans = true};
            return;
        }
        v->retrans = response && t->rep_frame != num && !t->multi;
    }
    if (t) {
        v->req_frame = t->req_frame;
        v->rep_frame = t->rep_frame;
        v->req_ns = t->req_ns;
        v->real = t;
    }
}

/* Records the matching fields shown after the records. */
static void dns_matching(struct dissect_ctx *c, bool response, const struct dns_view *v)
{
    struct frame_fields *ff = c->fields;
    if (!response) {
        if (v->retrans && v->req_frame) {
            field_add_present(ff, hf_retransmit_request);
            field_add_uint(ff, hf_retransmit_request_in, v->req_frame);
            field_add_uint(ff, hf_retransmission, 1);
        } else if (v->rep_frame) {
            field_add_uint(ff, hf_response_in, v->rep_frame);
        }
    } else if (v->req_frame) {
        if (v->retrans && v->rep_frame) {
            field_add_present(ff, hf_retransmit_response);
            field_add_uint(ff, hf_retransmit_response_in, v->rep_frame);
            field_add_uint(ff, hf_retransmission, 1);
        } else {
            field_add_uint(ff, hf_response_to, v->req_frame);
            field_add_time(ff, hf_time, c->frame->ts_ns - v->req_ns);
        }
    }
}

/* Walks the TLVs of a DNS Stateful Operations message; false on an exception. */
static bool dns_dso(const struct dns_msg *m, long *off, size_t reported)
{
    uint16_t len;
    while (*off >= 0 && (size_t)*off + 4 <= reported) {
        if (!get16(m, *off + 2, &len) || !have(m, *off, 4 + (long)len))
            return false;
        *off += 4 + len;
    }
    return true;
}

/* Parses the sections after the header; false on an exception. */
static bool dns_sections(struct dissect_ctx *c, const struct dns_msg *m, size_t reported,
                         const uint16_t count[4], struct dns_view *v, bool mdns)
{
    long off = 12;
    bool multi = false;
    if ((m->p[2] >> 3 & 0xf) == 6 && !(count[0] | count[1] | count[2] | count[3]) &&
        !dns_dso(m, &off, reported))
        return false;
    for (unsigned i = 0; i < count[0]; i++)
        if (!dns_question(c, m, &off, &multi, mdns))
            return false;
    if (count[0] > 0 && v->real)
        v->real->multi = multi;
    for (int s = 1; s < 4; s++)
        for (unsigned i = 0; i < count[s]; i++)
            if (!dns_record(c, m, &off, mdns))
                return false;
    return true;
}

/* Returns true when the wanted fields need query/response matching (the
 * matching fields are registered in one run, response_in first). */
static bool dns_needs_first_pass(const struct frame_fields *ff)
{
    for (int id = hf_response_in; id <= hf_retransmit_response_in; id++)
        if (fields_want(ff, id))
            return true;
    return false;
}

/* Returns the matching state of this pass: the second pass's, or the one
 * a first pass creates when its second pass needs matching; NULL when
 * this pass does no matching. */
static struct dns_state *dns_state_get(struct dissect_ctx *c)
{
    struct dissector *d = c->d;
    struct dns_state *st = d->state[matching_slot];
    if (st || c->fields || !d->next_pass || !dns_needs_first_pass(d->next_pass))
        return st;
    st = d->state[matching_slot] = calloc(1, sizeof(*st));
    if (st)
        hash_table_init(&st->txns, sizeof(struct dns_key), sizeof(struct dns_entry));
    return st;
}

/* The ids of the first and last DNS field (registered in one run). */
static int first_field, last_field;

/* Returns true when this pass records DNS fields or does matching. */
static bool dns_active(const struct dissect_ctx *c)
{
    if (c->d->state[matching_slot] ||
        (!c->fields && c->d->next_pass && dns_needs_first_pass(c->d->next_pass)))
        return true;
    return fields_want_proto(c->fields, proto_dns);
}

/* Records the header's flags: a query's lack those only a response has. */
static void flags_fields(struct frame_fields *ff, uint16_t flags)
{
    bool response = (flags & 0x8000) != 0;
    field_add_uint(ff, hf_flags, flags);
    field_add_uint(ff, hf_flags_response, response);
    field_add_uint(ff, hf_flags_opcode, flags >> 11 & 0xfu);
    if (response)
        field_add_uint(ff, hf_flags_authoritative, flags >> 10 & 1u);
    field_add_uint(ff, hf_flags_truncated, flags >> 9 & 1u);
    field_add_uint(ff, hf_flags_recdesired, flags >> 8 & 1u);
    if (response)
        field_add_uint(ff, hf_flags_recavail, flags >> 7 & 1u);
    field_add_uint(ff, hf_flags_z, flags >> 6 & 1u);
    if (response || (flags & 0x20)) /* A query shows the AD bit only when set. */
        field_add_uint(ff, hf_flags_authenticated, flags >> 5 & 1u);
    field_add_uint(ff, hf_flags_checkdisable, flags >> 4 & 1u);
    if (response)
        field_add_uint(ff, hf_flags_rcode, flags & 0xfu);
}

/* Records the section counts that are present, named as an UPDATE
 * (opcode 5) names them. */
static void count_fields(struct frame_fields *ff, uint16_t flags, const uint16_t count[4],
                         int present)
{
    bool update = (flags >> 11 & 0xf) == 5;
    const int ids[4] = {update ? hf_count_zones : hf_count_queries,
                        update ? hf_count_prerequisites : hf_count_answers,
                        update ? hf_count_updates : hf_count_auth_rr, hf_count_add_rr};
    for (int i = 0; i < present; i++)
        field_add_uint(ff, ids[i], count[i]);
}

/* Dissects one message of cap present bytes (of reported on the wire) in
 * conversation k (NULL when it belongs to none). */
static void dns_message(struct dissect_ctx *c, const uint8_t *p, size_t cap, size_t reported,
                        struct dns_key *k, bool mdns)
{
    struct dns_msg m = {p, cap, reported};
    struct dns_view v = {.req_ns = c->frame->ts_ns};
    /* A datagram an ICMP error quotes shows its fields but joins no transaction. */
    struct dns_state *st = k && !c->quoted ? dns_state_get(c) : NULL;
    uint16_t id, flags, count[4];
    if (!get16(&m, 0, &id) || !get16(&m, 2, &flags))
        return;
    bool response = (flags & 0x8000) != 0;
    if (st) {
        k->id = id;
        dns_track(st, k, response, (uint32_t)c->d->frame_number, c->frame->ts_ns, &v);
    }
    field_add_uint(c->fields, hf_id, id);
    if (c->fields)
        flags_fields(c->fields, flags);
    int counts = 0;
    while (counts < 4 && get16(&m, 4 + 2 * counts, &count[counts]))
        counts++;
    if (c->fields)
        count_fields(c->fields, flags, count, counts);
    if (counts < 4)
        return;
    if (dns_sections(c, &m, reported, count, &v, mdns))
        dns_matching(c, response, &v);
}

/* Records the fields of a DNS or mDNS message in a UDP datagram. */
static void dns_udp_fields(struct dissect_ctx *c, struct span s, bool mdns)
{
    struct frame_dissection *o = c->out;
    struct dns_key k;
    if (!dns_active(c))
        return;
    if (c->quoted || o->n_udp == 0) {
        /* Quoted by an ICMP error: no conversation. */
        dns_message(c, s.p, s.cap, s.len, NULL, mdns);
        return;
    }
    const struct dissect_port_layer *u = &o->udp[o->n_udp - 1];
    bool src_low = net_addr_cmp(&u->src, &u->dst) < 0 ||
                   (net_addr_cmp(&u->src, &u->dst) == 0 && u->sport <= u->dport);
    memset(&k, 0, sizeof(k));
    k.a = src_low ? u->src : u->dst;
    k.b = src_low ? u->dst : u->src;
    k.port_a = src_low ? u->sport : u->dport;
    k.port_b = src_low ? u->dport : u->sport;
    dns_message(c, s.p, s.cap, s.len, &k, mdns);
}

/* Skips the name at *off of a message of len bytes: its labels up to the
 * root or a compression pointer; returns false when it runs past the end. */
static bool dns_skip_name(const uint8_t *p, size_t len, size_t *off)
{
    while (*off < len) {
        uint8_t l = p[*off];
        if ((l & 0xc0) == 0xc0) {
            *off += 2;
            return *off <= len;
        }
        *off += 1 + (size_t)(l & 0x3f);
        if (l == 0)
            return true;
    }
    return false;
}

/* Returns true when the sections a DNS message's header counts run past
 * its end (the whole message captured, len bytes at p): Wireshark's
 * dissector throws there and the packet is malformed.  A length walk
 * only, cheap enough for every message of a summary pass. */
static bool dns_overruns(const uint8_t *p, size_t len)
{
    if (len < 12 || (p[2] >> 3 & 0xf) == 6)
        return false; /* A short header has its own exception; DSO has no sections. */
    size_t off = 12;
    for (unsigned i = 0, n = be16(p + 4); i < n; i++)
        if (!dns_skip_name(p, len, &off) || (off += 4) > len)
            return true;
    for (unsigned s = 0; s < 3; s++)
        for (unsigned i = 0, n = be16(p + 6 + 2 * s); i < n; i++) {
            if (!dns_skip_name(p, len, &off) || off + 10 > len)
                return true;
            off += 10 + (size_t)be16(p + off + 8);
            if (off > len)
                return true;
        }
    return false;
}

/* Shows what follows a DNS message's fields: _ws.short for one the
 * snaplen cut, _ws.malformed for one whose sections overrun it. */
static void dns_mark_end(struct dissect_ctx *c, struct span s)
{
    if (s.cap < s.len)
        ctx_push(c, proto_short);
    else if (dns_overruns(s.p, s.len))
        ctx_push(c, proto_malformed);
}

/* Dissects a DNS message in a UDP datagram. */
static void dissect_dns_udp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_dns);
    dns_udp_fields(c, s, false);
    dns_mark_end(c, s);
}

/* Dissects an mDNS message (a DNS message on port 5353). */
static void dissect_mdns(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_mdns);
    dns_udp_fields(c, s, true);
    dns_mark_end(c, s);
}

/* Dissects one DNS message of len bytes (cap of them present) completed
 * on the current TCP stream. */
static void dns_tcp_message(struct dissect_ctx *c, const uint8_t *msg, size_t cap, size_t len)
{
    struct frame_dissection *o = c->out;
    struct dns_key k;
    if (!dns_active(c) || o->n_tcp == 0)
        return;
    memset(&k, 0, sizeof(k));
    k.tcp = 1;
    k.stream = o->tcp[o->n_tcp - 1].stream;
    field_add_uint(c->fields, hf_length, len);
    dns_message(c, msg, cap, len, &k, false);
}

/* DNS over TCP keeps a direction's messages whole (in buf) when this
 * pass records DNS fields or does matching; the flag lives in the
 * direction's application area. */
static inline bool *dns_keep(struct tcp_half *h)
{
    return (bool *)(void *)h->app.words;
}

/* Decides per segment whether messages are kept. */
static void dns_tcp_prepare(struct dissect_ctx *c, struct tcp_half *h)
{
    *dns_keep(h) = dns_active(c);
}

/* Every byte after a message starts the next one. */
static bool dns_tcp_start(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                          const uint8_t *p, size_t n, bool pushed)
{
    (void)c;
    (void)h;
    (void)other;
    (void)p;
    (void)n;
    (void)pushed;
    return true;
}

/* Feeds bytes to a message (2-byte length, then the message). */
static size_t dns_tcp_feed(struct tcp_half *h, struct tcp_half *other, const uint8_t *p, size_t n,
                           bool *done)
{
    (void)other;
    return tcp_pdu_feed_prefixed(h, p, n, 2, 0, *dns_keep(h), 2 + 0xffff, done);
}

/* A message completed: one "dns" node per message, with its fields when kept. */
static void dns_tcp_done(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                         bool pushed)
{
    (void)other;
    (void)pushed;
    ctx_push(c, proto_dns);
    if (*dns_keep(h) && h->buf_len >= 2 && h->buf_len == 2 + (uint32_t)be16(h->buf))
        dns_tcp_message(c, h->buf + 2, h->buf_len - 2, h->buf_len - 2u);
}

/* Records the messages whose length a cut segment holds (no message in
 * progress), as far as they were captured. */
static void dns_tcp_cut(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                        struct span p)
{
    (void)other;
    if (h->mode != PDU_IDLE || !dns_active(c))
        return;
    for (size_t off = 0; off + 2 <= p.cap;) {
        size_t len = (size_t)(p.p[off] << 8 | p.p[off + 1]);
        if (off + 2 + len > p.len)
            return;
        size_t cap = p.cap - off - 2 < len ? p.cap - off - 2 : len;
        dns_tcp_message(c, p.p + off + 2, cap, len);
        off += 2 + len;
    }
}

/* DNS over TCP's framing. */
static const struct tcp_stream_ops dns_tcp_ops = {
    .prepare = dns_tcp_prepare,
    .start = dns_tcp_start,
    .feed = dns_tcp_feed,
    .done = dns_tcp_done,
    .cut = dns_tcp_cut,
};

/* The DNS dissectors: over UDP, mDNS, and over TCP. */
static const struct dissector_handle dns_udp_handle = {&proto_dns, dissect_dns_udp, NULL};
static const struct dissector_handle mdns_handle = {&proto_mdns, dissect_mdns, NULL};
static const struct dissector_handle dns_tcp_handle = {&proto_dns, NULL, &dns_tcp_ops};

static void dns_state_free(void *state);

/* Moves a first pass's matching to the second pass. */
static void dns_take_first_pass(struct dissector *second, struct dissector *first)
{
    struct dns_state *st = first->state[matching_slot];
    if (second->state[matching_slot])
        dns_state_free(second->state[matching_slot]);
    second->state[matching_slot] = st;
    first->state[matching_slot] = NULL;
    if (st)
        st->second = true;
}

/* Frees one key's transactions (a hash_table_foreach callback). */
static void dns_entry_free(void *entry, void *ctx)
{
    (void)ctx;
    free(((struct dns_entry *)entry)->v);
}

/* Frees the matching state. */
static void dns_state_free(void *state)
{
    struct dns_state *st = state;
    hash_table_foreach(&st->txns, dns_entry_free, NULL);
    hash_table_free(&st->txns);
    free(st);
}

/* The reply codes (`tshark -G values`). */
static const struct value_name rcode_names[] = {
    {0, "No error"},
    {1, "Format error"},
    {2, "Server failure"},
    {3, "No such name"},
    {4, "Not implemented"},
    {5, "Refused"},
    {6, "Name exists"},
    {7, "RRset exists"},
    {8, "RRset does not exist"},
    {9, "Not authoritative"},
    {10, "Name out of zone"},
    {11, "DSO-Type not implemented"},
    {16, "Bad OPT Version or TSIG Signature Failure"},
    {17, "Key not recognized"},
    {18, "Signature out of time window"},
    {19, "Bad TKEY Mode"},
    {20, "Duplicate key name"},
    {21, "Algorithm not supported"},
    {22, "Bad Truncation"},
    {23, "Bad/missing Server Cookie"},
    {0, NULL},
};

/* The names of the response flag's and the DO bit's values. */
static const char *const tfs_response[2] = {"Message is a response", "Message is a query"};
static const char *const tfs_accepted[2] = {"Accepts DNSSEC security RRs",
                                            "Cannot handle DNSSEC security RRs"};

/* The opcodes. */
static const struct value_name opcode_names[] = {
    {0, "Standard query"},
    {1, "Inverse query"},
    {2, "Server status request"},
    {4, "Zone change notification"},
    {5, "Dynamic update"},
    {6, "DNS Stateful operations (DSO)"},
    {0, NULL},
};

/* The classes. */
static const struct value_name class_names[] = {
    {1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"}, {0, NULL},
};

/* The header's fields. */
static const struct field_reg hf_header[] = {
    HF(&hf_length, "dns.length", "Length", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_id, "dns.id", "Transaction ID", FT_UINT16, BASE_HEX, 0, NULL),
    HF(&hf_flags, "dns.flags", "Flags", FT_UINT16, BASE_HEX, 0, NULL),
    HF_TFS(&hf_flags_response, "dns.flags.response", "Response", 0x8000, tfs_response),
    HF(&hf_flags_opcode, "dns.flags.opcode", "Opcode", FT_UINT16, BASE_DEC, 0x7800, opcode_names),
    HF_TFS(&hf_flags_authoritative, "dns.flags.authoritative", "Authoritative", 0x400,
           tfs_set_notset),
    HF_TFS(&hf_flags_truncated, "dns.flags.truncated", "Truncated", 0x200, tfs_set_notset),
    HF_TFS(&hf_flags_recdesired, "dns.flags.recdesired", "Recursion desired", 0x100,
           tfs_set_notset),
    HF_TFS(&hf_flags_recavail, "dns.flags.recavail", "Recursion available", 0x80, tfs_set_notset),
    HF_TFS(&hf_flags_z, "dns.flags.z", "Z", 0x40, tfs_set_notset),
    HF_TFS(&hf_flags_authenticated, "dns.flags.authenticated", "Answer authenticated", 0x20,
           tfs_set_notset),
    HF_TFS(&hf_flags_checkdisable, "dns.flags.checkdisable", "Non-authenticated data", 0x10,
           tfs_set_notset),
    HF(&hf_flags_rcode, "dns.flags.rcode", "Reply code", FT_UINT16, BASE_DEC, 0x000f, rcode_names),
    HF(&hf_count_queries, "dns.count.queries", "Questions", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_count_zones, "dns.count.zones", "Zones", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_count_answers, "dns.count.answers", "Answer RRs", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_count_prerequisites, "dns.count.prerequisites", "Prerequisites", FT_UINT16, BASE_DEC, 0,
       NULL),
    HF(&hf_count_auth_rr, "dns.count.auth_rr", "Authority RRs", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_count_updates, "dns.count.updates", "Updates", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_count_add_rr, "dns.count.add_rr", "Additional RRs", FT_UINT16, BASE_DEC, 0, NULL),
};

/* The questions' and records' fields. */
static const struct field_reg hf_records[] = {
    HF(&hf_qry_name, "dns.qry.name", "Name", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_qry_name_len, "dns.qry.name.len", "Name Length", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_count_labels, "dns.count.labels", "Label Count", FT_UINT16, BASE_DEC, 0, NULL),
    /* Record types have names in Wireshark too, in an extended table its
     * display filters do not search: a name is refused there, so here. */
    HF(&hf_qry_type, "dns.qry.type", "Type", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_qry_class, "dns.qry.class", "Class", FT_UINT16, BASE_HEX, 0, class_names),
    HF_TFS(&hf_qry_qu, "dns.qry.qu", "\"QU\" question", 0x8000, tfs_set_notset),
    HF(&hf_resp_name, "dns.resp.name", "Name", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_resp_type, "dns.resp.type", "Type", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_resp_class, "dns.resp.class", "Class", FT_UINT16, BASE_HEX, 0, class_names),
    HF_TFS(&hf_resp_cache_flush, "dns.resp.cache_flush", "Cache flush", 0x8000, tfs_set_notset),
    HF(&hf_resp_ttl, "dns.resp.ttl", "Time to live", FT_UINT32, BASE_DEC, 0, NULL),
    HF(&hf_resp_len, "dns.resp.len", "Data length", FT_UINT16, BASE_DEC, 0, NULL),
};

/* The record data's fields. */
static const struct field_reg hf_data[] = {
    HF(&hf_a, "dns.a", "Address", FT_IPv4, BASE_NONE, 0, NULL),
    HF(&hf_aaaa, "dns.aaaa", "AAAA Address", FT_IPv6, BASE_NONE, 0, NULL),
    HF(&hf_cname, "dns.cname", "CNAME", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_ns, "dns.ns", "Name Server", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_ptr_domain_name, "dns.ptr.domain_name", "Domain Name", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_dname, "dns.dname", "Dname", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_mx_preference, "dns.mx.preference", "Preference", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_mx_mail_exchange, "dns.mx.mail_exchange", "Mail Exchange", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_txt_length, "dns.txt.length", "TXT Length", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_txt, "dns.txt", "TXT", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_spf_length, "dns.spf.length", "SPF Length", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_spf, "dns.spf", "SPF", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_soa_mname, "dns.soa.mname", "Primary name server", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_soa_rname, "dns.soa.rname", "Responsible authority's mailbox", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_soa_serial_number, "dns.soa.serial_number", "Serial Number", FT_UINT32, BASE_DEC, 0,
       NULL),
    HF(&hf_soa_refresh_interval, "dns.soa.refresh_interval", "Refresh Interval", FT_UINT32,
       BASE_DEC, 0, NULL),
    HF(&hf_soa_retry_interval, "dns.soa.retry_interval", "Retry Interval", FT_UINT32, BASE_DEC, 0,
       NULL),
    HF(&hf_soa_expire_limit, "dns.soa.expire_limit", "Expire limit", FT_UINT32, BASE_DEC, 0, NULL),
    HF(&hf_soa_minimum_ttl, "dns.soa.minimum_ttl", "Minimum TTL", FT_UINT32, BASE_DEC, 0, NULL),
    HF(&hf_srv_service, "dns.srv.service", "Service", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_srv_proto, "dns.srv.proto", "Protocol", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_srv_name, "dns.srv.name", "Name", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_srv_priority, "dns.srv.priority", "Priority", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_srv_weight, "dns.srv.weight", "Weight", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_srv_port, "dns.srv.port", "Port", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_srv_target, "dns.srv.target", "Target", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_hinfo_cpu, "dns.hinfo.cpu", "CPU", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_hinfo_os, "dns.hinfo.os", "OS", FT_STRING, BASE_NONE, 0, NULL),
    HF(&hf_naptr_order, "dns.naptr.order", "Order", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_rr_udp_payload_size, "dns.rr.udp_payload_size", "UDP payload size", FT_UINT16, BASE_DEC,
       0x7fff, NULL),
    HF(&hf_resp_ext_rcode, "dns.resp.ext_rcode", "Higher bits in extended RCODE", FT_UINT8,
       BASE_HEX, 0, NULL),
    HF(&hf_resp_edns0_version, "dns.resp.edns0_version", "EDNS0 version", FT_UINT8, BASE_DEC, 0,
       NULL),
    HF(&hf_resp_z, "dns.resp.z", "Z", FT_UINT16, BASE_HEX, 0, NULL),
    HF_TFS(&hf_resp_z_do, "dns.resp.z.do", "DO bit", 0x8000, tfs_accepted),
    HF(&hf_resp_z_reserved, "dns.resp.z.reserved", "Reserved", FT_UINT16, BASE_HEX, 0x7fff, NULL),
    HF(&hf_opt, "dns.opt", "Option", FT_NONE, BASE_NONE, 0, NULL),
    HF(&hf_opt_code, "dns.opt.code", "Option Code", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_opt_len, "dns.opt.len", "Option Length", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_opt_data, "dns.opt.data", "Option Data", FT_BYTES, BASE_NONE, 0, NULL),
    HF(&hf_opt_cookie_client, "dns.opt.cookie.client", "Client Cookie", FT_BYTES, BASE_NONE, 0,
       NULL),
    HF(&hf_opt_cookie_server, "dns.opt.cookie.server", "Server Cookie", FT_BYTES, BASE_NONE, 0,
       NULL),
    HF(&hf_rrsig_type_covered, "dns.rrsig.type_covered", "Type Covered", FT_UINT16, BASE_DEC, 0,
       NULL),
    HF(&hf_rrsig_algorithm, "dns.rrsig.algorithm", "Algorithm", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_rrsig_labels, "dns.rrsig.labels", "Labels", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_rrsig_original_ttl, "dns.rrsig.original_ttl", "Original TTL", FT_UINT32, BASE_DEC, 0,
       NULL),
    HF(&hf_rrsig_expiration, "dns.rrsig.signature_expiration", "Signature Expiration",
       FT_ABSOLUTE_TIME, BASE_NONE, 0, NULL),
    HF(&hf_rrsig_inception, "dns.rrsig.signature_inception", "Signature Inception",
       FT_ABSOLUTE_TIME, BASE_NONE, 0, NULL),
    HF(&hf_rrsig_key_tag, "dns.rrsig.key_tag", "Key Tag", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_rrsig_signers_name, "dns.rrsig.signers_name", "Signer's name", FT_STRING, BASE_NONE, 0,
       NULL),
    HF(&hf_rrsig_signature, "dns.rrsig.signature", "Signature", FT_BYTES, BASE_NONE, 0, NULL),
    HF(&hf_dnskey_flags, "dns.dnskey.flags", "Flags", FT_UINT16, BASE_HEX, 0, NULL),
    HF_TFS(&hf_dnskey_flags_zone_key, "dns.dnskey.flags.zone_key", "Zone Key", 0x0100,
           tfs_set_notset),
    HF_TFS(&hf_dnskey_flags_key_revoked, "dns.dnskey.flags.key_revoked", "Key Revoked", 0x0080,
           tfs_set_notset),
    HF_TFS(&hf_dnskey_flags_sep, "dns.dnskey.flags.secure_entry_point", "Key Signing Key", 0x0001,
           tfs_set_notset),
    HF(&hf_dnskey_flags_reserved, "dns.dnskey.flags.reserved", "Key Signing Key", FT_UINT16,
       BASE_HEX, 0xfe7e, NULL),
    HF(&hf_dnskey_protocol, "dns.dnskey.protocol", "Protocol", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_dnskey_algorithm, "dns.dnskey.algorithm", "Algorithm", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_dnskey_key_id, "dns.dnskey.key_id", "Key id", FT_UINT16, BASE_DEC, 0, NULL),
    HF(&hf_dnskey_public_key, "dns.dnskey.public_key", "Public Key", FT_BYTES, BASE_NONE, 0, NULL),
    HF(&hf_ds_key_id, "dns.ds.key_id", "Key id", FT_UINT16, BASE_HEX, 0, NULL),
    HF(&hf_ds_algorithm, "dns.ds.algorithm", "Algorithm", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_ds_digest_type, "dns.ds.digest_type", "Digest Type", FT_UINT8, BASE_DEC, 0, NULL),
    HF(&hf_ds_digest, "dns.ds.digest", "Digest", FT_BYTES, BASE_NONE, 0, NULL),
};

/* The matching's fields. */
static const struct field_reg hf_matching[] = {
    HF(&hf_response_in, "dns.response_in", "Response In", FT_FRAMENUM, BASE_NONE, 0, NULL),
    HF(&hf_response_to, "dns.response_to", "Request In", FT_FRAMENUM, BASE_NONE, 0, NULL),
    HF(&hf_time, "dns.time", "Time", FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
    HF(&hf_retransmission, "dns.retransmission", "Retransmission", FT_BOOLEAN, BASE_NONE, 0, NULL),
    HF(&hf_retransmit_request, "dns.retransmit_request", "DNS query retransmission", FT_NONE,
       BASE_NONE, 0, NULL),
    HF(&hf_retransmit_request_in, "dns.retransmit_request_in",
       "Retransmitted request. Original request in", FT_FRAMENUM, BASE_NONE, 0, NULL),
    HF(&hf_retransmit_response, "dns.retransmit_response", "DNS response retransmission", FT_NONE,
       BASE_NONE, 0, NULL),
    HF(&hf_retransmit_response_in, "dns.retransmit_response_in",
       "Retransmitted response. Original response in", FT_FRAMENUM, BASE_NONE, 0, NULL),
};

/* Registers DNS, mDNS, the DNS fields and the matching state. */
static void dns_register(void)
{
    static const struct proto_hooks hooks = {.free_state = dns_state_free,
                                             .needs_first_pass = dns_needs_first_pass,
                                             .take_first_pass = dns_take_first_pass};
    proto_dns = registry_proto("dns", "Domain Name System");
    registry_fields(proto_dns, hf_header, ARRAY_COUNT(hf_header));
    registry_fields(proto_dns, hf_records, ARRAY_COUNT(hf_records));
    registry_fields(proto_dns, hf_data, ARRAY_COUNT(hf_data));
    registry_fields(proto_dns, hf_matching, ARRAY_COUNT(hf_matching));
    first_field = hf_length;
    last_field = hf_retransmit_response_in;
    proto_mdns = registry_proto("mdns", "Multicast Domain Name System");
    matching_slot = registry_proto_state(proto_dns, &hooks);
}

/* DNS on port 53 (UDP and TCP), mDNS on UDP port 5353. */
static void dns_handoff(void)
{
    registry_table_add("udp.port", 53, &dns_udp_handle);
    registry_table_add("udp.port", 5353, &mdns_handle);
    registry_table_add("tcp.port", 53, &dns_tcp_handle);
}

const struct dissector_module dissector_dns = {dns_register, dns_handoff};
