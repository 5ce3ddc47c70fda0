#!/usr/bin/env bash
# Builds release binaries and prints the benchmarks, each beside its alternative in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p zilla --bin zilla -p zilla-bench --bin zilla-bench
target/release/zilla-bench engine --binary target/release/zilla "$@"
