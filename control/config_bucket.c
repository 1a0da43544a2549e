/*
 * The settings of bucket delivery: per-bucket credentials
 * (`bucket_credentials`), the upload's rate cap, part size, parallelism,
 * retry budget and priority (`delivery_*`), and whether a full capture must name a
 * bucket (`full_destination`).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

void config_bucket_defaults(struct config *cfg)
{
    struct config_delivery *d = &cfg->delivery;
    d->part_mb = 16;
    d->parallel = 4;
    d->retry_seconds = 900;
    d->nice = 10;
}

/* Parses a whole decimal integer in [min, max] into `out`.  Returns 0 or
 * -1. */
static int parse_unsigned(const char *value, unsigned long min, unsigned long max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || v < min || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Parses `on` or `off`. */
static int parse_switch(const char *value, bool *out)
{
    if (strcmp(value, "on") == 0)
        *out = true;
    else if (strcmp(value, "off") == 0)
        *out = false;
    else
        return -1;
    return 0;
}

/* Parses `bucket_credentials = SCHEME://BUCKET KEY_ID SECRET`. */
static int set_credentials(struct config_delivery *d, const char *value)
{
    if (d->n_credentials == CONFIG_MAX_BUCKET_CREDENTIALS)
        return -1;
    struct config_bucket_credentials *c = &d->credentials[d->n_credentials];
    char extra[2];
    /* The widths are the members' sizes less one. */
    if (sscanf(value, "%127s %127s %127s %1s", c->bucket, c->access_key_id, c->secret_access_key,
               extra) != 3 ||
        strstr(c->bucket, "://") == NULL)
        return -1;
    d->n_credentials++;
    return 0;
}

int config_bucket_set(struct config *cfg, const char *key, const char *value, bool *known)
{
    struct config_delivery *d = &cfg->delivery;
    *known = true;
    if (strcmp(key, "bucket_credentials") == 0)
        return set_credentials(d, value);
    if (strcmp(key, "delivery_rate_mbit") == 0)
        return parse_unsigned(value, 0, 1000000, &d->rate_mbit);
    if (strcmp(key, "delivery_part_mb") == 0)
        return parse_unsigned(value, 8, 5120, &d->part_mb);
    if (strcmp(key, "delivery_parallel") == 0)
        return parse_unsigned(value, 1, 16, &d->parallel);
    if (strcmp(key, "delivery_retry_seconds") == 0)
        return parse_unsigned(value, 1, 604800, &d->retry_seconds);
    if (strcmp(key, "delivery_nice") == 0)
        return parse_unsigned(value, 0, 19, &d->nice);
    if (strcmp(key, "delivery_keep_local") == 0)
        return parse_switch(value, &d->keep_local);
    if (strcmp(key, "delivery_ca_file") == 0)
        return snprintf(d->ca_file, sizeof(d->ca_file), "%s", value) < (int)sizeof(d->ca_file) ? 0
                                                                                               : -1;
    if (strcmp(key, "full_destination") == 0) {
        if (strcmp(value, "required") == 0)
            d->destination_required = true;
        else if (strcmp(value, "optional") == 0)
            d->destination_required = false;
        else
            return -1;
        return 0;
    }
    *known = false;
    return 0;
}

const char *config_bucket_rule(const char *key)
{
    static const char *rules[][2] = {
        {"bucket_credentials", "SCHEME://BUCKET ACCESS_KEY_ID SECRET_ACCESS_KEY, at most 32"},
        {"delivery_rate_mbit", "an integer from 0 to 1000000 (Mbit/s; 0: no cap)"},
        {"delivery_part_mb", "an integer from 8 to 5120 (MiB)"},
        {"delivery_parallel", "an integer from 1 to 16"},
        {"delivery_retry_seconds", "an integer from 1 to 604800"},
        {"delivery_nice", "an integer from 0 to 19"},
        {"delivery_keep_local", "on or off"},
        {"delivery_ca_file", "a path of at most 511 bytes"},
        {"full_destination", "required or optional"},
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (strcmp(key, rules[i][0]) == 0)
            return rules[i][1];
    }
    return NULL;
}
