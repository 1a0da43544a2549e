/* Owns the parsing of TLS handshake messages: the walk over the messages
 * of a handshake chunk with reassembly of messages split across chunks
 * (mirroring Wireshark 4.0's dissect_tls_handshake), the heuristic that
 * calls a record encrypted, and the ClientHello server_name extension.
 * Every length read from the bytes is checked against the bytes present. */
#include "tls_hello.h"

#include <stdlib.h>
#include <string.h>

/* Reads a big-endian 16-bit value. */
static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

/* Reads a big-endian 24-bit value. */
static uint32_t be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Returns true when Wireshark 4.0 names the handshake message type. */
bool tls_handshake_type_known(uint8_t type)
{
    switch (type) {
    case 0:  /* hello_request */
    case 1:  /* client_hello */
    case 2:  /* server_hello */
    case 3:  /* hello_verify_request */
    case 4:  /* new_session_ticket */
    case 5:  /* end_of_early_data */
    case 6:  /* hello_retry_request (old drafts) */
    case 8:  /* encrypted_extensions */
    case 11: /* certificate */
    case 12: /* server_key_exchange */
    case 13: /* certificate_request */
    case 14: /* server_hello_done */
    case 15: /* certificate_verify */
    case 16: /* client_key_exchange */
    case 20: /* finished */
    case 21: /* certificate_url */
    case 22: /* certificate_status */
    case 23: /* supplemental_data */
    case 24: /* key_update */
    case 25: /* compressed_certificate */
    case 67: /* NPN encrypted_extensions */
        return true;
    default:
        return false;
    }
}

/* Reads a vector length of size bytes at *off (bounded by end) the way
 * Wireshark's ssl_add_vector does: false when the length itself does not
 * fit; a length running past end is cut to end. */
static bool read_vector(const uint8_t *p, size_t *off, size_t end, size_t size, size_t *len)
{
    if (*off > end || end - *off < size) {
        *len = 0;
        return false;
    }
    size_t v = size == 1 ? p[*off] : be16(p + *off);
    *off += size;
    *len = v > end - *off ? end - *off : v;
    return true;
}

/* Records the names of a server_name extension body of bytes [off, end). */
static void sni_extension(struct frame_fields *ff, const uint8_t *p, size_t off, size_t end)
{
    size_t list_len;
    if (off == end || !read_vector(p, &off, end, 2, &list_len))
        return;
    size_t list_end = off + list_len;
    while (off < list_end) {
        off++; /* Name type: every entry is shown as a host name. */
        size_t name_len;
        if (!read_vector(p, &off, list_end, 2, &name_len))
            return;
        field_add_string(ff, F_TLS_SNI, (const char *)p + off, name_len);
        off += name_len;
    }
}

/* Walks the extensions of a ClientHello from off to end, recording server names. */
static void hello_extensions(struct frame_fields *ff, const uint8_t *p, size_t off, size_t end)
{
    size_t exts_len;
    if (!read_vector(p, &off, end, 2, &exts_len))
        return;
    end = off + exts_len;
    while (end - off >= 4) {
        uint32_t type = be16(p + off);
        off += 2;
        size_t ext_len;
        if (!read_vector(p, &off, end, 2, &ext_len))
            return;
        if (type == 0)
            sni_extension(ff, p, off, off + ext_len);
        off += ext_len;
    }
}

/* Records the server names of a ClientHello body. */
void tls_client_hello_sni(struct frame_fields *ff, const uint8_t *p, size_t len)
{
    /* client_version (2), random (32), then session_id<0..32>. */
    size_t off = 34, vlen;
    if (len < off + 1)
        return;
    off += 1 + p[off];
    if (!read_vector(p, &off, len, 2, &vlen)) /* cipher_suites */
        return;
    off += vlen;
    if (!read_vector(p, &off, len, 1, &vlen)) /* compression_methods */
        return;
    off += vlen;
    if (off < len)
        hello_extensions(ff, p, off, len);
}

/* Records one complete handshake message of len bytes (header included). */
static void message_full(struct frame_fields *ff, const uint8_t *m, size_t len)
{
    if (!tls_handshake_type_known(m[0]))
        return;
    field_add_uint(ff, F_TLS_HANDSHAKE_TYPE, m[0]);
    if (m[0] == 1 && fields_want(ff, F_TLS_SNI))
        tls_client_hello_sni(ff, m + 4, len - 4);
}

/* Returns true when a chunk that starts a new message looks encrypted
 * (Wireshark's is_encrypted_handshake_message). */
static bool looks_encrypted(const uint8_t *p, size_t n, bool maybe_encrypted, bool after_ccs)
{
    if (n < 16)
        return false;
    bool enc = false;
    if (maybe_encrypted) {
        enc = memcmp(p, "\0\0\0\0\0", 5) == 0; /* An explicit GCM nonce of zero. */
        if (!enc)
            enc = after_ccs;
    }
    if (!enc)
        enc = !tls_handshake_type_known(p[0]) || be24(p + 1) >= 0x10000;
    return enc;
}

/* Forgets the message in progress, keeping the buffer's memory. */
static void reassembly_reset(struct tls_hs_state *st)
{
    st->active = false;
    st->overflow = false;
    st->frags_len = 0;
    st->buf_len = 0;
}

/* Adds n bytes of the message in progress; only a ClientHello's bytes are kept. */
static void reassembly_add(struct tls_hs_state *st, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    for (size_t i = 0; i < n && st->frags_len + i < 4; i++)
        st->head[st->frags_len + i] = p[i];
    st->frags_len += (uint32_t)n;
    if (st->overflow || st->head[0] != 1)
        return;
    if (st->buf_len + n > TLS_HS_KEEP_MAX) {
        st->overflow = true;
        return;
    }
    if (st->buf_len + n > st->buf_cap) {
        uint32_t cap = st->buf_cap ? st->buf_cap : 512;
        while (cap < st->buf_len + n)
            cap *= 2;
        uint8_t *nb = realloc(st->buf, cap);
        if (!nb) {
            st->overflow = true;
            return;
        }
        st->buf = nb;
        st->buf_cap = cap;
    }
    memcpy(st->buf + st->buf_len, p, n);
    st->buf_len += (uint32_t)n;
}

/* Records a message completed by reassembly. */
static void reassembly_done(struct tls_hs_state *st, struct frame_fields *ff)
{
    uint32_t msg_len = 4 + be24(st->head + 1);
    if (!tls_handshake_type_known(st->head[0])) {
        reassembly_reset(st);
        return;
    }
    if (!st->overflow && st->head[0] == 1 && st->buf_len == msg_len)
        message_full(ff, st->buf, msg_len);
    else
        field_add_uint(ff, F_TLS_HANDSHAKE_TYPE, st->head[0]);
    reassembly_reset(st);
}

/* Continues the message in progress with a chunk; returns the bytes it took. */
static size_t reassembly_continue(struct tls_hs_state *st, struct frame_fields *ff,
                                  const uint8_t *p, size_t n)
{
    size_t subset = n;
    uint64_t msg_len = 0;
    if (st->frags_len + n >= 4) {
        uint8_t head[4];
        for (size_t i = 0; i < 4; i++)
            head[i] = i < st->frags_len ? st->head[i] : p[i - st->frags_len];
        msg_len = 4 + (uint64_t)be24(head + 1);
        if (subset > msg_len - st->frags_len)
            subset = (size_t)(msg_len - st->frags_len);
    }
    bool last = msg_len != 0 && st->frags_len + subset == msg_len;
    reassembly_add(st, p, subset);
    if (last)
        reassembly_done(st, ff);
    return subset;
}

/* Dissects one chunk of handshake bytes. */
void tls_handshake_chunk(struct tls_hs_state *st, struct frame_fields *ff, const uint8_t *p,
                         size_t n, bool maybe_encrypted, bool after_ccs)
{
    size_t off = 0;
    if (st->active) {
        off = reassembly_continue(st, ff, p, n);
        if (st->active)
            return;
    } else if (looks_encrypted(p, n, maybe_encrypted, after_ccs)) {
        return;
    }
    while (off < n) {
        size_t left = n - off;
        uint64_t msg_len = left >= 4 ? 4 + (uint64_t)be24(p + off + 1) : 0;
        if (msg_len == 0 || left < msg_len) {
            reassembly_reset(st);
            st->active = true;
            reassembly_add(st, p + off, left);
            return;
        }
        message_full(ff, p + off, (size_t)msg_len);
        off += (size_t)msg_len;
    }
}

/* Frees the reassembly buffer. */
void tls_hs_state_free(struct tls_hs_state *st)
{
    free(st->buf);
    memset(st, 0, sizeof(*st));
}
