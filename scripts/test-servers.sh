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

start() {
  local dir pg_bin pg_port my_port
  dir=$(mktemp -d /tmp/db-manage-servers.XXXXXX)
  chmod 755 "$dir"
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$pg_bin" ] || { echo "test-servers: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
  command -v mariadbd >/dev/null || { echo "test-servers: MariaDB is not installed (apt-get install mariadb-server)" >&2; exit 1; }

  pg_port=$(free_port)
  mkdir "$dir/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/pg"
  echo secret > "$dir/pg/pw" && chmod 644 "$dir/pg/pw"
  as_user postgres "$pg_bin/initdb" -D "$dir/pg/data" -U postgres --pwfile="$dir/pg/pw" \
    --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --no-sync >"$dir/pg/initdb.log" 2>&1 \
    || { cat "$dir/pg/initdb.log" >&2; exit 1; }
  as_user postgres "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w \
    -o "-h 127.0.0.1 -p $pg_port -k $dir/pg -F -c max_connections=200 -c shared_buffers=64MB" start >/dev/null \
    || { cat "$dir/pg/server.log" >&2; exit 1; }

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
  echo "export DB_MANAGE_TEST_MYSQL_URL=mysql://dbm:secret@127.0.0.1:$my_port/mysql"
}

stop() {
  local dir=${1:?usage: test-servers.sh stop DIR}
  case $dir in /tmp/db-manage-servers.*) ;; *) echo "test-servers: refusing to stop $dir" >&2; exit 1 ;; esac
  local pg_bin
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -d "$dir/pg/data" ] && as_user postgres "$pg_bin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
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
