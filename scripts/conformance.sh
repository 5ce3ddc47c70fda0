#!/usr/bin/env bash
# Runs the Eclipse Paho MQTT interoperability suite (paho.mqtt.testing, `interoperability/
# client_test.py` for 3.1.1 and `client_test5.py` for 5) straight against a local Mosquitto and
# then through the gateway (tcp → mqtt server → mqtt client → tcp → that Mosquitto), and prints
# each test's outcome side by side with totals.
#
#   scripts/conformance.sh PATH_TO_PAHO_MQTT_TESTING
#   PAHO_MQTT_TESTING=PATH scripts/conformance.sh
#
# The suite is third-party code that no package registry we install from carries, so it is not
# part of scripts/test.sh; clone https://github.com/eclipse/paho.mqtt.testing anywhere outside
# the project. Environment:
#   CONFORMANCE_TESTS    only the tests whose name matches this extended regex (default: all)
#   CONFORMANCE_SUITES   "v311 v5" (default) or one of them
#   CONFORMANCE_TIMEOUT  seconds one test may take before it counts as TIMEOUT (default 90)
#   CONFORMANCE_LOGS     keep each test's output under this directory (default: discarded)
#
# Each test runs in its own process: a test that hangs (the suite waits forever on some broker
# answers) then costs one TIMEOUT instead of the rest of the run, and every test starts from the
# suite's own clean-up of its fixed client ids and retained messages. Each pass (suite × target)
# gets a fresh broker and, through the gateway, a fresh gateway, so no session outlives a pass.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/proxy-config.sh
project="$PWD"

suite="${1:-${PAHO_MQTT_TESTING:-}}"
if [[ -z "$suite" || ! -f "$suite/interoperability/client_test5.py" ]]; then
    cat >&2 <<'EOF'
conformance: the Paho MQTT interoperability suite is needed.
  git clone https://github.com/eclipse/paho.mqtt.testing /some/where
  scripts/conformance.sh /some/where        (or PAHO_MQTT_TESTING=/some/where)
EOF
    exit 2
fi
suite="$(cd "$suite/interoperability" && pwd)"
suites="${CONFORMANCE_SUITES:-v311 v5}"
only="${CONFORMANCE_TESTS:-.}"
per_test="${CONFORMANCE_TIMEOUT:-90}"
mosquitto=/usr/sbin/mosquitto
[[ -x $mosquitto ]] || mosquitto="$(command -v mosquitto || true)"
if [[ -z $mosquitto ]]; then
    echo "conformance: mosquitto is needed (scripts/setup.sh installs it)" >&2
    exit 2
fi

cargo build --release -p zilla --bin zilla
zilla="$project/target/release/zilla"

work="$(mktemp -d)"
pids=()
stop_all() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT
logs="${CONFORMANCE_LOGS:-$work/logs}"
mkdir -p "$logs"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() { # seconds, then a command that succeeds when ready
    local deadline=$((SECONDS + $1))
    shift
    until "$@" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Mosquitto's defaults, as a plain install runs it, without persistence so that each pass
# starts empty.
start_broker() {
    broker_port="$(free_port)"
    local dir="$work/broker-$broker_port"
    mkdir -p "$dir"
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' \
        "$broker_port" > "$dir/mosquitto.conf"
    "$mosquitto" -c "$dir/mosquitto.conf" > "$dir/log" 2>&1 &
    pids+=($!)
    wait_for 10 listening "$broker_port" || { cat "$dir/log" >&2; echo "conformance: mosquitto did not start" >&2; exit 1; }
}

# The no-guard MQTT proxy: what tests/mqtt_proxy.rs runs, on free ports.
start_gateway() {
    gateway_port="$(free_port)"
    local dir="$work/gateway-$gateway_port"
    mkdir -p "$dir"
    proxy_config conformance "$gateway_port" "$broker_port" > "$dir/zilla.yaml"
    "$zilla" start -c "$dir/zilla.yaml" -P "zilla.engine.directory=$dir/engine" > "$dir/log" 2>&1 &
    pids+=($!)
    wait_for 15 test -e "$dir/engine/ready" || { cat "$dir/log" >&2; echo "conformance: the gateway did not start" >&2; exit 1; }
}

# Runs the suite's unittest classes with a result that records one line per test, in place of
# its own command line (which hands its options to unittest.main as well).
cat > "$work/run_one.py" <<'EOF'
import os, runpy, sys, unittest

script, mode, port = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.dirname(script))
os.chdir(os.path.dirname(script))
if mode == "--list":
    module = runpy.run_path(script, run_name="suite")
    print("\n".join(unittest.TestLoader().getTestCaseNames(module["Test"])))
    sys.exit(0)

outcome = {"value": "ERROR"}

class Recorder(unittest.TextTestResult):
    def addSuccess(self, test):
        super().addSuccess(test)
        outcome["value"] = "pass"

    def addFailure(self, test, err):
        super().addFailure(test, err)
        outcome["value"] = "FAIL"

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        outcome["value"] = "skip"

main = unittest.main
def only_this_test(*args, **kwargs):
    runner = unittest.TextTestRunner(resultclass=Recorder, verbosity=2)
    main(*args, argv=[script, "Test." + mode], testRunner=runner, exit=False, **kwargs)
unittest.main = only_this_test
sys.argv = [script, "--hostname=127.0.0.1", "-p", port]
try:
    runpy.run_path(script, run_name="__main__")
except SystemExit:
    pass
print("OUTCOME", outcome["value"])
sys.stdout.flush()
os._exit(0)
EOF

suite_file() { [[ $1 == v5 ]] && echo "$suite/client_test5.py" || echo "$suite/client_test.py"; }

# run_pass SUITE TARGET PORT: one line "test outcome" per test into $work/SUITE-TARGET.
run_pass() {
    local name="$1" target="$2" port="$3" file test outcome rc
    file="$(suite_file "$name")"
    : > "$work/$name-$target"
    while read -r test; do
        [[ $test =~ $only ]] || continue
        rc=0
        timeout -k 5 "$per_test" python3 "$work/run_one.py" "$file" "$test" "$port" \
            > "$logs/$name-$target-$test.log" 2>&1 || rc=$?
        outcome="$(sed -n 's/^OUTCOME //p' "$logs/$name-$target-$test.log")"
        [[ -n $outcome ]] || { [[ $rc == 124 || $rc == 137 ]] && outcome=TIMEOUT || outcome=ERROR; }
        echo "$test $outcome" >> "$work/$name-$target"
        printf '  %-8s %-12s %-34s %s\n' "$name" "$target" "$test" "$outcome" >&2
    done < <(python3 "$work/run_one.py" "$file" --list 0)
}

for name in $suites; do
    start_broker
    echo "conformance: $name straight against Mosquitto on $broker_port" >&2
    run_pass "$name" direct "$broker_port"
    stop_all
    start_broker
    start_gateway
    echo "conformance: $name through the gateway on $gateway_port (Mosquitto on $broker_port)" >&2
    run_pass "$name" gateway "$gateway_port"
    stop_all
done

status=0
for name in $suites; do
    echo
    printf '%-34s %-8s %-8s\n' "paho $name" direct gateway
    direct_pass=0 gateway_pass=0 total=0
    while read -r test direct; do
        gateway="$(awk -v t="$test" '$1 == t { print $2 }' "$work/$name-gateway")"
        mark=""
        if [[ $direct == pass && $gateway != pass ]]; then
            mark="  <- worse through the gateway"
            status=1
        elif [[ $direct != pass && $gateway == pass ]]; then
            mark="  <- better through the gateway"
        fi
        printf '%-34s %-8s %-8s%s\n' "$test" "$direct" "${gateway:-?}" "$mark"
        total=$((total + 1))
        [[ $direct == pass ]] && direct_pass=$((direct_pass + 1))
        [[ $gateway == pass ]] && gateway_pass=$((gateway_pass + 1))
    done < "$work/$name-direct"
    printf '%-34s %-8s %-8s\n' "passed" "$direct_pass/$total" "$gateway_pass/$total"
done
exit "$status"
