#!/usr/bin/env bash
# Fuzzes the MQTT packet decoder (bindings/mqtt/fuzz, target `decode`) for a bounded time.
#
# Usage: scripts/fuzz-mqtt.sh [SECONDS]      (default 60)
#
# cargo-fuzz builds with sanitizer flags that only a nightly compiler accepts. The script uses
# the nightly toolchain when rustup has one; otherwise it runs the stable compiler with
# RUSTC_BOOTSTRAP=1, which unlocks the same flags. The fuzz crate is standalone (not a workspace
# member), so none of this reaches the normal build.
#
# New inputs found during the run go to a temporary directory, so the committed seed corpus
# (bindings/mqtt/fuzz/corpus/decode) stays as written. A crash reproducer is copied to
# bindings/mqtt/tests/fuzz-regressions/, which a normal `cargo test` replays.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz_dir="$root/bindings/mqtt/fuzz"
regressions="$root/bindings/mqtt/tests/fuzz-regressions"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi

work_corpus="$(mktemp -d)"
trap 'rm -rf "$work_corpus"' EXIT

cd "$fuzz_dir"
status=0
nice -n 10 cargo "${toolchain[@]}" fuzz run decode "$work_corpus" corpus/decode -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 || status=$?

if [ "$status" -ne 0 ] && [ -d artifacts/decode ]; then
    mkdir -p "$regressions"
    cp artifacts/decode/* "$regressions"/ 2>/dev/null || true
    echo "crash reproducers copied to $regressions" >&2
fi
exit "$status"
