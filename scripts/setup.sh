#!/usr/bin/env bash
# Installs what running and testing the gateway needs on a fresh Debian machine with the Rust
# toolchain. Idempotent: each step checks before it installs.
#
#   scripts/setup.sh            everything the test suite uses
#   scripts/setup.sh run        only what `scripts/run.sh` needs
#   scripts/setup.sh bench      what `scripts/bench.sh` needs: the broker, socat for
#                               `zilla-bench mqtt --socat`, and valgrind for
#                               `scripts/instructions.sh`
set -euo pipefail

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_packages() {
  have mosquitto || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
  have mosquitto_pub || need_apt+=(mosquitto-clients)
  have openssl || need_apt+=(openssl)
  have python3 || need_apt+=(python3 python3-pip)
  [ -f /etc/ssl/certs/ca-certificates.crt ] || need_apt+=(ca-certificates)
  if [ "${1:-}" = bench ]; then
    have socat || need_apt+=(socat)
    have valgrind || need_apt+=(valgrind)
  fi
  if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
  # The Debian package may start a system broker on 1883; tests start their own on free ports.
}

python_packages() {
  local missing=()
  python3 -c 'import paho.mqtt' 2>/dev/null || missing+=("paho-mqtt>=2,<3")
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing python packages ${missing[*]}"
    python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}" \
      || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${missing[@]}"
  fi
}

# jwt-cli mints tokens as the seed guide does; cargo keeps the installed binary in ~/.cargo/bin.
jwt_cli() {
  if ! have jwt && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/jwt" ]; then
    echo "setup: installing jwt-cli (a few minutes, once)"
    cargo install jwt-cli --locked --quiet
  fi
}

case "${1:-test}" in
  run) apt_packages ;;
  bench) apt_packages bench ;;
  test) apt_packages; python_packages; jwt_cli ;;
  *) echo "usage: $0 [run|test|bench]" >&2; exit 2 ;;
esac
echo "setup: ready"
