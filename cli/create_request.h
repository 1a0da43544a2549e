/*
 * The body of a create request built from pcapctl's flags (--type,
 * --time-limit, --src, --dport, --proto...), names and numbers both
 * accepted, and the one-line description of a capture's filter in the
 * same words.  Ranges are the API's to check, so its messages are the ones
 * a user reads.
 */
#ifndef PCAPCTL_CREATE_REQUEST_H
#define PCAPCTL_CREATE_REQUEST_H

#include <getopt.h>
#include <stddef.h>

#include <jansson.h>

/* The create flags, for a command's option table (val from
 * ARGS_OPT_COMMAND + 50 on), ending with a NULL entry. */
extern const struct option create_request_options[];

/* Applies create flag `opt` with `arg` to `body` (a JSON object).
 * Returns 0, 1 if `opt` is not a create flag, or PCAPCTL_EXIT_USAGE after
 * printing why. */
int create_request_option(json_t *body, int opt, const char *arg);

/* Completes `body`: "type" simple and "system" magic-transit unless
 * given. */
void create_request_finish(json_t *body);

/* Writes a one-line description of `filter` (a filter_v1 object) to `buf`,
 * in pcapctl's flag words: "proto tcp src 1.2.3.4 dport 80", or
 * "everything". */
void create_request_describe_filter(const json_t *filter, char *buf, size_t size);

/* Help text of the create flags. */
#define CREATE_REQUEST_HELP                                                                        \
    "Capture fields (the API checks every range and names the field it refuses):\n"                \
    "  --type simple|full       simple: sampled 160-byte packet heads (default);\n"                \
    "                           full: every matching packet, whole\n"                              \
    "  --time-limit DURATION    seconds, or with a unit: 90s, 5m, 2h (simple: up to 5m,\n"         \
    "                           full: up to 24h); required\n"                                      \
    "  --packet-limit N         packets (1-10000; required for simple)\n"                          \
    "  --byte-limit SIZE        full: most bytes of the file: 500000, 100k, 50M, 1G\n"             \
    "  --colo NAME              full: the appliance's site (colo_name); required for full\n"       \
    "  --destination URI        full: destination_conf, e.g. s3://bucket?region=...\n"             \
    "  --offset-time TIME       simple: offset_time (RFC 3339)\n"                                  \
    "  --system NAME            system (default magic-transit)\n"                                  \
    "Filter (filter_v1; absent fields match anything):\n"                                          \
    "  --src ADDR[/LEN]         source IPv4 or IPv6 address or prefix\n"                           \
    "  --dst ADDR[/LEN]         destination address or prefix\n"                                   \
    "  --sport PORT             source port: a number or a service name (http, domain)\n"          \
    "  --dport PORT             destination port\n"                                                \
    "  --proto PROTO            IP protocol: a number or a name (tcp, udp, icmp, icmpv6,\n"        \
    "                           sctp, gre, esp...)\n"

#endif /* PCAPCTL_CREATE_REQUEST_H */
