/*
 * The state directory's ownership: one daemon per directory.  Before
 * anything in it is read or changed, the daemon takes an exclusive lock on
 * STATE_DIR/pcapd.lock (flock, released by the kernel when the process
 * ends, however it ends) and writes its pid there, so a second daemon on
 * the same directory stops at once and names the holder.  The directory is
 * private: created 0700, its files 0600, and modes found wider at start are
 * tightened (each one logged).
 */
#ifndef PCAPD_STATE_DIR_H
#define PCAPD_STATE_DIR_H

/* Creates `dir` (0700) if needed and takes its lock, for the life of the
 * process.  Returns 0, or -1 with `err` naming the holder's pid when
 * another process has it. */
int state_dir_claim(const char *dir, char *err, unsigned err_size);

/* Tightens the modes of `dir` and everything below it: directories to
 * 0700, files to 0600 (never widening one).  Logs each change.  Returns
 * how many it changed. */
int state_dir_tighten(const char *dir);

#endif /* PCAPD_STATE_DIR_H */
