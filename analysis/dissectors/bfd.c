/* Owns BFD, Bidirectional Forwarding Detection: control messages on
 * UDP port 3784, multihop ones on 4784, those of LAGs on 6784 and 7784. */
#include "dissectors/node.h"

NODE_PROTOCOL(bfd, "bfd", "Bidirectional Forwarding Detection Control Message", {"udp.port", 3784},
              {"udp.port", 4784}, {"udp.port", 6784}, {"udp.port", 7784});
