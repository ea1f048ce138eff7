#!/usr/bin/env bash
# The main job: builds mykey (release) and runs the counter end to end on the
# embedded defaults: the cloud on SQLite with demo data, pcscd + the vpcd
# reader + an emulated My Number Card, two virtual receipt printers and four
# mykey-terminal processes (shop, library, kiosk, café). Then, without
# questions: a MyKey ID and a library link at the kiosk, a municipal grant, a
# library lookup, a shop redemption with its receipt, a kiosk voucher that the
# café scans and redeems (and refuses the second time). Each step prints its
# time; the receipt and voucher images are listed at the end.
# Installs missing Debian packages first when run as root.
#
#   scripts/demo.sh                  build and run
#   scripts/demo.sh --no-build       run with the binaries already built
#   scripts/demo.sh --interactive    the same pieces, then the shop console is
#                                    yours (card in and out from another shell:
#                                    scripts/demo.sh card insert|remove)
#   scripts/card-demo.sh             the card flow alone, with the mykey CLI
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$root/build/demo

if [[ ${1:-} == card ]]; then
  exec python3 scripts/demo/counter_demo.py --work "$work" card "${2:-}"
fi

build=1
args=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --interactive) args+=(--interactive) ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
if [[ $build == 1 ]]; then
  echo "== building (release preset)"
  cmake --preset release >/dev/null
  cmake --build --preset release --target mykey-cloud mykey-terminal mykey-vcard \
    mykey-vprinter mykey-testjpki mykey
fi
exec python3 scripts/demo/counter_demo.py --bin "$root/build/release" --work "$work" "${args[@]}"
