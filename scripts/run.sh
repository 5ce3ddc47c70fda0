#!/usr/bin/env bash
# Builds the gateway and runs the default zilla.yaml in the foreground (Ctrl-C stops it), with a
# local Mosquitto broker as its upstream, started here unless one already listens on the port.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
cargo build --release -p zilla --bin zilla

export KEYSTORE_PASSWORD="${KEYSTORE_PASSWORD:-zilla-local}"
export MOSQUITTO_BROKER_HOST="${MOSQUITTO_BROKER_HOST:-127.0.0.1}"
export MOSQUITTO_BROKER_PORT="${MOSQUITTO_BROKER_PORT:-1883}"

broker=""
if ! (exec 3<>"/dev/tcp/$MOSQUITTO_BROKER_HOST/$MOSQUITTO_BROKER_PORT") 2>/dev/null; then
  conf="$(mktemp)"
  printf 'listener %s %s\nallow_anonymous true\n' "$MOSQUITTO_BROKER_PORT" "$MOSQUITTO_BROKER_HOST" > "$conf"
  /usr/sbin/mosquitto -c "$conf" &
  broker=$!
  trap 'kill "$broker" 2>/dev/null; rm -f "$conf"' EXIT
  echo "run: Mosquitto broker on $MOSQUITTO_BROKER_HOST:$MOSQUITTO_BROKER_PORT (pid $broker)"
fi

target/release/zilla start -v -e -c zilla.yaml -P zilla.engine.directory=.zilla/engine "$@"
