/* Owns PIM on IP protocol 103 (version 1 messages inside IGMP come
 * through dissectors/igmp.c, which finds this dissector by name). */
#include "dissectors/node.h"

NODE_PROTOCOL(pim, "pim", "Protocol Independent Multicast", {"ip.proto", 103});
