#!/usr/bin/env bash
# Runs every fuzz target in BUILD for SECONDS each, starting from the seed corpus in tests/fuzz/corpus/NAME.
# A crash, leak or sanitizer report fails the run (libFuzzer exits non-zero).
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR SECONDS}
seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  work=$(mktemp -d)
  seeds=()
  [ -d "$here/corpus/$name" ] && seeds=("$here/corpus/$name")
  echo "fuzz: $name for ${seconds}s"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$work/" "$work" "${seeds[@]}" >"$work/log" 2>&1; then
    grep -E "stat::number_of_executed_units" "$work/log" || true
    passed=$((passed + 1))
    rm -rf "$work"
  else
    tail -40 "$work/log"
    echo "fuzz: $name FAILED (artifacts in $work)"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
