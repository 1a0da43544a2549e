/*
 * The capture files' layout and their life cycle on disk (see
 * capture_files.h).
 */
#include "capture_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pcapd/pcap_merge.h"

/* Directory of the capture files. */
static char files_dir[600];

int capture_files_init(const char *state_dir, char *err, unsigned err_size)
{
    snprintf(files_dir, sizeof(files_dir), "%s/pcaps", state_dir);
    if (mkdir(files_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "%s: %s", files_dir, strerror(errno));
        return -1;
    }
    return 0;
}

void capture_files_path(const char *id, char *buf, unsigned size)
{
    snprintf(buf, size, "%s/%s.pcap", files_dir, id);
}

void capture_files_part_path(const char *id, char *buf, unsigned size)
{
    snprintf(buf, size, "%s/%s.pcap.part", files_dir, id);
}

int capture_files_open_part(const char *id)
{
    char path[700];
    capture_files_part_path(id, path, sizeof(path));
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

/* Writes the path of the kernel path's partial file of capture `id`. */
static void kernel_part_path(const char *id, char *buf, unsigned size)
{
    snprintf(buf, size, "%s/%s.kernel.pcap.part", files_dir, id);
}

int capture_files_open_kernel_part(const char *id)
{
    char path[700];
    kernel_part_path(id, path, sizeof(path));
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

int capture_files_merge_kernel_part(const char *id, int fd, int kernel_fd, uint64_t packet_limit,
                                    uint64_t byte_limit, uint64_t *records, uint64_t *bytes,
                                    int *err)
{
    char part[700], kpart[700], msg[256];
    capture_files_part_path(id, part, sizeof(part));
    kernel_part_path(id, kpart, sizeof(kpart));
    if (kernel_fd >= 0)
        close(kernel_fd);
    if (fd >= 0)
        close(fd);
    /* A kernel half that never started left no pcap: the DPDK half alone. */
    struct stat st;
    unsigned n = stat(kpart, &st) == 0 && st.st_size >= 24 ? 2 : 1;
    const char *inputs[] = {part, kpart};
    int rc = pcap_merge_files(inputs, NULL, n, part, packet_limit, byte_limit, records, bytes, msg,
                              sizeof(msg));
    if (rc != 0)
        log_error("merge_failed", "capture=%s error=%s", id, log_q(msg));
    unlink(kpart);
    int merged = open(part, O_WRONLY | O_APPEND | O_CLOEXEC);
    *err = rc != 0 ? -rc : merged < 0 ? errno : 0;
    return merged;
}

int capture_files_recover_kernel_part(const char *id, uint64_t *records, uint64_t *bytes)
{
    char kpart[700];
    struct stat st;
    kernel_part_path(id, kpart, sizeof(kpart));
    if (stat(kpart, &st) != 0)
        return 0;
    if (st.st_size < 24) {
        unlink(kpart);
        return 0;
    }
    int err;
    int fd = capture_files_merge_kernel_part(id, -1, -1, 0, 0, records, bytes, &err);
    if (fd >= 0)
        close(fd);
    return err != 0 ? -err : 1;
}

/* Syncs the directory of the capture files, so a rename survives a power
 * loss. */
static void sync_dir(void)
{
    int dir = open(files_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        fsync(dir);
        close(dir);
    }
}

int capture_files_finish(const char *id, int fd)
{
    int err = fsync(fd) == 0 ? 0 : errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    char part[700], final[700];
    capture_files_part_path(id, part, sizeof(part));
    capture_files_path(id, final, sizeof(final));
    if (rename(part, final) != 0 && err == 0)
        err = errno;
    sync_dir();
    return err;
}

void capture_files_discard(const char *id, int fd)
{
    char part[700];
    close(fd);
    capture_files_part_path(id, part, sizeof(part));
    unlink(part);
}

void capture_files_remove(const char *id)
{
    char path[700];
    capture_files_path(id, path, sizeof(path));
    if (unlink(path) != 0 && errno != ENOENT)
        log_error("file_remove_failed", "path=%s error=%s", log_q(path), log_q(strerror(errno)));
    capture_files_part_path(id, path, sizeof(path));
    unlink(path);
    kernel_part_path(id, path, sizeof(path));
    unlink(path);
}
