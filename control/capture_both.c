/*
 * capture_path = both (capture_both.h): job pairs, one half on each path,
 * and the merge of their files when both have ended.
 */
#include "capture_both.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_files.h"
#include "log.h"
#include "offload.h"
#include "pcapd/dataplane.h"
#include "pcapd/kernel_path.h"

/* Where one half of a job is. */
enum half_state {
    /* The kernel half's file is being opened on the files lane. */
    HALF_OPENING,
    HALF_RUNNING,
    HALF_ENDED,
};

/* A job and its two halves. */
struct both_job {
    bool used;
    uint32_t gen;
    /* The spec the runner gave (its cookie, file, name and limits). */
    struct pcapd_job_spec spec;
    pcapd_job_handle dp, kp;
    enum half_state dp_state, kp_state;
    /* Each half's end, once it has ended. */
    struct pcapd_job_ended dp_end, kp_end;
    /* The job was asked to end; its files are being merged. */
    bool stop;
    bool merging;
};

/* The jobs, and merged jobs waiting to be reported (event loop only). */
static struct {
    struct both_job *jobs;
    unsigned n;
    struct pcapd_job_ended *ready;
    unsigned n_ready;
    bool stopping;
} both;

int capture_both_init(unsigned max_jobs)
{
    both.jobs = calloc(max_jobs, sizeof(both.jobs[0]));
    both.ready = calloc(max_jobs, sizeof(both.ready[0]));
    both.n = max_jobs;
    return both.jobs != NULL && both.ready != NULL ? 0 : -1;
}

/* The job of `handle`, or NULL. */
static struct both_job *job_of(pcapd_job_handle handle)
{
    uint32_t slot = (uint32_t)handle;
    if (slot >= both.n || !both.jobs[slot].used || both.jobs[slot].gen != handle >> 32)
        return NULL;
    return &both.jobs[slot];
}

/* Records the end of the kernel half that never ran. */
static void kernel_half_absent(struct both_job *j, int fd, enum pcapd_job_end reason, int error)
{
    j->kp_state = HALF_ENDED;
    j->kp_end = (struct pcapd_job_ended){
        .cookie = (uint64_t)(j - both.jobs), .fd = fd, .reason = reason, .error = error};
}

/* The kernel half's file is open (or not): starts the kernel half. */
static void start_kernel_half(struct both_job *j, int fd, int open_errno)
{
    if (both.stopping) {
        /* Opened during the shut-down: the paths have stopped. */
        kernel_half_absent(j, fd, PCAPD_JOB_END_STOPPED, 0);
        return;
    }
    if (fd < 0) {
        kernel_half_absent(j, -1, PCAPD_JOB_END_WRITE_ERROR, open_errno);
        pcapd_dp_job_stop(j->dp);
        return;
    }
    struct pcapd_job_spec s = j->spec;
    s.fd = fd;
    s.cookie = (uint64_t)(j - both.jobs);
    int rc = j->stop ? -ECANCELED : pcapd_kp_job_start(&s, &j->kp);
    if (rc == 0) {
        j->kp_state = HALF_RUNNING;
        return;
    }
    kernel_half_absent(j, fd, j->stop ? PCAPD_JOB_END_STOPPED : PCAPD_JOB_END_PATH_ERROR,
                       j->stop ? 0 : -rc);
    if (!j->stop)
        pcapd_dp_job_stop(j->dp);
}

/* Opening the kernel half's file, on the files lane. */
struct open_task {
    struct both_job *job;
    uint32_t gen;
    int fd;
    int open_errno;
};

static void open_work(void *arg)
{
    struct open_task *t = arg;
    t->fd = capture_files_open_kernel_part(t->job->spec.name);
    t->open_errno = errno;
}

static void open_done(void *arg)
{
    struct open_task *t = arg;
    struct both_job *j = t->job;
    if (j->used && j->gen == t->gen && j->kp_state == HALF_OPENING)
        start_kernel_half(j, t->fd, t->open_errno);
    else if (t->fd >= 0)
        close(t->fd); /* The job ended meanwhile (shut-down). */
    free(t);
}

int capture_both_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle)
{
    unsigned slot = 0;
    while (slot < both.n && both.jobs[slot].used)
        slot++;
    struct open_task *t = slot < both.n ? malloc(sizeof(*t)) : NULL;
    if (t == NULL)
        return slot < both.n ? -ENOMEM : -ENOSPC;
    struct both_job *j = &both.jobs[slot];
    struct pcapd_job_spec dp_spec = *spec;
    dp_spec.cookie = slot;
    int rc = pcapd_dp_job_start(&dp_spec, &j->dp);
    if (rc != 0) {
        free(t);
        return rc;
    }
    uint32_t gen = j->gen + 1;
    *j = (struct both_job){.used = true, .gen = gen, .spec = *spec, .dp = j->dp};
    j->dp_state = HALF_RUNNING;
    j->kp_state = HALF_OPENING;
    *t = (struct open_task){.job = j, .gen = gen, .fd = -1};
    if (offload_submit(OFFLOAD_FILES, open_work, open_done, t) != 0) {
        free(t);
        kernel_half_absent(j, -1, PCAPD_JOB_END_PATH_ERROR, ENOMEM);
        pcapd_dp_job_stop(j->dp);
    }
    *handle = (uint64_t)gen << 32 | slot;
    return 0;
}

void capture_both_job_stop(pcapd_job_handle handle)
{
    struct both_job *j = job_of(handle);
    if (j == NULL)
        return;
    j->stop = true;
    if (j->dp_state == HALF_RUNNING)
        pcapd_dp_job_stop(j->dp);
    if (j->kp_state == HALF_RUNNING)
        pcapd_kp_job_stop(j->kp);
}

int capture_both_job_stats(pcapd_job_handle handle, struct pcapd_job_stats *stats)
{
    struct both_job *j = job_of(handle);
    struct pcapd_job_stats d = {0}, k = {0};
    if (j == NULL)
        return -ENOENT;
    if (j->dp_state == HALF_RUNNING)
        pcapd_dp_job_stats(j->dp, &d);
    else if (j->dp_state == HALF_ENDED)
        d = j->dp_end.stats;
    if (j->kp_state == HALF_RUNNING)
        pcapd_kp_job_stats(j->kp, &k);
    else if (j->kp_state == HALF_ENDED)
        k = j->kp_end.stats;
    *stats = (struct pcapd_job_stats){
        .packets_matched = d.packets_matched + k.packets_matched,
        .packets_written = d.packets_written + k.packets_written,
        /* One file header, not two. */
        .bytes_written = d.bytes_written + (k.bytes_written > 24 ? k.bytes_written - 24 : 0),
        .packets_dropped = d.packets_dropped + k.packets_dropped,
        .published = (d.published || j->dp_state == HALF_ENDED) &&
                     (k.published || j->kp_state == HALF_ENDED),
    };
    return 0;
}

/* The more telling of the halves' end reasons: a failure, then a limit. */
static void combined_reason(const struct both_job *j, struct pcapd_job_ended *out)
{
    static const enum pcapd_job_end order[] = {PCAPD_JOB_END_WRITE_ERROR, PCAPD_JOB_END_PATH_ERROR,
                                               PCAPD_JOB_END_PACKET_LIMIT,
                                               PCAPD_JOB_END_BYTE_LIMIT};
    out->reason = PCAPD_JOB_END_STOPPED;
    out->error = 0;
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const struct pcapd_job_ended *e = j->dp_end.reason == order[i]   ? &j->dp_end
                                          : j->kp_end.reason == order[i] ? &j->kp_end
                                                                         : NULL;
        if (e != NULL) {
            out->reason = e->reason;
            out->error = e->error;
            return;
        }
    }
}

/* Merging a job's files, on the files lane. */
struct merge_task {
    struct both_job *job;
    struct pcapd_job_ended out;
};

/* Merges the halves' files of `j` into `out`, the job's end report. */
static void merge_halves(struct both_job *j, struct pcapd_job_ended *out)
{
    uint64_t records = 0, bytes = 0;
    int err = 0;
    *out = (struct pcapd_job_ended){.cookie = j->spec.cookie};
    combined_reason(j, out);
    out->fd = capture_files_merge_kernel_part(j->spec.name, j->dp_end.fd, j->kp_end.fd,
                                              j->spec.packet_limit, j->spec.byte_limit, &records,
                                              &bytes, &err);
    if (err != 0 && out->reason != PCAPD_JOB_END_WRITE_ERROR) {
        out->reason = PCAPD_JOB_END_WRITE_ERROR;
        out->error = err;
    }
    const struct pcapd_job_stats *d = &j->dp_end.stats, *k = &j->kp_end.stats;
    out->stats = (struct pcapd_job_stats){
        .packets_matched = d->packets_matched + k->packets_matched,
        .packets_written = records,
        .bytes_written = bytes,
        .packets_dropped = d->packets_dropped + k->packets_dropped,
        .published = true,
    };
}

static void merge_work(void *arg)
{
    struct merge_task *t = arg;
    merge_halves(t->job, &t->out);
}

static void merge_done(void *arg)
{
    struct merge_task *t = arg;
    both.ready[both.n_ready++] = t->out;
    t->job->used = false;
    free(t);
}

/* Merges the files of `j` once both halves have ended. */
static void maybe_merge(struct both_job *j)
{
    if (j->dp_state != HALF_ENDED || j->kp_state != HALF_ENDED || j->merging)
        return;
    j->merging = true;
    struct merge_task *t = malloc(sizeof(*t));
    if (t != NULL) {
        t->job = j;
        if (offload_submit(OFFLOAD_FILES, merge_work, merge_done, t) == 0)
            return;
    }
    /* Out of memory: merge here rather than lose the capture. */
    struct merge_task local = {.job = j};
    merge_halves(j, &local.out);
    both.ready[both.n_ready++] = local.out;
    j->used = false;
    free(t);
}

/* Takes the end of one half: a limit or a failure ends the other. */
static void half_ended(const struct pcapd_job_ended *e, bool kernel)
{
    struct both_job *j = &both.jobs[e->cookie];
    bool other_too = e->reason != PCAPD_JOB_END_STOPPED;
    if (kernel) {
        j->kp_state = HALF_ENDED;
        j->kp_end = *e;
        if (other_too && j->dp_state == HALF_RUNNING)
            pcapd_dp_job_stop(j->dp);
    } else {
        j->dp_state = HALF_ENDED;
        j->dp_end = *e;
        if (other_too && j->kp_state == HALF_RUNNING)
            pcapd_kp_job_stop(j->kp);
    }
    if (!both.stopping)
        maybe_merge(j);
}

unsigned capture_both_poll_ended(struct pcapd_job_ended *ended, unsigned max)
{
    struct pcapd_job_ended e[32];
    unsigned n;
    while ((n = pcapd_dp_poll_ended(e, 32)) > 0) {
        for (unsigned i = 0; i < n; i++)
            half_ended(&e[i], false);
    }
    while ((n = pcapd_kp_poll_ended(e, 32)) > 0) {
        for (unsigned i = 0; i < n; i++)
            half_ended(&e[i], true);
    }
    n = both.n_ready < max ? both.n_ready : max;
    memcpy(ended, both.ready, n * sizeof(ended[0]));
    memmove(both.ready, both.ready + n, (both.n_ready - n) * sizeof(ended[0]));
    both.n_ready -= n;
    return n;
}

/* Callbacks of the paths' last reports at shut-down. */
static void on_dp_stopped(const struct pcapd_job_ended *e, void *arg)
{
    (void)arg;
    half_ended(e, false);
}

static void on_kp_stopped(const struct pcapd_job_ended *e, void *arg)
{
    (void)arg;
    half_ended(e, true);
}

void capture_both_stop(void (*on_ended)(const struct pcapd_job_ended *, void *), void *arg)
{
    both.stopping = true;
    pcapd_kp_stop(on_kp_stopped, NULL);
    pcapd_dp_stop(on_dp_stopped, NULL);
    /* Files being opened or merged finish (merged jobs become ready). */
    offload_drain();
    for (unsigned i = 0; i < both.n; i++) {
        struct both_job *j = &both.jobs[i];
        if (!j->used || j->merging)
            continue;
        struct pcapd_job_ended out;
        merge_halves(j, &out);
        j->used = false;
        on_ended(&out, arg);
    }
    for (unsigned i = 0; i < both.n_ready; i++)
        on_ended(&both.ready[i], arg);
    both.n_ready = 0;
    free(both.jobs);
    free(both.ready);
    both.jobs = NULL;
    both.ready = NULL;
}
