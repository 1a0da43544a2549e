/*
 * The capture object: JSON form, status names, ids, and the validation of a
 * create request against the rules of the reference API.  Every rejection
 * names the field and the rule.
 */
#include "capture.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "api_errors.h"
#include "destination.h"

/* Longest `simple` capture, in seconds, as the reference documents it. */
#define SIMPLE_TIME_LIMIT_MAX 300
/* Longest `full` capture, in seconds. */
#define FULL_TIME_LIMIT_MAX 86400
/* Most packets a capture of either type may hold. */
#define PACKET_LIMIT_MAX 10000
/* Most bytes a `full` capture's file may hold. */
#define BYTE_LIMIT_MAX 1000000000LL

const char *capture_type_name(enum capture_type type)
{
    return type == CAPTURE_FULL ? "full" : "simple";
}

static const char *const status_names[] = {
    [CAPTURE_PENDING] = "pending",
    [CAPTURE_RUNNING] = "running",
    [CAPTURE_SUCCESS] = "success",
    [CAPTURE_FAILED] = "failed",
    [CAPTURE_CONVERSION_PENDING] = "conversion_pending",
    [CAPTURE_CONVERSION_RUNNING] = "conversion_running",
};

const char *capture_status_name(enum capture_status status)
{
    return status_names[status];
}

int capture_status_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++) {
        if (strcmp(name, status_names[i]) == 0)
            return (int)i;
    }
    return -1;
}

bool capture_status_final(enum capture_status status)
{
    return status == CAPTURE_SUCCESS || status == CAPTURE_FAILED;
}

void capture_format_time(int64_t ms, char *buf, unsigned size)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void capture_format_time_ns(uint64_t ns, char *buf, unsigned size)
{
    time_t secs = (time_t)(ns / 1000000000u);
    struct tm tm;
    char day[32];
    gmtime_r(&secs, &tm);
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, size, "%s.%09uZ", day, (unsigned)(ns % 1000000000u));
}

int capture_new_id(char *id)
{
    uint8_t raw[CAPTURE_ID_LEN / 2];
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

json_t *capture_filter_to_json(const struct pcapd_filter *f)
{
    char buf[64];
    json_t *o = json_object();
    if (f->fields & PCAPD_FILTER_SRC_ADDR)
        json_object_set_new(o, "source_address",
                            json_string(pcapd_prefix_format(&f->src, buf, sizeof(buf))));
    if (f->fields & PCAPD_FILTER_DST_ADDR)
        json_object_set_new(o, "destination_address",
                            json_string(pcapd_prefix_format(&f->dst, buf, sizeof(buf))));
    if (f->fields & PCAPD_FILTER_SRC_PORT)
        json_object_set_new(o, "source_port", json_integer(f->src_port));
    if (f->fields & PCAPD_FILTER_DST_PORT)
        json_object_set_new(o, "destination_port", json_integer(f->dst_port));
    if (f->fields & PCAPD_FILTER_PROTOCOL)
        json_object_set_new(o, "protocol", json_integer(f->protocol));
    return o;
}

/* Adds the fields only `simple` captures have to `o`. */
static void simple_fields_to_json(const struct capture *c, json_t *o)
{
    json_object_set_new(o, "packet_limit", json_integer(c->packet_limit));
    uint64_t remaining =
        c->packets_captured < c->packet_limit ? c->packet_limit - c->packets_captured : 0;
    json_object_set_new(o, "packets_remaining", json_integer((json_int_t)remaining));
}

/* Adds the fields only `full` captures have to `o`; limits that were not
 * given are left out. */
static void full_fields_to_json(const struct capture *c, json_t *o)
{
    if (c->packet_limit != 0)
        json_object_set_new(o, "packet_limit", json_integer(c->packet_limit));
    if (c->byte_limit != 0)
        json_object_set_new(o, "byte_limit", json_integer((json_int_t)c->byte_limit));
    json_object_set_new(o, "colo_name", json_string(c->colo_name));
    if (c->destination_conf[0] != '\0') {
        char redacted[CAPTURE_DESTINATION_SIZE + 64];
        destination_redact(c->destination_conf, redacted, sizeof(redacted));
        json_object_set_new(o, "destination_conf", json_string(redacted));
    }
    /* As the reference: the time a stop was requested, full captures
     * only, absent until then. */
    if (c->stop_requested_ms != 0) {
        char stopped[32];
        capture_format_time(c->stop_requested_ms, stopped, sizeof(stopped));
        json_object_set_new(o, "stop_requested", json_string(stopped));
    }
}

json_t *capture_to_json(const struct capture *c)
{
    char submitted[32];
    capture_format_time(c->submitted_ms, submitted, sizeof(submitted));
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(c->id));
    json_object_set_new(o, "submitted", json_string(submitted));
    json_object_set_new(o, "type", json_string(capture_type_name(c->type)));
    json_object_set_new(o, "system", json_string("magic-transit"));
    json_object_set_new(o, "status", json_string(capture_status_name(c->status)));
    json_object_set_new(o, "time_limit", json_integer(c->time_limit));
    json_object_set_new(o, "filter_v1", capture_filter_to_json(&c->filter));
    if (c->type == CAPTURE_FULL)
        full_fields_to_json(c, o);
    else
        simple_fields_to_json(c, o);
    json_object_set_new(o, "packets_captured", json_integer((json_int_t)c->packets_captured));
    json_object_set_new(o, "packets_dropped", json_integer((json_int_t)c->packets_dropped));
    if (c->offset_time[0] != '\0')
        json_object_set_new(o, "offset_time", json_string(c->offset_time));
    if (c->error_message[0] != '\0')
        json_object_set_new(o, "error_message", json_string(c->error_message));
    return o;
}

/* Fills `err` and returns -1. */
static int reject(struct capture_error *err, int code, const char *fmt, const char *field,
                  const char *rule)
{
    err->code = code;
    snprintf(err->message, sizeof(err->message), fmt, field, rule);
    return -1;
}

/* Reads the integer field `name` of `obj` into `out` if present, checking
 * it lies in [min, max].  Integral JSON reals (300.0) are accepted, since
 * some SDKs type these fields as floats.  `prefix` qualifies the name in
 * messages.  Returns 1 if present, 0 if absent, -1 on error. */
static int get_int(const json_t *obj, const char *prefix, const char *name, long long min,
                   long long max, long long *out, struct capture_error *err)
{
    char field[64], rule[96];
    snprintf(field, sizeof(field), "%s%s", prefix, name);
    snprintf(rule, sizeof(rule), "must be an integer from %lld to %lld", min, max);
    const json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return 0;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
    } else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v))) {
        double d = json_real_value(v);
        if (fabs(d) >= 1e15)
            return reject(err, API_ERR_OUT_OF_RANGE, "%s: %s", field, rule);
        *out = (long long)d;
    } else {
        return reject(err, API_ERR_WRONG_TYPE, "%s: %s", field, rule);
    }
    if (*out < min || *out > max)
        return reject(err, API_ERR_OUT_OF_RANGE, "%s: %s", field, rule);
    return 1;
}

/* Rejects any member of `obj` not in the NULL-terminated `allowed`;
 * `suffix` qualifies the rule in messages (" of a full capture"). */
static int check_known(const json_t *obj, const char *prefix, const char *const *allowed,
                       const char *suffix, struct capture_error *err)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        (void)value;
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
            i++;
        if (allowed[i] == NULL) {
            err->code = API_ERR_UNKNOWN_FIELD;
            snprintf(err->message, sizeof(err->message), "%s%.64s: unknown field%s", prefix, key,
                     suffix);
            return -1;
        }
    }
    return 0;
}

/* Reads address field `name` of filter `obj` into `p`, setting `bit`. */
static int get_address(const json_t *obj, const char *name, uint32_t bit, struct pcapd_prefix *p,
                       uint32_t *fields, struct capture_error *err)
{
    const json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return reject(err, API_ERR_WRONG_TYPE, "filter_v1.%s: %s", name,
                      "must be a string holding an IPv4 or IPv6 address or CIDR prefix");
    if (pcapd_prefix_parse(json_string_value(v), p) != 0)
        return reject(err, API_ERR_INVALID_ADDRESS, "filter_v1.%s: %s", name,
                      "must be an IPv4 or IPv6 address or CIDR prefix");
    *fields |= bit;
    return 0;
}

int capture_filter_from_json(const json_t *obj, struct pcapd_filter *f, struct capture_error *err)
{
    static const char *const allowed[] = {"source_address", "destination_address",
                                          "source_port",    "destination_port",
                                          "protocol",       NULL};
    memset(f, 0, sizeof(*f));
    if (!json_is_object(obj))
        return reject(err, API_ERR_WRONG_TYPE, "%s: %s", "filter_v1", "must be an object");
    if (check_known(obj, "filter_v1.", allowed, "", err) != 0 ||
        get_address(obj, "source_address", PCAPD_FILTER_SRC_ADDR, &f->src, &f->fields, err) ||
        get_address(obj, "destination_address", PCAPD_FILTER_DST_ADDR, &f->dst, &f->fields, err))
        return -1;
    /* No packet has an IPv4 source and an IPv6 destination. */
    if ((f->fields & PCAPD_FILTER_SRC_ADDR) && (f->fields & PCAPD_FILTER_DST_ADDR) &&
        f->src.family != f->dst.family)
        return reject(err, API_ERR_INVALID_ADDRESS, "%s: %s", "filter_v1.destination_address",
                      "must be of the same address family as filter_v1.source_address");
    long long v;
    int rc;
    if ((rc = get_int(obj, "filter_v1.", "source_port", 0, 65535, &v, err)) < 0)
        return -1;
    if (rc > 0) {
        f->src_port = (uint16_t)v;
        f->fields |= PCAPD_FILTER_SRC_PORT;
    }
    if ((rc = get_int(obj, "filter_v1.", "destination_port", 0, 65535, &v, err)) < 0)
        return -1;
    if (rc > 0) {
        f->dst_port = (uint16_t)v;
        f->fields |= PCAPD_FILTER_DST_PORT;
    }
    if ((rc = get_int(obj, "filter_v1.", "protocol", 0, 255, &v, err)) < 0)
        return -1;
    if (rc > 0) {
        f->protocol = (uint8_t)v;
        f->fields |= PCAPD_FILTER_PROTOCOL;
    }
    return 0;
}

/* Checks a required string field against its one allowed value set. */
static int get_enum(const json_t *body, const char *name, const char *const *values,
                    const char *rule, int *out, struct capture_error *err)
{
    const json_t *v = json_object_get(body, name);
    if (v == NULL)
        return reject(err, API_ERR_MISSING_FIELD, "%s: %s", name, "is required");
    if (!json_is_string(v))
        return reject(err, API_ERR_WRONG_TYPE, "%s: %s", name, rule);
    for (int i = 0; values[i] != NULL; i++) {
        if (strcmp(json_string_value(v), values[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return reject(err, API_ERR_INVALID_VALUE, "%s: %s", name, rule);
}

/* Reads a required integer field. */
static int get_required_int(const json_t *body, const char *name, long long min, long long max,
                            long long *out, struct capture_error *err)
{
    int rc = get_int(body, "", name, min, max, out, err);
    if (rc == 0)
        return reject(err, API_ERR_MISSING_FIELD, "%s: %s", name, "is required");
    return rc < 0 ? -1 : 0;
}

/* Reads an optional integer field; JSON null counts as absent.  Returns
 * 1 if present, 0 if absent, -1 on error. */
static int get_optional_int(const json_t *body, const char *name, long long min, long long max,
                            long long *out, struct capture_error *err)
{
    if (json_is_null(json_object_get(body, name)))
        return 0;
    return get_int(body, "", name, min, max, out, err);
}

/* Reads the optional string field `name` of at most `size` - 1 bytes into
 * `dst`; JSON null counts as absent.  Returns 1 if present, 0 if absent,
 * -1 on error. */
static int get_optional_string(const json_t *body, const char *name, char *dst, size_t size,
                               struct capture_error *err)
{
    const json_t *v = json_object_get(body, name);
    if (v == NULL || json_is_null(v))
        return 0;
    char rule[64];
    snprintf(rule, sizeof(rule), "must be a string of 1 to %zu bytes", size - 1);
    if (!json_is_string(v))
        return reject(err, API_ERR_WRONG_TYPE, "%s: %s", name, rule);
    size_t len = json_string_length(v);
    if (len == 0 || len >= size)
        return reject(err, API_ERR_OUT_OF_RANGE, "%s: %s", name, rule);
    memcpy(dst, json_string_value(v), len + 1);
    return 1;
}

/* Reads `colo_name`, or its alias `colo`, which must name `site` (NULL:
 * any; a fleet checks it against its appliances' sites). */
static int get_colo(const json_t *body, const char *site, struct capture *c,
                    struct capture_error *err)
{
    char colo[CAPTURE_COLO_SIZE] = "";
    int rc_name = get_optional_string(body, "colo_name", c->colo_name, sizeof(c->colo_name), err);
    if (rc_name < 0)
        return -1;
    int rc_alias = get_optional_string(body, "colo", colo, sizeof(colo), err);
    if (rc_alias < 0)
        return -1;
    if (rc_name == 0 && rc_alias == 0)
        return reject(err, API_ERR_MISSING_FIELD, "%s: %s", "colo_name",
                      "is required for a full capture (colo is accepted as an alias)");
    if (rc_name > 0 && rc_alias > 0 && strcmp(colo, c->colo_name) != 0)
        return reject(err, API_ERR_INVALID_VALUE, "%s: %s", "colo",
                      "must equal colo_name when both are given");
    if (rc_name == 0)
        memcpy(c->colo_name, colo, sizeof(colo));
    if (site != NULL && strcmp(c->colo_name, site) != 0) {
        err->code = API_ERR_INVALID_VALUE;
        snprintf(err->message, sizeof(err->message),
                 "%s: must be \"%.64s\", the site of this appliance",
                 rc_name ? "colo_name" : "colo", site);
        return -1;
    }
    return 0;
}

/* Reads `n` decimal digits at *p into `out` if they lie in [min, max],
 * advancing *p.  Returns 0 or -1. */
static int take_digits(const char **p, int n, int min, int max, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return v >= min && v <= max ? 0 : -1;
}

/* Consumes the character `ch` (a lowercase letter in either case) at *p.
 * Returns 0 or -1. */
static int take_char(const char **p, char ch)
{
    bool letter = ch >= 'a' && ch <= 'z';
    if (**p != ch && !(letter && **p == ch - 'a' + 'A'))
        return -1;
    (*p)++;
    return 0;
}

int capture_parse_time(const char *s, int64_t *ns)
{
    struct tm tm = {0};
    int year, mon, sec, off_h = 0, off_m = 0;
    const char *p = s;
    if (take_digits(&p, 4, 1970, 9999, &year) || take_char(&p, '-') ||
        take_digits(&p, 2, 1, 12, &mon) || take_char(&p, '-') ||
        take_digits(&p, 2, 1, 31, &tm.tm_mday) || take_char(&p, 't') ||
        take_digits(&p, 2, 0, 23, &tm.tm_hour) || take_char(&p, ':') ||
        take_digits(&p, 2, 0, 59, &tm.tm_min) || take_char(&p, ':') ||
        take_digits(&p, 2, 0, 60, &sec))
        return -1;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        int digits = 0;
        for (; *p >= '0' && *p <= '9'; p++, digits++) {
            if (digits < 9)
                frac = frac * 10 + (*p - '0');
        }
        for (; digits < 9; digits++)
            frac *= 10;
    }
    int sign = 0;
    if (take_char(&p, 'z') != 0) {
        if (*p != '+' && *p != '-')
            return -1;
        sign = *p++ == '-' ? -1 : 1;
        if (take_digits(&p, 2, 0, 23, &off_h) || take_char(&p, ':') ||
            take_digits(&p, 2, 0, 59, &off_m))
            return -1;
    }
    if (*p != '\0')
        return -1;
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_sec = sec;
    int64_t secs = (int64_t)timegm(&tm) - (int64_t)sign * (off_h * 3600 + off_m * 60);
    if (secs < 0)
        return -1;
    /* Past 2262 nanoseconds overflow: such a time is only later than any. */
    *ns = secs < INT64_MAX / 1000000000 - 1 ? secs * 1000000000 + frac : INT64_MAX;
    return 0;
}

/* Reads `offset_time`: absent or null is fine (a capture from now);
 * else an RFC 3339 time, into c->offset_time and c->offset_ns.  Whether
 * history holds its window is checked later (lookback.c). */
static int get_offset_time(const json_t *body, struct capture *c, struct capture_error *err)
{
    static const char rule[] = "must be an RFC 3339 timestamp such as 2024-01-01T00:00:00Z";
    const json_t *v = json_object_get(body, "offset_time");
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return reject(err, API_ERR_WRONG_TYPE, "%s: %s", "offset_time", rule);
    const char *text = json_string_value(v);
    if (json_string_length(v) >= sizeof(c->offset_time) ||
        capture_parse_time(text, &c->offset_ns) != 0)
        return reject(err, API_ERR_INVALID_VALUE, "%s: %s", "offset_time", rule);
    memcpy(c->offset_time, text, json_string_length(v) + 1);
    return 0;
}

/* Validates the fields of a `simple` capture request. */
static int parse_simple(const json_t *body, struct capture *c, struct capture_error *err)
{
    static const char *const allowed[] = {"type",      "system",      "time_limit", "packet_limit",
                                          "filter_v1", "offset_time", NULL};
    long long time_limit, packet_limit;
    if (check_known(body, "", allowed, " of a simple capture", err) != 0 ||
        get_required_int(body, "time_limit", 1, SIMPLE_TIME_LIMIT_MAX, &time_limit, err) ||
        get_required_int(body, "packet_limit", 1, PACKET_LIMIT_MAX, &packet_limit, err) ||
        get_offset_time(body, c, err))
        return -1;
    c->time_limit = (uint32_t)time_limit;
    c->packet_limit = (uint32_t)packet_limit;
    return 0;
}

/* Validates the fields of a `full` capture request. */
static int parse_full(const json_t *body, const char *site, struct capture *c,
                      struct capture_error *err)
{
    static const char *const allowed[] = {
        "type",      "system",    "time_limit", "packet_limit",     "byte_limit",
        "filter_v1", "colo_name", "colo",       "destination_conf", NULL};
    long long time_limit, packet_limit = 0, byte_limit = 0;
    if (check_known(body, "", allowed, " of a full capture", err) != 0 ||
        get_required_int(body, "time_limit", 1, FULL_TIME_LIMIT_MAX, &time_limit, err) ||
        get_optional_int(body, "packet_limit", 1, PACKET_LIMIT_MAX, &packet_limit, err) < 0 ||
        get_optional_int(body, "byte_limit", 1, BYTE_LIMIT_MAX, &byte_limit, err) < 0 ||
        get_colo(body, site, c, err) != 0 ||
        get_optional_string(body, "destination_conf", c->destination_conf,
                            sizeof(c->destination_conf), err) < 0)
        return -1;
    c->time_limit = (uint32_t)time_limit;
    c->packet_limit = (uint32_t)packet_limit;
    c->byte_limit = (uint64_t)byte_limit;
    return 0;
}

int capture_request_parse(const json_t *body, const char *site, struct capture *c,
                          struct capture_error *err)
{
    static const char *const types[] = {"simple", "full", NULL};
    static const char *const systems[] = {"magic-transit", NULL};
    if (!json_is_object(body))
        return reject(err, API_ERR_NOT_AN_OBJECT, "%s%s",
                      "request body: ", "must be a JSON object");
    int type, system;
    if (get_enum(body, "type", types, "must be \"simple\" or \"full\"", &type, err) ||
        get_enum(body, "system", systems, "must be \"magic-transit\"", &system, err))
        return -1;
    int rc = type == CAPTURE_FULL ? parse_full(body, site, c, err) : parse_simple(body, c, err);
    if (rc != 0)
        return -1;
    const json_t *filter = json_object_get(body, "filter_v1");
    memset(&c->filter, 0, sizeof(c->filter));
    if (filter != NULL && !json_is_null(filter) &&
        capture_filter_from_json(filter, &c->filter, err) != 0)
        return -1;
    c->type = (enum capture_type)type;
    return 0;
}
