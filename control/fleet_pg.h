/*
 * The fleet store's connection to PostgreSQL (libpq): one connection per
 * thread that uses it (the fleet lanes' threads; never the event loop),
 * opened on first use, reset after a failure, with the schema migrated
 * once per process under an advisory lock, so that appliances starting
 * at once on an empty database do not race.  docs/FLEET.md has the
 * schema and the protocol.
 */
#ifndef PCAPD_FLEET_PG_H
#define PCAPD_FLEET_PG_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

/* Seconds a target's lease and an appliance's heartbeat stay valid. */
#define FLEET_LEASE_SECONDS 3
/* The lease as an SQL interval. */
#define FLEET_LEASE_SQL "make_interval(secs => " FLEET_STR(FLEET_LEASE_SECONDS) ")"
#define FLEET_STR(x) FLEET_STR2(x)
#define FLEET_STR2(x) #x

/* Bytes of a part per row of fleet_part_chunks (its last row holds the
 * rest): rows of this size are read whole, out of line, uncompressed.
 * Under glibc's mmap threshold (128 KiB, fixed by the daemon's
 * tune_malloc()), so that the download's libpq results reuse the heap
 * instead of mapping and faulting in fresh pages for every row. */
#define FLEET_CHUNK_BYTES 65536
/* FLEET_CHUNK_BYTES in SQL. */
#define FLEET_CHUNK_SQL FLEET_STR(FLEET_CHUNK_BYTES)
/* `bytes` (an SQL bytea expression) cut into its rows, as an SQL FROM
 * item `k(n, data)` (no rows for an empty value). */
#define FLEET_CHUNKS_FROM(bytes)                                                                   \
    "(SELECT g AS n, substring(" bytes " FROM g * " FLEET_CHUNK_SQL " + 1 FOR " FLEET_CHUNK_SQL    \
    ") AS data FROM generate_series(0, (octet_length(" bytes ") + " FLEET_CHUNK_SQL                \
    " - 1) / " FLEET_CHUNK_SQL " - 1) g) k"

/* Sets the connection string every thread's connection uses.  Call once,
 * before any other call. */
void fleet_pg_init(const char *conninfo);

/* Returns this thread's connection, connecting (and migrating the schema
 * the first time) if it has none or lost it.  Returns NULL, with the
 * reason in `err`, when the server cannot be reached. */
PGconn *fleet_pg_conn(char *err, unsigned err_size);

/* Makes a connection of the caller's own (a download's, which keeps
 * statements in flight across calls), outside the thread's.  Returns it
 * (PQfinish() it), or NULL with the reason in `err`. */
PGconn *fleet_pg_connect_own(char *err, unsigned err_size);

/* A number that changes whenever this thread's connection is remade (so
 * that what its session held, advisory locks, is known to be gone). */
uint64_t fleet_pg_connection_serial(void);

/* Milliseconds since this thread's connection was (re)made, or -1 if it
 * has none. */
int64_t fleet_pg_connected_ms(void);

/* Runs `sql` with `n` text parameters (NULL for SQL NULL) on this
 * thread's connection.  Returns the result if its status is `want`
 * (PGRES_COMMAND_OK or PGRES_TUPLES_OK), else NULL with the error in
 * `err` (and the connection marked for reset if it broke). */
PGresult *fleet_pg_exec(const char *sql, int n, const char *const *params, ExecStatusType want,
                        char *err, unsigned err_size);

/* Counts a statement sent other than through fleet_pg_exec(). */
void fleet_pg_counted(void);

/* Statements this process has sent to the fleet store so far. */
unsigned long fleet_pg_round_trips(void);

/* Runs a statement whose rows, if any, do not matter.  Returns 0, or -1
 * with `err`. */
int fleet_pg_command(const char *sql, int n, const char *const *params, char *err,
                     unsigned err_size);

/* Runs BEGIN, COMMIT or ROLLBACK.  Returns 0, or -1 with `err`. */
int fleet_pg_tx(const char *verb, char *err, unsigned err_size);

/* Makes this thread's connection LISTEN on the fleet's channel (from its
 * next connection on). */
void fleet_pg_listen(void);

/* Waits up to `ms` for a NOTIFY on this thread's connection (see
 * fleet_pg_listen()), or for `wake_fd` (an eventfd, -1: none) to be
 * written, which it then reads.  Returns true if either came. */
bool fleet_pg_wait_notify(int ms, int wake_fd);

/* Reads column `col` of row `row` as an integer (0 when NULL). */
int64_t fleet_pg_int(const PGresult *r, int row, int col);

/* Closes this thread's connection, if any. */
void fleet_pg_close(void);

#endif /* PCAPD_FLEET_PG_H */
