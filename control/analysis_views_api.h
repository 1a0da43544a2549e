/*
 * The parameters of the analysis API's views (analysis/views.h): follow,
 * expert, stats/io and http/requests, read from a request's query string
 * into the query the analysis worker answers.
 */
#ifndef PCAPD_ANALYSIS_VIEWS_API_H
#define PCAPD_ANALYSIS_VIEWS_API_H

#include <stddef.h>

#include <h2o.h>

#include "analysis_worker.h"

/* Reads the parameters of `view` ("follow", "expert", "io" or
 * "http_requests") into *q (which it clears).  Returns 0, or -1 with
 * "PARAMETER: rule" in why (a 400). */
int analysis_views_read_query(const h2o_req_t *req, const char *view, struct analysis_query *q,
                              char *why, size_t size);

#endif /* PCAPD_ANALYSIS_VIEWS_API_H */
