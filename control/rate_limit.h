/*
 * Admission of new captures: the limits a create request must pass once it
 * is valid.  One `simple` capture per account per simple_rate_window
 * seconds (429 with Retry-After), one `full` capture pending or running per
 * account (409), and at most max_captures running on the appliance (503).
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
 * time are read) may start while `active` captures are running.  Returns
 * 0 if it may, 1 if not (with `why` filled), or -1 if the store failed. */
int rate_limit_admit(struct job_store *store, const struct config *cfg, const struct capture *c,
                     unsigned active, struct admission_refusal *why);

#endif /* PCAPD_RATE_LIMIT_H */
