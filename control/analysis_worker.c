/*
 * The analysis worker thread and its queue.  This is control-plane code:
 * a mutex and a condition variable guard the queue; the fast path never
 * sees them.
 */
#include "analysis_worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "packet_fields.h"

/* Analyses waiting or running at once, at most. */
#define WORKER_QUEUE 64
/* Longest path the worker handles. */
#define WORKER_PATH 700

/* One queued analysis. */
struct work {
    char pcap[WORKER_PATH];  /* The capture. */
    char cache[WORKER_PATH]; /* Where its answer goes. */
    bool is_query;           /* True for a packets/fields query, false for the summaries. */
    struct analysis_query q; /* The query, when is_query. */
};

/* The worker's state; `lock` guards everything below it. */
static struct {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    /* Queued work, oldest first: items[head .. head + count). */
    struct work items[WORKER_QUEUE];
    unsigned head;
    unsigned count;
    /* The cache path of the analysis running now, or empty. */
    char running[WORKER_PATH];
} worker = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* Writes the reason an analysis failed to CACHE.error; returns -1. */
static int write_error(const char *cache_path, const char *err)
{
    char error_path[WORKER_PATH + 8];
    snprintf(error_path, sizeof(error_path), "%s.error", cache_path);
    FILE *f = fopen(error_path, "w");
    if (f != NULL) {
        fputs(err, f);
        fclose(f);
    }
    return -1;
}

int analysis_worker_run(const char *pcap_path, const char *cache_path)
{
    char err[512];
    if (analysis_write_cache(pcap_path, cache_path, err, sizeof(err)) == 0)
        return 0;
    return write_error(cache_path, err);
}

int analysis_worker_run_query(const char *pcap_path, const char *cache_path,
                              const struct analysis_query *q)
{
    struct packet_source src = {.path = pcap_path};
    char err[512], tmp[WORKER_PATH + 8];
    const char *param;
    size_t pos;
    json_t *data;
    if (packet_fields_json(&src, q->fields, q->filter, q->offset, q->limit, &data, &param, &pos,
                           err, sizeof(err)) != PQ_OK)
        return write_error(cache_path, err);
    snprintf(tmp, sizeof(tmp), "%s.tmp", cache_path);
    int rc = json_dump_file(data, tmp, JSON_COMPACT);
    json_decref(data);
    if (rc != 0 || rename(tmp, cache_path) != 0) {
        unlink(tmp);
        return write_error(cache_path, "cannot write the answer");
    }
    return 0;
}

/* The thread: runs queued analyses until asked to stop. */
static void *worker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&worker.lock);
    for (;;) {
        while (!worker.stop && worker.count == 0)
            pthread_cond_wait(&worker.wake, &worker.lock);
        if (worker.stop)
            break;
        struct work w = worker.items[worker.head];
        worker.head = (worker.head + 1) % WORKER_QUEUE;
        worker.count--;
        snprintf(worker.running, sizeof(worker.running), "%s", w.cache);
        pthread_mutex_unlock(&worker.lock);
        if (w.is_query)
            analysis_worker_run_query(w.pcap, w.cache, &w.q);
        else
            analysis_worker_run(w.pcap, w.cache);
        pthread_mutex_lock(&worker.lock);
        worker.running[0] = '\0';
    }
    pthread_mutex_unlock(&worker.lock);
    return NULL;
}

int analysis_worker_start(void)
{
    int rc = pthread_create(&worker.thread, NULL, worker_main, NULL);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    worker.started = true;
    return 0;
}

void analysis_worker_stop(void)
{
    if (!worker.started)
        return;
    pthread_mutex_lock(&worker.lock);
    worker.stop = true;
    pthread_cond_signal(&worker.wake);
    pthread_mutex_unlock(&worker.lock);
    pthread_join(worker.thread, NULL);
    worker.started = false;
}

/* Tells whether `cache` is queued or running (lock held). */
static bool busy_locked(const char *cache)
{
    if (strcmp(worker.running, cache) == 0)
        return true;
    for (unsigned i = 0; i < worker.count; i++) {
        if (strcmp(worker.items[(worker.head + i) % WORKER_QUEUE].cache, cache) == 0)
            return true;
    }
    return false;
}

bool analysis_worker_busy(const char *cache_path)
{
    pthread_mutex_lock(&worker.lock);
    bool busy = busy_locked(cache_path);
    pthread_mutex_unlock(&worker.lock);
    return busy;
}

/* Queues work unless its cache is queued or running; returns 0, or -1 when full. */
static int submit(const char *pcap_path, const char *cache_path, const struct analysis_query *q)
{
    int rc = 0;
    pthread_mutex_lock(&worker.lock);
    if (!busy_locked(cache_path)) {
        if (worker.count == WORKER_QUEUE) {
            rc = -1;
        } else {
            struct work *w = &worker.items[(worker.head + worker.count) % WORKER_QUEUE];
            snprintf(w->pcap, sizeof(w->pcap), "%s", pcap_path);
            snprintf(w->cache, sizeof(w->cache), "%s", cache_path);
            w->is_query = q != NULL;
            if (q != NULL)
                w->q = *q;
            worker.count++;
            pthread_cond_signal(&worker.wake);
        }
    }
    pthread_mutex_unlock(&worker.lock);
    return rc;
}

int analysis_worker_submit(const char *pcap_path, const char *cache_path)
{
    return submit(pcap_path, cache_path, NULL);
}

int analysis_worker_submit_query(const char *pcap_path, const char *cache_path,
                                 const struct analysis_query *q)
{
    return submit(pcap_path, cache_path, q);
}
