#!/usr/bin/env bash
# Serves the sample SPA on http://localhost:5173 (another origin than the API, same site). Start the API with ../../run.sh;
# its Development settings allow this origin. Another API address: open http://localhost:5173/?api=http://localhost:PORT
set -euo pipefail
cd "$(dirname "$0")"
echo "Sample SPA: http://localhost:5173"
exec python3 -m http.server 5173 --bind 127.0.0.1
