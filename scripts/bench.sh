#!/usr/bin/env bash
# Builds release binaries and prints the benchmarks, each beside its alternative in the same run.
# Arguments go to `zilla-bench engine`; those after a `--` go to `zilla-bench mqtt` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
engine_args=()
mqtt_args=()
while (($#)); do
    if [[ $1 == -- ]]; then
        shift
        mqtt_args=("$@")
        break
    fi
    engine_args+=("$1")
    shift
done
scripts/setup.sh bench
cargo build --release -p zilla --bin zilla -p zilla-bench --bin zilla-bench
target/release/zilla-bench engine --binary target/release/zilla "${engine_args[@]}"
target/release/zilla-bench tls --binary target/release/zilla
target/release/zilla-bench mqtt --binary target/release/zilla "${mqtt_args[@]}"
