/*
 * Admission of new captures: the limits a create request must pass once it
 * is valid.  One `simple` capture per account per simple_rate_window
 * seconds (429 with Retry-After), one `full` capture pending or running per
 * account (409), and at most max_captures under way on the appliance (503).
 *
 * The decisions are made on the event loop from memory, so that two creates
 * whose rows are still being written cannot both pass: the captures under
 * way come from the capture runner, and each account's newest `simple`
 * capture is read from the job store the first time the account asks, then
 * kept here (the store holds the same after a restart).
 */
#ifndef PCAPD_RATE_LIMIT_H
#define PCAPD_RATE_LIMIT_H

#include "capture.h"
#include "config.h"
#include "job_store.h"

/* Why a capture was not admitted. */
struct admission_refusal {
    /* HTTP status of the answer (429, 409 or 503). */
    int http_status;
    /* One of enum api_error_code. */
    int code;
    /* Seconds after which a retry can succeed (Retry-After), or 0. */
    unsigned retry_after;
    /* The error message. */
    char message[256];
};

/* Decides whether the new capture `c` (its account, type and submitted
 * time are read) may start, and if so counts it.  Returns 0 if it may, 1
 * if not (with `why` filled), or a JOB_STORE_* error if the store could
 * not be read. */
int rate_limit_admit(struct job_store *store, const struct config *cfg, const struct capture *c,
                     struct admission_refusal *why);

/* Takes back the admission of `c`, whose create failed: the account's
 * window is as it was before. */
void rate_limit_cancel(const struct capture *c);

#endif /* PCAPD_RATE_LIMIT_H */
