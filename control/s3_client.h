/*
 * Signed requests to S3-compatible stores, on libcurl with its built-in
 * AWS Signature V4 (CURLOPT_AWS_SIGV4).  A call is one request on a curl
 * easy handle that its owner drives (bucket_delivery.c runs them on curl's
 * multi interface); this module prepares it (URL, signature, body,
 * payload hash, TLS checks, timeouts, the appliance's rate cap) and reads
 * its outcome (the store's error code and message, ETag, UploadId).
 *
 * A body is sent from memory the caller owns, or read from a range of a
 * file as curl sends it (a part of a capture: never held whole in memory).
 * Credentials go to curl only: no message made here quotes them.
 */
#ifndef PCAPD_S3_CLIENT_H
#define PCAPD_S3_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "destination.h"

/* The appliance's upload rate cap: a token bucket in bytes, shared by
 * every call of one thread.  A call whose bucket is empty pauses (its
 * owner resumes it with s3_rate_resume() once refilled). */
struct s3_rate {
    /* Bytes a second (0: no cap), bytes that may go now, and the most
     * that may build up. */
    uint64_t bytes_per_second;
    int64_t tokens;
    int64_t burst;
    /* When tokens were last added (CLOCK_MONOTONIC, ns). */
    int64_t last_ns;
};

/* How calls are made. */
struct s3_settings {
    /* PEM file of trusted CAs, or NULL for the system's. */
    const char *ca_file;
    /* The rate cap, or NULL for none. */
    struct s3_rate *rate;
};

/* The MD5 thread of a call (s3_client.c). */
struct s3_hasher;

/* Most bytes of a response body kept (errors and XML results are small). */
#define S3_RESPONSE_MAX 16384

/* One request and its answer. */
struct s3_call {
    /* The handle, its headers, and the body sent (not owned) with how much
     * of it has gone: from memory (`body`), or, when `body` is NULL and
     * `fd` >= 0, from `fd` at `offset`. */
    CURL *easy;
    struct curl_slist *headers;
    const uint8_t *body;
    int fd;
    uint64_t offset;
    size_t body_len, body_sent;
    /* The errno of a failed read of the file (0: none). */
    int read_errno;
    /* For a body from a file: the MD5 of the bytes sent, running (on
     * `hasher`'s thread for a body larger than one of its slots), then in
     * hex once the call ended with all of them sent. */
    EVP_MD_CTX *md5;
    struct s3_hasher *hasher;
    char md5_hex[33];
    /* The rate cap, and whether the call waits for it. */
    struct s3_rate *rate;
    bool paused;
    /* The answer: curl's result, the HTTP status, the ETag and
     * Content-Length headers, and the body (up to S3_RESPONSE_MAX). */
    CURLcode result;
    long status;
    char etag[128];
    int64_t content_length;
    /* Its x-amz-server-side-encryption header, and whether it names a
     * key of the customer's (SSE-C): the ETag is then no MD5. */
    char sse[32];
    bool sse_customer_key;
    char response[S3_RESPONSE_MAX + 1];
    size_t response_len;
    char curl_error[CURL_ERROR_SIZE];
};

/* What to do after a call. */
enum s3_outcome {
    /* It succeeded (2xx). */
    S3_OK,
    /* It failed in a way that may pass: a connection error, a timeout,
     * 5xx, 429, or S3's RequestTimeout and SlowDown. */
    S3_RETRY,
    /* The store refused it for good (4xx), or its certificate is not
     * trusted: retrying cannot help. */
    S3_FATAL,
    /* The store took a body from a file, but its ETag is not the MD5 of
     * the bytes sent: the stored copy differs (sending it again may pass,
     * unless the store's ETags are no MD5). */
    S3_MISMATCH,
};

/* Prepares `c` to send `method` to object `key` of `d` with `query` (""
 * or "?..." in canonical form: sorted, encoded) and `body` (NULL or
 * `body_len` bytes, signed with its SHA-256).  Returns 0, or -1 when out of
 * memory or the URL does not fit. */
int s3_call_init(struct s3_call *c, const struct destination *d, const char *method,
                 const char *key, const char *query, const void *body, size_t body_len,
                 const struct s3_settings *settings);

/* Prepares `c` as s3_call_init() does, with a body of `len` bytes read
 * from file `fd` at `offset` (the file stays the caller's) as curl sends
 * it: UNSIGNED-PAYLOAD, its MD5 computed on the way (by a thread of the
 * call's own, beside the send, when the body is large) and checked against
 * the store's ETag by s3_call_outcome().  Returns 0, or -1 when out of
 * memory or the URL does not fit. */
int s3_call_init_file(struct s3_call *c, const struct destination *d, const char *method,
                      const char *key, const char *query, int fd, uint64_t offset, size_t len,
                      const struct s3_settings *settings);
/* Runs the prepared call `c` to its end on the calling thread (it blocks:
 * for offload threads).  Its outcome is then in `c`. */
void s3_call_perform(struct s3_call *c);

/* Records the end of `c`, driven elsewhere, with curl's `result`. */
void s3_call_finished(struct s3_call *c, CURLcode result);

/* Frees what s3_call_init() made; `c` may be zeroed. */
void s3_call_cleanup(struct s3_call *c);

/* Classifies the finished call `c` and writes what happened in `msg` ("the
 * store answered 403 SignatureDoesNotMatch: ...", "connection refused"). */
enum s3_outcome s3_call_outcome(const struct s3_call *c, char *msg, size_t size);

/* Copies the text of the first <tag> element of the response of `c` into
 * `out`.  Returns 0, or -1 if there is none. */
int s3_response_value(const struct s3_call *c, const char *tag, char *out, size_t size);

/* Sets up a rate cap of `bytes_per_second` (0: none). */
void s3_rate_init(struct s3_rate *r, uint64_t bytes_per_second);

/* Adds the tokens earned since the last refill. */
void s3_rate_refill(struct s3_rate *r);

/* Resumes `c` if it waits for the rate cap and tokens are there. */
void s3_rate_resume(struct s3_call *c);

#endif /* PCAPD_S3_CLIENT_H */
