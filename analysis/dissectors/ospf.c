/* Owns OSPF (versions 2 and 3) on IP protocol 89. */
#include "dissectors/node.h"

NODE_PROTOCOL(ospf, "ospf", "Open Shortest Path First", {"ip.proto", 89});
