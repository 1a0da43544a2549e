#!/usr/bin/env bash
# Builds the libFuzzer targets of the analysis engine with clang (whatever
# compiler the meson build uses) and runs each for a bounded time: the
# capture target (reader, dissectors, per-packet fields, every answer),
# seeded with the shared captures of both sets (read in place, never
# copied or written) and protocols_gen's synthetic ones, then the display-filter target for a third of that time.
# usage: run-fuzz.sh SOURCE_ROOT [SECONDS]
# Exits non-zero on any crash, leak, sanitizer report or timeout.
set -euo pipefail
root=$(cd "$1" && pwd)
secs=${2:-30}
if ! command -v clang >/dev/null; then
  echo "clang is not installed (tools/install-deps.sh --test installs it)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
srcs=()
for f in "$root"/analysis/*.c "$root"/analysis/dissectors/*.c; do
  [ "$(basename "$f")" = cli.c ] || srcs+=("$f")
done
# Builds one target: fuzz_NAME from tests/analysis/fuzz_NAME.c and the engine.
build_target() {
  # shellcheck disable=SC2046
  clang -std=gnu11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all -I"$root/analysis" $(pkg-config --cflags jansson libpcre2-8) \
    "${srcs[@]}" "$root/tests/analysis/fuzz_$1.c" \
    $(pkg-config --libs jansson libpcre2-8 libcrypto) -o "$work/fuzz_$1"
}
build_target capture
build_target filter
mkdir "$work/corpus" "$work/filter-corpus"
# Seeds: the shared captures, and the wider set (routing, tunnels, PPP...)
# which reaches the dissectors the first set does not, linked into a
# folder of its own (read in place) but for dns_fwdptr: its DNS message
# holds 10,518 questions whose names loop through compression pointers as
# far as Wireshark follows them, which takes seconds per pass by design
# (tshark takes 3 s) and past the hang limit in the instrumented build;
# DNS names are fuzzed from the other DNS captures.
seeds=()
[ -d "$root/../shared/pcaps" ] && seeds+=("$root/../shared/pcaps")
if [ -d "$root/../shared/pcaps-wide" ]; then
  mkdir "$work/wide-seeds"
  for f in "$root/../shared/pcaps-wide"/*.pcap*; do
    [ "$(basename "$f")" = tcpdump-dns_fwdptr.pcap ] || ln -s "$f" "$work/wide-seeds/"
  done
  seeds+=("$work/wide-seeds")
fi
# And the synthetic captures of the protocols neither set carries (SMB
# pipes and DCE/RPC, GTP, SCTP...: tests/analysis/protocols_gen.py).
mkdir "$work/gen-seeds"
python3 - "$root/tests/analysis" "$work/gen-seeds" <<'EOF_PY'
import sys
sys.path.insert(0, sys.argv[1])
import core_fields_gen, protocols_gen
for name, build in protocols_gen.SCENARIOS.items():
    core_fields_gen.write(f"{sys.argv[2]}/{name}.pcap", build())
EOF_PY
seeds+=("$work/gen-seeds")
# -timeout: an input taking over 10 s is a hang; -max_len fits the larger seeds.
# A failing input is kept in $FUZZ_ARTIFACTS (default /tmp/pcapd-fuzz-artifacts).
artifacts=${FUZZ_ARTIFACTS:-/tmp/pcapd-fuzz-artifacts}
mkdir -p "$artifacts"
"$work/fuzz_capture" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -max_len=1100000 -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "$work/corpus" "${seeds[@]}" >"$work/log" 2>&1 || {
  tail -n 40 "$work/log"
  echo "fuzz: FAILED; the failing input is in $artifacts" >&2
  exit 1
}
tail -n 8 "$work/log"
echo "fuzz: capture target, no crash in $secs s"
"$work/fuzz_filter" -max_total_time="$((secs / 3 + 1))" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "$work/filter-corpus" >"$work/log" 2>&1 || {
  tail -n 40 "$work/log"
  echo "fuzz: filter target FAILED; the failing input is in $artifacts" >&2
  exit 1
}
tail -n 8 "$work/log"
echo "fuzz: filter target, no crash in $((secs / 3 + 1)) s"
