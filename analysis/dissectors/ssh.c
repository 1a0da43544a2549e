/* Owns SSH over TCP: every segment of a stream on port 22 shows "ssh"
 * once (messages are not reassembled across segments), with the fields
 * Wireshark 4.0 shows of it: the direction, the version banner, and the
 * binary packets of the key exchange (length, padding, message code)
 * until a direction's New Keys, after which its packets are encrypted. */
#include "dissectors/tcp_pdu.h"

#include "dissectors/list.h"

/* SSH's state of one direction (in struct tcp_half's application area). */
struct ssh_dir {
    uint64_t newkeys; /* Frame of this direction's New Keys message, or 0. */
};

_Static_assert(sizeof(struct ssh_dir) <= TCP_APP_STATE_SIZE, "SSH state too large");

/* The SSH protocol and its fields. */
static int proto_ssh;
static int hf_protocol, hf_direction, hf_packet_length, hf_padding_length, hf_message_code;

/* The message code of New Keys, after which a direction is encrypted. */
#define SSH_MSG_NEWKEYS 21

/* Records the version banner at p: the line up to its end (CR LF or LF
 * not included), or the whole segment when it has none. */
static void ssh_banner(struct dissect_ctx *c, const uint8_t *p, size_t n)
{
    size_t len = 0;
    while (len < n && p[len] != '\n')
        len++;
    size_t end = len;
    if (end > 0 && end < n && p[end - 1] == '\r')
        end--;
    field_add_string(c->fields, hf_protocol, (const char *)p, end);
}

/* Records the binary packets of the key exchange a segment holds whole,
 * in order, noting the frame of a New Keys message. */
static void ssh_packets(struct dissect_ctx *c, struct ssh_dir *d, const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (n - off >= 6) {
        uint32_t len = be32(p + off);
        if (len < 2 || len > n - off - 4)
            return; /* Not whole in this segment: Wireshark would reassemble it. */
        field_add_uint(c->fields, hf_packet_length, len);
        field_add_uint(c->fields, hf_padding_length, p[off + 4]);
        field_add_uint(c->fields, hf_message_code, p[off + 5]);
        if (p[off + 5] == SSH_MSG_NEWKEYS)
            d->newkeys = c->d->frame_number;
        off += 4 + (size_t)len;
    }
}

/* Shows a segment: "ssh" once, its direction (server to client unless it
 * goes to the port SSH was found on), then a banner or key exchange packets. */
static bool ssh_start(struct dissect_ctx *c, struct tcp_half *h, struct tcp_half *other,
                      const uint8_t *p, size_t n, bool pushed)
{
    (void)other;
    if (!pushed)
        ctx_push(c, proto_ssh);
    if (!c->fields || c->out->n_tcp == 0)
        return false;
    struct ssh_dir *d = (struct ssh_dir *)(void *)h->app.words;
    const struct dissect_port_layer *t = &c->out->tcp[c->out->n_tcp - 1];
    field_add_uint(c->fields, hf_direction, t->dport != 22);
    if (n >= 4 && p[0] == 'S' && p[1] == 'S' && p[2] == 'H' && p[3] == '-')
        ssh_banner(c, p, n);
    else if (d->newkeys == 0 || d->newkeys == c->d->frame_number)
        ssh_packets(c, d, p, n);
    return false;
}

/* SSH's segments (never framed: start shows each whole). */
static const struct tcp_stream_ops ssh_ops = {.start = ssh_start};

/* The SSH dissector (over TCP). */
static const struct dissector_handle ssh_handle = {&proto_ssh, NULL, &ssh_ops};

/* Registers SSH and its fields. */
static void ssh_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_protocol, "ssh.protocol", "Protocol", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_direction, "ssh.direction", "Direction", FT_BOOLEAN, BASE_NONE, 0, NULL),
        HF(&hf_packet_length, "ssh.packet_length", "Packet Length", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_padding_length, "ssh.padding_length", "Padding Length", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_message_code, "ssh.message_code", "Message Code", FT_UINT8, BASE_DEC, 0, NULL),
    };
    proto_ssh = registry_proto("ssh", "SSH Protocol");
    registry_fields(proto_ssh, hf, ARRAY_COUNT(hf));
}

/* SSH on TCP port 22. */
static void ssh_handoff(void)
{
    registry_table_add("tcp.port", 22, &ssh_handle);
}

const struct dissector_module dissector_ssh = {ssh_register, ssh_handoff};
