/* Owns LISP control messages on UDP port 4342. */
#include "dissectors/node.h"

NODE_PROTOCOL(lisp, "lisp", "Locator/ID Separation Protocol", {"udp.port", 4342});
