# Shared helpers for integration tests (sourced). Every test: its own temp dir, servers tracked by
# PID and stopped on exit, bounded waits, and a closing "N passed, N failed" line.
set -uo pipefail

BOOTGATE=${1:?usage: $0 PATH_TO_BOOTGATE}
BOOTGATE=$(cd "$(dirname "$BOOTGATE")" && pwd)/$(basename "$BOOTGATE")
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/bootgate-${TEST_NAME}.XXXXXX")
PASSED=0
FAILED=0
PIDS=()
NETNS=()
CLEANUPS=()

cleanup() {
  local pid ns c
  for c in "${CLEANUPS[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ "$FAILED" -eq 0 ]; then rm -rf "$WORK"; else echo "kept $WORK for inspection"; fi
}
trap cleanup EXIT

pass() { PASSED=$((PASSED + 1)); echo "ok   - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
check() {  # check "description" command...
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
same_file() { [ -f "$2" ] && [ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$(sha256sum <"$2" | cut -d' ' -f1)" ]; }
contains() { grep -q -- "$2" "$1"; }

require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: $TEST_NAME needs root (network namespaces, mounts); run make test as root"
    exit 77
  fi
}
require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null || { echo "SKIP: $TEST_NAME needs '$c' (make test-deps installs it)"; exit 77; }
  done
}

# start_server NAME CONFIG [PREFIX...]: runs `bootgate serve` (under PREFIX, e.g. ip netns exec),
# waits until it logs its TFTP address, sets NAME_PID and NAME_ADDR (host:port).
start_server() {
  local name=$1 config=$2; shift 2
  local log="$WORK/$name.log"
  "$@" "$BOOTGATE" serve --config "$config" >"$log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local addr=""
  for _ in $(seq 100); do
    addr=$(sed -n 's/.*tftp: serving .* on \([^ ]*\) (.*/\1/p' "$log" | head -1)
    [ -n "$addr" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$addr" ]; then
    echo "server $name did not start:"; cat "$log"
    exit 1
  fi
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_ADDR" '%s' "$addr"
}

# stop_server PID: SIGTERM and wait (bounded).
stop_server() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  wait "$pid" 2>/dev/null || true
}

finish() {
  echo "$TEST_NAME: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
  exit $?
}
