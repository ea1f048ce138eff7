#!/usr/bin/env bash
# Installs the Debian 12 packages mykey needs. Idempotent: apt runs only when
# something is missing. Needs root to install; without root it only reports.
#
#   scripts/install-deps.sh            build + test packages for this machine
#   scripts/install-deps.sh --cross    also the aarch64/armhf cross toolchains
set -euo pipefail

cross=0
for arg in "$@"; do
  case "$arg" in
    --cross) cross=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

native=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  clang clang-format clang-tidy lld libclang-rt-14-dev llvm
  # libraries (architecture.md: each used in one place)
  libpcsclite-dev libmbedtls-dev libcurl4-openssl-dev libqrencode-dev libzxing-dev
  libexpected-dev libsqlite3-dev nlohmann-json3-dev catch2
  # receipts and vouchers: kanji raster fallback (FreeType + a Japanese font), PNG/JPEG
  libfreetype-dev fonts-noto-cjk libstb-dev zbar-tools
  # the cloud: HTTP server, PostgreSQL store
  libmicrohttpd-dev libpq-dev postgresql libtomlplusplus-dev libsystemd-dev
  # the real PC/SC stack for system tests
  pcscd vsmartcard-vpcd
  # independent JPKI middleware used to check the emulator
  opensc
  # tooling used by tests and benchmarks
  openssl procps psmisc python3
)
cross_pkgs=(
  crossbuild-essential-arm64 crossbuild-essential-armhf qemu-user
  libpcsclite-dev:arm64 libmbedtls-dev:arm64
  libpcsclite-dev:armhf libmbedtls-dev:armhf
)

wanted=("${native[@]}")
if [[ $cross == 1 ]]; then
  wanted+=("${cross_pkgs[@]}")
fi

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} == 0 ]]; then
  exit 0
fi

if [[ $(id -u) != 0 ]]; then
  echo "install-deps: missing Debian packages (run as root to install):" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if [[ $cross == 1 ]]; then
  for arch in arm64 armhf; do
    dpkg --print-foreign-architectures | grep -qx "$arch" || dpkg --add-architecture "$arch"
  done
fi
# A mirror mid-sync can fail one index; what did download is still usable.
apt-get update -qq || echo "install-deps: apt-get update reported errors; trying anyway" >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
