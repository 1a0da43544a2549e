#!/usr/bin/env bash
# Builds config/sample-traffic.pcap, the capture the embedded default
# configuration replays with net_pcap (infinite_rx=1): real public captures
# (see ../shared/pcaps/README.md for their sources and licences) concatenated
# into one Ethernet pcap with HTTP over IPv4 and IPv6, 802.1Q, DNS and TLS.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src=${PCAPS_DIR:-$here/../shared/pcaps}
mergecap -a -F pcap -w "$here/config/sample-traffic.pcap" \
  "$src/cs-http_google.pcapng" \
  "$src/cs-http_ip4and6.pcapng" \
  "$src/zeek-http-vlan-0.pcap" \
  "$src/tcpdump-dns_udp.pcap" \
  "$src/cs-dns_query_response.pcapng" \
  "$src/zeek-tls-chrome-34-google.pcap"
