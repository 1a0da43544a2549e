/*
 * One round of the fleet's synchronisation, on the fleet_sync lane's
 * thread and its own connection (docs/FLEET.md, "The protocol"): the
 * heartbeat and clock offset, the targets' progress and parts, claims,
 * stops, expired leases, the fleet-wide packet limit, finished captures,
 * the tokens, and at the end a short wait for a NOTIFY.
 */
#include "fleet.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture_files.h"
#include "clock_ms.h"
#include "fleet_pg.h"
#include "log.h"
#include "token_store.h"

/* How long a round waits for a NOTIFY (or the loop's eventfd) when it has
 * nothing else to do: the poll behind the NOTIFY hint, and so the round
 * trips of an idle appliance (tools/bench-fleet --sim: every appliance's
 * poll is the database's load at rest, so it is not shorter). */
#define SYNC_WAIT_MS 1000
/* How often the heartbeat, the settling of the fleet's captures (leases,
 * the fleet-wide limit, finishing) and the token sync run. */
#define HEARTBEAT_MS 1000
#define SETTLE_MS 1000
#define TOKEN_SYNC_MS 2000
/* Longest pause between two retention sweeps, and most captures one
 * statement of a sweep deletes. */
#define EXPIRE_MAX_MS 60000
#define EXPIRE_BATCH 1000
/* Most claims taken in one round (the rest wait for the next). */
#define CLAIMS_MAX 64

/* A lease from now. */
#define LEASE_SQL "now() + " FLEET_LEASE_SQL

/* The lane thread's state between rounds (per thread: one lane thread in
 * the daemon, one per simulated appliance in tools/bench/fleet_sim.c). */
static __thread struct {
    int64_t heartbeat_ms;
    int64_t settle_ms;
    int64_t tokens_ms;
    int64_t expire_ms;
    /* The last clock offset measured (database minus this host, ns). */
    int64_t offset_ns;
    /* This appliance settles the fleet: its connection (of this serial)
     * holds the settler's advisory lock. */
    bool settler;
    uint64_t settler_serial;
    /* This thread's connection of the local token store. */
    struct token_store *tokens;
} sync_state;

/* Returns the wall clock in nanoseconds. */
static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Upserts this appliance's row with a fresh heartbeat, and measures the
 * clock offset from the database's clock_timestamp() against the
 * midpoint of the query.  Unless its connection holds it already, tries
 * for the settler's lock in the same statement: one appliance of the
 * fleet settles it, and when its session ends (it died, or its
 * connection broke) the next heartbeat of another takes over.  Returns 0
 * or -1. */
static int heartbeat(const struct fleet_identity *me, char *err, unsigned err_size)
{
    char offset[24];
    snprintf(offset, sizeof(offset), "%" PRId64, sync_state.offset_ns);
    bool held = sync_state.settler && sync_state.settler_serial == fleet_pg_connection_serial();
    const char *p[] = {me->name, me->site, me->capture_path, me->api, offset, held ? "t" : "f"};
    int64_t t0 = realtime_ns();
    PGresult *r = fleet_pg_exec(
        "INSERT INTO fleet_appliances (name, site, capture_path, api, clock_offset_ns)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET site = $2,"
        " capture_path = $3, api = $4, heartbeat = now(), clock_offset_ns = $5"
        " RETURNING (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint,"
        " $6::boolean OR pg_try_advisory_lock(hashtext('pcapd_fleet_settler'))",
        6, p, PGRES_TUPLES_OK, err, err_size);
    int64_t t1 = realtime_ns();
    if (r == NULL)
        return -1;
    sync_state.offset_ns = fleet_pg_int(r, 0, 0) - (t0 + (t1 - t0) / 2);
    sync_state.settler = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    sync_state.settler_serial = fleet_pg_connection_serial();
    if (sync_state.settler && !held)
        log_info("fleet_settler", "appliance=%s", me->name);
    PQclear(r);
    return 0;
}

/* Reads the file at `path` whole (a simple capture's part: at most
 * packet_limit records of 176 bytes).  Returns it (free()) or NULL. */
static char *read_part(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 24) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size);
    size_t got = 0;
    while (buf != NULL && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (buf != NULL && got != (size_t)st.st_size) {
        free(buf);
        return NULL;
    }
    *len = got;
    return buf;
}

/* The end of a target in one statement (report_end()): its move, then
 * its part's row and the part's bytes in rows of FLEET_CHUNK_BYTES only
 * if the move happened. */
/* (Unformatted: clang-format breaks the string around the macro.) */
/* clang-format off */
static const char REPORT_END_SQL[] =
    "WITH t AS (UPDATE fleet_targets SET state = $3, packets = $4, dropped = $5, error = $6,"
    " local_status = $7 WHERE capture_id = $1 AND appliance = $2"
    " AND state IN ('claimed', 'running') RETURNING 1),"
    " p AS (INSERT INTO fleet_parts (capture_id, appliance, seq, clock_offset_ns, packets, data,"
    " object_key) SELECT $1, $2, 0, $8, $4, '', $10 FROM t WHERE $3 = 'done'"
    " ON CONFLICT DO NOTHING RETURNING 1),"
    " c AS (INSERT INTO fleet_part_chunks SELECT $1, $2, 0, k.n, k.data FROM p, "
    FLEET_CHUNKS_FROM("$9::bytea") ")"
    " SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM p)";
/* clang-format on */

/* Stores the part of ended target `rep` in the same transaction that
 * moves the target from claimed/running to done (or failed when there is
 * no file): a target already lost stores nothing, so a late part is never
 * merged.  Returns 0 (taken or refused as late) or -1 (retry). */
static int report_end(const struct fleet_identity *me, const struct fleet_report *rep, char *err,
                      unsigned err_size)
{
    char path[700], packets[24], dropped[24], offset[24];
    size_t len = 0;
    capture_files_path(rep->id, path, sizeof(path));
    /* A full capture's part is the object it was delivered to, not data. */
    char *data = rep->full           ? (rep->object[0] != '\0' ? strdup("") : NULL)
                 : rep->start_failed ? NULL
                                     : read_part(path, &len);
    snprintf(packets, sizeof(packets), "%" PRIu64, rep->packets);
    snprintf(dropped, sizeof(dropped), "%" PRIu64, rep->dropped);
    snprintf(offset, sizeof(offset), "%" PRId64, sync_state.offset_ns);
    const char *state = data != NULL ? "done" : "failed";
    const char *error = data != NULL || rep->error[0] ? rep->error
                        : rep->full                   ? "its file was not delivered to the bucket"
                                                      : "no capture file was written";
    const char *p[] = {rep->id, me->name,          state,  packets, dropped,
                       error,   rep->local_status, offset, data,    rep->object};
    int lens[] = {0, 0, 0, 0, 0, 0, 0, 0, (int)len, 0};
    int fmts[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    /* One statement, so one transaction and one round trip. */
    PGconn *c = fleet_pg_conn(err, err_size);
    fleet_pg_counted();
    PGresult *r = c == NULL ? NULL : PQexecParams(c, REPORT_END_SQL, 10, NULL, p, lens, fmts, 0);
    int rc = 0;
    if (c != NULL && PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, err_size, "storing the end of %s: %s", rep->id, PQerrorMessage(c));
        rc = -1;
    } else if (c == NULL) {
        rc = -1;
    } else if (fleet_pg_int(r, 0, 0) == 0) {
        log_warn("fleet_part_late", "capture=%s", rep->id);
    }
    PQclear(r);
    free(data);
    return rc;
}

/* Writes the progress of running target `rep` and renews its lease; the
 * capture is running once any target runs.  Returns 0 or -1. */
static int report_progress(const struct fleet_identity *me, const struct fleet_report *rep,
                           char *err, unsigned err_size)
{
    char packets[24], dropped[24];
    snprintf(packets, sizeof(packets), "%" PRIu64, rep->packets);
    snprintf(dropped, sizeof(dropped), "%" PRIu64, rep->dropped);
    const char *p[] = {rep->id, me->name, packets, dropped, rep->local_status};
    return fleet_pg_command("WITH t AS (UPDATE fleet_targets SET state = 'running', packets = $3,"
                            " dropped = $4, local_status = $5, lease_until = " LEASE_SQL
                            " WHERE capture_id = $1 AND appliance = $2"
                            " AND state IN ('claimed', 'running') RETURNING capture_id)"
                            " UPDATE fleet_captures SET status = 'running'"
                            " WHERE id IN (SELECT capture_id FROM t) AND status = 'pending'",
                            5, p, err, err_size);
}

/* Claims the pending targets of this appliance into t->claims. */
static int claim(struct fleet_sync_task *t, char *err, unsigned err_size)
{
    const char *p[] = {t->me->name};
    PGresult *r =
        fleet_pg_exec("UPDATE fleet_targets t SET state = 'claimed', lease_until = " LEASE_SQL
                      " FROM fleet_captures c WHERE t.appliance = $1 AND t.capture_id IN"
                      " (SELECT capture_id FROM fleet_targets WHERE appliance = $1"
                      " AND state = 'pending' LIMIT " FLEET_STR(
                          CLAIMS_MAX) ")"
                                      " AND t.state = 'pending' AND c.id = t.capture_id"
                                      " AND c.status IN ('pending', 'running')"
                                      " RETURNING c.id, c.account_id, c.time_limit, "
                                      "c.packet_limit, c.filter_json, c.type, c.colo_name,"
                                      " c.byte_limit, c.destination_conf",
                      1, p, PGRES_TUPLES_OK, err, err_size);
    if (r == NULL)
        return -1;
    int n = PQntuples(r);
    t->claims = calloc((size_t)(n > 0 ? n : 1), sizeof(*t->claims));
    for (int i = 0; t->claims != NULL && i < n; i++) {
        struct capture *c = &t->claims[t->n_claims];
        json_t *f = json_loads(PQgetvalue(r, i, 4), 0, NULL);
        struct capture_error cerr;
        snprintf(c->id, sizeof(c->id), "%s", PQgetvalue(r, i, 0));
        snprintf(c->account_id, sizeof(c->account_id), "%s", PQgetvalue(r, i, 1));
        c->type = strcmp(PQgetvalue(r, i, 5), "full") == 0 ? CAPTURE_FULL : CAPTURE_SIMPLE;
        c->status = CAPTURE_PENDING;
        c->time_limit = (uint32_t)fleet_pg_int(r, i, 2);
        c->packet_limit = (uint32_t)fleet_pg_int(r, i, 3);
        snprintf(c->colo_name, sizeof(c->colo_name), "%s", PQgetvalue(r, i, 6));
        c->byte_limit = (uint64_t)fleet_pg_int(r, i, 7);
        snprintf(c->destination_conf, sizeof(c->destination_conf), "%s", PQgetvalue(r, i, 8));
        c->submitted_ms = clock_realtime_ms();
        if (f != NULL && capture_filter_from_json(f, &c->filter, &cerr) == 0)
            t->n_claims++;
        json_decref(f);
    }
    PQclear(r);
    return 0;
}

/* Lists the targets here that the fleet asks to stop (a stop through the
 * API of any appliance, or the fleet-wide packet limit). */
static int stops(struct fleet_sync_task *t, char *err, unsigned err_size)
{
    const char *p[] = {t->me->name};
    PGresult *r = fleet_pg_exec("SELECT t.capture_id FROM fleet_targets t JOIN fleet_captures c"
                                " ON c.id = t.capture_id WHERE t.appliance = $1"
                                " AND t.state IN ('claimed', 'running')"
                                " AND (c.stop_requested_ms <> 0 OR c.fleet_stop)",
                                1, p, PGRES_TUPLES_OK, err, err_size);
    if (r == NULL)
        return -1;
    int n = PQntuples(r);
    t->stops = calloc((size_t)(n > 0 ? n : 1), sizeof(*t->stops));
    for (int i = 0; t->stops != NULL && i < n; i++)
        snprintf(t->stops[t->n_stops++], sizeof(t->stops[0]), "%s", PQgetvalue(r, i, 0));
    PQclear(r);
    return 0;
}

/* Finishes the captures with no target left under way (conditional on
 * their status, so that two appliances finishing at once do it once). */
static int finish(char *err, unsigned err_size);

/* The settler's work: marks targets whose lease has passed as lost,
 * naming their appliance and its last heartbeat (only once this
 * connection is older than one lease, so that after the database comes
 * back every appliance has had a round to renew its leases first); sets
 * the fleet-wide stop of captures whose targets together reached
 * packet_limit; finishes what is left to finish. */
static int settle(char *err, unsigned err_size)
{
    if (fleet_pg_connected_ms() >= FLEET_LEASE_SECONDS * 1000 &&
        fleet_pg_command(
            "UPDATE fleet_targets t SET state = 'lost', error = format('appliance %s is"
            " missing from this capture: its lease expired at %s (last heartbeat %s)',"
            " t.appliance, to_char(t.lease_until AT TIME ZONE 'UTC',"
            " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(to_char(a.heartbeat AT TIME ZONE 'UTC',"
            " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'never')) FROM fleet_targets t2"
            " LEFT JOIN fleet_appliances a ON a.name = t2.appliance"
            " WHERE t.capture_id = t2.capture_id AND t.appliance = t2.appliance"
            " AND t.state IN ('pending', 'claimed', 'running') AND t.lease_until < now()",
            0, NULL, err, err_size) != 0)
        return -1;
    if (fleet_pg_command("WITH s AS (UPDATE fleet_captures c SET fleet_stop = true"
                         " WHERE c.status IN ('pending', 'running') AND NOT c.fleet_stop"
                         " AND c.packet_limit > 0 AND (SELECT coalesce(sum(packets), 0)"
                         " FROM fleet_targets t WHERE t.capture_id = c.id) >= c.packet_limit"
                         " RETURNING 1) SELECT pg_notify('pcapd_fleet', 'stop') FROM s LIMIT 1",
                         0, NULL, err, err_size) != 0)
        return -1;
    return finish(err, err_size);
}

static int finish(char *err, unsigned err_size)
{
    return fleet_pg_command(
        "UPDATE fleet_captures c SET status = CASE WHEN p.n > 0 THEN 'success' ELSE 'failed' END,"
        " packets_captured = CASE WHEN c.packet_limit > 0 THEN least(p.packets, c.packet_limit)"
        " ELSE p.packets END, error_message = CASE WHEN p.n > 0 THEN '' ELSE"
        " left('no appliance delivered a part: ' || coalesce(f.errors, 'none ran'), 255) END,"
        " ended = now() FROM (SELECT c2.id FROM fleet_captures c2 WHERE c2.status IN"
        " ('pending', 'running') AND NOT EXISTS (SELECT 1 FROM fleet_targets t WHERE"
        " t.capture_id = c2.id AND t.state IN ('pending', 'claimed', 'running'))"
        " FOR UPDATE SKIP LOCKED) d, LATERAL (SELECT count(*) AS n, coalesce(sum(packets), 0)"
        " AS packets FROM fleet_parts WHERE capture_id = d.id) p, LATERAL (SELECT"
        " string_agg(error, '; ') AS errors FROM fleet_targets WHERE capture_id = d.id"
        " AND error <> '') f WHERE c.id = d.id",
        0, NULL, err, err_size);
}

/* Deletes the fleet captures that ended more than retention_s ago, their
 * targets and parts with them (ON DELETE CASCADE), a batch per statement
 * so that no statement holds many locks for long.  Whichever appliance
 * runs it first does the work; the others find nothing.  Each appliance's
 * own copy of its targets goes with its local retention. */
static int expire(const struct fleet_identity *me, char *err, unsigned err_size)
{
    char keep[24];
    snprintf(keep, sizeof(keep), "%" PRIu64, me->retention_s);
    const char *p[] = {keep};
    int64_t deleted = 0, n;
    do {
        PGresult *r = fleet_pg_exec("WITH d AS (DELETE FROM fleet_captures WHERE id IN (SELECT id"
                                    " FROM fleet_captures WHERE status IN ('success', 'failed')"
                                    " AND ended < now() - make_interval(secs => $1::bigint)"
                                    " LIMIT " FLEET_STR(EXPIRE_BATCH) ") RETURNING 1)"
                                                                      " SELECT count(*) FROM d",
                                    1, p, PGRES_TUPLES_OK, err, err_size);
        if (r == NULL)
            return -1;
        n = fleet_pg_int(r, 0, 0);
        deleted += n;
        PQclear(r);
    } while (n == EXPIRE_BATCH);
    if (deleted > 0)
        log_info("fleet_retention", "deleted=%" PRId64, deleted);
    return 0;
}

/* Publishes one local token to the fleet (token_store_list callback). */
static void push_token(const struct token_record *tr, void *arg)
{
    char salt[2 * TOKEN_SALT_LEN + 3] = "\\x", hash[2 * TOKEN_HASH_LEN + 3] = "\\x", ms[24];
    for (unsigned i = 0; i < TOKEN_SALT_LEN; i++)
        snprintf(salt + 2 + 2 * i, 3, "%02x", tr->salt[i]);
    for (unsigned i = 0; i < TOKEN_HASH_LEN; i++)
        snprintf(hash + 2 + 2 * i, 3, "%02x", tr->hash[i]);
    snprintf(ms, sizeof(ms), "%" PRId64, tr->created_ms);
    const char *p[] = {
        tr->id, tr->account_id, token_permission_name(tr->permission), tr->email, salt, hash, ms};
    char err[256];
    if (fleet_pg_command("INSERT INTO fleet_tokens SELECT $1, $2, $3, $4, $5, $6, $7"
                         " WHERE NOT EXISTS (SELECT 1 FROM fleet_token_revocations"
                         " WHERE id = $1) ON CONFLICT DO NOTHING",
                         7, p, err, sizeof(err)) != 0)
        *(int *)arg = -1;
}

/* Decodes PostgreSQL's hex bytea text ("\x0a1b...") into `out`. */
static void unhex(const char *s, uint8_t *out, unsigned n)
{
    for (unsigned i = 0; i < n && s[2 + 2 * i] != '\0'; i++) {
        unsigned v = 0;
        sscanf(s + 2 + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* Deletes from this appliance's store the tokens revoked anywhere in the
 * fleet. */
static int apply_revocations(char *err, unsigned err_size)
{
    PGresult *r = fleet_pg_exec("SELECT id FROM fleet_token_revocations", 0, NULL, PGRES_TUPLES_OK,
                                err, err_size);
    if (r == NULL)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        if (token_store_delete(sync_state.tokens, PQgetvalue(r, i, 0)) == 0)
            log_info("fleet_token_revoked", "token=%s", PQgetvalue(r, i, 0));
    }
    PQclear(r);
    return 0;
}

int fleet_revoke_token(const char *id, char *err, unsigned err_size)
{
    const char *p[] = {id};
    if (fleet_pg_command("INSERT INTO fleet_token_revocations (id) VALUES ($1)"
                         " ON CONFLICT DO NOTHING",
                         1, p, err, err_size) != 0 ||
        fleet_pg_command("DELETE FROM fleet_tokens WHERE id = $1", 1, p, err, err_size) != 0)
        return -1;
    return 0;
}

/* Copies the fleet's tokens this appliance lacks into its own store. */
static int pull_tokens(char *err, unsigned err_size)
{
    PGresult *r = fleet_pg_exec("SELECT id, account_id, permission, email, salt, hash, created_ms"
                                " FROM fleet_tokens",
                                0, NULL, PGRES_TUPLES_OK, err, err_size);
    if (r == NULL)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        struct token_record tr;
        if (token_store_get(sync_state.tokens, PQgetvalue(r, i, 0), &tr) != 1)
            continue;
        memset(&tr, 0, sizeof(tr));
        snprintf(tr.id, sizeof(tr.id), "%s", PQgetvalue(r, i, 0));
        snprintf(tr.account_id, sizeof(tr.account_id), "%s", PQgetvalue(r, i, 1));
        int perm = token_permission_parse(PQgetvalue(r, i, 2));
        tr.permission = perm == TOKEN_WRITE ? TOKEN_WRITE : TOKEN_READ;
        snprintf(tr.email, sizeof(tr.email), "%s", PQgetvalue(r, i, 3));
        unhex(PQgetvalue(r, i, 4), tr.salt, TOKEN_SALT_LEN);
        unhex(PQgetvalue(r, i, 5), tr.hash, TOKEN_HASH_LEN);
        tr.created_ms = fleet_pg_int(r, i, 6);
        if (token_store_insert(sync_state.tokens, &tr) == 0)
            log_info("fleet_token_copied", "token=%s account=%s", tr.id, tr.account_id);
    }
    PQclear(r);
    return 0;
}

/* Applies the fleet's revocations, publishes this appliance's tokens and
 * copies in the fleet's: a token made or revoked on any appliance is so
 * on all of them within a few seconds. */
static int sync_tokens(const struct fleet_identity *me, char *err, unsigned err_size)
{
    if (sync_state.tokens == NULL &&
        token_store_open(me->db_path, 1000, &sync_state.tokens, err, err_size) != 0)
        return -1;
    int rc = apply_revocations(err, err_size);
    if (rc != 0)
        return -1;
    if (token_store_list(sync_state.tokens, NULL, push_token, &rc) != 0 || rc != 0) {
        snprintf(err, err_size, "publishing the tokens failed");
        return -1;
    }
    return pull_tokens(err, err_size);
}

/* The round's steps that run every time.  Returns 0 or -1 with `err`. */
static int round_steps(struct fleet_sync_task *t, char *err, unsigned err_size)
{
    int64_t now = clock_monotonic_ms();
    if (now - sync_state.heartbeat_ms >= HEARTBEAT_MS) {
        if (heartbeat(t->me, err, err_size) != 0)
            return -1;
        sync_state.heartbeat_ms = now;
    }
    bool ended = false;
    for (unsigned i = 0; i < t->n_reports; i++) {
        const struct fleet_report *rep = &t->reports[i];
        int rc = rep->ended ? report_end(t->me, rep, err, err_size)
                            : report_progress(t->me, rep, err, err_size);
        if (rc != 0)
            return -1;
        t->reported[i] = true;
        ended = ended || rep->ended;
    }
    /* Stops concern only targets run here; settling is the fleet's, done
     * by the settler once a second; an end here finishes the capture it
     * completes at once, without waiting for the settler. */
    if (claim(t, err, err_size) != 0 || (t->has_targets && stops(t, err, err_size) != 0))
        return -1;
    bool settler = sync_state.settler && sync_state.settler_serial == fleet_pg_connection_serial();
    if (settler && now - sync_state.settle_ms >= SETTLE_MS) {
        if (settle(err, err_size) != 0)
            return -1;
        sync_state.settle_ms = now;
    } else if (ended && finish(err, err_size) != 0) {
        return -1;
    }
    int64_t expire_every = (int64_t)t->me->retention_s * 1000 / 2;
    expire_every = expire_every > EXPIRE_MAX_MS ? EXPIRE_MAX_MS : expire_every;
    if (t->me->retention_s > 0 && now - sync_state.expire_ms >= expire_every) {
        if (expire(t->me, err, err_size) != 0)
            log_warn("fleet_retention_failed", "error=%s", log_q(err));
        sync_state.expire_ms = now;
    }
    if (now - sync_state.tokens_ms >= TOKEN_SYNC_MS) {
        if (sync_tokens(t->me, err, err_size) != 0)
            log_warn("fleet_token_sync", "error=%s", log_q(err));
        sync_state.tokens_ms = now;
    }
    return 0;
}

void fleet_sync_run(struct fleet_sync_task *t)
{
    fleet_pg_listen();
    t->ok = round_steps(t, t->err, sizeof(t->err)) == 0;
    if (!t->ok) {
        /* Retried next round on a new connection; no faster than the
         * wait, so an unreachable server is not hammered. */
        sync_state.heartbeat_ms = 0;
        fleet_pg_close();
        usleep(SYNC_WAIT_MS * 1000);
        return;
    }
    if (t->n_claims == 0)
        fleet_pg_wait_notify(SYNC_WAIT_MS, t->wake_fd);
}
