#!/usr/bin/env bash
# Builds the gateway and runs the default zilla.yaml in the foreground (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
cargo build --release --bin zilla
exec target/release/zilla start -v -e -c zilla.yaml -P zilla.engine.directory=.zilla/engine "$@"
