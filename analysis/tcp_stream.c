/* Owns TCP: the segment header and its fields, stream tracking (tcp.stream
 * indices, reuse of a 4-tuple by a new SYN), retransmission detection, the
 * framing of application PDUs across segments the way Wireshark's TCP
 * reassembly shows them (a PDU is named in the frame that completes it, and
 * a PDU that spanned several segments adds a "tcp.segments" node after it),
 * and tcp.analysis.initial_rtt: the handshake times of each stream and the
 * part of Wireshark's sequence analysis that decides which frames show it. */
#include "dissect_internal.h"
#include "tcp_pdu.h"

#include <stdlib.h>
#include <string.h>

/* TCP header flags. */
enum {
    TH_FIN = 0x01, /* No more data from the sender. */
    TH_SYN = 0x02, /* Synchronize sequence numbers. */
    TH_RST = 0x04, /* Reset the connection. */
    TH_ACK = 0x10, /* The acknowledgement number is significant. */
};

/* Most unacknowledged segments remembered per direction (Wireshark's
 * TCP_MAX_UNACKED_SEGMENTS): past it, new segments are not remembered. */
#define TCP_MAX_UNACKED 10000u

/* Identifies a TCP connection independently of direction. */
struct tcp_key {
    struct net_addr a; /* Lower of the two endpoint addresses. */
    struct net_addr b; /* Higher of the two endpoint addresses. */
    uint16_t port_a;   /* Port of endpoint a. */
    uint16_t port_b;   /* Port of endpoint b. */
    uint16_t pad;      /* Zero, rounding the key to whole 8-byte words. */
};

/* A segment not yet acknowledged: the sequence numbers it spans. */
struct tcp_unacked {
    uint32_t seq;     /* First sequence number not yet acknowledged. */
    uint32_t nextseq; /* Sequence number just past the segment (SYN and FIN count one). */
};

/* Wireshark's sequence analysis state of one direction (its tcp_flow_t),
 * kept only to know which frames it gives an analysis entry. */
struct tcp_seq_dir {
    uint32_t nextseq;            /* Just past the highest sequence number sent; 0 before any. */
    uint32_t lastack;            /* Last acknowledgement number sent. */
    uint32_t window;             /* Last raw window advertised (all ones before any). */
    uint32_t maxseqtobeacked;    /* Highest continuous sequence number sent; 0 before any. */
    int8_t win_scale;            /* Window scale shift; -1 unknown, -2 none in use. */
    bool valid_bif;              /* False from a lost segment to the next ACK from the peer. */
    uint32_t n_unacked;          /* Number of entries in unacked. */
    uint32_t cap_unacked;        /* Allocated entries in unacked. */
    struct tcp_unacked *unacked; /* Segments sent and not yet acknowledged, in any order. */
};

/* The sequence analysis of one stream: per direction, as in struct tcp_flow. */
struct tcp_seq_state {
    struct tcp_seq_dir dir[2]; /* 0 is from endpoint a, 1 from endpoint b. */
};

/* One TCP connection. */
struct tcp_flow {
    struct tcp_key key;       /* The connection's identity; must come first. */
    uint32_t stream;          /* Its tcp.stream index. */
    uint8_t app;              /* Application protocol chosen for the stream (enum proto_id). */
    struct tcp_half half[2];  /* Per direction: 0 is from endpoint a, 1 from endpoint b. */
    struct tcp_seq_state *sa; /* Sequence analysis, only while initial_rtt is shown; or NULL. */
};

/* The handshake times of one stream, as Wireshark's tcp_analysis keeps
 * them; 0 means none (Wireshark tests them with nstime_is_zero). */
struct tcp_rtt {
    int64_t mru_syn;   /* Time of the latest SYN (without ACK), in ns since the epoch. */
    int64_t first_rtt; /* From that SYN to the first segment with ACK and without SYN, in ns. */
};

/* The handshake times of a pass, per tcp.stream index. */
struct tcp_rtt_state {
    struct tcp_rtt *rtt;  /* This pass's times, n entries. */
    uint32_t n;           /* Streams with an entry in rtt. */
    uint32_t cap;         /* Allocated entries in rtt. */
    struct tcp_rtt *seed; /* The first pass's final times (n_seed entries), or NULL. */
    uint32_t n_seed;      /* Entries in seed. */
};

/* The fixed part of a TCP header. */
struct tcp_hdr {
    uint16_t sport;  /* Source port. */
    uint16_t dport;  /* Destination port. */
    uint32_t seq;    /* Sequence number. */
    uint32_t ack;    /* Acknowledgement number. */
    size_t hl;       /* Header length in bytes (may be bogus, under 20). */
    uint16_t flags;  /* The 12 flag bits (tcp.flags). */
    uint16_t window; /* Raw window. */
};

/* Reads a big-endian 16-bit value. */
static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reads a big-endian 32-bit value. */
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Returns the application Wireshark registers on a TCP port, or PROTO_COUNT. */
static enum proto_id tcp_port_proto(uint16_t port)
{
    switch (port) {
    case 80:
    case 3128:
    case 3132:
    case 5985:
    case 8080:
    case 8088:
    case 11371:
    case 1900:
    case 2869:
    case 2710:
        return PROTO_HTTP;
    case 443:
        return PROTO_TLS;
    case 53:
        return PROTO_DNS;
    case 22:
        return PROTO_SSH;
    default:
        return PROTO_COUNT;
    }
}

/* Chooses a new stream's application: the SYN's destination port first, then the lower port. */
static enum proto_id tcp_choose_app(uint16_t sport, uint16_t dport, bool syn_only)
{
    enum proto_id p;
    if (syn_only && (p = tcp_port_proto(dport)) != PROTO_COUNT)
        return p;
    uint16_t lo = sport < dport ? sport : dport, hi = sport < dport ? dport : sport;
    if ((p = tcp_port_proto(lo)) != PROTO_COUNT)
        return p;
    if ((p = tcp_port_proto(hi)) != PROTO_COUNT)
        return p;
    return PROTO_DATA;
}

/* Frees a flow's sequence analysis. */
static void tcp_seq_free(struct tcp_flow *f)
{
    if (f->sa) {
        free(f->sa->dir[0].unacked);
        free(f->sa->dir[1].unacked);
        free(f->sa);
        f->sa = NULL;
    }
}

/* Frees the buffers of a flow's two directions and its sequence analysis. */
static void tcp_flow_reset(struct tcp_flow *f)
{
    for (int i = 0; i < 2; i++) {
        tcp_pdu_free(&f->half[i]);
        memset(&f->half[i], 0, sizeof(f->half[i]));
    }
    tcp_seq_free(f);
}

/* Finds or creates the flow of a segment and returns it with the direction
 * index in *dir.  As in Wireshark, a SYN whose sequence number differs from
 * its direction's base starts a new stream, and *reused tells when the
 * segment is flagged "ports reused" (that SYN, or such a SYN-ACK). */
static inline __attribute__((always_inline)) struct tcp_flow *
tcp_flow_get(struct dissect_ctx *c, const struct tcp_hdr *t, int *dir, bool *reused)
{
    struct dissector *d = c->d;
    struct tcp_key k;
    int created;
    int cmp = net_addr_cmp(&c->net_src, &c->net_dst);
    bool src_low = cmp < 0 || (cmp == 0 && t->sport <= t->dport);

    if (d->tcp_flows.entry_size == 0)
        hash_table_init(&d->tcp_flows, sizeof(struct tcp_key), sizeof(struct tcp_flow));
    memset(&k, 0, sizeof(k));
    k.a = src_low ? c->net_src : c->net_dst;
    k.b = src_low ? c->net_dst : c->net_src;
    k.port_a = src_low ? t->sport : t->dport;
    k.port_b = src_low ? t->dport : t->sport;
    *dir = src_low ? 0 : 1;
    struct tcp_flow *f = hash_table_upsert(&d->tcp_flows, &k, &created);
    if (!f)
        return NULL;
    bool syn_only = (t->flags & (TH_SYN | TH_ACK)) == TH_SYN;
    struct tcp_half *h = &f->half[*dir];
    *reused = !created && (t->flags & TH_SYN) && h->base_set && h->base_seq != t->seq;
    if (*reused && syn_only) {
        tcp_flow_reset(f);
        created = 1;
    }
    if (created) {
        f->stream = d->next_tcp_stream++;
        f->app = (uint8_t)tcp_choose_app(t->sport, t->dport, syn_only);
    }
    return f;
}

/* Sets the base sequence numbers the way Wireshark's analysis does: a
 * direction's base is its SYN's sequence number, or one less than its first
 * segment's, or (when the other direction acknowledges first) one less than
 * that acknowledgement.  A SYN reusing the ports is told by its base. */
static void tcp_base_update(struct tcp_flow *f, int dir, const struct tcp_hdr *t)
{
    struct tcp_half *fwd = &f->half[dir], *rev = &f->half[!dir];
    if (!fwd->base_set) {
        fwd->base_set = true;
        fwd->base_seq = (t->flags & TH_SYN) ? t->seq : t->seq - 1;
    }
    if ((t->flags & TH_ACK) && !rev->base_set) {
        rev->base_set = true;
        rev->base_seq = t->ack - 1;
    }
}

/* Wireshark's sequence-number comparisons, modulo 2^32. */
static bool seq_gt(uint32_t x, uint32_t y)
{
    return (int32_t)(y - x) < 0;
}

/* Returns true when x is before y, modulo 2^32. */
static bool seq_lt(uint32_t x, uint32_t y)
{
    return (int32_t)(x - y) < 0;
}

/* Returns true when x is before or at y, modulo 2^32. */
static bool seq_le(uint32_t x, uint32_t y)
{
    return (int32_t)(x - y) <= 0;
}

/* Returns the sequence analysis of a flow, creating it; NULL when out of memory. */
static struct tcp_seq_state *tcp_seq_get(struct tcp_flow *f)
{
    if (f->sa)
        return f->sa;
    f->sa = calloc(1, sizeof(*f->sa));
    if (!f->sa)
        return NULL;
    for (int i = 0; i < 2; i++) {
        f->sa->dir[i].window = UINT32_MAX;
        f->sa->dir[i].win_scale = -1;
        f->sa->dir[i].valid_bif = true;
    }
    return f->sa;
}

/* Remembers a segment as unacknowledged (at most TCP_MAX_UNACKED of them);
 * returns false when it was not remembered. */
static bool tcp_unacked_add(struct tcp_seq_dir *fwd, uint32_t seq, uint32_t nextseq)
{
    if (fwd->n_unacked >= TCP_MAX_UNACKED)
        return false;
    if (fwd->n_unacked == fwd->cap_unacked) {
        uint32_t cap = fwd->cap_unacked ? fwd->cap_unacked * 2 : 8;
        struct tcp_unacked *u = realloc(fwd->unacked, cap * sizeof(*u));
        if (!u)
            return false;
        fwd->unacked = u;
        fwd->cap_unacked = cap;
    }
    fwd->unacked[fwd->n_unacked++] = (struct tcp_unacked){seq, nextseq};
    return true;
}

/* Applies an acknowledgement to the other direction's unacknowledged
 * segments; returns true when it acknowledges one exactly (Wireshark then
 * shows "This is an ACK to the segment in frame N"). */
static bool tcp_unacked_ack(struct tcp_seq_dir *rev, uint32_t ack)
{
    bool acked = false;
    for (uint32_t i = 0; i < rev->n_unacked;) {
        struct tcp_unacked *u = &rev->unacked[i];
        if (ack == u->nextseq) {
            acked = true;
        } else if (seq_gt(ack, u->seq) && seq_le(ack, u->nextseq)) {
            u->seq = ack; /* Partly acknowledged: kept. */
            i++;
            continue;
        } else if (seq_gt(u->nextseq, ack)) {
            i++;
            continue;
        }
        *u = rev->unacked[--rev->n_unacked];
    }
    return acked;
}

/* Checks the conditions before Wireshark's "finished_fwd" label (zero window
 * probe, zero window, lost segment, keep-alive, window update, window full,
 * duplicate ACK); returns true when one holds and sets *zwp or *ka for a
 * zero window probe or a keep-alive.  The lost segment one also stops the
 * bytes-in-flight count until the peer acknowledges. */
static bool tcp_seq_fwd_checks(struct tcp_seq_dir *fwd, const struct tcp_seq_dir *rev,
                               const struct tcp_hdr *t, uint32_t seglen, bool *zwp, bool *ka)
{
    bool plain = (t->flags & (TH_SYN | TH_FIN | TH_RST)) == 0;
    bool ta = false;
    if (seglen == 1 && t->seq == fwd->nextseq && rev->window == 0)
        return *zwp = true;
    if (t->window == 0 && plain)
        ta = true;
    if (fwd->nextseq && seq_gt(t->seq, fwd->nextseq) && !(t->flags & TH_RST)) {
        ta = true;
        fwd->valid_bif = false;
    }
    if (seglen <= 1 && t->seq == fwd->nextseq - 1 && plain)
        ta = *ka = true;
    /* Window update, keep-alive ACK or duplicate ACK, whichever the window says. */
    if (seglen == 0 && t->window && t->seq == fwd->nextseq && t->ack == fwd->lastack && plain)
        ta = true;
    if (seglen > 0 && rev->win_scale != -1 && plain) {
        int shift = rev->win_scale == -2 ? 0 : rev->win_scale;
        if (t->seq + seglen == rev->lastack + (uint32_t)(rev->window << shift))
            ta = true;
    }
    return ta;
}

/* Runs the part of Wireshark's tcp_analyze_sequence_number() that decides
 * whether the segment gets an analysis entry (struct tcp_acked), the only
 * frames tcp.analysis.initial_rtt is shown on; returns that decision. */
static bool tcp_seq_analyze(struct tcp_seq_state *sa, int dir, const struct tcp_hdr *t,
                            uint32_t seglen)
{
    struct tcp_seq_dir *fwd = &sa->dir[dir], *rev = &sa->dir[!dir];
    bool zwp = false, ka = false;
    if (t->flags & TH_ACK)
        rev->valid_bif = true;
    bool ta = tcp_seq_fwd_checks(fwd, rev, t, seglen, &zwp, &ka);
    if (rev->maxseqtobeacked && seq_gt(t->ack, rev->maxseqtobeacked) && (t->flags & TH_ACK)) {
        ta = true; /* An ACK of a segment not captured. */
        if (rev->maxseqtobeacked > rev->nextseq)
            rev->maxseqtobeacked = rev->nextseq;
    }
    if ((seglen > 0 || (t->flags & (TH_SYN | TH_FIN))) && !ka) {
        /* Retransmission, fast retransmission, out-of-order or spurious. */
        bool not_advanced = fwd->nextseq && seq_lt(t->seq, fwd->nextseq);
        if (seglen > 1 && fwd->nextseq - 1 == t->seq)
            not_advanced = false;
        if (not_advanced || (seglen > 0 && rev->lastack && seq_le(t->seq + seglen, rev->lastack)))
            ta = true;
    }
    uint32_t nextseq = t->seq + seglen;
    if ((seglen || (t->flags & (TH_SYN | TH_FIN))) &&
        tcp_unacked_add(fwd, t->seq, nextseq + ((t->flags & (TH_SYN | TH_FIN)) ? 1 : 0)))
        nextseq += (t->flags & (TH_SYN | TH_FIN)) ? 1 : 0;
    if ((seq_gt(nextseq, fwd->nextseq) || !fwd->nextseq) && !zwp)
        fwd->nextseq = nextseq;
    if ((t->seq == fwd->maxseqtobeacked || !fwd->maxseqtobeacked) && !zwp)
        fwd->maxseqtobeacked = fwd->nextseq;
    fwd->window = t->window;
    fwd->lastack = t->ack;
    if (tcp_unacked_ack(rev, t->ack))
        ta = true;
    /* Bytes in flight are counted for every segment with data, while valid. */
    if (seglen != 0 && fwd->n_unacked > 0 && fwd->valid_bif)
        ta = true;
    return ta;
}

/* Reads the window scale option of a SYN (options of opt_len bytes at opt)
 * and settles the window scaling as Wireshark's verify_tcp_window_scaling(). */
static void tcp_seq_wscale(struct tcp_seq_state *sa, int dir, const struct tcp_hdr *t,
                           const uint8_t *opt, size_t opt_len)
{
    struct tcp_seq_dir *fwd = &sa->dir[dir], *rev = &sa->dir[!dir];
    for (size_t i = 0; i < opt_len;) {
        uint8_t kind = opt[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= opt_len || opt[i + 1] < 2 || i + opt[i + 1] > opt_len)
            break;
        if (kind == 3 && opt[i + 1] == 3)
            fwd->win_scale = (int8_t)(opt[i + 2] > 14 ? 14 : opt[i + 2]);
        i += opt[i + 1];
    }
    if (fwd->win_scale == -1) {
        fwd->win_scale = -2;
        rev->win_scale = -2;
    } else if ((t->flags & TH_ACK) && rev->win_scale == -2) {
        fwd->win_scale = -2;
    }
}

/* Returns true when this pass keeps the handshake times: it shows
 * tcp.analysis.initial_rtt, or is the first pass of one that does. */
static bool tcp_rtt_on(const struct dissect_ctx *c)
{
    return fields_want(c->fields, F_TCP_INITIAL_RTT) ||
           fields_want(c->d->next_pass, F_TCP_INITIAL_RTT);
}

/* Returns the handshake times of a stream, adding entries up to it (a second
 * pass starts each from the first pass's final times, as Wireshark's second
 * pass finds them); NULL when out of memory. */
static struct tcp_rtt *tcp_rtt_get(struct dissector *d, uint32_t stream)
{
    struct tcp_rtt_state *st = d->tcp_rtt;
    if (!st && !(st = d->tcp_rtt = calloc(1, sizeof(*st))))
        return NULL;
    while (st->n <= stream) {
        if (st->n == st->cap) {
            uint32_t cap = st->cap ? st->cap * 2 : 64;
            struct tcp_rtt *r = cap > st->cap ? realloc(st->rtt, cap * sizeof(*r)) : NULL;
            if (!r)
                return NULL;
            st->rtt = r;
            st->cap = cap;
        }
        st->rtt[st->n] = st->n < st->n_seed ? st->seed[st->n] : (struct tcp_rtt){0, 0};
        st->n++;
    }
    return &st->rtt[stream];
}

/* Updates a stream's handshake times with a segment as Wireshark does: a
 * SYN sets the latest SYN time; the first segment with ACK and without SYN
 * after one sets the initial round-trip time. */
static void tcp_rtt_update(struct tcp_rtt *r, uint16_t flags, int64_t ts)
{
    if ((flags & (TH_SYN | TH_ACK)) == TH_SYN)
        r->mru_syn = ts;
    else if ((flags & (TH_SYN | TH_ACK)) == TH_ACK && r->mru_syn != 0 && r->first_rtt == 0)
        r->first_rtt = ts - r->mru_syn;
}

/* Records the TCP flag fields. */
static void tcp_flag_fields(struct frame_fields *ff, uint16_t flags)
{
    field_add_uint(ff, F_TCP_FLAGS, flags);
    field_add_uint(ff, F_TCP_FLAGS_SYN, (flags & TH_SYN) != 0);
    field_add_uint(ff, F_TCP_FLAGS_ACK, (flags & TH_ACK) != 0);
    field_add_uint(ff, F_TCP_FLAGS_FIN, (flags & TH_FIN) != 0);
    field_add_uint(ff, F_TCP_FLAGS_RESET, (flags & TH_RST) != 0);
}

/* Does what Wireshark does with a TCP header once its first 16 bytes are
 * there (s is the segment, t its header): finds the stream and records it,
 * the segment length (when the segment holds its header and is not quoted),
 * the flags (when the header length is not bogus), keeps the base sequence
 * numbers, the handshake times and the sequence analysis, and shows
 * tcp.analysis.initial_rtt on the frames Wireshark's analysis gives an
 * entry, if their whole header was captured (Wireshark reads the options
 * first).  Returns the flow (direction in *dir), or NULL. */
static __attribute__((noinline)) struct tcp_flow *tcp_header(struct dissect_ctx *c, struct span s,
                                                             const struct tcp_hdr *t, int *dir)
{
    struct frame_fields *ff = c->fields;
    bool ta;
    struct tcp_flow *f = tcp_flow_get(c, t, dir, &ta);
    if (!f)
        return NULL;
    bool analysed = !c->quoted && s.len >= t->hl;
    bool show_rtt = fields_want(ff, F_TCP_INITIAL_RTT);
    struct tcp_seq_state *sa = NULL;
    if (ff)
        field_add_uint(ff, F_TCP_STREAM, f->stream);
    if (analysed) {
        uint32_t seglen = (uint32_t)(s.len - t->hl);
        if (ff)
            field_add_uint(ff, F_TCP_LEN, seglen);
        tcp_base_update(f, *dir, t);
        if (show_rtt && (sa = tcp_seq_get(f)) != NULL && tcp_seq_analyze(sa, *dir, t, seglen))
            ta = true;
    }
    if (t->hl < 20)
        return f; /* Wireshark gives up at a bogus header length. */
    if (ff)
        tcp_flag_fields(ff, t->flags);
    if (sa && (t->flags & TH_SYN) && s.cap >= t->hl)
        tcp_seq_wscale(sa, *dir, t, s.p + 20, t->hl - 20);
    struct tcp_rtt *r = tcp_rtt_on(c) ? tcp_rtt_get(c->d, f->stream) : NULL;
    if (r) {
        tcp_rtt_update(r, t->flags, c->frame->ts_ns);
        if (show_rtt && analysed && ta && s.cap >= t->hl && r->first_rtt != 0)
            field_add_time(ff, F_TCP_INITIAL_RTT, r->first_rtt);
    }
    return f;
}

/* Reads the fixed part of a TCP header (16 bytes must be captured). */
static inline void tcp_hdr_read(struct tcp_hdr *t, const uint8_t *p)
{
    t->sport = be16(p);
    t->dport = be16(p + 2);
    t->seq = be32(p + 4);
    t->ack = be32(p + 8);
    t->hl = (size_t)(p[12] >> 4) * 4;
    t->flags = be16(p + 12) & 0x0fffu;
    t->window = be16(p + 14);
}

/* Records the port fields of a TCP header (4 bytes must be captured). */
static __attribute__((noinline)) void tcp_port_fields(struct frame_fields *ff, const uint8_t *p)
{
    field_add_uint(ff, F_TCP_SRCPORT, be16(p));
    field_add_uint(ff, F_TCP_DSTPORT, be16(p + 2));
    field_add_uint(ff, F_TCP_PORT, be16(p));
    field_add_uint(ff, F_TCP_PORT, be16(p + 2));
}

/* How a segment's sequence number relates to what its direction already carried. */
enum seg_kind {
    SEG_NEW,     /* It continues the stream (or is the first seen). */
    SEG_RETRANS, /* It carries only bytes already seen: Wireshark does not dissect it again. */
    SEG_GAP,     /* It starts past the next expected byte: a segment was lost. */
};

/* Classifies a segment and advances the direction's next expected sequence number. */
static enum seg_kind tcp_track_seq(struct tcp_half *h, uint32_t seq, size_t len, uint8_t flags)
{
    uint32_t end = seq + (uint32_t)len + ((flags & 0x02) ? 1 : 0) + ((flags & 0x01) ? 1 : 0);
    enum seg_kind kind = SEG_NEW;
    if (h->seq_set && len > 0 && (int32_t)(end - h->next_seq) <= 0)
        return SEG_RETRANS;
    if (h->seq_set && len > 0 && (int32_t)(seq - h->next_seq) > 0)
        kind = SEG_GAP;
    if (!h->seq_set || (int32_t)(end - h->next_seq) > 0)
        h->next_seq = end;
    h->seq_set = true;
    return kind;
}

/* Handles a TCP header that is quoted by an ICMP error or cut before its
 * 20th byte: fields only, and the stream state Wireshark keeps for it. */
static void dissect_tcp_partial(struct dissect_ctx *c, struct span s)
{
    struct tcp_hdr t;
    int dir;
    if (c->fields && s.cap >= 4)
        tcp_port_fields(c->fields, s.p);
    if (s.cap < 16 || !ctx_fields_mode(c))
        return;
    tcp_hdr_read(&t, s.p);
    (void)tcp_header(c, s, &t, &dir);
}

/* Dissects a TCP segment and, through the stream state, its application PDUs. */
void dissect_tcp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, PROTO_TCP);
    if (s.cap < 20 || c->quoted) {
        dissect_tcp_partial(c, s);
        if (!c->quoted)
            (void)dissect_need(c, s, 20);
        return;
    }
    struct tcp_hdr t;
    int dir;
    tcp_hdr_read(&t, s.p);
    if (c->fields)
        tcp_port_fields(c->fields, s.p);
    /* Wireshark stops before its TCP tap at a bogus or cut header: the
     * segment counts nowhere, though its fields and stream are kept. */
    bool whole = t.hl >= 20 && dissect_need(c, s, t.hl);
    struct tcp_flow *f;
    if (ctx_fields_mode(c)) {
        f = tcp_header(c, s, &t, &dir);
    } else {
        /* The summaries need only the stream and its base sequence numbers. */
        bool reused;
        f = whole ? tcp_flow_get(c, &t, &dir, &reused) : NULL;
        if (f)
            tcp_base_update(f, dir, &t);
    }
    if (!f || !whole)
        return;
    dissect_note_tcp(c, t.sport, t.dport, f->stream);
    struct span p = span_from(s, t.hl);
    struct tcp_half *h = &f->half[dir];
    enum seg_kind kind = tcp_track_seq(h, t.seq, p.len, (uint8_t)t.flags);
    if (kind == SEG_RETRANS)
        return;
    if (kind == SEG_GAP)
        tcp_pdu_gap(h);
    if (p.len > 0)
        f->app = (uint8_t)tcp_pdu_detect((enum proto_id)f->app, t.sport, t.dport, p);
    if (p.len > 0)
        tcp_pdu_segment(c, (enum proto_id)f->app, h, &f->half[!dir], p);
    if (t.flags & TH_FIN)
        tcp_pdu_fin(c, (enum proto_id)f->app, h);
}

/* Frees one flow's buffers (a hash_table_foreach callback). */
static void tcp_flow_free(void *entry, void *ctx)
{
    (void)ctx;
    tcp_flow_reset(entry);
}

/* Frees the handshake times of a pass. */
static void tcp_rtt_free(struct dissector *d)
{
    if (d->tcp_rtt) {
        free(d->tcp_rtt->rtt);
        free(d->tcp_rtt->seed);
        free(d->tcp_rtt);
        d->tcp_rtt = NULL;
    }
}

/* Frees the TCP stream table and the handshake times. */
void tcp_streams_free(struct dissector *d)
{
    hash_table_foreach(&d->tcp_flows, tcp_flow_free, NULL);
    hash_table_free(&d->tcp_flows);
    tcp_rtt_free(d);
}

/* Returns true when tcp.analysis.initial_rtt is wanted: it is shown on
 * frames before the ACK that completes the handshake, so tshark -2 learns
 * it in a first pass. */
bool tcp_needs_first_pass(const struct frame_fields *ff)
{
    return fields_want(ff, F_TCP_INITIAL_RTT);
}

/* Moves the first pass's final handshake times to the second pass, which
 * starts each stream from them. */
void tcp_take_first_pass(struct dissector *second, struct dissector *first)
{
    struct tcp_rtt_state *from = first->tcp_rtt;
    if (!from)
        return;
    tcp_rtt_free(second);
    second->tcp_rtt = calloc(1, sizeof(*second->tcp_rtt));
    if (!second->tcp_rtt)
        return;
    second->tcp_rtt->seed = from->rtt;
    second->tcp_rtt->n_seed = from->n;
    from->rtt = NULL;
    from->n = from->cap = 0;
}
