/*
 * SQLite persistence of multipart uploads under way (see
 * delivery_store.h).
 */
#include "delivery_store.h"

#include <stdio.h>

#include "log.h"
#include "sqlite_db.h"

/* Limits the log lines of failed writes. */
static struct log_rate_limit delivery_store_rl = LOG_RATE_LIMIT_INIT(30, 5);

int delivery_store_init(sqlite3 *db)
{
    return sqlite3_exec(db,
                        "CREATE TABLE IF NOT EXISTS deliveries ("
                        "  capture_id TEXT PRIMARY KEY,"
                        "  upload_id TEXT NOT NULL,"
                        "  file_size INTEGER NOT NULL,"
                        "  part_size INTEGER NOT NULL);"
                        "CREATE TABLE IF NOT EXISTS delivery_parts ("
                        "  capture_id TEXT NOT NULL,"
                        "  part_number INTEGER NOT NULL,"
                        "  etag TEXT NOT NULL,"
                        "  PRIMARY KEY (capture_id, part_number));",
                        NULL, NULL, NULL);
}

/* Prepares `sql` and binds `id` as its first parameter.  Returns NULL on
 * error (logged). */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, const char *id)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_event_rl(&delivery_store_rl, LOG_LEVEL_ERROR, "delivery_store_error", "error=%s",
                     log_q(sqlite3_errmsg(db)));
        return NULL;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    return st;
}

/* Runs and finalizes a statement that returns no rows.  Returns 0 or -1
 * (logged). */
static int run(sqlite3 *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    log_event_rl(&delivery_store_rl, LOG_LEVEL_ERROR, "delivery_store_error", "error=%s",
                 log_q(sqlite3_errmsg(db)));
    return -1;
}

int delivery_store_load(sqlite3 *db, const char *id, struct delivery_record *r,
                        void (*part)(unsigned number, const char *etag, void *arg), void *arg)
{
    sqlite3_stmt *st = prepare(
        db, "SELECT upload_id, file_size, part_size FROM deliveries WHERE capture_id=?", id);
    if (st == NULL)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        sqlite_db_column_text(st, 0, r->upload_id, sizeof(r->upload_id));
        r->file_size = (uint64_t)sqlite3_column_int64(st, 1);
        r->part_size = (uint32_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? 1 : -1;
    if (part == NULL)
        return 0;
    st = prepare(db, "SELECT part_number, etag FROM delivery_parts WHERE capture_id=?", id);
    if (st == NULL)
        return -1;
    char etag[DELIVERY_ETAG_SIZE];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite_db_column_text(st, 1, etag, sizeof(etag));
        part((unsigned)sqlite3_column_int(st, 0), etag, arg);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int delivery_store_begin(sqlite3 *db, const char *id, const struct delivery_record *r)
{
    if (delivery_store_forget(db, id) != 0)
        return -1;
    sqlite3_stmt *st = prepare(db,
                               "INSERT INTO deliveries (capture_id, upload_id, file_size, "
                               "part_size) VALUES (?,?,?,?)",
                               id);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 2, r->upload_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)r->file_size);
    sqlite3_bind_int64(st, 4, r->part_size);
    return run(db, st);
}

int delivery_store_part(sqlite3 *db, const char *id, unsigned number, const char *etag)
{
    sqlite3_stmt *st = prepare(db,
                               "INSERT OR REPLACE INTO delivery_parts (capture_id, part_number, "
                               "etag) VALUES (?,?,?)",
                               id);
    if (st == NULL)
        return -1;
    sqlite3_bind_int(st, 2, (int)number);
    sqlite3_bind_text(st, 3, etag, -1, SQLITE_TRANSIENT);
    return run(db, st);
}

int delivery_store_forget(sqlite3 *db, const char *id)
{
    sqlite3_stmt *st = prepare(db, "DELETE FROM delivery_parts WHERE capture_id=?", id);
    if (st == NULL || run(db, st) != 0)
        return -1;
    st = prepare(db, "DELETE FROM deliveries WHERE capture_id=?", id);
    return st != NULL ? run(db, st) : -1;
}
