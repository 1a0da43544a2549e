/* Owns the follow view: one TCP or UDP stream's payload in both
 * directions, in the chunks tshark 4.0's follow tap yields.  For TCP that
 * is Wireshark's follow algorithm (epan/dissectors/packet-tcp.c,
 * follow_tcp_tap_listener): each direction's payload in sequence order,
 * retransmitted bytes once, out-of-order segments held until the gap
 * before them fills, and "[N bytes missing in capture file]" where the
 * other side acknowledged bytes the capture does not hold.  For UDP each
 * datagram is a chunk.  Node 0 is the sender of the stream's first frame. */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields the follow pass reads, by index in fid. */
enum follow_field {
    F_FRAME,
    F_TIME,
    F_IP_SRC,
    F_IPV6_SRC,
    F_IP_DST,
    F_IPV6_DST,
    F_ETH_SRC,
    F_ETH_DST,
    F_TCP_SRCPORT,
    F_TCP_DSTPORT,
    F_TCP_STREAM,
    F_TCP_SEQ,
    F_TCP_ACK,
    F_TCP_SYN,
    F_TCP_ACKFLAG,
    F_TCP_LEN,
    F_TCP_PAYLOAD,
    F_UDP_SRCPORT,
    F_UDP_DSTPORT,
    F_UDP_STREAM,
    F_UDP_PAYLOAD,
    F_COUNT /* Number of them, not one. */
};

/* Their names, by enum follow_field. */
static const char *const follow_names[F_COUNT] = {
    "frame.number", "frame.time_epoch", "ip.src",      "ipv6.src",      "ip.dst",
    "ipv6.dst",     "eth.src",          "eth.dst",     "tcp.srcport",   "tcp.dstport",
    "tcp.stream",   "tcp.seq_raw",      "tcp.ack_raw", "tcp.flags.syn", "tcp.flags.ack",
    "tcp.len",      "tcp.payload",      "udp.srcport", "udp.dstport",   "udp.stream",
    "udp.payload",
};

/* One chunk of payload. */
struct chunk {
    uint64_t frame; /* The frame it came in. */
    int64_t ns;     /* That frame's time. */
    uint32_t seq;   /* TCP: its first byte's sequence number. */
    int node;       /* Its sender: 0 or 1. */
    uint8_t *data;  /* Its bytes. */
    size_t len;     /* Their number. */
};

/* A growing list of chunks. */
struct chunk_list {
    struct chunk *at; /* The chunks. */
    size_t n;         /* Their number. */
    size_t cap;       /* Allocated entries. */
};

/* One endpoint of the stream, as text and port. */
struct follow_node {
    char host[64]; /* Its address. */
    uint64_t port; /* Its port. */
};

/* The state of one follow pass. */
struct follow {
    int fid[F_COUNT];               /* Field ids. */
    bool udp;                       /* Following UDP (else TCP). */
    uint64_t stream;                /* The stream index followed. */
    bool seen;                      /* A frame of the stream was met. */
    struct follow_node node[2];     /* Node 0 (first sender) and node 1. */
    uint32_t seq[2];                /* TCP: next expected sequence number per node. */
    uint64_t bytes[2];              /* Bytes in order per node (follow's bytes_written). */
    struct chunk_list out;          /* The chunks, in the order tshark prints them. */
    struct chunk_list fragments[2]; /* TCP: out-of-order chunks per node. */
    bool oom;                       /* An allocation failed. */
};

/* Sequence number comparisons modulo 2^32, as Wireshark's LT_SEQ and GT_SEQ. */
static bool seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

/* Appends a chunk (its data owned by the list from now on); false when out of memory. */
static bool chunk_push(struct chunk_list *l, const struct chunk *c)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct chunk *at = realloc(l->at, cap * sizeof(*at));
        if (at == NULL)
            return false;
        l->at = at;
        l->cap = cap;
    }
    l->at[l->n++] = *c;
    return true;
}

/* Removes entry i of a list, keeping the order of the others. */
static void chunk_remove(struct chunk_list *l, size_t i)
{
    memmove(&l->at[i], &l->at[i + 1], (l->n - i - 1) * sizeof(*l->at));
    l->n--;
}

/* Frees a list and its chunks' data. */
static void chunk_list_free(struct chunk_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->at[i].data);
    free(l->at);
}

/* Makes a chunk of a copy of len bytes; data is NULL when out of memory. */
static struct chunk chunk_make(uint64_t frame, int64_t ns, uint32_t seq, int node, const void *p,
                               size_t len)
{
    struct chunk c = {frame, ns, seq, node, malloc(len ? len : 1), len};
    if (c.data != NULL && len > 0)
        memcpy(c.data, p, len);
    return c;
}

/* Adds a chunk to the output; records a failure. */
static void emit(struct follow *fw, struct chunk c)
{
    if (c.data == NULL || !chunk_push(&fw->out, &c)) {
        free(c.data);
        fw->oom = true;
    }
}

/* Wireshark's check_follow_fragments: moves the first held fragment of
 * `node` that now fits (or is overtaken) into the output; else, when
 * `acked` passes the lowest held sequence number, emits the marker of the
 * bytes the capture is missing.  Returns true when it did something. */
static bool fragments_check(struct follow *fw, int node, uint32_t acked, bool use_ack,
                            uint64_t frame, int64_t ns)
{
    struct chunk_list *fl = &fw->fragments[node];
    if (fl->n == 0)
        return false;
    uint32_t lowest = fl->at[0].seq;
    for (size_t i = 0; i < fl->n; i++) {
        struct chunk *f = &fl->at[i];
        if (seq_lt(f->seq, lowest))
            lowest = f->seq;
        if (seq_lt(f->seq, fw->seq[node])) {
            uint32_t end = f->seq + (uint32_t)f->len;
            if (seq_lt(fw->seq[node], end)) {
                uint32_t skip = fw->seq[node] - f->seq;
                emit(fw, chunk_make(f->frame, f->ns, fw->seq[node], node, f->data + skip,
                                    f->len - skip));
                fw->seq[node] = end;
            }
            free(f->data);
            chunk_remove(fl, i);
            return true;
        }
        if (f->seq == fw->seq[node]) {
            fw->seq[node] += (uint32_t)f->len;
            struct chunk c = *f;
            chunk_remove(fl, i);
            if (c.len > 0)
                emit(fw, c);
            else
                free(c.data);
            return true;
        }
    }
    if (!use_ack || !seq_lt(lowest, acked))
        return false;
    char marker[64];
    int n = snprintf(marker, sizeof(marker), "[%d bytes missing in capture file]",
                     (int)(lowest - fw->seq[node]));
    emit(fw, chunk_make(frame, ns, lowest, node, marker, (size_t)n + 1));
    fw->seq[node] = lowest;
    return true;
}

/* One TCP segment of the stream, as the follow tap sees it. */
struct segment {
    uint64_t frame;   /* Its frame. */
    int64_t ns;       /* Its time. */
    int node;         /* Its sender. */
    uint32_t seq;     /* Its sequence number (after the SYN). */
    uint32_t ack;     /* Its acknowledgement number, 0 without ACK. */
    uint32_t seglen;  /* Its payload length (tcp.len). */
    const uint8_t *p; /* Its captured payload. */
    size_t cap;       /* The captured payload's length. */
};

/* Wireshark's follow_tcp_tap_listener for one segment. */
static void follow_tcp_segment(struct follow *fw, const struct segment *s)
{
    int node = s->node;
    uint32_t seq = s->seq, len = s->seglen;
    size_t skip = 0, cap = s->cap;
    while (fw->fragments[!node].n > 0 && fragments_check(fw, !node, s->ack, true, s->frame, s->ns))
        ;
    if (fw->bytes[node] == 0 && fw->seq[node] == 0)
        fw->seq[node] = seq;
    if (seq_lt(seq, fw->seq[node])) {
        uint32_t end = seq + len;
        if (seq_lt(fw->seq[node], end)) {
            skip = fw->seq[node] - seq;
            cap = cap <= skip ? 0 : cap - skip;
            seq = fw->seq[node];
            len = end - fw->seq[node];
        }
    }
    if (cap == 0 || seq_lt(seq, fw->seq[node]))
        return;
    struct chunk c = chunk_make(s->frame, s->ns, seq, node, s->p + skip, cap);
    if (seq != fw->seq[node]) {
        if (c.data == NULL || !chunk_push(&fw->fragments[node], &c)) {
            free(c.data);
            fw->oom = true;
        }
        return;
    }
    fw->seq[node] += len;
    fw->bytes[node] += cap;
    emit(fw, c);
    while (fragments_check(fw, node, 0, false, s->frame, s->ns))
        ;
}

/* Returns the index in ff->vals of the nth occurrence of field id, or ff->n. */
static uint32_t index_of(const struct frame_fields *ff, int id, unsigned nth)
{
    const struct field_value *v = view_nth(ff, id, nth);
    return v ? (uint32_t)(v - ff->vals) : ff->n;
}

/* Returns the first occurrence of id in vals[from, to), or NULL. */
static const struct field_value *within(const struct frame_fields *ff, int id, uint32_t from,
                                        uint32_t to)
{
    for (uint32_t i = from; i < to; i++)
        if (ff->vals[i].id == id)
            return &ff->vals[i];
    return NULL;
}

/* Writes the address of the last Ethernet or IP header before vals[at]
 * into host: its source (eth, ip4 and ip6 the ids of eth.src, ip.src and
 * ipv6.src) or destination. */
static void header_host(const struct frame_fields *ff, uint32_t at, const int ids[3], char *host,
                        size_t size)
{
    host[0] = '\0';
    for (uint32_t i = 0; i < at; i++)
        if (ff->vals[i].id == ids[0] || ff->vals[i].id == ids[1] || ff->vals[i].id == ids[2])
            field_format(ff, &ff->vals[i], host, size);
}

/* Returns the last value of either port field in the frame (0 if none). */
static uint64_t last_port(const struct frame_fields *ff, int tcp, int udp)
{
    uint64_t port = 0;
    for (uint32_t i = 0; i < ff->n; i++)
        if (ff->vals[i].id == tcp || ff->vals[i].id == udp)
            port = ff->vals[i].v.u;
    return port;
}

/* Returns the sender's node, naming the nodes on the stream's first frame. */
static int node_of(struct follow *fw, const char *host, uint64_t sport, uint64_t dport,
                   const char *dst_host)
{
    if (!fw->seen) {
        fw->seen = true;
        snprintf(fw->node[0].host, sizeof(fw->node[0].host), "%s", host);
        fw->node[0].port = sport;
        snprintf(fw->node[1].host, sizeof(fw->node[1].host), "%s", dst_host);
        fw->node[1].port = dport;
    }
    return !(strcmp(host, fw->node[0].host) == 0 && sport == fw->node[0].port);
}

/* Takes the bytes of a payload occurrence (none when absent or not captured). */
static void payload_of(const struct frame_fields *ff, const struct field_value *v,
                       const uint8_t **p, size_t *len)
{
    *p = NULL;
    *len = 0;
    if (v != NULL && v->v.str.off != UINT32_MAX) {
        *p = (const uint8_t *)field_string(ff, v);
        *len = v->v.str.len;
    }
}

/* Feeds one header layer (vals[from, to)) of the followed stream. */
static void follow_layer(struct follow *fw, const struct frame_fields *ff, uint32_t from,
                         uint32_t to)
{
    const int *id = fw->fid;
    char src[64], dst[64];
    struct segment s = {0};
    /* Wireshark's tap runs once the whole frame is dissected: it sees the
     * addresses and ports of the frame's innermost headers (pinfo->src,
     * pinfo->srcport), whichever header the followed stream is. */
    const int src_ids[3] = {id[F_ETH_SRC], id[F_IP_SRC], id[F_IPV6_SRC]};
    const int dst_ids[3] = {id[F_ETH_DST], id[F_IP_DST], id[F_IPV6_DST]};
    header_host(ff, ff->n, src_ids, src, sizeof(src));
    header_host(ff, ff->n, dst_ids, dst, sizeof(dst));
    uint64_t sport = last_port(ff, id[F_TCP_SRCPORT], id[F_UDP_SRCPORT]);
    uint64_t dport = last_port(ff, id[F_TCP_DSTPORT], id[F_UDP_DSTPORT]);
    s.frame = view_first(ff, id[F_FRAME])->v.u;
    s.ns = view_first(ff, id[F_TIME])->v.ns;
    s.node = node_of(fw, src, sport, dport, dst);
    payload_of(ff, within(ff, id[fw->udp ? F_UDP_PAYLOAD : F_TCP_PAYLOAD], from, to), &s.p, &s.cap);
    if (fw->udp) {
        emit(fw, chunk_make(s.frame, s.ns, 0, s.node, s.p, s.cap));
        fw->bytes[s.node] += s.cap;
        return;
    }
    const struct field_value *seq = within(ff, id[F_TCP_SEQ], from, to);
    const struct field_value *ack = within(ff, id[F_TCP_ACK], from, to);
    const struct field_value *syn = within(ff, id[F_TCP_SYN], from, to);
    const struct field_value *ackf = within(ff, id[F_TCP_ACKFLAG], from, to);
    const struct field_value *len = within(ff, id[F_TCP_LEN], from, to);
    if (seq == NULL || len == NULL)
        return; /* A header Wireshark's tap never sees (cut, or a bogus length). */
    s.seq = (uint32_t)seq->v.u + (syn && syn->v.u ? 1 : 0);
    s.ack = ack && ackf && ackf->v.u ? (uint32_t)ack->v.u : 0;
    s.seglen = (uint32_t)len->v.u;
    follow_tcp_segment(fw, &s);
}

/* Feeds the layers of one frame that belong to the followed stream (a packet_pass_cb). */
static int follow_frame(void *arg, const struct frame_fields *ff)
{
    struct follow *fw = arg;
    int port_id = fw->fid[fw->udp ? F_UDP_SRCPORT : F_TCP_SRCPORT];
    int stream_id = fw->fid[fw->udp ? F_UDP_STREAM : F_TCP_STREAM];
    for (unsigned k = 0;; k++) {
        uint32_t from = index_of(ff, port_id, k), to = index_of(ff, port_id, k + 1);
        if (from == ff->n)
            break;
        const struct field_value *stream = within(ff, stream_id, from, to);
        if (stream != NULL && stream->v.u == fw->stream)
            follow_layer(fw, ff, from, to);
    }
    return fw->oom ? -1 : 0;
}

/* Writes len bytes as lowercase hex into a new JSON string. */
static json_t *hex_json(const uint8_t *p, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *text = malloc(2 * len + 1);
    if (text == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        text[2 * i] = digits[p[i] >> 4];
        text[2 * i + 1] = digits[p[i] & 15];
    }
    json_t *s = json_stringn(text, 2 * len);
    free(text);
    return s;
}

/* Builds the answer from the finished pass. */
static json_t *follow_answer(const struct follow *fw, uint64_t offset, uint64_t limit)
{
    json_t *nodes = json_array(), *segments = json_array();
    uint64_t at[2] = {0, 0};
    for (int i = 0; fw->seen && i < 2; i++)
        json_array_append_new(nodes, json_pack("{s:s,s:I}", "host", fw->node[i].host, "port",
                                               (json_int_t)fw->node[i].port));
    for (size_t i = 0; i < fw->out.n; i++) {
        const struct chunk *c = &fw->out.at[i];
        if (i >= offset && i - offset < limit)
            json_array_append_new(
                segments, json_pack("{s:I,s:i,s:I,s:f,s:o}", "frame", (json_int_t)c->frame, "node",
                                    c->node, "offset", (json_int_t)at[c->node], "time",
                                    (double)c->ns / 1e9, "payload", hex_json(c->data, c->len)));
        at[c->node] += c->len;
    }
    json_t *obj = json_pack("{s:s,s:I,s:o,s:[I,I],s:I}", "proto", fw->udp ? "udp" : "tcp", "stream",
                            (json_int_t)fw->stream, "nodes", nodes, "bytes", (json_int_t)at[0],
                            (json_int_t)at[1], "chunks", (json_int_t)fw->out.n);
    bool more = fw->out.n > offset && fw->out.n - offset > limit;
    return view_page(obj, "segments", segments, offset, limit, more);
}

int view_follow_json(const struct packet_source *src, bool udp, uint64_t stream, uint64_t offset,
                     uint64_t limit, json_t **data, char *err, size_t errlen)
{
    struct follow *fw = calloc(1, sizeof(*fw));
    struct frame_fields *ff = NULL;
    int rc = PQ_BAD_FILE;
    *data = NULL;
    if (fw != NULL) {
        view_field_ids(follow_names, fw->fid, F_COUNT);
        fw->udp = udp;
        fw->stream = stream;
        ff = view_fields_new(fw->fid, F_COUNT);
    }
    if (ff == NULL)
        snprintf(err, errlen, "out of memory");
    else
        rc = packet_pass_run(src, ff, NULL, follow_frame, fw, err, errlen);
    if (rc == PQ_OK && (*data = follow_answer(fw, offset, limit)) == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = PQ_BAD_FILE;
    }
    view_fields_free(ff);
    if (fw != NULL) {
        chunk_list_free(&fw->out);
        chunk_list_free(&fw->fragments[0]);
        chunk_list_free(&fw->fragments[1]);
    }
    free(fw);
    return rc;
}
