#!/usr/bin/env bash
# A real PXE client: QEMU (TCG) with SeaBIOS and the iPXE ROM from ipxe-qemu boots from the network
# on a tap in bootgate's namespace. Its firmware gets an address and, being iPXE, the iPXE script
# rather than iPXE again (no chain-load loop); it fetches that file over bootgate's TFTP.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dhcp_lib.sh"
require_root
require_cmd qemu-system-x86_64
[ -e /dev/net/tun ] || { echo "SKIP: $TEST_NAME needs /dev/net/tun"; exit 77; }

SRV=bgd-qs-$$
netns_add "$SRV"
ip -n "$SRV" tuntap add dev tap0 mode tap || { echo "cannot create a tap in $SRV"; exit 1; }
ip -n "$SRV" addr add 10.0.0.1/24 dev tap0
ip -n "$SRV" link set tap0 up
VM_MAC=52:54:00:00:05:01

mkdir -p "$WORK/tftproot"
printf '#!ipxe\necho bootgate: script fetched over TFTP\n' >"$WORK/tftproot/boot.ipxe"
cat >"$WORK/site.yaml" <<EOF_CFG
tftp: {listen: ["0.0.0.0:69"], root: tftproot}
dhcp:
  enabled: true
  interfaces: [tap0]
  lease_database: leases.db
  subnets:
    - name: pxe
      network: 10.0.0.0/24
      pools: ["10.0.0.100-10.0.0.150"]
      options: {router: [10.0.0.1]}
  boot:
    files: {bios: undionly.kpxe, uefi-x64: ipxe.efi}
    ipxe_script: boot.ipxe
EOF_CFG
dhcp_start S "$WORK/site.yaml" "$SRV"

# SeaBIOS runs the NIC's iPXE option ROM (-boot n); no disk, no display, 200 s at most.
qemu_pxe_boot "$SRV" $VM_MAC

check "the VM's firmware gets an address" \
  wait_until 150 grep -q "dhcp acked $VM_MAC 10.0.0.100 subnet=pxe via tap0" "$WORK/S.log"
check "  ... and the iPXE script, chosen because it already runs iPXE" \
  grep -q "dhcp acked $VM_MAC 10.0.0.100 .*boot=\"boot.ipxe\" (ipxe)" "$WORK/S.log"
check "the VM fetches the script over bootgate's TFTP" \
  wait_until 60 grep -q 'tftp RRQ 10.0.0.100:[0-9]* "boot.ipxe" .*outcome=completed' "$WORK/S.log"
stop_server "$QEMU_PID"
[ "$FAILED" -eq 0 ] || { grep -v "^\[" "$WORK/qemu-$VM_MAC.log" | tail -20; }
finish
