/*
 * The analysis API's commands: analyze (summary, protocol hierarchy as an
 * indented tree, top talkers and conversations, DNS lookups, TLS and QUIC
 * server names), fields (per-packet fields printed as `tshark -T fields`
 * prints them), and upload.  They work on a job's capture once it has
 * ended and on uploads alike.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "pcapctl.h"
#include "table.h"

/* Frames asked for per packets/fields request. */
#define FIELDS_PAGE 10000

/* Own options of the analysis commands. */
enum {
    OPT_TOP = ARGS_OPT_COMMAND,
    OPT_LIMIT,
    OPT_OFFSET,
};

/* Options of the analysis commands, filled by parsing. */
struct analysis_options {
    /* analyze: rows of the talkers and conversations tables, and of the
     * DNS and TLS tables (0: all). */
    uint64_t top, limit;
    /* fields: the filter, the fields (comma-joined), the frames to skip
     * and the most to print (0: all). */
    const char *filter;
    char fields[2048];
    uint64_t offset, max_frames;
    /* fields: tshark's -E settings. */
    const char *separator, *aggregator;
    char quote;
    bool header;
};

/* Applies one of tshark's -E settings (header, separator, aggregator,
 * quote). */
static int fields_setting(struct analysis_options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    const char *v = eq ? eq + 1 : "";
    size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
    if (klen == 6 && strncmp(arg, "header", 6) == 0 && (strcmp(v, "y") == 0 || strcmp(v, "n") == 0))
        o->header = v[0] == 'y';
    else if (klen == 9 && strncmp(arg, "separator", 9) == 0 && v[0] != '\0')
        o->separator = strcmp(v, "/t") == 0 ? "\t" : strcmp(v, "/s") == 0 ? " " : v;
    else if (klen == 10 && strncmp(arg, "aggregator", 10) == 0 && v[0] != '\0')
        o->aggregator = strcmp(v, "/s") == 0 ? " " : v;
    else if (klen == 5 && strncmp(arg, "quote", 5) == 0 && strchr("dsn", v[0]) && v[0] && !v[1])
        o->quote = v[0] == 'd' ? '"' : v[0] == 's' ? '\'' : 0;
    else
        return args_usage_error(&fields_command,
                                "-E %s: expected header=y|n, separator=C, aggregator=C or "
                                "quote=d|s|n",
                                arg);
    return 0;
}

/* Appends field `name` to the comma-joined list. */
static int add_field(struct analysis_options *o, const char *name)
{
    size_t used = strlen(o->fields);
    if (used + strlen(name) + 2 > sizeof(o->fields))
        return args_usage_error(&fields_command, "too many fields");
    snprintf(o->fields + used, sizeof(o->fields) - used, "%s%s", used ? "," : "", name);
    return 0;
}

/* Handles the analysis commands' own options. */
static int analysis_option(int opt, const char *arg, void *state)
{
    struct analysis_options *o = state;
    switch (opt) {
    case OPT_TOP:
        return args_uint("--top", arg, 1, 1000000, &o->top);
    case OPT_LIMIT:
        return args_uint("--limit", arg, 0, 1ull << 53, &o->limit);
    case OPT_OFFSET:
        return args_uint("--offset", arg, 0, 1ull << 53, &o->offset);
    case 'c':
        return args_uint("-c", arg, 1, 1ull << 53, &o->max_frames);
    case 'Y':
        o->filter = arg;
        return 0;
    case 'e':
        return add_field(o, arg);
    case 'E':
        return fields_setting(o, arg);
    default:
        return 1;
    }
}

/* GETs view `view` (with its query) of capture `id` of the analysis API. */
static int get_view(struct cli_ctx *ctx, const char *id, const char *view, json_t **data)
{
    char path[8192];
    char *escaped = http_escape(ctx->http, id);
    if (escaped == NULL) {
        cli_error("out of memory");
        return PCAPCTL_EXIT_API;
    }
    int n = snprintf(path, sizeof(path), "/api/v2/analysis/%s/%s", escaped, view);
    free(escaped);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        cli_error("the query is longer than %zu bytes", sizeof(path) - 1);
        return PCAPCTL_EXIT_USAGE;
    }
    return api_call(ctx, "GET", path, NULL, data);
}

/* The views `analyze` reads: API path and key of the --json object. */
static const char *const analyze_views[][2] = {
    {"status", "status"},
    {"stats/hierarchy", "hierarchy"},
    {"stats/endpoints?protocol=ip", "endpoints_ip"},
    {"stats/endpoints?protocol=ipv6", "endpoints_ipv6"},
    {"stats/conversations?protocol=ip", "conversations_ip"},
    {"stats/conversations?protocol=ipv6", "conversations_ipv6"},
    {"dns/lookups", "dns_lookups"},
    {"tls/hosts", "tls_hosts"},
};

/* Number of analyze_views. */
#define N_VIEWS (sizeof(analyze_views) / sizeof(analyze_views[0]))

/* Adds the rows of protocol list `protos` at `depth` to the tree table. */
static void add_protocols(struct table *t, const json_t *protos, int depth)
{
    size_t i;
    json_t *p;
    json_array_foreach(protos, i, p)
    {
        table_add(t, "%*s%s", depth * 2, "", json_string_value(json_object_get(p, "proto")));
        table_add(t, "%lld", (long long)json_integer_value(json_object_get(p, "frames")));
        table_add(t, "%lld", (long long)json_integer_value(json_object_get(p, "bytes")));
        add_protocols(t, json_object_get(p, "protos"), depth + 1);
    }
}

/* Integer member `key` of `o`. */
static long long int_of(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* Orders JSON objects by their "sort" bytes, largest first. */
static int by_bytes_desc(const void *a, const void *b)
{
    long long x = int_of(*(json_t *const *)a, "sort"), y = int_of(*(json_t *const *)b, "sort");
    return (x < y) - (x > y);
}

/* Fills `out` (room for every item) with the items of `lists[0..n)`'s
 * member `key`, each given a "sort" member (the sum of members `a` and
 * `b`), largest first.  Returns how many. */
static size_t merge_sorted(json_t *const *lists, size_t n, const char *key, const char *a,
                           const char *b, json_t **out)
{
    size_t count = 0, i;
    json_t *item;
    for (size_t l = 0; l < n; l++) {
        json_array_foreach(json_object_get(lists[l], key), i, item)
        {
            json_object_set_new(item, "sort", json_integer(int_of(item, a) + int_of(item, b)));
            out[count++] = item;
        }
    }
    qsort(out, count, sizeof(*out), by_bytes_desc);
    return count;
}

/* Prints a section's title, and "(none)" for an empty table. */
static void print_section(const char *title, struct table *t)
{
    printf("\n%s\n", title);
    if (table_rows(t) == 0)
        printf("  (none)\n");
    else
        table_print(t, stdout, 2);
    table_free(t);
}

/* Adds a row of the top talkers table. */
static void talker_row(struct table *t, const json_t *h)
{
    table_add(t, "%s", json_string_value(json_object_get(h, "host")));
    table_add(t, "%lld", int_of(h, "txf") + int_of(h, "rxf"));
    table_add(t, "%lld", int_of(h, "sort"));
    table_add(t, "%lld", int_of(h, "txf"));
    table_add(t, "%lld", int_of(h, "txb"));
    table_add(t, "%lld", int_of(h, "rxf"));
    table_add(t, "%lld", int_of(h, "rxb"));
}

/* Adds a row of the top conversations table. */
static void conversation_row(struct table *t, const json_t *c)
{
    table_add(t, "%s", json_string_value(json_object_get(c, "saddr")));
    table_add(t, "%s", json_string_value(json_object_get(c, "daddr")));
    table_add(t, "%lld", int_of(c, "totalf"));
    table_add(t, "%lld", int_of(c, "totalb"));
    table_add(t, "%lld", int_of(c, "txb"));
    table_add(t, "%lld", int_of(c, "rxb"));
    table_add(t, "%.6f", json_number_value(json_object_get(c, "duration")));
}

/* A table of the largest items of the IPv4 and IPv6 answers together. */
struct top_table {
    /* The section's title and the table's columns. */
    const char *title, *columns;
    /* The member of the answers that lists the items ("hosts", "convs"). */
    const char *key;
    /* Adds an item's row. */
    void (*add_row)(struct table *t, const json_t *item);
};

/* Prints the `top` largest items (by bytes both ways) of `ipv4` and
 * `ipv6` as `spec` says. */
static void print_top(const struct top_table *spec, json_t *ipv4, json_t *ipv6, uint64_t top)
{
    json_t *lists[2] = {ipv4, ipv6};
    size_t total = json_array_size(json_object_get(ipv4, spec->key)) +
                   json_array_size(json_object_get(ipv6, spec->key));
    json_t **items = calloc(total + 1, sizeof(*items));
    size_t n = merge_sorted(lists, 2, spec->key, "txb", "rxb", items);
    struct table t;
    table_init(&t, spec->columns);
    for (size_t i = 0; i < n && i < top; i++)
        spec->add_row(&t, items[i]);
    free(items);
    print_section(spec->title, &t);
}

/* Writes integer member `key` of `o` to `buf`, or "-" when it is null. */
static const char *int_or_dash(const json_t *o, const char *key, char *buf, size_t size)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        return "-";
    snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    return buf;
}

/* Says how many rows --limit left out. */
static void print_more(size_t shown, size_t total)
{
    if (shown < total)
        printf("  ... and %zu more (--limit 0 shows all)\n", total - shown);
}

/* Adds the DNS lookups to `t`; returns how many there are. */
static size_t dns_rows(struct table *t, const json_t *lookups, uint64_t limit)
{
    size_t i, total = json_array_size(lookups);
    json_t *l, *a;
    char frame[24], answers[1024];
    json_array_foreach(lookups, i, l)
    {
        if (limit != 0 && i >= limit)
            break;
        size_t used = 0, k;
        answers[0] = '\0';
        json_array_foreach(json_object_get(l, "answers"), k, a)
        {
            if (used < sizeof(answers))
                used += (size_t)snprintf(answers + used, sizeof(answers) - used, "%s%s",
                                         k ? ", " : "", json_string_value(a));
        }
        json_t *time = json_object_get(l, "response_time");
        const char *rcode = json_string_value(json_object_get(l, "rcode"));
        table_add(t, "%s", int_or_dash(l, "frame", frame, sizeof(frame)));
        table_add(t, "%s", json_string_value(json_object_get(l, "client")));
        table_add(t, "%s", json_string_value(json_object_get(l, "server")));
        table_add(t, "%s", json_string_value(json_object_get(l, "full_query")));
        table_add(t, "%s", json_string_value(json_object_get(l, "query_type")));
        table_add(t, "%s", rcode ? rcode : "-");
        if (json_is_number(time))
            table_add(t, "%.6f", json_number_value(time));
        else
            table_add(t, "-");
        table_add(t, "%s", answers);
    }
    return total;
}

/* Prints the DNS lookups, at most `limit` (0: all). */
static void print_dns(const json_t *data, uint64_t limit)
{
    struct table t;
    table_init(&t, ">FRAME,CLIENT,SERVER,QUERY,TYPE,RCODE,>TIME,ANSWERS");
    size_t total = dns_rows(&t, json_object_get(data, "lookups"), limit);
    size_t shown = table_rows(&t);
    print_section("DNS lookups", &t);
    print_more(shown, total);
}

/* Prints the TLS and QUIC server names, at most `limit` (0: all). */
static void print_tls(const json_t *data, uint64_t limit)
{
    struct table t;
    size_t i;
    json_t *h, *hosts = json_object_get(data, "hosts");
    table_init(&t, "SERVER NAME,PROTOCOL,CLIENT,SERVER,>PORT,>FIRST FRAME,>HANDSHAKES");
    json_array_foreach(hosts, i, h)
    {
        if (limit != 0 && i >= limit)
            break;
        table_add(&t, "%s", json_string_value(json_object_get(h, "server_name")));
        table_add(&t, "%s", json_string_value(json_object_get(h, "protocol")));
        table_add(&t, "%s", json_string_value(json_object_get(h, "client")));
        table_add(&t, "%s", json_string_value(json_object_get(h, "server")));
        table_add(&t, "%lld", int_of(h, "port"));
        table_add(&t, "%lld", int_of(h, "first_frame"));
        table_add(&t, "%lld", int_of(h, "frames"));
    }
    size_t shown = table_rows(&t);
    print_section("TLS and QUIC server names", &t);
    print_more(shown, json_array_size(hosts));
}

/* Prints every section of `analyze` from the views' data. */
static void print_analysis(const char *id, json_t *const *data, const struct analysis_options *o)
{
    const json_t *st = data[0];
    const char *start = json_string_value(json_object_get(st, "start_time"));
    const char *end = json_string_value(json_object_get(st, "end_time"));
    printf("Capture %s: %lld frames, %lld bytes, %.6f s, %s, %s\n", id, int_of(st, "frames"),
           int_of(st, "data_size"), json_number_value(json_object_get(st, "duration")),
           json_string_value(json_object_get(st, "encapsulation")),
           json_string_value(json_object_get(st, "format")));
    if (start != NULL && end != NULL)
        printf("  from %s to %s\n", start, end);
    struct table t;
    table_init(&t, "PROTOCOL,>FRAMES,>BYTES");
    add_protocols(&t, json_object_get(data[1], "protos"), 0);
    print_section("Protocol hierarchy", &t);
    static const struct top_table talkers = {
        "Top talkers (IPv4 and IPv6, by bytes)",
        "HOST,>PACKETS,>BYTES,>TX PACKETS,>TX BYTES,>RX PACKETS,>RX BYTES", "hosts", talker_row};
    static const struct top_table conversations = {
        "Top conversations (IPv4 and IPv6, by bytes)",
        "ADDRESS A,ADDRESS B,>PACKETS,>BYTES,>BYTES A→B,>BYTES B→A,>DURATION", "convs",
        conversation_row};
    print_top(&talkers, data[2], data[3], o->top);
    print_top(&conversations, data[4], data[5], o->top);
    print_dns(data[6], o->limit);
    print_tls(data[7], o->limit);
}

/* Parses an analysis command's arguments and opens the API; *arg is its
 * one operand.  Returns 0, -1 after --help, or an exit code. */
static int analysis_start(int argc, char **argv, const struct cli_command *cmd,
                          const struct option *options, const char *shortopts,
                          struct analysis_options *o, const char **arg, struct cli_ctx *ctx,
                          struct cli_settings *s)
{
    int first;
    int rc = args_parse(argc, argv, cmd, options, shortopts, analysis_option, o, s, &first);
    if (rc != 0)
        return rc;
    if (argc - first != 1)
        return args_usage_error(cmd, "expected one %s",
                                cmd == &upload_command ? "file" : "capture id");
    *arg = argv[first];
    return api_open(ctx, s, SETTINGS_NEED_TOKEN);
}

/* pcapctl analyze ID. */
static int run_analyze(int argc, char **argv, struct cli_settings *s)
{
    static const struct option options[] = {
        {"top", required_argument, NULL, OPT_TOP},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {NULL, 0, NULL, 0},
    };
    struct analysis_options o = {.top = 10, .limit = 50};
    struct cli_ctx ctx = {0};
    json_t *data[N_VIEWS] = {0};
    const char *id = NULL;
    int rc = analysis_start(argc, argv, &analyze_command, options, "", &o, &id, &ctx, s);
    for (size_t i = 0; rc == 0 && i < N_VIEWS; i++)
        rc = get_view(&ctx, id, analyze_views[i][0], &data[i]);
    if (rc == 0 && s->json) {
        json_t *all = json_object();
        for (size_t i = 0; i < N_VIEWS; i++)
            json_object_set(all, analyze_views[i][1], data[i]);
        cli_print_json(all);
        json_decref(all);
    } else if (rc == 0) {
        print_analysis(id, data, &o);
    }
    for (size_t i = 0; i < N_VIEWS; i++)
        json_decref(data[i]);
    return api_finish(&ctx, rc);
}

const struct cli_command analyze_command = {
    "analyze", run_analyze, "summarise a capture or upload: protocols, talkers, DNS, TLS",
    "usage: pcapctl analyze ID [--top N] [--limit N] [--json]\n"
    "Prints what the analysis API computes of a capture (once it has ended) or an\n"
    "upload: a summary, the protocol hierarchy as an indented tree, the top talkers\n"
    "and conversations (IPv4 and IPv6, by bytes), DNS lookups, and the server names\n"
    "of TLS and QUIC handshakes.  --json prints one object of the API's answers.\n"
    "  --top N                  rows of the talkers and conversations (default 10)\n"
    "  --limit N                rows of the DNS and TLS tables (default 50; 0: all)\n"};

/* Prints field value `v` (a string, a list of occurrences, or NULL). */
static void print_value(const json_t *v, const struct analysis_options *o)
{
    size_t i;
    json_t *item;
    if (o->quote && v != NULL)
        putchar(o->quote);
    if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            fputs(i ? o->aggregator : "", stdout);
            fputs(json_string_value(item), stdout);
        }
    } else if (json_is_string(v)) {
        fputs(json_string_value(v), stdout);
    }
    if (o->quote && v != NULL)
        putchar(o->quote);
}

/* Prints one page of frames; returns how many. */
static size_t print_frames(const json_t *packets, const struct analysis_options *o, uint64_t budget)
{
    size_t i, printed = 0;
    json_t *p;
    json_array_foreach(packets, i, p)
    {
        if (budget != 0 && printed == budget)
            break;
        json_t *fields = json_object_get(p, "fields");
        char names[sizeof(o->fields)], *rest = names, *name;
        snprintf(names, sizeof(names), "%s", o->fields);
        for (int k = 0; (name = strsep(&rest, ",")) != NULL; k++) {
            fputs(k ? o->separator : "", stdout);
            print_value(json_object_get(fields, name), o);
        }
        putchar('\n');
        printed++;
    }
    return printed;
}

/* Prints the field names, as the first line of -E header=y. */
static void print_header(const struct analysis_options *o)
{
    char names[sizeof(o->fields)], *rest = names, *name;
    snprintf(names, sizeof(names), "%s", o->fields);
    for (int k = 0; (name = strsep(&rest, ",")) != NULL; k++) {
        fputs(k ? o->separator : "", stdout);
        fputs(name, stdout);
    }
    putchar('\n');
}

/* Pages through the frames the filter passes and prints their fields. */
static int fetch_fields(struct cli_ctx *ctx, const char *id, struct analysis_options *o)
{
    char *fields = http_escape(ctx->http, o->fields);
    char *filter = http_escape(ctx->http, o->filter ? o->filter : "");
    char view[8192];
    uint64_t offset = o->offset, printed = 0;
    int rc = fields && filter ? 0 : PCAPCTL_EXIT_API;
    if (rc == 0 && o->header)
        print_header(o);
    while (rc == 0) {
        json_t *data = NULL;
        snprintf(view, sizeof(view), "packets/fields?fields=%s&filter=%s&limit=%d&offset=%llu",
                 fields, filter, FIELDS_PAGE, (unsigned long long)offset);
        if ((rc = get_view(ctx, id, view, &data)) != 0)
            break;
        json_t *packets = json_object_get(data, "packets");
        size_t n = print_frames(packets, o, o->max_frames ? o->max_frames - printed : 0);
        printed += n;
        offset += json_array_size(packets);
        bool more = json_is_true(json_object_get(data, "more"));
        json_decref(data);
        if (!more || (o->max_frames != 0 && printed >= o->max_frames))
            break;
    }
    free(fields);
    free(filter);
    return rc;
}

/* pcapctl fields ID -Y FILTER -e FIELD... */
static int run_fields(int argc, char **argv, struct cli_settings *s)
{
    static const struct option options[] = {
        {"filter", required_argument, NULL, 'Y'},
        {"field", required_argument, NULL, 'e'},
        {"offset", required_argument, NULL, OPT_OFFSET},
        {NULL, 0, NULL, 0},
    };
    struct analysis_options o = {.separator = "\t", .aggregator = ","};
    struct cli_ctx ctx = {0};
    const char *id = NULL;
    int rc = analysis_start(argc, argv, &fields_command, options, "Y:e:E:c:", &o, &id, &ctx, s);
    if (rc == 0 && o.fields[0] == '\0')
        rc = args_usage_error(&fields_command, "give at least one -e FIELD");
    if (rc == 0)
        rc = fetch_fields(&ctx, id, &o);
    return api_finish(&ctx, rc);
}

const struct cli_command fields_command = {
    "fields", run_fields, "print per-packet fields, as tshark -T fields does",
    "usage: pcapctl fields ID [-Y FILTER] -e FIELD [-e FIELD...] [-E SETTING] [-c N]\n"
    "Prints the fields of the frames a Wireshark display filter passes, one frame a\n"
    "line, as `tshark -n -2 -T fields -E occurrence=a` prints them: values separated\n"
    "by a tab, the occurrences of a field joined by commas, an absent field empty.\n"
    "  -Y, --filter FILTER      Wireshark display filter (the API reports its errors)\n"
    "  -e, --field FIELD        a field to print (repeatable): frame.number, ip.src,\n"
    "                           tcp.stream, dns.qry.name, tls.handshake.extensions_server_name...\n"
    "  -E header=y|n            print the field names first (default n)\n"
    "  -E separator=C           between fields (default tab; /t tab, /s space)\n"
    "  -E aggregator=C          between occurrences (default ,)\n"
    "  -E quote=d|s|n           quote values with \" or ' (default n)\n"
    "  -c N                     print at most N frames\n"
    "  --offset N               skip the first N matching frames\n"};

/* pcapctl upload FILE. */
static int run_upload(int argc, char **argv, struct cli_settings *s)
{
    struct analysis_options o = {0};
    struct cli_ctx ctx = {0};
    const char *file = NULL;
    json_t *data = NULL;
    int rc = analysis_start(argc, argv, &upload_command, NULL, "", &o, &file, &ctx, s);
    if (rc == 0) {
        FILE *f = fopen(file, "rb");
        if (f == NULL) {
            cli_error("%s: %s", file, strerror(errno));
            rc = PCAPCTL_EXIT_FILE;
        } else {
            fclose(f);
        }
    }
    if (rc == 0) {
        struct http_body body = {.form_file = file};
        rc = api_send(&ctx, "POST", "/api/v2/upload", &body, NULL, &data);
    }
    if (rc == 0 && s->json)
        cli_print_json(data);
    else if (rc == 0)
        printf("%s\n", json_string_value(json_object_get(data, "id")));
    json_decref(data);
    return api_finish(&ctx, rc);
}

const struct cli_command upload_command = {
    "upload", run_upload, "upload a pcap or pcapng file for analysis",
    "usage: pcapctl upload FILE [--json]\n"
    "Uploads a pcap or pcapng capture to the analysis API and prints its id, for\n"
    "`pcapctl analyze ID` and `pcapctl fields ID`.\n"};
