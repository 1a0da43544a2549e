#!/usr/bin/env bash
# Benchmarks the analysis engine (pcap-analyze, release build) against
# tshark -n -qz io,phs, tshark -n -qz endpoints,ip and capinfos on a capture
# of at least 200 MB built from the shared captures (in /tmp, never
# committed), and prints the median times and the ratios.
#
# usage: tools/bench-analysis.sh [RUNS]   (default 3 runs of each command)
# env:   see tools/bench-analysis-lib.sh (BENCH_BUILD, BENCH_PCAP, BENCH_MB,
#        BENCH_BASE: an earlier revision's pcap-analyze beside ours)
set -euo pipefail
# shellcheck source=tools/bench-analysis-lib.sh
. "$(dirname "$0")/bench-analysis-lib.sh"
bench_setup
names=("pcap-analyze all (every analysis)" "tshark -n -qz io,phs" "tshark -n -qz endpoints,ip"
  "capinfos")
cmds=("$tool all $pcap" "tshark -n -r $pcap -q -z io,phs" "tshark -n -r $pcap -q -z endpoints,ip"
  "capinfos $pcap")
if [ -n "$base_tool" ]; then
  names+=("pcap-analyze all $base_name")
  cmds+=("$base_tool all $pcap")
fi
bench_table "${1:-3}"
base_instructions all
