/*
 * pcapctl's command lines: the global options every command takes (--url,
 * --token, --account, --config, --cacert, --insecure, --json, --help), a
 * command's own options beside them, and checked number arguments.
 */
#ifndef PCAPCTL_ARGS_H
#define PCAPCTL_ARGS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "settings.h"

/* A command: its name, what runs it, and its help. */
struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv, struct cli_settings *s);
    /* One line for `pcapctl --help`. */
    const char *summary;
    /* The whole of `pcapctl NAME --help`, global options excepted. */
    const char *usage;
};

/* Values of the global options' `val` (beyond any character). */
enum {
    ARGS_OPT_URL = 1000,
    ARGS_OPT_TOKEN,
    ARGS_OPT_ACCOUNT,
    ARGS_OPT_CONFIG,
    ARGS_OPT_CACERT,
    ARGS_OPT_INSECURE,
    ARGS_OPT_JSON,
    /* Commands number their own long-only options from here. */
    ARGS_OPT_COMMAND = 1100,
};

/* Handles one of a command's own options; returns 0, or an exit code
 * after printing why. */
typedef int (*args_option_fn)(int opt, const char *arg, void *state);

/* Parses a command's arguments (argv[0] is its name): its `options` and
 * `shortopts` (passed to `on_option` with `state`), and the global options
 * (into `s`).  Sets *first to the index of the first operand.  Returns 0
 * to go on, -1 when --help was printed (the command then exits 0), or an
 * exit code after printing why. */
int args_parse(int argc, char **argv, const struct cli_command *cmd, const struct option *options,
               const char *shortopts, args_option_fn on_option, void *state, struct cli_settings *s,
               int *first);

/* Parses the global options before the command name (argv[0] is
 * "pcapctl").  Returns the index of the command name, or -1 with a message
 * printed for a bad option. */
int args_parse_global(int argc, char **argv, struct cli_settings *s);

/* Applies global option `opt` with `arg` to `s`.  Returns 0, 1 if `opt` is
 * not a global option, or an exit code after printing why. */
int args_global_option(int opt, const char *arg, struct cli_settings *s);

/* Prints the help of the global options to `out`. */
void args_print_global_help(FILE *out);

/* Parses `text`, the value of option `name`, as an integer in [min, max]
 * into *out.  Returns 0, or PCAPCTL_EXIT_USAGE after printing the rule. */
int args_uint(const char *name, const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Prints "pcapctl CMD: MESSAGE; see pcapctl CMD --help" and returns
 * PCAPCTL_EXIT_USAGE. */
int args_usage_error(const struct cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* PCAPCTL_ARGS_H */
