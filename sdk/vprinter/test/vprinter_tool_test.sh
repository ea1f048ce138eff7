#!/usr/bin/env bash
# mykey-vprinter end to end on an ephemeral loopback port: a job becomes a PNG
# and a JSON summary, DLE EOT is answered, paper-out-after N fails the job in
# progress, usage errors exit 2. No sleeps: the status answer to DLE EOT sent
# after a job arrives only once the job's files are written.
set -euo pipefail
tool="$1"
work="$(mktemp -d)"
trap 'exec {ctl_in}>&- 2>/dev/null || true; wait "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Usage errors.
set +e
"$tool" --paper 59 >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "--paper 59 should exit 2"
"$tool" --bogus >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "--bogus should exit 2"
set -e

mkfifo "$work/ctl" "$work/out"
"$tool" --port 0 --out "$work/jobs" --no-font <"$work/ctl" >"$work/out" 2>"$work/err" &
pid=$!
exec {ctl_in}>"$work/ctl"
exec {out}<"$work/out"
# Each reply line of the tool is awaited with a timeout.
next_line() { IFS= read -r -t 10 -u "$out" line || fail "no line from mykey-vprinter: $(cat "$work/err")"; echo "$line"; }
ready="$(next_line)"
port="${ready#ready port=}"
[[ "$ready" == "ready port="* && -n "$port" ]] || fail "bad ready line '$ready'"

# Sends a job, then DLE EOT n; prints the status byte in hex.
job_then_status() {
  local n="$1" body="$2"
  exec {sock}<>"/dev/tcp/127.0.0.1/$port"
  printf '\x1b@%s\n\x1dV\x00\x10\x04'"\\x$(printf %02x "$n")" "$body" >&"$sock"
  local reply
  IFS= read -r -N 1 -t 10 -u "$sock" reply || fail "no status answer"
  exec {sock}>&-
  printf '%02X' "'$reply"
}

status="$(job_then_status 1 'Hello vprinter')"
[[ "$status" == "12" ]] || fail "online status byte is $status, want 12"
[[ -s "$work/jobs/job-0001.png" ]] || fail "job-0001.png missing"
grep -q '"Hello vprinter"' "$work/jobs/job-0001.json" || fail "text line missing from json"
grep -q '"completed": true' "$work/jobs/job-0001.json" || fail "job 1 not completed"

echo "paper-out-after 5" >&"$ctl_in"
reply="$(next_line)"
[[ "$reply" == "ok paper-out-after 5" ]] || fail "reply to paper-out-after: '$reply'"
status="$(job_then_status 4 'This voucher runs out of paper')"
[[ "$status" == "7E" ]] || fail "paper-end sensor byte is $status, want 7E"
grep -q '"completed": false' "$work/jobs/job-0002.json" || fail "job 2 should have failed"
grep -q '"failure": "paper end"' "$work/jobs/job-0002.json" || fail "job 2 failure reason"

echo "quit" >&"$ctl_in"
reply="$(next_line)"
[[ "$reply" == "ok bye" ]] || fail "reply to quit: '$reply'"
wait "$pid"
echo "ok"
