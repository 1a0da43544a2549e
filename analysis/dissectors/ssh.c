/* Owns SSH: every segment of a stream on port 22 shows "ssh" (its
 * messages are not framed yet). */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"

/* The SSH protocol. */
static int proto_ssh;

/* The SSH dissector (over TCP, without framing). */
static const struct dissector_handle ssh_handle = {&proto_ssh, NULL, NULL};

/* Registers SSH. */
static void ssh_register(void)
{
    proto_ssh = registry_proto("ssh", "SSH Protocol");
}

/* SSH on TCP port 22. */
static void ssh_handoff(void)
{
    registry_table_add("tcp.port", 22, &ssh_handle);
}

const struct dissector_module dissector_ssh = {ssh_register, ssh_handoff};
