#!/usr/bin/env bash
# Self-test of netns.sh's VLAN tagging (vlan_tag.bpf.c): two hosts behind a bridge ping each other on
# VLAN 10, the frames on the wire carry the 802.1Q tag, a VID mismatch isolates them, a trunk port
# learns tags per MAC, and QinQ (802.1ad outer + 802.1Q inner) reaches a trunk.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
require_root
require_cmd tcpdump busybox
require_vlan_tag

A=bgvt-a-$$ B=bgvt-b-$$ SW=bgvt-sw-$$
netns_add "$A"; netns_add "$B"; netns_add "$SW"
bridge_add "$SW" br0
veth_pair "$A" eth0 "$SW" pa 10.9.0.1/24
veth_pair "$B" eth0 "$SW" pb 10.9.0.2/24
bridge_port "$SW" br0 pa
bridge_port "$SW" br0 pb
vlan_tag "$A" eth0 10
vlan_tag "$B" eth0 10

ping_b() { in_ns "$A" busybox ping -c 2 -W 2 10.9.0.2 >/dev/null 2>&1; }
# capture N: what the bridge port of A sees (at most 40 frames, 10 s) while A pings B; prints the
# ICMP lines. No BPF filter: "vlan" in a tcpdump filter shifts the offsets of everything after it.
capture() {
  local out=$WORK/cap$1.txt
  # `ip netns exec` directly, so killing $pid stops tcpdump itself; immediate mode prints each frame
  # as it arrives rather than when a capture buffer fills.
  ip netns exec "$SW" timeout 10 tcpdump -i pa -e -nn -c 40 -l --immediate-mode >"$out" 2>/dev/null &
  local pid=$!
  PIDS+=("$pid")
  sleep 0.5  # tcpdump has no "ready" signal; a late start only costs the ping's retries below
  ping_b
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  grep ICMP "$out"
}

check "ping across VLAN 10" ping_b
capture 1 | tee "$WORK/tags1.txt" | head -2
check "frames on the wire carry 802.1Q tag 10" grep -q 'ethertype 802.1Q (0x8100).*vlan 10,.*ICMP echo' "$WORK/tags1.txt"
vlan_tag "$B" eth0 20
check "VID mismatch (10 vs 20): no ping" bash -c "! ip netns exec $A busybox ping -c 2 -W 1 10.9.0.2 >/dev/null 2>&1"
vlan_trunk "$B" eth0
check "trunk port learns VLAN 10 from A and replies tagged" ping_b
vlan_tag "$A" eth0 100 20
check "QinQ 100.20 to a trunk port" ping_b
capture 2 | tee "$WORK/tags2.txt" | head -2
check "QinQ frames: 802.1ad outer 100, 802.1Q inner 20" grep -q '802.1Q-QinQ (0x88a8).*vlan 100,.*802.1Q (0x8100), vlan 20,' "$WORK/tags2.txt"
check "trunk replies carry the learned QinQ stack" grep -q "10.9.0.2 > 10.9.0.1: ICMP echo reply" "$WORK/tags2.txt"
finish
