/*
 * A capture's destination: the bucket a `destination_conf` string names
 * (s3://, r2://, gs://, or any S3-compatible store through `endpoint=`),
 * the store's address, and the credentials that sign requests to it.
 *
 * Credentials come from the string (`access-key-id`, `secret-access-key`)
 * or from the configuration's `bucket_credentials`.  They never leave this
 * module's structures except to sign requests: what the API shows or logs
 * is the redacted string (destination_redact()) or the identity.
 */
#ifndef PCAPD_DESTINATION_H
#define PCAPD_DESTINATION_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* The kind of store a destination names. */
enum destination_scheme {
    /* Amazon S3 (virtual-hosted requests to the bucket's region). */
    DESTINATION_S3,
    /* Cloudflare R2 (its account's S3 endpoint, region "auto"). */
    DESTINATION_R2,
    /* Google Cloud Storage's XML API with HMAC keys. */
    DESTINATION_GS,
};

/* A parsed destination. */
struct destination {
    /* The store. */
    enum destination_scheme scheme;
    /* The bucket, and the folder of the objects in it ("" or without
     * leading and trailing slashes). */
    char bucket[64];
    char prefix[512];
    /* The signing region. */
    char region[64];
    /* Scheme, host and port of the store ("https://s3.eu-west-1.amazonaws.com"). */
    char endpoint[256];
    /* Requests name the bucket in the path (else in the host name). */
    bool path_style;
    /* The credentials. */
    char access_key_id[128];
    char secret_access_key[128];
};

/* Parses `conf` into `d`, credentials included when the string has them.
 * Returns 0, or -1 with a message naming the rule in `err` (which never
 * quotes a credential). */
int destination_parse(const char *conf, struct destination *d, char *err, size_t err_size);

/* Fills the credentials of `d` from `delivery` when its string had none.
 * Returns 0, or -1 with `err` when there are none to be had. */
int destination_credentials(struct destination *d, const struct config_delivery *delivery,
                            char *err, size_t err_size);

/* Writes the identity of the bucket and folder of `d`, without
 * credentials ("s3://bucket/prefix" and the endpoint): two destination
 * strings that differ only in credentials have the same identity. */
void destination_identity(const struct destination *d, char *buf, size_t size);

/* Copies `conf` into `out` with the values of its credential parameters
 * replaced by REDACTED. */
void destination_redact(const char *conf, char *out, size_t size);

/* Writes the key of object `name` in the folder of `d`. */
void destination_object_key(const struct destination *d, const char *name, char *buf, size_t size);

/* Writes the URL of object `key` of `d` (RFC 3986 encoded), followed by
 * `query` ("" or "?..."), into `buf`.  Returns 0, or -1 if it does not
 * fit. */
int destination_object_url(const struct destination *d, const char *key, const char *query,
                           char *buf, size_t size);

/* Writes `s` percent-encoded as RFC 3986 and Signature V4 want it (all
 * but letters, digits and -_.~) into `out`.  Returns 0, or -1 if it does
 * not fit. */
int destination_encode(const char *s, char *out, size_t size);

/* Writes "SCHEME://BUCKET/KEY", for messages. */
void destination_object_name(const struct destination *d, const char *key, char *buf, size_t size);

#endif /* PCAPD_DESTINATION_H */
