/* Owns NTP: the header fields of time messages (modes 1 to 5: flags,
 * stratum, poll, precision, root delay and dispersion, reference ID and
 * the four timestamps) and the flags of the others. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* Seconds from the NTP epoch (1900) to the Unix epoch. */
#define NTP_UNIX_OFFSET 2208988800LL

/* The NTP protocol and fields. */
static int proto_ntp, hf_flags, hf_flags_li, hf_flags_vn, hf_flags_mode, hf_stratum, hf_ppoll,
    hf_precision, hf_rootdelay, hf_rootdispersion, hf_refid, hf_reftime, hf_org, hf_rec, hf_xmt;

/* Records an NTP timestamp (8 bytes at p) as an absolute time; zero is
 * Wireshark's "NULL". */
static void ntp_time(struct frame_fields *ff, int id, const uint8_t *p)
{
    uint32_t secs = be32(p), frac = be32(p + 4);
    if (secs == 0 && frac == 0) {
        field_add_time(ff, id, FIELD_TIME_NULL);
        return;
    }
    int64_t ns = (int64_t)(((uint64_t)frac * 1000000000u) >> 32);
    field_add_time(ff, id, ((int64_t)secs - NTP_UNIX_OFFSET) * 1000000000 + ns);
}

/* Records the fields of an NTP message (s.cap >= 1). */
static void ntp_fields(struct frame_fields *ff, struct span s)
{
    uint8_t f = s.p[0], mode = f & 7u;
    field_add_uint(ff, hf_flags, f);
    field_add_uint(ff, hf_flags_li, f >> 6);
    field_add_uint(ff, hf_flags_vn, (f >> 3) & 7u);
    field_add_uint(ff, hf_flags_mode, mode);
    if (mode < 1 || mode > 5 || s.cap < 48)
        return;
    field_add_uint(ff, hf_stratum, s.p[1]);
    field_add_uint(ff, hf_ppoll, s.p[2]);
    field_add_uint(ff, hf_precision, s.p[3]);
    field_add_uint(ff, hf_rootdelay, be32(s.p + 4));
    field_add_uint(ff, hf_rootdispersion, be32(s.p + 8));
    field_add_bytes(ff, hf_refid, s.p + 12, 4);
    ntp_time(ff, hf_reftime, s.p + 16);
    ntp_time(ff, hf_org, s.p + 24);
    ntp_time(ff, hf_rec, s.p + 32);
    ntp_time(ff, hf_xmt, s.p + 40);
}

/* Dissects an NTP message (read to its end: a cut one is short). */
static void dissect_ntp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_ntp);
    if (c->fields && s.cap >= 1)
        ntp_fields(c->fields, s);
    dissect_mark_short(c, s);
}

/* The NTP dissector. */
static const struct dissector_handle ntp_handle = {&proto_ntp, dissect_ntp, NULL};

/* Registers NTP and its fields. */
static void ntp_register(void)
{
    static const struct field_reg hf[] = {
        HF(&hf_flags, "ntp.flags", "Flags", FT_UINT8, BASE_HEX, 0, NULL),
        HF(&hf_flags_li, "ntp.flags.li", "Leap Indicator", FT_UINT8, BASE_DEC, 0xc0, NULL),
        HF(&hf_flags_vn, "ntp.flags.vn", "Version number", FT_UINT8, BASE_DEC, 0x38, NULL),
        HF(&hf_flags_mode, "ntp.flags.mode", "Mode", FT_UINT8, BASE_DEC, 0x07, NULL),
        HF(&hf_stratum, "ntp.stratum", "Peer Clock Stratum", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_ppoll, "ntp.ppoll", "Peer Polling Interval", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_precision, "ntp.precision", "Peer Clock Precision", FT_UINT8, BASE_DEC, 0, NULL),
        HF(&hf_rootdelay, "ntp.rootdelay", "Root Delay", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_rootdispersion, "ntp.rootdispersion", "Root Dispersion", FT_UINT32, BASE_DEC, 0,
           NULL),
        HF(&hf_refid, "ntp.refid", "Reference ID", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_reftime, "ntp.reftime", "Reference Timestamp", FT_ABSOLUTE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_org, "ntp.org", "Origin Timestamp", FT_ABSOLUTE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_rec, "ntp.rec", "Receive Timestamp", FT_ABSOLUTE_TIME, BASE_NONE, 0, NULL),
        HF(&hf_xmt, "ntp.xmt", "Transmit Timestamp", FT_ABSOLUTE_TIME, BASE_NONE, 0, NULL),
    };
    proto_ntp = registry_proto("ntp", "Network Time Protocol");
    registry_fields(proto_ntp, hf, ARRAY_COUNT(hf));
}

/* NTP on UDP port 123. */
static void ntp_handoff(void)
{
    registry_table_add("udp.port", 123, &ntp_handle);
}

const struct dissector_module dissector_ntp = {ntp_register, ntp_handoff};
