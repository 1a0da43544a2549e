/*
 * SQLite persistence of API tokens: one table in pcapd.db, beside the
 * captures, reached through a connection of its own so that the command
 * line can use it without the job store.  WAL mode lets `pcapd token`
 * write while the daemon reads.
 */
#include "token_store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "sqlite_db.h"

/* Limits the log lines of store errors (a failing disk fails every
 * statement). */
static struct log_rate_limit token_log_rl = LOG_RATE_LIMIT_INIT(30, 10);

/* The store's database handle. */
struct token_store {
    /* The SQLite connection (pcapd.db in the state directory), used by one
     * thread only. */
    sqlite3 *db;
    /* token_store_get()'s statement, kept prepared (every request runs
     * it), or NULL until first used. */
    sqlite3_stmt *get;
    /* token_store_version()'s statement, or NULL until first used. */
    sqlite3_stmt *version;
    /* The store opened `db` and closes it. */
    bool owns_db;
};

/* The token table. */
static const char TOKEN_SCHEMA[] = "CREATE TABLE IF NOT EXISTS tokens ("
                                   "  id TEXT PRIMARY KEY,"
                                   "  account_id TEXT NOT NULL,"
                                   "  permission TEXT NOT NULL,"
                                   "  email TEXT NOT NULL DEFAULT '',"
                                   "  salt BLOB NOT NULL,"
                                   "  hash BLOB NOT NULL,"
                                   "  created_ms INTEGER NOT NULL);";

/* Columns read back, in the order token_row() expects them. */
#define TOKEN_COLUMNS "id, account_id, permission, email, salt, hash, created_ms"

const char *token_permission_name(enum token_permission permission)
{
    return permission == TOKEN_WRITE ? "write" : "read";
}

int token_permission_parse(const char *name)
{
    if (strcmp(name, "read") == 0)
        return TOKEN_READ;
    if (strcmp(name, "write") == 0)
        return TOKEN_WRITE;
    return -1;
}

/* Creates the tokens table (sqlite_db_open() schema callback). */
static int token_schema(sqlite3 *db, char **msg)
{
    return sqlite3_exec(db, TOKEN_SCHEMA, NULL, NULL, msg);
}

int token_store_open(const char *path, unsigned busy_ms, struct token_store **store, char *err,
                     unsigned err_size)
{
    struct token_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    s->db = sqlite_db_open(path, token_schema, busy_ms, err, err_size);
    if (s->db == NULL) {
        token_store_close(s);
        return -1;
    }
    s->owns_db = true;
    *store = s;
    return 0;
}

int token_store_open_shared(sqlite3 *db, struct token_store **store, char *err, unsigned err_size)
{
    char *msg = NULL;
    struct token_store *s = calloc(1, sizeof(*s));
    if (s == NULL || token_schema(db, &msg) != SQLITE_OK) {
        snprintf(err, err_size, "token store: %s", msg ? msg : "out of memory");
        sqlite3_free(msg);
        free(s);
        return -1;
    }
    s->db = db;
    *store = s;
    return 0;
}

void token_store_close(struct token_store *store)
{
    if (store == NULL)
        return;
    sqlite3_finalize(store->get);
    sqlite3_finalize(store->version);
    if (store->owns_db)
        sqlite3_close(store->db);
    free(store);
}

/* Prepares `sql`, logging failures.  Returns NULL on error. */
static sqlite3_stmt *token_prepare(struct token_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_event_rl(&token_log_rl, LOG_LEVEL_ERROR, "token_store_error", "error=%s",
                     log_q(sqlite3_errmsg(s->db)));
        return NULL;
    }
    return st;
}

/* Copies blob column `col` into `dst` of exactly `size` bytes (zeros if
 * the stored blob has another size, which then never verifies). */
static void token_blob(sqlite3_stmt *st, int col, uint8_t *dst, size_t size)
{
    const void *b = sqlite3_column_blob(st, col);
    memset(dst, 0, size);
    if (b != NULL && (size_t)sqlite3_column_bytes(st, col) == size)
        memcpy(dst, b, size);
}

/* Reads the current row (TOKEN_COLUMNS) into `t`. */
static void token_row(sqlite3_stmt *st, struct token_record *t)
{
    char permission[16];
    memset(t, 0, sizeof(*t));
    sqlite_db_column_text(st, 0, t->id, sizeof(t->id));
    sqlite_db_column_text(st, 1, t->account_id, sizeof(t->account_id));
    sqlite_db_column_text(st, 2, permission, sizeof(permission));
    t->permission = token_permission_parse(permission) == TOKEN_WRITE ? TOKEN_WRITE : TOKEN_READ;
    sqlite_db_column_text(st, 3, t->email, sizeof(t->email));
    token_blob(st, 4, t->salt, sizeof(t->salt));
    token_blob(st, 5, t->hash, sizeof(t->hash));
    t->created_ms = sqlite3_column_int64(st, 6);
}

int token_store_insert(struct token_store *s, const struct token_record *t)
{
    sqlite3_stmt *st =
        token_prepare(s, "INSERT INTO tokens (" TOKEN_COLUMNS ") VALUES (?,?,?,?,?,?,?)");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, token_permission_name(t->permission), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t->email, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, t->salt, sizeof(t->salt), SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, t->hash, sizeof(t->hash), SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, t->created_ms);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        log_event_rl(&token_log_rl, LOG_LEVEL_ERROR, "token_store_error", "error=%s",
                     log_q(sqlite3_errmsg(s->db)));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int token_store_get(struct token_store *s, const char *id, struct token_record *t)
{
    if (s->get == NULL)
        s->get = token_prepare(s, "SELECT " TOKEN_COLUMNS " FROM tokens WHERE id=?");
    sqlite3_stmt *st = s->get;
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        token_row(st, t);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int64_t token_store_version(struct token_store *s)
{
    if (s->version == NULL)
        s->version = token_prepare(s, "PRAGMA data_version");
    if (s->version == NULL)
        return -1;
    int64_t v = sqlite3_step(s->version) == SQLITE_ROW ? sqlite3_column_int64(s->version, 0) : -1;
    sqlite3_reset(s->version);
    return v;
}

int token_store_list(struct token_store *s, const char *account,
                     void (*fn)(const struct token_record *t, void *arg), void *arg)
{
    sqlite3_stmt *st = token_prepare(s, "SELECT " TOKEN_COLUMNS " FROM tokens"
                                        " WHERE ?1 IS NULL OR account_id=?1"
                                        " ORDER BY created_ms, id");
    if (st == NULL)
        return -1;
    if (account != NULL)
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    int rc;
    struct token_record t;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        token_row(st, &t);
        fn(&t, arg);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int token_store_delete(struct token_store *s, const char *id)
{
    sqlite3_stmt *st = token_prepare(s, "DELETE FROM tokens WHERE id=?");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    return sqlite3_changes(s->db) > 0 ? 0 : 1;
}
