/*
 * The offload lanes: per lane a FIFO of tasks under a mutex and condition
 * variable, and its worker threads; finished tasks go back to the event
 * loop as h2o multithread messages.  Control-plane code only: the fast
 * path never sees these locks.
 */
#include "offload.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "h2o/multithread.h"

/* Most threads a lane may have. */
#define OFFLOAD_MAX_THREADS 8

/* One task.  `msg` must stay first: the loop gets the message back. */
struct offload_task {
    /* How the finished task travels back to the event loop. */
    h2o_multithread_message_t msg;
    /* Next task in its lane's queue. */
    struct offload_task *next;
    /* The lane it runs on. */
    enum offload_lane lane;
    /* What it does on a worker thread, and on the loop afterwards. */
    offload_fn work;
    offload_fn done;
    void *arg;
};

/* One lane; `lock` guards the queue and `stop`. */
struct offload_lane_state {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    /* Queued tasks, oldest first. */
    struct offload_task *head, *tail;
    /* The threads have been asked to end once the queue is empty. */
    bool stop;
    /* Its threads. */
    pthread_t threads[OFFLOAD_MAX_THREADS];
    unsigned n_threads;
    /* Tasks submitted whose completion has not run yet (event loop only). */
    unsigned pending;
};

/* Every lane and the way back to the loop. */
static struct {
    struct offload_lane_state lanes[OFFLOAD_LANES];
    h2o_loop_t *loop;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t receiver;
    bool started;
} off;

/* Runs the completions of finished tasks (on the event loop). */
static void on_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&m->link);
        struct offload_task *t = (struct offload_task *)m;
        off.lanes[t->lane].pending--;
        if (t->done != NULL)
            t->done(t->arg);
        free(t);
    }
}

/* Niceness of the analysis and history lanes' threads: their work is
 * CPU-bound and can last minutes; on a host where the dataplane takes whole cores, the
 * event loop must win the CPU it shares with them. */
#define OFFLOAD_ANALYSIS_NICE 10

/* A worker thread: runs its lane's tasks until asked to stop. */
static void *lane_main(void *arg)
{
    struct offload_lane_state *l = arg;
    if (l == &off.lanes[OFFLOAD_ANALYSIS] || l == &off.lanes[OFFLOAD_HISTORY])
        setpriority(PRIO_PROCESS, (id_t)gettid(), OFFLOAD_ANALYSIS_NICE);
    pthread_mutex_lock(&l->lock);
    for (;;) {
        while (!l->stop && l->head == NULL)
            pthread_cond_wait(&l->wake, &l->lock);
        struct offload_task *t = l->head;
        if (t == NULL)
            break; /* stop, and nothing left */
        l->head = t->next;
        if (l->head == NULL)
            l->tail = NULL;
        pthread_mutex_unlock(&l->lock);
        t->work(t->arg);
        h2o_multithread_send_message(&off.receiver, &t->msg);
        pthread_mutex_lock(&l->lock);
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

const char *offload_lane_name(enum offload_lane lane)
{
    static const char *const names[OFFLOAD_LANES] = {
        [OFFLOAD_STORE] = "store",          [OFFLOAD_FILES] = "files",
        [OFFLOAD_ANALYSIS] = "analysis",    [OFFLOAD_HISTORY] = "history",
        [OFFLOAD_BUCKET] = "bucket",        [OFFLOAD_FLEET] = "fleet",
        [OFFLOAD_FLEET_SYNC] = "fleet_sync"};
    _Static_assert(OFFLOAD_LANES == 7, "every lane has a name");
    return names[lane];
}

int offload_start(h2o_loop_t *loop, const unsigned threads[OFFLOAD_LANES], char *err,
                  unsigned err_size)
{
    off.loop = loop;
    off.queue = h2o_multithread_create_queue(loop);
    h2o_multithread_register_receiver(off.queue, &off.receiver, on_done);
    for (int i = 0; i < OFFLOAD_LANES; i++) {
        struct offload_lane_state *l = &off.lanes[i];
        pthread_mutex_init(&l->lock, NULL);
        pthread_cond_init(&l->wake, NULL);
        unsigned n = threads[i] < 1                     ? 1
                     : threads[i] > OFFLOAD_MAX_THREADS ? OFFLOAD_MAX_THREADS
                                                        : threads[i];
        for (; l->n_threads < n; l->n_threads++) {
            int rc = pthread_create(&l->threads[l->n_threads], NULL, lane_main, l);
            if (rc != 0) {
                snprintf(err, err_size, "cannot start a worker thread: %s", strerror(rc));
                return -1;
            }
        }
    }
    off.started = true;
    return 0;
}

int offload_submit(enum offload_lane lane, offload_fn work, offload_fn done, void *arg)
{
    struct offload_task *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    t->lane = lane;
    t->work = work;
    t->done = done;
    t->arg = arg;
    struct offload_lane_state *l = &off.lanes[lane];
    l->pending++;
    pthread_mutex_lock(&l->lock);
    if (l->tail != NULL)
        l->tail->next = t;
    else
        l->head = t;
    l->tail = t;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    return 0;
}

unsigned offload_pending(enum offload_lane lane)
{
    return off.lanes[lane].pending;
}

void offload_drain(void)
{
    if (!off.started)
        return;
    for (;;) {
        unsigned pending = 0;
        for (int i = 0; i < OFFLOAD_LANES; i++)
            pending += off.lanes[i].pending;
        if (pending == 0)
            return;
        h2o_evloop_run(off.loop, 10);
    }
}

void offload_stop(void)
{
    if (!off.started)
        return;
    for (int i = 0; i < OFFLOAD_LANES; i++) {
        struct offload_lane_state *l = &off.lanes[i];
        pthread_mutex_lock(&l->lock);
        l->stop = true;
        pthread_cond_broadcast(&l->wake);
        pthread_mutex_unlock(&l->lock);
        for (unsigned k = 0; k < l->n_threads; k++)
            pthread_join(l->threads[k], NULL);
        l->n_threads = 0;
    }
    /* Completions of tasks that ran after the last drain (none when the
     * caller drained first) are dropped with the queue. */
    h2o_multithread_unregister_receiver(off.queue, &off.receiver);
    h2o_multithread_destroy_queue(off.queue);
    off.started = false;
}
