/*
 * Reads the views' parameters (analysis_views_api.h), checking each
 * against its rule so that a bad one is a 400 naming it, never a failed
 * analysis: the stream and page numbers, the interval, and every io
 * filter compiled once here before the worker compiles it again.
 */
#include "analysis_views_api.h"

#include <stdio.h>
#include <string.h>

#include "display_filter.h"
#include "query_params.h"
#include "views.h"

/* The largest offset a page may start at (JSON's exact integers). */
#define PAGE_OFFSET_MAX (1ull << 53)

/* Reads offset and limit (default 1000, at most 100000). */
static int read_page(const h2o_req_t *req, struct analysis_query *q, char *why, size_t size)
{
    if (query_params_uint(req, "limit", 1000, 100000, &q->limit, why, size) != 0 ||
        query_params_uint(req, "offset", 0, PAGE_OFFSET_MAX, &q->offset, why, size) != 0)
        return -1;
    return 0;
}

/* follow: stream (required), proto (tcp or udp, default tcp), the page. */
static int read_follow(const h2o_req_t *req, struct analysis_query *q, char *why, size_t size)
{
    char proto[8];
    int rc = query_params_get(req, "proto", proto, sizeof(proto));
    if (rc < 0 || (rc > 0 && strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)) {
        snprintf(why, size, "proto: must be tcp or udp");
        return -1;
    }
    q->udp = rc > 0 && strcmp(proto, "udp") == 0;
    if (query_params_get(req, "stream", proto, sizeof(proto)) == 0) {
        snprintf(why, size, "stream: required: the tcp.stream or udp.stream index to follow");
        return -1;
    }
    if (query_params_uint(req, "stream", 0, UINT32_MAX, &q->stream, why, size) != 0)
        return -1;
    return read_page(req, q, why, size);
}

/* io: interval (required, seconds), up to VIEW_IO_MAX_FILTERS filters, the page. */
static int read_io(const h2o_req_t *req, struct analysis_query *q, char *why, size_t size)
{
    char interval[32], err[256];
    size_t at = 0, pos;
    int rc = query_params_get(req, "interval", interval, sizeof(interval));
    if (rc <= 0 || view_io_parse_interval(interval, &q->interval_us) != 0) {
        snprintf(why, size,
                 "interval: %s seconds from 0 to 86400 with at most 6 decimals "
                 "(0: the whole capture in one interval)",
                 rc == 0 ? "required:" : "must be");
        return -1;
    }
    for (unsigned i = 0;; i++) {
        char *f = q->filter + at;
        rc = query_params_get_nth(req, "filter", i, f, sizeof(q->filter) - at);
        if (rc == 0)
            break;
        if (rc < 0 || i == VIEW_IO_MAX_FILTERS || f[0] == '\0') {
            snprintf(why, size, "filter: %s",
                     rc < 0 ? "malformed percent-encoding, or the filters exceed 4095 bytes"
                     : f[0] ? "at most 8 filters (one column each)"
                            : "must not be empty");
            return -1;
        }
        struct display_filter *df = display_filter_compile(f, err, sizeof(err), &pos);
        if (df == NULL) {
            snprintf(why, size, "filter: %.200s (filter %u, at offset %zu)", err, i + 1, pos);
            return -1;
        }
        display_filter_free(df);
        at += strlen(f) + 1;
        q->n_filters = i + 1;
    }
    return read_page(req, q, why, size);
}

int analysis_views_read_query(const h2o_req_t *req, const char *view, struct analysis_query *q,
                              char *why, size_t size)
{
    memset(q, 0, sizeof(*q));
    if (strcmp(view, "follow") == 0) {
        q->kind = QUERY_FOLLOW;
        return read_follow(req, q, why, size);
    }
    if (strcmp(view, "io") == 0) {
        q->kind = QUERY_IO;
        return read_io(req, q, why, size);
    }
    if (strcmp(view, "http_requests") == 0) {
        q->kind = QUERY_HTTP;
        return read_page(req, q, why, size);
    }
    q->kind = QUERY_EXPERT;
    return 0;
}
