/*
 * The jobs API's commands: capture (create, and optionally wait and
 * download), list, show, wait, stop, download.  Tables by default, the
 * API's JSON with --json; a new capture's id alone on stdout, so that
 * `id=$(pcapctl capture ...)` works.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "create_request.h"
#include "pcapctl.h"
#include "table.h"
#include "wait.h"

/* Own options of the jobs commands. */
enum {
    OPT_PAGE = ARGS_OPT_COMMAND,
    OPT_PER_PAGE,
    OPT_NO_PROGRESS,
};

/* Options of every jobs command, filled by parsing. */
struct jobs_options {
    const struct cli_command *cmd;
    /* capture: the request body being built. */
    json_t *body;
    bool wait;
    bool progress;
    const char *output;
    /* wait: print the capture once it has ended. */
    bool show_ended;
    /* list: the page. */
    uint64_t page, per_page;
};

/* Handles the jobs commands' own options. */
static int jobs_option(int opt, const char *arg, void *state)
{
    struct jobs_options *o = state;
    switch (opt) {
    case 'w':
        o->wait = true;
        return 0;
    case 'o':
        o->output = arg;
        return 0;
    case OPT_NO_PROGRESS:
        o->progress = false;
        return 0;
    case OPT_PAGE:
        return args_uint("--page", arg, 1, 1000000, &o->page);
    case OPT_PER_PAGE:
        return args_uint("--per-page", arg, 1, 1000, &o->per_page);
    default:
        return o->body != NULL ? create_request_option(o->body, opt, arg) : 1;
    }
}

/* Parses a jobs command's arguments and opens the API; *id is its one
 * operand when `want_id`.  Returns 0, -1 after --help, or an exit code. */
static int jobs_start(int argc, char **argv, const struct option *options, const char *shortopts,
                      struct jobs_options *o, bool want_id, const char **id, struct cli_ctx *ctx,
                      struct cli_settings *s)
{
    int first;
    int rc = args_parse(argc, argv, o->cmd, options, shortopts, jobs_option, o, s, &first);
    if (rc != 0)
        return rc;
    if (want_id && argc - first != 1)
        return args_usage_error(o->cmd, "expected one capture id");
    if (!want_id && argc - first != 0)
        return args_usage_error(o->cmd, "unexpected argument '%s'", argv[first]);
    if (want_id)
        *id = argv[first];
    return api_open(ctx, s, SETTINGS_NEED_ACCOUNT);
}

/* The fields of a capture in the order `show` prints them. */
static const char *const capture_fields[] = {
    "id",
    "status",
    "type",
    "system",
    "submitted",
    "time_limit",
    "packet_limit",
    "packets_captured",
    "packets_remaining",
    "packets_dropped",
    "byte_limit",
    "colo_name",
    "destination_conf",
    "filter_v1",
    "stop_requested",
    "error_message",
};

/* Writes the text of field `key` of capture `c` to `buf`. */
static void field_text(const json_t *c, const char *key, char *buf, size_t size)
{
    json_t *v = json_object_get(c, key);
    if (strcmp(key, "filter_v1") == 0) {
        create_request_describe_filter(v, buf, size);
    } else if (json_is_string(v)) {
        snprintf(buf, size, "%s", json_string_value(v));
    } else {
        char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(buf, size, "%s", text ? text : "");
        free(text);
    }
}

/* Tells whether `key` is one of capture_fields. */
static bool is_known_field(const char *key)
{
    for (size_t i = 0; i < sizeof(capture_fields) / sizeof(capture_fields[0]); i++) {
        if (strcmp(key, capture_fields[i]) == 0)
            return true;
    }
    return false;
}

/* Prints capture `c` as `field: value` lines (or its JSON). */
static void print_capture(const struct cli_settings *s, const json_t *c)
{
    char text[1200], key[64];
    const char *k;
    json_t *v;
    struct table t;
    if (s->json) {
        cli_print_json(c);
        return;
    }
    table_init(&t, ",");
    for (size_t i = 0; i < sizeof(capture_fields) / sizeof(capture_fields[0]); i++) {
        if (json_object_get(c, capture_fields[i]) == NULL)
            continue;
        field_text(c, capture_fields[i], text, sizeof(text));
        table_add(&t, "%s:", capture_fields[i]);
        table_add(&t, "%s", text);
    }
    json_object_foreach((json_t *)c, k, v)
    {
        if (is_known_field(k))
            continue;
        snprintf(key, sizeof(key), "%s", k);
        field_text(c, key, text, sizeof(text));
        table_add(&t, "%s:", key);
        table_add(&t, "%s", text);
    }
    table_print(&t, stdout, 0);
    table_free(&t);
}

/* Writes the file of capture `id` to `output` ("-": stdout) through
 * OUTPUT.part, so a failed download leaves no half file. */
static int download_to(struct cli_ctx *ctx, const char *id, const char *output)
{
    char path[600], part[4200];
    int rc = api_pcaps_path(ctx, path, sizeof(path), id, "/download");
    if (rc != 0)
        return rc;
    if (strcmp(output, "-") == 0) {
        if (isatty(STDOUT_FILENO)) {
            cli_error("will not write a pcap to a terminal; redirect stdout or give -o FILE");
            return PCAPCTL_EXIT_USAGE;
        }
        rc = api_send(ctx, "GET", path, NULL, stdout, NULL);
        return rc == 0 && fflush(stdout) != 0 ? PCAPCTL_EXIT_FILE : rc;
    }
    snprintf(part, sizeof(part), "%s.part", output);
    FILE *f = fopen(part, "wb");
    if (f == NULL) {
        cli_error("%s: %s", part, strerror(errno));
        return PCAPCTL_EXIT_FILE;
    }
    rc = api_send(ctx, "GET", path, NULL, f, NULL);
    long size = ftell(f);
    if (fclose(f) != 0 && rc == 0) {
        cli_error("%s: %s", part, strerror(errno));
        rc = PCAPCTL_EXIT_FILE;
    }
    if (rc == 0 && rename(part, output) != 0) {
        cli_error("%s: %s", output, strerror(errno));
        rc = PCAPCTL_EXIT_FILE;
    }
    if (rc != 0)
        unlink(part);
    else if (isatty(STDERR_FILENO))
        fprintf(stderr, "pcapctl: wrote %ld bytes to %s\n", size, output);
    return rc;
}

/* Says how a capture ended: PCAPCTL_EXIT_CAPTURE_FAILED for `failed`. */
static int ended_status(const json_t *c)
{
    const char *status = json_string_value(json_object_get(c, "status"));
    if (status != NULL && strcmp(status, "failed") == 0) {
        const char *why = json_string_value(json_object_get(c, "error_message"));
        cli_error("capture %s failed: %s", json_string_value(json_object_get(c, "id")),
                  why ? why : "no reason given");
        return PCAPCTL_EXIT_CAPTURE_FAILED;
    }
    return 0;
}

/* Waits for capture `id`, then downloads it when `output` is given. */
static int wait_and_fetch(struct cli_ctx *ctx, const struct jobs_options *o, const char *id)
{
    json_t *c = NULL;
    int rc = wait_capture(ctx, id, o->progress && isatty(STDERR_FILENO), &c);
    if (rc != 0)
        return rc;
    if (ctx->settings->json || o->show_ended)
        print_capture(ctx->settings, c);
    int ended = ended_status(c);
    json_decref(c);
    if (o->output != NULL)
        rc = download_to(ctx, id, o->output);
    return rc != 0 ? rc : ended;
}

/* pcapctl capture: creates a capture; --wait follows it, --output fetches it. */
static int run_capture(int argc, char **argv, struct cli_settings *s)
{
    static const struct option own[] = {
        {"wait", no_argument, NULL, 'w'},
        {"output", required_argument, NULL, 'o'},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    };
    struct option options[40];
    size_t n = sizeof(own) / sizeof(own[0]), m = 0;
    memcpy(options, own, sizeof(own));
    while (create_request_options[m].name != NULL)
        m++;
    memcpy(options + n, create_request_options, (m + 1) * sizeof(options[0]));
    struct jobs_options o = {.cmd = &capture_command, .body = json_object(), .progress = true};
    struct cli_ctx ctx = {0};
    char path[600];
    json_t *c = NULL;
    int rc = jobs_start(argc, argv, options, "wo:", &o, false, NULL, &ctx, s);
    if (rc == 0 && (rc = api_pcaps_path(&ctx, path, sizeof(path), NULL, "")) == 0) {
        create_request_finish(o.body);
        rc = api_call(&ctx, "POST", path, json_incref(o.body), &c);
    }
    if (rc == 0) {
        const char *id = json_string_value(json_object_get(c, "id"));
        if (!s->json) {
            printf("%s\n", id);
            fflush(stdout);
        } else if (!o.wait && o.output == NULL) {
            cli_print_json(c);
        }
        if (o.wait || o.output != NULL)
            rc = wait_and_fetch(&ctx, &o, id);
    }
    json_decref(c);
    json_decref(o.body);
    return api_finish(&ctx, rc);
}

const struct cli_command capture_command = {
    "capture", run_capture, "create a capture (and wait for it, and download it)",
    "usage: pcapctl capture --time-limit DURATION [--packet-limit N] [FILTER...] [-w] [-o FILE]\n"
    "Creates a capture and prints its id.\n"
    "  -w, --wait               wait until it ends, with a progress bar on a terminal\n"
    "                           (Ctrl-C stops the capture, a second Ctrl-C leaves it running)\n"
    "  -o, --output FILE        wait, then download the pcap to FILE (- for stdout)\n"
    "  --no-progress            wait without the progress bar\n" CREATE_REQUEST_HELP};

/* pcapctl list: the account's captures, newest first. */
static int run_list(int argc, char **argv, struct cli_settings *s)
{
    static const struct option options[] = {
        {"page", required_argument, NULL, OPT_PAGE},
        {"per-page", required_argument, NULL, OPT_PER_PAGE},
        {NULL, 0, NULL, 0},
    };
    struct jobs_options o = {.cmd = &list_command, .page = 1, .per_page = 50};
    struct cli_ctx ctx = {0};
    char path[600], suffix[64], filter[300], packets[64];
    json_t *list = NULL, *c;
    size_t i;
    int rc = jobs_start(argc, argv, options, "", &o, false, NULL, &ctx, s);
    snprintf(suffix, sizeof(suffix), "?page=%llu&per_page=%llu", (unsigned long long)o.page,
             (unsigned long long)o.per_page);
    if (rc == 0 && (rc = api_pcaps_path(&ctx, path, sizeof(path), NULL, suffix)) == 0)
        rc = api_call(&ctx, "GET", path, NULL, &list);
    if (rc == 0 && s->json)
        cli_print_json(list);
    if (rc == 0 && !s->json) {
        struct table t;
        table_init(&t, "ID,STATUS,TYPE,SUBMITTED,>TIME,>PACKETS,>DROPPED,FILTER");
        json_array_foreach(list, i, c)
        {
            long long limit = json_integer_value(json_object_get(c, "packet_limit"));
            long long got = json_integer_value(json_object_get(c, "packets_captured"));
            if (limit > 0)
                snprintf(packets, sizeof(packets), "%lld/%lld", got, limit);
            else
                snprintf(packets, sizeof(packets), "%lld", got);
            create_request_describe_filter(json_object_get(c, "filter_v1"), filter, sizeof(filter));
            table_add(&t, "%s", json_string_value(json_object_get(c, "id")));
            table_add(&t, "%s", json_string_value(json_object_get(c, "status")));
            table_add(&t, "%s", json_string_value(json_object_get(c, "type")));
            table_add(&t, "%s", json_string_value(json_object_get(c, "submitted")));
            table_add(&t, "%llds", (long long)json_integer_value(json_object_get(c, "time_limit")));
            table_add(&t, "%s", packets);
            table_add(&t, "%lld",
                      (long long)json_integer_value(json_object_get(c, "packets_dropped")));
            table_add(&t, "%s", filter);
        }
        table_print(&t, stdout, 0);
        table_free(&t);
    }
    json_decref(list);
    return api_finish(&ctx, rc);
}

const struct cli_command list_command = {
    "list", run_list, "list the account's captures, newest first",
    "usage: pcapctl list [--page N] [--per-page N] [--json]\n"
    "Lists the account's captures, newest first, as a table.\n"
    "  --page N                 page to show, from 1 (default 1)\n"
    "  --per-page N             captures per page, 1-1000 (default 50)\n"};

/* Runs `method` on capture ID's `suffix` and prints the capture: show, stop. */
static int run_on_capture(int argc, char **argv, struct cli_settings *s,
                          const struct cli_command *cmd, const char *method, const char *suffix)
{
    struct jobs_options o = {.cmd = cmd};
    struct cli_ctx ctx = {0};
    const char *id = NULL;
    char path[600];
    json_t *c = NULL;
    int rc = jobs_start(argc, argv, NULL, "", &o, true, &id, &ctx, s);
    if (rc == 0 && (rc = api_pcaps_path(&ctx, path, sizeof(path), id, suffix)) == 0)
        rc = api_call(&ctx, method, path, NULL, &c);
    if (rc == 0)
        print_capture(s, c);
    json_decref(c);
    return api_finish(&ctx, rc);
}

/* pcapctl show ID. */
static int run_show(int argc, char **argv, struct cli_settings *s)
{
    return run_on_capture(argc, argv, s, &show_command, "GET", "");
}

const struct cli_command show_command = {"show", run_show, "show one capture",
                                         "usage: pcapctl show ID [--json]\n"
                                         "Shows a capture's fields, one per line.\n"};

/* pcapctl stop ID. */
static int run_stop(int argc, char **argv, struct cli_settings *s)
{
    return run_on_capture(argc, argv, s, &stop_command, "PUT", "/stop");
}

const struct cli_command stop_command = {
    "stop", run_stop, "stop a running capture now",
    "usage: pcapctl stop ID [--json]\n"
    "Ends a running capture now, with what it has (status success, stop_requested\n"
    "true); stopping an ended capture is harmless.  Prints the capture.\n"};

/* pcapctl wait ID: waits for an existing capture. */
static int run_wait(int argc, char **argv, struct cli_settings *s)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {NULL, 0, NULL, 0},
    };
    struct jobs_options o = {
        .cmd = &wait_command, .wait = true, .progress = true, .show_ended = true};
    struct cli_ctx ctx = {0};
    const char *id = NULL;
    int rc = jobs_start(argc, argv, options, "o:", &o, true, &id, &ctx, s);
    if (rc == 0)
        rc = wait_and_fetch(&ctx, &o, id);
    return api_finish(&ctx, rc);
}

const struct cli_command wait_command = {
    "wait", run_wait, "wait until a capture ends (progress bar on a terminal)",
    "usage: pcapctl wait ID [-o FILE] [--no-progress] [--json]\n"
    "Waits until the capture ends, with a progress bar on a terminal, and prints it\n"
    "as show does; exits 7 if it failed.  Ctrl-C stops the capture, a second Ctrl-C leaves it "
    "running.\n"
    "  -o, --output FILE        then download the pcap to FILE (- for stdout)\n"
    "  --no-progress            no progress bar\n"};

/* pcapctl download ID [-o FILE]. */
static int run_download(int argc, char **argv, struct cli_settings *s)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    struct jobs_options o = {.cmd = &download_command};
    struct cli_ctx ctx = {0};
    const char *id = NULL;
    char name[300];
    int rc = jobs_start(argc, argv, options, "o:", &o, true, &id, &ctx, s);
    if (rc == 0) {
        snprintf(name, sizeof(name), "%s.pcap", id);
        rc = download_to(&ctx, id, o.output ? o.output : name);
    }
    return api_finish(&ctx, rc);
}

const struct cli_command download_command = {
    "download", run_download, "download an ended capture's pcap",
    "usage: pcapctl download ID [-o FILE]\n"
    "Downloads the capture's pcap to FILE (default ID.pcap; - for stdout).  The file\n"
    "appears only once complete.\n"
    "  -o, --output FILE        where to write it\n"};
