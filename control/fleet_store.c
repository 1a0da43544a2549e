/*
 * The fleet store's answers to the API (fleet_store.h), on the fleet
 * lane's thread: SQL through fleet_pg.c, JSON built here (jansson objects
 * are the thread's own until the loop takes them).
 */
#include "fleet_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_errors.h"
#include "fleet_pg.h"
#include "pcapd/pcap_format.h"
#include "pcapd/pcap_merge.h"

/* Bytes of a part read from the database at a time. */
#define PART_CHUNK (1024 * 1024)

/* Columns of a capture row, in the order capture_from_row() reads them. */
#define CAPTURE_COLUMNS                                                                            \
    "id, account_id, submitted_ms, time_limit, packet_limit, filter_json, status,"                 \
    " stop_requested_ms, packets_captured, error_message"

/* Sets an error answer. */
static void fail(struct fleet_answer *a, int status, int code, const char *fmt, const char *arg)
{
    a->status = status;
    a->code = code;
    snprintf(a->message, sizeof(a->message), fmt, arg);
}

/* Answers a failed statement: the fleet store is unreachable or failed. */
static void fail_store(struct fleet_answer *a, const char *err)
{
    a->retry_after = 1;
    fail(a, 503, API_ERR_STORE_BUSY, "the fleet store cannot answer (%s); retry shortly", err);
}

/* Fills `c` from row `i` of `r` (CAPTURE_COLUMNS). */
static void capture_from_row(const PGresult *r, int i, struct capture *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->id, sizeof(c->id), "%s", PQgetvalue(r, i, 0));
    snprintf(c->account_id, sizeof(c->account_id), "%s", PQgetvalue(r, i, 1));
    c->submitted_ms = fleet_pg_int(r, i, 2);
    c->type = CAPTURE_SIMPLE;
    c->time_limit = (uint32_t)fleet_pg_int(r, i, 3);
    c->packet_limit = (uint32_t)fleet_pg_int(r, i, 4);
    json_t *f = json_loads(PQgetvalue(r, i, 5), 0, NULL);
    struct capture_error cerr;
    if (f != NULL)
        capture_filter_from_json(f, &c->filter, &cerr);
    json_decref(f);
    int st = capture_status_parse(PQgetvalue(r, i, 6));
    c->status = st < 0 ? CAPTURE_FAILED : (enum capture_status)st;
    c->stop_requested_ms = fleet_pg_int(r, i, 7);
    c->packets_captured = (uint64_t)fleet_pg_int(r, i, 8);
    snprintf(c->error_message, sizeof(c->error_message), "%s", PQgetvalue(r, i, 9));
}

/* Builds the JSON of capture `c` with its `appliances` (the extension
 * field: one object per target) from the target rows `t`, and adds a
 * `messages` entry for each appliance missing from it.  While the
 * capture runs, packets_captured is the targets' sum (cut at the limit). */
static json_t *capture_json(struct capture *c, const PGresult *t, json_t *messages)
{
    json_t *apps = json_array();
    uint64_t sum = 0, dropped = 0;
    for (int i = 0; i < PQntuples(t); i++) {
        const char *state = PQgetvalue(t, i, 2), *error = PQgetvalue(t, i, 5);
        sum += (uint64_t)fleet_pg_int(t, i, 3);
        dropped += (uint64_t)fleet_pg_int(t, i, 4);
        json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:I}", "name", PQgetvalue(t, i, 0), "site",
                              PQgetvalue(t, i, 1), "status", state, "packets_captured",
                              (json_int_t)fleet_pg_int(t, i, 3), "packets_dropped",
                              (json_int_t)fleet_pg_int(t, i, 4));
        if (error[0] != '\0')
            json_object_set_new(o, "error_message", json_string(error));
        json_array_append_new(apps, o);
        if (messages != NULL && (strcmp(state, "lost") == 0 || strcmp(state, "failed") == 0))
            json_array_append_new(messages, json_pack("{s:i,s:s}", "code",
                                                      API_MSG_APPLIANCE_MISSING, "message", error));
    }
    if (!capture_status_final(c->status))
        c->packets_captured = c->packet_limit != 0 && sum > c->packet_limit ? c->packet_limit : sum;
    c->packets_dropped = dropped;
    json_t *o = capture_to_json(c);
    json_object_set_new(o, "appliances", apps);
    return o;
}

/* Reads capture `id` of `account` as JSON (with `messages` if not NULL).
 * Returns it, or NULL with a->not_found or an error answer set. */
static json_t *load(const char *account, const char *id, struct capture *c, json_t *messages,
                    struct fleet_answer *a)
{
    char err[256];
    const char *p[] = {account, id};
    PGresult *r = fleet_pg_exec("SELECT " CAPTURE_COLUMNS " FROM fleet_captures"
                                " WHERE account_id = $1 AND id = $2",
                                2, p, PGRES_TUPLES_OK, err, sizeof(err));
    if (r == NULL) {
        fail_store(a, err);
        return NULL;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        a->not_found = true;
        return NULL;
    }
    capture_from_row(r, 0, c);
    PQclear(r);
    PGresult *t = fleet_pg_exec("SELECT t.appliance, coalesce(a.site, ''), t.state, t.packets,"
                                " t.dropped, t.error FROM fleet_targets t LEFT JOIN"
                                " fleet_appliances a ON a.name = t.appliance"
                                " WHERE t.capture_id = $1 ORDER BY t.appliance",
                                1, p + 1, PGRES_TUPLES_OK, err, sizeof(err));
    if (t == NULL) {
        fail_store(a, err);
        return NULL;
    }
    json_t *o = capture_json(c, t, messages);
    PQclear(t);
    return o;
}

/* Answers with capture `id` of `account`. */
static void answer_capture(const char *account, const char *id, struct fleet_answer *a)
{
    struct capture c;
    a->messages = json_array();
    a->result = load(account, id, &c, a->messages, a);
    a->status = a->result != NULL ? 200 : a->status;
}

/* Decides, inside the create's transaction and under a lock of the
 * account (so two appliances admitting at once see each other), whether
 * the fleet admits capture `c`: one simple capture per rate window per
 * account, and at most max_captures fleet captures under way.  Returns 0
 * (admitted), 1 (refused: `a` is the answer) or -1 (store error). */
static int admit(const struct fleet_identity *me, const struct capture *c, struct fleet_answer *a,
                 char *err, unsigned err_size)
{
    char window[16];
    snprintf(window, sizeof(window), "%u", me->rate_window_s);
    const char *p[] = {c->account_id, window};
    PGresult *r = fleet_pg_exec(
        "SELECT pg_advisory_xact_lock(hashtext('pcapd_fleet_account:' || $1)),"
        " (SELECT ceil(max(submitted_ms) / 1000.0 + $2::integer"
        " - extract(epoch FROM clock_timestamp()))::bigint FROM fleet_captures"
        " WHERE account_id = $1 AND type = 'simple'),"
        " (SELECT count(*) FROM fleet_captures WHERE status IN ('pending', 'running'))",
        2, p, PGRES_TUPLES_OK, err, err_size);
    if (r == NULL)
        return -1;
    int64_t retry = fleet_pg_int(r, 0, 1), open = fleet_pg_int(r, 0, 2);
    PQclear(r);
    if (me->rate_window_s > 0 && retry > 0) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "rate limited: one simple capture per %u s per account across the fleet; "
                 "retry in %lld s",
                 me->rate_window_s, (long long)retry);
        a->retry_after = (unsigned)retry;
        fail(a, 429, API_ERR_RATE_LIMITED, "%s", msg);
        return 1;
    }
    if (open >= me->max_captures) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "the fleet runs %lld captures, its max_captures; retry when one has ended",
                 (long long)open);
        fail(a, 503, API_ERR_CAPACITY, "%s", msg);
        return 1;
    }
    return 0;
}

void fleet_store_create(const struct fleet_identity *me, const struct capture *c,
                        struct fleet_answer *a)
{
    char err[256], submitted[24], tl[16], pl[16];
    json_t *f = capture_filter_to_json(&c->filter);
    char *filter = f != NULL ? json_dumps(f, JSON_COMPACT) : NULL;
    json_decref(f);
    snprintf(submitted, sizeof(submitted), "%" PRId64, c->submitted_ms);
    snprintf(tl, sizeof(tl), "%u", c->time_limit);
    snprintf(pl, sizeof(pl), "%u", c->packet_limit);
    const char *p[] = {c->id, c->account_id, submitted, tl, pl, filter ? filter : "{}", me->name};
    PGresult *r = NULL;
    int rc = fleet_pg_tx("BEGIN", err, sizeof(err));
    int refused = rc == 0 ? admit(me, c, a, err, sizeof(err)) : -1;
    if (refused != 0) {
        free(filter);
        fleet_pg_tx("ROLLBACK", err + 128, sizeof(err) - 128);
        if (refused < 0)
            fail_store(a, err);
        return;
    }
    if (rc == 0)
        rc = fleet_pg_command("INSERT INTO fleet_captures (id, account_id, type, submitted_ms,"
                              " time_limit, packet_limit, filter_json, created_by)"
                              " VALUES ($1, $2, 'simple', $3, $4, $5, $6, $7)",
                              7, p, err, sizeof(err));
    if (rc == 0)
        r = fleet_pg_exec("INSERT INTO fleet_targets (capture_id, appliance, lease_until)"
                          " SELECT $1, name, now() + " FLEET_LEASE_SQL " FROM fleet_appliances"
                          " WHERE heartbeat > now() - " FLEET_LEASE_SQL " RETURNING 1",
                          1, p, PGRES_TUPLES_OK, err, sizeof(err));
    free(filter);
    int targets = r != NULL ? PQntuples(r) : -1;
    PQclear(r);
    if (targets > 0 &&
        fleet_pg_command("SELECT pg_notify('pcapd_fleet', 'claim')", 0, NULL, err, sizeof(err)) ==
            0 &&
        fleet_pg_tx("COMMIT", err, sizeof(err)) == 0) {
        answer_capture(c->account_id, c->id, a);
        return;
    }
    fleet_pg_tx("ROLLBACK", err + 128, sizeof(err) - 128);
    if (targets == 0)
        fail(a, 503, API_ERR_CAPACITY,
             "no appliance of the fleet is live (none sent a heartbeat in the last %s s); "
             "the capture was not created",
             FLEET_STR(FLEET_LEASE_SECONDS));
    else
        fail_store(a, err);
}

void fleet_store_get(const char *account, const char *id, struct fleet_answer *a)
{
    answer_capture(account, id, a);
}

void fleet_store_list(const char *account, unsigned offset, unsigned limit, struct fleet_answer *a)
{
    char err[256], off[16], lim[16];
    snprintf(off, sizeof(off), "%u", offset);
    snprintf(lim, sizeof(lim), "%u", limit);
    const char *p[] = {account, off, lim};
    PGresult *r = fleet_pg_exec("SELECT id, (SELECT count(*) FROM fleet_captures"
                                " WHERE account_id = $1) FROM fleet_captures WHERE account_id = $1"
                                " ORDER BY submitted_ms DESC, id LIMIT $3 OFFSET $2",
                                3, p, PGRES_TUPLES_OK, err, sizeof(err));
    if (r == NULL) {
        fail_store(a, err);
        return;
    }
    a->result = json_array();
    int64_t total = 0;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && a->status == 0; i++) {
        struct capture c;
        json_t *o = load(account, PQgetvalue(r, i, 0), &c, NULL, a);
        if (o != NULL)
            json_array_append_new(a->result, o);
        total = fleet_pg_int(r, i, 1);
    }
    PQclear(r);
    if (rows == 0) {
        const char *pa[] = {account};
        PGresult *n = fleet_pg_exec("SELECT count(*) FROM fleet_captures WHERE account_id = $1", 1,
                                    pa, PGRES_TUPLES_OK, err, sizeof(err));
        total = n != NULL ? fleet_pg_int(n, 0, 0) : 0;
        PQclear(n);
    }
    if (a->status != 0)
        return;
    a->status = 200;
    a->result_info =
        json_pack("{s:I,s:I,s:I,s:I}", "page", (json_int_t)(offset / limit + 1), "per_page",
                  (json_int_t)limit, "count", (json_int_t)json_array_size(a->result), "total_count",
                  (json_int_t)total);
}

void fleet_store_stop(const char *account, const char *id, int64_t now_ms, struct fleet_answer *a)
{
    char err[256], ms[24];
    snprintf(ms, sizeof(ms), "%" PRId64, now_ms);
    const char *p[] = {account, id, ms};
    if (fleet_pg_command("WITH s AS (UPDATE fleet_captures SET stop_requested_ms = $3"
                         " WHERE account_id = $1 AND id = $2 AND stop_requested_ms = 0"
                         " RETURNING 1) SELECT pg_notify('pcapd_fleet', 'stop') FROM s",
                         3, p, err, sizeof(err)) != 0) {
        fail_store(a, err);
        return;
    }
    answer_capture(account, id, a);
}

/* Copies part `appliance` of capture `id` out of the database into `fd`,
 * PART_CHUNK bytes per statement, so no part is held whole.  Returns 0 or
 * -1 with `err`. */
static int fetch_part(const char *id, const char *appliance, int64_t size, int fd, char *err,
                      unsigned err_size)
{
    PGconn *c = fleet_pg_conn(err, err_size);
    for (int64_t off = 0; c != NULL && off < size; off += PART_CHUNK) {
        char from[24], len[24];
        snprintf(from, sizeof(from), "%" PRId64, off + 1);
        snprintf(len, sizeof(len), "%d", PART_CHUNK);
        const char *p[] = {id, appliance, from, len};
        PGresult *r = PQexecParams(c,
                                   "SELECT substring(data FROM $3::integer FOR $4::integer)"
                                   " FROM fleet_parts WHERE capture_id = $1 AND appliance = $2"
                                   " AND seq = 0",
                                   4, NULL, p, NULL, NULL, 1);
        bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        int n = ok ? PQgetlength(r, 0, 0) : 0;
        if (!ok)
            snprintf(err, err_size, "reading part %s: %s", appliance, PQerrorMessage(c));
        else if (write(fd, PQgetvalue(r, 0, 0), (size_t)n) != n) {
            snprintf(err, err_size, "writing part %s: %s", appliance, strerror(errno));
            ok = false;
        }
        PQclear(r);
        if (!ok)
            return -1;
    }
    return c != NULL ? 0 : -1;
}

/* Writes a pcap with no record to `path` (a capture no part reached). */
static int write_empty(const char *path)
{
    uint8_t hdr[PCAP_FILE_HEADER_LEN];
    pcap_format_file_header(hdr, 160, PCAP_LINKTYPE_ETHERNET);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = fd >= 0 && write(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr) ? 0 : -1;
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Merges the parts listed in `r` (appliance, clock offset, size) into
 * a->path.  Returns 0 or -1 with `err`. */
static int merge_parts(const struct fleet_identity *me, const char *id, const PGresult *r,
                       uint32_t packet_limit, const char *out, char *err, unsigned err_size)
{
    unsigned n = (unsigned)PQntuples(r);
    if (n == 0)
        return write_empty(out);
    if (n > PCAP_MERGE_MAX_INPUTS) {
        snprintf(err, err_size, "more than %u parts", PCAP_MERGE_MAX_INPUTS);
        return -1;
    }
    char paths[PCAP_MERGE_MAX_INPUTS][700];
    const char *inputs[PCAP_MERGE_MAX_INPUTS];
    int64_t shifts[PCAP_MERGE_MAX_INPUTS];
    int rc = 0;
    unsigned made = 0;
    for (; made < n && rc == 0; made++) {
        snprintf(paths[made], sizeof(paths[made]), "%s/%s.%u.part", me->merge_dir, id, made);
        inputs[made] = paths[made];
        shifts[made] = fleet_pg_int(r, (int)made, 1);
        int fd = open(paths[made], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        rc = fd < 0 ? -1
                    : fetch_part(id, PQgetvalue(r, (int)made, 0), fleet_pg_int(r, (int)made, 2), fd,
                                 err, err_size);
        if (fd < 0)
            snprintf(err, err_size, "%.200s: %s", paths[made], strerror(errno));
        else
            close(fd);
    }
    if (rc == 0 &&
        pcap_merge_files(inputs, shifts, n, out, packet_limit, 0, NULL, NULL, err, err_size) != 0)
        rc = -1;
    for (unsigned i = 0; i < made; i++)
        unlink(paths[i]);
    return rc;
}

void fleet_store_download(const struct fleet_identity *me, const char *account, const char *id,
                          struct fleet_answer *a)
{
    struct capture c;
    json_t *o = load(account, id, &c, NULL, a);
    if (o == NULL)
        return;
    json_decref(o);
    if (!capture_status_final(c.status)) {
        fail(a, 409, API_ERR_NOT_READY,
             "capture %s is still running on the fleet: its file can be downloaded once it has "
             "ended",
             id);
        return;
    }
    snprintf(a->path, sizeof(a->path), "%s/%s.pcap", me->merge_dir, id);
    if (access(a->path, R_OK) == 0) {
        a->status = 200;
        return;
    }
    char err[256];
    const char *p[] = {id};
    PGresult *r = fleet_pg_exec("SELECT appliance, clock_offset_ns, octet_length(data)"
                                " FROM fleet_parts WHERE capture_id = $1 ORDER BY appliance",
                                1, p, PGRES_TUPLES_OK, err, sizeof(err));
    if (r == NULL) {
        fail_store(a, err);
        return;
    }
    int rc = merge_parts(me, id, r, c.packet_limit, a->path, err, sizeof(err));
    PQclear(r);
    if (rc != 0) {
        unlink(a->path);
        fail(a, 500, API_ERR_INTERNAL, "merging the fleet's parts failed: %s", err);
        return;
    }
    a->status = 200;
}

void fleet_store_appliances(struct fleet_answer *a)
{
    char err[256];
    PGresult *r = fleet_pg_exec(
        "SELECT name, site, capture_path, api, to_char(heartbeat AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), clock_offset_ns,"
        " heartbeat > now() - " FLEET_LEASE_SQL " FROM fleet_appliances ORDER BY name",
        0, NULL, PGRES_TUPLES_OK, err, sizeof(err));
    if (r == NULL) {
        fail_store(a, err);
        return;
    }
    a->result = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(
            a->result, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s}", "name", PQgetvalue(r, i, 0),
                                 "site", PQgetvalue(r, i, 1), "capture_path", PQgetvalue(r, i, 2),
                                 "api", PQgetvalue(r, i, 3), "last_heartbeat", PQgetvalue(r, i, 4),
                                 "clock_offset_ns", (json_int_t)fleet_pg_int(r, i, 5), "health",
                                 strcmp(PQgetvalue(r, i, 6), "t") == 0 ? "healthy" : "missing"));
    PQclear(r);
    a->status = 200;
}
