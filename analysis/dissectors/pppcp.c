/* Owns PPP's control and authentication protocols (LCP, IPCP, IPV6CP,
 * CCP, PAP, CHAP), each a protocol of its own on its PPP protocol
 * number, shown as a node without fields. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* One control protocol: its id, handle, names and PPP protocol number. */
struct pppcp {
    int proto;                      /* Its protocol id. */
    struct dissector_handle handle; /* Its dissector (a node). */
    const char *name;               /* Filter name. */
    const char *label;              /* Wireshark's label. */
    uint16_t number;                /* PPP protocol number. */
};

/* The control protocols. */
static struct pppcp pppcps[] = {
    {0, {NULL, NULL, NULL}, "lcp", "PPP Link Control Protocol", 0xc021},
    {0, {NULL, NULL, NULL}, "ipcp", "PPP IP Control Protocol", 0x8021},
    {0, {NULL, NULL, NULL}, "ipv6cp", "PPP IPv6 Control Protocol", 0x8057},
    {0, {NULL, NULL, NULL}, "ccp", "PPP Compression Control Protocol", 0x80fd},
    {0, {NULL, NULL, NULL}, "pap", "PPP Password Authentication Protocol", 0xc023},
    {0, {NULL, NULL, NULL}, "chap", "PPP Challenge Handshake Authentication Protocol", 0xc223},
};

/* Registers the control protocols. */
static void pppcp_register(void)
{
    for (size_t i = 0; i < ARRAY_COUNT(pppcps); i++) {
        pppcps[i].proto = registry_proto(pppcps[i].name, pppcps[i].label);
        pppcps[i].handle.proto = &pppcps[i].proto;
    }
}

/* Each on its PPP protocol number (LCP also on its EtherType, as Wireshark has it). */
static void pppcp_handoff(void)
{
    for (size_t i = 0; i < ARRAY_COUNT(pppcps); i++)
        registry_table_add("ppp.protocol", pppcps[i].number, &pppcps[i].handle);
    registry_table_add("ethertype", 0xc021, &pppcps[0].handle);
}

const struct dissector_module dissector_pppcp = {pppcp_register, pppcp_handoff};
