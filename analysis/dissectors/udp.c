/* Owns UDP: the header and its fields (udp.*, udp.stream numbering), and
 * the hand-off of the payload: a conversation another dissector set up
 * (conversation_handoff_find), the "udp.port" table by the lower port,
 * then the higher, as Wireshark's UDP dissector tries them, then the
 * "udp" heuristics, else data. */
#include "dissect_internal.h"
#include "dissectors/list.h"
#include "dissectors/udp.h"
#include "hash_table.h"

#include <stdlib.h>
#include <string.h>

/* The UDP protocol and fields. */
static int proto_udp, hf_srcport, hf_dstport, hf_port, hf_length, hf_checksum, hf_checksum_status,
    hf_stream, hf_time_relative, hf_time_delta, hf_payload;

/* The port table and the heuristics. */
static struct dissector_table *port_table;
static struct heur_list *heuristics;

/* The state slot of the stream numbering. */
static int streams_slot;

/* Identifies a UDP conversation (udp.stream) independently of direction. */
struct udp_key {
    struct net_addr a; /* Lower of the two endpoint addresses. */
    struct net_addr b; /* Higher of the two endpoint addresses. */
    uint16_t port_a;   /* Port of endpoint a. */
    uint16_t port_b;   /* Port of endpoint b. */
    uint16_t pad;      /* Zero, rounding the key to whole 8-byte words. */
};

/* One UDP conversation. */
struct udp_conv {
    struct udp_key key; /* The conversation's identity; must come first. */
    uint32_t stream;    /* Its udp.stream index. */
    int64_t ts_first;   /* Time of its first datagram (udp.time_relative). */
    int64_t ts_prev;    /* Time of its previous datagram (udp.time_delta). */
};

/* Identifies a conversation a dissector expects: a client's address and
 * port and a server's address, whatever the server's port. */
struct udp_expect_key {
    struct net_addr client; /* The client's address. */
    struct net_addr server; /* The server's address. */
    uint16_t client_port;   /* The client's port. */
    uint16_t pad[2];        /* Zero, rounding the key to whole 8-byte words. */
};

_Static_assert(sizeof(struct udp_expect_key) % 8 == 0, "hash keys are whole 8-byte words");

/* A conversation a dissector expects, and the dissector. */
struct udp_expected {
    struct udp_expect_key key;             /* Its identity; must come first. */
    const struct dissector_handle *handle; /* What its datagrams go to. */
};

/* The stream numbering of a pass, and the conversations dissectors expect. */
struct udp_streams {
    struct hash_table convs;    /* struct udp_conv by struct udp_key. */
    uint32_t next;              /* Index the next new conversation gets. */
    struct hash_table expected; /* struct udp_expected by struct udp_expect_key. */
    uint32_t n_expected;        /* Number of them. */
};

/* Returns the pass's UDP state, made on first use (NULL when out of memory). */
static struct udp_streams *udp_streams(struct dissect_ctx *c)
{
    struct udp_streams *st = c->d->state[streams_slot];
    if (!st) {
        if (!(st = c->d->state[streams_slot] = calloc(1, sizeof(*st))))
            return NULL;
        hash_table_init(&st->convs, sizeof(struct udp_key), sizeof(struct udp_conv));
        hash_table_init(&st->expected, sizeof(struct udp_expect_key), sizeof(struct udp_expected));
    }
    return st;
}

/* Makes the key of a client's address and port and a server's address. */
static struct udp_expect_key expect_key(const struct net_addr *client, uint16_t client_port,
                                        const struct net_addr *server)
{
    struct udp_expect_key k;
    memset(&k, 0, sizeof(k));
    k.client = *client;
    k.server = *server;
    k.client_port = client_port;
    return k;
}

/* Expects the current datagram's source address and port to talk with its
 * destination address, from any port, in protocol h. */
void udp_expect_conversation(struct dissect_ctx *c, const struct dissector_handle *h)
{
    const struct frame_dissection *o = c->out;
    struct udp_streams *st;
    int created;
    if (c->quoted || o->n_udp == 0 || !(st = udp_streams(c)))
        return;
    const struct dissect_port_layer *u = &o->udp[o->n_udp - 1];
    struct udp_expect_key k = expect_key(&u->src, u->sport, &u->dst);
    struct udp_expected *e = hash_table_upsert(&st->expected, &k, &created);
    if (e) {
        e->handle = h;
        st->n_expected += created != 0;
    }
}

/* Returns the dissector that expects a datagram's conversation, or NULL. */
static const struct dissector_handle *udp_expected_handle(struct dissect_ctx *c, uint16_t sport,
                                                          uint16_t dport)
{
    const struct udp_streams *st = c->d->state[streams_slot];
    if (!st || st->n_expected == 0)
        return NULL;
    struct udp_expect_key k = expect_key(&c->net_src, sport, &c->net_dst);
    const struct udp_expected *e = hash_table_find(&st->expected, &k);
    if (!e) {
        k = expect_key(&c->net_dst, dport, &c->net_src);
        e = hash_table_find(&st->expected, &k);
    }
    return e ? e->handle : NULL;
}

/* Returns the conversation of a datagram between the innermost IP
 * addresses and these ports, made on first sight: Wireshark numbers UDP
 * conversations (udp.stream) in order of first appearance, whichever
 * direction comes first (quoted datagrams included); returns NULL when
 * out of memory. */
static struct udp_conv *udp_conversation(struct dissect_ctx *c, uint16_t sport, uint16_t dport)
{
    struct udp_streams *st = udp_streams(c);
    struct udp_key k;
    int created;
    int cmp = net_addr_cmp(&c->net_src, &c->net_dst);
    bool src_low = cmp < 0 || (cmp == 0 && sport <= dport);

    if (!st)
        return NULL;
    memset(&k, 0, sizeof(k));
    k.a = src_low ? c->net_src : c->net_dst;
    k.b = src_low ? c->net_dst : c->net_src;
    k.port_a = src_low ? sport : dport;
    k.port_b = src_low ? dport : sport;
    struct udp_conv *u = hash_table_upsert(&st->convs, &k, &created);
    if (u && created) {
        u->stream = st->next++;
        u->ts_first = u->ts_prev = c->frame->ts_ns;
    }
    return u;
}

/* Records the stream index and, for a datagram with a payload, the times
 * since the conversation's first and previous datagrams. */
static void conversation_fields(struct dissect_ctx *c, uint16_t sport, uint16_t dport, bool payload)
{
    struct frame_fields *ff = c->fields;
    if (c->quoted) { /* A quoted datagram has a stream, not times. */
        struct udp_conv *u = udp_conversation(c, sport, dport);
        if (u)
            field_add_uint(ff, hf_stream, u->stream);
        return;
    }
    if (!fields_want(ff, hf_stream) && !fields_want(ff, hf_time_relative) &&
        !fields_want(ff, hf_time_delta))
        return;
    struct udp_conv *u = udp_conversation(c, sport, dport);
    if (!u)
        return;
    field_add_uint(ff, hf_stream, u->stream);
    if (payload) {
        field_add_time(ff, hf_time_relative, c->frame->ts_ns - u->ts_first);
        field_add_time(ff, hf_time_delta, c->frame->ts_ns - u->ts_prev);
    }
    u->ts_prev = c->frame->ts_ns;
}

/* Returns the checksum status tshark gives (it verifies none): not
 * present (3) for a zero checksum over IPv4, illegal (4) over IPv6, else
 * unverified (2); in a quoted datagram, zero is not present either way. */
static uint64_t checksum_status(const struct dissect_ctx *c, uint16_t cksum)
{
    if (cksum != 0)
        return 2;
    return c->net_src.kind == NET_ADDR_IPV6 && !c->quoted ? 4 : 3;
}

/* Records the fields of a UDP header as far as Wireshark gets: the ports
 * once 4 bytes are there, the length, and the rest once the whole header
 * is there and its length field is plausible (a jumbogram's 0 counts,
 * over IPv6). */
static __attribute__((noinline)) void udp_fields(struct dissect_ctx *c, struct span s)
{
    struct frame_fields *ff = c->fields;
    if (s.cap < 4)
        return;
    uint16_t sport = be16(s.p), dport = be16(s.p + 2);
    field_add_uint(ff, hf_srcport, sport);
    field_add_uint(ff, hf_dstport, dport);
    field_add_uint(ff, hf_port, sport);
    field_add_uint(ff, hf_port, dport);
    if (s.cap < 6)
        return;
    uint16_t ulen = be16(s.p + 4);
    bool jumbo = ulen == 0 && c->net_src.kind == NET_ADDR_IPV6;
    field_add_uint(ff, hf_length, ulen);
    if (s.cap < 8 || (ulen < 8 && !jumbo))
        return;
    field_add_uint(ff, hf_checksum, be16(s.p + 6));
    field_add_uint(ff, hf_checksum_status, checksum_status(c, be16(s.p + 6)));
    conversation_fields(c, sport, dport, s.len > 8);
    if (s.len > 8 && fields_want(ff, hf_payload)) {
        if (s.cap > 8)
            field_add_bytes(ff, hf_payload, s.p + 8, s.cap - 8);
        else if (!c->quoted) /* A quoted datagram cut at its header shows no payload. */
            field_add_missing(ff, hf_payload);
    }
}

/* Dissects a UDP datagram and its application (a quoted one, in an ICMP
 * error, counts in no conversation). */
static void dissect_udp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_udp);
    /* A quoted datagram's fields make its conversation, as Wireshark's do. */
    if (fields_want_proto(c->fields, proto_udp) || (c->fields && c->quoted))
        udp_fields(c, s);
    if (!dissect_need(c, s, 8))
        return;
    uint16_t sport = be16(s.p), dport = be16(s.p + 2), ulen = be16(s.p + 4);
    if (ulen < 8 && !(ulen == 0 && c->net_src.kind == NET_ADDR_IPV6))
        return; /* A bogus length: Wireshark stops there, counting nothing. */
    dissect_add_port_layer(c, false, sport, dport, 0);
    if (ulen >= 8 && ulen <= s.len)
        s = span_trim(s, ulen);
    struct span p = span_from(s, 8);
    if (p.len == 0 || (c->quoted && p.cap == 0))
        return;
    uint16_t lo = sport < dport ? sport : dport, hi = sport < dport ? dport : sport;
    const struct conversation_handoff *conv = conversation_handoff_find(c, proto_udp, sport, dport);
    if (conv) { /* A conversation another dissector set up comes first, as in Wireshark. */
        c->conversation = conv;
        call_dissector(c, conv->handle, p);
        c->conversation = NULL;
        return;
    }
    const struct dissector_handle *h = udp_expected_handle(c, sport, dport);
    if (!h)
        h = dissector_table_get(port_table, lo);
    if (!h)
        h = dissector_table_get(port_table, hi);
    if (!h && heuristics->n > 0) {
        struct heur_args a = {p.p, p.cap, p.len, sport, dport};
        h = heur_list_match(heuristics, &a);
    }
    if (h)
        call_dissector(c, h, p);
    else
        ctx_push_toplevel(c, proto_data);
}

/* The UDP dissector. */
static const struct dissector_handle udp_handle = {&proto_udp, dissect_udp, NULL};

/* Frees the stream numbering. */
static void streams_free(void *state)
{
    struct udp_streams *st = state;
    hash_table_free(&st->convs);
    hash_table_free(&st->expected);
    free(st);
}

/* Registers UDP, its fields, its port table, heuristic list and state. */
static void udp_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_srcport, "udp.srcport", "Source Port", FT_UINT16, BASE_PT_UDP, 0, NULL),
        HF(&hf_dstport, "udp.dstport", "Destination Port", FT_UINT16, BASE_PT_UDP, 0, NULL),
        HF(&hf_port, "udp.port", "Source or Destination Port", FT_UINT16, BASE_PT_UDP, 0, NULL),
        HF(&hf_length, "udp.length", "Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_checksum, "udp.checksum", "Checksum", FT_UINT16, BASE_HEX, 0, NULL),
        HF(&hf_checksum_status, "udp.checksum.status", "Checksum Status", FT_UINT8, BASE_NONE, 0,
           checksum_status_names),
        HF(&hf_stream, "udp.stream", "Stream index", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_time_relative, "udp.time_relative", "Time since first frame", FT_RELATIVE_TIME,
           BASE_NONE, 0, NULL),
        HF(&hf_time_delta, "udp.time_delta", "Time since previous frame", FT_RELATIVE_TIME,
           BASE_NONE, 0, NULL),
        HF(&hf_payload, "udp.payload", "Payload", FT_BYTES, BASE_NONE, 0, NULL),
    };
    static const struct proto_hooks hooks = {.free_state = streams_free};
    proto_udp = registry_proto("udp", "User Datagram Protocol");
    registry_fields(proto_udp, hf, ARRAY_COUNT(hf));
    port_table = registry_table_new("udp.port", 16);
    heuristics = registry_heur_list_new("udp");
    streams_slot = registry_proto_state(proto_udp, &hooks);
}

/* UDP on IP protocol 17. */
static void udp_handoff(void)
{
    registry_table_add("ip.proto", 17, &udp_handle);
}

const struct dissector_module dissector_udp = {udp_register, udp_handoff};
