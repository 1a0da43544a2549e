/*
 * pcapctl's HTTP client on libcurl: one easy handle per command, so every
 * request of a command reuses one connection; the bearer token on every
 * request; answers in memory, or a successful download streamed to a file.
 */
#include "http_client.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

/* Seconds to wait for a connection to the API. */
#define CONNECT_TIMEOUT_S 10

/* The client: a curl handle and what every request carries. */
struct http_client {
    CURL *curl;
    /* Base URL, without a trailing slash. */
    const char *base;
    /* "Authorization: Bearer TOKEN". */
    char authorization[300];
    /* TLS settings. */
    const char *cacert;
    bool insecure;
};

/* One request in flight: where its answer goes. */
struct transfer {
    struct http_client *client;
    struct http_answer *answer;
    FILE *sink;
    size_t capacity;
    /* errno of a failed write to the sink, or 0. */
    int sink_errno;
};

struct http_client *http_client_open(const struct cli_settings *s, char *err, size_t err_size)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, err_size, "libcurl failed to initialise");
        return NULL;
    }
    struct http_client *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->curl = curl_easy_init()) == NULL) {
        free(c);
        curl_global_cleanup();
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    c->base = s->url;
    snprintf(c->authorization, sizeof(c->authorization), "Authorization: Bearer %s", s->token);
    c->cacert = s->cacert[0] != '\0' ? s->cacert : NULL;
    c->insecure = s->insecure;
    return c;
}

void http_client_close(struct http_client *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
    curl_global_cleanup();
}

void http_answer_free(struct http_answer *a)
{
    free(a->body);
    a->body = NULL;
    a->len = 0;
}

char *http_escape(struct http_client *c, const char *text)
{
    char *escaped = curl_easy_escape(c->curl, text, 0);
    char *copy = escaped != NULL ? strdup(escaped) : NULL;
    curl_free(escaped);
    return copy;
}

/* Appends `len` bytes to the answer's body.  Returns 0, or -1 when out of
 * memory. */
static int append_body(struct transfer *t, const char *data, size_t len)
{
    struct http_answer *a = t->answer;
    if (a->len + len + 1 > t->capacity) {
        size_t cap = t->capacity ? t->capacity : 4096;
        while (cap < a->len + len + 1)
            cap *= 2;
        char *body = realloc(a->body, cap);
        if (body == NULL)
            return -1;
        a->body = body;
        t->capacity = cap;
    }
    memcpy(a->body + a->len, data, len);
    a->len += len;
    a->body[a->len] = '\0';
    return 0;
}

/* libcurl's body callback: a 2xx body to the sink, any other in memory. */
static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(t->client->curl, CURLINFO_RESPONSE_CODE, &status);
    if (t->sink != NULL && status >= 200 && status < 300) {
        if (fwrite(data, 1, len, t->sink) != len) {
            t->sink_errno = errno ? errno : EIO;
            return 0;
        }
        return len;
    }
    return append_body(t, data, len) == 0 ? len : 0;
}

/* Copies the value of header `line` of `len` bytes into `buf` if the
 * header is `name` (lowercase, with its colon).  Returns true if it was. */
static bool header_value(const char *line, size_t len, const char *name, char *buf, size_t size)
{
    size_t n = strlen(name);
    if (len < n || strncasecmp(line, name, n) != 0)
        return false;
    const char *v = line + n, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    snprintf(buf, size, "%.*s", (int)(end - v), v);
    return true;
}

/* libcurl's header callback: keeps Content-Type and Retry-After (of the
 * final answer: a status line starts afresh). */
static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * n;
    char value[32];
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        t->answer->content_type[0] = '\0';
        t->answer->retry_after = -1;
    } else if (header_value(line, len, "retry-after:", value, sizeof(value))) {
        char *tail;
        long secs = strtol(value, &tail, 10);
        t->answer->retry_after = (*tail == '\0' && secs >= 0) ? secs : -1;
    } else {
        header_value(line, len, "content-type:", t->answer->content_type,
                     sizeof(t->answer->content_type));
    }
    return len;
}

/* Sets the request's method and body; a form's MIME structure goes to
 * `mime` for the caller to free. */
static void set_method(CURL *curl, const char *method, const struct http_body *body,
                       curl_mime **mime)
{
    *mime = NULL;
    if (body != NULL && body->form_file != NULL) {
        *mime = curl_mime_init(curl);
        curl_mimepart *part = curl_mime_addpart(*mime);
        curl_mime_name(part, "file");
        curl_mime_filedata(part, body->form_file);
        curl_mime_type(part, "application/octet-stream");
        curl_easy_setopt(curl, CURLOPT_MIMEPOST, *mime);
    } else if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
}

int http_request(struct http_client *c, const char *method, const char *path,
                 const struct http_body *body, FILE *sink, struct http_answer *a, char *err,
                 size_t err_size)
{
    char url[4096], curl_err[CURL_ERROR_SIZE] = "", content_type[160];
    struct transfer t = {.client = c, .answer = a, .sink = sink};
    struct curl_slist *headers = NULL;
    memset(a, 0, sizeof(*a));
    a->retry_after = -1;
    if ((size_t)snprintf(url, sizeof(url), "%s%s", c->base, path) >= sizeof(url)) {
        snprintf(err, err_size, "the request URL is longer than %zu bytes", sizeof(url) - 1);
        return -1;
    }
    CURL *curl = c->curl;
    curl_easy_reset(curl);
    headers = curl_slist_append(headers, c->authorization);
    headers = curl_slist_append(headers, "Expect:"); /* No 100-continue round trip. */
    if (body != NULL && body->form_file == NULL) {
        snprintf(content_type, sizeof(content_type), "Content-Type: %s", body->content_type);
        headers = curl_slist_append(headers, content_type);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "pcapctl/" PCAPCTL_VERSION);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    if (c->cacert != NULL)
        curl_easy_setopt(curl, CURLOPT_CAINFO, c->cacert);
    if (c->insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_mime *mime;
    set_method(curl, method, body, &mime);
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    curl_mime_free(mime);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
    if (t.sink_errno != 0) {
        snprintf(err, err_size, "cannot write the answer: %s", strerror(t.sink_errno));
        http_answer_free(a);
        return -2;
    }
    if (rc != CURLE_OK) {
        snprintf(err, err_size, "%s %s: %s", method, url,
                 curl_err[0] != '\0' ? curl_err : curl_easy_strerror(rc));
        http_answer_free(a);
        return -1;
    }
    return 0;
}
