/*
 * The h2o server as pcapd embeds it (after h2o's examples/libh2o/simple.c):
 * one host, one handler at "/", one evloop, OpenSSL when TLS is
 * configured, a filter that puts h2o's own plain-text refusals into the
 * API's envelope, a logger that reports each request's status and latency
 * (h2o's per-request timestamps) when h2o disposes of it, and a timer for
 * the capture runner's periodic work.
 */
#include "http_server.h"

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "h2o/http1.h"
#include "http_intake.h"

/* Bodies of at least this many bytes, when not all come with their head,
 * are read by the intake rather than the server's loop: below, reading
 * them costs the loop well under a millisecond. */
#define HTTP_INTAKE_MIN_BODY (256u * 1024)

/* The server's state. */
static struct {
    h2o_globalconf_t config;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    http_handler_fn handler;
    http_refusal_fn refusal;
    http_observe_fn observe;
    SSL_CTX *ssl_ctx;
    /* Periodic work. */
    h2o_timeout_t tick_timeout;
    h2o_timeout_entry_t tick_entry;
    void (*tick)(void);
} srv;

/* Tells whether header line `line` (of `len` bytes) is named `name`
 * (lowercase, with its colon). */
static bool header_is(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len >= n && strncasecmp(line, name, n) == 0;
}

/* What the server reads of a request head before h2o parses it: enough to
 * refuse ambiguous framing and to see a large body coming.  h2o's parser
 * stays the judge of the request: a head this scan misreads only loses
 * the intake, or reaches h2o's own refusal. */
struct head_scan {
    /* Bytes of the head, its closing blank line included; 0 while the
     * blank line has not come. */
    size_t len;
    /* Its Content-Length, Transfer-Encoding and Expect lines. */
    unsigned lengths, encodings, expects;
    /* The last Content-Length, or SIZE_MAX when not a plain number. */
    size_t content_length;
    /* An Expect line says exactly "100-continue". */
    bool expect_continue;
};

/* Returns `from`..`to` without the spaces and tabs around it, in `*len`. */
static const char *header_value(const char *from, const char *to, size_t *len)
{
    while (from < to && (*from == ' ' || *from == '\t'))
        from++;
    while (to > from && (to[-1] == ' ' || to[-1] == '\t' || to[-1] == '\r'))
        to--;
    *len = (size_t)(to - from);
    return from;
}

/* Returns the decimal number `s` (`len` bytes), or SIZE_MAX. */
static size_t decimal_value(const char *s, size_t len)
{
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (SIZE_MAX - 9) / 10)
            return SIZE_MAX;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    return len == 0 ? SIZE_MAX : v;
}

/* Scans the request head at the start of `p` (`n` bytes), as the client
 * sent it: h2o keeps only the Content-Length it uses.  One empty line
 * before the request line is skipped, as h2o's parser does. */
static void scan_head(const char *p, size_t n, struct head_scan *h)
{
    const char *start = p, *end = p + n;
    *h = (struct head_scan){.content_length = SIZE_MAX};
    if (p < end && *p == '\n')
        p++;
    else if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
        p += 2;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            return;
        size_t len = (size_t)(eol - p), vlen;
        if (len <= 1) {
            h->len = (size_t)(eol + 1 - start);
            return;
        }
        if (header_is(p, len, "content-length:")) {
            const char *v = header_value(p + 15, eol, &vlen);
            h->lengths++;
            h->content_length = decimal_value(v, vlen);
        } else if (header_is(p, len, "transfer-encoding:")) {
            h->encodings++;
        } else if (header_is(p, len, "expect:")) {
            const char *v = header_value(p + 7, eol, &vlen);
            h->expects++;
            h->expect_continue = vlen == 12 && strncasecmp(v, "100-continue", 12) == 0;
        }
        p = eol + 1;
    }
}

/* Refuses ambiguous framing: counts the Content-Length and
 * Transfer-Encoding lines of the request's head.  While a request is
 * handled, its connection's input buffer starts with its head (h2o
 * consumes a request's bytes once it is answered). */
static const char *framing_problem(h2o_req_t *req)
{
    h2o_socket_t *sock =
        req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn) : NULL;
    if (sock == NULL || sock->input == NULL)
        return NULL;
    struct head_scan h;
    scan_head(sock->input->bytes, sock->input->size, &h);
    if (h.lengths > 1)
        return "the request has several Content-Length headers";
    if (h.lengths > 0 && h.encodings > 0)
        return "the request has both Content-Length and Transfer-Encoding";
    return NULL;
}

/* Name, in a request's env (h2o's per-request vector of name/value
 * pairs, in the request's pool), of the monotonic time in nanoseconds at
 * which the request reached the handler: h2o's own timestamps are the
 * event loop's cached time, a millisecond coarse. */
#define START_ENV "pcapd.start_ns"

/* Nanoseconds on the monotonic clock. */
static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Notes in `req`'s env when it reached the handler. */
static void stamp_start(h2o_req_t *req)
{
    uint64_t *ns = h2o_mem_alloc_pool(&req->pool, sizeof(*ns));
    *ns = mono_ns();
    h2o_vector_reserve(&req->pool, &req->env, req->env.size + 2);
    req->env.entries[req->env.size++] = h2o_iovec_init(H2O_STRLIT(START_ENV));
    req->env.entries[req->env.size++] = h2o_iovec_init(ns, sizeof(*ns));
}

/* Returns when `req` reached the handler (monotonic ns), or 0 if it never
 * did (h2o refused it first). */
static uint64_t start_of(const h2o_req_t *req)
{
    for (size_t i = 0; i + 1 < req->env.size; i += 2) {
        if (h2o_memis(req->env.entries[i].base, req->env.entries[i].len, H2O_STRLIT(START_ENV)) &&
            req->env.entries[i + 1].len == sizeof(uint64_t)) {
            uint64_t ns;
            memcpy(&ns, req->env.entries[i + 1].base, sizeof(ns));
            return ns;
        }
    }
    return 0;
}

/* h2o's entry point: refuses ambiguous framing, else forwards to the
 * configured handler. */
static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    if (srv.observe != NULL)
        stamp_start(req);
    const char *why = framing_problem(req);
    if (why == NULL)
        return srv.handler(req);
    req->http1_is_persistent = 0;
    h2o_iovec_t body = srv.refusal(req, 400, why);
    req->res.status = 400;
    req->res.reason = "Bad Request";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    req->res.content_length = body.len;
    h2o_send_inline(req, body.base, body.len);
    return 0;
}

/* An output stream that replaces a refusal's plain-text body by the
 * API's JSON one. */
struct refusal_ostream {
    h2o_ostream_t super;
    /* The body to send instead. */
    h2o_iovec_t body;
};

/* Drops the plain-text body and sends the JSON one once it has ended. */
static void refusal_do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
                            h2o_send_state_t state)
{
    (void)bufs;
    (void)bufcnt;
    struct refusal_ostream *os = (struct refusal_ostream *)self;
    if (h2o_send_state_is_in_progress(state)) {
        h2o_ostream_send_next(self, req, NULL, 0, state);
        return;
    }
    h2o_ostream_send_next(self, req, &os->body, 1, state);
}

/* Tells whether the answer being set up is one h2o made itself: an error
 * status without a JSON body (every answer of the APIs is JSON). */
static bool is_h2o_refusal(h2o_req_t *req)
{
    if (req->res.status < 400)
        return false;
    ssize_t ct = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
    return ct < 0 ||
           !h2o_memis(req->res.headers.entries[ct].value.base,
                      req->res.headers.entries[ct].value.len, H2O_STRLIT("application/json"));
}

/* Filter: gives h2o's own refusals (413, 400...) the API's envelope. */
static void on_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    (void)self;
    if (srv.refusal != NULL && is_h2o_refusal(req)) {
        h2o_iovec_t body = srv.refusal(req, req->res.status, NULL);
        struct refusal_ostream *os =
            (struct refusal_ostream *)h2o_add_ostream(req, sizeof(*os), slot);
        os->super.do_send = refusal_do_send;
        os->body = body;
        slot = &os->super.next;
        req->res.content_length = body.len;
        h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                       H2O_STRLIT("application/json"), 1);
    }
    h2o_setup_next_ostream(req, slot);
}

/* Logger: reports a request h2o is disposing of (its answer sent, or its
 * connection closed).  Its latency runs from the moment it reached the
 * handler to now; for one h2o refused before, from its first byte to its
 * answer's end (h2o's timestamps). */
static void on_log_access(h2o_logger_t *self, h2o_req_t *req)
{
    (void)self;
    uint64_t start = start_of(req);
    int64_t usec = 0;
    if (start != 0)
        srv.observe(req, (double)(mono_ns() - start) / 1e9);
    else
        srv.observe(req,
                    h2o_time_compute_duration(req, &usec) && usec > 0 ? (double)usec / 1e6 : 0.0);
}

/* Sets up TLS from the certificate chain and key files.  Returns 0, or -1
 * with `err`. */
static int setup_tls(const char *cert, const char *key, char *err, unsigned err_size)
{
    srv.ssl_ctx = SSL_CTX_new(TLS_server_method());
    if (srv.ssl_ctx == NULL || SSL_CTX_set_min_proto_version(srv.ssl_ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate_chain_file(srv.ssl_ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(srv.ssl_ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(srv.ssl_ctx) != 1) {
        char why[256];
        ERR_error_string_n(ERR_get_error(), why, sizeof(why));
        snprintf(err, err_size, "TLS: tls_certificate %s, tls_key %s: %s", cert, key, why);
        return -1;
    }
    SSL_CTX_set_options(srv.ssl_ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* HTTP/1.1 only: the handlers rely on HTTP/1's request lifetime (see
     * analysis_api.c's uploads). */
    static const h2o_iovec_t alpn[] = {{H2O_STRLIT("http/1.1")}, {NULL, 0}};
    h2o_ssl_register_alpn_protocols(srv.ssl_ctx, alpn);
    srv.accept_ctx.ssl_ctx = srv.ssl_ctx;
    return 0;
}

/* A new connection until its first request head has come: then h2o's
 * HTTP/1 takes it, or first the intake when the request's body is large
 * and still to come (http_intake.h). */
struct fresh_conn {
    h2o_socket_t *sock;
    /* When it was accepted (h2o's timestamps of its first request). */
    struct timeval connected_at;
    /* Closes it when its TLS handshake and head do not come within h2o's
     * request timeout. */
    h2o_timeout_entry_t timeout;
};

/* Closes a new connection. */
static void fresh_close(struct fresh_conn *fc)
{
    h2o_timeout_unlink(&fc->timeout);
    h2o_socket_close(fc->sock);
    free(fc);
}

/* A new connection sent no whole request head in time. */
static void on_fresh_timeout(h2o_timeout_entry_t *entry)
{
    fresh_close(H2O_STRUCT_FROM_MEMBER(struct fresh_conn, timeout, entry));
}

/* Tells whether a request whose head `h` and `buffered` bytes have come
 * should have its body read by the intake: one plain Content-Length, large,
 * not above max_body (h2o refuses those at once), and not all here. */
static bool wants_intake(const struct head_scan *h, size_t buffered)
{
    return h->len != 0 && h->lengths == 1 && h->encodings == 0 && h->content_length != SIZE_MAX &&
           h->content_length >= HTTP_INTAKE_MIN_BODY &&
           h->content_length <= srv.config.max_request_entity_size &&
           (h->expects == 0 || (h->expects == 1 && h->expect_continue)) &&
           h->len + h->content_length > buffered;
}

/* Reads a new connection's first request head, then hands the connection
 * on. */
static void on_head_read(h2o_socket_t *sock, const char *err)
{
    struct fresh_conn *fc = sock->data;
    if (err != NULL) {
        fresh_close(fc);
        return;
    }
    struct head_scan h;
    scan_head(sock->input->bytes, sock->input->size, &h);
    if (h.len == 0 && sock->input->size < H2O_MAX_REQLEN)
        return; /* more of the head to come */
    h2o_socket_read_stop(sock);
    h2o_timeout_unlink(&fc->timeout);
    struct timeval at = fc->connected_at;
    free(fc);
    if (wants_intake(&h, sock->input->size) &&
        http_intake_submit(sock, h.len + h.content_length, h.expect_continue, at) == 0)
        return;
    h2o_http1_accept(&srv.accept_ctx, sock, at);
}

/* A new connection's TLS handshake has ended.  The request head may have
 * come with the client's last handshake message: h2o has then decrypted it
 * into the input already, and no read event will announce it. */
static void on_handshake(h2o_socket_t *sock, const char *err)
{
    if (err != NULL) {
        fresh_close(sock->data);
        return;
    }
    h2o_socket_read_start(sock, on_head_read);
    if (sock->input->size != 0)
        on_head_read(sock, NULL);
}

/* A connection the intake has read a request of is back. */
static void on_intake_ready(h2o_socket_t *sock, struct timeval connected_at)
{
    h2o_http1_accept(&srv.accept_ctx, sock, connected_at);
}

/* Accepts a connection on the listener. */
static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock == NULL)
        return;
    struct fresh_conn *fc = calloc(1, sizeof(*fc));
    if (fc == NULL) {
        h2o_socket_close(sock);
        return;
    }
    fc->sock = sock;
    fc->connected_at = *h2o_get_timestamp(&srv.ctx, NULL, NULL);
    fc->timeout.cb = on_fresh_timeout;
    h2o_timeout_link(srv.ctx.loop, &srv.ctx.http1.req_timeout, &fc->timeout);
    sock->data = fc;
    if (srv.ssl_ctx != NULL)
        h2o_socket_ssl_handshake(sock, srv.ssl_ctx, NULL, on_handshake);
    else
        h2o_socket_read_start(sock, on_head_read);
}

/* Opens a listening socket on host:port.  Returns the fd or -1. */
static int open_listener(const char *host, uint16_t port, uint16_t *bound, char *err,
                         unsigned err_size)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICHOST | AI_PASSIVE};
    struct addrinfo *ai = NULL;
    char service[8];
    snprintf(service, sizeof(service), "%u", port);
    int rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        snprintf(err, err_size, "listen address %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, err_size, "cannot listen on %s:%u: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                            : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

int http_server_start(const struct http_server_options *o, uint16_t *bound_port, char *err,
                      unsigned err_size)
{
    if (o->tls_certificate != NULL && setup_tls(o->tls_certificate, o->tls_key, err, err_size) != 0)
        return -1;
    int fd = open_listener(o->host, o->port, bound_port, err, err_size);
    if (fd < 0)
        return -1;
    srv.handler = o->handler;
    srv.refusal = o->refusal;
    srv.observe = o->observe;
    h2o_config_init(&srv.config);
    srv.config.max_request_entity_size = o->max_body;
    srv.config.server_name = h2o_iovec_init(H2O_STRLIT("pcapd"));
    h2o_hostconf_t *host_conf =
        h2o_config_register_host(&srv.config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path_conf = h2o_config_register_path(host_conf, "/", 0);
    h2o_handler_t *h = h2o_create_handler(path_conf, sizeof(*h));
    h->on_req = on_req;
    /* Refusals h2o makes before a request reaches the handler are sent
     * through the host's fallback path: filter both. */
    h2o_create_filter(path_conf, sizeof(h2o_filter_t))->on_setup_ostream = on_setup_ostream;
    h2o_create_filter(&host_conf->fallback_path, sizeof(h2o_filter_t))->on_setup_ostream =
        on_setup_ostream;
    if (srv.observe != NULL) {
        h2o_create_logger(path_conf, sizeof(h2o_logger_t))->log_access = on_log_access;
        h2o_create_logger(&host_conf->fallback_path, sizeof(h2o_logger_t))->log_access =
            on_log_access;
    }

    h2o_context_init(&srv.ctx, h2o_evloop_create(), &srv.config);
    srv.accept_ctx.ctx = &srv.ctx;
    srv.accept_ctx.hosts = srv.config.hosts;
    if (http_intake_start(srv.ctx.loop, on_intake_ready, srv.config.http1.req_timeout, err,
                          err_size) != 0) {
        close(fd);
        return -1;
    }
    srv.listener = h2o_evloop_socket_create(srv.ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    h2o_socket_read_start(srv.listener, on_accept);
    return 0;
}

h2o_loop_t *http_server_loop(void)
{
    return srv.ctx.loop;
}

/* Timer callback: runs the periodic work and re-arms. */
static void on_tick(h2o_timeout_entry_t *entry)
{
    srv.tick();
    h2o_timeout_link(srv.ctx.loop, &srv.tick_timeout, entry);
}

void http_server_run(volatile int *quit, void (*tick)(void), unsigned tick_ms)
{
    srv.tick = tick;
    srv.tick_entry.cb = on_tick;
    h2o_timeout_init(srv.ctx.loop, &srv.tick_timeout, tick_ms);
    h2o_timeout_link(srv.ctx.loop, &srv.tick_timeout, &srv.tick_entry);
    while (!*quit)
        h2o_evloop_run(srv.ctx.loop, (int32_t)tick_ms);
    h2o_timeout_unlink(&srv.tick_entry);
}

void http_body_release(const char *body, size_t len)
{
    if (len < h2o_socket_buffer_mmap_settings.threshold)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = ((uintptr_t)body + page - 1) & ~(page - 1);
    uintptr_t to = ((uintptr_t)body + len) & ~(page - 1);
    if (to > from)
        madvise((void *)from, to - from, MADV_REMOVE);
}

void http_server_stop(void)
{
    if (srv.listener != NULL) {
        h2o_socket_read_stop(srv.listener);
        h2o_socket_close(srv.listener);
        srv.listener = NULL;
    }
    http_intake_stop();
}
