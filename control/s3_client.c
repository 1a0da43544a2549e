/*
 * S3 requests on libcurl (see s3_client.h).  curl 7.88 signs the path and
 * query as given, so callers give them in canonical form; the object key
 * is percent-encoded here (destination_object_url()).
 */
#include "s3_client.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

/* Seconds to connect, and the longest stall of a transfer before it is
 * abandoned (it is then retried). */
#define S3_CONNECT_TIMEOUT_S 10
#define S3_STALL_TIMEOUT_S 60
/* Bytes curl sends from the body at a time. */
#define S3_UPLOAD_BUFFER (1 << 20)
/* The ring between curl's read callback and a call's MD5 thread: slots of
 * S3_HASH_SLOT bytes.  A body up to one slot is hashed in the callback. */
#define S3_HASH_SLOTS 4
#define S3_HASH_SLOT (1 << 20)

/* The MD5 of a call's body, computed on a thread of its own while curl
 * sends: the read callback copies each chunk it gave curl into the slot
 * being filled and hands full slots over; it waits only when all the
 * slots wait to be hashed.  `lock` guards `head`, `tail` and `done`. */
struct s3_hasher {
    pthread_t thread;
    pthread_mutex_t lock;
    /* Signalled when a slot is handed over (or the body ended), and when
     * one is hashed. */
    pthread_cond_t filled, freed;
    /* Slots handed over and slots hashed, since the start (the slot of
     * count `i` is `i % S3_HASH_SLOTS`), and whether the body ended. */
    unsigned head, tail;
    bool done;
    /* Bytes in each slot handed over; bytes in the slot being filled
     * (number `head`: the callback's alone). */
    size_t len[S3_HASH_SLOTS];
    size_t fill;
    /* Whether EVP_DigestUpdate() failed (the thread's alone until joined). */
    bool failed;
    uint8_t slots[S3_HASH_SLOTS][S3_HASH_SLOT];
};

/* Nanoseconds on the monotonic clock. */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void s3_rate_init(struct s3_rate *r, uint64_t bytes_per_second)
{
    r->bytes_per_second = bytes_per_second;
    /* A tenth of a second's worth, at least 64 KiB: smooth, yet whole
     * socket writes. */
    r->burst = (int64_t)(bytes_per_second / 10 > 65536 ? bytes_per_second / 10 : 65536);
    r->tokens = r->burst;
    r->last_ns = now_ns();
}

void s3_rate_refill(struct s3_rate *r)
{
    int64_t now = now_ns();
    if (r->bytes_per_second == 0 || now <= r->last_ns)
        return;
    int64_t earned = (int64_t)((double)(now - r->last_ns) * (double)r->bytes_per_second / 1e9);
    if (earned == 0)
        return;
    r->tokens = r->tokens + earned > r->burst ? r->burst : r->tokens + earned;
    r->last_ns = now;
}

void s3_rate_resume(struct s3_call *c)
{
    if (c->paused && c->rate->tokens > 0) {
        c->paused = false;
        curl_easy_pause(c->easy, CURLPAUSE_CONT);
    }
}

/* Hashes the slots handed over until the body ended (the thread of a
 * struct s3_hasher; `arg` is its call). */
static void *hash_main(void *arg)
{
    struct s3_call *c = arg;
    struct s3_hasher *h = c->hasher;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (h->tail == h->head && !h->done)
            pthread_cond_wait(&h->filled, &h->lock);
        if (h->tail == h->head)
            break;
        unsigned slot = h->tail % S3_HASH_SLOTS;
        pthread_mutex_unlock(&h->lock);
        if (!h->failed && EVP_DigestUpdate(c->md5, h->slots[slot], h->len[slot]) != 1)
            h->failed = true;
        pthread_mutex_lock(&h->lock);
        h->tail++;
        pthread_cond_signal(&h->freed);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* Hands the slot being filled to the thread of `h`, and, with `done`,
 * tells it the body ended. */
static void hash_hand_over(struct s3_hasher *h, bool done)
{
    pthread_mutex_lock(&h->lock);
    if (h->fill > 0) {
        h->len[h->head % S3_HASH_SLOTS] = h->fill;
        h->head++;
        h->fill = 0;
    }
    h->done |= done;
    pthread_cond_signal(&h->filled);
    pthread_mutex_unlock(&h->lock);
}

/* Adds `n` bytes at `p` to the MD5 of the body of `c`: hashed at once, or
 * copied into the ring of its thread.  Returns 0, or -1 if OpenSSL
 * failed. */
static int hash_body(struct s3_call *c, const uint8_t *p, size_t n)
{
    struct s3_hasher *h = c->hasher;
    if (h == NULL)
        return EVP_DigestUpdate(c->md5, p, n) == 1 ? 0 : -1;
    while (n > 0) {
        if (h->fill == 0) {
            /* A slot to fill: wait while every slot is still to be hashed. */
            pthread_mutex_lock(&h->lock);
            while (h->head - h->tail == S3_HASH_SLOTS)
                pthread_cond_wait(&h->freed, &h->lock);
            pthread_mutex_unlock(&h->lock);
        }
        size_t k = S3_HASH_SLOT - h->fill < n ? S3_HASH_SLOT - h->fill : n;
        memcpy(h->slots[h->head % S3_HASH_SLOTS] + h->fill, p, k);
        h->fill += k;
        p += k;
        n -= k;
        if (h->fill == S3_HASH_SLOT)
            hash_hand_over(h, false);
    }
    return 0;
}

/* Starts the MD5 thread of `c`, for a body larger than one slot; without
 * it (no memory, no thread) the read callback hashes.  The thread takes
 * the caller's scheduling (the delivery thread's nice and policy). */
static void hash_start(struct s3_call *c)
{
    struct s3_hasher *h;
    if (c->body_len <= S3_HASH_SLOT || (h = calloc(1, sizeof(*h))) == NULL)
        return;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->filled, NULL);
    pthread_cond_init(&h->freed, NULL);
    c->hasher = h;
    if (pthread_create(&h->thread, NULL, hash_main, c) == 0) {
        pthread_setname_np(h->thread, "pcapd-md5");
        return;
    }
    c->hasher = NULL;
    pthread_cond_destroy(&h->freed);
    pthread_cond_destroy(&h->filled);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

/* Ends the MD5 thread of `c`, if any, once it hashed what was handed
 * over.  Returns 0, or -1 if OpenSSL failed on it. */
static int hash_stop(struct s3_call *c)
{
    struct s3_hasher *h = c->hasher;
    if (h == NULL)
        return 0;
    hash_hand_over(h, true);
    pthread_join(h->thread, NULL);
    bool failed = h->failed;
    pthread_cond_destroy(&h->freed);
    pthread_cond_destroy(&h->filled);
    pthread_mutex_destroy(&h->lock);
    free(h);
    c->hasher = NULL;
    return failed ? -1 : 0;
}

/* Gives curl the next bytes of the body, within the rate cap. */
static size_t read_body(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct s3_call *c = arg;
    size_t n = size * nmemb;
    if (n > c->body_len - c->body_sent)
        n = c->body_len - c->body_sent;
    if (n > 0 && c->rate != NULL && c->rate->bytes_per_second > 0) {
        if (c->rate->tokens <= 0) {
            c->paused = true;
            return CURL_READFUNC_PAUSE;
        }
        if ((int64_t)n > c->rate->tokens)
            n = (size_t)c->rate->tokens;
        c->rate->tokens -= (int64_t)n;
    }
    if (c->body != NULL) {
        memcpy(buf, c->body + c->body_sent, n);
    } else if (n > 0) {
        ssize_t got = pread(c->fd, buf, n, (off_t)(c->offset + c->body_sent));
        if (got <= 0) {
            c->read_errno = got == 0 ? ENODATA : errno;
            return CURL_READFUNC_ABORT;
        }
        /* Tokens taken for bytes not read go back. */
        if (c->rate != NULL && c->rate->bytes_per_second > 0)
            c->rate->tokens += (int64_t)n - got;
        n = (size_t)got;
        if (hash_body(c, (const uint8_t *)buf, n) != 0) {
            c->read_errno = ENOMEM;
            return CURL_READFUNC_ABORT;
        }
    }
    c->body_sent += n;
    return n;
}

/* Keeps the start of the response body. */
static size_t write_response(char *data, size_t size, size_t nmemb, void *arg)
{
    struct s3_call *c = arg;
    size_t n = size * nmemb, room = S3_RESPONSE_MAX - c->response_len;
    memcpy(c->response + c->response_len, data, n < room ? n : room);
    c->response_len += n < room ? n : room;
    c->response[c->response_len] = '\0';
    return n;
}

/* Copies header `name` of the line `line` of `len` bytes into `out`,
 * trimmed.  Returns 0, or -1 if the line is another header. */
static int header_value(const char *line, size_t len, const char *name, char *out, size_t size)
{
    size_t name_len = strlen(name);
    if (len <= name_len || strncasecmp(line, name, name_len) != 0 || line[name_len] != ':')
        return -1;
    const char *v = line + name_len + 1;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    snprintf(out, size, "%.*s", (int)(end - v), v);
    return 0;
}

/* Reads the ETag and Content-Length of the answer. */
static size_t read_header(char *line, size_t size, size_t nmemb, void *arg)
{
    struct s3_call *c = arg;
    size_t len = size * nmemb;
    char value[64];
    header_value(line, len, "etag", c->etag, sizeof(c->etag));
    header_value(line, len, "x-amz-server-side-encryption", c->sse, sizeof(c->sse));
    if (header_value(line, len, "x-amz-server-side-encryption-customer-algorithm", value,
                     sizeof(value)) == 0)
        c->sse_customer_key = true;
    if (header_value(line, len, "content-length", value, sizeof(value)) == 0)
        c->content_length = strtoll(value, NULL, 10);
    return len;
}

/* Adds the x-amz-content-sha256 header of the body of `c`.  A body in
 * memory (small: a list of parts, a challenge token) is signed with its
 * SHA-256, so the store checks what it received.  A body read from a file
 * (a capture: up to a gigabyte) is sent as UNSIGNED-PAYLOAD, as the AWS
 * SDKs and newer curl releases (their S3 fallback in http_aws_sigv4.c)
 * send streamed bodies: signing it would mean reading the whole range once
 * before the request starts.  Its integrity is checked instead by its MD5,
 * computed as it is sent, against the ETag the store answers
 * (s3_call_outcome()); TLS protects it on the way.  curl 7.88 signs this
 * header's value as the payload's hash, and without it would sign the
 * empty body's (its `curl -T` sends no such header).  Returns 0, or -1
 * when out of memory. */
static int add_payload_hash(struct s3_call *c)
{
    char header[128] = "x-amz-content-sha256: UNSIGNED-PAYLOAD";
    if (c->body == NULL && c->fd >= 0) {
        if ((c->md5 = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(c->md5, EVP_md5(), NULL) != 1)
            return -1;
        hash_start(c);
    } else {
        unsigned char sha[EVP_MAX_MD_SIZE];
        unsigned sha_len = 0;
        if (EVP_Digest(c->body ? (const void *)c->body : "", c->body ? c->body_len : 0, sha,
                       &sha_len, EVP_sha256(), NULL) != 1)
            return -1;
        int n = snprintf(header, sizeof(header), "x-amz-content-sha256: ");
        for (unsigned i = 0; i < sha_len; i++)
            n += snprintf(header + n, sizeof(header) - (size_t)n, "%02x", sha[i]);
    }
    struct curl_slist *h = curl_slist_append(c->headers, header);
    if (h == NULL)
        return -1;
    c->headers = h;
    return 0;
}

/* Sets the method and body (`body`, `len` bytes, for a POST) of `c`. */
static void set_method(struct s3_call *c, const char *method, const void *body, size_t len)
{
    CURL *e = c->easy;
    if (strcmp(method, "PUT") == 0) {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, read_body);
        curl_easy_setopt(e, CURLOPT_READDATA, c);
        /* Fewer, larger socket writes than the 64 KiB default. */
        curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, (long)S3_UPLOAD_BUFFER);
    } else if (strcmp(method, "POST") == 0) {
        /* Small bodies (the list of parts): curl signs their hash. */
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "DELETE") == 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
}

/* Prepares `c` (its body already set in it): see s3_call_init(). */
static int call_init(struct s3_call *c, const struct destination *d, const char *method,
                     const char *key, const char *query, const struct s3_settings *settings)
{
    char url[2048], sigv4[96];
    c->content_length = -1;
    c->rate = settings->rate;
    if (destination_object_url(d, key, query, url, sizeof(url)) != 0 ||
        (c->easy = curl_easy_init()) == NULL)
        return -1;
    /* An empty Content-Type on POST: curl would send a form's otherwise;
     * no Expect: the body is at hand and a refusal comes back at once. */
    c->headers = curl_slist_append(NULL, "Content-Type:");
    if (c->headers == NULL || (c->headers = curl_slist_append(c->headers, "Expect:")) == NULL)
        return -1;
    if (add_payload_hash(c) != 0)
        return -1;
    CURL *e = c->easy;
    snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", d->region);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(e, CURLOPT_USERNAME, d->access_key_id);
    curl_easy_setopt(e, CURLOPT_PASSWORD, d->secret_access_key);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_response);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, read_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->curl_error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, c);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)S3_CONNECT_TIMEOUT_S);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)S3_STALL_TIMEOUT_S);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (settings->ca_file != NULL && settings->ca_file[0] != '\0')
        curl_easy_setopt(e, CURLOPT_CAINFO, settings->ca_file);
    set_method(c, method, c->body, c->body_len);
    return 0;
}

int s3_call_init(struct s3_call *c, const struct destination *d, const char *method,
                 const char *key, const char *query, const void *body, size_t body_len,
                 const struct s3_settings *settings)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->body = body;
    c->body_len = body_len;
    return call_init(c, d, method, key, query, settings) == 0 ? 0 : -1;
}

int s3_call_init_file(struct s3_call *c, const struct destination *d, const char *method,
                      const char *key, const char *query, int fd, uint64_t offset, size_t len,
                      const struct s3_settings *settings)
{
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->offset = offset;
    c->body_len = len;
    return call_init(c, d, method, key, query, settings);
}

void s3_call_finished(struct s3_call *c, CURLcode result)
{
    unsigned char md5[EVP_MAX_MD_SIZE];
    unsigned md5_len = 0;
    c->result = result;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &c->status);
    if (hash_stop(c) != 0 && c->read_errno == 0)
        c->read_errno = ENOMEM;
    if (c->md5 != NULL && result == CURLE_OK && c->read_errno == 0 && c->body_sent == c->body_len &&
        EVP_DigestFinal_ex(c->md5, md5, &md5_len) == 1) {
        for (unsigned i = 0; i < md5_len && 2 * i + 2 < sizeof(c->md5_hex); i++)
            snprintf(c->md5_hex + 2 * i, 3, "%02x", md5[i]);
    }
}

void s3_call_perform(struct s3_call *c)
{
    s3_call_finished(c, curl_easy_perform(c->easy));
}

void s3_call_cleanup(struct s3_call *c)
{
    hash_stop(c);
    if (c->easy != NULL)
        curl_easy_cleanup(c->easy);
    curl_slist_free_all(c->headers);
    EVP_MD_CTX_free(c->md5);
    c->easy = NULL;
    c->headers = NULL;
    c->md5 = NULL;
}

int s3_response_value(const struct s3_call *c, const char *tag, char *out, size_t size)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *start = strstr(c->response, open);
    const char *end = start ? strstr(start, close) : NULL;
    if (end == NULL)
        return -1;
    start += strlen(open);
    snprintf(out, size, "%.*s", (int)(end - start), start);
    return 0;
}

/* Tells whether the store's error `code` may pass on a retry. */
static bool retryable_code(const char *code)
{
    static const char *const codes[] = {"RequestTimeout", "SlowDown", "InternalError",
                                        "ServiceUnavailable", NULL};
    for (int i = 0; codes[i] != NULL; i++) {
        if (strcmp(code, codes[i]) == 0)
            return true;
    }
    return false;
}

/* Tells whether curl's `result` cannot pass on a retry: the store's
 * certificate is not trusted, or the request itself is wrong. */
static bool transport_fatal(CURLcode result)
{
    switch (result) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return true;
    default:
        return false;
    }
}

/* Tells whether the ETag of the answer to `c` is the MD5 of its body: S3
 * and the stores that follow it (R2, GCS's XML API, MinIO, s3rver) answer
 * a PUT or UploadPart with the body's MD5 in hex, except for an object
 * encrypted with a KMS key or a key of the customer's (SSE-KMS, SSE-C),
 * and a value that is not 32 hex digits is not an MD5. */
static bool etag_is_md5(const struct s3_call *c, const char *etag, size_t len)
{
    if (len != 32 || c->sse_customer_key || strncasecmp(c->sse, "aws:kms", 7) == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isxdigit((unsigned char)etag[i]))
            return false;
    }
    return true;
}

/* Checks the ETag of the successful PUT `c` of a file's range against the
 * MD5 of the bytes sent.  Returns 0, or -1 with `msg` when they differ. */
static int check_etag(const struct s3_call *c, char *msg, size_t size)
{
    const char *etag = c->etag;
    size_t len = strlen(etag);
    if (len >= 2 && etag[0] == '"' && etag[len - 1] == '"') {
        etag++;
        len -= 2;
    }
    if (c->md5 == NULL || !etag_is_md5(c, etag, len) || strncasecmp(etag, c->md5_hex, 32) == 0)
        return 0;
    snprintf(msg, size, "the store's ETag %.*s is not the MD5 of the bytes sent (%s)", (int)len,
             etag, c->md5_hex);
    return -1;
}

enum s3_outcome s3_call_outcome(const struct s3_call *c, char *msg, size_t size)
{
    if (c->read_errno != 0) {
        snprintf(msg, size, "reading the capture file: %s",
                 c->read_errno == ENODATA ? "it is shorter than it was" : strerror(c->read_errno));
        return S3_FATAL;
    }
    if (c->result != CURLE_OK) {
        snprintf(msg, size, "%s", c->curl_error[0] ? c->curl_error : curl_easy_strerror(c->result));
        return transport_fatal(c->result) ? S3_FATAL : S3_RETRY;
    }
    if (c->status >= 200 && c->status < 300) {
        msg[0] = '\0';
        return check_etag(c, msg, size) == 0 ? S3_OK : S3_MISMATCH;
    }
    char code[64] = "", text[160] = "";
    s3_response_value(c, "Code", code, sizeof(code));
    s3_response_value(c, "Message", text, sizeof(text));
    snprintf(msg, size, "the store answered %ld%s%s%s%s", c->status, code[0] ? " " : "", code,
             text[0] ? ": " : "", text);
    if (c->status >= 500 || c->status == 429 || c->status == 408 || retryable_code(code))
        return S3_RETRY;
    return S3_FATAL;
}
