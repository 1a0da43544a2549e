/*
 * pcapctl's settings: flags first, then the environment, then the
 * configuration file (`key = value` lines, `#` comments: url, token,
 * account, cacert, insecure), then the defaults.
 */
#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A setting's place in struct cli_settings and its environment variable. */
struct setting_slot {
    const char *key;
    const char *env;
    size_t offset;
    size_t size;
};

/* A slot for member `field` of struct cli_settings. */
#define SLOT(key, env, field)                                                                      \
    {                                                                                              \
        key, env, offsetof(struct cli_settings, field), sizeof(((struct cli_settings *)0)->field)  \
    }

/* The text settings, in the order they are described. */
static const struct setting_slot slots[] = {
    SLOT("url", "PCAPD_URL", url),
    SLOT("token", "PCAPD_TOKEN", token),
    SLOT("account", "PCAPD_ACCOUNT", account),
    SLOT("cacert", "PCAPD_CACERT", cacert),
};

int settings_copy(char *dst, size_t size, const char *value)
{
    size_t len = strlen(value);
    if (len >= size)
        return -1;
    memcpy(dst, value, len + 1);
    return 0;
}

/* Writes the configuration file's path to `path`.  Returns 1 if it was
 * named (--config or $PCAPCTL_CONFIG) and must exist, 0 for the default
 * path, -1 if there is none (no HOME). */
static int config_file_path(const struct cli_settings *s, char *path, size_t size)
{
    const char *env = getenv("PCAPCTL_CONFIG");
    if (s->config_path[0] != '\0' || (env != NULL && env[0] != '\0')) {
        snprintf(path, size, "%s", s->config_path[0] != '\0' ? s->config_path : env);
        return 1;
    }
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg != NULL && xdg[0] != '\0')
        snprintf(path, size, "%s/pcapctl/config", xdg);
    else if (home != NULL && home[0] != '\0')
        snprintf(path, size, "%s/.config/pcapctl/config", home);
    else
        return -1;
    return 0;
}

/* Applies `key` = `value` from line `lineno` of the file at `path` to the
 * settings still empty.  Returns 0, or -1 with `err`. */
static int apply_file_setting(struct cli_settings *s, const char *path, int lineno, const char *key,
                              const char *value, char *err, size_t err_size)
{
    if (strcmp(key, "insecure") == 0) {
        if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
            snprintf(err, err_size, "%s:%d: insecure: must be yes or no", path, lineno);
            return -1;
        }
        s->insecure |= strcmp(value, "yes") == 0;
        return 0;
    }
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        char *dst = (char *)s + slots[i].offset;
        if (strcmp(key, slots[i].key) != 0)
            continue;
        if (dst[0] == '\0' && settings_copy(dst, slots[i].size, value) != 0) {
            snprintf(err, err_size, "%s:%d: %s: longer than %zu bytes", path, lineno, key,
                     slots[i].size - 1);
            return -1;
        }
        return 0;
    }
    snprintf(err, err_size, "%s:%d: unknown setting '%s' (url, token, account, cacert, insecure)",
             path, lineno, key);
    return -1;
}

/* Warns when a configuration file holding a token can be read by others. */
static void warn_if_exposed(FILE *f, const char *path)
{
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0)
        fprintf(stderr, "pcapctl: warning: %s holds a token and others can read it; chmod 600 it\n",
                path);
}

/* Reads the configuration file, if any, into the settings still empty.
 * Returns 0, or -1 with `err`. */
static int read_config_file(struct cli_settings *s, char *err, size_t err_size)
{
    char path[1100], line[2048];
    int named = config_file_path(s, path, sizeof(path)), lineno = 0, rc = 0;
    bool has_token = false;
    if (named < 0)
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (!named && errno == ENOENT)
            return 0;
        snprintf(err, err_size, "configuration file %s: %s", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        char key[32], *value;
        int at = -1;
        lineno++;
        line[strcspn(line, "#\r\n")] = '\0';
        int n = sscanf(line, " %31[a-z_] =%n", key, &at);
        if (n == EOF || (n == 0 && line[strspn(line, " \t")] == '\0'))
            continue; /* A blank or comment line. */
        if (n != 1 || at < 0) {
            snprintf(err, err_size, "%s:%d: expected 'key = value'", path, lineno);
            rc = -1;
            break;
        }
        value = line + at + strspn(line + at, " \t");
        for (size_t len = strlen(value); len > 0 && isspace((unsigned char)value[len - 1]);)
            value[--len] = '\0';
        has_token |= strcmp(key, "token") == 0;
        rc = apply_file_setting(s, path, lineno, key, value, err, err_size);
    }
    if (rc == 0 && has_token)
        warn_if_exposed(f, path);
    fclose(f);
    return rc;
}

/* Fills the settings still empty from the environment.  Returns 0, or -1
 * with `err` when a value does not fit. */
static int read_environment(struct cli_settings *s, char *err, size_t err_size)
{
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        char *dst = (char *)s + slots[i].offset;
        const char *value = getenv(slots[i].env);
        if (dst[0] != '\0' || value == NULL || value[0] == '\0')
            continue;
        if (settings_copy(dst, slots[i].size, value) != 0) {
            snprintf(err, err_size, "%s: longer than %zu bytes", slots[i].env, slots[i].size - 1);
            return -1;
        }
    }
    return 0;
}

/* Checks that setting `i` of `slots` is there; else says where to give it. */
static int require(const struct cli_settings *s, size_t i, char *err, size_t err_size)
{
    const char *value = (const char *)s + slots[i].offset;
    if (value[0] != '\0')
        return 0;
    snprintf(err, err_size,
             "no %s: give --%s, set %s, or write `%s = ...` in the configuration file "
             "(~/.config/pcapctl/config)",
             slots[i].key, slots[i].key, slots[i].env, slots[i].key);
    return -1;
}

int settings_resolve(struct cli_settings *s, enum settings_need need, char *err, size_t err_size)
{
    if (read_environment(s, err, err_size) != 0 || read_config_file(s, err, err_size) != 0)
        return -1;
    if (s->url[0] == '\0')
        settings_copy(s->url, sizeof(s->url), SETTINGS_DEFAULT_URL);
    size_t len = strlen(s->url);
    while (len > 0 && s->url[len - 1] == '/')
        s->url[--len] = '\0';
    if (strncmp(s->url, "http://", 7) != 0 && strncmp(s->url, "https://", 8) != 0) {
        snprintf(err, err_size, "url: '%s' is not an http:// or https:// URL", s->url);
        return -1;
    }
    if (require(s, 1, err, err_size) != 0)
        return -1;
    if (need == SETTINGS_NEED_ACCOUNT && require(s, 2, err, err_size) != 0)
        return -1;
    return 0;
}
