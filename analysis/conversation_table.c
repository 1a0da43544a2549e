/* Owns the conversation hand-off table: what a dissector learned about a
 * later conversation (SDP announcing RTP on an address and port), as
 * Wireshark's conversation_set_dissector() keeps it.  An entry maps an
 * endpoint (transport protocol, address, port) to a dissector from a
 * setup frame on; a transport dissector looks its datagram's source and
 * then its destination up before its port table.  The core knows no
 * application protocol: it stores handles. */
#include "dissect_internal.h"
#include "hash_table.h"

#include <stdlib.h>
#include <string.h>

/* Identifies one endpoint of a transport protocol. */
struct conv_key {
    uint32_t transport;   /* The transport's protocol id ("udp"). */
    struct net_addr addr; /* Its address. */
    uint8_t pad;          /* Zero, aligning port. */
    uint16_t port;        /* Its port. */
};

_Static_assert(sizeof(struct conv_key) % 8 == 0, "hash keys are whole 8-byte words");

/* One endpoint handed to a dissector. */
struct conv_entry {
    struct conv_key key;                 /* Its identity; must come first. */
    struct conversation_handoff handoff; /* Where its datagrams go, since when. */
};

/* The table of one pass. */
struct conversation_table {
    struct hash_table entries; /* struct conv_entry by struct conv_key. */
};

/* Makes the key of an endpoint. */
static struct conv_key conv_key(int transport, const struct net_addr *addr, uint16_t port)
{
    struct conv_key k;
    memset(&k, 0, sizeof(k));
    k.addr = *addr;
    k.port = port;
    k.transport = (uint32_t)transport;
    return k;
}

/* Hands an endpoint to a dissector from setup_frame on (a later setup of
 * the same endpoint replaces it: frames are dissected in order). */
void conversation_handoff_set(struct dissect_ctx *c, int transport, const struct net_addr *addr,
                              uint16_t port, const struct conversation_handoff *h)
{
    struct conversation_table *t = c->d->conversations;
    int created;
    if (!t) {
        if (!(t = c->d->conversations = calloc(1, sizeof(*t))))
            return;
        hash_table_init(&t->entries, sizeof(struct conv_key), sizeof(struct conv_entry));
    }
    struct conv_key k = conv_key(transport, addr, port);
    struct conv_entry *e = hash_table_upsert(&t->entries, &k, &created);
    if (e)
        e->handoff = *h;
}

/* Returns the entry of one endpoint if it applies to the current frame. */
static const struct conversation_handoff *conv_find(const struct dissect_ctx *c, int transport,
                                                    const struct net_addr *addr, uint16_t port)
{
    struct conv_key k = conv_key(transport, addr, port);
    const struct conv_entry *e = hash_table_find(&c->d->conversations->entries, &k);
    return e && e->handoff.setup_frame <= c->d->frame_number ? &e->handoff : NULL;
}

/* Returns the hand-off of the current datagram's source endpoint, else of
 * its destination, or NULL. */
const struct conversation_handoff *conversation_handoff_lookup(const struct dissect_ctx *c,
                                                               int transport, uint16_t sport,
                                                               uint16_t dport)
{
    const struct conversation_handoff *h = conv_find(c, transport, &c->net_src, sport);
    return h ? h : conv_find(c, transport, &c->net_dst, dport);
}

/* Frees a pass's table. */
void conversation_table_free(struct conversation_table *t)
{
    if (!t)
        return;
    hash_table_free(&t->entries);
    free(t);
}
