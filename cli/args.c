/*
 * pcapctl's command lines: getopt_long over a command's own options merged
 * with the global ones, errors worded by us (getopt's own are off), and
 * checked integers.
 */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapctl.h"

/* Most options a command may have of its own. */
#define ARGS_MAX_OPTIONS 40

/* The global options. */
static const struct option global_options[] = {
    {"url", required_argument, NULL, ARGS_OPT_URL},
    {"token", required_argument, NULL, ARGS_OPT_TOKEN},
    {"account", required_argument, NULL, ARGS_OPT_ACCOUNT},
    {"config", required_argument, NULL, ARGS_OPT_CONFIG},
    {"cacert", required_argument, NULL, ARGS_OPT_CACERT},
    {"insecure", no_argument, NULL, ARGS_OPT_INSECURE},
    {"json", no_argument, NULL, ARGS_OPT_JSON},
    {"help", no_argument, NULL, 'h'},
};

void args_print_global_help(FILE *out)
{
    fputs("Options of every command (flags win over PCAPD_URL, PCAPD_TOKEN, PCAPD_ACCOUNT,\n"
          "PCAPD_CACERT, which win over the configuration file):\n"
          "  --url URL        the API's address (default " SETTINGS_DEFAULT_URL ")\n"
          "  --token TOKEN    API token, made with `pcapd token create`\n"
          "  --account ID     account id of the jobs API (32 hex digits)\n"
          "  --config FILE    configuration file (default $PCAPCTL_CONFIG, else\n"
          "                   ~/.config/pcapctl/config): `key = value` lines of url, token,\n"
          "                   account, cacert, insecure\n"
          "  --cacert FILE    CA certificate to verify an https:// server with\n"
          "  --insecure       do not verify the https:// server's certificate\n"
          "  --json           print the API's JSON instead of tables\n"
          "  -h, --help       show this help\n",
          out);
}

int args_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (cmd != NULL)
        fprintf(stderr, "pcapctl %s: %s; see pcapctl %s --help\n", cmd->name, message, cmd->name);
    else
        fprintf(stderr, "pcapctl: %s; see pcapctl --help\n", message);
    return PCAPCTL_EXIT_USAGE;
}

/* Copies a global option's value into a setting, or says it is too long. */
static int set_text(char *dst, size_t size, const char *name, const char *arg)
{
    if (settings_copy(dst, size, arg) == 0)
        return 0;
    return args_usage_error(NULL, "--%s: longer than %zu bytes", name, size - 1);
}

int args_global_option(int opt, const char *arg, struct cli_settings *s)
{
    switch (opt) {
    case ARGS_OPT_URL:
        return set_text(s->url, sizeof(s->url), "url", arg);
    case ARGS_OPT_TOKEN:
        return set_text(s->token, sizeof(s->token), "token", arg);
    case ARGS_OPT_ACCOUNT:
        return set_text(s->account, sizeof(s->account), "account", arg);
    case ARGS_OPT_CONFIG:
        return set_text(s->config_path, sizeof(s->config_path), "config", arg);
    case ARGS_OPT_CACERT:
        return set_text(s->cacert, sizeof(s->cacert), "cacert", arg);
    case ARGS_OPT_INSECURE:
        s->insecure = true;
        return 0;
    case ARGS_OPT_JSON:
        s->json = true;
        return 0;
    default:
        return 1;
    }
}

/* Says what was wrong with the option getopt stopped at. */
static int bad_option(const struct cli_command *cmd, char **argv, int opt)
{
    const char *word = argv[optind - 1];
    if (opt == ':')
        return args_usage_error(cmd, "%s needs a value", word);
    if (optopt != 0 && strncmp(word, "--", 2) != 0)
        return args_usage_error(cmd, "unknown option -%c", optopt);
    return args_usage_error(cmd, "unknown option %s", word);
}

int args_parse_global(int argc, char **argv, struct cli_settings *s)
{
    int opt;
    opterr = 0;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "+:h", global_options, NULL)) != -1) {
        if (opt == 'h')
            return 0; /* `pcapctl --help`: no command. */
        if (opt == '?' || opt == ':')
            return bad_option(NULL, argv, opt), -1;
        if (args_global_option(opt, optarg, s) != 0)
            return -1;
    }
    return optind;
}

int args_parse(int argc, char **argv, const struct cli_command *cmd, const struct option *options,
               const char *shortopts, args_option_fn on_option, void *state, struct cli_settings *s,
               int *first)
{
    struct option all[ARGS_MAX_OPTIONS + sizeof(global_options) / sizeof(global_options[0]) + 1];
    char short_all[64];
    size_t n = 0;
    for (; options != NULL && options[n].name != NULL && n < ARGS_MAX_OPTIONS; n++)
        all[n] = options[n];
    memcpy(all + n, global_options, sizeof(global_options));
    n += sizeof(global_options) / sizeof(global_options[0]);
    memset(&all[n], 0, sizeof(all[n]));
    snprintf(short_all, sizeof(short_all), ":h%s", shortopts ? shortopts : "");
    opterr = 0;
    optind = 0;
    int opt, rc;
    while ((opt = getopt_long(argc, argv, short_all, all, NULL)) != -1) {
        if (opt == 'h') {
            fprintf(stdout, "%s\n", cmd->usage);
            args_print_global_help(stdout);
            return -1;
        }
        if (opt == '?' || opt == ':')
            return bad_option(cmd, argv, opt);
        rc = args_global_option(opt, optarg, s);
        if (rc == 1)
            rc = on_option != NULL ? on_option(opt, optarg, state) : 1;
        if (rc != 0)
            return rc;
    }
    *first = optind;
    return 0;
}

int args_uint(const char *name, const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (!isdigit((unsigned char)text[0]) || *end != '\0' || errno != 0 || v < min || v > max) {
        fprintf(stderr, "pcapctl: %s: '%s' is not an integer from %llu to %llu\n", name, text,
                (unsigned long long)min, (unsigned long long)max);
        return PCAPCTL_EXIT_USAGE;
    }
    *out = v;
    return 0;
}
