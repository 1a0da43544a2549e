/* Public API of the capture analysis engine: one streaming pass over a
 * pcap or pcapng file computes the CloudShark-style summaries (status,
 * protocol hierarchy, endpoints, conversations), which come out as jansson
 * JSON objects, field-for-field as tshark 4.0 computes them.
 *
 * Typical use by the daemon:
 *
 *     char err[256];
 *     if (analysis_write_cache("ID.pcap", "ID.analysis.json", err, sizeof(err)) < 0) ...
 *     json_t *all = json_load_file("ID.analysis.json", 0, NULL);
 *     json_t *data;
 *     if (analysis_cache_view(all, "endpoints", "ip", &data, err, sizeof(err)) < 0) -> 400
 *     reply {"data": data}
 */
#ifndef PCAPD_ANALYSIS_H
#define PCAPD_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Version of the results format written by analysis_results_json(). */
#define ANALYSIS_RESULTS_VERSION 3

/* The address tables endpoints and conversations are computed for. */
enum analysis_table {
    ANALYSIS_ETH = 0,    /* Ethernet MAC addresses. */
    ANALYSIS_IPV4 = 1,   /* IPv4 addresses ("ip"). */
    ANALYSIS_IPV6 = 2,   /* IPv6 addresses. */
    ANALYSIS_TCP = 3,    /* IP address and TCP port. */
    ANALYSIS_UDP = 4,    /* IP address and UDP port. */
    ANALYSIS_TABLE_COUNT /* Number of tables, not one. */
};

/* The results of one pass over a capture; opaque. */
struct analysis_result;

/* Analyses the capture file at path in one streaming pass.  Returns 0 with
 * *out set, or -1 with a message in err (unreadable, truncated or corrupt file). */
int analysis_run_file(const char *path, struct analysis_result **out, char *err, size_t errlen);

/* Analyses a capture held in memory (used by the fuzzer and tests). */
int analysis_run_memory(const uint8_t *data, size_t len, struct analysis_result **out, char *err,
                        size_t errlen);

/* Frees results; accepts NULL. */
void analysis_result_free(struct analysis_result *r);

/* Returns the table named by an API protocol parameter ("eth", "ip", "ipv6",
 * "tcp", "udp"), or -1 for an unknown name. */
int analysis_table_from_name(const char *name);

/* Returns the API name of a table ("eth", "ip", ...). */
const char *analysis_table_name(enum analysis_table t);

/* Returns the status object: frames, duration, filesize, data_size,
 * start_time, end_time, encapsulation (new reference). */
json_t *analysis_status_json(const struct analysis_result *r);

/* Returns the hierarchy object {"protos": [{proto, frames, bytes, protos}...]} (a leaf
 * node has no "protos"). */
json_t *analysis_hierarchy_json(const struct analysis_result *r);

/* Returns the endpoints object {"protocol": ..., "hosts": [{host, [port,] txf, txb, rxf, rxb}]}. */
json_t *analysis_endpoints_json(const struct analysis_result *r, enum analysis_table t);

/* Returns the conversations object {"protocol": ..., "convs": [{saddr, daddr, [sport, dport,]
 * txf, txb, rxf, rxb, start, stop, duration, totalf, totalb}]}. */
json_t *analysis_conversations_json(const struct analysis_result *r, enum analysis_table t);

/* Returns every analysis in one object, the form the daemon caches:
 * {"version", "status", "hierarchy", "endpoints": {eth, ip, ...}, "conversations": {...}}. */
json_t *analysis_results_json(const struct analysis_result *r);

/* Analyses pcap_path into one object: the summaries of
 * analysis_results_json() plus "dns_lookups" and "tls_hosts" (a
 * per-packet pass).  Returns 0 with *results set (a new reference), or -1
 * with a message in err. */
int analysis_results_file(const char *pcap_path, json_t **results, char *err, size_t errlen);
/* Analyses pcap_path and writes its complete results JSON to cache_path
 * (the summaries of analysis_results_json() plus "dns_lookups" and
 * "tls_hosts", which need a per-packet pass)
 * (through a temporary file and rename, so readers never see half a file).
 * Returns 0, or -1 with a message in err. */
int analysis_write_cache(const char *pcap_path, const char *cache_path, char *err, size_t errlen);

/* Picks one API answer out of cached results: view is "status",
 * "hierarchy", "endpoints", "conversations", "dns_lookups" or
 * "tls_hosts"; protocol names the table
 * for the last two.  Sets *data to a new reference to the object to send
 * as {"data": *data}.  Returns 0, or -1 with a message for a bad view or
 * protocol (a 400 for the API). */
int analysis_cache_view(json_t *results, const char *view, const char *protocol, json_t **data,
                        char *err, size_t errlen);

#endif
