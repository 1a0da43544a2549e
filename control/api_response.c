/*
 * The Cloudflare v4 response envelope, serialised with jansson and sent
 * through h2o.
 */
#include "api_response.h"

#include "api_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reason phrases of the statuses the API uses. */
static const char *reason_of(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 422:
        return "Unprocessable Entity";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

void api_send_raw_json(h2o_req_t *req, int status, const char *body, size_t len)
{
    req->res.status = status;
    req->res.reason = reason_of(status);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    req->res.content_length = len; /* Not chunked: the whole body is here. */
    h2o_send_inline(req, body, len);
}

/* Serialises `envelope` (reference stolen) and sends it with `status`. */
int api_send_json(h2o_req_t *req, int status, json_t *envelope)
{
    char *body = json_dumps(envelope, JSON_COMPACT);
    json_decref(envelope);
    if (body == NULL) {
        h2o_send_error_500(req, "Internal Server Error", "out of memory", 0);
        return 0;
    }
    api_send_raw_json(req, status, body, strlen(body));
    free(body);
    return 0;
}

json_t *api_json_text(char *message)
{
    json_t *text = json_string(message);
    if (text != NULL)
        return text;
    /* Not UTF-8 (bytes from the request): keep the ASCII of it. */
    for (char *p = message; *p; p++)
        *p = (*p & 0x80) ? '?' : *p;
    return json_string(message);
}

/* Answers 200 with `result` and `result_info` (either may be NULL;
 * references stolen) and the `messages` array (reference stolen). */
static int send_success(h2o_req_t *req, json_t *result, json_t *result_info, json_t *messages)
{
    json_t *env = json_object();
    json_object_set_new(env, "result", result);
    if (result_info != NULL)
        json_object_set_new(env, "result_info", result_info);
    json_object_set_new(env, "success", json_true());
    json_object_set_new(env, "errors", json_array());
    json_object_set_new(env, "messages", messages);
    return api_send_json(req, 200, env);
}

int api_send_result_messages(h2o_req_t *req, json_t *result, json_t *result_info, json_t *messages)
{
    return send_success(req, result, result_info, messages != NULL ? messages : json_array());
}

int api_send_result(h2o_req_t *req, json_t *result, json_t *result_info)
{
    return send_success(req, result, result_info, json_array());
}

int api_send_result_message(h2o_req_t *req, json_t *result, int code, const char *message)
{
    json_t *messages = json_array();
    if (message != NULL)
        json_array_append_new(messages, json_pack("{s:i,s:s}", "code", code, "message", message));
    return send_success(req, result, NULL, messages);
}

/* Builds the v4 error envelope of `code` and `message`. */
static json_t *error_envelope(int code, char *message)
{
    json_t *text = api_json_text(message);
    json_t *error = json_object();
    json_object_set_new(error, "code", json_integer(code));
    json_object_set_new(error, "message", text);
    json_t *errors = json_array();
    json_array_append_new(errors, error);
    json_t *env = json_object();
    json_object_set_new(env, "result", json_null());
    json_object_set_new(env, "success", json_false());
    json_object_set_new(env, "errors", errors);
    json_object_set_new(env, "messages", json_array());
    return env;
}

int api_send_error(h2o_req_t *req, int status, int code, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    return api_send_json(req, status, error_envelope(code, message));
}

h2o_iovec_t api_error_body(h2o_req_t *req, int code, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    json_t *env = error_envelope(code, message);
    char *text = json_dumps(env, JSON_COMPACT);
    json_decref(env);
    h2o_iovec_t body = h2o_strdup(&req->pool, text ? text : "{}", SIZE_MAX);
    free(text);
    return body;
}

h2o_iovec_t api_refusal_body(h2o_req_t *req, int status, const char *why)
{
    if (why != NULL)
        return api_error_body(req, API_ERR_MALFORMED_REQUEST, "the request is malformed: %s", why);
    if (status == 413)
        return api_error_body(req, API_ERR_BODY_TOO_LARGE,
                              "request body: larger than the largest this appliance reads (%zu "
                              "bytes)",
                              req->conn->ctx->globalconf->max_request_entity_size);
    if (status == 400)
        return api_error_body(req, API_ERR_MALFORMED_REQUEST,
                              "the request is malformed: its body does not match its framing "
                              "(Content-Length or chunked encoding)");
    return api_error_body(req, API_ERR_INTERNAL, "the HTTP layer refused the request (status %d)",
                          status);
}

int api_method_is(const h2o_req_t *req, const char *method)
{
    return h2o_memis(req->method.base, req->method.len, method, strlen(method));
}

void api_add_number_header(h2o_req_t *req, const char *name, unsigned value)
{
    char *buf = h2o_mem_alloc_pool(&req->pool, 16);
    int len = snprintf(buf, 16, "%u", value);
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 0, NULL, buf,
                          (size_t)len);
}

int api_send_auth_failure(h2o_req_t *req, enum auth_status st, unsigned retry_after,
                          const char *why)
{
    if (st == AUTH_THROTTLED) {
        api_add_number_header(req, "retry-after", retry_after);
        return api_send_error(req, 429, API_ERR_AUTH_THROTTLED, "%s", why);
    }
    if (st == AUTH_STORE_ERROR) {
        api_add_number_header(req, "retry-after", 1);
        return api_send_error(req, 503, API_ERR_STORE_BUSY, "%s", why);
    }
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("www-authenticate"), 0, NULL,
                          H2O_STRLIT("Bearer realm=\"pcapd\""));
    return api_send_error(
        req, 401, st == AUTH_MISSING ? API_ERR_NO_CREDENTIALS : API_ERR_BAD_CREDENTIALS, "%s", why);
}
