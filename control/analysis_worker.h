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

/* What a query asks: packets/fields, or one of the views (views.h). */
enum analysis_query_kind {
    QUERY_FIELDS, /* packets/fields: fields, filter, offset, limit. */
    QUERY_FOLLOW, /* follow: stream, udp, offset, limit. */
    QUERY_EXPERT, /* expert: nothing more. */
    QUERY_IO,     /* stats/io: interval_us, filters, offset, limit. */
    QUERY_HTTP,   /* http/requests: offset, limit. */
};

/* A query on a capture, answered into its own cache entry. */
struct analysis_query {
    enum analysis_query_kind kind; /* What it asks. */
    char fields[2048];             /* Comma-separated field names. */
    char filter[4096];             /* Display filter (io: n_filters of them, each NUL-ended). */
    unsigned n_filters;            /* io: the number of filters in filter. */
    uint64_t offset;               /* Matching frames (or segments, requests, intervals) to skip. */
    uint64_t limit;                /* Most of them to return. */
    uint64_t stream;               /* follow: the stream index. */
    bool udp;                      /* follow: a UDP stream (else TCP). */
    uint64_t interval_us;          /* io: the interval in microseconds (0: one). */
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
