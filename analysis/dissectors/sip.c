/* Owns SIP on port 5060 (UDP; TCP messages show sip without framing):
 * its node, and the SDP body a Content-Type of application/sdp announces,
 * which Wireshark dissects inside SIP's tree (a layer of frame.protocols,
 * no node of the hierarchy).  SDP's media set up the RTP and RTCP
 * conversations they announce, as Wireshark's SDP does: a request's from
 * its own frame on, a response's from its request's. */
#include "dissect_internal.h"
#include "dissectors/list.h"
#include "hash_table.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* SIP and SDP. */
static int proto_sip, proto_sdp;

/* UDP's protocol id and the handles of RTP and RTCP. */
static int proto_udp;
static const struct dissector_handle *rtp_handle, *rtcp_handle;

/* SIP's state slot: the frames of requests by transaction. */
static int sip_slot;

/* One medium of a session description as far as it is read. */
struct sdp_media {
    struct net_addr addr; /* Its connection address (c=, its own or the session's). */
    uint16_t port;        /* Its port (m=), 0 when disabled or not RTP. */
    uint16_t rtcp_port;   /* Its RTCP port (a=rtcp:), 0 for port + 1. */
};

/* Returns true when the header line of n bytes at p is name (or its
 * compact form, if any), setting *v and *vn to its value. */
static bool sip_header(const uint8_t *p, size_t n, const char *name, char compact,
                       const uint8_t **v, size_t *vn)
{
    const uint8_t *colon = memchr(p, ':', n);
    if (!colon)
        return false;
    size_t k = (size_t)(colon - p);
    while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
        k--;
    bool full = k == strlen(name) && strncasecmp((const char *)p, name, k) == 0;
    if (!full && !(compact && k == 1 && (p[0] | 0x20) == compact))
        return false;
    size_t i = (size_t)(colon - p) + 1;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    *v = p + i;
    *vn = n - i;
    return true;
}

/* Returns true when the header line of n bytes at p is a Content-Type
 * (or its compact form "c") of application/sdp. */
static bool sip_sdp_type(const uint8_t *p, size_t n)
{
    const uint8_t *v;
    size_t vn;
    return sip_header(p, n, "Content-Type", 'c', &v, &vn) && vn >= 15 &&
           strncasecmp((const char *)v, "application/sdp", 15) == 0;
}

/* Returns the offset of the SDP body of a SIP message of n bytes at p, or 0
 * when it has none. */
static size_t sip_sdp_body(const uint8_t *p, size_t n)
{
    bool sdp = false;
    size_t line = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != '\r' || p[i + 1] != '\n')
            continue;
        if (i == line) /* The empty line: the body follows. */
            return sdp && i + 2 < n ? i + 2 : 0;
        sdp = sdp || sip_sdp_type(p + line, i - line);
        line = i + 2;
        i++;
    }
    return 0;
}

/* Reads the address of a c= line's value ("IN IP4 192.0.2.1[/ttl]") into *a;
 * returns false when it is none. */
static bool sdp_connection(const char *v, size_t n, struct net_addr *a)
{
    char text[INET6_ADDRSTRLEN];
    uint8_t bytes[16];
    if (n < 7 || memcmp(v, "IN IP", 5) != 0 || (v[5] != '4' && v[5] != '6') || v[6] != ' ')
        return false;
    size_t len = 0;
    while (7 + len < n && v[7 + len] != '/' && v[7 + len] != ' ' && len < sizeof(text) - 1)
        len++;
    memcpy(text, v + 7, len);
    text[len] = '\0';
    bool v6 = v[5] == '6';
    if (inet_pton(v6 ? AF_INET6 : AF_INET, text, bytes) != 1)
        return false;
    net_addr_set(a, v6 ? NET_ADDR_IPV6 : NET_ADDR_IPV4, bytes);
    return true;
}

/* Reads a decimal port at p (before end); *after gets where it ends.
 * Returns it, or -1 when there is none or it is too big. */
static long sdp_port(const char *p, const char *end, const char **after)
{
    long v = 0;
    const char *q = p;
    for (; q < end && *q >= '0' && *q <= '9' && v <= 65535; q++)
        v = v * 10 + (*q - '0');
    *after = q;
    return q == p || v > 65535 ? -1 : v;
}

/* Reads the port of an m= line's value ("audio 49170[/2] RTP/AVP 0"), 0
 * when the medium is disabled or not carried by RTP. */
static uint16_t sdp_media_port(const char *v, size_t n)
{
    const char *end = v + n, *sp = memchr(v, ' ', n);
    if (!sp)
        return 0;
    const char *after;
    long port = sdp_port(sp + 1, end, &after);
    const char *proto = memchr(sp + 1, ' ', (size_t)(end - sp - 1));
    if (!proto || port < 0 || (*after != ' ' && *after != '/'))
        return 0;
    proto++;
    return end - proto >= 7 && memcmp(proto, "RTP/AVP", 7) == 0 ? (uint16_t)port : 0;
}

/* Sets up the conversations of a medium: RTP on its address and port,
 * RTCP on the a=rtcp port or the next. */
static void sdp_media_done(struct dissect_ctx *c, const struct sdp_media *m,
                           const struct net_addr *session, uint64_t setup_frame)
{
    const struct net_addr *a = m->addr.kind ? &m->addr : session;
    if (m->port == 0 || !a->kind)
        return;
    struct conversation_handoff h = {rtp_handle, setup_frame, "SDP"};
    conversation_handoff_set(c, proto_udp, a, m->port, &h);
    h.handle = rtcp_handle;
    conversation_handoff_set(c, proto_udp, a, m->rtcp_port ? m->rtcp_port : m->port + 1, &h);
}

/* Reads an SDP body of n bytes at p, setting up its media's conversations. */
static void sdp_setup(struct dissect_ctx *c, const char *p, size_t n, uint64_t setup_frame)
{
    struct net_addr session = {0};
    struct sdp_media m = {0};
    bool in_media = false;
    for (size_t line = 0, end; line < n; line = end + 1) {
        const char *nl = memchr(p + line, '\n', n - line);
        end = nl ? (size_t)(nl - p) : n;
        size_t len = end - line - (end > line && p[end - 1] == '\r');
        const char *v = p + line + 2;
        if (len < 2 || p[line + 1] != '=')
            continue;
        if (p[line] == 'm') {
            if (in_media)
                sdp_media_done(c, &m, &session, setup_frame);
            memset(&m, 0, sizeof(m));
            m.port = sdp_media_port(v, len - 2);
            in_media = true;
        } else if (p[line] == 'c') {
            sdp_connection(v, len - 2, in_media ? &m.addr : &session);
        } else if (p[line] == 'a' && in_media && len > 7 && memcmp(v, "rtcp:", 5) == 0) {
            const char *after;
            long port = sdp_port(v + 5, p + line + len, &after);
            m.rtcp_port = port > 0 ? (uint16_t)port : 0;
        }
    }
    if (in_media)
        sdp_media_done(c, &m, &session, setup_frame);
}

/* Identifies a SIP transaction: a hash of its Call-ID and CSeq values. */
struct sip_key {
    uint64_t hash; /* FNV-1a of "Call-ID\nCSeq". */
};

/* A transaction's request. */
struct sip_request {
    struct sip_key key; /* Its identity; must come first. */
    uint64_t frame;     /* The frame of its request. */
};

/* Returns the pass's requests by transaction, made on first use (NULL
 * when out of memory). */
static struct hash_table *sip_requests(struct dissect_ctx *c)
{
    struct hash_table *t = c->d->state[sip_slot];
    if (!t && (t = c->d->state[sip_slot] = calloc(1, sizeof(*t))))
        hash_table_init(t, sizeof(struct sip_key), sizeof(struct sip_request));
    return t;
}

/* Frees the requests. */
static void sip_requests_free(void *state)
{
    hash_table_free(state);
    free(state);
}

/* Returns the FNV-1a hash of n bytes at p, continuing from h. */
static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Returns the transaction key of the header lines of hdr bytes at p. */
static struct sip_key sip_transaction(const uint8_t *p, size_t hdr)
{
    const uint8_t *call = NULL, *cseq = NULL, *v;
    size_t call_n = 0, cseq_n = 0, vn;
    for (size_t line = 0, end; line < hdr; line = end + 2) {
        const uint8_t *cr = memchr(p + line, '\r', hdr - line);
        end = cr ? (size_t)(cr - p) : hdr;
        if (sip_header(p + line, end - line, "Call-ID", 'i', &v, &vn))
            call = v, call_n = vn;
        else if (sip_header(p + line, end - line, "CSeq", 0, &v, &vn))
            cseq = v, cseq_n = vn;
    }
    uint64_t h = fnv1a(0xcbf29ce484222325ull, call ? call : p, call_n);
    h = fnv1a(fnv1a(h, (const uint8_t *)"\n", 1), cseq ? cseq : p, cseq_n);
    return (struct sip_key){h};
}

/* Returns the frame the SDP of a SIP message sets its media up from (its
 * own, a response's its request's: tshark matches them by Call-ID and
 * CSeq), noting a request's frame for its responses.  body: where the
 * header lines end, or the message's captured length. */
static uint64_t sip_setup_frame(struct dissect_ctx *c, struct span s, size_t body)
{
    uint64_t frame = c->d->frame_number;
    struct hash_table *t = sip_requests(c);
    if (!t)
        return frame;
    struct sip_key k = sip_transaction(s.p, body);
    if (s.cap >= 8 && memcmp(s.p, "SIP/2.0 ", 8) == 0) {
        const struct sip_request *r = hash_table_find(t, &k);
        return r ? r->frame : frame;
    }
    int created;
    struct sip_request *r = hash_table_upsert(t, &k, &created);
    if (r)
        r->frame = frame;
    return frame;
}

/* Dissects a SIP message; its SDP sets up the media it announces. */
static void dissect_sip(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_sip);
    size_t body = sip_sdp_body(s.p, s.cap);
    if (body)
        ctx_layer(c, proto_sdp);
    if (c->quoted) /* A quoted message sets nothing up. */
        return;
    uint64_t setup = sip_setup_frame(c, s, body ? body : s.cap);
    if (body)
        sdp_setup(c, (const char *)s.p + body, s.cap - body, setup);
}

/* The SIP dissector. */
static const struct dissector_handle sip_handle = {&proto_sip, dissect_sip, NULL};

/* Registers SIP and SDP. */
static void sip_register(void)
{
    proto_sip = registry_proto("sip", "Session Initiation Protocol");
    proto_sdp = registry_proto("sdp", "Session Description Protocol");
    static const struct proto_hooks hooks = {.free_state = sip_requests_free};
    sip_slot = registry_proto_state(proto_sip, &hooks);
}

/* SIP on UDP and TCP port 5060. */
static void sip_handoff(void)
{
    registry_table_add("udp.port", 5060, &sip_handle);
    registry_table_add("tcp.port", 5060, &sip_handle);
    proto_udp = field_id("udp");
    rtp_handle = find_dissector("rtp");
    rtcp_handle = find_dissector("rtcp");
}

const struct dissector_module dissector_sip = {sip_register, sip_handoff};
