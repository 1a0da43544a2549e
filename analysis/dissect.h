/* The dissectors: they turn one captured frame into what the analyses
 * count — the chain of protocols of the frame (as Wireshark's top-level
 * tree shows it), every Ethernet and IP header with its addresses, and
 * every TCP and UDP header with its ports and enclosing IP addresses. */
#ifndef PCAPD_ANALYSIS_DISSECT_H
#define PCAPD_ANALYSIS_DISSECT_H

#include <stdbool.h>
#include <stdint.h>

#include "capture_reader.h"
#include "fields.h"
#include "net_addr.h"
#include "registry.h"

/* Longest protocol chain recorded for one frame; deeper nodes are dropped. */
#define DISSECT_MAX_CHAIN 32
/* Most address layers (Ethernet, IP, TCP/UDP) recorded per frame. */
#define DISSECT_MAX_LAYERS 8

/* One header with a source and a destination (Ethernet or IP). */
struct dissect_addr_layer {
    struct net_addr src; /* Source address. */
    struct net_addr dst; /* Destination address. */
};

/* One TCP or UDP header with its ports and its IP layer's addresses. */
struct dissect_port_layer {
    struct net_addr src; /* Source IP address of the enclosing IP header. */
    struct net_addr dst; /* Destination IP address of the enclosing IP header. */
    uint16_t sport;      /* Source port. */
    uint16_t dport;      /* Destination port. */
    uint32_t stream;     /* TCP stream index (tcp.stream); 0 for UDP. */
};

/* Everything one frame contributes to the analyses. */
struct frame_dissection {
    uint16_t chain[DISSECT_MAX_CHAIN];                 /* Protocol ids, outermost first. */
    uint8_t n_chain;                                   /* Number of entries in chain. */
    uint8_t n_eth;                                     /* Number of entries in eth. */
    uint8_t n_ip;                                      /* Number of entries in ip. */
    uint8_t n_tcp;                                     /* Number of entries in tcp. */
    uint8_t n_udp;                                     /* Number of entries in udp. */
    struct dissect_addr_layer eth[DISSECT_MAX_LAYERS]; /* Ethernet headers. */
    struct dissect_addr_layer ip[DISSECT_MAX_LAYERS];  /* IPv4 and IPv6 headers. */
    struct dissect_port_layer tcp[DISSECT_MAX_LAYERS]; /* TCP headers. */
    struct dissect_port_layer udp[DISSECT_MAX_LAYERS]; /* UDP headers. */
};

/* State kept across frames: each protocol that keeps some (IP fragments,
 * TCP streams, UDP stream indices, DNS transactions, QUIC connections)
 * has a slot (registry_proto_state()), allocated on its first use. */
struct dissector {
    struct frame_fields *fields; /* Where to record per-packet fields, or NULL (summaries only). */
    uint64_t frame_number;       /* 1-based number of the frame being dissected (frame.number). */
    int64_t first_ns;            /* Time of the first frame (for frame.time_relative). */
    int64_t prev_ns;             /* Time of the previous frame (for frame.time_delta). */
    /* In a first pass: the fields the second pass will want; else NULL. */
    const struct frame_fields *next_pass;
    void *state[REGISTRY_MAX_STATES];         /* Per protocol state slot: its state, or NULL. */
    struct conversation_table *conversations; /* Endpoints handed to dissectors, or NULL. */
};

/* Frees a conversation hand-off table (NULL is allowed). */
void conversation_table_free(struct conversation_table *t);

/* Prepares an empty dissector. */
void dissector_init(struct dissector *d);

/* Dissects one frame into *out, updating the reassembly state in d. */
void dissector_run(struct dissector *d, const struct capture_frame *f,
                   struct frame_dissection *out);

/* Returns true when the fields wanted in ff need facts that only a first
 * pass over the whole capture learns, as tshark -2 does (for example
 * tcp.analysis.initial_rtt, shown on handshake frames before the ACK that
 * completes it): some protocol's needs_first_pass hook says so. */
bool dissector_needs_first_pass(const struct frame_fields *ff);

/* Hands what a finished first pass (first, run with no fields) learned to
 * the fresh dissector of the second pass; first is freed as usual after. */
void dissector_take_first_pass(struct dissector *second, struct dissector *first);

/* Frees every protocol's state in d. */
void dissector_free(struct dissector *d);

#endif
