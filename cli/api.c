/*
 * The API as pcapctl's commands see it: a call returns the answer's
 * "result" (jobs API, Cloudflare's v4 envelope) or "data" (analysis API,
 * CloudShark's), or prints the API's own error message and maps the HTTP
 * status to an exit code.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcapctl.h"

/* Longest wait for an analysis that answers 202 (seconds). */
#define API_RETRY_MAX_S 600

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pcapctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_print_json(const json_t *value)
{
    json_dumpf(value, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
    fputc('\n', stdout);
}

/* The exit code of an HTTP error status. */
static int exit_code_of(long status)
{
    switch (status) {
    case 401:
    case 403:
        return PCAPCTL_EXIT_AUTH;
    case 404:
        return PCAPCTL_EXIT_NOT_FOUND;
    case 409:
    case 429:
    case 503:
        return PCAPCTL_EXIT_BUSY;
    default:
        return PCAPCTL_EXIT_API;
    }
}

/* Parses an answer's body as JSON; NULL if it is not JSON. */
static json_t *answer_json(const struct http_answer *a)
{
    if (a->body == NULL || strncmp(a->content_type, "application/json", 16) != 0)
        return NULL;
    return json_loadb(a->body, a->len, 0, NULL);
}

/* Prints the API's message of an error answer and returns its exit code:
 * the first of the v4 envelope's errors, or CloudShark's exceptions. */
static int report_error(const char *path, const struct http_answer *a)
{
    json_t *body = answer_json(a);
    json_t *v4 = json_array_get(json_object_get(body, "errors"), 0);
    const char *text = json_string_value(json_object_get(v4, "message"));
    const char *exception =
        json_string_value(json_array_get(json_object_get(body, "exceptions"), 0));
    bool known = text != NULL || exception != NULL;
    if (text != NULL)
        cli_error("%s (HTTP %ld, code %lld)", text, a->status,
                  (long long)json_integer_value(json_object_get(v4, "code")));
    else if (exception != NULL)
        cli_error("%s (HTTP %ld)", exception, a->status);
    json_decref(body);
    if (known)
        return exit_code_of(a->status);
    cli_error("%s: HTTP %ld with no API error in the answer%s%.200s", path, a->status,
              a->len ? ": " : "", a->body ? a->body : "");
    return a->status >= 400 && a->status < 600 ? exit_code_of(a->status) : PCAPCTL_EXIT_TRANSPORT;
}

/* Takes the "result" or "data" of a successful JSON answer.  Returns 0, or
 * an exit code after saying the answer is not the API's. */
static int take_result(const char *path, const struct http_answer *a, json_t **result)
{
    json_t *body = answer_json(a);
    json_t *value = json_object_get(body, "result");
    if (value == NULL)
        value = json_object_get(body, "data");
    if (value == NULL) {
        json_decref(body);
        cli_error("%s: the answer is not the API's (%s)", path,
                  a->content_type[0] ? a->content_type : "no Content-Type");
        return PCAPCTL_EXIT_TRANSPORT;
    }
    *result = json_incref(value);
    json_decref(body);
    return 0;
}

int api_send(struct cli_ctx *ctx, const char *method, const char *path,
             const struct http_body *body, FILE *sink, json_t **result)
{
    char err[512];
    struct http_answer a;
    time_t deadline = time(NULL) + API_RETRY_MAX_S;
    for (;;) {
        int rc =
            http_request(ctx->http, method, path, body, result ? NULL : sink, &a, err, sizeof(err));
        if (rc != 0) {
            cli_error("%s", err);
            return rc == -2 ? PCAPCTL_EXIT_FILE : PCAPCTL_EXIT_TRANSPORT;
        }
        /* 202: the analysis runs; GETs are retried as the answer asks. */
        if (a.status != 202 || strcmp(method, "GET") != 0 || time(NULL) >= deadline)
            break;
        http_answer_free(&a);
        sleep(a.retry_after > 0 ? (unsigned)a.retry_after : 1);
    }
    int rc = a.status >= 200 && a.status < 300 ? 0 : report_error(path, &a);
    if (rc == 0 && a.status == 202)
        rc = report_error(path, &a);
    if (rc == 0 && result != NULL)
        rc = take_result(path, &a, result);
    http_answer_free(&a);
    return rc;
}

int api_call(struct cli_ctx *ctx, const char *method, const char *path, json_t *body,
             json_t **result)
{
    struct http_body req = {.content_type = "application/json"};
    char *text = NULL;
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        if (text == NULL) {
            cli_error("out of memory");
            return PCAPCTL_EXIT_API;
        }
        req.data = text;
        req.len = strlen(text);
    }
    int rc = api_send(ctx, method, path, text ? &req : NULL, NULL, result);
    free(text);
    return rc;
}

int api_open(struct cli_ctx *ctx, struct cli_settings *s, int need)
{
    char err[512];
    ctx->settings = s;
    ctx->http = NULL;
    if (settings_resolve(s, (enum settings_need)need, err, sizeof(err)) != 0) {
        cli_error("%s", err);
        return PCAPCTL_EXIT_USAGE;
    }
    ctx->http = http_client_open(s, err, sizeof(err));
    if (ctx->http == NULL) {
        cli_error("%s", err);
        return PCAPCTL_EXIT_TRANSPORT;
    }
    return 0;
}

void api_close(struct cli_ctx *ctx)
{
    http_client_close(ctx->http);
    ctx->http = NULL;
}

int api_finish(struct cli_ctx *ctx, int rc)
{
    api_close(ctx);
    return rc < 0 ? PCAPCTL_EXIT_OK : rc;
}

int api_pcaps_path(struct cli_ctx *ctx, char *buf, size_t size, const char *id, const char *suffix)
{
    char *account = http_escape(ctx->http, ctx->settings->account);
    char *escaped = id != NULL ? http_escape(ctx->http, id) : NULL;
    int rc = 0;
    if (account == NULL || (id != NULL && escaped == NULL)) {
        cli_error("out of memory");
        rc = PCAPCTL_EXIT_API;
    } else if ((size_t)snprintf(buf, size, "/client/v4/accounts/%s/pcaps%s%s%s", account,
                                id ? "/" : "", id ? escaped : "", suffix) >= size) {
        cli_error("the capture id or account is too long");
        rc = PCAPCTL_EXIT_USAGE;
    }
    free(account);
    free(escaped);
    return rc;
}
