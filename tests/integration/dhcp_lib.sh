# DHCP helpers for integration tests. Source after lib.sh; brings in netns.sh (netns_add, veth_pair,
# wait_until, in_ns, vlan_tag).
#
#   dhcp_start NAME CONFIG NS   bootgate serve in NS (start_server from lib.sh), then waits until the
#                               DHCP service logs that it serves; NAME_PID, NAME_ADDR as start_server.
#   udhcpc_get NS IFACE OUT [ARGS...]
#                               busybox udhcpc on IFACE (bounded: 6 DISCOVERs 1 s apart, 30 s overall);
#                               on a lease its script writes ip, router, dns, boot_file, siaddr, ... as
#                               KEY=VALUE lines to OUT. Extra ARGS go to udhcpc (-R, -x, -V ...).
#                               With UDHCPC_CONFIGURE=1 the script also puts the address on IFACE.
#   kv FILE KEY                 the value of KEY=VALUE in FILE.
#   dhclient_get NS IFACE LEASEFILE
#                               ISC dhclient in the foreground until LEASEFILE holds a lease (30 s at
#                               most), then stopped by PID. It never configures the interface or
#                               touches resolv.conf (its script is /bin/true).
#   set_mac NS IFACE MAC        gives a client interface another MAC (another client).
#   qemu_pxe_boot NS MAC        QEMU (TCG, SeaBIOS + iPXE ROM) booting from the network on tap0 in NS,
#                               in the background for at most 200 s; QEMU_PID, console in
#                               $WORK/qemu-MAC.log.
source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

dhcp_start() {
  local name=$1 config=$2 ns=$3
  start_server "$name" "$config" ip netns exec "$ns"
  local log="$WORK/$name.log" pid_var="${name}_PID"
  if ! wait_until 10 grep -q "dhcp: serving\|dhcp: proxyDHCP" "$log"; then
    echo "DHCP service $name did not start:"; cat "$log"
    exit 1
  fi
  kill -0 "${!pid_var}" 2>/dev/null || { echo "server $name exited:"; cat "$log"; exit 1; }
}

UDHCPC_SCRIPT=""
udhcpc_get() {
  local ns=$1 ifc=$2 out=$3; shift 3
  if [ -z "$UDHCPC_SCRIPT" ]; then
    UDHCPC_SCRIPT=$WORK/udhcpc.script
    cat >"$UDHCPC_SCRIPT" <<'SCRIPT'
#!/bin/sh
# Records the lease; configures nothing.
case "$1" in
  bound|renew)
    for k in ip subnet router dns domain boot_file siaddr serverid lease hostname sname broadcast mtu; do
      eval "v=\${$k-}"
      if [ -n "$v" ]; then echo "$k=$v"; fi
    done >"$UDHCPC_OUT.tmp"
    mv "$UDHCPC_OUT.tmp" "$UDHCPC_OUT"
    # Only when asked (a client that must unicast, e.g. RELEASE): the address, inside the test's netns.
    if [ -n "${UDHCPC_CONFIGURE:-}" ]; then ip addr replace "$ip/${mask:-24}" dev "$interface"; fi
    ;;
esac
exit 0
SCRIPT
    chmod +x "$UDHCPC_SCRIPT"
  fi
  rm -f "$out"
  UDHCPC_OUT=$out timeout 30 ip netns exec "$ns" busybox udhcpc -f -q -n -t 6 -T 1 -A 1 -i "$ifc" \
    -s "$UDHCPC_SCRIPT" "$@" >>"$WORK/udhcpc.log" 2>&1
  [ -s "$out" ]
}

kv() { sed -n "s/^$2=//p" "$1" | head -1; }

dhclient_get() {
  local ns=$1 ifc=$2 lease=$3
  rm -f "$lease"
  ip netns exec "$ns" dhclient -4 -d -1 -v -lf "$lease" -pf "$WORK/dhclient.$ifc.pid" -sf /bin/true "$ifc" \
    >>"$WORK/dhclient.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local ok=1
  wait_until 30 grep -qs "fixed-address" "$lease" && ok=0
  stop_server "$pid"
  return $ok
}

set_mac() { ip -n "$1" link set dev "$2" address "$3"; }

qemu_pxe_boot() {
  ip netns exec "$1" timeout 200 qemu-system-x86_64 -accel tcg -m 128 -nographic -no-reboot -boot n \
    -netdev tap,id=net0,ifname=tap0,script=no,downscript=no \
    -device e1000,netdev=net0,mac="$2" >"$WORK/qemu-$2.log" 2>&1 </dev/null &
  QEMU_PID=$!
  PIDS+=("$QEMU_PID")
}
