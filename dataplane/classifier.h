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
 *    class in it, and one classify call reports every class it matches.
 * The table is split by address family: an IPv4 packet is classified only
 * against an IPv4 context, whose key has one word per address, and an IPv6
 * packet only against an IPv6 context.  Each holds the signatures with
 * addresses of its family plus the signatures without addresses, which
 * therefore sit in both.  A context holds 16 categories; a family with more
 * signatures takes more contexts, one per *round*.  The address-less
 * signatures come first in both families, so each has the same round and
 * category in both, and a job sees its packets in burst order.
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
    /* The filter, canonical (absent fields zeroed). */
    struct pcapd_filter filter;
    /* The class's rules in the table. */
    uint32_t first;
    uint32_t count;
};

/* One rte_acl context and the number of categories to classify with; acl
 * is NULL when none of its classes can match anything. */
struct classifier_ctx {
    /* The compiled tries, or NULL. */
    struct rte_acl_ctx *acl;
    /* 1 or a multiple of 4, as rte_acl_classify() wants. */
    uint32_t categories;
};

/* Address families as the classifier indexes its contexts and keys. */
enum classifier_family {
    CLASSIFIER_V4,
    CLASSIFIER_V6,
    CLASSIFIER_FAMILIES,
};

/* An immutable table. */
struct classifier {
    /* Rules, grouped by class. */
    uint32_t n_rules;
    struct classifier_rule *rules;
    /* Filter classes. */
    uint32_t n_classes;
    struct classifier_class *classes;
    /* rte_acl contexts, CLASSIFIER_FAMILIES per round: ctx[r *
     * CLASSIFIER_FAMILIES + f] classifies the packets of family f in round
     * r.  n_ctx is 0 when the table is scanned linearly. */
    uint32_t n_ctx;
    struct classifier_ctx *ctx;
    /* With rte_acl: the class of the empty filter (it matches every frame,
     * IP or not, and stays out of the tries), or UINT32_MAX. */
    uint32_t match_all;
};

/* The key rte_acl classifies, built from a parsed IP packet.  Fields are in
 * network byte order, as rte_acl reads its input.  An IPv4 context reads
 * only the first word of each address. */
struct classifier_key {
    /* Transport protocol. */
    uint8_t proto;
    /* Unused; rte_acl may load them with `proto`. */
    uint8_t pad[3];
    /* CLASSIFIER_META_* bits. */
    uint32_t meta;
    /* Source and destination addresses. */
    uint32_t src[4];
    uint32_t dst[4];
    /* Transport ports, or 0 when the packet has none. */
    uint16_t sport;
    uint16_t dport;
};

/* Bit of classifier_key.meta: the packet has transport ports.  Only rules
 * with a port of 0 test it: a packet without ports has ports 0 in its key,
 * which no other port value matches. */
#define CLASSIFIER_META_PORTS 4u

/* A burst of packets being classified (per rx lcore scratch space). */
struct classifier_burst {
    /* Packets in the burst. */
    unsigned n;
    /* Parse results and parsed fields of each packet. */
    enum pkt_parse_status status[CLASSIFIER_BURST];
    struct pkt_meta meta[CLASSIFIER_BURST];
    /* rte_acl key of each IP packet. */
    struct classifier_key key[CLASSIFIER_BURST];
    /* Keys of the IP packets of each family, in burst order, and how many:
     * only IP packets can match a non-empty filter. */
    const uint8_t *keyp[CLASSIFIER_FAMILIES][CLASSIFIER_BURST];
    unsigned n_family[CLASSIFIER_FAMILIES];
    /* The IP packets in burst order: the index of each in the burst, its
     * family, and its position in keyp[family]. */
    uint8_t ip_index[CLASSIFIER_BURST];
    uint8_t ip_family[CLASSIFIER_BURST];
    uint8_t ip_pos[CLASSIFIER_BURST];
    unsigned n_ip;
    /* rte_acl results of each family's keys in one round. */
    uint32_t results[CLASSIFIER_FAMILIES][CLASSIFIER_BURST * RTE_ACL_MAX_CATEGORIES];
};

/* Builds a table of copies of `n` rules.  Returns NULL when out of memory
 * or when rte_acl fails.  Called on the control thread. */
struct classifier *classifier_build(const struct classifier_rule *rules, uint32_t n);

/* Frees a table built by classifier_build(); NULL is allowed. */
void classifier_free(struct classifier *c);

/* Adds the frame of `len` bytes at `frame` to the burst: parses it and,
 * when `c` classifies with rte_acl and the frame is IP, builds its key. */
static inline void classifier_burst_add(const struct classifier *c, struct classifier_burst *b,
                                        const uint8_t *frame, uint32_t len)
{
    unsigned i = b->n++;
    struct pkt_meta *m = &b->meta[i];
    struct classifier_key *k = &b->key[i];
    b->status[i] = pkt_parse_ethernet(frame, len, m);
    if (c->n_ctx == 0 || b->status[i] != PKT_PARSE_IP)
        return; /* Linear tables read the parsed fields; non-IP frames skip rte_acl. */
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
    if (fam == CLASSIFIER_V6) {
        memcpy(k->src, m->src, sizeof(k->src));
        memcpy(k->dst, m->dst, sizeof(k->dst));
    } else {
        memcpy(k->src, m->src, sizeof(k->src[0]));
        memcpy(k->dst, m->dst, sizeof(k->dst[0]));
    }
    unsigned j = b->n_ip++;
    b->ip_index[j] = (uint8_t)i;
    b->ip_family[j] = (uint8_t)fam;
    b->ip_pos[j] = (uint8_t)b->n_family[fam];
    b->keyp[fam][b->n_family[fam]++] = (const uint8_t *)k;
}

/* Empties the burst. */
static inline void classifier_burst_reset(struct classifier_burst *b)
{
    b->n = 0;
    b->n_ip = 0;
    b->n_family[CLASSIFIER_V4] = 0;
    b->n_family[CLASSIFIER_V6] = 0;
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
    for (uint32_t x = 0; x < c->n_ctx; x += CLASSIFIER_FAMILIES) {
        const struct classifier_ctx *ctx = &c->ctx[x];
        /* One classify call per family, then the matches in burst order: a
         * class without addresses is in both families' contexts. */
        for (unsigned f = 0; f < CLASSIFIER_FAMILIES; f++) {
            if (ctx[f].acl != NULL && b->n_family[f] != 0)
                rte_acl_classify(ctx[f].acl, b->keyp[f], b->results[f], b->n_family[f],
                                 ctx[f].categories);
        }
        for (unsigned j = 0; j < b->n_ip; j++) {
            unsigned f = b->ip_family[j];
            if (ctx[f].acl == NULL)
                continue;
            uint32_t cats = ctx[f].categories;
            const uint32_t *res = &b->results[f][b->ip_pos[j] * cats];
            for (uint32_t cat = 0; cat < cats; cat++) {
                if (res[cat] != 0)
                    classifier_emit_class(c, &c->classes[res[cat] - 1], b->ip_index[j], emit, arg);
            }
        }
    }
}

#endif /* PCAPD_CLASSIFIER_H */
