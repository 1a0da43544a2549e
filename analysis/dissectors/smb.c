/* Owns SMB (version 1) as far as its named pipes: the message is shown,
 * and a Transaction request to "\PIPE\" is handed to the SMB pipe
 * protocol (Wireshark's smb_pipe), whose TransactNmPipe function carries
 * DCE/RPC, found by the heuristics of the "smb_transact" list.  Other
 * commands have no fields yet; responses (which Wireshark dissects by
 * their request's pipe) and transactions in several parts (which it
 * reassembles) are shown as SMB only. */
#include "dissect_internal.h"
#include "dissectors/list.h"

#include <string.h>

/* SMB and its pipe protocol. */
static int proto_smb, proto_smb_pipe;

/* The pipe's function field. */
static int hf_pipe_function;

/* What a pipe transaction's data may be (DCE/RPC). */
static struct heur_list *transact_heuristics;

/* SMB's Transaction command and the pipe functions without a FID. */
#define SMB_COM_TRANSACTION 0x25
#define PIPE_TRANSACT_NMPIPE 0x26
#define PIPE_WAIT_NMPIPE 0x53
#define PIPE_CALL_NMPIPE 0x54

/* The fixed words of a Transaction request before its setup words. */
#define TRANS_WORDS 14

/* Offset of the word count in a message (after the 32-byte header). */
#define SMB_WCT 32

/* Returns true when the transaction name at off (within the message's
 * first n bytes; Unicode when the header says so, aligned to 2 bytes)
 * starts with "\PIPE\", compared as Wireshark does, case and all. */
static bool smb_names_pipe(const uint8_t *p, size_t n, size_t off, bool unicode)
{
    static const char pipe[] = "\\PIPE\\";
    if (unicode)
        off += off & 1;
    for (size_t i = 0; i < sizeof(pipe) - 1; i++) {
        size_t at = off + (unicode ? 2 * i : i);
        if (at + (unicode ? 2 : 1) > n || p[at] != (uint8_t)pipe[i] || (unicode && p[at + 1]))
            return false;
    }
    return true;
}

/* Dissects the pipe transaction's function (setup words at setup, count
 * of them) and data (s): TransactNmPipe data goes to the heuristics,
 * else it is data; a function that names a FID without one is malformed. */
static void smb_pipe(struct dissect_ctx *c, const uint8_t *setup, unsigned count, struct span s)
{
    ctx_push_node(c, proto_smb_pipe); /* A subtree of SMB's: not in frame.protocols. */
    if (count == 0)
        return;
    uint16_t function = le16(setup);
    field_add_uint(c->fields, hf_pipe_function, function);
    if (function == PIPE_WAIT_NMPIPE || function == PIPE_CALL_NMPIPE)
        return;
    if (count < 2) {
        ctx_push(c, proto_malformed); /* The FID is read past the setup words. */
        return;
    }
    if (function != PIPE_TRANSACT_NMPIPE || s.len == 0)
        return;
    struct heur_args a = {s.p, s.cap, s.len, 0, 0};
    const struct dissector_handle *h = heur_list_match(transact_heuristics, &a);
    if (h)
        call_dissector(c, h, s);
    else
        dissect_data(c, s);
}

/* Dissects a Transaction request (s the whole message, captured from its
 * start): to a pipe, its setup words and data go to smb_pipe. */
static void smb_transaction(struct dissect_ctx *c, struct span s, bool unicode)
{
    unsigned wct = s.p[SMB_WCT];
    size_t words = SMB_WCT + 1, bytes = words + 2 * (size_t)wct + 2;
    if (wct < TRANS_WORDS || s.cap < bytes)
        return;
    const uint8_t *w = s.p + words;
    unsigned setup_count = w[26];
    size_t dc = le16(w + 22), doff = le16(w + 24);
    if (TRANS_WORDS + setup_count > wct || !smb_names_pipe(s.p, s.cap, bytes, unicode))
        return;
    if (doff + dc > s.len)
        return; /* Wireshark waits for more ("_ws.unreassembled"): not followed here. */
    smb_pipe(c, w + 2 * TRANS_WORDS, setup_count, span_trim(span_from(s, doff), dc));
}

/* Dissects an SMB message (s holds it from its "\xffSMB" magic). */
static void dissect_smb(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_smb);
    if (s.cap < SMB_WCT + 1)
        return;
    bool request = (s.p[9] & 0x80) == 0, unicode = (le16(s.p + 10) & 0x8000) != 0;
    if (s.p[4] == SMB_COM_TRANSACTION && request)
        smb_transaction(c, s, unicode);
}

/* The SMB dissector. */
static const struct dissector_handle smb_handle = {&proto_smb, dissect_smb, NULL};

/* Registers SMB, the pipe protocol and its heuristic list. */
static void smb_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_pipe_function, "smb_pipe.function", "Function", FT_UINT16, BASE_HEX, 0, NULL),
    };
    proto_smb = registry_proto("smb", "SMB (Server Message Block Protocol)");
    proto_smb_pipe = registry_proto("smb_pipe", "SMB Pipe Protocol");
    registry_fields(proto_smb_pipe, hf, ARRAY_COUNT(hf));
    register_dissector("smb", &smb_handle);
    transact_heuristics = registry_heur_list_new("smb_transact");
}

const struct dissector_module dissector_smb = {smb_register, NULL};
