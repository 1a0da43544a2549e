/* Owns the io view: frames and bytes per time interval, one column per
 * display filter, as tshark 4.0's -z io,stat,INTERVAL,FILTER... counts
 * them (tap-iostat.c): a frame falls in interval floor(t / INTERVAL),
 * t its time since the first frame rounded to the microsecond, and the
 * intervals run from 0 to the one holding the capture's last frame.  The
 * counts are kept per interval that has frames; the answer fills the
 * empty ones with zeros, a page at a time. */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields every io pass reads. */
enum io_field { IO_TIME, IO_LEN, IO_COUNT };

/* Their names. */
static const char *const io_names[IO_COUNT] = {"frame.time_relative", "frame.len"};

/* The counts of the intervals that have frames. */
struct io_rows {
    uint64_t *idx;    /* Interval index of each row. */
    uint64_t *counts; /* Per row: frames then bytes of each column (2 * cols). */
    size_t n;         /* Rows. */
    size_t cap;       /* Allocated rows. */
};

/* The state of one io pass. */
struct io_pass {
    int fid[IO_COUNT];                                  /* Field ids. */
    struct display_filter *filter[VIEW_IO_MAX_FILTERS]; /* The columns' filters (NULL: all). */
    size_t cols;                                        /* Number of columns. */
    uint64_t interval_us;                               /* The interval (0: one). */
    uint64_t last_us;                                   /* Latest frame time seen. */
    struct io_rows rows;                                /* The counts. */
};

int view_io_parse_interval(const char *text, uint64_t *us)
{
    uint64_t whole = 0, frac = 0, scale = 1000000;
    const char *p = text;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((whole = whole * 10 + (uint64_t)(*p - '0')) > VIEW_IO_MAX_INTERVAL_US / 1000000)
            return -1;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (scale == 1)
                return -1; /* Finer than a microsecond. */
            scale /= 10;
            frac += (uint64_t)(*p - '0') * scale;
        }
    *us = whole * 1000000 + frac;
    return *p == '\0' && p[-1] != '.' && *us <= VIEW_IO_MAX_INTERVAL_US ? 0 : -1;
}

/* Returns the counts of interval idx, adding a row; NULL when out of memory. */
static uint64_t *io_row(struct io_pass *io, uint64_t idx)
{
    struct io_rows *r = &io->rows;
    size_t width = 2 * io->cols;
    if (r->n > 0 && r->idx[r->n - 1] == idx)
        return &r->counts[(r->n - 1) * width];
    for (size_t i = r->n; i-- > 0 && r->n - i < 64;) /* Frames a little out of time order. */
        if (r->idx[i] == idx)
            return &r->counts[i * width];
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        uint64_t *ix = realloc(r->idx, cap * sizeof(*ix));
        if (ix != NULL)
            r->idx = ix;
        uint64_t *c = ix ? realloc(r->counts, cap * width * sizeof(*c)) : NULL;
        if (c == NULL)
            return NULL;
        r->counts = c;
        r->cap = cap;
    }
    r->idx[r->n] = idx;
    memset(&r->counts[r->n * width], 0, width * sizeof(*r->counts));
    return &r->counts[r->n++ * width];
}

/* Counts one frame in its interval (a packet_pass_cb). */
static int io_frame(void *arg, const struct frame_fields *ff)
{
    struct io_pass *io = arg;
    const struct field_value *t = view_first(ff, io->fid[IO_TIME]);
    const struct field_value *len = view_first(ff, io->fid[IO_LEN]);
    int64_t ns = t ? t->v.ns : 0;
    uint64_t us = ns > 0 ? ((uint64_t)ns + 500) / 1000 : 0;
    if (us > io->last_us)
        io->last_us = us;
    uint64_t *c = io_row(io, io->interval_us ? us / io->interval_us : 0);
    if (c == NULL)
        return -1;
    for (size_t k = 0; k < io->cols; k++)
        if (io->filter[k] == NULL || display_filter_match(io->filter[k], ff)) {
            c[2 * k]++;
            c[2 * k + 1] += len ? len->v.u : 0;
        }
    return 0;
}

/* Orders rows by interval (each record starts with its interval index). */
static int row_cmp(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Returns the rows sorted by interval, duplicates merged, as one array of
 * (idx, counts...) records of 1 + 2 * cols words; *n gets their number. */
static uint64_t *io_sorted(const struct io_pass *io, size_t *n)
{
    size_t width = 2 * io->cols, rec = 1 + width;
    uint64_t *all = malloc((io->rows.n ? io->rows.n : 1) * rec * sizeof(*all));
    if (all == NULL)
        return NULL;
    for (size_t i = 0; i < io->rows.n; i++) {
        all[i * rec] = io->rows.idx[i];
        memcpy(&all[i * rec + 1], &io->rows.counts[i * width], width * sizeof(*all));
    }
    qsort(all, io->rows.n, rec * sizeof(*all), row_cmp);
    size_t out = 0;
    for (size_t i = 0; i < io->rows.n; i++) {
        if (out > 0 && all[(out - 1) * rec] == all[i * rec]) {
            for (size_t k = 1; k < rec; k++)
                all[(out - 1) * rec + k] += all[i * rec + k];
        } else {
            memmove(&all[out * rec], &all[i * rec], rec * sizeof(*all));
            out++;
        }
    }
    *n = out;
    return all;
}

/* Builds the page [offset, offset + limit) of the intervals. */
static json_t *io_answer(const struct io_pass *io, const char *const *filters, uint64_t offset,
                         uint64_t limit)
{
    size_t n_rows, rec = 1 + 2 * io->cols, r = 0;
    uint64_t *rows = io_sorted(io, &n_rows);
    if (rows == NULL)
        return NULL;
    uint64_t total = io->rows.n == 0 ? 0 : io->interval_us ? io->last_us / io->interval_us + 1 : 1;
    json_t *columns = json_array(), *intervals = json_array();
    for (size_t k = 0; k < io->cols; k++)
        json_array_append_new(columns, json_string(io->filter[k] ? filters[k] : ""));
    for (uint64_t i = offset; i < total && i - offset < limit; i++) {
        while (r < n_rows && rows[r * rec] < i)
            r++;
        const uint64_t *c = r < n_rows && rows[r * rec] == i ? &rows[r * rec + 1] : NULL;
        json_t *frames = json_array(), *bytes = json_array();
        for (size_t k = 0; k < io->cols; k++) {
            json_array_append_new(frames, json_integer(c ? (json_int_t)c[2 * k] : 0));
            json_array_append_new(bytes, json_integer(c ? (json_int_t)c[2 * k + 1] : 0));
        }
        uint64_t end = io->interval_us ? (i + 1) * io->interval_us : io->last_us;
        json_array_append_new(
            intervals, json_pack("{s:f,s:f,s:o,s:o}", "start", (double)(i * io->interval_us) / 1e6,
                                 "end", (double)(end < io->last_us ? end : io->last_us) / 1e6,
                                 "frames", frames, "bytes", bytes));
    }
    free(rows);
    json_t *obj =
        json_pack("{s:f,s:f,s:o,s:I}", "interval", (double)io->interval_us / 1e6, "duration",
                  (double)io->last_us / 1e6, "columns", columns, "total", (json_int_t)total);
    return view_page(obj, "intervals", intervals, offset, limit, total > offset + limit);
}

/* Compiles the filters into io; returns PQ_OK or PQ_BAD_QUERY. */
static int io_compile(struct io_pass *io, const char *const *filters, size_t n_filters,
                      size_t *bad_filter, size_t *err_pos, char *err, size_t errlen)
{
    io->cols = n_filters ? n_filters : 1;
    for (size_t k = 0; k < n_filters; k++) {
        *bad_filter = k;
        if (filters[k][0] == '\0') {
            snprintf(err, errlen, "empty filter");
            *err_pos = 0;
            return PQ_BAD_QUERY;
        }
        if ((io->filter[k] = display_filter_compile(filters[k], err, errlen, err_pos)) == NULL)
            return PQ_BAD_QUERY;
    }
    return PQ_OK;
}

int view_io_json(const struct packet_source *src, uint64_t interval_us, const char *const *filters,
                 size_t n_filters, uint64_t offset, uint64_t limit, json_t **data,
                 size_t *bad_filter, size_t *err_pos, char *err, size_t errlen)
{
    struct io_pass io = {.interval_us = interval_us};
    struct frame_fields *ff = NULL;
    *data = NULL;
    *bad_filter = 0;
    *err_pos = 0;
    if (n_filters > VIEW_IO_MAX_FILTERS) {
        snprintf(err, errlen, "more than %d filters", VIEW_IO_MAX_FILTERS);
        return PQ_BAD_QUERY;
    }
    int rc = io_compile(&io, filters, n_filters, bad_filter, err_pos, err, errlen);
    if (rc == PQ_OK) {
        view_field_ids(io_names, io.fid, IO_COUNT);
        ff = view_fields_new(io.fid, IO_COUNT);
        for (size_t k = 0; ff != NULL && k < n_filters; k++)
            display_filter_want(io.filter[k], ff);
        rc = ff ? packet_pass_run(src, ff, NULL, io_frame, &io, err, errlen) : PQ_BAD_FILE;
        if (rc == PQ_OK)
            *data = io_answer(&io, filters, offset, limit);
        if (ff == NULL || (rc == PQ_OK && *data == NULL)) {
            snprintf(err, errlen, "out of memory");
            rc = PQ_BAD_FILE;
        }
    }
    view_fields_free(ff);
    for (size_t k = 0; k < n_filters; k++)
        display_filter_free(io.filter[k]);
    free(io.rows.idx);
    free(io.rows.counts);
    return rc;
}
