/*
 * Admission limits of new captures (see rate_limit.h).
 */
#include "rate_limit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_errors.h"
#include "capture_runner.h"

/* The newest `simple` capture of one account. */
struct account_window {
    /* The account. */
    char account[65];
    /* When its newest simple capture was submitted (ms since the epoch;
     * INT64_MIN: never), and the value before it (for a cancel). */
    int64_t last_ms;
    int64_t prev_ms;
};

/* Every account seen (event loop only); few, so searched in order. */
static struct {
    struct account_window *items;
    size_t n, cap;
} windows;

/* Returns the window of `account`, reading it from `store` the first time.
 * Sets *rc to 0 or a JOB_STORE_* error (then returns NULL). */
static struct account_window *window_of(struct job_store *store, const char *account, int *rc)
{
    *rc = 0;
    for (size_t i = 0; i < windows.n; i++) {
        if (strcmp(windows.items[i].account, account) == 0)
            return &windows.items[i];
    }
    int64_t last = INT64_MIN;
    int found = job_store_last_submitted(store, account, CAPTURE_SIMPLE, &last);
    if (found < 0) {
        *rc = found;
        return NULL;
    }
    if (windows.n == windows.cap) {
        size_t cap = windows.cap ? 2 * windows.cap : 16;
        struct account_window *items = realloc(windows.items, cap * sizeof(*items));
        if (items == NULL) {
            *rc = JOB_STORE_ERROR;
            return NULL;
        }
        windows.items = items;
        windows.cap = cap;
    }
    struct account_window *w = &windows.items[windows.n++];
    snprintf(w->account, sizeof(w->account), "%s", account);
    w->last_ms = found == 0 ? last : INT64_MIN;
    w->prev_ms = w->last_ms;
    return w;
}

/* Fills `why` and returns 1. */
static int refuse(struct admission_refusal *why, int http_status, int code, unsigned retry_after)
{
    why->http_status = http_status;
    why->code = code;
    why->retry_after = retry_after;
    return 1;
}

/* Checks the per-account window between two `simple` captures; `*wp`
 * receives the account's window. */
static int check_simple_window(struct job_store *store, const struct config *cfg,
                               const struct capture *c, struct account_window **wp,
                               struct admission_refusal *why)
{
    int64_t window_ms = (int64_t)cfg->simple_rate_window * 1000;
    int rc;
    struct account_window *w = *wp = window_of(store, c->account_id, &rc);
    if (w == NULL)
        return rc;
    int64_t since = w->last_ms == INT64_MIN ? window_ms : c->submitted_ms - w->last_ms;
    /* A clock that went backwards does not lock the account out. */
    if (window_ms == 0 || since < 0 || since >= window_ms)
        return 0;
    unsigned retry = (unsigned)((window_ms - since + 999) / 1000);
    snprintf(why->message, sizeof(why->message),
             "rate limited: one simple capture per %u s per account; retry in %u s",
             cfg->simple_rate_window, retry);
    return refuse(why, 429, API_ERR_RATE_LIMITED, retry);
}

/* Checks that the account has no other `full` capture under way. */
static int check_one_full(const struct capture *c, struct admission_refusal *why)
{
    if (!capture_runner_has_full(c->account_id))
        return 0;
    snprintf(why->message, sizeof(why->message),
             "the account already has a full capture pending or running; stop it or wait for it "
             "to end");
    return refuse(why, 409, API_ERR_FULL_BUSY, 0);
}

int rate_limit_admit(struct job_store *store, const struct config *cfg, const struct capture *c,
                     struct admission_refusal *why)
{
    struct account_window *w = NULL;
    int rc = c->type == CAPTURE_SIMPLE ? check_simple_window(store, cfg, c, &w, why)
                                       : check_one_full(c, why);
    if (rc != 0)
        return rc;
    if (capture_runner_active() >= cfg->max_captures) {
        snprintf(why->message, sizeof(why->message),
                 "the appliance is running its maximum of %u captures (max_captures); retry when "
                 "one ends",
                 cfg->max_captures);
        return refuse(why, 503, API_ERR_CAPACITY, 0);
    }
    if (w != NULL) {
        w->prev_ms = w->last_ms;
        w->last_ms = c->submitted_ms;
    }
    return 0;
}

void rate_limit_cancel(const struct capture *c)
{
    for (size_t i = 0; c->type == CAPTURE_SIMPLE && i < windows.n; i++) {
        struct account_window *w = &windows.items[i];
        if (strcmp(w->account, c->account_id) == 0 && w->last_ms == c->submitted_ms)
            w->last_ms = w->prev_ms;
    }
}
