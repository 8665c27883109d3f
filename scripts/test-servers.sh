#!/usr/bin/env bash
# Start or stop throwaway PostgreSQL and MariaDB servers for the tests, on
# 127.0.0.1 only, with their data in a temporary directory.
#   scripts/test-servers.sh start   -> prints `export NAME=value` lines
#   scripts/test-servers.sh stop DIR
# PostgreSQL refuses to run as root, so as root it runs as the postgres user.
set -euo pipefail

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

as_user() { # as_user USER CMD...
  local user=$1; shift
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

start_pg() { # start_pg BIN DIR EXTRA-OPTIONS... -> prints the port
  local bin=$1 home=$2 port; shift 2
  port=$(free_port)
  mkdir "$home"
  [ "$(id -u)" = 0 ] && chown postgres "$home"
  echo secret > "$home/pw" && chmod 644 "$home/pw"
  as_user postgres "$bin/initdb" -D "$home/data" -U postgres --pwfile="$home/pw" \
    --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --no-sync >"$home/initdb.log" 2>&1 \
    || { cat "$home/initdb.log" >&2; exit 1; }
  as_user postgres "$bin/pg_ctl" -D "$home/data" -l "$home/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $home -F -c max_connections=200 -c shared_buffers=64MB $*" start >/dev/null \
    || { cat "$home/server.log" >&2; exit 1; }
  echo "$port"
}

start() {
  local dir pg_bin pg_port pg2_port my_port
  dir=$(mktemp -d /tmp/db-manage-servers.XXXXXX)
  chmod 755 "$dir"
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$pg_bin" ] || { echo "test-servers: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
  command -v mariadbd >/dev/null || { echo "test-servers: MariaDB is not installed (apt-get install mariadb-server)" >&2; exit 1; }

  # Two PostgreSQL servers: the first is also a logical-replication publisher (wal_level=logical),
  # the second its subscriber in the replicated-tables tests; the other tests use the first.
  pg_port=$(start_pg "$pg_bin" "$dir/pg" -c wal_level=logical -c max_wal_senders=10 -c max_replication_slots=10)
  pg2_port=$(start_pg "$pg_bin" "$dir/pg2" -c max_logical_replication_workers=4 -c wal_retrieve_retry_interval=200ms)

  my_port=$(free_port)
  mkdir -p "$dir/my"
  local my_user=root
  if [ "$(id -u)" = 0 ] && id mysql >/dev/null 2>&1; then my_user=mysql; chown mysql "$dir/my"; fi
  mariadb-install-db --no-defaults --datadir="$dir/my/data" --user="$my_user" --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/my/install.log" 2>&1 || { cat "$dir/my/install.log" >&2; exit 1; }
  [ "$my_user" = mysql ] && chown -R mysql "$dir/my"
  (setsid mariadbd --no-defaults --datadir="$dir/my/data" --socket="$dir/my/sock" --port="$my_port" \
    --bind-address=127.0.0.1 --user="$my_user" --pid-file="$dir/my/pid" --skip-log-bin \
    --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 --max-connections=300 \
    >"$dir/my/server.log" 2>&1 &)
  for _ in $(seq 1 100); do
    mariadb --no-defaults -S "$dir/my/sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.2
  done
  mariadb --no-defaults -S "$dir/my/sock" -uroot -e \
    "CREATE USER 'dbm'@'%' IDENTIFIED BY 'secret'; GRANT ALL ON *.* TO 'dbm'@'%' WITH GRANT OPTION;" \
    || { cat "$dir/my/server.log" >&2; exit 1; }

  echo "export DB_MANAGE_TEST_SERVERS=$dir"
  echo "export DB_MANAGE_TEST_PG_URL=postgresql://postgres:secret@127.0.0.1:$pg_port/postgres"
  echo "export DB_MANAGE_TEST_PG2_URL=postgresql://postgres:secret@127.0.0.1:$pg2_port/postgres"
  echo "export DB_MANAGE_TEST_MYSQL_URL=mysql://dbm:secret@127.0.0.1:$my_port/mysql"
}

stop() {
  local dir=${1:?usage: test-servers.sh stop DIR}
  case $dir in /tmp/db-manage-servers.*) ;; *) echo "test-servers: refusing to stop $dir" >&2; exit 1 ;; esac
  local pg_bin
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  for pg in "$dir/pg" "$dir/pg2"; do
    [ -d "$pg/data" ] && as_user postgres "$pg_bin/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null 2>&1 || true
  done
  if [ -f "$dir/my/pid" ]; then
    local pid
    pid=$(cat "$dir/my/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}

case ${1:-} in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
