/* Owns the fields of TLS ClientHello and ServerHello messages (version,
 * random, session ID, cipher suites, compression methods, extensions and
 * the JA3/JA3S fingerprints) and of Certificate messages (each
 * certificate's bytes, its X.509 fields through dissectors/x509.c) as
 * Wireshark 4.0's TLS dissector records them, for TLS over TCP and QUIC's CRYPTO stream alike.
 * Extensions Wireshark decodes show their own fields (those registered here) or none; the others
 * show their bytes as tls.handshake.extension.data. */
#include "tls_fields.h"

#include "tls_hello.h"

#include "dissectors/x509.h"

#include "ws_text.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields (registered by tls_fields_register()). */
static int hf_length, hf_version, hf_random, hf_session_id_length, hf_session_id,
    hf_cipher_suites_length, hf_ciphersuites, hf_ciphersuite, hf_comp_methods_length,
    hf_comp_methods, hf_comp_method, hf_extensions_length, hf_ext_type, hf_ext_len, hf_ext_data,
    hf_sni_list_len, hf_sni_type, hf_sni_len, hf_status_type, hf_status_responder_ids_len,
    hf_status_exts_len, hf_groups_length, hf_groups, hf_group, hf_ecpf_length, hf_ecpfs, hf_ecpf,
    hf_sig_len, hf_sigs, hf_sig, hf_sig_hash, hf_sig_sig, hf_alpn_len, hf_alpn_list,
    hf_alpn_str_len, hf_alpn_str, hf_versions_len, hf_supported_version, hf_ks_client_length,
    hf_ks_group, hf_ks_kx_length, hf_ks_kx, hf_psk_modes_length, hf_psk_mode,
    hf_compress_algorithms_length, hf_compress_algorithm, hf_ja3_full, hf_ja3, hf_ja3s_full,
    hf_ja3s, hf_certificates_length, hf_certificate_length, hf_certificate;

/* The protocol the fields belong to (TLS). */
static int fields_proto;

/* Bytes of one message body: its vectors end at len, its fixed fields
 * may be read up to avail (Wireshark reads those within the record). */
struct hello {
    const uint8_t *p; /* The body (after the 4-byte message header). */
    size_t len;       /* Its length. */
    size_t avail;     /* Bytes readable from p. */
};

/* Reads a big-endian 16-bit value. */
static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

/* Returns true for the GREASE values (RFC 8701) JA3 leaves out. */
static bool grease(uint32_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* A JA3 string being built (cut when it would overflow). */
struct ja3 {
    char s[4096]; /* The text. */
    size_t n;     /* Its length. */
};

/* Appends a separator to a JA3 string. */
static void ja3_sep(struct ja3 *j, char c)
{
    if (j->n + 1 < sizeof(j->s))
        j->s[j->n++] = c;
}

/* Appends formatted text to a JA3 string. */
static void ja3_add(struct ja3 *j, const char *sep, uint32_t v)
{
    if (j->n < sizeof(j->s))
        j->n += (size_t)snprintf(j->s + j->n, sizeof(j->s) - j->n, "%s%u", sep, v);
    if (j->n > sizeof(j->s) - 1)
        j->n = sizeof(j->s) - 1;
}

/* Records a JA3 string and its MD5 digest in hex. */
static void ja3_record(struct frame_fields *ff, int hf_full, int hf_hash, const struct ja3 *j)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    field_add_string(ff, hf_full, j->s, j->n);
    if (!fields_want(ff, hf_hash) || !EVP_Digest(j->s, j->n, md, &mdlen, EVP_md5(), NULL))
        return;
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    field_add_string(ff, hf_hash, hex, 2 * (size_t)mdlen);
}

/* Records a list of 16-bit values (length field of lsize bytes, then the
 * values) at [off, end): the length under hf_len, the list's presence
 * under hf_list (when not 0), each value under hf_item, and each
 * non-GREASE value in *j (when not NULL) after sep; false when the length
 * does not fit. */
static bool list16(struct frame_fields *ff, const struct hello *h, size_t off, size_t end,
                   size_t lsize, int hf_len, int hf_list, int hf_item, struct ja3 *j)
{
    if (off + lsize > end)
        return false;
    size_t n = lsize == 1 ? h->p[off] : get16(h->p + off);
    field_add_uint(ff, hf_len, n);
    off += lsize;
    if (off + n > end)
        return false;
    if (hf_list)
        field_add_present(ff, hf_list);
    const char *sep = "";
    for (size_t i = 0; i + 2 <= n; i += 2) {
        uint32_t v = get16(h->p + off + i);
        field_add_uint(ff, hf_item, v);
        if (j && !grease(v)) {
            ja3_add(j, sep, v);
            sep = "-";
        }
    }
    return true;
}

/* Records a server_name extension's list at [off, end). */
static void ext_sni(struct frame_fields *ff, const struct hello *h, size_t off, size_t end)
{
    char text[WS_ASCII_FIELD_MAX(255)];
    if (off + 2 > end)
        return;
    size_t list_end = off + 2 + get16(h->p + off);
    field_add_uint(ff, hf_sni_list_len, get16(h->p + off));
    off += 2;
    if (list_end > end)
        list_end = end;
    while (off + 3 <= list_end) {
        size_t n = get16(h->p + off + 1);
        field_add_uint(ff, hf_sni_type, h->p[off]);
        field_add_uint(ff, hf_sni_len, n);
        off += 3;
        if (off + n > list_end)
            return;
        size_t m = n < 255 ? n : 255;
        if (fields_want(ff, tls_hf_server_name))
            field_add_string(ff, tls_hf_server_name, text, ws_ascii_field(h->p + off, m, text));
        off += n;
    }
}

/* Records an ALPN extension's protocols at [off, end). */
static void ext_alpn(struct frame_fields *ff, const struct hello *h, size_t off, size_t end)
{
    char text[WS_ASCII_FIELD_MAX(255)];
    if (off + 2 > end)
        return;
    size_t list_end = off + 2 + get16(h->p + off);
    field_add_uint(ff, hf_alpn_len, get16(h->p + off));
    field_add_present(ff, hf_alpn_list);
    off += 2;
    if (list_end > end)
        list_end = end;
    while (off < list_end) {
        size_t n = h->p[off];
        field_add_uint(ff, hf_alpn_str_len, n);
        if (off + 1 + n > list_end)
            return;
        field_add_string(ff, hf_alpn_str, text, ws_ascii_field(h->p + off + 1, n, text));
        off += 1 + n;
    }
}

/* Records a signature_algorithms extension at [off, end). */
static void ext_sig_algs(struct frame_fields *ff, const struct hello *h, size_t off, size_t end)
{
    if (off + 2 > end)
        return;
    size_t n = get16(h->p + off);
    field_add_uint(ff, hf_sig_len, n);
    off += 2;
    if (off + n > end)
        return;
    field_add_present(ff, hf_sigs);
    for (size_t i = 0; i + 2 <= n; i += 2) {
        field_add_uint(ff, hf_sig, get16(h->p + off + i));
        field_add_uint(ff, hf_sig_hash, h->p[off + i]);
        field_add_uint(ff, hf_sig_sig, h->p[off + i + 1]);
    }
}

/* Records one key share entry at *off (bounded by end); false when it does not fit. */
static bool key_share_entry(struct frame_fields *ff, const struct hello *h, size_t *off, size_t end)
{
    if (*off + 4 > end)
        return false;
    size_t n = get16(h->p + *off + 2);
    field_add_uint(ff, hf_ks_group, get16(h->p + *off));
    field_add_uint(ff, hf_ks_kx_length, n);
    *off += 4;
    if (*off + n > end)
        return false;
    if (n > 0)
        field_add_bytes(ff, hf_ks_kx, h->p + *off, n);
    *off += n;
    return true;
}

/* Records a key_share extension at [off, end). */
static void ext_key_share(struct frame_fields *ff, const struct hello *h, size_t off, size_t end,
                          bool client)
{
    if (!client) {
        key_share_entry(ff, h, &off, end);
        return;
    }
    if (off + 2 > end)
        return;
    size_t list_end = off + 2 + get16(h->p + off);
    field_add_uint(ff, hf_ks_client_length, get16(h->p + off));
    off += 2;
    if (list_end > end)
        list_end = end;
    while (off < list_end && key_share_entry(ff, h, &off, list_end))
        ;
}

/* Records an ec_point_formats extension at [off, end), into *j too. */
static void ext_ec_point_formats(struct frame_fields *ff, const struct hello *h, size_t off,
                                 size_t end, struct ja3 *j)
{
    if (off + 1 > end)
        return;
    size_t n = h->p[off];
    field_add_uint(ff, hf_ecpf_length, n);
    off += 1;
    if (off + n > end)
        return;
    field_add_present(ff, hf_ecpfs);
    for (size_t i = 0; i < n; i++) {
        field_add_uint(ff, hf_ecpf, h->p[off + i]);
        if (j)
            ja3_add(j, i ? "-" : "", h->p[off + i]);
    }
}

/* Records a list of 8-bit values with a 1-byte length at [off, end). */
static void list8(struct frame_fields *ff, const struct hello *h, size_t off, size_t end,
                  int hf_len, int hf_item)
{
    if (off + 1 > end)
        return;
    size_t n = h->p[off];
    field_add_uint(ff, hf_len, n);
    for (size_t i = 0; i < n && off + 1 + i < end; i++)
        field_add_uint(ff, hf_item, h->p[off + 1 + i]);
}

/* Returns true for the extension types Wireshark 4.0 decodes in a hello
 * (those it does not show as bytes). */
static bool ext_decoded(uint32_t type)
{
    static const uint16_t decoded[] = {0,  1,  5,  9,  10, 11, 12, 13, 14, 15, 16, 17,
                                       18, 19, 20, 21, 22, 23, 27, 28, 34, 40, 41, 42,
                                       43, 44, 45, 46, 47, 48, 49, 50, 51, 53, 54, 57};
    for (size_t i = 0; i < sizeof(decoded) / sizeof(decoded[0]); i++)
        if (decoded[i] == type)
            return true;
    return type == 13172 || type == 17513 || type == 65281 || type == 0xffa5;
}

/* The JA3 parts an extension list fills. */
struct ja3_parts {
    struct ja3 exts;   /* Extension types. */
    struct ja3 groups; /* Supported groups. */
    struct ja3 ecpf;   /* EC point formats. */
};

/* Records one extension of type at [off, end) of a hello (client or server). */
static void extension(struct frame_fields *ff, const struct hello *h, uint32_t type, size_t off,
                      size_t end, bool client, struct ja3_parts *jp)
{
    switch (type) {
    case 0:
        ext_sni(ff, h, off, end);
        break;
    case 5:
        if (client && off + 5 <= end) {
            field_add_uint(ff, hf_status_type, h->p[off]);
            field_add_uint(ff, hf_status_responder_ids_len, get16(h->p + off + 1));
            field_add_uint(ff, hf_status_exts_len, get16(h->p + off + 3));
        }
        break;
    case 10:
        list16(ff, h, off, end, 2, hf_groups_length, hf_groups, hf_group, jp ? &jp->groups : NULL);
        break;
    case 11:
        ext_ec_point_formats(ff, h, off, end, jp ? &jp->ecpf : NULL);
        break;
    case 13:
        ext_sig_algs(ff, h, off, end);
        break;
    case 16:
        ext_alpn(ff, h, off, end);
        break;
    case 27:
        list16(ff, h, off, end, 1, hf_compress_algorithms_length, 0, hf_compress_algorithm, NULL);
        break;
    case 43:
        if (client)
            list16(ff, h, off, end, 1, hf_versions_len, 0, hf_supported_version, NULL);
        else if (off + 2 <= end)
            field_add_uint(ff, hf_supported_version, get16(h->p + off));
        break;
    case 45:
        list8(ff, h, off, end, hf_psk_modes_length, hf_psk_mode);
        break;
    case 51:
        ext_key_share(ff, h, off, end, client);
        break;
    default:
        if (!ext_decoded(type)) {
            if (end > off)
                field_add_bytes(ff, hf_ext_data, h->p + off, end - off);
            else
                field_add_missing(ff, hf_ext_data);
        }
        break;
    }
}

/* Records the extensions from off to the end of a hello, filling *jp. */
static void extensions(struct frame_fields *ff, const struct hello *h, size_t off, bool client,
                       struct ja3_parts *jp)
{
    if (off + 2 > h->len)
        return;
    size_t end = off + 2 + get16(h->p + off);
    field_add_uint(ff, hf_extensions_length, get16(h->p + off));
    off += 2;
    if (end > h->len)
        end = h->len;
    const char *sep = "";
    while (off + 4 <= end) {
        uint32_t type = get16(h->p + off), len = get16(h->p + off + 2);
        field_add_uint(ff, hf_ext_type, type);
        field_add_uint(ff, hf_ext_len, len);
        off += 4;
        size_t ext_end = off + len > end ? end : off + len;
        extension(ff, h, type, off, ext_end, client, jp);
        if (!grease(type)) {
            ja3_add(&jp->exts, sep, type);
            sep = "-";
        }
        off = ext_end;
    }
}

/* Records version, random and session ID; returns the offset after them,
 * or 0 when a read past the readable bytes stops the message. */
static size_t hello_start(struct frame_fields *ff, const struct hello *h)
{
    if (h->avail < 2)
        return 0;
    field_add_uint(ff, hf_version, get16(h->p));
    if (h->avail < 35)
        return 0;
    size_t sid = h->p[34];
    field_add_bytes(ff, hf_random, h->p + 2, 32);
    field_add_uint(ff, hf_session_id_length, sid);
    if (35 + sid > h->avail)
        return 0;
    if (sid > 0)
        field_add_bytes(ff, hf_session_id, h->p + 35, sid);
    return 35 + sid > h->len ? 0 : 35 + sid;
}

/* Records a ClientHello body. */
static void client_hello(struct frame_fields *ff, const struct hello *h)
{
    struct ja3_parts *jp = calloc(1, sizeof(*jp));
    struct ja3 *full = calloc(1, sizeof(*full));
    size_t off = hello_start(ff, h);
    if (!jp || !full || off == 0 || off + 2 > h->len)
        goto out;
    ja3_add(full, "", get16(h->p));
    ja3_sep(full, ',');
    size_t n = get16(h->p + off);
    field_add_uint(ff, hf_cipher_suites_length, n);
    off += 2;
    if (off + n > h->len)
        goto out;
    field_add_present(ff, hf_ciphersuites);
    const char *sep = "";
    for (size_t i = 0; i + 2 <= n; i += 2) {
        uint32_t v = get16(h->p + off + i);
        field_add_uint(ff, hf_ciphersuite, v);
        if (!grease(v)) {
            ja3_add(full, sep, v);
            sep = "-";
        }
    }
    off += n;
    if (off + 1 > h->len || off + 1 + h->p[off] > h->len)
        goto out;
    n = h->p[off];
    field_add_uint(ff, hf_comp_methods_length, n);
    field_add_present(ff, hf_comp_methods);
    for (size_t i = 0; i < n; i++)
        field_add_uint(ff, hf_comp_method, h->p[off + 1 + i]);
    off += 1 + n;
    extensions(ff, h, off, true, jp);
    if (fields_want(ff, hf_ja3_full) || fields_want(ff, hf_ja3)) {
        const struct ja3 *parts[] = {&jp->exts, &jp->groups, &jp->ecpf};
        for (size_t i = 0; i < 3; i++) {
            ja3_sep(full, ',');
            for (size_t k = 0; k < parts[i]->n; k++)
                ja3_sep(full, parts[i]->s[k]);
        }
        ja3_record(ff, hf_ja3_full, hf_ja3, full);
    }
out:
    free(jp);
    free(full);
}

/* Records a ServerHello body. */
static void server_hello(struct frame_fields *ff, const struct hello *h)
{
    struct ja3_parts *jp = calloc(1, sizeof(*jp));
    size_t off = hello_start(ff, h);
    if (!jp || off == 0 || off + 3 > h->len) {
        free(jp);
        return;
    }
    uint32_t suite = get16(h->p + off);
    field_add_uint(ff, hf_ciphersuite, suite);
    field_add_uint(ff, hf_comp_method, h->p[off + 2]);
    off += 3;
    extensions(ff, h, off, false, jp);
    if (fields_want(ff, hf_ja3s_full) || fields_want(ff, hf_ja3s)) {
        struct ja3 *full = &jp->groups; /* Unused by a ServerHello: its room holds JA3S. */
        full->n = 0;
        ja3_add(full, "", get16(h->p));
        ja3_add(full, ",", suite);
        ja3_sep(full, ',');
        for (size_t k = 0; k < jp->exts.n; k++)
            ja3_sep(full, jp->exts.s[k]);
        ja3_record(ff, hf_ja3s_full, hf_ja3s, full);
    }
    free(jp);
}

/* Returns true for the ECDHE cipher suites (ServerKeyExchange: a named
 * curve, a point, then the signature). */
static bool suite_ecdhe(uint32_t s)
{
    return (s >= 0xc006 && s <= 0xc00a) || (s >= 0xc010 && s <= 0xc014) ||
           (s >= 0xc023 && s <= 0xc028) || (s >= 0xc02b && s <= 0xc030) || s == 0xcca8 ||
           s == 0xcca9 || (s >= 0xc0ac && s <= 0xc0af) || s == 0xc072 || s == 0xc073 ||
           s == 0xc076 || s == 0xc077;
}

/* Returns true for the common DHE cipher suites (ServerKeyExchange: p, g
 * and Ys, then the signature). */
static bool suite_dhe(uint32_t s)
{
    static const uint16_t dhe[] = {0x0032, 0x0033, 0x0038, 0x0039, 0x0040, 0x0044,
                                   0x0045, 0x0067, 0x006a, 0x006b, 0x0087, 0x0088,
                                   0x009e, 0x009f, 0x00a2, 0x00a3, 0xccaa};
    for (size_t i = 0; i < sizeof(dhe) / sizeof(dhe[0]); i++)
        if (dhe[i] == s)
            return true;
    return false;
}

/* Records a signature algorithm at off when readable. */
static void signature_algorithm(struct frame_fields *ff, const struct hello *h, size_t off)
{
    if (off + 2 > h->avail)
        return;
    field_add_uint(ff, hf_sig, get16(h->p + off));
    field_add_uint(ff, hf_sig_hash, h->p[off]);
    field_add_uint(ff, hf_sig_sig, h->p[off + 1]);
}

/* Records the signature algorithm of a ServerKeyExchange (TLS 1.2, an
 * ECDHE or DHE suite chosen by the ServerHello). */
static void server_key_exchange(struct frame_fields *ff, const struct hello *h,
                                const struct tls_session *ss)
{
    size_t off = 0;
    if (!ss || ss->version < 0x0303)
        return;
    if (suite_ecdhe(ss->cipher)) {
        if (h->len < 4 || h->p[0] != 3)
            return;
        off = 4 + (size_t)h->p[3];
    } else if (suite_dhe(ss->cipher)) {
        for (int i = 0; i < 3; i++) {
            if (off + 2 > h->len)
                return;
            off += 2 + get16(h->p + off);
        }
    } else {
        return;
    }
    if (off + 2 <= h->len)
        signature_algorithm(ff, h, off);
}

/* Records the fields of a complete handshake message. */
/* Reads a big-endian 24-bit value. */
static size_t get24(const uint8_t *p)
{
    return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

/* Records a Certificate message of TLS 1.2 and before: the list's length,
 * then each certificate's length, bytes and X.509 fields. */
static void certificate_message(struct frame_fields *ff, const struct hello *h)
{
    if (h->len < 3)
        return;
    size_t end = 3 + get24(h->p);
    field_add_uint(ff, hf_certificates_length, get24(h->p));
    if (end > h->len)
        end = h->len;
    for (size_t off = 3; off + 3 <= end;) {
        size_t n = get24(h->p + off);
        field_add_uint(ff, hf_certificate_length, n);
        off += 3;
        if (n > end - off)
            return;
        field_add_bytes(ff, hf_certificate, h->p + off, n);
        x509_certificate_fields(ff, h->p + off, n);
        off += n;
    }
}

void tls_message_fields(struct tls_session *session, struct frame_fields *ff, const uint8_t *m,
                        size_t len, size_t avail)
{
    if (!ff || len < 4)
        return;
    field_add_uint(ff, hf_length, (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3]);
    struct hello h = {m + 4, len - 4, avail - 4};
    switch (m[0]) {
    case 1:
        client_hello(ff, &h);
        break;
    case 2:
        server_hello(ff, &h);
        if (session && h.len >= 35 && 35 + (size_t)h.p[34] + 2 <= h.len) {
            session->version = (uint16_t)get16(h.p);
            session->cipher = (uint16_t)get16(h.p + 35 + h.p[34]);
        }
        break;
    case 11:
        certificate_message(ff, &h);
        break;
    case 12:
        server_key_exchange(ff, &h, session);
        break;
    case 15: /* CertificateVerify: the algorithm, read even from what follows. */
        signature_algorithm(ff, &h, 0);
        break;
    case 22: /* CertificateStatus. */
        if (h.avail >= 1)
            field_add_uint(ff, hf_status_type, h.p[0]);
        break;
    case 25: /* CompressedCertificate. */
        if (h.avail >= 2)
            field_add_uint(ff, hf_compress_algorithm, get16(h.p));
        break;
    default:
        break;
    }
}

/* Records the fields of an SSLv2 ClientHello of n bytes at p (its
 * 2-byte record header included) that Wireshark shows under TLS names. */
void tls_v2_hello_fields(struct frame_fields *ff, const uint8_t *p, size_t n)
{
    if (n < 11)
        return;
    field_add_uint(ff, hf_version, get16(p + 3));
    field_add_uint(ff, hf_session_id_length, get16(p + 7));
    field_add_present(ff, hf_ciphersuites);
}

/* Returns true when ff wants a hello field (so that hellos must be parsed). */
bool tls_hello_fields_wanted(const struct frame_fields *ff)
{
    return (fields_want_proto(ff, fields_proto) &&
            fields_want_range(ff, hf_length, hf_certificate)) ||
           x509_fields_wanted(ff);
}

/* Registers the hello fields under protocol proto (TLS). */
void tls_fields_register(int proto)
{
    static const struct field_reg hf[] = {
        HF(&hf_length, "tls.handshake.length", "Length", FT_UINT24, BASE_DEC, 0, NULL),
        HF(&hf_version, "tls.handshake.version", "Version", FT_UINT16, BASE_HEX, 0, NULL),
        HF(&hf_random, "tls.handshake.random", "Random", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_session_id_length, "tls.handshake.session_id_length", "Session ID Length", FT_UINT16,
           BASE_DEC, 0, NULL),
        HF(&hf_session_id, "tls.handshake.session_id", "Session ID", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_cipher_suites_length, "tls.handshake.cipher_suites_length", "Cipher Suites Length",
           FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_ciphersuites, "tls.handshake.ciphersuites", "Cipher Suites", FT_NONE, BASE_NONE, 0,
           NULL),
        HF(&hf_ciphersuite, "tls.handshake.ciphersuite", "Cipher Suite", FT_UINT16, BASE_HEX, 0,
           NULL),
        HF(&hf_comp_methods_length, "tls.handshake.comp_methods_length",
           "Compression Methods Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_comp_methods, "tls.handshake.comp_methods", "Compression Methods", FT_NONE,
           BASE_NONE, 0, NULL),
        HF(&hf_comp_method, "tls.handshake.comp_method", "Compression Method", FT_UINT8, BASE_DEC,
           0, NULL),
        HF(&hf_extensions_length, "tls.handshake.extensions_length", "Extensions Length", FT_UINT16,
           BASE_DEC, 0, NULL),
        HF(&hf_ext_type, "tls.handshake.extension.type", "Type", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_ext_len, "tls.handshake.extension.len", "Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_ext_data, "tls.handshake.extension.data", "Data", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_sni_list_len, "tls.handshake.extensions_server_name_list_len",
           "Server Name list length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_sni_type, "tls.handshake.extensions_server_name_type", "Server Name Type", FT_UINT8,
           BASE_DEC, 0, NULL),
        HF(&hf_sni_len, "tls.handshake.extensions_server_name_len", "Server Name length", FT_UINT16,
           BASE_DEC, 0, NULL),
        HF(&hf_status_type, "tls.handshake.extensions_status_request_type",
           "Certificate Status Type", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_status_responder_ids_len,
           "tls.handshake.extensions_status_request_responder_ids_len", "Responder ID list Length",
           FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_status_exts_len, "tls.handshake.extensions_status_request_exts_len",
           "Request Extensions Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_groups_length, "tls.handshake.extensions_supported_groups_length",
           "Supported Groups List Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_groups, "tls.handshake.extensions_supported_groups", "Supported Groups List",
           FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_group, "tls.handshake.extensions_supported_group", "Supported Group", FT_UINT16,
           BASE_HEX, 0, NULL),
        HF(&hf_ecpf_length, "tls.handshake.extensions_ec_point_formats_length",
           "EC point formats Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_ecpfs, "tls.handshake.extensions_ec_point_formats", "EC point formats", FT_NONE,
           BASE_NONE, 0, NULL),
        HF(&hf_ecpf, "tls.handshake.extensions_ec_point_format", "EC point format", FT_UINT8,
           BASE_DEC, 0, NULL),
        HF(&hf_sig_len, "tls.handshake.sig_hash_alg_len", "Signature Hash Algorithms Length",
           FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_sigs, "tls.handshake.sig_hash_algs", "Signature Algorithms", FT_NONE, BASE_NONE, 0,
           NULL),
        HF(&hf_sig, "tls.handshake.sig_hash_alg", "Signature Algorithm", FT_UINT16, BASE_HEX, 0,
           NULL),
        HF(&hf_sig_hash, "tls.handshake.sig_hash_hash", "Signature Hash Algorithm Hash", FT_UINT8,
           BASE_DEC, 0, NULL),
        HF(&hf_sig_sig, "tls.handshake.sig_hash_sig", "Signature Hash Algorithm Signature",
           FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_alpn_len, "tls.handshake.extensions_alpn_len", "ALPN Extension Length", FT_UINT16,
           BASE_DEC, 0, NULL),
        HF(&hf_alpn_list, "tls.handshake.extensions_alpn_list", "ALPN Protocol", FT_NONE, BASE_NONE,
           0, NULL),
        HF(&hf_alpn_str_len, "tls.handshake.extensions_alpn_str_len", "ALPN string length",
           FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_alpn_str, "tls.handshake.extensions_alpn_str", "ALPN Next Protocol", FT_STRING,
           BASE_NONE, 0, NULL),
        HF(&hf_versions_len, "tls.handshake.extensions.supported_versions_len",
           "Supported Versions length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_supported_version, "tls.handshake.extensions.supported_version", "Supported Version",
           FT_UINT16, BASE_HEX, 0, NULL),
        HF(&hf_ks_client_length, "tls.handshake.extensions_key_share_client_length",
           "Client Key Share Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_ks_group, "tls.handshake.extensions_key_share_group", "Group", FT_UINT16, BASE_DEC,
           0, NULL),
        HF(&hf_ks_kx_length, "tls.handshake.extensions_key_share_key_exchange_length",
           "Key Exchange Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_ks_kx, "tls.handshake.extensions_key_share_key_exchange", "Key Exchange", FT_BYTES,
           BASE_NONE, 0, NULL),
        HF(&hf_psk_modes_length, "tls.extension.psk_ke_modes_length",
           "PSK Key Exchange Modes Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_psk_mode, "tls.extension.psk_ke_mode", "PSK Key Exchange Mode", FT_UINT8, BASE_DEC,
           0, NULL),
        HF(&hf_compress_algorithms_length, "tls.compress_certificate.algorithms_length",
           "Algorithms Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_compress_algorithm, "tls.compress_certificate.algorithm", "Algorithm", FT_UINT16,
           BASE_DEC, 0, NULL),
        HF(&hf_ja3_full, "tls.handshake.ja3_full", "JA3 Fullstring", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_ja3, "tls.handshake.ja3", "JA3", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_ja3s_full, "tls.handshake.ja3s_full", "JA3S Fullstring", FT_STRING, BASE_NONE, 0,
           NULL),
        HF(&hf_ja3s, "tls.handshake.ja3s", "JA3S", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_certificates_length, "tls.handshake.certificates_length", "Certificates Length",
           FT_UINT24, BASE_DEC, 0, NULL),
        HF(&hf_certificate_length, "tls.handshake.certificate_length", "Certificate Length",
           FT_UINT24, BASE_DEC, 0, NULL),
        HF(&hf_certificate, "tls.handshake.certificate", "Certificate", FT_BYTES, BASE_NONE, 0,
           NULL),
    };
    registry_fields(proto, hf, ARRAY_COUNT(hf));
    fields_proto = proto;
}
