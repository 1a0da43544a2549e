/* Framing of application PDUs within one direction of a TCP stream, as
 * Wireshark's TCP reassembly shows them: a PDU is named in the frame that
 * completes it, followed by "tcp.segments" when it spanned several
 * segments.  The framing core here names no application: each one (HTTP,
 * TLS, DNS...) registers a handle in the "tcp.port" table, or a
 * heuristic in the "tcp" list, whose ops (struct tcp_stream_ops) say
 * where its PDUs start and end and what they show. */
#ifndef PCAPD_ANALYSIS_DISSECTORS_TCP_PDU_H
#define PCAPD_ANALYSIS_DISSECTORS_TCP_PDU_H

#include "dissect_internal.h"

/* How the bytes of the PDU in progress are being consumed. */
enum pdu_mode {
    PDU_IDLE = 0,  /* No PDU in progress: the next byte starts one. */
    PDU_HEADER,    /* Collecting a header (HTTP headers, TLS/DNS length prefix) in buf. */
    PDU_FIXED,     /* Counting down need bytes of a PDU of known length. */
    PDU_CHUNKED,   /* Walking an HTTP chunked body. */
    PDU_UNTIL_FIN, /* An HTTP response body that ends with the connection. */
};

/* Bytes of per-direction state an application keeps in struct tcp_half. */
#define TCP_APP_STATE_SIZE 40

/* One direction of a TCP stream. */
struct tcp_half {
    uint32_t next_seq; /* Sequence number just past the highest byte seen. */
    uint32_t base_seq; /* Sequence number of the first segment seen. */
    bool seq_set;      /* True once next_seq is meaningful. */
    bool base_set;     /* True once base_seq is meaningful. */
    uint8_t mode;      /* An enum pdu_mode value. */
    uint16_t segs;     /* Number of segments that fed the PDU in progress. */
    uint64_t need;     /* Bytes still needed, in PDU_FIXED (and the application's own modes). */
    uint8_t *buf;      /* Header (or kept PDU) bytes of the PDU in progress. */
    uint32_t buf_len;  /* Number of bytes in buf. */
    uint32_t buf_cap;  /* Allocated size of buf. */
    /* The application's own state of this direction (its struct, cast). */
    union {
        uint64_t words[TCP_APP_STATE_SIZE / 8];
        void *ptr;
    } app;
};

/* What an application does with the bytes of its direction.  ops may be
 * NULL in a handle: every segment then shows the protocol once (a cut
 * one also "_ws.short"), without framing. */
struct tcp_stream_ops {
    /* Called before each segment's payload is framed (the wanted fields
     * may change what is kept); may be NULL. */
    void (*prepare)(struct dissect_ctx *c, struct tcp_half *h);
    /* Tells whether the n bytes at p (no PDU in progress) start a PDU; if
     * not, shows what Wireshark shows for them (pushed: a node of this
     * application was already pushed in this segment) and returns false:
     * the rest of the segment is not framed.  NULL: every byte after a
     * PDU starts the next. */
    bool (*start)(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                  const uint8_t *p, size_t n, bool pushed);
    /* Feeds bytes to the PDU in progress (h->mode is PDU_HEADER at its
     * start); returns the bytes it took and sets *done at its end.  NULL:
     * the PDU is a header of hdr_len bytes whose big-endian 16-bit length
     * at len_off counts counted bytes of the header besides the rest
     * (tcp_pdu_feed_counted()). */
    size_t (*feed)(struct tcp_half *h, struct tcp_half *other, const uint8_t *p, size_t n,
                   bool *done);
    uint8_t hdr_len; /* Without feed: the header's length. */
    uint8_t len_off; /* Without feed: the offset of the length in it. */
    uint8_t counted; /* Without feed: the header bytes the length counts. */
    /* A PDU completed in this frame: records its fields and pushes its
     * nodes (pushed: as for start).  NULL: each PDU shows the protocol once. */
    void (*done)(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other, bool pushed);
    /* Records the fields of a segment the snaplen cut (h->mode tells
     * whether a PDU was in progress); the core then pushes the protocol
     * and "_ws.short".  May be NULL. */
    void (*cut)(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other, struct span p);
    /* The direction ended (FIN): completes a PDU that lasts until then,
     * pushing its nodes, and returns true (the core then adds
     * "tcp.segments" when it took several segments); false when there was
     * none.  May be NULL. */
    bool (*fin)(struct dissect_ctx *c, struct tcp_half *h);
    /* Forgets the application's part of the PDU in progress.  May be NULL. */
    void (*reset)(struct tcp_half *h);
    /* Frees the application's state of the direction.  May be NULL. */
    void (*free)(struct tcp_half *h);
};

/* The pseudo-protocol "tcp.segments" (registered by dissectors/tcp.c). */
extern int tcp_proto_segments;

/* Dissects the payload of one in-order segment of a direction whose
 * stream carries app (NULL: data); other is the opposite direction. */
void tcp_pdu_segment(struct dissect_ctx *c, const struct dissector_handle *app, struct tcp_half *h,
                     struct tcp_half *other, struct span p);

/* Forgets the PDU in progress after a gap in the sequence numbers (a lost segment). */
void tcp_pdu_gap(const struct dissector_handle *app, struct tcp_half *h);

/* Ends the direction at a FIN, completing a PDU that lasts until the connection closes. */
void tcp_pdu_fin(struct dissect_ctx *c, const struct dissector_handle *app, struct tcp_half *h);

/* Frees the buffers of a direction (its PDU bytes and the application's state). */
void tcp_pdu_free(const struct dissector_handle *app, struct tcp_half *h);

/* Appends n bytes to the direction's buffer; returns false when it would
 * exceed max bytes or memory ran out. */
bool tcp_pdu_buf_append(struct tcp_half *h, const uint8_t *p, size_t n, uint32_t max);

/* Feeds n bytes at p to a PDU of known length (h->need bytes to go);
 * returns the bytes taken, *done at its end. */
size_t tcp_pdu_feed_fixed(struct tcp_half *h, const uint8_t *p, size_t n, bool *done);

/* Feeds bytes to a PDU whose header of hdr_len bytes holds a big-endian
 * 16-bit length at len_off that counts counted bytes of the header
 * besides the rest (BGP counts its whole header).  Returns the bytes
 * taken, *done at its end. */
size_t tcp_pdu_feed_counted(struct tcp_half *h, const uint8_t *p, size_t n, uint32_t hdr_len,
                            uint32_t len_off, uint32_t counted, bool *done);

/* Feeds bytes to a length-prefixed PDU: a header of hdr_len bytes whose
 * big-endian 16-bit length of the rest is at len_off, then that many
 * bytes (kept in buf after the header, up to keep_max bytes in all, when
 * keep).  Returns the bytes taken, *done at its end. */
size_t tcp_pdu_feed_prefixed(struct tcp_half *h, const uint8_t *p, size_t n, uint32_t hdr_len,
                             uint32_t len_off, bool keep, uint32_t keep_max, bool *done);

#endif
