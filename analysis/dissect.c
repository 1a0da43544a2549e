/* Owns the core of dissection: the frame's protocol chain, spans of packet
 * bytes, the errors Wireshark's exceptions show (_ws.short,
 * _ws.malformed), dispatch through dissector tables, the address and
 * port layers the statistics count, the datagram an ICMP error quotes,
 * and the dissector's life cycle with the per-protocol state slots.  It
 * names no protocol: the link layer is found through the frame module. */
#include "dissect_internal.h"

#include "dissectors/list.h"

#include <string.h>

/* Appends a protocol to the frame's chain (dropping it if the chain is full,
 * as dissect_quoted() makes it) and records its presence. */
void ctx_push(struct dissect_ctx *c, int proto)
{
    if (c->out->n_chain < DISSECT_MAX_CHAIN)
        c->out->chain[c->out->n_chain++] = (uint16_t)proto;
    if (c->fields) {
        field_add_present(c->fields, proto);
        if (c->want_layers && proto != proto_short && proto != proto_malformed)
            ctx_layer(c, proto);
    }
}

/* Appends a protocol at the top level of the chain, quoted or not. */
void ctx_push_toplevel(struct dissect_ctx *c, int proto)
{
    struct frame_dissection *o = c->out;
    if (!c->quoted) {
        ctx_push(c, proto);
        return;
    }
    uint8_t n = o->n_chain;
    o->n_chain = c->quoted_chain;
    ctx_push(c, proto);
    c->quoted_chain = o->n_chain;
    o->n_chain = n;
}

/* Appends a protocol to the frame's chain only. */
void ctx_push_node(struct dissect_ctx *c, int proto)
{
    if (c->out->n_chain < DISSECT_MAX_CHAIN)
        c->out->chain[c->out->n_chain++] = (uint16_t)proto;
    field_add_present(c->fields, proto);
}

/* Returns the Internet checksum of n bytes, from a partial sum. */
uint16_t dissect_inet_checksum(const uint8_t *p, size_t n, uint32_t sum)
{
    uint64_t acc = sum;
    size_t i = 0;
    for (; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < n)
        acc += (uint32_t)p[i] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* Returns true when s has n captured bytes, else pushes why not and returns false. */
bool dissect_need(struct dissect_ctx *c, struct span s, size_t n)
{
    if (s.cap >= n)
        return true;
    ctx_push(c, s.len >= n ? proto_short : proto_malformed);
    return false;
}

/* Pushes "data" for a non-empty payload nobody dissects. */
void dissect_data(struct dissect_ctx *c, struct span s)
{
    if (s.len > 0)
        ctx_push(c, proto_data);
}

/* Pushes "_ws.short" when s was cut by the snaplen. */
void dissect_mark_short(struct dissect_ctx *c, struct span s)
{
    if (s.cap < s.len)
        ctx_push(c, proto_short);
}

/* Dissects s with t's handle for key, one nesting level deeper. */
void dissect_table_or_data(struct dissect_ctx *c, const struct dissector_table *t, uint32_t key,
                           struct span s)
{
    const struct dissector_handle *h;
    if (++c->depth > DISSECT_MAX_DEPTH || (h = dissector_table_get(t, key)) == NULL) {
        dissect_data(c, s);
        return;
    }
    call_dissector(c, h, s);
}

/* Records an address layer (Ethernet or IP) if there is room. */
void dissect_add_addr_layer(struct dissect_addr_layer *arr, uint8_t *n, enum net_addr_kind kind,
                            const uint8_t *src, const uint8_t *dst)
{
    if (*n >= DISSECT_MAX_LAYERS)
        return;
    net_addr_set(&arr[*n].src, kind, src);
    net_addr_set(&arr[*n].dst, kind, dst);
    (*n)++;
}

/* Makes an IP header's addresses the innermost network address pair. */
void dissect_set_net_addrs(struct dissect_ctx *c, enum net_addr_kind kind, const uint8_t *src,
                           const uint8_t *dst)
{
    net_addr_set(&c->net_src, kind, src);
    net_addr_set(&c->net_dst, kind, dst);
}

/* Records the innermost IP header as an address layer. */
void dissect_count_net_addrs(struct dissect_ctx *c)
{
    struct frame_dissection *o = c->out;
    if (o->n_ip >= DISSECT_MAX_LAYERS)
        return;
    o->ip[o->n_ip].src = c->net_src;
    o->ip[o->n_ip].dst = c->net_dst;
    o->n_ip++;
}

/* Records a TCP or UDP header with its ports and enclosing IP addresses. */
void dissect_add_port_layer(struct dissect_ctx *c, bool tcp, uint16_t sport, uint16_t dport,
                            uint32_t stream)
{
    struct frame_dissection *o = c->out;
    struct dissect_port_layer *arr = tcp ? o->tcp : o->udp;
    uint8_t *n = tcp ? &o->n_tcp : &o->n_udp;
    if (*n >= DISSECT_MAX_LAYERS)
        return;
    arr[*n] = (struct dissect_port_layer){
        .src = c->net_src, .dst = c->net_dst, .sport = sport, .dport = dport, .stream = stream};
    (*n)++;
}

/* Dissects the datagram an ICMP or ICMPv6 error quotes, for its fields:
 * the chain and the address and port layers are made to look full, so that
 * nothing of it is counted (but what ctx_push_toplevel() adds), and are
 * given back their lengths after. */
void dissect_quoted(struct dissect_ctx *c, struct span s, bool v6)
{
    struct frame_dissection *o = c->out;
    struct net_addr src = c->net_src, dst = c->net_dst;
    uint8_t n_chain = o->n_chain, n_eth = o->n_eth, n_ip = o->n_ip, n_tcp = o->n_tcp,
            n_udp = o->n_udp;
    bool was_quoted = c->quoted;
    c->quoted_chain = n_chain;
    o->n_chain = DISSECT_MAX_CHAIN;
    o->n_eth = o->n_ip = o->n_tcp = o->n_udp = DISSECT_MAX_LAYERS;
    c->quoted = true;
    call_dissector(c, find_dissector(v6 ? "ipv6" : "ip"), s); /* Rare: looked up each time. */
    c->quoted = was_quoted;
    o->n_chain = c->quoted_chain;
    o->n_eth = n_eth;
    o->n_ip = n_ip;
    o->n_tcp = n_tcp;
    o->n_udp = n_udp;
    c->net_src = src;
    c->net_dst = dst;
}

/* Prepares an empty dissector (and the registry, on first use). */
void dissector_init(struct dissector *d)
{
    registry_init();
    memset(d, 0, sizeof(*d));
}

/* Dissects one frame into *out. */
void dissector_run(struct dissector *d, const struct capture_frame *f, struct frame_dissection *out)
{
    struct dissect_ctx c = {.d = d, .out = out, .frame = f, .fields = d->fields};
    if (d->frame_number++ == 0)
        d->first_ns = f->ts_ns;
    out->n_chain = out->n_eth = out->n_ip = out->n_tcp = out->n_udp = 0;
    frame_dissect(&c, (struct span){f->data, f->caplen, f->wirelen});
}

/* The question and answer of dissector_needs_first_pass(), for registry_foreach_state. */
struct first_pass_query {
    const struct frame_fields *ff; /* The wanted fields. */
    bool needed;                   /* Set when a protocol needs a first pass. */
};

/* Asks one state slot's protocol whether it needs a first pass. */
static void ask_first_pass(int slot, const struct proto_hooks *h, void *arg)
{
    struct first_pass_query *q = arg;
    (void)slot;
    if (h->needs_first_pass && h->needs_first_pass(q->ff))
        q->needed = true;
}

/* Returns true when the wanted fields need a first pass. */
bool dissector_needs_first_pass(const struct frame_fields *ff)
{
    struct first_pass_query q = {ff, false};
    registry_init();
    registry_foreach_state(ask_first_pass, &q);
    return q.needed;
}

/* The two dissectors of dissector_take_first_pass(). */
struct pass_pair {
    struct dissector *second; /* The second pass's dissector. */
    struct dissector *first;  /* The finished first pass's. */
};

/* Hands one slot's state from the first pass to the second. */
static void take_slot(int slot, const struct proto_hooks *h, void *arg)
{
    struct pass_pair *p = arg;
    (void)slot;
    if (h->take_first_pass)
        h->take_first_pass(p->second, p->first);
}

/* Hands a first pass's facts to the second pass. */
void dissector_take_first_pass(struct dissector *second, struct dissector *first)
{
    struct pass_pair p = {second, first};
    registry_foreach_state(take_slot, &p);
}

/* Frees one slot's state. */
static void free_slot(int slot, const struct proto_hooks *h, void *arg)
{
    struct dissector *d = arg;
    if (d->state[slot] && h->free_state)
        h->free_state(d->state[slot]);
    d->state[slot] = NULL;
}

/* Frees every protocol's state. */
void dissector_free(struct dissector *d)
{
    registry_foreach_state(free_slot, d);
    conversation_table_free(d->conversations);
    d->conversations = NULL;
}
