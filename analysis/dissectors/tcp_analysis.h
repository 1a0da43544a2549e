/* Wireshark's TCP sequence analysis (tcp.analysis.*): per direction, what
 * was sent and not yet acknowledged, the last ACK and window, and, per
 * segment, its verdict (retransmission, out of order, lost segment,
 * duplicate ACK, window full or update, keep-alive, zero window...), the
 * frame it acknowledges with the round-trip time, and the bytes in
 * flight.  The TCP dissector feeds it every segment whose length is known
 * (not the datagrams ICMP errors quote) and records its verdicts. */
#ifndef PCAPD_ANALYSIS_DISSECTORS_TCP_ANALYSIS_H
#define PCAPD_ANALYSIS_DISSECTORS_TCP_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

/* TCP header flags. */
enum {
    TH_FIN = 0x001,  /* No more data from the sender. */
    TH_SYN = 0x002,  /* Synchronize sequence numbers. */
    TH_RST = 0x004,  /* Reset the connection. */
    TH_PUSH = 0x008, /* Push. */
    TH_ACK = 0x010,  /* The acknowledgement number is significant. */
    TH_URG = 0x020,  /* The urgent pointer is significant. */
    TH_ECE = 0x040,  /* ECN-Echo. */
    TH_CWR = 0x080,  /* Congestion window reduced. */
    TH_AE = 0x100,   /* Accurate ECN (formerly the nonce sum). */
};

/* The verdicts of a segment (Wireshark's TCP_A_* flags). */
enum tcp_verdict {
    TA_RETRANSMISSION = 0x0001,          /* Data sent again. */
    TA_LOST_PACKET = 0x0002,             /* A segment before this one was not captured. */
    TA_ACK_LOST_PACKET = 0x0004,         /* It acknowledges data not captured. */
    TA_KEEP_ALIVE = 0x0008,              /* A keep-alive. */
    TA_DUPLICATE_ACK = 0x0010,           /* It repeats the last ACK. */
    TA_ZERO_WINDOW = 0x0020,             /* It advertises a zero window. */
    TA_ZERO_WINDOW_PROBE = 0x0040,       /* One byte probing a zero window. */
    TA_ZERO_WINDOW_PROBE_ACK = 0x0080,   /* The answer to such a probe. */
    TA_KEEP_ALIVE_ACK = 0x0100,          /* The answer to a keep-alive. */
    TA_OUT_OF_ORDER = 0x0200,            /* Data before the highest sent, soon after it. */
    TA_FAST_RETRANSMISSION = 0x0400,     /* Data sent again after duplicate ACKs. */
    TA_WINDOW_UPDATE = 0x0800,           /* Only the window changed. */
    TA_WINDOW_FULL = 0x1000,             /* It fills the peer's window. */
    TA_REUSED_PORTS = 0x2000,            /* A new connection on the ports of an old one. */
    TA_SPURIOUS_RETRANSMISSION = 0x4000, /* Data sent again though already acknowledged. */
};

/* The analysis of one segment (Wireshark's struct tcp_acked): present when
 * Wireshark shows a "SEQ/ACK analysis" item for it. */
struct tcp_acked {
    bool present;             /* True when the segment has an analysis entry. */
    uint32_t flags;           /* enum tcp_verdict bits. */
    uint32_t frame_acked;     /* Frame of the segment this one acknowledges, or 0. */
    int64_t ack_rtt;          /* Time since that segment, in ns. */
    uint32_t bytes_in_flight; /* Unacknowledged bytes after this segment, or 0. */
    uint32_t push_bytes_sent; /* Bytes sent since the last PSH flag. */
    uint32_t dupack_num;      /* Number of this duplicate ACK. */
    uint32_t dupack_frame;    /* Frame of the ACK it duplicates. */
    int64_t rto;              /* For a retransmission: time since the original, in ns. */
    uint32_t rto_frame;       /* Frame of the original. */
};

/* A segment sent and not yet acknowledged. */
struct tcp_unacked {
    uint32_t frame;   /* Its frame. */
    uint32_t seq;     /* First sequence number not yet acknowledged. */
    uint32_t nextseq; /* Sequence number just past it (SYN and FIN count one). */
    int64_t ts;       /* When it was sent. */
};

/* The sequence analysis state of one direction (Wireshark's tcp_flow_t). */
struct tcp_seq_dir {
    uint32_t nextseq;          /* Just past the highest sequence number sent; 0 before any. */
    uint32_t nextseqframe;     /* The frame that set nextseq. */
    int64_t nextseqtime;       /* Its time. */
    uint32_t maxseqtobeacked;  /* Highest continuous sequence number sent; 0 before any. */
    uint32_t lastack;          /* Last acknowledgement number sent. */
    int64_t lastacktime;       /* Its time. */
    uint32_t lastnondupack;    /* Frame of the last ACK that was not a duplicate. */
    int32_t dupacknum;         /* Duplicate ACKs of lastack so far (-1: after an unseen segment). */
    uint32_t window;           /* Last raw window advertised (all ones before any). */
    uint32_t lastsegmentflags; /* Verdicts of this direction's last segment. */
    int8_t win_scale;          /* Window scale shift; -1 unknown, -2 none in use. */
    bool is_first_ack;         /* From a SYN until this direction's first pure ACK. */
    bool valid_bif;            /* False from a lost segment to the next ACK from the peer. */
    bool push_set_last;        /* The last segment with data had PSH. */
    uint32_t push_bytes_sent;  /* Bytes since the last PSH. */
    uint32_t n_sack;           /* SACK blocks of this direction's last segment (at most 3). */
    uint32_t sack_le[3];       /* Their left edges. */
    uint32_t sack_re[3];       /* Their right edges. */
    uint32_t n_unacked;        /* Number of entries in unacked. */
    uint32_t cap_unacked;      /* Allocated entries in unacked. */
    struct tcp_unacked *unacked; /* Segments not yet acknowledged, oldest first. */
};

/* The sequence analysis of one connection. */
struct tcp_seq_state {
    struct tcp_seq_dir dir[2]; /* Per direction (the stream's 0 and 1). */
    int64_t mru_syn;           /* This pass's latest SYN time (0: none). */
    int64_t first_rtt;         /* This pass's initial RTT so far (0: none), for out-of-order. */
};

/* One segment as the analysis reads it. */
struct tcp_segment {
    uint32_t seq;      /* Raw sequence number. */
    uint32_t ack;      /* Raw acknowledgement number. */
    uint32_t seglen;   /* Payload length. */
    uint16_t flags;    /* Header flags. */
    uint32_t window;   /* Raw window. */
    uint32_t frame;    /* Frame number. */
    int64_t ts;        /* Capture time, in ns. */
    uint32_t base_seq; /* The direction's base sequence number (bytes in flight are relative). */
};

/* Returns a new analysis state, or NULL when out of memory. */
struct tcp_seq_state *tcp_seq_new(void);

/* Frees an analysis state (NULL accepted). */
void tcp_seq_free(struct tcp_seq_state *sa);

/* Analyses one segment sent in direction dir, filling *ta (which may
 * already carry TA_REUSED_PORTS), as Wireshark's
 * tcp_analyze_sequence_number() does on its first pass. */
void tcp_seq_analyze(struct tcp_seq_state *sa, int dir, const struct tcp_segment *s,
                     struct tcp_acked *ta);

/* Records the window scale option of a SYN (shift, capped at 14). */
void tcp_seq_window_scale(struct tcp_seq_state *sa, int dir, uint8_t shift);

/* Records the SACK blocks (relative edges) of a segment sent in direction
 * dir: the bytes in flight of the other direction's next segment leave
 * them out. */
void tcp_seq_sack(struct tcp_seq_state *sa, int dir, uint32_t n, const uint32_t *le,
                  const uint32_t *re);

/* Settles window scaling after a SYN's options, as Wireshark's
 * verify_tcp_window_scaling(): no option in a SYN means no scaling either way. */
void tcp_seq_verify_scaling(struct tcp_seq_state *sa, int dir, bool syn_ack);

/* Notes a pure ACK or SYN for the initial RTT and is_first_ack, after the
 * segment's analysis (dir: its direction). */
void tcp_seq_handshake(struct tcp_seq_state *sa, int dir, uint16_t flags, int64_t ts);

#endif
