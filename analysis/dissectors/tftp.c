/* Owns TFTP: requests on UDP port 69, and the transfer that follows
 * between the client's port and whichever port the server answers from
 * (a conversation UDP is asked to expect); a data block's bytes show as
 * data after "tftp", as Wireshark shows them. */
#include "dissectors/udp.h"

#include "dissectors/list.h"

/* The TFTP protocol. */
static int proto_tftp;

/* TFTP's opcodes. */
enum {
    TFTP_RRQ = 1,
    TFTP_WRQ = 2,
    TFTP_DATA = 3,
};

/* The TFTP dissector (below). */
static const struct dissector_handle tftp_handle;

/* Dissects a TFTP packet: a request opens the transfer's conversation, a
 * data block's bytes (after opcode and block number) are data. */
static void dissect_tftp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_tftp);
    if (!dissect_need(c, s, 2))
        return;
    uint16_t opcode = be16(s.p);
    if (opcode == TFTP_RRQ || opcode == TFTP_WRQ)
        udp_expect_conversation(c, &tftp_handle);
    else if (opcode == TFTP_DATA && dissect_need(c, s, 4))
        dissect_data(c, span_from(s, 4));
}

static const struct dissector_handle tftp_handle = {&proto_tftp, dissect_tftp, NULL};

/* Registers TFTP. */
static void tftp_register(void)
{
    proto_tftp = registry_proto("tftp", "Trivial File Transfer Protocol");
}

/* TFTP's requests on UDP port 69. */
static void tftp_handoff(void)
{
    registry_table_add("udp.port", 69, &tftp_handle);
}

const struct dissector_module dissector_tftp = {tftp_register, tftp_handoff};
