#!/usr/bin/env bash
# Per-packet cost of each path of the XDP program (BPF_PROG_TEST_RUN repeat/duration).
# Usage: bench/xdp_prog_cost.sh [BUILD_DIR] [REPEAT]   (root; the last line says whether a path exceeded 100 ns)
set -euo pipefail
build=${1:-build}
repeat=${2:-1000000}
bin="$build/tests/bpf/xdp_prog_cost"
if [[ ! -x $bin ]]; then
  echo "xdp_prog_cost.sh: $bin not built (cmake --build $build --target xdp_prog_cost)" >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "xdp_prog_cost.sh: needs root (CAP_BPF); skipped" >&2
  exit 0
fi
exec "$bin" "$repeat"
