/* Owns the frame: its fields (frame.number, times, lengths) and the
 * table of link-layer types ("wtap_encap") every frame is dissected by. */
#include "dissect_internal.h"
#include "dissectors/list.h"

#include <string.h>

/* The frame fields. */
static int hf_number, hf_time, hf_time_epoch, hf_time_delta, hf_time_relative, hf_len, hf_cap_len,
    hf_marked, hf_ignored, hf_offset_shift, hf_protocols;

/* The link-layer types, keyed by LINKTYPE_* value. */
static struct dissector_table *encap_table;

/* Registers the frame fields and the link-type table. */
static void frame_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_time, "frame.time", "Arrival Time", FT_ABSOLUTE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_number, "frame.number", "Frame Number", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_offset_shift, "frame.offset_shift", "Time shift for this packet", FT_RELATIVE_TIME,
           BASE_NONE, 0, NULL),
        HF(&hf_time_epoch, "frame.time_epoch", "Epoch Time", FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_time_delta, "frame.time_delta", "Time delta from previous captured frame",
           FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_time_relative, "frame.time_relative", "Time since reference or first frame",
           FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_len, "frame.len", "Frame length on the wire", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_cap_len, "frame.cap_len", "Frame length stored into the capture file", FT_UINT32,
           BASE_DEC, 0, NULL),
        HF(&hf_marked, "frame.marked", "Frame is marked", FT_BOOLEAN, BASE_NONE, 0, NULL),
        HF(&hf_ignored, "frame.ignored", "Frame is ignored", FT_BOOLEAN, BASE_NONE, 0, NULL),
        HF(&hf_protocols, "frame.protocols", "Protocols in frame", FT_STRING, BASE_NONE, 0, NULL),
    };
    registry_fields(proto_frame, hf, ARRAY_COUNT(hf));
    encap_table = registry_table_new("wtap_encap", 16);
}

const struct dissector_module dissector_frame = {frame_register, NULL};

/* Records the frame fields. */
static __attribute__((noinline)) void frame_fields(struct dissect_ctx *c)
{
    struct frame_fields *ff = c->fields;
    const struct capture_frame *f = c->frame;
    field_add_present(ff, proto_frame);
    field_add_time(ff, hf_time, f->ts_ns);
    field_add_time(ff, hf_offset_shift, 0);
    field_add_time(ff, hf_time_epoch, f->ts_ns);
    field_add_time(ff, hf_time_delta, c->d->frame_number > 1 ? f->ts_ns - c->d->prev_ns : 0);
    field_add_time(ff, hf_time_relative, f->ts_ns - c->d->first_ns);
    field_add_uint(ff, hf_number, c->d->frame_number);
    field_add_uint(ff, hf_len, f->wirelen);
    field_add_uint(ff, hf_cap_len, f->caplen);
    field_add_uint(ff, hf_marked, 0);
    field_add_uint(ff, hf_ignored, 0);
    c->want_layers = fields_want(ff, hf_protocols);
}

/* Records frame.protocols: the layers' names joined by colons. */
static void protocols_field(struct dissect_ctx *c)
{
    char text[CTX_MAX_LAYERS * 24];
    size_t n = 0;
    for (unsigned i = 0; i < c->n_layers; i++) {
        const char *name = field_def(c->layers[i])->name;
        size_t len = strlen(name);
        if (n + len + 1 >= sizeof(text))
            break;
        if (i > 0)
            text[n++] = ':';
        memcpy(text + n, name, len);
        n += len;
    }
    field_add_string(c->fields, hf_protocols, text, n);
}

/* Dissects a whole frame by its link type. */
void frame_dissect(struct dissect_ctx *c, struct span s)
{
    if (c->fields)
        frame_fields(c);
    const struct dissector_handle *h = dissector_table_get(encap_table, c->frame->linktype);
    if (h)
        call_dissector(c, h, s);
    else
        dissect_data(c, s);
    if (c->want_layers)
        protocols_field(c);
    c->d->prev_ns = c->frame->ts_ns;
}
