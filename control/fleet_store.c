/*
 * The fleet store's answers to the API (fleet_store.h), on the fleet
 * lane's thread: SQL through fleet_pg.c, JSON built here (jansson objects
 * are the thread's own until the loop takes them).
 */
#include "fleet_store.h"

#include <errno.h>
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

/* Bytes of a download's parts held at once, shared by its parts: each
 * part is read from the database in slices of at most half this divided
 * by the number of parts (a slice being merged and the next one on its
 * way), within [SLICE_MIN, SLICE_MAX], in whole rows of
 * fleet_part_chunks; its first slice is SLICE_MIN and each next one twice
 * the last, so the merge starts as soon as the first rows are in.  Few, large statements: each
 * one is a round trip through a busy scheduler, which on a loaded host costs more than the bytes it
 * moves (docs/FLEET.md, "Download"). */
#define DOWNLOAD_BUDGET (32 * 1024 * 1024)
#define SLICE_MIN (256 * 1024)
#define SLICE_MAX (8 * 1024 * 1024)

/* Columns of a capture row, in the order capture_from_row() reads them. */
#define CAPTURE_COLUMNS                                                                            \
    "id, account_id, submitted_ms, time_limit, packet_limit, filter_json, status,"                 \
    " stop_requested_ms, packets_captured, error_message, type, colo_name, byte_limit,"            \
    " destination_conf"

/* The columns of the targets of a capture, in the order capture_json()
 * reads them, with their appliance's site and the object a full
 * capture's appliance delivered. */
#define TARGET_SELECT                                                                              \
    "SELECT t.appliance, coalesce(a.site, ''), t.state, t.packets, t.dropped, t.error,"            \
    " t.local_status, coalesce(p.object_key, ''), t.capture_id FROM fleet_targets t"               \
    " LEFT JOIN fleet_appliances a ON a.name = t.appliance LEFT JOIN fleet_parts p"                \
    " ON p.capture_id = t.capture_id AND p.appliance = t.appliance AND p.seq = 0"

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
    if (strcmp(PQgetvalue(r, i, 10), "full") == 0)
        c->type = CAPTURE_FULL;
    snprintf(c->colo_name, sizeof(c->colo_name), "%s", PQgetvalue(r, i, 11));
    c->byte_limit = (uint64_t)fleet_pg_int(r, i, 12);
    snprintf(c->destination_conf, sizeof(c->destination_conf), "%s", PQgetvalue(r, i, 13));
}

/* Builds the JSON of capture `c` with its `appliances` (the extension
 * field: one object per target) from the target rows [first, end) of `t`,
 * and adds a
 * `messages` entry for each appliance missing from it.  While the
 * capture runs, packets_captured is the targets' sum (cut at the limit). */
static json_t *capture_json(struct capture *c, const PGresult *t, int first, int end,
                            json_t *messages)
{
    json_t *apps = json_array();
    uint64_t sum = 0, dropped = 0;
    for (int i = first; i < end; i++) {
        const char *state = PQgetvalue(t, i, 2), *error = PQgetvalue(t, i, 5);
        sum += (uint64_t)fleet_pg_int(t, i, 3);
        dropped += (uint64_t)fleet_pg_int(t, i, 4);
        json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:I}", "name", PQgetvalue(t, i, 0), "site",
                              PQgetvalue(t, i, 1), "status", state, "packets_captured",
                              (json_int_t)fleet_pg_int(t, i, 3), "packets_dropped",
                              (json_int_t)fleet_pg_int(t, i, 4));
        if (error[0] != '\0')
            json_object_set_new(o, "error_message", json_string(error));
        if (PQgetvalue(t, i, 6)[0] != '\0')
            json_object_set_new(o, "local_status", json_string(PQgetvalue(t, i, 6)));
        if (PQgetvalue(t, i, 7)[0] != '\0')
            json_object_set_new(o, "object", json_string(PQgetvalue(t, i, 7)));
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
    PGresult *t = fleet_pg_exec(TARGET_SELECT " WHERE t.capture_id = $1 ORDER BY t.appliance", 1,
                                p + 1, PGRES_TUPLES_OK, err, sizeof(err));
    if (t == NULL) {
        fail_store(a, err);
        return NULL;
    }
    json_t *o = capture_json(c, t, 0, PQntuples(t), messages);
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
        " (SELECT count(*) FROM fleet_captures WHERE status IN ('pending', 'running')),"
        " (SELECT count(*) FROM fleet_captures WHERE account_id = $1 AND type = 'full'"
        " AND status IN ('pending', 'running'))",
        2, p, PGRES_TUPLES_OK, err, err_size);
    if (r == NULL)
        return -1;
    int64_t retry = fleet_pg_int(r, 0, 1), open = fleet_pg_int(r, 0, 2);
    int64_t full = fleet_pg_int(r, 0, 3);
    PQclear(r);
    if (c->type == CAPTURE_FULL && full > 0) {
        fail(a, 409, API_ERR_FULL_BUSY, "%s",
             "the account already has a full capture pending or running in the fleet; stop it or "
             "wait for it to end");
        return 1;
    }
    if (c->type == CAPTURE_SIMPLE && me->rate_window_s > 0 && retry > 0) {
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
    char err[256], submitted[24], tl[16], pl[16], bl[24];
    if (c->type == CAPTURE_FULL && c->destination_conf[0] == '\0') {
        fail(a, 400, API_ERR_MISSING_FIELD, "%s",
             "destination_conf: is required for a full capture across a fleet: each appliance at "
             "the site uploads its own file to the bucket");
        return;
    }
    json_t *f = capture_filter_to_json(&c->filter);
    char *filter = f != NULL ? json_dumps(f, JSON_COMPACT) : NULL;
    json_decref(f);
    snprintf(submitted, sizeof(submitted), "%" PRId64, c->submitted_ms);
    snprintf(tl, sizeof(tl), "%u", c->time_limit);
    snprintf(pl, sizeof(pl), "%u", c->packet_limit);
    snprintf(bl, sizeof(bl), "%" PRIu64, c->byte_limit);
    const char *p[] = {c->id,
                       c->account_id,
                       submitted,
                       tl,
                       pl,
                       filter ? filter : "{}",
                       me->name,
                       c->type == CAPTURE_FULL ? "full" : "simple",
                       c->colo_name,
                       bl,
                       c->destination_conf};
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
                              " time_limit, packet_limit, filter_json, created_by, colo_name,"
                              " byte_limit, destination_conf)"
                              " VALUES ($1, $2, $8, $3, $4, $5, $6, $7, $9, $10, $11)",
                              11, p, err, sizeof(err));
    /* A simple capture runs on every live appliance, a full one on those
     * at its site. */
    const char *tp[] = {c->id, c->type == CAPTURE_FULL ? c->colo_name : ""};
    if (rc == 0)
        r = fleet_pg_exec("INSERT INTO fleet_targets (capture_id, appliance, lease_until)"
                          " SELECT $1, name, now() + " FLEET_LEASE_SQL " FROM fleet_appliances"
                          " WHERE heartbeat > now() - " FLEET_LEASE_SQL
                          " AND ($2 = '' OR site = $2) RETURNING 1",
                          2, tp, PGRES_TUPLES_OK, err, sizeof(err));
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
    if (targets == 0 && c->type == CAPTURE_FULL)
        fail(a, 400, API_ERR_INVALID_VALUE,
             "colo_name: no live appliance of the fleet is at site \"%.64s\" (see "
             "GET .../pcaps/appliances); the capture was not created",
             c->colo_name);
    else if (targets == 0)
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

/* Returns the first row of `t` (ordered by capture id, column 8) whose
 * capture is `id`, or the row where it would be. */
static int targets_of(const PGresult *t, const char *id)
{
    int lo = 0, hi = PQntuples(t);
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(PQgetvalue(t, mid, 8), id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void fleet_store_list(const char *account, unsigned offset, unsigned limit, struct fleet_answer *a)
{
    char err[256], off[16], lim[16];
    snprintf(off, sizeof(off), "%u", offset);
    snprintf(lim, sizeof(lim), "%u", limit);
    const char *p[] = {account, off, lim};
    /* Two statements a page, whatever its length: the captures, then the
     * targets of all of them. */
    PGresult *r = fleet_pg_exec("SELECT " CAPTURE_COLUMNS ", count(*) OVER () FROM fleet_captures"
                                " WHERE account_id = $1 ORDER BY submitted_ms DESC, id"
                                " LIMIT $3 OFFSET $2",
                                3, p, PGRES_TUPLES_OK, err, sizeof(err));
    PGresult *t = r == NULL ? NULL
                            : fleet_pg_exec(TARGET_SELECT " WHERE t.capture_id IN (SELECT id FROM"
                                                          " fleet_captures WHERE account_id = $1"
                                                          " ORDER BY submitted_ms DESC, id LIMIT $3"
                                                          " OFFSET $2) ORDER BY t.capture_id"
                                                          " COLLATE \"C\", t.appliance",
                                            3, p, PGRES_TUPLES_OK, err, sizeof(err));
    if (t == NULL) {
        PQclear(r);
        fail_store(a, err);
        return;
    }
    a->result = json_array();
    int64_t total = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        struct capture c;
        capture_from_row(r, i, &c);
        int first = targets_of(t, c.id), end = first;
        while (end < PQntuples(t) && strcmp(PQgetvalue(t, end, 8), c.id) == 0)
            end++;
        json_array_append_new(a->result, capture_json(&c, t, first, end, NULL));
        total = fleet_pg_int(r, i, 14);
    }
    bool empty = PQntuples(r) == 0;
    PQclear(r);
    PQclear(t);
    if (empty && offset > 0) {
        const char *pa[] = {account};
        PGresult *n = fleet_pg_exec("SELECT count(*) FROM fleet_captures WHERE account_id = $1", 1,
                                    pa, PGRES_TUPLES_OK, err, sizeof(err));
        total = n != NULL ? fleet_pg_int(n, 0, 0) : 0;
        PQclear(n);
    }
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

/* Bytes the merge reads between two drains of the download's socket. */
#define DRAIN_EVERY (64 * 1024)

/* Room for the explanation of a failed download. */
#define DOWNLOAD_ERR_LEN 256

/* One part of a download, read out of the database a slice (some rows of
 * fleet_part_chunks) per statement (a pcap_merge_source): never held
 * whole.  The statement for its next slice is sent as soon as a slice
 * arrives, so the server reads it while the merge works (libpq's pipeline
 * mode, on the download's connection). */
struct part_reader {
    struct fleet_download *d;
    char appliance[64];
    /* The part's rows, the rows asked for so far, and per statement. */
    int64_t chunks;
    int64_t asked;
    /* Rows of the next statement, and at most (the first slices are
     * small, so the merge starts on the first rows, and the slices grow
     * to few, large statements). */
    int per_slice;
    int max_slice;
    /* A statement of this part is in flight; the slice it returned, not
     * yet read. */
    bool in_flight;
    PGresult *next;
    /* The slice being read, its row being read, and how much of that. */
    PGresult *slice;
    int row;
    int row_pos;
};

/* A merged download under way (fleet_store.h). */
struct fleet_download {
    char capture_id[CAPTURE_ID_LEN + 1];
    /* The download's own connection, in pipeline mode. */
    PGconn *conn;
    struct pcap_merge *merge;
    unsigned n;
    struct part_reader parts[PCAP_MERGE_MAX_INPUTS];
    /* The parts whose statements are in flight, in the order sent (the
     * order their results come back): queue[head, head + queued). */
    unsigned queue[PCAP_MERGE_MAX_INPUTS];
    unsigned head;
    unsigned queued;
    /* A capture no part reached: its file is this header alone. */
    uint8_t empty[PCAP_FILE_HEADER_LEN];
    unsigned empty_out;
    /* Bytes the merge read since drain() last took the server's. */
    size_t undrained;
    /* Why the download failed. */
    char err[DOWNLOAD_ERR_LEN];
};

/* Sends the statement for the next slice of part `p`, if any is left.
 * Returns 0 or -EIO. */
static int part_ask(struct part_reader *p)
{
    struct fleet_download *d = p->d;
    if (p->in_flight || p->asked >= p->chunks)
        return 0;
    char from[24], to[24];
    snprintf(from, sizeof(from), "%" PRId64, p->asked);
    snprintf(to, sizeof(to), "%" PRId64, p->asked + p->per_slice);
    const char *v[] = {d->capture_id, p->appliance, from, to};
    fleet_pg_counted();
    if (PQsendQueryParams(d->conn,
                          "SELECT data FROM fleet_part_chunks WHERE capture_id = $1"
                          " AND appliance = $2 AND seq = 0 AND n >= $3::integer"
                          " AND n < $4::integer ORDER BY n",
                          4, NULL, v, NULL, NULL, 1) != 1 ||
        PQpipelineSync(d->conn) != 1) {
        snprintf(d->err, sizeof(d->err), "reading the part of %.60s: %.160s", p->appliance,
                 PQerrorMessage(d->conn));
        return -EIO;
    }
    p->asked += p->per_slice;
    p->per_slice = p->per_slice * 2 < p->max_slice ? p->per_slice * 2 : p->max_slice;
    p->in_flight = true;
    d->queue[(d->head + d->queued++) % PCAP_MERGE_MAX_INPUTS] = (unsigned)(p - d->parts);
    return 0;
}

/* Takes the result of the oldest statement in flight to its part's
 * `next`.  Returns 0 or -EIO. */
static int collect(struct fleet_download *d)
{
    struct part_reader *p = &d->parts[d->queue[d->head]];
    d->head = (d->head + 1) % PCAP_MERGE_MAX_INPUTS;
    d->queued--;
    p->in_flight = false;
    PGresult *r = PQgetResult(d->conn);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    /* Then the end of its results (NULL) and its sync point. */
    PGresult *end;
    while ((end = PQgetResult(d->conn)) != NULL)
        PQclear(end);
    PQclear(PQgetResult(d->conn));
    if (!ok || PQntuples(r) == 0) {
        snprintf(d->err, sizeof(d->err), "reading the part of %.60s: %.160s", p->appliance,
                 ok ? "it is gone" : PQerrorMessage(d->conn));
        PQclear(r);
        return -EIO;
    }
    p->next = r;
    return 0;
}

/* Makes the next slice of part `p` the one read, and asks for the one
 * after.  Returns 1, 0 at the part's end, or -EIO. */
static int part_next_slice(struct part_reader *p)
{
    PQclear(p->slice);
    p->slice = NULL;
    if (p->next == NULL && !p->in_flight && part_ask(p) != 0)
        return -EIO;
    while (p->next == NULL && p->in_flight) {
        if (collect(p->d) != 0)
            return -EIO;
    }
    if (p->next == NULL)
        return 0;
    p->slice = p->next;
    p->next = NULL;
    p->row = p->row_pos = 0;
    return part_ask(p) == 0 ? 1 : -EIO;
}

/* Takes what the server has sent so far into libpq's buffer, once per
 * DRAIN_EVERY bytes the merge reads (`n` more now), without waiting:
 * the server can only write as far ahead as its socket's buffer holds (a
 * few hundred kB), so without this it would produce the slices in flight
 * only while the merge waits for them, one core idle; with it, it
 * produces them while the merge works.  What is buffered is bounded by
 * the statements in flight (one slice per part). */
static void drain(struct fleet_download *d, size_t n)
{
    d->undrained += n;
    if (d->undrained < DRAIN_EVERY || d->queued == 0)
        return;
    d->undrained = 0;
    PQconsumeInput(d->conn);
}

/* Reads up to `size` bytes of part `arg` (pcap_merge_source). */
static ssize_t part_read(void *arg, void *buf, size_t size)
{
    struct part_reader *p = arg;
    while (p->slice == NULL || p->row_pos == PQgetlength(p->slice, p->row, 0)) {
        if (p->slice != NULL && p->row + 1 < PQntuples(p->slice)) {
            p->row++;
            p->row_pos = 0;
            continue;
        }
        int rc = part_next_slice(p);
        if (rc <= 0)
            return rc;
    }
    size_t n = (size_t)(PQgetlength(p->slice, p->row, 0) - p->row_pos);
    n = n < size ? n : size;
    memcpy(buf, PQgetvalue(p->slice, p->row, 0) + p->row_pos, n);
    p->row_pos += (int)n;
    drain(p->d, n);
    return (ssize_t)n;
}

/* Opens the merge of the parts listed in `r` (appliance, clock offset,
 * rows) of capture `id`, cut at `packet_limit`.  Returns the download or
 * NULL with `err`. */
static struct fleet_download *download_open(const char *id, const PGresult *r,
                                            uint32_t packet_limit, char *err, unsigned err_size)
{
    unsigned n = (unsigned)PQntuples(r);
    if (n > PCAP_MERGE_MAX_INPUTS) {
        snprintf(err, err_size, "more than %u parts", PCAP_MERGE_MAX_INPUTS);
        return NULL;
    }
    struct fleet_download *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    pcap_format_file_header(d->empty, 160, PCAP_LINKTYPE_ETHERNET);
    snprintf(d->capture_id, sizeof(d->capture_id), "%s", id);
    if (n == 0)
        return d;
    if ((d->conn = fleet_pg_connect_own(err, err_size)) == NULL ||
        PQenterPipelineMode(d->conn) != 1) {
        if (d->conn != NULL)
            snprintf(err, err_size, "pipeline mode: %s", PQerrorMessage(d->conn));
        fleet_download_close(d);
        return NULL;
    }
    struct pcap_merge_source src[PCAP_MERGE_MAX_INPUTS];
    int64_t shifts[PCAP_MERGE_MAX_INPUTS];
    int slice = DOWNLOAD_BUDGET / 2 / (int)n;
    slice = slice < SLICE_MIN ? SLICE_MIN : slice > SLICE_MAX ? SLICE_MAX : slice;
    for (d->n = 0; d->n < n; d->n++) {
        struct part_reader *p = &d->parts[d->n];
        p->d = d;
        snprintf(p->appliance, sizeof(p->appliance), "%s", PQgetvalue(r, (int)d->n, 0));
        shifts[d->n] = fleet_pg_int(r, (int)d->n, 1);
        p->chunks = fleet_pg_int(r, (int)d->n, 2);
        p->max_slice = slice / FLEET_CHUNK_BYTES > 1 ? slice / FLEET_CHUNK_BYTES : 1;
        p->per_slice = SLICE_MIN / FLEET_CHUNK_BYTES < p->max_slice ? SLICE_MIN / FLEET_CHUNK_BYTES
                                                                    : p->max_slice;
        src[d->n] = (struct pcap_merge_source){.read = part_read, .arg = p};
    }
    /* Every part's first slice asked for at once. */
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++)
        rc = part_ask(&d->parts[i]);
    if (rc == 0)
        rc = pcap_merge_open_sources(src, n, packet_limit, 0, &d->merge, err, err_size);
    if (rc == 0)
        rc = pcap_merge_shift(d->merge, shifts);
    if (rc != 0) {
        if (rc == -EIO)
            snprintf(err, err_size, "%s", d->err);
        fleet_download_close(d);
        return NULL;
    }
    return d;
}

ssize_t fleet_download_read(struct fleet_download *d, uint8_t *buf, size_t size)
{
    if (d->merge == NULL) {
        size_t n = sizeof(d->empty) - d->empty_out;
        n = n < size ? n : size;
        memcpy(buf, d->empty + d->empty_out, n);
        d->empty_out += (unsigned)n;
        return (ssize_t)n;
    }
    ssize_t n = pcap_merge_read(d->merge, buf, size);
    if (n < 0 && n != -EIO)
        snprintf(d->err, sizeof(d->err), "%s", strerror((int)-n));
    return n;
}

const char *fleet_download_error(const struct fleet_download *d)
{
    return d->err;
}

void fleet_download_close(struct fleet_download *d)
{
    if (d == NULL)
        return;
    pcap_merge_close(d->merge);
    for (unsigned i = 0; i < d->n; i++) {
        PQclear(d->parts[i].slice);
        PQclear(d->parts[i].next);
    }
    PQfinish(d->conn);
    free(d);
}

void fleet_store_download(const char *account, const char *id, struct fleet_answer *a)
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
    if (c.type == CAPTURE_FULL) {
        fail(a, 409, API_ERR_DELIVERED,
             "capture %s is a full capture of the fleet: each appliance at its site delivered its "
             "own file to the bucket (appliances[].object_key); download them from there",
             id);
        return;
    }
    char err[256];
    const char *p[] = {id};
    PGresult *r = fleet_pg_exec("SELECT p.appliance, p.clock_offset_ns, (SELECT count(*)"
                                " FROM fleet_part_chunks c WHERE c.capture_id = p.capture_id"
                                " AND c.appliance = p.appliance AND c.seq = p.seq)"
                                " FROM fleet_parts p WHERE p.capture_id = $1 AND p.seq = 0"
                                " ORDER BY p.appliance",
                                1, p, PGRES_TUPLES_OK, err, sizeof(err));
    if (r == NULL) {
        fail_store(a, err);
        return;
    }
    a->download = download_open(id, r, c.packet_limit, err, sizeof(err));
    PQclear(r);
    if (a->download == NULL) {
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
