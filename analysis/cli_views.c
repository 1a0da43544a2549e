/* pcap-analyze's view commands (views.h), printing the {"data": ...} the
 * API answers (and the printer every command of the tool uses):
 *
 *   pcap-analyze follow FILE --stream N [--proto tcp|udp] [--offset N] [--limit N]
 *   pcap-analyze expert FILE
 *   pcap-analyze io FILE --interval SECONDS [--filter EXPR]... [--offset N] [--limit N]
 *   pcap-analyze http-requests FILE [--offset N] [--limit N]
 */
#include "cli_views.h"

#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints {"data": data} for every command: serialised in memory and
 * written at once, as json_dumpf() makes one stdio call per token (21M of
 * the 811M instructions of `pcap-analyze all` on the 200 MB benchmark
 * capture went to those calls). */
int cli_print_data(json_t *data, bool pretty)
{
    json_t *doc = json_pack("{s:o}", "data", data);
    char *text = doc ? json_dumps(doc, pretty ? JSON_INDENT(2) : JSON_COMPACT) : NULL;
    int rc = text && fputs(text, stdout) != EOF && putchar('\n') != EOF ? 0 : 1;
    if (rc)
        fprintf(stderr, "pcap-analyze: cannot write the results\n");
    free(text);
    json_decref(doc);
    return rc;
}

/* The command line of a view command. */
struct view_args {
    const char *file;                             /* The capture. */
    const char *proto;                            /* follow: tcp or udp. */
    const char *interval;                         /* io: the interval. */
    const char *filters[VIEW_IO_MAX_FILTERS + 1]; /* io: the filters. */
    size_t n_filters;                             /* Their number. */
    uint64_t stream, offset, limit;               /* follow's stream, and the page. */
    bool pretty;                                  /* Indent the JSON. */
};

/* Parses argv (after the command); returns 0 or -1. */
static int parse_args(int argc, char **argv, struct view_args *a)
{
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--pretty") == 0)
            a->pretty = true;
        else if (argv[i][0] != '-' && a->file == NULL)
            a->file = argv[i];
        else if (v == NULL)
            return -1;
        else if (strcmp(argv[i], "--proto") == 0)
            a->proto = argv[++i];
        else if (strcmp(argv[i], "--interval") == 0)
            a->interval = argv[++i];
        else if (strcmp(argv[i], "--filter") == 0 && a->n_filters <= VIEW_IO_MAX_FILTERS)
            a->filters[a->n_filters++] = argv[++i];
        else if (strcmp(argv[i], "--stream") == 0)
            a->stream = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--offset") == 0)
            a->offset = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--limit") == 0)
            a->limit = strtoull(argv[++i], NULL, 10);
        else
            return -1;
    }
    return a->file != NULL ? 0 : -1;
}

/* Runs one view command into *data; returns a packet_query_status. */
static int run_view(const char *cmd, struct view_args *a, json_t **data, char *err, size_t errlen)
{
    struct packet_source src = {.path = a->file};
    size_t bad, pos;
    uint64_t us = 0;
    if (strcmp(cmd, "follow") == 0) {
        bool udp = a->proto != NULL && strcmp(a->proto, "udp") == 0;
        if (a->proto != NULL && !udp && strcmp(a->proto, "tcp") != 0) {
            snprintf(err, errlen, "--proto: must be tcp or udp");
            return PQ_BAD_QUERY;
        }
        return view_follow_json(&src, udp, a->stream, a->offset, a->limit, data, err, errlen);
    }
    if (strcmp(cmd, "expert") == 0)
        return view_expert_json(&src, data, err, errlen);
    if (strcmp(cmd, "http-requests") == 0)
        return view_http_json(&src, a->offset, a->limit, data, err, errlen);
    if (a->interval == NULL || view_io_parse_interval(a->interval, &us) != 0) {
        snprintf(err, errlen, "--interval: seconds, from 0 to 86400, at most 6 decimals");
        return PQ_BAD_QUERY;
    }
    int rc = view_io_json(&src, us, a->filters, a->n_filters, a->offset, a->limit, data, &bad, &pos,
                          err, errlen);
    if (rc == PQ_BAD_QUERY) {
        fprintf(stderr, "pcap-analyze: --filter %s: at offset %zu\n",
                bad < a->n_filters ? a->filters[bad] : "", pos);
    }
    return rc;
}

int cli_views_main(int argc, char **argv)
{
    static const char *const cmds[] = {"follow", "expert", "io", "http-requests"};
    bool known = false;
    for (size_t i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
        known = known || strcmp(argv[1], cmds[i]) == 0;
    if (!known)
        return -1;
    struct view_args a = {.limit = 1000};
    char err[512];
    json_t *data = NULL;
    if (parse_args(argc - 2, argv + 2, &a) != 0) {
        fprintf(stderr, "usage: pcap-analyze follow FILE --stream N [--proto tcp|udp]\n"
                        "       pcap-analyze expert|http-requests FILE\n"
                        "       pcap-analyze io FILE --interval SECONDS [--filter EXPR]...\n"
                        "       (follow, io and http-requests take --offset N --limit N)\n");
        return 2;
    }
    int rc = run_view(argv[1], &a, &data, err, sizeof(err));
    if (rc != PQ_OK) {
        fprintf(stderr, "pcap-analyze: %s: %s\n", rc == PQ_BAD_QUERY ? argv[1] : a.file, err);
        return rc == PQ_BAD_QUERY ? 2 : 1;
    }
    return cli_print_data(data, a.pretty);
}
