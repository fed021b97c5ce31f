#!/usr/bin/env bash
# A flood while an allowed client downloads: RRQs to port 69 from a disallowed VLAN, and from an
# allowed source far above its per-source rate, run from two other namespaces (bounded in count and
# time: at most 40 s; stopped once the download is done). The download must complete with a SHA-256 match while the drop counters rise.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/xdp_lab.sh"
require_root
require_cmd curl python3 sha256sum
require_vlan_tag
FLOOD="python3 $(cd "$(dirname "$0")" && pwd)/xdp_flood.py"

ROOT=$WORK/root
mkdir -p "$ROOT" "$WORK/out"
head -c 32000000 /dev/urandom >"$ROOT/big.img"

lab_setup
lab_client ok 10 10.20.0.10      # the downloader
lab_client bad 20 10.20.0.20     # disallowed VLAN
lab_client greedy 10 10.20.0.11  # allowed, but far above 5 requests/s
lab_config "$WORK/bootgate.yaml" "$ROOT" required
start_server S "$WORK/bootgate.yaml" ip netns exec "$LAB_SRV"
check "XDP attached to trunk0 in native mode" contains "$WORK/S.log" "xdp: attached to trunk0 in native mode"

vlan0=$(counter drop.vlan)
rate0=$(counter drop.rate_source)
timeout 60 ip netns exec "$LAB_bad" $FLOOD 10.20.0.1 69 --count 20000000 --seconds 40 >"$WORK/flood-bad.txt" 2>&1 &
bad_pid=$!
timeout 60 ip netns exec "$LAB_greedy" $FLOOD 10.20.0.1 69 --count 20000000 --seconds 40 >"$WORK/flood-greedy.txt" 2>&1 &
greedy_pid=$!
PIDS+=("$bad_pid" "$greedy_pid")
# The floods are running once the drop counters move; then download in the middle of them.
flood_seen() { [ "$(counter drop.vlan)" -gt $((vlan0 + 1000)) ]; }
check "flood from VLAN 20 is being dropped" wait_until 30 flood_seen
start_ms=$(($(date +%s%N) / 1000000))
tftp_fetch "$LAB_ok" big.img "$WORK/out/big.img" 30
took_ms=$(($(date +%s%N) / 1000000 - start_ms))
check "download during the flood matches (SHA-256)" same_file "$ROOT/big.img" "$WORK/out/big.img"
check "the floods were still running when it finished" kill -0 "$bad_pid"
kill -INT "$bad_pid" "$greedy_pid" 2>/dev/null  # the senders print their tally and stop
wait "$bad_pid" "$greedy_pid" 2>/dev/null
echo "download of 32 MB under flood: ${took_ms} ms; flood senders: $(tail -1 "$WORK/flood-bad.txt") / $(tail -1 "$WORK/flood-greedy.txt")"
vlan=$(($(counter drop.vlan) - vlan0))
rate=$(($(counter drop.rate_source) - rate0))
echo "dropped: $vlan (vlan), $rate (rate_source)"
check "drop.vlan rose by more than 10,000" test "$vlan" -gt 10000
check "drop.rate_source rose by more than 10,000" test "$rate" -gt 10000
check "VLAN 20 flood: nothing admitted from it" test "$(counter vlan.20.admitted)" -eq 0
tftp_fetch "$LAB_ok" big.img "$WORK/out/big2.img" 30
check "server still healthy: a second download matches" same_file "$ROOT/big.img" "$WORK/out/big2.img"
# Every flood packet that reached the program was dropped, except the greedy source's burst (10) and
# its refill (5/s while it ran, at most 40 s): at most 250 of its requests reach the server, which
# refuses each (there is no flood.bin). Counted at the server: "sent" minus drop.rate_source also
# counts what the veth path lost before the program.
stop_server "$S_PID"
# Both datapaths' closing totals (the socket line, and the AF_XDP one when it ran), summed.
refused=$(sed -n 's/.*tftp\( af_xdp\)\{0,1\}: [0-9]* requests, [0-9]* completed, \([0-9]*\) refused.*/\2/p' "$WORK/S.log" |
          awk '{ s += $1 } END { if (NR) print s }')
check "greedy source: at most its burst + refill admitted (${refused:-?} requests reached the server)" \
  test "${refused:-0}" -ge 10 -a "${refused:-999}" -le 250
finish
