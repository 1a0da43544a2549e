/*
 * The analysis API: CloudShark's /api/v2 upload and analysis endpoints,
 * answered from the capture analysis engine (analysis/).
 */
#ifndef PCAPD_ANALYSIS_API_H
#define PCAPD_ANALYSIS_API_H

#include "api_response.h"
#include "config.h"
#include "h2o.h"
#include "job_store.h"
#include "token_store.h"

/* Gives the API its stores and configuration, creates its directories and
 * starts the analysis worker.  Returns 0, or -1 with `err`. */
int analysis_api_init(struct job_store *store, struct token_store *tokens, const struct config *cfg,
                      char *err, unsigned err_size);

/* Stops the analysis worker. */
void analysis_api_stop(void);

/* Forgets capture `id`: removes its analysis results (the capture itself
 * is being deleted).  Safe on any thread. */
void analysis_api_forget(const char *id);

/* Deletes the uploaded captures last written before `before_ms`
 * (milliseconds since the epoch), with their analysis results.  Safe on
 * any thread (it blocks).  Returns how many. */
int analysis_api_expire_uploads(int64_t before_ms);

/* Answers h2o's own refusal of a request under /api/v2 (see
 * http_refusal_fn) in CloudShark's error form. */
h2o_iovec_t analysis_api_refusal_body(h2o_req_t *req, int status, const char *why);

/* Answers a request under /api/v2.  Returns 0. */
int analysis_api_handle(h2o_req_t *req);

/* Names the route of `req` (under /api/v2) for the request metrics: one
 * of a fixed set ("analysis_upload", "analysis_status",
 * "analysis_hierarchy"...), or NULL when it names none. */
const char *analysis_api_route(const h2o_req_t *req);

#endif /* PCAPD_ANALYSIS_API_H */
