/* Owns the endpoint statistics (`tshark -qz endpoints,X`): per address
 * (and port) the frames and whole-frame bytes it sent and received.  Every
 * Ethernet and IP header of a frame counts, so tunnelled packets count for
 * their inner and outer hosts, as in tshark. */
#include "analysis_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prepares the endpoint tables. */
void endpoints_init(struct analysis_result *r)
{
    for (int t = 0; t < ANALYSIS_TABLE_COUNT; t++)
        hash_table_init(&r->endpoints[t], sizeof(struct endpoint_key), sizeof(struct endpoint));
}

/* Adds traffic to an endpoint; returns -1 when out of memory. */
static int endpoint_count(struct analysis_result *r, enum analysis_table t,
                          const struct net_addr *a, uint16_t port, const uint64_t tx[2],
                          const uint64_t rx[2])
{
    struct endpoint_key k;
    int created;
    memset(&k, 0, sizeof(k));
    k.addr = *a;
    k.port = port;
    struct endpoint *e = hash_table_upsert(&r->endpoints[t], &k, &created);
    if (!e)
        return -1;
    if (created)
        e->order = r->next_order++;
    e->txf += tx[0];
    e->txb += tx[1];
    e->rxf += rx[0];
    e->rxb += rx[1];
    return 0;
}

/* Adds both sides of one conversation to the endpoints of table t. */
static int endpoints_add_conv(struct analysis_result *r, enum analysis_table t,
                              const struct conversation *cv)
{
    const uint64_t a2b[2] = {cv->a2b_f, cv->a2b_b}, b2a[2] = {cv->b2a_f, cv->b2a_b};
    const struct net_addr *a = cv->a_is_lo ? &cv->key.lo : &cv->key.hi;
    const struct net_addr *b = cv->a_is_lo ? &cv->key.hi : &cv->key.lo;
    uint16_t pa = cv->a_is_lo ? cv->key.lo_port : cv->key.hi_port;
    uint16_t pb = cv->a_is_lo ? cv->key.hi_port : cv->key.lo_port;
    if (endpoint_count(r, t, a, pa, a2b, b2a) < 0)
        return -1;
    return endpoint_count(r, t, b, pb, b2a, a2b);
}

/* Fills the endpoint tables from the conversation tables. */
int endpoints_from_conversations(struct analysis_result *r)
{
    for (int t = 0; t < ANALYSIS_TABLE_COUNT; t++) {
        size_t n;
        const struct conversation **convs = conversations_sorted(r, (enum analysis_table)t, &n);
        if (!convs)
            return -1;
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = endpoints_add_conv(r, (enum analysis_table)t, convs[i]);
        free(convs);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* A growable list of entry pointers, filled by a hash_table_foreach callback. */
struct entry_list {
    const void **items; /* The entries. */
    size_t n;           /* Number of entries stored. */
};

/* Appends an entry to an entry_list (a hash_table_foreach callback). */
static void collect_entry(void *entry, void *ctx)
{
    struct entry_list *l = ctx;
    l->items[l->n++] = entry;
}

/* Orders endpoints by their first appearance (a qsort comparator). */
static int endpoint_order_cmp(const void *a, const void *b)
{
    const struct endpoint *x = *(const struct endpoint *const *)a;
    const struct endpoint *y = *(const struct endpoint *const *)b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Returns one endpoint as a JSON object. */
static json_t *endpoint_json(const struct endpoint *e, bool with_port)
{
    char host[NET_ADDR_STRLEN], port[8];
    net_addr_format(&e->key.addr, host, sizeof(host));
    json_t *o =
        json_pack("{s:s, s:I, s:I, s:I, s:I}", "host", host, "txf", (json_int_t)e->txf, "txb",
                  (json_int_t)e->txb, "rxf", (json_int_t)e->rxf, "rxb", (json_int_t)e->rxb);
    if (with_port) {
        snprintf(port, sizeof(port), "%u", e->key.port);
        json_object_set_new(o, "port", json_string(port));
    }
    return o;
}

/* Returns the endpoints of table t as {"protocol", "hosts"}, in order of first appearance. */
json_t *endpoints_json(const struct analysis_result *r, enum analysis_table t)
{
    const struct hash_table *ht = &r->endpoints[t];
    struct entry_list l = {calloc(ht->count + 1, sizeof(void *)), 0};
    json_t *hosts = json_array();
    if (l.items) {
        hash_table_foreach(ht, collect_entry, &l);
        qsort(l.items, l.n, sizeof(void *), endpoint_order_cmp);
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(hosts, endpoint_json(l.items[i], table_has_ports(t)));
        free(l.items);
    }
    return json_pack("{s:s, s:o}", "protocol", analysis_table_name(t), "hosts", hosts);
}

/* Frees the endpoint tables. */
void endpoints_free(struct analysis_result *r)
{
    for (int t = 0; t < ANALYSIS_TABLE_COUNT; t++)
        hash_table_free(&r->endpoints[t]);
}
