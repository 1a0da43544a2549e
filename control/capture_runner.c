/*
 * The captures under way (see capture_runner.h): a table of slots, each
 * moving FREE -> STARTING (row inserted and file opened on the store
 * thread) -> ACTIVE (its job on the capture engine) -> FINISHING (file
 * synced and renamed on the files lane) -> RECORDING (final state being
 * written) -> FREE.  Every change to a slot's capture bumps its version;
 * the tick writes the newest versions of all changed captures to the store
 * in one transaction, one batch at a time, backing off after a failure.
 * Captures under way are found by id through an index.
 */
#include "capture_runner.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock_ms.h"
#include "api_errors.h"
#include "capture_counts.h"
#include "capture_engine.h"
#include "capture_files.h"
#include "disk_guard.h"
#include "id_index.h"
#include "log.h"
#include "offload.h"
#include "pcapd/capture_record.h"

/* Pause before writing a change again after the store failed (ms), first
 * and longest. */
#define PERSIST_RETRY_MIN_MS 100
#define PERSIST_RETRY_MAX_MS 5000

/* Where a slot's capture is in its life. */
enum slot_state {
    SLOT_FREE,
    /* Its row is being inserted and its file opened. */
    SLOT_STARTING,
    /* Its job runs on the capture engine. */
    SLOT_ACTIVE,
    /* Its job has ended; its file is being synced and renamed. */
    SLOT_FINISHING,
    /* Its final state is set; the slot frees once that is stored. */
    SLOT_RECORDING,
};

/* Why the runner itself ended a capture, when it did. */
enum forced_end {
    FORCED_NONE,
    /* The disk went below disk_reserve_mb. */
    FORCED_DISK_LOW,
    /* The disk is full. */
    FORCED_DISK_FULL,
};

/* One capture under way. */
struct run_slot {
    /* Where it is in its life. */
    enum slot_state state;
    /* The capture: the truth while it is under way. */
    struct capture c;
    /* Its job, once ACTIVE. */
    pcapd_job_handle handle;
    /* Its file's descriptor between STARTING and ACTIVE, and while
     * FINISHING. */
    int fd;
    /* When its time limit is up (CLOCK_MONOTONIC, ms). */
    int64_t deadline_ms;
    /* Why the runner ended it, if it did. */
    enum forced_end forced;
    /* Version of `c`, and the newest version the store holds (0 until its
     * row is inserted). */
    uint64_t version;
    uint64_t stored_version;
    /* The status capture_counts has it under, or CAPTURE_COUNTS_NONE before
     * its row is inserted. */
    int counted;
    /* Who waits for the create, while STARTING. */
    capture_created_fn created;
    void *created_arg;
};

/* The runner's state (event loop only). */
static struct {
    /* The store thread's connection to the job store. */
    struct job_store *store;
    /* 1-in-N sampling of `simple` captures, and the snaplen of `full` ones. */
    uint32_t sample_rate;
    uint32_t full_snaplen;
    /* The slots, how many are not free, and how many hold a `full`
     * capture. */
    struct run_slot *slots;
    unsigned n_slots;
    unsigned n_used;
    unsigned n_full;
    /* The slot of each capture under way, by id. */
    struct id_index index;
    /* A batch of changes is being written; after a failure the next waits
     * until retry_ms (CLOCK_MONOTONIC), backing off with each failure in a
     * row. */
    bool persisting;
    unsigned failures;
    int64_t retry_ms;
    /* The daemon is shutting down. */
    bool shutting_down;
} runner;

/* Limits the log lines of failed store writes. */
static struct log_rate_limit persist_rl = LOG_RATE_LIMIT_INIT(30, 5);

/* Bytes of each packet a capture of `type` keeps. */
static uint32_t snaplen_of(enum capture_type type)
{
    return type == CAPTURE_FULL ? runner.full_snaplen : PCAPD_SIMPLE_SNAPLEN;
}

/* Returns the slot of capture `id` under way, or NULL. */
static struct run_slot *slot_find(const char *id)
{
    if (strlen(id) != CAPTURE_ID_LEN)
        return NULL;
    int64_t i = id_index_find(&runner.index, id);
    return i < 0 ? NULL : &runner.slots[i];
}

/* Brings the capture counts up to date with the status of the capture of
 * `s`, which is stored. */
static void slot_count(struct run_slot *s)
{
    capture_counts_move(s->c.type, s->counted, (int)s->c.status);
    s->counted = (int)s->c.status;
}

/* Notes that a slot's capture changed and must be written again. */
static void slot_changed(struct run_slot *s)
{
    s->version++;
    if (s->stored_version > 0)
        slot_count(s);
}

/* Takes the free slot `s` for capture `c`. */
static void slot_take(struct run_slot *s, const struct capture *c)
{
    *s = (struct run_slot){
        .state = SLOT_STARTING, .c = *c, .fd = -1, .version = 1, .counted = CAPTURE_COUNTS_NONE};
    id_index_add(&runner.index, c->id, (uint32_t)(s - runner.slots));
    runner.n_used++;
    runner.n_full += c->type == CAPTURE_FULL;
}

/* Frees a slot. */
static void slot_free(struct run_slot *s)
{
    id_index_remove(&runner.index, s->c.id);
    runner.n_full -= s->c.type == CAPTURE_FULL;
    s->state = SLOT_FREE;
    runner.n_used--;
}

int capture_runner_init(const struct config *cfg, struct job_store *store, char *err,
                        unsigned err_size)
{
    runner.store = store;
    runner.sample_rate = cfg->sample_rate;
    runner.full_snaplen = cfg->full_snaplen;
    runner.n_slots = cfg->max_captures;
    runner.slots = calloc(runner.n_slots, sizeof(runner.slots[0]));
    if (runner.slots == NULL || id_index_init(&runner.index, runner.n_slots) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}

unsigned capture_runner_active(void)
{
    return runner.n_used;
}

unsigned capture_runner_list(struct capture *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < runner.n_slots && n < max; i++) {
        if (runner.slots[i].state != SLOT_FREE) {
            out[n] = runner.slots[i].c;
            capture_runner_overlay(&out[n++]);
        }
    }
    return n;
}

bool capture_runner_has_full(const char *account)
{
    for (unsigned i = 0; runner.n_full > 0 && i < runner.n_slots; i++) {
        const struct run_slot *s = &runner.slots[i];
        if (s->state != SLOT_FREE && s->c.type == CAPTURE_FULL &&
            (s->c.status == CAPTURE_PENDING || s->c.status == CAPTURE_RUNNING) &&
            strcmp(s->c.account_id, account) == 0)
            return true;
    }
    return false;
}

/* ---- Writing changes to the store ---- */

/* A batch of changed captures being written, on the store thread. */
struct persist_batch {
    /* How many, their slots, the versions written, and the captures. */
    unsigned n;
    struct run_slot **slots;
    uint64_t *versions;
    struct capture *captures;
    /* 0 or a JOB_STORE_* error. */
    int rc;
};

/* Most changes written in one batch. */
#define PERSIST_BATCH_MAX 4096

/* Frees a batch. */
static void batch_free(struct persist_batch *b)
{
    free(b->slots);
    free(b->versions);
    free(b->captures);
    free(b);
}

/* Writes the batch in one transaction (store lane). */
static void persist_work(void *arg)
{
    struct persist_batch *b = arg;
    b->rc = job_store_update_many(runner.store, b->captures, b->n);
}

/* Notes the batch's outcome (event loop). */
static void persist_done(void *arg)
{
    struct persist_batch *b = arg;
    runner.persisting = false;
    if (b->rc == 0) {
        runner.failures = 0;
        for (unsigned i = 0; i < b->n; i++) {
            struct run_slot *s = b->slots[i];
            if (b->versions[i] > s->stored_version)
                s->stored_version = b->versions[i];
            if (s->state == SLOT_RECORDING && s->stored_version == s->version)
                slot_free(s);
        }
    } else {
        if (b->rc == JOB_STORE_FULL)
            disk_guard_note_full();
        int64_t backoff = PERSIST_RETRY_MIN_MS << (runner.failures < 6 ? runner.failures : 6);
        runner.failures++;
        runner.retry_ms = clock_monotonic_ms() +
                          (backoff < PERSIST_RETRY_MAX_MS ? backoff : PERSIST_RETRY_MAX_MS);
        log_event_rl(&persist_rl, LOG_LEVEL_WARN, "capture_store_retry",
                     "captures=%u attempts=%u cause=%s", b->n, runner.failures,
                     b->rc == JOB_STORE_BUSY   ? "busy"
                     : b->rc == JOB_STORE_FULL ? "disk_full"
                                               : "error");
    }
    batch_free(b);
}

/* Tells whether slot `s`'s capture changed since it was last written. */
static bool slot_dirty(const struct run_slot *s)
{
    return s->state != SLOT_FREE && s->state != SLOT_STARTING && s->version != s->stored_version;
}

/* Starts writing every changed capture in one batch, unless one is under
 * way or the last failed too recently.  One transaction for them all, so
 * a database another process holds costs one wait, not one per capture. */
static void persist(int64_t now)
{
    if (runner.persisting || now < runner.retry_ms)
        return;
    unsigned n = 0;
    for (unsigned i = 0; i < runner.n_slots; i++)
        n += slot_dirty(&runner.slots[i]);
    if (n == 0)
        return;
    n = n < PERSIST_BATCH_MAX ? n : PERSIST_BATCH_MAX;
    struct persist_batch *b = calloc(1, sizeof(*b));
    if (b == NULL || (b->slots = malloc(n * sizeof(b->slots[0]))) == NULL ||
        (b->versions = malloc(n * sizeof(b->versions[0]))) == NULL ||
        (b->captures = malloc(n * sizeof(b->captures[0]))) == NULL) {
        if (b != NULL)
            batch_free(b);
        return;
    }
    for (unsigned i = 0; i < runner.n_slots && b->n < n; i++) {
        struct run_slot *s = &runner.slots[i];
        if (slot_dirty(s)) {
            b->slots[b->n] = s;
            b->versions[b->n] = s->version;
            b->captures[b->n++] = s->c;
        }
    }
    if (offload_submit(OFFLOAD_STORE, persist_work, persist_done, b) != 0) {
        batch_free(b);
        return;
    }
    runner.persisting = true;
}

/* ---- Starting ---- */

/* The first steps of a create, on the store thread. */
struct start_task {
    /* The slot, and its capture as it is inserted. */
    struct run_slot *slot;
    struct capture c;
    /* The part file, or -1 with open_errno. */
    int fd;
    int open_errno;
    /* The insert's result: 0 or a JOB_STORE_* error. */
    int rc;
};

/* Opens the capture's file and inserts its row (store lane). */
static void start_work(void *arg)
{
    struct start_task *t = arg;
    t->fd = capture_files_open_part(t->c.id);
    if (t->fd < 0) {
        t->open_errno = errno;
        return;
    }
    t->rc = job_store_insert(runner.store, &t->c);
    if (t->rc != 0) {
        capture_files_discard(t->c.id, t->fd);
        t->fd = -1;
    }
}

/* Fills `o` with a refusal. */
static void refuse(struct capture_outcome *o, int status, int code, unsigned retry_after,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void refuse(struct capture_outcome *o, int status, int code, unsigned retry_after,
                   const char *fmt, ...)
{
    va_list ap;
    o->http_status = status;
    o->retry_after = retry_after;
    o->err.code = code;
    va_start(ap, fmt);
    vsnprintf(o->err.message, sizeof(o->err.message), fmt, ap);
    va_end(ap);
}

/* Fills `o` for a failed insert or open. */
static void refuse_start(struct capture_outcome *o, const struct start_task *t)
{
    if (t->fd < 0 && t->rc == 0)
        refuse(o, t->open_errno == ENOSPC ? 503 : 500,
               t->open_errno == ENOSPC ? API_ERR_DISK_LOW : API_ERR_INTERNAL, 0,
               "cannot create the capture file: %s", strerror(t->open_errno));
    else if (t->rc == JOB_STORE_BUSY)
        refuse(o, 503, API_ERR_STORE_BUSY, 1, "%s",
               "the job store is busy (another process holds its lock); retry shortly");
    else if (t->rc == JOB_STORE_FULL)
        refuse(o, 503, API_ERR_DISK_LOW, 0, "%s",
               "the file system of state_dir is full: the capture cannot be stored");
    else
        refuse(o, 500, API_ERR_INTERNAL, 0, "%s", "the job store failed to save the capture");
}

/* Logs the start of the capture of `s`. */
static void log_start(const struct run_slot *s)
{
    const struct capture *c = &s->c;
    log_info("capture_start",
             "id=%s account=%s type=%s time_limit=%" PRIu32 " packet_limit=%" PRIu32
             " byte_limit=%" PRIu64,
             c->id, c->account_id, capture_type_name(c->type), c->time_limit, c->packet_limit,
             c->byte_limit);
}

/* Logs the end of the capture of `s`, whose final state is set. */
static void log_end(const struct run_slot *s)
{
    const struct capture *c = &s->c;
    if (c->status == CAPTURE_FAILED)
        log_warn("capture_end",
                 "id=%s status=failed packets=%" PRIu64 " dropped=%" PRIu64 " bytes=%" PRIu64
                 " error=%s",
                 c->id, c->packets_captured, c->packets_dropped, c->file_size,
                 log_q(c->error_message));
    else
        log_info("capture_end",
                 "id=%s status=%s packets=%" PRIu64 " dropped=%" PRIu64 " bytes=%" PRIu64
                 " stop_requested=%s",
                 c->id, capture_status_name(c->status), c->packets_captured, c->packets_dropped,
                 c->file_size, c->stop_requested ? "true" : "false");
}

/* Marks the capture of `s` running once its job is in the table the rx
 * lcores match against; until then it stays `pending`, so a client that
 * waits for `running` knows every packet from then on is seen. */
static void mark_running(struct run_slot *s)
{
    struct pcapd_job_stats stats;
    if (s->c.status != CAPTURE_PENDING || capture_engine_job_stats(s->handle, &stats) != 0 ||
        !stats.published)
        return;
    s->c.status = CAPTURE_RUNNING;
    slot_changed(s);
}

/* Starts the job of a stored capture whose file is open.  Returns 0, or
 * fills `o` and returns -1 (the capture is then recorded failed). */
static int start_job(struct run_slot *s, struct capture_outcome *o)
{
    const struct capture *c = &s->c;
    /* A `full` capture without packet_limit is bounded by its time and
     * byte limits only. */
    struct pcapd_job_spec spec = {
        .filter = c->filter,
        .sample_rate = c->type == CAPTURE_SIMPLE ? runner.sample_rate : 1,
        .packet_limit = c->packet_limit != 0 ? c->packet_limit : UINT32_MAX,
        .byte_limit = c->byte_limit,
        .snaplen = snaplen_of(c->type),
        .fd = s->fd,
        .cookie = (uint64_t)(s - runner.slots),
    };
    /* The kernel path names the capture's nftables table after it. */
    snprintf(spec.name, sizeof(spec.name), "%s", c->id);
    int rc = runner.shutting_down ? -ESHUTDOWN : capture_engine_job_start(&spec, &s->handle);
    if (rc == 0) {
        s->fd = -1;
        s->state = SLOT_ACTIVE;
        s->deadline_ms = clock_monotonic_ms() + (int64_t)c->time_limit * 1000;
        log_start(s);
        mark_running(s);
        return 0;
    }
    if (rc == -ESHUTDOWN)
        refuse(o, 503, API_ERR_CAPACITY, 0,
               "interrupted: the daemon shut down before the capture started");
    else
        refuse(o, rc == -ENOSPC ? 503 : 500, rc == -ENOSPC ? API_ERR_CAPACITY : API_ERR_INTERNAL, 0,
               "cannot start the capture: %s", strerror(-rc));
    s->c.status = CAPTURE_FAILED;
    snprintf(s->c.error_message, sizeof(s->c.error_message), "%s", o->err.message);
    slot_changed(s);
    log_end(s);
    s->state = SLOT_RECORDING;
    /* The empty file goes: there is nothing to download. */
    capture_files_discard(s->c.id, s->fd);
    s->fd = -1;
    return -1;
}

/* The row is inserted and the file open, or not (event loop). */
static void start_done(void *arg)
{
    struct start_task *t = arg;
    struct run_slot *s = t->slot;
    struct capture_outcome o = {.http_status = 200};
    if (t->fd < 0) {
        refuse_start(&o, t);
        if (t->rc == JOB_STORE_FULL || t->open_errno == ENOSPC)
            disk_guard_note_full();
        slot_free(s);
    } else {
        o.stored = true;
        s->fd = t->fd;
        s->stored_version = s->version;
        slot_count(s);
        if (start_job(s, &o) == 0 && s->c.stop_requested)
            capture_engine_job_stop(s->handle);
    }
    s->created(&s->c, &o, s->created_arg);
    free(t);
}

int capture_runner_create(const struct capture *c, capture_created_fn done, void *arg)
{
    struct run_slot *s = NULL;
    for (unsigned i = 0; i < runner.n_slots && s == NULL; i++) {
        if (runner.slots[i].state == SLOT_FREE)
            s = &runner.slots[i];
    }
    struct start_task *t = s != NULL ? malloc(sizeof(*t)) : NULL;
    if (t == NULL)
        return -1;
    *t = (struct start_task){.slot = s, .c = *c, .fd = -1};
    if (offload_submit(OFFLOAD_STORE, start_work, start_done, t) != 0) {
        free(t);
        return -1;
    }
    slot_take(s, c);
    s->created = done;
    s->created_arg = arg;
    return 0;
}

/* ---- Stopping, reading ---- */

int capture_runner_stop(const char *id, struct capture *c)
{
    struct run_slot *s = slot_find(id);
    if (s == NULL)
        return 1;
    if (!s->c.stop_requested) {
        s->c.stop_requested = true;
        slot_changed(s);
    }
    if (s->state == SLOT_ACTIVE)
        capture_engine_job_stop(s->handle);
    *c = s->c;
    capture_runner_overlay(c);
    return 0;
}

/* A stop recorded on an ended capture, through the store thread. */
struct note_stop_task {
    /* The capture with stop_requested set, and the store's result. */
    struct capture c;
    int rc;
    /* Who waits. */
    capture_stopped_fn done;
    void *arg;
};

/* Writes the stop (store lane). */
static void note_stop_work(void *arg)
{
    struct note_stop_task *t = arg;
    t->rc = job_store_update(runner.store, &t->c);
}

/* Hands the capture as stored to the waiter (event loop). */
static void note_stop_done(void *arg)
{
    struct note_stop_task *t = arg;
    if (t->rc != 0)
        t->c.stop_requested = false;
    t->done(&t->c, t->arg);
    free(t);
}

int capture_runner_note_stop(const struct capture *c, capture_stopped_fn done, void *arg)
{
    struct note_stop_task *t = malloc(sizeof(*t));
    if (t == NULL)
        return -1;
    *t = (struct note_stop_task){.c = *c, .done = done, .arg = arg};
    t->c.stop_requested = true;
    if (offload_submit(OFFLOAD_STORE, note_stop_work, note_stop_done, t) != 0) {
        free(t);
        return -1;
    }
    return 0;
}

bool capture_runner_is_under_way(const char *id)
{
    return slot_find(id) != NULL;
}

bool capture_runner_overlay(struct capture *c)
{
    struct run_slot *s = slot_find(c->id);
    if (s == NULL)
        return false;
    *c = s->c;
    struct pcapd_job_stats stats;
    if (s->state == SLOT_ACTIVE && capture_engine_job_stats(s->handle, &stats) == 0) {
        c->packets_captured = stats.packets_written;
        c->packets_dropped = stats.packets_dropped;
    }
    return true;
}

/* ---- Ending ---- */

/* A finished job's file being synced and renamed, on the files lane. */
struct finish_task {
    /* The slot, and the job's end as the engine reported it. */
    struct run_slot *slot;
    struct pcapd_job_ended e;
    /* 0 or the errno of the first step of finishing that failed. */
    int file_err;
};

/* Syncs, closes and renames the file (files lane). */
static void finish_work(void *arg)
{
    struct finish_task *t = arg;
    t->file_err = capture_files_finish(t->slot->c.id, t->e.fd);
}

/* Records that the runner ends the capture of `s` for `why`. */
static void record_forced(struct run_slot *s, enum forced_end why)
{
    s->forced = why;
    if (why == FORCED_DISK_LOW)
        snprintf(s->c.error_message, sizeof(s->c.error_message),
                 "stopped: the file system of the capture files has less than "
                 "disk_reserve_mb (%" PRIu64 " MiB) free",
                 disk_guard_reserve() >> 20);
    else
        snprintf(s->c.error_message, sizeof(s->c.error_message),
                 "stopped: the file system of the capture files is full (no space left on "
                 "device)");
    slot_changed(s);
}

/* Sets the final state of the capture of `s` from its job's end `e` and
 * the outcome of finishing its file. */
static void set_outcome(struct run_slot *s, const struct pcapd_job_ended *e, int file_err)
{
    struct capture *c = &s->c;
    c->packets_captured = e->stats.packets_written;
    c->packets_dropped = e->stats.packets_dropped;
    c->file_size = e->stats.bytes_written;
    c->status = CAPTURE_SUCCESS;
    if (runner.shutting_down && e->reason == PCAPD_JOB_END_STOPPED && !c->stop_requested &&
        s->forced == FORCED_NONE)
        snprintf(c->error_message, sizeof(c->error_message),
                 "interrupted: the daemon shut down during the capture");
    if (e->reason == PCAPD_JOB_END_PATH_ERROR)
        snprintf(c->error_message, sizeof(c->error_message),
                 "the kernel capture path could not run the capture: %s", strerror(e->error));
    int write_err = e->reason == PCAPD_JOB_END_WRITE_ERROR ? e->error : file_err;
    if (write_err == EDQUOT) {
        /* The write budget is spent: the disk reached its reserve. */
        disk_guard_note_low();
        if (s->forced == FORCED_NONE)
            record_forced(s, FORCED_DISK_LOW);
    } else if (write_err == ENOSPC) {
        disk_guard_note_full();
        if (s->forced == FORCED_NONE)
            record_forced(s, FORCED_DISK_FULL);
    } else if (write_err != 0) {
        snprintf(c->error_message, sizeof(c->error_message), "writing the capture file failed: %s",
                 strerror(write_err));
    }
    /* A cause the runner recorded when it ended the capture stays. */
    if (c->error_message[0] != '\0')
        c->status = CAPTURE_FAILED;
    slot_changed(s);
    log_end(s);
    s->state = SLOT_RECORDING;
}

/* The file is finished (event loop). */
static void finish_done(void *arg)
{
    struct finish_task *t = arg;
    set_outcome(t->slot, &t->e, t->file_err);
    free(t);
}

/* Takes the end of a job reported by the engine. */
static void on_job_ended(const struct pcapd_job_ended *e, void *arg)
{
    (void)arg;
    struct run_slot *s = &runner.slots[e->cookie];
    s->state = SLOT_FINISHING;
    struct finish_task *t = malloc(sizeof(*t));
    if (t != NULL) {
        *t = (struct finish_task){.slot = s, .e = *e};
        if (offload_submit(OFFLOAD_FILES, finish_work, finish_done, t) == 0)
            return;
        free(t);
    }
    /* Out of memory: finish here rather than lose the capture. */
    set_outcome(s, e, capture_files_finish(s->c.id, e->fd));
}

/* Ends the capture of `s` for `why`, recording the cause at once so that
 * it survives a crash before the end is recorded. */
static void force_end(struct run_slot *s, enum forced_end why)
{
    record_forced(s, why);
    capture_engine_job_stop(s->handle);
}

/* Ends the captures whose time is up, and all of them while the disk is
 * low or full. */
static void enforce_limits(int64_t now)
{
    uint64_t free_bytes;
    enum disk_state disk = disk_guard_state(&free_bytes);
    for (unsigned i = 0; i < runner.n_slots; i++) {
        struct run_slot *s = &runner.slots[i];
        if (s->state != SLOT_ACTIVE)
            continue;
        if (disk != DISK_OK && s->forced == FORCED_NONE)
            force_end(s, disk == DISK_LOW ? FORCED_DISK_LOW : FORCED_DISK_FULL);
        else if (now >= s->deadline_ms)
            capture_engine_job_stop(s->handle);
        mark_running(s);
    }
}

void capture_runner_tick(void)
{
    int64_t now = clock_monotonic_ms();
    disk_guard_tick();
    enforce_limits(now);
    struct pcapd_job_ended ended[32];
    unsigned n;
    while ((n = capture_engine_poll_ended(ended, 32)) > 0) {
        for (unsigned i = 0; i < n; i++)
            on_job_ended(&ended[i], NULL);
    }
    persist(now);
}

/* Takes the end of a job at shut-down: finishes its file here. */
static void on_job_ended_sync(const struct pcapd_job_ended *e, void *arg)
{
    (void)arg;
    struct run_slot *s = &runner.slots[e->cookie];
    set_outcome(s, e, capture_files_finish(s->c.id, e->fd));
}

void capture_runner_shutdown(void)
{
    runner.shutting_down = true;
    capture_engine_stop(on_job_ended_sync, NULL);
    /* Every task in flight completes (creates answer, files finish), so
     * the store thread's connection is free for the last writes here. */
    offload_drain();
    for (unsigned i = 0; i < runner.n_slots; i++) {
        struct run_slot *s = &runner.slots[i];
        if (slot_dirty(s) && job_store_update(runner.store, &s->c) != 0)
            log_error("capture_store_failed", "id=%s status=%s", s->c.id,
                      capture_status_name(s->c.status));
    }
    id_index_free(&runner.index);
    free(runner.slots);
    runner.slots = NULL;
}
