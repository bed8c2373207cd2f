#!/usr/bin/env bash
# Runs the API on http://localhost:5000 with Swagger UI at /swagger.
# Without ConnectionStrings__Postgres it starts a local PostgreSQL under .data/ (installing it with apt-get if needed),
# whose superuser needs a generated password (kept in .data/postgres-password), migrates it and creates two demo users
# whose passwords it prints and writes, for the .http files' environment "dev", to http-requests/. Everything it writes
# under .data/ and http-requests/ is readable by the current user only.
# Settings (environment): ASPNETCORE_URLS (http://localhost:5000), PGPORT_LOCAL (5433), RUN_DATA_DIR (.data).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/postgres.sh
umask 077

urls=${ASPNETCORE_URLS:-http://localhost:5000}
data_root=${RUN_DATA_DIR:-.data}
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}

if [ -z "${ConnectionStrings__Postgres:-}" ]; then
  port=${PGPORT_LOCAL:-5433}
  data_dir=$(cluster_dir_for "$data_root/postgres")
  echo "Starting PostgreSQL in $data_dir on 127.0.0.1:$port ..."
  start_cluster "$data_dir" "$port" "$data_root/postgres-password"
  PGPASSWORD=$(cat "$data_root/postgres-password")
  export PGPASSWORD
  "$(postgres_bin)/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAXc \
    "SELECT 1 FROM pg_database WHERE datname = 'session_auth'" | grep -q 1 \
    || "$(postgres_bin)/createdb" -h 127.0.0.1 -p "$port" -U postgres session_auth
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Password=$PGPASSWORD;Database=session_auth"
  local_cluster=1
fi

dotnet build Api -c Release -v quiet -nologo
api() { dotnet run --project Api -c Release --no-build -- "$@"; }
api migrate

if [ -n "${local_cluster:-}" ]; then
  demo_users=$data_root/demo-users
  if [ ! -f "$demo_users" ]; then
    printf 'admin@example.com %s\nuser@example.com %s\n' "$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')" "$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')" > "$demo_users"
  fi
  chmod 600 "$demo_users"
  while read -r email password; do
    role=${email%%@*}
    status=0
    # The password goes in on standard input: on the command line every user of the machine could read it in ps.
    printf '%s\n' "$password" | api create-user --email "$email" --name "Demo ${role^}" --role "$role" >/dev/null || status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"
  done < "$demo_users"
  # The .http files read the passwords from environment "dev": Rider and httpyac from http-client.private.env.json,
  # Visual Studio from http-client.env.json.user. Both are git-ignored, and 0600 before the secrets go in.
  http_env=$(awk '{ gsub(/[\\"]/, "\\\\&", $2) } NR==1 { admin=$2 } NR==2 { user=$2 }
    END { printf "{\n  \"dev\": {\n    \"adminPassword\": \"%s\",\n    \"userPassword\": \"%s\"\n  }\n}\n", admin, user }' "$demo_users")
  for file in http-requests/http-client.private.env.json http-requests/http-client.env.json.user; do
    : > "$file"
    chmod 600 "$file"
    printf '%s\n' "$http_env" > "$file"
  done
  rm -f http-requests/.env # where an older run.sh kept them
  echo
  echo "Demo users (kept in $demo_users, and for the .http files in http-requests/http-client.private.env.json"
  echo "and http-requests/http-client.env.json.user):"
  awk '{print "  " $1 "  password: " $2}' "$demo_users"
fi

echo
echo "API:        $urls"
echo "Swagger UI: ${urls%%;*}/swagger"
# The environment "dev" in http-requests/http-client.env.json is http://localhost:5000; anything else needs --var host.
host_var=""
[ "${urls%%;*}" = "http://localhost:5000" ] || host_var=" --var host=${urls%%;*}"
echo ".http:      npx httpyac send http-requests/*.http --all --env dev$host_var   (Visual Studio, Rider: environment \"dev\")"
echo
exec dotnet run --project Api -c Release --no-build --no-launch-profile -- --urls "$urls"
