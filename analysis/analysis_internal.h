/* The per-analysis accumulators and the result structure they live in;
 * shared by the engine's modules, not by its users. */
#ifndef PCAPD_ANALYSIS_INTERNAL_H
#define PCAPD_ANALYSIS_INTERNAL_H

#include "analysis.h"
#include "capture_reader.h"
#include "dissect.h"
#include "hash_table.h"

/* One node of the protocol hierarchy: a protocol at one tree position. */
struct phs_node {
    uint16_t proto;         /* A protocol id (registry.h). */
    uint64_t frames;        /* Frames whose chain passes through this node. */
    uint64_t bytes;         /* Their whole-frame wire lengths, summed. */
    struct phs_node *child; /* First child, in order of first appearance. */
    struct phs_node *next;  /* Next sibling. */
};

/* The protocol hierarchy of a capture (the -qz io,phs tree). */
struct hierarchy {
    struct phs_node root; /* Unnamed root; its children are the link layers. */
};

/* Key of an endpoint: an address and, for TCP and UDP, a port. */
struct endpoint_key {
    struct net_addr addr; /* The address. */
    uint8_t pad;          /* Zero, so that keys compare bytewise. */
    uint16_t port;        /* The port (0 for address-only tables). */
    uint32_t pad2;        /* Zero, rounding the key to whole 8-byte words. */
};

/* Traffic counters of one endpoint. */
struct endpoint {
    struct endpoint_key key; /* Identity; must come first. */
    uint64_t order;          /* Sequence number of its first appearance. */
    uint64_t txf, txb;       /* Frames and bytes it sent. */
    uint64_t rxf, rxb;       /* Frames and bytes it received. */
};

/* Key of a conversation, its two sides in canonical (sorted) order. */
struct conv_key {
    struct net_addr lo; /* The lower side's address. */
    struct net_addr hi; /* The higher side's address. */
    uint16_t lo_port;   /* The lower side's port. */
    uint16_t hi_port;   /* The higher side's port. */
    uint32_t stream;    /* TCP stream index (0 elsewhere). */
    uint32_t pad;       /* Zero, rounding the key to whole 8-byte words. */
};

/* Traffic counters of one conversation; side A sent its first frame. */
struct conversation {
    struct conv_key key;   /* Identity; must come first. */
    uint64_t order;        /* Sequence number of its first appearance. */
    bool a_is_lo;          /* True when side A is key.lo. */
    uint64_t a2b_f, a2b_b; /* Frames and bytes from A to B. */
    uint64_t b2a_f, b2a_b; /* Frames and bytes from B to A. */
    int64_t start_ns;      /* Time of its first frame, relative to the capture's first. */
    int64_t stop_ns;       /* Time of its last frame, relative to the capture's first. */
    bool used;             /* True once the entry holds a conversation (TCP array). */
};

/* Everything one pass computes. */
struct analysis_result {
    uint64_t frames;            /* Number of packets. */
    uint64_t data_size;         /* Sum of their wire lengths. */
    uint64_t file_size;         /* Size of the file. */
    int64_t first_ns;           /* Timestamp of the first packet. */
    int64_t min_ns;             /* Earliest timestamp. */
    int64_t max_ns;             /* Latest timestamp. */
    uint32_t min_digits;        /* Timestamp digits of the earliest packet. */
    uint32_t max_digits;        /* Timestamp digits of the latest packet. */
    uint32_t linktype;          /* Link type of the first packet. */
    bool mixed_linktypes;       /* True when packets have several link types. */
    enum capture_format format; /* pcap or pcapng. */
    uint64_t next_order;        /* Next first-appearance sequence number. */
    struct hierarchy hier;      /* Protocol hierarchy. */
    struct hash_table endpoints[ANALYSIS_TABLE_COUNT]; /* Endpoints per table. */
    struct hash_table convs[ANALYSIS_TABLE_COUNT];     /* Conversations per table (not TCP). */
    struct conversation *tcp_convs; /* TCP conversations, indexed by their dense tcp.stream. */
    size_t tcp_convs_cap;           /* Number of entries allocated in tcp_convs. */
    size_t n_tcp_convs;             /* Number of TCP conversations seen. */
    /* Per table, the conversation its last frame counted (NULL before the
     * first): consecutive frames mostly belong to one conversation, and
     * comparing their addresses with it costs less than building a key and
     * hashing it.  Entries move only when their table grows, which happens
     * in the lookup that sets this again. */
    struct conversation *last_conv[ANALYSIS_TABLE_COUNT];
};

/* Adds a frame's protocol chain to the hierarchy; returns -1 when out of memory. */
int hierarchy_add(struct hierarchy *h, const uint16_t *chain, unsigned n, uint32_t wirelen);

/* Frees the hierarchy's nodes. */
void hierarchy_free(struct hierarchy *h);

/* Returns the hierarchy as {"protos": [...]}. */
json_t *hierarchy_json(const struct hierarchy *h);

/* Prepares the endpoint tables of r. */
void endpoints_init(struct analysis_result *r);

/* Prepares the conversation tables of r. */
void conversations_init(struct analysis_result *r);

/* Fills the endpoint tables from the conversation tables at the end of the
 * pass (each side of a conversation sent what the other received), which
 * gives tshark's per-packet counts with half the per-packet work; returns
 * -1 when out of memory. */
int endpoints_from_conversations(struct analysis_result *r);

/* Returns a new array of table t's conversations in order of first
 * appearance (*n of them), or NULL when out of memory; the caller frees it. */
const struct conversation **conversations_sorted(const struct analysis_result *r,
                                                 enum analysis_table t, size_t *n);

/* Counts a frame's address pairs in every conversation table; returns -1 when out of memory. */
int conversations_add(struct analysis_result *r, const struct frame_dissection *fd,
                      uint32_t wirelen, int64_t rel_ns);

/* Frees the endpoint tables. */
void endpoints_free(struct analysis_result *r);

/* Frees the conversation tables. */
void conversations_free(struct analysis_result *r);

/* Returns the endpoints of table t as {"protocol", "hosts"}. */
json_t *endpoints_json(const struct analysis_result *r, enum analysis_table t);

/* Returns the conversations of table t as {"protocol", "convs"}. */
json_t *conversations_json(const struct analysis_result *r, enum analysis_table t);

/* Returns true for the tables keyed by a port as well as an address. */
static inline bool table_has_ports(enum analysis_table t)
{
    return t == ANALYSIS_TCP || t == ANALYSIS_UDP;
}

#endif
