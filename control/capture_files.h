/*
 * The capture files: STATE_DIR/pcaps/ID.pcap.part while a capture writes
 * it, renamed to ID.pcap once synced, so a download never sees half a file.
 * This module alone builds those paths.  Functions that touch the disk
 * block: the daemon runs them on an offload lane, never on the event loop.
 */
#ifndef PCAPD_CAPTURE_FILES_H
#define PCAPD_CAPTURE_FILES_H

/* Creates STATE_DIR/pcaps (0700) if needed.  Returns 0, or -1 with `err`. */
int capture_files_init(const char *state_dir, char *err, unsigned err_size);

/* Writes the path of the finished file of capture `id` into `buf`. */
void capture_files_path(const char *id, char *buf, unsigned size);

/* Writes the path of the file being written for capture `id` into `buf`. */
void capture_files_part_path(const char *id, char *buf, unsigned size);

/* Creates (emptying) the partial file of capture `id` for writing.
 * Returns the descriptor, or -1 with errno set.  Blocks. */
int capture_files_open_part(const char *id);

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
