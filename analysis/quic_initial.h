/* QUIC Initial packets (RFC 9000, RFC 9001, RFC 9369): long-header parsing,
 * the Initial keys every observer can derive from the client's first
 * Destination Connection ID (QUIC v1, v2 and draft-29), header protection
 * removal, AES-128-GCM decryption, and the walk over the frames of a
 * decrypted payload that hands out the CRYPTO frames.  Pure functions over
 * byte buffers: no per-connection state lives here. */
#ifndef PCAPD_ANALYSIS_QUIC_INITIAL_H
#define PCAPD_ANALYSIS_QUIC_INITIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* QUIC version 1 (RFC 9000). */
#define QUIC_VERSION_1 0x00000001u
/* QUIC version 2 (RFC 9369). */
#define QUIC_VERSION_2 0x6b3343cfu
/* The IETF draft-29 version, the last draft Chrome shipped widely. */
#define QUIC_VERSION_DRAFT29 0xff00001du

/* Longest connection ID a long header may carry (RFC 9000, section 17.2). */
#define QUIC_MAX_CID_LEN 20
/* Length of the AEAD tag of AES-128-GCM. */
#define QUIC_TAG_LEN 16

/* Long-header packet types, numbered as QUIC v1 numbers them (v2 packets are
 * mapped onto these). */
enum quic_long_type {
    QUIC_LT_INITIAL = 0,   /* Initial packet. */
    QUIC_LT_0RTT = 1,      /* 0-RTT packet. */
    QUIC_LT_HANDSHAKE = 2, /* Handshake packet. */
    QUIC_LT_RETRY = 3,     /* Retry packet. */
    QUIC_LT_VERSION_NEG,   /* Version Negotiation (version 0). */
};

/* A connection ID. */
struct quic_cid {
    uint8_t len;                  /* Its length in bytes (at most QUIC_MAX_CID_LEN). */
    uint8_t id[QUIC_MAX_CID_LEN]; /* Its bytes. */
};

/* What a long header says, before header protection is removed. */
struct quic_long_header {
    uint32_t version;         /* The version field. */
    enum quic_long_type type; /* The packet type, in v1 numbering. */
    struct quic_cid dcid;     /* Destination Connection ID. */
    struct quic_cid scid;     /* Source Connection ID. */
    size_t pn_off;            /* Offset of the packet number (Initial, 0-RTT, Handshake). */
    size_t packet_len;        /* Bytes of the whole packet: pn_off plus its Length field. */
};

/* The packet protection keys of one direction. */
struct quic_keys {
    uint8_t key[16]; /* AES-128-GCM key. */
    uint8_t iv[12];  /* AEAD IV, XORed with the packet number to form the nonce. */
    uint8_t hp[16];  /* AES-128 header protection key. */
};

/* Returns the type of a long-header packet of a version from its first
 * byte, in v1 numbering (QUIC v2 numbers the types differently). */
enum quic_long_type quic_long_type(uint32_t version, uint8_t first);

/* Returns true when Initial keys are defined for the version (v1, v2, drafts 29 to 32). */
bool quic_version_has_initial_keys(uint32_t version);

/* Parses the long header at the start of the n bytes at p.  Returns 0 and
 * fills *h, or -1 when the bytes are not a well-formed long header: too
 * short, a connection ID longer than 20 bytes, or (for packets with a
 * Length field) a Length that runs past n.  Version Negotiation and Retry
 * packets take the rest of the datagram (packet_len = n, pn_off = 0). */
int quic_parse_long_header(const uint8_t *p, size_t n, struct quic_long_header *h);

/* Parses a long header only up to its Source Connection ID (what
 * connection tracking needs): fills version, type and both IDs, sets *end
 * to the offset after the SCID and returns 0, or returns -1 as
 * quic_parse_long_header does for a short buffer or an overlong ID. */
int quic_parse_long_ids(const uint8_t *p, size_t n, struct quic_long_header *h, size_t *end);

/* Computes the Initial secret of a version from the client's first
 * Destination Connection ID: HKDF-Extract(salt, dcid).  Returns 0, or -1
 * for a version without Initial keys or a libcrypto failure. */
int quic_initial_secret(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint8_t secret[32]);

/* Derives the client's (server = false) or the server's Initial keys.
 * Returns 0, or -1 as quic_initial_secret does. */
int quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
                      struct quic_keys *out);

/* TLS 1.3 HKDF-Expand-Label with SHA-256 and an empty context; out_len is at most 255.
 * Returns 0, or -1 on a libcrypto failure. */
int quic_hkdf_expand_label(const uint8_t secret[32], const char *label, uint8_t *out,
                           size_t out_len);

/* Computes the 5-byte header protection mask AES-ECB(hp, sample).
 * Returns 0, or -1 on a libcrypto failure. */
int quic_hp_mask(const uint8_t hp[16], const uint8_t sample[16], uint8_t mask[5]);

/* Recovers a full packet number from its truncated form of pn_len bytes
 * and the largest packet number of the space so far (RFC 9000, A.3). */
uint64_t quic_decode_pn(uint64_t largest, uint64_t truncated, unsigned pn_len);

/* Removes header protection from the protected long-header packet of
 * h->packet_len bytes at pkt and decrypts it with keys.  On success returns
 * 0, writes the plaintext payload (h->packet_len - pn_off - pn_len - 16
 * bytes, at most out_cap) to out with its length in *out_len and the full
 * packet number in *pn; returns -1 when the packet is too short for a
 * sample, the output does not fit, or the AEAD tag does not verify. */
int quic_decrypt_long(const struct quic_keys *keys, const uint8_t *pkt,
                      const struct quic_long_header *h, uint64_t largest_pn, uint8_t *out,
                      size_t out_cap, size_t *out_len, uint64_t *pn);

/* Called for each CRYPTO frame of a payload, in order: the stream offset,
 * and len bytes of data. */
typedef void (*quic_crypto_fn)(void *ctx, uint64_t offset, const uint8_t *data, size_t len);

/* Walks the frames of a decrypted payload (PADDING, PING, ACK, CRYPTO,
 * CONNECTION_CLOSE and the other RFC 9000 frames), calling fn for each
 * CRYPTO frame.  Returns 0 when every frame parsed, -1 at the first
 * malformed frame (frames before it have been reported). */
int quic_walk_frames(const uint8_t *p, size_t n, quic_crypto_fn fn, void *ctx);

/* Reads a QUIC variable-length integer at p[*off] (n bytes in all),
 * advancing *off; returns false when it runs past n. */
bool quic_read_varint(const uint8_t *p, size_t n, size_t *off, uint64_t *value);

#endif
