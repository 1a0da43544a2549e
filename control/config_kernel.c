/*
 * The capture path settings: `capture_path` (dpdk, kernel or both) and the
 * kernel path's `kernel_*` settings, their checks, and their mapping onto
 * the kernel path's configuration (include/pcapd/kernel_path.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pcapd/kernel_path.h"

/* Parses a whole decimal integer in [min, max] into `out`.  Returns 0 or
 * -1. */
static int parse_long(const char *value, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Parses `kernel_hooks`: a comma-separated list of prerouting, output and
 * ingress. */
static int parse_hooks(const char *value, unsigned *hooks)
{
    char copy[128], *save = NULL;
    if (snprintf(copy, sizeof(copy), "%s", value) >= (int)sizeof(copy))
        return -1;
    *hooks = 0;
    for (char *t = strtok_r(copy, ", ", &save); t != NULL; t = strtok_r(NULL, ", ", &save)) {
        if (strcmp(t, "prerouting") == 0)
            *hooks |= PCAPD_KP_HOOK_PREROUTING;
        else if (strcmp(t, "output") == 0)
            *hooks |= PCAPD_KP_HOOK_OUTPUT;
        else if (strcmp(t, "ingress") == 0)
            *hooks |= PCAPD_KP_HOOK_INGRESS;
        else
            return -1;
    }
    return *hooks != 0 ? 0 : -1;
}

/* Applies a numeric `kernel_*` key; *known is false if `key` is not one. */
static int set_kernel_number(struct config *cfg, const char *key, const char *value, bool *known)
{
    long v;
    *known = true;
    if (strcmp(key, "kernel_nflog_group") == 0) {
        if (parse_long(value, 1, 65535, &v) != 0)
            return -1;
        cfg->kernel_nflog_group = (unsigned)v;
    } else if (strcmp(key, "kernel_priority") == 0) {
        if (parse_long(value, -1000, 1000, &v) != 0)
            return -1;
        cfg->kernel_priority = (int)v;
    } else if (strcmp(key, "kernel_queue_threshold") == 0) {
        if (parse_long(value, 1, 65535, &v) != 0)
            return -1;
        cfg->kernel_queue_threshold = (unsigned)v;
    } else if (strcmp(key, "kernel_socket_buffer_mb") == 0) {
        if (parse_long(value, 1, 2047, &v) != 0)
            return -1;
        cfg->kernel_socket_buffer_mb = (unsigned)v;
    } else {
        *known = false;
    }
    return 0;
}

int config_kernel_set(struct config *cfg, const char *key, const char *value, bool *known)
{
    *known = true;
    if (strcmp(key, "capture_path") == 0) {
        if (strcmp(value, "dpdk") == 0)
            cfg->capture_path = CONFIG_CAPTURE_DPDK;
        else if (strcmp(value, "kernel") == 0)
            cfg->capture_path = CONFIG_CAPTURE_KERNEL;
        else if (strcmp(value, "both") == 0)
            cfg->capture_path = CONFIG_CAPTURE_BOTH;
        else
            return -1;
        return 0;
    }
    if (strcmp(key, "kernel_hooks") == 0)
        return parse_hooks(value, &cfg->kernel_hooks);
    if (strcmp(key, "kernel_ingress") == 0) {
        size_t len = strlen(value);
        if (cfg->n_kernel_ingress == CONFIG_MAX_KERNEL_INGRESS || len == 0 ||
            len >= sizeof(cfg->kernel_ingress[0]) || strpbrk(value, " \t\"/") != NULL)
            return -1;
        memcpy(cfg->kernel_ingress[cfg->n_kernel_ingress++], value, len + 1);
        return 0;
    }
    return set_kernel_number(cfg, key, value, known);
}

const char *config_kernel_rule(const char *key)
{
    static const char *rules[][2] = {
        {"capture_path", "dpdk, kernel or both"},
        {"kernel_hooks", "a comma-separated list of prerouting, output and ingress"},
        {"kernel_ingress", "an interface name of 1 to 15 characters, at most 16 interfaces"},
        {"kernel_nflog_group", "an integer from 1 to 65535"},
        {"kernel_priority", "an integer from -1000 to 1000"},
        {"kernel_queue_threshold", "an integer from 1 to 65535"},
        {"kernel_socket_buffer_mb", "an integer from 1 to 2047"},
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (strcmp(key, rules[i][0]) == 0)
            return rules[i][1];
    }
    return NULL;
}

int config_kernel_finish(const struct config *cfg, char *err, unsigned err_size)
{
    if (cfg->capture_path == CONFIG_CAPTURE_DPDK)
        return 0;
    if ((cfg->kernel_hooks & PCAPD_KP_HOOK_INGRESS) && cfg->n_kernel_ingress == 0) {
        snprintf(err, err_size, "kernel_hooks: ingress needs at least one kernel_ingress");
        return -1;
    }
    if (cfg->n_kernel_ingress > 0 && !(cfg->kernel_hooks & PCAPD_KP_HOOK_INGRESS)) {
        snprintf(err, err_size, "kernel_ingress: given without ingress in kernel_hooks");
        return -1;
    }
    if (cfg->max_captures > PCAPD_KP_MAX_JOBS ||
        cfg->kernel_nflog_group + cfg->max_captures > 65536) {
        snprintf(err, err_size,
                 "kernel_nflog_group: %u NFLOG groups (one per capture, max_captures) from "
                 "group %u do not fit below 65536, or are more than %u",
                 cfg->max_captures, cfg->kernel_nflog_group, PCAPD_KP_MAX_JOBS);
        return -1;
    }
    return 0;
}

void config_kp(const struct config *cfg, struct pcapd_kp_config *kpc)
{
    *kpc = (struct pcapd_kp_config){
        .max_jobs = cfg->max_captures,
        .nflog_group_base = cfg->kernel_nflog_group,
        .hooks = cfg->kernel_hooks,
        .n_ingress = cfg->n_kernel_ingress,
        .priority = cfg->kernel_priority,
        .priority_set = true,
        .queue_threshold = cfg->kernel_queue_threshold,
        .socket_buffer_size = cfg->kernel_socket_buffer_mb << 20,
        .write_buffer_size = cfg->write_buffer_size,
    };
    for (unsigned i = 0; i < cfg->n_kernel_ingress; i++)
        memcpy(kpc->ingress[i], cfg->kernel_ingress[i], sizeof(kpc->ingress[i]));
}
