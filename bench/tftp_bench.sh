#!/usr/bin/env bash
# TFTP benchmark: bootgate against dnsmasq, tftpd-hpa and atftpd in ONE run, each server in a network
# namespace reached over veth from a client namespace, files on tmpfs. bootgate runs twice: on kernel
# UDP sockets ("bootgate") and on AF_XDP with its XDP program on the server's veth ("bootgate-xdp").
# Prints MB/s, wall time, server CPU seconds and peak RSS, and bootgate's ratios against each peer.
# Not part of `make test`. SERVERS="bootgate-xdp atftpd" runs a subset.
#   bench/tftp_bench.sh BUILD_DIR [BIG_MIB] [STORM_CLIENTS]
set -uo pipefail
BUILD=${1:-build}
BIG_MIB=${2:-256}
MID_MIB=${MID_MIB:-32}
CLIENTS=${CLIENTS:-200}
STORM=${3:-500}
STORM_MIB=${STORM_MIB:-8}
BOOTGATE=$(cd "$BUILD" && pwd)/bootgate
[ "$(id -u)" -eq 0 ] || { echo "bench needs root (network namespaces)"; exit 1; }
for c in atftp curl iperf3 dnsmasq atftpd taskset; do command -v $c >/dev/null || { echo "missing $c: run make bench-deps"; exit 1; }; done

W=$(mktemp -d /dev/shm/bootgate-bench.XXXXXX)
SRV=bgb-srv-$$
CLI=bgb-cli-$$
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns del $SRV 2>/dev/null; ip netns del $CLI 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT

ip netns add $SRV && ip netns add $CLI
ip link add bgb-s$$ type veth peer name bgb-c$$
ip link set bgb-s$$ netns $SRV && ip link set bgb-c$$ netns $CLI
ip -n $SRV addr add 10.250.0.1/24 dev bgb-s$$ && ip -n $SRV link set bgb-s$$ up && ip -n $SRV link set lo up
ip -n $CLI addr add 10.250.0.2/24 dev bgb-c$$ && ip -n $CLI link set bgb-c$$ up && ip -n $CLI link set lo up
S="ip netns exec $SRV"
C="ip netns exec $CLI"

# tftpd-hpa conflicts with atftpd as a package: unpack it into our own folder.
HPA=$W/hpa
if ! [ -x "$HPA/usr/sbin/in.tftpd" ]; then
  mkdir -p "$HPA" && (cd "$HPA" && apt-get download tftpd-hpa >/dev/null 2>&1 && dpkg -x tftpd-hpa_*.deb .)
fi
[ -x "$HPA/usr/sbin/in.tftpd" ] || { echo "could not unpack tftpd-hpa"; exit 1; }

ROOT=$W/root
mkdir -p "$ROOT" "$W/out"
head -c $((BIG_MIB << 20)) /dev/urandom >"$ROOT/big.bin"
head -c $((MID_MIB << 20)) /dev/urandom >"$ROOT/mid.bin"
head -c $((STORM_MIB << 20)) /dev/urandom >"$ROOT/storm.bin"
BIG_SHA=$(sha256sum <"$ROOT/big.bin" | cut -d' ' -f1)
chmod -R a+rwX "$ROOT"
cat >"$W/bootgate.yaml" <<YAML
log: {level: warn}
tftp:
  listen: ["10.250.0.1:69"]
  root: $ROOT
  max_windowsize: 64
  max_transfers: 5000
  max_transfers_per_client: 5000
YAML
# The same server on the AF_XDP datapath: the program on the server's veth admits the client subnet
# without rate limits (the bench measures the datapath, not the filter) and steers TFTP to AF_XDP.
sed 's/^  max_transfers_per_client: 5000$/&\n  port_range: 61000-64999\n  datapath: af_xdp/' "$W/bootgate.yaml" >"$W/bootgate-xdp.yaml"
cat >>"$W/bootgate-xdp.yaml" <<YAML
xdp:
  mode: required
  attach: native
  interfaces:
    - name: bgb-s$$
      vlans: [{vlan: untagged, prefixes: [10.250.0.0/24]}]
  rate: {requests_per_second: 100000, burst: 100000, transfer_packets_per_second: 0}
  pin_dir: /sys/fs/bpf/bootgate-bench
YAML

# start NAME CPUSET: starts that server in the server namespace inside a fresh cgroup, sets SPID.
start() {
  local name=$1 cpus=$2 d
  CG_DIRS=$(cg_make "$name-$RANDOM")
  CG_CPU=${CG_DIRS%% *}
  CG_MEM=${CG_DIRS##* }
  for d in $CG_DIRS; do echo $BASHPID >"$d/cgroup.procs"; done  # the server inherits it from this shell
  case $name in
    bootgate) $S taskset -c "$cpus" "$BOOTGATE" serve --config "$W/bootgate.yaml" >"$W/$name.log" 2>&1 & ;;
    # A private bpffs for the pinned maps (`ip netns exec` remounts /sys); exec keeps the PID.
    bootgate-xdp) $S sh -c 'mount -t bpf bpf /sys/fs/bpf && exec taskset -c "$1" "$2" serve --config "$3"' sh \
                    "$cpus" "$BOOTGATE" "$W/bootgate-xdp.yaml" >"$W/$name.log" 2>&1 & ;;
    dnsmasq) $S taskset -c "$cpus" dnsmasq -d -p 0 --conf-file=/dev/null --enable-tftp --tftp-root="$ROOT" \
               --listen-address=10.250.0.1 --bind-interfaces -u root -g root --tftp-max=5000 \
               --pid-file="$W/dnsmasq.pid" >"$W/$name.log" 2>&1 & ;;
    tftpd-hpa) $S taskset -c "$cpus" "$HPA/usr/sbin/in.tftpd" -L -a 10.250.0.1:69 -s "$ROOT" -u root >"$W/$name.log" 2>&1 & ;;
    atftpd) $S taskset -c "$cpus" atftpd --daemon --no-fork --port 69 --bind-address 10.250.0.1 --user root.root \
              --maxthread 5000 --logfile /dev/null "$ROOT" >"$W/$name.log" 2>&1 & ;;
  esac
  SPID=$!
  PIDS+=("$SPID")
  # The bench shell itself leaves the cgroup again.
  if [ $CG_V2 = 1 ]; then echo $BASHPID >/sys/fs/cgroup/cgroup.procs
  else echo $BASHPID >/sys/fs/cgroup/cpuacct/cgroup.procs; echo $BASHPID >/sys/fs/cgroup/memory/cgroup.procs; fi
  for _ in $(seq 50); do
    $S ss -lun 2>/dev/null | grep -q '10.250.0.1:69 ' && return 0
    sleep 0.05
  done
  echo "$name did not start"; cat "$W/$name.log"; return 1
}
stop() {
  kill "$SPID" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
  local d p
  for d in $CG_DIRS; do for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done; done
  sleep 0.1
  cg_drop
}
# Each server runs in its own cgroup (v1 cpuacct + memory, or v2), so a server that forks per transfer
# (tftpd-hpa) or uses threads (atftpd) is measured whole: CPU seconds and peak memory.
CG_V2=0
[ -f /sys/fs/cgroup/cgroup.controllers ] && CG_V2=1
cg_make() {  # cg_make NAME -> prints the directories to join
  local n=bgbench-$$-$1
  if [ $CG_V2 = 1 ]; then mkdir -p /sys/fs/cgroup/$n && echo /sys/fs/cgroup/$n
  else mkdir -p /sys/fs/cgroup/cpuacct/$n /sys/fs/cgroup/memory/$n && echo "/sys/fs/cgroup/cpuacct/$n /sys/fs/cgroup/memory/$n"; fi
}
cg_cpu() {  # seconds
  if [ $CG_V2 = 1 ]; then awk '/usage_usec/ {print $2 / 1e6}' "$CG_CPU/cpu.stat"
  else awk '{print $1 / 1e9}' "$CG_CPU/cpuacct.usage"; fi
}
cg_user() {  # user-space seconds: the server's own work, without the kernel's network stack
  if [ $CG_V2 = 1 ]; then awk '/user_usec/ {print $2 / 1e6}' "$CG_CPU/cpu.stat"
  else awk -v hz="$(getconf CLK_TCK)" '/^user/ {print $2 / hz}' "$CG_CPU/cpuacct.stat"; fi
}
cg_mem_kb() {
  if [ $CG_V2 = 1 ]; then awk '{print int($1 / 1024)}' "$CG_MEM/memory.peak" 2>/dev/null || echo 0
  else awk '{print int($1 / 1024)}' "$CG_MEM/memory.max_usage_in_bytes"; fi
}
cg_drop() {
  local d
  for d in $CG_DIRS; do rmdir "$d" 2>/dev/null; done
}
now() { date +%s.%N; }

declare -A R  # results: R[scenario,server,metric]

single() {  # single NAME WINDOW
  local name=$1 win=$2
  local out=$W/out/big.$name.$win
  start "$name" 0 || return
  local c0 t0 t1 c1 opts=(--option "blksize 1468")
  [ "$win" -gt 1 ] && opts+=(--option "windowsize $win")
  c0=$(cg_cpu); u0=$(cg_user); t0=$(now)
  $C taskset -c 0 atftp "${opts[@]}" -g -r big.bin -l "$out" 10.250.0.1 69 >/dev/null 2>&1
  t1=$(now); c1=$(cg_cpu); u1=$(cg_user)
  local ok=1
  [ "$(sha256sum <"$out" | cut -d' ' -f1)" = "$BIG_SHA" ] || ok=0
  rm -f "$out"
  R[w$win,$name,wall]=$(echo "$t1 - $t0" | bc -l)
  R[w$win,$name,mbps]=$(echo "$BIG_MIB * 1.048576 / ($t1 - $t0)" | bc -l)
  R[w$win,$name,cpu]=$(echo "$c1 - $c0" | bc -l)
  R[w$win,$name,user]=$(echo "$u1 - $u0" | bc -l)
  R[w$win,$name,rss]=$(cg_mem_kb)
  R[w$win,$name,ok]=$ok
  stop
}

storm() {  # storm NAME CLIENTS FILE MIB TAG
  local name=$1 n=$2 file=$3 mib=$4
  local tag=$5
  # The server gets CPU 0 to itself and the clients share CPU 1, as an appliance and its clients
  # would: with all on both CPUs the scheduler shares CPU per thread, starving single-threaded
  # servers (bootgate, dnsmasq) among hundreds of local client processes.
  start "$name" 0 || return
  local c0 t0 t1 c1 u0 u1 i fails=0 rss
  c0=$(cg_cpu); u0=$(cg_user); t0=$(now)
  local pids=()
  for i in $(seq "$n"); do
    $C taskset -c 1 curl -s --max-time 180 --tftp-blksize 1468 -o /dev/null -w '%{size_download}\n' "tftp://10.250.0.1/$file" >"$W/out/$tag.$i" 2>/dev/null &
    pids+=($!)
  done
  for i in $(seq "$n"); do
    wait "${pids[$((i - 1))]}" || fails=$((fails + 1))
  done
  t1=$(now); c1=$(cg_cpu); u1=$(cg_user); rss=$(cg_mem_kb)
  for i in $(seq "$n"); do
    [ "$(cat "$W/out/$tag.$i" 2>/dev/null)" = "$((mib << 20))" ] || fails=$((fails + 1))
  done
  R[$tag,$name,wall]=$(echo "$t1 - $t0" | bc -l)
  R[$tag,$name,mbps]=$(echo "$n * $mib * 1.048576 / ($t1 - $t0)" | bc -l)
  R[$tag,$name,cpu]=$(echo "$c1 - $c0" | bc -l)
  R[$tag,$name,user]=$(echo "$u1 - $u0" | bc -l)
  R[$tag,$name,rss]=$rss
  R[$tag,$name,fails]=$fails
  stop
}

echo "== link ceiling: iperf3 UDP, 1472-byte datagrams, pinned to CPU 0 like the single transfers"
$S taskset -c 0 iperf3 -s -1 -B 10.250.0.1 >/dev/null 2>&1 &
PIDS+=($!)
sleep 0.3
IPERF=$($C taskset -c 0 iperf3 -c 10.250.0.1 -u -b 0 -l 1472 -t 5 -J 2>/dev/null |
        python3 -c 'import json,sys; d=json.load(sys.stdin)["end"]["sum"]; print(d["bits_per_second"]*(1-d.get("lost_percent",0)/100)/8e6)')
printf "iperf3 UDP goodput: %.1f MB/s\n" "$IPERF"

read -ra SERVERS <<<"${SERVERS:-bootgate bootgate-xdp atftpd dnsmasq tftpd-hpa}"
# Interleave servers within each scenario so drift hits all alike.
for win in 1 64; do
  echo "== single ${BIG_MIB} MiB download, blksize 1468, windowsize $win (atftp client, client and server on CPU 0)"
  for s in "${SERVERS[@]}"; do single "$s" "$win"; done
done
echo "== $CLIENTS concurrent clients x ${MID_MIB} MiB (curl, blksize 1468; server on CPU 0, clients on CPU 1)"
for s in "${SERVERS[@]}"; do storm "$s" "$CLIENTS" mid.bin "$MID_MIB" c$CLIENTS; done
echo "== $STORM-client storm x ${STORM_MIB} MiB (curl, blksize 1468; server on CPU 0, clients on CPU 1)"
for s in "${SERVERS[@]}"; do storm "$s" "$STORM" storm.bin "$STORM_MIB" c$STORM; done

report() {  # report TAG TITLE
  local tag=$1 s
  printf "\n%s\n%-13s %10s %9s %9s %9s %11s %6s\n" "$2" server "MB/s" "wall s" "cpu s" "user s" "peak mem" "ok"
  for s in "${SERVERS[@]}"; do
    [ -n "${R[$tag,$s,wall]:-}" ] || { printf "%-13s %s\n" "$s" "(did not run)"; continue; }
    local ok=${R[$tag,$s,ok]:-}
    [ -z "$ok" ] && ok="$(( ${R[$tag,$s,fails]} == 0 ? 1 : 0 )) (${R[$tag,$s,fails]} failed)"
    printf "%-13s %10.1f %9.2f %9.2f %9.2f %8d kB %s\n" "$s" "${R[$tag,$s,mbps]}" "${R[$tag,$s,wall]}" "${R[$tag,$s,cpu]}" "${R[$tag,$s,user]}" "${R[$tag,$s,rss]}" "$ok"
  done
  local b p
  for b in bootgate bootgate-xdp; do
    [ -n "${R[$tag,$b,wall]:-}" ] || continue
    for p in "${SERVERS[@]}"; do
      case $p in bootgate*) continue ;; esac
      [ -n "${R[$tag,$p,wall]:-}" ] || continue
      local cpu_ratio="n/a"
      if [ "$(echo "${R[$tag,$p,cpu]} > 0" | bc -l)" = 1 ]; then cpu_ratio=$(printf "%.2f" "$(echo "${R[$tag,$b,cpu]} / ${R[$tag,$p,cpu]}" | bc -l)"); fi
      local user_ratio="n/a"
      if [ "$(echo "${R[$tag,$p,user]} > 0" | bc -l)" = 1 ]; then user_ratio=$(printf "%.2f" "$(echo "${R[$tag,$b,user]} / ${R[$tag,$p,user]}" | bc -l)"); fi
      printf "  %-12s vs %-9s throughput x%.2f   wall x%.2f   cpu x%s   user cpu x%s\n" "$b" "$p" \
        "$(echo "${R[$tag,$b,mbps]} / ${R[$tag,$p,mbps]}" | bc -l)" \
        "$(echo "${R[$tag,$b,wall]} / ${R[$tag,$p,wall]}" | bc -l)" "$cpu_ratio" "$user_ratio"
    done
  done
}
report w1 "single download, windowsize 1"
report w64 "single download, windowsize 64 (dnsmasq and tftpd-hpa do not implement windowsize: they run at window 1)"
for b in bootgate bootgate-xdp; do
  [ -n "${R[w64,$b,mbps]:-}" ] && printf "  %s window 64 vs iperf3 UDP ceiling: %.0f %%\n" "$b" "$(echo "100 * ${R[w64,$b,mbps]} / $IPERF" | bc -l)"
done
report c$CLIENTS "$CLIENTS concurrent downloads"
report c$STORM "$STORM-client storm"
