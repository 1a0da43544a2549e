/* Owns the NetBIOS session service on TCP ports 139 and 445: messages
 * framed by their 4-byte header (type, 17-bit length), and the SMB or
 * SMB2 message a session message carries, told by its protocol magic
 * (SMB's first NBSS_KEEP bytes go to dissectors/smb.c; SMB2 is a node
 * without fields yet). */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"

#include <string.h>

/* NBSS and SMB2. */
static int proto_nbss, proto_smb2;

/* The SMB (version 1) dissector. */
static const struct dissector_handle *smb_handle;

/* Bytes collected before the body: the header and the SMB magic. */
#define NBSS_PEEK 8

/* Bytes of a message kept for the SMB dissector (its header, a
 * transaction's words and name and the start of its data). */
#define NBSS_KEEP 1024

/* Feeds bytes to a message: its header, the first 4 bytes of a session
 * message's body (its SMB magic), then the rest. */
static size_t nbss_feed(struct tcp_half *h, struct tcp_half *other, const uint8_t *p, size_t n,
                        bool *done)
{
    (void)other;
    size_t used = 0;
    while (h->mode == PDU_HEADER && used < n) {
        tcp_pdu_buf_append(h, p + used, 1, NBSS_PEEK);
        used++;
        if (h->buf_len < 4)
            continue;
        uint32_t len = (uint32_t)(h->buf[1] & 1) << 16 | be16(h->buf + 2);
        bool peek = h->buf[0] == 0 && len >= 4;
        if (peek && h->buf_len < NBSS_PEEK)
            continue;
        h->mode = PDU_FIXED;
        h->need = len - (h->buf_len - 4);
    }
    if (h->mode == PDU_HEADER)
        return used;
    if (h->need == 0) {
        *done = true;
        return used;
    }
    size_t take = tcp_pdu_feed_fixed(h, p + used, n - used, done);
    if (h->buf_len >= NBSS_PEEK && h->buf_len < NBSS_KEEP &&
        memcmp(h->buf + 4, "\xffSMB", 4) == 0) {
        size_t room = NBSS_KEEP - h->buf_len;
        tcp_pdu_buf_append(h, p + used, take < room ? take : room, NBSS_KEEP);
    }
    return used + take;
}

/* A message completed: nbss, and the SMB version its body starts with. */
static void nbss_done(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                      bool pushed)
{
    (void)other;
    (void)pushed;
    ctx_push(c, proto_nbss);
    if (h->buf_len < NBSS_PEEK)
        return;
    uint32_t len = (uint32_t)(h->buf[1] & 1) << 16 | be16(h->buf + 2);
    if (memcmp(h->buf + 4, "\xffSMB", 4) == 0)
        call_dissector(c, smb_handle, (struct span){h->buf + 4, h->buf_len - 4, len});
    else if (memcmp(h->buf + 4, "\xfeSMB", 4) == 0 || memcmp(h->buf + 4, "\xfdSMB", 4) == 0)
        ctx_push(c, proto_smb2);
}

/* NBSS's framing. */
static const struct tcp_stream_ops nbss_ops = {.feed = nbss_feed, .done = nbss_done};

/* The NBSS dissector (over TCP). */
static const struct dissector_handle nbss_handle = {&proto_nbss, NULL, &nbss_ops};

/* Registers NBSS and SMB2. */
static void nbss_register(void)
{
    proto_nbss = registry_proto("nbss", "NetBIOS Session Service");
    proto_smb2 = registry_proto("smb2", "SMB2 (Server Message Block Protocol version 2)");
}

/* NBSS on TCP ports 139 and 445 (SMB over TCP has the same framing). */
static void nbss_handoff(void)
{
    smb_handle = find_dissector("smb");
    registry_table_add("tcp.port", 139, &nbss_handle);
    registry_table_add("tcp.port", 445, &nbss_handle);
}

const struct dissector_module dissector_nbss = {nbss_register, nbss_handoff};
