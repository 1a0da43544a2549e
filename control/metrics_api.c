/*
 * GET /metrics (see metrics_api.h): the access check, then one snapshot of
 * the appliance's figures written family by family.  Names follow
 * Prometheus' conventions: the pcapd_ prefix, _total on counters, base
 * units (seconds, bytes), and labels from small fixed sets (port names,
 * lcore ids, stages, routes), never a capture's id.
 */
#include "metrics_api.h"

#include <stddef.h>
#include <string.h>

#include "api_errors.h"
#include "api_response.h"
#include "appliance_stats.h"
#include "auth.h"
#include "build_info.h"
#include "http_metrics.h"
#include "prom_text.h"

/* Who may read the metrics, and the tokens checked. */
static struct {
    enum config_metrics access;
    struct token_store *tokens;
} metrics;

void metrics_api_init(enum config_metrics access, struct token_store *tokens)
{
    metrics.access = access;
    metrics.tokens = tokens;
}

bool metrics_api_path(const h2o_req_t *req)
{
    return h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/metrics"));
}

/* ---- The families ---- */

/* An array of per-item figures (ports, rx lcores, writers) and how each
 * item is labelled. */
struct items {
    const void *base;
    size_t size;
    unsigned n;
    void (*label)(struct prom_labels *l, const void *item, unsigned index);
};

/* Writes a counter family for each of the `n` fields `fields` that has a
 * metric, with one sample per item of `it`. */
static void per_item_counters(struct prom_text *t, const struct items *it,
                              const struct stats_field *fields, unsigned n)
{
    for (unsigned f = 0; f < n; f++) {
        if (fields[f].metric == NULL)
            continue;
        prom_family(t, fields[f].metric, "counter", fields[f].help);
        for (unsigned i = 0; i < it->n; i++) {
            const char *item = (const char *)it->base + (size_t)i * it->size;
            struct prom_labels l;
            prom_labels_init(&l);
            it->label(&l, item, i);
            prom_sample_u64(t, fields[f].metric, &l, stats_field_get(&fields[f], item));
        }
    }
}

/* Labels a port by its device name. */
static void port_label(struct prom_labels *l, const void *item, unsigned index)
{
    (void)index;
    prom_label(l, "port", ((const struct pcapd_dp_port_stats *)item)->name);
}

/* Labels an rx lcore by its lcore id. */
static void rx_label(struct prom_labels *l, const void *item, unsigned index)
{
    (void)index;
    prom_label_u(l, "lcore", ((const struct pcapd_dp_rx_stats *)item)->lcore_id);
}

/* Labels a writer by its index and lcore id. */
static void writer_label(struct prom_labels *l, const void *item, unsigned index)
{
    prom_label_u(l, "writer", index);
    prom_label_u(l, "lcore", ((const struct pcapd_dp_writer_stats *)item)->lcore_id);
}

/* Writes a gauge family of one unlabelled sample. */
static void gauge(struct prom_text *t, const char *name, const char *help, double value)
{
    prom_family(t, name, "gauge", help);
    prom_sample_f64(t, name, NULL, value);
}

/* Writes a counter family of one unlabelled sample. */
static void counter(struct prom_text *t, const char *name, const char *help, uint64_t value)
{
    prom_family(t, name, "counter", help);
    prom_sample_u64(t, name, NULL, value);
}

/* Build information and start time. */
static void render_build(struct prom_text *t, const struct appliance_stats *s)
{
    struct prom_labels l;
    prom_labels_init(&l);
    prom_label(&l, "version", PCAPD_VERSION);
    prom_label(&l, "commit", PCAPD_COMMIT);
    prom_family(t, "pcapd_build_info", "gauge", "pcapd's version and commit, as labels.");
    prom_sample_u64(t, "pcapd_build_info", &l, 1);
    gauge(t, "pcapd_start_time_seconds", "When the daemon started, in seconds since the epoch.",
          s->start_time);
}

/* The ports' counters. */
static void render_ports(struct prom_text *t, const struct appliance_stats *s)
{
    struct items it = {s->ports, sizeof(s->ports[0]), s->n_ports, port_label};
    per_item_counters(t, &it, stats_port_fields, stats_port_n_fields);
}

/* The rx lcores' counters, busy time and share. */
static void render_rx(struct prom_text *t, const struct appliance_stats *s)
{
    struct items it = {s->rx, sizeof(s->rx[0]), s->n_rx, rx_label};
    per_item_counters(t, &it, stats_rx_fields, stats_rx_n_fields);
    struct prom_labels l;
    prom_family(t, "pcapd_rx_lcore_busy_seconds_total", "counter",
                "Time the rx lcore spent on passes over its queues that received packets; its "
                "rate is the lcore's busy share.");
    for (unsigned i = 0; i < s->n_rx; i++) {
        prom_labels_init(&l);
        rx_label(&l, &s->rx[i], i);
        prom_sample_f64(t, "pcapd_rx_lcore_busy_seconds_total", &l, (double)s->rx[i].busy_ns / 1e9);
    }
    prom_family(t, "pcapd_rx_lcore_busy_ratio", "gauge",
                "Share of the last whole second the rx lcore was busy (1: no headroom).");
    for (unsigned i = 0; i < s->n_rx; i++) {
        prom_labels_init(&l);
        rx_label(&l, &s->rx[i], i);
        prom_sample_f64(t, "pcapd_rx_lcore_busy_ratio", &l, s->rx_busy_ratio[i]);
    }
}

/* Packets lost, per stage of the path(s) that run. */
static void render_drops(struct prom_text *t, const struct appliance_stats *s)
{
    const struct {
        const char *stage;
        uint64_t value;
        bool shown;
    } stages[] = {
        {"port_missed", s->dp.rx_missed, s->dpdk},
        {"port_nombuf", s->dp.rx_nombuf, s->dpdk},
        {"ring_full", s->dp.ring_full, s->dpdk},
        {"writer_backlog", s->dp.writer_backlog_full, s->dpdk},
        {"kernel_lost", s->kp.packets_lost, s->kernel},
    };
    prom_family(t, "pcapd_dropped_packets_total", "counter",
                "Packets lost, by stage: the ports (no descriptor, no mbuf), an rx lcore's "
                "ring to a writer (simple captures), a writer's backlog (full captures), "
                "between the kernel and the kernel path's files.");
    for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
        if (!stages[i].shown)
            continue;
        struct prom_labels l;
        prom_labels_init(&l);
        prom_label(&l, "stage", stages[i].stage);
        prom_sample_u64(t, "pcapd_dropped_packets_total", &l, stages[i].value);
    }
}

/* Writes the samples of one ring family: per rx lcore and writer, the
 * entries of its ring of records (`backlog` false) or of mbuf references,
 * or its capacity (`capacity`). */
static void ring_samples(struct prom_text *t, const char *name, const struct appliance_stats *s,
                         bool backlog, bool capacity)
{
    for (unsigned i = 0; i < s->n_rx; i++) {
        const struct pcapd_dp_rx_stats *r = &s->rx[i];
        for (unsigned w = 0; w < s->n_writers; w++) {
            struct prom_labels l;
            prom_labels_init(&l);
            prom_label_u(&l, "lcore", r->lcore_id);
            prom_label_u(&l, "writer", w);
            prom_label(&l, "ring", backlog ? "mbufs" : "records");
            uint64_t v = backlog ? (capacity ? r->backlog_size : r->backlog_used[w])
                                 : (capacity ? r->ring_size : r->ring_used[w]);
            prom_sample_u64(t, name, &l, v);
        }
    }
}

/* The occupancy of the rings from the rx lcores to the writers. */
static void render_rings(struct prom_text *t, const struct appliance_stats *s)
{
    prom_family(t, "pcapd_ring_entries", "gauge",
                "Entries waiting in a ring from an rx lcore to a writer: simple captures' "
                "records, or full captures' mbufs.");
    ring_samples(t, "pcapd_ring_entries", s, false, false);
    ring_samples(t, "pcapd_ring_entries", s, true, false);
    prom_family(t, "pcapd_ring_capacity_entries", "gauge", "Entries the ring can hold.");
    ring_samples(t, "pcapd_ring_capacity_entries", s, false, true);
    ring_samples(t, "pcapd_ring_capacity_entries", s, true, true);
}

/* The writers' counters and write latency. */
static void render_writers(struct prom_text *t, const struct appliance_stats *s)
{
    static const uint64_t bounds_us[PCAPD_WRITE_LATENCY_BUCKETS] = PCAPD_WRITE_LATENCY_BOUNDS_US;
    double bounds[PCAPD_WRITE_LATENCY_BUCKETS];
    for (unsigned b = 0; b < PCAPD_WRITE_LATENCY_BUCKETS; b++)
        bounds[b] = (double)bounds_us[b] / 1e6;
    struct items it = {s->writers, sizeof(s->writers[0]), s->n_writers, writer_label};
    per_item_counters(t, &it, stats_writer_fields, stats_writer_n_fields);
    prom_family(t, "pcapd_writer_write_duration_seconds", "histogram",
                "Time one buffer write to a capture file took.");
    for (unsigned i = 0; i < s->n_writers; i++) {
        struct prom_labels l;
        prom_labels_init(&l);
        writer_label(&l, &s->writers[i], i);
        struct prom_histogram h = {.bounds = bounds,
                                   .counts = s->writers[i].write_latency,
                                   .n = PCAPD_WRITE_LATENCY_BUCKETS,
                                   .sum = (double)s->writers[i].write_ns / 1e9};
        prom_histogram(t, "pcapd_writer_write_duration_seconds", &l, &h);
    }
}

/* Labels nothing: the kernel path is one. */
static void no_label(struct prom_labels *l, const void *item, unsigned index)
{
    (void)l;
    (void)item;
    (void)index;
}

/* The kernel path's counters, when it runs. */
static void render_kernel(struct prom_text *t, const struct appliance_stats *s)
{
    if (!s->kernel)
        return;
    struct items it = {&s->kp, sizeof(s->kp), 1, no_label};
    per_item_counters(t, &it, stats_kernel_fields, stats_kernel_n_fields);
    gauge(t, "pcapd_kernel_rule_transaction_last_seconds",
          "Time the kernel path's last nftables transaction took.",
          (double)s->kp.rule_transaction_ns / 1e9);
    gauge(t, "pcapd_kernel_jobs", "Captures the kernel path runs.", s->kp.jobs);
}

/* The job table's publications. */
static void render_table(struct prom_text *t, const struct appliance_stats *s)
{
    counter(t, "pcapd_table_builds_total", "Job tables built and published to the rx lcores.",
            s->dp.table_builds);
    gauge(t, "pcapd_table_build_last_seconds", "Time the last job table build took.",
          (double)s->dp.table_build_ns / 1e9);
    gauge(t, "pcapd_table_pending", "1 while job changes wait for the next publication.",
          s->dp.table_pending ? 1 : 0);
}

/* Captures by type and status, and those under way. */
static void render_captures(struct prom_text *t, const struct appliance_stats *s)
{
    prom_family(t, "pcapd_captures", "gauge",
                "Captures stored (as the API lists them), by type and status.");
    for (unsigned type = 0; type < JOB_STORE_TYPES; type++) {
        for (unsigned st = 0; st < JOB_STORE_STATUSES; st++) {
            struct prom_labels l;
            prom_labels_init(&l);
            prom_label(&l, "type", capture_type_name((enum capture_type)type));
            prom_label(&l, "status", capture_status_name((enum capture_status)st));
            prom_sample_u64(t, "pcapd_captures", &l, s->captures[type][st]);
        }
    }
    gauge(t, "pcapd_captures_active",
          "Captures under way (being started, pending, running or being finished).",
          s->captures_active);
    gauge(t, "pcapd_captures_max", "Captures that may be under way at once (max_captures).",
          s->captures_max);
}

/* The work queues off the event loop. */
static void render_queues(struct prom_text *t, const struct appliance_stats *s)
{
    static const char *const lanes[OFFLOAD_LANES] = {
        [OFFLOAD_STORE] = "store", [OFFLOAD_FILES] = "files", [OFFLOAD_ANALYSIS] = "analysis"};
    gauge(t, "pcapd_analysis_queue_depth", "Analysis answers queued or being computed.",
          s->analysis_pending);
    prom_family(t, "pcapd_offload_queue_depth", "gauge",
                "Tasks queued or running on a lane of threads off the event loop.");
    for (unsigned i = 0; i < OFFLOAD_LANES; i++) {
        struct prom_labels l;
        prom_labels_init(&l);
        prom_label(&l, "lane", lanes[i]);
        prom_sample_u64(t, "pcapd_offload_queue_depth", &l, s->offload_pending[i]);
    }
}

/* The disk of state_dir. */
static void render_disk(struct prom_text *t, const struct appliance_stats *s)
{
    if (s->disk_free != UINT64_MAX)
        gauge(t, "pcapd_disk_free_bytes", "Free space of state_dir's file system (last reading).",
              (double)s->disk_free);
    gauge(t, "pcapd_disk_reserve_bytes", "Free space kept on it (disk_reserve_mb).",
          (double)s->disk_reserve);
    prom_family(t, "pcapd_disk_state", "gauge",
                "1 for the state of state_dir's disk: ok, low (below the reserve), full.");
    for (enum disk_state state = DISK_OK; state <= DISK_FULL; state++) {
        struct prom_labels l;
        prom_labels_init(&l);
        prom_label(&l, "state", disk_guard_state_name(state));
        prom_sample_u64(t, "pcapd_disk_state", &l, s->disk == state);
    }
}

/* Writes every family into `t`. */
static void render(struct prom_text *t)
{
    static struct appliance_stats s; /* large; the event loop is one thread */
    appliance_stats_read(&s);
    render_build(t, &s);
    if (s.dpdk) {
        render_ports(t, &s);
        render_rx(t, &s);
        render_rings(t, &s);
        render_writers(t, &s);
        render_table(t, &s);
    }
    render_kernel(t, &s);
    render_drops(t, &s);
    render_captures(t, &s);
    render_queues(t, &s);
    render_disk(t, &s);
    http_metrics_render(t);
}

/* ---- The route ---- */

/* Checks the request's access; answers and returns false if refused. */
static bool allowed(h2o_req_t *req)
{
    if (metrics.access == CONFIG_METRICS_OFF) {
        api_send_error(req, 404, API_ERR_NO_ROUTE,
                       "the metrics are off on this appliance (metrics = off)");
        return false;
    }
    if (!api_method_is(req, "GET") && !api_method_is(req, "HEAD")) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                       H2O_STRLIT("GET, HEAD"));
        api_send_error(req, 405, API_ERR_METHOD_NOT_ALLOWED, "%.*s is not allowed here; use GET",
                       (int)req->method.len, req->method.base);
        return false;
    }
    if (metrics.access == CONFIG_METRICS_OPEN)
        return true;
    struct auth_identity who;
    unsigned retry_after;
    char why[256];
    enum auth_status st =
        auth_request(metrics.tokens, req, false, &who, &retry_after, why, sizeof(why));
    if (st == AUTH_OK)
        return true;
    api_send_auth_failure(req, st, retry_after, why);
    return false;
}

int metrics_api_handle(h2o_req_t *req)
{
    if (!allowed(req))
        return 0;
    struct prom_text t;
    prom_text_init(&t);
    render(&t);
    if (prom_text_failed(&t)) {
        prom_text_free(&t);
        return api_send_error(req, 500, API_ERR_INTERNAL, "out of memory writing the metrics");
    }
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT(PROM_TEXT_CONTENT_TYPE));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    req->res.content_length = t.len;
    h2o_send_inline(req, t.buf, t.len);
    prom_text_free(&t);
    return 0;
}
