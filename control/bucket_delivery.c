/*
 * The delivery thread (see bucket_delivery.h).  Each upload moves
 * START -> SINGLE (one PUT) or CREATE -> PARTS -> COMPLETE, then VERIFY
 * (HEAD: the object has the file's size) -> FINISH.  Every request is a
 * transfer on one curl multi handle; a failed one that may pass is tried
 * again after an exponential backoff with full jitter, until the upload
 * has made no progress for delivery_retry_seconds; one the store refuses
 * for good fails the capture with the step and the store's answer.
 */
#include "bucket_delivery.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture_files.h"
#include "clock_ms.h"
#include "delivery_store.h"
#include "destination.h"
#include "job_store.h"
#include "log.h"
#include "s3_client.h"

/* First and longest pause before a failed request is tried again (ms). */
#define BACKOFF_BASE_MS 250
#define BACKOFF_MAX_MS 30000
/* Pause before writing a final status again after the store failed (ms). */
#define STATUS_RETRY_MS 1000
/* Longest wait of the thread for work (ms). */
#define IDLE_WAIT_MS 1000
/* Bodies whose ETag is not their MD5 before the upload fails: a copy
 * damaged on the way is sent again, a store whose ETags are no MD5 is
 * named. */
#define MISMATCH_ATTEMPTS 3
/* Room for a message of the capture (its error_message). */
#define MESSAGE_SIZE 256

/* Where an upload is. */
enum phase {
    PH_START,
    PH_SINGLE,
    PH_CREATE,
    PH_PARTS,
    PH_COMPLETE,
    PH_VERIFY,
    /* Its final status waits to be written. */
    PH_FINISH,
};

/* One capture being delivered. */
struct upload {
    struct upload *next;
    /* The capture as stored, and where it goes. */
    struct capture c;
    struct destination dest;
    char key[600];
    char name[700];
    /* Its file. */
    int fd;
    uint64_t size;
    /* Parts (part_size bytes each, the last shorter), the upload id, the
     * ETag of each finished part, and which are being sent. */
    uint32_t part_size;
    unsigned n_parts;
    char upload_id[DELIVERY_UPLOAD_ID_SIZE];
    char (*etags)[DELIVERY_ETAG_SIZE];
    uint8_t *busy;
    /* Its requests in flight. */
    unsigned in_flight;
    enum phase phase;
    /* Failed requests in a row, when the next may start, and when the
     * last request succeeded (CLOCK_MONOTONIC, ms). */
    unsigned failures;
    unsigned mismatches;
    int64_t retry_at;
    int64_t progress_at;
    /* When it started (for the log), and a NoSuchUpload restart was made. */
    int64_t started_at;
    bool restarted;
    /* The final status, and its message. */
    enum capture_status final_status;
    char message[MESSAGE_SIZE];
};

/* One request.  `call` stays first: curl's private pointer is the call. */
struct xfer {
    struct s3_call call;
    struct xfer *next;
    /* Its upload (NULL for an abort nobody waits for), the part it sends
     * (1-based; 0 for the other steps), and the body it sends. */
    struct upload *u;
    unsigned part;
    uint8_t *body;
    /* When it started (CLOCK_MONOTONIC, ms). */
    int64_t started_at;
};

/* The thread's state; `lock` guards `queue` and `stop`. */
/* This appliance's name when it is one of a fleet (its objects are named
 * with it), else "". */
static char fleet_appliance[64];

static struct {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    struct capture *queue;
    size_t n_queue, queue_cap;
    bool stop;
    /* The multi handle, the uploads and the requests. */
    CURLM *multi;
    struct upload *uploads;
    struct xfer *xfers;
    /* The thread's connection to the job store. */
    struct job_store *store;
    /* How requests are made, and the settings. */
    struct s3_rate rate;
    struct s3_settings settings;
    struct config_delivery cfg;
} dl;

/* Limits the log lines of retried requests. */
static struct log_rate_limit retry_rl = LOG_RATE_LIMIT_INIT(60, 10);

/* Replaces every occurrence of the credentials of `d` in `msg` (a store
 * may quote the key id) by REDACTED. */
static void scrub(char *msg, const struct destination *d)
{
    const char *secrets[] = {d->access_key_id, d->secret_access_key};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(secrets[i]);
        char *p;
        while (n >= 4 && (p = strstr(msg, secrets[i])) != NULL) {
            char rest[MESSAGE_SIZE];
            snprintf(rest, sizeof(rest), "%s", p + n);
            snprintf(p, MESSAGE_SIZE - (size_t)(p - msg), "REDACTED%s", rest);
        }
    }
}

/* What the request `x` does, for messages. */
static void step_name(const struct xfer *x, char *buf, size_t size)
{
    const struct upload *u = x->u;
    if (x->part > 0)
        snprintf(buf, size, "uploading part %u of %u", x->part, u->n_parts);
    else if (u->phase == PH_SINGLE)
        snprintf(buf, size, "uploading the object");
    else if (u->phase == PH_CREATE)
        snprintf(buf, size, "starting the multipart upload");
    else if (u->phase == PH_COMPLETE)
        snprintf(buf, size, "completing the multipart upload");
    else
        snprintf(buf, size, "verifying the object");
}

/* Writes the status of `u`'s capture.  Returns 0 or a JOB_STORE_* error. */
static int write_status(const struct upload *u, enum capture_status status, const char *message)
{
    int rc = job_store_set_status(dl.store, u->c.id, status, message);
    if (rc != 0)
        log_warn("delivery_status_retry", "id=%s status=%s", u->c.id, capture_status_name(status));
    return rc;
}

/* Ends `u` with `status` and `message` (printf-style): the final status
 * is written (and retried until it is) once no request is in flight. */
static void conclude(struct upload *u, enum capture_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conclude(struct upload *u, enum capture_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->message, sizeof(u->message), fmt, ap);
    va_end(ap);
    scrub(u->message, &u->dest);
    u->final_status = status;
    u->phase = PH_FINISH;
    u->retry_at = 0;
}

/* Starts request `x` (prepared) of upload `u` (NULL: nobody waits). */
static void start_xfer(struct xfer *x, struct upload *u, unsigned part)
{
    x->u = u;
    x->part = part;
    x->started_at = clock_monotonic_ms();
    x->next = dl.xfers;
    dl.xfers = x;
    if (u != NULL)
        u->in_flight++;
    curl_multi_add_handle(dl.multi, x->call.easy);
}

/* Starts request `x` of `u` (part `part`) that s3_call_init*() prepared
 * with result `rc`, or, when that failed, frees it and fails the upload.
 * Returns 0 or -1. */
static int start_prepared(struct upload *u, struct xfer *x, int rc, unsigned part)
{
    if (x != NULL && rc == 0) {
        start_xfer(x, u, part);
        return 0;
    }
    if (x != NULL)
        s3_call_cleanup(&x->call);
    free(x);
    conclude(u, CAPTURE_FAILED, "delivery to %s failed: out of memory", u->name);
    return -1;
}

/* Prepares and starts `method` on `key`?`query` of `u` with `body` (taken;
 * freed with the request).  Returns 0, or -1 (the upload then fails). */
static int send_request(struct upload *u, unsigned part, const char *method, const char *query,
                        uint8_t *body, size_t len)
{
    struct xfer *x = calloc(1, sizeof(*x));
    int rc = x == NULL
                 ? -1
                 : s3_call_init(&x->call, &u->dest, method, u->key, query, body, len, &dl.settings);
    if (x != NULL && rc == 0)
        x->body = body;
    else
        free(body);
    return start_prepared(u, x, rc, part);
}

/* Prepares and starts a PUT of `len` bytes of the file of `u` at `offset`
 * (part `part`, with `query`; 0 and "": the whole object), streamed from
 * the file as curl sends it.  Returns 0, or -1 (the upload then fails). */
static int send_file_range(struct upload *u, unsigned part, const char *query, uint64_t offset,
                           size_t len)
{
    struct xfer *x = calloc(1, sizeof(*x));
    int rc = x == NULL ? -1
                       : s3_call_init_file(&x->call, &u->dest, "PUT", u->key, query, u->fd, offset,
                                           len, &dl.settings);
    return start_prepared(u, x, rc, part);
}

/* Writes the query of a request on the multipart upload of `u`: part `n`
 * (1-based) or, with 0, the upload itself; in canonical form (sorted,
 * encoded), which curl signs as given. */
static void upload_query(const struct upload *u, unsigned n, char *buf, size_t size)
{
    char id[3 * DELIVERY_UPLOAD_ID_SIZE];
    destination_encode(u->upload_id, id, sizeof(id));
    if (n > 0)
        snprintf(buf, size, "?partNumber=%u&uploadId=%s", n, id);
    else
        snprintf(buf, size, "?uploadId=%s", id);
}

/* Asks the store to drop the parts of `u`'s multipart upload (nobody
 * waits for the answer: a store keeps an abandoned upload's parts until
 * its lifecycle rules remove them). */
static void abort_upload(struct upload *u)
{
    if (u->upload_id[0] == '\0')
        return;
    char query[3 * DELIVERY_UPLOAD_ID_SIZE + 16];
    upload_query(u, 0, query, sizeof(query));
    struct xfer *x = calloc(1, sizeof(*x));
    if (x != NULL &&
        s3_call_init(&x->call, &u->dest, "DELETE", u->key, query, NULL, 0, &dl.settings) == 0) {
        start_xfer(x, NULL, 0);
        return;
    }
    if (x != NULL)
        s3_call_cleanup(&x->call);
    free(x);
}

/* Sends part `n` (1-based) of `u`. */
static void send_part(struct upload *u, unsigned n)
{
    uint64_t offset = (uint64_t)(n - 1) * u->part_size;
    size_t len = (size_t)(u->size - offset < u->part_size ? u->size - offset : u->part_size);
    char query[3 * DELIVERY_UPLOAD_ID_SIZE + 48];
    upload_query(u, n, query, sizeof(query));
    if (send_file_range(u, n, query, offset, len) == 0)
        u->busy[n - 1] = 1;
}

/* Sends CompleteMultipartUpload with every part's ETag. */
static void send_complete(struct upload *u)
{
    size_t cap = 128 + (size_t)u->n_parts * (DELIVERY_ETAG_SIZE + 64), len = 0;
    char *xml = malloc(cap);
    if (xml == NULL) {
        conclude(u, CAPTURE_FAILED, "delivery to %s failed: out of memory", u->name);
        return;
    }
    len += (size_t)snprintf(xml + len, cap - len, "<CompleteMultipartUpload>");
    for (unsigned i = 0; i < u->n_parts; i++)
        len += (size_t)snprintf(xml + len, cap - len,
                                "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>", i + 1,
                                u->etags[i]);
    len += (size_t)snprintf(xml + len, cap - len, "</CompleteMultipartUpload>");
    char query[3 * DELIVERY_UPLOAD_ID_SIZE + 16];
    upload_query(u, 0, query, sizeof(query));
    send_request(u, 0, "POST", query, (uint8_t *)xml, len);
}

/* Remembers the ETag of a part the store has (resume). */
static void load_part(unsigned number, const char *etag, void *arg)
{
    struct upload *u = arg;
    if (number >= 1 && number <= u->n_parts)
        snprintf(u->etags[number - 1], DELIVERY_ETAG_SIZE, "%s", etag);
}

/* Cuts `u` into parts of `part_size`.  Returns 0 or -1. */
static int plan_parts(struct upload *u, uint32_t part_size)
{
    u->part_size = part_size;
    u->n_parts = (unsigned)((u->size + part_size - 1) / part_size);
    free(u->etags);
    free(u->busy);
    u->etags = calloc(u->n_parts, sizeof(u->etags[0]));
    u->busy = calloc(u->n_parts, 1);
    return u->etags != NULL && u->busy != NULL ? 0 : -1;
}

/* Resumes the multipart upload the store recorded for `u`, if it is one
 * of this file.  Returns true if it does. */
static bool resume_parts(struct upload *u)
{
    struct delivery_record r;
    int rc = delivery_store_load(job_store_connection(dl.store), u->c.id, &r, NULL, NULL);
    if (rc != 0)
        return false;
    snprintf(u->upload_id, sizeof(u->upload_id), "%s", r.upload_id);
    if (r.file_size != u->size || r.part_size == 0 || plan_parts(u, r.part_size) != 0) {
        abort_upload(u);
        u->upload_id[0] = '\0';
        return false;
    }
    delivery_store_load(job_store_connection(dl.store), u->c.id, &r, load_part, u);
    unsigned done = 0;
    for (unsigned i = 0; i < u->n_parts; i++)
        done += u->etags[i][0] != '\0';
    log_info("delivery_resumed", "id=%s object=%s parts_done=%u parts=%u", u->c.id, log_q(u->name),
             done, u->n_parts);
    return true;
}

/* Opens the file of `u` and chooses how to send it. */
static void start_upload(struct upload *u)
{
    char path[700];
    struct stat st;
    capture_files_path(u->c.id, path, sizeof(path));
    u->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (u->fd < 0 || fstat(u->fd, &st) != 0) {
        conclude(u, CAPTURE_FAILED, "delivery to %s failed: the capture file cannot be read: %s",
                 u->name, strerror(errno));
        return;
    }
    u->size = (uint64_t)st.st_size;
    /* Read once, front to back: the kernel may read ahead further. */
    posix_fadvise(u->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    u->started_at = u->progress_at = clock_monotonic_ms();
    write_status(u, CAPTURE_CONVERSION_RUNNING, "");
    uint64_t part_size = (uint64_t)dl.cfg.part_mb << 20;
    if (resume_parts(u))
        u->phase = PH_PARTS;
    else if (u->size <= part_size)
        u->phase = PH_SINGLE;
    else if (plan_parts(u, (uint32_t)part_size) == 0)
        u->phase = PH_CREATE;
    else
        conclude(u, CAPTURE_FAILED, "delivery to %s failed: out of memory", u->name);
    log_info("delivery_start", "id=%s object=%s bytes=%" PRIu64 " parts=%u", u->c.id,
             log_q(u->name), u->size, u->phase == PH_SINGLE ? 1 : u->n_parts);
}

/* Writes the final status of `u`; then removes its local copy when it was
 * delivered (unless delivery_keep_local).  Returns true when done. */
static bool finish(struct upload *u)
{
    if (write_status(u, u->final_status, u->message) != 0)
        return false;
    delivery_store_forget(job_store_connection(dl.store), u->c.id);
    if (u->final_status == CAPTURE_SUCCESS) {
        double secs = (double)(clock_monotonic_ms() - u->started_at) / 1000.0;
        log_info("delivery_done", "id=%s object=%s bytes=%" PRIu64 " seconds=%.3f mb_per_s=%.1f",
                 u->c.id, log_q(u->name), u->size, secs,
                 secs > 0 ? (double)u->size / 1e6 / secs : 0.0);
        if (!dl.cfg.keep_local)
            capture_files_remove(u->c.id);
    } else {
        log_warn("delivery_failed", "id=%s error=%s", u->c.id, log_q(u->message));
    }
    return true;
}

/* Starts what the phase of `u` can start now. */
static void pump_phase(struct upload *u)
{
    switch (u->phase) {
    case PH_START:
        start_upload(u);
        break;
    case PH_SINGLE:
        if (u->in_flight == 0)
            send_file_range(u, 0, "", 0, (size_t)u->size);
        break;
    case PH_CREATE:
        if (u->in_flight == 0)
            send_request(u, 0, "POST", "?uploads=", NULL, 0);
        break;
    case PH_PARTS: {
        unsigned left = 0;
        for (unsigned i = 0; i < u->n_parts && u->phase == PH_PARTS; i++) {
            if (u->etags[i][0] != '\0')
                continue;
            left++;
            if (!u->busy[i] && u->in_flight < dl.cfg.parallel)
                send_part(u, i + 1);
        }
        if (left == 0 && u->in_flight == 0)
            u->phase = PH_COMPLETE;
        break;
    }
    case PH_COMPLETE:
        if (u->in_flight == 0)
            send_complete(u);
        break;
    case PH_VERIFY:
        if (u->in_flight == 0)
            send_request(u, 0, "HEAD", "", NULL, 0);
        break;
    case PH_FINISH:
        break;
    }
}

/* Starts what `u` can start now, through the phases that need no
 * answer to move on. */
static void pump(struct upload *u, int64_t now)
{
    enum phase before;
    if (now < u->retry_at)
        return;
    do {
        before = u->phase;
        pump_phase(u);
    } while (u->phase != before && u->phase != PH_FINISH);
}

/* Takes the successful answer to `x`.  Returns 0, or -1 with `msg` when
 * the answer is not what the step needs. */
static int advance(struct xfer *x, char *msg, size_t size)
{
    struct upload *u = x->u;
    sqlite3 *db = job_store_connection(dl.store);
    if (x->part > 0) {
        if (x->call.etag[0] == '\0') {
            snprintf(msg, size, "the store gave no ETag");
            return -1;
        }
        snprintf(u->etags[x->part - 1], DELIVERY_ETAG_SIZE, "%s", x->call.etag);
        delivery_store_part(db, u->c.id, x->part, x->call.etag);
        return 0;
    }
    if (u->phase == PH_SINGLE || u->phase == PH_COMPLETE) {
        u->phase = PH_VERIFY;
    } else if (u->phase == PH_CREATE) {
        if (s3_response_value(&x->call, "UploadId", u->upload_id, sizeof(u->upload_id)) != 0) {
            snprintf(msg, size, "the store gave no UploadId");
            return -1;
        }
        struct delivery_record r = {.file_size = u->size, .part_size = u->part_size};
        snprintf(r.upload_id, sizeof(r.upload_id), "%s", u->upload_id);
        delivery_store_begin(db, u->c.id, &r);
        u->phase = PH_PARTS;
    } else if (u->phase == PH_VERIFY) {
        if (x->call.content_length != (int64_t)u->size) {
            snprintf(msg, size, "the store holds %" PRId64 " bytes, the capture file %" PRIu64,
                     x->call.content_length, u->size);
            return -1;
        }
        conclude(u, CAPTURE_SUCCESS, "%s", "");
    }
    return 0;
}

/* Exponential backoff with full jitter after `failures` failures in a
 * row (ms). */
static int64_t backoff_ms(unsigned failures)
{
    int64_t cap = BACKOFF_BASE_MS << (failures < 8 ? failures : 8);
    if (cap > BACKOFF_MAX_MS)
        cap = BACKOFF_MAX_MS;
    uint32_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != sizeof(r))
        r = (uint32_t)clock_monotonic_ms();
    return 1 + (int64_t)(r % (uint32_t)cap);
}

/* Takes a failed request that may pass: tried again later, or the upload
 * fails when it has made no progress for delivery_retry_seconds. */
static void retry_later(struct upload *u, const char *step, const char *msg, int64_t now)
{
    u->failures++;
    if (now - u->progress_at > (int64_t)dl.cfg.retry_seconds * 1000) {
        conclude(u, CAPTURE_FAILED, "%s of %s failed, %u attempts in %u s: %s", step, u->name,
                 u->failures, dl.cfg.retry_seconds, msg);
        return;
    }
    u->retry_at = now + backoff_ms(u->failures);
    log_event_rl(&retry_rl, LOG_LEVEL_WARN, "delivery_retry", "id=%s step=%s attempt=%u error=%s",
                 u->c.id, log_q(step), u->failures, log_q(msg));
}

/* Takes the end of request `x`. */
static void xfer_done(struct xfer *x, int64_t now)
{
    struct upload *u = x->u;
    char msg[200], step[64];
    enum s3_outcome o = s3_call_outcome(&x->call, msg, sizeof(msg));
    if (u == NULL)
        return; /* an abort */
    u->in_flight--;
    if (x->part > 0)
        u->busy[x->part - 1] = 0;
    if (u->phase == PH_FINISH)
        return; /* it failed meanwhile */
    step_name(x, step, sizeof(step));
    scrub(msg, &u->dest);
    /* CompleteMultipartUpload may answer 200 with an error in the body. */
    if (o == S3_OK && u->phase == PH_COMPLETE && strstr(x->call.response, "<Error>") != NULL) {
        x->call.status = 500;
        o = s3_call_outcome(&x->call, msg, sizeof(msg));
    }
    if (o == S3_OK && advance(x, msg, sizeof(msg)) != 0)
        o = S3_FATAL;
    log_debug("delivery_request", "id=%s step=%s status=%ld ms=%" PRId64, u->c.id, log_q(step),
              x->call.status, now - x->started_at);
    if (o == S3_OK) {
        u->failures = 0;
        u->progress_at = now;
    } else if (o == S3_RETRY || (o == S3_MISMATCH && ++u->mismatches < MISMATCH_ATTEMPTS)) {
        retry_later(u, step, msg, now);
    } else if (strstr(msg, "NoSuchUpload") != NULL && !u->restarted) {
        /* The store forgot the upload (expired, aborted): start again. */
        u->restarted = true;
        u->upload_id[0] = '\0';
        plan_parts(u, u->part_size);
        u->phase = PH_CREATE;
    } else {
        abort_upload(u);
        conclude(u, CAPTURE_FAILED, "%s of %s failed: %s", step, u->name, msg);
    }
}

/* Frees `u`. */
static void upload_free(struct upload *u)
{
    if (u->fd >= 0)
        close(u->fd);
    free(u->etags);
    free(u->busy);
    free(u);
}

/* Adds an upload for capture `c`. */
static void add_upload(const struct capture *c, void *arg)
{
    (void)arg;
    for (struct upload *u = dl.uploads; u != NULL; u = u->next) {
        if (strcmp(u->c.id, c->id) == 0)
            return; /* already here */
    }
    struct upload *u = calloc(1, sizeof(*u));
    if (u == NULL) {
        log_error("delivery_out_of_memory", "id=%s", c->id);
        return;
    }
    u->c = *c;
    u->fd = -1;
    char err[256], pcap[160];
    bucket_delivery_file_name(c->id, pcap, sizeof(pcap));
    if (destination_parse(c->destination_conf, &u->dest, err, sizeof(err)) != 0 ||
        destination_credentials(&u->dest, &dl.cfg, err, sizeof(err)) != 0) {
        snprintf(u->name, sizeof(u->name), "its bucket");
        conclude(u, CAPTURE_FAILED, "delivery failed: %s", err);
    } else {
        destination_object_key(&u->dest, pcap, u->key, sizeof(u->key));
        destination_object_name(&u->dest, u->key, u->name, sizeof(u->name));
    }
    u->next = dl.uploads;
    dl.uploads = u;
}

/* Takes the captures the event loop handed in; returns true when asked
 * to stop. */
static bool take_queue(void)
{
    pthread_mutex_lock(&dl.lock);
    bool stop = dl.stop;
    for (size_t i = 0; i < dl.n_queue; i++)
        add_upload(&dl.queue[i], NULL);
    dl.n_queue = 0;
    pthread_mutex_unlock(&dl.lock);
    return stop;
}

/* Takes every finished request. */
static void reap(int64_t now)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(dl.multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct xfer **pp = &dl.xfers;
        while (*pp != NULL && (*pp)->call.easy != m->easy_handle)
            pp = &(*pp)->next;
        struct xfer *x = *pp;
        if (x == NULL)
            continue;
        *pp = x->next;
        CURLcode result = m->data.result;
        curl_multi_remove_handle(dl.multi, x->call.easy);
        s3_call_finished(&x->call, result);
        xfer_done(x, now);
        s3_call_cleanup(&x->call);
        free(x->body);
        free(x);
    }
}

/* Advances every upload, drops finished ones, and returns how long the
 * thread may wait (ms). */
static int pump_all(int64_t now)
{
    int wait = IDLE_WAIT_MS;
    for (struct upload **pp = &dl.uploads; *pp != NULL;) {
        struct upload *u = *pp;
        pump(u, now);
        if (u->phase == PH_FINISH && u->in_flight == 0 && now >= u->retry_at) {
            if (finish(u)) {
                *pp = u->next;
                upload_free(u);
                continue;
            }
            u->retry_at = now + STATUS_RETRY_MS;
        }
        if (u->retry_at > now && u->retry_at - now < wait)
            wait = (int)(u->retry_at - now);
        pp = &u->next;
    }
    return wait;
}

/* Resumes requests waiting for the rate cap; returns true if some still
 * wait. */
static bool resume_paused(void)
{
    bool waiting = false;
    s3_rate_refill(&dl.rate);
    for (struct xfer *x = dl.xfers; x != NULL; x = x->next) {
        s3_rate_resume(&x->call);
        waiting |= x->call.paused;
    }
    return waiting;
}

/* Makes the calling thread background work: any core (it was started on
 * the main lcore's, where the event loop runs), at delivery_nice and, above
 * 0, SCHED_BATCH: the scheduler then treats it as CPU-bound work whose
 * wake-ups (a socket ready for more of the body) never preempt a running
 * thread, so that the API and the capture path win the CPU over an upload. */
static void run_in_background(void)
{
    cpu_set_t all;
    CPU_ZERO(&all);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (long i = 0; i < n && i < CPU_SETSIZE; i++)
        CPU_SET((int)i, &all);
    struct sched_param none = {0};
    int rc = pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
    if (rc == 0 && dl.cfg.nice > 0)
        rc = pthread_setschedparam(pthread_self(), SCHED_BATCH, &none);
    if (rc == 0 && setpriority(PRIO_PROCESS, (id_t)gettid(), (int)dl.cfg.nice) != 0)
        rc = errno;
    if (rc != 0)
        log_warn("delivery_thread_priority", "error=%s", log_q(strerror(rc)));
}

/* The delivery thread. */
static void *delivery_main(void *arg)
{
    (void)arg;
    run_in_background();
    if (job_store_each_delivering(dl.store, add_upload, NULL) != 0)
        log_error("delivery_resume_failed", NULL);
    int running;
    while (!take_queue()) {
        curl_multi_perform(dl.multi, &running);
        reap(clock_monotonic_ms());
        /* After the reaping, so that a finished part's successor starts at
         * once. */
        int wait = pump_all(clock_monotonic_ms());
        curl_multi_perform(dl.multi, &running);
        if (resume_paused())
            wait = 2;
        curl_multi_poll(dl.multi, NULL, 0, wait, NULL);
    }
    for (struct xfer *x = dl.xfers, *next; x != NULL; x = next) {
        next = x->next;
        curl_multi_remove_handle(dl.multi, x->call.easy);
        s3_call_cleanup(&x->call);
        free(x->body);
        free(x);
    }
    for (struct upload *u = dl.uploads, *next; u != NULL; u = next) {
        next = u->next;
        upload_free(u);
    }
    return NULL;
}

void bucket_delivery_file_name(const char *id, char *buf, size_t size)
{
    if (fleet_appliance[0] != '\0')
        snprintf(buf, size, "pcap_%s_%s.pcap", id, fleet_appliance);
    else
        snprintf(buf, size, "pcap_%s.pcap", id);
}

int bucket_delivery_start(const struct config *cfg, const char *db_path, char *err,
                          unsigned err_size)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    dl.cfg = cfg->delivery;
    snprintf(fleet_appliance, sizeof(fleet_appliance), "%s",
             cfg->store[0] != '\0' ? cfg->appliance_name : "");
    dl.settings.ca_file = dl.cfg.ca_file;
    dl.settings.rate = &dl.rate;
    s3_rate_init(&dl.rate, (uint64_t)dl.cfg.rate_mbit * 125000);
    pthread_mutex_init(&dl.lock, NULL);
    if (job_store_open(db_path, 5000, &dl.store, err, err_size) != 0)
        return -1;
    if (delivery_store_init(job_store_connection(dl.store)) != SQLITE_OK ||
        (dl.multi = curl_multi_init()) == NULL) {
        snprintf(err, err_size, "cannot set up bucket delivery");
        return -1;
    }
    int rc = pthread_create(&dl.thread, NULL, delivery_main, NULL);
    if (rc != 0) {
        snprintf(err, err_size, "cannot start the delivery thread: %s", strerror(rc));
        return -1;
    }
    /* Named, for top -H and ps -L. */
    pthread_setname_np(dl.thread, "pcapd-delivery");
    dl.started = true;
    return 0;
}

void bucket_delivery_submit(const struct capture *c)
{
    if (!dl.started)
        return; /* the next start resumes it from the store */
    pthread_mutex_lock(&dl.lock);
    if (dl.n_queue == dl.queue_cap) {
        size_t cap = dl.queue_cap ? 2 * dl.queue_cap : 8;
        struct capture *q = realloc(dl.queue, cap * sizeof(*q));
        if (q == NULL) {
            pthread_mutex_unlock(&dl.lock);
            log_error("delivery_out_of_memory", "id=%s", c->id);
            return;
        }
        dl.queue = q;
        dl.queue_cap = cap;
    }
    dl.queue[dl.n_queue++] = *c;
    pthread_mutex_unlock(&dl.lock);
    curl_multi_wakeup(dl.multi);
}

void bucket_delivery_stop(void)
{
    if (!dl.started)
        return;
    pthread_mutex_lock(&dl.lock);
    dl.stop = true;
    pthread_mutex_unlock(&dl.lock);
    curl_multi_wakeup(dl.multi);
    pthread_join(dl.thread, NULL);
    curl_multi_cleanup(dl.multi);
    job_store_close(dl.store);
    free(dl.queue);
    dl.started = false;
}
