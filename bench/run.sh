#!/usr/bin/env bash
# The performance benchmark, in one command: a private PostgreSQL with pg_stat_statements, the API published in Release,
# users and sessions, then wrk on loopback against the read path, the write path, login and the yardstick
# (/health/ready), a 1,000,000-row sessions table and a cleanup of 1,000,000 expired rows. Writes
# bench/results/latest.md and bench/results/latest.svg; everything else goes under bench/work/.
# In the same rounds, on the same PostgreSQL: a second API process with its session cache off, and the peers a user
# would pick instead (bench/peers: the classic Express login system, ASP.NET Core's cookie authentication). The API
# runs with telemetry on and no exporter (Telemetry__Enabled=true), as shipped to a deployment that collects it.
#
# Settings (environment): BENCH_DURATION seconds per measured run (15), BENCH_WARMUP seconds of unmeasured load before
# each scenario (5), BENCH_ROUNDS alternating rounds of /health/ready, /profile and /dashboard (3), BENCH_CONNECTIONS (32), BENCH_THREADS wrk threads (2), BENCH_SCALE_ROWS (1000000),
# BENCH_CLEANUP_MAX longest load while the cleanup runs, in seconds (120), BENCH_PG_PORT (5490), BENCH_API_PORT (5090; the 1M-row API takes the next port,
# the cache-off API the one after, then the Express peer and the ASP.NET Core cookie peer), BENCH_EXPRESS_SESSIONS
# real logins to the Express peer whose cookies its runs rotate through (200),
# BENCH_QUIET_WAIT longest wait, in seconds, before each scenario for the rest of the machine to fall under
# BENCH_QUIET_PERCENT busy (60, 15), BENCH_API_ENV extra VAR=value settings for the API, space-separated (none).
# BENCH_TELEMETRY=compare runs only GET /profile, with telemetry off and on (Telemetry__Enabled=true, no exporter), in
# BENCH_ROUNDS alternating rounds against one database, and writes bench/results/telemetry.md instead of the report;
# BENCH_TELEMETRY_SIDES names other sides to compare, the first being the baseline: "NAME:VAR=value,VAR=value ...";
# BENCH_COMPARE_OUT (bench/results/telemetry.md) and BENCH_COMPARE_TITLE name the file and its heading.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

duration=${BENCH_DURATION:-15}
warmup=${BENCH_WARMUP:-5}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}
scale_rows=${BENCH_SCALE_ROWS:-1000000}
cleanup_max=${BENCH_CLEANUP_MAX:-120}
quiet_wait=${BENCH_QUIET_WAIT:-60}
quiet_percent=${BENCH_QUIET_PERCENT:-15}
pg_port=${BENCH_PG_PORT:-5490}
api_port=${BENCH_API_PORT:-5090}
telemetry_mode=${BENCH_TELEMETRY:-}
telemetry_sides=${BENCH_TELEMETRY_SIDES:-off:Telemetry__Enabled=false on:Telemetry__Enabled=true}
compare_out=${BENCH_COMPARE_OUT:-bench/results/telemetry.md}
compare_title=${BENCH_COMPARE_TITLE:-Telemetry cost on \`GET /profile\`}
express_sessions=${BENCH_EXPRESS_SESSIONS:-200}
cookie_sessions=10     # tickets for the ASP.NET Core cookie peer: any ticket costs the same to decrypt
bench_users=10000      # sessions spread over them, login rotates through them; one password (one bcrypt hash at cost 10)
session_count=1000     # sessions per read scenario, so concurrent requests hit many rows as real traffic does

bench=$PWD/bench
work=$bench/work
run=$work/run
api_url=http://127.0.0.1:$api_port
scale_url=http://127.0.0.1:$((api_port + 1))
nocache_url=http://127.0.0.1:$((api_port + 2))
express_url=http://127.0.0.1:$((api_port + 3))
cookie_url=http://127.0.0.1:$((api_port + 4))
connection_string="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=bench"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

if ! command -v wrk >/dev/null; then
  log "wrk not found; installing Debian's wrk package"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq wrk >/dev/null
fi
pg_bin=$(postgres_bin)
psql_admin() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
# This script's own work in the bench database runs as bench_tool, so that pg_stat_statements can tell it from the API's.
# The database that psql_bench, the statement counts and the plans are about: bench (near-empty sessions table) or
# bench_scale (the same users, and $scale_rows more sessions), set per call as in: bench_db=bench_scale new_sessions F.
bench_db=bench
psql_bench() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U bench_tool -d "$bench_db" -v ON_ERROR_STOP=1 -qtA "$@"; }

# Everything this script starts is stopped on the way out, whatever the way out.
api_pid=""
scale_api_pid=""
nocache_pid=""
express_pid=""
cookie_pid=""
side_pids=()
wrk_pid=""
data_dir=""
stop_api() {
  if [ -n "$api_pid" ]; then
    kill "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
    api_pid=""
  fi
}
finish() {
  local status=$?
  if [ -n "$wrk_pid" ]; then kill "$wrk_pid" 2>/dev/null || true; fi
  stop_api
  api_pid=$scale_api_pid stop_api
  for peer_pid in "$nocache_pid" "$express_pid" "$cookie_pid"; do api_pid=$peer_pid stop_api; done
  for side_pid in "${side_pids[@]}"; do api_pid=$side_pid stop_api; done
  if [ -n "$data_dir" ]; then stop_cluster "$data_dir"; fi
  [ "$status" -eq 0 ] || log "FAILED (exit $status); logs in $work"
}
trap finish EXIT
trap 'exit 130' INT TERM

rm -rf "$run"
mkdir -p "$run" "$bench/results"
meta() { printf '%s=%s\n' "$1" "$2" >> "$run/meta.txt"; }

log "publishing the API (Release) and building the bcrypt benchmark"
dotnet publish Api -c Release -o "$work/api" -nologo -v quiet >/dev/null
dotnet build bench/BcryptBench -c Release -nologo -v quiet >/dev/null
express_dir=$bench/peers/express
if [ "$telemetry_mode" != compare ]; then
  log "publishing the ASP.NET Core cookie peer, installing the Express peer (npm ci)"
  dotnet publish bench/peers/aspnet-cookie -c Release -o "$work/cookie" -nologo -v quiet >/dev/null
  if ! command -v npm >/dev/null; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
  fi
  if [ ! -f "$express_dir/node_modules/.package-lock.json" ] \
     || [ "$express_dir/package-lock.json" -nt "$express_dir/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$express_dir" --no-audit --no-fund --loglevel=error
  fi
fi

log "starting a fresh PostgreSQL on 127.0.0.1:$pg_port with pg_stat_statements"
data_dir=$(cluster_dir_for "$work/postgres")
stop_cluster "$data_dir" immediate
rm -rf "${data_dir:?}"/*
# shared_buffers holds the 2,000,000-row table of the scale runs; max_wal_size keeps the seeding's checkpoints
# from spilling into the measured runs. Everything else is PostgreSQL's default (synchronous_commit on).
start_cluster "$data_dir" "$pg_port" "$work/postgres-password" \
  "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top -c pg_stat_statements.max=1000 -c shared_buffers=512MB -c max_wal_size=4GB"
PGPASSWORD=$(cat "$work/postgres-password")
export PGPASSWORD
connection_string="$connection_string;Password=$PGPASSWORD"
psql_admin -c "CREATE EXTENSION pg_stat_statements" -c "CREATE DATABASE bench"
# On standard input, so the password never shows in ps.
printf "CREATE ROLE bench_tool SUPERUSER LOGIN PASSWORD '%s';\n" "$PGPASSWORD" | psql_admin -f -
# The cache-off API process shares the bench database with the cache-on one and has a role of its own, so that
# pg_stat_statements (which counts per database and role) tells their statements apart.
printf "CREATE ROLE bench_api_nocache SUPERUSER LOGIN PASSWORD '%s';\n" "$PGPASSWORD" | psql_admin -f -
# The role whose statements in $bench_db are counted against the requests, set per call like bench_db.
api_role=postgres

api_env=(
  ASPNETCORE_ENVIRONMENT=Production
  "ConnectionStrings__Postgres=$connection_string"
  Passwords__WorkFactor=10
  # All wrk traffic comes from one IP: the per-IP login limit (10 a minute by default) would answer 429 from the 11th
  # login on. 100000 a minute, the most the settings allow, is far above what bcrypt lets through.
  RateLimiting__AuthPermitLimit=100000
)
# Issue 21 measures the read path with telemetry on and no exporter: with no OTLP endpoint set, Enabled=true registers
# the tracer and meter providers, records every span and aggregates every metric, and exports nothing. The telemetry
# comparison sets it per side instead.
[ "$telemetry_mode" = compare ] || api_env+=(Telemetry__Enabled=true)
# shellcheck disable=SC2206 # word splitting is the point
api_env+=(${BENCH_API_ENV:-})
# Run from the publish directory: it is the content root, where appsettings.json is read from.
api_cli() { (cd "$work/api" && exec env "${api_env[@]}" dotnet Api.dll "$@"); }

log "creating $bench_users users (bcrypt cost 10)"
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')
session_secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
CREATE_USER_PASSWORD=$password api_cli create-user --email bench-1@example.com --name "Bench 1" --role user >"$run/create-user.log"
psql_bench -c "
  INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
  SELECT 'bench-' || i || '@example.com', 'Bench ' || i, 'user', u.password_hash, now(), now()
  FROM generate_series(2, $bench_users) i, (SELECT password_hash FROM users WHERE email = 'bench-1@example.com') u"
for i in $(seq 1 "$bench_users"); do echo "bench-$i@example.com $password"; done > "$run/users.txt"

# The 1M-row runs use their own copy of the database, served by a second API process, so that they can alternate with
# the near-empty runs round by round: a ratio of two runs minutes apart measured the machine's drift as much as the
# table's size (0.78 to 1.44 over five runs).
# The telemetry comparison needs no 1M-row database.
[ "$telemetry_mode" != compare ] || scale_rows=0
log "copying the database to bench_scale and seeding $scale_rows live sessions there with generate_series"
psql_admin -c "CREATE DATABASE bench_scale TEMPLATE bench"
# Each peer gets its own copy, made now while nothing is connected to bench (a template must be idle): the same 10,000
# users with the same cost-10 hash, its own session table, and statements that pg_stat_statements counts apart.
if [ "$telemetry_mode" != compare ]; then
  psql_admin -c "CREATE DATABASE bench_express TEMPLATE bench" -c "CREATE DATABASE bench_cookie TEMPLATE bench"
fi
seed_start=$(now)
bench_db=bench_scale psql_bench -c "
  INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
  SELECT sha256(('seed-' || i)::bytea), u.ids[1 + i % cardinality(u.ids)],
         now(), now(), now() + interval '1 day', now() + interval '30 days'
  FROM generate_series(1, $scale_rows) i, (SELECT array_agg(id ORDER BY id) AS ids FROM users) u" \
  -c "VACUUM ANALYZE sessions" -c "CHECKPOINT"
meta seed_live_seconds "$(elapsed "$seed_start" "$(now)")"

# start_api NAME [VAR=value ...]: the published API, its log in run/NAME.log, waits until /health/ready answers.
start_api() {
  local name=$1
  shift
  (cd "$work/api" && exec env "${api_env[@]}" "$@" dotnet Api.dll --urls "$api_url") >"$run/$name.log" 2>&1 &
  api_pid=$!
  wait_ready "$name" "$api_url/health/ready"
}

# wait_ready NAME URL: waits until the process just started as $api_pid answers URL.
wait_ready() {
  for _ in $(seq 1 120); do
    if curl -fs "$2" >/dev/null 2>&1; then return 0; fi
    kill -0 "$api_pid" 2>/dev/null || { cat "$run/$1.log" >&2; return 1; }
    sleep 0.5
  done
  log "$1 did not become ready"; return 1
}

# The peers, each on its own copy of the database, as its superuser (like the API); their logs in run/.
start_express() {
  (cd "$express_dir" && exec env NODE_ENV=production PORT="${express_url##*:}" SESSION_SECRET="$session_secret" \
    DATABASE_URL="postgres://postgres:$PGPASSWORD@127.0.0.1:$pg_port/bench_express" node server.js) >"$run/express.log" 2>&1 &
  api_pid=$!
  wait_ready express "$express_url/health"
}
start_cookie() {
  # The pool capped as the API's is (Database:MaxPoolSize 16): only the login reads the database.
  (cd "$work/cookie" && exec env ASPNETCORE_ENVIRONMENT=Production \
    "ConnectionStrings__Postgres=${connection_string/Database=bench/Database=bench_cookie};Maximum Pool Size=16" \
    dotnet CookiePeer.dll --urls "$cookie_url") >"$run/cookie.log" 2>&1 &
  api_pid=$!
  wait_ready cookie "$cookie_url/health"
}

# peer_logins COUNT COOKIE_NAME FILE: COUNT real logins (users bench-1 to bench-COUNT, 16 at a time) to the peer at
# $api_url; the Cookie header value (name=value) that each set goes to FILE, one per line.
peer_logins() {
  local headers=$run/login-headers
  rm -rf "$headers" && mkdir -p "$headers"
  seq 1 "$1" | xargs -P 16 -I{} curl -fsS -o /dev/null -D "$headers/{}.txt" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench-{}@example.com\",\"password\":\"$password\"}" "$api_url/login"
  cat "$headers"/*.txt | sed -n "s/^[Ss]et-[Cc]ookie: \($2=[^;]*\).*/\1/p" > "$3"
  [ "$(wc -l < "$3")" -eq "$1" ] || { log "$(wc -l < "$3") of $1 logins at $api_url set a $2 cookie"; return 1; }
  # Each opens GET /profile, or the runs would measure 401s.
  curl -fsS -o /dev/null -H "Cookie: $(head -n 1 "$3")" "$api_url/profile"
}

api_alive() {
  kill -0 "$api_pid" 2>/dev/null && return 0
  local status=0
  wait "$api_pid" || status=$?
  api_pid=""
  log "the API exited (status $status) during the run; see its log in $run"
  return 1
}

peak_rss_mb() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$api_pid/status"; }
# Runs a command against the 1M-row database and the API process that serves it.
on_scale() { bench_db=bench_scale api_pid=$scale_api_pid api_url=$scale_url "$@"; }
# The same for the cache-off API process (the bench database, its own role) and for the peers (their own databases).
on_nocache() { api_role=bench_api_nocache api_pid=$nocache_pid api_url=$nocache_url "$@"; }
on_express() { bench_db=bench_express api_pid=$express_pid api_url=$express_url "$@"; }
on_cookie() { bench_db=bench_cookie api_pid=$cookie_pid api_url=$cookie_url "$@"; }

# new_sessions FILE: $session_count fresh sessions (just created, so no touch falls due during a run) whose tokens go
# to FILE. Made in SQL exactly as SessionStore.CreateAsync makes them: the token is 32 random bytes, base64url, and
# only the SHA-256 of its text is stored.
new_sessions() {
  python3 -c "
import base64, secrets
for _ in range($session_count):
    print(base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b'=').decode())" > "$1"
  psql_bench -c "CREATE TEMP TABLE tokens (token text)" -c "\\copy tokens FROM '$1'" -c "
    INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, user_agent, ip)
    SELECT sha256(convert_to(t.token, 'UTF8')), u.ids[1 + (row_number() OVER () % cardinality(u.ids))],
           now(), now(), now() + interval '1 day', now() + interval '30 days', 'wrk', '127.0.0.1'
    FROM tokens t, (SELECT array_agg(id ORDER BY id) AS ids FROM users) u"
}

# The statements the API (or a peer) ran since the last reset: in $bench_db, as $api_role.
statements_since_reset() {
  psql_admin -c "
    SELECT json_build_object(
      'calls', coalesce(sum(calls), 0),
      'writes', coalesce(sum(calls) FILTER (WHERE query ~* '^\\s*(insert|update|delete)'), 0),
      'statements', coalesce(json_agg(json_build_object(
          'query', left(regexp_replace(query, '\\s+', ' ', 'g'), 160), 'calls', calls, 'rows', rows,
          'mean_ms', round(mean_exec_time::numeric, 3)) ORDER BY calls DESC), '[]'))
    FROM pg_stat_statements WHERE dbid = $(db_oid) AND userid = $(role_oid)"
}
db_oid() { echo "(SELECT oid FROM pg_database WHERE datname = '$bench_db')"; }
role_oid() { echo "(SELECT oid FROM pg_roles WHERE rolname = '$api_role')"; }
# The plan of the session lookup as the API runs it: its text as pg_stat_statements recorded it (with $1, from any of
# the API's processes since the last reset), prepared in $bench_db and executed a few times first so that PostgreSQL
# settles on the generic plan.
explain_lookup() {
  local query token
  query=$(psql_admin -c "SELECT query FROM pg_stat_statements
                         WHERE query LIKE 'SELECT s.id AS session_id%' LIMIT 1")
  if [ -z "$query" ]; then echo "(no session lookup recorded since the last reset)"; return 0; fi
  token=$(head -n 1 "$1")
  {
    echo "PREPARE lookup(bytea) AS $query;"
    echo '\o /dev/null'
    for _ in 1 2 3 4 5 6; do echo "EXECUTE lookup(sha256(convert_to('$token', 'UTF8')));"; done
    echo '\o'
    echo "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) EXECUTE lookup(sha256(convert_to('$token', 'UTF8')));"
  } | psql_bench
}
reset_statements() { psql_admin -c "SELECT pg_stat_statements_reset()" >/dev/null; }

# load NAME SECONDS SCRIPT PATH: one bounded wrk run at the fixed connection count, with the CPU that the API,
# PostgreSQL, wrk and everything else on the machine used meanwhile; raw output in run/. The timeout is long so that
# slow requests are measured rather than dropped as errors.
load() {
  ${exec_load:+exec} python3 "$bench/cpu.py" "$run/$1.cpu.json" "$api_pid" "$(head -n 1 "$data_dir/postmaster.pid")" -- \
    wrk -t"$threads" -c"$connections" -d"${2}s" --timeout 10s -s "$bench/lua/$3" "$api_url$4" >"$run/$1.wrk.txt" 2>&1
}

# The machine may be shared: before a scenario, give other work up to $quiet_wait s to calm down, and say how busy the
# machine was when the scenario started.
wait_quiet() {
  local waited busy
  read -r waited busy < <(python3 "$bench/cpu.py" --wait-quiet "$quiet_wait" "$quiet_percent")
  meta "quiet_$1" "waited ${waited}s, machine ${busy}% busy"
  [ "$busy" -lt "$quiet_percent" ] || log "the machine is still ${busy}% busy with other work after ${waited}s; measuring anyway"
}

# measure NAME SCRIPT PATH: one measured run and the statements it caused. With prime=1, one unmeasured second of the
# same requests first: the API's sessions are made in SQL just before the run, where a login would have made them, and
# a process with the session cache on would otherwise count one lookup per session against the run, which its steady
# state does not have (1,000 sessions over a 5 s run of 75,000 requests: 0.013 statements per request).
measure() {
  if [ "${prime:-}" = 1 ]; then load "prime.$1" 1 "$2" "$3"; fi
  reset_statements
  load "$1" "$duration" "$2" "$3"
  statements_since_reset > "$run/$1.sql.json"
  api_alive
  grep -q '^BENCH_JSON' "$run/$1.wrk.txt" || { cat "$run/$1.wrk.txt" >&2; return 1; }
}

# warm_up NAME: the same unmeasured load for every API process before its first measured run, in its database (fresh
# sessions, raw output in run/NAME.*.warmup.*). A process with less of it measured its JIT more than its work: a first
# round at 0.5 of the near-empty figure, the next at 1.0; a cleanup baseline at 8,800 req/s, the run after it at 15,600.
warm_up() {
  new_sessions "$run/tokens-warmup-$1.txt"
  load "$1.health.warmup" "$warmup" plain.lua /health/ready
  BENCH_TOKENS=$run/tokens-warmup-$1.txt load "$1.profile.warmup" "$warmup" session.lua /profile
  BENCH_TOKENS=$run/tokens-warmup-$1.txt load "$1.dashboard.warmup" "$warmup" session.lua /dashboard
}

# warm_up_peer NAME COOKIES: the same for a peer, with the sessions its own logins made (file of Cookie values).
warm_up_peer() {
  BENCH_COOKIES=$2 load "$1.profile.warmup" "$warmup" session.lua /profile
  BENCH_COOKIES=$2 load "$1.dashboard.warmup" "$warmup" session.lua /dashboard
}

# scenario NAME SCRIPT PATH: warm-up, then one measured run.
scenario() {
  wait_quiet "$1"
  log "scenario $1: ${warmup}s warm-up, ${duration}s measured, $connections connections"
  load "$1.warmup" "$warmup" "$2" "$3"
  measure "$@"
}

meta started_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
meta processors "$(nproc)"
meta memory_gib "$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
meta os "$(. /etc/os-release && echo "$PRETTY_NAME")"
meta kernel "$(uname -r)"
meta dotnet "$(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App/ { v = $2 } END { print v }')"
meta postgres "$("$pg_bin/postgres" --version | awk '{ print $3 }')"
meta wrk "$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
meta load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
meta duration "$duration"
meta warmup "$warmup"
meta rounds "$rounds"
meta connections "$connections"
meta threads "$threads"
meta scale_rows "$scale_rows"
meta api_env "${BENCH_API_ENV:-}"
meta quiet_wait "$quiet_wait"
if [ "$telemetry_mode" != compare ]; then
  meta telemetry "Telemetry__Enabled=true, no exporter"
  meta node "$(node --version)"
  meta express_packages "$(cd "$express_dir" && node -e "
    console.log(['express', 'express-session', 'connect-pg-simple', 'pg', 'bcrypt']
      .map(p => p + ' ' + JSON.parse(require('fs').readFileSync('node_modules/' + p + '/package.json')).version).join(', '))")"
  meta express_sessions "$express_sessions"
  meta cookie_sessions "$cookie_sessions"
fi
# What a sleep and a wake-up cost here: the figure that moved a whole run's throughput by half on an otherwise
# identical machine (bench/README.md).
read -r wakeup_same wakeup_cross < <(python3 "$bench/wakeup.py")
meta wakeup_same_cpu_us "$wakeup_same"
meta wakeup_cross_cpu_us "$wakeup_cross"

# telemetry_compare: GET /profile from one API process per side of $telemetry_sides, all on the one database (the
# first side on $api_url, the next on the ports after it), each round in another order, so that the machine's drift
# hits every side alike. A side is NAME:VAR=value,VAR=value.
telemetry_compare() {
  local sides=() ports=() name settings i round order
  read -r -a sides <<< "$telemetry_sides"
  meta telemetry_sides "$telemetry_sides"
  for i in "${!sides[@]}"; do
    name=${sides[$i]%%:*}
    settings=${sides[$i]#*:}
    ports[i]=$((api_port + i))
    # shellcheck disable=SC2086 # one word per setting
    api_url=http://127.0.0.1:${ports[i]} start_api "api-$name" Session__CleanupInterval=1.00:00:00 ${settings//,/ }
    side_pids[i]=$api_pid
  done
  log "GET /profile on ${#sides[@]} sides ($telemetry_sides): warm-up, then $rounds rounds of ${duration}s each"
  for i in "${!sides[@]}"; do
    api_pid=${side_pids[i]} api_url=http://127.0.0.1:${ports[i]} warm_up "telemetry_${sides[$i]%%:*}"
  done
  for round in $(seq 1 "$rounds"); do
    wait_quiet "telemetry.r$round"
    log "round $round of $rounds"
    new_sessions "$run/tokens-telemetry.r$round.txt"
    export BENCH_TOKENS=$run/tokens-telemetry.r$round.txt
    for order in "${!sides[@]}"; do
      i=$(( (order + round - 1) % ${#sides[@]} ))
      api_pid=${side_pids[i]} api_url=http://127.0.0.1:${ports[i]} measure "profile_${sides[$i]%%:*}.r$round" session.lua /profile
    done
  done
  for i in "${!side_pids[@]}"; do api_pid=${side_pids[i]} stop_api; done
  side_pids=()
  meta load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
  python3 "$bench/telemetry.py" "$run" "$compare_out" "$compare_title"
  cat "$compare_out"
}
if [ "$telemetry_mode" = compare ]; then
  telemetry_compare
  exit 0
fi

log "starting the API (Release) on $api_url, a second one for the 1M-row database on $scale_url, a third with the session cache off on $nocache_url"
# No cleanup during the steady-state runs: its statements would be counted against the requests.
api_url=$scale_url start_api api-scale Session__CleanupInterval=1.00:00:00 Session__Cache__Enabled=true \
  "ConnectionStrings__Postgres=${connection_string/Database=bench/Database=bench_scale}"
scale_api_pid=$api_pid
# The cache-off process: the one-statement design, for the figures with the cache off and the targets written for it.
api_url=$nocache_url start_api api-nocache Session__CleanupInterval=1.00:00:00 Session__Cache__Enabled=false \
  "ConnectionStrings__Postgres=${connection_string/Username=postgres/Username=bench_api_nocache}"
nocache_pid=$api_pid
log "starting the peers: Express on $express_url, ASP.NET Core cookie authentication on $cookie_url"
start_express
express_pid=$api_pid
start_cookie
cookie_pid=$api_pid
start_api api-steady Session__CleanupInterval=1.00:00:00 Session__Cache__Enabled=true

# A real login, then its cookie on /profile: the path the SQL-made sessions stand in for works end to end.
cookie=$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"email\":\"bench-1@example.com\",\"password\":\"$password\"}" "$api_url/login" \
  | sed -n 's/^[Ss]et-[Cc]ookie: \(__Host-sid=[^;]*\).*/\1/p')
[ -n "$cookie" ] || { log "login gave no session cookie"; exit 1; }
curl -fsS -o /dev/null -H "Cookie: $cookie" "$api_url/profile"

# The peers' sessions come from real logins (bcrypt cost 10, so a few seconds), made once and used in every round: the
# Express peer touches its session row on every request whatever its age, and a ticket costs the same at any age.
log "logging in $express_sessions times to the Express peer and $cookie_sessions times to the cookie peer"
login_start=$(now)
on_express peer_logins "$express_sessions" connect.sid "$run/cookies-express.txt"
meta express_logins_seconds "$(elapsed "$login_start" "$(now)")"
on_cookie peer_logins "$cookie_sessions" .AspNetCore.Cookies "$run/cookies-cookie.txt"

# The targets compare these with each other, so they run back to back in alternating rounds: a disturbance from
# elsewhere on the machine then hits a round of each rather than one scenario alone. Every run of the API gets sessions
# created just before it, so no touch falls due during a run.
log "health, profile, dashboard, profile on 1M rows, the same with the cache off, and the peers: warm-up, then $rounds alternating rounds of ${duration}s each"
warm_up steady
on_scale warm_up scale
on_nocache warm_up nocache
on_express warm_up_peer express "$run/cookies-express.txt"
on_cookie warm_up_peer cookie "$run/cookies-cookie.txt"
for round in $(seq 1 "$rounds"); do
  wait_quiet "round$round"
  log "round $round of $rounds"
  measure "health.r$round" plain.lua /health/ready
  new_sessions "$run/tokens-profile.r$round.txt"
  BENCH_TOKENS=$run/tokens-profile.r$round.txt prime=1 measure "profile.r$round" session.lua /profile
  new_sessions "$run/tokens-dashboard.r$round.txt"
  BENCH_TOKENS=$run/tokens-dashboard.r$round.txt prime=1 measure "dashboard.r$round" session.lua /dashboard
  bench_db=bench_scale new_sessions "$run/tokens-profile_scale.r$round.txt"
  BENCH_TOKENS=$run/tokens-profile_scale.r$round.txt prime=1 on_scale measure "profile_scale.r$round" session.lua /profile
  new_sessions "$run/tokens-profile_nocache.r$round.txt"
  BENCH_TOKENS=$run/tokens-profile_nocache.r$round.txt prime=1 on_nocache measure "profile_nocache.r$round" session.lua /profile
  # The lookup's text is read back from pg_stat_statements, which only this run's reset has not yet emptied of it:
  # the cache-off run's, which looks a session up every request (a cache-on run may look up none after its priming).
  if [ "$round" -eq 1 ]; then
    on_nocache explain_lookup "$run/tokens-profile_nocache.r1.txt" > "$run/plan-profile.txt"
    on_scale explain_lookup "$run/tokens-profile_scale.r1.txt" > "$run/plan-profile_scale.txt"
  fi
  new_sessions "$run/tokens-dashboard_nocache.r$round.txt"
  BENCH_TOKENS=$run/tokens-dashboard_nocache.r$round.txt prime=1 on_nocache measure "dashboard_nocache.r$round" session.lua /dashboard
  BENCH_COOKIES=$run/cookies-express.txt on_express measure "profile_express.r$round" session.lua /profile
  BENCH_COOKIES=$run/cookies-express.txt on_express measure "dashboard_express.r$round" session.lua /dashboard
  BENCH_COOKIES=$run/cookies-cookie.txt on_cookie measure "profile_cookie.r$round" session.lua /profile
  BENCH_COOKIES=$run/cookies-cookie.txt on_cookie measure "dashboard_cookie.r$round" session.lua /dashboard
done
meta sessions_rows_scale "$(bench_db=bench_scale psql_bench -c 'SELECT count(*) FROM sessions')"

log "timing one bcrypt hash at cost 10 (bench/BcryptBench, median of 7)"
dotnet run -c Release --no-build --project bench/BcryptBench > "$run/bcrypt.txt"
meta bcrypt_cost10_ms "$(awk -F'|' '$2 + 0 == 10 { gsub(/ /, "", $3); print $3 }' "$run/bcrypt.txt")"
BENCH_USERS=$run/users.txt scenario login login.lua /login
# Every session-row update so far was a dashboard view (the sessions were too fresh for a touch). A HOT update writes
# no index entry; read here, well after the dashboard runs, when the backends have reported their counts.
meta session_updates "$(psql_bench -c "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'sessions'")"
meta session_hot_updates "$(psql_bench -c "SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'sessions'")"
# The same logins on the cache-off process and the peers, back to back with the one above.
BENCH_USERS=$run/users.txt on_nocache scenario login_nocache login.lua /login
BENCH_USERS=$run/users.txt on_express scenario login_express login.lua /login
BENCH_USERS=$run/users.txt on_cookie scenario login_cookie login.lua /login

rss_near_empty=$(peak_rss_mb)
rss_scale=$(api_pid=$scale_api_pid peak_rss_mb)
meta rss_steady_mb "$(printf '%s\n%s\n' "$rss_near_empty" "$rss_scale" | sort -n | tail -n 1)"
meta rss_nocache_mb "$(api_pid=$nocache_pid peak_rss_mb)"
meta rss_express_mb "$(api_pid=$express_pid peak_rss_mb)"
meta rss_cookie_mb "$(api_pid=$cookie_pid peak_rss_mb)"
stop_api
for pid_var in scale_api_pid nocache_pid express_pid cookie_pid; do
  api_pid=${!pid_var} stop_api
  printf -v "$pid_var" ''
done

# From here on, everything happens in the 1M-row database: the cleanup deletes 1,000,000 expired rows from a table
# that keeps its 1,000,000 live ones.
bench_db=bench_scale
log "restarting the 1M-row database's API with a 1 s cleanup interval"
start_api api-cleanup Session__CleanupInterval=00:00:01 Session__Cache__Enabled=true \
  "ConnectionStrings__Postgres=${connection_string/Database=bench/Database=bench_scale}"
new_sessions "$run/tokens-profile-cleanup.txt"
warm_up cleanup

# The cleanup's own baseline: the same process, table and sessions, right before the expired rows arrive. Measured
# against the near-empty rounds minutes earlier instead, the ratio moved with the machine (0.60 to 0.85 over four runs).
wait_quiet profile_before_cleanup
BENCH_TOKENS=$run/tokens-profile-cleanup.txt measure profile_before_cleanup session.lua /profile
log "seeding $scale_rows expired sessions"
reset_statements
seed_start=$(now)
psql_bench -c "
  INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
  SELECT sha256(('expired-' || i)::bytea), u.ids[1 + i % cardinality(u.ids)],
         now() - interval '2 days', now() - interval '2 days', now() - interval '1 day', now() + interval '28 days'
  FROM generate_series(1, $scale_rows) i, (SELECT array_agg(id ORDER BY id) AS ids FROM users) u"
meta seed_expired_seconds "$(elapsed "$seed_start" "$(now)")"

# The cleanup statement's row count, read from pg_stat_statements as each batch ends.
cleaned_rows() {
  psql_admin -c "SELECT coalesce(sum(rows), 0) FROM pg_stat_statements
                 WHERE dbid = $(db_oid) AND query LIKE 'DELETE FROM sessions WHERE id IN%'"
}
waited=0
until [ "$(cleaned_rows)" -gt 0 ]; do
  sleep 0.1
  waited=$((waited + 1))
  [ "$waited" -lt 300 ] || { log "the cleanup did not start within 30 s"; exit 1; }
done
cleanup_start=$(now)
log "cleanup started; /profile under load until it ends (at most ${cleanup_max}s)"
# exec, so that $! is the process that passes SIGINT on to wrk.
(BENCH_TOKENS=$run/tokens-profile-cleanup.txt; export BENCH_TOKENS; exec_load=1 load profile_cleanup "$cleanup_max" session.lua /profile) &
wrk_pid=$!
# wrk reports nothing if stopped before its first requests finish; a small BENCH_SCALE_ROWS can be deleted that fast.
sleep 1
cleaned=0
while kill -0 "$wrk_pid" 2>/dev/null; do
  cleaned=$(cleaned_rows)
  [ "$cleaned" -lt "$scale_rows" ] || break
  sleep 0.2
done
cleanup_end=$(now)
kill -INT "$wrk_pid" 2>/dev/null || true   # passed on to wrk, which stops early and still reports
wait "$wrk_pid" || true
wrk_pid=""
api_alive
cleaned=$(cleaned_rows)
meta cleanup_rows "$cleaned"
meta cleanup_seconds "$(elapsed "$cleanup_start" "$cleanup_end")"
meta cleanup_finished "$([ "$cleaned" -ge "$scale_rows" ] && echo yes || echo no)"
meta expired_left "$(psql_bench -c "SELECT count(*) FROM sessions WHERE expires_at <= now() OR absolute_expires_at <= now()")"
statements_since_reset > "$run/profile_cleanup.sql.json"
meta rss_cleanup_mb "$(peak_rss_mb)"
stop_api
meta load_after "$(cut -d' ' -f1-3 /proc/loadavg)"

python3 "$bench/report.py" "$run" "$bench/results"
log "done: bench/results/latest.md, bench/results/latest.svg"
cat "$bench/results/latest.md"
