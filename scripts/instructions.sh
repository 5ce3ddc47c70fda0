#!/usr/bin/env bash
# Counts the instructions each QoS 1 message costs, straight through Mosquitto and through the
# gateway's MQTT proxy, under valgrind's callgrind: unlike time, the count repeats exactly
# from run to run whatever else the machine is doing, so a change that saves 5 % shows up as
# 5 % where the timed benchmark would lose it in the noise.
#
#   scripts/instructions.sh [MESSAGES] [mqttv311|mqttv5]
#
# ZILLA_BINARY names another gateway binary to count (an earlier build, say) instead of
# building this tree's.
#
# One publisher and one subscriber (mosquitto_pub and mosquitto_sub) on one topic, 64-byte
# payloads. Each side runs twice, with a few messages and with MESSAGES more, and the
# difference is divided by MESSAGES: what starting, connecting and stopping cost falls out.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/proxy-config.sh
messages=${1:-20000}
version=${2:-mqttv311}
warmup=1000

scripts/setup.sh bench >/dev/null
binary=${ZILLA_BINARY:-}
if [ -z "$binary" ]; then
  cargo build --release --quiet -p zilla --bin zilla
  binary=target/release/zilla
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  exit 1
}

# Sends `count` QoS 1 messages from a publisher to a subscriber through `port`.
exchange() {
  local port=$1 count=$2
  mosquitto_sub -p "$port" -V "$version" -q 1 -t 'bench/#' -C "$count" -W 600 >"$work/received" &
  local subscriber=$!
  sleep 1
  seq "$count" | awk '{ printf "%064d\n", $1 }' |
    mosquitto_pub -p "$port" -V "$version" -q 1 -t bench/0 -l
  wait "$subscriber"
  local received
  received=$(wc -l <"$work/received")
  if [ "$received" -ne "$count" ]; then
    echo "received $received of $count messages" >&2
    exit 1
  fi
}

# Stops a process with the signal that makes it exit in order (callgrind then writes its
# results), and waits for it.
stop() {
  kill "-$1" "$2" 2>/dev/null || true
  wait "$2" 2>/dev/null || true
}

# Total instructions of a callgrind output file.
total() {
  awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

# A broker on `port`, as the user who runs this: started as root, Mosquitto would otherwise
# switch to its own user and could not write callgrind's results.
broker_config() {
  local config="$work/mosquitto.$1.conf"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nuser %s\n' \
    "$1" "$(id -un)" >"$config"
  echo "$config"
}

# Instructions of the broker, alone, for `count` messages. Each measurement is a subshell whose
# processes go with it, also when it fails.
direct() (
  trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
  local count=$1 port out
  port=$(free_port)
  out="$work/mosquitto.$count"
  valgrind --tool=callgrind --callgrind-out-file="$out" /usr/sbin/mosquitto \
    -c "$(broker_config "$port")" >/dev/null 2>&1 &
  local broker=$!
  wait_port "$port"
  exchange "$port" "$count"
  stop INT "$broker"
  total "$out"
)

# Instructions of the gateway, in front of a broker of its own, for `count` messages.
through() (
  trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
  local count=$1 broker_port gateway_port out
  broker_port=$(free_port)
  gateway_port=$(free_port)
  out="$work/zilla.$count"
  /usr/sbin/mosquitto -c "$(broker_config "$broker_port")" >/dev/null 2>&1 &
  local broker=$!
  wait_port "$broker_port"
  proxy_config instructions "$gateway_port" "$broker_port" >"$work/zilla.yaml"
  rm -rf "$work/engine"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$binary" start \
    -c "$work/zilla.yaml" -P "zilla.engine.directory=$work/engine" \
    -P zilla.engine.workers=1 >/dev/null 2>&1 &
  local gateway=$!
  wait_port "$gateway_port"
  exchange "$gateway_port" "$count"
  stop TERM "$gateway"
  stop TERM "$broker"
  total "$out"
)

per_message() {
  echo $((($2 - $1) / messages))
}

echo "instructions per QoS 1 message, 1 publisher → 1 subscriber ($version, 64-byte payloads," \
  "$messages messages, callgrind)"
broker=$(per_message "$(direct "$warmup")" "$(direct $((warmup + messages)))")
echo "  Mosquitto, straight                 $broker"
gateway=$(per_message "$(through "$warmup")" "$(through $((warmup + messages)))")
echo "  the gateway (mqtt proxy, 1 worker)  $gateway   ($(awk -v g="$gateway" -v b="$broker" 'BEGIN { printf "%.2f", g / b }')x the broker's)"
