#!/usr/bin/env bash
# Unused-dependency check: runs cargo-machete over the workspace and fails on any dependency a
# crate declares but does not use. cargo-machete is installed from crates.io into target/tools
# on first use (`cargo install --locked`); later runs reuse it.
#
# A dependency used only in a way the tool cannot see (through a macro, say) is a false
# positive: list it under `[package.metadata.cargo-machete] ignored = [...]` in that crate's
# Cargo.toml, with a comment saying why.
#
# Usage: scripts/machete.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${CARETRAIL_TOOLS:-$PWD/target/tools}"
MACHETE_VERSION=0.9.2
if [ ! -x "$TOOLS/bin/cargo-machete" ]; then
    cargo install cargo-machete --version "$MACHETE_VERSION" --locked --root "$TOOLS" >&2
fi
# Exit status 1 when it finds an unused dependency, 2 when it cannot read a crate.
"$TOOLS/bin/cargo-machete" --with-metadata .
