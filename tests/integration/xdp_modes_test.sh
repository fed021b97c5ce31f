#!/usr/bin/env bash
# xdp.mode as the operator meets it: `required` refuses to start with one clear line when the program
# cannot be attached, `optional` serves unprotected and says so, a missing transfer port range is
# warned about, and a restart after a crash replaces the stale program.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/xdp_lab.sh"
require_root
require_cmd curl
require_vlan_tag

ROOT=$WORK/root
mkdir -p "$ROOT" "$WORK/out"
head -c 100000 /dev/urandom >"$ROOT/small.img"
lab_setup
lab_client ok 10 10.20.0.10

# required, but the interface does not exist: exit 1 before any socket is opened.
lab_config "$WORK/required.yaml" "$ROOT" required
sed -i 's/- name: trunk0/- name: nope0/' "$WORK/required.yaml"
timeout 20 ip netns exec "$LAB_SRV" "$BOOTGATE" serve --config "$WORK/required.yaml" >"$WORK/required.log" 2>&1
rc=$?
cat "$WORK/required.log"
check "required + missing interface: exit status 1" test "$rc" -eq 1
check "  ... one line naming the interface" grep -q "^bootgate: xdp: .*nope0" "$WORK/required.log"
check "  ... and it never served" bash -c "! grep -q 'tftp: serving' '$WORK/required.log'"

# optional: the same failure is one line, then bootgate serves without protection.
lab_config "$WORK/optional.yaml" "$ROOT" optional
sed -i 's/- name: trunk0/- name: nope0/' "$WORK/optional.yaml"
start_server O "$WORK/optional.yaml" ip netns exec "$LAB_SRV"
check "optional + missing interface: says it runs without XDP protection" \
  grep -q "xdp: .*nope0.* - running without XDP protection" "$WORK/O.log"
tftp_fetch "$LAB_ok" small.img "$WORK/out/o.img" 10
check "  ... and serves (unprotected)" same_file "$ROOT/small.img" "$WORK/out/o.img"
check "  ... with no program on trunk0" bash -c "! ip -n $LAB_SRV link show trunk0 | grep -q 'prog/xdp'"
stop_server "$O_PID"

# No transfer port range anywhere: warned, and downloads still work (transfer packets pass).
lab_config "$WORK/noports.yaml" "$ROOT" required
sed -i '/port_range:/d' "$WORK/noports.yaml"
start_server N "$WORK/noports.yaml" ip netns exec "$LAB_SRV"
check "no transfer port range: warned" grep -q "no TFTP transfer port range" "$WORK/N.log"
check "  ... and TFTP stays on sockets (datapath auto), saying why" \
  grep -q "tftp: socket datapath (no AF_XDP: af_xdp needs tftp.port_range" "$WORK/N.log"
tftp_fetch "$LAB_ok" small.img "$WORK/out/n.img" 10
check "  ... download works, transfer packets passed unfiltered" same_file "$ROOT/small.img" "$WORK/out/n.img"
check "  ... and were not counted as ours" test "$(counter admit.tftp_transfer)" -eq 0
stop_server "$N_PID"

# tftp.port_range becomes the program's transfer range when xdp does not set one.
lab_config "$WORK/derived.yaml" "$ROOT" required
start_server D "$WORK/derived.yaml" ip netns exec "$LAB_SRV"
tftp_fetch "$LAB_ok" small.img "$WORK/out/d.img" 10
check "transfer range from tftp.port_range: download works" same_file "$ROOT/small.img" "$WORK/out/d.img"
check "  ... and its ACKs are admitted as transfer packets" test "$(counter admit.tftp_transfer)" -gt 50

# A crash leaves the program attached (still filtering) and its maps pinned; the next start replaces
# that program instead of stacking a second one, and re-pins fresh counters.
kill -9 "$D_PID"
wait "$D_PID" 2>/dev/null
check "after kill -9: the program stays attached" bash -c "ip -n $LAB_SRV link show trunk0 | grep -q 'prog/xdp'"
start_server R "$WORK/derived.yaml" ip netns exec "$LAB_SRV"
check "restart replaces the stale program" grep -q "attached to trunk0 in native mode (replaced a stale bootgate program)" "$WORK/R.log"
check "  ... with fresh counters" test "$(counter admit.tftp_transfer)" -eq 0
tftp_fetch "$LAB_ok" small.img "$WORK/out/r.img" 10
check "  ... and serves" same_file "$ROOT/small.img" "$WORK/out/r.img"
stop_server "$R_PID"
check "clean exit detaches" bash -c "! ip -n $LAB_SRV link show trunk0 | grep -q 'prog/xdp'"
finish
