/* The dissector modules, one file each in this folder, registered in the
 * order of this list (a module that creates a dissector table or a
 * heuristic list needs no particular place: hand-offs run after every
 * module has registered).  Adding a protocol is its file here plus one
 * line in DISSECTOR_LIST and one in meson.build. */
#ifndef PCAPD_ANALYSIS_DISSECTORS_LIST_H
#define PCAPD_ANALYSIS_DISSECTORS_LIST_H

struct dissect_ctx;
struct span;

/* What a module gives the registry. */
struct dissector_module {
    void (*register_protocol)(void); /* Registers its protocols, fields and tables. */
    void (*handoff)(void);           /* Adds its handles to other modules' tables, or NULL. */
};

/* Every module, by the name of its file. */
#define DISSECTOR_LIST(X)                                                                          \
    X(frame)                                                                                       \
    X(eth)                                                                                         \
    X(llc)                                                                                         \
    X(stp)                                                                                         \
    X(vlan)                                                                                        \
    X(mpls)                                                                                        \
    X(arp)                                                                                         \
    X(lldp)                                                                                        \
    X(null)                                                                                        \
    X(sll)                                                                                         \
    X(nflog)                                                                                       \
    X(raw)                                                                                         \
    X(ip)                                                                                          \
    X(ipv6)                                                                                        \
    X(icmp)                                                                                        \
    X(icmpv6)                                                                                      \
    X(igmp)                                                                                        \
    X(gre)                                                                                         \
    X(udp)                                                                                         \
    X(tcp)                                                                                         \
    X(dns)                                                                                         \
    X(dhcp)                                                                                        \
    X(dhcpv6)                                                                                      \
    X(ntp)                                                                                         \
    X(vxlan)                                                                                       \
    X(geneve)                                                                                      \
    X(quic)                                                                                        \
    X(tls)                                                                                         \
    X(http)                                                                                        \
    X(media)                                                                                       \
    X(ssh)                                                                                         \
    X(ppp)                                                                                         \
    X(pppcp)                                                                                       \
    X(pppoed)                                                                                      \
    X(pppoes)                                                                                      \
    X(loop)                                                                                        \
    X(cmd)                                                                                         \
    X(erspan)                                                                                      \
    X(isis)                                                                                        \
    X(cdp)                                                                                         \
    X(dtp)                                                                                         \
    X(ndp)                                                                                         \
    X(pim)                                                                                         \
    X(ospf)                                                                                        \
    X(vrrp)                                                                                        \
    X(hsrp)                                                                                        \
    X(bfd)                                                                                         \
    X(radius)                                                                                      \
    X(syslog)                                                                                      \
    X(lisp)                                                                                        \
    X(bgp)                                                                                         \
    X(ldp)                                                                                         \
    X(tftp)                                                                                        \
    X(x509)                                                                                        \
    X(gtp)                                                                                         \
    X(l2tp)                                                                                        \
    X(sctp)                                                                                        \
    X(snmp)                                                                                        \
    X(rtp)                                                                                         \
    X(sip)                                                                                         \
    X(nbns)                                                                                        \
    X(nbdgm)                                                                                       \
    X(llmnr)                                                                                       \
    X(ssdp)                                                                                        \
    X(kerberos)                                                                                    \
    X(ldap)                                                                                        \
    X(nbss)                                                                                        \
    X(smb)                                                                                         \
    X(dcerpc)

#define DISSECTOR_DECLARE(name) extern const struct dissector_module dissector_##name;
DISSECTOR_LIST(DISSECTOR_DECLARE)
#undef DISSECTOR_DECLARE

/* Dissects a whole frame by its link type (dissectors/frame.c, the root). */
void frame_dissect(struct dissect_ctx *c, struct span s);

#endif
