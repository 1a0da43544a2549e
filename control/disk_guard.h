/*
 * The disk guard: how much room the file system of state_dir has, read
 * off the event loop a few times a second, and what follows from it.
 * Below disk_reserve_mb the disk is LOW: running captures end as failed
 * and nothing new is written (captures, uploads, cached analyses).  Below
 * a mebibyte, or when a write has failed for lack of space, it is FULL.
 *
 * Each reading also sets the capture writers' write budget
 * (include/pcapd/pcap_budget.h), so captures stop at the reserve exactly,
 * however fast they write between two readings.
 *
 * So that the job store can still record why captures failed when the
 * disk is full (and a reserve of 0 lets captures fill it), the guard keeps
 * a ballast file, STATE_DIR/ballast (4 MiB), while there is room for it,
 * and deletes it the moment the disk becomes FULL.
 */
#ifndef PCAPD_DISK_GUARD_H
#define PCAPD_DISK_GUARD_H

#include <stdbool.h>
#include <stdint.h>

/* How the file system of state_dir stands. */
enum disk_state {
    /* More than the reserve is free. */
    DISK_OK,
    /* Less than disk_reserve_mb is free. */
    DISK_LOW,
    /* Almost nothing is free, or a write failed for lack of space. */
    DISK_FULL,
};

/* Sets the guard up for `state_dir`, keeping `reserve_bytes` free, and
 * reads the free space once (it blocks: call before the event loop). */
void disk_guard_init(const char *state_dir, uint64_t reserve_bytes);

/* Reads the free space again, off the event loop, when the last reading is
 * older than a fifth of a second (called from the periodic tick). */
void disk_guard_tick(void);

/* Returns the state of the last reading; `free_bytes` receives the free
 * space then (UINT64_MAX if it could not be read). */
enum disk_state disk_guard_state(uint64_t *free_bytes);

/* Tells whether `bytes` more can be written without going below the
 * reserve (an upload or a cached answer); `free_bytes` receives the free
 * space. */
bool disk_guard_admit(uint64_t bytes, uint64_t *free_bytes);

/* Tells whether `bytes` more can be written without going below the
 * reserve, from a fresh reading (it blocks: for offload threads, which
 * write cached answers and uploads).  Safe on any thread. */
bool disk_guard_room(uint64_t bytes);

/* Notes that a write failed with ENOSPC: the disk is FULL from now until a
 * reading shows room again, and the ballast goes at once. */
void disk_guard_note_full(void);

/* Notes that a capture writer spent the write budget: the disk is LOW
 * until a reading shows a few mebibytes above the reserve. */
void disk_guard_note_low(void);

/* Returns the name of `state`: "ok", "low" or "full". */
const char *disk_guard_state_name(enum disk_state state);

/* Returns the reserve, in bytes. */
uint64_t disk_guard_reserve(void);

#endif /* PCAPD_DISK_GUARD_H */
