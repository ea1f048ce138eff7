#!/usr/bin/env bash
# Regenerates tests/golden/voucher/*.png: the sample vouchers (sold, duplicate) and the
# redemption and refund receipts on 58 and 80 mm paper, as the virtual printer renders them.
# Needed when the font package (fonts-noto-cjk) or the renderer changes. Look at the images and
# the diff (git diff --stat tests/golden/voucher) before committing.
#   tests/golden/voucher/rebless.sh [build dir]   (default: build/golden)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-$root/build/golden}
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
ninja -C "$build" -j2 mykey-voucher-bless >/dev/null
mkdir -p "$root/tests/golden/voucher"
"$build/sdk/voucher/mykey-voucher-bless" "$root/tests/golden/voucher"
