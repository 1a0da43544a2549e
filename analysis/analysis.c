/* Owns the streaming pass: it reads every packet of a capture once,
 * dissects it and feeds the status counters, the hierarchy, the endpoint
 * and the conversation tables. */
#include "analysis_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocates empty results. */
static struct analysis_result *result_new(void)
{
    struct analysis_result *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    endpoints_init(r);
    conversations_init(r);
    return r;
}

/* Counts one packet in the status fields. */
static void status_add(struct analysis_result *r, const struct capture_frame *f)
{
    if (r->frames == 0) {
        r->first_ns = r->min_ns = r->max_ns = f->ts_ns;
        r->min_digits = r->max_digits = f->ts_digits;
        r->linktype = f->linktype;
    }
    if (f->linktype != r->linktype)
        r->mixed_linktypes = true;
    if (f->ts_ns < r->min_ns) {
        r->min_ns = f->ts_ns;
        r->min_digits = f->ts_digits;
    }
    if (f->ts_ns > r->max_ns) {
        r->max_ns = f->ts_ns;
        r->max_digits = f->ts_digits;
    }
    r->frames++;
    r->data_size += f->wirelen;
}

/* Dissects one packet and counts it in every analysis; returns -1 when out of memory. */
static int result_add_frame(struct analysis_result *r, struct dissector *d,
                            const struct capture_frame *f, struct frame_dissection *fd)
{
    status_add(r, f);
    dissector_run(d, f, fd);
    if (hierarchy_add(&r->hier, fd->chain, fd->n_chain, f->wirelen) < 0 ||
        conversations_add(r, fd, f->wirelen, f->ts_ns - r->first_ns) < 0)
        return -1;
    return 0;
}

/* Runs the pass over an open reader. */
static int analysis_run_reader(struct capture_reader *rd, struct analysis_result **out, char *err,
                               size_t errlen)
{
    struct analysis_result *r = result_new();
    struct dissector d;
    struct frame_dissection fd;
    struct capture_frame f;
    int rc;

    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->format = capture_reader_format(rd);
    r->file_size = capture_reader_file_size(rd);
    dissector_init(&d);
    while ((rc = capture_reader_next(rd, &f, err, errlen)) == 1) {
        if (result_add_frame(r, &d, &f, &fd) < 0) {
            snprintf(err, errlen, "out of memory after %llu frames", (unsigned long long)r->frames);
            rc = -1;
            break;
        }
    }
    dissector_free(&d);
    if (rc == 0 && endpoints_from_conversations(r) < 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc < 0) {
        analysis_result_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

/* Analyses the capture file at path. */
int analysis_run_file(const char *path, struct analysis_result **out, char *err, size_t errlen)
{
    struct capture_reader *rd;
    *out = NULL;
    if (capture_reader_open(path, &rd, err, errlen) < 0)
        return -1;
    int rc = analysis_run_reader(rd, out, err, errlen);
    capture_reader_close(rd);
    return rc;
}

/* Analyses a capture held in memory. */
int analysis_run_memory(const uint8_t *data, size_t len, struct analysis_result **out, char *err,
                        size_t errlen)
{
    struct capture_reader *rd;
    *out = NULL;
    if (capture_reader_open_mem(data, len, &rd, err, errlen) < 0)
        return -1;
    int rc = analysis_run_reader(rd, out, err, errlen);
    capture_reader_close(rd);
    return rc;
}

/* Frees results. */
void analysis_result_free(struct analysis_result *r)
{
    if (!r)
        return;
    hierarchy_free(&r->hier);
    endpoints_free(r);
    conversations_free(r);
    free(r);
}
