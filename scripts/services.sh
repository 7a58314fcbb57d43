# Shared by scripts/test.sh and scripts/quickstart.sh (sourced, not run): installing and
# starting local services on 127.0.0.1 only.

need() { command -v "$1" >/dev/null 2>&1; }

apt_install() {
  if need apt-get; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "$@" >/dev/null
  else
    echo "please install: $*" >&2
    exit 1
  fi
}

# A project-local virtualenv with moto (the local AWS endpoint), from PyPI.
ensure_moto() {
  VENV="$ROOT/.venv"
  if [ ! -x "$VENV/bin/moto_server" ]; then
    need python3 || apt_install python3 python3-venv
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]>=5.1,<6'
  fi
}

free_port() {
  "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_moto PORT LOGFILE: starts moto in the background, waits until it answers, and sets
# MOTO_PID.
start_moto() {
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$1" >"$2" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 150); do
    if "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$1/moto-api/')" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "moto did not start; see $2" >&2
  return 1
}

# apt_install_no_start PACKAGES: like apt_install, but the packages' own services (a system
# PostgreSQL or MariaDB on the default port) are not started: a temporary policy-rc.d
# refuses it, unless the machine already has one (Docker images do).
apt_install_no_start() {
  local policy=/usr/sbin/policy-rc.d added=""
  if [ ! -e "$policy" ] && [ -w /usr/sbin ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added=1
  fi
  apt_install "$@"
  if [ -n "$added" ]; then rm -f "$policy"; fi
}

# as_user USER COMMAND...: runs COMMAND as USER when this script runs as root (database
# servers refuse to run as root), else as the current user.
as_user() {
  local user=$1
  shift
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

# A directory owned by the user the servers run as.
service_dir() {
  mkdir -p "$2"
  if [ "$(id -u)" = 0 ]; then chown "$1" "$2"; fi
}

# The test databases' user, password and database name (local throwaway servers only).
DB_TEST_USER=terrace
DB_TEST_PASSWORD=terrace
DB_TEST_NAME=terrace

# PostgreSQL server binaries from Debian's packages; sets PG_BIN (the newest installed major).
ensure_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    apt_install_no_start postgresql
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
}

# start_postgres PORT DIR: a private cluster with its data, socket and log in DIR (created on
# first use, reused afterwards), listening on 127.0.0.1:PORT only, with the password user
# and database of DB_TEST_*. Runs as the `postgres` system user when started by root. Waits
# until it accepts connections and sets PG_PID (the postmaster). Stop it with stop_postgres.
start_postgres() {
  local port=$1 dir=$2 fresh=""
  service_dir postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    fresh=1
    as_user postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust \
      --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { echo "initdb failed; see $dir/initdb.log" >&2; return 1; }
  fi
  if ! as_user postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null; then
    echo "PostgreSQL did not start; see $dir/postgres.log" >&2
    return 1
  fi
  PG_PID=$(head -n 1 "$dir/data/postmaster.pid")
  if [ -n "$fresh" ]; then
    as_user postgres "$PG_BIN/psql" -qX -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres \
      -d postgres >/dev/null <<SQL
CREATE ROLE $DB_TEST_USER LOGIN CREATEDB CREATEROLE PASSWORD '$DB_TEST_PASSWORD';
CREATE DATABASE $DB_TEST_NAME OWNER $DB_TEST_USER;
SQL
  fi
}

# stop_postgres DIR: a fast shutdown of the cluster in DIR, if it runs.
stop_postgres() {
  if [ -f "$1/data/postmaster.pid" ]; then
    as_user postgres "$PG_BIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# MariaDB server binaries from Debian's packages (mariadb-server; MySQL's protocol).
ensure_mariadb() {
  if ! need mariadbd && [ ! -x /usr/sbin/mariadbd ]; then
    apt_install_no_start mariadb-server
  fi
}

# start_mariadb PORT DIR: a private server with its data, socket and log in DIR (created on
# first use, reused afterwards), listening on 127.0.0.1:PORT only, with the password user
# and database of DB_TEST_* (all privileges, so tests can create databases). Runs as the
# `mysql` system user when started by root. Waits until it accepts connections and sets
# MARIADB_PID. Stop it with stop_mariadb.
start_mariadb() {
  local port=$1 dir=$2 fresh="" sock
  sock="$dir/mysqld.sock"
  service_dir mysql "$dir"
  if [ ! -d "$dir/data/mysql" ]; then
    fresh=1
    as_user mysql mariadb-install-db --no-defaults --datadir="$dir/data" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
      { echo "mariadb-install-db failed; see $dir/install.log" >&2; return 1; }
  fi
  # setsid: the server leaves this shell's process group, like pg_ctl's postmaster.
  as_user mysql setsid mariadbd --no-defaults --datadir="$dir/data" --bind-address=127.0.0.1 \
    --port="$port" --socket="$sock" --pid-file="$dir/mariadbd.pid" --skip-name-resolve \
    --log-error="$dir/mariadbd.log" --innodb-flush-log-at-trx-commit=0 </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 300); do
    if [ -s "$dir/mariadbd.pid" ] && mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
      MARIADB_PID=$(cat "$dir/mariadbd.pid")
      if [ -n "$fresh" ]; then
        mariadb --no-defaults --socket="$sock" -uroot <<SQL
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
CREATE USER '$DB_TEST_USER'@'%' IDENTIFIED BY '$DB_TEST_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$DB_TEST_USER'@'%' WITH GRANT OPTION;
CREATE DATABASE $DB_TEST_NAME;
SQL
      fi
      return 0
    fi
    sleep 0.2
  done
  echo "MariaDB did not start; see $dir/mariadbd.log" >&2
  return 1
}

# stop_mariadb DIR: stops the server of DIR, if it runs, and waits until it has exited.
stop_mariadb() {
  local pid
  pid=$(cat "$1/mariadbd.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
}
