/*
 * The jobs API's fleet requests (fleet_api.h): parked, run on the fleet
 * lane through fleet_store.c, answered here on the event loop.
 */
#include "fleet_api.h"

#include <stdlib.h>
#include <string.h>

#include "api_errors.h"
#include "api_response.h"
#include "async_reply.h"
#include "clock_ms.h"
#include "fleet.h"
#include "fleet_store.h"
#include "log.h"
#include "offload.h"

/* A fleet request under way. */
struct fleet_job {
    struct fleet_call call;
    struct async_reply *reply;
    int64_t now_ms;
    struct fleet_answer answer;
};

/* Runs the request against the fleet store (fleet lane). */
static void job_work(void *arg)
{
    struct fleet_job *j = arg;
    const struct fleet_call *c = &j->call;
    struct fleet_answer *a = &j->answer;
    switch (c->op) {
    case FLEET_OP_CREATE:
        fleet_store_create(fleet_me(), &c->capture, a);
        break;
    case FLEET_OP_GET:
        fleet_store_get(c->account, c->id, a);
        break;
    case FLEET_OP_LIST:
        fleet_store_list(c->account, c->offset, c->limit, a);
        break;
    case FLEET_OP_STOP:
        fleet_store_stop(c->account, c->id, j->now_ms, a);
        break;
    case FLEET_OP_DOWNLOAD:
        fleet_store_download(c->account, c->id, a);
        break;
    case FLEET_OP_APPLIANCES:
        fleet_store_appliances(a);
        break;
    }
}

/* ---- The merged download, streamed ---- */

/* Bytes of the merged file read on the fleet lane at a time, and how many
 * such buffers a download has: a ring, filled in order on the lane and
 * sent in order by h2o, so the lane keeps merging while h2o sends (two
 * large buffers left the lane idle whenever the one it had filled waited
 * for the send of the other; small ones also start the response sooner). */
#define STREAM_CHUNK (1024 * 1024)
#define STREAM_BUFS 4

/* A merged download being sent: the merge is read on the fleet lane into
 * the ring's free buffers while h2o sends the filled ones, as fast as the
 * client takes them. */
struct fleet_stream {
    /* First: h2o hands it back to proceed() and stop(). */
    h2o_generator_t gen;
    /* The request, NULL once h2o has disposed of it. */
    h2o_req_t *req;
    struct fleet_download *download;
    uint8_t *buf[STREAM_BUFS];
    size_t len[STREAM_BUFS];
    /* The oldest filled buffer (the one h2o sends or sends next), how
     * many are filled from it on, and the one the lane fills (the next
     * after them; set by the loop before the fill, as the loop moves
     * `head` and `full` while the lane works). */
    unsigned head;
    unsigned full;
    unsigned fill_at;
    /* h2o is sending buf[head]; the lane is filling a buffer. */
    bool sending;
    bool filling;
    /* The last fill reached the end of the merge, or failed. */
    bool end;
    bool failed;
};

static void stream_pump(struct fleet_stream *s);

/* Closes a download on the fleet lane (its connection's goodbye is not
 * the loop's to wait on). */
static void download_close_work(void *arg)
{
    fleet_download_close(arg);
}

/* Closes download `d` (NULL: nothing). */
static void download_close(struct fleet_download *d)
{
    if (d != NULL && offload_submit(OFFLOAD_FLEET, download_close_work, NULL, d) != 0)
        fleet_download_close(d);
}

/* Frees stream `s`. */
static void stream_free(struct fleet_stream *s)
{
    download_close(s->download);
    for (unsigned i = 0; i < STREAM_BUFS; i++)
        free(s->buf[i]);
    free(s);
}

/* Fills the next free buffer from the merge (fleet lane). */
static void stream_fill(void *arg)
{
    struct fleet_stream *s = arg;
    unsigned i = s->fill_at;
    ssize_t n = fleet_download_read(s->download, s->buf[i], STREAM_CHUNK);
    s->len[i] = n > 0 ? (size_t)n : 0;
    s->end = n < STREAM_CHUNK;
    s->failed = n < 0;
}

/* A fill is done (event loop). */
static void stream_filled(void *arg)
{
    struct fleet_stream *s = arg;
    if (s->failed)
        log_warn("fleet_download_failed", "error=%s", log_q(fleet_download_error(s->download)));
    s->filling = false;
    s->full++;
    if (s->req == NULL)
        stream_free(s);
    else
        stream_pump(s);
}

/* Sends the oldest filled buffer, ends the response at the end of the
 * merge, and starts the next fill while a buffer is free. */
static void stream_pump(struct fleet_stream *s)
{
    /* s->end and s->failed are the lane's while it fills. */
    if (!s->filling && !s->end && s->full < STREAM_BUFS) {
        s->filling = true;
        s->fill_at = (s->head + s->full) % STREAM_BUFS;
        if (offload_submit(OFFLOAD_FLEET, stream_fill, stream_filled, s) != 0) {
            s->filling = false;
            s->end = s->failed = true;
        }
    }
    if (s->sending)
        return;
    if (s->full > 0) {
        s->sending = true;
        h2o_iovec_t iov = h2o_iovec_init(s->buf[s->head], s->len[s->head]);
        h2o_send(s->req, &iov, 1, H2O_SEND_STATE_IN_PROGRESS);
    } else if (!s->filling && s->end) {
        /* All sent: h2o forgets the generator with the final state. */
        h2o_send(s->req, NULL, 0, s->failed ? H2O_SEND_STATE_ERROR : H2O_SEND_STATE_FINAL);
        stream_free(s);
    }
}

/* h2o has sent the oldest filled buffer: it is free, the next may go. */
static void stream_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    struct fleet_stream *s = (struct fleet_stream *)gen;
    s->sending = false;
    s->head = (s->head + 1) % STREAM_BUFS;
    s->full--;
    stream_pump(s);
}

/* h2o disposes of the request (the client went away). */
static void stream_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    struct fleet_stream *s = (struct fleet_stream *)gen;
    s->req = NULL;
    if (!s->filling)
        stream_free(s);
}

/* Starts sending the merged download `j` has opened (it takes it). */
static void send_download(h2o_req_t *req, struct fleet_job *j)
{
    struct fleet_stream *s = calloc(1, sizeof(*s));
    bool ok = s != NULL;
    for (unsigned i = 0; ok && i < STREAM_BUFS; i++)
        ok = (s->buf[i] = malloc(STREAM_CHUNK)) != NULL;
    if (!ok) {
        for (unsigned i = 0; s != NULL && i < STREAM_BUFS; i++)
            free(s->buf[i]);
        free(s);
        api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
        return;
    }
    s->gen = (h2o_generator_t){.proceed = stream_proceed, .stop = stream_stop};
    s->req = req;
    s->download = j->answer.download;
    j->answer.download = NULL;
    char *disposition = h2o_mem_alloc_pool(&req->pool, 96);
    int len = snprintf(disposition, 96, "attachment; filename=\"%s.pcap\"", j->call.id);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-disposition"), 0, NULL,
                          disposition, (size_t)len);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/vnd.tcpdump.pcap"));
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_start_response(req, &s->gen);
    stream_pump(s);
}

/* Answers `req` with the job's outcome. */
static void answer(h2o_req_t *req, struct fleet_job *j)
{
    struct fleet_answer *a = &j->answer;
    if (a->not_found && j->call.local != NULL) {
        j->call.local(req, j->call.route);
    } else if (a->not_found) {
        api_send_error(req, 404, API_ERR_UNKNOWN_CAPTURE, "capture %s not found in account %s",
                       j->call.id, j->call.account);
    } else if (a->status != 200) {
        if (a->retry_after > 0)
            api_add_number_header(req, "retry-after", a->retry_after);
        api_send_error(req, a->status, a->code, "%s", a->message);
    } else if (j->call.op == FLEET_OP_DOWNLOAD) {
        send_download(req, j);
    } else {
        api_send_result_messages(req, a->result, a->result_info, a->messages);
        a->result = a->result_info = a->messages = NULL;
    }
}

/* Answers the parked request (event loop). */
static void job_done(void *arg)
{
    struct fleet_job *j = arg;
    h2o_req_t *req = async_reply_req(j->reply);
    if (req != NULL)
        answer(req, j);
    async_reply_release(j->reply);
    json_decref(j->answer.result);
    json_decref(j->answer.result_info);
    json_decref(j->answer.messages);
    download_close(j->answer.download);
    free(j);
}

int fleet_api_handle(h2o_req_t *req, const struct fleet_call *call)
{
    struct fleet_job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        return api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
    j->call = *call;
    j->now_ms = clock_realtime_ms();
    if ((j->reply = async_reply_park(req)) == NULL) {
        free(j);
        return api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
    }
    if (offload_submit(OFFLOAD_FLEET, job_work, job_done, j) != 0) {
        async_reply_release(j->reply);
        free(j);
        return api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
    }
    return 0;
}
