/* Framing of application PDUs (HTTP messages, TLS records, DNS-over-TCP
 * messages, SSH, undissected data) within one direction of a TCP stream. */
#ifndef PCAPD_ANALYSIS_TCP_PDU_H
#define PCAPD_ANALYSIS_TCP_PDU_H

#include "dissect_internal.h"

/* How the bytes of the PDU in progress are being consumed. */
enum pdu_mode {
    PDU_IDLE = 0,  /* No PDU in progress: the next byte starts one. */
    PDU_HEADER,    /* Collecting a header (HTTP headers, TLS/DNS length prefix) in buf. */
    PDU_FIXED,     /* Counting down need bytes of a PDU of known length. */
    PDU_CHUNKED,   /* Walking an HTTP chunked body. */
    PDU_UNTIL_FIN, /* An HTTP response body that ends with the connection. */
};

/* States of the HTTP chunked-body parser. */
enum chunk_state {
    CHUNK_SIZE = 0, /* Reading a chunk-size line up to its LF. */
    CHUNK_DATA,     /* Skipping chunk data and its CRLF (need bytes). */
    CHUNK_TRAILER,  /* Reading trailer lines up to an empty one. */
};

/* One direction of a TCP stream. */
struct tcp_half {
    uint32_t next_seq;    /* Sequence number just past the highest byte seen. */
    uint32_t base_seq;    /* Sequence number of the first segment seen. */
    bool seq_set;         /* True once next_seq is meaningful. */
    bool base_set;        /* True once base_seq is meaningful. */
    bool head_request;    /* True when this direction's last HTTP request was HEAD. */
    bool gzip;            /* True when the HTTP message in progress is gzip-encoded. */
    uint8_t tail[4];      /* Last four body bytes of the HTTP message (gzip's ISIZE). */
    uint8_t mode;         /* An enum pdu_mode value. */
    uint8_t media;        /* Media node of the HTTP message in progress (PROTO_COUNT: none). */
    uint8_t chunk;        /* An enum chunk_state value, in PDU_CHUNKED. */
    bool chunk_line_data; /* True when the current chunk/trailer line has characters. */
    uint16_t segs;        /* Number of segments that fed the PDU in progress. */
    uint64_t need;        /* Bytes still needed, in PDU_FIXED and CHUNK_DATA. */
    uint64_t chunk_size;  /* Chunk size being parsed, in CHUNK_SIZE. */
    uint64_t body;        /* Body bytes of the HTTP message in progress. */
    uint8_t *buf;         /* Header bytes collected in PDU_HEADER. */
    uint32_t buf_len;     /* Number of bytes in buf. */
    uint32_t buf_cap;     /* Allocated size of buf. */
    bool keep_dns;        /* True when buf keeps whole DNS messages (their fields are wanted). */
    bool keep_tls;        /* True when buf keeps whole TLS handshake records (fields wanted). */
    bool tls13;           /* True when a ServerHello of the stream selected TLS 1.3. */
    bool tls_v2;          /* True once an SSLv2 ClientHello made the stream SSLv2 to Wireshark. */
    uint64_t tls_ccs;     /* Frame of this direction's first counted ChangeCipherSpec, or 0. */
    uint64_t tls_abort;   /* Frame in which Wireshark's TLS dissector would have thrown, or 0. */
    struct tls_hs_state *tls; /* TLS handshake messages split over records, or NULL. */
};

/* Dissects the payload of one in-order segment of a direction whose
 * stream carries app; other is the opposite direction. */
void tcp_pdu_segment(struct dissect_ctx *c, enum proto_id app, struct tcp_half *h,
                     struct tcp_half *other, struct span p);

/* Forgets the PDU in progress after a gap in the sequence numbers (a lost segment). */
void tcp_pdu_gap(struct tcp_half *h);

/* Ends the direction at a FIN, completing a PDU that lasts until the connection closes. */
void tcp_pdu_fin(struct dissect_ctx *c, enum proto_id app, struct tcp_half *h);

/* Returns the application of a stream given one more payload segment: a
 * stream without one (PROTO_DATA) becomes TLS when a port is one tshark
 * decodes as TLS or the payload starts like a TLS record or an SSLv2
 * ClientHello (Wireshark's TLS heuristic); otherwise app is kept. */
enum proto_id tcp_pdu_detect(enum proto_id app, uint16_t sport, uint16_t dport, struct span p);

/* Frees the buffers of a direction (its PDU bytes and TLS handshake state). */
void tcp_pdu_free(struct tcp_half *h);

#endif
