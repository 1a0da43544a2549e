/*
 * The jobs API handlers and their routing:
 *   GET  /client/v4/accounts/{account}/pcaps              list
 *   POST /client/v4/accounts/{account}/pcaps              create
 *   GET  /client/v4/accounts/{account}/pcaps/{id}         get
 *   GET  /client/v4/accounts/{account}/pcaps/{id}/download
 *   PUT  /client/v4/accounts/{account}/pcaps/{id}/stop
 *   GET  /client/v4/accounts/{account}/pcaps/history      (an extension)
 *   GET  /client/v4/accounts/{account}/pcaps/appliances   (an extension)
 * and hands .../pcaps/ownership... to ownership_api.c.  On a fleet
 * appliance (store = postgresql://...), fleet captures are answered from
 * the fleet store (fleet_api.c).
 * Every request is authenticated first (auth.c); a token sees only its own
 * account, and anything of another account is answered exactly as if it
 * did not exist.  Every JSON answer is in the v4 envelope; every error
 * names its cause.
 */
#include "jobs_api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock_ms.h"
#include "api_errors.h"
#include "api_response.h"
#include "async_reply.h"
#include "auth.h"
#include "bucket_delivery.h"
#include "capture_files.h"
#include "capture_json_cache.h"
#include "capture_runner.h"
#include "destination.h"
#include "disk_guard.h"
#include "fleet.h"
#include "fleet_api.h"
#include "lookback.h"
#include "ownership.h"
#include "ownership_api.h"
#include "rate_limit.h"

/* Default and largest page sizes of the list, as the reference's. */
#define LIST_DEFAULT_PER_PAGE 50
#define LIST_MAX_PER_PAGE 1000

/* What a request's path names. */
enum route_kind {
    ROUTE_COLLECTION, /* .../pcaps */
    ROUTE_CAPTURE,    /* .../pcaps/{id} */
    ROUTE_DOWNLOAD,   /* .../pcaps/{id}/download */
    ROUTE_STOP,       /* .../pcaps/{id}/stop */
    ROUTE_HISTORY,    /* .../pcaps/history */
    ROUTE_APPLIANCES, /* .../pcaps/appliances */
    ROUTE_OWNERSHIP,  /* .../pcaps/ownership[/validate|/{id}] */
};

/* A parsed request path. */
struct route {
    /* Which endpoint the path names. */
    enum route_kind kind;
    /* The {account_id} segment. */
    char account[65];
    /* The {id} segment ("-" if it cannot be an id), or empty. */
    char id[CAPTURE_ID_LEN + 1];
    /* Which ownership endpoint, for ROUTE_OWNERSHIP. */
    enum ownership_route ownership;
};

/* The API's dependencies. */
static struct {
    /* Captures. */
    struct job_store *store;
    /* API tokens. */
    struct token_store *tokens;
    /* The daemon's configuration. */
    const struct config *cfg;
} api;

void jobs_api_init(struct job_store *store, struct token_store *tokens, const struct config *cfg)
{
    api.store = store;
    api.tokens = tokens;
    api.cfg = cfg;
}

/* Copies path segment `seg` of length `len` into `dst` of `size` bytes;
 * fails if it does not fit. */
static int copy_segment(char *dst, size_t size, const char *seg, size_t len)
{
    if (len == 0 || len >= size)
        return -1;
    memcpy(dst, seg, len);
    dst[len] = '\0';
    return 0;
}

/* Splits `path` into at most `max` segments.  Returns their count, or -1
 * if there are more. */
static int split_path(h2o_iovec_t path, h2o_iovec_t *segs, int max)
{
    int n = 0;
    size_t i = 0;
    while (i < path.len) {
        while (i < path.len && path.base[i] == '/')
            i++;
        size_t start = i;
        while (i < path.len && path.base[i] != '/')
            i++;
        if (i == start)
            break;
        if (n == max)
            return -1;
        segs[n++] = h2o_iovec_init(path.base + start, i - start);
    }
    return n;
}

/* Tells whether `seg` equals the C string `s`. */
static int seg_is(h2o_iovec_t seg, const char *s)
{
    return h2o_memis(seg.base, seg.len, s, strlen(s));
}

/* Parses the request path into `r`.  Returns 0, or -1 if it names no
 * route of this API. */
static int parse_route(h2o_iovec_t path, struct route *r)
{
    h2o_iovec_t s[8];
    int n = split_path(path, s, 8);
    if (n < 5 || n > 7 || !seg_is(s[0], "client") || !seg_is(s[1], "v4") ||
        !seg_is(s[2], "accounts") || !seg_is(s[4], "pcaps") ||
        copy_segment(r->account, sizeof(r->account), s[3].base, s[3].len) != 0)
        return -1;
    r->kind = ROUTE_COLLECTION;
    r->id[0] = '\0';
    if (n == 5)
        return 0;
    /* An id of the wrong form is simply an id that does not exist. */
    if (copy_segment(r->id, sizeof(r->id), s[5].base, s[5].len) != 0)
        snprintf(r->id, sizeof(r->id), "-");
    r->kind = ROUTE_CAPTURE;
    if (n == 6 && (seg_is(s[5], "history") || seg_is(s[5], "appliances"))) {
        r->kind = seg_is(s[5], "history") ? ROUTE_HISTORY : ROUTE_APPLIANCES;
        r->id[0] = '\0';
        return 0;
    }
    if (seg_is(s[5], "ownership")) {
        r->kind = ROUTE_OWNERSHIP;
        r->ownership = n == 6                     ? OWNERSHIP_ROUTE_COLLECTION
                       : seg_is(s[6], "validate") ? OWNERSHIP_ROUTE_VALIDATE
                                                  : OWNERSHIP_ROUTE_ITEM;
        if (r->ownership == OWNERSHIP_ROUTE_ITEM &&
            copy_segment(r->id, sizeof(r->id), s[6].base, s[6].len) != 0)
            snprintf(r->id, sizeof(r->id), "-");
        return 0;
    }
    if (n == 6)
        return 0;
    if (seg_is(s[6], "download"))
        r->kind = ROUTE_DOWNLOAD;
    else if (seg_is(s[6], "stop"))
        r->kind = ROUTE_STOP;
    else
        return -1;
    return 0;
}

/* Answers a read of the job store that failed with `rc` (a JOB_STORE_*
 * error): 503 with Retry-After when another process held its lock, else
 * 500. */
static int send_store_failure(h2o_req_t *req, int rc, const char *what)
{
    if (rc == JOB_STORE_BUSY) {
        api_add_number_header(req, "retry-after", 1);
        return api_send_error(req, 503, API_ERR_STORE_BUSY,
                              "the job store is busy (another process holds its lock) while "
                              "%s; retry shortly",
                              what);
    }
    return api_send_error(req, 500, API_ERR_INTERNAL, "the job store failed while %s", what);
}

/* Loads capture r->id of r->account as the API shows it (the runner's copy
 * while it is under way), answering 404, 500 or 503 if it cannot.
 * Returns 0 when `c` is filled. */
static int load_capture(h2o_req_t *req, const struct route *r, struct capture *c)
{
    int rc = job_store_get(api.store, r->account, r->id, c);
    if (rc == 0) {
        capture_runner_overlay(c);
        return 0;
    }
    if (rc > 0)
        api_send_error(req, 404, API_ERR_UNKNOWN_CAPTURE, "capture %s not found in account %s",
                       r->id, r->account);
    else
        send_store_failure(req, rc, "reading the capture");
    return -1;
}

/* Answers a capture that may not start now (429, 409 or 503). */
static int send_refusal(h2o_req_t *req, const struct admission_refusal *why)
{
    if (why->retry_after > 0)
        api_add_number_header(req, "retry-after", why->retry_after);
    return api_send_error(req, why->http_status, why->code, "%s", why->message);
}

/* A create waiting for the runner: its parked request, and the note its
 * answer carries in `messages` (a look-back window partly before the
 * history), if any. */
struct create_wait {
    struct async_reply *reply;
    char note[320];
};

/* Answers a create once the runner has stored and started the capture, or
 * failed to. */
static void on_created(const struct capture *c, const struct capture_outcome *o, void *arg)
{
    struct create_wait *w = arg;
    h2o_req_t *req = async_reply_req(w->reply);
    if (o->http_status != 200 && !o->stored)
        rate_limit_cancel(c);
    if (req != NULL && o->http_status == 200) {
        api_send_result_message(req, capture_to_json(c), API_MSG_PARTIAL_WINDOW,
                                w->note[0] != '\0' ? w->note : NULL);
    } else if (req != NULL) {
        if (o->retry_after > 0)
            api_add_number_header(req, "retry-after", o->retry_after);
        api_send_error(req, o->http_status, o->err.code, "%s", o->err.message);
    }
    async_reply_release(w->reply);
    free(w);
}

/* Answers a create the disk has no room for (503, code 1302). */
static int send_disk_refusal(h2o_req_t *req, enum disk_state disk, uint64_t free_bytes)
{
    if (disk == DISK_FULL)
        return api_send_error(req, 503, API_ERR_DISK_LOW,
                              "the file system of state_dir is full; free space before capturing");
    return api_send_error(req, 503, API_ERR_DISK_LOW,
                          "the file system of state_dir has %" PRIu64
                          " MiB free, less than disk_reserve_mb (%u MiB)",
                          free_bytes >> 20, api.cfg->disk_reserve_mb);
}

/* Admits a validated create and has the runner store and start it off
 * the event loop; the answer comes from on_created(), with `wait`, which
 * this takes (and frees when it answers a refusal itself). */
static void handle_admitted(h2o_req_t *req, const struct route *r, struct capture *c,
                            struct create_wait *wait)
{
    struct admission_refusal why;
    snprintf(c->account_id, sizeof(c->account_id), "%s", r->account);
    c->submitted_ms = clock_realtime_ms();
    c->status = CAPTURE_PENDING;
    uint64_t free_bytes;
    enum disk_state disk = disk_guard_state(&free_bytes);
    int rc = disk != DISK_OK ? 0 : rate_limit_admit(api.store, api.cfg, c, &why);
    if (disk != DISK_OK) {
        send_disk_refusal(req, disk, free_bytes);
    } else if (rc > 0) {
        send_refusal(req, &why);
    } else if (rc < 0) {
        send_store_failure(req, rc, "checking the limits");
    } else if (capture_new_id(c->id) != 0 || (wait->reply = async_reply_park(req)) == NULL) {
        rate_limit_cancel(c);
        api_send_error(req, 500, API_ERR_INTERNAL, "no randomness or memory for a capture");
    } else if (capture_runner_create(c, on_created, wait) != 0) {
        rate_limit_cancel(c);
        async_reply_release(wait->reply);
        api_send_error(req, 503, API_ERR_CAPACITY,
                       "cannot start the capture: every capture slot is in use");
    } else {
        return;
    }
    free(wait);
}

/* Creates validated capture `c` on every live appliance of the fleet.
 * Admission limits stay per appliance (docs/FLEET.md). */
static int fleet_create(h2o_req_t *req, const struct route *r, const struct capture *c)
{
    struct fleet_call call = {.op = FLEET_OP_CREATE, .capture = *c};
    snprintf(call.account, sizeof(call.account), "%s", r->account);
    snprintf(call.capture.account_id, sizeof(call.capture.account_id), "%s", r->account);
    call.capture.submitted_ms = clock_realtime_ms();
    call.capture.status = CAPTURE_PENDING;
    if (capture_new_id(call.capture.id) != 0)
        return api_send_error(req, 500, API_ERR_INTERNAL, "no randomness for a capture id");
    return fleet_api_handle(req, &call);
}

/* POST .../pcaps: validates a capture (and a look-back capture's window),
 * then admits it (handle_admitted()). */
static int handle_create(h2o_req_t *req, const struct route *r)
{
    if (req->entity.len > api.cfg->max_body_size)
        return api_send_error(req, 413, API_ERR_BODY_TOO_LARGE,
                              "request body: %zu bytes is more than the limit of %u",
                              req->entity.len, api.cfg->max_body_size);
    json_error_t jerr;
    json_t *body = json_loadb(req->entity.base ? req->entity.base : "", req->entity.len,
                              JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (body == NULL)
        return api_send_error(req, 400, API_ERR_INVALID_JSON,
                              "request body: not valid JSON: %s (line %d, column %d)", jerr.text,
                              jerr.line, jerr.column);
    struct capture c;
    struct capture_error err;
    memset(&c, 0, sizeof(c));
    int rc = capture_request_parse(body, fleet_enabled() ? NULL : api.cfg->site, &c, &err);
    json_decref(body);
    if (rc != 0)
        return api_send_error(req, 400, err.code, "%s", err.message);
    snprintf(c.account_id, sizeof(c.account_id), "%s", r->account);
    if (c.type == CAPTURE_FULL &&
        ownership_check_capture(job_store_connection(api.store), api.cfg, &c, &err) != 0)
        return api_send_error(req, err.code == API_ERR_INTERNAL ? 500 : 400, err.code, "%s",
                              err.message);
    struct create_wait *wait = calloc(1, sizeof(*wait));
    if (wait == NULL)
        return api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (c.offset_time[0] != '\0' &&
        lookback_check(&c, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, &err, wait->note,
                       sizeof(wait->note)) != 0) {
        free(wait);
        return api_send_error(req, 400, err.code, "%s", err.message);
    }
    if (fleet_enabled() && c.offset_time[0] == '\0') {
        free(wait);
        return fleet_create(req, r, &c);
    }
    handle_admitted(req, r, &c, wait);
    return 0;
}

/* Reads the unsigned query parameter `name` of `query`, if present, into
 * `out`.  Returns 0, or -1 if present but not an integer in [1, max]. */
static int query_uint(h2o_iovec_t query, const char *name, unsigned long max, unsigned long *out)
{
    size_t name_len = strlen(name);
    const char *p = query.base, *end = query.base + query.len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > name_len && memcmp(p, name, name_len) == 0 && p[name_len] == '=') {
            char buf[16];
            size_t len = (size_t)(stop - p) - name_len - 1;
            if (len == 0 || len >= sizeof(buf))
                return -1;
            memcpy(buf, p + name_len + 1, len);
            buf[len] = '\0';
            char *tail;
            unsigned long v = strtoul(buf, &tail, 10);
            if (*tail != '\0' || buf[0] < '0' || buf[0] > '9' || v < 1 || v > max)
                return -1;
            *out = v;
        }
        p = stop + 1;
    }
    return 0;
}

/* A response body being assembled from JSON texts. */
struct text {
    char *p;
    size_t len, cap;
    /* Appending failed for lack of memory. */
    bool oom;
};

/* Appends `n` bytes of `s` to `t`. */
static void text_add(struct text *t, const char *s, size_t n)
{
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (p == NULL) {
            t->oom = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
}

/* Appends a C string to `t`. */
static void text_str(struct text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

/* Appends the JSON of capture `c` to `t`, and keeps it in the cache when
 * the capture has ended and is no longer under way. */
static void append_built(struct text *t, const struct capture *c, bool under_way)
{
    json_t *o = capture_to_json(c);
    char *json = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (json == NULL) {
        t->oom = true;
        return;
    }
    size_t len = strlen(json);
    if (!under_way && (c->status == CAPTURE_SUCCESS || c->status == CAPTURE_FAILED))
        capture_json_cache_put(c->account_id, c->id, json, len);
    text_add(t, json, len);
    free(json);
}

/* Appends the JSON of capture `id` of `account` to `t`: the runner's copy
 * while it is under way; else the cached JSON of an ended capture; else
 * the stored row.  Returns 0, 1 if there is no such capture, or a
 * JOB_STORE_* error. */
static int append_capture(struct text *t, const char *account, const char *id)
{
    struct capture c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    if (capture_runner_overlay(&c)) {
        if (strcmp(c.account_id, account) != 0)
            return 1; /* Another account's capture does not exist here. */
        append_built(t, &c, true);
        return 0;
    }
    size_t len;
    const char *json = capture_json_cache_get(account, id, &len);
    if (json != NULL) {
        text_add(t, json, len);
        return 0;
    }
    int rc = job_store_get(api.store, account, id, &c);
    if (rc == 0)
        append_built(t, &c, false);
    return rc;
}

/* Sends `t` as a 200 JSON answer and frees it. */
static int send_text(h2o_req_t *req, struct text *t)
{
    if (t->oom) {
        free(t->p);
        return api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
    }
    api_send_raw_json(req, 200, t->p, t->len);
    free(t->p);
    return 0;
}

/* One row of a listed page. */
struct list_ctx {
    const char *account;
    struct text *t;
    unsigned count;
    int rc;
    /* A capture of the page is under way: its figures move, so the page
     * cannot be kept. */
    bool live;
};

/* Pages of lists kept ready, and how many: a dashboard polls the same page
 * of the same account, and a page of ended captures stays right until the
 * store changes (job_store_version()). */
#define LIST_CACHE_PAGES 64

/* The kept pages (event loop only). */
static struct {
    struct {
        /* "ACCOUNT/page/per_page", the store's version, and the body. */
        char key[96];
        int64_t version;
        char *body;
        size_t len;
    } pages[LIST_CACHE_PAGES];
    /* The next page to (re)use. */
    unsigned next;
} list_cache;

/* Returns the kept body of page `key` at store version `version`, or NULL. */
static const char *list_cache_get(const char *key, int64_t version, size_t *len)
{
    for (unsigned i = 0; version >= 0 && i < LIST_CACHE_PAGES; i++) {
        if (list_cache.pages[i].body != NULL && list_cache.pages[i].version == version &&
            strcmp(list_cache.pages[i].key, key) == 0) {
            *len = list_cache.pages[i].len;
            return list_cache.pages[i].body;
        }
    }
    return NULL;
}

/* Keeps a copy of page `key`'s body at store version `version`. */
static void list_cache_put(const char *key, int64_t version, const char *body, size_t len)
{
    char *copy = version >= 0 ? malloc(len) : NULL;
    if (copy == NULL)
        return;
    memcpy(copy, body, len);
    unsigned i = list_cache.next;
    list_cache.next = (i + 1) % LIST_CACHE_PAGES;
    free(list_cache.pages[i].body);
    snprintf(list_cache.pages[i].key, sizeof(list_cache.pages[i].key), "%s", key);
    list_cache.pages[i].version = version;
    list_cache.pages[i].body = copy;
    list_cache.pages[i].len = len;
}

/* Appends one listed capture (list callback). */
static void list_one(const char *id, enum capture_status st, void *arg)
{
    (void)st;
    struct list_ctx *l = arg;
    if (l->rc != 0)
        return;
    if (l->count > 0)
        text_str(l->t, ",");
    l->live |= capture_runner_is_under_way(id);
    int rc = append_capture(l->t, l->account, id);
    if (rc < 0)
        l->rc = rc;
    l->count += rc == 0;
}

/* GET .../pcaps: the account's captures, newest first, paged. */
static int handle_list(h2o_req_t *req, const struct route *r)
{
    h2o_iovec_t query = h2o_iovec_init("", 0);
    if (req->query_at != SIZE_MAX)
        query =
            h2o_iovec_init(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1);
    unsigned long page = 1, per_page = LIST_DEFAULT_PER_PAGE;
    if (query_uint(query, "page", 1000000, &page) != 0)
        return api_send_error(req, 400, API_ERR_INVALID_PARAMETER,
                              "page: must be an integer from 1 to 1000000");
    if (query_uint(query, "per_page", LIST_MAX_PER_PAGE, &per_page) != 0)
        return api_send_error(req, 400, API_ERR_INVALID_PARAMETER,
                              "per_page: must be an integer from 1 to %d", LIST_MAX_PER_PAGE);
    if (fleet_enabled()) {
        struct fleet_call call = {.op = FLEET_OP_LIST,
                                  .offset = (unsigned)((page - 1) * per_page),
                                  .limit = (unsigned)per_page};
        snprintf(call.account, sizeof(call.account), "%s", r->account);
        return fleet_api_handle(req, &call);
    }
    char key[96];
    size_t len;
    snprintf(key, sizeof(key), "%s/%lu/%lu", r->account, page, per_page);
    int64_t version = job_store_version(api.store);
    const char *kept = list_cache_get(key, version, &len);
    if (kept != NULL) {
        api_send_raw_json(req, 200, kept, len);
        return 0;
    }
    struct text t = {0};
    struct list_ctx l = {.account = r->account, .t = &t};
    uint64_t total = 0;
    text_str(&t, "{\"result\":[");
    int rc = job_store_list_ids(api.store, r->account, (unsigned)((page - 1) * per_page),
                                (unsigned)per_page, list_one, &l, &total);
    if (rc == 0)
        rc = l.rc;
    if (rc != 0) {
        free(t.p);
        return send_store_failure(req, rc, "listing captures");
    }
    char info[200];
    snprintf(info, sizeof(info),
             "],\"result_info\":{\"page\":%lu,\"per_page\":%lu,\"count\":%u,"
             "\"total_count\":%llu},\"success\":true,\"errors\":[],\"messages\":[]}",
             page, per_page, l.count, (unsigned long long)total);
    text_str(&t, info);
    if (!l.live && !t.oom)
        list_cache_put(key, version, t.p, t.len);
    return send_text(req, &t);
}

/* GET .../pcaps/{id}. */
static int handle_get(h2o_req_t *req, const struct route *r)
{
    struct text t = {0};
    text_str(&t, "{\"result\":");
    int rc = append_capture(&t, r->account, r->id);
    if (rc != 0) {
        free(t.p);
        if (rc > 0)
            return api_send_error(req, 404, API_ERR_UNKNOWN_CAPTURE,
                                  "capture %s not found in account %s", r->id, r->account);
        return send_store_failure(req, rc, "reading the capture");
    }
    text_str(&t, ",\"success\":true,\"errors\":[],\"messages\":[]}");
    return send_text(req, &t);
}

/* Answers a stop of an ended capture once it is recorded. */
static void on_stop_noted(const struct capture *c, void *arg)
{
    struct async_reply *reply = arg;
    h2o_req_t *req = async_reply_req(reply);
    capture_json_cache_forget(c->id);
    if (req != NULL)
        api_send_result(req, capture_to_json(c), NULL);
    async_reply_release(reply);
}

/* PUT .../pcaps/{id}/stop: ends a capture under way at once (the runner
 * records the request); on an ended capture it only records the request,
 * off the event loop, and is harmless. */
static int handle_stop(h2o_req_t *req, const struct route *r)
{
    struct capture c;
    if (load_capture(req, r, &c) != 0)
        return 0;
    if (capture_runner_stop(c.id, &c) == 0 || c.stop_requested_ms != 0)
        return api_send_result(req, capture_to_json(&c), NULL);
    struct async_reply *reply = async_reply_park(req);
    if (reply == NULL || capture_runner_note_stop(&c, on_stop_noted, reply) != 0) {
        if (reply != NULL)
            async_reply_release(reply);
        return api_send_result(req, capture_to_json(&c), NULL);
    }
    return 0;
}

/* Answers a download of capture `c`, delivered to its bucket and no
 * longer kept here: 409 naming the object. */
static int send_delivered(h2o_req_t *req, const struct capture *c)
{
    struct destination d;
    char err[256], key[600], name[700], pcap[160];
    if (destination_parse(c->destination_conf, &d, err, sizeof(err)) != 0)
        snprintf(name, sizeof(name), "its bucket");
    else {
        bucket_delivery_file_name(c->id, pcap, sizeof(pcap));
        destination_object_key(&d, pcap, key, sizeof(key));
        destination_object_name(&d, key, name, sizeof(name));
    }
    return api_send_error(req, 409, API_ERR_DELIVERED,
                          "capture %s was delivered to %s and is not kept on the appliance: "
                          "download it from the bucket",
                          c->id, name);
}

/* GET .../pcaps/{id}/download: the pcap file, streamed by h2o. */
static int handle_download(h2o_req_t *req, const struct route *r)
{
    struct capture c;
    if (load_capture(req, r, &c) != 0)
        return 0;
    if (c.status == CAPTURE_PENDING || c.status == CAPTURE_RUNNING)
        return api_send_error(req, 409, API_ERR_NOT_READY,
                              "capture %s is %s: its file can be downloaded once it has ended",
                              c.id, capture_status_name(c.status));
    if (!capture_status_final(c.status))
        return api_send_error(req, 409, API_ERR_NOT_READY,
                              "capture %s is %s: its file is being delivered to its bucket", c.id,
                              capture_status_name(c.status));
    char path[700];
    capture_files_path(c.id, path, sizeof(path));
    if (access(path, R_OK) != 0 && c.status == CAPTURE_SUCCESS && c.destination_conf[0] != '\0')
        return send_delivered(req, &c);
    if (access(path, R_OK) != 0)
        return api_send_error(req, 404, API_ERR_UNKNOWN_CAPTURE,
                              "capture %s has no file (it was removed or never written)", c.id);
    char *disposition = h2o_mem_alloc_pool(&req->pool, 96);
    int len = snprintf(disposition, 96, "attachment; filename=\"%s.pcap\"", c.id);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-disposition"), 0, NULL,
                          disposition, (size_t)len);
    /* h2o streams the file from disk with its Content-Length. */
    if (h2o_file_send(req, 200, "OK", path,
                      h2o_iovec_init(H2O_STRLIT("application/vnd.tcpdump.pcap")), 0) != 0)
        h2o_send_error_500(req, "Internal Server Error", "cannot open the capture file", 0);
    return 0;
}

/* The methods each route allows, for 405 answers. */
static const char *allowed_methods(const struct route *r)
{
    static const char *const ownership_allow[] = {
        [OWNERSHIP_ROUTE_COLLECTION] = "GET, POST",
        [OWNERSHIP_ROUTE_VALIDATE] = "POST",
        [OWNERSHIP_ROUTE_ITEM] = "DELETE",
    };
    switch (r->kind) {
    case ROUTE_COLLECTION:
        return "GET, POST";
    case ROUTE_STOP:
        return "PUT";
    case ROUTE_OWNERSHIP:
        return ownership_allow[r->ownership];
    default:
        return "GET";
    }
}

/* Answers a path naming an account other than the token's exactly as a
 * path naming an account or a capture that does not exist, so a token
 * learns nothing about other accounts. */
static int send_not_found(h2o_req_t *req, const struct route *r)
{
    if (r->kind == ROUTE_COLLECTION)
        return api_send_error(req, 404, API_ERR_UNKNOWN_ACCOUNT,
                              "account %s is not served by this appliance", r->account);
    return api_send_error(req, 404, API_ERR_UNKNOWN_CAPTURE, "capture %s not found in account %s",
                          r->id, r->account);
}

/* Tells whether the method on route `r` exists and needs write
 * permission (create, stop, ownership changes); sets *known to whether it
 * exists. */
static bool needs_write(const h2o_req_t *req, const struct route *r, bool *known)
{
    bool get = api_method_is(req, "GET");
    bool post = api_method_is(req, "POST"), put = api_method_is(req, "PUT");
    switch (r->kind) {
    case ROUTE_OWNERSHIP:
        *known = r->ownership == OWNERSHIP_ROUTE_COLLECTION ? get || post
                 : r->ownership == OWNERSHIP_ROUTE_VALIDATE ? post
                                                            : api_method_is(req, "DELETE");
        return !get;
    case ROUTE_COLLECTION:
        *known = get || post;
        return post;
    case ROUTE_STOP:
        *known = put;
        return true;
    default:
        *known = get;
        return false;
    }
}

/* Answers a request about a capture the fleet store does not hold from
 * this appliance's own store (fleet_local_fn). */
static int local_capture(h2o_req_t *req, const void *route)
{
    const struct route *r = route;
    return r->kind == ROUTE_STOP       ? handle_stop(req, r)
           : r->kind == ROUTE_DOWNLOAD ? handle_download(req, r)
                                       : handle_get(req, r);
}

/* Hands a get, stop or download to the fleet store, which falls back on
 * local_capture(). */
static int fleet_capture(h2o_req_t *req, const struct route *r)
{
    struct fleet_call call = {.op = r->kind == ROUTE_STOP       ? FLEET_OP_STOP
                                    : r->kind == ROUTE_DOWNLOAD ? FLEET_OP_DOWNLOAD
                                                                : FLEET_OP_GET,
                              .local = local_capture};
    _Static_assert(sizeof(*r) <= sizeof(call.route), "a route fits a fleet call");
    memcpy(call.route, r, sizeof(*r));
    snprintf(call.account, sizeof(call.account), "%s", r->account);
    snprintf(call.id, sizeof(call.id), "%s", r->id);
    return fleet_api_handle(req, &call);
}

/* GET .../pcaps/appliances: the fleet's appliances (an extension). */
static int handle_appliances(h2o_req_t *req)
{
    if (!fleet_enabled())
        return api_send_error(req, 404, API_ERR_NO_ROUTE,
                              "this appliance is not part of a fleet: its store is its own SQLite "
                              "file (set store = postgresql://... to join one; docs/FLEET.md)");
    struct fleet_call call = {.op = FLEET_OP_APPLIANCES};
    return fleet_api_handle(req, &call);
}

/* Runs the handler of an authorised request. */
static int dispatch(h2o_req_t *req, const struct route *r)
{
    if (fleet_enabled() &&
        (r->kind == ROUTE_CAPTURE || r->kind == ROUTE_STOP || r->kind == ROUTE_DOWNLOAD))
        return fleet_capture(req, r);
    switch (r->kind) {
    case ROUTE_COLLECTION:
        return api_method_is(req, "POST") ? handle_create(req, r) : handle_list(req, r);
    case ROUTE_CAPTURE:
        return handle_get(req, r);
    case ROUTE_DOWNLOAD:
        return handle_download(req, r);
    case ROUTE_STOP:
        return handle_stop(req, r);
    case ROUTE_HISTORY:
        return api_send_result(req, lookback_history_json(), NULL);
    case ROUTE_APPLIANCES:
        return handle_appliances(req);
    case ROUTE_OWNERSHIP:
        return ownership_api_handle(req, r->ownership, r->account, r->id);
    }
    return api_send_error(req, 500, API_ERR_INTERNAL, "no handler");
}

const char *jobs_api_route(const h2o_req_t *req)
{
    struct route r;
    if (parse_route(req->path_normalized, &r) != 0)
        return NULL;
    switch (r.kind) {
    case ROUTE_COLLECTION:
        return api_method_is(req, "POST") ? "pcaps_create" : "pcaps_list";
    case ROUTE_CAPTURE:
        return "pcaps_get";
    case ROUTE_DOWNLOAD:
        return "pcaps_download";
    case ROUTE_STOP:
        return "pcaps_stop";
    case ROUTE_HISTORY:
        return "pcaps_history";
    case ROUTE_APPLIANCES:
        return "pcaps_appliances";
    case ROUTE_OWNERSHIP:
        return r.ownership == OWNERSHIP_ROUTE_VALIDATE ? "ownership_validate"
               : r.ownership == OWNERSHIP_ROUTE_ITEM   ? "ownership_delete"
               : api_method_is(req, "POST")            ? "ownership_create"
                                                       : "ownership_list";
    }
    return NULL;
}

int jobs_api_handle(h2o_req_t *req)
{
    struct route r;
    struct auth_identity who;
    char why[256];
    bool known;
    if (parse_route(req->path_normalized, &r) != 0)
        return api_send_error(req, 404, API_ERR_NO_ROUTE, "no route for %.*s %.*s",
                              (int)req->method.len, req->method.base, (int)req->path_normalized.len,
                              req->path_normalized.base);
    unsigned retry_after;
    enum auth_status st =
        auth_request(api.tokens, req, false, &who, &retry_after, why, sizeof(why));
    if (st != AUTH_OK)
        return api_send_auth_failure(req, st, retry_after, why);
    if (strcmp(who.account_id, r.account) != 0)
        return send_not_found(req, &r);
    bool write = needs_write(req, &r, &known);
    if (!known) {
        const char *allow = allowed_methods(&r);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, allow, strlen(allow));
        return api_send_error(req, 405, API_ERR_METHOD_NOT_ALLOWED,
                              "%.*s is not allowed here; use %s", (int)req->method.len,
                              req->method.base, allow);
    }
    if (write && who.permission != TOKEN_WRITE)
        return api_send_error(req, 403, API_ERR_FORBIDDEN,
                              "token %s has read permission only; creating and stopping captures "
                              "and changing bucket ownerships needs a write token",
                              who.token_id);
    return dispatch(req, &r);
}
