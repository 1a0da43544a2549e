/*
 * The disk guard (see disk_guard.h): statvfs and the ballast file on the
 * FILES offload lane, the last reading kept for the event loop.
 */
#include "disk_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "clock_ms.h"
#include "log.h"
#include "offload.h"
#include "pcapd/pcap_budget.h"

/* Size of the ballast file. */
#define DISK_BALLAST_BYTES (4ull << 20)
/* Free space below which the disk counts as full. */
#define DISK_FULL_BYTES (1ull << 20)
/* Room above the reserve a reading must show before a disk that reached
 * the reserve counts as OK again. */
#define DISK_LOW_CLEAR_BYTES (4ull << 20)
/* Least pause between two readings (ms). */
#define DISK_READ_INTERVAL_MS 200

/* A reading, made on the FILES lane. */
struct disk_reading {
    /* Free bytes, UINT64_MAX if statvfs failed. */
    uint64_t free_bytes;
    /* Bytes the capture writers had written when the reading started. */
    uint64_t written_before;
    /* The ballast should go (the disk is full). */
    bool drop_ballast;
};

/* The guard's state (event loop only, but for the paths). */
static struct {
    /* Where to measure, and the ballast's path. */
    char dir[600];
    char ballast[620];
    /* Bytes to keep free. */
    uint64_t reserve;
    /* The last reading, and when it was taken (CLOCK_MONOTONIC, ms). */
    uint64_t free_bytes;
    int64_t read_ms;
    /* A write failed for lack of space since the last reading. */
    bool enospc;
    /* A capture writer reached the reserve: the disk is LOW until a
     * reading shows DISK_LOW_CLEAR_BYTES above it. */
    bool low_latched;
    /* A reading is under way. */
    bool reading;
    /* The state of the last reading, to log changes. */
    enum disk_state last;
} guard;

/* Limits the log lines of the ballast's failures. */
static struct log_rate_limit ballast_rl = LOG_RATE_LIMIT_INIT(6, 2);

/* Reads the free bytes of the guarded file system. */
static uint64_t read_free(void)
{
    struct statvfs v;
    if (statvfs(guard.dir, &v) != 0)
        return UINT64_MAX;
    return (uint64_t)v.f_bavail * v.f_frsize;
}

/* Creates the ballast when there is ample room and it is missing; deletes
 * it when the disk is full.  Blocks. */
static void tend_ballast(bool drop, uint64_t free_bytes)
{
    if (drop) {
        if (unlink(guard.ballast) == 0)
            log_warn("disk_ballast_released", "bytes=%llu", DISK_BALLAST_BYTES);
        return;
    }
    if (free_bytes == UINT64_MAX || free_bytes < guard.reserve + 2 * DISK_BALLAST_BYTES ||
        access(guard.ballast, F_OK) == 0)
        return;
    int fd = open(guard.ballast, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    int rc = fd < 0 ? errno : posix_fallocate(fd, 0, (off_t)DISK_BALLAST_BYTES);
    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        unlink(guard.ballast);
        log_event_rl(&ballast_rl, LOG_LEVEL_WARN, "disk_ballast_failed", "error=%s",
                     log_q(strerror(rc)));
    }
}

/* Takes a reading (FILES lane). */
static void read_work(void *arg)
{
    struct disk_reading *r = arg;
    if (r->drop_ballast)
        tend_ballast(true, 0);
    r->free_bytes = read_free();
    if (!r->drop_ballast)
        tend_ballast(false, r->free_bytes);
}

/* Returns the state that `free_bytes` means. */
static enum disk_state state_of(uint64_t free_bytes)
{
    if (guard.enospc || free_bytes < DISK_FULL_BYTES)
        return DISK_FULL;
    if (free_bytes == UINT64_MAX)
        return DISK_OK; /* Unknown: writes will tell. */
    return free_bytes < guard.reserve || guard.low_latched ? DISK_LOW : DISK_OK;
}

/* Gives the capture writers what is left above the reserve, less what
 * they wrote since the reading started (the reading may or may not include
 * it: counting it twice errs on the safe side). */
static void set_budget(uint64_t free_bytes, uint64_t written_before)
{
    uint64_t since = pcap_budget_written() - written_before;
    if (free_bytes == UINT64_MAX) {
        pcap_budget_set(INT64_MAX);
        return;
    }
    uint64_t floor = guard.reserve > DISK_FULL_BYTES ? guard.reserve : DISK_FULL_BYTES;
    uint64_t room = free_bytes > floor + since ? free_bytes - floor - since : 0;
    pcap_budget_set(room > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)room);
}

/* Keeps a reading (event loop). */
static void read_done(void *arg)
{
    struct disk_reading *r = arg;
    guard.reading = false;
    guard.free_bytes = r->free_bytes;
    guard.read_ms = clock_monotonic_ms();
    /* Room again after a failed write, beyond what the ballast gave back:
     * the failure is history. */
    if (guard.enospc && r->free_bytes != UINT64_MAX &&
        r->free_bytes >= DISK_FULL_BYTES + DISK_BALLAST_BYTES)
        guard.enospc = false;
    if (guard.low_latched && r->free_bytes != UINT64_MAX &&
        r->free_bytes >= guard.reserve + DISK_LOW_CLEAR_BYTES)
        guard.low_latched = false;
    enum disk_state now = state_of(r->free_bytes);
    if (now != guard.last)
        log_event(now == DISK_OK ? LOG_LEVEL_INFO : LOG_LEVEL_WARN, "disk_state",
                  "state=%s free_mb=%llu reserve_mb=%llu",
                  now == DISK_OK    ? "ok"
                  : now == DISK_LOW ? "low"
                                    : "full",
                  (unsigned long long)(r->free_bytes >> 20),
                  (unsigned long long)(guard.reserve >> 20));
    guard.last = now;
    set_budget(r->free_bytes, r->written_before);
    free(r);
}

/* Starts a reading off the loop, dropping the ballast first if asked. */
static void start_reading(bool drop_ballast)
{
    struct disk_reading *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return;
    r->drop_ballast = drop_ballast;
    r->written_before = pcap_budget_written();
    guard.reading = true;
    if (offload_submit(OFFLOAD_FILES, read_work, read_done, r) != 0) {
        guard.reading = false;
        free(r);
    }
}

void disk_guard_init(const char *state_dir, uint64_t reserve_bytes)
{
    snprintf(guard.dir, sizeof(guard.dir), "%s", state_dir);
    snprintf(guard.ballast, sizeof(guard.ballast), "%s/ballast", state_dir);
    guard.reserve = reserve_bytes;
    guard.free_bytes = read_free();
    tend_ballast(false, guard.free_bytes);
    guard.free_bytes = read_free();
    guard.read_ms = clock_monotonic_ms();
    guard.last = state_of(guard.free_bytes);
    set_budget(guard.free_bytes, pcap_budget_written());
}

void disk_guard_tick(void)
{
    if (!guard.reading && clock_monotonic_ms() - guard.read_ms >= DISK_READ_INTERVAL_MS)
        start_reading(guard.last == DISK_FULL);
}

enum disk_state disk_guard_state(uint64_t *free_bytes)
{
    *free_bytes = guard.free_bytes;
    return state_of(guard.free_bytes);
}

bool disk_guard_admit(uint64_t bytes, uint64_t *free_bytes)
{
    *free_bytes = guard.free_bytes;
    if (state_of(guard.free_bytes) != DISK_OK)
        return false;
    return guard.free_bytes == UINT64_MAX || guard.free_bytes - guard.reserve >= bytes;
}

bool disk_guard_room(uint64_t bytes)
{
    uint64_t free_bytes = read_free();
    if (free_bytes == UINT64_MAX)
        return true; /* Unknown: the write itself will tell. */
    uint64_t floor = guard.reserve > DISK_FULL_BYTES ? guard.reserve : DISK_FULL_BYTES;
    return free_bytes >= floor && free_bytes - floor >= bytes;
}

void disk_guard_note_full(void)
{
    if (!guard.enospc)
        log_warn("disk_full", "cause=enospc");
    guard.enospc = true;
    pcap_budget_set(0);
    guard.last = DISK_FULL;
    if (!guard.reading)
        start_reading(true);
}

void disk_guard_note_low(void)
{
    if (!guard.low_latched)
        log_warn("disk_reserve_reached", "reserve_mb=%llu",
                 (unsigned long long)(guard.reserve >> 20));
    guard.low_latched = true;
    if (guard.last == DISK_OK)
        guard.last = DISK_LOW;
}

uint64_t disk_guard_reserve(void)
{
    return guard.reserve;
}

const char *disk_guard_state_name(enum disk_state state)
{
    static const char *const names[] = {[DISK_OK] = "ok", [DISK_LOW] = "low", [DISK_FULL] = "full"};
    return names[state];
}
