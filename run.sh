#!/usr/bin/env bash
# Runs the API on http://localhost:5000 with Swagger UI at /swagger.
# Without ConnectionStrings__Postgres it starts a local PostgreSQL under .data/ (installing it with apt-get if needed),
# migrates it and creates two demo users whose passwords it prints.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/postgres.sh

urls=${ASPNETCORE_URLS:-http://localhost:5000}
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}

if [ -z "${ConnectionStrings__Postgres:-}" ]; then
  port=${PGPORT_LOCAL:-5433}
  data_dir=$(cluster_dir_for .data/postgres)
  echo "Starting PostgreSQL in $data_dir on 127.0.0.1:$port ..."
  start_cluster "$data_dir" "$port"
  as_db_owner "$(postgres_bin)/psql" -h 127.0.0.1 -p "$port" -U postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = 'session_auth'" | grep -q 1 \
    || as_db_owner "$(postgres_bin)/createdb" -h 127.0.0.1 -p "$port" -U postgres session_auth
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Database=session_auth"
  local_cluster=1
fi

dotnet build Api -c Release -v quiet -nologo
api() { dotnet run --project Api -c Release --no-build -- "$@"; }
api migrate

if [ -n "${local_cluster:-}" ]; then
  mkdir -p .data
  if [ ! -f .data/demo-users ]; then
    printf 'admin@example.com %s\nuser@example.com %s\n' "$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')" "$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')" > .data/demo-users
  fi
  while read -r email password; do
    role=${email%%@*}
    status=0
    api create-user --email "$email" --name "Demo ${role^}" --role "$role" --password "$password" >/dev/null || status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"
  done < .data/demo-users
  awk 'NR==1 {print "adminPassword=" $2} NR==2 {print "userPassword=" $2}' .data/demo-users > http-requests/.env
  echo
  echo "Demo users (kept in .data/demo-users; http-requests/.env has them for the .http files):"
  awk '{print "  " $1 "  password: " $2}' .data/demo-users
fi

echo
echo "API:        $urls"
echo "Swagger UI: ${urls%%;*}/swagger"
echo
exec dotnet run --project Api -c Release --no-build --no-launch-profile -- --urls "$urls"
