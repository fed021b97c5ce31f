#!/usr/bin/env bash
# ProxyDHCP beside another DHCP server: Kea hands out the address, bootgate (mode: proxy, ports 67
# and 4011) only the boot information. A QEMU PXE client (SeaBIOS + iPXE ROM) on the same bridge gets
# its address from Kea and its boot file from bootgate's proxy offer, and fetches the file over
# bootgate's TFTP. A second VM boots after a reload to `proxy_offer: minimal`: the offer carries no
# boot file, so the PXE client asks bootgate on port 4011 (a REQUEST from its Kea address) and gets
# it there.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dhcp_lib.sh"
require_root
require_cmd qemu-system-x86_64 kea-dhcp4
[ -e /dev/net/tun ] || { echo "SKIP: $TEST_NAME needs /dev/net/tun"; exit 77; }

SRV=bgd-xs-$$ KEA=bgd-xk-$$
netns_add "$SRV"; netns_add "$KEA"
bridge_add "$SRV" br0
ip -n "$SRV" addr add 10.0.0.1/24 dev br0
ip -n "$SRV" tuntap add dev tap0 mode tap || { echo "cannot create a tap in $SRV"; exit 1; }
ip -n "$SRV" link set tap0 up
bridge_port "$SRV" br0 tap0
veth_pair "$KEA" kea0 "$SRV" pkea 10.0.0.2/24
bridge_port "$SRV" br0 pkea
VM_MAC=52:54:00:00:06:01

cat >"$WORK/kea.json" <<EOF_CFG
{ "Dhcp4": {
  "interfaces-config": { "interfaces": ["kea0"], "dhcp-socket-type": "raw" },
  "lease-database": { "type": "memfile", "persist": false },
  "valid-lifetime": 600,
  "subnet4": [ { "id": 1, "subnet": "10.0.0.0/24", "pools": [ { "pool": "10.0.0.100 - 10.0.0.150" } ],
                 "option-data": [ { "name": "routers", "data": "10.0.0.1" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "INFO", "output_options": [ { "output": "$WORK/kea.log" } ] } ]
} }
EOF_CFG
KEA_LOCKFILE_DIR=$WORK KEA_PIDFILE_DIR=$WORK ip netns exec "$KEA" kea-dhcp4 -c "$WORK/kea.json" >"$WORK/kea.out" 2>&1 &
PIDS+=("$!")

mkdir -p "$WORK/tftproot"
printf '#!ipxe\necho bootgate: proxyDHCP script\n' >"$WORK/tftproot/boot.ipxe"
cat >"$WORK/site.yaml" <<EOF_CFG
tftp: {listen: ["0.0.0.0:69"], root: tftproot}
dhcp:
  enabled: true
  mode: proxy
  interfaces: [br0]
  lease_database: leases.db
  boot:
    files: {bios: undionly.kpxe}
    ipxe_script: boot.ipxe
EOF_CFG
dhcp_start S "$WORK/site.yaml" "$SRV"
check "proxy mode listens on 67 and 4011" grep -q "dhcp: proxyDHCP on br0 (ports 67,4011)" "$WORK/S.log"
check "Kea is up" wait_until 10 grep -qs "DHCP4_STARTED" "$WORK/kea.log"

qemu_pxe_boot "$SRV" $VM_MAC
check "bootgate sends a proxy offer (no address)" \
  wait_until 150 grep -q "dhcp proxy-offer $VM_MAC .*boot=\"boot.ipxe\"" "$WORK/S.log"
check "Kea leases the address" wait_until 60 grep -q "DHCP4_LEASE_ALLOC.*10.0.0.100" "$WORK/kea.log"
check "bootgate leaves the client's REQUEST to Kea" \
  grep -q "dhcp ignored $VM_MAC .*proxy mode: only DISCOVER on port 67" "$WORK/S.log"
check "the client fetches it over bootgate's TFTP from its Kea address" \
  wait_until 60 grep -q 'tftp RRQ 10.0.0.100:[0-9]* "boot.ipxe" .*outcome=completed' "$WORK/S.log"
check "  ... without asking on port 4011 (the offer named the file)" bash -c "! grep -q 'port 4011' '$WORK/S.log'"
stop_server "$QEMU_PID"

# The PXE two-step: the offer only says PXEClient; the boot file comes over port 4011.
sed -i 's/^  mode: proxy$/  mode: proxy\n  proxy_offer: minimal/' "$WORK/site.yaml"
kill -HUP "$S_PID"
check "reload to proxy_offer: minimal" wait_until 5 grep -q "reload: .* applied" "$WORK/S.log"
VM2_MAC=52:54:00:00:06:02
qemu_pxe_boot "$SRV" $VM2_MAC
check "the offer carries the PXE identity only" \
  wait_until 150 grep -q "dhcp proxy-offer $VM2_MAC .*PXE identity only" "$WORK/S.log"
check "Kea leases the second VM an address" wait_until 60 grep -q "DHCP4_LEASE_ALLOC.*10.0.0.101" "$WORK/kea.log"
check "the client asks bootgate on port 4011 from its Kea address and gets the file" \
  wait_until 60 grep -q "dhcp proxy-ack $VM2_MAC 10.0.0.101 .*boot=\"boot.ipxe\" .*(port 4011)" "$WORK/S.log"
check "  ... and fetches it over TFTP" \
  wait_until 60 grep -q 'tftp RRQ 10.0.0.101:[0-9]* "boot.ipxe" .*outcome=completed' "$WORK/S.log"
check "bootgate handed out no address" bash -c "! grep -q 'dhcp acked\|dhcp offered' '$WORK/S.log'"
stop_server "$QEMU_PID"
[ "$FAILED" -eq 0 ] || { grep "dhcp\|tftp" "$WORK/S.log" | tail -20; tail -20 "$WORK/kea.log"; }
finish
