/* Owns the http view: every HTTP request (method, host, URI) with the
 * response Wireshark's HTTP dissector pairs it with (status, http.time),
 * read from the fields the HTTP dissector records.  A response names its
 * request's frame (http.request_in), so one pass pairs them. */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields the http pass reads, by index in hid. */
enum http_field {
    H_FRAME,
    H_IP_SRC,
    H_IP_DST,
    H_IPV6_SRC,
    H_IPV6_DST,
    H_METHOD,
    H_HOST,
    H_URI,
    H_REQUEST_IN,
    H_CODE,
    H_TIME,
    H_COUNT /* Number of them, not one. */
};

/* Their names, by enum http_field. */
static const char *const http_names[H_COUNT] = {
    "frame.number",        "ip.src",    "ip.dst",           "ipv6.src",        "ipv6.dst",
    "http.request.method", "http.host", "http.request.uri", "http.request_in", "http.response.code",
    "http.time",
};

/* One request. */
struct http_request {
    uint64_t frame; /* Its frame. */
    bool answered;  /* A response was paired with it. */
    json_t *obj;    /* Its line of the answer. */
};

/* The state of one http pass. */
struct http_pass {
    int hid[H_COUNT];        /* Field ids. */
    struct http_request *at; /* The requests, in frame order. */
    size_t n;                /* Their number. */
    size_t cap;              /* Allocated entries. */
};

/* Returns the text of occurrence v as a JSON string, or null when absent. */
static json_t *text_or_null(const struct frame_fields *ff, const struct field_value *v)
{
    char buf[256];
    if (v == NULL)
        return json_null();
    size_t len;
    char *text = field_text(ff, v, buf, sizeof(buf), &len);
    json_t *s = text ? packet_json_text(text, len) : NULL;
    if (text != buf)
        free(text);
    return s ? s : json_null();
}

/* Writes the addresses of the frame's last IP header into src and dst. */
static void frame_hosts(const struct http_pass *hp, const struct frame_fields *ff, char *src,
                        char *dst, size_t size)
{
    src[0] = dst[0] = '\0';
    for (uint32_t i = 0; i < ff->n; i++) {
        int id = ff->vals[i].id;
        if (id == hp->hid[H_IP_SRC] || id == hp->hid[H_IPV6_SRC])
            field_format(ff, &ff->vals[i], src, size);
        else if (id == hp->hid[H_IP_DST] || id == hp->hid[H_IPV6_DST])
            field_format(ff, &ff->vals[i], dst, size);
    }
}

/* Adds the requests of one frame; returns 0 or -1. */
static int add_requests(struct http_pass *hp, const struct frame_fields *ff, uint64_t frame)
{
    char src[64], dst[64];
    frame_hosts(hp, ff, src, dst, sizeof(src));
    for (unsigned k = 0;; k++) {
        const struct field_value *method = view_nth(ff, hp->hid[H_METHOD], k);
        if (method == NULL)
            return 0;
        if (hp->n == hp->cap) {
            size_t cap = hp->cap ? hp->cap * 2 : 64;
            struct http_request *at = realloc(hp->at, cap * sizeof(*at));
            if (at == NULL)
                return -1;
            hp->at = at;
            hp->cap = cap;
        }
        json_t *obj = json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:n,s:n,s:n}", "frame", (json_int_t)frame,
                                "client", src, "server", dst, "method", text_or_null(ff, method),
                                "host", text_or_null(ff, view_nth(ff, hp->hid[H_HOST], k)), "uri",
                                text_or_null(ff, view_nth(ff, hp->hid[H_URI], k)), "response_frame",
                                "status", "time");
        if (obj == NULL)
            return -1;
        hp->at[hp->n++] = (struct http_request){frame, false, obj};
    }
}

/* Returns the first unanswered request of frame, or NULL (binary search:
 * requests are added in frame order). */
static struct http_request *request_of(struct http_pass *hp, uint64_t frame)
{
    size_t lo = 0, hi = hp->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hp->at[mid].frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < hp->n && hp->at[lo].frame == frame; lo++)
        if (!hp->at[lo].answered)
            return &hp->at[lo];
    return NULL;
}

/* Pairs the responses of one frame with their requests. */
static void add_responses(struct http_pass *hp, const struct frame_fields *ff, uint64_t frame)
{
    for (unsigned k = 0;; k++) {
        const struct field_value *in = view_nth(ff, hp->hid[H_REQUEST_IN], k);
        if (in == NULL)
            return;
        struct http_request *r = request_of(hp, in->v.u);
        const struct field_value *code = view_nth(ff, hp->hid[H_CODE], k);
        const struct field_value *time = view_nth(ff, hp->hid[H_TIME], k);
        if (r == NULL)
            continue;
        r->answered = true;
        json_object_set_new(r->obj, "response_frame", json_integer((json_int_t)frame));
        if (code != NULL)
            json_object_set_new(r->obj, "status", json_integer((json_int_t)code->v.u));
        if (time != NULL)
            json_object_set_new(r->obj, "time", json_real((double)time->v.ns / 1e9));
    }
}

/* Adds one frame's requests and responses (a packet_pass_cb). */
static int http_frame(void *arg, const struct frame_fields *ff)
{
    struct http_pass *hp = arg;
    uint64_t frame = view_first(ff, hp->hid[H_FRAME])->v.u;
    if (add_requests(hp, ff, frame) != 0)
        return -1;
    add_responses(hp, ff, frame);
    return 0;
}

int view_http_json(const struct packet_source *src, uint64_t offset, uint64_t limit, json_t **data,
                   char *err, size_t errlen)
{
    struct http_pass hp = {.n = 0};
    view_field_ids(http_names, hp.hid, H_COUNT);
    struct frame_fields *ff = view_fields_new(hp.hid, H_COUNT);
    int rc = PQ_BAD_FILE;
    *data = NULL;
    if (ff == NULL)
        snprintf(err, errlen, "out of memory");
    else
        rc = packet_pass_run(src, ff, NULL, http_frame, &hp, err, errlen);
    json_t *requests = json_array();
    for (size_t i = 0; i < hp.n; i++) {
        if (rc == PQ_OK && i >= offset && i - offset < limit)
            json_array_append(requests, hp.at[i].obj);
        json_decref(hp.at[i].obj);
    }
    if (rc == PQ_OK)
        *data = view_page(json_pack("{s:I}", "total", (json_int_t)hp.n), "requests", requests,
                          offset, limit, hp.n > offset && hp.n - offset > limit);
    else
        json_decref(requests);
    free(hp.at);
    view_fields_free(ff);
    return rc;
}
