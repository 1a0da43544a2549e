/*
 * What pcapctl's commands share: the exit codes, the context a command
 * runs with, the calls of the API that print its errors, and the commands
 * themselves.  pcapctl speaks only the public HTTP API (docs/API.md).
 */
#ifndef PCAPCTL_H
#define PCAPCTL_H

#include <stdio.h>

#include <jansson.h>

#include "http_client.h"
#include "settings.h"

/* Exit codes (documented in pcapctl(1) and `pcapctl --help`). */
enum pcapctl_exit {
    PCAPCTL_EXIT_OK = 0,
    /* The API refused the request (400, 413, 422, 500...). */
    PCAPCTL_EXIT_API = 1,
    /* A bad command line or configuration. */
    PCAPCTL_EXIT_USAGE = 2,
    /* The server could not be reached, or its answer is not the API's. */
    PCAPCTL_EXIT_TRANSPORT = 3,
    /* Authentication failed or permission denied (401, 403). */
    PCAPCTL_EXIT_AUTH = 4,
    /* No such capture, account or route (404). */
    PCAPCTL_EXIT_NOT_FOUND = 5,
    /* Busy or not ready, retry later (409, 429, 503). */
    PCAPCTL_EXIT_BUSY = 6,
    /* The capture ended as failed. */
    PCAPCTL_EXIT_CAPTURE_FAILED = 7,
    /* A local file could not be read or written. */
    PCAPCTL_EXIT_FILE = 8,
    /* Interrupted (a second Ctrl-C while waiting). */
    PCAPCTL_EXIT_INTERRUPTED = 130,
};

/* What a command runs with. */
struct cli_ctx {
    struct cli_settings *settings;
    struct http_client *http;
};

/* Resolves the settings (`need`: enum settings_need) and opens the HTTP
 * client.  Returns 0, or an exit code after printing why. */
int api_open(struct cli_ctx *ctx, struct cli_settings *s, int need);

/* Closes what api_open() opened. */
void api_close(struct cli_ctx *ctx);

/* Ends a command: closes the API and turns the parsing's -1 (--help was
 * printed) into success.  Returns the command's exit code. */
int api_finish(struct cli_ctx *ctx, int rc);

/* Calls the API and, on success, sets *result to the answer's "result"
 * (jobs API) or "data" (analysis API), a new reference.  `body` (may be
 * NULL; reference stolen) is sent as JSON.  A 202 answer is retried after
 * its Retry-After.  On failure prints the API's message and returns the
 * exit code. */
int api_call(struct cli_ctx *ctx, const char *method, const char *path, json_t *body,
             json_t **result);

/* Sends `method` `path` with `body` (may be NULL) and writes a 2xx answer's
 * body to `sink`; with `result` not NULL the answer is parsed as in
 * api_call() instead.  Prints errors; returns the exit code. */
int api_send(struct cli_ctx *ctx, const char *method, const char *path,
             const struct http_body *body, FILE *sink, json_t **result);

/* Writes the jobs API path of the account's captures to `buf`:
 * /client/v4/accounts/ACCOUNT/pcaps, then /ID (escaped) when `id` is not
 * NULL, then `suffix`.  Returns 0, or an exit code after printing why. */
int api_pcaps_path(struct cli_ctx *ctx, char *buf, size_t size, const char *id, const char *suffix);

/* Prints "pcapctl: MESSAGE" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a JSON value to stdout, indented. */
void cli_print_json(const json_t *value);

/* The commands (jobs_cmds.c, analysis_cmds.c). */
struct cli_command;
extern const struct cli_command capture_command, list_command, show_command, wait_command,
    stop_command, download_command, analyze_command, fields_command, upload_command;

#endif /* PCAPCTL_H */
