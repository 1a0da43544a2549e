/* Owns HSRP, Cisco's Hot Standby Router Protocol, on UDP port 1985
 * (version 1) and 2029 (version 2). */
#include "dissectors/node.h"

NODE_PROTOCOL(hsrp, "hsrp", "Cisco Hot Standby Router Protocol", {"udp.port", 1985},
              {"udp.port", 2029});
