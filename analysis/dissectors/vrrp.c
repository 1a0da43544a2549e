/* Owns VRRP (versions 2 and 3, over IPv4 and IPv6) on IP protocol 112. */
#include "dissectors/node.h"

NODE_PROTOCOL(vrrp, "vrrp", "Virtual Router Redundancy Protocol", {"ip.proto", 112});
