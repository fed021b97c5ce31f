#!/usr/bin/env bash
# Real DHCP clients against bootgate in network namespaces: busybox udhcpc and ISC dhclient get a
# lease with the configured options and boot file, a reservation gives its fixed address and
# hostname, the host-inventory plugin (plugins/inventory) picks a listed machine's boot file and
# hostname, RELEASE frees the address, the event hook sees each change, SIGHUP applies new boot
# rules, and `bootgate leases` / `bootgate explain` tell the same story.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dhcp_lib.sh"
require_root
require_cmd busybox dhclient

SRV=bgd-cs-$$ CLI=bgd-cc-$$
netns_add "$SRV"; netns_add "$CLI"
veth_pair "$SRV" srv0 "$CLI" cli0 10.0.0.1/24
set_mac "$CLI" cli0 02:00:00:00:01:01

PLUGIN=$(dirname "$BOOTGATE")/plugins/inventory.so
[ -f "$PLUGIN" ] || { echo "SKIP: $TEST_NAME needs the inventory plugin next to bootgate ($PLUGIN)"; exit 77; }
mkdir -p "$WORK/tftproot"
printf '# mac, boot file, hostname\n02:00:00:00:01:44, inventory/node44.efi, node44\n' >"$WORK/hosts.csv"
cat >"$WORK/hook.sh" <<EOF_HOOK
#!/bin/sh
echo "\$1 \$2 \$3 ip=\$BOOTGATE_IP mac=\$BOOTGATE_MAC subnet=\$BOOTGATE_SUBNET boot=\${BOOTGATE_BOOT_FILE:-} host=\$BOOTGATE_HOSTNAME t=\$(date +%s)" >>"$WORK/hook.log"
EOF_HOOK
chmod +x "$WORK/hook.sh"
cat >"$WORK/site.yaml" <<EOF_CFG
log: {level: info}
tftp: {listen: ["127.0.0.1:0"], root: tftproot}
dhcp:
  enabled: true
  interfaces: [srv0]
  lease_database: leases.db
  min_lease_time: 10s
  options: {dns: [10.0.0.53, 10.0.0.54], domain: lab.example}
  hooks: {program: $WORK/hook.sh}
  plugins:
    - {path: $PLUGIN, config: hosts.csv}
  subnets:
    - name: lan
      network: 10.0.0.0/24
      pools: ["10.0.0.100-10.0.0.150"]
      lease_time: 10m
      options: {router: [10.0.0.1]}
      reservations:
        - {mac: "02:00:00:00:01:22", address: 10.0.0.22, hostname: reserved-box}
  boot:
    default: pxelinux.0
    rules:
      - name: busybox
        match: {vendor_class: udhcp}
        boot_file: busybox/boot.img
EOF_CFG
dhcp_start S "$WORK/site.yaml" "$SRV"

# busybox udhcpc
L=$WORK/udhcpc1.env
check "udhcpc gets a lease" udhcpc_get "$CLI" cli0 "$L"
A1=$(kv "$L" ip)
check "udhcpc: address from the pool ($A1)" test "$A1" = 10.0.0.100
check "udhcpc: router option" test "$(kv "$L" router)" = 10.0.0.1
check "udhcpc: DNS servers" test "$(kv "$L" dns)" = "10.0.0.53 10.0.0.54"
check "udhcpc: domain" test "$(kv "$L" domain)" = lab.example
check "udhcpc: subnet mask" test "$(kv "$L" subnet)" = 255.255.255.0
check "udhcpc: lease time" test "$(kv "$L" lease)" = 600
check "udhcpc: boot file from the vendor-class rule" test "$(kv "$L" boot_file)" = busybox/boot.img
check "udhcpc: next-server is bootgate" test "$(kv "$L" siaddr)" = 10.0.0.1
check "udhcpc: server id" test "$(kv "$L" serverid)" = 10.0.0.1
check "server logs the ACK with MAC, address, subnet and boot file" \
  grep -q 'dhcp acked 02:00:00:00:01:01 10.0.0.100 subnet=lan via srv0 boot="busybox/boot.img"' "$WORK/S.log"

# the same client again: same address
check "udhcpc again keeps its address" udhcpc_get "$CLI" cli0 "$L"
check "  ... 10.0.0.100" test "$(kv "$L" ip)" = 10.0.0.100

# a reservation
set_mac "$CLI" cli0 02:00:00:00:01:22
check "reserved client gets a lease" udhcpc_get "$CLI" cli0 "$L"
check "  ... its reserved address" test "$(kv "$L" ip)" = 10.0.0.22
check "  ... and hostname" test "$(kv "$L" hostname)" = reserved-box

# a machine listed in the inventory plugin: its boot file and hostname, before the YAML rules
set_mac "$CLI" cli0 02:00:00:00:01:44
check "inventory client gets a lease" udhcpc_get "$CLI" cli0 "$L"
check "  ... the inventory's boot file" test "$(kv "$L" boot_file)" = inventory/node44.efi
check "  ... and hostname" test "$(kv "$L" hostname)" = node44
check "server logs the plugin's decision" grep -q 'boot="inventory/node44.efi" (plugin inventory (inventory line 2))' "$WORK/S.log"

# ISC dhclient: another MAC, the default boot file (no rule matches it)
set_mac "$CLI" cli0 02:00:00:00:01:02
DL=$WORK/dhclient.leases
check "dhclient gets a lease" dhclient_get "$CLI" cli0 "$DL"
check "dhclient: fixed-address 10.0.0.102" grep -q "fixed-address 10.0.0.102;" "$DL"
check "dhclient: filename" grep -q 'filename "pxelinux.0";' "$DL"
check "dhclient: routers" grep -q "option routers 10.0.0.1;" "$DL"
check "dhclient: domain-name-servers" grep -q "option domain-name-servers 10.0.0.53,10.0.0.54;" "$DL"
check "dhclient: domain-name" grep -q 'option domain-name "lab.example";' "$DL"

# RELEASE: a udhcpc that stays running gives its address back on SIGUSR2 (a unicast from the
# address, so its script puts the address on the interface)
set_mac "$CLI" cli0 02:00:00:00:01:03
UDHCPC_CONFIGURE=1 UDHCPC_OUT=$L ip netns exec "$CLI" busybox udhcpc -f -t 6 -T 1 -i cli0 -s "$UDHCPC_SCRIPT" \
  >>"$WORK/udhcpc.log" 2>&1 &
U_PID=$!
PIDS+=("$U_PID")
rm -f "$L"
check "a running udhcpc gets a lease" wait_until 15 test -s "$L"
check "  ... 10.0.0.103" test "$(kv "$L" ip)" = 10.0.0.103
rm -f "$L"
kill -USR1 "$U_PID"  # renew now: a unicast REQUEST with ciaddr set
check "it renews" wait_until 10 test -s "$L"
check "server logs the renewal" wait_until 5 grep -q "dhcp acked 02:00:00:00:01:03 10.0.0.103 .*(renewing" "$WORK/S.log"
kill -USR2 "$U_PID"
check "server logs its RELEASE" wait_until 5 grep -q "dhcp released 02:00:00:00:01:03 10.0.0.103" "$WORK/S.log"
stop_server "$U_PID"

# hooks ran, without blocking anything, with the details in the environment
check "hook: granted (udhcpc)" wait_until 5 grep -q "^granted 02:00:00:00:01:01 10.0.0.100 ip=10.0.0.100 mac=02:00:00:00:01:01 subnet=lan boot=busybox/boot.img" "$WORK/hook.log"
check "hook: granted with hostname (reservation)" grep -q "^granted 02:00:00:00:01:22 10.0.0.22 .*host=reserved-box" "$WORK/hook.log"
check "hook: granted (dhclient)" grep -q "^granted 02:00:00:00:01:02 10.0.0.102 .*boot=pxelinux.0" "$WORK/hook.log"
check "hook: renewed" wait_until 5 grep -q "^renewed 02:00:00:00:01:03 10.0.0.103" "$WORK/hook.log"
check "hook: released" wait_until 5 grep -q "^released 02:00:00:00:01:03 10.0.0.103" "$WORK/hook.log"

# SIGHUP: new boot rules apply to the next request, over the same leases
sed -i 's|boot_file: busybox/boot.img|boot_file: busybox/boot2.img|' "$WORK/site.yaml"
kill -HUP "$S_PID"
check "reload applied" wait_until 5 grep -q "reload: .* applied" "$WORK/S.log"
set_mac "$CLI" cli0 02:00:00:00:01:01
check "after SIGHUP the client gets a lease" udhcpc_get "$CLI" cli0 "$L"
check "  ... the same address" test "$(kv "$L" ip)" = 10.0.0.100
check "  ... and the new boot file" test "$(kv "$L" boot_file)" = busybox/boot2.img

# the CLI, read-only while the server runs
"$BOOTGATE" leases --config "$WORK/site.yaml" >"$WORK/leases.txt" 2>&1
check "bootgate leases lists the bound leases" grep -Eq "^10.0.0.100 +02:00:00:00:01:01 +bound" "$WORK/leases.txt"
check "  ... the reservation" grep -Eq "^10.0.0.22 +02:00:00:00:01:22 +bound .*reserved-box" "$WORK/leases.txt"
check "  ... the released one" grep -Eq "^10.0.0.103 +02:00:00:00:01:03 +released" "$WORK/leases.txt"
"$BOOTGATE" explain --config "$WORK/site.yaml" --mac 02:00:00:00:01:01 --interface srv0 >"$WORK/explain.txt" 2>&1
check "bootgate explain: the client's existing address" grep -q "^address:   10.0.0.100" "$WORK/explain.txt"
check "bootgate explain: the boot file and its rule" grep -q "^boot file: pxelinux.0" "$WORK/explain.txt"
"$BOOTGATE" explain --config "$WORK/site.yaml" --mac 02:00:00:00:01:44 >"$WORK/explain3.txt" 2>&1
check "bootgate explain: the plugin's boot file" grep -q "^boot file: inventory/node44.efi" "$WORK/explain3.txt"
check "bootgate explain: ... decided by the plugin" grep -q "^decided by: plugin inventory (inventory line 2)" "$WORK/explain3.txt"
check "bootgate explain: ... and its hostname" grep -q "^hostname:  node44" "$WORK/explain3.txt"
"$BOOTGATE" explain --config "$WORK/site.yaml" --mac 02:00:00:00:01:99 --interface srv0 --arch uefi-x64 >"$WORK/explain2.txt" 2>&1
check "bootgate explain: a new client gets the next free address" grep -q "^address:   10.0.0.104" "$WORK/explain2.txt"

# expiry: a client asks for a 10 s lease (min_lease_time allows it) and leaves without RELEASE;
# the lease runs out, the hook says so, and `leases` shows it expired
set_mac "$CLI" cli0 02:00:00:00:01:05
T0=$(date +%s)
check "a client asking for a 10 s lease gets one" udhcpc_get "$CLI" cli0 "$L" -x lease:10
check "  ... of 10 s" test "$(kv "$L" lease)" = 10
A5=$(kv "$L" ip)
check "hook: expired, once the 10 s are up" wait_until 20 grep -q "^expired 02:00:00:00:01:05 $A5 ip=$A5 .*subnet=lan" "$WORK/hook.log"
T1=$(sed -n "s/^expired 02:00:00:00:01:05 .* t=//p" "$WORK/hook.log" | head -1)
check "  ... not before (after $((${T1:-0} - T0)) s)" test "$((${T1:-0} - T0))" -ge 9
check "  ... and only once" test "$(grep -c '^expired' "$WORK/hook.log")" -eq 1
"$BOOTGATE" leases --config "$WORK/site.yaml" >"$WORK/leases2.txt" 2>&1
check "bootgate leases shows it expired" grep -Eq "^$A5 +02:00:00:00:01:05 +expired" "$WORK/leases2.txt"

stop_server "$S_PID"
check "explain touched no lease" bash -c "'$BOOTGATE' leases --config '$WORK/site.yaml' | grep -q '^6 leases'"
finish
