#!/usr/bin/env bash
# Fuzzes the served API against its own OpenAPI document with schemathesis: a fresh seeded data
# directory, a server on a free local port, signed in as the demo social worker. Fails on any
# 5xx, any response that does not fit its documented schema, status code, content type or
# headers.
#
# Usage: scripts/schemathesis.sh [BINARY] [MAX_EXAMPLES]
#   BINARY        the caretrail binary (default target/release/caretrail)
#   MAX_EXAMPLES  test cases per operation and phase (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/caretrail}"
MAX_EXAMPLES="${2:-50}"
TOOLS=$(scripts/install-python-tools.sh | tail -n 1)
. scripts/seeded-server.sh
serve_seeded "$BIN" 12
TOKEN=$(python3 scripts/bench_http.py signin "$WORK/data/demo-accounts.json" "$BASE")
# Real ids for the path parameter `id` most of the time, so operations reach past "no such
# person"; random ids the rest of the time.
python3 - "$WORK/data/demo-accounts.json" >"$WORK/schemathesis.toml" <<'PY'
import json, sys
accounts = json.load(open(sys.argv[1]))
sw = next(a for a in accounts if a["role"] == "social-worker")
people = sw["people"] + [a["person"] for a in accounts if a.get("person")]
print("[dictionaries.people]")
print("values = " + json.dumps(sorted(set(people))))
print("[parameters]")
print('"path.id" = { dictionary = "people", probability = 0.8 }')
PY
# Signing out would end the session every other operation uses, so it is left out.
# Through scripts/schemathesis_cli.py: `st` itself, with a workaround for a CPython 3.11 bug that
# can crash Hypothesis's lambda descriptions (see that file).
"$TOOLS/python" scripts/schemathesis_cli.py --config-file "$WORK/schemathesis.toml" run "$BASE/api/v1/openapi.json" \
    --header "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --exclude-operation-id sign_out \
    --max-examples "$MAX_EXAMPLES" \
    --phases examples,coverage,fuzzing \
    --seed 1 \
    --generation-database none \
    --workers 2 \
    --no-color \
    --report junit --report-dir "${CARETRAIL_REPORTS:-target/reports}/schemathesis"
