/*
 * pcapctl's HTTP client: libcurl with one connection kept open across a
 * command's requests, the token on every request, and answers collected in
 * memory (or, for a successful download, streamed to a file).
 */
#ifndef PCAPCTL_HTTP_CLIENT_H
#define PCAPCTL_HTTP_CLIENT_H

#include <stdio.h>

#include "settings.h"

/* An HTTP answer. */
struct http_answer {
    /* HTTP status code. */
    long status;
    /* The body (NUL-terminated), unless it went to a sink. */
    char *body;
    size_t len;
    /* The Content-Type header, or empty. */
    char content_type[128];
    /* The Retry-After header in seconds, or -1. */
    long retry_after;
};

/* What a request sends: bytes in memory, or a file as the part "file" of
 * a multipart/form-data body (with its name, as browsers upload files). */
struct http_body {
    const char *data;
    size_t len;
    /* Its Content-Type. */
    const char *content_type;
    /* When not NULL, the body is this file as a form instead. */
    const char *form_file;
};

/* The client; opaque. */
struct http_client;

/* Opens a client for the API the settings name.  Returns it, or NULL with
 * a message in `err`. */
struct http_client *http_client_open(const struct cli_settings *s, char *err, size_t err_size);

/* Closes the client; accepts NULL. */
void http_client_close(struct http_client *c);

/* Sends `method` `path` (absolute path with query, appended to the base
 * URL) with `body` (may be NULL).  A 2xx answer's body goes to `sink` when
 * it is not NULL; any other body is kept in `a`.  Returns 0 once an answer
 * arrived (whatever its status); -1 with a message in `err` when the
 * server could not be reached or the transfer failed; -2 with a message
 * when writing to `sink` failed. */
int http_request(struct http_client *c, const char *method, const char *path,
                 const struct http_body *body, FILE *sink, struct http_answer *a, char *err,
                 size_t err_size);

/* Frees what an answer holds. */
void http_answer_free(struct http_answer *a);

/* Returns `text` percent-encoded for a path segment or query value (free
 * it with free()), or NULL when out of memory. */
char *http_escape(struct http_client *c, const char *text);

#endif /* PCAPCTL_HTTP_CLIENT_H */
