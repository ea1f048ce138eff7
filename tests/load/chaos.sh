#!/bin/sh
# Exactly-once under faults: the cloud, mykey-load's terminals through the
# fault-injecting proxy, the cloud killed with SIGKILL and restarted several
# times, then the reconciliation.
#
#   tests/load/chaos.sh BUILD_DIR sqlite|postgres [--seconds S] [--terminals N]
#                       [--kills K] [--holders M] [--long] [--keep]
#
#   --long   5 minutes, 50 terminals, a kill every 10-20 s (the short default:
#            20 s, 8 terminals, 3 kills)
#   --keep   keep the work directory (state, operation log, cloud logs)
#
# SQLite: the cloud is `mykey-cloud serve` on a file in the work directory.
# PostgreSQL: a fresh database on the server named by $MYKEY_POSTGRES_CONNECTION
# (the ctest fixture `postgres`; without it this script starts its own cluster
# with tests/system/postgres_fixture.sh), served by `mykey-load serve`
# (mykey-cloud serve opens SQLite only). Exit 0 when the reconciliation holds.
set -eu
[ $# -ge 2 ] || { sed -n 2,20p "$0" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
STORE_KIND=$2
shift 2
SECONDS_RUN=20
TERMINALS=8
KILLS=3
HOLDERS=8
KILL_EVERY_MIN=3
KILL_EVERY_MAX=5
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_RUN=$2; shift 2 ;;
    --terminals) TERMINALS=$2; shift 2 ;;
    --kills) KILLS=$2; shift 2 ;;
    --holders) HOLDERS=$2; shift 2 ;;
    --long) SECONDS_RUN=300; TERMINALS=50; KILLS=20; HOLDERS=30
            KILL_EVERY_MIN=10; KILL_EVERY_MAX=20; shift ;;
    --keep) KEEP=1; shift ;;
    *) echo "chaos: unknown option $1" >&2; exit 2 ;;
  esac
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOAD="$BUILD/tests/load/mykey-load"
CLOUD="$BUILD/cloud/tool/mykey-cloud"
[ -x "$LOAD" ] || { echo "chaos: build mykey-load first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mykey-chaos.XXXXXX")
CLOUD_PID=
OWN_PG=
RUN_PID=
cleanup() {
  [ -n "$RUN_PID" ] && kill "$RUN_PID" 2>/dev/null || true
  [ -n "$CLOUD_PID" ] && kill -TERM "$CLOUD_PID" 2>/dev/null && wait "$CLOUD_PID" 2>/dev/null || true
  [ -n "$OWN_PG" ] && sh "$ROOT/tests/system/postgres_fixture.sh" stop "$OWN_PG" >/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "chaos: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

case "$STORE_KIND" in
  sqlite)
    STORE="sqlite:$WORK/cloud.db"
    ;;
  postgres)
    if [ -z "${MYKEY_POSTGRES_CONNECTION:-}" ]; then
      OWN_PG="$WORK/pg"
      sh "$ROOT/tests/system/postgres_fixture.sh" start "$OWN_PG" >/dev/null
      export MYKEY_POSTGRES_CONNECTION="$OWN_PG/connection"
    fi
    STORE="postgres:chaos_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
    ;;
  *) echo "chaos: store must be sqlite or postgres" >&2; exit 2 ;;
esac
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
STATE="$WORK/state"

start_cloud() {
  : >"$WORK/cloud.out"
  if [ "$STORE_KIND" = sqlite ] && [ -x "$CLOUD" ]; then
    "$CLOUD" serve --store "${STORE#sqlite:}" --listen "127.0.0.1:$PORT" --threads 4 \
      --log-level warning --jpki-auth-ca "$STATE/jpki-auth-ca" >>"$WORK/cloud.out" 2>>"$WORK/cloud.err" &
  else
    "$LOAD" serve --store "$STORE" --port "$PORT" --threads 4 \
      --jpki-auth-ca "$STATE/jpki-auth-ca" >>"$WORK/cloud.out" 2>>"$WORK/cloud.err" &
  fi
  CLOUD_PID=$!
  i=0
  until grep -q '^listening on' "$WORK/cloud.out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 300 ] || ! kill -0 "$CLOUD_PID" 2>/dev/null; then
      echo "chaos: the cloud did not start" >&2
      cat "$WORK/cloud.err" >&2
      exit 1
    fi
    sleep 0.1
  done
}

if [ "$STORE_KIND" = sqlite ] && [ -x "$CLOUD" ]; then
  "$CLOUD" init --store "${STORE#sqlite:}" >/dev/null  # the schema and the cloud's keys
fi
"$LOAD" init --store "$STORE" --state "$STATE" --holders "$HOLDERS"
start_cloud
"$LOAD" enrol --url "$URL" --state "$STATE" --terminals "$TERMINALS" --points 20000

echo "chaos: $TERMINALS terminals for $SECONDS_RUN s through the fault proxy, $KILLS SIGKILLs ($STORE_KIND)"
"$LOAD" run --url "$URL" --state "$STATE" --terminals "$TERMINALS" --seconds "$SECONDS_RUN" \
  --mix chaos --card-login 0.1 --drop-request 0.03 --drop-response 0.03 --delay 0.05 \
  --max-delay-ms 300 --seed 7 >"$WORK/run.out" 2>&1 &
RUN_PID=$!

kills=0
while [ $kills -lt "$KILLS" ] && kill -0 "$RUN_PID" 2>/dev/null; do
  span=$((KILL_EVERY_MAX - KILL_EVERY_MIN + 1))
  sleep $((KILL_EVERY_MIN + $(od -An -N1 -tu1 /dev/urandom | tr -d ' ') % span))
  kill -0 "$RUN_PID" 2>/dev/null || break
  kill -KILL "$CLOUD_PID"
  wait "$CLOUD_PID" 2>/dev/null || true
  kills=$((kills + 1))
  echo "chaos: SIGKILL $kills to the cloud (pid $CLOUD_PID); restarting"
  sleep 0.5
  start_cloud
done
status=0
wait "$RUN_PID" || status=$?
RUN_PID=
cat "$WORK/run.out"
[ "$status" = 0 ] || { echo "chaos: the load failed ($status)" >&2; exit 1; }
echo "chaos: $kills SIGKILL(s); reconciling"
"$LOAD" reconcile --url "$URL" --state "$STATE"
