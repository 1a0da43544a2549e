/*
 * The analysis worker: computes cached answers of the analysis API on the
 * ANALYSIS offload lane, never on the event loop.  An entry (a capture's
 * summary, or one packets/fields query) is computed once however many
 * requests ask for it meanwhile: each asker may wait for the outcome,
 * which is delivered on the event loop.  The answers land in the files
 * analysis_store.h names: the entry once complete (written through a
 * rename), or ENTRY.error with the reason the capture cannot be analysed.
 */
#ifndef PCAPD_ANALYSIS_WORKER_H
#define PCAPD_ANALYSIS_WORKER_H

#include <stdbool.h>
#include <stdint.h>

/* A packets/fields query. */
struct analysis_query {
    char fields[2048]; /* Comma-separated field names. */
    char filter[4096]; /* Display filter, or empty for every frame. */
    uint64_t offset;   /* Matching frames to skip. */
    uint64_t limit;    /* Most frames to return. */
};

/* How the computation of an entry ended. */
enum analysis_outcome {
    /* The entry is written. */
    ANALYSIS_DONE,
    /* The capture cannot be analysed; ENTRY.error says why. */
    ANALYSIS_FAILED,
    /* The answer was not stored: it would take the disk below
     * disk_reserve_mb. */
    ANALYSIS_NO_ROOM,
    /* The answer could not be stored for another reason (worth a retry). */
    ANALYSIS_ERROR,
};

/* Receives an entry's outcome on the event loop; `why` is the reason when
 * it is not ANALYSIS_DONE. */
typedef void (*analysis_done_fn)(enum analysis_outcome outcome, const char *why, void *arg);

/* Computes the summary entry of capture `id` from `pcap`, unless it is
 * under way; `done` (may be NULL) gets the outcome.  Event loop only.
 * Returns 0, or -1 when too many entries are under way. */
int analysis_worker_summary(const char *id, const char *pcap, analysis_done_fn done, void *arg);

/* Computes the answer of query `q` on capture `id` from `pcap` into
 * `entry`, unless it is under way; `done` (may be NULL) gets the outcome.
 * Event loop only.  Returns 0, or -1 when too many entries are under way. */
int analysis_worker_query(const char *id, const char *pcap, const char *entry,
                          const struct analysis_query *q, analysis_done_fn done, void *arg);

/* Tells how many entries are queued or being computed. */
unsigned analysis_worker_pending(void);

#endif /* PCAPD_ANALYSIS_WORKER_H */
