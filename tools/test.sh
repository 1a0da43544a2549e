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
rc=0
meson test -C build-test --print-errorlogs "$@" || rc=$?
# One closing line CI can read: every meson test, with its cmocka cases and
# pytest items inside, counted once.
python3 - build-test/meson-logs/testlog.json <<'PY'
import json, sys
ok = bad = skipped = 0
for line in open(sys.argv[1]):
    result = json.loads(line)["result"]
    if result in ("OK", "EXPECTEDFAIL"):
        ok += 1
    elif result == "SKIP":
        skipped += 1
    else:
        bad += 1
print(f"{ok} passed, {bad} failed, {skipped} skipped")
PY
exit $rc
