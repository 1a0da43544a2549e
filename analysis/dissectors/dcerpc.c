/* Owns DCE/RPC's connection-oriented PDUs as SMB pipes carry them (the
 * "smb_transact" heuristic, as Wireshark's dissect_dcerpc_cn_smbpipe):
 * the common header, the allocation hint of a request, response or
 * fault, and a request's operation number.  Bind bodies and the stub are
 * not read, and a PDU split over several transactions (Wireshark
 * reassembles them per FID) is not reassembled. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* DCE/RPC and its fields. */
static int proto_dcerpc, hf_ver, hf_ver_minor, hf_pkt_type, hf_flags, hf_flag_first, hf_flag_last,
    hf_flag_cancel, hf_flag_reserved, hf_flag_mpx, hf_flag_dne, hf_flag_maybe, hf_flag_object,
    hf_drep, hf_drep_byteorder, hf_drep_character, hf_drep_fp, hf_frag_len, hf_auth_len, hf_call_id,
    hf_alloc_hint, hf_opnum;

/* Length of the common header. */
#define CN_HDR 16

/* The packet types whose body starts with an allocation hint. */
#define PDU_REQUEST 0
#define PDU_RESPONSE 2
#define PDU_FAULT 3

/* Returns true when a payload starts with a connection-oriented header
 * Wireshark accepts: version 5.0 or 5.1, a known packet type. */
static bool dcerpc_heur(const struct heur_args *a)
{
    return a->cap >= CN_HDR && a->p[0] == 5 && a->p[1] <= 1 && a->p[2] <= 20;
}

/* Reads a 16- or 32-bit value in the PDU's byte order. */
static uint32_t cn_get(const uint8_t *p, bool le, unsigned bytes)
{
    if (bytes == 2)
        return le ? le16(p) : be16(p);
    return le ? le32(p) : be32(p);
}

/* Records the common header's fields (16 bytes at p). */
static void cn_header_fields(struct frame_fields *ff, const uint8_t *p, bool le)
{
    const int *const bits[] = {&hf_flag_object,   &hf_flag_maybe,  &hf_flag_dne,  &hf_flag_mpx,
                               &hf_flag_reserved, &hf_flag_cancel, &hf_flag_last, &hf_flag_first};
    field_add_uint(ff, hf_ver, p[0]);
    field_add_uint(ff, hf_ver_minor, p[1]);
    field_add_uint(ff, hf_pkt_type, p[2]);
    field_add_uint(ff, hf_flags, p[3]);
    for (unsigned i = 0; i < ARRAY_COUNT(bits); i++)
        field_add_uint(ff, *bits[i], (p[3] >> (7 - i)) & 1u);
    field_add_bytes(ff, hf_drep, p + 4, 4);
    field_add_uint(ff, hf_drep_byteorder, p[4] >> 4);
    field_add_uint(ff, hf_drep_character, p[4] & 0x0fu);
    field_add_uint(ff, hf_drep_fp, p[5]);
    field_add_uint(ff, hf_frag_len, cn_get(p + 8, le, 2));
    field_add_uint(ff, hf_auth_len, cn_get(p + 10, le, 2));
    field_add_uint(ff, hf_call_id, cn_get(p + 12, le, 4));
}

/* Dissects a connection-oriented PDU: a request, response or fault too
 * short for its allocation hint and context (and a request's opnum) is
 * malformed. */
static void dissect_dcerpc(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_dcerpc);
    bool le = (s.p[4] >> 4) != 0;
    uint8_t type = s.p[2];
    if (fields_want_proto(c->fields, proto_dcerpc))
        cn_header_fields(c->fields, s.p, le);
    if (type != PDU_REQUEST && type != PDU_RESPONSE && type != PDU_FAULT)
        return;
    if (!dissect_need(c, s, CN_HDR + 4))
        return;
    field_add_uint(c->fields, hf_alloc_hint, cn_get(s.p + CN_HDR, le, 4));
    if (!dissect_need(c, s, CN_HDR + 8))
        return;
    if (type == PDU_REQUEST)
        field_add_uint(c->fields, hf_opnum, cn_get(s.p + CN_HDR + 6, le, 2));
}

/* The DCE/RPC dissector. */
static const struct dissector_handle dcerpc_handle = {&proto_dcerpc, dissect_dcerpc, NULL};

/* The packet types' names. */
static const struct value_name pkt_type_names[] = {
    {0, "Request"},   {1, "Ping"},      {2, "Response"},       {3, "Fault"},
    {4, "Working"},   {5, "Nocall"},    {6, "Reject"},         {7, "Ack"},
    {8, "Cl_cancel"}, {9, "Fack"},      {10, "Cancel_ack"},    {11, "Bind"},
    {12, "Bind_ack"}, {13, "Bind_nak"}, {14, "Alter_context"}, {15, "Alter_context_resp"},
    {16, "AUTH3"},    {17, "Shutdown"}, {18, "Co_cancel"},     {19, "Orphaned"},
    {20, "RTS"},      {0, NULL},
};

/* The names of the byte order and character set values. */
static const struct value_name byteorder_names[] = {
    {0, "Big-endian"}, {1, "Little-endian"}, {0, NULL}};
static const struct value_name character_names[] = {{0, "ASCII"}, {1, "EBCDIC"}, {0, NULL}};
static const struct value_name fp_names[] = {
    {0, "IEEE"}, {1, "VAX"}, {2, "Cray"}, {3, "IBM"}, {0, NULL}};

/* Registers DCE/RPC and its fields. */
static void dcerpc_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_ver, "dcerpc.ver", "Version", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_ver_minor, "dcerpc.ver_minor", "Version (minor)", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_pkt_type, "dcerpc.pkt_type", "Packet type", FT_UINT8, BASE_DEC, 0, pkt_type_names),
        HF(&hf_flags, "dcerpc.cn_flags", "Packet Flags", FT_UINT8, BASE_HEX, 0, NULL),
        HF_TFS(&hf_flag_first, "dcerpc.cn_flags.first_frag", "First Frag", 0x01, tfs_set_notset),
        HF_TFS(&hf_flag_last, "dcerpc.cn_flags.last_frag", "Last Frag", 0x02, tfs_set_notset),
        HF_TFS(&hf_flag_cancel, "dcerpc.cn_flags.cancel_pending", "Cancel Pending", 0x04,
               tfs_set_notset),
        HF_TFS(&hf_flag_reserved, "dcerpc.cn_flags.reserved", "Reserved", 0x08, tfs_set_notset),
        HF_TFS(&hf_flag_mpx, "dcerpc.cn_flags.mpx", "Multiplex", 0x10, tfs_set_notset),
        HF_TFS(&hf_flag_dne, "dcerpc.cn_flags.dne", "Did Not Execute", 0x20, tfs_set_notset),
        HF_TFS(&hf_flag_maybe, "dcerpc.cn_flags.maybe", "Maybe", 0x40, tfs_set_notset),
        HF_TFS(&hf_flag_object, "dcerpc.cn_flags.object", "Object", 0x80, tfs_set_notset),
        HF(&hf_drep, "dcerpc.drep", "Data Representation", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_drep_byteorder, "dcerpc.drep.byteorder", "Byte order", FT_UINT8, BASE_DEC, 0,
           byteorder_names),
        HF(&hf_drep_character, "dcerpc.drep.character", "Character", FT_UINT8, BASE_DEC, 0,
           character_names),
        HF(&hf_drep_fp, "dcerpc.drep.fp", "Floating-point", FT_UINT8, BASE_DEC, 0, fp_names),
        HF(&hf_frag_len, "dcerpc.cn_frag_len", "Frag Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_auth_len, "dcerpc.cn_auth_len", "Auth Length", FT_UINT16, BASE_DEC, 0, NULL),
        HF(&hf_call_id, "dcerpc.cn_call_id", "Call ID", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_alloc_hint, "dcerpc.cn_alloc_hint", "Alloc hint", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_opnum, "dcerpc.opnum", "Opnum", FT_UINT16, BASE_DEC, 0, NULL),
    };
    proto_dcerpc = registry_proto("dcerpc", "Distributed Computing Environment / Remote Procedure "
                                            "Call (DCE/RPC)");
    registry_fields(proto_dcerpc, hf, ARRAY_COUNT(hf));
}

/* DCE/RPC in SMB pipe transactions. */
static void dcerpc_handoff(void)
{
    registry_heur_add("smb_transact", dcerpc_heur, &dcerpc_handle);
}

const struct dissector_module dissector_dcerpc = {dcerpc_register, dcerpc_handoff};
