/*
 * Running captures: the table of captures active on the dataplane, their
 * files (written as ID.pcap.part, renamed to ID.pcap once synced), their
 * deadlines, the recording of their outcome in the job store, the recovery
 * of captures a previous process left unfinished, and the retention sweep
 * that deletes old captures with their files.
 */
#include "capture_runner.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "api_errors.h"
#include "log.h"
#include "pcap_repair.h"
#include "pcapd/capture_record.h"
#include "pcapd/dataplane.h"

/* Longest pause between two retention sweeps (ms). */
#define RETENTION_SWEEP_MAX_MS 60000

/* A capture running on the dataplane. */
struct active_capture {
    /* The slot is in use. */
    bool used;
    /* The capture's id. */
    char id[CAPTURE_ID_LEN + 1];
    /* The account it belongs to. */
    char account_id[65];
    /* Its dataplane job. */
    pcapd_job_handle handle;
    /* When its time limit is up (CLOCK_MONOTONIC, ms). */
    int64_t deadline_ms;
    /* Its job is in the rx lcores' table and the store says `running`. */
    bool running;
    /* It was stopped because the disk reserve was reached. */
    bool disk_low;
};

/* The runner's state (control thread only). */
static struct {
    /* Where captures are recorded. */
    struct job_store *store;
    /* Directory of the capture files. */
    char pcap_dir[600];
    /* 1-in-N sampling of `simple` captures. */
    uint32_t sample_rate;
    /* Bytes of each packet a `full` capture keeps. */
    uint32_t full_snaplen;
    /* One entry per capture that can run at once. */
    struct active_capture *active;
    /* Entries of `active`, and how many are in use. */
    unsigned max_active;
    unsigned n_active;
    /* Ended captures older than this are deleted (ms; 0: never). */
    int64_t retention_ms;
    /* Pause between two retention sweeps, and when the next one is due
     * (CLOCK_MONOTONIC, ms). */
    int64_t sweep_interval_ms;
    int64_t next_sweep_ms;
    /* The daemon is shutting down: captures ended now were interrupted. */
    bool shutting_down;
    /* Free bytes to keep on the file system of the capture files. */
    uint64_t disk_reserve;
} runner;

/* Milliseconds on the monotonic clock. */
static int64_t now_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void capture_runner_file_path(const char *id, char *buf, unsigned size)
{
    snprintf(buf, size, "%s/%s.pcap", runner.pcap_dir, id);
}

/* Writes the path of the file being written for `id` into `buf`. */
static void part_path(const char *id, char *buf, unsigned size)
{
    snprintf(buf, size, "%s/%s.pcap.part", runner.pcap_dir, id);
}

/* Milliseconds since the Unix epoch. */
static int64_t now_realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bytes of each packet a capture of `type` keeps. */
static uint32_t snaplen_of(enum capture_type type)
{
    return type == CAPTURE_FULL ? runner.full_snaplen : PCAPD_SIMPLE_SNAPLEN;
}

/* Makes the file an interrupted capture wrote whole and final: cuts a
 * record the crash left half-written, gives the file its final name, and
 * records the packets it holds, so what was captured stays downloadable. */
static void keep_partial_file(struct capture *c, void *arg)
{
    (void)arg;
    char part[700], final[700];
    struct pcap_repair_result r;
    part_path(c->id, part, sizeof(part));
    capture_runner_file_path(c->id, final, sizeof(final));
    bool has_part = access(part, F_OK) == 0;
    if (!has_part && access(final, F_OK) != 0)
        return;
    if (pcap_repair(has_part ? part : final, snaplen_of(c->type), &r) != 0) {
        log_error("capture_repair_failed", "id=%s error=%s", c->id, log_q(strerror(errno)));
        return;
    }
    if (has_part && rename(part, final) != 0) {
        log_error("capture_repair_failed", "id=%s error=%s", c->id, log_q(strerror(errno)));
        return;
    }
    if (r.cut > 0)
        log_warn("capture_repaired", "id=%s cut_bytes=%llu", c->id, (unsigned long long)r.cut);
    c->packets_captured = r.records;
    c->file_size = r.size;
}

/* Deletes the files of capture `id` (retention callback). */
static void remove_files(const char *id, void *arg)
{
    char path[700];
    (void)arg;
    capture_runner_file_path(id, path, sizeof(path));
    if (unlink(path) != 0 && errno != ENOENT)
        log_error("file_remove_failed", "path=%s error=%s", log_q(path), log_q(strerror(errno)));
    part_path(id, path, sizeof(path));
    unlink(path);
    /* Its analysis results (control/analysis_api.c caches them there). */
    snprintf(path, sizeof(path), "%s/../analysis/%s.json", runner.pcap_dir, id);
    unlink(path);
    snprintf(path, sizeof(path), "%s/../analysis/%s.json.error", runner.pcap_dir, id);
    unlink(path);
    /* Its cached packets/fields answers (ID.q-HASH.json and .error). */
    glob_t g;
    snprintf(path, sizeof(path), "%s/../analysis/%s.q-*", runner.pcap_dir, id);
    if (glob(path, GLOB_NOSORT, NULL, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; i++)
            unlink(g.gl_pathv[i]);
    globfree(&g);
}

/* Deletes the uploaded captures (STATE_DIR/uploads/ACCOUNT/ID.pcap) last
 * written before `before` (ms since the epoch), with their analysis
 * results.  Returns how many. */
static int expire_uploads(int64_t before)
{
    char dir[700], path[1300];
    snprintf(dir, sizeof(dir), "%s/../uploads", runner.pcap_dir);
    DIR *accounts = opendir(dir);
    int n = 0;
    for (struct dirent *a; accounts != NULL && (a = readdir(accounts)) != NULL;) {
        snprintf(path, sizeof(path), "%s/%s", dir, a->d_name);
        DIR *files = a->d_name[0] == '.' ? NULL : opendir(path);
        for (struct dirent *f; files != NULL && (f = readdir(files)) != NULL;) {
            struct stat st;
            size_t len = strlen(f->d_name);
            snprintf(path, sizeof(path), "%s/%s/%s", dir, a->d_name, f->d_name);
            if (len != CAPTURE_ID_LEN + 5 || strcmp(f->d_name + CAPTURE_ID_LEN, ".pcap") != 0 ||
                stat(path, &st) != 0 || (int64_t)st.st_mtime * 1000 >= before)
                continue;
            unlink(path);
            f->d_name[CAPTURE_ID_LEN] = '\0';
            remove_files(f->d_name, NULL); /* Its analysis results. */
            n++;
        }
        if (files != NULL)
            closedir(files);
    }
    if (accounts != NULL)
        closedir(accounts);
    return n;
}

/* Deletes ended captures and uploads older than the retention period, with
 * their files. */
static void retention_sweep(void)
{
    int64_t before = now_realtime_ms() - runner.retention_ms;
    int n, total = expire_uploads(before);
    while ((n = job_store_expire(runner.store, before, remove_files, NULL)) > 0)
        total += n;
    if (n < 0)
        log_error("retention_failed", "cause=job_store");
    if (total > 0)
        log_info("retention", "deleted=%d", total);
}

/* Sets up the retention sweep from the configuration. */
static void retention_init(const struct config *cfg)
{
    runner.retention_ms = (int64_t)config_retention_seconds(cfg) * 1000;
    runner.sweep_interval_ms = runner.retention_ms / 2;
    if (runner.sweep_interval_ms > RETENTION_SWEEP_MAX_MS)
        runner.sweep_interval_ms = RETENTION_SWEEP_MAX_MS;
    if (runner.sweep_interval_ms < 1000)
        runner.sweep_interval_ms = 1000;
    runner.next_sweep_ms = now_monotonic_ms() + runner.sweep_interval_ms;
}

int capture_runner_init(struct job_store *store, const struct config *cfg, char *err,
                        unsigned err_size)
{
    runner.store = store;
    runner.sample_rate = cfg->sample_rate;
    runner.full_snaplen = cfg->full_snaplen;
    runner.max_active = cfg->max_captures;
    runner.disk_reserve = (uint64_t)cfg->disk_reserve_mb << 20;
    snprintf(runner.pcap_dir, sizeof(runner.pcap_dir), "%s/pcaps", cfg->state_dir);
    if (mkdir(runner.pcap_dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "%s: %s", runner.pcap_dir, strerror(errno));
        return -1;
    }
    runner.active = calloc(runner.max_active, sizeof(runner.active[0]));
    if (runner.active == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    int n = job_store_fail_unfinished(store, "interrupted: the daemon stopped during the capture",
                                      keep_partial_file, NULL);
    if (n < 0) {
        snprintf(err, err_size, "cannot recover unfinished captures from the store");
        return -1;
    }
    if (n > 0)
        log_warn("captures_interrupted", "count=%d", n);
    retention_init(cfg);
    if (runner.retention_ms > 0)
        retention_sweep();
    return 0;
}

unsigned capture_runner_active(void)
{
    return runner.n_active;
}

/* Returns the active entry of capture `id`, or NULL. */
static struct active_capture *active_find(const char *id)
{
    for (unsigned i = 0; i < runner.max_active; i++) {
        if (runner.active[i].used && strcmp(runner.active[i].id, id) == 0)
            return &runner.active[i];
    }
    return NULL;
}

/* Records that `c` failed with `message`. */
static void record_failure(struct capture *c, const char *message)
{
    c->status = CAPTURE_FAILED;
    snprintf(c->error_message, sizeof(c->error_message), "%s", message);
    job_store_update(runner.store, c);
}

/* Opens the partial file of capture `id` for writing.  Returns the fd or
 * -1 with errno set. */
static int open_part_file(const char *id)
{
    char path[700];
    part_path(id, path, sizeof(path));
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
}

bool capture_runner_disk_low(uint64_t *free_bytes)
{
    struct statvfs v;
    *free_bytes = UINT64_MAX;
    if (statvfs(runner.pcap_dir, &v) != 0)
        return false;
    *free_bytes = (uint64_t)v.f_bavail * v.f_frsize;
    return *free_bytes < runner.disk_reserve;
}

/* Ends every running capture while the disk is below its reserve; they are
 * recorded as failed when their jobs report their end. */
static void enforce_disk_reserve(void)
{
    uint64_t free_bytes;
    if (runner.n_active == 0 || !capture_runner_disk_low(&free_bytes))
        return;
    for (unsigned i = 0; i < runner.max_active; i++) {
        struct active_capture *a = &runner.active[i];
        if (a->used && !a->disk_low) {
            a->disk_low = true;
            pcapd_dp_job_stop(a->handle);
        }
    }
}

/* Marks capture `c` (of entry `a`) running once its job is in the table
 * the rx lcores match against; until then it stays `pending`, so a client
 * that waits for `running` knows every packet from then on is seen. */
static void mark_running(struct active_capture *a, struct capture *c)
{
    struct pcapd_job_stats stats;
    if (a->running || pcapd_dp_job_stats(a->handle, &stats) != 0 || !stats.published)
        return;
    a->running = true;
    c->status = CAPTURE_RUNNING;
    job_store_update(runner.store, c);
}

/* Marks running the pending captures whose jobs have been published. */
static void promote_published(void)
{
    for (unsigned i = 0; i < runner.max_active; i++) {
        struct active_capture *a = &runner.active[i];
        struct capture c;
        if (a->used && !a->running && job_store_get(runner.store, a->account_id, a->id, &c) == 0)
            mark_running(a, &c);
    }
}

int capture_runner_start(struct capture *c, struct capture_error *err)
{
    unsigned slot = 0;
    while (slot < runner.max_active && runner.active[slot].used)
        slot++;
    int fd = slot < runner.max_active ? open_part_file(c->id) : -1;
    if (fd < 0) {
        err->code = slot < runner.max_active ? API_ERR_INTERNAL : API_ERR_CAPACITY;
        snprintf(err->message, sizeof(err->message), "cannot start the capture: %s",
                 slot < runner.max_active ? strerror(errno) : "every capture slot is in use");
        record_failure(c, err->message);
        return -1;
    }
    /* A `full` capture without packet_limit is bounded by its time and
     * byte limits only. */
    struct pcapd_job_spec spec = {
        .filter = c->filter,
        .sample_rate = c->type == CAPTURE_SIMPLE ? runner.sample_rate : 1,
        .packet_limit = c->packet_limit != 0 ? c->packet_limit : UINT32_MAX,
        .byte_limit = c->byte_limit,
        .snaplen = snaplen_of(c->type),
        .fd = fd,
        .cookie = slot,
    };
    struct active_capture *a = &runner.active[slot];
    int rc = pcapd_dp_job_start(&spec, &a->handle);
    if (rc != 0) {
        close(fd);
        err->code = rc == -ENOSPC ? API_ERR_CAPACITY : API_ERR_INTERNAL;
        snprintf(err->message, sizeof(err->message), "cannot start the capture: %s", strerror(-rc));
        record_failure(c, err->message);
        return -1;
    }
    a->used = true;
    snprintf(a->id, sizeof(a->id), "%s", c->id);
    snprintf(a->account_id, sizeof(a->account_id), "%s", c->account_id);
    a->deadline_ms = now_monotonic_ms() + (int64_t)c->time_limit * 1000;
    a->running = false;
    a->disk_low = false;
    runner.n_active++;
    mark_running(a, c);
    return 0;
}

int capture_runner_stop(struct capture *c)
{
    struct active_capture *a = active_find(c->id);
    if (a != NULL)
        pcapd_dp_job_stop(a->handle);
    if (c->stop_requested)
        return 0;
    c->stop_requested = true;
    return job_store_update(runner.store, c);
}

void capture_runner_overlay(struct capture *c)
{
    struct active_capture *a = active_find(c->id);
    struct pcapd_job_stats stats;
    if (a == NULL || pcapd_dp_job_stats(a->handle, &stats) != 0)
        return;
    c->packets_captured = stats.packets_written;
    c->packets_dropped = stats.packets_dropped;
}

/* Syncs and closes the file of an ended job and gives it its final name.
 * Returns 0, or an errno. */
static int finish_file(const char *id, int fd)
{
    int err = fsync(fd) == 0 ? 0 : errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    char part[700], final[700];
    part_path(id, part, sizeof(part));
    capture_runner_file_path(id, final, sizeof(final));
    if (rename(part, final) != 0 && err == 0)
        err = errno;
    int dir = open(runner.pcap_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        fsync(dir);
        close(dir);
    }
    return err;
}

/* Records the end of a dataplane job in the store. */
static void on_job_ended(const struct pcapd_job_ended *e, void *arg)
{
    (void)arg;
    struct active_capture *a = &runner.active[e->cookie];
    int file_err = finish_file(a->id, e->fd);
    struct capture c;
    if (job_store_get(runner.store, a->account_id, a->id, &c) == 0) {
        c.packets_captured = e->stats.packets_written;
        c.packets_dropped = e->stats.packets_dropped;
        c.file_size = e->stats.bytes_written;
        c.status = CAPTURE_SUCCESS;
        if (runner.shutting_down && e->reason == PCAPD_JOB_END_STOPPED && !c.stop_requested) {
            c.status = CAPTURE_FAILED;
            snprintf(c.error_message, sizeof(c.error_message),
                     "interrupted: the daemon shut down during the capture");
        }
        if (a->disk_low) {
            c.status = CAPTURE_FAILED;
            snprintf(c.error_message, sizeof(c.error_message),
                     "stopped: the file system of the capture files has less than "
                     "disk_reserve_mb (%" PRIu64 " MiB) free",
                     runner.disk_reserve >> 20);
        }
        if (e->reason == PCAPD_JOB_END_WRITE_ERROR || file_err != 0) {
            c.status = CAPTURE_FAILED;
            snprintf(c.error_message, sizeof(c.error_message),
                     "writing the capture file failed: %s",
                     strerror(e->reason == PCAPD_JOB_END_WRITE_ERROR ? e->error : file_err));
        }
        job_store_update(runner.store, &c);
    }
    a->used = false;
    runner.n_active--;
}

void capture_runner_tick(void)
{
    int64_t now = now_monotonic_ms();
    if (runner.retention_ms > 0 && now >= runner.next_sweep_ms) {
        retention_sweep();
        runner.next_sweep_ms = now + runner.sweep_interval_ms;
    }
    for (unsigned i = 0; i < runner.max_active; i++) {
        if (runner.active[i].used && now >= runner.active[i].deadline_ms)
            pcapd_dp_job_stop(runner.active[i].handle);
    }
    enforce_disk_reserve();
    struct pcapd_job_ended ended[32];
    unsigned n;
    while ((n = pcapd_dp_poll_ended(ended, 32)) > 0) {
        for (unsigned i = 0; i < n; i++)
            on_job_ended(&ended[i], NULL);
    }
    promote_published();
}

void capture_runner_shutdown(void)
{
    runner.shutting_down = true;
    pcapd_dp_stop(on_job_ended, NULL);
    free(runner.active);
    runner.active = NULL;
}
