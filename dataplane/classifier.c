/*
 * Building the classifier table: canonical filters, filter classes (jobs
 * with identical filters), signatures and the families they belong to, and
 * then either a hash table per signature or the rte_acl contexts of each
 * family (one category per signature).  See classifier.h for why this gives
 * every match.
 */
#include "classifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/* Slots of a bucket of a signature's hash table. */
#define CLASSIFIER_BUCKET_SLOTS 8u

#ifndef CLASSIFIER_HASH_STRESS
/* Widest field (in bits, from its lowest varying bit to its highest) by
 * which a signature's classes may be indexed directly (see struct
 * classifier_sig): a table of 2^16 classes, 256 KiB, of which a burst
 * touches the lines of the values the traffic carries. */
#define CLASSIFIER_DIRECT_BITS 16
/* Slots per class at least (a table is at most half full); the bits of a
 * tag (all 16); seeds tried for a signature's hash before its classes are
 * let share a tag in a bucket. */
#define CLASSIFIER_SLOTS_PER_CLASS 2u
#define CLASSIFIER_TAG_BITS 0xffffu
#define CLASSIFIER_SEEDS 8
#else
/* A test build (tests/dataplane/meson.build) that makes the rare paths
 * common: 2-bit tags and no reseeding, so the classes of a bucket share
 * tags all the time and their probes take the slow path; and no
 * signature indexed directly, so that every one is hashed. */
#define CLASSIFIER_DIRECT_BITS (-1)
#define CLASSIFIER_SLOTS_PER_CLASS 2u
#define CLASSIFIER_TAG_BITS 0x6u
#define CLASSIFIER_SEEDS 0
#endif

/* A bucket of a signature's hash table: one cache line, whose tags a probe
 * compares at once; the keys are apart, read only when a tag agrees. */
struct classifier_bucket {
    /* Per slot: 16 bits of its class's hash with bit 0 set (see
     * classifier_hkey_hash()), or 0 when the slot is empty. */
    uint16_t tag[CLASSIFIER_BUCKET_SLOTS];
    /* Per slot: the index in the table's jobs of its class's first job
     * (see CLASSIFIER_MATCH_SHIFT). */
    uint32_t cls[CLASSIFIER_BUCKET_SLOTS];
    /* Nonzero when a class whose hash indexes this bucket found it full and
     * sits in a later one, or two of its classes share a tag: only then
     * does a probe that found nothing go on (classifier_sig_find_slow()). */
    uint32_t overflow;
} __rte_cache_aligned;

/* Which packets of a burst a signature's lookups take. */
enum classifier_list {
    /* Every IP packet (the signature has no addresses). */
    CLASSIFIER_LIST_IP,
    /* The IPv4 packets, or the IPv6 ones. */
    CLASSIFIER_LIST_V4,
    CLASSIFIER_LIST_V6,
};

/* One signature of a hashed table: the classes sharing which fields they
 * test, and with what prefix lengths.  In a linear table, one class: the
 * same mask, and the class's masked key to compare with. */
struct classifier_sig {
    /* What of a packet's key the signature tests. */
    struct classifier_hkey mask;
    /* Words of the key it compares (1, 2 or CLASSIFIER_HKEY_WORDS). */
    uint32_t words;
    /* Which packets are looked up in it (an enum classifier_list). */
    uint32_t list;
    /* Hashed: 64 minus log2 of the bucket count (a hash's top bits index
     * the buckets), and the bucket count minus 1. */
    uint32_t shift;
    uint32_t bucket_mask;
    /* Hashed: open addressing by buckets, at most half full; a probe goes
     * on to the next bucket only from a marked one (see `overflow`). */
    struct classifier_bucket *buckets;
    /* Hashed: the masked key of the class in each slot, `words` words per
     * slot, read when the tags agree. */
    uint64_t *keys;
    /* Hashed: what the hash starts from, chosen at build so that no two
     * classes of a bucket have the same tag. */
    uint64_t seed;
    /* Hashed: the bits of the mask on which every class of the signature
     * agrees, and their values.  A packet that differs there cannot be in
     * any class (a signature of TCP port filters, say, and a UDP packet),
     * and is not looked up.  Only the first two words are tested (the
     * protocol and ports, and an IPv4 packet's addresses or the start of
     * an IPv6 source): the test must cost far less than the lookup. */
    struct classifier_hkey common_mask;
    struct classifier_hkey common_value;
    /* Hashed, direct: when the signature compares at most two words (all
     * of which the common bits' test covers) and every bit in which its
     * classes differ lies within CLASSIFIER_DIRECT_BITS bits of one word
     * (a port, an octet or two of an address), a packet that has the
     * common bits is in the class direct[(key[direct_word] >>
     * direct_shift) & direct_mask], or in none (UINT32_MAX): one load
     * instead of a hash, a bucket and a key compare.  NULL when the
     * signature is hashed. */
    uint32_t *direct;
    uint32_t direct_word;
    uint32_t direct_shift;
    uint64_t direct_mask;
    /* Linear: the class's masked key, and its first job. */
    struct classifier_hkey value;
    uint32_t cls;
};

/* Fills `k` with a packet's fields or a signature's mask of them (see
 * struct classifier_hkey): `flags` is 0 or CLASSIFIER_META_PORTS; `src` and
 * `dst` have 4 bytes for CLASSIFIER_V4 and 16 for CLASSIFIER_V6. */
void classifier_hkey_fill(struct classifier_hkey *k, unsigned fam, uint8_t proto, uint8_t flags,
                          uint16_t sport, uint16_t dport, const uint8_t *src, const uint8_t *dst)
{
    uint8_t *p = (uint8_t *)k->w;
    size_t alen = fam == CLASSIFIER_V6 ? 16 : 4;
    memset(k, 0, sizeof(*k));
    p[0] = proto;
    p[1] = flags;
    memcpy(p + 2, &sport, 2);
    memcpy(p + 4, &dport, 2);
    memcpy(p + 8, src, alen);
    memcpy(p + 8 + alen, dst, alen);
}

/* Returns the hash of the `words` words of key `k` under `mask`: a product
 * per word by its own odd constant (independent multiplies, which the CPU
 * overlaps), then folded and multiplied once more, so that every bit of
 * the result depends on every bit of the key (a product's low bits depend
 * only on its input's low bits, and a field such as an IPv4 destination
 * sits in a word's high half); `seed` (the signature's) varies it.  The
 * top bits index the buckets, bits 16-31 are the tag.  `words` is a constant where it is called, so
 * the loop unrolls. */
static inline uint64_t classifier_hkey_hash(const uint64_t *k, const uint64_t *mask, uint32_t words,
                                            uint64_t seed)
{
    static const uint64_t mul[CLASSIFIER_HKEY_WORDS] = {
        UINT64_C(0x9e3779b97f4a7c15), UINT64_C(0xc2b2ae3d27d4eb4f), UINT64_C(0x165667b19e3779f9),
        UINT64_C(0xd6e8feb86659fd93), UINT64_C(0xff51afd7ed558ccd)};
    uint64_t h = seed;
    for (uint32_t w = 0; w < words; w++)
        h ^= (k[w] & mask[w]) * mul[w];
    return (h ^ (h >> 32)) * UINT64_C(0x9e3779b97f4a7c15);
}

/* Tells whether the `words` words of key `k` under `mask` are `value`. */
static inline bool classifier_hkey_equal(const uint64_t *k, const uint64_t *mask,
                                         const uint64_t *value, uint32_t words)
{
    uint64_t diff = 0;
    for (uint32_t w = 0; w < words; w++)
        diff |= (k[w] & mask[w]) ^ value[w];
    return diff == 0;
}

/* Returns a bit per slot of bucket `b` whose tag is `tag`: bit 2 * slot. */
static inline unsigned classifier_bucket_tags(const struct classifier_bucket *b, uint16_t tag)
{
#if defined(__SSE2__)
    __m128i eq =
        _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)b->tag), _mm_set1_epi16((short)tag));
    return (unsigned)_mm_movemask_epi8(eq) & 0x5555u;
#else
    unsigned bits = 0;
    for (unsigned x = 0; x < CLASSIFIER_BUCKET_SLOTS; x++)
        bits |= (unsigned)(b->tag[x] == tag) << (2 * x);
    return bits;
#endif
}

/* The tag of hash `h` in a bucket (never 0, which marks an empty slot). */
static inline uint16_t classifier_tag(uint64_t h)
{
    return (uint16_t)((h >> 16) & CLASSIFIER_TAG_BITS) | 1;
}

/* Returns the class of signature `s` that the packet of key `k` and hash
 * `h` is in, or UINT32_MAX, probing bucket after bucket.  `words` is
 * s->words. */
static __rte_noinline uint32_t classifier_sig_find_slow(const struct classifier_sig *s,
                                                        const uint64_t *k, uint64_t h,
                                                        uint32_t words)
{
    uint16_t tag = classifier_tag(h);
    uint32_t x = (uint32_t)(h >> s->shift);
    /* Every bucket at most once: all of them may be marked. */
    for (uint32_t n = 0; n <= s->bucket_mask; n++, x = (x + 1) & s->bucket_mask) {
        const struct classifier_bucket *b = &s->buckets[x];
        for (unsigned hits = classifier_bucket_tags(b, tag); hits != 0; hits &= hits - 1) {
            unsigned slot = (unsigned)__builtin_ctz(hits) / 2;
            const uint64_t *key = s->keys + (x * CLASSIFIER_BUCKET_SLOTS + slot) * words;
            if (classifier_hkey_equal(k, s->mask.w, key, words))
                return b->cls[slot];
        }
        if (b->overflow == 0)
            break;
    }
    return UINT32_MAX;
}

/* Returns the class of signature `s` that the packet of key `k` and hash
 * `h` is in, or UINT32_MAX.  `words` is s->words, a constant where it is
 * called.  The build gave the classes of a bucket distinct tags, so at
 * most one slot of the home bucket can hold the packet's class: one key
 * compare when a tag agrees.  Only a miss in a bucket that overflowed or
 * shares a tag, which the build makes rare, walks on.  (A version without
 * a branch on the tag, comparing slot 0's key when no tag agreed, ran
 * fewer mispredicted branches in callgrind's model but was 2-5 % slower
 * on the machine.) */
static inline uint32_t classifier_sig_find(const struct classifier_sig *s, const uint64_t *k,
                                           uint64_t h, uint32_t words)
{
    uint32_t x = (uint32_t)(h >> s->shift);
    const struct classifier_bucket *b = &s->buckets[x];
    unsigned hits = classifier_bucket_tags(b, classifier_tag(h));
    if (hits != 0) {
        unsigned slot = (unsigned)__builtin_ctz(hits) / 2;
        const uint64_t *key = s->keys + (x * CLASSIFIER_BUCKET_SLOTS + slot) * words;
        if (classifier_hkey_equal(k, s->mask.w, key, words))
            return b->cls[slot];
    }
    if (unlikely(b->overflow != 0))
        return classifier_sig_find_slow(s, k, h, words);
    return UINT32_MAX;
}

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
bool classifier_same_signature(const struct pcapd_filter *a, const struct pcapd_filter *b)
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
unsigned classifier_filter_family(const struct pcapd_filter *f)
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

/* Translates the filter of the class whose first job is `idx` into an
 * rte_acl rule of category `cat` over the fields of layout `l`. */
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
        acl_rule_of(&c->classes[cls[i]].filter, c->classes[cls[i]].first, cat[i], &l, &rules[i]);
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

/* Writes the mask of a prefix of `len` bits into the 16 bytes at `out`. */
void classifier_prefix_mask(unsigned len, uint8_t *out)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bits = len > 8 * i ? RTE_MIN(len - 8 * i, 8u) : 0;
        out[i] = (uint8_t)(0xff00u >> bits);
    }
}

uint32_t classifier_sig_mask(const struct pcapd_filter *f, unsigned fam,
                             struct classifier_hkey *mask)
{
    uint8_t src[16] = {0}, dst[16] = {0};
    if (f->fields & PCAPD_FILTER_SRC_ADDR)
        classifier_prefix_mask(f->src.len, src);
    if (f->fields & PCAPD_FILTER_DST_ADDR)
        classifier_prefix_mask(f->dst.len, dst);
    bool sp = f->fields & PCAPD_FILTER_SRC_PORT, dp = f->fields & PCAPD_FILTER_DST_PORT;
    classifier_hkey_fill(mask, fam == CLASSIFIER_V6 ? CLASSIFIER_V6 : CLASSIFIER_V4,
                         f->fields & PCAPD_FILTER_PROTOCOL ? 0xff : 0,
                         sp || dp ? CLASSIFIER_META_PORTS : 0, sp ? UINT16_MAX : 0,
                         dp ? UINT16_MAX : 0, src, dst);
    if (fam == CLASSIFIER_FAMILIES)
        return 1;
    /* An IPv6 signature that tests no more than the source's first 64
     * bits (a /48 or a /64 of sources, and nothing of the destination) has
     * nothing to compare past word 1: hashing and comparing three words of
     * zeros would cost a lookup half its work. */
    if (fam == CLASSIFIER_V4 || (mask->w[2] | mask->w[3] | mask->w[4]) == 0)
        return 2;
    return CLASSIFIER_HKEY_WORDS;
}

/* Which packets a signature of address family `fam` (CLASSIFIER_FAMILIES:
 * none) looks up. */
static uint32_t sig_list(unsigned fam)
{
    return fam == CLASSIFIER_FAMILIES ? CLASSIFIER_LIST_IP
           : fam == CLASSIFIER_V4     ? CLASSIFIER_LIST_V4
                                      : CLASSIFIER_LIST_V6;
}

/* Sets the mask, words and list of `s` for the signature of class `k`, of
 * address family `fam`, and fills `key` with the class's masked key. */
static void sig_of_class(const struct classifier *c, uint32_t k, unsigned fam,
                         struct classifier_sig *s, struct classifier_hkey *key)
{
    const struct pcapd_filter *f = &c->classes[k].filter;
    bool ports = f->fields & (PCAPD_FILTER_SRC_PORT | PCAPD_FILTER_DST_PORT);
    s->words = classifier_sig_mask(f, fam, &s->mask);
    s->list = sig_list(fam);
    classifier_hkey_fill(key, fam == CLASSIFIER_V6 ? CLASSIFIER_V6 : CLASSIFIER_V4, f->protocol,
                         ports ? CLASSIFIER_META_PORTS : 0, f->src_port, f->dst_port, f->src.addr,
                         f->dst.addr);
    for (uint32_t w = 0; w < CLASSIFIER_HKEY_WORDS; w++)
        key->w[w] &= s->mask.w[w];
}

/* Fills the buckets of `s` (zeroed, with their key space) with classes
 * [first, last) of address family `fam`.  When two classes of one bucket
 * have the same tag (which classifier_sig_find() cannot tell apart without
 * a branch), returns false, leaving the buckets dirty, if `strict` is set;
 * else marks the bucket as overflowed, so a miss there takes the slow
 * path. */
static bool hash_fill_sig(const struct classifier *c, struct classifier_sig *s, unsigned fam,
                          uint32_t first, uint32_t last, bool strict)
{
    struct classifier_hkey key;
    for (uint32_t k = first; k < last; k++) {
        sig_of_class(c, k, fam, s, &key);
        uint64_t h = classifier_hkey_hash(key.w, s->mask.w, s->words, s->seed);
        uint32_t x = (uint32_t)(h >> s->shift);
        unsigned free_slots;
        while ((free_slots = classifier_bucket_tags(&s->buckets[x], 0)) == 0) {
            s->buckets[x].overflow = 1;
            x = (x + 1) & s->bucket_mask;
        }
        if (classifier_bucket_tags(&s->buckets[x], classifier_tag(h)) != 0) {
            if (strict)
                return false;
            /* Let a miss here walk: the slow path tries every tag. */
            s->buckets[x].overflow = 1;
        }
        unsigned slot = (unsigned)__builtin_ctz(free_slots) / 2;
        s->buckets[x].tag[slot] = classifier_tag(h);
        s->buckets[x].cls[slot] = c->classes[k].first;
        memcpy(s->keys + (x * CLASSIFIER_BUCKET_SLOTS + slot) * s->words, key.w,
               s->words * sizeof(uint64_t));
    }
    return true;
}

/* Tells whether the classes of signature `s` (its mask, words and common
 * bits set) that differ in the bits `differ` can be indexed directly (see
 * struct classifier_sig), and if so sets the field that indexes them. */
static bool direct_field_of(struct classifier_sig *s, const struct classifier_hkey *differ)
{
    if (s->words > 2)
        return false; /* The common bits' test covers words 0-1 only. */
    uint32_t word = 0, n_words = 0;
    for (uint32_t w = 0; w < s->words; w++) {
        if (differ->w[w] != 0) {
            word = w;
            n_words++;
        }
    }
    if (n_words > 1)
        return false;
    uint64_t d = differ->w[word];
    int lo = d ? __builtin_ctzll(d) : 0, span = d ? 64 - __builtin_clzll(d) - lo : 0;
    if (span > CLASSIFIER_DIRECT_BITS)
        return false;
    s->direct_word = word;
    s->direct_shift = (uint32_t)lo;
    s->direct_mask = (UINT64_C(1) << span) - 1;
    return true;
}

/* Builds signature `s` (its mask, words and common bits set) over classes
 * [first, last) of address family `fam` as a direct index, if the bits
 * `differ`, in which its classes differ, allow it (see struct
 * classifier_sig).  Returns false when they do not; else true, with
 * s->direct NULL when out of memory. */
static bool direct_build_sig(struct classifier *c, struct classifier_sig *s, unsigned fam,
                             uint32_t first, uint32_t last, const struct classifier_hkey *differ)
{
    if (!direct_field_of(s, differ))
        return false;
    size_t n = (size_t)s->direct_mask + 1;
    s->direct = rte_malloc_socket("pcapd_cls_direct", n * sizeof(s->direct[0]), RTE_CACHE_LINE_SIZE,
                                  (int)rte_socket_id());
    if (s->direct == NULL)
        return true;
    memset(s->direct, 0xff, n * sizeof(s->direct[0]));
    /* Bits of the field that the signature does not test (a prefix ending
     * inside a byte leaves the byte's low bits out, which sit below the
     * next byte's in the word) may be anything in a packet: each class
     * takes every index its own bits and any of those give. */
    uint64_t holes = ~s->mask.w[s->direct_word] >> s->direct_shift & s->direct_mask;
    struct classifier_hkey key;
    for (uint32_t k = first; k < last; k++) {
        sig_of_class(c, k, fam, s, &key);
        uint64_t base = key.w[s->direct_word] >> s->direct_shift & s->direct_mask;
        uint64_t sub = holes;
        do {
            s->direct[base | sub] = c->classes[k].first;
            sub = (sub - 1) & holes;
        } while (sub != holes);
    }
    return true;
}

/* Builds signature `s` of a hashed table over classes [first, last), all of
 * address family `fam` (CLASSIFIER_FAMILIES: no address).  Returns 0 or
 * -1. */
static int hash_build_sig(struct classifier *c, struct classifier_sig *s, unsigned fam,
                          uint32_t first, uint32_t last)
{
    struct classifier_hkey first_key, key, differ = {{0}};
    sig_of_class(c, first, fam, s, &first_key);
    for (uint32_t k = first; k < last; k++) {
        sig_of_class(c, k, fam, s, &key);
        for (uint32_t w = 0; w < CLASSIFIER_HKEY_WORDS; w++)
            differ.w[w] |= key.w[w] ^ first_key.w[w];
    }
    for (uint32_t w = 0; w < CLASSIFIER_HKEY_WORDS; w++) {
        s->common_mask.w[w] = s->mask.w[w] & ~differ.w[w];
        s->common_value.w[w] = first_key.w[w] & s->common_mask.w[w];
    }
    if (direct_build_sig(c, s, fam, first, last, &differ))
        return s->direct != NULL ? 0 : -1;
    /* At most half full, and at least two buckets (a shift below 64). */
    uint32_t bits = 1;
    while ((CLASSIFIER_BUCKET_SLOTS << bits) < CLASSIFIER_SLOTS_PER_CLASS * (last - first))
        bits++;
    s->shift = 64 - bits;
    s->bucket_mask = (1u << bits) - 1;
    /* From the DPDK heap, like rte_acl's tries: on the rx lcores' socket,
     * and counted with them.  The keys follow the buckets. */
    size_t n_buckets = (size_t)1 << bits;
    size_t size =
        (sizeof(s->buckets[0]) + CLASSIFIER_BUCKET_SLOTS * s->words * sizeof(uint64_t)) * n_buckets;
    s->buckets =
        rte_malloc_socket("pcapd_cls_sig", size, RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
    if (s->buckets == NULL)
        return -1;
    s->keys = (uint64_t *)(s->buckets + n_buckets);
    for (int seed = 0; seed <= CLASSIFIER_SEEDS; seed++) {
        memset(s->buckets, 0, size);
        s->seed = (uint64_t)seed;
        if (hash_fill_sig(c, s, fam, first, last, seed != CLASSIFIER_SEEDS))
            break;
    }
    return 0;
}

/* Builds a hashed table from the signatures of each family f (indexes into
 * sig_first, whose entry s + 1 ends signature s), `order[f][0 ..
 * n_order[f])`: those without addresses are in both families' and come
 * first; then those of IPv4, then those of IPv6.  Returns 0 or -1. */
static int hash_build(struct classifier *c, const uint32_t *sig_first, uint32_t *const *order,
                      const uint32_t *n_order)
{
    c->mode = CLASSIFIER_HASHED;
    c->n_rounds = 1;
    c->sigs = calloc(n_order[CLASSIFIER_V4] + n_order[CLASSIFIER_V6] + 1, sizeof(c->sigs[0]));
    if (c->sigs == NULL)
        return -1;
    for (unsigned g = 0; g < CLASSIFIER_FAMILIES; g++) {
        for (uint32_t p = 0; p < n_order[g]; p++) {
            uint32_t sig = order[g][p];
            unsigned fam = classifier_filter_family(&c->classes[sig_first[sig]].filter);
            if (g == CLASSIFIER_V6 && fam == CLASSIFIER_FAMILIES)
                continue; /* Without addresses: already built from IPv4's list. */
            if (hash_build_sig(c, &c->sigs[c->n_sigs++], fam, sig_first[sig], sig_first[sig + 1]) !=
                0)
                return -1;
        }
    }
    return 0;
}

/* Builds a linear table: each class but the empty filter's that can match
 * something, those without addresses first, then IPv4's, then IPv6's.
 * Returns 0 or -1. */
static int linear_build(struct classifier *c)
{
    c->mode = CLASSIFIER_LINEAR;
    c->n_rounds = c->n_rules > 0;
    c->sigs = calloc(c->n_classes + 1, sizeof(c->sigs[0]));
    if (c->sigs == NULL)
        return -1;
    for (uint32_t list = CLASSIFIER_LIST_IP; list <= CLASSIFIER_LIST_V6; list++) {
        for (uint32_t k = 0; k < c->n_classes; k++) {
            const struct pcapd_filter *f = &c->classes[k].filter;
            unsigned fam = classifier_filter_family(f);
            if (k == c->match_all || !filter_satisfiable(f) || sig_list(fam) != list)
                continue;
            struct classifier_sig *s = &c->sigs[c->n_sigs++];
            sig_of_class(c, k, fam, s, &s->value);
            s->cls = c->classes[k].first;
        }
    }
    return 0;
}

/* Builds the rte_acl contexts of a table from the signatures `order[f][0 ..
 * n_order[f])` of each family f, as acl_build_family() says.  `cls` and
 * `cat` are scratch arrays of n_classes entries.  Returns 0 or -1. */
static int acl_build(struct classifier *c, const uint32_t *sig_first, uint32_t *const *order,
                     const uint32_t *n_order, uint32_t *cls, uint8_t *cat)
{
    c->mode = CLASSIFIER_ACL;
    uint32_t rounds = 1;
    for (unsigned g = 0; g < CLASSIFIER_FAMILIES; g++)
        rounds =
            RTE_MAX(rounds, (n_order[g] + CLASSIFIER_CATS_PER_CTX - 1) / CLASSIFIER_CATS_PER_CTX);
    c->ctx = calloc(rounds * CLASSIFIER_FAMILIES, sizeof(c->ctx[0]));
    if (c->ctx == NULL)
        return -1;
    c->n_ctx = rounds * CLASSIFIER_FAMILIES;
    c->n_rounds = rounds;
    for (unsigned g = 0; g < CLASSIFIER_FAMILIES; g++) {
        if (acl_build_family(c, g, sig_first, order[g], n_order[g], cls, cat) != 0)
            return -1;
    }
    return 0;
}

/* Builds the matching structures of a table of more than
 * CLASSIFIER_LINEAR_MAX classes.  Classes are sorted by signature, so each
 * signature is a run of classes.  Family f's signatures are the
 * address-less ones followed by those with addresses of f.  With at most
 * CLASSIFIER_HASH_SIGS of them in each family, the table is hashed;
 * otherwise they become rte_acl contexts (see acl_build_family()), and
 * since the address-less signatures come first, each has the same round
 * and category in both families. */
static int table_build(struct classifier *c)
{
    /* The empty filter sorts first; it matches every frame and is emitted
     * apart (the lookups only see IP packets). */
    uint32_t skip = c->n_classes > 0 && c->classes[0].filter.fields == 0 ? 1 : 0;
    if (skip)
        c->match_all = 0;
    if (c->n_classes <= CLASSIFIER_LINEAR_MAX)
        return linear_build(c);
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
        if (k == skip ||
            !classifier_same_signature(&c->classes[k - 1].filter, &c->classes[k].filter))
            sig_first[n_sig++] = k;
    }
    if (rc == 0)
        sig_first[n_sig] = n;
    for (unsigned pass = 0; rc == 0 && pass < 2; pass++) {
        for (uint32_t s = 0; s < n_sig; s++) {
            const struct pcapd_filter *f = &c->classes[sig_first[s]].filter;
            if (!filter_satisfiable(f))
                continue; /* Matches nothing: in no context. */
            unsigned fam = classifier_filter_family(f);
            if (pass == 0 && fam == CLASSIFIER_FAMILIES) {
                for (unsigned g = 0; g < CLASSIFIER_FAMILIES; g++)
                    fam_order[g][n_order[g]++] = s;
            } else if (pass == 1 && fam != CLASSIFIER_FAMILIES) {
                fam_order[fam][n_order[fam]++] = s;
            }
        }
    }
    if (rc == 0 && n_order[CLASSIFIER_V4] <= CLASSIFIER_HASH_SIGS &&
        n_order[CLASSIFIER_V6] <= CLASSIFIER_HASH_SIGS)
        rc = hash_build(c, sig_first, fam_order, n_order);
    else if (rc == 0)
        rc = acl_build(c, sig_first, fam_order, n_order, cls, cat);
    free(sig_first);
    free(order);
    free(cls);
    free(cat);
    return rc;
}

/* Returns zeroed memory for `n` (at least 1) elements of `size` bytes,
 * starting on a cache line, or NULL. */
static void *classifier_lines(size_t n, size_t size)
{
    size_t bytes = RTE_ALIGN_CEIL(RTE_MAX(n, (size_t)1) * size, RTE_CACHE_LINE_SIZE);
    void *p = aligned_alloc(RTE_CACHE_LINE_SIZE, bytes);
    if (p != NULL)
        memset(p, 0, bytes);
    return p;
}

/* Groups the sorted rules into classes of identical filters, and lays out
 * what a match reads of them: the jobs of the rules, the last of each
 * class marked. */
static int build_classes(struct classifier *c)
{
    c->classes = calloc(c->n_rules, sizeof(c->classes[0]));
    c->jobs = classifier_lines(c->n_rules, sizeof(c->jobs[0]));
    if (c->classes == NULL || c->jobs == NULL)
        return -1;
    for (uint32_t i = 0; i < c->n_rules; i++) {
        const struct classifier_rule *r = &c->rules[i];
        c->jobs[i] = (struct classifier_job){.slot = r->slot & INT32_MAX,
                                             .gen = r->gen,
                                             .sample_rate = r->sample_rate,
                                             .packet_limit = r->packet_limit};
    }
    for (uint32_t i = 0; i < c->n_rules; i++) {
        struct classifier_class *last = c->n_classes ? &c->classes[c->n_classes - 1] : NULL;
        if (last != NULL && filter_cmp(&last->filter, &c->rules[i].filter) == 0) {
            last->count++;
            continue;
        }
        c->classes[c->n_classes++] =
            (struct classifier_class){.filter = c->rules[i].filter, .first = i, .count = 1};
    }
    for (uint32_t k = 0; k < c->n_classes; k++)
        c->jobs[c->classes[k].first + c->classes[k].count - 1].last = 1;
    return 0;
}

struct classifier *classifier_build(const struct classifier_rule *rules, uint32_t n)
{
    if (n >= CLASSIFIER_MAX_RULES)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (rules[i].slot > INT32_MAX) /* struct classifier_job has 31 bits */
            return NULL;
    }
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
    if (build_classes(c) != 0 || table_build(c) != 0) {
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
    for (uint32_t s = 0; s < c->n_sigs; s++) {
        rte_free(c->sigs[s].buckets);
        rte_free(c->sigs[s].direct);
    }
    free(c->sigs);
    free(c->classes);
    free(c->jobs);
    free(c->rules);
    free(c);
}

/* Builds the rte_acl key of each IP packet of `b`, and lists the keys of
 * each family in burst order. */
static void acl_keys(struct classifier_burst *b)
{
    unsigned n_family[CLASSIFIER_FAMILIES] = {0, 0};
    for (unsigned j = 0; j < b->n_ip; j++) {
        unsigned i = b->ip_index[j];
        const struct pkt_meta *m = &b->meta[i];
        struct classifier_key *k = &b->key[i];
        unsigned fam = m->family == PCAPD_FAMILY_IPV6 ? CLASSIFIER_V6 : CLASSIFIER_V4;
        k->proto = m->proto;
        if (m->has_ports) {
            k->meta = rte_cpu_to_be_32(CLASSIFIER_META_PORTS);
            k->sport = rte_cpu_to_be_16(m->sport);
            k->dport = rte_cpu_to_be_16(m->dport);
        } else {
            k->meta = 0;
            k->sport = 0;
            k->dport = 0;
        }
        /* An IPv4 context reads one word of each address. */
        size_t alen = fam == CLASSIFIER_V6 ? sizeof(k->src) : sizeof(k->src[0]);
        memcpy(k->src, m->src, alen);
        memcpy(k->dst, m->dst, alen);
        b->ip_family[j] = (uint8_t)fam;
        b->ip_pos[j] = (uint8_t)n_family[fam];
        b->keyp[fam][n_family[fam]++] = (const uint8_t *)k;
    }
}

/* classifier_find() of round `round` of an rte_acl table: one classify call
 * per family, then the results in burst order (a class without addresses
 * is in both families' contexts). */
static unsigned acl_find(const struct classifier *c, struct classifier_burst *b, uint32_t round)
{
    const struct classifier_ctx *ctx = &c->ctx[round * CLASSIFIER_FAMILIES];
    /* Where each family's results start in b->results. */
    uint32_t *results[CLASSIFIER_FAMILIES] = {
        b->results, b->results + b->n_fam[CLASSIFIER_V4] * ctx[CLASSIFIER_V4].categories};
    for (unsigned f = 0; f < CLASSIFIER_FAMILIES; f++) {
        if (ctx[f].acl != NULL && b->n_fam[f] != 0)
            rte_acl_classify(ctx[f].acl, b->keyp[f], results[f], b->n_fam[f], ctx[f].categories);
    }
    unsigned n = 0;
    for (unsigned j = 0; j < b->n_ip; j++) {
        unsigned f = b->ip_family[j];
        if (ctx[f].acl == NULL)
            continue;
        uint32_t cats = ctx[f].categories;
        const uint32_t *res = &results[f][b->ip_pos[j] * cats];
        for (uint32_t cat = 0; cat < cats; cat++) {
            if (res[cat] != 0)
                b->match[n++] = (res[cat] - 1) << CLASSIFIER_MATCH_SHIFT | b->ip_index[j];
        }
    }
    return n;
}

/* The packets of burst `b` that signature `s` looks up: their indexes in
 * the burst, in burst order, into `*list`; returns how many. */
static inline unsigned sig_packets(const struct classifier_sig *s, const struct classifier_burst *b,
                                   const uint8_t **list)
{
    if (s->list == CLASSIFIER_LIST_IP) {
        *list = b->ip_index;
        return b->n_ip;
    }
    unsigned f = s->list == CLASSIFIER_LIST_V4 ? CLASSIFIER_V4 : CLASSIFIER_V6;
    *list = b->fam_index[f];
    return b->n_fam[f];
}

/* The packets of a burst one signature of a hashed table looks up, past
 * its common bits, and their hashes. */
struct hash_pending {
    /* Indexes in the burst, and hashes. */
    uint8_t pkt[CLASSIFIER_BURST];
    uint64_t hash[CLASSIFIER_BURST];
    /* How many. */
    unsigned n;
};

/* The first pass of a hashed lookup of burst `b` in signature `s` (of
 * `words` words, a constant where it is called): the packets whose key has
 * the signature's common bits into `p`, listed without a branch (whether a
 * packet passes is as unpredictable as the traffic for some signatures,
 * and a mispredicted branch costs more than the test), then each hashed,
 * its bucket asked for. */
static inline void hash_pass(const struct classifier_sig *s, const struct classifier_burst *b,
                             struct hash_pending *p, uint32_t words)
{
    const uint8_t *list;
    unsigned n = sig_packets(s, b, &list), m = 0;
    for (unsigned j = 0; j < n; j++) {
        p->pkt[m] = list[j];
        m += classifier_hkey_equal(b->meta[list[j]].key, s->common_mask.w, s->common_value.w,
                                   RTE_MIN(words, 2u));
    }
    for (unsigned j = 0; j < m; j++) {
        uint64_t h = classifier_hkey_hash(b->meta[p->pkt[j]].key, s->mask.w, words, s->seed);
        p->hash[j] = h;
        rte_prefetch0(&s->buckets[h >> s->shift]);
    }
    p->n = m;
}

/* The first pass of a lookup of burst `b` in signature `s` indexed
 * directly (of `words` words, a constant where it is called): as
 * hash_pass(), with each packet's index in place of its hash, computed and
 * its line asked for whether the packet has the common bits or not (the
 * list moves past it when not), so that one loop over the keys does it
 * all. */
static inline void direct_pass(const struct classifier_sig *s, const struct classifier_burst *b,
                               struct hash_pending *p, uint32_t words)
{
    const uint8_t *list;
    unsigned n = sig_packets(s, b, &list), m = 0;
    for (unsigned j = 0; j < n; j++) {
        const uint64_t *key = b->meta[list[j]].key;
        uint64_t x = key[s->direct_word] >> s->direct_shift & s->direct_mask;
        rte_prefetch0(&s->direct[x]);
        p->pkt[m] = list[j];
        p->hash[m] = x;
        m += classifier_hkey_equal(key, s->common_mask.w, s->common_value.w, words);
    }
    p->n = m;
}

/* The second pass of a signature indexed directly: as probe_pass(). */
static inline unsigned direct_probe_pass(const struct classifier_sig *s, struct classifier_burst *b,
                                         const struct hash_pending *p, unsigned n)
{
    for (unsigned j = 0; j < p->n; j++) {
        uint32_t cls = s->direct[p->hash[j]];
        b->match[n] = cls << CLASSIFIER_MATCH_SHIFT | p->pkt[j];
        n += cls != UINT32_MAX;
    }
    return n;
}

/* The second pass: the probes of the packets `p` of the first, each class
 * found appended to b->match from `n` on.  Returns the new count. */
static inline unsigned probe_pass(const struct classifier_sig *s, struct classifier_burst *b,
                                  const struct hash_pending *p, unsigned n, uint32_t words)
{
    for (unsigned j = 0; j < p->n; j++) {
        uint32_t cls = classifier_sig_find(s, b->meta[p->pkt[j]].key, p->hash[j], words);
        b->match[n] = cls << CLASSIFIER_MATCH_SHIFT | p->pkt[j];
        n += cls != UINT32_MAX;
    }
    return n;
}

/* classifier_find() of a hashed table: the hashes of every signature's
 * packets first, their buckets asked for, then the probes, so that each
 * bucket has had time to arrive. */
static unsigned hash_find(const struct classifier *c, struct classifier_burst *b)
{
    struct hash_pending p[2 * CLASSIFIER_HASH_SIGS];
    for (uint32_t k = 0; k < c->n_sigs; k++) {
        const struct classifier_sig *s = &c->sigs[k];
        if (s->direct != NULL && s->words == 1)
            direct_pass(s, b, &p[k], 1);
        else if (s->direct != NULL)
            direct_pass(s, b, &p[k], 2);
        else if (s->words == 1)
            hash_pass(s, b, &p[k], 1);
        else if (s->words == 2)
            hash_pass(s, b, &p[k], 2);
        else
            hash_pass(s, b, &p[k], CLASSIFIER_HKEY_WORDS);
    }
    unsigned n = 0;
    for (uint32_t k = 0; k < c->n_sigs; k++) {
        const struct classifier_sig *s = &c->sigs[k];
        if (s->direct != NULL)
            n = direct_probe_pass(s, b, &p[k], n);
        else if (s->words == 1)
            n = probe_pass(s, b, &p[k], n, 1);
        else if (s->words == 2)
            n = probe_pass(s, b, &p[k], n, 2);
        else
            n = probe_pass(s, b, &p[k], n, CLASSIFIER_HKEY_WORDS);
    }
    return n;
}

/* Compares the packets of burst `b` that class `s` of a linear table looks
 * at with its key (`words` words, a constant where it is called); appends
 * the matches to b->match from `n` on.  Returns the new count. */
static inline unsigned linear_pass(const struct classifier_sig *s, struct classifier_burst *b,
                                   unsigned n, uint32_t words)
{
    const uint8_t *list;
    unsigned m = sig_packets(s, b, &list);
    for (unsigned j = 0; j < m; j++) {
        b->match[n] = s->cls << CLASSIFIER_MATCH_SHIFT | list[j];
        n += classifier_hkey_equal(b->meta[list[j]].key, s->mask.w, s->value.w, words);
    }
    return n;
}

/* classifier_find() of a linear table. */
static unsigned linear_find(const struct classifier *c, struct classifier_burst *b)
{
    unsigned n = 0;
    for (uint32_t k = 0; k < c->n_sigs; k++) {
        const struct classifier_sig *s = &c->sigs[k];
        if (s->words == 1)
            n = linear_pass(s, b, n, 1);
        else if (s->words == 2)
            n = linear_pass(s, b, n, 2);
        else
            n = linear_pass(s, b, n, CLASSIFIER_HKEY_WORDS);
    }
    return n;
}

unsigned classifier_find(const struct classifier *c, struct classifier_burst *b, uint32_t round)
{
    if (c->mode == CLASSIFIER_HASHED)
        return hash_find(c, b);
    if (c->mode == CLASSIFIER_LINEAR)
        return linear_find(c, b);
    if (round == 0)
        acl_keys(b);
    return acl_find(c, b, round);
}
