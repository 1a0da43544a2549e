/*
 * Building the classifier table: canonical filters, filter classes (jobs
 * with identical filters), signatures (one rte_acl category each) and the
 * families they belong to, and the rte_acl contexts of each family.  See
 * classifier.h for why this gives every match.
 */
#include "classifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>

/* What one field of an rte_acl rule matches. */
enum acl_what {
    ACL_PROTO,
    ACL_SRC,
    ACL_DST,
    ACL_SPORT,
    ACL_DPORT,
    ACL_META,
};

/* The most fields of a context: protocol, four words of each address,
 * both ports and the meta word. */
#define ACL_MAX_FIELDS 12

RTE_ACL_RULE_DEF(acl_rule, ACL_MAX_FIELDS);

/* The fields of one family's contexts, in the order of the tries. */
struct acl_layout {
    /* Number of fields. */
    uint32_t n;
    /* What each field matches (enum acl_what) and, for an address, which
     * of its 32-bit words. */
    uint8_t what[ACL_MAX_FIELDS];
    uint8_t word[ACL_MAX_FIELDS];
    /* The definitions rte_acl_build() takes. */
    struct rte_acl_field_def defs[ACL_MAX_FIELDS];
};

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

/* Tells whether a filter can match anything: one with an IPv4 source and an
 * IPv6 destination (or the reverse) cannot. */
static bool filter_satisfiable(const struct pcapd_filter *f)
{
    uint32_t both = PCAPD_FILTER_SRC_ADDR | PCAPD_FILTER_DST_ADDR;
    return (f->fields & both) != both || f->src.family == f->dst.family;
}

/* Returns the family of a satisfiable filter's addresses (CLASSIFIER_V4 or
 * CLASSIFIER_V6), or CLASSIFIER_FAMILIES when it has no address. */
static unsigned filter_family(const struct pcapd_filter *f)
{
    const struct pcapd_prefix *any = f->fields & PCAPD_FILTER_SRC_ADDR   ? &f->src
                                     : f->fields & PCAPD_FILTER_DST_ADDR ? &f->dst
                                                                         : NULL;
    if (any == NULL)
        return CLASSIFIER_FAMILIES;
    return any->family == PCAPD_FAMILY_IPV6 ? CLASSIFIER_V6 : CLASSIFIER_V4;
}

/* Appends to `l` a field matching `what` (word `word` of an address), of
 * rte_acl type `type`: `size` bytes of struct classifier_key at `offset`,
 * loaded with input group `input`. */
static void layout_add(struct acl_layout *l, uint8_t what, uint8_t word, uint8_t type, uint8_t size,
                       size_t offset, uint8_t input)
{
    uint32_t n = l->n++;
    l->what[n] = what;
    l->word[n] = word;
    l->defs[n] = (struct rte_acl_field_def){.type = type,
                                            .size = size,
                                            .field_index = (uint8_t)n,
                                            .input_index = input,
                                            .offset = (uint32_t)offset};
}

/* Describes the key of family `fam`'s contexts: the protocol (rte_acl wants
 * a one-byte first field), the addresses (one word each for IPv4, four for
 * IPv6), both ports in one input word, and the meta word.  rte_acl leaves
 * out of a trie any input word that all its rules ignore, so the meta word
 * costs nothing unless a rule has a port of 0. */
static void acl_layout_of(unsigned fam, struct acl_layout *l)
{
    memset(l, 0, sizeof(*l));
    uint8_t input = 0;
    layout_add(l, ACL_PROTO, 0, RTE_ACL_FIELD_TYPE_BITMASK, 1,
               offsetof(struct classifier_key, proto), input++);
    uint8_t words = fam == CLASSIFIER_V6 ? 4 : 1;
    for (uint8_t w = 0; w < words; w++)
        layout_add(l, ACL_SRC, w, RTE_ACL_FIELD_TYPE_MASK, 4,
                   offsetof(struct classifier_key, src) + 4u * w, input++);
    for (uint8_t w = 0; w < words; w++)
        layout_add(l, ACL_DST, w, RTE_ACL_FIELD_TYPE_MASK, 4,
                   offsetof(struct classifier_key, dst) + 4u * w, input++);
    /* Ports are exact or absent: a bit mask, cheaper in the tries than a
     * range. */
    layout_add(l, ACL_SPORT, 0, RTE_ACL_FIELD_TYPE_BITMASK, 2,
               offsetof(struct classifier_key, sport), input);
    layout_add(l, ACL_DPORT, 0, RTE_ACL_FIELD_TYPE_BITMASK, 2,
               offsetof(struct classifier_key, dport), input++);
    layout_add(l, ACL_META, 0, RTE_ACL_FIELD_TYPE_BITMASK, 4, offsetof(struct classifier_key, meta),
               input++);
}

/* Fills rte_acl field `fld` with word `w` of address prefix `p`, or with a
 * wildcard when the filter has no such prefix (`set` false). */
static void acl_set_word(struct rte_acl_field *fld, const struct pcapd_prefix *p, unsigned w,
                         bool set)
{
    int bits = set ? RTE_MIN(RTE_MAX((int)p->len - 32 * (int)w, 0), 32) : 0;
    uint32_t word;
    memcpy(&word, p->addr + 4 * w, 4);
    fld->value.u32 = bits ? rte_be_to_cpu_32(word) : 0;
    fld->mask_range.u32 = (uint32_t)bits;
}

/* Translates filter class `idx` into an rte_acl rule of category `cat` over
 * the fields of layout `l`. */
static void acl_rule_of(const struct pcapd_filter *f, uint32_t idx, uint32_t cat,
                        const struct acl_layout *l, struct acl_rule *r)
{
    memset(r, 0, sizeof(*r));
    r->data.category_mask = 1u << cat;
    r->data.priority = 1;
    r->data.userdata = idx + 1;
    bool proto = f->fields & PCAPD_FILTER_PROTOCOL;
    bool sp = f->fields & PCAPD_FILTER_SRC_PORT, dp = f->fields & PCAPD_FILTER_DST_PORT;
    /* A packet without ports has ports 0 in its key: only a rule that wants
     * a port of 0 must also want the packet to have ports. */
    bool zero_port = (sp && f->src_port == 0) || (dp && f->dst_port == 0);
    for (uint32_t n = 0; n < l->n; n++) {
        struct rte_acl_field *fld = &r->field[n];
        switch (l->what[n]) {
        case ACL_PROTO:
            fld->value.u8 = proto ? f->protocol : 0;
            fld->mask_range.u8 = proto ? 0xff : 0;
            break;
        case ACL_SRC:
            acl_set_word(fld, &f->src, l->word[n], f->fields & PCAPD_FILTER_SRC_ADDR);
            break;
        case ACL_DST:
            acl_set_word(fld, &f->dst, l->word[n], f->fields & PCAPD_FILTER_DST_ADDR);
            break;
        case ACL_SPORT:
            fld->value.u16 = sp ? f->src_port : 0;
            fld->mask_range.u16 = sp ? UINT16_MAX : 0;
            break;
        case ACL_DPORT:
            fld->value.u16 = dp ? f->dst_port : 0;
            fld->mask_range.u16 = dp ? UINT16_MAX : 0;
            break;
        default:
            fld->value.u32 = zero_port ? CLASSIFIER_META_PORTS : 0;
            fld->mask_range.u32 = zero_port ? CLASSIFIER_META_PORTS : 0;
            break;
        }
    }
}

/* Builds `x`, one rte_acl context of family `fam` over the `n` classes
 * cls[0 .. n), class cls[i] in category cat[i] of `n_cats`.  Leaves x->acl
 * NULL when n is 0.  Returns 0 or -1. */
static int acl_build_ctx(const struct classifier *c, struct classifier_ctx *x, unsigned fam,
                         const uint32_t *cls, const uint8_t *cat, uint32_t n, uint32_t n_cats)
{
    if (n == 0)
        return 0;
    char name[RTE_ACL_NAMESIZE];
    snprintf(name, sizeof(name), "pcapd_acl%u", acl_ctx_counter++);
    struct rte_acl_param param = {.name = name,
                                  .socket_id = (int)rte_socket_id(),
                                  .rule_size = sizeof(struct acl_rule),
                                  .max_rule_num = n};
    x->acl = rte_acl_create(&param);
    if (x->acl == NULL)
        return -1;
    struct acl_layout l;
    acl_layout_of(fam, &l);
    struct acl_rule *rules = calloc(n, sizeof(*rules));
    if (rules == NULL)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        acl_rule_of(&c->classes[cls[i]].filter, cls[i], cat[i], &l, &rules[i]);
    int rc = rte_acl_add_rules(x->acl, (const struct rte_acl_rule *)rules, n);
    free(rules);
    if (rc != 0)
        return -1;
    struct rte_acl_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    x->categories = n_cats == 1 ? 1 : RTE_ALIGN_CEIL(n_cats, RTE_ACL_RESULTS_MULTIPLIER);
    cfg.num_categories = x->categories;
    cfg.num_fields = l.n;
    memcpy(cfg.defs, l.defs, sizeof(l.defs[0]) * l.n);
    return rte_acl_build(x->acl, &cfg) == 0 ? 0 : -1;
}

/* Builds the contexts of family `fam` from the signatures `order[0 ..
 * n_order)` (indexes into sig_first, whose entry s + 1 ends signature s):
 * the signature at position p is category p % CLASSIFIER_CATS_PER_CTX of
 * round p / CLASSIFIER_CATS_PER_CTX.  `cls` and `cat` are scratch arrays of
 * n_classes entries.  Returns 0 or -1. */
static int acl_build_family(struct classifier *c, unsigned fam, const uint32_t *sig_first,
                            const uint32_t *order, uint32_t n_order, uint32_t *cls, uint8_t *cat)
{
    for (uint32_t p0 = 0; p0 < n_order; p0 += CLASSIFIER_CATS_PER_CTX) {
        uint32_t n_cats = RTE_MIN(n_order - p0, (uint32_t)CLASSIFIER_CATS_PER_CTX), n = 0;
        for (uint32_t p = p0; p < p0 + n_cats; p++) {
            for (uint32_t k = sig_first[order[p]]; k < sig_first[order[p] + 1]; k++) {
                cls[n] = k;
                cat[n++] = (uint8_t)(p - p0);
            }
        }
        struct classifier_ctx *x =
            &c->ctx[p0 / CLASSIFIER_CATS_PER_CTX * CLASSIFIER_FAMILIES + fam];
        if (acl_build_ctx(c, x, fam, cls, cat, n, n_cats) != 0)
            return -1;
    }
    return 0;
}

/* Builds the rte_acl contexts.  Classes are sorted by signature, so each
 * signature is a run of classes.  Family f's signatures are the
 * address-less ones followed by those with addresses of f; see
 * acl_build_family() for how they become rounds and categories.  Since the
 * address-less signatures come first, each has the same round and category
 * in both families. */
static int acl_build(struct classifier *c)
{
    /* The empty filter sorts first; it matches every frame and is emitted
     * without rte_acl (which only sees IP packets). */
    uint32_t skip = c->classes[0].filter.fields == 0 ? 1 : 0;
    if (skip)
        c->match_all = 0;
    uint32_t n = c->n_classes;
    uint32_t *sig_first = malloc(sizeof(*sig_first) * (n + 1));
    uint32_t *order = malloc(sizeof(*order) * n * CLASSIFIER_FAMILIES);
    uint32_t *cls = malloc(sizeof(*cls) * n);
    uint8_t *cat = malloc(n);
    int rc = sig_first != NULL && order != NULL && cls != NULL && cat != NULL ? 0 : -1;
    uint32_t n_sig = 0, n_order[CLASSIFIER_FAMILIES] = {0};
    uint32_t *fam_order[CLASSIFIER_FAMILIES] = {order, order + n};
    /* Signatures, and first the address-less ones into both families. */
    for (uint32_t k = skip; rc == 0 && k < n; k++) {
        if (k == skip || !same_signature(&c->classes[k - 1].filter, &c->classes[k].filter))
            sig_first[n_sig++] = k;
    }
    if (rc == 0)
        sig_first[n_sig] = n;
    for (unsigned pass = 0; rc == 0 && pass < 2; pass++) {
        for (uint32_t s = 0; s < n_sig; s++) {
            const struct pcapd_filter *f = &c->classes[sig_first[s]].filter;
            if (!filter_satisfiable(f))
                continue; /* Matches nothing: in no context. */
            unsigned fam = filter_family(f);
            if (pass == 0 && fam == CLASSIFIER_FAMILIES) {
                for (unsigned g = 0; g < CLASSIFIER_FAMILIES; g++)
                    fam_order[g][n_order[g]++] = s;
            } else if (pass == 1 && fam != CLASSIFIER_FAMILIES) {
                fam_order[fam][n_order[fam]++] = s;
            }
        }
    }
    uint32_t rounds = 1;
    for (unsigned g = 0; g < CLASSIFIER_FAMILIES; g++)
        rounds =
            RTE_MAX(rounds, (n_order[g] + CLASSIFIER_CATS_PER_CTX - 1) / CLASSIFIER_CATS_PER_CTX);
    c->ctx = rc == 0 ? calloc(rounds * CLASSIFIER_FAMILIES, sizeof(c->ctx[0])) : NULL;
    rc = c->ctx != NULL ? 0 : -1;
    if (rc == 0)
        c->n_ctx = rounds * CLASSIFIER_FAMILIES;
    for (unsigned g = 0; rc == 0 && g < CLASSIFIER_FAMILIES; g++)
        rc = acl_build_family(c, g, sig_first, fam_order[g], n_order[g], cls, cat);
    free(sig_first);
    free(order);
    free(cls);
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
