#!/usr/bin/env bash
# 802.1Q: bootgate's port is a trunk (behind a bridge); one client sits on an access port of VLAN 100
# (tc tagging from netns.sh: this kernel has no 802.1Q module), another is untagged. The tagged
# client gets its lease from the VLAN 100 subnet with bootgate's reply tagged back to it; the
# untagged one from the interface's own subnet.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dhcp_lib.sh"
require_root
require_cmd busybox
require_vlan_tag

SRV=bgd-vs-$$ SW=bgd-vw-$$ C1=bgd-v1-$$ C2=bgd-v2-$$
netns_add "$SRV"; netns_add "$SW"; netns_add "$C1"; netns_add "$C2"
bridge_add "$SW" br0
veth_pair "$SRV" srv0 "$SW" psrv 10.0.0.1/24
veth_pair "$C1" cli0 "$SW" p1
veth_pair "$C2" cli0 "$SW" p2
for p in psrv p1 p2; do bridge_port "$SW" br0 "$p"; done
ip -n "$SRV" addr add 10.100.0.1/24 dev srv0
set_mac "$C1" cli0 02:00:00:00:04:01
set_mac "$C2" cli0 02:00:00:00:04:02
vlan_tag "$C1" cli0 100

mkdir -p "$WORK/tftproot"
cat >"$WORK/site.yaml" <<EOF_CFG
tftp: {listen: ["127.0.0.1:0"], root: tftproot}
dhcp:
  enabled: true
  interfaces: [srv0]
  lease_database: leases.db
  subnets:
    - name: native
      network: 10.0.0.0/24
      interface: srv0
      pools: ["10.0.0.100-10.0.0.150"]
      options: {router: [10.0.0.1]}
    - name: lab100
      network: 10.100.0.0/24
      vlan: 100
      server_id: 10.100.0.1
      pools: ["10.100.0.50-10.100.0.99"]
      options: {router: [10.100.0.1]}
  boot:
    rules:
      - name: vlan100
        match: {vlan: 100}
        boot_file: lab100/boot.img
EOF_CFG
dhcp_start S "$WORK/site.yaml" "$SRV"

# What crosses the client's access port: bootgate's replies must carry the tag themselves. DHCP only
# (tagged or not), printed as it arrives; `ip netns exec` directly, so the PID is tcpdump's own.
CAP=$WORK/p1.txt
ip netns exec "$SW" timeout 30 tcpdump -i p1 -e -nn -l --immediate-mode \
  '(udp port 67 or udp port 68) or (vlan and (udp port 67 or udp port 68))' >"$CAP" 2>"$WORK/tcpdump.err" &
TCPDUMP_PID=$!
PIDS+=("$TCPDUMP_PID")
check "tcpdump listens on the client's port" wait_until 10 grep -q "listening on" "$WORK/tcpdump.err"

L=$WORK/lease.env
check "tagged client (VLAN 100) gets a lease" udhcpc_get "$C1" cli0 "$L"
check "  ... from the VLAN 100 subnet" test "$(kv "$L" ip)" = 10.100.0.50
check "  ... with its router" test "$(kv "$L" router)" = 10.100.0.1
check "  ... its server id" test "$(kv "$L" serverid)" = 10.100.0.1
check "  ... and the VLAN's boot rule" test "$(kv "$L" boot_file)" = lab100/boot.img
check "server logged vlan=100" grep -q "dhcp acked 02:00:00:00:04:01 10.100.0.50 subnet=lab100 via srv0 vlan=100" "$WORK/S.log"
check "bootgate's replies reach the port tagged with VLAN 100" wait_until 10 grep -Eq "vlan 100, .*10\.100\.0\.1\.67 > " "$CAP"
stop_server "$TCPDUMP_PID"
check "  ... and no untagged reply does" bash -c "! grep -v 'vlan 100' '$CAP' | grep -q '\.67 > '"
check "untagged client gets a lease" udhcpc_get "$C2" cli0 "$L"
check "  ... from the native subnet" test "$(kv "$L" ip)" = 10.0.0.100
check "  ... no VLAN boot file" test -z "$(kv "$L" boot_file)"
finish
