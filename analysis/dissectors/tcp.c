/* Owns TCP: the segment header and its fields, stream tracking (tcp.stream
 * indices, reuse of a 4-tuple by a new SYN), retransmission detection, the
 * framing of application PDUs across segments the way Wireshark's TCP
 * reassembly shows them (a PDU is named in the frame that completes it, and
 * a PDU that spanned several segments adds a "tcp.segments" node after it),
 * and tcp.analysis.initial_rtt: the handshake times of each stream and the
 * part of Wireshark's sequence analysis that decides which frames show it. */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"
#include "hash_table.h"

#include <stdlib.h>
#include <string.h>

/* The TCP protocol, its fields and the pseudo-protocol of reassembled PDUs. */
static int proto_tcp, hf_srcport, hf_dstport, hf_port, hf_stream, hf_flags, hf_flags_syn,
    hf_flags_ack, hf_flags_fin, hf_flags_reset, hf_len, hf_initial_rtt;

/* The pseudo-protocol shown after a PDU reassembled from several segments. */
int tcp_proto_segments;

/* The port table and the heuristics applications register in. */
static struct dissector_table *port_table;
static struct heur_list *heuristics;

/* The state slot of the streams. */
static int streams_slot;

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
    struct tcp_key key;                 /* The connection's identity; must come first. */
    uint32_t stream;                    /* Its tcp.stream index. */
    const struct dissector_handle *app; /* The stream's application, or NULL (data). */
    struct tcp_half half[2];  /* Per direction: 0 is from endpoint a, 1 from endpoint b. */
    struct tcp_seq_state *sa; /* Sequence analysis, only while initial_rtt is shown; or NULL. */
};

/* The handshake times of one stream, as Wireshark's tcp_analysis keeps
 * them; 0 means none (Wireshark tests them with nstime_is_zero). */
struct tcp_rtt {
    int64_t mru_syn;   /* Time of the latest SYN (without ACK), in ns since the epoch. */
    int64_t first_rtt; /* From that SYN to the first segment with ACK and without SYN, in ns. */
};

/* The streams of a pass. */
struct tcp_state {
    struct hash_table flows;   /* struct tcp_flow by struct tcp_key. */
    uint32_t next_stream;      /* Index the next new stream gets. */
    struct tcp_rtt_state *rtt; /* Handshake times per stream, or NULL. */
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

/* Chooses a new stream's application from the port table: the SYN's
 * destination port first, then the lower port, then the higher; NULL (data)
 * when none has one. */
static const struct dissector_handle *tcp_choose_app(uint16_t sport, uint16_t dport, bool syn_only)
{
    const struct dissector_handle *h;
    if (syn_only && (h = dissector_table_get(port_table, dport)) != NULL)
        return h;
    uint16_t lo = sport < dport ? sport : dport, hi = sport < dport ? dport : sport;
    if ((h = dissector_table_get(port_table, lo)) != NULL)
        return h;
    return dissector_table_get(port_table, hi);
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
        tcp_pdu_free(f->app, &f->half[i]);
        memset(&f->half[i], 0, sizeof(f->half[i]));
    }
    tcp_seq_free(f);
}

/* Returns new empty streams; NULL when out of memory. */
static struct tcp_state *tcp_state_new(void)
{
    struct tcp_state *ts = calloc(1, sizeof(*ts));
    if (ts)
        hash_table_init(&ts->flows, sizeof(struct tcp_key), sizeof(struct tcp_flow));
    return ts;
}

/* Returns the streams of a pass, made on first use; NULL when out of memory. */
static inline struct tcp_state *tcp_state_get(struct dissector *d)
{
    struct tcp_state *ts = d->state[streams_slot];
    if (__builtin_expect(ts == NULL, 0))
        ts = d->state[streams_slot] = tcp_state_new();
    return ts;
}

/* Finds or creates the flow of a segment and returns it with the direction
 * index in *dir.  As in Wireshark, a SYN whose sequence number differs from
 * its direction's base starts a new stream, and *reused tells when the
 * segment is flagged "ports reused" (that SYN, or such a SYN-ACK). */
static inline __attribute__((always_inline)) struct tcp_flow *
tcp_flow_get(struct dissect_ctx *c, const struct tcp_hdr *t, int *dir, bool *reused)
{
    struct tcp_state *ts = tcp_state_get(c->d);
    struct tcp_key k;
    int created;
    int cmp = net_addr_cmp(&c->net_src, &c->net_dst);
    bool src_low = cmp < 0 || (cmp == 0 && t->sport <= t->dport);

    if (!ts)
        return NULL;
    memset(&k, 0, sizeof(k));
    k.a = src_low ? c->net_src : c->net_dst;
    k.b = src_low ? c->net_dst : c->net_src;
    k.port_a = src_low ? t->sport : t->dport;
    k.port_b = src_low ? t->dport : t->sport;
    *dir = src_low ? 0 : 1;
    struct tcp_flow *f = hash_table_upsert(&ts->flows, &k, &created);
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
        f->stream = ts->next_stream++;
        f->app = tcp_choose_app(t->sport, t->dport, syn_only);
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
    return ctx_wants(c, hf_initial_rtt);
}

/* Returns the handshake times of a stream, adding entries up to it (a second
 * pass starts each from the first pass's final times, as Wireshark's second
 * pass finds them); NULL when out of memory. */
static struct tcp_rtt *tcp_rtt_get(struct dissector *d, uint32_t stream)
{
    struct tcp_state *ts = tcp_state_get(d);
    struct tcp_rtt_state *st = ts ? ts->rtt : NULL;
    if (!ts || (!st && !(st = ts->rtt = calloc(1, sizeof(*st)))))
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
    field_add_uint(ff, hf_flags, flags);
    field_add_uint(ff, hf_flags_syn, (flags & TH_SYN) != 0);
    field_add_uint(ff, hf_flags_ack, (flags & TH_ACK) != 0);
    field_add_uint(ff, hf_flags_fin, (flags & TH_FIN) != 0);
    field_add_uint(ff, hf_flags_reset, (flags & TH_RST) != 0);
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
    bool show_rtt = fields_want(ff, hf_initial_rtt);
    struct tcp_seq_state *sa = NULL;
    if (ff)
        field_add_uint(ff, hf_stream, f->stream);
    if (analysed) {
        uint32_t seglen = (uint32_t)(s.len - t->hl);
        if (ff)
            field_add_uint(ff, hf_len, seglen);
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
            field_add_time(ff, hf_initial_rtt, r->first_rtt);
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
    field_add_uint(ff, hf_srcport, be16(p));
    field_add_uint(ff, hf_dstport, be16(p + 2));
    field_add_uint(ff, hf_port, be16(p));
    field_add_uint(ff, hf_port, be16(p + 2));
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

/* Returns the application of a stream given one more payload segment. */
static const struct dissector_handle *tcp_detect_app(const struct dissector_handle *app,
                                                     const struct tcp_hdr *t, struct span p);

/* Dissects a TCP segment and, through the stream state, its application PDUs. */
static void dissect_tcp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_tcp);
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
    dissect_add_port_layer(c, true, t.sport, t.dport, f->stream);
    struct span p = span_from(s, t.hl);
    struct tcp_half *h = &f->half[dir];
    enum seg_kind kind = tcp_track_seq(h, t.seq, p.len, (uint8_t)t.flags);
    if (kind == SEG_RETRANS)
        return;
    if (kind == SEG_GAP)
        tcp_pdu_gap(f->app, h);
    if (p.len > 0)
        f->app = tcp_detect_app(f->app, &t, p);
    if (p.len > 0)
        tcp_pdu_segment(c, f->app, h, &f->half[!dir], p);
    if (t.flags & TH_FIN)
        tcp_pdu_fin(c, f->app, h);
}

/* Frees one flow's buffers (a hash_table_foreach callback). */
static void tcp_flow_free(void *entry, void *ctx)
{
    (void)ctx;
    tcp_flow_reset(entry);
}

/* Frees the handshake times of a pass. */
static void tcp_rtt_free(struct tcp_rtt_state *rtt)
{
    if (rtt) {
        free(rtt->rtt);
        free(rtt->seed);
        free(rtt);
    }
}

/* Frees the streams of a pass and their handshake times. */
static void tcp_state_free(void *state)
{
    struct tcp_state *ts = state;
    hash_table_foreach(&ts->flows, tcp_flow_free, NULL);
    hash_table_free(&ts->flows);
    tcp_rtt_free(ts->rtt);
    free(ts);
}

/* Returns true when tcp.analysis.initial_rtt is wanted: it is shown on
 * frames before the ACK that completes the handshake, so tshark -2 learns
 * it in a first pass. */
static bool tcp_needs_first_pass(const struct frame_fields *ff)
{
    return fields_want(ff, hf_initial_rtt);
}

/* Moves the first pass's final handshake times to the second pass, which
 * starts each stream from them. */
static void tcp_take_first_pass(void **second, void **first)
{
    struct tcp_state *from = *first, *to = *second;
    if (!from || !from->rtt)
        return;
    if (!to && !(to = *second = tcp_state_new()))
        return;
    tcp_rtt_free(to->rtt);
    if (!(to->rtt = calloc(1, sizeof(*to->rtt))))
        return;
    to->rtt->seed = from->rtt->rtt;
    to->rtt->n_seed = from->rtt->n;
    from->rtt->rtt = NULL;
    from->rtt->n = from->rtt->cap = 0;
}

/* Returns the application of a stream given one more payload segment: a
 * stream without one (data) gets the first "tcp" heuristic that matches
 * (TLS on tshark's TLS ports or by its record header); otherwise app is kept. */
static const struct dissector_handle *tcp_detect_app(const struct dissector_handle *app,
                                                     const struct tcp_hdr *t, struct span p)
{
    if (app != NULL || heuristics->n == 0)
        return app;
    struct heur_args a = {p.p, p.cap, p.len, t->sport, t->dport};
    return heur_list_match(heuristics, &a);
}

/* The TCP dissector. */
static const struct dissector_handle tcp_handle = {&proto_tcp, dissect_tcp, NULL};

/* Registers TCP, its fields, its port table, heuristic list and state. */
static void tcp_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_srcport, "tcp.srcport", "Source Port", FT_UINT16, BASE_PT_TCP, 0, NULL),
        HF(&hf_dstport, "tcp.dstport", "Destination Port", FT_UINT16, BASE_PT_TCP, 0, NULL),
        HF(&hf_port, "tcp.port", "Source or Destination Port", FT_UINT16, BASE_PT_TCP, 0, NULL),
        HF(&hf_stream, "tcp.stream", "Stream index", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_len, "tcp.len", "TCP Segment Len", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_flags, "tcp.flags", "Flags", FT_UINT16, BASE_HEX, 0x0fff, NULL),
        HF_TFS(&hf_flags_ack, "tcp.flags.ack", "Acknowledgment", 0x010, tfs_set_notset),
        HF_TFS(&hf_flags_reset, "tcp.flags.reset", "Reset", 0x004, tfs_set_notset),
        HF_TFS(&hf_flags_syn, "tcp.flags.syn", "Syn", 0x002, tfs_set_notset),
        HF_TFS(&hf_flags_fin, "tcp.flags.fin", "Fin", 0x001, tfs_set_notset),
        HF(&hf_initial_rtt, "tcp.analysis.initial_rtt", "iRTT", FT_RELATIVE_TIME, BASE_NONE, 0,
           NULL),
    };
    static const struct proto_hooks hooks = {.free_state = tcp_state_free,
                                             .needs_first_pass = tcp_needs_first_pass,
                                             .take_first_pass = tcp_take_first_pass};
    proto_tcp = registry_proto("tcp", "Transmission Control Protocol");
    registry_fields(proto_tcp, hf, ARRAY_COUNT(hf));
    tcp_proto_segments = registry_proto("tcp.segments", "Reassembled TCP Segments");
    port_table = registry_table_new("tcp.port", 16);
    heuristics = registry_heur_list_new("tcp");
    streams_slot = registry_proto_state(proto_tcp, &hooks);
}

/* TCP on IP protocol 6. */
static void tcp_handoff(void)
{
    registry_table_add("ip.proto", 6, &tcp_handle);
}

const struct dissector_module dissector_tcp = {tcp_register, tcp_handoff};
