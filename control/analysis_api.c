/*
 * The analysis API, compatible with CloudShark's:
 *   POST /api/v2/upload                                   store a capture
 *   GET  /api/v2/analysis/{id}/status                     frames, duration...
 *   GET  /api/v2/analysis/{id}/stats/hierarchy            io,phs tree
 *   GET  /api/v2/analysis/{id}/stats/endpoints?protocol=  eth|ip|ipv6|tcp|udp
 *   GET  /api/v2/analysis/{id}/stats/conversations?protocol=
 *   GET  /api/v2/analysis/{id}/packets/fields?fields=a,b&filter=EXPR&limit=&offset=
 *   GET  /api/v2/analysis/{id}/dns/lookups                every DNS query and response
 *   GET  /api/v2/analysis/{id}/tls/hosts                  TLS and QUIC server names
 *   GET  /api/v2/analysis/{id}/follow?stream=N&proto=tcp|udp&offset=&limit=
 *   GET  /api/v2/analysis/{id}/expert                     expert information
 *   GET  /api/v2/analysis/{id}/stats/io?interval=S&filter=EXPR...&offset=&limit=
 *   GET  /api/v2/analysis/{id}/http/requests?offset=&limit=
 * Answers are {"data": {...}}; errors {"status": N, "exceptions": ["..."]}.
 * A capture is an uploaded file or an ended job of the caller's account.
 *
 * Nothing slow runs on the event loop.  Answers are computed once by the
 * analysis worker (on its offload lane) into answer files
 * (analysis_store.h), which h2o then streams from disk.  A request for a
 * small capture waits for its answer; for a large one it gets 202 and
 * Retry-After until the answer is ready.  Uploads are parsed and written
 * on the files lane.
 */
#include "analysis_api.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "analysis.h"
#include "analysis_store.h"
#include "analysis_worker.h"
#include "async_reply.h"
#include "auth.h"
#include "capture_files.h"
#include "capture_runner.h"
#include "disk_guard.h"
#include "http_server.h"
#include "multipart.h"
#include "offload.h"
#include "packet_fields.h"
#include "analysis_views_api.h"
#include "query_params.h"

/* Captures up to this size are answered while the request waits (a few
 * milliseconds of the worker); larger ones get 202 until the answer is
 * ready. */
#define ANALYSIS_WAIT_MAX (8u << 20)

/* The API's dependencies. */
static struct {
    struct job_store *store;
    struct token_store *tokens;
    const struct config *cfg;
} aapi;

/* Answers `status` with {"status": N, "exceptions": [message]}. */
static int cs_error(h2o_req_t *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int cs_error(h2o_req_t *req, int status, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    json_t *body = json_pack("{s:i,s:[o]}", "status", status, "exceptions", api_json_text(message));
    return api_send_json(req, status, body);
}

h2o_iovec_t analysis_api_refusal_body(h2o_req_t *req, int status, const char *why)
{
    char message[256];
    if (why != NULL)
        snprintf(message, sizeof(message), "the request is malformed: %s", why);
    else if (status == 413)
        snprintf(message, sizeof(message),
                 "file: larger than the largest upload this appliance reads (%zu bytes, "
                 "max_upload_mb)",
                 req->conn->ctx->globalconf->max_request_entity_size);
    else if (status == 400)
        snprintf(message, sizeof(message),
                 "the request is malformed: its body does not match its framing "
                 "(Content-Length or chunked encoding)");
    else
        snprintf(message, sizeof(message), "the HTTP layer refused the request (status %d)",
                 status);
    json_t *body = json_pack("{s:i,s:[s]}", "status", status, "exceptions", message);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    h2o_iovec_t out = h2o_strdup(&req->pool, text ? text : "{}", SIZE_MAX);
    free(text);
    return out;
}

/* Answers 200 with {"data": data} (reference stolen). */
static int cs_data(h2o_req_t *req, json_t *data)
{
    return api_send_json(req, 200, json_pack("{s:o}", "data", data));
}

/* Adds Retry-After: 1 to the answer. */
static void retry_soon(h2o_req_t *req)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
}

int analysis_api_init(struct job_store *store, struct token_store *tokens, const struct config *cfg,
                      char *err, unsigned err_size)
{
    aapi.store = store;
    aapi.tokens = tokens;
    aapi.cfg = cfg;
    return analysis_store_init(cfg->state_dir, (uint64_t)cfg->analysis_cache_mb << 20, err,
                               err_size);
}

void analysis_api_stop(void)
{
}

void analysis_api_forget(const char *id)
{
    analysis_store_forget(id);
}

int analysis_api_expire_uploads(int64_t before_ms)
{
    return analysis_store_expire_uploads(before_ms);
}

/* Tells whether `s` of `len` bytes is a capture id: 32 lowercase hex. */
static bool is_capture_id(const char *s, size_t len)
{
    if (len != CAPTURE_ID_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return false;
    }
    return true;
}

/* Finds capture `id` of `account`: an upload, or a job that has ended.
 * Writes its file's path to `path` and its size to `*bytes`.  Returns 0,
 * or answers the request (404, 409, 500, 503) and returns -1. */
static int locate(h2o_req_t *req, const char *account, const char *id, char *path, size_t size,
                  uint64_t *bytes)
{
    struct stat st;
    analysis_store_upload_path(account, id, path, size);
    if (stat(path, &st) == 0) {
        *bytes = (uint64_t)st.st_size;
        return 0;
    }
    struct capture c;
    int rc = job_store_get(aapi.store, account, id, &c);
    if (rc == JOB_STORE_BUSY)
        return retry_soon(req), cs_error(req, 503, "the job store is busy; retry shortly"), -1;
    if (rc < 0)
        return cs_error(req, 500, "the job store failed to read capture %s", id), -1;
    if (rc > 0)
        return cs_error(req, 404, "capture %s not found", id), -1;
    capture_runner_overlay(&c);
    if (c.status == CAPTURE_PENDING || c.status == CAPTURE_RUNNING)
        return cs_error(req, 409, "capture %s is %s: it can be analysed once it has ended", id,
                        capture_status_name(c.status)),
               -1;
    capture_files_path(id, path, (unsigned)size);
    if (stat(path, &st) != 0)
        return cs_error(req, 404, "capture %s has no file", id), -1;
    *bytes = (uint64_t)st.st_size;
    return 0;
}

/* Reads the reason the capture of `entry` cannot be analysed into `buf`.
 * Returns true if there is one. */
static bool read_error(const char *entry, char *buf, size_t size)
{
    char path[ANALYSIS_PATH_MAX + 8];
    analysis_store_error_path(entry, path, sizeof(path));
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return true;
}

/* Streams the answer file `path` of `entry` from disk.  Returns 0 if it
 * was sent, -1 if there is no such file (nothing was sent). */
static int send_answer(h2o_req_t *req, const char *path, const char *entry)
{
    if (access(path, R_OK) != 0 ||
        h2o_file_send(req, 200, "OK", path, h2o_iovec_init(H2O_STRLIT("application/json")), 0) != 0)
        return -1;
    analysis_store_used(entry);
    return 0;
}

/* A request waiting for an answer to be computed. */
struct answer_wait {
    /* The parked request. */
    struct async_reply *reply;
    /* The capture, the entry and the answer file to send. */
    char id[CAPTURE_ID_LEN + 1];
    char entry[ANALYSIS_PATH_MAX];
    char path[ANALYSIS_PATH_MAX];
};

/* Answers a request whose answer could not be computed or stored. */
static int send_outcome_error(h2o_req_t *req, const char *id, enum analysis_outcome outcome,
                              const char *why)
{
    if (outcome == ANALYSIS_FAILED)
        return cs_error(req, 422, "capture %s cannot be analysed: %s", id, why);
    if (outcome == ANALYSIS_NO_ROOM)
        return cs_error(req, 503, "%s", why);
    return retry_soon(req), cs_error(req, 500, "%s", why);
}

/* Sends the answer a waiting request asked for (analysis_done_fn). */
static void on_answer(enum analysis_outcome outcome, const char *why, void *arg)
{
    struct answer_wait *w = arg;
    h2o_req_t *req = async_reply_req(w->reply);
    if (req != NULL && outcome != ANALYSIS_DONE)
        send_outcome_error(req, w->id, outcome, why);
    else if (req != NULL && send_answer(req, w->path, w->entry) != 0)
        cs_error(req, 500, "the answer of capture %s vanished; retry", w->id);
    async_reply_release(w->reply);
    free(w);
}

/* Answers from the answer file `path` of `entry` when it exists; else
 * answers why the capture cannot be analysed; else has `submit` compute it
 * and waits (small captures) or answers 202 (large ones). */
static int serve_entry(h2o_req_t *req, const char *id, const char *entry, const char *path,
                       uint64_t pcap_bytes,
                       int (*submit)(struct answer_wait *w, analysis_done_fn fn, void *ctx),
                       void *ctx)
{
    char why[512];
    if (send_answer(req, path, entry) == 0)
        return 0;
    if (read_error(entry, why, sizeof(why)))
        return cs_error(req, 422, "capture %s cannot be analysed: %s", id, why);
    if (pcap_bytes > ANALYSIS_WAIT_MAX) {
        if (submit(NULL, NULL, ctx) != 0)
            return retry_soon(req), cs_error(req, 503, "the analysis queue is full; retry later");
        retry_soon(req);
        return cs_error(req, 202, "the analysis of capture %s is running; retry shortly", id);
    }
    struct answer_wait *w = calloc(1, sizeof(*w));
    if (w == NULL || (w->reply = async_reply_park(req)) == NULL) {
        free(w);
        return cs_error(req, 500, "out of memory");
    }
    snprintf(w->id, sizeof(w->id), "%s", id);
    snprintf(w->entry, sizeof(w->entry), "%s", entry);
    snprintf(w->path, sizeof(w->path), "%s", path);
    if (submit(w, on_answer, ctx) != 0) {
        async_reply_release(w->reply);
        free(w);
        return retry_soon(req), cs_error(req, 503, "the analysis queue is full; retry later");
    }
    return 0;
}

/* What a summary request computes: the capture's summary. */
struct summary_ctx {
    const char *id;
    const char *pcap;
};

/* Has the worker compute the summary of a capture (serve_entry submit). */
static int submit_summary(struct answer_wait *w, analysis_done_fn fn, void *arg)
{
    const struct summary_ctx *ctx = arg;
    return analysis_worker_summary(ctx->id, ctx->pcap, fn, w);
}

/* GET .../analysis/{id}/{view}: one analysis of the capture. */
static int handle_view(h2o_req_t *req, const char *account, const char *id, const char *view)
{
    char pcap[ANALYSIS_PATH_MAX], entry[ANALYSIS_PATH_MAX], path[ANALYSIS_PATH_MAX];
    char protocol[32];
    uint64_t bytes;
    bool by_table = strcmp(view, "endpoints") == 0 || strcmp(view, "conversations") == 0;
    if (by_table && (query_params_get(req, "protocol", protocol, sizeof(protocol)) <= 0 ||
                     analysis_table_from_name(protocol) < 0))
        return cs_error(req, 400, "protocol: must be one of eth, ip, ipv6, tcp, udp");
    if (locate(req, account, id, pcap, sizeof(pcap), &bytes) != 0)
        return 0;
    analysis_store_summary_path(id, entry, sizeof(entry));
    analysis_store_view_path(id, view, by_table ? protocol : NULL, path, sizeof(path));
    struct summary_ctx ctx = {id, pcap};
    return serve_entry(req, id, entry, path, bytes, submit_summary, &ctx);
}

/* Reads an unsigned query parameter into *v (default def when absent).
 * Returns 0, or answers 400 naming the parameter and its range and returns -1. */
static int query_uint(h2o_req_t *req, const char *name, uint64_t def, uint64_t max, uint64_t *v)
{
    char why[128];
    if (query_params_uint(req, name, def, max, v, why, sizeof(why)) != 0)
        return cs_error(req, 400, "%s", why), -1;
    return 0;
}

/* Reads and checks the packets/fields parameters into *q: the field names
 * must be known value fields and the filter must compile.  Returns 0, or
 * answers 400 naming the parameter and the rule and returns -1. */
static int read_fields_query(h2o_req_t *req, struct analysis_query *q)
{
    int ids[64], rc;
    size_t pos;
    char err[256];
    if ((rc = query_params_get(req, "fields", q->fields, sizeof(q->fields))) <= 0)
        return cs_error(req, 400, "fields: %s",
                        rc < 0 ? "malformed percent-encoding or longer than 2047 bytes"
                               : "required: a comma-separated list of field names"),
               -1;
    if (packet_fields_parse_list(q->fields, ids, 64, err, sizeof(err), &pos) < 0)
        return cs_error(req, 400, "fields: %s", err), -1;
    if (query_params_get(req, "filter", q->filter, sizeof(q->filter)) < 0)
        return cs_error(req, 400, "filter: malformed percent-encoding or longer than 4095 bytes"),
               -1;
    if (q->filter[0] != '\0') {
        struct display_filter *df = display_filter_compile(q->filter, err, sizeof(err), &pos);
        if (df == NULL)
            return cs_error(req, 400, "filter: %s (at offset %zu)", err, pos), -1;
        display_filter_free(df);
    }
    if (query_uint(req, "limit", 1000, 100000, &q->limit) != 0 ||
        query_uint(req, "offset", 0, (1ull << 53), &q->offset) != 0)
        return -1;
    return 0;
}

/* Writes the hash naming query q's answer into `hex` (65 bytes): every
 * parameter of its kind, so two queries share an entry only when they ask
 * the same. */
static void query_hash(const struct analysis_query *q, char *hex)
{
    char text[sizeof(q->fields) + sizeof(q->filter) + 160];
    unsigned char md[32];
    int n = snprintf(text, sizeof(text), "%d%c%s%c%llu%c%llu%c%llu%c%d%c%llu%c%u%c", (int)q->kind,
                     0, q->fields, 0, (unsigned long long)q->offset, 0,
                     (unsigned long long)q->limit, 0, (unsigned long long)q->stream, 0, q->udp, 0,
                     (unsigned long long)q->interval_us, 0, q->n_filters, 0);
    size_t filters = 0;
    for (unsigned i = 0; i < (q->n_filters ? q->n_filters : 1); i++)
        filters += strlen(q->filter + filters) + 1;
    memcpy(text + n, q->filter, filters);
    EVP_Digest(text, (size_t)n + filters, md, NULL, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* What a packets/fields request computes. */
struct query_ctx {
    const char *id;
    const char *pcap;
    const char *entry;
    const struct analysis_query *q;
};

/* Has the worker compute a query's answer (serve_entry submit). */
static int submit_query(struct answer_wait *w, analysis_done_fn fn, void *arg)
{
    const struct query_ctx *ctx = arg;
    return analysis_worker_query(ctx->id, ctx->pcap, ctx->entry, ctx->q, fn, w);
}

/* GET .../analysis/{id}/packets/fields, follow, expert, stats/io and
 * http/requests: a query answered into an entry of its own. */
static int handle_query(h2o_req_t *req, const char *account, const char *id, const char *view)
{
    static struct analysis_query q; /* Large: kept off the stack (one event-loop thread). */
    char pcap[ANALYSIS_PATH_MAX], entry[ANALYSIS_PATH_MAX], hash[65], why[320];
    uint64_t bytes;
    if (strcmp(view, "fields") == 0) {
        memset(&q, 0, sizeof(q));
        if (read_fields_query(req, &q) != 0)
            return 0;
    } else if (analysis_views_read_query(req, view, &q, why, sizeof(why)) != 0) {
        return cs_error(req, 400, "%s", why);
    }
    if (locate(req, account, id, pcap, sizeof(pcap), &bytes) != 0)
        return 0;
    query_hash(&q, hash);
    analysis_store_query_path(id, hash, entry, sizeof(entry));
    struct query_ctx ctx = {id, pcap, entry, &q};
    return serve_entry(req, id, entry, entry, bytes, submit_query, &ctx);
}

/* Tells whether `data` (`len` bytes) starts like a pcap or pcapng file. */
static bool looks_like_capture(const char *data, size_t len)
{
    static const uint8_t magics[][4] = {{0xd4, 0xc3, 0xb2, 0xa1},
                                        {0xa1, 0xb2, 0xc3, 0xd4},
                                        {0x4d, 0x3c, 0xb2, 0xa1},
                                        {0xa1, 0xb2, 0x3c, 0x4d},
                                        {0x0a, 0x0d, 0x0d, 0x0a}};
    for (size_t i = 0; data != NULL && len >= 24 && i < sizeof(magics) / sizeof(magics[0]); i++) {
        if (memcmp(data, magics[i], 4) == 0)
            return true;
    }
    return false;
}

/* Bytes of one write() of a stored upload: the kernel here does not preempt
 * a thread inside a system call, so one write() of a GiB would hold a CPU
 * from the event loop for as long as it takes to copy. */
#define UPLOAD_WRITE_CHUNK (1u << 20)

/* Writes `len` bytes of `data` to `path` through a temporary name, synced.
 * Returns 0 or an errno (nothing is left behind then). */
static int write_file(const char *path, const char *data, size_t len)
{
    char part[ANALYSIS_PATH_MAX + 8];
    snprintf(part, sizeof(part), "%s.part", path);
    int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    size_t done = 0;
    int err = 0;
    while (done < len && err == 0) {
        size_t chunk = len - done < UPLOAD_WRITE_CHUNK ? len - done : UPLOAD_WRITE_CHUNK;
        ssize_t n = write(fd, data + done, chunk);
        if (n < 0 && errno != EINTR)
            err = errno;
        else if (n > 0)
            done += (size_t)n;
    }
    if (err == 0 && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    if (err == 0 && rename(part, path) != 0)
        err = errno;
    if (err != 0)
        unlink(part);
    return err;
}

/* An upload on its way to the disk. */
struct upload {
    /* The parked request. */
    struct async_reply *reply;
    /* The body, and its Content-Type.  The body lives in the request: h2o's
     * HTTP/1 keeps a request, and its body in the connection's input
     * buffer, until it is answered (it stops reading the connection
     * meanwhile), and the daemon speaks HTTP/1.1 only. */
    const char *body;
    size_t body_len;
    char content_type[256];
    /* The caller's account, the new capture's id and its file. */
    char account[TOKEN_ACCOUNT_SIZE];
    char id[CAPTURE_ID_LEN + 1];
    char pcap[ANALYSIS_PATH_MAX];
    /* What was stored: the file part's name and size. */
    char filename[MULTIPART_FILENAME_MAX + 1];
    size_t file_len;
    /* An error answer (status and message), or status 0. */
    int status;
    char why[512];
};

/* Parses and stores an upload (files lane).  Sets u->status on error. */
static void upload_store(struct upload *u)
{
    const char *file = u->body;
    size_t len = u->body_len;
    if (strncmp(u->content_type, "multipart/form-data", 19) == 0 &&
        multipart_file(u->body, u->body_len, u->content_type, &file, &len, u->filename, u->why,
                       sizeof(u->why)) != 0) {
        u->status = 400;
        return;
    }
    u->file_len = len;
    if (!looks_like_capture(file, len)) {
        u->status = 400;
        snprintf(u->why, sizeof(u->why), "file: not a pcap or pcapng capture");
        return;
    }
    if (!disk_guard_room(len)) {
        u->status = 503;
        snprintf(u->why, sizeof(u->why),
                 "no room: the upload (%zu bytes) would take state_dir below disk_reserve_mb", len);
        return;
    }
    int err = analysis_store_upload_dir(u->account) != 0 ? errno : write_file(u->pcap, file, len);
    if (err != 0) {
        u->status = err == ENOSPC ? 503 : 500;
        snprintf(u->why, sizeof(u->why), "cannot store the capture: %s", strerror(err));
    }
}

/* Stores an upload, then lets the pages of its body go (files lane): a large
 * body's release is the file system's work of a GiB, which would otherwise
 * fall to the event loop when h2o frees the request. */
static void upload_work(void *arg)
{
    struct upload *u = arg;
    upload_store(u);
    http_body_release(u->body, u->body_len);
}

/* Removes a stored upload and its analysis results (files lane). */
static void discard_work(void *arg)
{
    struct upload *u = arg;
    unlink(u->pcap);
    analysis_store_forget(u->id);
}

/* Answers an upload and lets it go; a stored upload answered with an error
 * is removed first, so an error never leaves a file behind. */
static void upload_answer(struct upload *u)
{
    h2o_req_t *req = async_reply_req(u->reply);
    if (req != NULL && u->status == 0)
        cs_data(req, json_pack("{s:s,s:s,s:I}", "id", u->id, "filename", u->filename, "filesize",
                               (json_int_t)u->file_len));
    else if (req != NULL)
        cs_error(req, u->status, "%s", u->why);
    async_reply_release(u->reply);
    free(u);
}

/* Finishes an upload whose stored file was found not analysable, or
 * answered with an error: removes it, then answers. */
static void discard_done(void *arg)
{
    upload_answer(arg);
}

/* The summary of a small upload is computed: it is a capture, or not. */
static void on_upload_analysed(enum analysis_outcome outcome, const char *why, void *arg)
{
    struct upload *u = arg;
    if (outcome == ANALYSIS_DONE) {
        upload_answer(u);
        return;
    }
    u->status = outcome == ANALYSIS_FAILED ? 400 : outcome == ANALYSIS_NO_ROOM ? 503 : 500;
    snprintf(u->why, sizeof(u->why), "%s%s",
             outcome == ANALYSIS_FAILED ? "file: not a valid capture: " : "", why);
    if (offload_submit(OFFLOAD_FILES, discard_work, discard_done, u) != 0)
        upload_answer(u);
}

/* The upload is stored, or refused (event loop).  A small capture is
 * analysed before the answer, so that a file that is not a valid capture
 * is refused; a large one is answered at once and analysed behind. */
static void upload_done(void *arg)
{
    struct upload *u = arg;
    if (u->status != 0) {
        upload_answer(u);
        return;
    }
    bool wait = u->file_len <= ANALYSIS_WAIT_MAX;
    if (analysis_worker_summary(u->id, u->pcap, wait ? on_upload_analysed : NULL, u) == 0 && wait)
        return;
    upload_answer(u);
}

/* POST /api/v2/upload: stores the body (raw, or the file part of a
 * multipart form) as a capture of the caller's account. */
static int handle_upload(h2o_req_t *req, const char *account)
{
    uint64_t free_bytes;
    if (!disk_guard_admit(req->entity.len, &free_bytes))
        return cs_error(req, 503,
                        "no room: the upload (%zu bytes) would take state_dir below "
                        "disk_reserve_mb (%u MiB free of the file system: %llu)",
                        req->entity.len, aapi.cfg->disk_reserve_mb,
                        (unsigned long long)(free_bytes >> 20));
    struct upload *u = calloc(1, sizeof(*u));
    if (u == NULL)
        return cs_error(req, 500, "out of memory");
    ssize_t ct = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (ct >= 0)
        snprintf(u->content_type, sizeof(u->content_type), "%.*s",
                 (int)req->headers.entries[ct].value.len, req->headers.entries[ct].value.base);
    u->body = req->entity.base;
    u->body_len = req->entity.len;
    snprintf(u->account, sizeof(u->account), "%s", account);
    snprintf(u->filename, sizeof(u->filename), "upload.pcap");
    if (capture_new_id(u->id) != 0 || (u->reply = async_reply_park(req)) == NULL) {
        free(u);
        return cs_error(req, 500, "no randomness or memory for a capture id");
    }
    analysis_store_upload_path(account, u->id, u->pcap, sizeof(u->pcap));
    if (offload_submit(OFFLOAD_FILES, upload_work, upload_done, u) != 0) {
        async_reply_release(u->reply);
        free(u);
        return cs_error(req, 500, "out of memory");
    }
    return 0;
}

/* The views of /analysis/{id}/...: path tail and engine view name
 * ("fields" for packets/fields, which is not a cached view). */
static const char *view_of(const h2o_iovec_t *s, int n)
{
    static const char *const pairs[][3] = {{"packets", "fields", "fields"},
                                           {"dns", "lookups", "dns_lookups"},
                                           {"tls", "hosts", "tls_hosts"},
                                           {"http", "requests", "http_requests"},
                                           {"stats", "io", "io"}};
    static const char *const singles[] = {"status", "follow", "expert"};
    for (size_t i = 0; n == 1 && i < sizeof(singles) / sizeof(singles[0]); i++)
        if (h2o_memis(s[0].base, s[0].len, singles[i], strlen(singles[i])))
            return singles[i];
    for (size_t i = 0; n == 2 && i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (h2o_memis(s[0].base, s[0].len, pairs[i][0], strlen(pairs[i][0])) &&
            h2o_memis(s[1].base, s[1].len, pairs[i][1], strlen(pairs[i][1])))
            return pairs[i][2];
    if (n != 2 || !h2o_memis(s[0].base, s[0].len, H2O_STRLIT("stats")))
        return NULL;
    static const char *const views[] = {"hierarchy", "endpoints", "conversations"};
    for (size_t i = 0; i < 3; i++) {
        if (h2o_memis(s[1].base, s[1].len, views[i], strlen(views[i])))
            return views[i];
    }
    return NULL;
}

/* Splits the path after /api/v2/ into at most `max` segments. */
static int split(h2o_iovec_t path, h2o_iovec_t *segs, int max)
{
    int n = 0;
    size_t i = 0;
    while (i < path.len && n <= max) {
        while (i < path.len && path.base[i] == '/')
            i++;
        size_t start = i;
        while (i < path.len && path.base[i] != '/')
            i++;
        if (i > start) {
            if (n == max)
                return -1;
            segs[n++] = h2o_iovec_init(path.base + start, i - start);
        }
    }
    return n;
}

/* Authenticates the request; answers 401/500 and returns -1 on failure. */
static int authenticate(h2o_req_t *req, struct auth_identity *who)
{
    char why[256], wait[16];
    unsigned retry_after;
    enum auth_status st = auth_request(aapi.tokens, req, true, who, &retry_after, why, sizeof(why));
    if (st == AUTH_OK)
        return 0;
    if (st == AUTH_THROTTLED) {
        int len = snprintf(wait, sizeof(wait), "%u", retry_after);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                       h2o_strdup(&req->pool, wait, (size_t)len).base, (size_t)len);
        return cs_error(req, 429, "%s", why), -1;
    }
    if (st == AUTH_STORE_ERROR)
        return retry_soon(req), cs_error(req, 503, "%s", why), -1;
    return cs_error(req, 401, "%s", why), -1;
}

/* Splits `path` (under /api/v2) into its segments after /api/v2 (at most
 * 8, into `s`), and tells what it names: an upload (`*upload`), or the
 * view `*view` (NULL if neither). */
static void parse_target(h2o_iovec_t path, h2o_iovec_t *s, bool *upload, const char **view)
{
    int n = split(h2o_iovec_init(path.base + 7, path.len - 7), s, 8); /* after "/api/v2" */
    *upload = n == 1 && h2o_memis(s[0].base, s[0].len, H2O_STRLIT("upload"));
    *view = n >= 3 && h2o_memis(s[0].base, s[0].len, H2O_STRLIT("analysis")) ? view_of(s + 2, n - 2)
                                                                             : NULL;
}

const char *analysis_api_route(const h2o_req_t *req)
{
    static const char *const routes[][2] = {
        {"status", "analysis_status"},
        {"hierarchy", "analysis_hierarchy"},
        {"endpoints", "analysis_endpoints"},
        {"conversations", "analysis_conversations"},
        {"fields", "analysis_fields"},
        {"dns_lookups", "analysis_dns_lookups"},
        {"tls_hosts", "analysis_tls_hosts"},
        {"follow", "analysis_follow"},
        {"expert", "analysis_expert"},
        {"io", "analysis_io"},
        {"http_requests", "analysis_http_requests"},
    };
    h2o_iovec_t s[8];
    bool upload;
    const char *view;
    parse_target(req->path_normalized, s, &upload, &view);
    if (upload)
        return "analysis_upload";
    for (size_t i = 0; view != NULL && i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(view, routes[i][0]) == 0)
            return routes[i][1];
    }
    return NULL;
}

int analysis_api_handle(h2o_req_t *req)
{
    h2o_iovec_t s[8];
    h2o_iovec_t path = req->path_normalized;
    bool upload;
    const char *view;
    parse_target(path, s, &upload, &view);
    if (!upload && view == NULL)
        return cs_error(req, 404, "no route for %.*s", (int)path.len, path.base);
    struct auth_identity who;
    if (authenticate(req, &who) != 0)
        return 0;
    if (!api_method_is(req, upload ? "POST" : "GET"))
        return cs_error(req, 405, "%.*s is not allowed here; use %s", (int)req->method.len,
                        req->method.base, upload ? "POST" : "GET");
    if (upload) {
        if (who.permission != TOKEN_WRITE)
            return cs_error(req, 403,
                            "token %s has read permission only; uploading needs a "
                            "write token",
                            who.token_id);
        return handle_upload(req, who.account_id);
    }
    char id[CAPTURE_ID_LEN + 1];
    if (!is_capture_id(s[1].base, s[1].len))
        return cs_error(req, 404, "capture %.*s not found", (int)(s[1].len > 64 ? 64 : s[1].len),
                        s[1].base);
    snprintf(id, sizeof(id), "%.*s", (int)s[1].len, s[1].base);
    static const char *const queries[] = {"fields", "follow", "expert", "io", "http_requests"};
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
        if (strcmp(view, queries[i]) == 0)
            return handle_query(req, who.account_id, id, view);
    return handle_view(req, who.account_id, id, view);
}
