#!/usr/bin/env bash
# Command 2: installs every dependency, builds pcapd with AddressSanitizer
# and UndefinedBehaviorSanitizer, checks formatting, and runs every test
# (unit, dataplane on DPDK vdevs, integration against the real daemon).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
if [ ! -f build-test/build.ninja ]; then
  meson setup build-test -Db_sanitize=address,undefined -Dbuildtype=debugoptimized
fi
ninja -C build-test
tools/check-format.sh
meson test -C build-test --print-errorlogs "$@"
