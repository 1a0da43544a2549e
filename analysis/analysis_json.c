/* Owns the JSON side of the engine: the status object, the complete
 * results object the daemon caches, writing that cache atomically, and
 * picking one API answer out of it. */
#include "analysis_internal.h"
#include "packet_fields.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* API names of the address tables, indexed by enum analysis_table. */
static const char *const table_names[ANALYSIS_TABLE_COUNT] = {"eth", "ip", "ipv6", "tcp", "udp"};

/* Returns the table named by an API protocol parameter, or -1. */
int analysis_table_from_name(const char *name)
{
    for (int t = 0; t < ANALYSIS_TABLE_COUNT; t++)
        if (name && strcmp(name, table_names[t]) == 0)
            return t;
    return -1;
}

/* Returns the API name of a table. */
const char *analysis_table_name(enum analysis_table t)
{
    return (unsigned)t < ANALYSIS_TABLE_COUNT ? table_names[t] : "?";
}

/* Returns Wireshark's short name of a link type's encapsulation (as capinfos -E -T prints it). */
static const char *encapsulation_name(uint32_t linktype)
{
    switch (linktype) {
    case LINKTYPE_ETHERNET:
        return "ether";
    case LINKTYPE_NULL:
        return "null";
    case LINKTYPE_PPP:
    case LINKTYPE_PPP_HDLC:
        return "ppp";
    case LINKTYPE_LINUX_SLL:
        return "linux-sll";
    case LINKTYPE_LINUX_SLL2:
        return "linux-sll2";
    case LINKTYPE_RAW:
        return "rawip";
    case LINKTYPE_IPV4:
        return "rawip4";
    case LINKTYPE_IPV6:
        return "rawip6";
    case LINKTYPE_NFLOG:
        return "nflog";
    default:
        return "unknown";
    }
}

/* Writes a timestamp as ISO 8601 UTC with the given number of fractional digits. */
static void format_time(int64_t ns, uint32_t digits, char *buf, size_t len)
{
    time_t sec = (time_t)(ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000);
    int64_t frac = ns - (int64_t)sec * 1000000000;
    struct tm tm;
    char base[64], fr[32];
    gmtime_r(&sec, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    if (digits == 0) {
        snprintf(buf, len, "%sZ", base);
        return;
    }
    snprintf(fr, sizeof(fr), "%09lld", (long long)frac);
    fr[digits > 9 ? 9 : digits] = '\0';
    size_t n = strlen(base);
    snprintf(buf, len, "%.*s.%.9sZ", (int)n, base, fr);
}

/* Returns the status object. */
json_t *analysis_status_json(const struct analysis_result *r)
{
    char start[48] = "", end[48] = "";
    if (r->frames > 0) {
        format_time(r->min_ns, r->min_digits, start, sizeof(start));
        format_time(r->max_ns, r->max_digits, end, sizeof(end));
    }
    const char *encap = r->frames == 0       ? "unknown"
                        : r->mixed_linktypes ? "per-packet"
                                             : encapsulation_name(r->linktype);
    return json_pack("{s:I, s:f, s:I, s:I, s:s?, s:s?, s:s, s:s}", "frames", (json_int_t)r->frames,
                     "duration", (double)(r->max_ns - r->min_ns) / 1e9, "filesize",
                     (json_int_t)r->file_size, "data_size", (json_int_t)r->data_size, "start_time",
                     r->frames ? start : NULL, "end_time", r->frames ? end : NULL, "encapsulation",
                     encap, "format", r->format == CAPTURE_FORMAT_PCAPNG ? "pcapng" : "pcap");
}

/* Returns the hierarchy object. */
json_t *analysis_hierarchy_json(const struct analysis_result *r)
{
    return hierarchy_json(&r->hier);
}

/* Returns the endpoints object of a table. */
json_t *analysis_endpoints_json(const struct analysis_result *r, enum analysis_table t)
{
    return endpoints_json(r, t);
}

/* Returns the conversations object of a table. */
json_t *analysis_conversations_json(const struct analysis_result *r, enum analysis_table t)
{
    return conversations_json(r, t);
}

/* Returns every analysis in one object. */
json_t *analysis_results_json(const struct analysis_result *r)
{
    json_t *eps = json_object(), *convs = json_object();
    for (int t = 0; t < ANALYSIS_TABLE_COUNT; t++) {
        json_object_set_new(eps, table_names[t], endpoints_json(r, (enum analysis_table)t));
        json_object_set_new(convs, table_names[t], conversations_json(r, (enum analysis_table)t));
    }
    return json_pack("{s:i, s:o, s:o, s:o, s:o}", "version", ANALYSIS_RESULTS_VERSION, "status",
                     analysis_status_json(r), "hierarchy", hierarchy_json(&r->hier), "endpoints",
                     eps, "conversations", convs);
}

/* Analyses pcap_path: the summaries and the per-packet views in one object. */
int analysis_results_file(const char *pcap_path, json_t **results, char *err, size_t errlen)
{
    struct analysis_result *r;
    *results = NULL;
    if (analysis_run_file(pcap_path, &r, err, errlen) < 0)
        return -1;
    json_t *all = analysis_results_json(r), *dns = NULL, *tls = NULL;
    analysis_result_free(r);
    struct packet_source src = {.path = pcap_path};
    if (packet_queries_json(&src, &dns, &tls, err, errlen) != PQ_OK) {
        json_decref(all);
        return -1;
    }
    json_object_set_new(all, "dns_lookups", dns);
    json_object_set_new(all, "tls_hosts", tls);
    *results = all;
    return 0;
}

/* Analyses pcap_path and writes its complete results JSON to cache_path atomically. */
int analysis_write_cache(const char *pcap_path, const char *cache_path, char *err, size_t errlen)
{
    char tmp[4096];
    json_t *all;
    if (analysis_results_file(pcap_path, &all, err, errlen) < 0)
        return -1;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", cache_path) >= (int)sizeof(tmp)) {
        json_decref(all);
        snprintf(err, errlen, "cache path too long");
        return -1;
    }
    int rc = json_dump_file(all, tmp, JSON_COMPACT);
    json_decref(all);
    if (rc < 0 || rename(tmp, cache_path) < 0) {
        snprintf(err, errlen, "cannot write %s: %s", cache_path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Picks one API answer out of cached results. */
int analysis_cache_view(json_t *results, const char *view, const char *protocol, json_t **data,
                        char *err, size_t errlen)
{
    *data = NULL;
    if (!json_is_object(results)) {
        snprintf(err, errlen, "analysis results are not a JSON object");
        return -1;
    }
    if (strcmp(view, "status") == 0 || strcmp(view, "hierarchy") == 0) {
        *data = json_incref(json_object_get(results, view));
    } else if (strcmp(view, "dns_lookups") == 0 || strcmp(view, "tls_hosts") == 0) {
        *data = json_incref(json_object_get(results, view));
    } else if (strcmp(view, "endpoints") == 0 || strcmp(view, "conversations") == 0) {
        if (analysis_table_from_name(protocol) < 0) {
            snprintf(err, errlen, "protocol: must be one of eth, ip, ipv6, tcp, udp");
            return -1;
        }
        *data = json_incref(json_object_get(json_object_get(results, view), protocol));
    } else {
        snprintf(err, errlen, "unknown analysis '%s'", view);
        return -1;
    }
    if (!*data) {
        snprintf(err, errlen, "analysis results lack '%s'", view);
        return -1;
    }
    return 0;
}
