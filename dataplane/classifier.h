/*
 * The classifier: the immutable table of every active job's filter that rx
 * lcores match bursts of packets against, compiled with DPDK's rte_acl.
 *
 * rte_acl reports one match per category, and a packet may match many jobs.
 * The table is built so that one match per category is all there is:
 *  - jobs with identical filters share one *filter class*;
 *  - classes with the same *signature* (which fields are present, the
 *    address families and prefix lengths) are either identical or disjoint,
 *    so each signature becomes one category: a packet matches at most one
 *    class in it, and one classify call reports every class it matches;
 *  - a context holds 16 categories; more signatures take more contexts.
 * Small tables skip rte_acl and scan their classes linearly.
 *
 * The control thread builds a new table for every change and publishes it by
 * pointer; rx lcores only read it.
 */
#ifndef PCAPD_CLASSIFIER_H
#define PCAPD_CLASSIFIER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>

#include "filter_match.h"
#include "packet_parse.h"
#include "pcapd/filter.h"

/* Most packets in one classified burst. */
#define CLASSIFIER_BURST 32
/* Tables with at most this many filter classes are scanned linearly. */
#define CLASSIFIER_LINEAR_MAX 4

/* One active job as the rx lcores see it. */
struct classifier_rule {
    /* The job's filter. */
    struct pcapd_filter filter;
    /* Job table slot and its generation, copied into each record. */
    uint32_t slot;
    uint32_t gen;
    /* Keep one matching packet in `sample_rate`. */
    uint32_t sample_rate;
    /* Stop sampling for the job after this many packets per rx lcore. */
    uint32_t packet_limit;
    /* Bytes of each packet the job keeps; above PCAPD_SIMPLE_SNAPLEN the
     * job is `full` and gets references to whole mbufs. */
    uint32_t snaplen;
    /* Index of the writer lcore the job was given to: the rx lcores stage
     * the job's records on their rings to that writer.  Being part of the
     * published table, it reaches the rx lcores with the rest of the rule,
     * never half-updated. */
    uint32_t writer;
};

/* Jobs sharing one filter: rules[first .. first + count) of the table. */
struct classifier_class {
    struct pcapd_filter filter;
    uint32_t first;
    uint32_t count;
};

/* One rte_acl context and the number of categories to classify with; acl
 * is NULL when none of its classes can match anything. */
struct classifier_ctx {
    struct rte_acl_ctx *acl;
    /* 1 or a multiple of 4, as rte_acl_classify() wants. */
    uint32_t categories;
};

/* An immutable table. */
struct classifier {
    /* Rules, grouped by class. */
    uint32_t n_rules;
    struct classifier_rule *rules;
    /* Filter classes. */
    uint32_t n_classes;
    struct classifier_class *classes;
    /* rte_acl contexts; none when the table is scanned linearly. */
    uint32_t n_ctx;
    struct classifier_ctx *ctx;
    /* With rte_acl: the class of the empty filter (it matches every frame,
     * IP or not, and stays out of the tries), or UINT32_MAX. */
    uint32_t match_all;
};

/* The key rte_acl classifies, built from a parsed packet.  Fields are in
 * network byte order, as rte_acl reads its input. */
struct classifier_key {
    uint8_t proto;
    uint8_t pad[3];
    /* CLASSIFIER_META_* bits. */
    uint32_t meta;
    uint32_t src[4];
    uint32_t dst[4];
    uint16_t sport;
    uint16_t dport;
};

/* Bits of classifier_key.meta. */
#define CLASSIFIER_META_IP 1u
#define CLASSIFIER_META_IPV6 2u
#define CLASSIFIER_META_PORTS 4u

/* A burst of packets being classified (per rx lcore scratch space). */
struct classifier_burst {
    unsigned n;
    enum pkt_parse_status status[CLASSIFIER_BURST];
    struct pkt_meta meta[CLASSIFIER_BURST];
    struct classifier_key key[CLASSIFIER_BURST];
    /* Keys of the IP packets only, and their indexes in the burst: only IP
     * packets can match a non-empty filter. */
    const uint8_t *keyp[CLASSIFIER_BURST];
    uint8_t ip_index[CLASSIFIER_BURST];
    unsigned n_ip;
    uint32_t results[CLASSIFIER_BURST * RTE_ACL_MAX_CATEGORIES];
};

/* Builds a table of copies of `n` rules.  Returns NULL when out of memory
 * or when rte_acl fails.  Called on the control thread. */
struct classifier *classifier_build(const struct classifier_rule *rules, uint32_t n);

/* Frees a table built by classifier_build(); NULL is allowed. */
void classifier_free(struct classifier *c);

/* Adds the frame of `len` bytes at `frame` to the burst: parses it and,
 * when `c` classifies with rte_acl, builds its key. */
static inline void classifier_burst_add(const struct classifier *c, struct classifier_burst *b,
                                        const uint8_t *frame, uint32_t len)
{
    unsigned i = b->n++;
    struct pkt_meta *m = &b->meta[i];
    struct classifier_key *k = &b->key[i];
    b->status[i] = pkt_parse_ethernet(frame, len, m);
    if (c->n_ctx == 0)
        return; /* A linear table reads the parsed fields directly. */
    uint32_t bits = 0;
    if (b->status[i] == PKT_PARSE_IP) {
        bits = CLASSIFIER_META_IP | (m->family == PCAPD_FAMILY_IPV6 ? CLASSIFIER_META_IPV6 : 0) |
               (m->has_ports ? CLASSIFIER_META_PORTS : 0);
    }
    k->proto = bits ? m->proto : 0;
    k->meta = rte_cpu_to_be_32(bits);
    memcpy(k->src, m->src, sizeof(k->src));
    memcpy(k->dst, m->dst, sizeof(k->dst));
    k->sport = rte_cpu_to_be_16(m->sport);
    k->dport = rte_cpu_to_be_16(m->dport);
    if (bits != 0) {
        b->keyp[b->n_ip] = (const uint8_t *)k;
        b->ip_index[b->n_ip++] = (uint8_t)i;
    }
}

/* Empties the burst. */
static inline void classifier_burst_reset(struct classifier_burst *b)
{
    b->n = 0;
    b->n_ip = 0;
}

/* Emits every job of class `cls` for packet `i`. */
static inline void
classifier_emit_class(const struct classifier *c, const struct classifier_class *cls, unsigned i,
                      void (*emit)(void *, unsigned, const struct classifier_rule *), void *arg)
{
    for (uint32_t r = 0; r < cls->count; r++)
        emit(arg, i, &c->rules[cls->first + r]);
}

/* Calls emit(arg, i, rule) for every job `rule` that packet `i` of the burst
 * matches.  For a given job, packets come in burst order. */
static inline void
classifier_match_burst(const struct classifier *c, struct classifier_burst *b,
                       void (*emit)(void *, unsigned, const struct classifier_rule *), void *arg)
{
    if (c->n_ctx == 0) {
        for (unsigned i = 0; i < b->n; i++) {
            for (uint32_t k = 0; k < c->n_classes; k++) {
                const struct classifier_class *cls = &c->classes[k];
                if (filter_matches(&cls->filter, b->status[i], &b->meta[i]))
                    classifier_emit_class(c, cls, i, emit, arg);
            }
        }
        return;
    }
    if (c->match_all != UINT32_MAX) {
        for (unsigned i = 0; i < b->n; i++)
            classifier_emit_class(c, &c->classes[c->match_all], i, emit, arg);
    }
    if (b->n_ip == 0)
        return;
    for (uint32_t x = 0; x < c->n_ctx; x++) {
        if (unlikely(c->ctx[x].acl == NULL))
            continue;
        uint32_t cats = c->ctx[x].categories;
        rte_acl_classify(c->ctx[x].acl, b->keyp, b->results, b->n_ip, cats);
        for (unsigned j = 0; j < b->n_ip; j++) {
            for (uint32_t cat = 0; cat < cats; cat++) {
                uint32_t hit = b->results[j * cats + cat];
                if (hit != 0)
                    classifier_emit_class(c, &c->classes[hit - 1], b->ip_index[j], emit, arg);
            }
        }
    }
}

#endif /* PCAPD_CLASSIFIER_H */
