/* Owns the expert view: the expert information tshark 4.0's -z expert
 * reports, counted by severity, group, protocol and summary.  It covers
 * what our dissectors know: TCP's connection items (SYN, SYN+ACK, FIN
 * with who initiates the close, RST), its sequence analysis (the
 * tcp.analysis.* flags and D-SACK), HTTP's request and response lines,
 * and malformed packets.  The summaries are Wireshark's words
 * (packet-tcp.c and packet-http.c expert registrations). */
#include "views.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Severities, most severe first, with their names in the answer. */
enum severity { SEV_ERROR, SEV_WARN, SEV_NOTE, SEV_CHAT, SEV_COUNT };

/* Their names. */
static const char *const severity_names[SEV_COUNT] = {"error", "warning", "note", "chat"};

/* The fields the expert pass reads, by index in eid. */
enum expert_field {
    E_FRAME,
    E_PROTOCOLS,
    E_MALFORMED,
    E_IP_SRC,
    E_IPV6_SRC,
    E_TCP_SRCPORT,
    E_TCP_DSTPORT,
    E_TCP_STREAM,
    E_SYN,
    E_ACK,
    E_FIN,
    E_RST,
    E_DUP_ACK_NUM,
    E_DSACK,
    E_METHOD,
    E_URI,
    E_REQ_VERSION,
    E_RESP_VERSION,
    E_CODE,
    E_PHRASE,
    E_FLAG_FIRST, /* The tcp.analysis flags of flag_items, in order, from here. */
};

/* The TCP analysis flags that each raise one item of the same name. */
static const struct flag_item {
    const char *field;      /* The flag's field. */
    enum severity severity; /* The item's severity. */
    const char *summary;    /* Its summary. */
} flag_items[] = {
    {"tcp.analysis.retransmission", SEV_NOTE, "This frame is a (suspected) retransmission"},
    {"tcp.analysis.fast_retransmission", SEV_NOTE,
     "This frame is a (suspected) fast retransmission"},
    {"tcp.analysis.spurious_retransmission", SEV_NOTE,
     "This frame is a (suspected) spurious retransmission"},
    {"tcp.analysis.out_of_order", SEV_WARN, "This frame is a (suspected) out-of-order segment"},
    {"tcp.analysis.reused_ports", SEV_NOTE,
     "A new tcp session is started with the same ports as an earlier session in this trace"},
    {"tcp.analysis.lost_segment", SEV_WARN,
     "Previous segment(s) not captured (common at capture start)"},
    {"tcp.analysis.ack_lost_segment", SEV_WARN,
     "ACKed segment that wasn't captured (common at capture start)"},
    {"tcp.analysis.window_update", SEV_CHAT, "TCP window update"},
    {"tcp.analysis.window_full", SEV_WARN,
     "TCP window specified by the receiver is now completely full"},
    {"tcp.analysis.keep_alive", SEV_NOTE, "TCP keep-alive segment"},
    {"tcp.analysis.keep_alive_ack", SEV_NOTE, "ACK to a TCP keep-alive segment"},
    {"tcp.analysis.zero_window_probe", SEV_NOTE, "TCP Zero Window Probe"},
    {"tcp.analysis.zero_window", SEV_WARN, "TCP Zero Window segment"},
    {"tcp.analysis.zero_window_probe_ack", SEV_NOTE, "ACK to a TCP Zero Window Probe"},
};

/* Number of flag items. */
#define N_FLAGS (sizeof(flag_items) / sizeof(flag_items[0]))

/* Number of fields read. */
#define E_COUNT (E_FLAG_FIRST + N_FLAGS)

/* Names of the fields before E_FLAG_FIRST. */
static const char *const expert_names[E_FLAG_FIRST] = {
    "frame.number",
    "frame.protocols",
    "_ws.malformed",
    "ip.src",
    "ipv6.src",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.stream",
    "tcp.flags.syn",
    "tcp.flags.ack",
    "tcp.flags.fin",
    "tcp.flags.reset",
    "tcp.analysis.duplicate_ack_num",
    "tcp.options.sack.dsack",
    "http.request.method",
    "http.request.uri",
    "http.request.version",
    "http.response.version",
    "http.response.code",
    "http.response.phrase",
};

/* Longest summary, as Wireshark's item labels (ITEM_LABEL_LENGTH - 1). */
#define SUMMARY_MAX 239

/* Who sent a stream's first FIN (Wireshark's closing_initiator). */
struct closer {
    bool set;      /* A FIN was seen. */
    char host[64]; /* Its sender's address. */
    uint64_t port; /* And port. */
};

/* The state of one expert pass. */
struct expert_pass {
    int eid[E_COUNT];       /* Field ids. */
    json_t *items;          /* The items, in order of first appearance. */
    json_t *index;          /* Position in items of each key. */
    uint64_t frame;         /* The frame being read. */
    struct closer *closers; /* Per tcp.stream. */
    size_t n_closers;       /* Entries in closers. */
    bool oom;               /* An allocation failed. */
};

/* Counts one item in the current frame. */
static void add_item(struct expert_pass *ep, enum severity sev, const char *group,
                     const char *proto, const char *summary)
{
    char key[SUMMARY_MAX + 96];
    int n =
        snprintf(key, sizeof(key), "%d|%s|%s|%.*s", (int)sev, group, proto, SUMMARY_MAX, summary);
    json_t *at = json_object_getn(ep->index, key, (size_t)n);
    if (at != NULL) {
        json_t *item = json_array_get(ep->items, (size_t)json_integer_value(at));
        json_object_set_new(item, "count",
                            json_integer(json_integer_value(json_object_get(item, "count")) + 1));
        return;
    }
    json_t *item =
        json_pack("{s:s,s:s,s:s,s:s#,s:I,s:I}", "severity", severity_names[sev], "group", group,
                  "protocol", proto, "summary", summary, (int)strnlen(summary, SUMMARY_MAX),
                  "count", (json_int_t)1, "first_frame", (json_int_t)ep->frame);
    if (item == NULL ||
        json_object_setn_new_nocheck(ep->index, key, (size_t)n,
                                     json_integer((json_int_t)json_array_size(ep->items))) ||
        json_array_append_new(ep->items, item))
        ep->oom = true;
}

/* Returns the stream's closer entry, growing the table; NULL when out of memory. */
static struct closer *closer_of(struct expert_pass *ep, uint64_t stream)
{
    if (stream >= ep->n_closers) {
        size_t n = stream + 1 > 2 * ep->n_closers ? stream + 1 : 2 * ep->n_closers;
        struct closer *c = realloc(ep->closers, n * sizeof(*c));
        if (c == NULL)
            return NULL;
        memset(c + ep->n_closers, 0, (n - ep->n_closers) * sizeof(*c));
        ep->closers = c;
        ep->n_closers = n;
    }
    return &ep->closers[stream];
}

/* Returns true when a boolean field is present and set. */
static bool flag(const struct frame_fields *ff, int id)
{
    const struct field_value *v = view_first(ff, id);
    return v != NULL && v->v.u;
}

/* The FIN items: the chat, and whether the sender initiates the close
 * (the other side has not sent one) or undergoes it. */
static void fin_items(struct expert_pass *ep, const struct frame_fields *ff)
{
    const struct field_value *stream = view_first(ff, ep->eid[E_TCP_STREAM]);
    const struct field_value *sport = view_first(ff, ep->eid[E_TCP_SRCPORT]);
    char host[64] = "";
    add_item(ep, SEV_CHAT, "Sequence", "TCP", "Connection finish (FIN)");
    for (uint32_t i = 0; i < ff->n; i++)
        if (ff->vals[i].id == ep->eid[E_IP_SRC] || ff->vals[i].id == ep->eid[E_IPV6_SRC])
            field_format(ff, &ff->vals[i], host, sizeof(host));
    struct closer *c = stream ? closer_of(ep, stream->v.u) : NULL;
    if (c == NULL)
        return;
    uint64_t port = sport ? sport->v.u : 0;
    bool other = c->set && !(strcmp(c->host, host) == 0 && c->port == port);
    if (!other) {
        c->set = true;
        snprintf(c->host, sizeof(c->host), "%s", host);
        c->port = port;
    }
    add_item(ep, SEV_NOTE, "Sequence", "TCP",
             other ? "This frame undergoes the connection closing"
                   : "This frame initiates the connection closing");
}

/* The items of a TCP header. */
static void tcp_items(struct expert_pass *ep, const struct frame_fields *ff)
{
    const int *id = ep->eid;
    char text[96];
    if (flag(ff, id[E_SYN])) {
        bool ack = flag(ff, id[E_ACK]);
        const struct field_value *port = view_first(ff, id[ack ? E_TCP_SRCPORT : E_TCP_DSTPORT]);
        snprintf(text, sizeof(text), "Connection establish %s: server port %llu",
                 ack ? "acknowledge (SYN+ACK)" : "request (SYN)",
                 (unsigned long long)(port ? port->v.u : 0));
        add_item(ep, SEV_CHAT, "Sequence", "TCP", text);
    }
    if (flag(ff, id[E_FIN]))
        fin_items(ep, ff);
    if (flag(ff, id[E_RST]))
        add_item(ep, SEV_WARN, "Sequence", "TCP", "Connection reset (RST)");
    for (size_t k = 0; k < N_FLAGS; k++)
        if (view_first(ff, id[E_FLAG_FIRST + k]) != NULL)
            add_item(ep, flag_items[k].severity, "Sequence", "TCP", flag_items[k].summary);
    const struct field_value *dup = view_first(ff, id[E_DUP_ACK_NUM]);
    if (dup != NULL) {
        snprintf(text, sizeof(text), "Duplicate ACK (#%llu)", (unsigned long long)dup->v.u);
        add_item(ep, SEV_NOTE, "Sequence", "TCP", text);
    }
    for (unsigned k = 0; view_nth(ff, id[E_DSACK], k) != NULL; k++)
        add_item(ep, SEV_WARN, "Sequence", "TCP", "D-SACK Sequence");
}

/* Appends the text of occurrence v (if any) to buf at *len, with a separator. */
static void append_text(const struct frame_fields *ff, const struct field_value *v, const char *sep,
                        char *buf, size_t size, size_t *len)
{
    char tmp[512];
    size_t n;
    if (v == NULL || *len >= size)
        return;
    char *text = field_text(ff, v, tmp, sizeof(tmp), &n);
    if (text == NULL)
        return;
    *len += (size_t)snprintf(buf + *len, size - *len, "%s%.*s", *len ? sep : "", (int)n, text);
    if (*len >= size)
        *len = size - 1;
    if (text != tmp)
        free(text);
}

/* The chat items of HTTP's request and response lines, as Wireshark
 * shows them: "GET / HTTP/1.1\r\n" with the line end escaped. */
static void http_items(struct expert_pass *ep, const struct frame_fields *ff)
{
    const int *id = ep->eid;
    char line[SUMMARY_MAX + 8];
    for (unsigned k = 0; view_nth(ff, id[E_METHOD], k) != NULL; k++) {
        size_t len = 0;
        append_text(ff, view_nth(ff, id[E_METHOD], k), " ", line, sizeof(line), &len);
        append_text(ff, view_nth(ff, id[E_URI], k), " ", line, sizeof(line), &len);
        append_text(ff, view_nth(ff, id[E_REQ_VERSION], k), " ", line, sizeof(line), &len);
        snprintf(line + len, sizeof(line) - len, "\\r\\n");
        add_item(ep, SEV_CHAT, "Sequence", "HTTP", line);
    }
    for (unsigned k = 0; view_nth(ff, id[E_RESP_VERSION], k) != NULL; k++) {
        size_t len = 0;
        append_text(ff, view_nth(ff, id[E_RESP_VERSION], k), " ", line, sizeof(line), &len);
        append_text(ff, view_nth(ff, id[E_CODE], k), " ", line, sizeof(line), &len);
        append_text(ff, view_nth(ff, id[E_PHRASE], k), " ", line, sizeof(line), &len);
        snprintf(line + len, sizeof(line) - len, "\\r\\n");
        add_item(ep, SEV_CHAT, "Sequence", "HTTP", line);
    }
}

/* The error item of a malformed packet, named for the last protocol
 * dissected before undissected data (upper case, as most of Wireshark's
 * short names are): the protocol whose dissector met the short packet. */
static void malformed_item(struct expert_pass *ep, const struct frame_fields *ff)
{
    const struct field_value *v = view_first(ff, ep->eid[E_PROTOCOLS]);
    char proto[64] = "";
    const char *s = v ? field_string(ff, v) : "", *end = s + (v ? v->v.str.len : 0), *last = end;
    for (;;) {
        while (last > s && last[-1] != ':')
            last--;
        if (last == s || end - last != 4 || memcmp(last, "data", 4) != 0)
            break;
        end = --last;
    }
    for (size_t i = 0; last + i < end && i + 1 < sizeof(proto); i++)
        proto[i] = (char)toupper((unsigned char)last[i]), proto[i + 1] = '\0';
    add_item(ep, SEV_ERROR, "Malformed", proto, "Malformed Packet (Exception occurred)");
}

/* Counts the items of one frame (a packet_pass_cb). */
static int expert_frame(void *arg, const struct frame_fields *ff)
{
    struct expert_pass *ep = arg;
    ep->frame = view_first(ff, ep->eid[E_FRAME])->v.u;
    if (view_first(ff, ep->eid[E_TCP_STREAM]) != NULL)
        tcp_items(ep, ff);
    http_items(ep, ff);
    if (view_first(ff, ep->eid[E_MALFORMED]) != NULL)
        malformed_item(ep, ff);
    return ep->oom ? -1 : 0;
}

/* Orders items by severity, then first frame, then first appearance. */
static int item_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int sx = 0, sy = 0;
    for (int s = 0; s < SEV_COUNT; s++) {
        if (strcmp(json_string_value(json_object_get(x, "severity")), severity_names[s]) == 0)
            sx = s;
        if (strcmp(json_string_value(json_object_get(y, "severity")), severity_names[s]) == 0)
            sy = s;
    }
    if (sx != sy)
        return sx - sy;
    json_int_t fx = json_integer_value(json_object_get(x, "first_frame"));
    json_int_t fy = json_integer_value(json_object_get(y, "first_frame"));
    if (fx != fy)
        return fx < fy ? -1 : 1;
    json_int_t ix = json_integer_value(json_object_get(x, "seq"));
    json_int_t iy = json_integer_value(json_object_get(y, "seq"));
    return ix < iy ? -1 : ix > iy;
}

/* Builds the answer: the items sorted, and the counts per severity. */
static json_t *expert_answer(struct expert_pass *ep)
{
    size_t n = json_array_size(ep->items);
    json_t **sorted = malloc((n ? n : 1) * sizeof(*sorted));
    json_int_t counts[SEV_COUNT] = {0};
    if (sorted == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        sorted[i] = json_array_get(ep->items, i);
        json_object_set_new(sorted[i], "seq", json_integer((json_int_t)i));
    }
    qsort(sorted, n, sizeof(*sorted), item_cmp);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *sev = json_string_value(json_object_get(sorted[i], "severity"));
        for (int s = 0; s < SEV_COUNT; s++)
            if (strcmp(sev, severity_names[s]) == 0)
                counts[s] += json_integer_value(json_object_get(sorted[i], "count"));
        json_object_del(sorted[i], "seq");
        json_array_append(items, sorted[i]);
    }
    free(sorted);
    return json_pack("{s:{s:I,s:I,s:I,s:I},s:o}", "counts", "error", counts[SEV_ERROR], "warning",
                     counts[SEV_WARN], "note", counts[SEV_NOTE], "chat", counts[SEV_CHAT], "items",
                     items);
}

int view_expert_json(const struct packet_source *src, json_t **data, char *err, size_t errlen)
{
    struct expert_pass ep = {.items = json_array(), .index = json_object()};
    const char *names[E_COUNT];
    for (size_t i = 0; i < E_COUNT; i++)
        names[i] = i < E_FLAG_FIRST ? expert_names[i] : flag_items[i - E_FLAG_FIRST].field;
    view_field_ids(names, ep.eid, E_COUNT);
    struct frame_fields *ff = view_fields_new(ep.eid, E_COUNT);
    int rc = PQ_BAD_FILE;
    *data = NULL;
    if (ff != NULL && ep.items != NULL && ep.index != NULL)
        rc = packet_pass_run(src, ff, NULL, expert_frame, &ep, err, errlen);
    else
        snprintf(err, errlen, "out of memory");
    if (rc == PQ_OK && (*data = expert_answer(&ep)) == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = PQ_BAD_FILE;
    }
    view_fields_free(ff);
    json_decref(ep.items);
    json_decref(ep.index);
    free(ep.closers);
    return rc;
}
