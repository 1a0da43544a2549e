/* Owns syslog messages on UDP port 514. */
#include "dissectors/node.h"

NODE_PROTOCOL(syslog, "syslog", "Syslog message", {"udp.port", 514});
