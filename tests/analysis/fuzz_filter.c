/* libFuzzer target over the display-filter compiler and evaluator: the
 * input up to its first NUL byte is a filter expression; the bytes after
 * it (if any) feed the values of a synthetic frame, which every filter that
 * compiles is evaluated on, alongside a fixed frame holding every field.
 * Built only with clang (see run-fuzz.sh). */
#include "display_filter.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Most bytes of the expression kept (longer inputs are cut). */
#define FUZZ_MAX_EXPR 4096

/* Copies up to n bytes of the tail into out, repeating it, or zeros when it is empty. */
static void take(const uint8_t *tail, size_t len, size_t *at, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = len ? tail[(*at)++ % len] : 0;
}

/* Records, for every value field, two occurrences drawn from the tail bytes
 * (text fields take the whole tail and a slice of it), and every protocol. */
static void fill_frame(struct frame_fields *ff, const uint8_t *tail, size_t len)
{
    size_t at = 0;
    for (int id = 0; id < F_COUNT; id++) {
        const struct field_def *d = field_def((enum field_id)id);
        uint8_t b[16];
        for (int k = 0; k < 2; k++) {
            take(tail, len, &at, b, sizeof(b));
            uint64_t u;
            memcpy(&u, b, sizeof(u));
            switch (d->type) {
            case FT_UINT:
                field_add_uint(ff, (enum field_id)id, k ? u : u & 0xffff);
                break;
            case FT_TIME:
                field_add_time(ff, (enum field_id)id, (int64_t)(k ? u : u & 0xffffffff));
                break;
            case FT_BOOL:
                field_add_uint(ff, (enum field_id)id, b[0] & 1);
                break;
            case FT_IPV4:
                field_add_ipv4(ff, (enum field_id)id, b);
                break;
            case FT_IPV6:
                field_add_ipv6(ff, (enum field_id)id, b);
                break;
            case FT_ETHER:
                field_add_ether(ff, (enum field_id)id, b);
                break;
            case FT_STRING:
                field_add_string(ff, (enum field_id)id, (const char *)tail, k ? len : len / 2);
                break;
            case FT_PROTOCOL:
            default:
                field_add_present(ff, (enum field_id)id);
                break;
            }
        }
    }
}

/* Compiles one input and evaluates it on the synthetic frame and an empty one. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char expr[FUZZ_MAX_EXPR + 1];
    const uint8_t *nul = memchr(data, 0, size);
    size_t elen = nul ? (size_t)(nul - data) : size;
    if (elen > FUZZ_MAX_EXPR)
        elen = FUZZ_MAX_EXPR;
    memcpy(expr, data, elen);
    expr[elen] = '\0';
    const uint8_t *tail = nul ? nul + 1 : (const uint8_t *)"";
    size_t tlen = nul ? size - (size_t)(nul + 1 - data) : 0;

    char err[256];
    size_t pos = 0;
    struct display_filter *df = display_filter_compile(expr, err, sizeof(err), &pos);
    if (df == NULL) {
        if (pos > elen || strlen(err) == 0)
            abort();
        return 0;
    }
    struct frame_fields ff;
    frame_fields_init(&ff);
    display_filter_want(df, &ff);
    for (int id = 0; id < F_COUNT; id++)
        frame_fields_want(&ff, (enum field_id)id);
    (void)display_filter_match(df, &ff);
    fill_frame(&ff, tail, tlen);
    (void)display_filter_match(df, &ff);
    frame_fields_free(&ff);
    display_filter_free(df);
    return 0;
}
