/* Owns IGMP. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The IGMP protocol. */
static int proto_igmp;

/* The IGMP dissector (no fields yet: its node only). */
static const struct dissector_handle igmp_handle = {&proto_igmp, NULL, NULL};

/* Registers IGMP. */
static void igmp_register(void)
{
    proto_igmp = registry_proto("igmp", "Internet Group Management Protocol");
}

/* IGMP on IP protocol 2. */
static void igmp_handoff(void)
{
    registry_table_add("ip.proto", 2, &igmp_handle);
}

const struct dissector_module dissector_igmp = {igmp_register, igmp_handoff};
