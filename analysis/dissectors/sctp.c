/* Owns SCTP on IP protocol 132: the common header, then the chunks; a
 * DATA chunk's user data shows as data (no payload protocol is
 * dissected yet) in the frame that first carries its TSN (Wireshark's
 * reassembly takes a TSN seen before for a retransmission, and shows no
 * payload), and each DATA chunk after the first under a new "sctp" node
 * of the hierarchy. */
#include "dissect_internal.h"
#include "dissectors/list.h"
#include "hash_table.h"

#include <stdlib.h>
#include <string.h>

/* The SCTP protocol, and its state slot. */
static int proto_sctp, tsn_slot;

/* Identifies a DATA chunk: its association's ports (Wireshark keys the
 * association on them) and its TSN. */
struct sctp_tsn_key {
    uint16_t sport; /* Source port. */
    uint16_t dport; /* Destination port. */
    uint32_t tsn;   /* Transmission sequence number. */
};

/* A TSN seen, and the frame that first carried it. */
struct sctp_tsn {
    struct sctp_tsn_key key; /* Its identity; must come first. */
    uint64_t frame;          /* The first frame carrying it. */
};

/* Returns true when this frame is the first (or only) to carry the DATA
 * chunk with tsn between these ports; false for a retransmission. */
static bool sctp_first_carrier(struct dissect_ctx *c, uint16_t sport, uint16_t dport, uint32_t tsn)
{
    struct hash_table *t = c->d->state[tsn_slot];
    int created;
    if (!t) {
        if (!(t = c->d->state[tsn_slot] = calloc(1, sizeof(*t))))
            return true;
        hash_table_init(t, sizeof(struct sctp_tsn_key), sizeof(struct sctp_tsn));
    }
    struct sctp_tsn_key k;
    memset(&k, 0, sizeof(k));
    k.sport = sport;
    k.dport = dport;
    k.tsn = tsn;
    struct sctp_tsn *e = hash_table_upsert(t, &k, &created);
    if (!e)
        return true;
    if (created)
        e->frame = c->d->frame_number;
    return e->frame == c->d->frame_number;
}

/* Frees the TSNs seen. */
static void sctp_free(void *state)
{
    hash_table_free(state);
    free(state);
}

/* The chunk type of DATA. */
#define SCTP_DATA 0

/* Dissects an SCTP packet (read to its end: a cut one is short). */
static void dissect_sctp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_sctp);
    if (!dissect_need(c, s, 12))
        return;
    bool data_seen = false;
    size_t off = 12;
    while (off + 4 <= s.cap) {
        size_t len = be16(s.p + off + 2);
        if (len < 4 || off + len > s.len)
            break;
        if (s.p[off] == SCTP_DATA && len > 16 && !c->quoted &&
            sctp_first_carrier(c, be16(s.p), be16(s.p + 2), be32(s.p + off + 4))) {
            if (data_seen)
                ctx_push_node(c, proto_sctp);
            dissect_data(c, span_trim(span_from(s, off + 16), len - 16));
            data_seen = true;
        }
        off += (len + 3) & ~(size_t)3;
    }
    dissect_mark_short(c, s);
}

/* The SCTP dissector. */
static const struct dissector_handle sctp_handle = {&proto_sctp, dissect_sctp, NULL};

/* Registers SCTP and its state. */
static void sctp_register(void)
{
    static const struct proto_hooks hooks = {.free_state = sctp_free};
    proto_sctp = registry_proto("sctp", "Stream Control Transmission Protocol");
    tsn_slot = registry_proto_state(proto_sctp, &hooks);
}

/* SCTP on IP protocol 132. */
static void sctp_handoff(void)
{
    registry_table_add("ip.proto", 132, &sctp_handle);
}

const struct dissector_module dissector_sctp = {sctp_register, sctp_handoff};
