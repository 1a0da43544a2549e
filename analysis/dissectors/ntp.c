/* Owns NTP. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The NTP protocol. */
static int proto_ntp;

/* Dissects an NTP message (read to its end: a cut one is short). */
static void dissect_ntp(struct dissect_ctx *c, struct span s)
{
    ctx_push(c, proto_ntp);
    dissect_mark_short(c, s);
}

/* The NTP dissector. */
static const struct dissector_handle ntp_handle = {&proto_ntp, dissect_ntp, NULL};

/* Registers NTP. */
static void ntp_register(void)
{
    proto_ntp = registry_proto("ntp", "Network Time Protocol");
}

/* NTP on UDP port 123. */
static void ntp_handoff(void)
{
    registry_table_add("udp.port", 123, &ntp_handle);
}

const struct dissector_module dissector_ntp = {ntp_register, ntp_handoff};
