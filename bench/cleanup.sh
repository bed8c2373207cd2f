#!/usr/bin/env bash
# How fast the API's expired-session cleanup works off a backlog, idle and under GET /profile load with the session
# cache on and off, and how long its DELETE takes in PostgreSQL each time (bench/README.md, "The cleanup, and one
# notification per deleting statement"): the API published in Release, a private PostgreSQL, 1,000,000 live sessions
# and CLEANUP_ROWS (300,000) expired ones per scenario. Writes bench/results/cleanup.md; about 2 minutes (7 with the
# published 1,000,000 and 120 s). Settings (environment): CLEANUP_ROWS, CLEANUP_SECONDS (30, the longest a scenario is
# timed), BENCH_PG_PORT (5492), BENCH_API_PORT (5290).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

pg_port=${BENCH_PG_PORT:-5492}
api_port=${BENCH_API_PORT:-5290}
rows=${CLEANUP_ROWS:-300000}
seconds=${CLEANUP_SECONDS:-30}
work=$PWD/bench/work/cleanup
out=bench/results/cleanup.md
mkdir -p "$work"
pg_bin=$(postgres_bin)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

echo "publishing the API (Release)" >&2
dotnet publish Api -c Release -o "$work/api" -nologo -v quiet >/dev/null

data_dir=$(cluster_dir_for "$work/postgres")
stop_cluster "$data_dir" immediate
rm -rf "${data_dir:?}"/*
api_pid=""
wrk_pid=""
trap 'kill $api_pid $wrk_pid 2>/dev/null || true; stop_cluster "$data_dir" immediate' EXIT
# As bench/run.sh: shared_buffers holds the table, max_wal_size keeps the seeding's checkpoints out of the windows.
start_cluster "$data_dir" "$pg_port" "$work/postgres-password" \
  "-c shared_preload_libraries=pg_stat_statements -c shared_buffers=512MB -c max_wal_size=4GB"
PGPASSWORD=$(cat "$work/postgres-password")
export PGPASSWORD
psql_db() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d "$1" -qtA -v ON_ERROR_STOP=1 "${@:2}"; }
psql_db postgres -c "CREATE EXTENSION pg_stat_statements" -c "CREATE DATABASE cleanup"
connection_string="Host=127.0.0.1;Port=$pg_port;Username=postgres;Password=$PGPASSWORD;Database=cleanup"
url=http://127.0.0.1:$api_port

start_api() {
  (cd "$work/api" && exec env ASPNETCORE_ENVIRONMENT=Production "ConnectionStrings__Postgres=$connection_string" \
    Telemetry__Enabled=true "$@" dotnet Api.dll --urls "$url") >"$work/api.log" 2>&1 &
  api_pid=$!
  until curl -fs "$url/health/ready" >/dev/null; do
    kill -0 "$api_pid" 2>/dev/null || { cat "$work/api.log" >&2; exit 1; }
    sleep 0.5
  done
}
stop_api() { kill "$api_pid"; wait "$api_pid" || true; api_pid=""; }

echo "migrating, seeding 10,000 users and 1,000,000 live sessions" >&2
start_api Session__CleanupInterval=01:00:00
stop_api
psql_db cleanup -c "
  INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
  SELECT 'user' || i || '@example.com', 'User', 'user', 'not a hash', now(), now() FROM generate_series(1, 10000) i" -c "
  INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
  SELECT sha256(('live-' || i)::bytea), 1 + i % 10000, now(), now(), now() + interval '1 day', now() + interval '30 days'
  FROM generate_series(1, 1000000) i" -c "VACUUM ANALYZE sessions" -c "CHECKPOINT"
python3 -c "
import base64, secrets
for _ in range(1000): print(base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b'=').decode())" >"$work/tokens.txt"
psql_db cleanup -c "CREATE TEMP TABLE tokens (token text)" -c "\\copy tokens FROM '$work/tokens.txt'" -c "
  INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
  SELECT sha256(convert_to(token, 'UTF8')), 1 + (row_number() OVER () % 10000)::int, now(), now(),
         now() + interval '1 day', now() + interval '30 days'
  FROM tokens"

# Rows the cleanup's DELETE has deleted since pg_stat_statements was reset (counted as each batch ends).
cleaned() {
  psql_db postgres -c "SELECT coalesce(sum(rows), 0) FROM pg_stat_statements WHERE query LIKE 'DELETE FROM sessions WHERE id IN%'"
}
cleanup_statement="DELETE FROM sessions WHERE id IN (
  SELECT id FROM sessions WHERE LEAST(expires_at, absolute_expires_at) <= now()
  ORDER BY LEAST(expires_at, absolute_expires_at) LIMIT 1000 FOR UPDATE SKIP LOCKED)"
add_expired() {
  psql_db cleanup -c "
    INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
    SELECT sha256(('expired-$1-' || i)::bytea), 1 + i % 10000, now() - interval '2 days', now() - interval '2 days',
           now() - interval '1 day', now() + interval '28 days'
    FROM generate_series(1, $2) i"
}
{
  echo "# The expired-session cleanup, idle and under load"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%M:%SZ) by \`bench/cleanup.sh\`: one API process (Release, telemetry on, no exporter)"
  echo "with \`Session:CleanupInterval\` 1 s and batches of 1,000, a sessions table of 1,000,000 live rows, and $(python3 -c "print(f'{$rows:,}')")"
  echo "expired rows added at once in each scenario; *under load* is wrk (2 threads, 32 connections) on \`GET /profile\`"
  echo "over 1,000 sessions, from 3 s before the rows are added until the cleanup ends (its rate is over that whole run)."
  echo "Timed from the commit of the rows until the cleanup's statements (pg_stat_statements) deleted them all, or for"
  echo "${seconds} s."
  echo
  echo "| Scenario | Expired rows deleted | Seconds | Rows/s | \`GET /profile\` req/s | Cleanup \`DELETE\`: batches, mean ms in PostgreSQL |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
} >"$out"

# scenario NAME idle|load [VAR=value ...]
scenario() {
  local name=$1 mode=$2
  shift 2
  echo "scenario: $name" >&2
  start_api Session__CleanupInterval=00:00:01 "$@"
  if [ "$mode" = load ]; then
    BENCH_TOKENS=$work/tokens.txt wrk -t2 -c32 -d"$((seconds + 60))s" --timeout 10s -s bench/lua/session.lua \
      "$url/profile" >"$work/wrk.txt" 2>&1 &
    wrk_pid=$!
    sleep 3
  fi
  psql_db postgres -c "SELECT pg_stat_statements_reset()" >/dev/null
  add_expired "$name" "$rows"
  local started deleted=0
  started=$(date +%s%N)
  while [ "$deleted" -lt "$rows" ] && [ $(($(date +%s%N) - started)) -lt $((seconds * 1000000000)) ]; do
    sleep 0.1
    deleted=$(cleaned)
  done
  local elapsed_ns=$(($(date +%s%N) - started))
  local requests="-"
  if [ -n "$wrk_pid" ]; then
    kill -INT "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" || true
    wrk_pid=""
    requests=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.txt")
  fi
  local batches
  batches=$(psql_db postgres -F ', ' -c "
    SELECT calls, round(mean_exec_time::numeric, 1) FROM pg_stat_statements
    WHERE query LIKE 'DELETE FROM sessions WHERE id IN%'")
  stop_api
  python3 - "$name" "$deleted" "$elapsed_ns" "$requests" "$batches" >>"$out" <<'PY'
import sys
name, deleted, elapsed_ns, requests, batches = sys.argv[1:]
deleted, elapsed = int(deleted), int(elapsed_ns) / 1e9
requests = f"{float(requests):,.0f}" if requests != "-" else requests
print(f"| {name} | {deleted:,} | {elapsed:.1f} | {deleted / elapsed:,.0f} | {requests} | {batches or '-'} |")
PY
  # What a scenario left behind must not slow the next one's cleanup.
  psql_db cleanup -c "DELETE FROM sessions WHERE LEAST(expires_at, absolute_expires_at) <= now()" -c "VACUUM ANALYZE sessions" >/dev/null
}

scenario "idle, cache on" idle Session__Cache__Enabled=true
scenario "under load, cache on" load Session__Cache__Enabled=true
scenario "under load, cache off" load Session__Cache__Enabled=false
# The statement alone, no API running: its plan on one batch (rolled back), then 100 batches back to back.
add_expired alone 100000 >/dev/null
{
  echo
  echo "## The cleanup's statement alone"
  echo
  echo "No API running; 100,000 expired rows next to the 1,000,000 live ones. One batch under \`EXPLAIN (ANALYZE, BUFFERS)\`, rolled back:"
  echo
  echo '```'
  psql_db cleanup -c "BEGIN" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $cleanup_statement" -c "ROLLBACK"
  echo '```'
  started=$(date +%s%N)
  for _ in $(seq 1 100); do echo "$cleanup_statement;"; done | psql_db cleanup >/dev/null
  python3 -c "print(f'100 batches back to back from one psql session: 100,000 rows in {($(date +%s%N) - $started) / 1e9:.2f} s.')"
} >>"$out"
cat "$out"
