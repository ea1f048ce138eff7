#!/usr/bin/env bash
# Regenerates the golden files under tests/golden/ from the current code. Review the diff
# (git diff --stat tests/golden) before committing: a changed golden file is a changed output.
#   tests/golden/rebless.sh [build dir]   (default: build/golden)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/golden}
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
ninja -C "$build" -j2 mykey-receipt-bless >/dev/null
mkdir -p "$root/tests/golden/receipt"
"$build/sdk/receipt/mykey-receipt-bless" "$root/tests/golden/receipt"
