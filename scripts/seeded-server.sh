# Sourced (not run) by the scripts that measure or fuzz a seeded server on this machine.
# Sets WORK (a fresh directory, removed on exit, with the server's log in WORK/serve.log) and
# defines:
#   serve_seeded BIN PEOPLE [NAME=VALUE...]  seeds WORK/data with PEOPLE people, starts
#       `BIN serve` on a free local port with the given environment, waits for /healthz, and
#       sets SERVER (its pid) and BASE (its URL)
#   stop_server                              stops it (also done on exit)
WORK=$(mktemp -d)
SERVER=""
stop_server() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    SERVER=""
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

serve_seeded() {
    local bin=$1 people=$2 port
    shift 2
    "$bin" seed --data "$WORK/data" --people "$people" >/dev/null
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    env "$@" "$bin" serve --data "$WORK/data" --listen "127.0.0.1:$port" >"$WORK/serve.log" 2>&1 &
    SERVER=$!
    BASE="http://127.0.0.1:$port"
    python3 scripts/bench_http.py wait "$BASE"
}
