# The XDP lab shared by xdp_*_test.sh and bench/xdp_flood.sh (source after lib.sh and netns.sh).
#
#        client ns (eth0, vlan_tag VID) ─┐
#        client ns (eth0, vlan_tag VID) ─┼─ switch ns (bridge br0) ── server ns (trunk0 10.20.0.1/24)
#        ...                             ─┘                              XDP on trunk0 (native), then
#                                                                        vlan_trunk: tc pops/pushes tags
# XDP sees the 802.1Q tags (it runs before tc ingress); tc then folds all VLANs into trunk0 so the
# socket datapath's UDP sockets get untagged frames, and replies are tagged by the learned VLAN.
#
#   lab_setup                       server + switch namespaces; sets LAB_SRV, LAB_SW, LAB_PIN (pin_dir)
#   lab_client NAME VID IP          a client namespace on VLAN VID with IP/24; sets LAB_<NAME>
#   lab_config FILE ROOT MODE [EXTRA_VLAN_YAML]
#                                   writes bootgate.yaml: TFTP on 10.20.0.1:69 with transfer ports
#                                   50000-50999, xdp MODE (required|optional|off) on trunk0 admitting
#                                   VLAN 10 from 10.20.0.0/25, rate 5/s burst 10 per source (and
#                                   200,000 transfer packets/s: a lock-step veth download runs ~30k/s),
#                                   plus EXTRA_VLAN_YAML (more "- vlan: ..." items)
#                                   With LAB_DHCP=1 also a DHCP server on trunk0 for VLAN 10 (pool
#                                   .100-.150). LAB_TFTP_EXTRA: more lines for the tftp section
#                                   (indented two spaces), e.g. "  datapath: af_xdp". LAB_REQ_RATE
#                                   replaces "requests_per_second: 5, burst: 10".
#   counter NAME                    a counter from `bootgate stats` (e.g. drop.vlan), 0 if absent
#   tftp_fetch NS FILE OUT [SECS]   curl download in NS, bounded by SECS (default 5); curl's status

LAB_SRV="" LAB_SW="" LAB_PIN="" LAB_PORTS=0

lab_setup() {
  LAB_SRV=bgx-srv-$$ LAB_SW=bgx-sw-$$
  netns_add "$LAB_SRV"
  netns_add "$LAB_SW"
  bridge_add "$LAB_SW" br0
  veth_pair "$LAB_SRV" trunk0 "$LAB_SW" p-srv 10.20.0.1/24
  bridge_port "$LAB_SW" br0 p-srv
  vlan_trunk "$LAB_SRV" trunk0
  mount_bpffs
  LAB_PIN=$BPFFS/bootgate
}

lab_client() {
  local name=$1 vid=$2 ip=$3 ns=bgx-$1-$$
  LAB_PORTS=$((LAB_PORTS + 1))
  netns_add "$ns"
  veth_pair "$ns" eth0 "$LAB_SW" "p$LAB_PORTS" "$ip/24"
  bridge_port "$LAB_SW" br0 "p$LAB_PORTS"
  vlan_tag "$ns" eth0 "$vid"
  printf -v "LAB_$name" '%s' "$ns"
}

lab_config() {
  local file=$1 root=$2 mode=$3 extra=${4:-}
  cat >"$file" <<YAML
log: {level: info}
tftp:
  listen: ["10.20.0.1:69"]
  root: $root
  port_range: 50000-50999
  timeout: 1s
  retries: 3
${LAB_TFTP_EXTRA:-}
xdp:
  mode: $mode
  attach: native
  local_addresses: [10.20.0.1]
  interfaces:
    - name: trunk0
      vlans:
        - vlan: 10
          prefixes: [10.20.0.0/25]
$extra
  rate: {${LAB_REQ_RATE:-requests_per_second: 5, burst: 10}, transfer_packets_per_second: 200000, transfer_burst: 50000,
         global_requests_per_second: 2000, global_burst: 4000}
  pin_dir: $LAB_PIN
YAML
  if [ "${LAB_DHCP:-0}" = 1 ]; then
    cat >>"$file" <<YAML
dhcp:
  enabled: true
  interfaces: [trunk0]
  lease_database: $WORK/leases.db
  subnets:
    - name: lab
      vlan: 10
      network: 10.20.0.0/24
      pools: ["10.20.0.100-10.20.0.150"]
      lease_time: 10m
  boot: {default: boot.img}
YAML
  fi
}

counter() {
  "$BOOTGATE" stats --pin-dir "$LAB_PIN" 2>/dev/null | awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }'
}

tftp_fetch() {
  local ns=$1 file=$2 out=$3 secs=${4:-5}
  rm -f "$out"
  timeout $((secs + 5)) ip netns exec "$ns" curl -sS -m "$secs" --tftp-blksize 1468 -o "$out" "tftp://10.20.0.1/$file" \
    2>>"$WORK/curl.err"
}
