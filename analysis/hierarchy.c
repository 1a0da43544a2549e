/* Owns the protocol hierarchy: the tree of protocol chains with frame and
 * byte counts that `tshark -qz io,phs` prints, and its JSON form. */
#include "analysis_internal.h"

#include <stdlib.h>

/* Returns the child of parent for proto, appending a new one if absent (NULL when out of memory).
 */
static struct phs_node *phs_child(struct phs_node *parent, uint16_t proto)
{
    struct phs_node **link = &parent->child;
    while (*link) {
        if ((*link)->proto == proto)
            return *link;
        link = &(*link)->next;
    }
    struct phs_node *n = calloc(1, sizeof(*n));
    if (n) {
        n->proto = proto;
        *link = n;
    }
    return n;
}

/* Adds a frame's protocol chain to the hierarchy. */
int hierarchy_add(struct hierarchy *h, const uint16_t *chain, unsigned n, uint32_t wirelen)
{
    struct phs_node *node = &h->root;
    for (unsigned i = 0; i < n; i++) {
        node = phs_child(node, chain[i]);
        if (!node)
            return -1;
        node->frames++;
        node->bytes += wirelen;
    }
    return 0;
}

/* Frees a node's descendants and following siblings. */
static void phs_free(struct phs_node *n)
{
    while (n) {
        struct phs_node *next = n->next;
        phs_free(n->child);
        free(n);
        n = next;
    }
}

/* Frees the hierarchy's nodes. */
void hierarchy_free(struct hierarchy *h)
{
    phs_free(h->root.child);
    h->root.child = NULL;
}

/* Returns the JSON array of a node's children and their subtrees.  A leaf
 * has no "protos" key, as in CloudShark's answers (and sharkd's phs tap
 * they come from), so that `select(.protos == null)` finds the leaves. */
static json_t *phs_children_json(const struct phs_node *parent)
{
    json_t *arr = json_array();
    for (const struct phs_node *n = parent->child; n; n = n->next) {
        json_t *node = json_pack("{s:s, s:I, s:I}", "proto", proto_name(n->proto), "frames",
                                 (json_int_t)n->frames, "bytes", (json_int_t)n->bytes);
        if (n->child)
            json_object_set_new(node, "protos", phs_children_json(n));
        json_array_append_new(arr, node);
    }
    return arr;
}

/* Returns the hierarchy as {"protos": [...]}. */
json_t *hierarchy_json(const struct hierarchy *h)
{
    return json_pack("{s:o}", "protos", phs_children_json(&h->root));
}
