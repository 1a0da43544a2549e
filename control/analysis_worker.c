/*
 * The analysis worker (see analysis_worker.h): a table of the entries
 * under way with the requests waiting on each (event loop only), the
 * computations on the ANALYSIS offload lane, and the writing of their
 * answer files (through a temporary name and a rename, within the disk
 * reserve).
 */
#include "analysis_worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "analysis.h"
#include "analysis_store.h"
#include "disk_guard.h"
#include "offload.h"
#include "packet_fields.h"
#include "views.h"

/* Entries under way at once, at most. */
#define WORKER_MAX_PENDING 64

/* One party waiting for an entry. */
struct waiter {
    analysis_done_fn fn;
    void *arg;
};

/* An entry being computed. */
struct analysis_task {
    /* The capture, its file, and the entry's path. */
    char id[40];
    char pcap[ANALYSIS_PATH_MAX];
    char entry[ANALYSIS_PATH_MAX];
    /* A packets/fields query, or the summary. */
    bool is_query;
    struct analysis_query q;
    /* The outcome, and the reason when it is not ANALYSIS_DONE. */
    enum analysis_outcome outcome;
    char why[512];
    /* Who waits. */
    struct waiter *waiters;
    unsigned n_waiters;
    /* Next entry under way. */
    struct analysis_task *next;
};

/* The entries under way (event loop only). */
static struct {
    struct analysis_task *tasks;
    unsigned n;
} worker;

unsigned analysis_worker_pending(void)
{
    return worker.n;
}

/* One answer file to write: its name in the entry and its body. */
struct answer {
    char name[64];
    char *body;
    size_t len;
};

/* Writes `n` answers into a new directory `entry` (files named by each
 * answer), or into the file `entry` when n is 1 and its name is empty,
 * through a temporary name.  Returns 0 or an errno. */
static int write_answers(const char *entry, const struct answer *a, unsigned n)
{
    char tmp[ANALYSIS_PATH_MAX + 8], path[ANALYSIS_PATH_MAX * 2];
    bool dir = !(n == 1 && a[0].name[0] == '\0');
    snprintf(tmp, sizeof(tmp), "%s.tmp", entry);
    if (dir && mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return errno;
    int err = 0;
    for (unsigned i = 0; i < n && err == 0; i++) {
        if (dir)
            snprintf(path, sizeof(path), "%s/%s.json", tmp, a[i].name);
        else
            snprintf(path, sizeof(path), "%s", tmp);
        FILE *f = fopen(path, "w");
        if (f == NULL || fwrite(a[i].body, 1, a[i].len, f) != a[i].len)
            err = errno ? errno : EIO;
        if (f != NULL && fclose(f) != 0 && err == 0)
            err = errno;
    }
    if (err == 0 && rename(tmp, entry) != 0)
        err = errno;
    if (err != 0)
        analysis_store_discard(tmp);
    return err;
}

/* Turns `data` (stolen) into an answer body {"data": data}.  Returns 0 or
 * -1. */
static int answer_of(json_t *data, const char *name, struct answer *a)
{
    snprintf(a->name, sizeof(a->name), "%s", name);
    json_t *body = json_pack("{s:o}", "data", data);
    a->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    a->len = a->body ? strlen(a->body) : 0;
    return a->body ? 0 : -1;
}

/* Stores the answers of task `t` if the disk has room for them, setting
 * its outcome.  Frees the bodies. */
static void store_answers(struct analysis_task *t, struct answer *a, unsigned n)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += a[i].len;
    int err = 0;
    if (!disk_guard_room(total)) {
        t->outcome = ANALYSIS_NO_ROOM;
        snprintf(t->why, sizeof(t->why),
                 "the answer (%llu bytes) would take the disk below disk_reserve_mb",
                 (unsigned long long)total);
    } else if (analysis_store_capture_dir(t->id) != 0 || (err = write_answers(t->entry, a, n))) {
        err = err ? err : errno;
        t->outcome = err == ENOSPC ? ANALYSIS_NO_ROOM : ANALYSIS_ERROR;
        snprintf(t->why, sizeof(t->why), "cannot store the answer: %s", strerror(err));
    } else {
        t->outcome = ANALYSIS_DONE;
        analysis_store_added(t->entry, total);
    }
    for (unsigned i = 0; i < n; i++)
        free(a[i].body);
}

/* Records that the capture of task `t` cannot be analysed. */
static void record_failure(struct analysis_task *t)
{
    char path[ANALYSIS_PATH_MAX + 8];
    t->outcome = ANALYSIS_FAILED;
    if (analysis_store_capture_dir(t->id) != 0)
        return;
    analysis_store_error_path(t->entry, path, sizeof(path));
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs(t->why, f);
        fclose(f);
    }
}

/* Computes a capture's summary: one answer per view (ANALYSIS lane). */
static void summary_work(struct analysis_task *t)
{
    static const char *const views[] = {"status", "hierarchy", "dns_lookups", "tls_hosts"};
    struct answer a[4 + 2 * ANALYSIS_TABLE_COUNT];
    unsigned n = 0;
    json_t *all, *data;
    if (analysis_results_file(t->pcap, &all, t->why, sizeof(t->why)) != 0) {
        record_failure(t);
        return;
    }
    for (unsigned i = 0; i < 4; i++) {
        if (analysis_cache_view(all, views[i], NULL, &data, t->why, sizeof(t->why)) == 0 &&
            answer_of(data, views[i], &a[n]) == 0)
            n++;
    }
    for (int k = 0; k < ANALYSIS_TABLE_COUNT; k++) {
        const char *table = analysis_table_name((enum analysis_table)k);
        for (int conv = 0; conv < 2; conv++) {
            char name[64];
            const char *view = conv ? "conversations" : "endpoints";
            snprintf(name, sizeof(name), "%s-%s", view, table);
            if (analysis_cache_view(all, view, table, &data, t->why, sizeof(t->why)) == 0 &&
                answer_of(data, name, &a[n]) == 0)
                n++;
        }
    }
    json_decref(all);
    if (n != sizeof(a) / sizeof(a[0])) {
        /* A view is missing: store nothing rather than half a summary. */
        for (unsigned i = 0; i < n; i++)
            free(a[i].body);
        t->outcome = ANALYSIS_ERROR;
        return;
    }
    store_answers(t, a, n);
}

/* Computes the data of query q on src; returns a packet_query_status. */
static int query_data(const struct analysis_query *q, const struct packet_source *src,
                      json_t **data, char *why, size_t size)
{
    const char *filters[VIEW_IO_MAX_FILTERS], *param;
    size_t pos, bad;
    switch (q->kind) {
    case QUERY_FOLLOW:
        return view_follow_json(src, q->udp, q->stream, q->offset, q->limit, data, why, size);
    case QUERY_EXPERT:
        return view_expert_json(src, data, why, size);
    case QUERY_HTTP:
        return view_http_json(src, q->offset, q->limit, data, why, size);
    case QUERY_IO:
        for (unsigned i = 0, at = 0; i < q->n_filters && i < VIEW_IO_MAX_FILTERS; i++) {
            filters[i] = q->filter + at;
            at += (unsigned)strlen(filters[i]) + 1;
        }
        return view_io_json(src, q->interval_us, filters, q->n_filters, q->offset, q->limit, data,
                            &bad, &pos, why, size);
    case QUERY_FIELDS:
        break;
    }
    return packet_fields_json(src, q->fields, q->filter, q->offset, q->limit, data, &param, &pos,
                              why, size);
}

/* Computes a query's answer (ANALYSIS lane). */
static void query_work(struct analysis_task *t)
{
    struct packet_source src = {.path = t->pcap};
    json_t *data;
    struct answer a;
    if (query_data(&t->q, &src, &data, t->why, sizeof(t->why)) != PQ_OK) {
        record_failure(t);
        return;
    }
    if (answer_of(data, "", &a) != 0) {
        t->outcome = ANALYSIS_ERROR;
        snprintf(t->why, sizeof(t->why), "out of memory");
        return;
    }
    store_answers(t, &a, 1);
}

/* Runs a task (ANALYSIS lane). */
static void task_work(void *arg)
{
    struct analysis_task *t = arg;
    if (t->is_query)
        query_work(t);
    else
        summary_work(t);
}

/* Hands a task's outcome to its waiters and forgets it (event loop). */
static void task_done(void *arg)
{
    struct analysis_task *t = arg;
    for (struct analysis_task **p = &worker.tasks; *p != NULL; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            worker.n--;
            break;
        }
    }
    for (unsigned i = 0; i < t->n_waiters; i++)
        t->waiters[i].fn(t->outcome, t->why, t->waiters[i].arg);
    free(t->waiters);
    free(t);
}

/* Adds a waiter to `t`.  Returns 0 or -1. */
static int add_waiter(struct analysis_task *t, analysis_done_fn fn, void *arg)
{
    if (fn == NULL)
        return 0;
    struct waiter *w = realloc(t->waiters, (t->n_waiters + 1) * sizeof(*w));
    if (w == NULL)
        return -1;
    t->waiters = w;
    t->waiters[t->n_waiters++] = (struct waiter){fn, arg};
    return 0;
}

/* Joins the task computing `entry`, or starts one. */
static int submit(const char *id, const char *pcap, const char *entry,
                  const struct analysis_query *q, analysis_done_fn done, void *arg)
{
    for (struct analysis_task *t = worker.tasks; t != NULL; t = t->next) {
        if (strcmp(t->entry, entry) == 0)
            return add_waiter(t, done, arg);
    }
    if (worker.n >= WORKER_MAX_PENDING)
        return -1;
    struct analysis_task *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    snprintf(t->id, sizeof(t->id), "%s", id);
    snprintf(t->pcap, sizeof(t->pcap), "%s", pcap);
    snprintf(t->entry, sizeof(t->entry), "%s", entry);
    t->is_query = q != NULL;
    if (q != NULL)
        t->q = *q;
    if (add_waiter(t, done, arg) != 0 ||
        offload_submit(OFFLOAD_ANALYSIS, task_work, task_done, t) != 0) {
        free(t->waiters);
        free(t);
        return -1;
    }
    t->next = worker.tasks;
    worker.tasks = t;
    worker.n++;
    return 0;
}

int analysis_worker_summary(const char *id, const char *pcap, analysis_done_fn done, void *arg)
{
    char entry[ANALYSIS_PATH_MAX];
    analysis_store_summary_path(id, entry, sizeof(entry));
    return submit(id, pcap, entry, NULL, done, arg);
}

int analysis_worker_query(const char *id, const char *pcap, const char *entry,
                          const struct analysis_query *q, analysis_done_fn done, void *arg)
{
    return submit(id, pcap, entry, q, done, arg);
}
