/*
 * Captures by type and status (see capture_counts.h).
 */
#include "capture_counts.h"

/* The counts, by type and status (event loop only). */
static uint64_t counts[JOB_STORE_TYPES][JOB_STORE_STATUSES];

int capture_counts_load(struct job_store *store)
{
    return job_store_count_by_kind(store, counts);
}

void capture_counts_move(enum capture_type type, int from, int to)
{
    if (from == to)
        return;
    if (from != CAPTURE_COUNTS_NONE && counts[type][from] > 0)
        counts[type][from]--;
    if (to != CAPTURE_COUNTS_NONE)
        counts[type][to]++;
}

void capture_counts_remove(const uint64_t deleted[JOB_STORE_TYPES][JOB_STORE_STATUSES])
{
    for (unsigned t = 0; t < JOB_STORE_TYPES; t++) {
        for (unsigned s = 0; s < JOB_STORE_STATUSES; s++)
            counts[t][s] -= deleted[t][s] < counts[t][s] ? deleted[t][s] : counts[t][s];
    }
}

uint64_t capture_counts_get(enum capture_type type, enum capture_status status)
{
    return counts[type][status];
}
