/*
 * Answers in Cloudflare's v4 envelope:
 *   {"result": ..., "success": bool, "errors": [{"code", "message"}],
 *    "messages": []}
 * and the small request helpers the API handlers share.
 */
#ifndef PCAPD_API_RESPONSE_H
#define PCAPD_API_RESPONSE_H

#include <jansson.h>

#include "auth.h"
#include "h2o.h"

/* Answers `status` with the JSON `body` (reference stolen), whatever its
 * shape (the analysis API's answers are not in the v4 envelope). */
int api_send_json(h2o_req_t *req, int status, json_t *body);

/* Answers `status` with `len` bytes of JSON text `body` (copied). */
void api_send_raw_json(h2o_req_t *req, int status, const char *body, size_t len);

/* Answers 200 with `result` (reference stolen) in a success envelope
 * whose `messages` holds one message, `code` and `message`, when `message`
 * is not NULL. */
int api_send_result_message(h2o_req_t *req, json_t *result, int code, const char *message);

/* Answers 200 with `result`, `result_info` (NULL: none) and the array
 * `messages` (NULL: empty), references stolen. */
int api_send_result_messages(h2o_req_t *req, json_t *result, json_t *result_info, json_t *messages);

/* Makes a JSON string of an error message that may quote request bytes:
 * if they are not UTF-8, non-ASCII bytes become '?' (in `message` too). */
json_t *api_json_text(char *message);

/* Answers 200 with `result` (reference stolen) in a success envelope and,
 * when `result_info` is not NULL (reference stolen), its pagination. */
int api_send_result(h2o_req_t *req, json_t *result, json_t *result_info);

/* Answers `status` with an error envelope holding one error: `code` and the
 * printf-style message.  Returns 0. */
int api_send_error(h2o_req_t *req, int status, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Formats a v4 error envelope with one error, `code` and the printf-style
 * message, into memory of req->pool (for a body that is not sent through
 * api_send_json()). */
h2o_iovec_t api_error_body(h2o_req_t *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Answers h2o's own refusal of a request under /client/v4 (see
 * http_refusal_fn): 413 (code 1001) or a malformed request (code 1011). */
h2o_iovec_t api_refusal_body(h2o_req_t *req, int status, const char *why);

/* Tells whether the request's method is `method`. */
int api_method_is(const h2o_req_t *req, const char *method);

/* Adds header `name` (lowercase) with the decimal `value` to the answer. */
void api_add_number_header(h2o_req_t *req, const char *name, unsigned value);

/* Answers a failed authentication (`st` is not AUTH_OK) in the envelope:
 * 401 with WWW-Authenticate, 429 with Retry-After for a throttled client,
 * or 503 when the token store could not be read; `why` is the message. */
int api_send_auth_failure(h2o_req_t *req, enum auth_status st, unsigned retry_after,
                          const char *why);

#endif /* PCAPD_API_RESPONSE_H */
