/* Owns the per-packet pass (read, record the wanted fields, filter) and
 * the packets/fields answer built on it.  DNS lookups and TLS hosts, the
 * two other per-packet questions, are in packet_queries.c. */
#include "packet_fields.h"

#include "capture_reader.h"
#include "dissect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most fields one packets/fields query may name. */
#define PF_MAX_FIELDS 64

/* Opens the capture a source names. */
static int source_open(const struct packet_source *src, struct capture_reader **rd, char *err,
                       size_t errlen)
{
    if (src->path)
        return capture_reader_open(src->path, rd, err, errlen);
    return capture_reader_open_mem(src->mem, src->mem_len, rd, err, errlen);
}

/* One pass over the capture with dissector d: every frame is dissected
 * into ff (when d->fields is set) and, when it passes filter, given to cb.
 * cb may be NULL (a first pass).  Returns PQ_OK or PQ_BAD_FILE. */
static int pass_once(const struct packet_source *src, struct dissector *d,
                     const struct display_filter *filter, packet_pass_cb cb, void *arg, char *err,
                     size_t errlen)
{
    struct capture_reader *rd;
    struct capture_frame f;
    struct frame_dissection fd;
    struct frame_fields *ff = d->fields;
    uint64_t n = 0;
    int rc;

    if (source_open(src, &rd, err, errlen) < 0)
        return PQ_BAD_FILE;
    while ((rc = capture_reader_next(rd, &f, err, errlen)) == 1) {
        n++;
        if (ff)
            frame_fields_reset(ff);
        dissector_run(d, &f, &fd);
        if (!cb || (filter && !display_filter_match(filter, ff)))
            continue;
        if (ff->oom || (rc = cb(arg, ff)) < 0) {
            snprintf(err, errlen, "out of memory at frame %llu", (unsigned long long)n);
            rc = -1;
            break;
        }
        if (rc == 1) {
            rc = 0;
            break;
        }
    }
    capture_reader_close(rd);
    return rc < 0 ? PQ_BAD_FILE : PQ_OK;
}

/* Runs the per-packet pass, in two passes when a wanted field needs one. */
int packet_pass_run(const struct packet_source *src, struct frame_fields *ff,
                    const struct display_filter *filter, packet_pass_cb cb, void *arg, char *err,
                    size_t errlen)
{
    struct dissector first, second;
    int rc = PQ_OK;

    if (filter)
        display_filter_want(filter, ff);
    dissector_init(&second);
    second.fields = ff;
    if (dissector_needs_first_pass(ff)) {
        dissector_init(&first);
        first.next_pass = ff;
        rc = pass_once(src, &first, NULL, NULL, NULL, err, errlen);
        if (rc == PQ_OK)
            dissector_take_first_pass(&second, &first);
        dissector_free(&first);
    }
    if (rc == PQ_OK)
        rc = pass_once(src, &second, filter, cb, arg, err, errlen);
    dissector_free(&second);
    return rc;
}

/* Parses a comma-separated list of field names into ids. */
int packet_fields_parse_list(const char *list, int *ids, size_t max, char *err, size_t errlen,
                             size_t *err_pos)
{
    size_t n = 0, pos = 0;
    for (;;) {
        size_t len = strcspn(list + pos, ",");
        int id = field_lookup(list + pos, len);
        *err_pos = pos;
        if (len == 0) {
            snprintf(err, errlen, "empty field name at offset %zu", pos);
            return -1;
        }
        if (id < 0 || field_def(id)->type == FT_PROTOCOL) {
            snprintf(err, errlen, "\"%.*s\" at offset %zu is %s", (int)(len > 64 ? 64 : len),
                     list + pos, pos,
                     id < 0 ? "not a known field" : "a protocol, not a field with values");
            return -1;
        }
        if (n == max) {
            snprintf(err, errlen, "more than %zu fields", max);
            return -1;
        }
        ids[n++] = id;
        pos += len;
        if (list[pos] == '\0')
            return (int)n;
        pos++;
    }
}

/* Returns a JSON string of text, replacing bytes that are not UTF-8 (a
 * dissector's escaping should leave none) so that the answer stays valid JSON. */
json_t *packet_json_text(const char *text, size_t len)
{
    json_t *s = json_stringn(text, len);
    if (s || len == 0)
        return s ? s : json_string("");
    char *copy = malloc(len);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < len; i++)
        copy[i] = (unsigned char)text[i] < 0x80 ? text[i] : '?';
    s = json_stringn(copy, len);
    free(copy);
    return s;
}

/* Returns the JSON form of field id in one frame: a string for one
 * occurrence, an array for several, NULL when absent. */
static json_t *field_json(const struct frame_fields *ff, int id)
{
    json_t *one = NULL, *many = NULL;
    char buf[512];
    for (uint32_t i = 0; i < ff->n; i++) {
        if (ff->vals[i].id != id)
            continue;
        size_t len;
        char *text = field_text(ff, &ff->vals[i], buf, sizeof(buf), &len);
        json_t *v = text ? packet_json_text(text, len) : NULL;
        if (text != buf)
            free(text);
        if (!one) {
            one = v;
        } else {
            if (!many) {
                many = json_array();
                json_array_append_new(many, one);
            }
            json_array_append_new(many, v);
        }
    }
    return many ? many : one;
}

/* The state of a packets/fields answer being built. */
struct pf_answer {
    const int *ids;      /* The requested fields. */
    size_t n_ids;        /* Number of requested fields. */
    uint64_t skip;       /* Matching frames still to skip (the offset). */
    uint64_t limit;      /* Most frames to return. */
    json_t *packets;     /* The frames returned so far. */
    bool more;           /* True when a matching frame exists past the limit. */
    int frame_number_id; /* The id of frame.number. */
};

/* Adds one matching frame to the answer (a packet_pass_cb). */
static int pf_add(void *arg, const struct frame_fields *ff)
{
    struct pf_answer *a = arg;
    if (a->skip > 0) {
        a->skip--;
        return 0;
    }
    if (json_array_size(a->packets) == a->limit) {
        a->more = true;
        return 1;
    }
    json_t *fields = json_object();
    for (size_t i = 0; i < a->n_ids; i++) {
        json_t *v = field_json(ff, a->ids[i]);
        if (v)
            json_object_set_new(fields, field_def(a->ids[i])->name, v);
    }
    uint64_t frame = 0;
    for (uint32_t i = 0; i < ff->n; i++)
        if (ff->vals[i].id == a->frame_number_id)
            frame = ff->vals[i].v.u;
    json_t *pkt = json_pack("{s:I,s:o}", "frame", (json_int_t)frame, "fields", fields);
    return pkt && json_array_append_new(a->packets, pkt) == 0 ? 0 : -1;
}

/* Answers packets/fields. */
int packet_fields_json(const struct packet_source *src, const char *field_list,
                       const char *filter_expr, uint64_t offset, uint64_t limit, json_t **data,
                       const char **param, size_t *err_pos, char *err, size_t errlen)
{
    int ids[PF_MAX_FIELDS];
    struct display_filter *filter = NULL;
    struct frame_fields *ff;
    int n;

    *data = NULL;
    *param = "fields";
    if ((n = packet_fields_parse_list(field_list, ids, PF_MAX_FIELDS, err, errlen, err_pos)) < 0)
        return PQ_BAD_QUERY;
    if (filter_expr && filter_expr[0] != '\0') {
        *param = "filter";
        filter = display_filter_compile(filter_expr, err, errlen, err_pos);
        if (!filter)
            return PQ_BAD_QUERY;
    }
    ff = malloc(sizeof(*ff));
    if (!ff) {
        display_filter_free(filter);
        snprintf(err, errlen, "out of memory");
        return PQ_BAD_FILE;
    }
    frame_fields_init(ff);
    registry_init();
    int frame_number = field_id("frame.number");
    frame_fields_want(ff, frame_number);
    for (int i = 0; i < n; i++)
        frame_fields_want(ff, ids[i]);
    struct pf_answer a = {ids, (size_t)n, offset, limit, json_array(), false, frame_number};
    int rc = packet_pass_run(src, ff, filter, pf_add, &a, err, errlen);
    frame_fields_free(ff);
    free(ff);
    display_filter_free(filter);
    if (rc != PQ_OK) {
        json_decref(a.packets);
        return rc;
    }
    *data = json_pack("{s:o,s:I,s:I,s:b}", "packets", a.packets, "offset", (json_int_t)offset,
                      "limit", (json_int_t)limit, "more", a.more);
    return PQ_OK;
}
