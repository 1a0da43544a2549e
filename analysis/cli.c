/* pcap-analyze: the command-line face of the analysis engine.  It prints
 * the same {"data": {...}} JSON the API answers, offline:
 *
 *   pcap-analyze status FILE
 *   pcap-analyze hierarchy FILE
 *   pcap-analyze endpoints FILE --protocol eth|ip|ipv6|tcp|udp
 *   pcap-analyze conversations FILE --protocol eth|ip|ipv6|tcp|udp
 *   pcap-analyze all FILE            (the complete results, as cached)
 *   pcap-analyze frames FILE         (one line per frame: its protocol chain, for debugging)
 */
#include "analysis.h"
#include "dissect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints how to call the tool and returns the usage exit status. */
static int usage(void)
{
    fprintf(stderr, "usage: pcap-analyze status|hierarchy|all|frames FILE [--pretty]\n"
                    "       pcap-analyze endpoints|conversations FILE --protocol "
                    "eth|ip|ipv6|tcp|udp [--pretty]\n");
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
            printf("%s%s", i ? ":" : "", proto_name((enum proto_id)fd.chain[i]));
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
    static const char *const cmds[] = {"status",        "hierarchy", "endpoints",
                                       "conversations", "all",       "frames"};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(cmd, cmds[i]) == 0)
            return true;
    return false;
}

/* Parses the command line, runs the analysis and prints {"data": ...}. */
int main(int argc, char **argv)
{
    const char *cmd, *file = NULL, *proto = NULL;
    bool pretty = false;
    char err[256];
    struct analysis_result *r;

    if (argc < 3 || !known_command(argv[1]))
        return usage();
    cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--protocol") == 0 && i + 1 < argc)
            proto = argv[++i];
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
    if (analysis_run_file(file, &r, err, sizeof(err)) < 0) {
        fprintf(stderr, "pcap-analyze: %s: %s\n", file, err);
        return 1;
    }
    json_t *data = command_data(cmd, r, proto);
    analysis_result_free(r);
    if (!data)
        return 2;
    json_t *doc = json_pack("{s:o}", "data", data);
    json_dumpf(doc, stdout, pretty ? JSON_INDENT(2) : JSON_COMPACT);
    printf("\n");
    json_decref(doc);
    return 0;
}
