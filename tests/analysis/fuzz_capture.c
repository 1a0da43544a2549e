/* libFuzzer target over the analysis engine: the input is a capture file
 * (pcap or pcapng); it goes through the reader, every dissector (with
 * every per-packet field recorded and printed), every JSON producer, and
 * the DNS lookups and TLS hosts answers.  Built only with clang (see
 * run-fuzz.sh). */
#include "analysis.h"
#include "packet_fields.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Prints every recorded field of one frame, discarding the text (a packet_pass_cb). */
static int format_all(void *arg, const struct frame_fields *ff)
{
    char buf[256];
    (void)arg;
    for (uint32_t i = 0; i < ff->n; i++)
        field_format(ff, &ff->vals[i], buf, sizeof(buf));
    return 0;
}

/* Runs the per-packet pass wanting every field, then the two list answers. */
static void fuzz_packet_queries(const uint8_t *data, size_t size)
{
    struct packet_source src = {.mem = data, .mem_len = size};
    struct frame_fields *ff = malloc(sizeof(*ff));
    json_t *dns = NULL, *tls = NULL;
    char err[256];

    if (!ff)
        return;
    frame_fields_init(ff);
    for (int id = 1; id < registry_field_count(); id++)
        frame_fields_want(ff, id);
    packet_pass_run(&src, ff, NULL, format_all, NULL, err, sizeof(err));
    frame_fields_free(ff);
    free(ff);
    if (packet_queries_json(&src, &dns, &tls, err, sizeof(err)) == PQ_OK) {
        free(json_dumps(dns, JSON_COMPACT));
        free(json_dumps(tls, JSON_COMPACT));
    }
    json_decref(dns);
    json_decref(tls);
}

/* Analyses one input and renders every result, discarding them. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct analysis_result *r;
    char err[256];

    if (analysis_run_memory(data, size, &r, err, sizeof(err)) < 0)
        return 0;
    json_t *all = analysis_results_json(r);
    char *text = json_dumps(all, JSON_COMPACT);
    free(text);
    json_decref(all);
    analysis_result_free(r);
    fuzz_packet_queries(data, size);
    return 0;
}
