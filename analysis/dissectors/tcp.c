/* Owns TCP: the segment header, its options and fields (tcp.*), stream
 * tracking (tcp.stream indices, reuse of a 4-tuple by a new SYN, base
 * sequence numbers for relative ones, conversation timestamps and
 * completeness), the sequence analysis verdicts (tcp_analysis.c computes
 * them), retransmission detection for the framing of application PDUs
 * (tcp_pdu.c), and the hand-off of payloads to the application of the
 * "tcp.port" table or the "tcp" heuristics.  Fields appear in the order,
 * and as far into a cut header, as Wireshark 4.0 adds them. */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"
#include "dissectors/tcp_analysis.h"
#include "hash_table.h"

#include <stdlib.h>
#include <string.h>

/* The TCP protocol and its fields. */
static int proto_tcp, hf_srcport, hf_dstport, hf_port, hf_stream, hf_completeness, hf_len, hf_seq,
    hf_seq_raw, hf_nxtseq, hf_ack, hf_ack_raw, hf_hdr_len, hf_flags, hf_flags_res, hf_flags_ae,
    hf_flags_cwr, hf_flags_ece, hf_flags_urg, hf_flags_ack, hf_flags_push, hf_flags_reset,
    hf_flags_syn, hf_flags_fin, hf_flags_str, hf_window_size_value, hf_window_size,
    hf_window_size_scalefactor, hf_checksum, hf_checksum_status, hf_urgent_pointer, hf_options,
    hf_time_relative, hf_time_delta, hf_payload;

/* The options and their fields. */
static int proto_mptcp, proto_opt_eol, proto_opt_nop, proto_opt_mss, proto_opt_wscale,
    proto_opt_sack_perm, proto_opt_sack, proto_opt_timestamp, hf_option_kind, hf_option_len,
    hf_mss_val, hf_wscale_shift, hf_wscale_multiplier, hf_sack_le, hf_sack_re, hf_sack_count,
    hf_dsack_le, hf_dsack_re, hf_dsack, hf_ts_val, hf_ts_ecr;

/* The sequence analysis fields. */
static int hf_analysis, hf_acks_frame, hf_ack_rtt, hf_initial_rtt, hf_bytes_in_flight,
    hf_push_bytes_sent, hf_analysis_flags, hf_a_retransmission, hf_a_fast_retransmission,
    hf_a_spurious_retransmission, hf_a_out_of_order, hf_a_reused_ports, hf_a_lost_segment,
    hf_a_ack_lost_segment, hf_a_window_update, hf_a_window_full, hf_a_keep_alive,
    hf_a_keep_alive_ack, hf_a_duplicate_ack, hf_a_duplicate_ack_num, hf_a_duplicate_ack_frame,
    hf_a_zero_window_probe, hf_a_zero_window, hf_a_zero_window_probe_ack, hf_a_rto, hf_a_rto_frame;

/* The pseudo-protocol shown after a PDU reassembled from several segments. */
int tcp_proto_segments;

/* The port table and the heuristics applications register in. */
static struct dissector_table *port_table;
static struct heur_list *heuristics;

/* The state slot of the streams. */
static int streams_slot;

/* Conversation completeness bits (tcp.completeness). */
enum {
    TC_SYNSENT = 0x01, /* A pure SYN opened it. */
    TC_SYNACK = 0x02,  /* A SYN-ACK was seen. */
    TC_ACK = 0x04,     /* A pure ACK was seen. */
    TC_DATA = 0x08,    /* Data was seen. */
    TC_FIN = 0x10,     /* A FIN-ACK was seen. */
    TC_RST = 0x20,     /* A RST was seen. */
};

/* Identifies a TCP connection independently of direction. */
struct tcp_key {
    struct net_addr a; /* Lower of the two endpoint addresses. */
    struct net_addr b; /* Higher of the two endpoint addresses. */
    uint16_t port_a;   /* Port of endpoint a. */
    uint16_t port_b;   /* Port of endpoint b. */
    uint16_t pad;      /* Zero, rounding the key to whole 8-byte words. */
};

/* One TCP connection. */
struct tcp_flow {
    struct tcp_key key;                 /* The connection's identity; must come first. */
    uint32_t stream;                    /* Its tcp.stream index. */
    const struct dissector_handle *app; /* The stream's application, or NULL (data). */
    struct tcp_half half[2];  /* Per direction: 0 is from endpoint a, 1 from endpoint b. */
    struct tcp_seq_state *sa; /* Sequence analysis, when its fields are wanted; or NULL. */
    int64_t ts_first;         /* Time of its first segment (tcp.time_relative). */
    int64_t ts_prev;          /* Time of its previous segment (tcp.time_delta). */
};

/* What a first pass learns of a stream that tshark -2 shows on every frame:
 * the handshake times and the completeness; 0 means none. */
struct tcp_facts {
    int64_t mru_syn;      /* Time of the latest SYN (without ACK), in ns since the epoch. */
    int64_t first_rtt;    /* From that SYN to the first segment with ACK and without SYN. */
    uint8_t completeness; /* enum TC_* bits. */
};

/* The per-stream facts of a pass, by tcp.stream index. */
struct tcp_facts_table {
    struct tcp_facts *at;   /* This pass's facts, n entries. */
    uint32_t n;             /* Streams with an entry. */
    uint32_t cap;           /* Allocated entries. */
    struct tcp_facts *seed; /* The first pass's final facts (n_seed entries), or NULL. */
    uint32_t n_seed;        /* Entries in seed. */
};

/* The streams of a pass, and what this pass computes of them. */
struct tcp_state {
    struct hash_table flows;      /* struct tcp_flow by struct tcp_key. */
    struct tcp_flow *last;        /* The flow of the last segment (NULL before the first):
                                     consecutive segments mostly share one, and comparing
                                     their endpoints with it costs less than hashing a key.
                                     Flows move only when the table grows, in the lookup
                                     that sets this again. */
    uint32_t next_stream;         /* Index the next new stream gets. */
    struct tcp_facts_table facts; /* Per stream facts, when wanted. */
    bool facts_on;                /* This pass (or the next) shows initial RTT or completeness. */
    bool analysis_on; /* This pass shows a field of the sequence analysis or window scaling. */
    /* Which groups of header fields this pass shows (each tested once a
     * pass, not field by field on every segment): */
    bool seq_fields_on;  /* The sequence and acknowledgement numbers. */
    bool flag_fields_on; /* The flags. */
    bool tail_fields_on; /* Window, checksum, options, stream times, analysis. */
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

/* What one segment's header gives the fields beyond its own bytes. */
struct tcp_seg_info {
    struct tcp_flow *f;  /* Its stream. */
    int dir;             /* Its direction in the stream. */
    bool have_seglen;    /* Its length is known (not quoted, header within it). */
    uint32_t seglen;     /* Then, its payload length. */
    bool reused;         /* It reuses the ports of an earlier stream. */
    int64_t ts_delta;    /* Time since the stream's previous segment. */
    struct tcp_acked ta; /* Its sequence analysis (present or not). */
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

/* Frees the buffers of a flow's two directions and its sequence analysis. */
static void tcp_flow_reset(struct tcp_flow *f)
{
    for (int i = 0; i < 2; i++) {
        tcp_pdu_free(f->app, &f->half[i]);
        memset(&f->half[i], 0, sizeof(f->half[i]));
    }
    tcp_seq_free(f->sa);
    f->sa = NULL;
}

/* Returns true when one of the sequence analysis or window scaling fields
 * is wanted in ff. */
static bool analysis_wanted(const struct frame_fields *ff)
{
    static const int *const ids[] = {
        &hf_analysis,
        &hf_acks_frame,
        &hf_ack_rtt,
        &hf_initial_rtt,
        &hf_bytes_in_flight,
        &hf_push_bytes_sent,
        &hf_analysis_flags,
        &hf_window_size,
        &hf_window_size_scalefactor,
        &hf_a_retransmission,
        &hf_a_fast_retransmission,
        &hf_a_spurious_retransmission,
        &hf_a_out_of_order,
        &hf_a_reused_ports,
        &hf_a_lost_segment,
        &hf_a_ack_lost_segment,
        &hf_a_window_update,
        &hf_a_window_full,
        &hf_a_keep_alive,
        &hf_a_keep_alive_ack,
        &hf_a_duplicate_ack,
        &hf_a_duplicate_ack_num,
        &hf_a_duplicate_ack_frame,
        &hf_a_zero_window_probe,
        &hf_a_zero_window,
        &hf_a_zero_window_probe_ack,
        &hf_a_rto,
        &hf_a_rto_frame,
    };
    if (!ff || !ff->want_any)
        return false;
    for (size_t i = 0; i < ARRAY_COUNT(ids); i++)
        if (ff->want[*ids[i]])
            return true;
    return false;
}

/* Returns new empty streams for a pass; NULL when out of memory. */
static struct tcp_state *tcp_state_new(const struct dissector *d)
{
    struct tcp_state *ts = calloc(1, sizeof(*ts));
    if (!ts)
        return NULL;
    hash_table_init(&ts->flows, sizeof(struct tcp_key), sizeof(struct tcp_flow));
    ts->analysis_on = analysis_wanted(d->fields);
    ts->seq_fields_on = fields_want_range(d->fields, hf_seq, hf_ack_raw);
    ts->flag_fields_on = fields_want_range(d->fields, hf_flags, hf_flags_str);
    ts->tail_fields_on = fields_want_range(d->fields, hf_window_size_value, hf_time_delta) ||
                         fields_want_range(d->fields, hf_option_kind, proto_mptcp) ||
                         fields_want_range(d->fields, hf_analysis, hf_a_rto_frame);
    ts->facts_on =
        fields_want(d->fields, hf_initial_rtt) || fields_want(d->fields, hf_completeness) ||
        fields_want(d->next_pass, hf_initial_rtt) || fields_want(d->next_pass, hf_completeness);
    return ts;
}

/* Returns the streams of a pass, made on first use; NULL when out of memory. */
static inline struct tcp_state *tcp_state_get(struct dissector *d)
{
    struct tcp_state *ts = d->state[streams_slot];
    if (__builtin_expect(ts == NULL, 0))
        ts = d->state[streams_slot] = tcp_state_new(d);
    return ts;
}

/* Finds or creates by its key the flow of a segment from (src, sport) to
 * (dst, dport); returns it (NULL when out of memory) with the direction
 * index in *dir and *new_entry telling whether it was created. */
static __attribute__((noinline)) struct tcp_flow *
tcp_flow_lookup(struct tcp_state *ts, const struct net_addr *src, uint16_t sport,
                const struct net_addr *dst, uint16_t dport, int *dir, int *new_entry)
{
    struct tcp_key k;
    int cmp = net_addr_cmp(src, dst);
    bool src_low = cmp < 0 || (cmp == 0 && sport <= dport);

    memset(&k, 0, sizeof(k));
    k.a = src_low ? *src : *dst;
    k.b = src_low ? *dst : *src;
    k.port_a = src_low ? sport : dport;
    k.port_b = src_low ? dport : sport;
    *dir = src_low ? 0 : 1;
    return hash_table_upsert(&ts->flows, &k, new_entry);
}

/* Finds or creates the flow of a segment and returns it with the direction
 * index in *dir.  As in Wireshark, a SYN whose sequence number differs from
 * its direction's base starts a new stream, and *reused tells when the
 * segment is flagged "ports reused" (that SYN, or such a SYN-ACK); *created
 * when the segment starts a stream. */
static inline __attribute__((always_inline)) struct tcp_flow *
tcp_flow_get(struct dissect_ctx *c, const struct tcp_hdr *t, int *dir, bool *reused, bool *created)
{
    struct tcp_state *ts = tcp_state_get(c->d);
    int new_entry = 0;

    if (!ts)
        return NULL;
    struct tcp_flow *f = ts->last;
    *dir = f ? net_pair_direction(&f->key.a, f->key.port_a, &f->key.b, f->key.port_b, &c->net_src,
                                  t->sport, &c->net_dst, t->dport)
             : -1;
    if (*dir < 0) {
        f = tcp_flow_lookup(ts, &c->net_src, t->sport, &c->net_dst, t->dport, dir, &new_entry);
        if (!f)
            return NULL;
        ts->last = f;
    }
    bool syn_only = (t->flags & (TH_SYN | TH_ACK)) == TH_SYN;
    struct tcp_half *h = &f->half[*dir];
    *reused = !new_entry && (t->flags & TH_SYN) && h->base_set && h->base_seq != t->seq;
    *created = new_entry != 0;
    if (*reused && syn_only) {
        tcp_flow_reset(f);
        new_entry = 1;
    } else if (*reused) {
        h->base_seq = t->seq; /* A SYN-ACK with a new sequence number (Wireshark's 16944). */
    }
    if (new_entry) {
        f->stream = ts->next_stream++;
        f->app = tcp_choose_app(t->sport, t->dport, syn_only);
        f->ts_first = c->frame->ts_ns;
        f->ts_prev = c->frame->ts_ns;
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

/* Returns a stream's facts, adding entries up to it (a second pass starts
 * each from the first pass's final facts, as Wireshark's second pass finds
 * them); NULL when out of memory. */
static struct tcp_facts *tcp_facts_get(struct tcp_state *ts, uint32_t stream)
{
    struct tcp_facts_table *ft = &ts->facts;
    while (ft->n <= stream) {
        if (ft->n == ft->cap) {
            uint32_t cap = ft->cap ? ft->cap * 2 : 64;
            struct tcp_facts *r = cap > ft->cap ? realloc(ft->at, cap * sizeof(*r)) : NULL;
            if (!r)
                return NULL;
            ft->at = r;
            ft->cap = cap;
        }
        ft->at[ft->n] = ft->n < ft->n_seed ? ft->seed[ft->n] : (struct tcp_facts){0, 0, 0};
        ft->n++;
    }
    return &ft->at[stream];
}

/* Updates a stream's handshake times with a segment as Wireshark does: a
 * SYN sets the latest SYN time; the first segment with ACK and without SYN
 * after one sets the initial round-trip time. */
static void tcp_rtt_update(struct tcp_facts *r, uint16_t flags, int64_t ts)
{
    if ((flags & (TH_SYN | TH_ACK)) == TH_SYN)
        r->mru_syn = ts;
    else if ((flags & (TH_SYN | TH_ACK)) == TH_ACK && r->mru_syn != 0 && r->first_rtt == 0)
        r->first_rtt = ts - r->mru_syn;
}

/* Moves a stream's completeness forward with a segment, as Wireshark does
 * (a stream's first segment counts only if it is a pure SYN).  A second
 * pass starts from the first pass's final value and only adds to it, as
 * Wireshark's second pass, which finds every conversation existing. */
static void tcp_completeness_update(struct tcp_facts *r, const struct tcp_hdr *t,
                                    const struct tcp_seg_info *si, bool created, bool seeded)
{
    uint16_t sa = t->flags & (TH_SYN | TH_ACK);
    if (created && !seeded) {
        r->completeness = 0;
        if (sa == TH_SYN)
            r->completeness = TC_SYNSENT | (si->seglen > 0 ? TC_DATA : 0);
        return;
    }
    if (si->reused && sa == TH_SYN && !seeded)
        r->completeness = TC_SYNSENT;
    if (sa == (TH_SYN | TH_ACK))
        r->completeness |= TC_SYNACK;
    if (sa == TH_ACK)
        r->completeness |= si->seglen > 0 ? TC_DATA : TC_ACK;
    if ((t->flags & (TH_FIN | TH_ACK)) == (TH_FIN | TH_ACK))
        r->completeness |= TC_FIN;
    if (t->flags & TH_RST)
        r->completeness |= TC_RST;
}

/* Writes the letters of the flags as Wireshark's tcp.flags.str shows them:
 * one position per bit, from the reserved bits to FIN, "·" when clear.
 * Returns the length written into buf (at least 36 bytes). */
static size_t tcp_flags_str(uint16_t flags, char *buf)
{
    static const char letters[] = "RRRACEUAPRSF";
    size_t n = 0;
    for (int bit = 11; bit >= 0; bit--) {
        if (flags & (1u << bit)) {
            buf[n++] = letters[11 - bit];
        } else {
            memcpy(buf + n, "\xc2\xb7", 2); /* U+00B7 MIDDLE DOT */
            n += 2;
        }
    }
    return n;
}

/* Records the flag fields of a header. */
static void tcp_flag_fields(struct frame_fields *ff, uint16_t flags)
{
    char str[36];
    field_add_uint(ff, hf_flags, flags);
    field_add_uint(ff, hf_flags_res, (flags & 0xe00) != 0);
    field_add_uint(ff, hf_flags_ae, (flags & TH_AE) != 0);
    field_add_uint(ff, hf_flags_cwr, (flags & TH_CWR) != 0);
    field_add_uint(ff, hf_flags_ece, (flags & TH_ECE) != 0);
    field_add_uint(ff, hf_flags_urg, (flags & TH_URG) != 0);
    field_add_uint(ff, hf_flags_ack, (flags & TH_ACK) != 0);
    field_add_uint(ff, hf_flags_push, (flags & TH_PUSH) != 0);
    field_add_uint(ff, hf_flags_reset, (flags & TH_RST) != 0);
    field_add_uint(ff, hf_flags_syn, (flags & TH_SYN) != 0);
    field_add_uint(ff, hf_flags_fin, (flags & TH_FIN) != 0);
    if (fields_want(ff, hf_flags_str))
        field_add_string(ff, hf_flags_str, str, tcp_flags_str(flags, str));
}

/* Records the window fields: raw, scaled by the direction's known shift
 * (SYNs never are), and the scaling factor (-1 unknown, -2 none). */
static void tcp_window_fields(struct frame_fields *ff, const struct tcp_hdr *t,
                              const struct tcp_seg_info *si)
{
    const struct tcp_seq_dir *fwd = si->f->sa ? &si->f->sa->dir[si->dir] : NULL;
    int scale = fwd ? fwd->win_scale : -1;
    uint32_t win = t->window;
    if (si->have_seglen && !(t->flags & TH_SYN) && scale >= 0)
        win <<= scale;
    field_add_uint(ff, hf_window_size_value, t->window);
    field_add_uint(ff, hf_window_size, win);
    if (!(t->flags & TH_SYN))
        field_add_int(ff, hf_window_size_scalefactor, scale >= 0 ? 1 << scale : scale);
}

/* Records the sequence analysis of a segment that has one: the frame it
 * acknowledges and the RTT, the initial RTT, bytes in flight, the verdicts. */
static void tcp_analysis_fields(struct frame_fields *ff, const struct tcp_acked *ta,
                                int64_t first_rtt)
{
    static const struct {
        uint32_t flag; /* A verdict. */
        const int *hf; /* Its field. */
    } verdicts[] = {
        {TA_REUSED_PORTS, &hf_a_reused_ports},
        {TA_RETRANSMISSION, &hf_a_retransmission},
        {TA_FAST_RETRANSMISSION, &hf_a_fast_retransmission},
        {TA_SPURIOUS_RETRANSMISSION, &hf_a_spurious_retransmission},
        {TA_OUT_OF_ORDER, &hf_a_out_of_order},
        {TA_LOST_PACKET, &hf_a_lost_segment},
        {TA_ACK_LOST_PACKET, &hf_a_ack_lost_segment},
        {TA_WINDOW_UPDATE, &hf_a_window_update},
        {TA_WINDOW_FULL, &hf_a_window_full},
        {TA_KEEP_ALIVE, &hf_a_keep_alive},
        {TA_KEEP_ALIVE_ACK, &hf_a_keep_alive_ack},
        {TA_ZERO_WINDOW_PROBE, &hf_a_zero_window_probe},
        {TA_ZERO_WINDOW, &hf_a_zero_window},
        {TA_ZERO_WINDOW_PROBE_ACK, &hf_a_zero_window_probe_ack},
    };
    field_add_present(ff, hf_analysis);
    if (ta->frame_acked) {
        field_add_uint(ff, hf_acks_frame, ta->frame_acked);
        if (ta->ack_rtt)
            field_add_time(ff, hf_ack_rtt, ta->ack_rtt);
    }
    if (first_rtt)
        field_add_time(ff, hf_initial_rtt, first_rtt);
    if (ta->bytes_in_flight) {
        field_add_uint(ff, hf_bytes_in_flight, ta->bytes_in_flight);
        field_add_uint(ff, hf_push_bytes_sent, ta->push_bytes_sent);
    }
    if (!ta->flags)
        return;
    field_add_present(ff, hf_analysis_flags);
    for (size_t i = 0; i < ARRAY_COUNT(verdicts); i++) {
        if (!(ta->flags & verdicts[i].flag))
            continue;
        field_add_present(ff, *verdicts[i].hf);
        if (verdicts[i].flag == TA_RETRANSMISSION && ta->rto) {
            field_add_time(ff, hf_a_rto, ta->rto);
            field_add_uint(ff, hf_a_rto_frame, ta->rto_frame);
        }
        if (verdicts[i].flag & (TA_FAST_RETRANSMISSION | TA_SPURIOUS_RETRANSMISSION))
            field_add_present(ff, hf_a_retransmission);
    }
    if (ta->dupack_num) {
        if (ta->flags & TA_DUPLICATE_ACK)
            field_add_present(ff, hf_a_duplicate_ack);
        field_add_uint(ff, hf_a_duplicate_ack_num, ta->dupack_num);
        field_add_uint(ff, hf_a_duplicate_ack_frame, ta->dupack_frame);
        field_add_present(ff, hf_a_duplicate_ack); /* The expert item has the same name. */
    }
}

/* Most SACK blocks of a segment kept for the bytes in flight. */
#define TCP_SACK_KEEP 3

/* The options of one header, as the option walk leaves them for the stream. */
struct tcp_opts_seen {
    uint32_t base_ack;               /* The peer's base: SACK edges are relative to it. */
    uint32_t ack;                    /* The segment's relative ACK (for D-SACK). */
    bool wscale;                     /* A window scale option was read. */
    uint8_t shift;                   /* Its shift count. */
    uint32_t n_sack;                 /* SACK blocks read. */
    uint32_t sack_le[TCP_SACK_KEEP]; /* The first ones' relative left edges. */
    uint32_t sack_re[TCP_SACK_KEEP]; /* Their right edges. */
    bool mptcp;                      /* A Multipath TCP option (kind 30) was walked. */
};

/* Records the blocks of a SACK option of len bytes at o, relative to the
 * peer's base, and the D-SACK block (RFC 2883) when the first block is
 * already acknowledged or inside the second. */
static void tcp_option_sack(struct frame_fields *ff, const uint8_t *o, size_t len,
                            struct tcp_opts_seen *seen)
{
    uint32_t le[2] = {0, 0}, re[2] = {0, 0}, n = 0;
    for (size_t off = 2; off + 8 <= len; off += 8, n++) {
        uint32_t l = be32(o + off) - seen->base_ack, r = be32(o + off + 4) - seen->base_ack;
        field_add_uint(ff, hf_sack_le, l);
        field_add_uint(ff, hf_sack_re, r);
        if (n < 2) {
            le[n] = l;
            re[n] = r;
        }
        if (n < TCP_SACK_KEEP) {
            seen->sack_le[n] = l;
            seen->sack_re[n] = r;
            seen->n_sack = n + 1;
        }
    }
    field_add_uint(ff, hf_sack_count, n);
    if ((int32_t)(re[0] - seen->ack) <= 0 ||
        (n > 1 && (int32_t)(le[1] - re[0]) < 0 && (int32_t)(re[1] - re[0]) >= 0)) {
        field_add_uint(ff, hf_dsack_le, be32(o + 2) - seen->base_ack);
        field_add_uint(ff, hf_dsack_re, be32(o + 6) - seen->base_ack);
        field_add_present(ff, hf_dsack);
    }
}

/* Records one option of kind k and length len (its len bytes at o are
 * captured), as Wireshark's option dissectors add it. */
static void tcp_option(struct frame_fields *ff, uint8_t k, const uint8_t *o, size_t len,
                       struct tcp_opts_seen *seen)
{
    switch (k) {
    case 2:
        if (len == 4)
            field_add_uint(ff, hf_mss_val, be16(o + 2));
        break;
    case 3:
        if (len == 3) {
            field_add_uint(ff, hf_wscale_shift, o[2]);
            field_add_uint(ff, hf_wscale_multiplier, 1u << (o[2] > 14 ? 14 : o[2]));
            seen->wscale = true;
            seen->shift = o[2];
        }
        break;
    case 5:
        tcp_option_sack(ff, o, len, seen);
        break;
    case 8:
        if (len == 10) {
            field_add_uint(ff, hf_ts_val, be32(o + 2));
            field_add_uint(ff, hf_ts_ecr, be32(o + 6));
        }
        break;
    default:
        break;
    }
}

/* The option kind of Multipath TCP. */
#define TCPOPT_MPTCP 30

/* Returns the pseudo-protocol of an option kind, or 0 for one without. */
static int tcp_option_proto(uint8_t k)
{
    switch (k) {
    case 0:
        return proto_opt_eol;
    case 1:
        return proto_opt_nop;
    case 2:
        return proto_opt_mss;
    case 3:
        return proto_opt_wscale;
    case 4:
        return proto_opt_sack_perm;
    case 5:
        return proto_opt_sack;
    case 8:
        return proto_opt_timestamp;
    default:
        return 0;
    }
}

/* Walks the options of a header (opt_len bytes at opt, cap of them
 * captured) as Wireshark does: EOL and NOP are one byte (an EOL does not
 * end the walk), a bad length ends it.  Returns false when the walk read
 * past the captured bytes (Wireshark throws there). */
static bool tcp_options(struct frame_fields *ff, const uint8_t *opt, size_t opt_len, size_t cap,
                        struct tcp_opts_seen *seen)
{
    for (size_t i = 0; i < opt_len;) {
        if (i >= cap)
            return false;
        uint8_t k = opt[i];
        seen->mptcp |= k == TCPOPT_MPTCP;
        if (tcp_option_proto(k))
            field_add_present(ff, tcp_option_proto(k));
        field_add_uint(ff, hf_option_kind, k);
        if (k == 0 || k == 1) {
            i++;
            continue;
        }
        if (i + 1 >= opt_len)
            return true; /* The length byte is past the options. */
        if (i + 1 >= cap)
            return false;
        size_t len = opt[i + 1];
        field_add_uint(ff, hf_option_len, len);
        if (len < 2 || i + len > opt_len)
            return true; /* A bad length ends the options. */
        if (i + len > cap)
            return false;
        tcp_option(ff, k, opt + i, len, seen);
        i += len;
    }
    return true;
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

/* Returns true when the segment is the TCP header an ICMP (not ICMPv6)
 * error quotes, for which Wireshark shows tcp.seq first, raw. */
static bool quoted_by_icmp(const struct dissect_ctx *c)
{
    return c->quoted && c->net_src.kind == NET_ADDR_IPV4;
}

/* Runs the sequence analysis of a segment whose length is known, when it is on. */
static void tcp_track(struct dissect_ctx *c, const struct tcp_hdr *t, struct tcp_seg_info *si)
{
    struct tcp_flow *f = si->f;
    if (si->have_seglen && f->sa) {
        struct tcp_segment seg = {t->seq,          t->ack,
                                  si->seglen,      t->flags,
                                  t->window,       (uint32_t)c->d->frame_number,
                                  c->frame->ts_ns, f->half[si->dir].base_seq};
        tcp_seq_analyze(f->sa, si->dir, &seg, &si->ta);
    }
}

/* Records the sequence and acknowledgement fields: relative to the
 * direction's base once the segment's length is known, raw otherwise. */
static void tcp_seq_fields(struct frame_fields *ff, const struct tcp_hdr *t,
                           const struct tcp_seg_info *si, bool icmp)
{
    const struct tcp_flow *f = si->f;
    uint32_t seq = t->seq, ack = t->ack;
    if (si->have_seglen) {
        seq -= f->half[si->dir].base_seq;
        if (t->flags & TH_ACK)
            ack -= f->half[!si->dir].base_seq;
    }
    if (!icmp) {
        field_add_uint(ff, hf_seq, seq);
        field_add_uint(ff, hf_seq_raw, t->seq);
    }
    if (t->hl < 20)
        return;
    if (si->have_seglen)
        field_add_uint(ff, hf_nxtseq, seq + si->seglen + ((t->flags & (TH_SYN | TH_FIN)) ? 1 : 0));
    field_add_uint(ff, hf_ack, ack);
    field_add_uint(ff, hf_ack_raw, t->ack);
}

/* Records what follows the flags in the order Wireshark adds it, as far as
 * the header was captured: the window, checksum, urgent pointer, options
 * bytes, stream times, the options, and the sequence analysis. */
static void tcp_tail_fields(struct dissect_ctx *c, struct span s, const struct tcp_hdr *t,
                            struct tcp_seg_info *si, int64_t first_rtt)
{
    struct frame_fields *ff = c->fields;
    struct tcp_flow *f = si->f;
    struct tcp_opts_seen seen = {.base_ack = f->half[!si->dir].base_seq,
                                 .ack = t->ack - f->half[!si->dir].base_seq};
    tcp_window_fields(ff, t, si);
    if (s.cap < 18)
        return;
    field_add_uint(ff, hf_checksum, be16(s.p + 16));
    field_add_uint(ff, hf_checksum_status, 2); /* Unverified, as tshark leaves it. */
    if (s.cap < 20)
        return;
    field_add_uint(ff, hf_urgent_pointer, be16(s.p + 18));
    size_t opt_len = t->hl - 20, opt_cap = s.cap - 20 < opt_len ? s.cap - 20 : opt_len;
    if (opt_len && opt_cap)
        field_add_bytes(ff, hf_options, s.p + 20, opt_cap);
    else if (opt_len)
        field_add_missing(ff, hf_options);
    field_add_time(ff, hf_time_relative, c->frame->ts_ns - f->ts_first);
    field_add_time(ff, hf_time_delta, si->ts_delta);
    bool whole = !opt_len || tcp_options(ff, s.p + 20, opt_len, opt_cap, &seen);
    if (seen.mptcp)
        ctx_layer(c, proto_mptcp); /* Wireshark's MPTCP dissector, called on the option. */
    if (!whole)
        return;
    if (seen.wscale && (t->flags & TH_SYN) && f->sa)
        tcp_seq_window_scale(f->sa, si->dir, seen.shift);
    if (f->sa)
        tcp_seq_sack(f->sa, si->dir, seen.n_sack, seen.sack_le, seen.sack_re);
    if (si->ta.present)
        tcp_analysis_fields(ff, &si->ta, first_rtt);
}

/* Does what Wireshark does with a TCP header once its first 16 bytes are
 * there (s is the segment, t its header): finds the stream, runs the
 * sequence analysis, keeps the base sequence numbers, handshake times,
 * completeness and timestamps, and records the fields as far as the
 * header was captured.  Returns the flow (direction in *dir), or NULL. */
static __attribute__((noinline)) struct tcp_flow *tcp_header(struct dissect_ctx *c, struct span s,
                                                             const struct tcp_hdr *t, int *dir)
{
    struct frame_fields *ff = c->fields;
    struct tcp_seg_info si = {0};
    bool created;
    if (!(si.f = tcp_flow_get(c, t, dir, &si.reused, &created)))
        return NULL;
    struct tcp_state *ts = c->d->state[streams_slot];
    struct tcp_flow *f = si.f;
    si.dir = *dir;
    si.have_seglen = !c->quoted && s.len >= t->hl;
    si.seglen = si.have_seglen ? (uint32_t)(s.len - t->hl) : 0;
    if (si.reused && !c->quoted)
        si.ta = (struct tcp_acked){.present = true, .flags = TA_REUSED_PORTS};
    struct tcp_facts *facts = ts->facts_on ? tcp_facts_get(ts, f->stream) : NULL;
    int64_t now = c->frame->ts_ns;
    si.ts_delta = now - f->ts_prev;
    f->ts_prev = now;
    if (ff) {
        field_add_uint(ff, hf_stream, f->stream);
        if (facts && fields_want(ff, hf_completeness))
            field_add_uint(ff, hf_completeness, facts->completeness);
        if (si.have_seglen)
            field_add_uint(ff, hf_len, si.seglen);
    }
    if (ts->analysis_on && !f->sa)
        f->sa = tcp_seq_new(); /* Quoted segments too: they settle window scaling. */
    if (f->sa)
        f->sa->dir[*dir].n_sack = 0; /* Until this segment's options say otherwise. */
    if (si.have_seglen) {
        tcp_base_update(f, *dir, t);
        tcp_track(c, t, &si);
    }
    if (ff && ts->seq_fields_on)
        tcp_seq_fields(ff, t, &si, quoted_by_icmp(c));
    if (t->hl < 20) {
        if (ff)
            field_add_uint(ff, hf_hdr_len, t->hl);
        return f; /* Wireshark gives up at a bogus header length. */
    }
    if (facts)
        tcp_completeness_update(facts, t, &si, created, f->stream < ts->facts.n_seed);
    if (ff) {
        field_add_uint(ff, hf_hdr_len, t->hl);
        if (ts->flag_fields_on)
            tcp_flag_fields(ff, t->flags);
    }
    if (f->sa)
        tcp_seq_handshake(f->sa, *dir, t->flags, now);
    if (facts)
        tcp_rtt_update(facts, t->flags, now);
    if (ff && (ts->tail_fields_on || f->sa || c->want_layers))
        tcp_tail_fields(c, s, t, &si, facts ? facts->first_rtt : 0);
    if (f->sa && (t->flags & TH_SYN))
        tcp_seq_verify_scaling(f->sa, *dir, (t->flags & TH_ACK) != 0);
    return f;
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
    if (c->fields && s.cap >= 8 && quoted_by_icmp(c))
        field_add_uint(c->fields, hf_seq, be32(s.p + 4));
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
        bool reused, created;
        f = whole ? tcp_flow_get(c, &t, &dir, &reused, &created) : NULL;
        if (f)
            tcp_base_update(f, dir, &t);
    }
    if (!f || !whole)
        return;
    dissect_add_port_layer(c, true, t.sport, t.dport, f->stream);
    struct span p = span_from(s, t.hl);
    if (c->fields && p.len > 0 && !(t.flags & TH_RST)) {
        if (p.cap)
            field_add_bytes(c->fields, hf_payload, p.p, p.cap);
        else
            field_add_missing(c->fields, hf_payload);
    }
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

/* Frees the streams of a pass and their facts. */
static void tcp_state_free(void *state)
{
    struct tcp_state *ts = state;
    hash_table_foreach(&ts->flows, tcp_flow_free, NULL);
    hash_table_free(&ts->flows);
    free(ts->facts.at);
    free(ts->facts.seed);
    free(ts);
}

/* Returns true when the wanted fields need a first pass: the initial RTT
 * is shown on frames before the ACK that completes the handshake, the
 * completeness on every frame, as tshark -2 learns them. */
static bool tcp_needs_first_pass(const struct frame_fields *ff)
{
    return fields_want(ff, hf_initial_rtt) || fields_want(ff, hf_completeness);
}

/* Moves the first pass's final facts to the second pass, which starts each
 * stream from them. */
static void tcp_take_first_pass(struct dissector *second, struct dissector *first)
{
    struct tcp_state *from = first->state[streams_slot], *to;
    if (!from || !from->facts.at || !(to = tcp_state_get(second)))
        return;
    free(to->facts.seed);
    to->facts.seed = from->facts.at;
    to->facts.n_seed = from->facts.n;
    from->facts.at = NULL;
    from->facts.n = from->facts.cap = 0;
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

/* The names of the option kinds (`tshark -G values`, the common ones). */
static const struct value_name option_kind_names[] = {
    {0, "End of Option List"},   {1, "No-Operation"},
    {2, "Maximum Segment Size"}, {3, "Window Scale"},
    {4, "SACK Permitted"},       {5, "SACK"},
    {8, "Time Stamp Option"},    {0, NULL},
};

/* Registers the header fields. */
static void tcp_register_header(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_srcport, "tcp.srcport", "Source Port", FT_UINT16, BASE_PT_TCP, 0, NULL),
        HF(&hf_dstport, "tcp.dstport", "Destination Port", FT_UINT16, BASE_PT_TCP, 0, NULL),
        HF(&hf_port, "tcp.port", "Source or Destination Port", FT_UINT16, BASE_PT_TCP, 0, NULL),
        HF(&hf_stream, "tcp.stream", "Stream index", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_completeness, "tcp.completeness", "Conversation completeness", FT_UINT8, BASE_CUSTOM,
           0, NULL),
        HF(&hf_len, "tcp.len", "TCP Segment Len", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_seq, "tcp.seq", "Sequence Number", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_seq_raw, "tcp.seq_raw", "Sequence Number (raw)", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_nxtseq, "tcp.nxtseq", "Next Sequence Number", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_ack, "tcp.ack", "Acknowledgment Number", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_ack_raw, "tcp.ack_raw", "Acknowledgment number (raw)", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_hdr_len, "tcp.hdr_len", "Header Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_flags, "tcp.flags", "Flags", FT_UINT16, BASE_HEX, 0x0fff, NULL),
        HF_TFS(&hf_flags_res, "tcp.flags.res", "Reserved", 0xe00, tfs_set_notset),
        HF_TFS(&hf_flags_ae, "tcp.flags.ae", "Accurate ECN", 0x100, tfs_set_notset),
        HF_TFS(&hf_flags_cwr, "tcp.flags.cwr", "Congestion Window Reduced", 0x080, tfs_set_notset),
        HF_TFS(&hf_flags_ece, "tcp.flags.ece", "ECN-Echo", 0x040, tfs_set_notset),
        HF_TFS(&hf_flags_urg, "tcp.flags.urg", "Urgent", 0x020, tfs_set_notset),
        HF_TFS(&hf_flags_ack, "tcp.flags.ack", "Acknowledgment", 0x010, tfs_set_notset),
        HF_TFS(&hf_flags_push, "tcp.flags.push", "Push", 0x008, tfs_set_notset),
        HF_TFS(&hf_flags_reset, "tcp.flags.reset", "Reset", 0x004, tfs_set_notset),
        HF_TFS(&hf_flags_syn, "tcp.flags.syn", "Syn", 0x002, tfs_set_notset),
        HF_TFS(&hf_flags_fin, "tcp.flags.fin", "Fin", 0x001, tfs_set_notset),
        HF(&hf_flags_str, "tcp.flags.str", "TCP Flags", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_window_size_value, "tcp.window_size_value", "Window", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_window_size, "tcp.window_size", "Calculated window size", FT_UINT32, BASE_DEC, 0,
           NULL),
        HF(&hf_window_size_scalefactor, "tcp.window_size_scalefactor", "Window size scaling factor",
           FT_INT32, BASE_DEC, 0, NULL),
        HF(&hf_checksum, "tcp.checksum", "Checksum", FT_UINT16, BASE_HEX, 0, NULL),
        HF(&hf_checksum_status, "tcp.checksum.status", "Checksum Status", FT_UINT8, BASE_NONE, 0,
           checksum_status_names),
        HF(&hf_urgent_pointer, "tcp.urgent_pointer", "Urgent Pointer", FT_UINT16, BASE_DEC, 0,
           NULL),
        HF(&hf_options, "tcp.options", "TCP Options", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_time_relative, "tcp.time_relative", "Time since first frame in this TCP stream",
           FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_time_delta, "tcp.time_delta", "Time since previous frame in this TCP stream",
           FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_payload, "tcp.payload", "TCP payload", FT_BYTES, BASE_NONE, 0, NULL),
    };
    registry_fields(proto_tcp, hf, ARRAY_COUNT(hf));
}

/* Registers the option fields and pseudo-protocols. */
static void tcp_register_options(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_option_kind, "tcp.option_kind", "Kind", FT_UINT8, BASE_DEC, 0, option_kind_names),
        HF(&hf_option_len, "tcp.option_len", "Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_mss_val, "tcp.options.mss_val", "MSS Value", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_wscale_shift, "tcp.options.wscale.shift", "Shift count", FT_UINT8, BASE_DEC, 0,
           NULL),
        HF(&hf_wscale_multiplier, "tcp.options.wscale.multiplier", "Multiplier", FT_UINT16,
           BASE_DEC, 0, NULL),
        HF(&hf_sack_le, "tcp.options.sack_le", "TCP SACK Left Edge", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_sack_re, "tcp.options.sack_re", "TCP SACK Right Edge", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_sack_count, "tcp.options.sack.count", "TCP SACK Count", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_dsack_le, "tcp.options.sack.dsack_le", "TCP D-SACK Left Edge", FT_UINT32, BASE_DEC,
           0, NULL),
        HF(&hf_dsack_re, "tcp.options.sack.dsack_re", "TCP D-SACK Right Edge", FT_UINT32, BASE_DEC,
           0, NULL),
        HF(&hf_dsack, "tcp.options.sack.dsack", "D-SACK Sequence", FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_ts_val, "tcp.options.timestamp.tsval", "Timestamp value", FT_UINT32, BASE_DEC, 0,
           NULL),
        HF(&hf_ts_ecr, "tcp.options.timestamp.tsecr", "Timestamp echo reply", FT_UINT32, BASE_DEC,
           0, NULL),
    };
    registry_fields(proto_tcp, hf, ARRAY_COUNT(hf));
    proto_opt_eol = registry_proto("tcp.options.eol", "TCP Option - End of Option List (EOL)");
    proto_opt_nop = registry_proto("tcp.options.nop", "TCP Option - No-Operation (NOP)");
    proto_opt_mss = registry_proto("tcp.options.mss", "TCP Option - Maximum segment size");
    proto_opt_wscale = registry_proto("tcp.options.wscale", "TCP Option - Window scale");
    proto_opt_sack_perm = registry_proto("tcp.options.sack_perm", "TCP Option - SACK permitted");
    proto_opt_sack = registry_proto("tcp.options.sack", "TCP Option - SACK");
    proto_opt_timestamp = registry_proto("tcp.options.timestamp", "TCP Option - Timestamps");
    proto_mptcp = registry_proto("mptcp", "Multipath Transmission Control Protocol");
}

/* Registers the sequence analysis fields. */
static void tcp_register_analysis(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_analysis, "tcp.analysis", "SEQ/ACK analysis", FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_acks_frame, "tcp.analysis.acks_frame", "This is an ACK to the segment in frame",
           FT_FRAMENUM, BASE_NONE, 0, NULL),
        HF(&hf_ack_rtt, "tcp.analysis.ack_rtt", "The RTT to ACK the segment was", FT_RELATIVE_TIME,
           BASE_NONE, 0, NULL),
        HF(&hf_initial_rtt, "tcp.analysis.initial_rtt", "iRTT", FT_RELATIVE_TIME, BASE_NONE, 0,
           NULL),
        HF(&hf_bytes_in_flight, "tcp.analysis.bytes_in_flight", "Bytes in flight", FT_UINT32,
           BASE_DEC, 0, NULL),
        HF(&hf_push_bytes_sent, "tcp.analysis.push_bytes_sent", "Bytes sent since last PSH flag",
           FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_analysis_flags, "tcp.analysis.flags", "TCP Analysis Flags", FT_NONE, BASE_NONE, 0,
           NULL),
        HF(&hf_a_retransmission, "tcp.analysis.retransmission",
           "This frame is a (suspected) retransmission", FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_a_fast_retransmission, "tcp.analysis.fast_retransmission",
           "This frame is a (suspected) fast retransmission", FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_a_spurious_retransmission, "tcp.analysis.spurious_retransmission",
           "This frame is a (suspected) spurious retransmission", FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_a_out_of_order, "tcp.analysis.out_of_order",
           "This frame is a (suspected) out-of-order segment", FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_a_reused_ports, "tcp.analysis.reused_ports",
           "A new tcp session is started with the same ports as an earlier session in this "
           "trace",
           FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_a_lost_segment, "tcp.analysis.lost_segment",
           "Previous segment(s) not captured (common at capture start)", FT_NONE, BASE_NONE, 0,
           NULL),
        HF(&hf_a_ack_lost_segment, "tcp.analysis.ack_lost_segment",
           "ACKed segment that wasn't captured (common at capture start)", FT_NONE, BASE_NONE, 0,
           NULL),
        HF(&hf_a_window_update, "tcp.analysis.window_update", "TCP window update", FT_NONE,
           BASE_NONE, 0, NULL),
        HF(&hf_a_window_full, "tcp.analysis.window_full",
           "TCP window specified by the receiver is now completely full", FT_NONE, BASE_NONE, 0,
           NULL),
        HF(&hf_a_keep_alive, "tcp.analysis.keep_alive", "TCP keep-alive segment", FT_NONE,
           BASE_NONE, 0, NULL),
        HF(&hf_a_keep_alive_ack, "tcp.analysis.keep_alive_ack", "ACK to a TCP keep-alive segment",
           FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_a_duplicate_ack, "tcp.analysis.duplicate_ack", "Duplicate ACK", FT_NONE, BASE_NONE,
           0, NULL),
        HF(&hf_a_duplicate_ack_num, "tcp.analysis.duplicate_ack_num", "Duplicate ACK #", FT_UINT32,
           BASE_DEC, 0, NULL),
        HF(&hf_a_duplicate_ack_frame, "tcp.analysis.duplicate_ack_frame",
           "Duplicate to the ACK in frame", FT_FRAMENUM, BASE_NONE, 0, NULL),
        HF(&hf_a_zero_window_probe, "tcp.analysis.zero_window_probe", "TCP Zero Window Probe",
           FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_a_zero_window, "tcp.analysis.zero_window", "TCP Zero Window segment", FT_NONE,
           BASE_NONE, 0, NULL),
        HF(&hf_a_zero_window_probe_ack, "tcp.analysis.zero_window_probe_ack",
           "ACK to a TCP Zero Window Probe", FT_NONE, BASE_NONE, 0, NULL),
        HF(&hf_a_rto, "tcp.analysis.rto", "The RTO for this segment was", FT_RELATIVE_TIME,
           BASE_NONE, 0, NULL),
        HF(&hf_a_rto_frame, "tcp.analysis.rto_frame", "RTO based on delta from frame", FT_FRAMENUM,
           BASE_NONE, 0, NULL),
    };
    registry_fields(proto_tcp, hf, ARRAY_COUNT(hf));
}

/* Registers TCP, its fields, its port table, heuristic list and state. */
static void tcp_register(void)
{
    static const struct proto_hooks hooks = {.free_state = tcp_state_free,
                                             .needs_first_pass = tcp_needs_first_pass,
                                             .take_first_pass = tcp_take_first_pass};
    proto_tcp = registry_proto("tcp", "Transmission Control Protocol");
    tcp_register_header();
    tcp_register_options();
    tcp_register_analysis();
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
