#!/usr/bin/env bash
# What the session cache's notifications cost PostgreSQL and the API (issue 21, README "Scale on paper"): the API
# published in Release, a private PostgreSQL, then bench/notify.py. Writes bench/results/notify.md; about 3 minutes.
# Settings (environment): NOTIFY_INSTANCES ("1 3 6"), NOTIFY_SECONDS per window (20), NOTIFY_RATE notifications a
# second (1000), BENCH_PG_PORT (5491), BENCH_API_PORT (5190, and the ports after it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

pg_port=${BENCH_PG_PORT:-5491}
api_port=${BENCH_API_PORT:-5190}
work=$PWD/bench/work/notify
mkdir -p "$work"
pg_bin=$(postgres_bin)

echo "publishing the API (Release)" >&2
dotnet publish Api -c Release -o "$work/api" -nologo -v quiet >/dev/null

data_dir=$(cluster_dir_for "$work/postgres")
stop_cluster "$data_dir" immediate
rm -rf "${data_dir:?}"/*
trap 'stop_cluster "$data_dir" immediate' EXIT
start_cluster "$data_dir" "$pg_port" "$work/postgres-password"
PGPASSWORD=$(cat "$work/postgres-password")
export PGPASSWORD
"$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qtA -c "CREATE DATABASE notify"

python3 bench/notify.py "$pg_bin" "$pg_port" "$data_dir" "$work/api" "$api_port" "$work" bench/results/notify.md
