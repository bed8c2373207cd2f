#!/usr/bin/env bash
# Runs the API on http://localhost:5000 with Swagger UI at /swagger.
# Without ConnectionStrings__Postgres it starts a local PostgreSQL under .data/ (installing it with apt-get if needed),
# whose superuser needs a generated password (kept in .data/postgres-password), migrates it and creates two demo users
# whose passwords it prints and writes, for the .http files' environment "dev", to http-requests/. Everything it writes
# under .data/ and http-requests/ is readable by the current user only.
# Without Email__Smtp__Host it also runs smtp4dev, a mail catcher installed under .data/tools/, and sends the API's mail
# there: every mail shows up in its web UI, and none leaves the machine. It stops when the API does.
# Without DataProtection__CertificatePath it makes .data/keyring.pfx, to which the key ring in the database is encrypted.
# Settings (environment): ASPNETCORE_URLS (http://localhost:5000), PGPORT_LOCAL (5433), SMTP_PORT_LOCAL (2525),
# MAIL_UI_PORT_LOCAL (5080), RUN_DATA_DIR (.data).
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

if [ -z "${Email__Smtp__Host:-}" ]; then
  smtp_port=${SMTP_PORT_LOCAL:-2525}
  mail_ui=http://127.0.0.1:${MAIL_UI_PORT_LOCAL:-5080}
  smtp4dev_version=3.15.0
  tools=$data_root/tools
  if [ ! -d "$tools/.store/rnwood.smtp4dev/$smtp4dev_version" ]; then
    echo "Installing smtp4dev $smtp4dev_version (a local mail catcher) into $tools ..."
    rm -rf "$tools/.store/rnwood.smtp4dev" "$tools/smtp4dev"
    dotnet tool install Rnwood.Smtp4dev --version "$smtp4dev_version" --tool-path "$tools" >/dev/null
  fi
  mail_data=$(mkdir -p "$data_root/smtp4dev" && cd "$data_root/smtp4dev" && pwd)
  echo "Starting smtp4dev on 127.0.0.1:$smtp_port (SMTP), web UI on $mail_ui ..."
  # Loopback only, without its IMAP and POP3 servers; its database and settings stay in the data directory rather than
  # in ~/.config.
  "$tools/smtp4dev" --urls "$mail_ui" --smtpport "$smtp_port" --bindaddress 127.0.0.1 --imapport= --pop3port= \
    --baseappdatapath "$mail_data" --nousersettings >"$data_root/smtp4dev.log" 2>&1 &
  mail_catcher=$!
  trap 'kill "$mail_catcher" 2>/dev/null && wait "$mail_catcher" 2>/dev/null; true' EXIT
  for _ in $(seq 1 120); do
    kill -0 "$mail_catcher" 2>/dev/null || { echo "smtp4dev exited; its log, $data_root/smtp4dev.log:" >&2; cat "$data_root/smtp4dev.log" >&2; exit 1; }
    (: </dev/tcp/127.0.0.1/"$smtp_port") 2>/dev/null && (: </dev/tcp/127.0.0.1/"${mail_ui##*:}") 2>/dev/null && break
    sleep 0.5
  done
  export Email__Smtp__Host=127.0.0.1 Email__Smtp__Port=$smtp_port Email__Smtp__Security=None
fi

dotnet build Api -c Release -v quiet -nologo
api() { dotnet run --project Api -c Release --no-build -- "$@"; }
if [ -z "${DataProtection__CertificatePath:-}" ]; then
  # The Data Protection key ring is stored in the database encrypted to this certificate, kept out of it.
  keyring_certificate=$(cd "$data_root" && pwd)/keyring.pfx
  [ -f "$keyring_certificate" ] || api keyring-certificate "$keyring_certificate" >/dev/null
  export DataProtection__CertificatePath=$keyring_certificate
fi
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
[ -z "${mail_ui:-}" ] || echo "Mail UI:    $mail_ui   (smtp4dev: every mail the API sends lands here)"
# The environment "dev" in http-requests/http-client.env.json is http://localhost:5000; anything else needs --var host.
host_var=""
[ "${urls%%;*}" = "http://localhost:5000" ] || host_var=" --var host=${urls%%;*}"
echo ".http:      npx httpyac send http-requests/*.http --all --env dev$host_var   (Visual Studio, Rider: environment \"dev\")"
echo
# Not exec: the EXIT trap must outlive the API to stop the mail catcher.
dotnet run --project Api -c Release --no-build --no-launch-profile -- --urls "$urls"
