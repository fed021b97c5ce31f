#!/usr/bin/env bash
# make bench: every benchmark, each comparing bootgate with its peers in the same run.
set -uo pipefail
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
for b in "$here"/tftp_bench.sh "$here"/xdp_prog_cost.sh "$here"/xdp_flood.sh "$here"/dhcp_bench.sh; do
  [ -x "$b" ] || continue
  echo "#### $(basename "$b")"
  "$b" "$BUILD"
done
