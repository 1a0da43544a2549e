/*
 * Opening pcapd's SQLite database with the settings every store uses.
 */
#include "sqlite_db.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* How long opening waits for another process's lock (ms). */
#define SQLITE_DB_OPEN_BUSY_MS 5000

/* Turns SQLite's memory statistics off before its first use: they take a
 * process-wide mutex on every allocation, and pcapd reads none of them. */
static void sqlite_db_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

sqlite3 *sqlite_db_open(const char *path, int (*schema)(sqlite3 *db, char **msg), unsigned busy_ms,
                        char *err, unsigned err_size)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, sqlite_db_configure);
    sqlite3 *db = NULL;
    char *msg = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, SQLITE_DB_OPEN_BUSY_MS) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, &msg) !=
            SQLITE_OK ||
        schema(db, &msg) != SQLITE_OK || sqlite3_busy_timeout(db, (int)busy_ms) != SQLITE_OK) {
        snprintf(err, err_size, "%s: %s", path,
                 msg  ? msg
                 : db ? sqlite3_errmsg(db)
                      : "cannot open the database");
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

void sqlite_db_column_text(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t len = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (len >= size)
        len = size - 1;
    if (len > 0)
        memcpy(dst, t, len);
    dst[len] = '\0';
}
