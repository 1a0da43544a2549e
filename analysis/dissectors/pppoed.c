/* Owns PPPoE's discovery stage (PADI, PADO, PADR, PADS, PADT) on its
 * EtherType. */
#include "dissectors/node.h"

NODE_PROTOCOL(pppoed, "pppoed", "PPP-over-Ethernet Discovery", {"ethertype", 0x8863});
