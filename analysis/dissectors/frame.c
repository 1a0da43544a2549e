/* Owns the frame: its fields (frame.number, times, lengths) and the
 * table of link-layer types ("wtap_encap") every frame is dissected by. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The frame fields. */
static int hf_number, hf_time_epoch, hf_time_relative, hf_len, hf_cap_len;

/* The link-layer types, keyed by LINKTYPE_* value. */
static struct dissector_table *encap_table;

/* Registers the frame fields and the link-type table. */
static void frame_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_number, "frame.number", "Frame Number", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_time_epoch, "frame.time_epoch", "Epoch Time", FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_time_relative, "frame.time_relative", "Time since reference or first frame",
           FT_RELATIVE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_len, "frame.len", "Frame length on the wire", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_cap_len, "frame.cap_len", "Frame length stored into the capture file", FT_UINT32,
           BASE_DEC, 0, NULL),
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
    field_add_uint(ff, hf_number, c->d->frame_number);
    field_add_time(ff, hf_time_epoch, f->ts_ns);
    field_add_time(ff, hf_time_relative, f->ts_ns - c->d->first_ns);
    field_add_uint(ff, hf_len, f->wirelen);
    field_add_uint(ff, hf_cap_len, f->caplen);
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
}
