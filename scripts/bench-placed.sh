#!/usr/bin/env bash
# The MQTT benchmark as its latency target needs it measured: the load clients, the broker and
# the gateway each on cores of their own, so that none of them waits for a CPU another holds.
# On a machine with fewer than four cores they cannot be kept apart, and the script says so.
#
#   scripts/bench-placed.sh [ROUNDS]        (default 3)
#
# The load clients get every core but the last two, the broker the next and the gateway the
# last, with one worker to match. Both shapes (1 → 1 and 4 → 4) are run at QoS 0 and 1;
# arguments after ROUNDS go to every `zilla-bench mqtt` run.
set -euo pipefail
cd "$(dirname "$0")/.."
cores=$(nproc)
if ((cores < 4)); then
  echo "bench-placed: needs at least 4 cores to give the load clients, the broker and the" \
    "gateway their own; this machine has $cores" >&2
  exit 2
fi
rounds=${1:-3}
shift || true
load="0-$((cores - 3))"
broker=$((cores - 2))
gateway=$((cores - 1))

scripts/setup.sh bench
cargo build --release -p zilla --bin zilla -p zilla-bench --bin zilla-bench
for shape in "1 1" "4 4"; do
  read -r publishers subscribers <<<"$shape"
  target/release/zilla-bench mqtt --binary target/release/zilla --rounds "$rounds" \
    --publishers "$publishers" --subscribers "$subscribers" \
    --cpus-load "$load" --cpus-broker "$broker" --cpus-gateway "$gateway" \
    -P zilla.engine.workers=1 "$@"
done
