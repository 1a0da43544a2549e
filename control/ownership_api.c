/*
 * The ownership endpoints of the jobs API, routed here by jobs_api.c once
 * the request is authenticated and authorised for `account`:
 *   GET    .../pcaps/ownership             list
 *   POST   .../pcaps/ownership             create: writes the challenge file
 *   POST   .../pcaps/ownership/validate    validate with the file's token
 *   DELETE .../pcaps/ownership/{id}        204
 * The challenge file is written on the bucket lane, the record on the
 * store thread; the request is parked meanwhile.
 */
#include "ownership_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "api_errors.h"
#include "api_response.h"
#include "async_reply.h"
#include "clock_ms.h"
#include "destination.h"
#include "job_store.h"
#include "log.h"
#include "offload.h"
#include "ownership.h"
#include "s3_client.h"

/* Attempts at writing a challenge file when the store fails in a way that
 * may pass, and the pause before the second (doubled each time, ms). */
#define CHALLENGE_ATTEMPTS 3
#define CHALLENGE_BACKOFF_MS 200

/* The API's dependencies. */
static struct {
    /* The event loop's connection (reads) and the store thread's (writes). */
    sqlite3 *reader;
    sqlite3 *writer;
    const struct config *cfg;
} oapi;

void ownership_api_init(sqlite3 *reader, sqlite3 *writer, const struct config *cfg)
{
    oapi.reader = reader;
    oapi.writer = writer;
    oapi.cfg = cfg;
}

/* Writes `n` random bytes as hex into `out` (2n + 1 bytes).  Returns 0 or
 * -1. */
static int random_hex(char *out, size_t n)
{
    unsigned char raw[32];
    if (n > sizeof(raw) || getrandom(raw, n, 0) != (ssize_t)n)
        return -1;
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

/* Parses the JSON object body of `req`, allowing only the NULL-terminated
 * string fields `fields`, all required.  Answers 400 and returns NULL on
 * error. */
static json_t *parse_body(h2o_req_t *req, const char *const *fields)
{
    if (req->entity.len > oapi.cfg->max_body_size) {
        api_send_error(req, 413, API_ERR_BODY_TOO_LARGE,
                       "request body: %zu bytes is more than the limit of %u", req->entity.len,
                       oapi.cfg->max_body_size);
        return NULL;
    }
    json_error_t jerr;
    json_t *body = json_loadb(req->entity.base ? req->entity.base : "", req->entity.len,
                              JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (body == NULL) {
        api_send_error(req, 400, API_ERR_INVALID_JSON,
                       "request body: not valid JSON: %s (line %d, column %d)", jerr.text,
                       jerr.line, jerr.column);
        return NULL;
    }
    const char *key;
    char bad[65] = "";
    json_t *value;
    int code = 0;
    if (!json_is_object(body)) {
        code = API_ERR_NOT_AN_OBJECT;
    } else {
        json_object_foreach(body, key, value)
        {
            size_t i = 0;
            while (fields[i] != NULL && strcmp(fields[i], key) != 0)
                i++;
            if (fields[i] == NULL && code == 0) {
                snprintf(bad, sizeof(bad), "%s", key);
                code = API_ERR_UNKNOWN_FIELD;
            }
        }
        for (size_t i = 0; fields[i] != NULL && code == 0; i++) {
            json_t *v = json_object_get(body, fields[i]);
            if (v == NULL || !json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) >= CAPTURE_DESTINATION_SIZE) {
                snprintf(bad, sizeof(bad), "%s", fields[i]);
                code = v == NULL ? API_ERR_MISSING_FIELD : API_ERR_WRONG_TYPE;
            }
        }
    }
    if (code == 0)
        return body;
    json_decref(body);
    if (code == API_ERR_NOT_AN_OBJECT)
        api_send_error(req, 400, code, "request body: must be a JSON object");
    else if (code == API_ERR_UNKNOWN_FIELD)
        api_send_error(req, 400, code, "%s: unknown field", bad);
    else if (code == API_ERR_MISSING_FIELD)
        api_send_error(req, 400, code, "%s: is required", bad);
    else
        api_send_error(req, 400, code, "%s: must be a string of 1 to %d bytes", bad,
                       CAPTURE_DESTINATION_SIZE - 1);
    return NULL;
}

/* A challenge being created: its file written, then its record. */
struct create_task {
    struct async_reply *reply;
    struct ownership o;
    /* Where the file goes (credentials included), and its token. */
    struct destination dest;
    char token[OWNERSHIP_TOKEN_LEN + 1];
    /* The outcome: 0, or an HTTP status and message. */
    int status;
    char message[400];
};

/* Answers the parked request of `t` with its outcome, and frees `t`. */
static void create_answer(struct create_task *t)
{
    h2o_req_t *req = async_reply_req(t->reply);
    if (req != NULL && t->status == 0)
        api_send_result(req, ownership_to_json(&t->o), NULL);
    else if (req != NULL)
        api_send_error(req, t->status,
                       t->status == 400   ? API_ERR_STORE_REFUSED
                       : t->status == 502 ? API_ERR_STORE_UNREACHABLE
                                          : API_ERR_INTERNAL,
                       "%s", t->message);
    async_reply_release(t->reply);
    OPENSSL_cleanse(&t->dest, sizeof(t->dest));
    free(t);
}

/* Inserts the record (store lane). */
static void create_insert_work(void *arg)
{
    struct create_task *t = arg;
    if (ownership_insert(oapi.writer, &t->o) != 0) {
        t->status = 500;
        snprintf(t->message, sizeof(t->message), "the job store failed to save the challenge");
    }
}

/* The record is stored, or not (event loop). */
static void create_insert_done(void *arg)
{
    struct create_task *t = arg;
    if (t->status == 0)
        log_info("ownership_created", "id=%s account=%s destination=%s", t->o.id, t->o.account_id,
                 log_q(t->o.destination_conf));
    create_answer(t);
}

/* Writes the challenge file into the bucket (bucket lane). */
static void create_put_work(void *arg)
{
    struct create_task *t = arg;
    char key[600], msg[200];
    struct s3_settings settings = {.ca_file = oapi.cfg->delivery.ca_file};
    destination_object_key(&t->dest, t->o.filename, key, sizeof(key));
    enum s3_outcome o = S3_RETRY;
    bool answered = false;
    for (int i = 0; i < CHALLENGE_ATTEMPTS && o == S3_RETRY; i++) {
        if (i > 0)
            usleep((useconds_t)(CHALLENGE_BACKOFF_MS << (i - 1)) * 1000);
        struct s3_call c;
        if (s3_call_init(&c, &t->dest, "PUT", key, "", t->token, strlen(t->token), &settings) !=
            0) {
            s3_call_cleanup(&c);
            snprintf(msg, sizeof(msg), "out of memory");
            break;
        }
        s3_call_perform(&c);
        o = s3_call_outcome(&c, msg, sizeof(msg));
        answered = c.result == CURLE_OK;
        s3_call_cleanup(&c);
    }
    if (o != S3_OK) {
        /* The store's refusal is the request's fault; not reaching it
         * (or not trusting it) is the gateway's. */
        t->status = o == S3_FATAL && answered ? 400 : 502;
        snprintf(t->message, sizeof(t->message),
                 "destination_conf: writing the challenge file %s failed: %s", t->o.filename, msg);
    }
}

/* The file is written, or not (event loop). */
static void create_put_done(void *arg)
{
    struct create_task *t = arg;
    if (t->status != 0 ||
        offload_submit(OFFLOAD_STORE, create_insert_work, create_insert_done, t) != 0) {
        if (t->status == 0) {
            t->status = 500;
            snprintf(t->message, sizeof(t->message), "out of memory");
        }
        create_answer(t);
    }
}

/* POST .../pcaps/ownership. */
static int handle_create(h2o_req_t *req, const char *account)
{
    static const char *const fields[] = {"destination_conf", NULL};
    json_t *body = parse_body(req, fields);
    if (body == NULL)
        return 0;
    struct create_task *t = calloc(1, sizeof(*t));
    char err[256];
    const char *conf = json_string_value(json_object_get(body, "destination_conf"));
    if (t == NULL) {
        json_decref(body);
        return api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
    }
    int rc = destination_parse(conf, &t->dest, err, sizeof(err));
    if (rc == 0)
        rc = destination_credentials(&t->dest, &oapi.cfg->delivery, err, sizeof(err));
    if (rc == 0) {
        destination_redact(conf, t->o.destination_conf, sizeof(t->o.destination_conf));
        destination_identity(&t->dest, t->o.identity, sizeof(t->o.identity));
    }
    json_decref(body);
    if (rc != 0) {
        free(t);
        return api_send_error(req, 400, API_ERR_INVALID_VALUE, "%s", err);
    }
    snprintf(t->o.account_id, sizeof(t->o.account_id), "%s", account);
    t->o.status = OWNERSHIP_PENDING;
    t->o.submitted_ms = clock_realtime_ms();
    if (random_hex(t->o.id, OWNERSHIP_ID_LEN / 2) != 0 ||
        random_hex(t->token, OWNERSHIP_TOKEN_LEN / 2) != 0 ||
        (t->reply = async_reply_park(req)) == NULL) {
        free(t);
        return api_send_error(req, 500, API_ERR_INTERNAL, "no randomness or memory");
    }
    snprintf(t->o.filename, sizeof(t->o.filename), "ownership-challenge-%s.txt", t->o.id);
    ownership_hash_token(t->token, t->o.token_hash);
    if (offload_submit(OFFLOAD_BUCKET, create_put_work, create_put_done, t) != 0) {
        async_reply_release(t->reply);
        free(t);
        return api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
    }
    return 0;
}

/* A change to a stored challenge (validate, delete) on the store thread. */
struct change_task {
    struct async_reply *reply;
    struct ownership o;
    bool delete;
    int rc;
};

/* Writes the change (store lane). */
static void change_work(void *arg)
{
    struct change_task *t = arg;
    t->rc = t->delete ? ownership_delete(oapi.writer, t->o.account_id, t->o.id)
                      : ownership_update(oapi.writer, &t->o);
}

/* Answers the change (event loop). */
static void change_done(void *arg)
{
    struct change_task *t = arg;
    h2o_req_t *req = async_reply_req(t->reply);
    if (req != NULL && t->rc < 0) {
        api_send_error(req, 500, API_ERR_INTERNAL, "the job store failed to save the change");
    } else if (req != NULL && t->rc > 0) {
        api_send_error(req, 404, API_ERR_UNKNOWN_OWNERSHIP, "ownership %s not found in account %s",
                       t->o.id, t->o.account_id);
    } else if (req != NULL && t->delete) {
        req->res.status = 204;
        req->res.reason = "No Content";
        h2o_send_inline(req, NULL, 0);
    } else if (req != NULL) {
        api_send_result(req, ownership_to_json(&t->o), NULL);
    }
    async_reply_release(t->reply);
    free(t);
}

/* Hands the change of `o` to the store thread; the answer follows. */
static int submit_change(h2o_req_t *req, const struct ownership *o, bool delete)
{
    struct change_task *t = calloc(1, sizeof(*t));
    if (t == NULL || (t->reply = async_reply_park(req)) == NULL) {
        free(t);
        return api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
    }
    t->o = *o;
    t->delete = delete;
    if (offload_submit(OFFLOAD_STORE, change_work, change_done, t) != 0) {
        async_reply_release(t->reply);
        free(t);
        return api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
    }
    return 0;
}

/* POST .../pcaps/ownership/validate. */
static int handle_validate(h2o_req_t *req, const char *account)
{
    static const char *const fields[] = {"destination_conf", "ownership_challenge", NULL};
    json_t *body = parse_body(req, fields);
    if (body == NULL)
        return 0;
    struct destination d;
    struct ownership o;
    char err[256], identity[1024];
    int rc = destination_parse(json_string_value(json_object_get(body, "destination_conf")), &d,
                               err, sizeof(err));
    if (rc != 0) {
        json_decref(body);
        return api_send_error(req, 400, API_ERR_INVALID_VALUE, "%s", err);
    }
    destination_identity(&d, identity, sizeof(identity));
    rc = ownership_find(oapi.reader, account, identity, &o);
    if (rc != 0) {
        json_decref(body);
        if (rc < 0)
            return api_send_error(req, 500, API_ERR_INTERNAL,
                                  "the job store failed while reading ownerships");
        return api_send_error(req, 404, API_ERR_UNKNOWN_OWNERSHIP,
                              "destination_conf: no ownership challenge for this bucket in "
                              "account %s: POST /pcaps/ownership first",
                              account);
    }
    unsigned char hash[32];
    ownership_hash_token(json_string_value(json_object_get(body, "ownership_challenge")), hash);
    json_decref(body);
    bool right = CRYPTO_memcmp(hash, o.token_hash, sizeof(hash)) == 0;
    o.status = right ? OWNERSHIP_SUCCESS : OWNERSHIP_FAILED;
    o.validated_ms = right ? clock_realtime_ms() : 0;
    log_info("ownership_validated", "id=%s account=%s status=%s", o.id, account,
             right ? "success" : "failed");
    return submit_change(req, &o, false);
}

/* Appends one challenge to a JSON array (list callback). */
static void list_one(const struct ownership *o, void *arg)
{
    json_array_append_new(arg, ownership_to_json(o));
}

/* GET .../pcaps/ownership. */
static int handle_list(h2o_req_t *req, const char *account)
{
    json_t *list = json_array();
    if (ownership_list(oapi.reader, account, list_one, list) != 0) {
        json_decref(list);
        return api_send_error(req, 500, API_ERR_INTERNAL,
                              "the job store failed while listing ownerships");
    }
    size_t n = json_array_size(list);
    return api_send_result(req, list,
                           json_pack("{s:i, s:i, s:i, s:i}", "page", 1, "per_page",
                                     (json_int_t)(n > 0 ? n : 1), "count", (json_int_t)n,
                                     "total_count", (json_int_t)n));
}

/* DELETE .../pcaps/ownership/{id}. */
static int handle_delete(h2o_req_t *req, const char *account, const char *id)
{
    struct ownership o;
    int rc = ownership_get(oapi.reader, account, id, &o);
    if (rc < 0)
        return api_send_error(req, 500, API_ERR_INTERNAL,
                              "the job store failed while reading ownerships");
    if (rc > 0)
        return api_send_error(req, 404, API_ERR_UNKNOWN_OWNERSHIP,
                              "ownership %s not found in account %s", id, account);
    return submit_change(req, &o, true);
}

int ownership_api_handle(h2o_req_t *req, enum ownership_route route, const char *account,
                         const char *id)
{
    switch (route) {
    case OWNERSHIP_ROUTE_COLLECTION:
        return api_method_is(req, "POST") ? handle_create(req, account) : handle_list(req, account);
    case OWNERSHIP_ROUTE_VALIDATE:
        return handle_validate(req, account);
    case OWNERSHIP_ROUTE_ITEM:
        return handle_delete(req, account, id);
    }
    return api_send_error(req, 500, API_ERR_INTERNAL, "no handler");
}
