/* The views people open in CloudShark and Wireshark, each answered from
 * one per-packet pass (packet_fields.h) as the JSON the analysis API
 * sends under {"data": ...}:
 *
 *   follow   one TCP or UDP stream's payload in both directions, as
 *            tshark -z follow,tcp|udp,raw,N reassembles it (view_follow.c);
 *   expert   the expert information tshark -z expert reports, counted by
 *            severity, group, protocol and summary (view_expert.c);
 *   io       frames and bytes per interval, per display filter, as
 *            tshark -z io,stat,INTERVAL,FILTER... (view_iostat.c);
 *   http     every HTTP request with its response (view_http.c).
 *
 * Each returns PQ_OK with *data set, or a packet_query_status with a
 * message in err. */
#ifndef PCAPD_ANALYSIS_VIEWS_H
#define PCAPD_ANALYSIS_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "packet_fields.h"

/* Most display filters one io request may give. */
#define VIEW_IO_MAX_FILTERS 8

/* Largest interval of an io request, in microseconds (a day). */
#define VIEW_IO_MAX_INTERVAL_US (86400ull * 1000000ull)

/* Answers follow: {"proto", "stream", "nodes": [{host, port}, {host, port}],
 * "bytes": [sent by node 0, by node 1], "chunks": n, "segments":
 * [{frame, node, offset, time, payload (hex)}], "offset", "limit", "more"}.
 * A stream the capture does not have answers with no nodes and no
 * segments.  offset and limit page the segments. */
int view_follow_json(const struct packet_source *src, bool udp, uint64_t stream, uint64_t offset,
                     uint64_t limit, json_t **data, char *err, size_t errlen);

/* Answers expert: {"counts": {"error", "warning", "note", "chat"},
 * "items": [{severity, group, protocol, summary, count, first_frame}]},
 * items ordered by severity (error first), then by first frame.  The
 * items covered are listed in docs/API.md. */
int view_expert_json(const struct packet_source *src, json_t **data, char *err, size_t errlen);

/* Answers io: {"interval", "duration", "columns": [filter...],
 * "intervals": [{start, end, frames: [per column], bytes: [...]}],
 * "offset", "limit", "more"} for interval_us microseconds (0: the whole
 * capture in one interval) and n_filters display filters (none: one
 * column of every frame).  offset and limit page the intervals.  A
 * filter that does not compile gives PQ_BAD_QUERY with its index in
 * *bad_filter and the offset in *err_pos. */
int view_io_json(const struct packet_source *src, uint64_t interval_us, const char *const *filters,
                 size_t n_filters, uint64_t offset, uint64_t limit, json_t **data,
                 size_t *bad_filter, size_t *err_pos, char *err, size_t errlen);

/* Parses an io interval given in seconds ("1", "0.5", "0.000001", "0":
 * the whole capture) into microseconds.  Returns 0, or -1 for text that is
 * not a decimal number, finer than a microsecond or above a day. */
int view_io_parse_interval(const char *text, uint64_t *us);

/* Answers http: {"requests": [{frame, client, server, method, host, uri,
 * response_frame, status, time}], "offset", "limit", "more"}, one per
 * request in frame order, with the response tshark pairs it with (null
 * members when there is none). */
int view_http_json(const struct packet_source *src, uint64_t offset, uint64_t limit, json_t **data,
                   char *err, size_t errlen);

/* Returns the first occurrence of field id in a frame, or NULL. */
const struct field_value *view_first(const struct frame_fields *ff, int id);

/* Returns the nth (0-based) occurrence of field id in a frame, or NULL. */
const struct field_value *view_nth(const struct frame_fields *ff, int id, unsigned nth);

/* Looks fields up by name into ids (registry_init() first). */
void view_field_ids(const char *const *names, int *ids, size_t n);

/* Returns a new frame_fields wanting the n fields of ids, or NULL. */
struct frame_fields *view_fields_new(const int *ids, size_t n);

/* Frees what view_fields_new() returned. */
void view_fields_free(struct frame_fields *ff);

/* Wraps the paged list `items` (stolen) into obj under `name`, with
 * offset, limit and more; returns obj. */
json_t *view_page(json_t *obj, const char *name, json_t *items, uint64_t offset, uint64_t limit,
                  bool more);

#endif
