#!/bin/bash
# mykey-vcard without pcscd: usage errors, the control socket with the card
# removed (no vpcd needed), insert failing cleanly, quit, SIGTERM.
# usage: vcard_control_test.sh MYKEY_VCARD MYKEY_TESTJPKI
set -euo pipefail
VCARD=${1:?}
TESTJPKI=${2:?}
WORK=$(mktemp -d /tmp/mykey-vcard-test-XXXXXX)
PID=
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$WORK"

# Usage errors exit 2, --help 0, a bad card file 1.
set +e
"$VCARD" >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "no arguments: want exit 2"
"$VCARD" --card x.json --slot 2 >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "--slot 2: want exit 2"
"$VCARD" --card x.json --slot 0 --port 9 >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "slot+port: want 2"
"$VCARD" --help >/dev/null 2>&1; [[ $? -eq 0 ]] || fail "--help: want exit 0"
"$VCARD" --card missing.json --removed </dev/null >/dev/null 2>&1
[[ $? -eq 1 ]] || fail "missing card file: want exit 1"
echo '{}' > bad.json
"$VCARD" --card bad.json --removed </dev/null >/dev/null 2>&1
[[ $? -eq 1 ]] || fail "malformed card file: want exit 1"
set -e

"$TESTJPKI" init --seed vcard-test --out pki --generations 2023 >/dev/null
"$TESTJPKI" card --pki pki --out card.json --index 1 >/dev/null

# The control socket, card out of the reader: no vpcd needed.
mkfifo out
"$VCARD" --card card.json --removed --control "$WORK/control.sock" >out 2>err &
PID=$!
exec 4<out
read -r -t 20 line <&4 || fail "no output"
[[ "$line" == ready ]] || fail "want ready, got $line"
ask() {
  python3 - "$WORK/control.sock" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = s.makefile("rw")
for command in sys.argv[2:]:
    f.write(command + "\n"); f.flush()
    print(f.readline().rstrip("\n"))
PY
}
replies=$(ask status "remove" "remove-after 3" "frobnicate" "insert a b")
expected="ok present=no connected=no apdus=0 auth_pin_tries=3 sign_password_tries=5
ok already removed
error no card inserted
error unknown command
error usage: insert [card.json]"
[[ "$replies" == "$expected" ]] || fail "replies: $replies"
[[ "$(ask 'insert missing.json')" == "error not found: cannot open file"* ]] ||
  fail "insert of a missing card"
# SIGTERM: a clean exit, the socket removed.
kill -TERM "$PID"
wait "$PID" || fail "SIGTERM: exit $?"
PID=
[[ ! -e control.sock ]] || fail "control socket left behind"

# stdin control and quit.
"$VCARD" --card card.json --removed > out2 <<<"status
quit
status" || fail "quit: exit $?"
[[ "$(cat out2)" == "ready
ok present=no connected=no apdus=0 auth_pin_tries=3 sign_password_tries=5
ok bye" ]] || fail "stdin session: $(cat out2)"
echo PASS
