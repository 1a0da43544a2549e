/* Owns the conversation statistics (`tshark -qz conv,X`, sharkd's conv:
 * taps): per pair of addresses (and ports; for TCP also the stream index)
 * the frames and bytes each way and the first and last times.  Side A is
 * the sender of the conversation's first frame. */
#include "analysis_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prepares the conversation tables. */
void conversations_init(struct analysis_result *r)
{
    for (int t = 0; t < ANALYSIS_TABLE_COUNT; t++)
        hash_table_init(&r->convs[t], sizeof(struct conv_key), sizeof(struct conversation));
}

/* Returns the TCP conversation of a stream, creating it if new; TCP streams
 * are numbered densely, so an array replaces hashing for the busiest table. */
static struct conversation *tcp_conv_lookup(struct analysis_result *r, const struct conv_key *k,
                                            int *created)
{
    if (k->stream >= r->tcp_convs_cap) {
        size_t ncap = r->tcp_convs_cap ? r->tcp_convs_cap : 256;
        while (ncap <= k->stream)
            ncap *= 2;
        struct conversation *n = realloc(r->tcp_convs, ncap * sizeof(*n));
        if (!n)
            return NULL;
        memset(n + r->tcp_convs_cap, 0, (ncap - r->tcp_convs_cap) * sizeof(*n));
        r->tcp_convs = n;
        r->tcp_convs_cap = ncap;
    }
    struct conversation *cv = &r->tcp_convs[k->stream];
    *created = !cv->used;
    if (!cv->used) {
        cv->key = *k;
        cv->used = true;
        r->n_tcp_convs++;
    }
    return cv;
}

/* Returns the conversation with key k in table t, creating it if new (NULL when out of memory). */
static struct conversation *conv_lookup(struct analysis_result *r, enum analysis_table t,
                                        const struct conv_key *k, int *created)
{
    if (t == ANALYSIS_TCP)
        return tcp_conv_lookup(r, k, created);
    struct conversation *cv = hash_table_upsert(&r->convs[t], k, created);
    if (cv)
        cv->used = true;
    return cv;
}

/* Returns the conversation of a frame from (src, sport) to (dst, dport) of
 * a stream in table t, creating it if new, with *src_lo telling whether the
 * sender is its lower side; NULL when out of memory. */
static __attribute__((noinline)) struct conversation *
conv_find(struct analysis_result *r, enum analysis_table t, const struct net_addr *src,
          uint16_t sport, const struct net_addr *dst, uint16_t dport, uint32_t stream,
          int64_t rel_ns, bool *src_lo)
{
    struct conv_key k;
    int created, c = net_addr_cmp(src, dst);
    *src_lo = c < 0 || (c == 0 && sport <= dport);
    memset(&k, 0, sizeof(k));
    k.lo = *src_lo ? *src : *dst;
    k.hi = *src_lo ? *dst : *src;
    k.lo_port = *src_lo ? sport : dport;
    k.hi_port = *src_lo ? dport : sport;
    k.stream = stream;
    struct conversation *cv = conv_lookup(r, t, &k, &created);
    if (cv && created) {
        cv->order = r->next_order++;
        cv->a_is_lo = *src_lo;
        cv->start_ns = cv->stop_ns = rel_ns;
    }
    return cv;
}

/* Counts one frame from src to dst in a table; returns -1 when out of memory. */
static int conv_count(struct analysis_result *r, enum analysis_table t, const struct net_addr *src,
                      uint16_t sport, const struct net_addr *dst, uint16_t dport, uint32_t stream,
                      uint32_t wirelen, int64_t rel_ns)
{
    struct conversation *cv = r->last_conv[t];
    int dir = cv && cv->key.stream == stream
                  ? net_pair_direction(&cv->key.lo, cv->key.lo_port, &cv->key.hi, cv->key.hi_port,
                                       src, sport, dst, dport)
                  : -1;
    bool src_lo = dir == 0;
    if (dir < 0) {
        cv = conv_find(r, t, src, sport, dst, dport, stream, rel_ns, &src_lo);
        if (!cv)
            return -1;
        r->last_conv[t] = cv;
    }
    if (cv->a_is_lo == src_lo) {
        cv->a2b_f++;
        cv->a2b_b += wirelen;
    } else {
        cv->b2a_f++;
        cv->b2a_b += wirelen;
    }
    if (rel_ns > cv->stop_ns)
        cv->stop_ns = rel_ns;
    if (rel_ns < cv->start_ns)
        cv->start_ns = rel_ns;
    return 0;
}

/* Counts a frame's address pairs in every conversation table. */
int conversations_add(struct analysis_result *r, const struct frame_dissection *fd,
                      uint32_t wirelen, int64_t rel_ns)
{
    int rc = 0;
    for (unsigned i = 0; i < fd->n_eth; i++)
        rc |=
            conv_count(r, ANALYSIS_ETH, &fd->eth[i].src, 0, &fd->eth[i].dst, 0, 0, wirelen, rel_ns);
    for (unsigned i = 0; i < fd->n_ip; i++) {
        enum analysis_table t = fd->ip[i].src.kind == NET_ADDR_IPV6 ? ANALYSIS_IPV6 : ANALYSIS_IPV4;
        rc |= conv_count(r, t, &fd->ip[i].src, 0, &fd->ip[i].dst, 0, 0, wirelen, rel_ns);
    }
    for (unsigned i = 0; i < fd->n_tcp; i++)
        rc |= conv_count(r, ANALYSIS_TCP, &fd->tcp[i].src, fd->tcp[i].sport, &fd->tcp[i].dst,
                         fd->tcp[i].dport, fd->tcp[i].stream, wirelen, rel_ns);
    for (unsigned i = 0; i < fd->n_udp; i++)
        rc |= conv_count(r, ANALYSIS_UDP, &fd->udp[i].src, fd->udp[i].sport, &fd->udp[i].dst,
                         fd->udp[i].dport, 0, wirelen, rel_ns);
    return rc;
}

/* A list of conversation pointers, filled by a hash_table_foreach callback. */
struct conv_list {
    const struct conversation **items; /* The conversations. */
    size_t n;                          /* Number stored. */
};

/* Appends a conversation to a conv_list (a hash_table_foreach callback). */
static void collect_conv(void *entry, void *ctx)
{
    struct conv_list *l = ctx;
    l->items[l->n++] = entry;
}

/* Orders conversations by their first appearance (a qsort comparator). */
static int conv_order_cmp(const void *a, const void *b)
{
    const struct conversation *x = *(const struct conversation *const *)a;
    const struct conversation *y = *(const struct conversation *const *)b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Converts nanoseconds to seconds the way Wireshark's nstime_to_sec() does,
 * so that the doubles are bit-for-bit those sharkd prints. */
static double ns_to_sec(int64_t ns)
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    return (double)sec + (double)frac / 1e9;
}

/* Returns one conversation as a JSON object. */
static json_t *conv_json(const struct conversation *cv, bool with_ports)
{
    char sa[NET_ADDR_STRLEN], da[NET_ADDR_STRLEN], port[8];
    const struct net_addr *a = cv->a_is_lo ? &cv->key.lo : &cv->key.hi;
    const struct net_addr *b = cv->a_is_lo ? &cv->key.hi : &cv->key.lo;
    net_addr_format(a, sa, sizeof(sa));
    net_addr_format(b, da, sizeof(da));
    double start = ns_to_sec(cv->start_ns), stop = ns_to_sec(cv->stop_ns);
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:I, s:I}", "saddr", sa,
                          "daddr", da, "txf", (json_int_t)cv->a2b_f, "txb", (json_int_t)cv->a2b_b,
                          "rxf", (json_int_t)cv->b2a_f, "rxb", (json_int_t)cv->b2a_b, "start",
                          start, "stop", stop, "duration", ns_to_sec(cv->stop_ns - cv->start_ns),
                          "totalf", (json_int_t)(cv->a2b_f + cv->b2a_f), "totalb",
                          (json_int_t)(cv->a2b_b + cv->b2a_b));
    if (with_ports) {
        snprintf(port, sizeof(port), "%u", cv->a_is_lo ? cv->key.lo_port : cv->key.hi_port);
        json_object_set_new(o, "sport", json_string(port));
        snprintf(port, sizeof(port), "%u", cv->a_is_lo ? cv->key.hi_port : cv->key.lo_port);
        json_object_set_new(o, "dport", json_string(port));
    }
    return o;
}

/* Returns table t's conversations in order of first appearance. */
const struct conversation **conversations_sorted(const struct analysis_result *r,
                                                 enum analysis_table t, size_t *n)
{
    const struct hash_table *ht = &r->convs[t];
    size_t count = t == ANALYSIS_TCP ? r->n_tcp_convs : ht->count;
    struct conv_list l = {calloc(count + 1, sizeof(void *)), 0};
    *n = 0;
    if (!l.items)
        return NULL;
    if (t == ANALYSIS_TCP) {
        for (size_t i = 0; i < r->tcp_convs_cap; i++)
            if (r->tcp_convs[i].used)
                l.items[l.n++] = &r->tcp_convs[i];
    } else {
        hash_table_foreach(ht, collect_conv, &l);
    }
    qsort(l.items, l.n, sizeof(void *), conv_order_cmp);
    *n = l.n;
    return l.items;
}

/* Returns the conversations of table t as {"protocol", "convs"}, in order of first appearance. */
json_t *conversations_json(const struct analysis_result *r, enum analysis_table t)
{
    size_t n;
    const struct conversation **convs = conversations_sorted(r, t, &n);
    json_t *arr = json_array();
    for (size_t i = 0; convs && i < n; i++)
        json_array_append_new(arr, conv_json(convs[i], table_has_ports(t)));
    free(convs);
    return json_pack("{s:s, s:o}", "protocol", analysis_table_name(t), "convs", arr);
}

/* Frees the conversation tables. */
void conversations_free(struct analysis_result *r)
{
    for (int t = 0; t < ANALYSIS_TABLE_COUNT; t++)
        hash_table_free(&r->convs[t]);
    free(r->tcp_convs);
    r->tcp_convs = NULL;
    r->tcp_convs_cap = r->n_tcp_convs = 0;
    memset(r->last_conv, 0, sizeof(r->last_conv));
}
