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

/* The TLS fields the handshake walker records (registered by dissectors/tls.c). */
extern int tls_hf_handshake_type, tls_hf_server_name;

/* Largest handshake message kept whole for parsing (a ClientHello); longer
 * messages still report their type, not their server names. */
#define TLS_HS_KEEP_MAX (64u * 1024)

/* What a direction's ServerHello chose (what later messages' layout needs). */
struct tls_session {
    uint16_t version; /* The ServerHello's legacy version, or 0. */
    uint16_t cipher;  /* Its cipher suite. */
};

/* Handshake reassembly state of one direction of a TLS session. */
struct tls_hs_state {
    struct tls_session session; /* What this direction's ServerHello chose. */
    bool active;                /* True while a message split over chunks is incomplete. */
    bool overflow;              /* True when the message in progress outgrew TLS_HS_KEEP_MAX. */
    uint8_t head[4];            /* Its first bytes: type and 24-bit length. */
    uint32_t frags_len;         /* Number of its bytes seen so far. */
    uint8_t *buf;               /* Its bytes, kept only for a ClientHello or ServerHello. */
    uint32_t buf_len;           /* Number of bytes in buf. */
    uint32_t buf_cap;           /* Allocated size of buf. */
};

/* What tls_handshake_chunk() saw, as bit flags. */
enum tls_chunk_flags {
    TLS_CHUNK_ABORT = 1,    /* Wireshark's dissector would throw: stop this frame's TLS. */
    TLS_CHUNK_SH_TLS13 = 2, /* A ServerHello selected TLS 1.3 (the session's version). */
    TLS_CHUNK_SH_OTHER = 4, /* A ServerHello selected an older (or no known) version. */
};

/* Dissects one chunk of handshake bytes: the body of one handshake record
 * (maybe_encrypted true; after_ccs true when this direction sent a
 * ChangeCipherSpec in an earlier frame of a session not known as TLS 1.3)
 * or one in-order piece of a QUIC CRYPTO stream (maybe_encrypted false).
 * Records tls.handshake.type for every complete message of a known type
 * and the server names of every complete ClientHello into ff (which may be
 * NULL).  Returns enum tls_chunk_flags bits. */
int tls_handshake_chunk(struct tls_hs_state *st, struct frame_fields *ff, const uint8_t *p,
                        size_t n, bool maybe_encrypted, bool after_ccs);

/* Dissects the body of a handshake record of n bytes of which only the
 * first cap were captured (the snaplen cut the segment), as Wireshark does
 * with the record's reported length: messages wholly captured as usual,
 * then the type of the one the capture ends in (and a ClientHello's names
 * as far as captured); returns enum tls_chunk_flags bits, TLS_CHUNK_ABORT
 * where Wireshark would have thrown. */
int tls_handshake_chunk_cut(struct tls_hs_state *st, struct frame_fields *ff, const uint8_t *p,
                            size_t cap, size_t n, bool after_ccs);

/* Records the server names of the ClientHello body of len bytes at p (the
 * message without its 4-byte header), as Wireshark parses it. */
void tls_client_hello_sni(struct frame_fields *ff, const uint8_t *p, size_t len);

/* Returns true when Wireshark 4.0 names the handshake message type. */
bool tls_handshake_type_known(uint8_t type);

/* Frees the reassembly buffer and forgets the message in progress. */
void tls_hs_state_free(struct tls_hs_state *st);

#endif
