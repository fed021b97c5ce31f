#!/usr/bin/env bash
# Leases are durable: after a clean restart and after kill -9, a client keeps its address and a new
# client never gets an address someone else holds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dhcp_lib.sh"
require_root
require_cmd busybox

SRV=bgd-ps-$$ CLI=bgd-pc-$$
netns_add "$SRV"; netns_add "$CLI"
veth_pair "$SRV" srv0 "$CLI" cli0 10.0.0.1/24

mkdir -p "$WORK/tftproot"
cat >"$WORK/site.yaml" <<EOF_CFG
tftp: {listen: ["127.0.0.1:0"], root: tftproot}
dhcp:
  enabled: true
  interfaces: [srv0]
  lease_database: state/leases.db
  subnets:
    - network: 10.0.0.0/24
      pools: ["10.0.0.100-10.0.0.150"]
EOF_CFG
L=$WORK/lease.env
client() {  # client MAC: prints the address it got
  set_mac "$CLI" cli0 "$1"
  udhcpc_get "$CLI" cli0 "$L" && kv "$L" ip
}

dhcp_start S1 "$WORK/site.yaml" "$SRV"
A=$(client 02:00:00:00:03:0a)
check "client A gets 10.0.0.100" test "$A" = 10.0.0.100
stop_server "$S1_PID"
check "the lease file exists" test -s "$WORK/state/leases.db"

dhcp_start S2 "$WORK/site.yaml" "$SRV"
check "after a restart the server knows 1 lease" grep -q "(1 known)" "$WORK/S2.log"
B=$(client 02:00:00:00:03:0b)
check "client B gets another address ($B)" test "$B" = 10.0.0.101
A2=$(client 02:00:00:00:03:0a)
check "client A gets its address again ($A2)" test "$A2" = 10.0.0.100

# kill -9 right after an ACK: the ACK left only after the lease was committed
C=$(client 02:00:00:00:03:0c)
check "client C gets 10.0.0.102" test "$C" = 10.0.0.102
kill -9 "$S2_PID"
wait "$S2_PID" 2>/dev/null
dhcp_start S3 "$WORK/site.yaml" "$SRV"
check "after kill -9 the server knows 3 leases" grep -q "(3 known)" "$WORK/S3.log"
D=$(client 02:00:00:00:03:0d)
check "client D does not get C's address ($D)" test "$D" = 10.0.0.103
C2=$(client 02:00:00:00:03:0c)
check "client C keeps 10.0.0.102 ($C2)" test "$C2" = 10.0.0.102
stop_server "$S3_PID"
"$BOOTGATE" leases --config "$WORK/site.yaml" >"$WORK/leases.txt"
check "bootgate leases lists all four" grep -q "^4 leases" "$WORK/leases.txt"
finish
