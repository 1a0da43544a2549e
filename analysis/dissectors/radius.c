/* Owns RADIUS on its UDP ports: authentication (1812, and 1645 of old),
 * accounting (1813, 1646, 1700) and dynamic authorisation (3799). */
#include "dissectors/node.h"

NODE_PROTOCOL(radius, "radius", "RADIUS Protocol", {"udp.port", 1645}, {"udp.port", 1646},
              {"udp.port", 1700}, {"udp.port", 1812}, {"udp.port", 1813}, {"udp.port", 3799});
