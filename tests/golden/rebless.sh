#!/usr/bin/env bash
# Regenerates every golden file under tests/golden/ from the current code:
#   receipt/*.bin   the ESC/POS bytes of the sample receipts and vouchers (58/80 mm, kanji,
#                   raster-only, raster QR), from sdk/receipt's mykey-receipt-bless, with
#                   receipt/*-qr.png, each case's QR raster for review;
#   voucher/*.png   the sample vouchers (sold, duplicate) and redemption and refund receipts on
#                   58 and 80 mm paper as the virtual printer renders them, from sdk/voucher's
#                   mykey-voucher-bless. They change with the renderer or the font package
#                   (fonts-noto-cjk).
# A changed golden file is a changed output: review `git diff --stat tests/golden` and look at
# the images before committing.
#   tests/golden/rebless.sh [build dir]   (default: build/golden)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/golden}
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
ninja -C "$build" -j2 mykey-receipt-bless mykey-voucher-bless >/dev/null
mkdir -p "$root/tests/golden/receipt" "$root/tests/golden/voucher"
"$build/sdk/receipt/mykey-receipt-bless" "$root/tests/golden/receipt"
"$build/sdk/voucher/mykey-voucher-bless" "$root/tests/golden/voucher"
git -C "$root" status --short -- tests/golden
