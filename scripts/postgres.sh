# Shared by run.sh, test.sh and bench/run.sh: find or install PostgreSQL, and start a private cluster.
# Sourced, not executed.

# Echoes the newest /usr/lib/postgresql/*/bin, installing Debian's postgresql package first when there is none.
postgres_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then
    echo "PostgreSQL server binaries not found; installing Debian's postgresql package..." >&2
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql postgresql-contrib >&2
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  [ -n "$bin" ] || { echo "Could not install PostgreSQL." >&2; return 1; }
  echo "$bin"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# initdb and postgres refuse to run as root, so as root they run as the postgres user.
as_db_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_cluster DATA_DIR PORT PASSWORD_FILE [extra postgres options]: initialises DATA_DIR on first use, starts the
# server on 127.0.0.1:PORT (no-op when it already runs) and waits until it accepts connections. Every connection must
# give the superuser postgres's password (scram-sha-256), which PASSWORD_FILE holds (mode 0600, generated when missing):
# a cluster that trusted every local connection would hand any user of the machine a superuser session. A cluster made
# before that rule (pg_hba.conf says trust) is given the password and switched over. Callers export PGPASSWORD for psql.
start_cluster() {
  local data_dir port=$2 password_file=$3 extra=${4:-}
  data_dir=$(mkdir -p "$1" && cd "$1" && pwd)
  local bin
  bin=$(postgres_bin)
  mkdir -p "$data_dir" "$(dirname "$password_file")"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$data_dir"; chmod 700 "$data_dir"; fi
  if [ ! -s "$password_file" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' > "$password_file")
  fi
  chmod 600 "$password_file"
  if [ ! -f "$data_dir/PG_VERSION" ]; then
    # initdb runs as postgres, who cannot read the caller's 0600 file: it gets a private copy of its own.
    local copy
    copy=$(mktemp)
    cat "$password_file" > "$copy"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$copy"; fi
    as_db_owner "$bin/initdb" -D "$data_dir" -U postgres --auth=scram-sha-256 --pwfile="$copy" -E UTF8 --no-instructions >/dev/null
    rm -f "$copy"
  fi
  if ! as_db_owner "$bin/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; then
    as_db_owner "$bin/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w \
      -o "-p $port -c unix_socket_directories='' -c listen_addresses=127.0.0.1 $extra" start >/dev/null
  fi
  if as_db_owner grep -Eq '^[^#]*[[:space:]]trust([[:space:]]|$)' "$data_dir/pg_hba.conf"; then
    # Sent on standard input: a command-line argument would show the password in ps.
    printf "ALTER USER postgres PASSWORD '%s';\n" "$(cat "$password_file")" \
      | as_db_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qX -v ON_ERROR_STOP=1 -f - >/dev/null
    as_db_owner sed -i -E 's/^([^#]*[[:space:]])trust([[:space:]]|$)/\1scram-sha-256\2/' "$data_dir/pg_hba.conf"
    as_db_owner "$bin/pg_ctl" -D "$data_dir" reload >/dev/null
  fi
}

stop_cluster() {
  local data_dir=$1 mode=${2:-fast}
  local bin
  bin=$(postgres_bin)
  as_db_owner "$bin/pg_ctl" -D "$data_dir" -m "$mode" stop >/dev/null 2>&1 || true
}

# A directory the postgres user can write to: DIR itself when it can reach it, else one under /var/lib/postgresql
# (a checkout under /root is closed to other users).
cluster_dir_for() {
  local wanted=$1
  mkdir -p "$wanted"
  if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$wanted" 2>/dev/null; then
    echo "$wanted"
  else
    local fallback
    fallback="/var/lib/postgresql/session-auth-api-$(printf '%s' "$(cd "$wanted" && pwd)" | sha256sum | cut -c1-12)"
    mkdir -p "$fallback"
    echo "$fallback"
  fi
}
