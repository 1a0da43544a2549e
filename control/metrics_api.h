/*
 * GET /metrics: the appliance's figures in Prometheus' text exposition
 * format, for Prometheus and anything that scrapes it.  Who may read it is
 * the `metrics` setting: anyone (open), any request with a valid API token
 * of any account (token: the figures are appliance-wide and hold no
 * capture's data), or nobody (off: 404).  Refusals are in the jobs API's
 * envelope.  A scrape reads memory only (appliance_stats.h): it never
 * waits on the disk, the store or the dataplane.
 */
#ifndef PCAPD_METRICS_API_H
#define PCAPD_METRICS_API_H

#include <stdbool.h>

#include "config.h"
#include "h2o.h"
#include "token_store.h"

/* Sets who may read the metrics, and the tokens that `token` checks. */
void metrics_api_init(enum config_metrics access, struct token_store *tokens);

/* Tells whether `req`'s path is /metrics. */
bool metrics_api_path(const h2o_req_t *req);

/* Answers a request for /metrics. */
int metrics_api_handle(h2o_req_t *req);

#endif /* PCAPD_METRICS_API_H */
