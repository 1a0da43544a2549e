/*
 * Building the classifier table: canonical filters, filter classes (jobs
 * with identical filters), signatures (one rte_acl category each), and the
 * rte_acl contexts.  See classifier.h for why this gives every match.
 */
#include "classifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>

/* Fields of the rte_acl rule, in the order of struct classifier_key. */
enum {
    ACL_PROTO,
    ACL_META,
    ACL_SRC0,
    ACL_DST0 = ACL_SRC0 + 4,
    ACL_SPORT = ACL_DST0 + 4,
    ACL_DPORT,
    ACL_NUM_FIELDS,
};

RTE_ACL_RULE_DEF(acl_rule, ACL_NUM_FIELDS);

/* Signatures (categories) per rte_acl context. */
#ifndef CLASSIFIER_CATS_PER_CTX
#define CLASSIFIER_CATS_PER_CTX RTE_ACL_MAX_CATEGORIES
#endif

/* Names of rte_acl contexts must be unique; this numbers them. */
static unsigned acl_ctx_counter;

/* Copies the present fields of `f` into a zeroed filter, so that equal
 * filters compare equal with memcmp(). */
static struct pcapd_filter filter_canonical(const struct pcapd_filter *f)
{
    struct pcapd_filter c;
    memset(&c, 0, sizeof(c));
    c.fields = f->fields;
    if (f->fields & PCAPD_FILTER_SRC_ADDR)
        c.src = f->src;
    if (f->fields & PCAPD_FILTER_DST_ADDR)
        c.dst = f->dst;
    if (f->fields & PCAPD_FILTER_SRC_PORT)
        c.src_port = f->src_port;
    if (f->fields & PCAPD_FILTER_DST_PORT)
        c.dst_port = f->dst_port;
    if (f->fields & PCAPD_FILTER_PROTOCOL)
        c.protocol = f->protocol;
    return c;
}

/* Orders filters by signature first (fields, families, prefix lengths),
 * then by value, so classes of a signature are adjacent. */
static int filter_cmp(const struct pcapd_filter *a, const struct pcapd_filter *b)
{
    uint64_t sa = (uint64_t)a->fields << 32 | (uint64_t)a->src.family << 24 |
                  (uint64_t)a->src.len << 16 | (uint64_t)a->dst.family << 8 | a->dst.len;
    uint64_t sb = (uint64_t)b->fields << 32 | (uint64_t)b->src.family << 24 |
                  (uint64_t)b->src.len << 16 | (uint64_t)b->dst.family << 8 | b->dst.len;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    return memcmp(a, b, sizeof(*a));
}

/* Tells whether two filters have the same signature. */
static bool same_signature(const struct pcapd_filter *a, const struct pcapd_filter *b)
{
    return a->fields == b->fields && a->src.family == b->src.family && a->src.len == b->src.len &&
           a->dst.family == b->dst.family && a->dst.len == b->dst.len;
}

/* qsort() comparator of rules by canonical filter. */
static int rule_cmp(const void *x, const void *y)
{
    const struct classifier_rule *a = x, *b = y;
    return filter_cmp(&a->filter, &b->filter);
}

/* Fills the rte_acl field of address prefix `p` into four 32-bit words. */
static void acl_set_prefix(struct acl_rule *r, int first, const struct pcapd_prefix *p, bool set)
{
    for (int w = 0; w < 4; w++) {
        int bits = set ? RTE_MIN(RTE_MAX((int)p->len - 32 * w, 0), 32) : 0;
        uint32_t word;
        memcpy(&word, p->addr + 4 * w, 4);
        r->field[first + w].value.u32 = bits ? rte_be_to_cpu_32(word) : 0;
        r->field[first + w].mask_range.u32 = (uint32_t)bits;
    }
}

/* Tells whether a filter can match anything: one with an IPv4 source and an
 * IPv6 destination (or the reverse) cannot. */
static bool filter_satisfiable(const struct pcapd_filter *f)
{
    uint32_t both = PCAPD_FILTER_SRC_ADDR | PCAPD_FILTER_DST_ADDR;
    return (f->fields & both) != both || f->src.family == f->dst.family;
}

/* Translates filter class `idx` into an rte_acl rule of category `cat`. */
static void acl_rule_of(const struct pcapd_filter *f, uint32_t idx, uint32_t cat,
                        struct acl_rule *r)
{
    memset(r, 0, sizeof(*r));
    r->data.category_mask = 1u << cat;
    r->data.priority = 1;
    r->data.userdata = idx + 1;
    uint32_t mask = 0, value = 0;
    if (f->fields != 0) {
        mask |= CLASSIFIER_META_IP;
        value |= CLASSIFIER_META_IP;
    }
    const struct pcapd_prefix *any = f->fields & PCAPD_FILTER_SRC_ADDR   ? &f->src
                                     : f->fields & PCAPD_FILTER_DST_ADDR ? &f->dst
                                                                         : NULL;
    if (any != NULL) {
        mask |= CLASSIFIER_META_IPV6;
        value |= any->family == PCAPD_FAMILY_IPV6 ? CLASSIFIER_META_IPV6 : 0;
    }
    if (f->fields & (PCAPD_FILTER_SRC_PORT | PCAPD_FILTER_DST_PORT)) {
        mask |= CLASSIFIER_META_PORTS;
        value |= CLASSIFIER_META_PORTS;
    }
    r->field[ACL_META].value.u32 = value;
    r->field[ACL_META].mask_range.u32 = mask;
    bool proto = f->fields & PCAPD_FILTER_PROTOCOL;
    r->field[ACL_PROTO].value.u8 = proto ? f->protocol : 0;
    r->field[ACL_PROTO].mask_range.u8 = proto ? 0xff : 0;
    acl_set_prefix(r, ACL_SRC0, &f->src, f->fields & PCAPD_FILTER_SRC_ADDR);
    acl_set_prefix(r, ACL_DST0, &f->dst, f->fields & PCAPD_FILTER_DST_ADDR);
    bool sp = f->fields & PCAPD_FILTER_SRC_PORT, dp = f->fields & PCAPD_FILTER_DST_PORT;
    r->field[ACL_SPORT].value.u16 = sp ? f->src_port : 0;
    r->field[ACL_SPORT].mask_range.u16 = sp ? UINT16_MAX : 0;
    r->field[ACL_DPORT].value.u16 = dp ? f->dst_port : 0;
    r->field[ACL_DPORT].mask_range.u16 = dp ? UINT16_MAX : 0;
}

/* Describes struct classifier_key to rte_acl. */
static void acl_field_defs(struct rte_acl_config *cfg)
{
    struct rte_acl_field_def *d = cfg->defs;
    d[ACL_PROTO] = (struct rte_acl_field_def){.type = RTE_ACL_FIELD_TYPE_BITMASK,
                                              .size = 1,
                                              .field_index = ACL_PROTO,
                                              .input_index = 0,
                                              .offset = offsetof(struct classifier_key, proto)};
    d[ACL_META] = (struct rte_acl_field_def){.type = RTE_ACL_FIELD_TYPE_BITMASK,
                                             .size = 4,
                                             .field_index = ACL_META,
                                             .input_index = 1,
                                             .offset = offsetof(struct classifier_key, meta)};
    for (int w = 0; w < 4; w++) {
        d[ACL_SRC0 + w] = (struct rte_acl_field_def){
            .type = RTE_ACL_FIELD_TYPE_MASK,
            .size = 4,
            .field_index = (uint8_t)(ACL_SRC0 + w),
            .input_index = (uint8_t)(2 + w),
            .offset = (uint32_t)(offsetof(struct classifier_key, src) + 4 * w)};
        d[ACL_DST0 + w] = (struct rte_acl_field_def){
            .type = RTE_ACL_FIELD_TYPE_MASK,
            .size = 4,
            .field_index = (uint8_t)(ACL_DST0 + w),
            .input_index = (uint8_t)(6 + w),
            .offset = (uint32_t)(offsetof(struct classifier_key, dst) + 4 * w)};
    }
    /* Ports are exact or absent: a bit mask, cheaper in the tries than a
     * range. */
    d[ACL_SPORT] = (struct rte_acl_field_def){.type = RTE_ACL_FIELD_TYPE_BITMASK,
                                              .size = 2,
                                              .field_index = ACL_SPORT,
                                              .input_index = 10,
                                              .offset = offsetof(struct classifier_key, sport)};
    d[ACL_DPORT] = (struct rte_acl_field_def){.type = RTE_ACL_FIELD_TYPE_BITMASK,
                                              .size = 2,
                                              .field_index = ACL_DPORT,
                                              .input_index = 10,
                                              .offset = offsetof(struct classifier_key, dport)};
    cfg->num_fields = ACL_NUM_FIELDS;
}

/* Builds one rte_acl context over classes [first, first + n), whose
 * categories are in `cat` (0..15).  Returns 0 or -1. */
static int acl_build_ctx(struct classifier *c, struct classifier_ctx *x, uint32_t first, uint32_t n,
                         const uint8_t *cat, uint32_t n_cats)
{
    char name[RTE_ACL_NAMESIZE];
    snprintf(name, sizeof(name), "pcapd_acl%u", acl_ctx_counter++);
    struct rte_acl_param param = {.name = name,
                                  .socket_id = (int)rte_socket_id(),
                                  .rule_size = RTE_ACL_RULE_SZ(ACL_NUM_FIELDS),
                                  .max_rule_num = n};
    x->acl = rte_acl_create(&param);
    if (x->acl == NULL)
        return -1;
    struct acl_rule *rules = calloc(n, sizeof(*rules));
    if (rules == NULL)
        return -1;
    uint32_t n_rules = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (filter_satisfiable(&c->classes[first + i].filter))
            acl_rule_of(&c->classes[first + i].filter, first + i, cat[i], &rules[n_rules++]);
    }
    int rc = n_rules ? rte_acl_add_rules(x->acl, (const struct rte_acl_rule *)rules, n_rules) : 0;
    free(rules);
    if (rc != 0)
        return -1;
    if (n_rules == 0) {
        /* Nothing here can match: leave the context out of classification. */
        rte_acl_free(x->acl);
        x->acl = NULL;
        return 0;
    }
    struct rte_acl_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    x->categories = n_cats == 1 ? 1 : RTE_ALIGN_CEIL(n_cats, RTE_ACL_RESULTS_MULTIPLIER);
    cfg.num_categories = x->categories;
    acl_field_defs(&cfg);
    return rte_acl_build(x->acl, &cfg) == 0 ? 0 : -1;
}

/* Builds the rte_acl contexts: one category per signature, 16 signatures
 * per context.  Classes are sorted by signature, so each context covers a
 * contiguous run of classes. */
static int acl_build(struct classifier *c)
{
    /* The empty filter sorts first; it matches every frame and is emitted
     * without rte_acl (which only sees IP packets). */
    uint32_t skip = c->classes[0].filter.fields == 0 ? 1 : 0;
    if (skip)
        c->match_all = 0;
    uint32_t *sig = malloc(sizeof(*sig) * c->n_classes);
    uint8_t *cat = malloc(c->n_classes);
    int rc = sig != NULL && cat != NULL ? 0 : -1;
    uint32_t n_sig = 0;
    for (uint32_t k = skip; rc == 0 && k < c->n_classes; k++) {
        if (k > skip && !same_signature(&c->classes[k - 1].filter, &c->classes[k].filter))
            n_sig++;
        sig[k] = n_sig;
        cat[k] = (uint8_t)(n_sig % CLASSIFIER_CATS_PER_CTX);
    }
    n_sig++;
    uint32_t n_ctx = (n_sig + CLASSIFIER_CATS_PER_CTX - 1) / CLASSIFIER_CATS_PER_CTX;
    c->ctx = rc == 0 ? calloc(n_ctx, sizeof(c->ctx[0])) : NULL;
    rc = c->ctx != NULL ? 0 : -1;
    for (uint32_t x = 0, first = skip; rc == 0 && x < n_ctx; x++) {
        uint32_t last = first;
        while (last < c->n_classes && sig[last] / CLASSIFIER_CATS_PER_CTX == x)
            last++;
        uint32_t n_cats =
            RTE_MIN(n_sig - x * CLASSIFIER_CATS_PER_CTX, (uint32_t)CLASSIFIER_CATS_PER_CTX);
        c->n_ctx = x + 1;
        rc = acl_build_ctx(c, &c->ctx[x], first, last - first, cat + first, n_cats);
        first = last;
    }
    free(sig);
    free(cat);
    return rc;
}

/* Groups the sorted rules into classes of identical filters. */
static int build_classes(struct classifier *c)
{
    c->classes = calloc(c->n_rules, sizeof(c->classes[0]));
    if (c->classes == NULL)
        return -1;
    for (uint32_t i = 0; i < c->n_rules; i++) {
        struct classifier_class *last = c->n_classes ? &c->classes[c->n_classes - 1] : NULL;
        if (last != NULL && filter_cmp(&last->filter, &c->rules[i].filter) == 0) {
            last->count++;
            continue;
        }
        c->classes[c->n_classes++] =
            (struct classifier_class){.filter = c->rules[i].filter, .first = i, .count = 1};
    }
    return 0;
}

struct classifier *classifier_build(const struct classifier_rule *rules, uint32_t n)
{
    struct classifier *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->n_rules = n;
    c->rules = calloc(n ? n : 1, sizeof(c->rules[0]));
    if (c->rules == NULL) {
        classifier_free(c);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        c->rules[i] = rules[i];
        c->rules[i].filter = filter_canonical(&rules[i].filter);
    }
    qsort(c->rules, n, sizeof(c->rules[0]), rule_cmp);
    c->match_all = UINT32_MAX;
    if (build_classes(c) != 0 || (c->n_classes > CLASSIFIER_LINEAR_MAX && acl_build(c) != 0)) {
        classifier_free(c);
        return NULL;
    }
    return c;
}

void classifier_free(struct classifier *c)
{
    if (c == NULL)
        return;
    for (uint32_t x = 0; x < c->n_ctx; x++)
        rte_acl_free(c->ctx[x].acl);
    free(c->ctx);
    free(c->classes);
    free(c->rules);
    free(c);
}
