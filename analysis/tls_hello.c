/* Owns the parsing of TLS handshake messages: the walk over the messages
 * of a handshake chunk with reassembly of messages split across chunks
 * (mirroring Wireshark 4.0's dissect_tls_handshake), the heuristic that
 * calls a record encrypted, and the ClientHello server_name extension.
 * Every length read from the bytes is checked against the bytes present. */
#include "tls_hello.h"

#include "tls_fields.h"
#include "ws_text.h"

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

/* Bytes being parsed: cap of them are present (captured) at p. */
struct bytes {
    const uint8_t *p; /* The bytes. */
    size_t cap;       /* How many are present; reads past them stop the parse. */
};

/* Reads a vector length of size bytes at *off (bounded by end) the way
 * Wireshark's ssl_add_vector does: false when the length itself does not
 * fit (or was not captured); a length running past end is cut to end. */
static bool read_vector(const struct bytes *b, size_t *off, size_t end, size_t size, size_t *len)
{
    if (*off > end || end - *off < size || *off + size > b->cap) {
        *len = 0;
        return false;
    }
    size_t v = size == 1 ? b->p[*off] : be16(b->p + *off);
    *off += size;
    *len = v > end - *off ? end - *off : v;
    return true;
}

/* Records one server name of len bytes as its ENC_ASCII text. */
static void sni_name(struct frame_fields *ff, const uint8_t *name, size_t len)
{
    char small[WS_ASCII_FIELD_MAX(256)];
    char *text = len <= 256 ? small : malloc(WS_ASCII_FIELD_MAX(len));
    if (!text)
        return;
    size_t tlen = ws_ascii_field(name, len, text);
    field_add_string(ff, tls_hf_server_name, text, tlen);
    if (text != small)
        free(text);
}

/* Records the names of a server_name extension body of bytes [off, end);
 * a name not wholly captured stops it, as Wireshark throws there. */
static void sni_extension(struct frame_fields *ff, const struct bytes *b, size_t off, size_t end)
{
    size_t list_len;
    if (off == end || !read_vector(b, &off, end, 2, &list_len))
        return;
    size_t list_end = off + list_len;
    while (off < list_end) {
        off++; /* Name type: every entry is shown as a host name. */
        size_t name_len;
        if (!read_vector(b, &off, list_end, 2, &name_len) || off + name_len > b->cap)
            return;
        sni_name(ff, b->p + off, name_len);
        off += name_len;
    }
}

/* Walks the extensions of a ClientHello from off to end, recording server names. */
static void hello_extensions(struct frame_fields *ff, const struct bytes *b, size_t off, size_t end)
{
    size_t exts_len;
    if (!read_vector(b, &off, end, 2, &exts_len))
        return;
    end = off + exts_len;
    while (end - off >= 4 && off + 2 <= b->cap) {
        uint32_t type = be16(b->p + off);
        off += 2;
        size_t ext_len;
        if (!read_vector(b, &off, end, 2, &ext_len))
            return;
        if (type == 0)
            sni_extension(ff, b, off, off + ext_len);
        off += ext_len;
    }
}

/* Records the server names of a ClientHello body of len bytes, cap of them captured. */
static void client_hello_sni(struct frame_fields *ff, const uint8_t *p, size_t len, size_t cap)
{
    struct bytes b = {p, cap < len ? cap : len};
    /* client_version (2), random (32), then session_id<0..32>. */
    size_t off = 34, vlen;
    if (b.cap < off + 1)
        return;
    off += 1 + p[off];
    if (!read_vector(&b, &off, len, 2, &vlen)) /* cipher_suites */
        return;
    off += vlen;
    if (!read_vector(&b, &off, len, 1, &vlen)) /* compression_methods */
        return;
    off += vlen;
    if (off < len)
        hello_extensions(ff, &b, off, len);
}

/* Records the server names of a ClientHello body. */
void tls_client_hello_sni(struct frame_fields *ff, const uint8_t *p, size_t len)
{
    client_hello_sni(ff, p, len, len);
}

/* Scans a ServerHello body of len bytes (cap of them captured) for the
 * version it selects, as Wireshark's tls_scan_server_hello does: its
 * supported_versions extension, else its legacy version field.  Returns
 * the version, or -1 when the scan reads past the captured bytes (Wireshark
 * throws before recording the message's type). */
static int32_t server_hello_version(const uint8_t *p, size_t len, size_t cap)
{
    if (cap < 2)
        return -1;
    int32_t version = (int32_t)be16(p);
    if (len < 35 + 5 + 6 || len > 0xffff)
        return version;
    if (cap < 35)
        return -1;
    size_t off = 35 + (size_t)p[34];
    if (off + 5 > len)
        return version;
    off += 5; /* Cipher suite, compression method, extensions length. */
    while (len - off >= 6) {
        if (off + 4 > cap)
            return -1;
        uint32_t type = be16(p + off), ext_len = be16(p + off + 2);
        if (len - off < 4 + (size_t)ext_len)
            break;
        if (type == 43 && ext_len == 2)
            return off + 6 > cap ? -1 : (int32_t)be16(p + off + 4);
        off += 4 + ext_len;
    }
    return version;
}

/* Returns true when a protocol version means TLS 1.3 to Wireshark (the
 * final version, IETF drafts 0x7fXX, Facebook's drafts 0xfb17/0xfb1a). */
static bool version_is_tls13(uint32_t v)
{
    return v == 0x0304 || (v & 0xff00) == 0x7f00 || v == 0xfb17 || v == 0xfb1a;
}

/* Returns true when Wireshark's ssl_try_set_version accepts a version. */
static bool version_known(uint32_t v)
{
    return (v >= 0x0300 && v <= 0x0303) || v == 0x0101 || version_is_tls13(v);
}

/* Records a handshake message's type and length from its 4-byte header. */
static void tls_type_and_length(struct frame_fields *ff, const uint8_t *head)
{
    field_add_uint(ff, tls_hf_handshake_type, head[0]);
    tls_message_fields(NULL, ff, head, 4, 4);
}

/* Records one complete handshake message of len bytes (header included),
 * avail bytes of the chunk being left from its start (what Wireshark could
 * read before throwing); returns enum tls_chunk_flags bits. */
static int message_full(struct tls_hs_state *st, struct frame_fields *ff, const uint8_t *m,
                        size_t len, size_t avail, bool first)
{
    int flags = 0;
    if (first && m[0] == 2 && len > 4 + 2) {
        int32_t v = server_hello_version(m + 4, len - 4, len - 4);
        if (v > 0 && version_known((uint32_t)v))
            flags |= version_is_tls13((uint32_t)v) ? TLS_CHUNK_SH_TLS13 : TLS_CHUNK_SH_OTHER;
    }
    if (!tls_handshake_type_known(m[0]))
        return flags;
    field_add_uint(ff, tls_hf_handshake_type, m[0]);
    tls_message_fields(&st->session, ff, m, len, avail);
    /* A ClientHello's version, random and session ID are read without
     * bounds: past the end of the bytes at hand, Wireshark throws. */
    if (m[0] == 1 && (avail < 4 + 35 || avail < 4 + 35 + (size_t)m[4 + 34]))
        return flags | TLS_CHUNK_ABORT;
    return flags;
}

/* What Wireshark's is_encrypted_handshake_message makes of a chunk. */
enum enc_verdict {
    PLAINTEXT = 0, /* Parse its messages. */
    ENCRYPTED,     /* Show it as an encrypted message: nothing to record. */
    THROWS,        /* A read past the captured bytes: the frame's TLS stops. */
};

/* Judges a chunk of n bytes (cap of them captured) that starts a new message. */
static enum enc_verdict looks_encrypted(const uint8_t *p, size_t cap, size_t n,
                                        bool maybe_encrypted, bool after_ccs)
{
    if (n < 16)
        return PLAINTEXT;
    bool enc = false;
    if (maybe_encrypted) {
        if (cap < 5)
            return THROWS;
        enc = memcmp(p, "\0\0\0\0\0", 5) == 0; /* An explicit GCM nonce of zero. */
        if (!enc)
            enc = after_ccs;
    }
    if (!enc) {
        if (cap < 4)
            return THROWS;
        enc = !tls_handshake_type_known(p[0]) || be24(p + 1) >= 0x10000;
    }
    return enc ? ENCRYPTED : PLAINTEXT;
}

/* Forgets the message in progress, keeping the buffer's memory. */
static void reassembly_reset(struct tls_hs_state *st)
{
    st->active = false;
    st->overflow = false;
    st->frags_len = 0;
    st->buf_len = 0;
}

/* Adds n bytes of the message in progress; only the bytes of the messages
 * whose fields are recorded (hellos, certificates) are kept. */
static void reassembly_add(struct tls_hs_state *st, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    for (size_t i = 0; i < n && st->frags_len + i < 4; i++)
        st->head[st->frags_len + i] = p[i];
    st->frags_len += (uint32_t)n;
    if (st->overflow || (st->head[0] != 1 && st->head[0] != 2 && st->head[0] != 11))
        return; /* Other messages need just their type. */
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

/* Records a message completed by reassembly; returns enum tls_chunk_flags bits. */
static int reassembly_done(struct tls_hs_state *st, struct frame_fields *ff)
{
    uint32_t msg_len = 4 + be24(st->head + 1);
    int flags = 0;
    if (!st->overflow && st->buf_len == msg_len)
        flags = message_full(st, ff, st->buf, msg_len, msg_len, true);
    else if (tls_handshake_type_known(st->head[0]))
        tls_type_and_length(ff, st->head);
    reassembly_reset(st);
    return flags;
}

/* Continues the message in progress with a chunk; sets *used to the bytes
 * it took and returns enum tls_chunk_flags bits. */
static int reassembly_continue(struct tls_hs_state *st, struct frame_fields *ff, const uint8_t *p,
                               size_t n, size_t *used)
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
    *used = subset;
    return last ? reassembly_done(st, ff) : 0;
}

/* Records a message the captured bytes end in (a snaplen cut): its type,
 * and a ClientHello's names as far as captured; Wireshark then throws. */
static int message_cut(struct frame_fields *ff, const uint8_t *m, size_t len, size_t cap,
                       bool first)
{
    int flags = TLS_CHUNK_ABORT;
    if (first && m[0] == 2 && len > 4 + 2) {
        int32_t v = server_hello_version(m + 4, len - 4, cap - 4);
        if (v < 0)
            return flags;
        if (version_known((uint32_t)v))
            flags |= version_is_tls13((uint32_t)v) ? TLS_CHUNK_SH_TLS13 : TLS_CHUNK_SH_OTHER;
    }
    if (tls_handshake_type_known(m[0]))
        field_add_uint(ff, tls_hf_handshake_type, m[0]);
    if (m[0] == 1 && fields_want(ff, tls_hf_server_name))
        client_hello_sni(ff, m + 4, len - 4, cap - 4);
    return flags;
}

/* Dissects n bytes of handshake chunk of which the first cap are present. */
static int chunk(struct tls_hs_state *st, struct frame_fields *ff, const uint8_t *p, size_t cap,
                 size_t n, bool maybe_encrypted, bool after_ccs)
{
    size_t off = 0;
    int flags = 0;
    bool first = true;
    if (st->active && cap < n) {
        reassembly_reset(st); /* Wireshark gives a reassembly up at missing bytes. */
    } else if (st->active) {
        flags = reassembly_continue(st, ff, p, n, &off);
        if (st->active || (flags & TLS_CHUNK_ABORT))
            return flags;
        first = false;
    }
    if (off == 0) {
        enum enc_verdict v = looks_encrypted(p, cap, n, maybe_encrypted, after_ccs);
        if (v != PLAINTEXT)
            return v == THROWS ? TLS_CHUNK_ABORT : 0;
    }
    while (off < n) {
        size_t left = n - off;
        if (left >= 4 && cap - off < 4)
            return flags | TLS_CHUNK_ABORT;
        uint64_t msg_len = left >= 4 ? 4 + (uint64_t)be24(p + off + 1) : 0;
        if (msg_len == 0 || left < msg_len) {
            if (cap < n)
                return flags | TLS_CHUNK_ABORT; /* Saving the fragment reads missing bytes. */
            reassembly_reset(st);
            st->active = true;
            reassembly_add(st, p + off, left);
            return flags;
        }
        if (off + msg_len > cap)
            return flags | message_cut(ff, p + off, (size_t)msg_len, cap - off, first);
        flags |= message_full(st, ff, p + off, (size_t)msg_len, left, first);
        if (flags & TLS_CHUNK_ABORT)
            return flags;
        off += (size_t)msg_len;
        first = false;
    }
    return flags;
}

/* Dissects one chunk of handshake bytes. */
int tls_handshake_chunk(struct tls_hs_state *st, struct frame_fields *ff, const uint8_t *p,
                        size_t n, bool maybe_encrypted, bool after_ccs)
{
    return chunk(st, ff, p, n, n, maybe_encrypted, after_ccs);
}

/* Dissects a handshake record body cut by the snaplen. */
int tls_handshake_chunk_cut(struct tls_hs_state *st, struct frame_fields *ff, const uint8_t *p,
                            size_t cap, size_t n, bool after_ccs)
{
    return chunk(st, ff, p, cap < n ? cap : n, n, true, after_ccs);
}

/* Frees the reassembly buffer. */
void tls_hs_state_free(struct tls_hs_state *st)
{
    free(st->buf);
    memset(st, 0, sizeof(*st));
}
