/*
 * Parsing, identity and redaction of destination strings (see
 * destination.h).
 *
 *   s3://BUCKET[/PREFIX]?region=R[&endpoint=URL][&access-key-id=…&secret-access-key=…]
 *   r2://BUCKET[/PREFIX]?account-id=A[&access-key-id=…&secret-access-key=…]
 *   gs://BUCKET[/PREFIX][?access-key-id=…&secret-access-key=…]
 *
 * `endpoint=` names any S3-compatible store (path-style requests); plain
 * http:// is accepted for loopback addresses only, for tests.
 */
#include "destination.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The parameters whose values are credentials. */
static const char *const secret_params[] = {"access-key-id", "secret-access-key", NULL};

/* Tells whether `c` is left as is by RFC 3986 percent-encoding. */
static bool unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

/* Decodes the percent-encoded `s` of `len` bytes into `out` of `size`.
 * Returns 0, or -1 if it is malformed or does not fit. */
static int decode(const char *s, size_t len, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned v = (unsigned char)s[i];
        if (s[i] == '%') {
            if (i + 2 >= len || !isxdigit((unsigned char)s[i + 1]) ||
                !isxdigit((unsigned char)s[i + 2]) || sscanf(s + i + 1, "%2x", &v) != 1)
                return -1;
            i += 2;
        }
        if (v == 0 || n + 1 >= size)
            return -1;
        out[n++] = (char)v;
    }
    out[n] = '\0';
    return 0;
}

/* Tells whether `b` is a bucket name the stores accept: 3 to 63
 * lowercase letters, digits, dots and hyphens, starting and ending with a
 * letter or digit. */
static bool valid_bucket(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63 || !isalnum((unsigned char)b[0]) || !isalnum((unsigned char)b[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!islower((unsigned char)b[i]) && !isdigit((unsigned char)b[i]) && b[i] != '.' &&
            b[i] != '-')
            return false;
    }
    return true;
}

/* Tells whether `host` (of an http:// endpoint) is a loopback address. */
static bool loopback_host(const char *host, size_t len)
{
    return (len >= 4 && strncmp(host, "127.", 4) == 0) ||
           (len == 9 && strncmp(host, "localhost", 9) == 0) ||
           (len == 5 && strncmp(host, "[::1]", 5) == 0);
}

/* Checks and copies an `endpoint=` URL: https://HOST[:PORT], or http://
 * on loopback; no path.  Returns 0 or -1 with `err`. */
static int set_endpoint(struct destination *d, const char *url, char *err, size_t err_size)
{
    const char *host = NULL;
    if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        host = url + 7;
    size_t host_len = 0;
    if (host != NULL)
        host_len = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/");
    if (host == NULL || host_len == 0 || strchr(host, '/') != NULL || strchr(host, '@') != NULL) {
        snprintf(err, err_size,
                 "destination_conf: endpoint must be https://HOST[:PORT] with no path");
        return -1;
    }
    if (host == url + 7 && !loopback_host(host, host_len)) {
        snprintf(err, err_size,
                 "destination_conf: endpoint must use https (plain http only on loopback)");
        return -1;
    }
    if (snprintf(d->endpoint, sizeof(d->endpoint), "%s", url) >= (int)sizeof(d->endpoint)) {
        snprintf(err, err_size, "destination_conf: endpoint is longer than 255 bytes");
        return -1;
    }
    d->path_style = true;
    return 0;
}

/* The parameters of a destination string, as given. */
struct dest_params {
    char region[64], endpoint[256], account_id[64];
};

/* Applies query parameter `name`=`value` to `d` and `p`.  Returns 0 or -1
 * with `err`. */
static int set_param(struct destination *d, struct dest_params *p, const char *name,
                     const char *value, char *err, size_t err_size)
{
    char *dst = NULL;
    size_t size = 0;
    if (strcmp(name, "region") == 0)
        dst = p->region, size = sizeof(p->region);
    else if (strcmp(name, "endpoint") == 0)
        dst = p->endpoint, size = sizeof(p->endpoint);
    else if (strcmp(name, "account-id") == 0)
        dst = p->account_id, size = sizeof(p->account_id);
    else if (strcmp(name, "access-key-id") == 0)
        dst = d->access_key_id, size = sizeof(d->access_key_id);
    else if (strcmp(name, "secret-access-key") == 0)
        dst = d->secret_access_key, size = sizeof(d->secret_access_key);
    if (dst == NULL) {
        snprintf(err, err_size,
                 "destination_conf: unknown parameter '%.40s' (known: region, endpoint, "
                 "account-id, access-key-id, secret-access-key)",
                 name);
        return -1;
    }
    if (value[0] == '\0' || snprintf(dst, size, "%s", value) >= (int)size) {
        snprintf(err, err_size, "destination_conf: %s must have a value of 1 to %zu bytes", name,
                 size - 1);
        return -1;
    }
    return 0;
}

/* Parses the query string `q` (after '?') into `d` and `p`. */
static int parse_query(const char *q, struct destination *d, struct dest_params *p, char *err,
                       size_t err_size)
{
    while (*q != '\0') {
        size_t len = strcspn(q, "&");
        const char *eq = memchr(q, '=', len);
        char name[64], value[512];
        if (eq == NULL || decode(q, (size_t)(eq - q), name, sizeof(name)) != 0 ||
            decode(eq + 1, len - (size_t)(eq - q) - 1, value, sizeof(value)) != 0) {
            snprintf(err, err_size,
                     "destination_conf: parameters must be NAME=VALUE, percent-encoded");
            return -1;
        }
        if (set_param(d, p, name, value, err, err_size) != 0)
            return -1;
        q += len + (q[len] == '&');
    }
    return 0;
}

/* Sets the store's address and region from the scheme and parameters. */
static int set_store(struct destination *d, const struct dest_params *p, char *err, size_t err_size)
{
    if (p->endpoint[0] != '\0' && set_endpoint(d, p->endpoint, err, err_size) != 0)
        return -1;
    snprintf(d->region, sizeof(d->region), "%s", p->region[0] ? p->region : "auto");
    if (d->scheme == DESTINATION_S3) {
        if (p->region[0] == '\0' && p->endpoint[0] == '\0') {
            snprintf(err, err_size, "destination_conf: an s3:// bucket needs ?region=REGION");
            return -1;
        }
        if (p->region[0] == '\0')
            snprintf(d->region, sizeof(d->region), "us-east-1");
        if (p->endpoint[0] == '\0') {
            snprintf(d->endpoint, sizeof(d->endpoint), "https://s3.%s.amazonaws.com", d->region);
            /* Dots in a bucket name break the certificate of a virtual host. */
            d->path_style = strchr(d->bucket, '.') != NULL;
        }
    } else if (d->scheme == DESTINATION_R2 && p->endpoint[0] == '\0') {
        if (p->account_id[0] == '\0') {
            snprintf(err, err_size, "destination_conf: an r2:// bucket needs ?account-id=ID");
            return -1;
        }
        snprintf(d->endpoint, sizeof(d->endpoint), "https://%s.r2.cloudflarestorage.com",
                 p->account_id);
        d->path_style = true;
    } else if (d->scheme == DESTINATION_GS && p->endpoint[0] == '\0') {
        snprintf(d->endpoint, sizeof(d->endpoint), "https://storage.googleapis.com");
        d->path_style = true;
    }
    return 0;
}

/* Parses "BUCKET[/PREFIX]" of `len` bytes at `s`. */
static int parse_path(const char *s, size_t len, struct destination *d, char *err, size_t err_size)
{
    char path[600];
    if (decode(s, len, path, sizeof(path)) != 0) {
        snprintf(err, err_size, "destination_conf: the bucket and folder are malformed");
        return -1;
    }
    char *slash = strchr(path, '/');
    if (slash != NULL)
        *slash = '\0';
    if (!valid_bucket(path)) {
        snprintf(err, err_size,
                 "destination_conf: the bucket name must be 3 to 63 lowercase letters, digits, "
                 "dots or hyphens");
        return -1;
    }
    snprintf(d->bucket, sizeof(d->bucket), "%s", path);
    const char *prefix = slash ? slash + 1 : "";
    while (*prefix == '/')
        prefix++;
    size_t n = strlen(prefix);
    while (n > 0 && prefix[n - 1] == '/')
        n--;
    if (n >= sizeof(d->prefix)) {
        snprintf(err, err_size, "destination_conf: the folder is longer than 511 bytes");
        return -1;
    }
    memcpy(d->prefix, prefix, n);
    d->prefix[n] = '\0';
    return 0;
}

int destination_parse(const char *conf, struct destination *d, char *err, size_t err_size)
{
    static const struct {
        const char *prefix;
        enum destination_scheme scheme;
    } schemes[] = {{"s3://", DESTINATION_S3}, {"r2://", DESTINATION_R2}, {"gs://", DESTINATION_GS}};
    memset(d, 0, sizeof(*d));
    size_t i = 0;
    while (i < 3 && strncmp(conf, schemes[i].prefix, 5) != 0)
        i++;
    if (i == 3) {
        snprintf(err, err_size,
                 "destination_conf: must be s3://BUCKET/PREFIX?region=REGION, "
                 "r2://BUCKET/PREFIX?account-id=ID or gs://BUCKET/PREFIX");
        return -1;
    }
    d->scheme = schemes[i].scheme;
    const char *rest = conf + 5;
    size_t path_len = strcspn(rest, "?");
    struct dest_params p = {0};
    if (parse_path(rest, path_len, d, err, err_size) != 0 ||
        (rest[path_len] == '?' && parse_query(rest + path_len + 1, d, &p, err, err_size) != 0) ||
        set_store(d, &p, err, err_size) != 0)
        return -1;
    if ((d->access_key_id[0] == '\0') != (d->secret_access_key[0] == '\0')) {
        snprintf(err, err_size,
                 "destination_conf: give access-key-id and secret-access-key together");
        return -1;
    }
    return 0;
}

int destination_credentials(struct destination *d, const struct config_delivery *delivery,
                            char *err, size_t err_size)
{
    if (d->access_key_id[0] != '\0')
        return 0;
    static const char *const names[] = {"s3", "r2", "gs"};
    char bucket[128];
    snprintf(bucket, sizeof(bucket), "%s://%s", names[d->scheme], d->bucket);
    for (unsigned i = 0; i < delivery->n_credentials; i++) {
        const struct config_bucket_credentials *c = &delivery->credentials[i];
        if (strcmp(c->bucket, bucket) == 0) {
            snprintf(d->access_key_id, sizeof(d->access_key_id), "%s", c->access_key_id);
            snprintf(d->secret_access_key, sizeof(d->secret_access_key), "%s",
                     c->secret_access_key);
            return 0;
        }
    }
    snprintf(err, err_size,
             "destination_conf: no credentials for %s: give access-key-id and "
             "secret-access-key in it, or a bucket_credentials entry in the appliance's "
             "configuration",
             bucket);
    return -1;
}

void destination_identity(const struct destination *d, char *buf, size_t size)
{
    static const char *const names[] = {"s3", "r2", "gs"};
    snprintf(buf, size, "%s://%s/%s %s", names[d->scheme], d->bucket, d->prefix, d->endpoint);
}

/* Tells whether the parameter `name` of `len` bytes holds a credential. */
static bool secret_param(const char *name, size_t len)
{
    for (int i = 0; secret_params[i] != NULL; i++) {
        if (strlen(secret_params[i]) == len && strncmp(name, secret_params[i], len) == 0)
            return true;
    }
    return false;
}

void destination_redact(const char *conf, char *out, size_t size)
{
    size_t n = 0;
    const char *q = strchr(conf, '?');
    size_t head = q ? (size_t)(q - conf) + 1 : strlen(conf);
    n = (size_t)snprintf(out, size, "%.*s", (int)head, conf);
    const char *p = q ? q + 1 : conf + head;
    while (*p != '\0' && n < size) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t name_len = eq ? (size_t)(eq - p) : len;
        if (eq != NULL && secret_param(p, name_len))
            n += (size_t)snprintf(out + n, size - n, "%.*s=REDACTED", (int)name_len, p);
        else
            n += (size_t)snprintf(out + n, size - n, "%.*s", (int)len, p);
        p += len;
        if (*p == '&' && n < size) {
            n += (size_t)snprintf(out + n, size - n, "&");
            p++;
        }
    }
}

void destination_object_key(const struct destination *d, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s", d->prefix, d->prefix[0] ? "/" : "", name);
}

/* Appends `s` to `buf` (of `size`, holding `*n` bytes) percent-encoded,
 * keeping '/' when `keep_slash`.  Returns 0, or -1 if it does not fit. */
static int append_encoded(char *buf, size_t size, size_t *n, const char *s, bool keep_slash)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        int w = unreserved(c) || (keep_slash && c == '/')
                    ? snprintf(buf + *n, size - *n, "%c", c)
                    : snprintf(buf + *n, size - *n, "%%%02X", c);
        if (w < 0 || (size_t)w >= size - *n)
            return -1;
        *n += (size_t)w;
    }
    return 0;
}

int destination_encode(const char *s, char *out, size_t size)
{
    size_t n = 0;
    if (size == 0)
        return -1;
    out[0] = '\0';
    return append_encoded(out, size, &n, s, false);
}

int destination_object_url(const struct destination *d, const char *key, const char *query,
                           char *buf, size_t size)
{
    size_t n;
    if (d->path_style) {
        n = (size_t)snprintf(buf, size, "%s/", d->endpoint);
        if (n >= size || append_encoded(buf, size, &n, d->bucket, false) != 0)
            return -1;
        n += (size_t)snprintf(buf + n, size - n, "/");
    } else {
        /* https://s3.REGION.amazonaws.com -> https://BUCKET.s3.REGION... */
        n = (size_t)snprintf(buf, size, "https://%s.%s/", d->bucket, d->endpoint + 8);
    }
    if (n >= size || append_encoded(buf, size, &n, key, true) != 0)
        return -1;
    int w = snprintf(buf + n, size - n, "%s", query);
    return w >= 0 && (size_t)w < size - n ? 0 : -1;
}

void destination_object_name(const struct destination *d, const char *key, char *buf, size_t size)
{
    static const char *const names[] = {"s3", "r2", "gs"};
    snprintf(buf, size, "%s://%s/%s", names[d->scheme], d->bucket, key);
}
