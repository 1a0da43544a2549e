/* Owns the NetBIOS name service on UDP port 137. */
#include "dissectors/node.h"

NODE_PROTOCOL(nbns, "nbns", "NetBIOS Name Service", {"udp.port", 137});
