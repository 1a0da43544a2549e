/*
 * Admission limits of new captures.  They are decided from the job store
 * (the account's last `simple` capture, its unfinished `full` ones), so
 * they hold across restarts, and from the capture runner's count of
 * running captures for the appliance-wide cap.
 */
#include "rate_limit.h"

#include <stdio.h>

#include "api_errors.h"

/* Fills `why` and returns 1. */
static int refuse(struct admission_refusal *why, int http_status, int code, unsigned retry_after)
{
    why->http_status = http_status;
    why->code = code;
    why->retry_after = retry_after;
    return 1;
}

/* Checks the per-account window between two `simple` captures. */
static int check_simple_window(struct job_store *store, const struct config *cfg,
                               const struct capture *c, struct admission_refusal *why)
{
    int64_t last, window_ms = (int64_t)cfg->simple_rate_window * 1000;
    if (window_ms == 0)
        return 0;
    int rc = job_store_last_submitted(store, c->account_id, CAPTURE_SIMPLE, &last);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    int64_t since = c->submitted_ms - last;
    /* A clock that went backwards does not lock the account out. */
    if (since < 0 || since >= window_ms)
        return 0;
    unsigned retry = (unsigned)((window_ms - since + 999) / 1000);
    snprintf(why->message, sizeof(why->message),
             "rate limited: one simple capture per %u s per account; retry in %u s",
             cfg->simple_rate_window, retry);
    return refuse(why, 429, API_ERR_RATE_LIMITED, retry);
}

/* Checks that the account has no other `full` capture pending or
 * running. */
static int check_one_full(struct job_store *store, const struct capture *c,
                          struct admission_refusal *why)
{
    unsigned n;
    if (job_store_count_unfinished(store, c->account_id, CAPTURE_FULL, &n) != 0)
        return -1;
    if (n == 0)
        return 0;
    snprintf(why->message, sizeof(why->message),
             "the account already has a full capture pending or running; stop it or wait for it "
             "to end");
    return refuse(why, 409, API_ERR_FULL_BUSY, 0);
}

int rate_limit_admit(struct job_store *store, const struct config *cfg, const struct capture *c,
                     unsigned active, struct admission_refusal *why)
{
    int rc = c->type == CAPTURE_SIMPLE ? check_simple_window(store, cfg, c, why)
                                       : check_one_full(store, c, why);
    if (rc != 0)
        return rc;
    if (active < cfg->max_captures)
        return 0;
    snprintf(why->message, sizeof(why->message),
             "the appliance is running its maximum of %u captures (max_captures); retry when one "
             "ends",
             cfg->max_captures);
    return refuse(why, 503, API_ERR_CAPACITY, 0);
}
