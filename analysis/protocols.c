/* Owns the table of protocol names. */
#include "protocols.h"

/* Wireshark's abbreviation of each protocol, indexed by enum proto_id. */
static const char *const proto_names[PROTO_COUNT] = {
    [PROTO_ETH] = "eth",
    [PROTO_NULL] = "null",
    [PROTO_SLL] = "sll",
    [PROTO_NFLOG] = "nflog",
    [PROTO_RAW] = "raw",
    [PROTO_VLAN] = "vlan",
    [PROTO_IEEE8021AD] = "ieee8021ad",
    [PROTO_MPLS] = "mpls",
    [PROTO_LLC] = "llc",
    [PROTO_ARP] = "arp",
    [PROTO_STP] = "stp",
    [PROTO_LLDP] = "lldp",
    [PROTO_IP] = "ip",
    [PROTO_IPV6] = "ipv6",
    [PROTO_ICMP] = "icmp",
    [PROTO_ICMPV6] = "icmpv6",
    [PROTO_IGMP] = "igmp",
    [PROTO_GRE] = "gre",
    [PROTO_TCP] = "tcp",
    [PROTO_UDP] = "udp",
    [PROTO_DATA] = "data",
    [PROTO_DNS] = "dns",
    [PROTO_MDNS] = "mdns",
    [PROTO_DHCP] = "dhcp",
    [PROTO_DHCPV6] = "dhcpv6",
    [PROTO_NTP] = "ntp",
    [PROTO_VXLAN] = "vxlan",
    [PROTO_GENEVE] = "geneve",
    [PROTO_QUIC] = "quic",
    [PROTO_HTTP] = "http",
    [PROTO_TLS] = "tls",
    [PROTO_SSH] = "ssh",
    [PROTO_TCP_SEGMENTS] = "tcp.segments",
    [PROTO_MALFORMED] = "_ws.malformed",
    [PROTO_SHORT] = "_ws.short",
    [PROTO_DATA_TEXT_LINES] = "data-text-lines",
    [PROTO_JSON] = "json",
    [PROTO_XML] = "xml",
    [PROTO_URLENCODED_FORM] = "urlencoded-form",
    [PROTO_IMAGE_JFIF] = "image-jfif",
    [PROTO_IMAGE_GIF] = "image-gif",
    [PROTO_PNG] = "png",
    [PROTO_MEDIA] = "media",
};

/* Returns the Wireshark abbreviation of a protocol. */
const char *proto_name(enum proto_id id)
{
    return (unsigned)id < PROTO_COUNT ? proto_names[id] : "data";
}
