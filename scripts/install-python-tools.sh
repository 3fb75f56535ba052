#!/usr/bin/env bash
# Installs the Python tools the API checks use (schemathesis) into a virtual environment under
# target/tools/venv, from PyPI. Idempotent: a second run with the same pins does nothing.
# Usage: scripts/install-python-tools.sh   (prints the venv's bin directory on its last line)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CARETRAIL_TOOLS:-$PWD/target/tools}/venv"
SCHEMATHESIS=4.32.5
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" >&2
fi
if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS"; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS" >&2
fi
echo "$VENV/bin"
