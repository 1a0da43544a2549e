/* Owns NDP, Nortel's discovery protocol (SONMP): SNAP with Nortel's OUI,
 * protocols 0x01a1 and 0x01a2. */
#include "dissectors/node.h"

NODE_PROTOCOL(ndp, "ndp", "Nortel Discovery Protocol", {"llc.nortel_pid", 0x01a1},
              {"llc.nortel_pid", 0x01a2});
