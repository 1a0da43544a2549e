/* TLS handshake messages as Wireshark shows them: the type of every
 * handshake message (tls.handshake.type) and the server names of a
 * ClientHello (tls.handshake.extensions_server_name), from the bytes of
 * handshake records (TLS over TCP) or of the CRYPTO stream (QUIC).  A
 * message split over several records or CRYPTO chunks is reassembled per
 * direction, with Wireshark's rule for telling plaintext from encrypted
 * handshake records. */
#ifndef PCAPD_ANALYSIS_TLS_HELLO_H
#define PCAPD_ANALYSIS_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"

/* Largest handshake message kept whole for parsing (a ClientHello); longer
 * messages still report their type, not their server names. */
#define TLS_HS_KEEP_MAX (64u * 1024)

/* Handshake reassembly state of one direction of a TLS session. */
struct tls_hs_state {
    bool active;        /* True while a message split over chunks is incomplete. */
    bool overflow;      /* True when the message in progress outgrew TLS_HS_KEEP_MAX. */
    uint8_t head[4];    /* Its first bytes: type and 24-bit length. */
    uint32_t frags_len; /* Number of its bytes seen so far. */
    uint8_t *buf;       /* Its bytes, kept only for a ClientHello. */
    uint32_t buf_len;   /* Number of bytes in buf. */
    uint32_t buf_cap;   /* Allocated size of buf. */
};

/* Dissects one chunk of handshake bytes: the body of one handshake record
 * (maybe_encrypted true; after_ccs true when this direction sent a
 * ChangeCipherSpec in an earlier frame) or one in-order piece of a QUIC
 * CRYPTO stream (maybe_encrypted false).  Records tls.handshake.type for
 * every complete message of a known type and the server names of every
 * complete ClientHello into ff (which may be NULL). */
void tls_handshake_chunk(struct tls_hs_state *st, struct frame_fields *ff, const uint8_t *p,
                         size_t n, bool maybe_encrypted, bool after_ccs);

/* Records the server names of the ClientHello body of len bytes at p (the
 * message without its 4-byte header), as Wireshark parses it. */
void tls_client_hello_sni(struct frame_fields *ff, const uint8_t *p, size_t len);

/* Returns true when Wireshark 4.0 names the handshake message type. */
bool tls_handshake_type_known(uint8_t type);

/* Frees the reassembly buffer and forgets the message in progress. */
void tls_hs_state_free(struct tls_hs_state *st);

#endif
