/* Owns the two per-packet questions answered as lists rather than rows:
 * DNS lookups (each query paired with its response, as Wireshark's DNS
 * dissector pairs them through dns.response_to) and the server names of
 * TLS and QUIC handshakes.  Both read the fields the dissectors record. */
#include "packet_fields.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields the DNS lookups and TLS hosts read, by index in qid. */
enum query_field {
    Q_FRAME_NUMBER,
    Q_IP_SRC,
    Q_IP_DST,
    Q_IPV6_SRC,
    Q_IPV6_DST,
    Q_TCP_DSTPORT,
    Q_UDP_DSTPORT,
    Q_DNS_ID,
    Q_DNS_RESPONSE,
    Q_DNS_RCODE,
    Q_DNS_QRY_NAME,
    Q_DNS_QRY_TYPE,
    Q_DNS_A,
    Q_DNS_AAAA,
    Q_DNS_CNAME,
    Q_DNS_TIME,
    Q_DNS_RESPONSE_TO,
    Q_TLS_SNI,
    Q_QUIC,
    Q_COUNT /* Number of them, not one. */
};

/* Their names, by enum query_field. */
static const char *const query_names[Q_COUNT] = {
    "frame.number",
    "ip.src",
    "ip.dst",
    "ipv6.src",
    "ipv6.dst",
    "tcp.dstport",
    "udp.dstport",
    "dns.id",
    "dns.flags.response",
    "dns.flags.rcode",
    "dns.qry.name",
    "dns.qry.type",
    "dns.a",
    "dns.aaaa",
    "dns.cname",
    "dns.time",
    "dns.response_to",
    "tls.handshake.extensions_server_name",
    "quic",
};

/* Their ids (looked up once). */
static int qid[Q_COUNT];

/* Looks the fields up (once). */
static void query_ids_init(void)
{
    registry_init();
    for (int i = 0; i < Q_COUNT; i++)
        qid[i] = field_id(query_names[i]);
}

/* The addresses of a frame's innermost IP header, as text. */
struct frame_hosts {
    char src[INET6_ADDRSTRLEN]; /* Source address ("" when the frame has no IP header). */
    char dst[INET6_ADDRSTRLEN]; /* Destination address. */
};

/* Fills *h from the last ip.src/ip.dst or ipv6.src/ipv6.dst occurrences. */
static void frame_hosts(const struct frame_fields *ff, struct frame_hosts *h)
{
    h->src[0] = h->dst[0] = '\0';
    for (uint32_t i = 0; i < ff->n; i++) {
        const struct field_value *v = &ff->vals[i];
        if (v->id == qid[Q_IP_SRC] || v->id == qid[Q_IPV6_SRC])
            field_format(ff, v, h->src, sizeof(h->src));
        else if (v->id == qid[Q_IP_DST] || v->id == qid[Q_IPV6_DST])
            field_format(ff, v, h->dst, sizeof(h->dst));
    }
}

/* Returns the first occurrence of a field, or NULL. */
static const struct field_value *first_of(const struct frame_fields *ff, int id)
{
    for (uint32_t i = 0; i < ff->n; i++)
        if (ff->vals[i].id == id)
            return &ff->vals[i];
    return NULL;
}

/* Returns the mnemonic of a DNS record type as Wireshark 4.0 names it
 * (the first word of its name; RFC 8482's ANY for 255), or writes
 * "TYPEn" (RFC 3597) into buf. */
static const char *dns_type_name(uint64_t type, char *buf, size_t size)
{
    static const struct {
        uint16_t type;    /* The numeric type. */
        const char *name; /* Its mnemonic. */
    } names[] = {
        {0, "Unused"},    {1, "A"},           {2, "NS"},       {3, "MD"},          {4, "MF"},
        {5, "CNAME"},     {6, "SOA"},         {7, "MB"},       {8, "MG"},          {9, "MR"},
        {10, "NULL"},     {11, "WKS"},        {12, "PTR"},     {13, "HINFO"},      {14, "MINFO"},
        {15, "MX"},       {16, "TXT"},        {17, "RP"},      {18, "AFSDB"},      {19, "X25"},
        {20, "ISDN"},     {21, "RT"},         {22, "NSAP"},    {23, "NSAP-PTR"},   {24, "SIG"},
        {25, "KEY"},      {26, "PX"},         {27, "GPOS"},    {28, "AAAA"},       {29, "LOC"},
        {30, "NXT"},      {31, "EID"},        {32, "NIMLOC"},  {33, "SRV"},        {34, "ATMA"},
        {35, "NAPTR"},    {36, "KX"},         {37, "CERT"},    {38, "A6"},         {39, "DNAME"},
        {40, "SINK"},     {41, "OPT"},        {42, "APL"},     {43, "DS"},         {44, "SSHFP"},
        {45, "IPSECKEY"}, {46, "RRSIG"},      {47, "NSEC"},    {48, "DNSKEY"},     {49, "DHCID"},
        {50, "NSEC3"},    {51, "NSEC3PARAM"}, {52, "TLSA"},    {55, "HIP"},        {57, "RKEY"},
        {58, "TALINK"},   {59, "CDS"},        {60, "CDNSKEY"}, {61, "OPENPGPKEY"}, {62, "CSYNC"},
        {63, "ZONEMD"},   {64, "SVCB"},       {65, "HTTPS"},   {99, "SPF"},        {100, "UINFO"},
        {101, "UID"},     {102, "GID"},       {103, "UNSPEC"}, {104, "NID"},       {105, "L32"},
        {106, "L64"},     {107, "LP"},        {108, "EUI48"},  {109, "EUI64"},     {249, "TKEY"},
        {250, "TSIG"},    {251, "IXFR"},      {252, "AXFR"},   {253, "MAILB"},     {254, "MAILA"},
        {255, "ANY"},     {256, "URI"},       {257, "CAA"},    {32768, "TA"},      {32769, "DLV"},
        {65281, "WINS"},  {65282, "WINS-R"},  {65422, "XPF"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].type == type)
            return names[i].name;
    snprintf(buf, size, "TYPE%llu", (unsigned long long)type);
    return buf;
}

/* Returns the mnemonic of a DNS response code (RFC 1035, RFC 6895), or "RCODEn". */
static const char *dns_rcode_name(uint64_t rcode, char *buf, size_t size)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};
    if (rcode < sizeof(names) / sizeof(names[0]))
        return names[rcode];
    snprintf(buf, size, "RCODE%llu", (unsigned long long)rcode);
    return buf;
}

/* One line of the DNS lookups answer. */
struct dns_lookup {
    uint64_t frame;          /* Frame of the query, or 0 for a response without one. */
    uint64_t response_frame; /* Frame of the response, or 0 for a query without one. */
    json_t *obj;             /* The line's JSON object. */
};

/* A growing array of lines. */
struct dns_lines {
    struct dns_lookup *at; /* The lines. */
    size_t n;              /* Number of lines. */
    size_t cap;            /* Allocated lines. */
};

/* The DNS lookups being collected. */
struct dns_collect {
    struct dns_lines queries; /* One line per query, in frame order. */
    struct dns_lines extra;   /* Responses without a query, and further responses to one. */
};

/* Appends a line; returns it, or NULL when out of memory. */
static struct dns_lookup *dns_line_new(struct dns_lines *dl, uint64_t frame, json_t *obj)
{
    if (dl->n == dl->cap) {
        size_t cap = dl->cap ? dl->cap * 2 : 64;
        struct dns_lookup *l = realloc(dl->at, cap * sizeof(*l));
        if (!l)
            return NULL;
        dl->at = l;
        dl->cap = cap;
    }
    struct dns_lookup *l = &dl->at[dl->n++];
    *l = (struct dns_lookup){frame, 0, obj};
    return l;
}

/* Returns the line of the query in frame, or NULL (binary search: queries
 * are appended in frame order). */
static struct dns_lookup *dns_query_line(struct dns_lines *q, uint64_t frame)
{
    size_t lo = 0, hi = q->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->at[mid].frame == frame)
            return &q->at[mid];
        if (q->at[mid].frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Builds the query half of a line: frame, client, server, name, type. */
static json_t *dns_query_json(const struct frame_fields *ff, uint64_t frame, const char *client,
                              const char *server)
{
    const struct field_value *name = first_of(ff, qid[Q_DNS_QRY_NAME]);
    const struct field_value *type = first_of(ff, qid[Q_DNS_QRY_TYPE]);
    char buf[32];
    return json_pack("{s:o,s:s,s:s,s:o,s:o,s:n,s:n,s:[],s:n}", "frame",
                     frame ? json_integer((json_int_t)frame) : json_null(), "client", client,
                     "server", server, "full_query",
                     name ? packet_json_text(field_string(ff, name), name->v.str.len) : json_null(),
                     "query_type",
                     type ? json_string(dns_type_name(type->v.u, buf, sizeof(buf))) : json_null(),
                     "response_frame", "response_time", "answers", "rcode");
}

/* Fills the response half of a line from a response frame. */
static void dns_fill_response(json_t *obj, const struct frame_fields *ff, uint64_t frame)
{
    const struct field_value *rcode = first_of(ff, qid[Q_DNS_RCODE]);
    const struct field_value *time = first_of(ff, qid[Q_DNS_TIME]);
    json_t *answers = json_object_get(obj, "answers");
    char buf[512];
    json_object_set_new(obj, "response_frame", json_integer((json_int_t)frame));
    if (time)
        json_object_set_new(obj, "response_time", json_real((double)time->v.ns / 1e9));
    if (rcode)
        json_object_set_new(obj, "rcode", json_string(dns_rcode_name(rcode->v.u, buf, 32)));
    for (uint32_t i = 0; i < ff->n; i++) {
        const struct field_value *v = &ff->vals[i];
        if (v->id != qid[Q_DNS_A] && v->id != qid[Q_DNS_AAAA] && v->id != qid[Q_DNS_CNAME])
            continue;
        if (v->id == qid[Q_DNS_CNAME])
            json_array_append_new(answers, packet_json_text(field_string(ff, v), v->v.str.len));
        else
            json_array_append_new(answers, json_stringn(buf, field_format(ff, v, buf, 64)));
    }
}

/* Adds one frame to the DNS lookups (a packet_pass_cb). */
static int dns_add(void *arg, const struct frame_fields *ff)
{
    struct dns_collect *dc = arg;
    const struct field_value *resp = first_of(ff, qid[Q_DNS_RESPONSE]);
    const struct field_value *to = first_of(ff, qid[Q_DNS_RESPONSE_TO]);
    uint64_t frame = first_of(ff, qid[Q_FRAME_NUMBER])->v.u;
    struct frame_hosts h;

    if (!resp)
        return 0; /* Not DNS, or a message too short for its flags. */
    frame_hosts(ff, &h);
    if (!resp->v.u) {
        json_t *q = dns_query_json(ff, frame, h.src, h.dst);
        if (q && dns_line_new(&dc->queries, frame, q))
            return 0;
        json_decref(q);
        return -1;
    }
    struct dns_lookup *q = to ? dns_query_line(&dc->queries, to->v.u) : NULL;
    json_t *obj;
    if (q && q->response_frame == 0) {
        obj = q->obj;
    } else {
        /* A response without its query, or a further response to an
         * answered one: a line of its own, with the query's frame if known. */
        obj = dns_query_json(ff, q ? q->frame : 0, h.dst, h.src);
        uint64_t qframe = q ? q->frame : 0;
        if (!obj || !(q = dns_line_new(&dc->extra, qframe, obj))) {
            json_decref(obj);
            return -1;
        }
    }
    q->response_frame = frame;
    dns_fill_response(obj, ff, frame);
    return 0;
}

/* Orders lines by their first frame (query, else response), then response. */
static int dns_line_cmp(const void *a, const void *b)
{
    const struct dns_lookup *x = a, *y = b;
    uint64_t kx = x->frame ? x->frame : x->response_frame;
    uint64_t ky = y->frame ? y->frame : y->response_frame;
    if (kx != ky)
        return kx < ky ? -1 : 1;
    return x->response_frame < y->response_frame ? -1 : x->response_frame > y->response_frame;
}

/* Returns every line, queries and extra ones merged in order, as a JSON
 * array (taking their objects), and frees the collection. */
static json_t *dns_lookups_merge(struct dns_collect *dc)
{
    json_t *lookups = json_array();
    struct dns_lines *all = &dc->queries;
    for (size_t i = 0; i < dc->extra.n; i++)
        if (!dns_line_new(all, dc->extra.at[i].frame, dc->extra.at[i].obj))
            json_decref(dc->extra.at[i].obj);
        else
            all->at[all->n - 1].response_frame = dc->extra.at[i].response_frame;
    if (all->n > 1)
        qsort(all->at, all->n, sizeof(*all->at), dns_line_cmp);
    for (size_t i = 0; i < all->n; i++)
        json_array_append_new(lookups, all->at[i].obj);
    free(dc->queries.at);
    free(dc->extra.at);
    return lookups;
}

/* The TLS and QUIC server names being collected. */
struct tls_collect {
    json_t *hosts; /* The answer's lines, in order of first appearance. */
    json_t *index; /* Line number of each (name, client, server, port, protocol) key. */
};

/* Adds each server name of one frame (a packet_pass_cb). */
static int tls_add(void *arg, const struct frame_fields *ff)
{
    struct tls_collect *tc = arg;
    const struct field_value *quic = first_of(ff, qid[Q_QUIC]);
    const struct field_value *port = first_of(ff, quic ? qid[Q_UDP_DSTPORT] : qid[Q_TCP_DSTPORT]);
    const char *proto = quic ? "quic" : "tls";
    uint64_t frame = first_of(ff, qid[Q_FRAME_NUMBER])->v.u;
    struct frame_hosts h;
    char key[1024];

    frame_hosts(ff, &h);
    for (uint32_t i = 0; i < ff->n; i++) {
        const struct field_value *v = &ff->vals[i];
        if (v->id != qid[Q_TLS_SNI])
            continue;
        unsigned p = port ? (unsigned)port->v.u : 0;
        int klen = snprintf(key, sizeof(key), "%s|%s|%u|%s|%.*s", h.src, h.dst, p, proto,
                            (int)v->v.str.len, field_string(ff, v));
        json_t *at = json_object_getn(tc->index, key, (size_t)klen);
        if (at) {
            json_t *line = json_array_get(tc->hosts, (size_t)json_integer_value(at));
            json_object_set_new(
                line, "frames",
                json_integer(json_integer_value(json_object_get(line, "frames")) + 1));
            continue;
        }
        json_t *line = json_pack("{s:o,s:s,s:s,s:I,s:s,s:I,s:I}", "server_name",
                                 packet_json_text(field_string(ff, v), v->v.str.len), "client",
                                 h.src, "server", h.dst, "port", (json_int_t)p, "protocol", proto,
                                 "first_frame", (json_int_t)frame, "frames", (json_int_t)1);
        if (!line ||
            json_object_setn_new_nocheck(tc->index, key, (size_t)klen,
                                         json_integer((json_int_t)json_array_size(tc->hosts))) ||
            json_array_append_new(tc->hosts, line))
            return -1;
    }
    return 0;
}

/* Both collections of one pass. */
struct both_collect {
    struct dns_collect *dns; /* DNS lookups, or NULL when not asked for. */
    struct tls_collect *tls; /* TLS hosts, or NULL when not asked for. */
};

/* Feeds one frame to both collections (a packet_pass_cb). */
static int both_add(void *arg, const struct frame_fields *ff)
{
    struct both_collect *b = arg;
    if (b->dns && dns_add(b->dns, ff) < 0)
        return -1;
    if (b->tls && tls_add(b->tls, ff) < 0)
        return -1;
    return 0;
}

/* Answers dns/lookups and tls/hosts from one pass; either output may be NULL. */
int packet_queries_json(const struct packet_source *src, json_t **dns, json_t **tls, char *err,
                        size_t errlen)
{
    struct dns_collect dc = {0};
    struct tls_collect tc = {json_array(), json_object()};
    struct both_collect both = {dns ? &dc : NULL, tls ? &tc : NULL};
    struct frame_fields *ff = malloc(sizeof(*ff));
    int rc = PQ_BAD_FILE;

    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, query_ids_init);
    if (ff) {
        frame_fields_init(ff);
        for (int i = 0; i < Q_COUNT; i++)
            frame_fields_want(ff, qid[i]);
        rc = packet_pass_run(src, ff, NULL, both_add, &both, err, errlen);
        frame_fields_free(ff);
        free(ff);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    json_t *lookups = dns_lookups_merge(&dc);
    json_decref(tc.index);
    if (rc == PQ_OK && dns)
        *dns = json_pack("{s:o}", "lookups", json_incref(lookups));
    if (rc == PQ_OK && tls)
        *tls = json_pack("{s:o}", "hosts", json_incref(tc.hosts));
    json_decref(lookups);
    json_decref(tc.hosts);
    return rc;
}

/* Answers dns/lookups. */
int dns_lookups_json(const struct packet_source *src, json_t **data, char *err, size_t errlen)
{
    *data = NULL;
    return packet_queries_json(src, data, NULL, err, errlen);
}

/* Answers tls/hosts. */
int tls_hosts_json(const struct packet_source *src, json_t **data, char *err, size_t errlen)
{
    *data = NULL;
    return packet_queries_json(src, NULL, data, err, errlen);
}
