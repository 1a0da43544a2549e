/* Owns LLMNR (RFC 4795) on UDP port 5355. */
#include "dissectors/node.h"

NODE_PROTOCOL(llmnr, "llmnr", "Link-local Multicast Name Resolution", {"udp.port", 5355});
