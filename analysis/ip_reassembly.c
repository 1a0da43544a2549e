/* Owns IPv4 and IPv6 fragment reassembly: it collects the fragments of each
 * datagram (keyed like Wireshark by addresses, identification and protocol)
 * and reports the datagram whole in the frame whose fragment completes it. */
#include "ip_reassembly.h"

#include <stdlib.h>
#include <string.h>

/* Largest reassembled datagram, in bytes (the IP length field's limit). */
#define FRAG_MAX 65536
/* Number of 8-byte fragment blocks in the largest datagram. */
#define FRAG_BLOCKS (FRAG_MAX / 8)

/* Identifies one datagram being reassembled. */
struct frag_key {
    struct net_addr src; /* Source address. */
    struct net_addr dst; /* Destination address. */
    uint32_t id;         /* IP identification (IPv4) or fragment header id (IPv6). */
    uint8_t proto;       /* Upper-layer protocol number. */
    uint8_t pad[7];      /* Zero padding, so that keys are whole 8-byte words. */
};

/* One datagram being reassembled. */
struct frag_entry {
    struct frag_key key; /* The datagram's identity; must come first. */
    uint8_t *buf;        /* FRAG_MAX bytes of payload, then the block bitmap. */
    size_t total;        /* Payload length, known once the last fragment came (else 0). */
    bool truncated;      /* True when some fragment was not captured whole. */
};

/* Returns true when every 8-byte block of the datagram's payload has arrived. */
static bool frag_complete(const struct frag_entry *e)
{
    const uint8_t *bits = e->buf + FRAG_MAX;
    size_t blocks = (e->total + 7) / 8;
    for (size_t b = 0; b < blocks; b++)
        if (!(bits[b / 8] & (1u << (b % 8))))
            return false;
    return true;
}

/* Copies a fragment into the entry's buffer and marks its blocks as present. */
static void frag_store(struct frag_entry *e, size_t offset, struct span frag)
{
    uint8_t *bits = e->buf + FRAG_MAX;
    size_t n = frag.len;
    if (offset + n > FRAG_MAX)
        n = FRAG_MAX - offset;
    size_t ncap = frag.cap < n ? frag.cap : n;
    memcpy(e->buf + offset, frag.p, ncap);
    if (ncap < n)
        e->truncated = true;
    for (size_t b = offset / 8; b < (offset + n + 7) / 8 && b < FRAG_BLOCKS; b++)
        bits[b / 8] |= (uint8_t)(1u << (b % 8));
}

/* Adds one fragment to reassembly; returns true with *whole when it completes the datagram. */
bool ip_reassembly_add(struct ip_reassembly *r, const struct net_addr *src,
                       const struct net_addr *dst, uint32_t id, uint8_t proto, size_t offset,
                       bool more, struct span frag, struct span *whole)
{
    struct frag_key k;
    int created;

    if (r->frags.entry_size == 0)
        hash_table_init(&r->frags, sizeof(struct frag_key), sizeof(struct frag_entry));
    if (offset >= FRAG_MAX)
        return false;
    memset(&k, 0, sizeof(k));
    k.src = *src;
    k.dst = *dst;
    k.id = id;
    k.proto = proto;
    struct frag_entry *e = hash_table_upsert(&r->frags, &k, &created);
    if (!e)
        return false;
    if (!e->buf) {
        /* Only the block bitmap needs clearing: payload bytes are read only once present. */
        e->buf = malloc(FRAG_MAX + FRAG_BLOCKS / 8);
        if (!e->buf)
            return false;
        memset(e->buf + FRAG_MAX, 0, FRAG_BLOCKS / 8);
    }
    frag_store(e, offset, frag);
    if (!more)
        e->total = offset + frag.len > FRAG_MAX ? FRAG_MAX : offset + frag.len;
    if (e->total == 0 || !frag_complete(e))
        return false;
    /* The datagram is whole: hand it out and reset the entry for a later reuse of the id. */
    free(r->whole);
    r->whole = e->buf;
    *whole = (struct span){e->buf, e->truncated ? 0 : e->total, e->total};
    e->buf = NULL;
    e->total = 0;
    e->truncated = false;
    return true;
}

/* Frees one entry's buffer (a hash_table_foreach callback). */
static void frag_free_entry(void *entry, void *ctx)
{
    (void)ctx;
    free(((struct frag_entry *)entry)->buf);
}

/* Frees the IP reassembly table. */
void ip_reassembly_free(struct ip_reassembly *r)
{
    hash_table_foreach(&r->frags, frag_free_entry, NULL);
    hash_table_free(&r->frags);
    free(r->whole);
    r->whole = NULL;
}
