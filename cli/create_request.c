/*
 * Create requests from flags (create_request.h).  Protocols are IANA
 * keywords or numbers; ports are service names (/etc/services) or numbers;
 * durations and sizes take unit suffixes.  Anything that parses is sent
 * and the API judges its range.
 */
#include "create_request.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "args.h"
#include "pcapctl.h"

/* Largest integer sent: JSON integers beyond 2^53 lose precision in many
 * clients; the API's own ranges are far below. */
#define NUMBER_MAX (1ull << 53)

/* The create flags' option values. */
enum {
    OPT_TYPE = ARGS_OPT_COMMAND + 50,
    OPT_SYSTEM,
    OPT_TIME_LIMIT,
    OPT_PACKET_LIMIT,
    OPT_BYTE_LIMIT,
    OPT_COLO,
    OPT_DESTINATION,
    OPT_OFFSET_TIME,
    OPT_SRC,
    OPT_DST,
    OPT_SPORT,
    OPT_DPORT,
    OPT_PROTO,
};

const struct option create_request_options[] = {
    {"type", required_argument, NULL, OPT_TYPE},
    {"system", required_argument, NULL, OPT_SYSTEM},
    {"time-limit", required_argument, NULL, OPT_TIME_LIMIT},
    {"packet-limit", required_argument, NULL, OPT_PACKET_LIMIT},
    {"byte-limit", required_argument, NULL, OPT_BYTE_LIMIT},
    {"colo", required_argument, NULL, OPT_COLO},
    {"colo-name", required_argument, NULL, OPT_COLO},
    {"destination", required_argument, NULL, OPT_DESTINATION},
    {"offset-time", required_argument, NULL, OPT_OFFSET_TIME},
    {"src", required_argument, NULL, OPT_SRC},
    {"dst", required_argument, NULL, OPT_DST},
    {"sport", required_argument, NULL, OPT_SPORT},
    {"dport", required_argument, NULL, OPT_DPORT},
    {"proto", required_argument, NULL, OPT_PROTO},
    {NULL, 0, NULL, 0},
};

/* IANA protocol keywords, so names work without /etc/protocols. */
static const struct {
    const char *name;
    unsigned number;
} protocols[] = {
    {"icmp", 1},   {"igmp", 2},    {"ipip", 4},       {"tcp", 6},       {"egp", 8},
    {"udp", 17},   {"ipv6", 41},   {"rsvp", 46},      {"gre", 47},      {"esp", 50},
    {"ah", 51},    {"icmpv6", 58}, {"ipv6-icmp", 58}, {"ospf", 89},     {"pim", 103},
    {"vrrp", 112}, {"l2tp", 115},  {"sctp", 132},     {"udplite", 136},
};

/* Parses a whole number; returns 0, or -1 when `text` is not one. */
static int parse_number(const char *text, uint64_t *out, char **end)
{
    errno = 0;
    if (!isdigit((unsigned char)text[0]))
        return -1;
    unsigned long long v = strtoull(text, end, 10);
    if (errno != 0 || v > NUMBER_MAX)
        return -1;
    *out = v;
    return 0;
}

/* Parses a number with an optional unit from `units` (suffix, factor
 * pairs).  Returns 0, or -1 when it is neither. */
static int parse_with_unit(const char *text, const char *const units[][2], size_t n_units,
                           uint64_t *out)
{
    char *end;
    uint64_t v;
    if (parse_number(text, &v, &end) != 0)
        return -1;
    if (*end == '\0') {
        *out = v;
        return 0;
    }
    for (size_t i = 0; i < n_units; i++) {
        if (strcmp(end, units[i][0]) == 0) {
            uint64_t factor = strtoull(units[i][1], NULL, 10);
            if (v > NUMBER_MAX / factor)
                return -1;
            *out = v * factor;
            return 0;
        }
    }
    return -1;
}

/* A duration in seconds: 300, 90s, 5m, 2h, 1d. */
static int parse_duration(const char *text, uint64_t *out)
{
    static const char *const units[][2] = {{"s", "1"}, {"m", "60"}, {"h", "3600"}, {"d", "86400"}};
    return parse_with_unit(text, units, 4, out);
}

/* A size in bytes: 500000, 100k, 50M, 1G (powers of 1000) or KiB, MiB, GiB. */
static int parse_size(const char *text, uint64_t *out)
{
    static const char *const units[][2] = {
        {"k", "1000"},   {"K", "1000"},      {"M", "1000000"},     {"G", "1000000000"},
        {"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}};
    return parse_with_unit(text, units, 7, out);
}

/* The protocol number of `text` (a number or a name), or -1. */
static long parse_protocol(const char *text)
{
    uint64_t v;
    char *end;
    if (parse_number(text, &v, &end) == 0 && *end == '\0')
        return (long)v;
    for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
        if (strcasecmp(text, protocols[i].name) == 0)
            return protocols[i].number;
    }
    struct protoent *p = getprotobyname(text);
    return p != NULL ? p->p_proto : -1;
}

/* The name of protocol `number`, or NULL. */
static const char *protocol_name(json_int_t number)
{
    for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
        if (protocols[i].number == number)
            return protocols[i].name;
    }
    return NULL;
}

/* The port of `text` (a number or a service name), or -1. */
static long parse_port(const char *text)
{
    uint64_t v;
    char *end;
    if (parse_number(text, &v, &end) == 0 && *end == '\0')
        return (long)v;
    struct servent *s = getservbyname(text, NULL);
    return s != NULL ? ntohs((uint16_t)s->s_port) : -1;
}

/* The filter_v1 object of `body`, made when absent. */
static json_t *filter_of(json_t *body)
{
    json_t *f = json_object_get(body, "filter_v1");
    if (f == NULL) {
        f = json_object();
        json_object_set_new(body, "filter_v1", f);
    }
    return f;
}

/* Sets integer field `key` of `obj`, or says why `arg` is not one. */
static int set_number(json_t *obj, const char *key, const char *flag, long long v, const char *arg,
                      const char *rule)
{
    if (v < 0) {
        cli_error("%s: '%s' is not %s", flag, arg, rule);
        return PCAPCTL_EXIT_USAGE;
    }
    json_object_set_new(obj, key, json_integer(v));
    return 0;
}

/* Applies a filter flag. */
static int filter_option(json_t *body, int opt, const char *arg)
{
    json_t *f = filter_of(body);
    switch (opt) {
    case OPT_SRC:
        return json_object_set_new(f, "source_address", json_string(arg)), 0;
    case OPT_DST:
        return json_object_set_new(f, "destination_address", json_string(arg)), 0;
    case OPT_SPORT:
        return set_number(f, "source_port", "--sport", parse_port(arg), arg,
                          "a port number or a service name");
    case OPT_DPORT:
        return set_number(f, "destination_port", "--dport", parse_port(arg), arg,
                          "a port number or a service name");
    default:
        return set_number(f, "protocol", "--proto", parse_protocol(arg), arg,
                          "a protocol number or name (tcp, udp, icmp...)");
    }
}

/* Applies a flag whose value is a number with a unit. */
static int limit_option(json_t *body, int opt, const char *arg)
{
    uint64_t v;
    if (opt == OPT_TIME_LIMIT)
        return set_number(body, "time_limit", "--time-limit",
                          parse_duration(arg, &v) == 0 ? (long long)v : -1, arg,
                          "a duration (seconds, or 90s, 5m, 2h)");
    if (opt == OPT_BYTE_LIMIT)
        return set_number(body, "byte_limit", "--byte-limit",
                          parse_size(arg, &v) == 0 ? (long long)v : -1, arg,
                          "a size (bytes, or 100k, 50M, 1G)");
    return set_number(body, "packet_limit", "--packet-limit",
                      parse_with_unit(arg, NULL, 0, &v) == 0 ? (long long)v : -1, arg,
                      "a whole number");
}

int create_request_option(json_t *body, int opt, const char *arg)
{
    static const char *const text_keys[] = {
        [OPT_TYPE - OPT_TYPE] = "type",
        [OPT_SYSTEM - OPT_TYPE] = "system",
        [OPT_COLO - OPT_TYPE] = "colo_name",
        [OPT_DESTINATION - OPT_TYPE] = "destination_conf",
        [OPT_OFFSET_TIME - OPT_TYPE] = "offset_time",
    };
    if (opt < OPT_TYPE || opt > OPT_PROTO)
        return 1;
    if (opt >= OPT_SRC)
        return filter_option(body, opt, arg);
    if (opt == OPT_TIME_LIMIT || opt == OPT_PACKET_LIMIT || opt == OPT_BYTE_LIMIT)
        return limit_option(body, opt, arg);
    json_object_set_new(body, text_keys[opt - OPT_TYPE], json_string(arg));
    return 0;
}

void create_request_finish(json_t *body)
{
    if (json_object_get(body, "type") == NULL)
        json_object_set_new(body, "type", json_string("simple"));
    if (json_object_get(body, "system") == NULL)
        json_object_set_new(body, "system", json_string("magic-transit"));
}

void create_request_describe_filter(const json_t *filter, char *buf, size_t size)
{
    static const char *const keys[][2] = {{"protocol", "proto"},
                                          {"source_address", "src"},
                                          {"source_port", "sport"},
                                          {"destination_address", "dst"},
                                          {"destination_port", "dport"}};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && used < size; i++) {
        json_t *v = json_object_get(filter, keys[i][0]);
        const char *name = i == 0 ? protocol_name(json_integer_value(v)) : NULL;
        if (v == NULL)
            continue;
        if (json_is_string(v))
            used += (size_t)snprintf(buf + used, size - used, "%s%s %s", used ? " " : "",
                                     keys[i][1], json_string_value(v));
        else if (name != NULL)
            used += (size_t)snprintf(buf + used, size - used, "%s%s %s", used ? " " : "",
                                     keys[i][1], name);
        else
            used += (size_t)snprintf(buf + used, size - used, "%s%s %lld", used ? " " : "",
                                     keys[i][1], (long long)json_integer_value(v));
    }
    if (used == 0)
        snprintf(buf, size, "everything");
}
