/* A protocol shown as Wireshark names and counts it in the hierarchy,
 * endpoints and conversations, but without fields yet: its module is
 * one NODE_PROTOCOL line in its own file, giving its filter name, label
 * and hand-offs.  A dissector with fields is written out instead. */
#ifndef PCAPD_ANALYSIS_DISSECTORS_NODE_H
#define PCAPD_ANALYSIS_DISSECTORS_NODE_H

#include "dissect_internal.h"
#include "dissectors/list.h"

/* One hand-off of a protocol: a key in an integer dissector table. */
struct node_handoff {
    const char *table; /* The table's name, e.g. "udp.port". */
    uint32_t key;      /* The key. */
};

/* Adds h under every one of n hand-offs. */
static inline void node_handoffs(const struct dissector_handle *h, const struct node_handoff *o,
                                 size_t n)
{
    for (size_t i = 0; i < n; i++)
        registry_table_add(o[i].table, o[i].key, h);
}

/* Defines module mod (dissector_mod): protocol filter with its label,
 * registered as a dissector of that name, and the hand-offs that follow
 * ({"table", key} each). */
#define NODE_PROTOCOL(mod, filter, label, ...)                                                     \
    static int proto_##mod;                                                                        \
    static const struct dissector_handle mod##_handle = {&proto_##mod, NULL, NULL};                \
    static void mod##_register(void)                                                               \
    {                                                                                              \
        proto_##mod = registry_proto(filter, label);                                               \
        register_dissector(filter, &mod##_handle);                                                 \
    }                                                                                              \
    static void mod##_handoff(void)                                                                \
    {                                                                                              \
        static const struct node_handoff h[] = {__VA_ARGS__};                                      \
        node_handoffs(&mod##_handle, h, ARRAY_COUNT(h));                                           \
    }                                                                                              \
    const struct dissector_module dissector_##mod = {mod##_register, mod##_handoff}

#endif
