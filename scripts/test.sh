#!/usr/bin/env bash
# Runs every test: unit tests, config tests and the end-to-end tests that start the real binary
# with real peers. Tests that need ../shared (the upstream reference files) skip with a message
# when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
cargo build --workspace --all-targets
cargo test --workspace --no-fail-fast -- --test-threads "${TEST_THREADS:-4}"
