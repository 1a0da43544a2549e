/* Owns Wireshark's TCP sequence analysis: the verdicts of each segment
 * (tcp.analysis.*), computed in capture order as tcp_analyze_sequence_number()
 * computes them on tshark's first pass, from each direction's highest and
 * last acknowledged sequence numbers, last window, duplicate-ACK count and
 * list of segments not yet acknowledged. */
#include "dissectors/tcp_analysis.h"

#include <stdlib.h>
#include <string.h>

/* Most unacknowledged segments remembered per direction (Wireshark's
 * TCP_MAX_UNACKED_SEGMENTS): past it, new segments are not remembered. */
#define TCP_MAX_UNACKED 10000u

/* A fast retransmission comes within this time of the duplicate ACKs (ns). */
#define TCP_FAST_RETRANS_NS 20000000
/* Out of order within this time of the highest segment, before the initial RTT is known (ns). */
#define TCP_OOO_DEFAULT_NS 3000000

/* Sequence-number comparisons modulo 2^32, as Wireshark's GT_SEQ & co. */
static inline bool seq_gt(uint32_t x, uint32_t y)
{
    return (int32_t)(y - x) < 0;
}

/* Returns true when x is before y, modulo 2^32. */
static inline bool seq_lt(uint32_t x, uint32_t y)
{
    return (int32_t)(x - y) < 0;
}

/* Returns true when x is before or at y, modulo 2^32. */
static inline bool seq_le(uint32_t x, uint32_t y)
{
    return (int32_t)(x - y) <= 0;
}

/* Returns a new analysis state. */
struct tcp_seq_state *tcp_seq_new(void)
{
    struct tcp_seq_state *sa = calloc(1, sizeof(*sa));
    if (!sa)
        return NULL;
    for (int i = 0; i < 2; i++) {
        sa->dir[i].window = UINT32_MAX;
        sa->dir[i].win_scale = -1;
        sa->dir[i].valid_bif = true;
    }
    return sa;
}

/* Frees an analysis state. */
void tcp_seq_free(struct tcp_seq_state *sa)
{
    if (sa) {
        free(sa->dir[0].unacked);
        free(sa->dir[1].unacked);
        free(sa);
    }
}

/* Marks a verdict on a segment (and gives it an analysis entry). */
static inline void mark(struct tcp_acked *ta, uint32_t flag)
{
    ta->present = true;
    ta->flags |= flag;
}

/* Returns true when a segment carries none of SYN, FIN and RST. */
static inline bool plain(uint16_t flags)
{
    return (flags & (TH_SYN | TH_FIN | TH_RST)) == 0;
}

/* Returns true when a pure ACK repeats the direction's last ACK and window
 * position (the test shared by keep-alive ACKs, probe ACKs and duplicate ACKs). */
static inline bool repeats_last(const struct tcp_seq_dir *fwd, const struct tcp_segment *s)
{
    return s->seglen == 0 && s->window == fwd->window && s->seq == fwd->nextseq &&
           s->ack == fwd->lastack && plain(s->flags);
}

/* The checks before Wireshark's "finished_fwd" label: zero window probe
 * (which ends them), zero window, lost segment, keep-alive, window update,
 * window full, keep-alive ACK and probe ACK (which end them) and duplicate ACK. */
static void check_forward(struct tcp_seq_dir *fwd, const struct tcp_seq_dir *rev,
                          const struct tcp_segment *s, struct tcp_acked *ta)
{
    if (s->seglen == 1 && s->seq == fwd->nextseq && rev->window == 0) {
        mark(ta, TA_ZERO_WINDOW_PROBE);
        return;
    }
    if (s->window == 0 && plain(s->flags))
        mark(ta, TA_ZERO_WINDOW);
    if (fwd->nextseq && seq_gt(s->seq, fwd->nextseq) && !(s->flags & TH_RST)) {
        mark(ta, TA_LOST_PACKET);
        fwd->valid_bif = false; /* Until an ACK is seen in the other direction. */
    }
    if (s->seglen <= 1 && s->seq == fwd->nextseq - 1 && plain(s->flags))
        mark(ta, TA_KEEP_ALIVE);
    if (s->seglen == 0 && s->window && s->window != fwd->window && s->seq == fwd->nextseq &&
        s->ack == fwd->lastack && plain(s->flags))
        mark(ta, TA_WINDOW_UPDATE);
    if (s->seglen > 0 && rev->win_scale != -1 && plain(s->flags)) {
        int shift = rev->is_first_ack || rev->win_scale == -2 ? 0 : rev->win_scale;
        if (s->seq + s->seglen == rev->lastack + (rev->window << shift))
            mark(ta, TA_WINDOW_FULL);
    }
    if (s->window && repeats_last(fwd, s) && (rev->lastsegmentflags & TA_KEEP_ALIVE)) {
        mark(ta, TA_KEEP_ALIVE_ACK);
        return;
    }
    if (s->window == 0 && repeats_last(fwd, s) && (rev->lastsegmentflags & TA_ZERO_WINDOW_PROBE)) {
        mark(ta, TA_ZERO_WINDOW_PROBE_ACK);
        return;
    }
    if (s->window && repeats_last(fwd, s)) {
        fwd->dupacknum = fwd->dupacknum == -1 ? 1 : fwd->dupacknum + 1;
        mark(ta, TA_DUPLICATE_ACK);
        ta->dupack_num = (uint32_t)fwd->dupacknum;
        ta->dupack_frame = fwd->lastnondupack;
    }
}

/* An ACK beyond the highest continuous sequence number the other direction
 * sent acknowledges a segment that was not captured; it is flagged once. */
static void check_ack_lost(struct tcp_seq_dir *rev, const struct tcp_segment *s,
                           struct tcp_acked *ta)
{
    if (!rev->maxseqtobeacked || !seq_gt(s->ack, rev->maxseqtobeacked) || !(s->flags & TH_ACK))
        return;
    ta->present = true;
    if (rev->maxseqtobeacked > rev->nextseq) {
        rev->maxseqtobeacked = rev->nextseq;
        ta->flags |= TA_ACK_LOST_PACKET;
    } else {
        if (rev->dupacknum == 0)
            ta->flags |= TA_ACK_LOST_PACKET;
        rev->dupacknum = -1;
    }
}

/* Classifies a segment with data (or SYN or FIN) that does not advance the
 * sequence numbers: spurious, fast, plain retransmission, or out of order. */
static void check_retransmission(const struct tcp_seq_state *sa, const struct tcp_seq_dir *fwd,
                                 const struct tcp_seq_dir *rev, const struct tcp_segment *s,
                                 struct tcp_acked *ta)
{
    bool not_advanced = fwd->nextseq && seq_lt(s->seq, fwd->nextseq);
    uint32_t synfin = (s->flags & (TH_SYN | TH_FIN)) ? 1 : 0;
    if (ta->flags & TA_KEEP_ALIVE)
        return;
    /* Over one byte one below the next expected adds new data (after a probe). */
    if (s->seglen > 1 && fwd->nextseq - 1 == s->seq)
        not_advanced = false;
    if (s->seglen > 0 && rev->lastack && seq_le(s->seq + s->seglen, rev->lastack)) {
        mark(ta, TA_SPURIOUS_RETRANSMISSION);
        return;
    }
    if (not_advanced && rev->dupacknum >= 2 && rev->lastack == s->seq &&
        (uint64_t)(s->ts - rev->lastacktime) < TCP_FAST_RETRANS_NS) {
        mark(ta, TA_FAST_RETRANSMISSION);
        return;
    }
    uint64_t ooo_thres = sa->first_rtt ? (uint64_t)sa->first_rtt : TCP_OOO_DEFAULT_NS;
    if (not_advanced && (uint64_t)(s->ts - fwd->nextseqtime) < ooo_thres &&
        fwd->nextseq != s->seq + s->seglen + synfin) {
        mark(ta, TA_OUT_OF_ORDER);
        return;
    }
    if (!not_advanced)
        return;
    mark(ta, TA_RETRANSMISSION);
    /* The time since the eldest segment not acknowledged, else since the highest one. */
    ta->rto = s->ts - fwd->nextseqtime;
    ta->rto_frame = fwd->nextseqframe;
    if (fwd->n_unacked > 0) {
        ta->rto = s->ts - fwd->unacked[0].ts;
        ta->rto_frame = fwd->unacked[0].frame;
    }
}

/* Remembers a segment as not yet acknowledged (at most TCP_MAX_UNACKED);
 * returns false when it was not remembered. */
static bool unacked_add(struct tcp_seq_dir *fwd, const struct tcp_segment *s, uint32_t nextseq)
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
    fwd->unacked[fwd->n_unacked++] = (struct tcp_unacked){s->frame, s->seq, nextseq, s->ts};
    return true;
}

/* Applies an acknowledgement to the other direction's segments: those it
 * covers go, one it acknowledges exactly gives the frame acknowledged and
 * the round-trip time (the eldest such, as Wireshark walks newest first),
 * one it covers in part is kept from the acknowledged point. */
static void unacked_ack(struct tcp_seq_dir *rev, const struct tcp_segment *s, struct tcp_acked *ta)
{
    uint32_t kept = 0;
    for (uint32_t i = rev->n_unacked; i-- > 0;) {
        struct tcp_unacked *u = &rev->unacked[i];
        if (s->ack == u->nextseq) {
            ta->present = true;
            ta->frame_acked = u->frame;
            ta->ack_rtt = s->ts - u->ts;
        } else if (seq_gt(s->ack, u->seq) && seq_le(s->ack, u->nextseq)) {
            u->seq = s->ack;
        }
        if (s->ack != u->nextseq && seq_gt(u->nextseq, s->ack))
            continue;
        u->frame = 0; /* Acknowledged: removed below. */
    }
    for (uint32_t i = 0; i < rev->n_unacked; i++)
        if (rev->unacked[i].frame != 0)
            rev->unacked[kept++] = rev->unacked[i];
    rev->n_unacked = kept;
}

/* Counts the bytes in flight after a segment with data (from the
 * unacknowledged segments, relative to the direction's base) and the
 * bytes sent since the last PSH. */
static void bytes_in_flight(struct tcp_seq_dir *fwd, const struct tcp_seq_dir *rev,
                            const struct tcp_segment *s, uint32_t base, struct tcp_acked *ta)
{
    if (s->seglen == 0 || fwd->n_unacked == 0 || !fwd->valid_bif)
        return;
    uint32_t first = fwd->unacked[0].seq - base, last = fwd->unacked[0].nextseq - base;
    for (uint32_t i = 1; i < fwd->n_unacked; i++) {
        if (fwd->unacked[i].nextseq - base > last)
            last = fwd->unacked[i].nextseq - base;
        if (fwd->unacked[i].seq - base < first)
            first = fwd->unacked[i].seq - base;
    }
    uint32_t in_flight = last - first;
    for (uint32_t i = 0; i < rev->n_sack; i++)
        in_flight -= rev->sack_re[i] - rev->sack_le[i]; /* Delivered, out of order. */
    ta->present = true;
    if (in_flight > 0 && in_flight < 2000000000)
        ta->bytes_in_flight = in_flight - ((s->flags & (TH_SYN | TH_FIN)) ? 1 : 0);
    if (s->flags & TH_PUSH) {
        fwd->push_bytes_sent = fwd->push_set_last ? s->seglen : fwd->push_bytes_sent + s->seglen;
        fwd->push_set_last = true;
    } else if (fwd->push_set_last) {
        fwd->push_bytes_sent = s->seglen;
        fwd->push_set_last = false;
    } else {
        fwd->push_bytes_sent += s->seglen;
    }
    ta->push_bytes_sent = fwd->push_bytes_sent;
}

/* Analyses one segment. */
void tcp_seq_analyze(struct tcp_seq_state *sa, int dir, const struct tcp_segment *s,
                     struct tcp_acked *ta)
{
    struct tcp_seq_dir *fwd = &sa->dir[dir], *rev = &sa->dir[!dir];
    uint32_t synfin = (s->flags & (TH_SYN | TH_FIN)) ? 1 : 0;
    if (s->flags & TH_ACK)
        rev->valid_bif = true;
    check_forward(fwd, rev, s, ta);
    if (s->ack != fwd->lastack) {
        fwd->lastnondupack = s->frame;
        fwd->dupacknum = 0;
    }
    check_ack_lost(rev, s, ta);
    if (s->seglen > 0 || synfin)
        check_retransmission(sa, fwd, rev, s, ta);
    uint32_t nextseq = s->seq + s->seglen;
    if ((s->seglen || synfin) && unacked_add(fwd, s, nextseq + synfin))
        nextseq += synfin;
    bool probe = (ta->flags & TA_ZERO_WINDOW_PROBE) != 0;
    if ((seq_gt(nextseq, fwd->nextseq) || !fwd->nextseq) && !probe) {
        fwd->nextseq = nextseq;
        fwd->nextseqframe = s->frame;
        fwd->nextseqtime = s->ts;
    }
    if ((s->seq == fwd->maxseqtobeacked || !fwd->maxseqtobeacked) && !probe)
        fwd->maxseqtobeacked = fwd->nextseq;
    fwd->window = s->window;
    fwd->lastack = s->ack;
    fwd->lastacktime = s->ts;
    fwd->lastsegmentflags = ta->present ? ta->flags : 0;
    unacked_ack(rev, s, ta);
    bytes_in_flight(fwd, rev, s, s->base_seq, ta);
}

/* Records a segment's SACK blocks. */
void tcp_seq_sack(struct tcp_seq_state *sa, int dir, uint32_t n, const uint32_t *le,
                  const uint32_t *re)
{
    struct tcp_seq_dir *d = &sa->dir[dir];
    d->n_sack = n > 3 ? 3 : n;
    for (uint32_t i = 0; i < d->n_sack; i++) {
        d->sack_le[i] = le[i];
        d->sack_re[i] = re[i];
    }
}

/* Records a SYN's window scale option. */
void tcp_seq_window_scale(struct tcp_seq_state *sa, int dir, uint8_t shift)
{
    sa->dir[dir].win_scale = (int8_t)(shift > 14 ? 14 : shift);
}

/* Settles window scaling after a SYN's options. */
void tcp_seq_verify_scaling(struct tcp_seq_state *sa, int dir, bool syn_ack)
{
    struct tcp_seq_dir *fwd = &sa->dir[dir], *rev = &sa->dir[!dir];
    if (fwd->win_scale == -1) {
        fwd->win_scale = -2;
        rev->win_scale = -2;
    } else if (syn_ack && rev->win_scale == -2) {
        fwd->win_scale = -2;
    }
}

/* Notes a SYN or pure ACK. */
void tcp_seq_handshake(struct tcp_seq_state *sa, int dir, uint16_t flags, int64_t ts)
{
    if (flags & TH_SYN) {
        if (!(flags & TH_ACK))
            sa->mru_syn = ts;
        sa->dir[dir].is_first_ack = true;
    } else if (flags & TH_ACK) {
        if (sa->mru_syn != 0 && sa->first_rtt == 0)
            sa->first_rtt = ts - sa->mru_syn;
        sa->dir[dir].is_first_ack = false;
    }
}
