/*
 * pcapd's configuration: a `key = value` file with `#` comments, overridable
 * from the command line, and the EAL argument vector derived from it.
 */
#ifndef PCAPD_CONFIG_H
#define PCAPD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"

/* Most accounts one appliance serves. */
#define CONFIG_MAX_ACCOUNTS 64
/* Most rx lcores and writer lcores (as the dataplane's PCAPD_MAX_*). */
#define CONFIG_MAX_RX_LCORES 16
#define CONFIG_MAX_WRITER_LCORES 8
/* Most EAL arguments pcapd passes. */
#define CONFIG_MAX_EAL_ARGS 64

/* Hugepage policy. */
enum config_hugepages {
    /* Use hugepages when the host has enough free, else run without. */
    CONFIG_HUGEPAGES_AUTO,
    CONFIG_HUGEPAGES_ON,
    CONFIG_HUGEPAGES_OFF,
};

/* Where packet timestamps come from (`hw_timestamps`). */
enum config_hw_timestamps {
    /* The TSC read by the rx lcore at receive (the default). */
    CONFIG_HW_TIMESTAMPS_OFF,
    /* The port's own receive timestamps where a port gives them. */
    CONFIG_HW_TIMESTAMPS_AUTO,
    /* The port's own receive timestamps; pcapd refuses to start when a
     * port gives none. */
    CONFIG_HW_TIMESTAMPS_ON,
};

/* Which capture path(s) carry the jobs (`capture_path`). */
enum config_capture_path {
    /* The DPDK dataplane on the configured ports (the default). */
    CONFIG_CAPTURE_DPDK,
    /* The kernel path: nftables and NFLOG, without DPDK, EAL or ports. */
    CONFIG_CAPTURE_KERNEL,
    /* Both: every job runs on each, and its file holds both in time order. */
    CONFIG_CAPTURE_BOTH,
};

/* Most interfaces of the kernel path's ingress hook. */
#define CONFIG_MAX_KERNEL_INGRESS 16

/* Who may read GET /metrics (`metrics`). */
enum config_metrics {
    /* Any request with a valid API token of any account (the default). */
    CONFIG_METRICS_TOKEN,
    /* Anyone who can reach the API. */
    CONFIG_METRICS_OPEN,
    /* Nobody: the route does not exist. */
    CONFIG_METRICS_OFF,
};

/* Most `bucket_credentials` entries. */
#define CONFIG_MAX_BUCKET_CREDENTIALS 32

/* Credentials of one bucket (`bucket_credentials = URI KEY_ID SECRET`),
 * for destinations whose string carries none. */
struct config_bucket_credentials {
    /* "SCHEME://BUCKET" the entry is for. */
    char bucket[128];
    /* The access key id and the secret access key. */
    char access_key_id[128];
    char secret_access_key[128];
};

/* Delivery of full captures to buckets (config_bucket.c). */
struct config_delivery {
    /* Per-bucket credentials. */
    struct config_bucket_credentials credentials[CONFIG_MAX_BUCKET_CREDENTIALS];
    unsigned n_credentials;
    /* Appliance-wide upload rate (Mbit/s; 0: no cap). */
    unsigned rate_mbit;
    /* Size of each part of a multipart upload (MiB); files larger than one
     * part are uploaded in parts. */
    unsigned part_mb;
    /* Parts of one upload in flight at once. */
    unsigned parallel;
    /* Seconds an upload keeps retrying without progress before it fails. */
    unsigned retry_seconds;
    /* Nice value of the delivery thread (0-19); above 0 it is also
     * SCHED_BATCH, so that its wake-ups never preempt the API. */
    unsigned nice;
    /* Keep the local file after a verified upload. */
    bool keep_local;
    /* A full capture must name a destination_conf. */
    bool destination_required;
    /* PEM file of the CAs trusted for HTTPS endpoints (empty: the system's). */
    char ca_file[512];
};

/* The dataplane's and the kernel path's configurations
 * (include/pcapd/dataplane.h, include/pcapd/kernel_path.h). */
struct pcapd_dp_config;
struct pcapd_kp_config;

/* Every setting, with its default when the file does not give it. */
struct config {
    /* Address and TCP port of the REST API (port 0: any free port). */
    char listen_host[64];
    uint16_t listen_port;
    /* Directory of the job store and the capture files. */
    char state_dir[512];
    /* Name of this appliance's site (Cloudflare's colo_name). */
    char site[64];
    /* The job store: empty (the state directory's SQLite file, one
     * appliance alone) or a PostgreSQL connection string
     * (postgresql://... or key=value pairs), shared by a fleet
     * (docs/FLEET.md). */
    char store[512];
    /* This appliance's name in its fleet (default: the host name). */
    char appliance_name[64];
    /* Accounts served (32-hex-digit ids, as Cloudflare's). */
    char accounts[CONFIG_MAX_ACCOUNTS][65];
    unsigned n_accounts;
    /* 1-in-N sampling of `simple` captures. */
    uint32_t sample_rate;
    /* DPDK devargs of each port ("net_pcap0,rx_pcap=..." or a PCI address). */
    char ports[16][512];
    unsigned n_ports;
    /* Hugepage policy and memory given to EAL without hugepages (MiB). */
    enum config_hugepages hugepages;
    unsigned memory_mb;
    /* `--lcores` map for EAL, and the roles of the lcores it defines: rx
     * lcores, and writer lcores (`writer_lcores`, or the single
     * `writer_lcore` of older files).  Empty map: derived from the number
     * of cores, with one writer. */
    char lcores[128];
    unsigned rx_lcores[CONFIG_MAX_RX_LCORES];
    unsigned n_rx_lcores;
    unsigned writer_lcores[CONFIG_MAX_WRITER_LCORES];
    unsigned n_writer_lcores;
    /* Where packet timestamps come from. */
    enum config_hw_timestamps hw_timestamps;
    /* Further EAL arguments, space separated. */
    char eal_extra[512];
    /* Dataplane sizing. */
    unsigned n_mbufs;
    unsigned rx_desc;
    unsigned ring_size;
    unsigned max_jobs;
    unsigned write_buffer_size;
    /* Largest capture accepted by POST /api/v2/upload, in MiB. */
    unsigned max_upload_mb;
    /* Largest request body accepted, in bytes. */
    unsigned max_body_size;
    /* Seconds an account must wait between two `simple` captures (0: no
     * limit). */
    unsigned simple_rate_window;
    /* Most captures pending or running at once, all accounts together (at
     * most max_jobs). */
    unsigned max_captures;
    /* Bytes of each packet a `full` capture keeps. */
    unsigned full_snaplen;
    /* Free space (MiB) kept on the file system of state_dir: below it,
     * running captures end as failed and new ones are refused, so the job
     * store can still record what happened. */
    unsigned disk_reserve_mb;
    /* Ended captures older than this many days are deleted with their
     * files (0: kept forever). */
    unsigned retention_days;
    /* The same in seconds, for tests; when non-zero it takes precedence
     * over retention_days. */
    unsigned retention_seconds;
    /* Disk space the analysis API's cached answers may take (MiB); the
     * least recently used go beyond it. */
    unsigned analysis_cache_mb;
    /* How long a request waits for a write to the job store while another
     * process holds its lock, before it is answered 503 (ms). */
    unsigned store_timeout_ms;
    /* PEM files of the API's TLS certificate chain and key: HTTPS when both
     * are set, plain HTTP when neither is. */
    char tls_certificate[512];
    char tls_key[512];
    /* Failed authentications from one client address within
     * auth_failure_window seconds after which its requests get 429 until
     * the window has passed (0: no throttling). */
    unsigned auth_failure_limit;
    unsigned auth_failure_window;
    /* The capture path(s). */
    enum config_capture_path capture_path;
    /* The kernel path: hooks (bitmask of enum pcapd_kp_hook; 0: prerouting
     * and output), interfaces of the ingress hook, first NFLOG group,
     * chain priority, batching and netlink socket buffer (MiB). */
    unsigned kernel_hooks;
    char kernel_ingress[CONFIG_MAX_KERNEL_INGRESS][16];
    unsigned n_kernel_ingress;
    unsigned kernel_nflog_group;
    int kernel_priority;
    unsigned kernel_queue_threshold;
    unsigned kernel_socket_buffer_mb;
    /* Delivery of full captures to buckets. */
    struct config_delivery delivery;
    /* Where the event log goes, and the least severe level it keeps. */
    enum log_target log_target;
    enum log_level log_level;
    /* Who may read GET /metrics. */
    enum config_metrics metrics;
    /* The look-back history: 1 packet in history_sample_rate of all traffic
     * is kept (0: no history), in at most history_max_mb MiB, for at most
     * history_hours hours (history_seconds, for tests, takes precedence
     * when non-zero), in segments of at most history_segment_seconds;
     * history_queries look-back queries run at once. */
    uint32_t history_sample_rate;
    unsigned history_max_mb;
    unsigned history_hours;
    unsigned history_seconds;
    unsigned history_segment_seconds;
    unsigned history_queries;
    /* Folder of the dashboard's files served at /ui/ ("off": none; empty:
     * the source tree's ui/ when it exists, else the installed folder). */
    char ui_dir[512];
};

/* Seconds ended captures are kept (0: forever), from retention_seconds or
 * retention_days. */
uint64_t config_retention_seconds(const struct config *cfg);

/* Seconds of traffic the history keeps, from history_seconds or
 * history_hours. */
uint64_t config_history_seconds(const struct config *cfg);

/* Fills `cfg` with the defaults. */
void config_defaults(struct config *cfg);

/* Applies one `key = value` setting.  Returns 0, or -1 with a message naming
 * the key and the rule in `err`. */
int config_set(struct config *cfg, const char *key, const char *value, char *err,
               unsigned err_size);

/* Applies every setting of the file at `path`.  Returns 0, or -1 with a
 * message naming the file and line in `err`. */
int config_load(struct config *cfg, const char *path, char *err, unsigned err_size);

/* Derives the lcore roles when the configuration gave none, and checks the
 * settings against each other.  Returns 0, or -1 with `err`. */
int config_finish(struct config *cfg, char *err, unsigned err_size);

/* Sets the lcore roles and the timestamp source of the dataplane
 * configuration `dpc` from `cfg` (after config_finish()). */
void config_dp_layout(const struct config *cfg, struct pcapd_dp_config *dpc);

/* Applies a setting of the capture path (`capture_path`, `kernel_*`);
 * *known is false if `key` is not one (config_kernel.c). */
int config_kernel_set(struct config *cfg, const char *key, const char *value, bool *known);

/* The rule a `kernel_*` or `capture_path` key follows, or NULL. */
const char *config_kernel_rule(const char *key);

/* Checks the capture path settings against the others.  Returns 0, or -1
 * with `err`. */
int config_kernel_finish(const struct config *cfg, char *err, unsigned err_size);

/* Fills the kernel path's configuration from `cfg`. */
void config_kp(const struct config *cfg, struct pcapd_kp_config *kpc);

/* Applies a setting of bucket delivery (`bucket_credentials`,
 * `delivery_*`, `full_destination`); *known is false if `key` is not one
 * (config_bucket.c). */
int config_bucket_set(struct config *cfg, const char *key, const char *value, bool *known);

/* The rule a bucket delivery key follows, or NULL. */
const char *config_bucket_rule(const char *key);

/* Sets the defaults of bucket delivery. */
void config_bucket_defaults(struct config *cfg);

/* Tells whether `account` is served by this appliance. */
bool config_has_account(const struct config *cfg, const char *account);

/* Builds EAL's argv in `argv` (room for CONFIG_MAX_EAL_ARGS), its strings in
 * `storage` of `storage_size` bytes.  Returns argc, or -1 if out of room. */
int config_eal_argv(const struct config *cfg, char **argv, char *storage, unsigned storage_size);

#endif /* PCAPD_CONFIG_H */
