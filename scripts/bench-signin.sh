#!/usr/bin/env bash
# Bounded sign-in benchmark of `caretrail serve` (issue 12): can a stranger guess an account's
# password by sending guesses in parallel, lock its owner out, or grow the server's memory?
#
# A fresh seeded data directory, the server on a free local port with 127.0.0.1 as its trusted
# proxy (so each request's X-Forwarded-For is the client's address). The privacy officer signs in
# once from their usual address; then, from scripts/bench_signin.py:
#   guesses   1,000 wrong passwords for that account from 16 parallel clients, every attempt from
#             an address of its own (a botnet: per-address counting alone would let all through)
#   oversize  200 sign-ins with 1 MB usernames (each must be refused before it is remembered)
#   owner     the correct password from the usual address, and from a new one
#   rounds    four more rounds of guesses, each from new addresses, with the RSS after each
# Prints how many guesses were checked (401) and held back (429), the server's resident memory
# (VmRSS) before and after, and the owner's answers; exits 1 if the owner could not sign in from
# the usual address or more guesses were checked than the throttle allows.
#
# Usage: scripts/bench-signin.sh
#   BIN                         the caretrail binary; without it, the tree's own release binary,
#                               brought up to date with `cargo build --release -p caretrail`
#   CARETRAIL_BENCH_GUESSES     wrong passwords to send (default 1000)
#   CARETRAIL_BENCH_CLIENTS     parallel clients (default 16)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-}"
GUESSES="${CARETRAIL_BENCH_GUESSES:-1000}"
CLIENTS="${CARETRAIL_BENCH_CLIENTS:-16}"
if [ -z "$BIN" ]; then
    cargo build --release -p caretrail
    BIN=target/release/caretrail
fi
. scripts/seeded-server.sh
serve_seeded "$BIN" 20 CARETRAIL_TRUSTED_PROXIES=127.0.0.1
echo "caretrail $("$BIN" --version 2>/dev/null | awk '{print $2}') ($BIN), $(nproc) cores"
python3 scripts/bench_signin.py "$BASE" "$WORK/data/demo-accounts.json" "$SERVER" "$GUESSES" "$CLIENTS"
