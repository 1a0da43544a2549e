/*
 * SQLite persistence of captures.  One table; the filter is kept as its
 * canonical filter_v1 JSON.  WAL journaling keeps readers and the writer
 * apart; synchronous=NORMAL is durable across process crashes (the case
 * that matters for a daemon killed mid-capture).
 */
#include "job_store.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "sqlite_db.h"

/* Statements of the hot read paths, kept prepared across calls. */
enum store_cached_stmt {
    /* job_store_get(). */
    STMT_GET,
    /* store_count(). */
    STMT_COUNT,
    /* job_store_list(). */
    STMT_LIST,
    /* job_store_read_begin() and job_store_read_end(). */
    STMT_BEGIN,
    STMT_COMMIT,
    /* job_store_update() and job_store_update_many(). */
    STMT_UPDATE,
    /* job_store_list_ids(). */
    STMT_LIST_IDS,
    /* job_store_status(). */
    STMT_STATUS,
    /* job_store_version(). */
    STMT_VERSION,
    /* How many there are. */
    STMT_COUNT_OF,
};

/* Limits the log lines of store errors (a failing disk fails every
 * statement). */
static struct log_rate_limit store_log_rl = LOG_RATE_LIMIT_INIT(30, 10);

/* The store's database handle. */
struct job_store {
    /* The SQLite connection (pcapd.db in the state directory), used by one
     * thread at a time. */
    sqlite3 *db;
    /* Prepared statements of the hot paths, NULL until first used. */
    sqlite3_stmt *cached[STMT_COUNT_OF];
    /* The last account counted, its count, and the database's version
     * (job_store_version()) then: a count stays right while the version
     * does, and counting 10,000 captures takes half a millisecond. */
    char counted_account[65];
    uint64_t counted;
    int64_t counted_version;
    /* The version job_store_version() read last, or -1. */
    int64_t version;
};

/* The schema of a new store (user_version 2). */
static const char STORE_SCHEMA[] = "CREATE TABLE IF NOT EXISTS captures ("
                                   "  id TEXT PRIMARY KEY,"
                                   "  account_id TEXT NOT NULL,"
                                   "  submitted_ms INTEGER NOT NULL,"
                                   "  type TEXT NOT NULL,"
                                   "  status TEXT NOT NULL,"
                                   "  time_limit INTEGER NOT NULL,"
                                   "  packet_limit INTEGER NOT NULL,"
                                   "  filter_v1 TEXT NOT NULL,"
                                   "  packets_captured INTEGER NOT NULL DEFAULT 0,"
                                   "  packets_dropped INTEGER NOT NULL DEFAULT 0,"
                                   "  stop_requested INTEGER NOT NULL DEFAULT 0,"
                                   "  error_message TEXT NOT NULL DEFAULT '',"
                                   "  file_size INTEGER NOT NULL DEFAULT 0,"
                                   "  byte_limit INTEGER NOT NULL DEFAULT 0,"
                                   "  colo_name TEXT NOT NULL DEFAULT '',"
                                   "  destination_conf TEXT NOT NULL DEFAULT '');"
                                   "CREATE INDEX IF NOT EXISTS captures_by_account"
                                   "  ON captures(account_id, submitted_ms DESC, id);";

/* Brings a version 1 store (before full captures) to version 2. */
static const char STORE_MIGRATE_V2[] =
    "ALTER TABLE captures ADD COLUMN byte_limit INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE captures ADD COLUMN colo_name TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE captures ADD COLUMN destination_conf TEXT NOT NULL DEFAULT '';";

/* Columns read back, in the order store_row() expects them. */
#define STORE_COLUMNS                                                                              \
    "id, account_id, submitted_ms, type, status, time_limit, packet_limit, filter_v1,"             \
    " packets_captured, packets_dropped, stop_requested, error_message, file_size,"                \
    " byte_limit, colo_name, destination_conf"

/* Reads the store's schema version (PRAGMA user_version); -1 on error. */
static int store_version(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

/* Creates the schema, or migrates an older one, in one transaction.
 * Returns SQLITE_OK or an error, with `msg` set by SQLite. */
static int store_schema(sqlite3 *db, char **msg)
{
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, msg);
    if (rc != SQLITE_OK)
        return rc;
    int version = store_version(db);
    if (version == 1)
        rc = sqlite3_exec(db, STORE_MIGRATE_V2, NULL, NULL, msg);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, STORE_SCHEMA, NULL, NULL, msg);
    if (rc == SQLITE_OK && version < 2)
        rc = sqlite3_exec(db, "PRAGMA user_version=2", NULL, NULL, msg);
    sqlite3_exec(db, rc == SQLITE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int job_store_open(const char *path, unsigned busy_ms, struct job_store **store, char *err,
                   unsigned err_size)
{
    struct job_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    s->version = s->counted_version = -1;
    s->db = sqlite_db_open(path, store_schema, busy_ms, err, err_size);
    if (s->db == NULL) {
        job_store_close(s);
        return -1;
    }
    *store = s;
    return 0;
}

void job_store_close(struct job_store *store)
{
    if (store == NULL)
        return;
    for (int i = 0; i < STMT_COUNT_OF; i++)
        sqlite3_finalize(store->cached[i]);
    sqlite3_close(store->db);
    free(store);
}

sqlite3 *job_store_connection(struct job_store *store)
{
    return store->db;
}

/* Prepares `sql`, logging failures.  Returns NULL on error. */
static sqlite3_stmt *store_prepare(struct job_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_event_rl(&store_log_rl, LOG_LEVEL_ERROR, "job_store_error", "error=%s",
                     log_q(sqlite3_errmsg(s->db)));
        return NULL;
    }
    return st;
}

/* Returns the cached statement `which`, preparing it from `sql` on first
 * use.  Returns NULL on error.  Give it back with store_release(). */
static sqlite3_stmt *store_cached(struct job_store *s, enum store_cached_stmt which,
                                  const char *sql)
{
    if (s->cached[which] == NULL)
        s->cached[which] = store_prepare(s, sql);
    return s->cached[which];
}

/* Makes a cached statement ready for its next use. */
static void store_release(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Maps the SQLite result `rc` of a failed step to a JOB_STORE_* error,
 * logging it (rate-limited). */
static int store_failure(struct job_store *s, int rc)
{
    log_event_rl(&store_log_rl, LOG_LEVEL_ERROR, "job_store_error", "error=%s",
                 log_q(sqlite3_errmsg(s->db)));
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return JOB_STORE_BUSY;
    case SQLITE_FULL:
        return JOB_STORE_FULL;
    default:
        return JOB_STORE_ERROR;
    }
}

int64_t job_store_version(struct job_store *s)
{
    sqlite3_stmt *st = store_cached(s, STMT_VERSION, "PRAGMA data_version");
    if (st == NULL)
        return -1;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    s->version = v;
    return v;
}

void job_store_read_begin(struct job_store *s)
{
    sqlite3_stmt *st = store_cached(s, STMT_BEGIN, "BEGIN");
    if (st != NULL) {
        sqlite3_step(st);
        sqlite3_reset(st);
    }
}

void job_store_read_end(struct job_store *s)
{
    if (sqlite3_get_autocommit(s->db))
        return;
    sqlite3_stmt *st = store_cached(s, STMT_COMMIT, "COMMIT");
    if (st != NULL) {
        sqlite3_step(st);
        sqlite3_reset(st);
    }
}

/* Runs a prepared statement that returns no rows and finalizes it.
 * Returns 0 or a JOB_STORE_* error. */
static int store_run(struct job_store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_failure(s, rc);
}

/* Reads the current row (STORE_COLUMNS) into `c`. */
/* Reads the type and status of the row `st` is on from its columns
 * `col` (type) and `col + 1` (status). */
static void store_kind(sqlite3_stmt *st, int col, enum capture_type *type,
                       enum capture_status *status)
{
    char text[16];
    sqlite_db_column_text(st, col, text, sizeof(text));
    *type = strcmp(text, "full") == 0 ? CAPTURE_FULL : CAPTURE_SIMPLE;
    sqlite_db_column_text(st, col + 1, text, sizeof(text));
    int parsed = capture_status_parse(text);
    *status = parsed < 0 ? CAPTURE_FAILED : (enum capture_status)parsed;
}

static void store_row(sqlite3_stmt *st, struct capture *c)
{
    char text[512];
    memset(c, 0, sizeof(*c));
    sqlite_db_column_text(st, 0, c->id, sizeof(c->id));
    sqlite_db_column_text(st, 1, c->account_id, sizeof(c->account_id));
    c->submitted_ms = sqlite3_column_int64(st, 2);
    store_kind(st, 3, &c->type, &c->status);
    c->time_limit = (uint32_t)sqlite3_column_int64(st, 5);
    c->packet_limit = (uint32_t)sqlite3_column_int64(st, 6);
    sqlite_db_column_text(st, 7, text, sizeof(text));
    json_t *filter = json_loads(text, 0, NULL);
    struct capture_error err;
    if (filter == NULL || capture_filter_from_json(filter, &c->filter, &err) != 0)
        memset(&c->filter, 0, sizeof(c->filter));
    json_decref(filter);
    c->packets_captured = (uint64_t)sqlite3_column_int64(st, 8);
    c->packets_dropped = (uint64_t)sqlite3_column_int64(st, 9);
    c->stop_requested = sqlite3_column_int(st, 10) != 0;
    sqlite_db_column_text(st, 11, c->error_message, sizeof(c->error_message));
    c->file_size = (uint64_t)sqlite3_column_int64(st, 12);
    c->byte_limit = (uint64_t)sqlite3_column_int64(st, 13);
    sqlite_db_column_text(st, 14, c->colo_name, sizeof(c->colo_name));
    sqlite_db_column_text(st, 15, c->destination_conf, sizeof(c->destination_conf));
}

int job_store_insert(struct job_store *s, const struct capture *c)
{
    sqlite3_stmt *st = store_prepare(s, "INSERT INTO captures (" STORE_COLUMNS
                                        ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (st == NULL)
        return -1;
    json_t *filter = capture_filter_to_json(&c->filter);
    char *filter_text = json_dumps(filter, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(filter);
    sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, c->submitted_ms);
    sqlite3_bind_text(st, 4, capture_type_name(c->type), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, capture_status_name(c->status), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, c->time_limit);
    sqlite3_bind_int64(st, 7, c->packet_limit);
    sqlite3_bind_text(st, 8, filter_text ? filter_text : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)c->packets_captured);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)c->packets_dropped);
    sqlite3_bind_int(st, 11, c->stop_requested);
    sqlite3_bind_text(st, 12, c->error_message, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 13, (sqlite3_int64)c->file_size);
    sqlite3_bind_int64(st, 14, (sqlite3_int64)c->byte_limit);
    sqlite3_bind_text(st, 15, c->colo_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 16, c->destination_conf, -1, SQLITE_STATIC);
    free(filter_text);
    return store_run(s, st);
}

/* The update of one capture's mutable fields. */
#define STORE_UPDATE_SQL                                                                           \
    "UPDATE captures SET status=?, packets_captured=?, packets_dropped=?,"                         \
    " stop_requested=?, error_message=?, file_size=? WHERE id=?"

/* Runs the update of `c` on the cached statement.  Returns 0 or a
 * JOB_STORE_* error. */
static int store_update_one(struct job_store *s, const struct capture *c)
{
    sqlite3_stmt *st = store_cached(s, STMT_UPDATE, STORE_UPDATE_SQL);
    if (st == NULL)
        return JOB_STORE_ERROR;
    sqlite3_bind_text(st, 1, capture_status_name(c->status), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)c->packets_captured);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)c->packets_dropped);
    sqlite3_bind_int(st, 4, c->stop_requested);
    sqlite3_bind_text(st, 5, c->error_message, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)c->file_size);
    sqlite3_bind_text(st, 7, c->id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    store_release(st);
    return rc == SQLITE_DONE ? 0 : store_failure(s, rc);
}

int job_store_update(struct job_store *s, const struct capture *c)
{
    return store_update_one(s, c);
}

int job_store_update_many(struct job_store *s, const struct capture *cs, unsigned n)
{
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_failure(s, rc);
    for (unsigned i = 0; i < n && rc == SQLITE_OK; i++) {
        if (store_update_one(s, &cs[i]) != 0)
            rc = sqlite3_errcode(s->db);
    }
    if (rc == SQLITE_OK && (rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) == SQLITE_OK)
        return 0;
    int err = store_failure(s, rc);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

int job_store_get(struct job_store *s, const char *account, const char *id, struct capture *c)
{
    sqlite3_stmt *st = store_cached(
        s, STMT_GET, "SELECT " STORE_COLUMNS " FROM captures WHERE id=? AND account_id=?");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        store_row(st, c);
    store_release(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : store_failure(s, rc);
}

/* Counts the captures of `account`. */
static int store_count(struct job_store *s, const char *account, uint64_t *total)
{
    job_store_version(s);
    if (s->version >= 0 && s->counted_version == s->version &&
        strcmp(s->counted_account, account) == 0) {
        *total = s->counted;
        return 0;
    }
    sqlite3_stmt *st =
        store_cached(s, STMT_COUNT, "SELECT COUNT(*) FROM captures WHERE account_id=?");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *total = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    if (rc != SQLITE_ROW)
        return store_failure(s, rc);
    snprintf(s->counted_account, sizeof(s->counted_account), "%s", account);
    s->counted = *total;
    s->counted_version = s->version;
    return 0;
}

int job_store_list(struct job_store *s, const char *account, unsigned offset, unsigned limit,
                   void (*fn)(const struct capture *c, void *arg), void *arg, uint64_t *total)
{
    int rc = store_count(s, account, total);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = store_cached(s, STMT_LIST,
                                    "SELECT " STORE_COLUMNS " FROM captures"
                                    " WHERE account_id=? ORDER BY submitted_ms DESC, id"
                                    " LIMIT ? OFFSET ?");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    struct capture c;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_row(st, &c);
        fn(&c, arg);
    }
    store_release(st);
    return rc == SQLITE_DONE ? 0 : store_failure(s, rc);
}

int job_store_status(struct job_store *s, const char *account, const char *id,
                     enum capture_status *status)
{
    sqlite3_stmt *st =
        store_cached(s, STMT_STATUS, "SELECT status FROM captures WHERE id=? AND account_id=?");
    if (st == NULL)
        return JOB_STORE_ERROR;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        char text[16];
        sqlite_db_column_text(st, 0, text, sizeof(text));
        int parsed = capture_status_parse(text);
        *status = parsed < 0 ? CAPTURE_FAILED : (enum capture_status)parsed;
    }
    store_release(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : store_failure(s, rc);
}

int job_store_list_ids(struct job_store *s, const char *account, unsigned offset, unsigned limit,
                       void (*fn)(const char *id, enum capture_status st, void *arg), void *arg,
                       uint64_t *total)
{
    /* Two statements, both on the account's index: a window count in the
     * same statement would read every row of the account before LIMIT
     * (12 ms a list with 10,000 captures). */
    int rc = store_count(s, account, total);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = store_cached(s, STMT_LIST_IDS,
                                    "SELECT id, status FROM captures WHERE account_id=?"
                                    " ORDER BY submitted_ms DESC, id LIMIT ? OFFSET ?");
    if (st == NULL)
        return JOB_STORE_ERROR;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    char id[CAPTURE_ID_LEN + 1], status[16];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite_db_column_text(st, 0, id, sizeof(id));
        sqlite_db_column_text(st, 1, status, sizeof(status));
        int parsed = capture_status_parse(status);
        fn(id, parsed < 0 ? CAPTURE_FAILED : (enum capture_status)parsed, arg);
    }
    store_release(st);
    return rc == SQLITE_DONE ? 0 : store_failure(s, rc);
}

int job_store_fail_unfinished(struct job_store *s, const char *message,
                              void (*fn)(struct capture *c, void *arg), void *arg)
{
    sqlite3_stmt *st = store_prepare(s, "SELECT " STORE_COLUMNS " FROM captures"
                                        " WHERE status IN ('pending','running')");
    if (st == NULL)
        return -1;
    int n = 0, rc;
    struct capture c;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_row(st, &c);
        fn(&c, arg);
        c.status = CAPTURE_FAILED;
        /* A cause recorded while it ran (a full disk) is the better one. */
        if (c.error_message[0] == '\0')
            snprintf(c.error_message, sizeof(c.error_message), "%s", message);
        if (job_store_update(s, &c) == 0)
            n++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? n : -1;
}

int job_store_last_submitted(struct job_store *s, const char *account, enum capture_type type,
                             int64_t *ms)
{
    sqlite3_stmt *st = store_prepare(s, "SELECT MAX(submitted_ms) FROM captures"
                                        " WHERE account_id=? AND type=?");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, capture_type_name(type), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int found = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (found)
        *ms = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc != SQLITE_ROW ? -1 : found ? 0 : 1;
}

int job_store_count_unfinished(struct job_store *s, const char *account, enum capture_type type,
                               unsigned *count)
{
    sqlite3_stmt *st = store_prepare(s, "SELECT COUNT(*) FROM captures WHERE account_id=?"
                                        " AND type=? AND status IN ('pending','running')");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, capture_type_name(type), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? (unsigned)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int job_store_count_by_kind(struct job_store *s,
                            uint64_t counts[JOB_STORE_TYPES][JOB_STORE_STATUSES])
{
    memset(counts, 0, sizeof(uint64_t) * JOB_STORE_TYPES * JOB_STORE_STATUSES);
    sqlite3_stmt *st =
        store_prepare(s, "SELECT type, status, COUNT(*) FROM captures GROUP BY type, status");
    if (st == NULL)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        enum capture_type type;
        enum capture_status status;
        store_kind(st, 0, &type, &status);
        counts[type][status] += (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Most captures one job_store_expire() call deletes. */
#define EXPIRE_BATCH 256

/* Captures deleted by job_store_expire() (see job_store_deletions()). */
static _Atomic uint64_t store_deletions;

uint64_t job_store_deletions(void)
{
    return atomic_load_explicit(&store_deletions, memory_order_acquire);
}

int job_store_expire(struct job_store *s, int64_t before_ms, void (*fn)(const char *id, void *arg),
                     void *arg, uint64_t deleted[JOB_STORE_TYPES][JOB_STORE_STATUSES])
{
    struct {
        char id[CAPTURE_ID_LEN + 1];
        enum capture_type type;
        enum capture_status status;
    } rows[EXPIRE_BATCH];
    sqlite3_stmt *st = store_prepare(s, "SELECT id, type, status FROM captures"
                                        " WHERE submitted_ms < ? AND status IN ('success','failed')"
                                        " ORDER BY submitted_ms LIMIT ?");
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, before_ms);
    sqlite3_bind_int(st, 2, EXPIRE_BATCH);
    int found = 0, n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite_db_column_text(st, 0, rows[found].id, sizeof(rows[found].id));
        store_kind(st, 1, &rows[found].type, &rows[found].status);
        found++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    for (int i = 0; i < found; i++) {
        fn(rows[i].id, arg);
        sqlite3_stmt *del = store_prepare(s, "DELETE FROM captures WHERE id=?");
        if (del == NULL)
            return -1;
        sqlite3_bind_text(del, 1, rows[i].id, -1, SQLITE_STATIC);
        if (store_run(s, del) == 0) {
            n++;
            atomic_fetch_add_explicit(&store_deletions, 1, memory_order_release);
            deleted[rows[i].type][rows[i].status]++;
        }
    }
    return n;
}
