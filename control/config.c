/*
 * Configuration: parsing the `key = value` file, defaults, lcore layout and
 * timestamp source (and their mapping onto the dataplane's configuration),
 * and the EAL command line (hugepages when the host has them, --no-huge
 * otherwise, one --vdev or -a per port).
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapd/dataplane.h"

_Static_assert(CONFIG_MAX_RX_LCORES == PCAPD_MAX_RX_LCORES, "rx lcore limits differ");
_Static_assert(CONFIG_MAX_WRITER_LCORES == PCAPD_MAX_WRITER_LCORES, "writer lcore limits differ");

/* Free hugepage memory below which `hugepages = auto` runs without (MiB). */
#define HUGEPAGES_AUTO_MIN_MB 512

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->listen_host, sizeof(cfg->listen_host), "127.0.0.1");
    cfg->listen_port = 8080;
    snprintf(cfg->state_dir, sizeof(cfg->state_dir), "/var/lib/pcapd");
    snprintf(cfg->site, sizeof(cfg->site), "local");
    if (gethostname(cfg->appliance_name, sizeof(cfg->appliance_name)) != 0 ||
        cfg->appliance_name[0] == '\0')
        snprintf(cfg->appliance_name, sizeof(cfg->appliance_name), "pcapd");
    cfg->appliance_name[sizeof(cfg->appliance_name) - 1] = '\0';
    cfg->sample_rate = 100;
    cfg->hugepages = CONFIG_HUGEPAGES_AUTO;
    cfg->memory_mb = 1024;
    cfg->n_mbufs = 16383;
    cfg->rx_desc = 1024;
    cfg->ring_size = 16384;
    cfg->max_jobs = 1024;
    cfg->write_buffer_size = 65536;
    cfg->max_body_size = 65536;
    cfg->max_upload_mb = 64;
    cfg->simple_rate_window = 60;
    cfg->max_captures = 64;
    cfg->disk_reserve_mb = 64;
    cfg->full_snaplen = 65535;
    cfg->store_timeout_ms = 1000;
    cfg->analysis_cache_mb = 1024;
    cfg->auth_failure_limit = 20;
    cfg->auth_failure_window = 60;
    cfg->log_target = LOG_TARGET_STDERR;
    cfg->log_level = LOG_LEVEL_INFO;
    cfg->capture_path = CONFIG_CAPTURE_DPDK;
    cfg->kernel_nflog_group = 0x7c00;
    cfg->kernel_priority = -450;
    cfg->kernel_queue_threshold = 64;
    cfg->kernel_socket_buffer_mb = 64;
    cfg->metrics = CONFIG_METRICS_TOKEN;
    cfg->history_sample_rate = 100;
    cfg->history_max_mb = 1024;
    cfg->history_hours = 24;
    cfg->history_segment_seconds = 60;
    cfg->history_queries = 2;
    config_bucket_defaults(cfg);
}

uint64_t config_history_seconds(const struct config *cfg)
{
    if (cfg->history_seconds != 0)
        return cfg->history_seconds;
    return (uint64_t)cfg->history_hours * 3600;
}

uint64_t config_retention_seconds(const struct config *cfg)
{
    if (cfg->retention_seconds != 0)
        return cfg->retention_seconds;
    return (uint64_t)cfg->retention_days * 86400;
}

/* Returns the index of `value` among `names` (NULL-terminated, in the
 * order of the setting's enum), or -1 if it is none. */
static int parse_choice(const char *value, const char *const names[])
{
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(value, names[i]) == 0)
            return i;
    }
    return -1;
}

/* Parses `value` as an unsigned integer in [min, max]. */
static int parse_uint(const char *value, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    if (!isdigit((unsigned char)value[0]))
        return -1;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Copies `value` into `dst` of `size` bytes; fails if it does not fit. */
static int copy_str(char *dst, size_t size, const char *value)
{
    if (strlen(value) >= size)
        return -1;
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

/* Sets `store`: empty or a file path (SQLite in the state directory, as
 * before), or a PostgreSQL connection string (a postgresql:// or
 * postgres:// URI, or libpq's key=value pairs, which hold an '='). */
static int set_store(struct config *cfg, const char *value)
{
    bool pg = strncmp(value, "postgresql://", 13) == 0 || strncmp(value, "postgres://", 11) == 0 ||
              strchr(value, '=') != NULL;
    if (value[0] != '\0' && !pg && strcmp(value, "sqlite") != 0)
        return -1;
    return copy_str(cfg->store, sizeof(cfg->store), pg ? value : "");
}

/* Sets `appliance_name`: 1 to 63 letters, digits, '.', '-' or '_'. */
static int set_appliance_name(struct config *cfg, const char *value)
{
    size_t n = strlen(value);
    if (n == 0 || n >= sizeof(cfg->appliance_name) ||
        strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != n)
        return -1;
    return copy_str(cfg->appliance_name, sizeof(cfg->appliance_name), value);
}

/* Tells whether `s` is 32 lowercase hexadecimal digits, like Cloudflare's
 * account ids. */
static bool is_account_id(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return false;
    }
    return n == 32;
}

/* Parses "host:port" into the listen settings. */
static int set_listen(struct config *cfg, const char *value)
{
    const char *colon = strrchr(value, ':');
    unsigned long port;
    if (colon == NULL || colon == value || (size_t)(colon - value) >= sizeof(cfg->listen_host) ||
        parse_uint(colon + 1, 0, 65535, &port) != 0)
        return -1;
    memcpy(cfg->listen_host, value, (size_t)(colon - value));
    cfg->listen_host[colon - value] = '\0';
    cfg->listen_port = (uint16_t)port;
    return 0;
}

/* Strips leading and trailing white space in place. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* Parses a comma-separated list of distinct lcore ids from 1 to 127, at
 * most `max` of them, into `ids` and `*n`; on failure they are unchanged. */
static int parse_lcore_list(const char *value, unsigned *ids, unsigned max, unsigned *n)
{
    char buf[128];
    unsigned got[CONFIG_MAX_RX_LCORES], count = 0;
    if (copy_str(buf, sizeof(buf), value) != 0)
        return -1;
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned long v;
        if (count == max || parse_uint(trim(tok), 1, 127, &v) != 0)
            return -1;
        for (unsigned i = 0; i < count; i++) {
            if (got[i] == v)
                return -1;
        }
        got[count++] = (unsigned)v;
    }
    if (count == 0)
        return -1;
    memcpy(ids, got, sizeof(got[0]) * count);
    *n = count;
    return 0;
}

/* Applies a setting of the lcore layout or of the timestamp source; *known
 * is false if `key` is not one. */
static int set_dataplane_key(struct config *cfg, const char *key, const char *value, bool *known)
{
    *known = true;
    if (strcmp(key, "rx_lcores") == 0)
        return parse_lcore_list(value, cfg->rx_lcores, CONFIG_MAX_RX_LCORES, &cfg->n_rx_lcores);
    if (strcmp(key, "writer_lcores") == 0)
        return parse_lcore_list(value, cfg->writer_lcores, CONFIG_MAX_WRITER_LCORES,
                                &cfg->n_writer_lcores);
    if (strcmp(key, "writer_lcore") == 0) {
        /* The one-writer form: the same as `writer_lcores = N`. */
        unsigned long v;
        if (parse_uint(value, 1, 127, &v) != 0)
            return -1;
        cfg->writer_lcores[0] = (unsigned)v;
        cfg->n_writer_lcores = 1;
        return 0;
    }
    if (strcmp(key, "hw_timestamps") == 0) {
        static const char *const names[] = {[CONFIG_HW_TIMESTAMPS_OFF] = "off",
                                            [CONFIG_HW_TIMESTAMPS_AUTO] = "auto",
                                            [CONFIG_HW_TIMESTAMPS_ON] = "on",
                                            NULL};
        int i = parse_choice(value, names);
        if (i >= 0)
            cfg->hw_timestamps = (enum config_hw_timestamps)i;
        return i < 0 ? -1 : 0;
    }
    *known = false;
    return 0;
}

/* Applies a setting whose value is a number; *known is false if `key` is
 * not one. */
static int set_number(struct config *cfg, const char *key, const char *value, bool *known)
{
    static const struct {
        const char *key;
        size_t offset;
        unsigned long min, max;
    } keys[] = {
        {"sample_rate", offsetof(struct config, sample_rate), 1, 1000000},
        {"memory_mb", offsetof(struct config, memory_mb), 64, 1048576},
        {"mbufs", offsetof(struct config, n_mbufs), 1023, 16777215},
        {"rx_desc", offsetof(struct config, rx_desc), 32, 32768},
        {"ring_size", offsetof(struct config, ring_size), 64, 1u << 24},
        {"max_jobs", offsetof(struct config, max_jobs), 1, 65536},
        {"write_buffer_size", offsetof(struct config, write_buffer_size), 4096, 1u << 26},
        {"max_body_size", offsetof(struct config, max_body_size), 1024, 1u << 24},
        {"simple_rate_window", offsetof(struct config, simple_rate_window), 0, 86400},
        {"max_captures", offsetof(struct config, max_captures), 1, 65536},
        {"max_upload_mb", offsetof(struct config, max_upload_mb), 1, 4096},
        {"disk_reserve_mb", offsetof(struct config, disk_reserve_mb), 0, 1u << 20},
        {"full_snaplen", offsetof(struct config, full_snaplen), 64, 65535},
        {"retention_days", offsetof(struct config, retention_days), 0, 36500},
        {"retention_seconds", offsetof(struct config, retention_seconds), 0, 1u << 31},
        {"store_timeout_ms", offsetof(struct config, store_timeout_ms), 10, 60000},
        {"analysis_cache_mb", offsetof(struct config, analysis_cache_mb), 1, 1u << 20},
        {"auth_failure_limit", offsetof(struct config, auth_failure_limit), 0, 1000000},
        {"auth_failure_window", offsetof(struct config, auth_failure_window), 1, 86400},
        {"history_sample_rate", offsetof(struct config, history_sample_rate), 0, 1000000},
        {"history_max_mb", offsetof(struct config, history_max_mb), 1, 1u << 24},
        {"history_hours", offsetof(struct config, history_hours), 1, 24},
        {"history_seconds", offsetof(struct config, history_seconds), 0, 86400},
        {"history_segment_seconds", offsetof(struct config, history_segment_seconds), 1, 3600},
        {"history_queries", offsetof(struct config, history_queries), 1, 8},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(key, keys[i].key) != 0)
            continue;
        *known = true;
        unsigned long v;
        if (parse_uint(value, keys[i].min, keys[i].max, &v) != 0)
            return -1;
        *(unsigned *)((char *)cfg + keys[i].offset) = (unsigned)v;
        return 0;
    }
    *known = false;
    return 0;
}

/* Applies a setting whose value is text; *known is false if `key` is not
 * one. */
static int set_text(struct config *cfg, const char *key, const char *value, bool *known)
{
    *known = true;
    if (strcmp(key, "listen") == 0)
        return set_listen(cfg, value);
    if (strcmp(key, "state_dir") == 0)
        return copy_str(cfg->state_dir, sizeof(cfg->state_dir), value);
    if (strcmp(key, "site") == 0)
        return copy_str(cfg->site, sizeof(cfg->site), value);
    if (strcmp(key, "store") == 0)
        return set_store(cfg, value);
    if (strcmp(key, "appliance_name") == 0)
        return set_appliance_name(cfg, value);
    if (strcmp(key, "lcores") == 0)
        return copy_str(cfg->lcores, sizeof(cfg->lcores), value);
    if (strcmp(key, "eal_args") == 0)
        return copy_str(cfg->eal_extra, sizeof(cfg->eal_extra), value);
    if (strcmp(key, "ui_dir") == 0)
        return copy_str(cfg->ui_dir, sizeof(cfg->ui_dir), value);
    if (strcmp(key, "account") == 0) {
        if (!is_account_id(value) || cfg->n_accounts == CONFIG_MAX_ACCOUNTS)
            return -1;
        if (!config_has_account(cfg, value))
            memcpy(cfg->accounts[cfg->n_accounts++], value, 33);
        return 0;
    }
    if (strcmp(key, "port") == 0) {
        if (cfg->n_ports == 16)
            return -1;
        return copy_str(cfg->ports[cfg->n_ports++], sizeof(cfg->ports[0]), value);
    }
    if (strcmp(key, "tls_certificate") == 0)
        return copy_str(cfg->tls_certificate, sizeof(cfg->tls_certificate), value);
    if (strcmp(key, "tls_key") == 0)
        return copy_str(cfg->tls_key, sizeof(cfg->tls_key), value);
    if (strcmp(key, "log_target") == 0)
        return log_target_parse(value, &cfg->log_target);
    if (strcmp(key, "log_level") == 0)
        return log_level_parse(value, &cfg->log_level);
    if (strcmp(key, "metrics") == 0) {
        static const char *const names[] = {[CONFIG_METRICS_TOKEN] = "token",
                                            [CONFIG_METRICS_OPEN] = "open",
                                            [CONFIG_METRICS_OFF] = "off",
                                            NULL};
        int i = parse_choice(value, names);
        if (i >= 0)
            cfg->metrics = (enum config_metrics)i;
        return i < 0 ? -1 : 0;
    }
    if (strcmp(key, "hugepages") == 0) {
        static const char *const names[] = {[CONFIG_HUGEPAGES_AUTO] = "auto",
                                            [CONFIG_HUGEPAGES_ON] = "on",
                                            [CONFIG_HUGEPAGES_OFF] = "off",
                                            NULL};
        int i = parse_choice(value, names);
        if (i >= 0)
            cfg->hugepages = (enum config_hugepages)i;
        return i < 0 ? -1 : 0;
    }
    *known = false;
    return 0;
}

/* The rule each key follows, for error messages. */
static const char *config_rule(const char *key)
{
    static const char *rules[][2] = {
        {"listen", "HOST:PORT with PORT 0-65535"},
        {"account", "32 lowercase hex digits, at most 64 accounts"},
        {"port", "DPDK devargs, at most 16 ports"},
        {"hugepages", "auto, on or off"},
        {"metrics", "token, open or off"},
        {"log_target", "stderr or syslog"},
        {"log_level", "error, warn, info or debug"},
        {"rx_lcores", "comma-separated distinct lcore ids from 1 to 127, at most 16"},
        {"writer_lcores", "comma-separated distinct lcore ids from 1 to 127, at most 8"},
        {"writer_lcore", "an lcore id from 1 to 127"},
        {"hw_timestamps", "auto, on or off"},
        {"sample_rate", "an integer from 1 to 1000000"},
        {"max_jobs", "an integer from 1 to 65536"},
        {"ring_size", "an integer from 64 to 16777216"},
        {"simple_rate_window", "an integer from 0 to 86400 (seconds)"},
        {"max_captures", "an integer from 1 to 65536"},
        {"disk_reserve_mb", "an integer from 0 to 1048576"},
        {"full_snaplen", "an integer from 64 to 65535"},
        {"retention_days", "an integer from 0 to 36500"},
        {"retention_seconds", "an integer from 0 to 2147483648"},
        {"store_timeout_ms", "an integer from 10 to 60000 (milliseconds)"},
        {"analysis_cache_mb", "an integer from 1 to 1048576 (MiB)"},
        {"auth_failure_limit", "an integer from 0 to 1000000 (0: no throttling)"},
        {"auth_failure_window", "an integer from 1 to 86400 (seconds)"},
        {"history_sample_rate", "an integer from 0 to 1000000 (0: no history)"},
        {"history_max_mb", "an integer from 1 to 16777216 (MiB)"},
        {"history_hours", "an integer from 1 to 24"},
        {"history_seconds", "an integer from 0 to 86400 (seconds; 0: history_hours)"},
        {"history_segment_seconds", "an integer from 1 to 3600 (seconds)"},
        {"history_queries", "an integer from 1 to 8"},
        {"store", "sqlite (the state directory's file) or a PostgreSQL connection string "
                  "(postgresql://USER@HOST/DB?sslmode=..., or key=value pairs)"},
        {"appliance_name", "1 to 63 letters, digits, '.', '-' or '_'"},
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (strcmp(key, rules[i][0]) == 0)
            return rules[i][1];
    }
    if (config_kernel_rule(key) != NULL)
        return config_kernel_rule(key);
    if (config_bucket_rule(key) != NULL)
        return config_bucket_rule(key);
    return "a value of the documented form and range (see config/pcapd.conf)";
}

int config_set(struct config *cfg, const char *key, const char *value, char *err, unsigned err_size)
{
    bool known;
    int rc = set_number(cfg, key, value, &known);
    if (!known)
        rc = set_text(cfg, key, value, &known);
    if (!known)
        rc = set_dataplane_key(cfg, key, value, &known);
    if (!known)
        rc = config_kernel_set(cfg, key, value, &known);
    if (!known)
        rc = config_bucket_set(cfg, key, value, &known);
    if (!known) {
        snprintf(err, err_size, "unknown setting '%s'", key);
        return -1;
    }
    if (rc != 0) {
        snprintf(err, err_size, "%s: '%s' is not %s", key, value, config_rule(key));
        return -1;
    }
    return 0;
}

int config_load(struct config *cfg, const char *path, char *err, unsigned err_size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024], msg[512];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char *s = trim(line);
        if (*s == '\0')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(err, err_size, "%s:%d: expected 'key = value'", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        if (config_set(cfg, trim(s), trim(eq + 1), msg, sizeof(msg)) != 0) {
            snprintf(err, err_size, "%s:%d: %s", path, lineno, msg);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

/* Checks the lcore roles given with an lcores map: rx and writer lcores
 * both given, and no lcore in both lists. */
static int check_lcore_roles(const struct config *cfg, char *err, unsigned err_size)
{
    if (cfg->n_rx_lcores == 0 || cfg->n_writer_lcores == 0) {
        snprintf(err, err_size, "lcores given: also give rx_lcores and writer_lcores");
        return -1;
    }
    for (unsigned i = 0; i < cfg->n_writer_lcores; i++) {
        for (unsigned j = 0; j < cfg->n_rx_lcores; j++) {
            if (cfg->writer_lcores[i] == cfg->rx_lcores[j]) {
                snprintf(err, err_size,
                         "writer_lcores: lcore %u is also in rx_lcores (an lcore has one role)",
                         cfg->writer_lcores[i]);
                return -1;
            }
        }
    }
    return 0;
}

int config_finish(struct config *cfg, char *err, unsigned err_size)
{
    if ((cfg->tls_certificate[0] == '\0') != (cfg->tls_key[0] == '\0')) {
        snprintf(err, err_size, "%s: give tls_certificate and tls_key together",
                 cfg->tls_certificate[0] ? "tls_key" : "tls_certificate");
        return -1;
    }
    if (cfg->n_ports == 0 && cfg->capture_path != CONFIG_CAPTURE_KERNEL) {
        snprintf(err, err_size,
                 "no port: give at least one `port = DEVARGS`, or capture_path = kernel");
        return -1;
    }
    if (config_kernel_finish(cfg, err, err_size) != 0)
        return -1;
    if (cfg->max_captures > cfg->max_jobs) {
        snprintf(err, err_size, "max_captures: %u is more than max_jobs (%u)", cfg->max_captures,
                 cfg->max_jobs);
        return -1;
    }
    if ((cfg->ring_size & (cfg->ring_size - 1)) != 0) {
        snprintf(err, err_size, "ring_size: %u is not a power of two", cfg->ring_size);
        return -1;
    }
    if (cfg->lcores[0] != '\0')
        return check_lcore_roles(cfg, err, err_size);
    if (cfg->n_rx_lcores > 0 || cfg->n_writer_lcores > 0) {
        snprintf(err, err_size,
                 "%s given without lcores: give the --lcores map that defines the lcores too "
                 "(for example lcores = 0@0,1@1,2@0,3@0)",
                 cfg->n_rx_lcores > 0 ? "rx_lcores" : "writer_lcores");
        return -1;
    }
    /* Default layout: control on lcore 0, one rx lcore on its own core, and
     * the writer on a third core when there is one, else beside control. */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores >= 3)
        snprintf(cfg->lcores, sizeof(cfg->lcores), "0@0,1@1,2@2");
    else if (cores == 2)
        snprintf(cfg->lcores, sizeof(cfg->lcores), "0@0,1@1,2@0");
    else
        snprintf(cfg->lcores, sizeof(cfg->lcores), "0@0,1@0,2@0");
    cfg->rx_lcores[0] = 1;
    cfg->n_rx_lcores = 1;
    cfg->writer_lcores[0] = 2;
    cfg->n_writer_lcores = 1;
    return 0;
}

void config_dp_layout(const struct config *cfg, struct pcapd_dp_config *dpc)
{
    memcpy(dpc->rx_lcores, cfg->rx_lcores, sizeof(cfg->rx_lcores[0]) * cfg->n_rx_lcores);
    dpc->n_rx_lcores = cfg->n_rx_lcores;
    memcpy(dpc->writer_lcores, cfg->writer_lcores,
           sizeof(cfg->writer_lcores[0]) * cfg->n_writer_lcores);
    dpc->n_writer_lcores = cfg->n_writer_lcores;
    dpc->writer_lcore = cfg->writer_lcores[0];
    switch (cfg->hw_timestamps) {
    case CONFIG_HW_TIMESTAMPS_AUTO:
        dpc->hw_timestamps = PCAPD_HW_TIMESTAMPS_AUTO;
        break;
    case CONFIG_HW_TIMESTAMPS_ON:
        dpc->hw_timestamps = PCAPD_HW_TIMESTAMPS_ON;
        break;
    default:
        dpc->hw_timestamps = PCAPD_HW_TIMESTAMPS_OFF;
        break;
    }
}

bool config_has_account(const struct config *cfg, const char *account)
{
    for (unsigned i = 0; i < cfg->n_accounts; i++) {
        if (strcmp(cfg->accounts[i], account) == 0)
            return true;
    }
    return false;
}

/* Tells whether the host has at least `mb` MiB of free hugepages. */
static bool hugepages_available(unsigned mb)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f == NULL)
        return false;
    char line[256];
    unsigned long free_pages = 0, page_kb = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        sscanf(line, "HugePages_Free: %lu", &free_pages);
        sscanf(line, "Hugepagesize: %lu kB", &page_kb);
    }
    fclose(f);
    return free_pages * page_kb / 1024 >= mb && access("/dev/hugepages", W_OK) == 0;
}

/* Appends `arg` to argv, copying it into storage. */
static int push_arg(char **argv, int *argc, char **storage, char *end, const char *arg)
{
    size_t len = strlen(arg) + 1;
    if (*argc >= CONFIG_MAX_EAL_ARGS - 1 || *storage + len > end)
        return -1;
    memcpy(*storage, arg, len);
    argv[(*argc)++] = *storage;
    *storage += len;
    return 0;
}

int config_eal_argv(const struct config *cfg, char **argv, char *storage, unsigned storage_size)
{
    char *p = storage, *end = storage + storage_size, buf[600];
    int argc = 0, rc = 0;
    rc |= push_arg(argv, &argc, &p, end, "pcapd");
    snprintf(buf, sizeof(buf), "--lcores=%s", cfg->lcores);
    rc |= push_arg(argv, &argc, &p, end, buf);
    snprintf(buf, sizeof(buf), "--file-prefix=pcapd-%ld", (long)getpid());
    rc |= push_arg(argv, &argc, &p, end, buf);
    rc |= push_arg(argv, &argc, &p, end, "--no-shconf");
    rc |= push_arg(argv, &argc, &p, end, "--log-level=lib.eal:warning");
    bool huge =
        cfg->hugepages == CONFIG_HUGEPAGES_ON ||
        (cfg->hugepages == CONFIG_HUGEPAGES_AUTO && hugepages_available(HUGEPAGES_AUTO_MIN_MB));
    if (!huge) {
        rc |= push_arg(argv, &argc, &p, end, "--no-huge");
        snprintf(buf, sizeof(buf), "-m%u", cfg->memory_mb);
        rc |= push_arg(argv, &argc, &p, end, buf);
    }
    bool any_pci = false;
    for (unsigned i = 0; i < cfg->n_ports; i++) {
        bool vdev = strncmp(cfg->ports[i], "net_", 4) == 0;
        any_pci |= !vdev;
        snprintf(buf, sizeof(buf), "%s%s", vdev ? "--vdev=" : "-a", cfg->ports[i]);
        rc |= push_arg(argv, &argc, &p, end, buf);
    }
    if (!any_pci)
        rc |= push_arg(argv, &argc, &p, end, "--no-pci");
    char extra[sizeof(cfg->eal_extra)];
    memcpy(extra, cfg->eal_extra, sizeof(extra));
    for (char *save, *tok = strtok_r(extra, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
        rc |= push_arg(argv, &argc, &p, end, tok);
    argv[argc] = NULL;
    return rc == 0 ? argc : -1;
}
