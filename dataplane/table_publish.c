/*
 * Publication of the job table to the rx lcores: read-copy-update.  Each
 * change builds a new immutable table from the ACTIVE slots and swaps the
 * pointer; the old table goes on an RCU QSBR defer queue and is freed once
 * every rx lcore has reported a quiescent state.
 *
 * A build of a few rules takes microseconds and is made at once, on the
 * thread that asked for it (the control thread), so a job is published
 * when its start returns.  A build of thousands of rules takes
 * milliseconds to hundreds of them: those run on the publisher, a DPDK
 * control thread, so the control plane's event loop never waits on one;
 * every change made meanwhile goes out in its next build.  Waiting for a
 * grace period (when the defer queue is full) and freeing retired tables
 * happen on the publisher too.
 *
 * The slots and the publication state are shared by the control thread and
 * the publisher under `lock`, which lcores never touch.  A build works on
 * a snapshot of the rules taken under the lock, and its commit marks only
 * the slots of that snapshot: a job that left the ACTIVE set after the
 * snapshot is still in the new table, so its removal waits for the next.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_internal.h"

/* Builds faster than this are made on the asking thread (ns). */
#define DP_SYNC_BUILD_NS 500000
/* The publisher reclaims retired tables at least this often (ms). */
#define DP_PUBLISHER_PERIOD_MS 10

/* A retired table on the defer queue. */
struct dp_deferred {
    /* The table to free after the grace period. */
    struct classifier *table;
    /* Sequence number of the table that replaced it. */
    uint64_t replaced_by_seq;
};

/* One slot of a build's snapshot. */
struct dp_snap_slot {
    uint32_t slot;
    uint32_t gen;
};

/* The publication state; everything below `lock` is guarded by it. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    /* The publisher thread, and whether it must end. */
    pthread_t thread;
    bool thread_started;
    bool quit;
    /* A build is under way (on either thread). */
    bool building;
    /* Changes to the ACTIVE set since start; a build remembers the count
     * it saw, so that it knows whether it published them all. */
    uint64_t changes;
    /* The ACTIVE set differs from the published table's rules. */
    bool dirty;
    /* Sequence of the published table, and the newest sequence every rx
     * lcore is known to have moved to (older tables are unreachable). */
    uint64_t table_seq;
    uint64_t quiescent_seq;
    /* Per slot: sequence of the first table without the slot's job, or 0. */
    uint64_t *removed_seq;
    /* How long the last build took (ns). */
    uint64_t last_build_ns;
    /* A build's snapshot: rules, the slots in the table, the slots left
     * out because they are retiring.  Sized for every slot. */
    struct classifier_rule *rules;
    struct dp_snap_slot *snap_in, *snap_out;
} pub = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

void dp_pub_lock(void)
{
    pthread_mutex_lock(&pub.lock);
}

void dp_pub_unlock(void)
{
    pthread_mutex_unlock(&pub.lock);
}

/* Frees retired tables once their grace period is over (defer queue
 * callback, lock held). */
static void dp_deferred_free(void *p, void *e, unsigned int n)
{
    (void)p;
    struct dp_deferred *d = e;
    for (unsigned i = 0; i < n; i++) {
        classifier_free(d[i].table);
        if (d[i].replaced_by_seq > pub.quiescent_seq)
            pub.quiescent_seq = d[i].replaced_by_seq;
    }
}

/* Takes the build's snapshot from the slots (lock held).  Returns how many
 * rules it holds; `n_in` and `n_out` receive the counts of the slots in
 * the table and of the retiring ones left out. */
static uint32_t dp_snapshot(uint32_t *n_in, uint32_t *n_out)
{
    uint32_t n = 0, out = 0;
    for (uint32_t i = 0; i < dp.cfg.max_jobs; i++) {
        const struct dp_slot *s = &dp.slots[i];
        if (s->state == DP_SLOT_ACTIVE) {
            pub.rules[n] = s->rule;
            pub.snap_in[n++] = (struct dp_snap_slot){i, s->gen};
        } else if (s->state == DP_SLOT_RETIRING && pub.removed_seq[i] == 0) {
            pub.snap_out[out++] = (struct dp_snap_slot){i, s->gen};
        }
    }
    *n_in = n;
    *n_out = out;
    return n;
}

/* Swaps `next` in and retires the old table (lock held; dropped while a
 * full defer queue makes it wait for a grace period). */
static void dp_swap(struct classifier *next)
{
    /* Unpublish the old table first, then queue it: the defer queue takes
     * its grace-period token at enqueue, and an rx lcore that reports a
     * quiescent state before the swap may load the old table again, so a
     * token taken before the swap would let the table be freed under it. */
    struct dp_deferred d = {
        .table = atomic_load_explicit(&dp.table, memory_order_relaxed),
        .replaced_by_seq = pub.table_seq + 1,
    };
    atomic_store_explicit(&dp.table, next, memory_order_release);
    pub.table_seq++;
    if (rte_rcu_qsbr_dq_enqueue(dp.dq, &d) != 0) {
        /* The defer queue is full (an rx lcore has not reported in a long
         * time): wait for the grace period, without the lock. */
        pthread_mutex_unlock(&pub.lock);
        rte_rcu_qsbr_synchronize(dp.qsbr, RTE_QSBR_THRID_INVALID);
        pthread_mutex_lock(&pub.lock);
        dp_deferred_free(NULL, &d, 1);
    }
}

/* Builds a table from the ACTIVE slots and publishes it (lock held; it is
 * dropped during the build).  On failure the table stays dirty and the
 * publisher tries again. */
static void dp_publish(void)
{
    uint32_t n_in, n_out;
    uint64_t changes = pub.changes;
    uint32_t n = dp_snapshot(&n_in, &n_out);
    pub.building = true;
    pthread_mutex_unlock(&pub.lock);
    uint64_t t0 = rte_rdtsc();
    struct classifier *next = classifier_build(pub.rules, n);
    uint64_t ns = (rte_rdtsc() - t0) * 1000000000ull / rte_get_tsc_hz();
    pthread_mutex_lock(&pub.lock);
    pub.building = false;
    pub.last_build_ns = ns;
    if (next == NULL)
        return;
    dp_swap(next);
    for (uint32_t i = 0; i < n_in; i++) {
        struct dp_slot *s = &dp.slots[pub.snap_in[i].slot];
        if (s->gen == pub.snap_in[i].gen && s->published_seq == 0)
            s->published_seq = pub.table_seq;
    }
    for (uint32_t i = 0; i < n_out; i++) {
        uint32_t slot = pub.snap_out[i].slot;
        if (dp.slots[slot].gen == pub.snap_out[i].gen && pub.removed_seq[slot] == 0)
            pub.removed_seq[slot] = pub.table_seq;
    }
    pub.dirty = pub.changes != changes;
}

void dp_publish_request(void)
{
    pub.changes++;
    pub.dirty = true;
    if (!pub.building && pub.last_build_ns < DP_SYNC_BUILD_NS)
        dp_publish();
    else
        pthread_cond_signal(&pub.wake);
}

bool dp_publish_grace_over(uint32_t slot)
{
    return pub.removed_seq[slot] != 0 && pub.removed_seq[slot] <= pub.quiescent_seq;
}

void dp_publish_slot_reset(uint32_t slot)
{
    pub.removed_seq[slot] = 0;
}

void dp_publish_stats(struct pcapd_dp_stats *stats)
{
    stats->table_builds = pub.table_seq;
    stats->table_build_ns = pub.last_build_ns;
    stats->table_pending = pub.dirty;
}

/* Niceness of the publisher: large builds take up to hundreds of
 * milliseconds of CPU, which the control plane's event loop, sharing the
 * same cores, must win. */
#define DP_PUBLISHER_NICE 10

/* The publisher thread: builds what the control thread left to it and
 * reclaims retired tables, until asked to end. */
static void *dp_publisher_main(void *arg)
{
    (void)arg;
    setpriority(PRIO_PROCESS, (id_t)gettid(), DP_PUBLISHER_NICE);
    pthread_mutex_lock(&pub.lock);
    while (!pub.quit) {
        if (pub.dirty && !pub.building) {
            dp_publish();
            continue;
        }
        rte_rcu_qsbr_dq_reclaim(dp.dq, UINT32_MAX, NULL, NULL, NULL);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += DP_PUBLISHER_PERIOD_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&pub.wake, &pub.lock, &until);
    }
    pthread_mutex_unlock(&pub.lock);
    return NULL;
}

/* Creates the RCU variable and the defer queue of retired tables. */
static int dp_create_rcu(char *err, unsigned err_size)
{
    size_t sz = rte_rcu_qsbr_get_memsize(dp.n_rx);
    dp.qsbr = rte_zmalloc("pcapd_qsbr", sz, RTE_CACHE_LINE_SIZE);
    if (dp.qsbr == NULL || rte_rcu_qsbr_init(dp.qsbr, dp.n_rx) != 0) {
        snprintf(err, err_size, "cannot create the RCU variable");
        return -ENOMEM;
    }
    struct rte_rcu_qsbr_dq_parameters params = {
        .name = "pcapd_tables",
        .flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
        .size = 2 * dp.cfg.max_jobs + 64,
        .esize = sizeof(struct dp_deferred),
        .trigger_reclaim_limit = 32,
        .max_reclaim_size = 2 * dp.cfg.max_jobs + 64,
        .free_fn = dp_deferred_free,
        .p = NULL,
        .v = dp.qsbr,
    };
    dp.dq = rte_rcu_qsbr_dq_create(&params);
    if (dp.dq == NULL) {
        snprintf(err, err_size, "cannot create the RCU defer queue: %s", rte_strerror(rte_errno));
        return -ENOMEM;
    }
    return 0;
}

int dp_publish_init(char *err, unsigned err_size)
{
    unsigned max = dp.cfg.max_jobs;
    pub.changes = pub.table_seq = pub.quiescent_seq = pub.last_build_ns = 0;
    pub.dirty = pub.building = pub.quit = false;
    pub.removed_seq = calloc(max, sizeof(pub.removed_seq[0]));
    pub.rules = calloc(max + 1, sizeof(pub.rules[0]));
    pub.snap_in = calloc(max, sizeof(pub.snap_in[0]));
    pub.snap_out = calloc(max, sizeof(pub.snap_out[0]));
    if (pub.removed_seq == NULL || pub.rules == NULL || pub.snap_in == NULL ||
        pub.snap_out == NULL) {
        snprintf(err, err_size, "cannot allocate the publication state of %u jobs", max);
        return -ENOMEM;
    }
    int rc = dp_create_rcu(err, err_size);
    if (rc != 0)
        return rc;
    struct classifier *empty = classifier_build(NULL, 0);
    if (empty == NULL) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    atomic_store_explicit(&dp.table, empty, memory_order_release);
    rc = rte_ctrl_thread_create(&pub.thread, "pcapd-publish", NULL, dp_publisher_main, NULL);
    if (rc != 0) {
        snprintf(err, err_size, "cannot start the table publisher: %s", strerror(-rc));
        return rc;
    }
    pub.thread_started = true;
    return 0;
}

void dp_publish_stop(void)
{
    if (pub.thread_started) {
        pthread_mutex_lock(&pub.lock);
        pub.quit = true;
        pthread_cond_signal(&pub.wake);
        pthread_mutex_unlock(&pub.lock);
        pthread_join(pub.thread, NULL);
        pub.thread_started = false;
    }
}

void dp_publish_fini(void)
{
    /* The rx lcores are offline: every grace period is over. */
    rte_rcu_qsbr_dq_delete(dp.dq);
    classifier_free(atomic_load_explicit(&dp.table, memory_order_relaxed));
    free(pub.removed_seq);
    free(pub.rules);
    free(pub.snap_in);
    free(pub.snap_out);
    pub.removed_seq = NULL;
    pub.rules = NULL;
    pub.snap_in = pub.snap_out = NULL;
}
