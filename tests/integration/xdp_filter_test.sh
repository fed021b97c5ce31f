#!/usr/bin/env bash
# The XDP front end as users meet it: `bootgate serve` in a server netns with the program attached
# natively to its trunk veth, tagged clients on a bridge. An allowed client downloads (SHA-256),
# a client in a disallowed VLAN and one from a disallowed prefix get nothing and the matching
# counter rises, ICMP/ARP/TCP still pass, and SIGHUP with a new policy changes the verdicts live.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/xdp_lab.sh"
source "$(dirname "$0")/dhcp_lib.sh"
require_root
require_cmd curl busybox python3 sha256sum
require_vlan_tag

ROOT=$WORK/root
mkdir -p "$ROOT" "$WORK/out"
head -c 2000000 /dev/urandom >"$ROOT/boot.img"

lab_setup
lab_client ok 10 10.20.0.10       # allowed VLAN, allowed prefix
lab_client vlan20 20 10.20.0.20   # VLAN 20: not in the policy
lab_client far 10 10.20.0.200     # allowed VLAN, source outside 10.20.0.0/25

refused() { ! tftp_fetch "$1" boot.img "$2" 3; }  # NS OUT: the download must fail (bounded)

LAB_DHCP=1
lab_config "$WORK/bootgate.yaml" "$ROOT" required
dhcp_start S "$WORK/bootgate.yaml" "$LAB_SRV"
check "XDP attached to trunk0 in native mode" contains "$WORK/S.log" "xdp: attached to trunk0 in native mode"
check "TFTP runs on AF_XDP (tftp.datapath auto)" contains "$WORK/S.log" "tftp: AF_XDP datapath on trunk0"
check "program visible on trunk0" bash -c "ip -n $LAB_SRV link show trunk0 | grep -q 'prog/xdp'"
check "bootgate stats reads the pinned counters" bash -c "'$BOOTGATE' stats --pin-dir '$LAB_PIN' >/dev/null"

# --- admitted -------------------------------------------------------------------------------------
admitted0=$(counter admit.tftp_request)
tftp_fetch "$LAB_ok" boot.img "$WORK/out/ok.img" 20
check "VLAN 10, 10.20.0.10: download matches (SHA-256)" same_file "$ROOT/boot.img" "$WORK/out/ok.img"
check "admit.tftp_request rose" test "$(counter admit.tftp_request)" -gt "$admitted0"
check "admit.tftp_transfer counts the ACKs" test "$(counter admit.tftp_transfer)" -gt 1000
check "vlan.10.admitted counted" test "$(counter vlan.10.admitted)" -gt 0

# --- dropped: VLAN ------------------------------------------------------------------------------------
vlan0=$(counter drop.vlan)
start=$SECONDS
check "VLAN 20 client gets nothing (curl fails)" refused "$LAB_vlan20" "$WORK/out/v20.img"
check "... within a bounded time" test $((SECONDS - start)) -le 10
check "... and no file" test ! -s "$WORK/out/v20.img"
check "drop.vlan rose" test "$(counter drop.vlan)" -gt "$vlan0"
check "vlan.20.drop_vlan counted" test "$(counter vlan.20.drop_vlan)" -gt 0

# --- dropped: prefix ----------------------------------------------------------------------------------
prefix0=$(counter drop.prefix)
check "10.20.0.200 on VLAN 10 gets nothing (curl fails)" refused "$LAB_far" "$WORK/out/far.img"
check "drop.prefix rose" test "$(counter drop.prefix)" -gt "$prefix0"
check "vlan.10.drop_source counted" test "$(counter vlan.10.drop_source)" -gt 0

# --- DHCP: DISCOVER from 0.0.0.0 is admitted by VLAN ---------------------------------------------------
dhcp0=$(counter admit.dhcp_anon)
check "VLAN 10 client gets a DHCP lease (udhcpc)" udhcpc_get "$LAB_ok" eth0 "$WORK/lease-ok.env"
check "  ... from the pool" bash -c "case '$(kv "$WORK/lease-ok.env" ip)' in 10.20.0.1[0-5][0-9]) exit 0;; esac; exit 1"
check "admit.dhcp_anon rose" test "$(counter admit.dhcp_anon)" -gt "$dhcp0"
drops0=$(counter vlan.20.drop_vlan)
no_lease() { ! udhcpc_get "$@"; }
check "VLAN 20 client gets no lease" no_lease "$LAB_vlan20" eth0 "$WORK/lease-v20.env"
check "vlan.20.drop_vlan counts its DISCOVERs" test "$(counter vlan.20.drop_vlan)" -ge $((drops0 + 6))
check "the DHCP service never saw them (dropped at XDP)" bash -c "! grep -q 'vlan=20' '$WORK/S.log'"

# --- not ours: passes untouched -----------------------------------------------------------------------
pass0=$(counter verdict.pass)
check "ICMP: ping through the XDP interface" in_ns "$LAB_ok" busybox ping -c 3 -W 2 10.20.0.1
check "ARP: arping through the XDP interface" in_ns "$LAB_ok" busybox arping -c 2 -w 3 -I eth0 10.20.0.1
check "ICMP from the disallowed VLAN still passes" in_ns "$LAB_vlan20" busybox ping -c 1 -W 2 10.20.0.1
in_ns "$LAB_SRV" timeout 20 busybox nc -l -p 2222 >"$WORK/tcp.txt" 2>/dev/null &
tcp_pid=$!
PIDS+=("$tcp_pid")
send_tcp() { in_ns "$LAB_ok" timeout 3 bash -c 'echo ssh-like-hello >/dev/tcp/10.20.0.1/2222' 2>/dev/null; }
wait_until 5 send_tcp
wait "$tcp_pid" 2>/dev/null
check "TCP (SSH-like) to a listener behind XDP" grep -q ssh-like-hello "$WORK/tcp.txt"
check "verdict.pass counts the non-ours traffic" test "$(counter verdict.pass)" -gt "$pass0"

"$BOOTGATE" stats --pin-dir "$LAB_PIN" >"$WORK/stats.txt"
cat "$WORK/stats.txt"
check "stats output lists drop reasons with help" contains "$WORK/stats.txt" "drop.prefix .* source address not in"

# --- reload: VLAN 20 allowed now ----------------------------------------------------------------------
lab_config "$WORK/bootgate.yaml" "$ROOT" required "        - vlan: 20
          prefixes: [10.20.0.0/25]"
kill -HUP "$S_PID"
check "SIGHUP: reload applied" wait_until 10 contains "$WORK/S.log" "xdp: policy reloaded"
tftp_fetch "$LAB_vlan20" boot.img "$WORK/out/v20b.img" 20
check "after reload: VLAN 20 client downloads (SHA-256)" same_file "$ROOT/boot.img" "$WORK/out/v20b.img"
check "vlan.20.admitted counted" test "$(counter vlan.20.admitted)" -gt 0
check "after reload: 10.20.0.200 still refused" refused "$LAB_far" "$WORK/out/far2.img"

# --- reload back: VLAN 20 refused again ---------------------------------------------------------------
lab_config "$WORK/bootgate.yaml" "$ROOT" required
lines=$(wc -l <"$WORK/S.log")
kill -HUP "$S_PID"
check "SIGHUP again: reload applied" wait_until 10 bash -c "tail -n +$((lines + 1)) $WORK/S.log | grep -q 'xdp: policy reloaded'"
check "after second reload: VLAN 20 refused again" refused "$LAB_vlan20" "$WORK/out/v20c.img"

# --- exit: detached and unpinned ----------------------------------------------------------------------
stop_server "$S_PID"
check "detached on exit" bash -c "! ip -n $LAB_SRV link show trunk0 | grep -q 'prog/xdp'"
check "unpinned on exit" test ! -e "$LAB_PIN/bg_counters"
check "bootgate stats: exit 1 and a clear line when nothing is pinned" \
  bash -c "! '$BOOTGATE' stats --pin-dir '$LAB_PIN' 2>&1 | grep -q 'no counters at'; test \${PIPESTATUS[0]} -eq 1"
finish
