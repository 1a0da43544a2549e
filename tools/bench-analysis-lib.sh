# Shared by the analysis benchmarks (bench-analysis.sh, bench-fields.sh):
# the optimised build of pcap-analyze, the big capture, and the timing of
# interleaved runs with a table of medians and ratios.  Source it.
#
# env: BENCH_BUILD (release build dir, default /tmp/build-rel)
#      BENCH_PCAP  (the big capture, default /tmp/pcapd-bench-analysis.pcapng)
#      BENCH_MB    (its minimum size in MB, default 200)
#      BENCH_BASE  (a git revision, e.g. HEAD~1: its pcap-analyze, built
#                   release from `git archive` in /tmp/pcapd-bench-base-SHA,
#                   runs beside ours in the same rounds; its ratio to ours
#                   below 1.00 means ours is slower)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BENCH_BUILD:-/tmp/build-rel}
pcap=${BENCH_PCAP:-/tmp/pcapd-bench-analysis.pcapng}
min_mb=${BENCH_MB:-200}

# Builds pcap-analyze optimised and the big capture: every shared capture,
# concatenated (mergecap -a) as many times as needed to pass min_mb; a
# pcapng with one interface per input file's link type.  Sets tool, size
# and frames.
bench_setup() {
  local pcaps="$root/../shared/pcaps"
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$root" --buildtype=release >/dev/null
  fi
  ninja -C "$build" analysis/pcap-analyze >/dev/null
  tool="$build/analysis/pcap-analyze"
  if [ ! -f "$pcap" ] || [ "$(stat -c %s "$pcap")" -lt $((min_mb * 1000 * 1000)) ]; then
    local files=("$pcaps"/*.pcap*) args=() i
    local total reps
    total=$(cat "${files[@]}" | wc -c)
    reps=$((min_mb * 1000 * 1000 / total + 1))
    for ((i = 0; i < reps; i++)); do args+=("${files[@]}"); done
    mergecap -a -F pcapng -w "$pcap" "${args[@]}"
  fi
  base_setup
  size=$(stat -c %s "$pcap")
  frames=$("$tool" status "$pcap" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["frames"])')
  cat "$pcap" >/dev/null # Warm the page cache for every contender alike.
}

# Builds BENCH_BASE's pcap-analyze, if asked; sets base_tool and base_name
# (empty when no baseline is wanted).
base_setup() {
  base_tool="" base_name=""
  [ -n "${BENCH_BASE:-}" ] || return 0
  local sha src
  sha=$(git -C "$root" rev-parse --short "$BENCH_BASE")
  src=/tmp/pcapd-bench-base-$sha
  if [ ! -f "$src/build/analysis/pcap-analyze" ]; then
    rm -rf "$src"
    mkdir -p "$src"
    git -C "$root" archive "$sha" | tar -x -C "$src"
    meson setup "$src/build" "$src" --buildtype=release >/dev/null
    ninja -C "$src/build" analysis/pcap-analyze >/dev/null
  fi
  base_tool="$src/build/analysis/pcap-analyze"
  base_name="at $sha (BENCH_BASE=$BENCH_BASE)"
}

# Prints "wall cpu" seconds of one run of a command (output discarded), to
# the millisecond: wall from $EPOCHREALTIME, CPU (user + system) from the
# shell's `times` for its children.
time_once() {
  # shellcheck disable=SC2016
  bash -c 't0=$EPOCHREALTIME; "$@" >/dev/null 2>&1; t1=$EPOCHREALTIME; echo "$t0 $t1"; times' \
    _ "$@" | awk 'NR == 1 {wall = $2 - $1}
      NR == 3 {split($1, u, /[ms]/); split($2, s, /[ms]/)
               printf "%.3f %.3f\n", wall, u[1] * 60 + u[2] + s[1] * 60 + s[2]}'
}

# With a baseline: counts the instructions (valgrind's callgrind, exact
# and the same whatever the machine's load) of ours and of the baseline
# running ARGS on one copy of the shared captures, and prints their ratio.
base_instructions() {
  [ -n "$base_tool" ] || return 0
  local small=${pcap%.*}-1x.pcapng out ours theirs
  [ -f "$small" ] || mergecap -a -F pcapng -w "$small" "$root/../shared/pcaps"/*.pcap*
  out=$(mktemp -d)
  valgrind --tool=callgrind --callgrind-out-file="$out/ours" "$tool" "$@" "$small" \
    >/dev/null 2>"$out/ours.log"
  valgrind --tool=callgrind --callgrind-out-file="$out/base" "$base_tool" "$@" "$small" \
    >/dev/null 2>"$out/base.log"
  ours=$(sed -n 's/.*Collected : //p' "$out/ours.log")
  theirs=$(sed -n 's/.*Collected : //p' "$out/base.log")
  echo "instructions (callgrind, pcap-analyze $* on $(basename "$small")): ours $ours," \
    "baseline $theirs, ours/baseline $(awk -v a="$ours" -v b="$theirs" \
      'BEGIN {printf "%.4f", a / b}')"
  rm -rf "$out"
}

# Prints the median of the numbers on standard input.
median() {
  sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# Runs the commands of the arrays cmds (each one string, split on spaces)
# RUNS times, interleaved (one of each per round) so that a load change
# hits them alike, and prints a table of medians named by the array names,
# with each one's ratio to the first (ours).
bench_table() {
  local runs=$1 log c w u ours_wall ours_cpu
  log=$(mktemp)
  for ((i = 0; i < runs; i++)); do
    for c in "${!cmds[@]}"; do
      # shellcheck disable=SC2086
      echo "$c $(time_once ${cmds[$c]})" >>"$log"
    done
  done
  echo "capture: $pcap, $size bytes, $frames frames; median of $runs interleaved runs;" \
    "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  ours_wall=$(awk '$1 == 0 {print $2}' "$log" | median)
  ours_cpu=$(awk '$1 == 0 {print $3}' "$log" | median)
  printf '| %-44s | %8s | %8s | %14s | %13s |\n' command "wall (s)" "cpu (s)" \
    "wall: x slower" "cpu: x slower"
  printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" ---------- ---------- \
    ---------------- ---------------
  for c in "${!cmds[@]}"; do
    w=$(awk -v c="$c" '$1 == c {print $2}' "$log" | median)
    u=$(awk -v c="$c" '$1 == c {print $3}' "$log" | median)
    printf '| %-44s | %8s | %8s | %14s | %13s |\n' "${names[$c]}" "$w" "$u" \
      "$(awk -v a="$w" -v b="$ours_wall" 'BEGIN {printf "%.2f", a / b}')" \
      "$(awk -v a="$u" -v b="$ours_cpu" 'BEGIN {printf "%.2f", a / b}')"
  done
  rm -f "$log"
}
