#!/usr/bin/env bash
# Walks the seed guide of the mqtt.proxy.jwt example with real tools (jwt-cli, mosquitto_sub,
# mosquitto_pub) against a gateway started here, and checks what the guide promises:
#   1. a token without the mqtt:stream scope is refused: no CONNACK, the subscriber fails;
#   2. a token with it subscribes and receives "Hello, world" published by another client.
#
#   scripts/guide.sh [project|upstream] [ZILLA_BINARY]
#
#   project   the project's zilla.yaml and etc/jwt/private.pem (kid "local")          (default)
#   upstream  the upstream example from ../shared/upstream-examples/mqtt.proxy.jwt (kid
#             "example"); prints SKIPPED and succeeds when that folder is absent
#
# The gateway (default target/debug/zilla) listens on the example's fixed ports 7183 and 7883.
# The upstream broker is MOSQUITTO_BROKER_HOST:MOSQUITTO_BROKER_PORT (default 127.0.0.1:1883);
# a Mosquitto broker is started there unless one already listens.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-project}"
zilla="${2:-target/debug/zilla}"
port=7183
issuer=https://auth.example.com
audience=https://api.example.com

say() { echo "guide ($mode): $*"; }
fail() {
  echo "guide ($mode): FAILED: $*" >&2
  exit 1
}

case "$mode" in
  project)
    config=zilla.yaml
    key=etc/jwt/private.pem
    kid=local
    keystore_password=zilla-local
    ;;
  upstream)
    example=../shared/upstream-examples/mqtt.proxy.jwt
    if [ ! -d "$example" ]; then
      echo "guide ($mode): SKIPPED: $example (the upstream example) is not present"
      exit 0
    fi
    config="$example/etc/zilla.yaml"
    key="$example/private.pem"
    kid=example
    keystore_password=generated
    ;;
  *)
    echo "usage: $0 [project|upstream] [ZILLA_BINARY]" >&2
    exit 2
    ;;
esac

jwt="$(command -v jwt || true)"
[ -n "$jwt" ] || jwt="${CARGO_HOME:-$HOME/.cargo}/bin/jwt"
[ -x "$jwt" ] || fail "jwt-cli is not installed (scripts/setup.sh installs it)"
for tool in mosquitto_sub mosquitto_pub; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup.sh installs it)"
done
[ -x "$zilla" ] || fail "no gateway binary at $zilla (cargo build -p zilla --bin zilla)"

listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

scratch="$(mktemp -d)"
broker=""
gateway=""
subscriber=""
cleanup() {
  for pid in $subscriber $gateway $broker; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$scratch"
}
trap cleanup EXIT

export KEYSTORE_PASSWORD="$keystore_password"
export MOSQUITTO_BROKER_HOST="${MOSQUITTO_BROKER_HOST:-127.0.0.1}"
export MOSQUITTO_BROKER_PORT="${MOSQUITTO_BROKER_PORT:-1883}"

if ! listening "$MOSQUITTO_BROKER_HOST" "$MOSQUITTO_BROKER_PORT"; then
  printf 'listener %s %s\nallow_anonymous true\npersistence false\n' \
    "$MOSQUITTO_BROKER_PORT" "$MOSQUITTO_BROKER_HOST" >"$scratch/mosquitto.conf"
  /usr/sbin/mosquitto -c "$scratch/mosquitto.conf" >"$scratch/mosquitto.log" 2>&1 &
  broker=$!
  for _ in $(seq 100); do
    listening "$MOSQUITTO_BROKER_HOST" "$MOSQUITTO_BROKER_PORT" && break
    sleep 0.1
  done
  listening "$MOSQUITTO_BROKER_HOST" "$MOSQUITTO_BROKER_PORT" \
    || fail "Mosquitto did not listen on $MOSQUITTO_BROKER_HOST:$MOSQUITTO_BROKER_PORT"
  say "Mosquitto broker on $MOSQUITTO_BROKER_HOST:$MOSQUITTO_BROKER_PORT"
fi

listening 127.0.0.1 "$port" && fail "port $port is already in use"
engine="$scratch/engine"
"$zilla" start -v -e -c "$config" -P "zilla.engine.directory=$engine" \
  >"$scratch/zilla.log" 2>&1 &
gateway=$!
for _ in $(seq 150); do
  [ -f "$engine/ready" ] && break
  kill -0 "$gateway" 2>/dev/null || break
  sleep 0.1
done
[ -f "$engine/ready" ] || { cat "$scratch/zilla.log" >&2; fail "the gateway did not become ready"; }
say "gateway ready on $port with $config"

token() { # audience, then extra jwt encode arguments
  local aud="$1"
  shift
  "$jwt" encode --alg RS256 --kid "$kid" --iss "$issuer" --aud "$aud" --exp=+1d --no-iat \
    "$@" --secret "@$key"
}

# The subscriber must be refused: it exits non-zero, never sees a CONNACK, prints no message.
refused() { # what, token
  local out="$scratch/refused.out" status=0
  timeout 20 mosquitto_sub --url "mqtt://127.0.0.1:$port/zilla" -u "Bearer $2" -d -W 5 \
    >"$out" 2>&1 || status=$?
  [ "$status" -ne 0 ] || { cat "$out" >&2; fail "$1: the subscriber was not refused"; }
  ! grep -q "received CONNACK" "$out" || { cat "$out" >&2; fail "$1: a CONNACK came back"; }
  say "$1: refused without a CONNACK (mosquitto_sub exit $status)"
}

# Step 1: a token without the mqtt:stream scope.
unscoped="$(token "$audience")"
refused "token without scope" "$unscoped"
for _ in $(seq 50); do
  grep -q GUARD_JWT_AUTHORIZATION_FAILED "$scratch/zilla.log" && break
  sleep 0.1
done
grep -q GUARD_JWT_AUTHORIZATION_FAILED "$scratch/zilla.log" \
  || fail "the refusal is not in the gateway's event log"
say "the gateway logged GUARD_JWT_AUTHORIZATION_FAILED"

# The published guide mints its tokens for https://mqtt.example.com; the config wants
# https://api.example.com, so such a token is refused as well.
refused "token for another audience" \
  "$(token https://mqtt.example.com --payload scope=mqtt:stream)"

# Step 2: a token with the scope subscribes and receives what another client publishes.
scoped="$(token "$audience" --payload scope=mqtt:stream)"
timeout 30 stdbuf -oL mosquitto_sub --url "mqtt://127.0.0.1:$port/zilla" -u "Bearer $scoped" -d -C 1 -W 15 \
  >"$scratch/sub.out" 2>&1 &
subscriber=$!
for _ in $(seq 100); do
  grep -q "received SUBACK" "$scratch/sub.out" && break
  kill -0 "$subscriber" 2>/dev/null || break
  sleep 0.1
done
grep -q "received SUBACK" "$scratch/sub.out" \
  || { cat "$scratch/sub.out" >&2; fail "the scoped subscriber did not subscribe"; }
say "token with scope mqtt:stream: subscribed"
mosquitto_pub --url "mqtt://127.0.0.1:$port/zilla" -u "Bearer $scoped" -m "Hello, world" \
  || fail "mosquitto_pub failed"
status=0
wait "$subscriber" || status=$?
subscriber=""
[ "$status" -eq 0 ] || { cat "$scratch/sub.out" >&2; fail "the subscriber exited $status"; }
grep -qx "Hello, world" "$scratch/sub.out" \
  || { cat "$scratch/sub.out" >&2; fail "the subscriber did not print Hello, world"; }
say "the subscriber received: Hello, world"

kill -TERM "$gateway"
status=0
wait "$gateway" || status=$?
gateway=""
[ "$status" -eq 0 ] || { cat "$scratch/zilla.log" >&2; fail "the gateway exited $status on SIGTERM"; }
[ ! -e "$engine/ready" ] || fail "the ready file outlived the gateway"
say "gateway stopped cleanly"
say "PASSED"
