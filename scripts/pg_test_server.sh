#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the test suite (ctest starts and stops it as a fixture).
#   scripts/pg_test_server.sh start   creates a fresh cluster, starts it, creates socialrx_test,
#                                     prints the connection URL
#   scripts/pg_test_server.sh stop    stops it and removes its directory
#   scripts/pg_test_server.sh url     prints the connection URL
# It listens on 127.0.0.1 only, with trust authentication (tests only), on $SOCIALRX_PG_PORT
# (default 55432), in $SOCIALRX_PG_DIR (default /tmp/socialrx-pg-<port>). It never touches a
# cluster the Debian package may have started on 5432. Run as root, the server runs as the
# `postgres` OS user (PostgreSQL refuses to run as root); run as another user, it runs as that user.
set -euo pipefail

port=${SOCIALRX_PG_PORT:-55432}
dir=${SOCIALRX_PG_DIR:-/tmp/socialrx-pg-$port}
database=socialrx_test
bin=${SOCIALRX_PG_BIN:-}
if [ -z "$bin" ]; then
  for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$candidate/initdb" ]; then bin=$candidate; break; fi
  done
fi
url="postgresql://postgres@127.0.0.1:$port/$database"
dir=$(realpath -m "$dir")
cd / # the server user may not be allowed into the caller's directory

as_server_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

server_running() {
  [ -f "$dir/data/postmaster.pid" ] && as_server_user "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

stop_server() {
  if server_running; then
    as_server_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start)
    if [ -z "$bin" ]; then
      echo "pg_test_server: PostgreSQL server binaries not found (apt-get install postgresql-15)" >&2
      exit 1
    fi
    # A fresh cluster every time: whatever an earlier run left here goes.
    stop_server
    mkdir -p "$dir"
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    as_server_user "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Only loopback TCP and a socket in our own directory (not /var/run/postgresql).
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 128MB
logging_collector = off
EOF
    if ! as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
      echo "pg_test_server: the server did not start (port $port in use?); its log:" >&2
      cat "$dir/server.log" >&2 || true
      exit 1
    fi
    as_server_user "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
    echo "$url"
    ;;
  stop)
    stop_server
    ;;
  url)
    echo "$url"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
