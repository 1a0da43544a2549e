/* Owns the stateless part of QUIC Initial decryption: long-header parsing,
 * Initial key derivation (RFC 9001 section 5.2, RFC 9369 section 3.3),
 * header protection removal (RFC 9001 section 5.4), AES-128-GCM packet
 * decryption (RFC 9001 section 5.3) and the frame walk that hands out
 * CRYPTO frames.  HKDF and AES come from OpenSSL's libcrypto. */
#include "quic_initial.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

/* The Initial salt of QUIC v1 (RFC 9001, section 5.2). */
static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
/* The Initial salt of QUIC v2 (RFC 9369, section 3.3.1). */
static const uint8_t salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
/* The Initial salt of drafts 29 to 32 (draft-ietf-quic-tls-29, section 5.2). */
static const uint8_t salt_draft29[20] = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2,
                                         0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61,
                                         0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};

/* Returns the Initial salt of a version, or NULL when it has none known. */
static const uint8_t *initial_salt(uint32_t version)
{
    if (version == QUIC_VERSION_1)
        return salt_v1;
    if (version == QUIC_VERSION_2)
        return salt_v2;
    if (version >= 0xff00001du && version <= 0xff000020u)
        return salt_draft29;
    return NULL;
}

/* Returns true when Initial keys are defined for the version. */
bool quic_version_has_initial_keys(uint32_t version)
{
    return initial_salt(version) != NULL;
}

/* Reads a QUIC variable-length integer, advancing *off. */
bool quic_read_varint(const uint8_t *p, size_t n, size_t *off, uint64_t *value)
{
    if (*off >= n)
        return false;
    size_t len = (size_t)1 << (p[*off] >> 6);
    if (len > n - *off)
        return false;
    uint64_t v = p[*off] & 0x3f;
    for (size_t i = 1; i < len; i++)
        v = v << 8 | p[*off + i];
    *off += len;
    *value = v;
    return true;
}

/* Reads a length-prefixed connection ID at p[*off]; false when it runs past n
 * or is longer than max. */
static bool read_cid(const uint8_t *p, size_t n, size_t *off, size_t max, struct quic_cid *cid)
{
    if (*off >= n)
        return false;
    size_t len = p[*off];
    if (len > max || len > n - *off - 1)
        return false;
    cid->len = (uint8_t)(len > QUIC_MAX_CID_LEN ? QUIC_MAX_CID_LEN : len);
    memcpy(cid->id, p + *off + 1, cid->len);
    *off += 1 + len;
    return true;
}

/* Maps the two type bits of a long header to the v1 numbering. */
enum quic_long_type quic_long_type(uint32_t version, uint8_t first)
{
    unsigned bits = (first >> 4) & 3;
    if (version == QUIC_VERSION_2)
        return (enum quic_long_type)((bits + 3) & 3); /* v2: 1 Initial, 2 0-RTT, 3 HS, 0 Retry. */
    return (enum quic_long_type)bits;
}

/* Parses a long header up to its Source Connection ID. */
int quic_parse_long_ids(const uint8_t *p, size_t n, struct quic_long_header *h, size_t *end)
{
    memset(h, 0, sizeof(*h));
    if (n < 7 || !(p[0] & 0x80))
        return -1;
    h->version = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    size_t off = 5;
    size_t max_cid = h->version == 0 ? 255 : QUIC_MAX_CID_LEN;
    if (!read_cid(p, n, &off, max_cid, &h->dcid) || !read_cid(p, n, &off, max_cid, &h->scid))
        return -1;
    h->type = h->version == 0 ? QUIC_LT_VERSION_NEG : quic_long_type(h->version, p[0]);
    *end = off;
    return 0;
}

/* Parses a long header. */
int quic_parse_long_header(const uint8_t *p, size_t n, struct quic_long_header *h)
{
    size_t off;
    if (quic_parse_long_ids(p, n, h, &off) != 0)
        return -1;
    if (h->type == QUIC_LT_VERSION_NEG || h->type == QUIC_LT_RETRY) {
        h->packet_len = n;
        return 0;
    }
    uint64_t v;
    if (h->type == QUIC_LT_INITIAL) {
        if (!quic_read_varint(p, n, &off, &v) || v > n - off)
            return -1;
        off += (size_t)v;
    }
    if (!quic_read_varint(p, n, &off, &v) || v > n - off)
        return -1;
    h->pn_off = off;
    h->packet_len = off + (size_t)v;
    return 0;
}

/* Runs OpenSSL's HKDF with SHA-256 in one mode (EVP_KDF_HKDF_MODE_EXTRACT_ONLY
 * or _EXPAND_ONLY) into out_len bytes at out; salt and info are left out
 * when NULL.  Returns 0 or -1. */
static int hkdf_sha256(int mode, const uint8_t *salt, size_t salt_len, const uint8_t *key,
                       size_t key_len, const uint8_t *info, size_t info_len, uint8_t *out,
                       size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (!kdf)
        return -1;
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (!kctx)
        return -1;
    uint8_t empty = 0;
    OSSL_PARAM params[6], *p = params;
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    if (salt)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                             key_len ? (void *)key : (void *)&empty, key_len);
    if (info)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    *p = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(kctx, out, out_len, params);
    EVP_KDF_CTX_free(kctx);
    return ok == 1 ? 0 : -1;
}

/* Computes HKDF-Extract(salt, ikm) with SHA-256 into out (32 bytes). */
static int hkdf_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                        uint8_t out[32])
{
    return hkdf_sha256(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, salt_len, ikm, ikm_len, NULL, 0, out,
                       32);
}

/* TLS 1.3 HKDF-Expand-Label with SHA-256 and an empty context. */
int quic_hkdf_expand_label(const uint8_t secret[32], const char *label, uint8_t *out,
                           size_t out_len)
{
    uint8_t info[2 + 1 + 255 + 1];
    size_t llen = 6 + strlen(label);
    if (llen > 255 || out_len > 255)
        return -1;
    info[0] = (uint8_t)(out_len >> 8);
    info[1] = (uint8_t)out_len;
    info[2] = (uint8_t)llen;
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, llen - 6);
    info[3 + llen] = 0; /* Empty context. */
    return hkdf_sha256(EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, secret, 32, info, 4 + llen, out,
                       out_len);
}

/* Computes the Initial secret of a version from the client's first DCID. */
int quic_initial_secret(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint8_t secret[32])
{
    const uint8_t *salt = initial_salt(version);
    if (!salt)
        return -1;
    return hkdf_extract(salt, 20, dcid, dcid_len, secret);
}

/* Derives one direction's Initial keys. */
int quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
                      struct quic_keys *out)
{
    uint8_t initial[32], secret[32];
    bool v2 = version == QUIC_VERSION_2;
    if (quic_initial_secret(version, dcid, dcid_len, initial) != 0 ||
        quic_hkdf_expand_label(initial, server ? "server in" : "client in", secret, 32) != 0 ||
        quic_hkdf_expand_label(secret, v2 ? "quicv2 key" : "quic key", out->key, 16) != 0 ||
        quic_hkdf_expand_label(secret, v2 ? "quicv2 iv" : "quic iv", out->iv, 12) != 0 ||
        quic_hkdf_expand_label(secret, v2 ? "quicv2 hp" : "quic hp", out->hp, 16) != 0)
        return -1;
    return 0;
}

/* Computes the header protection mask AES-ECB(hp, sample). */
int quic_hp_mask(const uint8_t hp[16], const uint8_t sample[16], uint8_t mask[5])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return -1;
    uint8_t block[32];
    int len = 0;
    int ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, hp, NULL) == 1 &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
             EVP_EncryptUpdate(ctx, block, &len, sample, 16) == 1 && len == 16;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return -1;
    memcpy(mask, block, 5);
    return 0;
}

/* Recovers a full packet number (RFC 9000, appendix A.3). */
uint64_t quic_decode_pn(uint64_t largest, uint64_t truncated, unsigned pn_len)
{
    uint64_t expected = largest + 1;
    uint64_t win = (uint64_t)1 << (pn_len * 8);
    uint64_t hwin = win / 2;
    uint64_t candidate = (expected & ~(win - 1)) | truncated;
    if (candidate + hwin <= expected && candidate < ((uint64_t)1 << 62) - win)
        return candidate + win;
    if (candidate > expected + hwin && candidate >= win)
        return candidate - win;
    return candidate;
}

/* The additional data of a packet: its unprotected header, in three pieces
 * (the first byte, the bytes up to the packet number, the packet number). */
struct aad_parts {
    uint8_t first;      /* The unprotected first byte. */
    const uint8_t *mid; /* The header bytes after the first, up to the packet number. */
    size_t mid_len;     /* Their number. */
    const uint8_t *pn;  /* The unprotected packet number bytes. */
    size_t pn_len;      /* Their number (1 to 4). */
};

/* Decrypts ct_len bytes of AES-128-GCM ciphertext followed by its tag. */
static int aead_open(const struct quic_keys *keys, const uint8_t nonce[12],
                     const struct aad_parts *aad, const uint8_t *ct, size_t ct_len, uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return -1;
    int len = 0, fin = 0;
    int ok =
        EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
        EVP_DecryptInit_ex(ctx, NULL, NULL, keys->key, nonce) == 1 &&
        EVP_DecryptUpdate(ctx, NULL, &len, &aad->first, 1) == 1 &&
        EVP_DecryptUpdate(ctx, NULL, &len, aad->mid, (int)aad->mid_len) == 1 &&
        EVP_DecryptUpdate(ctx, NULL, &len, aad->pn, (int)aad->pn_len) == 1 &&
        EVP_DecryptUpdate(ctx, out, &len, ct, (int)ct_len) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, QUIC_TAG_LEN, (void *)(ct + ct_len)) == 1 &&
        EVP_DecryptFinal_ex(ctx, out + len, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -1;
}

/* Removes header protection and decrypts a long-header packet. */
int quic_decrypt_long(const struct quic_keys *keys, const uint8_t *pkt,
                      const struct quic_long_header *h, uint64_t largest_pn, uint8_t *out,
                      size_t out_cap, size_t *out_len, uint64_t *pn)
{
    size_t end = h->packet_len;
    if (h->pn_off == 0 || end < h->pn_off + 4 + 16 || end > (size_t)INT32_MAX)
        return -1;
    uint8_t mask[5];
    if (quic_hp_mask(keys->hp, pkt + h->pn_off + 4, mask) != 0)
        return -1;
    uint8_t pn_bytes[4];
    struct aad_parts aad = {.first = pkt[0] ^ (mask[0] & 0x0f),
                            .mid = pkt + 1,
                            .mid_len = h->pn_off - 1,
                            .pn = pn_bytes};
    aad.pn_len = (size_t)(aad.first & 3) + 1;
    size_t hdr_len = h->pn_off + aad.pn_len;
    if (end < hdr_len + QUIC_TAG_LEN)
        return -1;
    size_t ct_len = end - hdr_len - QUIC_TAG_LEN;
    if (ct_len > out_cap)
        return -1;
    uint64_t truncated = 0;
    for (size_t i = 0; i < aad.pn_len; i++) {
        pn_bytes[i] = pkt[h->pn_off + i] ^ mask[1 + i];
        truncated = truncated << 8 | pn_bytes[i];
    }
    *pn = quic_decode_pn(largest_pn, truncated, (unsigned)aad.pn_len);
    uint8_t nonce[12];
    memcpy(nonce, keys->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(*pn >> (56 - 8 * i));
    if (aead_open(keys, nonce, &aad, pkt + hdr_len, ct_len, out) != 0)
        return -1;
    *out_len = ct_len;
    return 0;
}

/* Skips count variable-length integers; false when one runs past n. */
static bool skip_varints(const uint8_t *p, size_t n, size_t *off, unsigned count)
{
    uint64_t v;
    for (unsigned i = 0; i < count; i++)
        if (!quic_read_varint(p, n, off, &v))
            return false;
    return true;
}

/* Skips a varint length and that many bytes; false when it runs past n. */
static bool skip_prefixed(const uint8_t *p, size_t n, size_t *off)
{
    uint64_t len;
    if (!quic_read_varint(p, n, off, &len) || len > n - *off)
        return false;
    *off += (size_t)len;
    return true;
}

/* Skips the body of an ACK frame (type 0x02, or 0x03 with ECN counts). */
static bool skip_ack(const uint8_t *p, size_t n, size_t *off, bool ecn)
{
    uint64_t ranges;
    if (!skip_varints(p, n, off, 2) || !quic_read_varint(p, n, off, &ranges) ||
        !skip_varints(p, n, off, 1))
        return false;
    if (ranges > n) /* Each range takes at least two bytes: a hostile count ends here. */
        return false;
    for (uint64_t i = 0; i < ranges; i++)
        if (!skip_varints(p, n, off, 2))
            return false;
    return !ecn || skip_varints(p, n, off, 3);
}

/* Skips the body of a STREAM frame whose type (0x08 to 0x0f) carries OFF/LEN bits. */
static bool skip_stream(const uint8_t *p, size_t n, size_t *off, uint64_t type)
{
    if (!skip_varints(p, n, off, (type & 0x04) ? 2 : 1))
        return false;
    if (type & 0x02)
        return skip_prefixed(p, n, off);
    *off = n;
    return true;
}

/* Skips a NEW_CONNECTION_ID body: sequence, retire prior to, CID, reset token. */
static bool skip_new_cid(const uint8_t *p, size_t n, size_t *off)
{
    if (!skip_varints(p, n, off, 2) || *off >= n)
        return false;
    size_t len = p[*off];
    if (len > n - *off - 1 || 16 > n - *off - 1 - len)
        return false;
    *off += 1 + len + 16;
    return true;
}

/* Skips a fixed number of bytes; false when they run past n. */
static bool skip_bytes(size_t n, size_t *off, size_t count)
{
    if (count > n - *off)
        return false;
    *off += count;
    return true;
}

/* Skips the body of a frame other than CRYPTO; false when it is malformed.
 * Unknown types have no body that can be skipped: only their type is. */
static bool skip_frame(const uint8_t *p, size_t n, size_t *off, uint64_t type)
{
    switch (type) {
    case 0x00: /* PADDING */
    case 0x01: /* PING */
    case 0x1e: /* HANDSHAKE_DONE */
        return true;
    case 0x02:
    case 0x03:
        return skip_ack(p, n, off, type == 0x03);
    case 0x04: /* RESET_STREAM */
        return skip_varints(p, n, off, 3);
    case 0x05: /* STOP_SENDING */
    case 0x11: /* MAX_STREAM_DATA */
    case 0x15: /* STREAM_DATA_BLOCKED */
        return skip_varints(p, n, off, 2);
    case 0x07: /* NEW_TOKEN */
        return skip_prefixed(p, n, off);
    case 0x10: /* MAX_DATA */
    case 0x12: /* MAX_STREAMS (bidi) */
    case 0x13: /* MAX_STREAMS (uni) */
    case 0x14: /* DATA_BLOCKED */
    case 0x16: /* STREAMS_BLOCKED (bidi) */
    case 0x17: /* STREAMS_BLOCKED (uni) */
    case 0x19: /* RETIRE_CONNECTION_ID */
        return skip_varints(p, n, off, 1);
    case 0x18:
        return skip_new_cid(p, n, off);
    case 0x1a: /* PATH_CHALLENGE */
    case 0x1b: /* PATH_RESPONSE */
        return skip_bytes(n, off, 8);
    case 0x1c: /* CONNECTION_CLOSE (transport): error, frame type, reason */
        return skip_varints(p, n, off, 2) && skip_prefixed(p, n, off);
    case 0x1d: /* CONNECTION_CLOSE (application): error, reason */
        return skip_varints(p, n, off, 1) && skip_prefixed(p, n, off);
    case 0x30: /* DATAGRAM without length: to the end */
        *off = n;
        return true;
    case 0x31: /* DATAGRAM with length */
        return skip_prefixed(p, n, off);
    default:
        if (type >= 0x08 && type <= 0x0f)
            return skip_stream(p, n, off, type);
        return true;
    }
}

/* Walks the frames of a decrypted payload, reporting CRYPTO frames. */
int quic_walk_frames(const uint8_t *p, size_t n, quic_crypto_fn fn, void *ctx)
{
    size_t off = 0;
    while (off < n) {
        uint64_t type;
        if (!quic_read_varint(p, n, &off, &type))
            return -1;
        if (type != 0x06) {
            if (!skip_frame(p, n, &off, type))
                return -1;
            continue;
        }
        uint64_t offset, len;
        if (!quic_read_varint(p, n, &off, &offset) || !quic_read_varint(p, n, &off, &len) ||
            len > n - off)
            return -1;
        fn(ctx, offset, p + off, (size_t)len);
        off += (size_t)len;
    }
    return 0;
}
