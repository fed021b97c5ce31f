#!/usr/bin/env bash
# A real relay agent (ISC dhcrelay) between a client link and bootgate's link: the subnet comes from
# giaddr, replies go back to the relay, option 82 is echoed (dhcrelay -a adds it and checks it), and
# the client gets the remote subnet's address and router.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dhcp_lib.sh"
require_root
require_cmd busybox dhcrelay

SRV=bgd-rs-$$ RLY=bgd-rr-$$ CLI=bgd-rc-$$
netns_add "$SRV"; netns_add "$RLY"; netns_add "$CLI"
veth_pair "$SRV" srv0 "$RLY" up0 10.0.0.1/24 10.0.0.2/24
veth_pair "$RLY" down0 "$CLI" cli0 10.1.0.1/24
ip -n "$SRV" route add 10.1.0.0/24 via 10.0.0.2
set_mac "$CLI" cli0 02:00:00:00:02:01

mkdir -p "$WORK/tftproot"
cat >"$WORK/site.yaml" <<EOF_CFG
tftp: {listen: ["127.0.0.1:0"], root: tftproot}
dhcp:
  enabled: true
  interfaces: [srv0]
  lease_database: leases.db
  subnets:
    - name: local
      network: 10.0.0.0/24
      interface: srv0
      pools: ["10.0.0.100-10.0.0.150"]
    - name: remote
      network: 10.1.0.0/24
      pools: ["10.1.0.100-10.1.0.150"]
      options: {router: [10.1.0.1], dns: [10.1.0.53]}
  boot:
    rules:
      - name: remote-site
        match: {subnet: remote}
        boot_file: remote/boot.img
EOF_CFG
dhcp_start S "$WORK/site.yaml" "$SRV"

# -a: add option 82 (circuit id = the client interface) and require it back in replies.
ip netns exec "$RLY" dhcrelay -4 -d --no-pid -a -id down0 -iu up0 10.0.0.1 >"$WORK/relay.log" 2>&1 &
RELAY_PID=$!
PIDS+=("$RELAY_PID")
check "dhcrelay is up" wait_until 10 grep -q "Sending on" "$WORK/relay.log"

L=$WORK/lease.env
check "udhcpc behind the relay gets a lease" udhcpc_get "$CLI" cli0 "$L"
check "  ... from the relay's subnet" test "$(kv "$L" ip)" = 10.1.0.100
check "  ... with that subnet's router" test "$(kv "$L" router)" = 10.1.0.1
check "  ... and DNS" test "$(kv "$L" dns)" = 10.1.0.53
check "  ... and the subnet's boot rule" test "$(kv "$L" boot_file)" = remote/boot.img
check "  ... server id is bootgate" test "$(kv "$L" serverid)" = 10.0.0.1
check "server saw it through the relay" \
  grep -q "dhcp acked 02:00:00:00:02:01 10.1.0.100 subnet=remote via srv0 relay=10.1.0.1" "$WORK/S.log"
check "dhcrelay forwarded replies back (option 82 matched)" grep -q "Forwarded BOOTREPLY for 02:00:00:00:02:01" "$WORK/relay.log"
check "dhcrelay dropped nothing for a missing agent option" bash -c "! grep -qi 'missing\|discard' '$WORK/relay.log'"

stop_server "$RELAY_PID"
finish
