/* Owns CDP, Cisco's discovery protocol: SNAP with Cisco's OUI, protocol
 * 0x2000, and the same protocol number over GRE and PPP. */
#include "dissectors/node.h"

NODE_PROTOCOL(cdp, "cdp", "Cisco Discovery Protocol", {"llc.cisco_pid", 0x2000},
              {"gre.proto", 0x2000}, {"ppp.protocol", 0x0207});
