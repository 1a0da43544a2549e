/* Owns SSDP (UPnP discovery, HTTP over UDP) on port 1900. */
#include "dissectors/node.h"

NODE_PROTOCOL(ssdp, "ssdp", "Simple Service Discovery Protocol", {"udp.port", 1900});
