/*
 * The fleet store's PostgreSQL connections (fleet_pg.h): one per thread,
 * made and migrated on first use, dropped and remade after a failure.
 */
#include "fleet_pg.h"

#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock_ms.h"
#include "log.h"

/* The schema, versions 1 to 3: every statement idempotent, run under the
 * advisory lock, and recorded in fleet_schema. */
static const char FLEET_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS fleet_schema (version integer PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS fleet_appliances ("
    "  name text PRIMARY KEY, site text NOT NULL, capture_path text NOT NULL,"
    "  api text NOT NULL DEFAULT '', started timestamptz NOT NULL DEFAULT now(),"
    "  heartbeat timestamptz NOT NULL DEFAULT now(),"
    "  clock_offset_ns bigint NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS fleet_captures ("
    "  id text PRIMARY KEY, account_id text NOT NULL, type text NOT NULL,"
    "  submitted_ms bigint NOT NULL, time_limit integer NOT NULL,"
    "  packet_limit integer NOT NULL, filter_json text NOT NULL,"
    "  status text NOT NULL DEFAULT 'pending', stop_requested_ms bigint NOT NULL DEFAULT 0,"
    "  fleet_stop boolean NOT NULL DEFAULT false, packets_captured bigint NOT NULL DEFAULT 0,"
    "  error_message text NOT NULL DEFAULT '', created_by text NOT NULL,"
    "  ended timestamptz);"
    "CREATE INDEX IF NOT EXISTS fleet_captures_account"
    "  ON fleet_captures (account_id, submitted_ms DESC, id);"
    "CREATE INDEX IF NOT EXISTS fleet_captures_open ON fleet_captures (status)"
    "  WHERE status IN ('pending', 'running');"
    "CREATE TABLE IF NOT EXISTS fleet_targets ("
    "  capture_id text NOT NULL REFERENCES fleet_captures ON DELETE CASCADE,"
    "  appliance text NOT NULL, state text NOT NULL DEFAULT 'pending',"
    "  lease_until timestamptz NOT NULL, packets bigint NOT NULL DEFAULT 0,"
    "  dropped bigint NOT NULL DEFAULT 0, error text NOT NULL DEFAULT '',"
    "  PRIMARY KEY (capture_id, appliance));"
    "CREATE INDEX IF NOT EXISTS fleet_targets_appliance ON fleet_targets (appliance, state);"
    "CREATE TABLE IF NOT EXISTS fleet_parts ("
    "  capture_id text NOT NULL REFERENCES fleet_captures ON DELETE CASCADE,"
    "  appliance text NOT NULL, seq integer NOT NULL, clock_offset_ns bigint NOT NULL,"
    "  packets bigint NOT NULL, data bytea NOT NULL,"
    "  PRIMARY KEY (capture_id, appliance, seq));"
    /* Uncompressed out-of-line storage, so that the download's substring()
     * reads only the chunks it asks for instead of decompressing the whole
     * part each time (sampled packet heads hardly compress anyway). */
    "ALTER TABLE fleet_parts ALTER COLUMN data SET STORAGE EXTERNAL;"
    "CREATE TABLE IF NOT EXISTS fleet_tokens ("
    "  id text PRIMARY KEY, account_id text NOT NULL, permission text NOT NULL,"
    "  email text NOT NULL, salt bytea NOT NULL, hash bytea NOT NULL,"
    "  created_ms bigint NOT NULL);"
    "CREATE TABLE IF NOT EXISTS fleet_token_revocations ("
    "  id text PRIMARY KEY, revoked timestamptz NOT NULL DEFAULT now());"
    "INSERT INTO fleet_schema VALUES (1) ON CONFLICT DO NOTHING;"
    /* Version 2: full captures at their site, each appliance's file in
     * the bucket (docs/FLEET.md, "Full captures"). */
    "ALTER TABLE fleet_captures ADD COLUMN IF NOT EXISTS colo_name text NOT NULL DEFAULT '',"
    "  ADD COLUMN IF NOT EXISTS byte_limit bigint NOT NULL DEFAULT 0,"
    "  ADD COLUMN IF NOT EXISTS destination_conf text NOT NULL DEFAULT '';"
    "ALTER TABLE fleet_targets ADD COLUMN IF NOT EXISTS local_status text NOT NULL DEFAULT '';"
    "ALTER TABLE fleet_parts ADD COLUMN IF NOT EXISTS object_key text NOT NULL DEFAULT '';"
    "CREATE INDEX IF NOT EXISTS fleet_captures_ended ON fleet_captures (ended)"
    "  WHERE ended IS NOT NULL;"
    "INSERT INTO fleet_schema VALUES (2) ON CONFLICT DO NOTHING;"
    /* Version 3: a part's bytes in rows of FLEET_CHUNK_BYTES, each read
     * whole by the download, which costs the server a quarter of the CPU
     * of substring() slices of one large value (docs/FLEET.md,
     * "Download"); the parts stored by version 2 move into them. */
    "CREATE TABLE IF NOT EXISTS fleet_part_chunks ("
    "  capture_id text NOT NULL, appliance text NOT NULL, seq integer NOT NULL,"
    "  n integer NOT NULL, data bytea NOT NULL, PRIMARY KEY (capture_id, appliance, seq, n),"
    "  FOREIGN KEY (capture_id, appliance, seq) REFERENCES fleet_parts ON DELETE CASCADE);"
    "ALTER TABLE fleet_part_chunks ALTER COLUMN data SET STORAGE EXTERNAL;"
    /* (Unformatted: clang-format breaks the string around the macro.) */
    /* clang-format off */
    "INSERT INTO fleet_part_chunks SELECT p.capture_id, p.appliance, p.seq, k.n, k.data"
    "  FROM fleet_parts p, LATERAL " FLEET_CHUNKS_FROM("p.data")
    "  WHERE octet_length(p.data) > 0 ON CONFLICT DO NOTHING;"
    "UPDATE fleet_parts SET data = '' WHERE octet_length(data) > 0;"
    "INSERT INTO fleet_schema VALUES (3) ON CONFLICT DO NOTHING;";
/* clang-format on */

/* The advisory lock key of the migrations. */
#define FLEET_SCHEMA_LOCK "SELECT pg_advisory_lock(hashtext('pcapd_fleet_schema'))"
#define FLEET_SCHEMA_UNLOCK "SELECT pg_advisory_unlock(hashtext('pcapd_fleet_schema'))"

/* The connection string (set once, before the threads use it). */
static char *conninfo;

/* Statements this process has sent through fleet_pg_exec() and
 * fleet_pg_counted() (the fleet's round trips; tools/bench-fleet). */
static atomic_ulong round_trips;

/* Set once the schema is known to be migrated in this process. */
static atomic_bool migrated;

/* This thread's connection, when it was made (monotonic ms), and whether
 * it broke. */
static __thread PGconn *conn;
static __thread int64_t conn_since_ms;
/* How many connections this thread has made (a session's advisory locks
 * go with its connection). */
static __thread uint64_t conn_serial;
static __thread bool conn_broken;
/* This thread's connection LISTENs for the fleet's wake-ups (the sync
 * lane's only: a connection that never waits would pile them up). */
static __thread bool listener;

void fleet_pg_init(const char *info)
{
    free(conninfo);
    conninfo = strdup(info);
}

/* Copies the connection's last error, on one line, into `err`. */
static void conn_error(PGconn *c, const char *what, char *err, unsigned err_size)
{
    snprintf(err, err_size, "%s: %s", what, c != NULL ? PQerrorMessage(c) : "out of memory");
    char *nl;
    while ((nl = strchr(err, '\n')) != NULL)
        *nl = nl[1] != '\0' ? ' ' : '\0';
}

/* Migrates the schema on `c` under the advisory lock.  Returns 0 or -1. */
static int migrate(PGconn *c, char *err, unsigned err_size)
{
    PGresult *r = PQexec(c, FLEET_SCHEMA_LOCK);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (ok) {
        r = PQexec(c, FLEET_SCHEMA);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            conn_error(c, "migrating the fleet schema", err, err_size);
        PQclear(r);
        PQclear(PQexec(c, FLEET_SCHEMA_UNLOCK));
    } else {
        conn_error(c, "locking the fleet schema", err, err_size);
    }
    return ok ? 0 : -1;
}

/* Subscribes `c` to the fleet's wake-up channel.  Returns 0 or -1. */
static int listen_fleet(PGconn *c, char *err, unsigned err_size)
{
    PGresult *r = PQexec(c, "LISTEN pcapd_fleet");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok)
        conn_error(c, "LISTEN", err, err_size);
    return ok ? 0 : -1;
}

/* Drops the server's notices ("relation ... already exists, skipping" of
 * the idempotent migration): they are not errors, and stderr is the
 * event log's. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *fleet_pg_connect_own(char *err, unsigned err_size)
{
    PGconn *c = PQconnectdb(conninfo);
    if (c == NULL || PQstatus(c) != CONNECTION_OK) {
        conn_error(c, "connecting to the fleet store", err, err_size);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, ignore_notice, NULL);
    return c;
}

PGconn *fleet_pg_conn(char *err, unsigned err_size)
{
    if (conn != NULL && !conn_broken && PQstatus(conn) == CONNECTION_OK)
        return conn;
    fleet_pg_close();
    PGconn *c = fleet_pg_connect_own(err, err_size);
    if (c == NULL)
        return NULL;
    if ((!atomic_load(&migrated) && migrate(c, err, err_size) != 0) ||
        (listener && listen_fleet(c, err, err_size) != 0)) {
        PQfinish(c);
        return NULL;
    }
    atomic_store(&migrated, true);
    conn = c;
    conn_since_ms = clock_monotonic_ms();
    conn_serial++;
    conn_broken = false;
    log_info("fleet_store_connected", "server=%s", log_q(PQhost(c)));
    return conn;
}

uint64_t fleet_pg_connection_serial(void)
{
    return conn_serial;
}

int64_t fleet_pg_connected_ms(void)
{
    return conn != NULL && !conn_broken ? clock_monotonic_ms() - conn_since_ms : -1;
}

PGresult *fleet_pg_exec(const char *sql, int n, const char *const *params, ExecStatusType want,
                        char *err, unsigned err_size)
{
    PGconn *c = fleet_pg_conn(err, err_size);
    if (c == NULL)
        return NULL;
    bool idle = PQtransactionStatus(c) == PQTRANS_IDLE;
    atomic_fetch_add(&round_trips, 1);
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    if (idle && PQstatus(c) == CONNECTION_BAD) {
        /* The server went away since the last statement (a restart): a
         * statement outside a transaction is simply sent again on a new
         * connection. */
        PQclear(r);
        fleet_pg_close();
        if ((c = fleet_pg_conn(err, err_size)) == NULL)
            return NULL;
        r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    }
    ExecStatusType st = PQresultStatus(r);
    /* A command may end in a SELECT (of pg_notify()): rows are harmless. */
    if (st == want || (want == PGRES_COMMAND_OK && st == PGRES_TUPLES_OK))
        return r;
    conn_error(c, PQresStatus(st), err, err_size);
    PQclear(r);
    if (PQstatus(c) != CONNECTION_OK)
        conn_broken = true;
    return NULL;
}

void fleet_pg_counted(void)
{
    atomic_fetch_add(&round_trips, 1);
}

unsigned long fleet_pg_round_trips(void)
{
    return atomic_load(&round_trips);
}

int fleet_pg_command(const char *sql, int n, const char *const *params, char *err,
                     unsigned err_size)
{
    PGresult *r = fleet_pg_exec(sql, n, params, PGRES_COMMAND_OK, err, err_size);
    PQclear(r);
    return r != NULL ? 0 : -1;
}

int fleet_pg_tx(const char *verb, char *err, unsigned err_size)
{
    return fleet_pg_command(verb, 0, NULL, err, err_size);
}

void fleet_pg_listen(void)
{
    if (!listener && conn != NULL)
        fleet_pg_close(); /* remade with its LISTEN */
    listener = true;
}

bool fleet_pg_wait_notify(int ms, int wake_fd)
{
    if (conn == NULL || conn_broken)
        return false;
    bool got = false;
    int64_t deadline = clock_monotonic_ms() + ms;
    for (;;) {
        if (PQconsumeInput(conn) == 0) {
            conn_broken = true;
            return got;
        }
        PGnotify *n;
        while ((n = PQnotifies(conn)) != NULL) {
            got = true;
            PQfreemem(n);
        }
        int64_t left = deadline - clock_monotonic_ms();
        if (got || left <= 0)
            return got;
        struct pollfd p[2] = {{.fd = PQsocket(conn), .events = POLLIN},
                              {.fd = wake_fd, .events = POLLIN}};
        if (poll(p, wake_fd >= 0 ? 2 : 1, (int)left) < 0)
            return got;
        uint64_t count;
        if (wake_fd >= 0 && (p[1].revents & POLLIN) && read(wake_fd, &count, sizeof(count)) > 0)
            return true;
    }
}

int64_t fleet_pg_int(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

void fleet_pg_close(void)
{
    if (conn != NULL)
        PQfinish(conn);
    conn = NULL;
    conn_broken = false;
}
