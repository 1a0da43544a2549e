/*
 * The capture files: STATE_DIR/pcaps/ID.pcap.part while a capture writes
 * it, renamed to ID.pcap once synced, so a download never sees half a file.
 * With capture_path = both, the kernel path writes ID.kernel.pcap.part
 * beside it, merged into ID.pcap.part when the capture ends.
 * This module alone builds those paths.  Functions that touch the disk
 * block: the daemon runs them on an offload lane, never on the event loop.
 */
#ifndef PCAPD_CAPTURE_FILES_H
#define PCAPD_CAPTURE_FILES_H

#include <stdint.h>

/* Creates STATE_DIR/pcaps (0700) if needed.  Returns 0, or -1 with `err`. */
int capture_files_init(const char *state_dir, char *err, unsigned err_size);

/* Writes the path of the finished file of capture `id` into `buf`. */
void capture_files_path(const char *id, char *buf, unsigned size);

/* Writes the path of the file being written for capture `id` into `buf`. */
void capture_files_part_path(const char *id, char *buf, unsigned size);

/* Creates (emptying) the partial file of capture `id` for writing.
 * Returns the descriptor, or -1 with errno set.  Blocks. */
int capture_files_open_part(const char *id);

/* Creates (emptying) the kernel path's partial file of capture `id`
 * (capture_path = both).  Returns the descriptor, or -1 with errno set.
 * Blocks. */
int capture_files_open_kernel_part(const char *id);

/* Merges the kernel path's partial file of capture `id` into its partial
 * file, by time, keeping the earliest packets within the limits (0: none),
 * and removes it; closes `fd` and `kernel_fd` (each if not -1), the
 * descriptors they were written through.  A kernel part that holds no pcap
 * (its half never started) is left out.  Returns the merged partial file's descriptor for
 * capture_files_finish() and its records and bytes, or -1 with `*err`
 * set to an errno (the partial file is then the DPDK path's alone).
 * Blocks. */
int capture_files_merge_kernel_part(const char *id, int fd, int kernel_fd, uint64_t packet_limit,
                                    uint64_t byte_limit, uint64_t *records, uint64_t *bytes,
                                    int *err);

/* After a crash: merges the kernel path's partial file of capture `id`,
 * if it holds packets, into its partial file (repaired first), and removes
 * it.  Returns 1 with the merged file's records and bytes, 0 when there
 * was none, or a negative errno.  Blocks. */
int capture_files_recover_kernel_part(const char *id, uint64_t *records, uint64_t *bytes);

/* Syncs and closes `fd`, the partial file of capture `id`, gives it its
 * final name and syncs the directory.  Returns 0 or an errno (the first
 * step that failed).  Blocks. */
int capture_files_finish(const char *id, int fd);

/* Closes `fd` and removes the partial file of capture `id` (a capture that
 * could not start).  Blocks. */
void capture_files_discard(const char *id, int fd);

/* Removes both files of capture `id`, if they exist.  Blocks. */
void capture_files_remove(const char *id);

#endif /* PCAPD_CAPTURE_FILES_H */
