#!/usr/bin/env bash
# HTTP benchmark of `caretrail serve` (DESIGN §5: "p99 ≤ 10 ms for reading one person's timeline
# at a fixed 500 requests/s with audit on; report p50/p99 and throughput at 64 connections").
#
# A fresh seeded data directory, the server on a free local port, signed in as the demo social
# worker; then, with oha as the load generator on the same machine:
#   healthz          GET /healthz, 64 connections: the same server's trivial route, the baseline
#   timeline         GET /api/v1/people/{id}/timeline, 64 connections (every read commits an
#                    audit leaf durably before answering, through group commit)
#   timeline-rate@R  the same read, open loop at a fixed rate R (default 500/s), latencies
#                    corrected for coordinated omission (measured from when each request was due)
#   write            POST /api/v1/people/{id}/entries (a case note), 64 connections, spread over
#                    every readable person on the caseload; each answers 201 with a receipt
# The person read has the caseload's median timeline by size (CARETRAIL_BENCH_TIMELINE). Writes
# run last, since they grow the timelines. Prints a table (leaves/req: leaves the log grew by per
# request, from the checkpoints before and after); exits 1 if any request did not get its
# expected status or failed outright.
#
# Usage: scripts/bench-http.sh [SECONDS]
#   SECONDS                       per scenario (default 10, or CARETRAIL_BENCH_SECONDS)
#   BIN                           the caretrail binary to measure; without it, the tree's own
#                                 release binary, brought up to date with `cargo build --release
#                                 -p caretrail` first (a no-op when it is)
#   CARETRAIL_BENCH_PEOPLE        people to seed (default 60)
#   CARETRAIL_BENCH_RATE          the fixed rate of timeline-rate, requests/s (default 500); a
#                                 space-separated list runs the scenario once per rate
#   CARETRAIL_BENCH_CONNECTIONS   connections of the closed-loop scenarios (default 64)
#   CARETRAIL_BENCH_TIMELINE      whose timeline is read: median (default), smallest or largest
#                                 of the caseload, by size
#   CARETRAIL_TOOLS               where oha is installed (default target/tools)
#   CARETRAIL_REPORTS             results go to $CARETRAIL_REPORTS/bench-http (default target/reports)
#   CARETRAIL_BENCH_DATABASE      a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE, without
#                                 ?schema=): after the SQLite run above, which is unchanged, the
#                                 same scenarios run again with the server on PostgreSQL, seeded
#                                 the same way into a fresh schema bench_http_<random> that is
#                                 dropped at the end; then a second table, and one comparing each
#                                 scenario's PostgreSQL figures with SQLite's from this run
#                                 (results in $CARETRAIL_REPORTS/bench-http/postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-${CARETRAIL_BENCH_SECONDS:-10}}"
BIN="${BIN:-}"
PEOPLE="${CARETRAIL_BENCH_PEOPLE:-60}"
RATE="${CARETRAIL_BENCH_RATE:-500}"
CONNS="${CARETRAIL_BENCH_CONNECTIONS:-64}"
WHICH="${CARETRAIL_BENCH_TIMELINE:-median}"
TOOLS="${CARETRAIL_TOOLS:-$PWD/target/tools}"
REPORT="${CARETRAIL_REPORTS:-target/reports}/bench-http"
HELPER=scripts/bench_http.py
PG_BASE="${CARETRAIL_BENCH_DATABASE:-}"
if [ -n "$PG_BASE" ]; then
    case "$PG_BASE" in
    postgres://* | postgresql://*) ;;
    *) echo "CARETRAIL_BENCH_DATABASE must be a postgres:// URL" >&2; exit 2 ;;
    esac
    case "$PG_BASE" in
    *schema=*) echo "CARETRAIL_BENCH_DATABASE: leave out ?schema=, the script makes a fresh schema" >&2; exit 2 ;;
    esac
    PG_SCHEMA="bench_http_$(python3 -c 'import secrets; print(secrets.token_hex(6))')"
    case "$PG_BASE" in
    *\?*) PG_URL="$PG_BASE&schema=$PG_SCHEMA" ;;
    *) PG_URL="$PG_BASE?schema=$PG_SCHEMA" ;;
    esac
fi

if [ -z "$BIN" ]; then
    cargo build --release -p caretrail
    BIN=target/release/caretrail
    BUILT="built from the tree at $(git describe --always --dirty 2>/dev/null || echo '?')"
else
    BUILT="$BIN"
fi
OHA="$TOOLS/bin/oha"
if [ ! -x "$OHA" ]; then
    cargo install oha --locked --root "$TOOLS"
fi

. scripts/seeded-server.sh
# The sourced cleanup, and the PostgreSQL schema this run made.
cleanup() {
    stop_server
    if [ -n "$PG_BASE" ]; then
        "$BIN" bench --database "$PG_URL" --drop-schema ||
            echo "could not drop the schema $PG_SCHEMA; drop it by hand" >&2
    fi
    rm -rf "$WORK"
}

oha() {
    "$OHA" --no-tui --no-color --wait-ongoing-requests-after-deadline --output-format json "$@"
}

# scenarios OUT DATA [--database URL]: seeds DATA (and the database, if given), serves it on a
# free port, runs every scenario and leaves the results in OUT; the server keeps running.
scenarios() {
    local out=$1 data=$2
    shift 2
    "$BIN" seed --data "$data" "$@" --people "$PEOPLE" >/dev/null
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$BIN" serve --data "$data" "$@" --listen "127.0.0.1:$PORT" >"$out/serve.log" 2>&1 &
    SERVER=$!
    BASE="http://127.0.0.1:$PORT"
    python3 "$HELPER" wait "$BASE"
    TOKEN=$(python3 "$HELPER" signin "$data/demo-accounts.json" "$BASE")
    python3 "$HELPER" pick "$data/demo-accounts.json" "$BASE" "$TOKEN" "$out" "$WHICH"
    PERSON=$(cat "$out/person")
    AUTH="Authorization: Bearer $TOKEN"
    TIMELINE="$BASE/api/v1/people/$PERSON/timeline"
    NOTE='{"kind":"case-note","data":{"text":"Benchmark note."}}'

    # Warm-up: connections, the runtime's blocking threads, the database's page cache.
    oha -c "$CONNS" -z 2s "$BASE/healthz" >/dev/null
    oha -c 8 -z 2s -H "$AUTH" "$TIMELINE" >/dev/null

    # run NAME LOAD EXPECTED_STATUS OHA_ARGS...
    run() {
        local name=$1 load=$2 expected=$3 before after
        shift 3
        sleep 1
        before=$(python3 "$HELPER" leaves "$BASE")
        echo "running $name ($load, ${SECONDS_EACH}s) ..."
        oha -z "${SECONDS_EACH}s" -o "$out/$name.json" "$@"
        after=$(python3 "$HELPER" leaves "$BASE")
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$load" "$expected" "$out/$name.json" "$before" "$after" \
            >>"$out/scenarios.tsv"
    }

    run healthz "$CONNS conns" 200 -c "$CONNS" "$BASE/healthz"
    run timeline "$CONNS conns" 200 -c "$CONNS" -H "$AUTH" "$TIMELINE"
    for r in $RATE; do
        run "timeline-rate@$r" "$r req/s" 200 -c "$CONNS" -q "$r" --latency-correction -H "$AUTH" "$TIMELINE"
    done
    run write "$CONNS conns" 201 -c "$CONNS" -m POST -T application/json -d "$NOTE" -H "$AUTH" \
        --urls-from-file "$out/write-urls.txt"
}

scenarios "$WORK" "$WORK/data"
if [ -n "$PG_BASE" ]; then
    stop_server
    mkdir -p "$WORK/pg"
    echo
    echo "the same scenarios on PostgreSQL (schema $PG_SCHEMA) ..."
    scenarios "$WORK/pg" "$WORK/pgdata" --database "$PG_URL"
fi
stop_server

echo
echo "caretrail $("$BIN" --version 2>/dev/null | awk '{print $2}') ($BUILT), $(nproc) cores," \
    "oha $("$OHA" --version | awk '{print $2}'), ${SECONDS_EACH}s a scenario, $PEOPLE people seeded"
mkdir -p "$REPORT"
status=0
python3 "$HELPER" table "$WORK" | tee "$REPORT/table.txt" || status=$?
cp "$WORK"/*.json "$REPORT/"
if [ -n "$PG_BASE" ]; then
    mkdir -p "$REPORT/postgres"
    echo
    echo "PostgreSQL (schema $PG_SCHEMA; the same scenarios, the server on PostgreSQL):"
    python3 "$HELPER" table "$WORK/pg" | tee "$REPORT/postgres/table.txt" || status=$?
    cp "$WORK"/pg/*.json "$REPORT/postgres/"
    echo
    echo "PostgreSQL / SQLite, each scenario from this run:"
    python3 "$HELPER" compare "$WORK" "$WORK/pg" | tee "$REPORT/postgres/compare.txt" || status=$?
fi
echo "oha results (JSON) in $REPORT"
exit "$status"
