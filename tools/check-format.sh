#!/usr/bin/env bash
# Fails if any C source or header differs from what clang-format (with the
# committed .clang-format) makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z -- '*.c' '*.h' | xargs -0 clang-format --dry-run --Werror
echo "format: ok"
