/* Owns DTP, Cisco's Dynamic Trunking Protocol: SNAP with Cisco's OUI,
 * protocol 0x2004. */
#include "dissectors/node.h"

NODE_PROTOCOL(dtp, "dtp", "Dynamic Trunk Protocol", {"llc.cisco_pid", 0x2004});
