/*
 * pcapctl: the command line of a pcapd appliance.  It speaks only the
 * public HTTP API (docs/API.md), so it works against any server of that
 * API.  This file picks the command and prints the overall help; each
 * command lives with its API (jobs_cmds.c, analysis_cmds.c).
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "pcapctl.h"

/* Every command, in the order the help lists them. */
static const struct cli_command *const commands[] = {
    &capture_command,  &list_command,    &show_command,   &wait_command,   &stop_command,
    &download_command, &analyze_command, &fields_command, &upload_command,
};

/* Number of commands. */
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Prints the overall help to `out`. */
static void usage(FILE *out)
{
    fputs("usage: pcapctl [OPTIONS] COMMAND [ARGS...]\n"
          "Drives a pcapd packet-capture appliance over its HTTP API.\n\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fputs("  help CMD   show the help of a command (also: pcapctl CMD --help)\n\n", out);
    args_print_global_help(out);
    fputs("\nExit codes:\n"
          "  0  success\n"
          "  1  the API refused the request (400, 413, 422, 500...); its message is printed\n"
          "  2  bad command line or configuration\n"
          "  3  the server could not be reached, or its answer is not the API's\n"
          "  4  authentication failed or permission denied (401, 403)\n"
          "  5  no such capture, account or route (404)\n"
          "  6  busy or not ready, retry later (409, 429, 503)\n"
          "  7  the capture ended as failed\n"
          "  8  a local file could not be read or written\n"
          "  130  interrupted while waiting\n"
          "See pcapctl(1).\n",
          out);
}

/* The command named `name`, or NULL. */
static const struct cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    }
    return NULL;
}

/* pcapctl help [CMD]. */
static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return PCAPCTL_EXIT_OK;
    }
    const struct cli_command *cmd = find_command(argv[1]);
    if (cmd == NULL)
        return args_usage_error(NULL, "unknown command '%s'", argv[1]);
    printf("%s\n", cmd->usage);
    args_print_global_help(stdout);
    return PCAPCTL_EXIT_OK;
}

int main(int argc, char **argv)
{
    struct cli_settings settings;
    memset(&settings, 0, sizeof(settings));
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("pcapctl %s\n", PCAPCTL_VERSION);
        return PCAPCTL_EXIT_OK;
    }
    int first = args_parse_global(argc, argv, &settings);
    if (first < 0)
        return PCAPCTL_EXIT_USAGE;
    if (first == 0) {
        usage(stdout);
        return PCAPCTL_EXIT_OK;
    }
    if (first >= argc) {
        usage(stderr);
        return PCAPCTL_EXIT_USAGE;
    }
    if (strcmp(argv[first], "help") == 0)
        return help(argc - first, argv + first);
    const struct cli_command *cmd = find_command(argv[first]);
    if (cmd == NULL)
        return args_usage_error(NULL, "unknown command '%s'", argv[first]);
    return cmd->run(argc - first, argv + first, &settings);
}
