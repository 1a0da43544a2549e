#!/usr/bin/env bash
# Benchmark of the jobs API (not a test): wrk against GET /pcaps/{id},
# GET /pcaps and GET /metrics (a scrape, with its token) of a release-built
# pcapd, then against Debian's h2o server serving static files of the same
# sizes, on the same machine in the same run.  Prints requests/s of each
# and the ratio pcapd/h2o, per round and the medians of all rounds.
#
#   tools/bench-api.sh [ROUNDS]        (default 3; needs root for apt-get)
#
# Environment: BUILD (default /tmp/build-rel), DURATION (wrk -d, default 5s),
# CONNECTIONS (wrk -c, default 16), CAPTURES (captures in the list, 5).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
BUILD=${BUILD:-/tmp/build-rel}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-16}
CAPTURES=${CAPTURES:-5}
ACCOUNT=023e105f4ecef8ad9ca31a8372d0c353

tools/install-deps.sh
for p in wrk h2o curl; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p"
  fi
done
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --buildtype=release -Dtests=false >/dev/null
fi
ninja -C "$BUILD" control/pcapd >/dev/null

WORK=$(mktemp -d /tmp/bench-api.XXXXXX)
PCAPD_PID=""
H2O_PID=""
cleanup() {
  [ -n "$PCAPD_PID" ] && kill "$PCAPD_PID" 2>/dev/null && wait "$PCAPD_PID" 2>/dev/null
  [ -n "$H2O_PID" ] && kill "$H2O_PID" 2>/dev/null && wait "$H2O_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# A free TCP port on the loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wrk's requests/s for URL with extra wrk arguments.
wrk_rps() {
  local url=$1; shift
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "$@" "$url" | awk '/^Requests\/sec:/ {print $2}'
}

# $1 / $2 with two decimals.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}'
}

# Median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

cat >"$WORK/pcapd.conf" <<CONF
listen = 127.0.0.1:0
state_dir = $WORK/state
account = $ACCOUNT
port = net_pcap0,rx_pcap=$PWD/config/sample-traffic.pcap,infinite_rx=1
hugepages = off
memory_mb = 512
mbufs = 8191
simple_rate_window = 0
CONF
TOKEN=$("$BUILD/control/pcapd" token create -c "$WORK/pcapd.conf" --account $ACCOUNT \
  --permission read 2>/dev/null)
WRITER=$("$BUILD/control/pcapd" token create -c "$WORK/pcapd.conf" --account $ACCOUNT \
  --permission write 2>/dev/null)
"$BUILD/control/pcapd" -c "$WORK/pcapd.conf" >"$WORK/pcapd.out" 2>"$WORK/pcapd.log" &
PCAPD_PID=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$WORK/pcapd.out" 2>/dev/null && break
  sleep 0.1
done
BASE=$(awk '/listening on/ {print $NF}' "$WORK/pcapd.out")
[ -n "$BASE" ] || { cat "$WORK/pcapd.log"; exit 1; }
API="$BASE/client/v4/accounts/$ACCOUNT/pcaps"
for _ in $(seq "$CAPTURES"); do
  ID=$(curl -sf -X POST "$API" -H "Authorization: Bearer $WRITER" -d '{"type":"simple",
    "system":"magic-transit","time_limit":1,"packet_limit":50,"filter_v1":{"protocol":6}}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
done
for _ in $(seq 300); do
  curl -sf -H "Authorization: Bearer $TOKEN" "$API/$ID" >"$WORK/one.json"
  curl -sf -H "Authorization: Bearer $TOKEN" "$API" >"$WORK/list.json"
  grep -q '"status":"running"\|"status":"pending"' "$WORK/list.json" || break
  sleep 0.1
done
curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/metrics" >"$WORK/metrics.txt"
grep -q '"status":"success"' "$WORK/one.json" || { echo "capture did not end"; exit 1; }

# h2o serving copies of the two answers (same sizes), one thread like
# pcapd's single event loop, no access log.
mkdir -p "$WORK/www"
cp "$WORK/one.json" "$WORK/www/one.json"
cp "$WORK/list.json" "$WORK/www/list.json"
cp "$WORK/metrics.txt" "$WORK/www/metrics.txt"
H2O_PORT=$(free_port)
cat >"$WORK/h2o.conf" <<CONF
listen:
  host: 127.0.0.1
  port: $H2O_PORT
user: root
num-threads: 1
pid-file: $WORK/h2o.pid
hosts:
  default:
    paths:
      /:
        file.dir: $WORK/www
CONF

echo "GET /pcaps/{id}: $(stat -c %s "$WORK/one.json") bytes; GET /pcaps ($CAPTURES captures):" \
  "$(stat -c %s "$WORK/list.json") bytes; GET /metrics: $(stat -c %s "$WORK/metrics.txt") bytes;" \
  "wrk -t1 -c$CONNECTIONS -d$DURATION; $(nproc) cores"
ONE_P=(); LIST_P=(); ONE_H=(); LIST_H=(); MET_P=(); MET_H=()
for round in $(seq "$ROUNDS"); do
  H="Authorization: Bearer $TOKEN"
  op=$(wrk_rps "$API/$ID" -H "$H")
  lp=$(wrk_rps "$API" -H "$H")
  mp=$(wrk_rps "$BASE/metrics" -H "$H")
  h2o -c "$WORK/h2o.conf" >"$WORK/h2o.log" 2>&1 &
  H2O_PID=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$H2O_PORT/one.json" >/dev/null && break; sleep 0.1; done
  oh=$(wrk_rps "http://127.0.0.1:$H2O_PORT/one.json")
  lh=$(wrk_rps "http://127.0.0.1:$H2O_PORT/list.json")
  mh=$(wrk_rps "http://127.0.0.1:$H2O_PORT/metrics.txt")
  kill "$H2O_PID"; wait "$H2O_PID" 2>/dev/null || true; H2O_PID=""
  printf 'round %d: GET /pcaps/{id} pcapd %s h2o %s (%s) | GET /pcaps pcapd %s h2o %s (%s)' \
    "$round" "$op" "$oh" "$(ratio "$op" "$oh")" "$lp" "$lh" "$(ratio "$lp" "$lh")"
  printf ' | GET /metrics pcapd %s h2o %s (%s)\n' "$mp" "$mh" "$(ratio "$mp" "$mh")"
  ONE_P+=("$op"); LIST_P+=("$lp"); ONE_H+=("$oh"); LIST_H+=("$lh"); MET_P+=("$mp"); MET_H+=("$mh")
done
mop=$(median "${ONE_P[@]}"); moh=$(median "${ONE_H[@]}")
mlp=$(median "${LIST_P[@]}"); mlh=$(median "${LIST_H[@]}")
mmp=$(median "${MET_P[@]}"); mmh=$(median "${MET_H[@]}")
printf '\nmedian of %d rounds (requests/s):\n' "$ROUNDS"
printf '| endpoint | pcapd | h2o static file | pcapd / h2o |\n|---|---|---|---|\n'
printf '| GET /pcaps/{id} | %.0f | %.0f | %s |\n' "$mop" "$moh" "$(ratio "$mop" "$moh")"
printf '| GET /pcaps | %.0f | %.0f | %s |\n' "$mlp" "$mlh" "$(ratio "$mlp" "$mlh")"
printf '| GET /metrics | %.0f | %.0f | %s |\n' "$mmp" "$mmh" "$(ratio "$mmp" "$mmh")"
