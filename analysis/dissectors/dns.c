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
    T_RRSIG = 46,
    T_NSEC = 47,
    T_SPF = 99,
    T_IXFR = 251,
    T_AXFR = 252,
};

/* The DNS and mDNS protocols and the DNS fields. */
static int proto_dns, proto_mdns, hf_id, hf_flags_response, hf_flags_rcode, hf_qry_name,
    hf_qry_type, hf_a, hf_aaaa, hf_time, hf_cname, hf_response_in, hf_response_to;

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
        if (*room <= 0)
            continue; /* Wireshark stops reading, not parsing. */
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

/* Records a name as a string field, in format_text()'s form. */
static void name_record(struct dissect_ctx *c, int id, const struct dns_name *n)
{
    char text[DNS_NAME_TEXT_MAX];
    if (!fields_want(c->fields, id))
        return;
    if (n->fixed) {
        field_add_string(c->fields, id, n->fixed, strlen(n->fixed));
        return;
    }
    size_t len = ws_format_text(n->buf, (size_t)n->len, text);
    field_add_string(c->fields, id, text, len);
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

/* Walks the character-strings of a TXT record as Wireshark does (until
 * the data length is used up exactly); false on an exception. */
static bool rdata_txt(const struct dns_msg *m, long off, long left)
{
    uint8_t len;
    while (left != 0) {
        if (!get8(m, off, &len) || !have(m, off + 1, len))
            return false;
        off += 1 + len;
        left -= 1 + len;
    }
    return true;
}

/* Walks a NAPTR record (order, preference, three counted strings and a
 * replacement name); false on an exception. */
static bool rdata_naptr(struct dissect_ctx *c, const struct dns_msg *m, long off)
{
    uint8_t len;
    off += 4;
    for (int i = 0; i < 3; i++) {
        if (!get8(m, off, &len) || !have(m, off + 1, len))
            return false;
        off += 1 + len;
    }
    return rdata_name(c, m, off, 0) >= 0;
}

/* Walks the options of an OPT record; false on an exception. */
static bool rdata_opt(const struct dns_msg *m, long off, long left)
{
    uint16_t optlen;
    while (left > 0) {
        if (!get16(m, off + 2, &optlen) || !have(m, off, 4 + (long)optlen))
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

/* Parses the data of a record with names or counted strings as Wireshark
 * does; returns false on an exception. */
static bool rdata_names(struct dissect_ctx *c, const struct dns_msg *m, uint16_t type, long off,
                        long len)
{
    int n;
    uint8_t a, b;
    switch (type) {
    case T_CNAME:
        return rdata_name(c, m, off, hf_cname) >= 0;
    case T_SOA:
        if ((n = rdata_name(c, m, off, 0)) < 0)
            return false;
        off += n;
        return (n = rdata_name(c, m, off, 0)) >= 0 && have(m, off + n, 20);
    case T_MINFO:
    case T_RP:
        return (n = rdata_name(c, m, off, 0)) >= 0 && rdata_name(c, m, off + n, 0) >= 0;
    case T_MX:
    case T_AFSDB:
    case T_RT:
    case T_KX:
        return have(m, off, 2) && rdata_name(c, m, off + 2, 0) >= 0;
    case T_PX:
        return have(m, off, 2) && (n = rdata_name(c, m, off + 2, 0)) >= 0 &&
               rdata_name(c, m, off + 2 + n, 0) >= 0;
    case T_SRV:
        return have(m, off, 6) && rdata_name(c, m, off + 6, 0) >= 0;
    case T_SIG:
    case T_RRSIG:
        return have(m, off, 18) && (n = rdata_name(c, m, off + 18, 0)) >= 0 &&
               have(m, off + 18 + n, len - 18 - n);
    case T_NSEC:
        return (n = rdata_name(c, m, off, 0)) >= 0 && rdata_bitmap(m, off + n, len - n);
    case T_HINFO:
        return get8(m, off, &a) && get8(m, off + 1 + a, &b) && have(m, off + 2 + a, b);
    case T_TXT:
    case T_SPF:
        return rdata_txt(m, off, len);
    case T_OPT:
        return rdata_opt(m, off, len);
    case T_NAPTR:
        return rdata_naptr(c, m, off);
    case T_NXT:
        return (n = rdata_name(c, m, off, 0)) >= 0 && have(m, off + n, len - n);
    default:
        return rdata_name(c, m, off, 0) >= 0; /* NS, MD, MF, MB, MG, MR, PTR, ... */
    }
}

/* Parses a record's data of len bytes at off (recording dns.a, dns.aaaa
 * and dns.cname); returns false on an exception.  Like Wireshark, A and
 * AAAA read their address whatever the data length. */
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

/* Parses the question at *off; false on an exception. */
static bool dns_question(struct dissect_ctx *c, const struct dns_msg *m, long *off, bool *multi)
{
    struct dns_name n;
    uint16_t type, cls;
    int len = name_get(m, *off, &n);
    if (len < 0 || !get16(m, *off + len, &type) || !get16(m, *off + len + 2, &cls))
        return false;
    name_record(c, hf_qry_name, &n);
    field_add_uint(c->fields, hf_qry_type, type);
    if (type == T_AXFR || type == T_IXFR)
        *multi = true;
    *off += len + 4;
    return true;
}

/* Parses the resource record at *off; false on an exception. */
static bool dns_record(struct dissect_ctx *c, const struct dns_msg *m, long *off)
{
    struct dns_name n;
    uint16_t type, cls, dlen;
    int len = name_get(m, *off, &n);
    if (len < 0 || !get16(m, *off + len, &type) || !get16(m, *off + len + 2, &cls) ||
        !get16(m, *off + len + 8, &dlen))
        return false;
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
    if (!response) {
        if (!(v->retrans && v->req_frame) && v->rep_frame)
            field_add_uint(c->fields, hf_response_in, v->rep_frame);
    } else if (v->req_frame && !(v->retrans && v->rep_frame)) {
        field_add_uint(c->fields, hf_response_to, v->req_frame);
        field_add_time(c->fields, hf_time, c->frame->ts_ns - v->req_ns);
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
                         const uint16_t count[4], struct dns_view *v)
{
    long off = 12;
    bool multi = false;
    if ((m->p[2] >> 3 & 0xf) == 6 && !(count[0] | count[1] | count[2] | count[3]) &&
        !dns_dso(m, &off, reported))
        return false;
    for (unsigned i = 0; i < count[0]; i++)
        if (!dns_question(c, m, &off, &multi))
            return false;
    if (count[0] > 0 && v->real)
        v->real->multi = multi;
    for (int s = 1; s < 4; s++)
        for (unsigned i = 0; i < count[s]; i++)
            if (!dns_record(c, m, &off))
                return false;
    return true;
}

/* Returns true when the wanted fields need query/response matching. */
static bool dns_needs_first_pass(const struct frame_fields *ff)
{
    return fields_want(ff, hf_response_in) || fields_want(ff, hf_response_to) ||
           fields_want(ff, hf_time);
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

/* Returns true when this pass records DNS fields or does matching. */
static bool dns_active(const struct dissect_ctx *c)
{
    static const int *const ids[] = {
        &hf_id,   &hf_flags_response, &hf_flags_rcode, &hf_qry_name,    &hf_qry_type, &hf_a,
        &hf_aaaa, &hf_cname,          &hf_response_in, &hf_response_to, &hf_time,
    };
    if (c->d->state[matching_slot] ||
        (!c->fields && c->d->next_pass && dns_needs_first_pass(c->d->next_pass)))
        return true;
    if (!c->fields || !c->fields->want_any)
        return false;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (c->fields->want[*ids[i]])
            return true;
    return false;
}

/* Dissects one message of cap present bytes (of reported on the wire) in
 * conversation k (NULL when it belongs to none). */
static void dns_message(struct dissect_ctx *c, const uint8_t *p, size_t cap, size_t reported,
                        struct dns_key *k)
{
    struct dns_msg m = {p, cap};
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
    field_add_uint(c->fields, hf_flags_response, response);
    if (response)
        field_add_uint(c->fields, hf_flags_rcode, flags & 0xf);
    for (int i = 0; i < 4; i++)
        if (!get16(&m, 4 + 2 * i, &count[i]))
            return;
    if (dns_sections(c, &m, reported, count, &v))
        dns_matching(c, response, &v);
}

/* Records the fields of a DNS or mDNS message in a UDP datagram. */
static void dns_udp_fields(struct dissect_ctx *c, struct span s)
{
    struct frame_dissection *o = c->out;
    struct dns_key k;
    if (!dns_active(c))
        return;
    if (c->quoted || o->n_udp == 0) {
        dns_message(c, s.p, s.cap, s.len, NULL); /* Quoted by an ICMP error: no conversation. */
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
    dns_message(c, s.p, s.cap, s.len, &k);
}

/* Dissects a DNS message in a UDP datagram. */
static void dissect_dns_udp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_dns);
    dns_udp_fields(c, s);
    dissect_mark_short(c, s);
}

/* Dissects an mDNS message (a DNS message on port 5353). */
static void dissect_mdns(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_mdns);
    dns_udp_fields(c, s);
    dissect_mark_short(c, s);
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
    dns_message(c, msg, cap, len, &k);
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

/* The names of the response flag. */
static const char *const tfs_response[2] = {"Message is a response", "Message is a query"};

/* Registers DNS, mDNS, the DNS fields and the matching state. */
static void dns_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_id, "dns.id", "Transaction ID", FT_UINT16, BASE_HEX, 0, NULL),
        HF_TFS(&hf_flags_response, "dns.flags.response", "Response", 0x8000, tfs_response),
        HF(&hf_flags_rcode, "dns.flags.rcode", "Reply code", FT_UINT16, BASE_DEC, 0x000f,
           rcode_names),
        HF(&hf_qry_name, "dns.qry.name", "Name", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_qry_type, "dns.qry.type", "Type", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_a, "dns.a", "Address", FT_IPv4, BASE_NONE, 0, NULL),
        HF(&hf_aaaa, "dns.aaaa", "AAAA Address", FT_IPv6, BASE_NONE, 0, NULL),
        HF(&hf_cname, "dns.cname", "CNAME", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_response_in, "dns.response_in", "Response In", FT_FRAMENUM, BASE_NONE, 0, NULL),
        HF(&hf_response_to, "dns.response_to", "Request In", FT_FRAMENUM, BASE_NONE, 0, NULL),
        HF(&hf_time, "dns.time", "Time", FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
    };
    static const struct proto_hooks hooks = {.free_state = dns_state_free,
                                             .needs_first_pass = dns_needs_first_pass,
                                             .take_first_pass = dns_take_first_pass};
    proto_dns = registry_proto("dns", "Domain Name System");
    registry_fields(proto_dns, hf, ARRAY_COUNT(hf));
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
