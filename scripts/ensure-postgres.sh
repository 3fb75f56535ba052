#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at the URL the PostgreSQL tests use, and prints that URL.
# Installs Debian's postgresql package if there is no server on the machine (needs root), and
# starts the cluster if it is down. The URL defaults to the CI machine's server: 127.0.0.1:5432,
# trust authentication, database `test`.
# Usage: export CARETRAIL_TEST_POSTGRES_URL=$(scripts/ensure-postgres.sh)
set -euo pipefail
URL="${CARETRAIL_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
answers() { pg_isready -q -d "$URL" 2>/dev/null; }
if ! command -v pg_isready >/dev/null; then
    echo "installing PostgreSQL from Debian's packages" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
fi
if ! answers; then
    echo "starting the PostgreSQL cluster" >&2
    for v in /etc/postgresql/*; do
        pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start >&2 || true
    done
    for _ in $(seq 1 50); do answers && break; sleep 0.2; done
fi
if ! answers; then
    echo "PostgreSQL does not answer at $URL" >&2
    exit 1
fi
# The database must exist and accept this user.
psql -qtA -d "$URL" -c 'select 1' >/dev/null
echo "$URL"
