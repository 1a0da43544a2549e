/*
 * The filter predicate: whether one packet, as the parser described it,
 * satisfies one job's filter.  Pure C; the classifier's linear mode, the
 * brute-force reference of its tests, and the unit tests use it.
 */
#ifndef PCAPD_FILTER_MATCH_H
#define PCAPD_FILTER_MATCH_H

#include <stdbool.h>

#include "packet_parse.h"
#include "pcapd/filter.h"

/* Tells whether the packet described by `meta` (as parsed, with `status`)
 * satisfies filter `f`. */
static inline bool filter_matches(const struct pcapd_filter *f, enum pkt_parse_status status,
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

#endif /* PCAPD_FILTER_MATCH_H */
