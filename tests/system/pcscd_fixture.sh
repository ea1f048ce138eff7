#!/bin/sh
# pcscd for system tests: pcscd + the vpcd reader driver (pcsc-test-stack.md).
#
#   pcscd_fixture.sh start  STATE_DIR   start pcscd -f in the background, or reuse a running one
#   pcscd_fixture.sh stop   STATE_DIR   let go; stop pcscd if a fixture started it and no one
#                                       else uses it
#   pcscd_fixture.sh kill   STATE_DIR   (restart tests) stop the fixture's pcscd even though we
#                                       still use it; exit 77 if it is not ours alone to stop
#   pcscd_fixture.sh status STATE_DIR
#
# Only one pcscd can run per machine, and several build trees may run system tests at the same
# time, so users are counted: every `start` registers STATE_DIR under $REGISTRY/users, and the
# pcscd a fixture started (its PID in $REGISTRY/pid, and in STATE_DIR/pcscd.pid) is stopped only
# by the last user to leave. A pcscd that no fixture started (a system service, one started by
# hand) is reused and never stopped. Needs root (/run/pcscd). Logs go to STATE_DIR/pcscd.log.
set -eu

usage() {
  echo "usage: $0 start|stop|kill|status STATE_DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
ACTION=$1
STATE_DIR=$2
REGISTRY=${MYKEY_PCSCD_REGISTRY:-/run/mykey-pcscd-fixture}
SOCKET=/run/pcscd/pcscd.comm
PCSCD=${PCSCD:-pcscd}

mkdir -p "$STATE_DIR" "$REGISTRY/users"
STATE_DIR=$(cd "$STATE_DIR" && pwd)
USER_KEY=$(printf '%s' "$STATE_DIR" | tr '/' '_')

# One fixture action at a time, machine-wide.
exec 9>"$REGISTRY/lock"
flock -w 60 9 || { echo "pcscd fixture: registry lock busy" >&2; exit 1; }

# The PID of a running pcscd, if any.
running_pcscd() {
  pgrep -x pcscd | head -n 1 || true
}

# The PID of the pcscd a fixture started, if it still runs.
fixture_pcscd() {
  [ -f "$REGISTRY/pid" ] || return 0
  pid=$(cat "$REGISTRY/pid")
  if [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null || true)" = pcscd ]; then
    echo "$pid"
  fi
}

# Waits (bounded) for a condition; 10 ms steps.
wait_until() {
  tries=$1
  shift
  while [ "$tries" -gt 0 ]; do
    if "$@"; then return 0; fi
    sleep 0.01
    tries=$((tries - 1))
  done
  return 1
}

socket_ready() { [ -S "$SOCKET" ]; }
process_gone() { ! kill -0 "$1" 2>/dev/null; }

# Stops the fixture's pcscd (TERM, then KILL after 5 s) and waits until it is gone. It is not
# our child (setsid), so waiting means watching the PID.
stop_fixture_pcscd() {
  pid=$(fixture_pcscd)
  rm -f "$REGISTRY/pid"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_until 500 process_gone "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 500 process_gone "$pid" || { echo "pcscd $pid does not stop" >&2; exit 1; }
  fi
  rm -f "$STATE_DIR/pcscd.pid"
  echo "pcscd fixture: stopped pcscd $pid"
}

case "$ACTION" in
  start)
    touch "$REGISTRY/users/$USER_KEY"
    pid=$(running_pcscd)
    if [ -n "$pid" ]; then
      echo "pcscd fixture: reusing running pcscd $pid"
    else
      mkdir -p /run/pcscd
      rm -f "$SOCKET"  # left by a pcscd that died; no pcscd runs now
      # setsid and no inherited descriptors: CTest must not wait for pcscd's output.
      setsid "$PCSCD" -f </dev/null >>"$STATE_DIR/pcscd.log" 2>&1 9>&- &
      pid=$!
      echo "$pid" >"$REGISTRY/pid"
      echo "$pid" >"$STATE_DIR/pcscd.pid"
      echo "pcscd fixture: started pcscd $pid"
    fi
    if ! wait_until 500 socket_ready; then
      echo "pcscd fixture: $SOCKET did not appear within 5 s" >&2
      exit 1
    fi
    ;;
  stop)
    rm -f "$REGISTRY/users/$USER_KEY"
    if [ -n "$(ls -A "$REGISTRY/users")" ]; then
      echo "pcscd fixture: other users remain; pcscd keeps running"
    elif [ -n "$(fixture_pcscd)" ]; then
      stop_fixture_pcscd
    else
      echo "pcscd fixture: no pcscd of ours to stop"
    fi
    rm -f "$STATE_DIR/pcscd.pid"
    ;;
  kill)
    others=$(ls -A "$REGISTRY/users" | grep -vxF "$USER_KEY" || true)
    if [ -z "$(fixture_pcscd)" ] || [ -n "$others" ]; then
      echo "pcscd fixture: pcscd is not ours alone to stop" >&2
      exit 77
    fi
    stop_fixture_pcscd
    ;;
  status)
    echo "running pcscd: $(running_pcscd)"
    echo "fixture pcscd: $(fixture_pcscd)"
    echo "users: $(ls -A "$REGISTRY/users" | tr '\n' ' ')"
    ;;
  *) usage ;;
esac
