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

/* Bytes of the merged file read on the fleet lane at a time; two such
 * buffers per download, one sent while the other fills. */
#define STREAM_CHUNK (4 * 1024 * 1024)

/* A merged download being sent: the merge is read on the fleet lane into
 * one buffer while h2o sends the other, as fast as the client takes it. */
struct fleet_stream {
    /* First: h2o hands it back to proceed() and stop(). */
    h2o_generator_t gen;
    /* The request, NULL once h2o has disposed of it. */
    h2o_req_t *req;
    struct fleet_download *download;
    uint8_t *buf[2];
    size_t len[2];
    /* The buffer filling on the lane, the one filled and waiting, the one
     * h2o sends (each -1: none). */
    int filling;
    int ready;
    int sending;
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
    free(s->buf[0]);
    free(s->buf[1]);
    free(s);
}

/* Fills the buffer s->filling from the merge (fleet lane). */
static void stream_fill(void *arg)
{
    struct fleet_stream *s = arg;
    ssize_t n = fleet_download_read(s->download, s->buf[s->filling], STREAM_CHUNK);
    s->len[s->filling] = n > 0 ? (size_t)n : 0;
    s->end = n < STREAM_CHUNK;
    s->failed = n < 0;
}

/* A fill is done (event loop). */
static void stream_filled(void *arg)
{
    struct fleet_stream *s = arg;
    if (s->failed)
        log_warn("fleet_download_failed", "error=%s", log_q(fleet_download_error(s->download)));
    s->ready = s->filling;
    s->filling = -1;
    if (s->req == NULL)
        stream_free(s);
    else
        stream_pump(s);
}

/* Sends what is ready, ends the response at the end of the merge, and
 * starts the next fill into a free buffer. */
static void stream_pump(struct fleet_stream *s)
{
    if (s->sending < 0 && s->ready >= 0) {
        s->sending = s->ready;
        s->ready = -1;
        h2o_iovec_t iov = h2o_iovec_init(s->buf[s->sending], s->len[s->sending]);
        h2o_send(s->req, &iov, 1, H2O_SEND_STATE_IN_PROGRESS);
        return stream_pump(s);
    }
    if (s->end && s->filling < 0 && s->ready < 0 && s->sending < 0) {
        /* All sent: h2o forgets the generator with the final state. */
        h2o_send(s->req, NULL, 0, s->failed ? H2O_SEND_STATE_ERROR : H2O_SEND_STATE_FINAL);
        stream_free(s);
        return;
    }
    if (s->end || s->filling >= 0 || s->ready >= 0)
        return;
    s->filling = s->sending == 0 ? 1 : 0;
    if (offload_submit(OFFLOAD_FLEET, stream_fill, stream_filled, s) != 0) {
        s->filling = -1;
        s->end = s->failed = true;
        if (s->sending < 0)
            stream_pump(s);
    }
}

/* h2o has sent the buffer: the next one may go. */
static void stream_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    struct fleet_stream *s = (struct fleet_stream *)gen;
    s->sending = -1;
    stream_pump(s);
}

/* h2o disposes of the request (the client went away). */
static void stream_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    struct fleet_stream *s = (struct fleet_stream *)gen;
    s->req = NULL;
    if (s->filling < 0)
        stream_free(s);
}

/* Starts sending the merged download `j` has opened (it takes it). */
static void send_download(h2o_req_t *req, struct fleet_job *j)
{
    struct fleet_stream *s = calloc(1, sizeof(*s));
    uint8_t *b0 = malloc(STREAM_CHUNK), *b1 = malloc(STREAM_CHUNK);
    if (s == NULL || b0 == NULL || b1 == NULL) {
        free(s);
        free(b0);
        free(b1);
        api_send_error(req, 500, API_ERR_INTERNAL, "out of memory");
        return;
    }
    *s = (struct fleet_stream){.gen = {.proceed = stream_proceed, .stop = stream_stop},
                               .req = req,
                               .download = j->answer.download,
                               .buf = {b0, b1},
                               .filling = -1,
                               .ready = -1,
                               .sending = -1};
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
