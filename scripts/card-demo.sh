#!/usr/bin/env bash
# The card flow alone (scripts/demo.sh runs the whole counter): builds mykey
# and drives the card end to end through the real PC/SC stack: pcscd with
# the vpcd reader, an emulated My Number Card
# (JPKI applet) personalised from a generated test JPKI, and the mykey CLI:
# card status, certificate, PIN-guarded authentication, a wrong PIN, removal.
# Installs missing Debian packages first when run as root.
#
#   scripts/card-demo.sh              build (release) and run
#   scripts/card-demo.sh --no-build   run with the binaries already built
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "card-demo.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
bin=$root/build/release
if [[ $build == 1 ]]; then
  echo "== building (release preset)"
  cmake --preset release >/dev/null
  cmake --build --preset release --target mykey mykey-vcard mykey-testjpki
fi
mykey=$bin/firmware/cli/mykey
vcard=$bin/cards/vcard/mykey-vcard
testjpki=$bin/cards/testjpki/mykey-testjpki
work=$root/build/card-demo
rm -rf "$work"
mkdir -p "$work"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(now_ms)
step() { printf '\n\033[1m[%6d ms] %s\033[0m\n' $(( $(now_ms) - t0 )) "$*"; }
run() { printf '$ %s\n' "${*/#$bin\//}"; "$@"; }

pcscd_pid=""
vcard_pid=""
cleanup() {
  if [[ -n $vcard_pid ]]; then
    echo quit >&3 2>/dev/null || true
    wait "$vcard_pid" 2>/dev/null || true
  fi
  if [[ -n $pcscd_pid ]]; then
    kill "$pcscd_pid" 2>/dev/null || true
    wait "$pcscd_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

step "pcscd with the vpcd reader"
if pgrep -x pcscd >/dev/null; then
  echo "pcscd already running: using it"
else
  if [[ $(id -u) != 0 ]]; then
    echo "card-demo.sh: pcscd is not running and starting it needs root" >&2
    exit 1
  fi
  mkdir -p /run/pcscd
  pcscd -f >"$work/pcscd.log" 2>&1 &
  pcscd_pid=$!
  for _ in $(seq 200); do [[ -S /run/pcscd/pcscd.comm ]] && break; sleep 0.01; done
  [[ -S /run/pcscd/pcscd.comm ]] || { echo "card-demo.sh: pcscd did not start" >&2; exit 1; }
  echo "pcscd started (pid $pcscd_pid)"
fi

step "a test JPKI (auth CA generations 2015/2019/2023, TEST in the DN) and a personalised card"
run "$testjpki" init --seed mykey-demo --out "$work/pki"
run "$testjpki" card --pki "$work/pki" --out "$work/card.json" --index 1 --pin 1234 \
  --counter-file "$work/card.counters"

step "the emulated card goes into vpcd slot 0 (mykey-vcard)"
mkfifo "$work/control"
"$vcard" --card "$work/card.json" --slot 0 <"$work/control" >"$work/vcard.log" 2>&1 &
vcard_pid=$!
exec 3>"$work/control"
for _ in $(seq 500); do grep -q ready "$work/vcard.log" 2>/dev/null && break; sleep 0.01; done
grep -q ready "$work/vcard.log" || { echo "card-demo.sh: mykey-vcard did not start" >&2; cat "$work/vcard.log"; exit 1; }
echo "card inserted"

step "card status (waits for pcscd to see the card)"
run "$mykey" card status --wait 10

step "the user-authentication certificate"
run "$mykey" card cert --format text | sed -n '1,18p'

step "authentication: the holder types the PIN (here: 1234 on stdin), the card signs a challenge"
echo 1234 | run "$mykey" card auth --pin-stdin --challenge 6d796b65792d64656d6f \
  --anchor "$work/pki/auth-ca-2023.pem" --trace 2>"$work/auth-trace.txt" | sed -n '1,3p;$p'
grep -E '^Auth PIN|^APDU trace' "$work/auth-trace.txt"
echo "(full APDU trace, VERIFY data redacted: $work/auth-trace.txt)"

step "a wrong PIN: the guard shows the tries left and never retries by itself"
set +e
echo 9999 | run "$mykey" card auth --pin-stdin
echo "exit code $? (4 = wrong PIN)"
set -e
run "$mykey" card status | grep 'Auth PIN'

step "the right PIN resets the counter"
echo 1234 | run "$mykey" card auth --pin-stdin --json | grep -E '"(ok|token_type|serial)"'
run "$mykey" card status | grep 'Auth PIN'

step "the card is pulled out"
echo remove >&3
for _ in $(seq 100); do
  "$mykey" card status --json 2>/dev/null | grep -q '"card": null' && break
  sleep 0.05
done
run "$mykey" card status

step "done"
echo "Files: $work (test PKI, card personalisation, APDU trace, vcard log)"
