#!/usr/bin/env bash
# Benchmarks per-packet fields with a display filter (issue 6):
# `pcap-analyze fields -Y FILTER -e ...` against
# `tshark -n -2 -Y FILTER -T fields -E occurrence=a -e ...` on the big
# capture of bench-analysis.sh, after checking that both print the same
# lines, and prints the median times and the ratio.
#
# usage: tools/bench-fields.sh [RUNS] [FILTER]   (default 3 runs)
# env:   see tools/bench-analysis-lib.sh (BENCH_BUILD, BENCH_PCAP, BENCH_MB,
#        BENCH_BASE: an earlier revision's pcap-analyze beside ours);
#        BENCH_FIELDS: the fields, space-separated (default below)
set -euo pipefail
# shellcheck source=tools/bench-analysis-lib.sh
. "$(dirname "$0")/bench-analysis-lib.sh"
bench_setup
filter=${2:-tcp.port == 80 && tcp.len > 0 || dns}
read -r -a fields <<<"${BENCH_FIELDS:-frame.number frame.time_relative ip.src ip.dst tcp.stream \
tcp.len dns.qry.name http.host}"
eargs=$(printf -- ' -e %s' "${fields[@]}")
eargv=()
for f in "${fields[@]}"; do eargv+=(-e "$f"); done
# The filter has spaces: the commands go through a small wrapper script each
# (bench_table splits its command strings on spaces).
wrap=$(mktemp -d)
trap 'rm -rf "$wrap"' EXIT
printf '#!/bin/sh\nexec %s fields -Y "%s"%s %s\n' "$tool" "$filter" "$eargs" "$pcap" >"$wrap/ours"
printf '#!/bin/sh\nexec tshark -n -2 -r %s -Y "%s" -T fields -E occurrence=a%s\n' \
  "$pcap" "$filter" "$eargs" >"$wrap/tshark"
chmod +x "$wrap/ours" "$wrap/tshark"
if [ -n "$base_tool" ]; then
  printf '#!/bin/sh\nexec %s fields -Y "%s"%s %s\n' "$base_tool" "$filter" "$eargs" "$pcap" \
    >"$wrap/base"
  chmod +x "$wrap/base"
fi
"$wrap/ours" >"$wrap/ours.out"
"$wrap/tshark" 2>/dev/null >"$wrap/tshark.out"
if cmp -s "$wrap/ours.out" "$wrap/tshark.out"; then
  echo "outputs: identical, $(wc -l <"$wrap/ours.out") lines"
else
  echo "outputs: DIFFERENT ($(wc -l <"$wrap/ours.out") lines ours," \
    "$(wc -l <"$wrap/tshark.out") tshark's); first differences:"
  diff "$wrap/ours.out" "$wrap/tshark.out" | head -5
fi
echo "filter: $filter; fields: ${fields[*]}"
names=("pcap-analyze fields -Y" "tshark -n -2 -Y -T fields")
cmds=("$wrap/ours" "$wrap/tshark")
if [ -n "$base_tool" ]; then
  "$wrap/base" | cmp -s - "$wrap/ours.out" && echo "baseline output: identical to ours" ||
    echo "baseline output: DIFFERENT from ours"
  names+=("pcap-analyze fields -Y $base_name")
  cmds+=("$wrap/base")
fi
bench_table "${1:-3}"
base_instructions fields -Y "$filter" "${eargv[@]}"
