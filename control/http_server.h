/*
 * The HTTP server: h2o on its own event loop, on the main lcore, over
 * plain HTTP or TLS.  It hands every request to one handler, gives h2o's
 * own refusals the API's JSON envelope, reports each request's outcome and
 * latency once it is done, and runs periodic work beside it.
 */
#ifndef PCAPD_HTTP_SERVER_H
#define PCAPD_HTTP_SERVER_H

#include <stdint.h>

#include "h2o.h"

/* Handles a request; returns 0 once it has answered (or parked it). */
typedef int (*http_handler_fn)(h2o_req_t *req);

/* Writes the JSON body of a refusal made before any handler runs (by h2o:
 * status 413, a body larger than max_body, or 400, a body that breaks its
 * framing; by the server: 400, ambiguous framing, `why` saying how), in
 * the envelope of the API `req`'s path belongs to, allocated from
 * req->pool.  `why` is NULL for h2o's refusals. */
typedef h2o_iovec_t (*http_refusal_fn)(h2o_req_t *req, int status, const char *why);

/* Observes a request the server is done with (answered, or its connection
 * closed): its answer is req->res.status (0 if none was sent), `seconds`
 * the time from the moment it reached the handler (its headers and body
 * received) to its answer's last byte.  Requests a handler parked and
 * answered later are observed when that answer ends. */
typedef void (*http_observe_fn)(h2o_req_t *req, double seconds);

/* How the server runs. */
struct http_server_options {
    /* Address and TCP port to listen on (port 0: any free port). */
    const char *host;
    uint16_t port;
    /* Bodies above this are refused by h2o (413). */
    size_t max_body;
    /* Every request goes to `handler`, but for one whose framing is
     * ambiguous (two Content-Length headers, or one beside
     * Transfer-Encoding: a request-smuggling risk behind a proxy, RFC 9112
     * 6.3), which gets 400 and the connection closed.  Refusals made before
     * the handler get their body from `refusal`. */
    http_handler_fn handler;
    http_refusal_fn refusal;
    /* Every request, those refused before the handler included, is given
     * to `observe` (may be NULL) once done. */
    http_observe_fn observe;
    /* PEM files of the certificate chain and its key: HTTPS when both are
     * given (TLS 1.2 and 1.3, HTTP/1.1), plain HTTP when both are NULL. */
    const char *tls_certificate;
    const char *tls_key;
};

/* Starts listening as `o` says.  Writes the bound port to `bound_port`.
 * Returns 0, or -1 with `err`. */
int http_server_start(const struct http_server_options *o, uint16_t *bound_port, char *err,
                      unsigned err_size);

/* Returns the server's event loop (after http_server_start()). */
h2o_loop_t *http_server_loop(void);

/* Runs the event loop until `*quit` becomes non-zero, calling `tick` every
 * `tick_ms` milliseconds. */
void http_server_run(volatile int *quit, void (*tick)(void), unsigned tick_ms);

/* Gives back to the file system the pages of a request body that nothing
 * will read again (its handler is done with it; the request itself may
 * not be answered yet).  A body above h2o's mmap threshold lives in a
 * file-backed mapping of a deleted temporary file, and h2o frees it on the
 * event loop when the request ends: for a GiB, tens of milliseconds of
 * page-cache truncation.  Called on a worker thread, this does that work
 * there (the body then reads as zeros); smaller bodies are left alone. */
void http_body_release(const char *body, size_t len);

/* Closes the listener and frees the server. */
void http_server_stop(void);

#endif /* PCAPD_HTTP_SERVER_H */
