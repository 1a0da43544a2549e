/*
 * The classifier: the immutable table of every active job's filter that rx
 * lcores match each packet against.  The control thread builds a new table
 * for every change and publishes it by pointer; rx lcores only read.
 */
#ifndef PCAPD_CLASSIFIER_H
#define PCAPD_CLASSIFIER_H

#include <stdbool.h>
#include <stdint.h>

#include "packet_parse.h"
#include "pcapd/filter.h"

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
};

/* An immutable table of rules. */
struct classifier {
    /* Number of rules. */
    uint32_t n_rules;
    /* The rules, in no particular order. */
    struct classifier_rule rules[];
};

/* Builds a table holding copies of `n` rules.  Returns NULL when out of
 * memory.  Called on the control thread. */
struct classifier *classifier_build(const struct classifier_rule *rules, uint32_t n);

/* Frees a table built by classifier_build(); NULL is allowed. */
void classifier_free(struct classifier *c);

/* Tells whether the packet described by `meta` (as parsed, with `status`)
 * satisfies filter `f`. */
static inline bool classifier_filter_matches(const struct pcapd_filter *f,
                                             enum pkt_parse_status status,
                                             const struct pkt_meta *meta)
{
    if (f->fields == 0)
        return true;
    if (status != PKT_PARSE_IP)
        return false;
    if ((f->fields & PCAPD_FILTER_PROTOCOL) && f->protocol != meta->proto)
        return false;
    if ((f->fields & PCAPD_FILTER_SRC_ADDR) &&
        !pcapd_prefix_contains(&f->src, meta->family, meta->src))
        return false;
    if ((f->fields & PCAPD_FILTER_DST_ADDR) &&
        !pcapd_prefix_contains(&f->dst, meta->family, meta->dst))
        return false;
    if (f->fields & (PCAPD_FILTER_SRC_PORT | PCAPD_FILTER_DST_PORT)) {
        /* A later fragment, or a protocol without ports, never matches a
         * port constraint. */
        if (!meta->has_ports)
            return false;
        if ((f->fields & PCAPD_FILTER_SRC_PORT) && f->src_port != meta->sport)
            return false;
        if ((f->fields & PCAPD_FILTER_DST_PORT) && f->dst_port != meta->dport)
            return false;
    }
    return true;
}

/* Writes the indexes of the rules of `c` that the packet matches into
 * `matches` (room for `max`) and returns how many there are. */
static inline unsigned classifier_match(const struct classifier *c, enum pkt_parse_status status,
                                        const struct pkt_meta *meta, uint32_t *matches,
                                        unsigned max)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < c->n_rules && n < max; i++) {
        if (classifier_filter_matches(&c->rules[i].filter, status, meta))
            matches[n++] = i;
    }
    return n;
}

#endif /* PCAPD_CLASSIFIER_H */
