/* pcap-analyze: the command-line face of the analysis engine.  It prints
 * the same {"data": {...}} JSON the API answers, offline:
 *
 *   pcap-analyze status FILE
 *   pcap-analyze hierarchy FILE
 *   pcap-analyze endpoints FILE --protocol eth|ip|ipv6|tcp|udp
 *   pcap-analyze conversations FILE --protocol eth|ip|ipv6|tcp|udp
 *   pcap-analyze all FILE            (the complete results, as cached)
 *   pcap-analyze frames FILE         (one line per frame: its protocol chain, for debugging)
 *   pcap-analyze fields --list      (the value fields it knows)
 *   pcap-analyze fields --describe  (protocols and fields as tshark -G fields prints them)
 *   pcap-analyze fields --markdown  (the list docs/ANALYSIS.md carries)
 *   pcap-analyze fields [-Y FILTER] -e FIELD [-e FIELD ...] FILE
 *       (tab-separated lines, several occurrences joined by ',', exactly as
 *        tshark -n -2 -T fields -E occurrence=a prints them)
 *   pcap-analyze packets FILE --fields a,b [--filter EXPR] [--offset N] [--limit N]
 *   pcap-analyze dns-lookups FILE
 *   pcap-analyze tls-hosts FILE
 *   pcap-analyze follow|expert|io|http-requests FILE ...  (cli_views.c)
 */
#include "analysis.h"
#include "cli_views.h"
#include "dissect.h"
#include "packet_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints how to call the tool and returns the usage exit status. */
static int usage(void)
{
    fprintf(stderr, "usage: pcap-analyze status|hierarchy|all|frames FILE [--pretty]\n"
                    "       pcap-analyze endpoints|conversations FILE --protocol "
                    "eth|ip|ipv6|tcp|udp [--pretty]\n"
                    "       pcap-analyze fields [-Y FILTER] -e FIELD [-e FIELD ...] FILE\n"
                    "       pcap-analyze packets FILE --fields a,b [--filter EXPR] "
                    "[--offset N] [--limit N]\n"
                    "       pcap-analyze dns-lookups|tls-hosts FILE [--pretty]\n");
    return 2;
}

/* Prints each frame's protocol chain, colon-separated, one frame per line. */
static int print_frames(const char *path)
{
    struct capture_reader *rd;
    struct capture_frame f;
    struct frame_dissection fd;
    struct dissector d;
    char err[256];
    int rc;

    if (capture_reader_open(path, &rd, err, sizeof(err)) < 0) {
        fprintf(stderr, "pcap-analyze: %s\n", err);
        return 1;
    }
    dissector_init(&d);
    while ((rc = capture_reader_next(rd, &f, err, sizeof(err))) == 1) {
        dissector_run(&d, &f, &fd);
        for (unsigned i = 0; i < fd.n_chain; i++)
            printf("%s%s", i ? ":" : "", proto_name(fd.chain[i]));
        printf("\n");
    }
    dissector_free(&d);
    capture_reader_close(rd);
    if (rc < 0) {
        fprintf(stderr, "pcap-analyze: %s\n", err);
        return 1;
    }
    return 0;
}

/* The columns of the fields command. */
struct fields_columns {
    int ids[REGISTRY_MAX_FIELDS]; /* Field of each column (every field may be asked). */
    size_t n;                     /* Number of columns. */
    FILE *out;                    /* Where lines go. */
};

/* Prints one frame as a tab-separated line (a packet_pass_cb). */
static int print_field_line(void *arg, const struct frame_fields *ff)
{
    const struct fields_columns *cols = arg;
    char buf[4096];
    for (size_t c = 0; c < cols->n; c++) {
        bool first = true;
        if (c > 0)
            fputc('\t', cols->out);
        for (uint32_t i = 0; i < ff->n; i++) {
            if (ff->vals[i].id != cols->ids[c])
                continue;
            size_t len;
            char *text = field_text(ff, &ff->vals[i], buf, sizeof(buf), &len);
            if (!text)
                return -1;
            if (!first)
                fputc(',', cols->out);
            fwrite(text, 1, len, cols->out);
            if (text != buf)
                free(text);
            first = false;
        }
    }
    fputc('\n', cols->out);
    return 0;
}

/* Prints the registry as `tshark -G fields` does: for each protocol a line
 * "P\tlabel\tname", for each field "F\tlabel\tname\ttype\tprotocol\tbase\tmask". */
static void print_registry(void)
{
    for (int id = 1; id < registry_field_count(); id++) {
        const struct field_def *d = field_def(id);
        if (d->type == FT_PROTOCOL)
            printf("P\t%s\t%s\n", d->label, d->name);
        else
            printf("F\t%s\t%s\t%s\t%s\t%s\t0x%llx\n", d->label, d->name, ftype_name(d->type),
                   field_def(d->proto)->name, field_base_name(d->base),
                   (unsigned long long)d->bitmask);
    }
}

/* Prints the list of protocols and fields docs/ANALYSIS.md carries (the
 * test analysis-registry checks that the document holds exactly this). */
static void print_registry_markdown(void)
{
    int n_protos = 0, n_fields = 0;
    for (int id = 1; id < registry_field_count(); id++) {
        if (field_def(id)->type == FT_PROTOCOL)
            n_protos++;
        else
            n_fields++;
    }
    printf("%d protocols and %d fields, in registration order (`pcap-analyze fields "
           "--markdown`).\n\nProtocols: ",
           n_protos, n_fields);
    for (int id = 1, first = 1; id < registry_field_count(); id++)
        if (field_def(id)->type == FT_PROTOCOL) {
            printf("%s`%s`", first ? "" : ", ", field_def(id)->name);
            first = 0;
        }
    printf(".\n\n| field | type | description |\n|---|---|---|\n");
    for (int id = 1; id < registry_field_count(); id++) {
        const struct field_def *d = field_def(id);
        if (d->type != FT_PROTOCOL)
            printf("| `%s` | %s | %s |\n", d->name, ftype_name(d->type), d->label);
    }
}

/* Runs the fields command: argv holds [-Y FILTER] -e FIELD ... FILE. */
static int print_fields(int argc, char **argv)
{
    struct fields_columns cols = {.n = 0, .out = stdout};
    const char *file = NULL, *expr = NULL;
    char err[256];
    size_t pos;

    if (argc == 1 && strcmp(argv[0], "--list") == 0) {
        for (int id = 1; id < registry_field_count(); id++)
            if (field_def(id)->type != FT_PROTOCOL)
                printf("%s\n", field_def(id)->name);
        return 0;
    }
    if (argc == 1 && strcmp(argv[0], "--describe") == 0) {
        print_registry();
        return 0;
    }
    if (argc == 1 && strcmp(argv[0], "--markdown") == 0) {
        print_registry_markdown();
        return 0;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-Y") == 0 && i + 1 < argc) {
            expr = argv[++i];
        } else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc && cols.n < REGISTRY_MAX_FIELDS) {
            if (packet_fields_parse_list(argv[++i], &cols.ids[cols.n], 1, err, sizeof(err), &pos) <
                0) {
                fprintf(stderr, "pcap-analyze: -e %s: %s\n", argv[i], err);
                return 2;
            }
            cols.n++;
        } else if (!file && argv[i][0] != '-') {
            file = argv[i];
        } else {
            return usage();
        }
    }
    if (!file || cols.n == 0)
        return usage();
    struct display_filter *df = NULL;
    if (expr && !(df = display_filter_compile(expr, err, sizeof(err), &pos))) {
        fprintf(stderr, "pcap-analyze: -Y: %s\n  %s\n  %*s^\n", err, expr, (int)pos, "");
        return 2;
    }
    struct frame_fields *ff = calloc(1, sizeof(*ff));
    if (!ff)
        return 1;
    frame_fields_init(ff);
    for (size_t c = 0; c < cols.n; c++)
        frame_fields_want(ff, cols.ids[c]);
    struct packet_source src = {.path = file};
    int rc = packet_pass_run(&src, ff, df, print_field_line, &cols, err, sizeof(err));
    frame_fields_free(ff);
    free(ff);
    display_filter_free(df);
    if (rc != PQ_OK) {
        fprintf(stderr, "pcap-analyze: %s: %s\n", file, err);
        return 1;
    }
    return 0;
}

/* Runs the packets, dns-lookups and tls-hosts commands and prints {"data": ...}. */
static int print_packet_query(const char *cmd, const char *file, const char *fields,
                              const char *filter, uint64_t offset, uint64_t limit, bool pretty)
{
    struct packet_source src = {.path = file};
    const char *param = "";
    char err[256];
    size_t pos = 0;
    json_t *data;
    int rc;

    if (strcmp(cmd, "packets") == 0)
        rc = packet_fields_json(&src, fields ? fields : "", filter, offset, limit, &data, &param,
                                &pos, err, sizeof(err));
    else if (strcmp(cmd, "dns-lookups") == 0)
        rc = dns_lookups_json(&src, &data, err, sizeof(err));
    else
        rc = tls_hosts_json(&src, &data, err, sizeof(err));
    if (rc != PQ_OK) {
        fprintf(stderr, "pcap-analyze: %s%s%s\n", rc == PQ_BAD_QUERY ? param : file, ": ", err);
        return rc == PQ_BAD_QUERY ? 2 : 1;
    }
    return cli_print_data(data, pretty);
}

/* Builds the data object a command asks for; returns NULL after printing an error. */
static json_t *command_data(const char *cmd, const struct analysis_result *r, const char *proto)
{
    if (strcmp(cmd, "status") == 0)
        return analysis_status_json(r);
    if (strcmp(cmd, "hierarchy") == 0)
        return analysis_hierarchy_json(r);
    if (strcmp(cmd, "all") == 0)
        return analysis_results_json(r);
    int t = analysis_table_from_name(proto);
    if (t < 0) {
        fprintf(stderr, "pcap-analyze: --protocol must be one of eth, ip, ipv6, tcp, udp\n");
        return NULL;
    }
    if (strcmp(cmd, "endpoints") == 0)
        return analysis_endpoints_json(r, (enum analysis_table)t);
    return analysis_conversations_json(r, (enum analysis_table)t);
}

/* Returns true for the commands the tool knows. */
static bool known_command(const char *cmd)
{
    static const char *const cmds[] = {"status", "hierarchy", "endpoints",   "conversations", "all",
                                       "frames", "packets",   "dns-lookups", "tls-hosts"};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(cmd, cmds[i]) == 0)
            return true;
    return false;
}

/* Parses the command line, runs the analysis and prints {"data": ...}. */
int main(int argc, char **argv)
{
    const char *cmd, *file = NULL, *proto = NULL, *fields = NULL, *filter = NULL;
    unsigned long long offset = 0, limit = 1000;
    bool pretty = false;
    char err[256];
    struct analysis_result *r;

    if (argc >= 2 && strcmp(argv[1], "fields") == 0)
        return print_fields(argc - 2, argv + 2);
    int view_rc = cli_views_main(argc, argv);
    if (view_rc >= 0)
        return view_rc;
    if (argc < 3 || !known_command(argv[1]))
        return usage();
    cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--protocol") == 0 && i + 1 < argc)
            proto = argv[++i];
        else if (strcmp(argv[i], "--fields") == 0 && i + 1 < argc)
            fields = argv[++i];
        else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc)
            filter = argv[++i];
        else if (strcmp(argv[i], "--offset") == 0 && i + 1 < argc)
            offset = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
            limit = strtoull(argv[++i], NULL, 10);
        else if (strncmp(argv[i], "--protocol=", 11) == 0)
            proto = argv[i] + 11;
        else if (strcmp(argv[i], "--pretty") == 0)
            pretty = true;
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else
            return usage();
    }
    if (!file)
        return usage();
    if (strcmp(cmd, "frames") == 0)
        return print_frames(file);
    if (strcmp(cmd, "packets") == 0 || strcmp(cmd, "dns-lookups") == 0 ||
        strcmp(cmd, "tls-hosts") == 0)
        return print_packet_query(cmd, file, fields, filter, offset, limit, pretty);
    if (analysis_run_file(file, &r, err, sizeof(err)) < 0) {
        fprintf(stderr, "pcap-analyze: %s: %s\n", file, err);
        return 1;
    }
    json_t *data = command_data(cmd, r, proto);
    analysis_result_free(r);
    if (!data)
        return 2;
    return cli_print_data(data, pretty);
}
