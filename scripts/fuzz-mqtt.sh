#!/usr/bin/env bash
# Fuzzes the MQTT packet decoder for a bounded time: `scripts/fuzz.sh mqtt-decode`, kept under
# its earlier name.
#
# Usage: scripts/fuzz-mqtt.sh [SECONDS]      (default 60)
set -euo pipefail
exec "$(dirname "$0")/fuzz.sh" mqtt-decode "${1:-60}"
