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
    for (int id = 1; id < registry_field_count(); id++) {
        const struct field_def *d = field_def(id);
        uint8_t b[16];
        for (int k = 0; k < 2; k++) {
            take(tail, len, &at, b, sizeof(b));
            uint64_t u;
            memcpy(&u, b, sizeof(u));
            switch (d->kind) {
            case FK_UINT:
                field_add_uint(ff, id, (k ? u : u & 0xffff) & d->max);
                break;
            case FK_INT:
                field_add_int(ff, id, (int64_t)(k ? u : u & 0xffff));
                break;
            case FK_TIME:
                field_add_time(ff, id, (int64_t)(k ? u : u & 0xffffffff));
                break;
            case FK_DOUBLE:
                field_add_double(ff, id, (double)(int64_t)u / 1024.0);
                break;
            case FK_BOOL:
                field_add_uint(ff, id, b[0] & 1);
                break;
            case FK_IPV4:
                field_add_ipv4(ff, id, b);
                break;
            case FK_IPV6:
                field_add_ipv6(ff, id, b);
                break;
            case FK_ETHER:
                field_add_ether(ff, id, b);
                break;
            case FK_STRING:
                field_add_string(ff, id, (const char *)tail, k ? len : len / 2);
                break;
            case FK_BYTES:
                field_add_bytes(ff, id, tail, k ? len : len / 2);
                break;
            case FK_NONE:
            default:
                field_add_present(ff, id);
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
    for (int id = 1; id < registry_field_count(); id++)
        frame_fields_want(&ff, id);
    (void)display_filter_match(df, &ff);
    fill_frame(&ff, tail, tlen);
    (void)display_filter_match(df, &ff);
    frame_fields_free(&ff);
    display_filter_free(df);
    return 0;
}
