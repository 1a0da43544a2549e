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
        fleet_store_download(fleet_me(), c->account, c->id, a);
        break;
    case FLEET_OP_APPLIANCES:
        fleet_store_appliances(a);
        break;
    }
}

/* Sends the merged file of a download. */
static void send_download(h2o_req_t *req, const struct fleet_job *j)
{
    char *disposition = h2o_mem_alloc_pool(&req->pool, 96);
    int len = snprintf(disposition, 96, "attachment; filename=\"%s.pcap\"", j->call.id);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-disposition"), 0, NULL,
                          disposition, (size_t)len);
    if (h2o_file_send(req, 200, "OK", j->answer.path,
                      h2o_iovec_init(H2O_STRLIT("application/vnd.tcpdump.pcap")), 0) != 0)
        h2o_send_error_500(req, "Internal Server Error", "cannot open the merged file", 0);
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
