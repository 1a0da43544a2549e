/* Owns the Ethernet configuration test protocol (loopback, EtherType
 * 0x9000): its node, and the rest of the frame as data. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The loopback protocol. */
static int proto_loop;

/* Dissects a loopback frame: Wireshark shows its functions, then the rest as data. */
static void dissect_loop(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_loop);
    size_t off = 2; /* The skip count. */
    while (s.cap >= off + 2 && le16(s.p + off) == 2)
        off += 8; /* A forward function: its code and a forwarding address. */
    if (s.cap >= off + 2 && le16(s.p + off) == 1)
        off += 4; /* The reply function: its code and a receipt number. */
    dissect_data(c, span_from(s, off));
}

/* The loopback dissector. */
static const struct dissector_handle loop_handle = {&proto_loop, dissect_loop, NULL};

/* Registers the loopback protocol. */
static void loop_register(void)
{
    proto_loop = registry_proto("loop", "Configuration Test Protocol (loopback)");
}

/* Loopback on its EtherType. */
static void loop_handoff(void)
{
    registry_table_add("ethertype", 0x9000, &loop_handle);
}

const struct dissector_module dissector_loop = {loop_register, loop_handoff};
