#!/usr/bin/env bash
# Runs everything CI runs: a warnings-as-errors build, the code-style check and the whole test suite, which starts its
# own throwaway PostgreSQL (installed with apt-get when missing; set TEST_DATABASE_URL to use an existing server), drives
# Debian's Chromium through Playwright, and runs httpyac and Redocly CLI from tools/ (installed here with npm ci).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/postgres.sh

PG_BIN=$(postgres_bin)
export PG_BIN

echo "== tools"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} with apt-get..."
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -f tools/node_modules/.package-lock.json ] || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
  npm ci --prefix tools --no-audit --no-fund --loglevel=error
fi

echo "== build"
dotnet build Api.sln -c Release -warnaserror -nologo -v quiet

echo "== code style"
dotnet format Api.sln --verify-no-changes --no-restore -v quiet

echo "== tests"
mkdir -p TestResults
status=0
# The whole suite twice: with the session cache on (the default), then off, as Session__Cache__Enabled=false runs the
# product (README, "The session cache"). Tests about the cache itself set it on explicitly and run in both passes.
for cache in on off; do
  echo "== tests, session cache $cache"
  enabled=$([ "$cache" = on ] && echo true || echo false)
  Session__Cache__Enabled=$enabled dotnet test Api.sln -c Release --no-build --results-directory TestResults \
    --logger "trx;LogFileName=tests-cache-$cache.trx" --logger "console;verbosity=normal" 2>&1 \
    | tee "TestResults/console-cache-$cache.log" || status=$?
done

# One plain closing line per pass, counted from the results files, so CI reads the totals whatever the runner printed.
python3 - TestResults/tests-cache-on.trx TestResults/tests-cache-off.trx <<'PY' || true
import sys, xml.etree.ElementTree as ET
totals = [0, 0, 0]
for path in sys.argv[1:]:
    counters = ET.parse(path).getroot().find('.//{*}Counters')
    passed, failed = int(counters.get('passed')), int(counters.get('failed')) + int(counters.get('error'))
    skipped = int(counters.get('total')) - int(counters.get('executed'))
    print(f"{path}: {passed} passed, {failed} failed, {skipped} skipped")
    totals = [totals[0] + passed, totals[1] + failed, totals[2] + skipped]
    # Name each failed test and the start of its message, so the tail of a CI log says what to look at.
    for result in ET.parse(path).getroot().iterfind('.//{*}UnitTestResult'):
        if result.get('outcome') not in ('Passed', 'NotExecuted'):
            message = ' '.join((result.findtext('.//{*}Message') or '').split())[:600]
            print(f"  FAILED {result.get('testName')} ({result.get('duration')}): {message}")
print(f"tests: {totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
PY
exit $status
