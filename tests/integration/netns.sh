# Network namespace helpers for integration tests. Source after lib.sh (uses WORK, NETNS, CLEANUPS).
#
#   netns_add NAME               create netns NAME (lo up); deleted by lib.sh's cleanup. Give names
#                                a per-run suffix ($$) so parallel tests cannot collide.
#   veth_pair NS_A IF_A NS_B IF_B [IP_A/LEN] [IP_B/LEN]
#                                veth created directly inside both namespaces (no host-side name),
#                                up, VLAN offloads off on both ends (see below), optional addresses.
#                                VETH_QUEUES="numtxqueues 2 numrxqueues 2" gives both ends 2 queues.
#   bridge_add NS BR             a bridge in NS (this kernel has no bridge VLAN filtering: it forwards
#                                tagged frames as they are).
#   bridge_port NS BR IF         enslave IF to BR.
#   vlan_tag NS IFACE VID [INNER_VID]
#                                IFACE becomes an access port on VLAN VID (QinQ with INNER_VID: outer
#                                802.1ad VID, inner 802.1Q INNER_VID): egress tags every frame; ingress
#                                pops that exact tag stack, DROPS frames tagged with anything else and
#                                passes untagged frames (native VLAN).
#   vlan_trunk NS IFACE [DEFAULT_VID]
#                                IFACE behaves like a set of VLAN sub-interfaces folded into one: ingress
#                                pops any tag stack and learns it per source MAC; egress tags by the
#                                learned stack of the destination MAC, broadcasts/unknown with
#                                DEFAULT_VID (default 0: untagged). For servers on a trunk: XDP on IFACE
#                                still sees the tags because it runs before tc ingress.
#   mount_bpffs [DIR]            mount a private bpffs at DIR (default a fresh /tmp/bootgate-bpffs-XXXXXXXX:
#                                libbpf turns '.' into '_' in pin paths, so no dots), unmounted at exit;
#                                sets BPFFS. `ip netns exec` remounts /sys, so a bpffs mounted inside
#                                one `ip netns exec` is gone for the next; one mounted here, outside
#                                /sys, is seen by every process of the test in every namespace. Use
#                                "$BPFFS/NAME" as bootgate's xdp.pin_dir so `bootgate stats` finds it.
#   require_vlan_tag             skip (77) unless the tagging object and tc/bpftool/ethtool exist.
#   wait_until SECONDS CMD...    poll CMD every 0.1 s until it succeeds; fails after SECONDS.
#   in_ns NS CMD...              ip netns exec NS CMD...
#
# Tagging needs no 802.1Q module: a tc clsact program pushes/pops the tags (vlan_tag.bpf.c, built by
# CMake; its path comes in VLAN_TAG_BPF_OBJ, else it is looked up in the build tree of $BOOTGATE). It
# is loaded once per port with bpftool into the private bpffs, configured through its vtag_cfg map
# BEFORE it is attached (no untagged window), attached with `tc ... object-pinned`, and unpinned again
# (tc keeps it alive). Calling vlan_tag/vlan_trunk again on a port replaces its programs.
#
# VLAN offload: a veth with tx VLAN offload on keeps a pushed tag as skb metadata, and the peer's XDP
# program never sees it in the frame. veth_pair turns tx and rx VLAN offload (802.1Q and 802.1ad) off
# on both ends, so every hop (client → bridge → server) carries the tag inside the frame.

# ctest passes the object; run by hand, look for it in the build tree next to the bootgate binary.
VLAN_TAG_BPF_OBJ=${VLAN_TAG_BPF_OBJ:-$(dirname "$BOOTGATE")/tests/integration/vlan_tag.bpf.o}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

netns_add() {
  local ns=$1
  ip netns add "$ns" || { echo "netns_add: cannot create $ns"; exit 1; }
  NETNS+=("$ns")
  ip -n "$ns" link set lo up
}

vlan_offload_off() {  # NS IFACE
  ip netns exec "$1" ethtool -K "$2" txvlan off rxvlan off tx-vlan-stag-hw-insert off rx-vlan-stag-hw-parse off \
    >/dev/null 2>&1 || ip netns exec "$1" ethtool -K "$2" txvlan off >/dev/null 2>&1
}

veth_pair() {
  local ns_a=$1 if_a=$2 ns_b=$3 if_b=$4 ip_a=${5:-} ip_b=${6:-}
  # shellcheck disable=SC2086  # VETH_QUEUES: optional "numtxqueues N numrxqueues N" for both ends
  ip link add "$if_a" ${VETH_QUEUES:-} netns "$ns_a" type veth peer name "$if_b" ${VETH_QUEUES:-} netns "$ns_b" ||
    { echo "veth_pair: cannot create $ns_a/$if_a <-> $ns_b/$if_b"; exit 1; }
  vlan_offload_off "$ns_a" "$if_a"
  vlan_offload_off "$ns_b" "$if_b"
  [ -n "$ip_a" ] && ip -n "$ns_a" addr add "$ip_a" dev "$if_a"
  [ -n "$ip_b" ] && ip -n "$ns_b" addr add "$ip_b" dev "$if_b"
  ip -n "$ns_a" link set "$if_a" up
  ip -n "$ns_b" link set "$if_b" up
}

bridge_add() {
  ip -n "$1" link add "$2" type bridge || { echo "bridge_add: cannot create $2 in $1"; exit 1; }
  ip -n "$1" link set "$2" up
}

bridge_port() { ip -n "$1" link set "$3" master "$2"; }

BPFFS=${BPFFS:-}
mount_bpffs() {
  local dir=${1:-}
  # libbpf turns '.' into '_' in pin paths, and $WORK has a dot: default to a dot-free directory.
  [ -n "$dir" ] || dir=$(mktemp -d /tmp/bootgate-bpffs-XXXXXXXX)
  if [ "$(stat -f -c %T "$dir" 2>/dev/null)" != "bpf_fs" ]; then
    mkdir -p "$dir"
    mount -t bpf bpf "$dir" || { echo "mount_bpffs: cannot mount bpffs at $dir"; exit 1; }
    CLEANUPS+=("umount -l '$dir'; rmdir '$dir'")
  fi
  BPFFS=$dir
}

require_vlan_tag() {
  require_cmd tc bpftool ethtool
  if [ -z "$VLAN_TAG_BPF_OBJ" ] || [ ! -f "$VLAN_TAG_BPF_OBJ" ]; then
    echo "SKIP: $TEST_NAME needs VLAN_TAG_BPF_OBJ (built with -DBOOTGATE_BPF=ON; ctest sets it)"
    exit 77
  fi
}

# Little-endian bytes of vtag_cfg {u16 vid; u16 inner_vid; u8 mode; u8 pad[3]} for bpftool.
vtag_cfg_bytes() {
  local vid=$1 inner=$2 mode=$3
  printf '%d %d %d %d %d 0 0 0' $((vid & 255)) $((vid >> 8)) $((inner & 255)) $((inner >> 8)) "$mode"
}

# vtag_attach NS IFACE MODE VID INNER_VID
vtag_attach() {
  local ns=$1 ifc=$2 mode=$3 vid=$4 inner=$5
  [ -n "$BPFFS" ] || mount_bpffs
  local dir="$BPFFS/vtag-$ns-$ifc"
  rm -rf "$dir" "$dir-maps"
  mkdir "$dir-maps"
  bpftool prog loadall "$VLAN_TAG_BPF_OBJ" "$dir" type classifier pinmaps "$dir-maps" ||
    { echo "vlan: cannot load $VLAN_TAG_BPF_OBJ"; exit 1; }
  # shellcheck disable=SC2046  # the bytes are separate arguments
  bpftool map update pinned "$dir-maps/vtag_cfg" key 0 0 0 0 value $(vtag_cfg_bytes "$vid" "$inner" "$mode") ||
    { echo "vlan: cannot configure $ns/$ifc"; exit 1; }
  vlan_offload_off "$ns" "$ifc"
  ip netns exec "$ns" tc qdisc replace dev "$ifc" clsact &&
    ip netns exec "$ns" tc filter replace dev "$ifc" egress pref 1 handle 1 bpf da object-pinned "$dir/vlan_egress" &&
    ip netns exec "$ns" tc filter replace dev "$ifc" ingress pref 1 handle 1 bpf da object-pinned "$dir/vlan_ingress" ||
    { echo "vlan: cannot attach to $ns/$ifc"; exit 1; }
  rm -rf "$dir" "$dir-maps"  # tc holds the programs, the programs hold the maps
}

vlan_tag() {
  local vid=$3 inner=${4:-0}
  if [ "$vid" -lt 1 ] || [ "$vid" -gt 4094 ] || [ "$inner" -lt 0 ] || [ "$inner" -gt 4094 ]; then
    echo "vlan_tag: VID out of range: $vid $inner"; exit 1
  fi
  vtag_attach "$1" "$2" 0 "$vid" "$inner"
}

vlan_trunk() { vtag_attach "$1" "$2" 1 "${3:-0}" 0; }

wait_until() {
  local secs=$1; shift
  local tries=$((secs * 10))
  for _ in $(seq "$tries"); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
