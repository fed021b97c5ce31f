#!/usr/bin/env bash
# DHCP benchmark: Kea's perfdhcp against bootgate, dnsmasq and Kea (memfile) in one run, on the same
# veth pair between two network namespaces, every server with durable leases and quiet logs.
#   usage: bench/dhcp_bench.sh PATH_TO_BOOTGATE [SECONDS_PER_RATE (default 10)]
# For each server and offered rate (1000/s, 4000/s, "flood" = 20000/s): achieved DORA exchanges/s,
# drops (DISCOVER-OFFER / REQUEST-ACK) and how many replies perfdhcp's own socket dropped for a full
# receive buffer ("cli ovfl": the load generator's loss, not the server's), average latency, server
# CPU seconds and CPU per 1000 exchanges; then a 5000-client avalanche (perfdhcp --scenario avalanche) and its duration. Each run
# starts the server on an empty lease database. Results as ratios against Kea and dnsmasq at the end.
# perfdhcp runs with -B (broadcast flag), so every server answers by broadcast and none depends on
# how it reaches a client without an address. Needs root. On a 2-core VM perfdhcp itself tops out near 5000 exchanges/s: compare CPU per exchange.
set -uo pipefail
BOOTGATE=${1:?usage: $0 PATH_TO_BOOTGATE [SECONDS]}
BOOTGATE=$(cd "$(dirname "$BOOTGATE")" && pwd)/$(basename "$BOOTGATE")
SECS=${2:-10}
AVALANCHE_LIMIT=${AVALANCHE_LIMIT:-120}
[ "$(id -u)" -eq 0 ] || { echo "dhcp_bench: needs root (network namespaces)"; exit 77; }
for c in perfdhcp kea-dhcp4 dnsmasq; do command -v "$c" >/dev/null || { echo "dhcp_bench: needs $c"; exit 77; }; done

WORK=$(mktemp -d /tmp/bootgate-dhcp-bench.XXXXXX)
SRV=bgd-bs-$$ CLI=bgd-bc-$$
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && stop_server
  ip netns del "$SRV" 2>/dev/null
  ip netns del "$CLI" 2>/dev/null
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
ip netns add "$SRV" && ip netns add "$CLI" || exit 1
ip -n "$SRV" link set lo up
ip link add srv0 netns "$SRV" type veth peer name cli0 netns "$CLI" || exit 1
ip -n "$SRV" addr add 10.0.0.1/16 dev srv0
ip -n "$CLI" addr add 10.0.0.2/16 dev cli0
ip -n "$SRV" link set srv0 up
ip -n "$CLI" link set cli0 up

POOL_FIRST=10.0.1.0 POOL_LAST=10.0.254.255
mkdir -p "$WORK/tftproot"
cat >"$WORK/bootgate.yaml" <<EOF_CFG
log: {level: warn}
tftp: {listen: ["127.0.0.1:0"], root: tftproot}
dhcp:
  enabled: true
  interfaces: [srv0]
  lease_database: leases.db
  subnets:
    - network: 10.0.0.0/16
      pools: ["$POOL_FIRST-$POOL_LAST"]
      options: {router: [10.0.0.1]}
EOF_CFG
cat >"$WORK/kea.json" <<EOF_CFG
{ "Dhcp4": {
  "interfaces-config": { "interfaces": ["srv0"], "dhcp-socket-type": "raw" },
  "lease-database": { "type": "memfile", "persist": true, "name": "$WORK/kea-leases4.csv", "lfc-interval": 0 },
  "valid-lifetime": 3600,
  "subnet4": [ { "id": 1, "subnet": "10.0.0.0/16", "pools": [ { "pool": "$POOL_FIRST - $POOL_LAST" } ],
                 "option-data": [ { "name": "routers", "data": "10.0.0.1" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN", "output_options": [ { "output": "$WORK/kea.log" } ] } ]
} }
EOF_CFG

start_server() {  # NAME: fresh lease database, started in $SRV; waits until UDP 67 is bound
  rm -f "$WORK"/leases.db* "$WORK"/kea-leases4.csv* "$WORK"/dnsmasq.leases
  case $1 in
    bootgate) ip netns exec "$SRV" "$BOOTGATE" serve --config "$WORK/bootgate.yaml" >"$WORK/server.log" 2>&1 & ;;
    kea) KEA_LOCKFILE_DIR=$WORK KEA_PIDFILE_DIR=$WORK ip netns exec "$SRV" kea-dhcp4 -c "$WORK/kea.json" >"$WORK/server.log" 2>&1 & ;;
    dnsmasq) ip netns exec "$SRV" dnsmasq -d -k --port=0 --interface=srv0 --bind-interfaces --dhcp-authoritative \
               --dhcp-range=$POOL_FIRST,$POOL_LAST,255.255.0.0,1h --dhcp-lease-max=100000 --no-ping --quiet-dhcp \
               --dhcp-leasefile="$WORK/dnsmasq.leases" --pid-file="$WORK/dnsmasq.pid" >"$WORK/server.log" 2>&1 & ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 100); do
    ip netns exec "$SRV" ss -ulnp 2>/dev/null | grep ":67 " | grep -q "pid=$SERVER_PID," && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "dhcp_bench: $1 did not start:"; cat "$WORK/server.log"; exit 1
}
stop_server() {
  kill "$SERVER_PID" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
HZ=$(getconf CLK_TCK)
# field OUT NAME: the values of a per-exchange statistic, space separated (DO then RA)
# Datagrams the client namespace's UDP sockets dropped for a full receive buffer: perfdhcp's one
# socket overflowing counts as "drops" that the server did not cause.
client_overflows() {
  ip netns exec "$CLI" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) n[$i] = i; h = 1 } else print $n["RcvbufErrors"] }' /proc/net/snmp
}
field() { sed -n "s/^$2: *\([0-9.]*\).*/\1/p" "$1" | tr '\n' ' ' | sed 's/ $//'; }

declare -A RATE CPU DROPS AVAL
printf '%-9s %-6s %10s %12s %9s %11s %8s %12s\n' server offer "DORA/s" "drops DO/RA" "cli ovfl" "avg RA ms" "CPU s" "CPU ms/1k"
for server in ${SERVERS:-bootgate kea dnsmasq}; do
  for offer in 1000 4000 flood; do
    r=$offer; [ "$offer" = flood ] && r=20000
    start_server "$server"
    t0=$(cpu_ticks)
    o0=$(client_overflows)
    out=$WORK/$server-$offer.txt
    ip netns exec "$CLI" timeout $((SECS + 30)) perfdhcp -4 -B -l cli0 -r "$r" -p "$SECS" -R 60000 -W 1000000 >"$out" 2>&1
    t1=$(cpu_ticks)
    ovfl=$(( $(client_overflows) - o0 ))
    stop_server
    drops=$(field "$out" drops | tr ' ' '/')
    avg=$(field "$out" "avg delay" | awk '{print $2}')
    acks=$(field "$out" "received packets" | awk '{print $2}')
    rate=$(awk -v n="${acks:-0}" -v s="$SECS" 'BEGIN{printf "%.0f", n / s}')  # completed DORAs per second
    cpu=$(awk -v t=$((t1 - t0)) -v hz="$HZ" 'BEGIN{printf "%.2f", t / hz}')
    per=$(awk -v c="$cpu" -v n="${acks:-0}" 'BEGIN{ if (n > 0) printf "%.1f", c * 1000000 / n; else print "-" }')
    RATE[$server,$offer]=${rate:-0}; CPU[$server,$offer]=$per; DROPS[$server,$offer]=$drops
    printf '%-9s %-6s %10s %12s %9s %11s %8s %12s\n' "$server" "$offer" "${rate:--}" "${drops:--}" "$ovfl" "${avg:--}" "$cpu" "$per"
  done
  # 5000 clients at once, each retrying with back-off until answered.
  start_server "$server"
  out=$WORK/$server-avalanche.txt
  t0=$(cpu_ticks)
  ip netns exec "$CLI" timeout "$AVALANCHE_LIMIT" perfdhcp -4 -B -l cli0 --scenario avalanche -R 5000 >"$out" 2>&1
  t1=$(cpu_ticks)
  stop_server
  # "It took 00:00:12.345678 to provision 5000 clients."
  secs=$(sed -n 's/^It took \([0-9]*\):\([0-9]*\):\([0-9.]*\) to provision.*/\1 \2 \3/p' "$out" |
         awk '{printf "%.2f", $1 * 3600 + $2 * 60 + $3}')
  cpu=$(awk -v t=$((t1 - t0)) -v hz="$HZ" 'BEGIN{printf "%.2f", t / hz}')
  AVAL[$server]=${secs:-0}
  printf '%-9s %-6s %10s %12s %9s %11s %8s\n' "$server" "aval." "-" "-" "-" "-" "$cpu" 
  if [ -n "$secs" ]; then printf '          avalanche of 5000 clients: %s s\n' "$secs"
  else printf '          avalanche of 5000 clients: not finished within %s s\n' "$AVALANCHE_LIMIT"; fi
done

set +u  # a server left out with SERVERS=... has no entries: its ratios read n/a
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "ratios (bootgate / other; rate: higher is better, CPU per exchange and avalanche time: lower is better)"
for other in kea dnsmasq; do
  for offer in 1000 4000 flood; do
    printf '  vs %-8s %-6s rate %5s   CPU/exchange %5s\n' "$other" "$offer" \
      "$(ratio "${RATE[bootgate,$offer]}" "${RATE[$other,$offer]}")" "$(ratio "${CPU[bootgate,$offer]}" "${CPU[$other,$offer]}")"
  done
  printf '  vs %-8s avalanche time %5s\n' "$other" "$(ratio "${AVAL[bootgate]}" "${AVAL[$other]}")"
done
