/*
 * The API's request metrics (see http_metrics.h): a small table of routes,
 * found by name, each with its counters per status class and its latency
 * histogram.
 */
#include "http_metrics.h"

#include <string.h>

/* The latency histogram's upper bounds, in seconds. */
static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,   0.5,   1,      2.5,   5,    10,    30};
#define LATENCY_BUCKETS (sizeof(latency_bounds) / sizeof(latency_bounds[0]))
/* Status classes counted: 1xx to 5xx. */
#define STATUS_CLASSES 5

/* One route's figures. */
struct route_stats {
    /* The route's name (a string constant of the code). */
    const char *name;
    /* Requests answered, per status class (index: status / 100 - 1). */
    uint64_t requests[STATUS_CLASSES];
    /* Requests per latency bucket (the last: above every bound), and the
     * sum of their latencies (s). */
    uint64_t latency[LATENCY_BUCKETS + 1];
    double latency_sum;
};

/* The routes seen so far (event loop only). */
static struct {
    struct route_stats routes[HTTP_METRICS_MAX_ROUTES];
    unsigned n;
    uint64_t total;
} hm;

/* Returns the figures of `route`, adding it if new; the last entry,
 * "other", takes routes beyond the table. */
static struct route_stats *route_of(const char *route)
{
    for (unsigned i = 0; i < hm.n; i++) {
        if (hm.routes[i].name == route || strcmp(hm.routes[i].name, route) == 0)
            return &hm.routes[i];
    }
    if (hm.n == HTTP_METRICS_MAX_ROUTES - 1)
        route = "other";
    if (hm.n == HTTP_METRICS_MAX_ROUTES)
        return &hm.routes[hm.n - 1];
    hm.routes[hm.n].name = route;
    return &hm.routes[hm.n++];
}

void http_metrics_observe(const char *route, int status, double seconds)
{
    if (status < 100 || status > 599)
        return;
    struct route_stats *r = route_of(route);
    unsigned b = 0;
    while (b < LATENCY_BUCKETS && seconds > latency_bounds[b])
        b++;
    r->requests[status / 100 - 1]++;
    r->latency[b]++;
    r->latency_sum += seconds;
    hm.total++;
}

uint64_t http_metrics_total(void)
{
    return hm.total;
}

void http_metrics_render(struct prom_text *t)
{
    static const char *const classes[STATUS_CLASSES] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    struct prom_labels l;
    prom_family(t, "pcapd_http_requests_total", "counter",
                "API requests answered, by route and status class.");
    for (unsigned i = 0; i < hm.n; i++) {
        for (unsigned c = 0; c < STATUS_CLASSES; c++) {
            if (hm.routes[i].requests[c] == 0)
                continue;
            prom_labels_init(&l);
            prom_label(&l, "route", hm.routes[i].name);
            prom_label(&l, "code", classes[c]);
            prom_sample_u64(t, "pcapd_http_requests_total", &l, hm.routes[i].requests[c]);
        }
    }
    prom_family(
        t, "pcapd_http_request_duration_seconds", "histogram",
        "Time from a request's arrival at its handler to its answer's last byte, by route.");
    for (unsigned i = 0; i < hm.n; i++) {
        prom_labels_init(&l);
        prom_label(&l, "route", hm.routes[i].name);
        struct prom_histogram h = {.bounds = latency_bounds,
                                   .counts = hm.routes[i].latency,
                                   .n = LATENCY_BUCKETS,
                                   .sum = hm.routes[i].latency_sum};
        prom_histogram(t, "pcapd_http_request_duration_seconds", &l, &h);
    }
}
