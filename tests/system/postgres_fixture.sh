#!/bin/sh
# A throwaway PostgreSQL cluster for the tests (the cloud's store on its real database).
#
#   postgres_fixture.sh start  STATE_DIR   initdb a fresh cluster, start it, write
#                                          STATE_DIR/connection
#   postgres_fixture.sh stop   STATE_DIR   stop it (pg_ctl -m fast) and remove the cluster
#   postgres_fixture.sh status STATE_DIR
#
# The cluster listens on a Unix socket and on 127.0.0.1 at a free port, with trust
# authentication for the superuser `postgres` (loopback only; it lives for one test run).
# fsync stays on: durable commits are part of what the store tests and benchmarks measure.
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user and
# every PostgreSQL program runs through runuser. The cluster lives in STATE_DIR/run when that
# user can reach it and the socket path is short enough, else in a fresh directory under
# ${TMPDIR:-/tmp}. STATE_DIR/connection holds one key=value per line:
#   host=<socket directory>  port=<port>  tcp_host=127.0.0.1  user=postgres  bindir=<dir>
# which the tests read (mykey::store_testing, MYKEY_POSTGRES_CONNECTION). The server log is
# <run>/postgres.log, copied to STATE_DIR/postgres.log at stop. A cluster left by a killed run is stopped and removed by `start`.
set -eu

usage() {
  echo "usage: $0 start|stop|status STATE_DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
ACTION=$1
mkdir -p "$2"
STATE_DIR=$(cd "$2" && pwd)

# The newest installed server (Debian: /usr/lib/postgresql/<major>/bin), or $MYKEY_PG_BINDIR.
BINDIR=${MYKEY_PG_BINDIR:-}
if [ -z "$BINDIR" ]; then
  BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$BINDIR" ] || [ ! -x "$BINDIR/pg_ctl" ]; then
  echo "postgres fixture: no PostgreSQL server found (Debian package postgresql)" >&2
  exit 1
fi

PGUSER_NAME=postgres
if [ "$(id -u)" -eq 0 ]; then
  as_pg() { runuser -u "$PGUSER_NAME" -- "$@"; }
  OWNER=$PGUSER_NAME
else
  as_pg() { "$@"; }
  OWNER=$(id -un)
fi

# A free TCP port on 127.0.0.1 (the kernel's choice; pg_ctl below retries if it is taken
# in between).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Stops the cluster in run directory $1 (fast, then immediate) and removes it.
remove_cluster() {
  run=$1
  [ -n "$run" ] || return 0
  if [ -f "$run/data/postmaster.pid" ]; then
    as_pg "$BINDIR/pg_ctl" -D "$run/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      as_pg "$BINDIR/pg_ctl" -D "$run/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  if [ -f "$run/postgres.log" ]; then
    cp "$run/postgres.log" "$STATE_DIR/postgres.log" 2>/dev/null || true
  fi
  if [ -f "$run/data/postmaster.pid" ]; then
    echo "postgres fixture: the cluster in $run does not stop" >&2
    return 1
  fi
  rm -rf "$run/data" "$run/socket"
  [ "$run" = "$STATE_DIR/run" ] || rm -rf "$run"
}

# Makes a run directory the cluster's owner can use; prints its path.
make_run_dir() {
  run=$STATE_DIR/run
  mkdir -p "$run"
  chown "$OWNER" "$run"
  chmod 700 "$run"
  # Unix socket paths are limited to 107 bytes: "<run>/socket/.s.PGSQL.65535".
  if as_pg test -w "$run" && [ ${#run} -le 80 ]; then
    echo "$run"
    return
  fi
  rmdir "$run" 2>/dev/null || true
  run=$(mktemp -d "${TMPDIR:-/tmp}/mykey-pg.XXXXXX")
  chown "$OWNER" "$run"
  chmod 700 "$run"
  echo "$run"
}

case "$ACTION" in
  start)
    if [ -f "$STATE_DIR/run_dir" ]; then
      echo "postgres fixture: removing the cluster of an earlier run"
      remove_cluster "$(cat "$STATE_DIR/run_dir")"
      rm -f "$STATE_DIR/run_dir" "$STATE_DIR/connection"
    fi
    run=$(make_run_dir)
    echo "$run" >"$STATE_DIR/run_dir"
    as_pg mkdir -p "$run/socket"
    as_pg "$BINDIR/initdb" -D "$run/data" -U postgres --auth=trust -E UTF8 --no-locale \
      --no-sync >"$STATE_DIR/initdb.log" 2>&1 || {
      echo "postgres fixture: initdb failed:" >&2
      cat "$STATE_DIR/initdb.log" >&2
      exit 1
    }
    started=0
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      if as_pg "$BINDIR/pg_ctl" -D "$run/data" -l "$run/postgres.log" -w -t 60 \
        -o "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$run/socket \
-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=32MB \
-c max_connections=300 -c max_locks_per_transaction=128 -c log_min_messages=warning" \
        start >/dev/null 2>&1; then
        started=1
        break
      fi
      echo "postgres fixture: start on port $port failed (attempt $attempt)" >&2
      as_pg "$BINDIR/pg_ctl" -D "$run/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    done
    if [ "$started" != 1 ]; then
      tail -n 20 "$run/postgres.log" >&2 || true
      remove_cluster "$run" || true
      rm -f "$STATE_DIR/run_dir"
      exit 1
    fi
    "$BINDIR/pg_isready" -q -h "$run/socket" -p "$port" -t 30 || {
      echo "postgres fixture: the server does not answer" >&2
      exit 1
    }
    printf 'host=%s\nport=%s\ntcp_host=127.0.0.1\nuser=postgres\nbindir=%s\n' \
      "$run/socket" "$port" "$BINDIR" >"$STATE_DIR/connection.partial"
    mv "$STATE_DIR/connection.partial" "$STATE_DIR/connection"
    echo "postgres fixture: PostgreSQL $("$BINDIR/postgres" -V | awk '{print $3}') on $run/socket" \
      "and 127.0.0.1:$port"
    ;;
  stop)
    if [ -f "$STATE_DIR/run_dir" ]; then
      run=$(cat "$STATE_DIR/run_dir")
      remove_cluster "$run"
      rm -f "$STATE_DIR/run_dir" "$STATE_DIR/connection"
      echo "postgres fixture: stopped and removed the cluster"
    else
      echo "postgres fixture: no cluster to stop"
    fi
    ;;
  status)
    if [ -f "$STATE_DIR/run_dir" ]; then
      as_pg "$BINDIR/pg_ctl" -D "$(cat "$STATE_DIR/run_dir")/data" status || true
      cat "$STATE_DIR/connection" 2>/dev/null || true
    else
      echo "no cluster"
    fi
    ;;
  *) usage ;;
esac
