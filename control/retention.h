/*
 * Retention: ended captures, and uploads, older than retention_days are
 * deleted with their files and analysis results, by a sweep that runs on
 * the store's offload lane (database and disk work) at most every minute.
 */
#ifndef PCAPD_RETENTION_H
#define PCAPD_RETENTION_H

#include "config.h"
#include "job_store.h"

/* Sets retention up from `cfg`; sweeps go through `store` (the store
 * thread's connection).  Runs one sweep now, on the calling thread, when
 * retention is on (start-up: it may block). */
void retention_init(const struct config *cfg, struct job_store *store);

/* Starts a sweep off the event loop when one is due (periodic tick). */
void retention_tick(void);

#endif /* PCAPD_RETENTION_H */
