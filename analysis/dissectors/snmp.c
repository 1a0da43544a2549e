/* Owns SNMP on UDP ports 161 (requests) and 162 (traps). */
#include "dissectors/node.h"

NODE_PROTOCOL(snmp, "snmp", "Simple Network Management Protocol", {"udp.port", 161},
              {"udp.port", 162});
