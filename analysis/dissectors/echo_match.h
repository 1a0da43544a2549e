/* Request/reply matching of ICMP and ICMPv6 echoes, as Wireshark's
 * transaction_start()/transaction_end(): a request is filed under its
 * address pair and a key (identifier, sequence number and the checksum
 * its reply will have); the first reply with that key answers it.  A
 * request shows its reply's frame only in a second pass (tshark -2), so
 * the first pass's matches seed the second.  Each protocol keeps its
 * matching in its own state slot. */
#ifndef PCAPD_ANALYSIS_DISSECTORS_ECHO_MATCH_H
#define PCAPD_ANALYSIS_DISSECTORS_ECHO_MATCH_H

#include "dissect_internal.h"

/* What a frame learns of its transaction. */
struct echo_result {
    uint32_t resp_in;  /* For a request: its reply's frame, or 0. */
    uint32_t resp_to;  /* For a reply: its request's frame, or 0. */
    int64_t resp_time; /* For a reply: the time since the request, in ns. */
    bool no_resp;      /* For a request in a seeded pass: no reply answered it. */
};

/* Files a request of key (k0, k1) in the matching of slot (or reads what
 * a seeded second pass knows of it) and fills *r. */
void echo_request(struct dissect_ctx *c, int slot, uint32_t k0, uint32_t k1, struct echo_result *r);

/* Matches a reply of key (k0, k1) in the matching of slot and fills *r. */
void echo_reply(struct dissect_ctx *c, int slot, uint32_t k0, uint32_t k1, struct echo_result *r);

/* Returns the one's complement sum of two 16-bit words, complemented (the
 * checksum of those two words). */
uint16_t echo_cksum2(uint16_t a, uint16_t b);

/* Frees a matching state. */
void echo_state_free(void *state);

/* Moves the first pass's matching of slot to the second pass. */
void echo_take_first_pass(struct dissector *second, struct dissector *first, int slot);

#endif
