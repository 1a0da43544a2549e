/*
 * `pcapd token create|list|revoke`: token administration from the command
 * line.  It reads the same configuration as the daemon (-c FILE, -s
 * KEY=VALUE) to find the state directory, and works on pcapd.db there
 * while the daemon runs (SQLite WAL).  A new token is printed once, alone
 * on standard output, so scripts can capture it; only its salted hash is
 * stored.
 */
#include "token_cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "fleet.h"
#include "fleet_pg.h"
#include "token_store.h"

/* The options of a token command. */
struct token_args {
    /* The daemon's configuration. */
    struct config cfg;
    /* The --account option, or NULL when not given. */
    const char *account;
    /* The --permission option, or NULL when not given. */
    const char *permission;
    /* The --email option, or NULL when not given. */
    const char *email;
    /* The positional argument (the id of `revoke`), or NULL. */
    const char *operand;
};

/* Prints usage to `out`. */
static void token_usage(FILE *out)
{
    fprintf(out,
            "usage: pcapd token create --account ID --permission read|write [--email ADDRESS]\n"
            "                          [-c CONFIG_FILE] [-s KEY=VALUE]...\n"
            "       pcapd token list [--account ID] [-c CONFIG_FILE] [-s KEY=VALUE]...\n"
            "       pcapd token revoke TOKEN_ID [-c CONFIG_FILE] [-s KEY=VALUE]...\n"
            "Tokens live in STATE_DIR/pcapd.db of the configuration; `create` prints the\n"
            "new token once on standard output.  --email makes it usable as the legacy\n"
            "X-Auth-Key with X-Auth-Email as well.\n");
}

/* Applies a `-s KEY=VALUE` option.  Returns 0 or -1 (message printed). */
static int apply_set(struct config *cfg, char *arg)
{
    char err[512];
    char *eq = strchr(arg, '=');
    if (eq == NULL) {
        fprintf(stderr, "pcapd token: --set %s: expected KEY=VALUE\n", arg);
        return -1;
    }
    *eq = '\0';
    if (config_set(cfg, arg, eq + 1, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd token: --set: %s\n", err);
        return -1;
    }
    return 0;
}

/* Parses the options after the subcommand (`argv[0]`).  Returns 0, 1 when
 * help was asked for (and printed), or 2 on a usage error (message
 * printed). */
static int parse_args(int argc, char **argv, struct token_args *a)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"set", required_argument, NULL, 's'},
                                         {"account", required_argument, NULL, 'a'},
                                         {"permission", required_argument, NULL, 'p'},
                                         {"email", required_argument, NULL, 'e'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char err[1024];
    int opt;
    memset(a, 0, sizeof(*a));
    config_defaults(&a->cfg);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:s:h", opts, NULL)) != -1) {
        if (opt == 'c' && config_load(&a->cfg, optarg, err, sizeof(err)) != 0) {
            fprintf(stderr, "pcapd token: %s\n", err);
            return 2;
        } else if (opt == 's' && apply_set(&a->cfg, optarg) != 0) {
            return 2;
        } else if (opt == 'a' || opt == 'p' || opt == 'e') {
            const char **dst = opt == 'a' ? &a->account : opt == 'p' ? &a->permission : &a->email;
            *dst = optarg;
        } else if (opt == 'h' || opt == '?') {
            token_usage(opt == 'h' ? stdout : stderr);
            return opt == 'h' ? 1 : 2;
        }
    }
    if (optind < argc)
        a->operand = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "pcapd token: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return 0;
}

/* Opens the token store of the configuration's state directory, creating
 * the directory if needed.  Returns NULL on error (message printed). */
static struct token_store *open_tokens(const struct config *cfg)
{
    char path[600], err[1024];
    struct token_store *ts = NULL;
    /* The database holds token hashes: private to pcapd's user, as the
     * daemon makes it. */
    umask(077);
    if (mkdir(cfg->state_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "pcapd token: state_dir %s: %s\n", cfg->state_dir, strerror(errno));
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/pcapd.db", cfg->state_dir);
    /* The command line may wait for the daemon's store thread a while. */
    if (token_store_open(path, 5000, &ts, err, sizeof(err)) != 0) {
        fprintf(stderr, "pcapd token: %s\n", err);
        return NULL;
    }
    return ts;
}

/* Tells whether `s` is 32 lowercase hex digits, an account id. */
static int valid_account(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        if (!isdigit((unsigned char)s[n]) && !(s[n] >= 'a' && s[n] <= 'f'))
            return 0;
    }
    return n == 32;
}

/* Tells whether `s` looks like an e-mail address: printable ASCII without
 * spaces, one '@' with text on both sides, and short enough to store. */
static int valid_email(const char *s)
{
    const char *at = strchr(s, '@');
    size_t n = strlen(s);
    if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
        n >= TOKEN_EMAIL_SIZE)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isgraph((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

/* Milliseconds since the Unix epoch. */
static int64_t cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `token create`: makes, stores and prints a new token. */
static int cmd_create(const struct token_args *a)
{
    int permission = a->permission ? token_permission_parse(a->permission) : -1;
    if (a->account == NULL || !valid_account(a->account) || permission < 0 || a->operand != NULL ||
        (a->email != NULL && !valid_email(a->email))) {
        fprintf(stderr, "pcapd token create: needs --account (32 lowercase hex digits), "
                        "--permission read or write, and optionally --email ADDRESS\n");
        return 2;
    }
    if (a->cfg.n_accounts > 0 && !config_has_account(&a->cfg, a->account)) {
        fprintf(stderr,
                "pcapd token create: account %s is not one of the `account` lines of the "
                "configuration\n",
                a->account);
        return 1;
    }
    struct token_store *ts = open_tokens(&a->cfg);
    if (ts == NULL)
        return 1;
    struct token_record rec;
    char token[AUTH_TOKEN_LEN + 1];
    int rc = 1;
    if (auth_token_create(a->account, (enum token_permission)permission, a->email, cli_now_ms(),
                          &rec, token) != 0)
        fprintf(stderr, "pcapd token create: no randomness or hashing failed\n");
    else if (token_store_insert(ts, &rec) != 0)
        fprintf(stderr, "pcapd token create: cannot store the token\n");
    else {
        printf("%s\n", token);
        fprintf(stderr, "pcapd: token %s: account %s, %s permission%s%s; shown only once\n", rec.id,
                rec.account_id, token_permission_name(rec.permission),
                rec.email[0] ? ", e-mail " : "", rec.email);
        rc = 0;
    }
    token_store_close(ts);
    return rc;
}

/* Prints one token's public fields (list callback). */
static void print_token(const struct token_record *t, void *arg)
{
    char created[32];
    time_t secs = (time_t)(t->created_ms / 1000);
    struct tm tm;
    (void)arg;
    gmtime_r(&secs, &tm);
    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("%s  %s  %-5s  %s  %s\n", t->id, t->account_id, token_permission_name(t->permission),
           created, t->email[0] ? t->email : "-");
}

/* `token list`: prints every token (never the secret). */
static int cmd_list(const struct token_args *a)
{
    if (a->operand != NULL || a->permission != NULL || a->email != NULL) {
        fprintf(stderr, "pcapd token list: takes only --account ID\n");
        return 2;
    }
    struct token_store *ts = open_tokens(&a->cfg);
    if (ts == NULL)
        return 1;
    printf("ID                ACCOUNT                           PERM   CREATED               "
           "EMAIL\n");
    int rc = token_store_list(ts, a->account, print_token, NULL);
    token_store_close(ts);
    return rc == 0 ? 0 : 1;
}

/* `token revoke ID`: deletes the token; the daemon refuses it from the next
 * request on. */
static int cmd_revoke(const struct token_args *a)
{
    if (a->operand == NULL || a->account || a->permission || a->email) {
        fprintf(stderr, "pcapd token revoke: needs exactly one TOKEN_ID (see `pcapd token "
                        "list`)\n");
        return 2;
    }
    char err[512];
    if (a->cfg.store[0] != '\0') {
        /* In a fleet: revoked everywhere, or the next token sync would copy
         * the fleet's row back. */
        fleet_pg_init(a->cfg.store);
        int frc = fleet_revoke_token(a->operand, err, sizeof(err));
        fleet_pg_close();
        if (frc != 0) {
            fprintf(stderr, "pcapd token revoke: the fleet store: %s\n", err);
            return 1;
        }
        fprintf(stderr, "pcapd: token %s revoked in the fleet\n", a->operand);
    }
    struct token_store *ts = open_tokens(&a->cfg);
    if (ts == NULL)
        return 1;
    int rc = token_store_delete(ts, a->operand);
    token_store_close(ts);
    if (rc > 0 && a->cfg.store[0] != '\0')
        return 0; /* made on another appliance: gone from here at the next sync */
    if (rc == 0)
        fprintf(stderr, "pcapd: token %s revoked\n", a->operand);
    else
        fprintf(stderr, "pcapd token revoke: %s\n",
                rc > 0 ? "no such token" : "the token store failed");
    return rc == 0 ? 0 : 1;
}

int token_cli_main(int argc, char **argv)
{
    struct token_args a;
    if (argc < 2) {
        token_usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        token_usage(stdout);
        return 0;
    }
    int rc = parse_args(argc - 1, argv + 1, &a);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (strcmp(cmd, "create") == 0)
        return cmd_create(&a);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(&a);
    if (strcmp(cmd, "revoke") == 0)
        return cmd_revoke(&a);
    fprintf(stderr, "pcapd token: unknown command '%s'\n", cmd);
    token_usage(stderr);
    return 2;
}
