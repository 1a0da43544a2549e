/*
 * The state directory's lock and modes (see state_dir.h).
 */
#include "state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* How many modes state_dir_tighten() changed (nftw has no user argument). */
static int tightened;

/* Reads the pid the lock holder wrote into `fd`, or 0. */
static long holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

int state_dir_claim(const char *dir, char *err, unsigned err_size)
{
    char path[600];
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "state_dir %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s/pcapd.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, err_size, "state_dir %s: cannot open its lock %s: %s", dir, path,
                 strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        long pid = e == EWOULDBLOCK ? holder_pid(fd) : 0;
        close(fd);
        if (e == EWOULDBLOCK)
            snprintf(err, err_size,
                     "state_dir %s is in use by another pcapd (pid %ld holds %s); stop it or "
                     "give this one another state_dir",
                     dir, pid, path);
        else
            snprintf(err, err_size, "state_dir %s: cannot lock %s: %s", dir, path, strerror(e));
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        snprintf(err, err_size, "state_dir %s: cannot write %s: %s", dir, path, strerror(errno));
        close(fd);
        return -1;
    }
    /* The descriptor stays open, and the lock held, until the process ends. */
    return 0;
}

/* nftw callback: narrows the mode of one entry. */
static int tighten_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    mode_t want;
    if (type == FTW_D || type == FTW_DP)
        want = st->st_mode & 0700;
    else if (type == FTW_F)
        want = st->st_mode & 0600;
    else
        return 0;
    if ((st->st_mode & 07777) == want)
        return 0;
    if (chmod(path, want) != 0) {
        log_warn("state_dir_mode", "path=%s error=%s", log_q(path), log_q(strerror(errno)));
        return 0;
    }
    log_info("state_dir_mode", "path=%s from=%04o to=%04o", log_q(path),
             (unsigned)(st->st_mode & 07777), (unsigned)want);
    tightened++;
    return 0;
}

int state_dir_tighten(const char *dir)
{
    tightened = 0;
    nftw(dir, tighten_one, 16, FTW_PHYS | FTW_MOUNT);
    return tightened;
}
