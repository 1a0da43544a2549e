/*
 * The one way pcapd opens its SQLite database (state_dir/pcapd.db), shared
 * by the job store and the token store: WAL journaling, synchronous=NORMAL
 * (durable across a crash of the process), a bounded busy timeout (the
 * token command line and other tools may hold a lock beside the daemon),
 * and no SQLite mutexes (each connection is used by one thread at a time).
 */
#ifndef PCAPD_SQLITE_DB_H
#define PCAPD_SQLITE_DB_H

#include <stddef.h>

#include <sqlite3.h>

/* Opens (creating if needed) the database at `path` and runs `schema`, a
 * function that creates or migrates the caller's tables (waiting up to 5 s
 * for another process's lock).  From then on a statement waits at most
 * `busy_ms` for a lock before it fails with SQLITE_BUSY.  Returns the
 * connection, or NULL with a message in `err`. */
sqlite3 *sqlite_db_open(const char *path, int (*schema)(sqlite3 *db, char **msg), unsigned busy_ms,
                        char *err, unsigned err_size);

/* Copies text column `col` of the current row of `st` into `dst` of `size`
 * bytes, cut to fit and always terminated; NULL reads as "". */
void sqlite_db_column_text(sqlite3_stmt *st, int col, char *dst, size_t size);

#endif /* PCAPD_SQLITE_DB_H */
