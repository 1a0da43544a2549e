/*
 * pcapctl's settings: where the API is and who we are there.  Each setting
 * comes from the first of: a command-line flag, the environment
 * (PCAPD_URL, PCAPD_TOKEN, PCAPD_ACCOUNT, PCAPD_CACERT), the configuration
 * file (--config, $PCAPCTL_CONFIG, or ~/.config/pcapctl/config), the
 * default.
 */
#ifndef PCAPCTL_SETTINGS_H
#define PCAPCTL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

/* The API's address when nothing gives one (tools/run.sh's default). */
#define SETTINGS_DEFAULT_URL "http://127.0.0.1:8080"

/* Every setting; an empty string is a setting not given (yet). */
struct cli_settings {
    /* Base URL of the API, without a trailing slash. */
    char url[1024];
    /* API token, sent as `Authorization: Bearer TOKEN`. */
    char token[256];
    /* Account id of the jobs API's paths. */
    char account[128];
    /* CA certificate file for https URLs (empty: the system's). */
    char cacert[1024];
    /* Do not verify the server's certificate (--insecure). */
    bool insecure;
    /* Print JSON instead of tables (--json). */
    bool json;
    /* Configuration file named by --config (empty: the default path). */
    char config_path[1024];
};

/* What a command needs from the settings. */
enum settings_need {
    /* URL and token (the analysis API). */
    SETTINGS_NEED_TOKEN = 1,
    /* URL, token and account (the jobs API). */
    SETTINGS_NEED_ACCOUNT = 2,
};

/* Fills the settings not given on the command line from the environment,
 * then from the configuration file, then the defaults, and checks that
 * what `need` names is there.  Returns 0, or -1 with a message in `err`
 * that says where the setting can be given. */
int settings_resolve(struct cli_settings *s, enum settings_need need, char *err, size_t err_size);

/* Copies `value` into the setting `dst` of `size` bytes.  Returns 0, or -1
 * if it does not fit. */
int settings_copy(char *dst, size_t size, const char *value);

#endif /* PCAPCTL_SETTINGS_H */
