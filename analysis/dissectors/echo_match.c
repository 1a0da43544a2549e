/* Owns the request/reply matching ICMP and ICMPv6 echoes share
 * (echo_match.h). */
#include "dissectors/echo_match.h"

#include "hash_table.h"

#include <stdlib.h>
#include <string.h>

/* One transaction. */
struct echo_txn {
    uint32_t rqst_frame; /* The request's frame. */
    uint32_t resp_frame; /* The reply's frame, or 0. */
    int64_t rqst_ns;     /* The request's time. */
};

/* Key of the pending requests: the address pair (sorted) and the key. */
struct echo_key {
    struct net_addr a; /* Lower address. */
    struct net_addr b; /* Higher address. */
    uint16_t pad;      /* Zero. */
    uint32_t k0;       /* Checksum part of the key. */
    uint32_t k1;       /* Identifier and sequence number. */
    uint32_t pad2;     /* Zero. */
};

/* A pending request: the transaction it started. */
struct echo_pending {
    struct echo_key key; /* Must come first. */
    uint32_t txn;        /* Index of its transaction. */
    uint32_t pad;        /* Zero. */
};

/* A matched frame (request or reply) and its transaction. */
struct echo_by_frame {
    uint64_t frame; /* Must come first. */
    uint32_t txn;   /* Index of its transaction. */
    uint32_t pad;   /* Zero. */
};

/* The matching of one pass. */
struct echo_state {
    struct hash_table pending;  /* struct echo_pending by struct echo_key. */
    struct hash_table by_frame; /* struct echo_by_frame of matched frames. */
    struct echo_txn *txn;       /* Every transaction. */
    uint32_t n, cap;            /* Their number and room. */
    bool seeded;                /* True in a second pass: read only. */
};

/* Returns the matching of a slot, made on first use; NULL when out of memory. */
static struct echo_state *state_get(struct dissect_ctx *c, int slot)
{
    struct echo_state *st = c->d->state[slot];
    if (!st && (st = c->d->state[slot] = calloc(1, sizeof(*st))) != NULL) {
        hash_table_init(&st->pending, sizeof(struct echo_key), sizeof(struct echo_pending));
        hash_table_init(&st->by_frame, sizeof(uint64_t), sizeof(struct echo_by_frame));
    }
    return st;
}

/* Fills a key from the innermost addresses. */
static void key_set(const struct dissect_ctx *c, uint32_t k0, uint32_t k1, struct echo_key *k)
{
    bool low = net_addr_cmp(&c->net_src, &c->net_dst) <= 0;
    memset(k, 0, sizeof(*k));
    k->a = low ? c->net_src : c->net_dst;
    k->b = low ? c->net_dst : c->net_src;
    k->k0 = k0;
    k->k1 = k1;
}

/* Returns the transaction a seeded pass recorded for this frame, or NULL. */
static const struct echo_txn *seeded_txn(const struct echo_state *st, uint64_t frame)
{
    const struct echo_by_frame *e = hash_table_find(&st->by_frame, &frame);
    return e ? &st->txn[e->txn] : NULL;
}

/* Files a request. */
void echo_request(struct dissect_ctx *c, int slot, uint32_t k0, uint32_t k1, struct echo_result *r)
{
    struct echo_state *st = state_get(c, slot);
    struct echo_key k;
    int created;
    memset(r, 0, sizeof(*r));
    if (!st)
        return;
    if (st->seeded) {
        const struct echo_txn *t = seeded_txn(st, c->d->frame_number);
        if (t && t->rqst_frame == c->d->frame_number)
            r->resp_in = t->resp_frame;
        r->no_resp = r->resp_in == 0;
        return;
    }
    if (st->n == st->cap) {
        uint32_t cap = st->cap ? st->cap * 2 : 64;
        struct echo_txn *t = realloc(st->txn, cap * sizeof(*t));
        if (!t)
            return;
        st->txn = t;
        st->cap = cap;
    }
    key_set(c, k0, k1, &k);
    struct echo_pending *p = hash_table_upsert(&st->pending, &k, &created);
    if (!p)
        return;
    p->txn = st->n;
    st->txn[st->n++] = (struct echo_txn){(uint32_t)c->d->frame_number, 0, c->frame->ts_ns};
}

/* Matches a reply. */
void echo_reply(struct dissect_ctx *c, int slot, uint32_t k0, uint32_t k1, struct echo_result *r)
{
    struct echo_state *st = state_get(c, slot);
    struct echo_key k;
    memset(r, 0, sizeof(*r));
    if (!st)
        return;
    uint64_t frame = c->d->frame_number;
    struct echo_txn *t = NULL;
    if (st->seeded) {
        const struct echo_txn *s = seeded_txn(st, frame);
        if (!s || s->resp_frame != frame)
            return;
        t = (struct echo_txn *)s;
    } else {
        key_set(c, k0, k1, &k);
        struct echo_pending *p = hash_table_find(&st->pending, &k);
        if (!p || st->txn[p->txn].resp_frame != 0)
            return;
        t = &st->txn[p->txn];
        t->resp_frame = (uint32_t)frame;
        int created;
        uint64_t f[2] = {t->rqst_frame, frame};
        for (int i = 0; i < 2; i++) {
            struct echo_by_frame *e = hash_table_upsert(&st->by_frame, &f[i], &created);
            if (e)
                e->txn = p->txn;
        }
    }
    r->resp_to = t->rqst_frame;
    r->resp_time = c->frame->ts_ns - t->rqst_ns;
}

/* Returns the checksum of two 16-bit words. */
uint16_t echo_cksum2(uint16_t a, uint16_t b)
{
    uint32_t sum = (uint32_t)a + b;
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Frees a matching state. */
void echo_state_free(void *state)
{
    struct echo_state *st = state;
    hash_table_free(&st->pending);
    hash_table_free(&st->by_frame);
    free(st->txn);
    free(st);
}

/* Moves the first pass's matching to the second pass. */
void echo_take_first_pass(struct dissector *second, struct dissector *first, int slot)
{
    struct echo_state *st = first->state[slot];
    if (second->state[slot])
        echo_state_free(second->state[slot]);
    second->state[slot] = st;
    first->state[slot] = NULL;
    if (st)
        st->seeded = true;
}
