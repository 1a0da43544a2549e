/* libFuzzer target over the analysis engine: the input is a capture file
 * (pcap or pcapng); it goes through the reader, every dissector and every
 * JSON producer.  Built only with clang (see run-fuzz.sh). */
#include "analysis.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
    return 0;
}
