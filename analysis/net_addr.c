/* Owns printing addresses (filling and comparing them is inline in net_addr.h). */
#include "net_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Writes the text form of a into buf: colon-hex MAC, dotted IPv4 or RFC 5952 IPv6. */
void net_addr_format(const struct net_addr *a, char *buf, size_t len)
{
    const uint8_t *b = a->bytes;

    switch (a->kind) {
    case NET_ADDR_MAC:
        snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
        break;
    case NET_ADDR_IPV4:
        inet_ntop(AF_INET, b, buf, (socklen_t)len);
        break;
    case NET_ADDR_IPV6:
        inet_ntop(AF_INET6, b, buf, (socklen_t)len);
        break;
    default:
        snprintf(buf, len, "?");
        break;
    }
}
