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

/* Limits of a `simple` capture, as the reference documents them. */
#define SIMPLE_TIME_LIMIT_MAX 300
#define PACKET_LIMIT_MAX 10000

const char *capture_type_name(enum capture_type type)
{
    return type == CAPTURE_FULL ? "full" : "simple";
}

static const char *const status_names[] = {
    [CAPTURE_PENDING] = "pending",
    [CAPTURE_RUNNING] = "running",
    [CAPTURE_SUCCESS] = "success",
    [CAPTURE_FAILED] = "failed",
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

void capture_format_time(int64_t ms, char *buf, unsigned size)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
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
    json_object_set_new(o, "packet_limit", json_integer(c->packet_limit));
    json_object_set_new(o, "filter_v1", capture_filter_to_json(&c->filter));
    json_object_set_new(o, "packets_captured", json_integer((json_int_t)c->packets_captured));
    uint64_t remaining =
        c->packets_captured < c->packet_limit ? c->packet_limit - c->packets_captured : 0;
    json_object_set_new(o, "packets_remaining", json_integer((json_int_t)remaining));
    json_object_set_new(o, "packets_dropped", json_integer((json_int_t)c->packets_dropped));
    json_object_set_new(o, "stop_requested", json_boolean(c->stop_requested));
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

/* Rejects any member of `obj` not in the NULL-terminated `allowed`. */
static int check_known(const json_t *obj, const char *prefix, const char *const *allowed,
                       struct capture_error *err)
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
            snprintf(err->message, sizeof(err->message), "%s%.64s: unknown field", prefix, key);
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
    if (check_known(obj, "filter_v1.", allowed, err) != 0 ||
        get_address(obj, "source_address", PCAPD_FILTER_SRC_ADDR, &f->src, &f->fields, err) ||
        get_address(obj, "destination_address", PCAPD_FILTER_DST_ADDR, &f->dst, &f->fields, err))
        return -1;
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

int capture_request_parse(const json_t *body, struct capture *c, struct capture_error *err)
{
    static const char *const allowed[] = {"type",      "system",      "time_limit", "packet_limit",
                                          "filter_v1", "offset_time", NULL};
    static const char *const types[] = {"simple", "full", NULL};
    static const char *const systems[] = {"magic-transit", NULL};
    if (!json_is_object(body))
        return reject(err, API_ERR_NOT_AN_OBJECT, "%s%s",
                      "request body: ", "must be a JSON object");
    int type, system;
    long long time_limit, packet_limit;
    if (get_enum(body, "type", types, "must be \"simple\" or \"full\"", &type, err) ||
        get_enum(body, "system", systems, "must be \"magic-transit\"", &system, err))
        return -1;
    if (type == CAPTURE_FULL)
        return reject(err, API_ERR_UNSUPPORTED, "%s: %s", "type",
                      "\"full\" captures are not supported by this appliance yet");
    if (check_known(body, "", allowed, err) != 0 ||
        get_required_int(body, "time_limit", 1, SIMPLE_TIME_LIMIT_MAX, &time_limit, err) ||
        get_required_int(body, "packet_limit", 1, PACKET_LIMIT_MAX, &packet_limit, err))
        return -1;
    if (json_object_get(body, "offset_time") != NULL)
        return reject(err, API_ERR_UNSUPPORTED, "%s: %s", "offset_time",
                      "look-back captures are not supported yet; omit it to capture from now");
    const json_t *filter = json_object_get(body, "filter_v1");
    memset(&c->filter, 0, sizeof(c->filter));
    if (filter != NULL && !json_is_null(filter) &&
        capture_filter_from_json(filter, &c->filter, err) != 0)
        return -1;
    c->type = (enum capture_type)type;
    c->time_limit = (uint32_t)time_limit;
    c->packet_limit = (uint32_t)packet_limit;
    return 0;
}
