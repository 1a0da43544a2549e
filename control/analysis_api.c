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
 * Answers are {"data": {...}}; errors {"status": N, "exceptions": ["..."]}.
 * A capture is an uploaded file or an ended job of the caller's account.
 * Results are computed once per capture (analysis/) and cached in
 * STATE_DIR/analysis/ID.json; captures larger than ANALYSIS_INLINE_MAX are
 * analysed by the worker thread while requests get 202 and Retry-After.
 * A packets/fields query is answered inline for small captures; for large
 * ones the worker writes its answer to STATE_DIR/analysis/ID.q-HASH.json.
 */
#include "analysis_api.h"

#include <ctype.h>
#include <dirent.h>
#include <glob.h>
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
#include "analysis_worker.h"
#include "packet_fields.h"
#include "auth.h"
#include "capture_files.h"
#include "capture_runner.h"

/* Captures up to this size are analysed while the request waits (a few
 * milliseconds); larger ones by the worker thread. */
#define ANALYSIS_INLINE_MAX (8u << 20)

/* The API's dependencies and directories. */
static struct {
    struct job_store *store;
    struct token_store *tokens;
    const struct config *cfg;
    char upload_dir[600];
    char cache_dir[600];
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

/* Answers 200 with {"data": data} (reference stolen). */
static int cs_data(h2o_req_t *req, json_t *data)
{
    return api_send_json(req, 200, json_pack("{s:o}", "data", data));
}

int analysis_api_init(struct job_store *store, struct token_store *tokens, const struct config *cfg,
                      char *err, unsigned err_size)
{
    aapi.store = store;
    aapi.tokens = tokens;
    aapi.cfg = cfg;
    snprintf(aapi.upload_dir, sizeof(aapi.upload_dir), "%s/uploads", cfg->state_dir);
    snprintf(aapi.cache_dir, sizeof(aapi.cache_dir), "%s/analysis", cfg->state_dir);
    if ((mkdir(aapi.upload_dir, 0750) != 0 && errno != EEXIST) ||
        (mkdir(aapi.cache_dir, 0750) != 0 && errno != EEXIST)) {
        snprintf(err, err_size, "%s: %s", cfg->state_dir, strerror(errno));
        return -1;
    }
    if (analysis_worker_start() != 0) {
        snprintf(err, err_size, "cannot start the analysis worker: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void analysis_api_stop(void)
{
    analysis_worker_stop();
}

void analysis_api_forget(const char *id)
{
    char path[800];
    snprintf(path, sizeof(path), "%s/%s.json", aapi.cache_dir, id);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s.json.error", aapi.cache_dir, id);
    unlink(path);
    /* Its cached packets/fields answers (ID.q-HASH.json and .error). */
    glob_t g;
    snprintf(path, sizeof(path), "%s/%s.q-*", aapi.cache_dir, id);
    if (glob(path, GLOB_NOSORT, NULL, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; i++)
            unlink(g.gl_pathv[i]);
    globfree(&g);
}

int analysis_api_expire_uploads(int64_t before)
{
    char path[1300];
    DIR *accounts = opendir(aapi.upload_dir);
    int n = 0;
    for (struct dirent *a; accounts != NULL && (a = readdir(accounts)) != NULL;) {
        snprintf(path, sizeof(path), "%s/%s", aapi.upload_dir, a->d_name);
        DIR *files = a->d_name[0] == '.' ? NULL : opendir(path);
        for (struct dirent *f; files != NULL && (f = readdir(files)) != NULL;) {
            struct stat st;
            size_t len = strlen(f->d_name);
            snprintf(path, sizeof(path), "%s/%s/%s", aapi.upload_dir, a->d_name, f->d_name);
            if (len != CAPTURE_ID_LEN + 5 || strcmp(f->d_name + CAPTURE_ID_LEN, ".pcap") != 0 ||
                stat(path, &st) != 0 || (int64_t)st.st_mtime * 1000 >= before)
                continue;
            unlink(path);
            f->d_name[CAPTURE_ID_LEN] = '\0';
            analysis_api_forget(f->d_name);
            n++;
        }
        if (files != NULL)
            closedir(files);
    }
    if (accounts != NULL)
        closedir(accounts);
    return n;
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
 * Writes its file's path to `path`.  Returns 0, or answers the request
 * (404, 409, 500) and returns -1. */
static int locate(h2o_req_t *req, const char *account, const char *id, char *path, size_t size)
{
    snprintf(path, size, "%s/%s/%s.pcap", aapi.upload_dir, account, id);
    if (access(path, R_OK) == 0)
        return 0;
    struct capture c;
    int rc = job_store_get(aapi.store, account, id, &c);
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
    if (access(path, R_OK) != 0)
        return cs_error(req, 404, "capture %s has no file", id), -1;
    return 0;
}

/* Reads the reason a capture could not be analysed into `buf`.  Returns
 * true if there is one. */
static bool read_error(const char *cache, char *buf, size_t size)
{
    char path[PATH_MAX + 8];
    snprintf(path, sizeof(path), "%s.error", cache);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return true;
}

/* Makes sure the results of `pcap` are in `cache`: analyses it inline when
 * small, else hands it to the worker.  Returns 0 when the cache is ready,
 * or answers the request (202, 422, 503) and returns -1. */
static int ensure_cache(h2o_req_t *req, const char *id, const char *pcap, const char *cache)
{
    char why[512];
    struct stat st;
    if (access(cache, R_OK) == 0)
        return 0;
    bool busy = analysis_worker_busy(cache);
    if (!busy && read_error(cache, why, sizeof(why)))
        return cs_error(req, 422, "capture %s cannot be analysed: %s", id, why), -1;
    if (!busy && stat(pcap, &st) == 0 && (uint64_t)st.st_size <= ANALYSIS_INLINE_MAX) {
        if (analysis_worker_run(pcap, cache) == 0)
            return 0;
        read_error(cache, why, sizeof(why));
        return cs_error(req, 422, "capture %s cannot be analysed: %s", id, why), -1;
    }
    if (analysis_worker_submit(pcap, cache) != 0)
        return cs_error(req, 503, "the analysis queue is full; retry later"), -1;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
    return cs_error(req, 202, "the analysis of capture %s is running; retry shortly", id), -1;
}

/* Returns the value of a hex digit, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a percent-encoded query value ('+' is a space) into buf.
 * Returns 0, or -1 for a bad escape, an encoded NUL, or a value that does
 * not fit in size - 1 bytes. */
static int url_decode(const char *in, size_t len, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)in[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < len ? hex_value(in[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value(in[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi | lo) == 0)
                return -1;
            c = hi << 4 | lo;
            i += 2;
        }
        if (n + 1 >= size)
            return -1;
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return 0;
}

/* Decodes query parameter `name` of the request into `buf`.  Returns 1
 * when present, 0 when absent (buf empty), -1 when it is malformed or
 * longer than size - 1 bytes. */
static int query_value(const h2o_req_t *req, const char *name, char *buf, size_t size)
{
    buf[0] = '\0';
    if (req->query_at == SIZE_MAX)
        return 0;
    const char *p = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    size_t n = strlen(name);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > n && memcmp(p, name, n) == 0 && p[n] == '=')
            return url_decode(p + n + 1, (size_t)(stop - p) - n - 1, buf, size) == 0 ? 1 : -1;
        p = stop + 1;
    }
    return 0;
}

/* GET .../analysis/{id}/{view}: one analysis of the capture. */
static int handle_view(h2o_req_t *req, const char *account, const char *id, const char *view)
{
    char pcap[700], cache[700], err[256], protocol[32];
    if (locate(req, account, id, pcap, sizeof(pcap)) != 0)
        return 0;
    snprintf(cache, sizeof(cache), "%s/%s.json", aapi.cache_dir, id);
    if (ensure_cache(req, id, pcap, cache) != 0)
        return 0;
    json_t *all = json_load_file(cache, 0, NULL), *data = NULL;
    if (all != NULL &&
        json_integer_value(json_object_get(all, "version")) != ANALYSIS_RESULTS_VERSION) {
        /* Results of an older engine: compute them again. */
        json_decref(all);
        unlink(cache);
        if (ensure_cache(req, id, pcap, cache) != 0)
            return 0;
        all = json_load_file(cache, 0, NULL);
    }
    if (all == NULL)
        return cs_error(req, 500, "the analysis cache of capture %s is unreadable", id);
    if (query_value(req, "protocol", protocol, sizeof(protocol)) < 0)
        protocol[0] = '?'; /* Malformed: analysis_cache_view names the rule. */
    int rc = analysis_cache_view(all, view, protocol[0] ? protocol : NULL, &data, err, sizeof(err));
    json_decref(all);
    if (rc != 0)
        return cs_error(req, 400, "%s", err);
    return cs_data(req, data);
}

/* Reads an unsigned query parameter into *v (default def when absent).
 * Returns 0, or answers 400 naming the parameter and its range and returns -1. */
static int query_uint(h2o_req_t *req, const char *name, uint64_t def, uint64_t max, uint64_t *v)
{
    char buf[32], *end;
    int rc = query_value(req, name, buf, sizeof(buf));
    *v = def;
    if (rc == 0)
        return 0;
    errno = 0;
    unsigned long long x = strtoull(buf, &end, 10);
    if (rc < 0 || buf[0] < '0' || buf[0] > '9' || *end != '\0' || errno != 0 || x > max)
        return cs_error(req, 400, "%s: must be an integer from 0 to %llu", name,
                        (unsigned long long)max),
               -1;
    *v = x;
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
    if ((rc = query_value(req, "fields", q->fields, sizeof(q->fields))) <= 0)
        return cs_error(req, 400, "fields: %s",
                        rc < 0 ? "malformed percent-encoding or longer than 2047 bytes"
                               : "required: a comma-separated list of field names"),
               -1;
    if (packet_fields_parse_list(q->fields, ids, 64, err, sizeof(err), &pos) < 0)
        return cs_error(req, 400, "fields: %s", err), -1;
    if (query_value(req, "filter", q->filter, sizeof(q->filter)) < 0)
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

/* Writes the cache path of query q on capture id: ID.q-SHA256.json. */
static void query_cache_path(const char *id, const struct analysis_query *q, char *path,
                             size_t size)
{
    char text[sizeof(q->fields) + sizeof(q->filter) + 64], hex[65];
    unsigned char md[32];
    int n = snprintf(text, sizeof(text), "%s%c%s%c%llu%c%llu", q->fields, 0, q->filter, 0,
                     (unsigned long long)q->offset, 0, (unsigned long long)q->limit);
    EVP_Digest(text, (size_t)n, md, NULL, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(path, size, "%s/%s.q-%s.json", aapi.cache_dir, id, hex);
}

/* Answers a large capture's query from its cache file, or hands it to the worker (202). */
static int fields_from_worker(h2o_req_t *req, const char *id, const char *pcap,
                              const struct analysis_query *q)
{
    char cache[800], why[512];
    query_cache_path(id, q, cache, sizeof(cache));
    json_t *data = json_load_file(cache, 0, NULL);
    if (data != NULL)
        return cs_data(req, data);
    bool busy = analysis_worker_busy(cache);
    if (!busy && read_error(cache, why, sizeof(why)))
        return cs_error(req, 422, "capture %s cannot be analysed: %s", id, why);
    if (analysis_worker_submit_query(pcap, cache, q) != 0)
        return cs_error(req, 503, "the analysis queue is full; retry later");
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
    return cs_error(req, 202, "the query on capture %s is running; retry shortly", id);
}

/* GET .../analysis/{id}/packets/fields: selected fields of the frames a filter passes. */
static int handle_fields(h2o_req_t *req, const char *account, const char *id)
{
    static struct analysis_query q; /* Large: kept off the stack (one event-loop thread). */
    char pcap[700], err[256];
    const char *param;
    size_t pos;
    struct stat st;
    json_t *data;
    if (locate(req, account, id, pcap, sizeof(pcap)) != 0 || read_fields_query(req, &q) != 0)
        return 0;
    if (stat(pcap, &st) != 0 || (uint64_t)st.st_size > ANALYSIS_INLINE_MAX)
        return fields_from_worker(req, id, pcap, &q);
    struct packet_source src = {.path = pcap};
    int rc = packet_fields_json(&src, q.fields, q.filter, q.offset, q.limit, &data, &param, &pos,
                                err, sizeof(err));
    if (rc == PQ_BAD_QUERY)
        return cs_error(req, 400, "%s: %s", param, err);
    if (rc != PQ_OK)
        return cs_error(req, 422, "capture %s cannot be analysed: %s", id, err);
    return cs_data(req, data);
}

/* Finds the file part of a multipart/form-data body: the first part with a
 * filename.  Returns 0 with `file` and `filename` set, or -1. */
static int multipart_file(h2o_iovec_t body, const char *content_type, h2o_iovec_t *file,
                          char *filename, size_t fn_size)
{
    const char *b = strstr(content_type, "boundary=");
    if (b == NULL)
        return -1;
    b += strlen("boundary=");
    bool quoted = *b == '"';
    b += quoted;
    size_t blen = strcspn(b, quoted ? "\"" : "; \t");
    if (blen == 0 || blen > 100)
        return -1;
    char delim[128];
    int dlen = snprintf(delim, sizeof(delim), "\r\n--%.*s", (int)blen, b);
    const char *p = memmem(body.base, body.len, delim + 2, (size_t)dlen - 2);
    const char *end = body.base + body.len;
    while (p != NULL) {
        const char *headers = p + dlen - 2;
        const char *blank = memmem(headers, (size_t)(end - headers), "\r\n\r\n", 4);
        if (blank == NULL)
            return -1;
        const char *data = blank + 4;
        const char *next = memmem(data, (size_t)(end - data), delim, (size_t)dlen);
        if (next == NULL)
            return -1;
        const char *fn = memmem(headers, (size_t)(blank - headers), "filename=\"", 10);
        if (fn != NULL) {
            fn += 10;
            const char *q = memchr(fn, '"', (size_t)(blank - fn));
            snprintf(filename, fn_size, "%.*s", q ? (int)(q - fn) : 0, fn);
            *file = h2o_iovec_init(data, (size_t)(next - data));
            return 0;
        }
        p = next + 2;
    }
    return -1;
}

/* Tells whether `data` starts like a pcap or pcapng file. */
static bool looks_like_capture(h2o_iovec_t data)
{
    static const uint8_t magics[][4] = {{0xd4, 0xc3, 0xb2, 0xa1},
                                        {0xa1, 0xb2, 0xc3, 0xd4},
                                        {0x4d, 0x3c, 0xb2, 0xa1},
                                        {0xa1, 0xb2, 0x3c, 0x4d},
                                        {0x0a, 0x0d, 0x0d, 0x0a}};
    for (size_t i = 0; data.len >= 24 && i < sizeof(magics) / sizeof(magics[0]); i++) {
        if (memcmp(data.base, magics[i], 4) == 0)
            return true;
    }
    return false;
}

/* Writes `data` to `path` through a temporary name.  Returns 0 or -1. */
static int write_file(const char *path, h2o_iovec_t data)
{
    char part[800];
    snprintf(part, sizeof(part), "%s.part", path);
    int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < data.len) {
        ssize_t n = write(fd, data.base + done, data.len - done);
        if (n <= 0) {
            close(fd);
            unlink(part);
            return -1;
        }
        done += (size_t)n;
    }
    int rc = fsync(fd) == 0 && close(fd) == 0 && rename(part, path) == 0 ? 0 : -1;
    if (rc != 0)
        unlink(part);
    return rc;
}

/* Removes an upload that turned out not to be an analysable capture. */
static void discard_upload(const char *pcap, const char *cache)
{
    char error_path[720];
    snprintf(error_path, sizeof(error_path), "%s.error", cache);
    unlink(pcap);
    unlink(error_path);
}

/* POST /api/v2/upload: stores the body (raw, or the file part of a
 * multipart form) as a capture of the caller's account. */
static int handle_upload(h2o_req_t *req, const char *account)
{
    char content_type[256] = "", filename[256] = "upload.pcap", id[CAPTURE_ID_LEN + 1];
    char dir[680], pcap[760], cache[700], why[512];
    ssize_t ct = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (ct >= 0)
        snprintf(content_type, sizeof(content_type), "%.*s",
                 (int)req->headers.entries[ct].value.len, req->headers.entries[ct].value.base);
    h2o_iovec_t file = req->entity;
    if (strncmp(content_type, "multipart/form-data", 19) == 0 &&
        multipart_file(req->entity, content_type, &file, filename, sizeof(filename)) != 0)
        return cs_error(req, 400, "file: the multipart body holds no part with a filename");
    if (file.base == NULL || !looks_like_capture(file))
        return cs_error(req, 400, "file: not a pcap or pcapng capture");
    if (capture_new_id(id) != 0)
        return cs_error(req, 500, "no randomness for a capture id");
    snprintf(dir, sizeof(dir), "%s/%s", aapi.upload_dir, account);
    snprintf(pcap, sizeof(pcap), "%s/%s.pcap", dir, id);
    snprintf(cache, sizeof(cache), "%s/%s.json", aapi.cache_dir, id);
    if ((mkdir(dir, 0750) != 0 && errno != EEXIST) || write_file(pcap, file) != 0)
        return cs_error(req, 500, "cannot store the capture: %s", strerror(errno));
    if (file.len <= ANALYSIS_INLINE_MAX && analysis_worker_run(pcap, cache) != 0) {
        read_error(cache, why, sizeof(why));
        discard_upload(pcap, cache);
        return cs_error(req, 400, "file: not a valid capture: %s", why);
    }
    if (file.len > ANALYSIS_INLINE_MAX)
        analysis_worker_submit(pcap, cache);
    return cs_data(req, json_pack("{s:s,s:s,s:I}", "id", id, "filename", filename, "filesize",
                                  (json_int_t)file.len));
}

/* The views of /analysis/{id}/...: path tail and engine view name
 * ("fields" for packets/fields, which is not a cached view). */
static const char *view_of(const h2o_iovec_t *s, int n)
{
    static const char *const pairs[][3] = {{"packets", "fields", "fields"},
                                           {"dns", "lookups", "dns_lookups"},
                                           {"tls", "hosts", "tls_hosts"}};
    if (n == 1 && h2o_memis(s[0].base, s[0].len, H2O_STRLIT("status")))
        return "status";
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
    char why[256];
    enum auth_status st = auth_request(aapi.tokens, req, true, who, why, sizeof(why));
    if (st == AUTH_OK)
        return 0;
    if (st == AUTH_STORE_ERROR)
        return cs_error(req, 500, "%s", why), -1;
    return cs_error(req, 401, "%s", why), -1;
}

int analysis_api_handle(h2o_req_t *req)
{
    h2o_iovec_t s[8];
    h2o_iovec_t path = req->path_normalized;
    int n = split(h2o_iovec_init(path.base + 7, path.len - 7), s, 8); /* after "/api/v2" */
    bool upload = n == 1 && h2o_memis(s[0].base, s[0].len, H2O_STRLIT("upload"));
    const char *view = n >= 3 && h2o_memis(s[0].base, s[0].len, H2O_STRLIT("analysis"))
                           ? view_of(s + 2, n - 2)
                           : NULL;
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
    if (strcmp(view, "fields") == 0)
        return handle_fields(req, who.account_id, id);
    return handle_view(req, who.account_id, id, view);
}
