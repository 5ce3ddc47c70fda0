#!/usr/bin/env bash
# Fuzzes one parser of untrusted input for a bounded time.
#
# Usage: scripts/fuzz.sh TARGET [SECONDS]      (default 60)
#
#   tls-client-hello   the tls proxy's ClientHello reader   (bindings/tls/fuzz, client_hello)
#   jwt-token-header   the jwt guard's token header reader  (guards/jwt/fuzz, token_header)
#   mqtt-decode        the MQTT packet decoder              (bindings/mqtt/fuzz, decode)
#
# cargo-fuzz builds with sanitizer flags that only a nightly compiler accepts. The script uses
# the nightly toolchain when rustup has one; otherwise it runs the stable compiler with
# RUSTC_BOOTSTRAP=1, which unlocks the same flags. Each fuzz crate is standalone (not a
# workspace member), so none of this reaches the normal build.
#
# New inputs found during the run go to a temporary directory, so the committed seed corpus
# stays as written. A crash reproducer is copied to the crate's tests/fuzz-regressions/, which
# its `fuzz_corpus` test replays in a normal `cargo test`.
set -euo pipefail

target="${1:-}"
seconds="${2:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"

case "$target" in
    tls-client-hello) crate=bindings/tls fuzz_target=client_hello max_len=8192 ;;
    jwt-token-header) crate=guards/jwt fuzz_target=token_header max_len=4096 ;;
    mqtt-decode) crate=bindings/mqtt fuzz_target=decode max_len=4096 ;;
    *)
        echo "usage: $0 tls-client-hello|jwt-token-header|mqtt-decode [SECONDS]" >&2
        exit 2
        ;;
esac
fuzz_dir="$root/$crate/fuzz"
regressions="$root/$crate/tests/fuzz-regressions"

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
# One target directory for every fuzz crate: they share most of their dependencies.
nice -n 10 cargo "${toolchain[@]}" fuzz run --target-dir "$root/target/fuzz" \
    "$fuzz_target" "$work_corpus" "corpus/$fuzz_target" -- \
    -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1 || status=$?

if [ "$status" -ne 0 ] && [ -d "artifacts/$fuzz_target" ]; then
    mkdir -p "$regressions"
    cp "artifacts/$fuzz_target"/* "$regressions"/ 2>/dev/null || true
    echo "crash reproducers copied to $regressions" >&2
fi
exit "$status"
