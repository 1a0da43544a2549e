/*
 * Ownership challenges: their table, JSON and the check of a full
 * capture's destination (see ownership.h).
 */
#include "ownership.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "api_errors.h"
#include "destination.h"
#include "sqlite_db.h"

/* Columns read back, in the order ownership_row() expects them. */
#define OWNERSHIP_COLUMNS                                                                          \
    "id, account_id, destination_conf, identity, filename, token_hash, status, submitted_ms,"      \
    " validated_ms"

static const char *const status_names[] = {"pending", "success", "failed"};

int ownership_store_init(sqlite3 *db)
{
    return sqlite3_exec(db,
                        "CREATE TABLE IF NOT EXISTS ownerships ("
                        "  id TEXT PRIMARY KEY,"
                        "  account_id TEXT NOT NULL,"
                        "  destination_conf TEXT NOT NULL,"
                        "  identity TEXT NOT NULL,"
                        "  filename TEXT NOT NULL,"
                        "  token_hash BLOB NOT NULL,"
                        "  status TEXT NOT NULL,"
                        "  submitted_ms INTEGER NOT NULL,"
                        "  validated_ms INTEGER NOT NULL DEFAULT 0);"
                        "CREATE INDEX IF NOT EXISTS ownerships_by_account"
                        "  ON ownerships(account_id, identity, submitted_ms);",
                        NULL, NULL, NULL);
}

json_t *ownership_to_json(const struct ownership *o)
{
    char when[32];
    json_t *j = json_object();
    json_object_set_new(j, "id", json_string(o->id));
    json_object_set_new(j, "destination_conf", json_string(o->destination_conf));
    json_object_set_new(j, "filename", json_string(o->filename));
    json_object_set_new(j, "status", json_string(status_names[o->status]));
    capture_format_time(o->submitted_ms, when, sizeof(when));
    json_object_set_new(j, "submitted", json_string(when));
    if (o->validated_ms != 0) {
        capture_format_time(o->validated_ms, when, sizeof(when));
        json_object_set_new(j, "validated", json_string(when));
    }
    return j;
}

void ownership_hash_token(const char *token, unsigned char hash[32])
{
    while (isspace((unsigned char)*token))
        token++;
    size_t n = strlen(token);
    while (n > 0 && isspace((unsigned char)token[n - 1]))
        n--;
    unsigned len = 32;
    EVP_Digest(token, n, hash, &len, EVP_sha256(), NULL);
}

/* Reads the current row into `o`. */
static void ownership_row(sqlite3_stmt *st, struct ownership *o)
{
    char status[16];
    memset(o, 0, sizeof(*o));
    sqlite_db_column_text(st, 0, o->id, sizeof(o->id));
    sqlite_db_column_text(st, 1, o->account_id, sizeof(o->account_id));
    sqlite_db_column_text(st, 2, o->destination_conf, sizeof(o->destination_conf));
    sqlite_db_column_text(st, 3, o->identity, sizeof(o->identity));
    sqlite_db_column_text(st, 4, o->filename, sizeof(o->filename));
    if (sqlite3_column_bytes(st, 5) == 32)
        memcpy(o->token_hash, sqlite3_column_blob(st, 5), 32);
    sqlite_db_column_text(st, 6, status, sizeof(status));
    o->status = strcmp(status, "success") == 0  ? OWNERSHIP_SUCCESS
                : strcmp(status, "failed") == 0 ? OWNERSHIP_FAILED
                                                : OWNERSHIP_PENDING;
    o->submitted_ms = sqlite3_column_int64(st, 7);
    o->validated_ms = sqlite3_column_int64(st, 8);
}

/* Prepares `sql`, binding the NULL-terminated text parameters. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, const char *const *params)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    for (int i = 0; params[i] != NULL; i++)
        sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC);
    return st;
}

/* Steps `st` once into `o` (when not NULL) and finalizes it.  Returns 0
 * (a row, or done for a write that changed one), 1 (none), or -1. */
static int step_one(sqlite3 *db, sqlite3_stmt *st, struct ownership *o)
{
    if (st == NULL)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && o != NULL)
        ownership_row(st, o);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        return -1;
    return o == NULL && sqlite3_changes(db) > 0 ? 0 : 1;
}

int ownership_insert(sqlite3 *db, const struct ownership *o)
{
    const char *params[] = {o->id,       o->account_id, o->destination_conf,
                            o->identity, o->filename,   NULL};
    sqlite3_stmt *st = prepare(
        db, "INSERT INTO ownerships (" OWNERSHIP_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?)", params);
    if (st != NULL) {
        sqlite3_bind_blob(st, 6, o->token_hash, 32, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, status_names[o->status], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, o->submitted_ms);
        sqlite3_bind_int64(st, 9, o->validated_ms);
    }
    return step_one(db, st, NULL) == 0 ? 0 : -1;
}

int ownership_update(sqlite3 *db, const struct ownership *o)
{
    const char *params[] = {status_names[o->status], NULL};
    sqlite3_stmt *st =
        prepare(db, "UPDATE ownerships SET status=?, validated_ms=? WHERE id=?", params);
    if (st != NULL) {
        sqlite3_bind_int64(st, 2, o->validated_ms);
        sqlite3_bind_text(st, 3, o->id, -1, SQLITE_STATIC);
    }
    return step_one(db, st, NULL);
}

int ownership_delete(sqlite3 *db, const char *account, const char *id)
{
    const char *params[] = {id, account, NULL};
    return step_one(db, prepare(db, "DELETE FROM ownerships WHERE id=? AND account_id=?", params),
                    NULL);
}

int ownership_get(sqlite3 *db, const char *account, const char *id, struct ownership *o)
{
    const char *params[] = {id, account, NULL};
    return step_one(
        db,
        prepare(db, "SELECT " OWNERSHIP_COLUMNS " FROM ownerships WHERE id=? AND account_id=?",
                params),
        o);
}

int ownership_find(sqlite3 *db, const char *account, const char *identity, struct ownership *o)
{
    const char *params[] = {account, identity, NULL};
    return step_one(db,
                    prepare(db,
                            "SELECT " OWNERSHIP_COLUMNS " FROM ownerships WHERE account_id=?"
                            " AND identity=? ORDER BY submitted_ms DESC LIMIT 1",
                            params),
                    o);
}

int ownership_list(sqlite3 *db, const char *account,
                   void (*fn)(const struct ownership *o, void *arg), void *arg)
{
    const char *params[] = {account, NULL};
    sqlite3_stmt *st = prepare(db,
                               "SELECT " OWNERSHIP_COLUMNS " FROM ownerships WHERE account_id=?"
                               " ORDER BY submitted_ms, id",
                               params);
    if (st == NULL)
        return -1;
    int rc;
    struct ownership o;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ownership_row(st, &o);
        fn(&o, arg);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Fills `err` and returns -1. */
static int refuse(struct capture_error *err, int code, const char *message)
{
    err->code = code;
    snprintf(err->message, sizeof(err->message), "%s", message);
    return -1;
}

int ownership_check_capture(sqlite3 *db, const struct config *cfg, const struct capture *c,
                            struct capture_error *err)
{
    if (c->destination_conf[0] == '\0') {
        if (!cfg->delivery.destination_required)
            return 0;
        return refuse(err, API_ERR_MISSING_FIELD,
                      "destination_conf: is required for a full capture (full_destination = "
                      "required): name a bucket validated through /pcaps/ownership");
    }
    struct destination d;
    char msg[256], identity[1024];
    if (destination_parse(c->destination_conf, &d, msg, sizeof(msg)) != 0 ||
        destination_credentials(&d, &cfg->delivery, msg, sizeof(msg)) != 0)
        return refuse(err, API_ERR_INVALID_VALUE, msg);
    destination_identity(&d, identity, sizeof(identity));
    struct ownership o;
    int rc = ownership_find(db, c->account_id, identity, &o);
    if (rc < 0)
        return refuse(err, API_ERR_INTERNAL, "the job store failed while reading ownerships");
    if (rc == 0 && o.status == OWNERSHIP_SUCCESS)
        return 0;
    return refuse(err, API_ERR_DESTINATION_NOT_VALIDATED,
                  "destination_conf: this bucket's ownership is not validated for the account: "
                  "POST /pcaps/ownership with it, read the token in the challenge file it writes "
                  "to the bucket, then POST /pcaps/ownership/validate with that token");
}
