/*
 * Recovery at start-up of the captures a previous process left unfinished
 * (it crashed, was killed, or lost power): each is marked failed, and its
 * file, cut back to its last whole record, kept under its final name with
 * the packets it holds, so what was captured stays downloadable.  A cause
 * recorded before the end (a full disk) is kept.
 */
#ifndef PCAPD_CAPTURE_RECOVERY_H
#define PCAPD_CAPTURE_RECOVERY_H

#include <stdint.h>

#include "job_store.h"

/* Recovers every unfinished capture of `store`; `full_snaplen` is the
 * snaplen a full capture's file header gets if it must be written anew.
 * Runs before the event loop starts (it blocks).  Returns how many
 * captures it recovered, or -1 if the store failed. */
int capture_recovery_run(struct job_store *store, uint32_t full_snaplen);

#endif /* PCAPD_CAPTURE_RECOVERY_H */
