#!/bin/sh
# The cloud's figures in one run on this machine: redemptions per second and
# p50/p99 latency at 1, 10, 100 and 1,000 concurrent terminals (mykey-load,
# signed requests, one keep-alive connection and thread per terminal, closed
# loop, immediate redemptions with idempotency keys) on SQLite and on
# PostgreSQL, beside `pgbench -b tpcb-like` at the same client counts on the
# same PostgreSQL cluster as the reference.
#
#   scripts/bench-cloud.sh BUILD_DIR [--seconds S] [--clients 1,10,100,1000]
#                          [--threads N] [--holders M] [--only sqlite|postgres]
#
# BUILD_DIR should be a Release build with mykey-load and mykey-cloud built.
# The PostgreSQL cluster is tests/system/postgres_fixture.sh's (fsync on,
# synchronous_commit on), with max_connections raised to 1,100 for pgbench
# -c 1000. SQLite is served by `mykey-cloud serve` (WAL, synchronous=FULL),
# PostgreSQL by `mykey-load serve` (the same modules; mykey-cloud serve opens
# SQLite only). Both with --threads N HTTP workers (default 8).
set -eu
[ $# -ge 1 ] || { sed -n 2,19p "$0" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
shift
SECONDS_RUN=10
CLIENTS=1,10,100,1000
THREADS=8
HOLDERS=200
ONLY=
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_RUN=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --holders) HOLDERS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "bench-cloud: unknown option $1" >&2; exit 2 ;;
  esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOAD="$BUILD/tests/load/mykey-load"
CLOUD="$BUILD/cloud/tool/mykey-cloud"
FIXTURE="$ROOT/tests/system/postgres_fixture.sh"
[ -x "$LOAD" ] && [ -x "$CLOUD" ] || { echo "bench-cloud: build mykey-load and mykey-cloud" >&2; exit 1; }
MAX_CLIENTS=$(echo "$CLIENTS" | tr ',' '\n' | sort -n | tail -n 1)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mykey-bench.XXXXXX")
CLOUD_PID=
PG=
cleanup() {
  [ -n "$CLOUD_PID" ] && kill -TERM "$CLOUD_PID" 2>/dev/null && wait "$CLOUD_PID" 2>/dev/null || true
  [ -n "$PG" ] && sh "$FIXTURE" stop "$PG" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_listening() {
  i=0
  until grep -q '^listening on' "$1" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 600 ] || ! kill -0 "$CLOUD_PID" 2>/dev/null; then
      echo "bench-cloud: the cloud did not start" >&2
      exit 1
    fi
    sleep 0.1
  done
}

RESULTS="$WORK/results"
: >"$RESULTS"

# measure KIND STORE: set up, serve, enrol, then one run per client count.
measure() {
  kind=$1
  store=$2
  state="$WORK/state-$kind"
  cport=$(free_port)  # not "port": that is PostgreSQL's (sh has no locals)
  url="http://127.0.0.1:$cport"
  [ "$kind" = sqlite ] && "$CLOUD" init --store "${store#sqlite:}" >/dev/null  # and its keys
  "$LOAD" init --store "$store" --state "$state" --holders "$HOLDERS" >/dev/null
  if [ "$kind" = sqlite ]; then
    "$CLOUD" serve --store "${store#sqlite:}" --listen "127.0.0.1:$cport" --threads "$THREADS" \
      --log-level warning --jpki-auth-ca "$state/jpki-auth-ca" >"$WORK/cloud-$kind.out" \
      2>"$WORK/cloud-$kind.err" &
  else
    "$LOAD" serve --store "$store" --port "$cport" --threads "$THREADS" \
      --jpki-auth-ca "$state/jpki-auth-ca" >"$WORK/cloud-$kind.out" 2>"$WORK/cloud-$kind.err" &
  fi
  CLOUD_PID=$!
  wait_listening "$WORK/cloud-$kind.out"
  "$LOAD" enrol --url "$url" --state "$state" --terminals "$MAX_CLIENTS" --points 1000000000 \
    >/dev/null
  for c in $(echo "$CLIENTS" | tr ',' ' '); do
    line=$("$LOAD" run --url "$url" --state "$state" --terminals "$c" --seconds "$SECONDS_RUN" \
      --mix redeem --amount-max 10 --ops-log "$WORK/ops-$kind-$c.jsonl" | grep '^RESULT')
    echo "$kind $c $line" >>"$RESULTS"
    echo "  $kind, $c terminal(s): $line"
  done
  kill -TERM "$CLOUD_PID"
  wait "$CLOUD_PID" 2>/dev/null || true
  CLOUD_PID=
}

echo "bench-cloud: $(nproc) cores, $SECONDS_RUN s per level, clients $CLIENTS, $THREADS cloud threads, $HOLDERS holders"
if [ "$ONLY" != postgres ]; then
  echo "SQLite (WAL, synchronous=FULL) ..."
  measure sqlite "sqlite:$WORK/cloud.db"
fi

if [ "$ONLY" != sqlite ]; then
  PG="$WORK/pg"
  sh "$FIXTURE" start "$PG" >/dev/null
  . "$PG/connection"  # host, port, user, bindir
  run=$(cat "$PG/run_dir")
  if [ "$(id -u)" -eq 0 ]; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi
  # pgbench -c 1000 needs more than the fixture's 300 connections: restart with
  # the fixture's settings (its -o options win over ALTER SYSTEM) and 1,100.
  as_pg "$bindir/pg_ctl" -D "$run/data" -l "$run/postgres.log" -w -t 60 \
    -o "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$host \
-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=32MB \
-c max_connections=1100 -c max_locks_per_transaction=128 -c log_min_messages=warning" \
    restart >/dev/null
  echo "  max_connections $("$bindir/psql" -h "$host" -p "$port" -U "$user" -Atc 'show max_connections' postgres)"
  export MYKEY_POSTGRES_CONNECTION="$PG/connection"
  echo "PostgreSQL $("$bindir/postgres" -V | awk '{print $3}') (fsync on, synchronous_commit on, REPEATABLE READ) ..."
  measure postgres "postgres:mykey_bench"

  echo "pgbench -b tpcb-like (scale 10, -j 2, read committed) ..."
  "$bindir/createdb" -h "$host" -p "$port" -U "$user" pgbench
  "$bindir/pgbench" -h "$host" -p "$port" -U "$user" -i -s 10 -q pgbench >/dev/null 2>&1
  for c in $(echo "$CLIENTS" | tr ',' ' '); do
    out=$("$bindir/pgbench" -h "$host" -p "$port" -U "$user" -b tpcb-like -c "$c" -j 2 \
      -T "$SECONDS_RUN" -r pgbench 2>&1 || true)
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)
    lat=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
    [ -n "$tps" ] || echo "$out" | grep -i error | head -n 3 >&2
    echo "pgbench $c tps=${tps:-0} avg_ms=${lat:-0}" >>"$RESULTS"
    echo "  pgbench, $c client(s): tps ${tps:-?}, average latency ${lat:-?} ms"
  done
fi

echo
printf '%-10s %9s %15s %9s %9s %9s  %s\n' store terminals "redemptions/s" "p50 ms" "p99 ms" "max ms" "pgbench tps (avg ms)"
for c in $(echo "$CLIENTS" | tr ',' ' '); do
  ref=$(awk -v c="$c" '$1 == "pgbench" && $2 == c { sub("tps=", "", $3); sub("avg_ms=", "", $4); printf "%.0f (%s)", $3, $4 }' "$RESULTS")
  for kind in sqlite postgres; do
    awk -v k="$kind" -v c="$c" -v ref="$ref" '
      $1 == k && $2 == c {
        for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "%-10s %9s %15.0f %9.2f %9.2f %9.2f  %s\n", k, c, v["redemptions_per_s"], v["p50_ms"], v["p99_ms"], v["max_ms"], (k == "postgres" ? ref : "")
      }' "$RESULTS"
  done
done
