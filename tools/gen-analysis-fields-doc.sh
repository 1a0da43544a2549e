#!/usr/bin/env bash
# Rewrites the generated list of protocols and fields in docs/ANALYSIS.md
# (between its "fields: begin" and "fields: end" markers) from the
# registry, as `pcap-analyze fields --markdown` prints it.  The test
# analysis-registry fails while the document differs.
# usage: tools/gen-analysis-fields-doc.sh [PCAP_ANALYZE]   (default build-test/analysis/pcap-analyze)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tool=${1:-$root/build-test/analysis/pcap-analyze}
doc=$root/docs/ANALYSIS.md
list=$(mktemp)
trap 'rm -f "$list"' EXIT
"$tool" fields --markdown >"$list"
python3 - "$doc" "$list" <<'PY'
import sys
doc_path, list_path = sys.argv[1], sys.argv[2]
begin, end = "<!-- fields: begin -->\n", "<!-- fields: end -->\n"
doc = open(doc_path, encoding="utf-8").read()
new = open(list_path, encoding="utf-8").read()
head, rest = doc.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc_path, "w", encoding="utf-8").write(head + begin + new + end + tail)
PY
echo "docs/ANALYSIS.md: field list regenerated"
