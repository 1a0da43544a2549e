#!/usr/bin/env bash
# Command 1: installs every dependency, builds pcapd, and runs it on its
# embedded default (config/pcapd.conf: a DPDK net_pcap port replaying
# config/sample-traffic.pcap forever; job store and captures in ./state).
# Extra arguments go to pcapd, e.g. `tools/run.sh -s listen=0.0.0.0:8080`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release -Dtests=false
fi
ninja -C build
account=$(sed -n 's/^account *= *//p' config/pcapd.conf | head -n1)
# Every request needs a token; make one for this run (shown once).
token=$(build/control/pcapd token create -c config/pcapd.conf "$@" --account "$account" \
  --permission write)
cat <<TXT

pcapd is starting; the API address is printed below (default http://127.0.0.1:8080).
A write token of account $account was created for you:

  TOKEN=$token

Try, in another terminal:

  curl -s -X POST http://127.0.0.1:8080/client/v4/accounts/$account/pcaps \\
    -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
    -d '{"type":"simple","system":"magic-transit","time_limit":5,"packet_limit":100,
         "filter_v1":{"protocol":6,"source_port":80}}'
  curl -s -H "Authorization: Bearer \$TOKEN" \\
    http://127.0.0.1:8080/client/v4/accounts/$account/pcaps/ID        # until "success"
  curl -s -H "Authorization: Bearer \$TOKEN" -o capture.pcap \\
    http://127.0.0.1:8080/client/v4/accounts/$account/pcaps/ID/download
  tshark -r capture.pcap

Or with pcapctl, which follows the capture and downloads it:

  export PCAPD_URL=http://127.0.0.1:8080 PCAPD_ACCOUNT=$account PCAPD_TOKEN=\$TOKEN
  build/cli/pcapctl capture --proto tcp --sport 80 --time-limit 5 --packet-limit 100 -o capture.pcap
  build/cli/pcapctl analyze ID

The dashboard: http://127.0.0.1:8080/ui/ (account $account and the token above).

Stop pcapd with Ctrl-C.
TXT
exec build/control/pcapd -c config/pcapd.conf "$@"
