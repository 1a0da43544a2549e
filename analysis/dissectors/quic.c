/* Owns QUIC on UDP port 443 and, by Wireshark's heuristic, on any port
 * (the connection a long header starts is expected by UDP, its short
 * headers included): one "quic" node per coalesced packet, and
 * the per-packet fields of QUIC datagrams (quic.version, and the TLS
 * handshake types, server names and "tls" presence of decrypted Initial
 * packets) and the per-connection state they need: connections tracked by
 * connection ID the way Wireshark 4.0 tracks them, Initial keys derived
 * from the client's first Destination Connection ID, and the CRYPTO stream
 * of each direction reassembled across packets and datagrams, out-of-order
 * offsets included.  The summary pass (no fields) never gets here. */
#include "dissect_internal.h"
#include "dissectors/list.h"
#include "dissectors/udp.h"
#include "hash_table.h"
#include "quic_initial.h"
#include "tls_fields.h"
#include "tls_hello.h"

#include <stdlib.h>
#include <string.h>

/* Most connections tracked; later ones are not decrypted. */
#define QUIC_MAX_CONNS 16384
/* Largest out-of-order CRYPTO range held per direction. */
#define QUIC_CRYPTO_MAX (64u * 1024)
/* Largest decrypted Initial payload (a UDP datagram is smaller). */
#define QUIC_PAYLOAD_MAX 65536

/* The QUIC protocol and field, and TLS's (decrypted Initials carry TLS). */
static int proto_quic, hf_version, proto_tls;
static int hf_packet_length, hf_header_form, hf_fixed_bit, hf_long_packet_type, hf_dcil, hf_dcid,
    hf_scil, hf_scid, hf_token_length, hf_token, hf_length, hf_packet_number, hf_short,
    hf_supported_version, hf_retry_token, hf_retry_integrity_tag;

/* The state slot of the connections. */
static int conns_slot;

/* Kinds of connection ID the connection maps hold. */
enum cid_kind {
    CID_INITIAL = 1, /* The DCID of a client's first Initial. */
    CID_CLIENT = 2,  /* A client's SCID. */
    CID_SERVER = 3,  /* A server's SCID. */
};

/* Key of the connection-ID map: a kind and an ID, zero-padded to 24 bytes. */
struct cid_key {
    uint8_t kind;                 /* An enum cid_kind value. */
    uint8_t len;                  /* Length of the ID. */
    uint8_t id[QUIC_MAX_CID_LEN]; /* The ID's bytes, zero after len. */
    uint8_t pad[2];               /* Zero. */
};

/* One entry of the connection-ID map. */
struct cid_entry {
    struct cid_key key; /* The ID; must come first. */
    uint32_t conn;      /* 1 + index of the connection, or 0 when removed. */
    uint32_t pad;       /* Zero. */
};

/* Key of the conversation map: a UDP 5-tuple in canonical order. */
struct conv_key {
    struct net_addr a; /* Lower endpoint address. */
    struct net_addr b; /* Higher endpoint address. */
    uint16_t port_a;   /* Port of a. */
    uint16_t port_b;   /* Port of b. */
    uint16_t pad;      /* Zero, rounding the key to 40 bytes. */
};

/* One entry of the conversation map. */
struct conv_entry {
    struct conv_key key; /* The 5-tuple; must come first. */
    uint32_t conn;       /* 1 + index of its latest connection. */
    uint32_t pad;        /* Zero. */
};

/* The CRYPTO stream of one direction at the Initial level. */
struct crypto_stream {
    uint64_t contig; /* Bytes [0, contig) are known: handed to TLS or held below. */
    bool pending;    /* True while an out-of-order range waits for missing bytes. */
    uint64_t seq;    /* Start of that range (contig when it began). */
    uint64_t end;    /* End of that range. */
    uint32_t have;   /* Number of its bytes received. */
    uint8_t *buf;    /* Its bytes, QUIC_CRYPTO_MAX of room. */
    uint8_t *bits;   /* One bit per byte of buf: received. */
};

/* One QUIC connection. */
struct quic_conn {
    uint32_t version;               /* Version of the client's first Initial. */
    struct net_addr server;         /* The server's address (first Initial's destination). */
    uint16_t server_port;           /* The server's port. */
    bool client_dcid_set;           /* True while client_dcid is the Initial keys' input. */
    struct quic_cid client_dcid;    /* DCID of the client's first Initial. */
    struct quic_cid server_cid;     /* The server's first SCID (len 0: none yet). */
    bool keys_ok;                   /* True when keys were derived from keys_dcid. */
    struct quic_cid keys_dcid;      /* The DCID keys were derived from. */
    struct quic_keys keys[2];       /* Initial keys: [0] client's, [1] server's. */
    uint64_t max_pn[2];             /* Largest Initial packet number per direction. */
    struct crypto_stream crypto[2]; /* Initial CRYPTO streams: [0] from client, [1] from server. */
    struct tls_hs_state tls[2];     /* TLS handshake reassembly per direction. */
};

/* Everything QUIC keeps across frames (the dissector's quic member). */
struct quic_state {
    struct quic_conn *conns; /* The connections, in creation order. */
    uint32_t n_conns;        /* Number of connections. */
    uint32_t cap_conns;      /* Allocated entries of conns. */
    struct hash_table cids;  /* Connection IDs to connections (struct cid_entry). */
    struct hash_table convs; /* UDP 5-tuples to connections (struct conv_entry). */
    uint8_t *payload;        /* Scratch for one decrypted payload. */
};

/* What one datagram's connection lookup found. */
struct dgram {
    struct dissect_ctx *c;    /* The frame being dissected. */
    struct quic_state *qs;    /* The QUIC state. */
    struct quic_conn *conn;   /* The connection, or NULL. */
    bool from_server;         /* True when the datagram comes from the server. */
    struct net_addr src, dst; /* The datagram's addresses. */
    uint16_t sport, dport;    /* Its ports. */
    bool aborted;             /* True once Wireshark would have thrown: the datagram ends. */
    bool tls_layer;           /* True once TLS was called (frame.protocols lists it once). */
};

/* Returns the QUIC state of d, creating it; NULL when out of memory. */
static struct quic_state *quic_state_get(struct dissector *d)
{
    if (d->state[conns_slot])
        return d->state[conns_slot];
    struct quic_state *qs = calloc(1, sizeof(*qs));
    if (!qs)
        return NULL;
    qs->payload = malloc(QUIC_PAYLOAD_MAX);
    if (!qs->payload) {
        free(qs);
        return NULL;
    }
    hash_table_init(&qs->cids, sizeof(struct cid_key), sizeof(struct cid_entry));
    hash_table_init(&qs->convs, sizeof(struct conv_key), sizeof(struct conv_entry));
    d->state[conns_slot] = qs;
    return qs;
}

/* Fills the map key of a connection ID of a kind. */
static void cid_key_set(struct cid_key *k, enum cid_kind kind, const struct quic_cid *cid)
{
    memset(k, 0, sizeof(*k));
    k->kind = (uint8_t)kind;
    k->len = cid->len;
    memcpy(k->id, cid->id, cid->len);
}

/* Returns the connection a connection ID of a kind maps to, or NULL. */
static struct quic_conn *cid_lookup(struct quic_state *qs, enum cid_kind kind,
                                    const struct quic_cid *cid)
{
    struct cid_key k;
    cid_key_set(&k, kind, cid);
    const struct cid_entry *e = hash_table_find(&qs->cids, &k);
    return e && e->conn ? &qs->conns[e->conn - 1] : NULL;
}

/* Maps a connection ID of a kind to conn (NULL removes the mapping). */
static void cid_set(struct quic_state *qs, enum cid_kind kind, const struct quic_cid *cid,
                    struct quic_conn *conn)
{
    struct cid_key k;
    cid_key_set(&k, kind, cid);
    int created;
    struct cid_entry *e =
        conn ? hash_table_upsert(&qs->cids, &k, &created) : hash_table_find(&qs->cids, &k);
    if (e)
        e->conn = conn ? (uint32_t)(conn - qs->conns) + 1 : 0;
}

/* Returns the conversation entry of the datagram's 5-tuple, creating it
 * when create is set; NULL when absent or out of memory. */
static struct conv_entry *conv_find(struct dgram *g, bool create)
{
    struct conv_key k;
    memset(&k, 0, sizeof(k));
    int cmp = net_addr_cmp(&g->src, &g->dst);
    bool src_low = cmp < 0 || (cmp == 0 && g->sport <= g->dport);
    k.a = src_low ? g->src : g->dst;
    k.b = src_low ? g->dst : g->src;
    k.port_a = src_low ? g->sport : g->dport;
    k.port_b = src_low ? g->dport : g->sport;
    int created;
    return create ? hash_table_upsert(&g->qs->convs, &k, &created)
                  : hash_table_find(&g->qs->convs, &k);
}

/* Returns true when the datagram comes from the connection's server. */
static bool sent_by_server(const struct dgram *g, const struct quic_conn *conn)
{
    return conn->server_port == g->sport && net_addr_cmp(&conn->server, &g->src) == 0;
}

/* Finds the connection of a long-header packet by its DCID (Wireshark's
 * quic_connection_find_dcid, with the first Initial's DCID as a client
 * DCID too), setting g->from_server. */
static struct quic_conn *find_by_dcid(struct dgram *g, const struct quic_cid *dcid)
{
    struct quic_conn *conn;
    if (dcid->len == 0) {
        struct conv_entry *e = conv_find(g, false);
        conn = e && e->conn ? &g->qs->conns[e->conn - 1] : NULL;
        if (conn)
            g->from_server = sent_by_server(g, conn);
        return conn;
    }
    if ((conn = cid_lookup(g->qs, CID_CLIENT, dcid)) != NULL) {
        g->from_server = true;
        if (cid_lookup(g->qs, CID_SERVER, dcid) == conn)
            g->from_server = sent_by_server(g, conn);
        return conn;
    }
    if ((conn = cid_lookup(g->qs, CID_SERVER, dcid)) != NULL ||
        (conn = cid_lookup(g->qs, CID_INITIAL, dcid)) != NULL) {
        g->from_server = false;
        return conn;
    }
    return NULL;
}

/* Finds the connection of a datagram from its first packet's long header. */
static struct quic_conn *find_conn(struct dgram *g, const struct quic_long_header *h)
{
    g->from_server = false;
    if (h->type == QUIC_LT_0RTT && h->dcid.len > 0)
        return cid_lookup(g->qs, CID_INITIAL, &h->dcid);
    struct quic_conn *conn = find_by_dcid(g, &h->dcid);
    if (conn && h->type == QUIC_LT_INITIAL && !g->from_server && h->dcid.len > 0 &&
        !(conn->client_dcid_set && conn->client_dcid.len == h->dcid.len &&
          memcmp(conn->client_dcid.id, h->dcid.id, h->dcid.len) == 0) &&
        !(conn->server_cid.len > 0 && h->dcid.len >= conn->server_cid.len &&
          memcmp(conn->server_cid.id, h->dcid.id, conn->server_cid.len) == 0))
        conn = NULL; /* A fresh client Initial, e.g. after Version Negotiation. */
    return conn;
}

/* Records the client's Initial IDs of a connection (Wireshark's quic_connection_update_initial). */
static void update_initial(struct quic_state *qs, struct quic_conn *conn,
                           const struct quic_long_header *h)
{
    if (h->scid.len)
        cid_set(qs, CID_CLIENT, &h->scid, conn);
    if (h->dcid.len) {
        conn->client_dcid = h->dcid;
        conn->client_dcid_set = true;
        cid_set(qs, CID_INITIAL, &h->dcid, conn);
    }
}

/* Creates a connection for a client's first Initial; NULL when the table is full. */
static struct quic_conn *conn_create(struct dgram *g, uint32_t version)
{
    struct quic_state *qs = g->qs;
    if (qs->n_conns >= QUIC_MAX_CONNS)
        return NULL;
    if (qs->n_conns == qs->cap_conns) {
        uint32_t cap = qs->cap_conns ? qs->cap_conns * 2 : 16;
        struct quic_conn *nc = realloc(qs->conns, cap * sizeof(*nc));
        if (!nc)
            return NULL;
        qs->conns = nc;
        qs->cap_conns = cap;
    }
    struct quic_conn *conn = &qs->conns[qs->n_conns++];
    memset(conn, 0, sizeof(*conn));
    conn->version = version;
    conn->server = g->dst;
    conn->server_port = g->dport;
    struct conv_entry *e = conv_find(g, true);
    if (e)
        e->conn = qs->n_conns;
    return conn;
}

/* Creates or updates the datagram's connection from its first packet's
 * header (Wireshark's quic_connection_create_or_update). */
static void create_or_update(struct dgram *g, const struct quic_long_header *h)
{
    struct quic_conn *conn = g->conn;
    if (h->type == QUIC_LT_INITIAL && !g->from_server) {
        if (!conn) {
            g->conn = conn = conn_create(g, h->version);
            if (conn)
                update_initial(g->qs, conn, h);
        } else if (!conn->client_dcid_set && h->dcid.len) {
            update_initial(g->qs, conn, h); /* The Initial that answers a Retry. */
            if (conn->server_cid.len)
                cid_set(g->qs, CID_SERVER, &conn->server_cid, NULL);
            conn->server_cid.len = 0;
        }
        return;
    }
    if (h->type == QUIC_LT_0RTT || h->type == QUIC_LT_VERSION_NEG || !g->from_server || !conn)
        return;
    if (h->version != conn->version) {
        /* The server's version wins (after a Version Negotiation, the
         * client's first Initial carried another): its keys are derived anew. */
        conn->version = h->version;
        conn->keys_ok = false;
    }
    if (h->type == QUIC_LT_RETRY) {
        if (conn->client_dcid_set)
            cid_set(g->qs, CID_INITIAL, &conn->client_dcid, NULL);
        conn->client_dcid_set = false;
        conn->client_dcid.len = 0;
    }
    if (conn->server_cid.len == 0 && h->scid.len) {
        conn->server_cid = h->scid;
        cid_set(g->qs, CID_SERVER, &h->scid, conn);
    }
}

/* Returns the Initial keys of a connection for one direction, deriving
 * them from the current client DCID when needed; NULL when impossible. */
static const struct quic_keys *conn_keys(struct quic_conn *conn, bool server)
{
    if (!conn->client_dcid_set || !quic_version_has_initial_keys(conn->version))
        return NULL;
    if (!conn->keys_ok || conn->keys_dcid.len != conn->client_dcid.len ||
        memcmp(conn->keys_dcid.id, conn->client_dcid.id, conn->client_dcid.len) != 0) {
        conn->keys_ok = false;
        if (quic_initial_keys(conn->version, conn->client_dcid.id, conn->client_dcid.len, false,
                              &conn->keys[0]) != 0 ||
            quic_initial_keys(conn->version, conn->client_dcid.id, conn->client_dcid.len, true,
                              &conn->keys[1]) != 0)
            return NULL;
        conn->keys_dcid = conn->client_dcid;
        conn->keys_ok = true;
    }
    return &conn->keys[server];
}

/* Hands one in-order chunk of a direction's CRYPTO stream to TLS. */
static void crypto_deliver(struct dgram *g, int dir, const uint8_t *p, size_t n)
{
    struct frame_fields *ff = g->c->fields;
    field_add_present(ff, proto_tls);
    if (!g->tls_layer) {
        ctx_layer(g->c, proto_tls);
        g->tls_layer = true;
    }
    if (tls_handshake_chunk(&g->conn->tls[dir], ff, p, n, false, false) & TLS_CHUNK_ABORT)
        g->aborted = true;
}

/* Allocates the buffers of a stream's out-of-order range; false when out of memory. */
static bool crypto_alloc(struct crypto_stream *cs)
{
    if (!cs->buf)
        cs->buf = malloc(QUIC_CRYPTO_MAX);
    if (!cs->bits)
        cs->bits = malloc(QUIC_CRYPTO_MAX / 8);
    return cs->buf && cs->bits;
}

/* Stores bytes [seq, seq + n) into the pending range (bytes already held are kept). */
static void crypto_store(struct crypto_stream *cs, uint64_t seq, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t at = (size_t)(seq - cs->seq) + i;
        if (cs->bits[at / 8] & (1u << (at % 8)))
            continue;
        cs->bits[at / 8] |= (uint8_t)(1u << (at % 8));
        cs->buf[at] = p[i];
        cs->have++;
    }
}

/* Returns the end of the bytes known contiguously from off within the pending range. */
static uint64_t crypto_contig_from(const struct crypto_stream *cs, uint64_t off)
{
    size_t at = (size_t)(off - cs->seq), len = (size_t)(cs->end - cs->seq);
    while (at < len && (cs->bits[at / 8] & (1u << (at % 8))))
        at++;
    return cs->seq + at;
}

/* Starts an out-of-order range at the contiguous end; false when it cannot be held. */
static bool crypto_begin(struct crypto_stream *cs, uint64_t nxt)
{
    if (nxt - cs->contig > QUIC_CRYPTO_MAX || !crypto_alloc(cs))
        return false;
    cs->pending = true;
    cs->seq = cs->contig;
    cs->end = nxt;
    cs->have = 0;
    memset(cs->bits, 0, QUIC_CRYPTO_MAX / 8);
    return true;
}

/* Adds one CRYPTO frame to a direction's stream, the way Wireshark 4.0's
 * desegment_quic_crypto does: bytes already known are dropped, in-order
 * bytes go to TLS at once, and bytes after a gap wait in one range that
 * goes to TLS whole when its last missing byte arrives. */
static void crypto_add(struct dgram *g, int dir, uint64_t seq, const uint8_t *p, size_t n)
{
    struct crypto_stream *cs = &g->conn->crypto[dir];
    if (n == 0 || seq > UINT32_MAX || n > UINT32_MAX - seq)
        return; /* Wireshark keeps 32-bit offsets: such frames are beyond what it follows. */
    uint64_t nxt = seq + n;
    if (nxt <= cs->contig)
        return; /* A retransmission. */
    if (seq < cs->contig) {
        p += cs->contig - seq;
        seq = cs->contig;
    }
    n = (size_t)(nxt - seq);
    bool gap = cs->contig < seq;
    if (!cs->pending) {
        if (!gap) {
            cs->contig = nxt;
            crypto_deliver(g, dir, p, n);
        } else if (crypto_begin(cs, nxt)) {
            crypto_store(cs, seq, p, n);
        }
        return;
    }
    if (nxt > cs->end) {
        if (nxt - cs->seq > QUIC_CRYPTO_MAX) {
            cs->pending = false; /* Too far ahead to hold: give the range up. */
            return;
        }
        cs->end = nxt;
    }
    crypto_store(cs, seq, p, n);
    if (!gap)
        cs->contig = crypto_contig_from(cs, nxt);
    if (cs->have == cs->end - cs->seq) {
        cs->pending = false;
        cs->contig = cs->end;
        crypto_deliver(g, dir, cs->buf, (size_t)(cs->end - cs->seq));
    }
}

/* Hands a decrypted CRYPTO frame to its direction's stream (a quic_crypto_fn). */
static void on_crypto(void *ctx, uint64_t offset, const uint8_t *data, size_t len)
{
    struct dgram *g = ctx;
    if (!g->aborted)
        crypto_add(g, g->from_server, offset, data, len);
}

/* Decrypts an Initial packet of the datagram's connection and walks its
 * frames; returns true with the unprotected first byte and the packet
 * number when it decrypted. */
static bool initial_packet(struct dgram *g, const uint8_t *pkt, const struct quic_long_header *h,
                           uint8_t *first, uint64_t *pn_out)
{
    if (!g->conn)
        return false;
    const struct quic_keys *keys = conn_keys(g->conn, g->from_server);
    if (!keys)
        return false;
    size_t len;
    uint64_t pn;
    uint8_t mask[5];
    uint64_t *max_pn = &g->conn->max_pn[g->from_server];
    if (quic_decrypt_long(keys, pkt, h, *max_pn, g->qs->payload, QUIC_PAYLOAD_MAX, &len, &pn) !=
            0 ||
        quic_hp_mask(keys->hp, pkt + h->pn_off + 4, mask) != 0)
        return false;
    if (pn > *max_pn)
        *max_pn = pn;
    *first = (uint8_t)(pkt[0] ^ (mask[0] & 0x0f));
    *pn_out = pn;
    quic_walk_frames(g->qs->payload, len, on_crypto, g);
    return true;
}

/* Records the fields of a short-header packet (the rest of the datagram):
 * its DCID when it starts with a connection ID the connections know. */
static void short_header_fields(struct dgram *g, const uint8_t *p, size_t cap, size_t len)
{
    struct frame_fields *ff = g->c->fields;
    if (!ff)
        return;
    field_add_uint(ff, hf_packet_length, len);
    field_add_uint(ff, hf_header_form, 0);
    field_add_uint(ff, hf_fixed_bit, (p[0] >> 6) & 1u);
    field_add_present(ff, hf_short);
    if (!fields_want(ff, hf_dcid) || !g->qs)
        return;
    for (size_t n = 1; n <= QUIC_MAX_CID_LEN && n < cap; n++) {
        struct quic_cid cid = {.len = (uint8_t)n};
        memcpy(cid.id, p + 1, n);
        if (cid_lookup(g->qs, CID_SERVER, &cid) || cid_lookup(g->qs, CID_CLIENT, &cid)) {
            field_add_bytes(ff, hf_dcid, p + 1, n);
            return;
        }
    }
}

/* Records a connection ID's length and, when not empty, its bytes. */
static void cid_fields(struct frame_fields *ff, int hf_len, int hf_id, const uint8_t *p, size_t len)
{
    field_add_uint(ff, hf_len, len);
    if (len > 0)
        field_add_bytes(ff, hf_id, p, len);
}

/* Records the fields of a long header (plen bytes at p, all captured)
 * before its packet number; the unprotected first byte and the packet
 * number when it decrypted (pn_ok). */
static void long_header_fields(struct frame_fields *ff, const uint8_t *p, size_t plen,
                               uint32_t version, bool pn_ok, uint8_t first, uint64_t pn)
{
    field_add_uint(ff, hf_packet_length, plen);
    field_add_uint(ff, hf_header_form, 1);
    if (version == 0) { /* Version Negotiation. */
        field_add_uint(ff, hf_version, 0);
        size_t off = 5;
        if (off < plen && off + 1 + p[off] <= plen) {
            cid_fields(ff, hf_dcil, hf_dcid, p + off + 1, p[off]);
            off += 1 + (size_t)p[off];
        }
        if (off < plen && off + 1 + p[off] <= plen) {
            cid_fields(ff, hf_scil, hf_scid, p + off + 1, p[off]);
            off += 1 + (size_t)p[off];
        }
        for (; off + 4 <= plen; off += 4)
            field_add_uint(ff, hf_supported_version, be32(p + off));
        return;
    }
    enum quic_long_type type = quic_long_type(version, p[0]);
    (void)first;
    if (type != QUIC_LT_RETRY) /* Wireshark shows a Retry's first bits otherwise. */
        field_add_uint(ff, hf_fixed_bit, (p[0] >> 6) & 1u);
    if (version != 0x6b3343cf) /* QUIC v2's types have a field of their own. */
        field_add_uint(ff, hf_long_packet_type, (p[0] >> 4) & 3u);
    field_add_uint(ff, hf_version, version);
    size_t off = 5;
    if (off >= plen || off + 1 + p[off] > plen)
        return;
    cid_fields(ff, hf_dcil, hf_dcid, p + off + 1, p[off]);
    off += 1 + (size_t)p[off];
    if (off >= plen || off + 1 + p[off] > plen)
        return;
    cid_fields(ff, hf_scil, hf_scid, p + off + 1, p[off]);
    off += 1 + (size_t)p[off];
    uint64_t v;
    if (type == QUIC_LT_RETRY) {
        if (plen >= off + 16) {
            if (plen > off + 16)
                field_add_bytes(ff, hf_retry_token, p + off, plen - off - 16);
            field_add_bytes(ff, hf_retry_integrity_tag, p + plen - 16, 16);
        }
        return;
    }
    if (type == QUIC_LT_INITIAL) {
        if (!quic_read_varint(p, plen, &off, &v))
            return;
        field_add_uint(ff, hf_token_length, v);
        if (v > plen - off)
            return;
        if (v > 0)
            field_add_bytes(ff, hf_token, p + off, (size_t)v);
        off += (size_t)v;
    }
    if (!quic_read_varint(p, plen, &off, &v))
        return;
    field_add_uint(ff, hf_length, v);
    if (pn_ok)
        field_add_uint(ff, hf_packet_number, pn);
}

/* Sets up the datagram's addresses and ports from the frame's UDP layer;
 * false when there is none. */
static bool dgram_init(struct dgram *g, struct dissect_ctx *c, struct quic_state *qs)
{
    if (c->out->n_udp == 0)
        return false;
    const struct dissect_port_layer *u = &c->out->udp[c->out->n_udp - 1];
    *g = (struct dgram){
        .c = c, .qs = qs, .src = u->src, .dst = u->dst, .sport = u->sport, .dport = u->dport};
    return true;
}

/* Reads a varint within the cap captured bytes at p; false when it runs past them. */
static bool varint_at(const uint8_t *p, size_t cap, size_t *off, uint64_t *v)
{
    return quic_read_varint(p, cap, off, v);
}

/* Finds the extent of the long-header packet at p (cap bytes captured, len
 * reported) as Wireshark's quic_get_message_tvb does: from the CID lengths,
 * token and Length fields, or the rest of the datagram for Version
 * Negotiation, Retry and a Length that runs past it.  Returns false when a
 * field it reads was not captured (Wireshark throws before the version). */
static bool packet_extent(const uint8_t *p, size_t cap, size_t len, uint32_t version, size_t *plen)
{
    *plen = len;
    enum quic_long_type type = quic_long_type(version, p[0]);
    if (version == 0 || type == QUIC_LT_RETRY)
        return true;
    size_t off = 5;
    for (int i = 0; i < 2; i++) {
        if (off >= cap)
            return false;
        off += 1 + (size_t)p[off];
    }
    uint64_t v;
    if (type == QUIC_LT_INITIAL) {
        if (!varint_at(p, cap, &off, &v))
            return false;
        if (v > len)
            return false; /* The Length read then lies past the capture. */
        off += (size_t)v;
    }
    if (!varint_at(p, cap, &off, &v))
        return false;
    if (v <= len && off + v <= len)
        *plen = off + (size_t)v;
    return true;
}

/* Walks the coalesced packets of a datagram: records every long header's
 * version and decrypts the Initial packets. */
static void walk_packets(struct dgram *g, struct span s, bool decrypt)
{
    size_t off = 0;
    while (off < s.len && off < s.cap) {
        const uint8_t *p = s.p + off;
        size_t cap = s.cap - off, len = s.len - off, plen;
        if (!(p[0] & 0x80) && (p[0] != 0 || off == 0)) {
            short_header_fields(g, p, cap, len);
            return;
        }
        if (!(p[0] & 0x80) || cap < 5)
            return; /* A short header or zero padding fills the rest; a cut version is unread. */
        uint32_t version = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
        if (!packet_extent(p, cap, len, version, &plen))
            return;
        struct quic_long_header h;
        uint8_t first = 0;
        uint64_t pn = 0;
        bool pn_ok = decrypt && plen <= cap && quic_parse_long_header(p, plen, &h) == 0 &&
                     h.type == QUIC_LT_INITIAL && initial_packet(g, p, &h, &first, &pn);
        if (g->c->fields && plen <= cap)
            long_header_fields(g->c->fields, p, plen, version, pn_ok, first, pn);
        else
            field_add_uint(g->c->fields, hf_version, version);
        if (g->aborted)
            return;
        off += plen;
    }
}

/* Records the fields of one QUIC datagram (s is the UDP payload): each
 * long header's version and what its decrypted Initial packets carry. */
static void dissect_quic_fields(struct dissect_ctx *c, struct span s)
{
    struct frame_fields *ff = c->fields;
    bool decrypt = fields_want(ff, tls_hf_handshake_type) || fields_want(ff, tls_hf_server_name) ||
                   fields_want(ff, proto_tls) || tls_hello_fields_wanted(ff) || c->want_layers ||
                   fields_want(ff, hf_packet_number) || fields_want(ff, hf_dcid);
    if (!decrypt && !ff)
        return;
    if (s.cap < 13)
        return; /* Below the 13 captured bytes tshark's QUIC heuristic needs, it is not QUIC. */
    struct quic_state *qs = decrypt ? quic_state_get(c->d) : NULL;
    struct dgram g;
    if (decrypt && (!qs || !dgram_init(&g, c, qs)))
        decrypt = false;
    if (!decrypt) {
        g = (struct dgram){.c = c};
        walk_packets(&g, s, false);
        return;
    }
    struct quic_long_header h;
    size_t ids_end;
    if (s.cap > 0 && quic_parse_long_ids(s.p, s.cap, &h, &ids_end) == 0) {
        g.conn = find_conn(&g, &h);
        create_or_update(&g, &h);
    }
    walk_packets(&g, s, true);
}

/* Frees a connection's buffers. */
static void conn_free(struct quic_conn *conn)
{
    for (int i = 0; i < 2; i++) {
        free(conn->crypto[i].buf);
        free(conn->crypto[i].bits);
        tls_hs_state_free(&conn->tls[i]);
    }
}

/* Frees the connections. */
static void quic_state_free(void *state)
{
    struct quic_state *qs = state;
    for (uint32_t i = 0; i < qs->n_conns; i++)
        conn_free(&qs->conns[i]);
    free(qs->conns);
    free(qs->payload);
    hash_table_free(&qs->cids);
    hash_table_free(&qs->convs);
    free(qs);
}

/* Returns the length of the QUIC long-header packet at the start of s, or 0
 * when it is a short-header packet or cannot be parsed (it then fills s). */
static size_t quic_long_packet_len(struct span s)
{
    if (s.cap < 7 || !(s.p[0] & 0x80))
        return 0;
    size_t off = 5;
    size_t dcil = s.p[off++];
    if (off + dcil + 1 > s.cap)
        return 0;
    off += dcil;
    size_t scil = s.p[off++];
    off += scil;
    uint32_t version =
        (uint32_t)s.p[1] << 24 | (uint32_t)s.p[2] << 16 | (uint32_t)s.p[3] << 8 | s.p[4];
    uint8_t type = (s.p[0] >> 4) & 3;
    if (version == 0x6b3343cf)
        type = (type + 3) & 3; /* QUIC v2 (RFC 9369) numbers the types 1 Initial ... 0 Retry. */
    if (version == 0 || type == 3)
        return 0; /* Version negotiation and Retry fill the datagram. */
    uint64_t v;
    if (type == 0) {
        /* Initial packets carry a token length (varint) and token. */
        if (!quic_read_varint(s.p, s.cap, &off, &v))
            return 0;
        off += v;
    }
    if (!quic_read_varint(s.p, s.cap, &off, &v))
        return 0;
    return off + v <= s.len ? off + v : 0;
}

/* The QUIC dissector (below). */
static const struct dissector_handle quic_handle;

/* Dissects a QUIC datagram: one "quic" node per coalesced packet.  A long
 * header makes UDP expect the rest of the connection (its short headers
 * on any port), as Wireshark's heuristic sets the conversation's dissector. */
static void dissect_quic(struct dissect_ctx *c, struct span s)
{
    if (s.cap >= 1 && (s.p[0] & 0x80))
        udp_expect_conversation(c, &quic_handle);
    for (unsigned n = 0; s.len > 0 && n < 8; n++) {
        if (n == 0) {
            ctx_push(c, proto_quic);
            dissect_quic_fields(c, s); /* After the quic layer: TLS is called inside. */
        } else {
            ctx_push_node(c, proto_quic); /* One dissector call per datagram. */
        }
        size_t plen = quic_long_packet_len(s);
        if (plen == 0 || plen >= s.len)
            return;
        s = span_from(s, plen);
        /* Padding after the last packet is no packet. */
        if (s.cap == 0 || s.p[0] == 0)
            return;
    }
}

static const struct dissector_handle quic_handle = {&proto_quic, dissect_quic, NULL};

/* Returns the draft a QUIC version follows as Wireshark 4.0's
 * quic_draft_version() does (v1 is 34, v2 100), or 0 for an unknown one. */
static unsigned quic_draft_version(uint32_t v)
{
    if ((v >> 8) == 0xff0000)
        return v & 0xff;
    if (v == 0xfaceb001)
        return 22;
    if (v == 0xfaceb002 || v == 0xfaceb00e || v == 0x51303530 || v == 0x54303530 || v == 0x54303531)
        return 27;
    if ((v & 0x0f0f0f0f) == 0x0a0a0a0a)
        return 29;
    if (v == 0x00000001)
        return 34;
    if (v == 0x709a50c4 || v == 0x6b3343cf)
        return 100;
    return 0;
}

/* Wireshark's QUIC heuristic on UDP: a long header of a version from
 * draft 11 on, with connection IDs of at most 20 bytes.  (A short header
 * is QUIC only in a connection a long header started: UDP's expected
 * conversations find those.) */
static bool quic_heur(const struct heur_args *a)
{
    if (a->cap < 13 || !(a->p[0] & 0x80))
        return false;
    uint32_t version = be32(a->p + 1);
    if (quic_draft_version(version) < 11)
        return false;
    size_t dcil = a->p[5];
    return dcil <= 20 && 6 + dcil < a->cap && a->p[6 + dcil] <= 20;
}

/* Registers QUIC, its field and its connection state. */
static void quic_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_packet_length, "quic.packet_length", "Packet Length", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_header_form, "quic.header_form", "Header Form", FT_UINT8, BASE_DEC, 0x80, NULL),
        HF_TFS(&hf_fixed_bit, "quic.fixed_bit", "Fixed Bit", 0x40, tfs_set_notset),
        HF(&hf_long_packet_type, "quic.long.packet_type", "Packet Type", FT_UINT8, BASE_DEC, 0x30,
           NULL),
        HF(&hf_version, "quic.version", "Version", FT_UINT32, BASE_HEX, 0, NULL),
        HF(&hf_dcil, "quic.dcil", "Destination Connection ID Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_dcid, "quic.dcid", "Destination Connection ID", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_scil, "quic.scil", "Source Connection ID Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_scid, "quic.scid", "Source Connection ID", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_token_length, "quic.token_length", "Token Length", FT_UINT64, BASE_DEC, 0, NULL),
        HF(&hf_token, "quic.token", "Token", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_length, "quic.length", "Length", FT_UINT64, BASE_DEC, 0, NULL),
        HF(&hf_packet_number, "quic.packet_number", "Packet Number", FT_UINT64, BASE_DEC, 0, NULL),
        HF(&hf_short, "quic.short", "QUIC Short Header", FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_supported_version, "quic.supported_version", "Supported Version", FT_UINT32,
           BASE_HEX, 0, NULL),
        HF(&hf_retry_token, "quic.retry_token", "Retry Token", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_retry_integrity_tag, "quic.retry_integrity_tag", "Retry Integrity Tag", FT_BYTES,
           BASE_NONE, 0, NULL),
    };
    static const struct proto_hooks hooks = {.free_state = quic_state_free};
    proto_quic = registry_proto("quic", "QUIC IETF");
    registry_fields(proto_quic, hf, ARRAY_COUNT(hf));
    conns_slot = registry_proto_state(proto_quic, &hooks);
}

/* QUIC on UDP port 443, and by heuristic on any port. */
static void quic_handoff(void)
{
    proto_tls = field_id("tls");
    registry_table_add("udp.port", 443, &quic_handle);
    registry_heur_add("udp", quic_heur, &quic_handle);
}

const struct dissector_module dissector_quic = {quic_register, quic_handoff};
