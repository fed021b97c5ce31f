#!/usr/bin/env bash
# Under a UDP flood to port 69, how long does an allowed client's download take? bootgate with XDP,
# bootgate without XDP, dnsmasq and tftpd-hpa, each as a ratio to its own unflooded time, in ONE run
# on the XDP lab of tests/integration (tagged clients on a bridge, server on a trunk veth). Then the
# XDP program's per-packet cost (bench/xdp_prog_cost.sh).
#   bench/xdp_flood.sh BUILD_DIR [FILE_MIB] [REPS]
# The flood: two senders (tests/integration/xdp_flood.py, RRQs to 10.20.0.1:69, as fast as Python
# goes), one from a disallowed VLAN, one from an allowed source far above its rate, for the length
# of each flooded download (at most 40 s). Server and client are pinned to CPU 0, the senders to CPU 1.
# Every veth has 2 queues unless VETH_QUEUES says otherwise (see below). SERVERS="..." picks servers.
set -uo pipefail
BUILD=${1:?usage: $0 BUILD_DIR [FILE_MIB] [REPS]}
MIB=${2:-16}
REPS=${3:-3}
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
TESTS=$HERE/../tests/integration
[ "$(id -u)" -eq 0 ] || { echo "xdp_flood.sh: needs root (network namespaces, XDP)"; exit 1; }
for c in curl dnsmasq python3 taskset bc; do command -v $c >/dev/null || { echo "xdp_flood.sh: missing $c"; exit 1; }; done

set -- "$BUILD/bootgate"
# shellcheck source=../tests/integration/lib.sh
source "$TESTS/lib.sh"
source "$TESTS/netns.sh"
source "$TESTS/xdp_lab.sh"
require_vlan_tag
FLOOD="python3 $TESTS/xdp_flood.py"

# tftpd-hpa conflicts with atftpd as a package: unpacked (not installed) into a folder of our own.
HPA=$BUILD/bench-tools/tftpd-hpa
if ! [ -x "$HPA/usr/sbin/in.tftpd" ]; then
  mkdir -p "$HPA" && (cd "$HPA" && apt-get download tftpd-hpa >/dev/null 2>&1 && dpkg -x tftpd-hpa_*.deb .)
fi
[ -x "$HPA/usr/sbin/in.tftpd" ] || echo "xdp_flood.sh: could not unpack tftpd-hpa; skipping it"

# Files on tmpfs: the VM drops idle page cache.
ROOT=$(mktemp -d /dev/shm/bootgate-xdp-flood.XXXXXX)
CLEANUPS+=("rm -rf '$ROOT'")
chmod 755 "$ROOT"
head -c $((MIB << 20)) /dev/urandom >"$ROOT/big.img"
chmod 644 "$ROOT/big.img"

# Two queues per veth by default, as a NIC with RSS would have: with one, the download's ACKs share a
# ring and a NAPI poll with the flood. VETH_QUEUES= (empty) measures the single-queue lab.
VETH_QUEUES=${VETH_QUEUES-numtxqueues 2 numrxqueues 2}
lab_setup
lab_client ok 10 10.20.0.10
lab_client bad 20 10.20.0.20
lab_client greedy 10 10.20.0.11

SERVER_PID=""
start() {  # start NAME
  local S="ip netns exec $LAB_SRV taskset -c 0"
  case $1 in
    bootgate-xdp | bootgate-noxdp)
      local mode=required
      [ "$1" = bootgate-noxdp ] && mode=off
      lab_config "$WORK/$1.yaml" "$ROOT" "$mode"
      sed -i 's/level: info/level: warn/' "$WORK/$1.yaml"
      $S "$BOOTGATE" serve --config "$WORK/$1.yaml" >"$WORK/$1.log" 2>&1 & ;;
    dnsmasq)
      $S dnsmasq -d -p 0 --conf-file=/dev/null --enable-tftp --tftp-root="$ROOT" --listen-address=10.20.0.1 \
        --bind-interfaces -u root -g root --tftp-max=5000 --pid-file="$WORK/dnsmasq.pid" >"$WORK/$1.log" 2>&1 & ;;
    tftpd-hpa)
      $S "$HPA/usr/sbin/in.tftpd" -L -a 10.20.0.1:69 -s "$ROOT" -u root >"$WORK/$1.log" 2>&1 & ;;
  esac
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  # Ready when a download works.
  wait_until 10 fetch >/dev/null || { echo "$1 did not start:"; cat "$WORK/$1.log"; return 1; }
}

fetch() {  # prints the seconds a download took, or "fail"
  local t0 t1
  rm -f "$WORK/out.img"
  t0=$(date +%s.%N)
  if ip netns exec "$LAB_ok" taskset -c 0 curl -sS -m 40 --tftp-blksize 1468 -o "$WORK/out.img" \
    tftp://10.20.0.1/big.img 2>>"$WORK/curl.err" && same_file "$ROOT/big.img" "$WORK/out.img"; then
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc
  else
    echo fail
    return 1
  fi
}

FLOOD_PIDS=()
flood_on() {
  : >"$WORK/flood.txt"
  for ns in "$LAB_bad" "$LAB_greedy"; do
    timeout 60 ip netns exec "$ns" taskset -c 1 $FLOOD 10.20.0.1 69 --count 50000000 --seconds 40 >>"$WORK/flood.txt" 2>&1 &
    FLOOD_PIDS+=($!)
    PIDS+=($!)
  done
  # Both senders running (Python starts slowly on a busy machine), then a moment to reach full rate.
  wait_until 20 bash -c "[ \$(grep -c '^flooding' '$WORK/flood.txt') -ge 2 ]" || echo "flood senders slow to start" >&2
  sleep 0.5
}
flood_off() {
  local p
  for p in "${FLOOD_PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
  for p in "${FLOOD_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  FLOOD_PIDS=()
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "fail"; else print v[int((NR + 1) / 2)] }'; }

if [ -z "${SERVERS:-}" ]; then
  SERVERS="bootgate-xdp bootgate-noxdp dnsmasq"
  [ -x "$HPA/usr/sbin/in.tftpd" ] && SERVERS="$SERVERS tftpd-hpa"
fi
declare -A CLEAN FLOODED FAILED DROPRATE SENDRATE
for name in $SERVERS; do
  echo "== $name" >&2
  start "$name" || continue
  clean=() flooded=() rates=() sends=()
  for _ in $(seq "$REPS"); do
    clean+=("$(fetch)")
    d0=$(counter verdict.drop)
    t0=$(date +%s.%N)
    flood_on
    flooded+=("$(fetch)")
    t1=$(date +%s.%N)
    d1=$(counter verdict.drop)
    flood_off
    sends+=("$(sed -n 's/.*(\([0-9]*\) pps).*/\1/p' "$WORK/flood.txt" | awk '{ s += $1 } END { print s + 0 }')")
    [ "$name" = bootgate-xdp ] && rates+=("$(echo "($d1 - $d0) / ($t1 - $t0)" | bc)")
  done
  stop_server "$SERVER_PID"
  CLEAN[$name]=$(printf '%s\n' "${clean[@]}" | grep -v fail | median)
  FLOODED[$name]=$(printf '%s\n' "${flooded[@]}" | grep -v fail | median)
  FAILED[$name]="$(printf '%s\n' "${flooded[@]}" | grep -c fail)/$REPS"
  SENDRATE[$name]=$(printf '%s\n' "${sends[@]}" | median)
  DROPRATE[$name]=$([ ${#rates[@]} -gt 0 ] && printf '%s\n' "${rates[@]}" | median || echo -)
done

secs() { [[ $1 =~ ^[0-9.]+$ ]] && printf '%.2f' "$1" || printf '%s' "$1"; }
echo
echo "Allowed client's ${MIB} MiB download (curl, blksize 1468, 40 s limit), median of $REPS, one run."
echo "Flood: 2 senders (disallowed VLAN + allowed source over its rate), TFTP RRQs to port 69."
echo "'flooded' is the median of the downloads that completed; 'failed' counts those that did not."
echo "veth queues: ${VETH_QUEUES:-1 (default veth)}"
printf '%-15s %9s %11s %7s %7s %15s %14s\n' server "clean s" "flooded s" ratio failed "flood sent/s" "XDP drops/s"
for name in $SERVERS; do
  c=${CLEAN[$name]:-fail} f=${FLOODED[$name]:-fail}
  ratio=-
  if [[ $c =~ ^[0-9.]+$ ]] && [[ $f =~ ^[0-9.]+$ ]]; then ratio=$(printf '%.2fx' "$(echo "scale=4; $f / $c" | bc)"); fi
  printf '%-15s %9s %11s %7s %7s %15s %14s\n' "$name" "$(secs "$c")" "$(secs "$f")" "$ratio" "${FAILED[$name]:--}" \
    "${SENDRATE[$name]:--}" "${DROPRATE[$name]:--}"
done
echo
echo "Per-packet cost of the XDP program (BPF_PROG_TEST_RUN):"
"$HERE/xdp_prog_cost.sh" "$BUILD" 1000000
