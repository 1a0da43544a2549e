/*
 * The API's request metrics: every answered request counted by route and
 * status class (2xx, 4xx...), and its latency, from its arrival at the
 * handler (headers and body received) to the last byte of its answer, in
 * a histogram per route.
 *
 * A route is a name the code gives (jobs_api_route(), analysis_api_route()
 * and the daemon's own: "ui", "metrics"), never a part of the request, so
 * the set of series is small and fixed: no capture id ever becomes a
 * label.  Event loop only: the HTTP server observes each request there
 * when it is done with it.
 */
#ifndef PCAPD_HTTP_METRICS_H
#define PCAPD_HTTP_METRICS_H

#include <stdint.h>

#include "prom_text.h"

/* Most routes counted; observations of further ones go to "other". */
#define HTTP_METRICS_MAX_ROUTES 32

/* Counts one request of route `route` (a string constant of the code)
 * answered with `status` (100 to 599; others are not counted) after
 * `seconds`. */
void http_metrics_observe(const char *route, int status, double seconds);

/* Returns how many requests were answered, all routes and statuses. */
uint64_t http_metrics_total(void);

/* Writes pcapd_http_requests_total{route,code} and
 * pcapd_http_request_duration_seconds{route} into `t`. */
void http_metrics_render(struct prom_text *t);

#endif /* PCAPD_HTTP_METRICS_H */
