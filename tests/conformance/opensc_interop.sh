#!/bin/bash
# Independent-middleware check: with our emulated JPKI card behind pcscd's
# vpcd reader, OpenSC (its own JPKI driver, PKCS#15 emulator and PKCS#11
# module) must recognise it and read it like a real card.
#
# usage: opensc_interop.sh MYKEY_VCARD MYKEY_PCSC_WAIT_CARD [SLOT [MYKEY_TESTJPKI]]
# With MYKEY_TESTJPKI, a second card made by our test JPKI is swapped in
# (mykey-vcard's "insert card.json") and read and used through OpenSC too.
# Needs a running pcscd with the vpcd driver (tests/system's pcscd fixture).
# Prints one "ok:" line per OpenSC command that did what a real card makes it do.
# Certificates and keys are made here with openssl, independently of mykey.
set -euo pipefail

VCARD=${1:?usage: opensc_interop.sh MYKEY_VCARD MYKEY_PCSC_WAIT_CARD [SLOT]}
WAIT_CARD=${2:?usage: opensc_interop.sh MYKEY_VCARD MYKEY_PCSC_WAIT_CARD [SLOT]}
SLOT=${3:-0}
TESTJPKI=${4:-}
READER_NAME="Virtual PCD 00 0$SLOT"
READER=$SLOT
PKCS11_MODULE=${MYKEY_OPENSC_PKCS11:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
OPENSC_JPKI_DRIVER="JPKI(Japanese Individual Number Cards)"

WORK=$(mktemp -d /tmp/mykey-opensc-XXXXXX)
VCARD_PID=
cleanup() {
  if [[ -n "$VCARD_PID" ]]; then
    kill "$VCARD_PID" 2>/dev/null || true
    wait "$VCARD_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
# Runs a command, keeps its output in $WORK/out, shows it on failure.
run() {
  if ! "$@" >"$WORK/out" 2>&1; then
    cat "$WORK/out" >&2
    fail "command failed: $*"
  fi
}

# --- Test material: a JPKI-shaped hierarchy made with openssl -------------
cd "$WORK"
cat > ext.cnf <<'CNF'
[auth]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
authorityKeyIdentifier = keyid
[sign]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
authorityKeyIdentifier = keyid
CNF
for k in auth_ca sign_ca auth sign; do
  openssl genrsa -out $k.key 2048 2>/dev/null
  openssl rsa -in $k.key -outform DER -traditional -out $k.key.der 2>/dev/null
done
openssl req -new -x509 -key auth_ca.key -days 3650 -sha256 -set_serial 1 \
  -subj "/C=JP/O=JPKI/OU=TEST JPKI for user authentication/OU=TEST" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out auth_ca.pem
openssl req -new -x509 -key sign_ca.key -days 3650 -sha256 -set_serial 2 \
  -subj "/C=JP/O=JPKI/OU=TEST JPKI for digital signature/OU=TEST" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out sign_ca.pem
openssl req -new -key auth.key -subj "/C=JP/CN=TEST0123456789AB" -out auth.csr
openssl x509 -req -in auth.csr -CA auth_ca.pem -CAkey auth_ca.key -set_serial 0x1234567 \
  -days 1000 -sha256 -extfile ext.cnf -extensions auth -out auth.pem 2>/dev/null
openssl req -new -key sign.key -subj "/C=JP/L=TEST/CN=TEST HOLDER" -out sign.csr
openssl x509 -req -in sign.csr -CA sign_ca.pem -CAkey sign_ca.key -set_serial 0x7654321 \
  -days 1000 -sha256 -extfile ext.cnf -extensions sign -out sign.pem 2>/dev/null
for c in auth_ca sign_ca auth sign; do openssl x509 -in $c.pem -outform DER -out $c.der; done
b64() { base64 -w0 "$1"; }
cat > card.json <<JSON
{
  "format": "mykey-jpki-card/1",
  "token_type": "plastic-card",
  "auth_certificate": "$(b64 auth.der)",
  "auth_ca_certificate": "$(b64 auth_ca.der)",
  "sign_certificate": "$(b64 sign.der)",
  "sign_ca_certificate": "$(b64 sign_ca.der)",
  "auth_private_key": "$(b64 auth.key.der)",
  "sign_private_key": "$(b64 sign.key.der)",
  "auth_pin": "1234",
  "sign_password": "ABC123",
  "counters": {"auth_pin_tries_left": 3, "sign_password_tries_left": 5},
  "certificate_ef_size": 2048,
  "counter_file": "card.counters"
}
JSON
chmod 600 card.json

# --- The card behind vpcd ---------------------------------------------------
mkfifo vcard.in vcard.out
"$VCARD" --card card.json --slot "$SLOT" <vcard.in >vcard.out 2>vcard.err &
VCARD_PID=$!
exec 3>vcard.in 4<vcard.out
if ! read -r -t 30 line <&4 || [[ "$line" != ready ]]; then
  cat vcard.err >&2
  fail "mykey-vcard did not get ready"
fi
control() {  # one command, one reply line
  echo "$1" >&3
  read -r -t 10 reply <&4 || fail "no reply from mykey-vcard to '$1'"
  echo "$reply"
}
# pcscd sees the card at its next poll: wait for it with PC/SC events.
"$WAIT_CARD" "$READER_NAME" present 10000 || fail "pcscd does not see the card"
run opensc-tool --reader "$READER" --atr
grep -qi "3b:e0:00:ff:81:31:fe:45:14" out || fail "ATR not seen: $(cat out)"
pass "opensc-tool --reader $READER --atr: 3b:e0:00:ff:81:31:fe:45:14"

# --- OpenSC binds its JPKI driver ----------------------------------------------
run opensc-tool --reader "$READER" --name
grep -qxF "$OPENSC_JPKI_DRIVER" out || grep -qx "jpki" out ||
  fail "opensc-tool --name: $(cat out)"
pass "opensc-tool --reader $READER --name: $(cat out)"

# --- PKCS#15 view: certificates, PINs -------------------------------------------
run pkcs15-tool --reader "$READER" --list-certificates
grep -q "User Authentication Certificate" out || fail "no auth certificate listed"
pass "pkcs15-tool --list-certificates lists the JPKI certificates"

run pkcs15-tool --reader "$READER" --read-certificate 01
openssl x509 -in out -outform DER -out read_auth.der
cmp -s read_auth.der auth.der || fail "auth certificate read back differs"
pass "pkcs15-tool --read-certificate 01: byte-identical auth certificate"

run pkcs15-tool --reader "$READER" --read-certificate 03
openssl x509 -in out -outform DER -out read_auth_ca.der
cmp -s read_auth_ca.der auth_ca.der || fail "auth CA certificate read back differs"
pass "pkcs15-tool --read-certificate 03: byte-identical auth CA certificate"

run pkcs15-tool --reader "$READER" --list-pins
grep -q "User Authentication PIN" out || fail "auth PIN not listed: $(cat out)"
awk '/User Authentication PIN/{f=1} f&&/Tries left/{print; exit}' out | grep -q "3" ||
  fail "auth PIN tries left not 3: $(cat out)"
pass "pkcs15-tool --list-pins: User Authentication PIN, 3 tries left"

run pkcs15-tool --reader "$READER" --list-keys
grep -q "User Authentication Key" out || fail "auth key not listed"
pass "pkcs15-tool --list-keys: User Authentication Key"

# --- PKCS#11: login and SHA256-RSA-PKCS signature ---------------------------------
echo "mykey opensc interop $$" > data.txt
run pkcs11-tool --module "$PKCS11_MODULE" --slot-index "$READER" --login --pin 1234 \
  --sign --mechanism SHA256-RSA-PKCS --id 01 --input-file data.txt --output-file data.sig
openssl x509 -in auth.pem -pubkey -noout > auth.pub
openssl dgst -sha256 -verify auth.pub -signature data.sig data.txt >"$WORK/out" 2>&1 ||
  fail "signature does not verify: $(cat "$WORK/out")"
pass "pkcs11-tool --sign --mechanism SHA256-RSA-PKCS --login --pin 1234: verifies with the auth certificate"

# --- A wrong PIN costs a try, seen by OpenSC and by the card -------------------------
if pkcs11-tool --module "$PKCS11_MODULE" --slot-index "$READER" --login --pin 9999 \
    --sign --mechanism SHA256-RSA-PKCS --id 01 --input-file data.txt \
    --output-file bad.sig >"$WORK/out" 2>&1; then
  fail "a wrong PIN was accepted"
fi
grep -q "CKR_PIN_INCORRECT" out || fail "wrong PIN not reported as CKR_PIN_INCORRECT: $(cat out)"
status=$(control status)
[[ "$status" == *"auth_pin_tries=2"* ]] || fail "card status after a wrong PIN: $status"
run pkcs15-tool --reader "$READER" --list-pins
awk '/User Authentication PIN/{f=1} f&&/Tries left/{print; exit}' out | grep -q "2" ||
  fail "pkcs15-tool does not show 2 tries left: $(cat out)"
pass "wrong PIN: CKR_PIN_INCORRECT, card and pkcs15-tool --list-pins show 2 tries left"

# The right PIN resets the counter.
run pkcs11-tool --module "$PKCS11_MODULE" --slot-index "$READER" --login --pin 1234 \
  --sign --mechanism SHA256-RSA-PKCS --id 01 --input-file data.txt --output-file data2.sig
status=$(control status)
[[ "$status" == *"auth_pin_tries=3"* ]] || fail "card status after the right PIN: $status"
pass "right PIN afterwards: counter back to 3"

if [[ -n "$TESTJPKI" ]]; then
  # A card of our own test JPKI (real X.509 with the JPKI profile), swapped in
  # through the control channel: remove, wait until pcscd sees it gone, insert.
  run "$TESTJPKI" init --seed opensc-interop --out pki --generations 2023
  run "$TESTJPKI" card --pki pki --out card2.json --index 7 --pin 4321 \
    --counter-file card2.counters
  python3 -c 'import base64, json, sys
card = json.load(open("card2.json"))
open("card2_auth.der", "wb").write(base64.b64decode(card["auth_certificate"]))' ||
    fail "cannot read card2.json"
  [[ "$(control remove)" == "ok removed" ]] || fail "remove"
  "$WAIT_CARD" "$READER_NAME" absent 10000 || fail "the card did not leave the reader"
  reply=$(control "insert card2.json")
  [[ "$reply" == "ok inserted" ]] || fail "insert card2.json: $reply"
  "$WAIT_CARD" "$READER_NAME" present 10000 || fail "pcscd does not see the second card"
  run pkcs15-tool --reader "$READER" --read-certificate 01
  openssl x509 -in out -outform DER -out read_card2_auth.der
  cmp -s read_card2_auth.der card2_auth.der || fail "testjpki auth certificate read back differs"
  pass "testjpki card: pkcs15-tool --read-certificate 01 byte-identical"
  openssl x509 -inform DER -in card2_auth.der -pubkey -noout > card2_auth.pub
  run pkcs11-tool --module "$PKCS11_MODULE" --slot-index "$READER" --login --pin 4321 \
    --sign --mechanism SHA256-RSA-PKCS --id 01 --input-file data.txt --output-file card2.sig
  openssl dgst -sha256 -verify card2_auth.pub -signature card2.sig data.txt >"$WORK/out" 2>&1 ||
    fail "testjpki card signature does not verify: $(cat "$WORK/out")"
  pass "testjpki card: pkcs11-tool --sign SHA256-RSA-PKCS verifies with its auth certificate"
fi

[[ "$(control quit)" == "ok bye" ]] || fail "quit"
wait "$VCARD_PID" || fail "mykey-vcard exited with $?"
VCARD_PID=
"$WAIT_CARD" "$READER_NAME" absent 10000 || fail "the card did not leave the reader"
pass "mykey-vcard quit cleanly; pcscd sees the reader empty"
echo "PASS: OpenSC reads the emulated card as a JPKI card"
