#!/usr/bin/env bash
# Kea's perfdhcp (package kea-admin) runs 500 full DORA exchanges from 500 simulated clients at
# 100/s: every DISCOVER gets an OFFER and every REQUEST an ACK, no address is handed out twice,
# nothing is malformed, and all 500 leases are in the database afterwards.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dhcp_lib.sh"
require_root
require_cmd perfdhcp

SRV=bgd-fs-$$ CLI=bgd-fc-$$
netns_add "$SRV"; netns_add "$CLI"
veth_pair "$SRV" srv0 "$CLI" cli0 10.0.0.1/16 10.0.0.2/16

mkdir -p "$WORK/tftproot"
cat >"$WORK/site.yaml" <<EOF_CFG
tftp: {listen: ["127.0.0.1:0"], root: tftproot}
dhcp:
  enabled: true
  interfaces: [srv0]
  lease_database: leases.db
  subnets:
    - network: 10.0.0.0/16
      pools: ["10.0.1.0-10.0.200.255"]
      options: {router: [10.0.0.1]}
EOF_CFG
dhcp_start S "$WORK/site.yaml" "$SRV"

OUT=$WORK/perfdhcp.txt
# -R 500 distinct clients, -n 500 exchanges at -r 100/s, -W: wait 2 s for the last answers.
ip netns exec "$CLI" timeout 60 perfdhcp -4 -l cli0 -r 100 -n 500 -R 500 -p 30 -W 2000000 >"$OUT" 2>&1
check "perfdhcp finished" grep -q "Statistics for: REQUEST-ACK" "$OUT"
# The values of one field, one line per exchange type (DISCOVER-OFFER, REQUEST-ACK).
field() { sed -n "s/^$1: *\([0-9.]*\).*/\1/p" "$OUT" | tr '\n' ' '; }
check "500 DISCOVERs and 500 REQUESTs sent ($(field 'sent packets'))" test "$(field 'sent packets')" = "500 500 "
check "every one answered ($(field 'received packets'))" test "$(field 'received packets')" = "500 500 "
check "no drops ($(field 'drops'))" test "$(field 'drops')" = "0 0 "
check "no rejected leases" test "$(field 'rejected leases')" = "0 0 "
check "no address given twice" test "$(field 'non unique addresses')" = "0 0 "
check "no malformed packets" test "$(field 'Malformed packets')" = "0 "
stop_server "$S_PID"
check "the server logged 500 ACKs" test "$(grep -c "dhcp acked" "$WORK/S.log")" = 500
check "its final count: 1000 frames, 1000 replies, none dropped or withheld" \
  grep -q "dhcp: 1000 frames, 0 malformed, 0 dropped by the kernel (ring full), 1000 replies, 0 send errors, 0 withheld" "$WORK/S.log"
"$BOOTGATE" leases --config "$WORK/site.yaml" >"$WORK/leases.txt"
check "500 leases in the database" grep -q "^500 leases" "$WORK/leases.txt"
check "  ... all bound" test "$(grep -c " bound " "$WORK/leases.txt")" = 500
[ "$FAILED" -eq 0 ] || cat "$OUT"
finish
