/* The protocol names the engine reports, spelt as Wireshark's filter
 * abbreviations (what `tshark -qz io,phs` prints for each tree node). */
#ifndef PCAPD_ANALYSIS_PROTOCOLS_H
#define PCAPD_ANALYSIS_PROTOCOLS_H

/* One protocol of the hierarchy; PROTO_COUNT is the number of them. */
enum proto_id {
    PROTO_ETH,             /* Ethernet. */
    PROTO_NULL,            /* BSD loopback. */
    PROTO_SLL,             /* Linux cooked capture. */
    PROTO_NFLOG,           /* Linux NFLOG (not shown by tshark 4.0). */
    PROTO_RAW,             /* Raw IP link type. */
    PROTO_VLAN,            /* 802.1Q tag. */
    PROTO_IEEE8021AD,      /* 802.1ad service tag. */
    PROTO_MPLS,            /* One MPLS label. */
    PROTO_LLC,             /* 802.2 LLC. */
    PROTO_ARP,             /* ARP. */
    PROTO_STP,             /* Spanning tree BPDU. */
    PROTO_LLDP,            /* LLDP. */
    PROTO_IP,              /* IPv4. */
    PROTO_IPV6,            /* IPv6. */
    PROTO_ICMP,            /* ICMP. */
    PROTO_ICMPV6,          /* ICMPv6. */
    PROTO_IGMP,            /* IGMP. */
    PROTO_GRE,             /* GRE. */
    PROTO_TCP,             /* TCP. */
    PROTO_UDP,             /* UDP. */
    PROTO_DATA,            /* Undissected payload. */
    PROTO_DNS,             /* DNS. */
    PROTO_MDNS,            /* Multicast DNS. */
    PROTO_DHCP,            /* DHCP. */
    PROTO_DHCPV6,          /* DHCPv6. */
    PROTO_NTP,             /* NTP. */
    PROTO_VXLAN,           /* VXLAN. */
    PROTO_GENEVE,          /* Geneve. */
    PROTO_QUIC,            /* One QUIC packet. */
    PROTO_HTTP,            /* One HTTP message. */
    PROTO_TLS,             /* TLS records of one dissector call. */
    PROTO_SSH,             /* SSH. */
    PROTO_TCP_SEGMENTS,    /* A PDU reassembled from several TCP segments. */
    PROTO_MALFORMED,       /* A packet too short for its headers. */
    PROTO_SHORT,           /* A packet cut by the snaplen. */
    PROTO_DATA_TEXT_LINES, /* Line-based text body. */
    PROTO_JSON,            /* JSON body. */
    PROTO_XML,             /* XML body. */
    PROTO_URLENCODED_FORM, /* HTML form body. */
    PROTO_IMAGE_JFIF,      /* JPEG body. */
    PROTO_IMAGE_GIF,       /* GIF body. */
    PROTO_PNG,             /* PNG body. */
    PROTO_MEDIA,           /* Any other body. */
    PROTO_COUNT            /* Number of protocols, not one. */
};

/* Returns the Wireshark abbreviation of a protocol, e.g. "eth" or "tcp.segments". */
const char *proto_name(enum proto_id id);

#endif
