#!/bin/sh
# Store figures on this machine: mykey_store_bench on SQLite and PostgreSQL, and pgbench's
# tpcb-like transactions on the same throwaway PostgreSQL cluster as the reference.
#
#   cloud/store/postgres/bench/run_bench.sh BUILD_DIR [SECONDS] [CLIENTS]
#     SECONDS  per run (default 10); CLIENTS: comma list (default 1,10,100)
#
# Starts the cluster with tests/system/postgres_fixture.sh in BUILD_DIR/postgres-bench and
# always stops and removes it on exit.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [SECONDS] [CLIENTS]" >&2; exit 2; }
BUILD_DIR=$(cd "$1" && pwd)
SECONDS_PER_RUN=${2:-10}
CLIENTS=${3:-1,10,100}
ROOT=$(cd "$(dirname "$0")/../../../.." && pwd)
FIXTURE="$ROOT/tests/system/postgres_fixture.sh"
STATE="$BUILD_DIR/postgres-bench"
BENCH="$BUILD_DIR/cloud/store/postgres/bench/mykey_store_bench"
[ -x "$BENCH" ] || { echo "build mykey_store_bench first" >&2; exit 1; }

trap 'sh "$FIXTURE" stop "$STATE" >/dev/null' EXIT INT TERM
sh "$FIXTURE" start "$STATE"
export MYKEY_POSTGRES_CONNECTION="$STATE/connection"
. "$STATE/connection" 2>/dev/null || true  # host, port, user, bindir

"$BENCH" --seconds "$SECONDS_PER_RUN" --threads "$CLIENTS" --backend both

PGBENCH="$bindir/pgbench"
if [ ! -x "$PGBENCH" ]; then
  echo "pgbench: not installed ($PGBENCH)"
  exit 0
fi
"$bindir/createdb" -h "$host" -p "$port" -U "$user" pgbench
# Scale 10: 10 branches, 1,000,000 accounts.
"$PGBENCH" -h "$host" -p "$port" -U "$user" -i -s 10 -q pgbench >/dev/null 2>&1
echo
echo "pgbench -b tpcb-like (read committed, 7 statements per transaction), $SECONDS_PER_RUN s"
printf '%-8s %7s %10s %9s\n' "" clients "tx/s" "avg ms"
for c in $(echo "$CLIENTS" | tr ',' ' '); do
  out=$("$PGBENCH" -h "$host" -p "$port" -U "$user" -b tpcb-like -c "$c" -j 2 \
    -T "$SECONDS_PER_RUN" pgbench 2>/dev/null)
  tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)
  lat=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
  printf '%-8s %7s %10.0f %9s\n' pgbench "$c" "$tps" "$lat"
done
