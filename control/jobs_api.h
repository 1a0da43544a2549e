/*
 * The jobs API: Cloudflare's Magic PCAP collection endpoints under
 * /client/v4/accounts/{account_id}/pcaps.
 */
#ifndef PCAPD_JOBS_API_H
#define PCAPD_JOBS_API_H

#include "config.h"
#include "h2o.h"
#include "job_store.h"
#include "token_store.h"

/* Gives the API its capture store, token store and configuration (kept by
 * reference). */
void jobs_api_init(struct job_store *store, struct token_store *tokens, const struct config *cfg);

/* Answers any request (the server's only handler).  Returns 0. */
int jobs_api_handle(h2o_req_t *req);

/* Names the route of `req` for the request metrics: "pcaps_list",
 * "pcaps_create", "pcaps_get", "pcaps_download" or "pcaps_stop" (by path
 * and method), or NULL when its path is none of this API's. */
const char *jobs_api_route(const h2o_req_t *req);

#endif /* PCAPD_JOBS_API_H */
