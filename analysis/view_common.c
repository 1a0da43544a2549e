/* Owns what the views (views.h) share: reading a frame's occurrences,
 * setting up the fields a view wants, and the paging members. */
#include "views.h"

#include <stdlib.h>

const struct field_value *view_nth(const struct frame_fields *ff, int id, unsigned nth)
{
    for (uint32_t i = 0; i < ff->n; i++)
        if (ff->vals[i].id == id && nth-- == 0)
            return &ff->vals[i];
    return NULL;
}

const struct field_value *view_first(const struct frame_fields *ff, int id)
{
    return view_nth(ff, id, 0);
}

void view_field_ids(const char *const *names, int *ids, size_t n)
{
    registry_init();
    for (size_t i = 0; i < n; i++)
        ids[i] = field_id(names[i]);
}

struct frame_fields *view_fields_new(const int *ids, size_t n)
{
    struct frame_fields *ff = malloc(sizeof(*ff));
    if (ff == NULL)
        return NULL;
    frame_fields_init(ff);
    for (size_t i = 0; i < n; i++)
        frame_fields_want(ff, ids[i]);
    return ff;
}

void view_fields_free(struct frame_fields *ff)
{
    if (ff != NULL)
        frame_fields_free(ff);
    free(ff);
}

json_t *view_page(json_t *obj, const char *name, json_t *items, uint64_t offset, uint64_t limit,
                  bool more)
{
    json_object_set_new(obj, name, items);
    json_object_set_new(obj, "offset", json_integer((json_int_t)offset));
    json_object_set_new(obj, "limit", json_integer((json_int_t)limit));
    json_object_set_new(obj, "more", json_boolean(more));
    return obj;
}
