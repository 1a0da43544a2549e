/* Per-packet queries over a capture: one pass that dissects every frame
 * with the fields a query wants, keeps the frames a display filter passes,
 * and hands them on.  On top of it: the packets/fields answer (selected
 * fields of the matching frames, paged), DNS lookups (every query with its
 * response) and TLS/QUIC server names. */
#ifndef PCAPD_ANALYSIS_PACKET_FIELDS_H
#define PCAPD_ANALYSIS_PACKET_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "display_filter.h"
#include "fields.h"

/* Outcomes of the query functions. */
enum packet_query_status {
    PQ_OK = 0,         /* Answered. */
    PQ_BAD_QUERY = -1, /* The query is wrong (unknown field, bad filter): a 400. */
    PQ_BAD_FILE = -2,  /* The capture cannot be read: a 500 (or 422 for an upload). */
};

/* Called for each frame that passes the filter, with its fields; returns
 * 0 to go on, 1 to stop the pass early, or -1 on failure (out of memory). */
typedef int (*packet_pass_cb)(void *arg, const struct frame_fields *ff);

/* Where a pass reads its capture: a file, or bytes in memory when path is NULL. */
struct packet_source {
    const char *path;   /* Capture file, or NULL. */
    const uint8_t *mem; /* Capture bytes, when path is NULL. */
    size_t mem_len;     /* Their length. */
};

/* Runs one pass: dissects every frame recording the fields wanted in *ff
 * (plus those filter reads; filter may be NULL), and calls cb for each
 * frame that passes.  Two passes are made when a wanted field needs facts
 * only a first pass learns (tcp.analysis.initial_rtt, as tshark -2).
 * Returns PQ_OK, or PQ_BAD_FILE (or -1 from cb as PQ_BAD_FILE) with a
 * message in err. */
int packet_pass_run(const struct packet_source *src, struct frame_fields *ff,
                    const struct display_filter *filter, packet_pass_cb cb, void *arg, char *err,
                    size_t errlen);

/* Returns a JSON string of len bytes of text; bytes that are not valid
 * UTF-8 become '?', so that answers stay valid JSON. */
json_t *packet_json_text(const char *text, size_t len);

/* Parses a comma-separated list of field names into ids (at most max);
 * returns how many, or -1 with a message and *err_pos (offset in list)
 * for an unknown name, a protocol name (not a value field), an empty name
 * or too many fields. */
int packet_fields_parse_list(const char *list, int *ids, size_t max, char *err, size_t errlen,
                             size_t *err_pos);

/* Answers packets/fields: {"packets": [{"frame": n, "fields": {name: "v" or ["v", ...]}}],
 * "offset", "limit", "more"} for the frames passing filter_expr (NULL or
 * "" for all), skipping offset of them and returning at most limit.
 * A field absent from a frame is left out of its "fields".  Returns PQ_OK
 * with *data set, or an error status with a message in err (and, for
 * PQ_BAD_QUERY, the parameter name in *param and the offset in *err_pos). */
int packet_fields_json(const struct packet_source *src, const char *field_list,
                       const char *filter_expr, uint64_t offset, uint64_t limit, json_t **data,
                       const char **param, size_t *err_pos, char *err, size_t errlen);

/* Answers dns/lookups: {"lookups": [{frame, client, server, full_query,
 * query_type, response_frame, response_time, answers, rcode}]} in frame
 * order, queries without a response and responses without a query included. */
int dns_lookups_json(const struct packet_source *src, json_t **data, char *err, size_t errlen);

/* Answers tls/hosts: {"hosts": [{server_name, client, server, port,
 * protocol, first_frame, frames}]}, one per distinct (name, client, server,
 * port, protocol), in order of first appearance. */
int tls_hosts_json(const struct packet_source *src, json_t **data, char *err, size_t errlen);

/* Answers dns/lookups into *dns and tls/hosts into *tls from one pass;
 * pass NULL for an answer not wanted. */
int packet_queries_json(const struct packet_source *src, json_t **dns, json_t **tls, char *err,
                        size_t errlen);

#endif
