#!/usr/bin/env bash
# The API against its own OpenAPI document: Schemathesis (from PyPI) generates requests from
# /api/v1/openapi.json, valid and invalid, sends them to a real daemon (the debug build) and
# checks every answer: documented status, documented body, no 5xx, no crash, 405 for methods a
# path does not have. A fixed seed keeps the run repeatable; change it to explore further.
# Before it, a client generated from the same document must work (generated_client_test.py).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BINARY="${AUTOOPTIMIZE_BIN:-$ROOT/.build/debug/autooptimize}"
WORK="$(mktemp -d -t autooptimize-contract-XXXXXX)"
trap 'kill "$DAEMON" 2>/dev/null || true; wait "$DAEMON" 2>/dev/null || true; rm -rf "$WORK"' EXIT

mkdir -p "$WORK/jobs.d"
cat > "$WORK/jobs.d/p.yaml" <<'YAML'
id: p
params: {days: {type: integer, default: 1}}
tasks: [{id: a, kind: noop}, {id: b, kind: noop, needs: [a]}]
YAML
cat > "$WORK/jobs.d/daily.yaml" <<'YAML'
id: daily
schedule: "0 6 * * *"
tasks: [{id: a, kind: noop}]
YAML

AUTOOPTIMIZE_ADMIN_PASSWORD="contract test password" "$BINARY" serve --jobs "$WORK/jobs.d" --data "$WORK/data" --port 0 \
  --log-level error > "$WORK/stdout.log" 2> "$WORK/stderr.log" &
DAEMON=$!
for _ in $(seq 1 300); do  # up to 30 s for the daemon to announce itself
  [[ -f "$WORK/data/daemon.json" ]] && break
  kill -0 "$DAEMON" 2>/dev/null || { cat "$WORK/stderr.log"; exit 1; }
  sleep 0.1
done
URL="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$WORK/data/daemon.json")"
TOKEN="$(cat "$WORK/data/local-admin.token")"

# First, a client generated from the document (openapi-python-client, pinned; a warning fails it) drives a
# trigger, a wait and a log through the API, before Schemathesis has paused or changed anything.
python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())' \
  "$URL/api/v1/openapi.json" > "$WORK/openapi.json"
python3 -m openapi_python_client generate --path "$WORK/openapi.json" --output-path "$WORK/client" \
  --config "$ROOT/Tests/Contract/openapi-python-client.yaml" --fail-on-warning > "$WORK/generate.log" 2>&1 \
  || { cat "$WORK/generate.log" >&2; echo "the OpenAPI document does not make a client without warnings" >&2; exit 1; }
python3 "$ROOT/Tests/Contract/generated_client_test.py" "$WORK/client" "$URL" "$TOKEN" p

cd "$ROOT/Tests/Contract"  # schemathesis.toml is read from here
status=0
python3 -m schemathesis.cli run "$URL/api/v1/openapi.json" -H "Authorization: Bearer $TOKEN" \
  --checks all --max-examples "${CONTRACT_EXAMPLES:-25}" --seed "${CONTRACT_SEED:-20261129}" \
  --request-timeout 15 --exclude-path /api/v1/events --no-color || status=$?

if ! kill -0 "$DAEMON" 2>/dev/null; then
  echo "the daemon died during the contract test:" >&2
  tail -50 "$WORK/stderr.log" >&2
  exit 1
fi
exit "$status"
