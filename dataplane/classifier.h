/*
 * The classifier: the immutable table of every active job's filter that rx
 * lcores match bursts of packets against.
 *
 * A packet may match many jobs.  The table is built so that a packet matches
 * at most one entry of each part of it:
 *  - jobs with identical filters share one *filter class*;
 *  - classes with the same *signature* (which fields are present, the
 *    address families and prefix lengths) are either identical or disjoint,
 *    so a packet matches at most one class of a signature.
 * A packet is matched only against the signatures of its address family:
 * those with addresses of that family, and those without addresses, which
 * therefore belong to both.  The empty filter is apart: it matches every
 * frame, IP or not.  A table matches in one of three modes:
 *  - linear: tables of at most CLASSIFIER_LINEAR_MAX classes compare each
 *    IP packet of the family (if any) of each class with the class's
 *    masked key;
 *  - hashed: when neither family has more than CLASSIFIER_HASH_SIGS
 *    signatures, each signature is a hash table of its classes by their
 *    masked key, and a packet is looked up in each signature of its family:
 *    a handful of lookups in small tables, where rte_acl walks tries that a
 *    mix of signatures makes large (22 MiB for 1,000 jobs of 5 signatures);
 *  - rte_acl: each signature is one category of an rte_acl context, so one
 *    classify call reports every class a packet matches.  Each family has
 *    its own contexts: an IPv4 packet is classified against a key with one
 *    word per address, an IPv6 packet against one with four.  A context
 *    holds 16 categories; a family with more signatures takes more
 *    contexts, one per *round*.  The address-less signatures come first in
 *    both families, so each has the same round and category in both, and a
 *    job sees its packets in burst order.
 *
 * The linear and hashed modes look up a whole burst per signature (or
 * class): the signature's mask and table stay in registers and cache while
 * every packet of its family passes, the hashes of all are computed and
 * their buckets prefetched before the first probe, and a packet's key is
 * where the parser left it (the first words of struct pkt_meta).
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

#include "packet_parse.h"
#include "pcapd/filter.h"

/* Most packets in one classified burst. */
#define CLASSIFIER_BURST 32
/* Tables with at most this many filter classes are scanned linearly. */
#define CLASSIFIER_LINEAR_MAX 4
/* Larger tables whose families have at most this many signatures each
 * (those without addresses count in both) are hashed; others use rte_acl. */
#define CLASSIFIER_HASH_SIGS 8

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

/* What the rx lcores read of a job for every packet it matches: the part
 * of its rule that sampling decides by, 16 bytes, so that four share a
 * cache line (the whole rule is 72, and its filter is read only at build).
 * jobs[k] of a table is its rules[k]'s; the jobs of a class are
 * consecutive, the last one marked, so that a match names the class's
 * first job and nothing else is read to find the others. */
struct classifier_job {
    /* Job table slot (as in the rule); set for the last job of a class. */
    uint32_t slot : 31;
    uint32_t last : 1;
    /* The slot's generation (as in the rule). */
    uint32_t gen;
    /* Keep one matching packet in `sample_rate`, at most `packet_limit`
     * per rx lcore (as in the rule). */
    uint32_t sample_rate;
    uint32_t packet_limit;
};
_Static_assert(sizeof(struct classifier_job) == 16, "four jobs a cache line");

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

/* How a table matches packets. */
enum classifier_mode {
    /* Every class is tested with filter_matches(). */
    CLASSIFIER_LINEAR,
    /* Each signature of the packet's family is looked up in its hash table. */
    CLASSIFIER_HASHED,
    /* rte_acl classifies the packets of each family with its contexts. */
    CLASSIFIER_ACL,
};

/* One signature of a hashed table, or one class of a linear one: what the
 * packets of a burst are looked up in (classifier.c). */
struct classifier_sig;

/* An immutable table. */
struct classifier {
    /* How packets are matched. */
    enum classifier_mode mode;
    /* Rules, grouped by class, and the part of each a match reads. */
    uint32_t n_rules;
    struct classifier_rule *rules;
    struct classifier_job *jobs;
    /* Filter classes. */
    uint32_t n_classes;
    struct classifier_class *classes;
    /* Calls of classifier_find() a burst takes: one per round of contexts
     * with rte_acl, else 1 (0 for a table without rules). */
    uint32_t n_rounds;
    /* CLASSIFIER_ACL: rte_acl contexts, CLASSIFIER_FAMILIES per round:
     * ctx[r * CLASSIFIER_FAMILIES + f] classifies the packets of family f
     * in round r.  n_ctx is 0 in the other modes. */
    uint32_t n_ctx;
    struct classifier_ctx *ctx;
    /* CLASSIFIER_HASHED: the signatures that can match something;
     * CLASSIFIER_LINEAR: the classes that can, but the empty filter's.
     * Those without addresses come first, then those of IPv4, then those
     * of IPv6, the order they are looked up in. */
    uint32_t n_sigs;
    struct classifier_sig *sigs;
    /* The class of the empty filter (it matches every frame, IP or not,
     * and is in no signature), or UINT32_MAX. */
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

/* Bit of classifier_key.meta and of byte 1 of a hashed key (which is
 * pkt_meta.has_ports): the packet has transport ports.  Filters with ports
 * test it in the linear and hashed modes; in the rte_acl mode, only those
 * with a port of 0 do: a packet without ports has ports 0 in its key,
 * which no other port value matches. */
#define CLASSIFIER_META_PORTS 1u

/* A match of classifier_find(): the index in the table's jobs (and rules)
 * of the first job of the class matched, shifted left by
 * CLASSIFIER_MATCH_SHIFT, or'd with the index of the packet in the burst.
 * Tables have fewer than 2^27 rules. */
#define CLASSIFIER_MATCH_SHIFT 5
_Static_assert(CLASSIFIER_BURST <= 1 << CLASSIFIER_MATCH_SHIFT, "a packet index fits the shift");
/* Most rules (hence classes) of a table, so that a class index fits. */
#define CLASSIFIER_MAX_RULES (UINT32_C(1) << (32 - CLASSIFIER_MATCH_SHIFT))

/* A burst of packets being classified (per rx lcore scratch space). */
struct classifier_burst {
    /* Packets in the burst. */
    unsigned n;
    /* What the parser found in each packet: its key first.  Bytes the
     * parser did not write hold what an earlier burst left there. */
    struct pkt_meta meta[CLASSIFIER_BURST];
    /* The IP packets (only they can match a non-empty filter) in burst
     * order: the index of each in the burst, and how many; and those of
     * each family (CLASSIFIER_V4, CLASSIFIER_V6). */
    uint8_t ip_index[CLASSIFIER_BURST];
    unsigned n_ip;
    uint8_t fam_index[CLASSIFIER_FAMILIES][CLASSIFIER_BURST];
    unsigned n_fam[CLASSIFIER_FAMILIES];
    /* rte_acl mode: each IP packet's family and position in keyp[family],
     * by position in ip_index. */
    uint8_t ip_family[CLASSIFIER_BURST];
    uint8_t ip_pos[CLASSIFIER_BURST];
    /* rte_acl mode: the key of each IP packet, by index in the burst, and
     * the keys of each family in burst order. */
    struct classifier_key key[CLASSIFIER_BURST];
    const uint8_t *keyp[CLASSIFIER_FAMILIES][CLASSIFIER_BURST];
    /* rte_acl mode: the results of one round, the IPv4 keys' first. */
    uint32_t results[CLASSIFIER_BURST * RTE_ACL_MAX_CATEGORIES];
    /* What classifier_find() found (see CLASSIFIER_MATCH_SHIFT): at most
     * one match per packet and category of a round, or per packet and
     * signature; grouped by category or signature, each group in burst
     * order. */
    uint32_t match[CLASSIFIER_BURST * RTE_ACL_MAX_CATEGORIES];
};

/* 64-bit words of a hashed key. */
#define CLASSIFIER_HKEY_WORDS 5

/* A packet's fields as the hashed mode compares them, or a signature's
 * mask of them.  Word 0 holds the protocol (byte 0), the
 * CLASSIFIER_META_PORTS flag (byte 1), and the source and destination ports
 * (bytes 2-3 and 4-5, host order, 0 without ports).  The addresses follow
 * in network byte order: for IPv4, the source in bytes 8-11 and the
 * destination in bytes 12-15; for IPv6, the source in bytes 8-23 and the
 * destination in bytes 24-39.  A signature without addresses compares word
 * 0 only, one with IPv4 addresses words 0-1, one with IPv6 addresses all,
 * but words 0-1 when they hold all it tests (see classifier_sig_mask()). */
struct classifier_hkey {
    /* The words, filled through their bytes as said above. */
    uint64_t w[CLASSIFIER_HKEY_WORDS];
};

/* Fills `k` with a packet's fields or a signature's mask of them (see
 * struct classifier_hkey): `flags` is 0 or CLASSIFIER_META_PORTS; `src` and
 * `dst` have 4 bytes for CLASSIFIER_V4 and 16 for CLASSIFIER_V6. */
void classifier_hkey_fill(struct classifier_hkey *k, unsigned fam, uint8_t proto, uint8_t flags,
                          uint16_t sport, uint16_t dport, const uint8_t *src, const uint8_t *dst);

/* Writes the mask of a prefix of `len` bits into the 16 bytes at `out`. */
void classifier_prefix_mask(unsigned len, uint8_t *out);

/* Returns the family of a satisfiable filter's addresses (CLASSIFIER_V4 or
 * CLASSIFIER_V6), or CLASSIFIER_FAMILIES when it has no address. */
unsigned classifier_filter_family(const struct pcapd_filter *f);

/* Fills `mask` with what of a packet's key the signature of filter `f`, of
 * address family `fam` (CLASSIFIER_FAMILIES: no address), tests.  Returns
 * the words of the key it compares: 1 without addresses, 2 for IPv4 and
 * for IPv6 sources of at most 64 bits without a destination, else
 * CLASSIFIER_HKEY_WORDS. */
uint32_t classifier_sig_mask(const struct pcapd_filter *f, unsigned fam,
                             struct classifier_hkey *mask);

/* Tells whether two filters have the same signature (fields, families and
 * prefix lengths). */
bool classifier_same_signature(const struct pcapd_filter *a, const struct pcapd_filter *b);

/* Builds a table of copies of `n` rules.  Returns NULL when out of memory,
 * when rte_acl fails, or when n is CLASSIFIER_MAX_RULES or more.  Called on
 * the control thread. */
struct classifier *classifier_build(const struct classifier_rule *rules, uint32_t n);

/* Frees a table built by classifier_build(); NULL is allowed. */
void classifier_free(struct classifier *c);

/* Finds the classes of round `round` that the IP packets of burst `b` are
 * in, into b->match; returns how many.  A class's matches are in burst
 * order.  Rounds are taken in order from 0 (an rte_acl table builds the
 * packets' keys in round 0).  Out of line, so that the rx loop stays
 * small. */
unsigned classifier_find(const struct classifier *c, struct classifier_burst *b, uint32_t round);

/* Adds the `n` frames frames[k] of lens[k] bytes to the burst: parses
 * each and lists the IP packets for classifier_find().  The lists are
 * appended to without a branch (an unpredictable mix of families and
 * non-IP frames costs no misprediction here), and their counts stay in
 * registers until the end.  Frames that cannot hold IP are listed as
 * cheaply as IP ones, so a burst whose first frame cannot is first
 * scanned for one that can: a burst of none (a link without IP) is added
 * unparsed, and a burst that starts with IP pays one test. */
static inline void classifier_burst_parse(struct classifier_burst *b, const uint8_t *const *frames,
                                          const uint32_t *lens, unsigned n)
{
    if (unlikely(n > 0 && !pkt_may_be_ip(frames[0], lens[0]))) {
        unsigned k = 1;
        while (k < n && !pkt_may_be_ip(frames[k], lens[k]))
            k++;
        if (k == n) {
            b->n += n;
            return;
        }
    }
    unsigned first = b->n, n_ip = b->n_ip;
    unsigned n_v4 = b->n_fam[CLASSIFIER_V4], n_v6 = b->n_fam[CLASSIFIER_V6];
    for (unsigned k = 0; k < n; k++) {
        unsigned i = first + k;
        unsigned ip = pkt_parse_frame(frames[k], lens[k], &b->meta[i]) == PKT_PARSE_IP;
        unsigned v6 = b->meta[i].family == PCAPD_FAMILY_IPV6;
        b->ip_index[n_ip] = (uint8_t)i;
        n_ip += ip;
        b->fam_index[v6][v6 ? n_v6 : n_v4] = (uint8_t)i;
        n_v4 += ip & (v6 ^ 1);
        n_v6 += ip & v6;
    }
    b->n = first + n;
    b->n_ip = n_ip;
    b->n_fam[CLASSIFIER_V4] = n_v4;
    b->n_fam[CLASSIFIER_V6] = n_v6;
}

/* Adds the frame of `len` bytes at `frame` to the burst. */
static inline void classifier_burst_add(struct classifier_burst *b, const uint8_t *frame,
                                        uint32_t len)
{
    classifier_burst_parse(b, &frame, &len, 1);
}

/* Empties the burst. */
static inline void classifier_burst_reset(struct classifier_burst *b)
{
    b->n = 0;
    b->n_ip = 0;
    b->n_fam[CLASSIFIER_V4] = 0;
    b->n_fam[CLASSIFIER_V6] = 0;
}

/* A match's callback: packet `i` of the burst matched `job`, which is
 * c->jobs[k] for rule c->rules[k]. */
typedef void (*classifier_emit_fn)(void *arg, unsigned i, const struct classifier_job *job);

/* Emits for packet `i` every job of the class whose first job is
 * c->jobs[first]. */
static inline void classifier_emit_class(const struct classifier *c, uint32_t first, unsigned i,
                                         classifier_emit_fn emit, void *arg)
{
    const struct classifier_job *job = &c->jobs[first];
    do
        emit(arg, i, job);
    while (!(job++)->last);
}

/* Returns the rule of job `job` of table `c`. */
static inline const struct classifier_rule *classifier_job_rule(const struct classifier *c,
                                                                const struct classifier_job *job)
{
    return &c->rules[job - c->jobs];
}

/* Calls emit(arg, i, job) for every job that packet `i` of the burst
 * matches.  For a given job, packets come in burst order.  (The rx lcore
 * runs the same steps itself, to time them apart.) */
static inline void classifier_match_burst(const struct classifier *c, struct classifier_burst *b,
                                          classifier_emit_fn emit, void *arg)
{
    if (c->match_all != UINT32_MAX) {
        for (unsigned i = 0; i < b->n; i++)
            classifier_emit_class(c, c->classes[c->match_all].first, i, emit, arg);
    }
    if (b->n_ip == 0)
        return;
    for (uint32_t r = 0; r < c->n_rounds; r++) {
        unsigned n = classifier_find(c, b, r);
        for (unsigned k = 0; k < n; k++) {
            uint32_t x = b->match[k];
            classifier_emit_class(c, x >> CLASSIFIER_MATCH_SHIFT,
                                  x & ((1u << CLASSIFIER_MATCH_SHIFT) - 1), emit, arg);
        }
    }
}

#endif /* PCAPD_CLASSIFIER_H */
