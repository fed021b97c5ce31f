#!/usr/bin/env bash
# TFTP on the AF_XDP datapath (tftp.datapath: af_xdp): the XDP program on the server's trunk veth
# steers admitted TFTP frames into AF_XDP sockets, and bootgate answers with whole frames, tagged with
# the client's VLAN, without the kernel's UDP stack. Real clients (curl, atftp, tftp-hpa) on VLAN 10
# download (SHA-256), with windows and block rollover, upload, meet errors 1 and 2, and 40 of them
# run at once; the replies carry the VLAN tag on the wire; DHCP stays on the kernel path; and the
# closing totals show the AF_XDP engine, not the socket one, served it all.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/xdp_lab.sh"
source "$(dirname "$0")/dhcp_lib.sh"
require_root
require_cmd curl atftp tftp tcpdump busybox sha256sum ethtool
require_vlan_tag

ROOT=$WORK/root
mkdir -p "$ROOT" "$WORK/out" "$ROOT/up"
head -c 3000000 /dev/urandom >"$ROOT/boot.img"
head -c $((33 << 20)) /dev/urandom >"$ROOT/big.img"  # > 65535 blocks of 512 bytes: rollover
head -c 1000000 /dev/urandom >"$WORK/upload.bin"
chmod -R a+rwX "$ROOT"

# Two rx queues on the server's trunk (as a NIC with RSS): one AF_XDP socket each. The other XDP
# tests run their TFTP on AF_XDP over one queue (tftp.datapath auto).
VETH_QUEUES="numtxqueues 2 numrxqueues 2"
lab_setup
unset VETH_QUEUES
lab_client ok 10 10.20.0.10
LAB_DHCP=1
LAB_REQ_RATE="requests_per_second: 100, burst: 100"  # 40 requests at once from one client
LAB_TFTP_EXTRA="  datapath: af_xdp
  uploads: {enabled: true}"
lab_config "$WORK/bootgate.yaml" "$ROOT" required
dhcp_start S "$WORK/bootgate.yaml" "$LAB_SRV"
C="ip netns exec $LAB_ok"

check "AF_XDP datapath up on trunk0, a socket per queue" contains "$WORK/S.log" "tftp: AF_XDP datapath on trunk0 (2 queues"
# AF_XDP transmit metadata (checksum requests) is in Linux 6.11 and later.
kver=$(uname -r) kmaj=${kver%%.*} kmin=${kver#*.}
kmin=${kmin%%[!0-9]*}
TX_OFFLOAD=0
[ "$kmaj" -gt 6 ] || { [ "$kmaj" -eq 6 ] && [ "$kmin" -ge 11 ]; } && TX_OFFLOAD=1
if [ $TX_OFFLOAD = 1 ]; then
  check "Linux $kver: the kernel finishes the UDP checksums" contains "$WORK/S.log" "copy mode, UDP checksums by the kernel)"
fi

# What leaves the server's port: replies from the transfer ports must carry VLAN 10 themselves (the
# client's port would also take them untagged). `ip netns exec` directly: the PID is tcpdump's own.
CAP=$WORK/trunk.txt
ip netns exec "$LAB_SW" timeout 60 tcpdump -i p-srv -e -nn -vv -l --immediate-mode \
  'vlan and udp src portrange 50000-50999' >"$CAP" 2>"$WORK/tcpdump.err" &
TCPDUMP_PID=$!
PIDS+=("$TCPDUMP_PID")
check "tcpdump listens on the server's port" wait_until 10 grep -q "listening on" "$WORK/tcpdump.err"

redirect0=$(counter verdict.admit_redirect)
tftp_fetch "$LAB_ok" boot.img "$WORK/out/curl.img" 20
check "curl (blksize 1468): download matches (SHA-256)" same_file "$ROOT/boot.img" "$WORK/out/curl.img"
redirected=$(( $(counter verdict.admit_redirect) - redirect0 ))
check "its RRQ and ACKs went to AF_XDP (verdict.admit_redirect +$redirected, blocks: 2044)" test "$redirected" -ge 2044
# -vv prints the IP and UDP headers on the line after the tag.
check "replies on the wire carry VLAN 10" wait_until 10 \
  bash -c "grep -A1 'vlan 10,' '$CAP' | grep -q '10.20.0.1.5[0-9]* > 10.20.0.10'"
kill "$TCPDUMP_PID" 2>/dev/null
if [ $TX_OFFLOAD = 1 ]; then
  # veth passes a checksum left to the kernel on unfinished, as it does for any local sender's
  # packets, and the receiver trusts it: the capture shows the pseudo-header sum.
  check "  ... with the checksum left to the kernel (tcpdump: bad udp cksum)" grep -q "bad udp cksum" "$CAP"
else
  check "  ... with checksums bootgate computed" grep -q "udp sum ok" "$CAP"
fi

rm -f "$WORK/out/atftp.img"
$C timeout 30 atftp --option "blksize 1468" --option "windowsize 64" --option "tsize" \
  -g -r boot.img -l "$WORK/out/atftp.img" 10.20.0.1 69 >"$WORK/atftp.out" 2>&1
check "atftp (blksize 1468, windowsize 64, tsize): download matches" same_file "$ROOT/boot.img" "$WORK/out/atftp.img"

rm -f "$WORK/out/big.img"
$C timeout 60 curl -sS -m 50 --tftp-blksize 512 -o "$WORK/out/big.img" tftp://10.20.0.1/big.img 2>>"$WORK/curl.err"
check "curl (blksize 512) 33 MiB past block 65535: matches" same_file "$ROOT/big.img" "$WORK/out/big.img"

(cd "$WORK/out" && $C timeout 30 tftp 10.20.0.1 -m binary -c get boot.img hpa.img) >"$WORK/hpa.out" 2>&1
check "tftp-hpa (512-byte blocks): download matches" same_file "$ROOT/boot.img" "$WORK/out/hpa.img"

(cd "$WORK/out" && $C timeout 20 tftp 10.20.0.1 -m binary -c get nosuch.img nosuch.img) >"$WORK/hpa-missing.out" 2>&1
check "missing file: tftp-hpa prints error code 1" grep -q "Error code 1" "$WORK/hpa-missing.out"
(cd "$WORK/out" && $C timeout 20 tftp 10.20.0.1 -m binary -c get ../../etc/passwd passwd) >"$WORK/hpa-trav.out" 2>&1
check "traversal: tftp-hpa prints error code 2" grep -q "Error code 2" "$WORK/hpa-trav.out"
check "  ... and nothing was written for it" test ! -s "$WORK/out/passwd"

$C timeout 30 atftp --option "blksize 1468" -p -l "$WORK/upload.bin" -r up/config.bin 10.20.0.1 69 >"$WORK/atftp-put.out" 2>&1
check "atftp upload (WRQ) lands whole in the root" same_file "$WORK/upload.bin" "$ROOT/up/config.bin"

# 40 clients at once.
pids=()
for i in $(seq 40); do
  $C timeout 60 curl -sS -m 50 --tftp-blksize 1468 -o "$WORK/out/many.$i" tftp://10.20.0.1/boot.img 2>>"$WORK/curl.err" &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
bad=0
for i in $(seq 40); do same_file "$ROOT/boot.img" "$WORK/out/many.$i" || bad=$((bad + 1)); done
check "40 concurrent downloads: none failed, all match ($failed failed, $bad differ)" test $((failed + bad)) -eq 0
redirects() { ip netns exec "$LAB_SRV" ethtool -S trunk0 | awk -v q="rx_queue_$1_xdp_redirect:" '$1 == q { print $2 }'; }
q0=$(redirects 0) q1=$(redirects 1)
check "both rx queues redirected frames to their AF_XDP socket (queue 0: $q0, queue 1: $q1)" test "${q0:-0}" -gt 0 -a "${q1:-0}" -gt 0

pass0=$(counter verdict.admit_pass)
check "DHCP stays on the kernel path: udhcpc gets a lease" udhcpc_get "$LAB_ok" eth0 "$WORK/lease.env"
check "  ... admitted to the kernel stack (verdict.admit_pass rose)" test "$(counter verdict.admit_pass)" -gt "$pass0"

stop_server "$S_PID"
# 4 refused: errors 1 and 2, and the ACK tftp-hpa sends to port 69 after each error gets error 5.
check "closing totals: the AF_XDP engine served 47 requests, all completed or refused" \
  grep -q "tftp af_xdp: 47 requests, 45 completed, 4 refused, 0 failed, 0 timed out" "$WORK/S.log"
check "  ... and the socket engine none" grep -q "tftp: 0 requests" "$WORK/S.log"
check "  ... no frame went unsent" grep -q "waited for a free frame, 0 not sent" "$WORK/S.log"

# Only 64 transmit frames per socket: four windowed downloads at once need more in flight than that
# (over veth a frame comes back when the client has read it), so replies wait for free frames
# instead of being dropped, and every download still completes intact. This server has the kernel
# finish its checksum requests in software (BOOTGATE_AF_XDP_SW_CSUM), so the client checks them,
# and so does tcpdump: a request pointing at the wrong bytes would corrupt the frames.
LAB_TFTP_EXTRA="  datapath: af_xdp
  af_xdp_tx_frames: 64"
lab_config "$WORK/few.yaml" "$ROOT" required
BOOTGATE_AF_XDP_SW_CSUM=1 dhcp_start F "$WORK/few.yaml" "$LAB_SRV"
CAP2=$WORK/client.txt
ip netns exec "$LAB_ok" timeout 60 tcpdump -i eth0 -nn -vv -l --immediate-mode -c 400 \
  'udp and src host 10.20.0.1 and src portrange 50000-50999' >"$CAP2" 2>"$WORK/tcpdump2.err" &
TCPDUMP_PID=$!
PIDS+=("$TCPDUMP_PID")
check "tcpdump listens on the client's port" wait_until 10 grep -q "listening on" "$WORK/tcpdump2.err"
pids=()
for i in 1 2 3 4; do
  $C timeout 60 atftp --option "blksize 1468" --option "windowsize 64" -g -r boot.img -l "$WORK/out/few.$i" \
    10.20.0.1 69 >/dev/null 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
bad=0
for i in 1 2 3 4; do same_file "$ROOT/boot.img" "$WORK/out/few.$i" || bad=$((bad + 1)); done
check "64 transmit frames, 4 window-64 downloads at once: all match ($bad differ)" test "$bad" -eq 0
kill "$TCPDUMP_PID" 2>/dev/null
wait "$TCPDUMP_PID" 2>/dev/null
good=$(grep -c "udp sum ok" "$CAP2") badsum=$(grep -c "bad udp cksum" "$CAP2")
check "  ... their checksums are right on the wire (tcpdump: $good ok, $badsum bad)" test "$good" -gt 0 -a "$badsum" -eq 0
stop_server "$F_PID"
held=$(sed -n 's/.* \([0-9]*\) waited for a free frame, \([0-9]*\) not sent.*/\1 \2/p' "$WORK/F.log")
check "  ... replies waited for free frames, none was dropped (waited, dropped: ${held:-?})" \
  bash -c "set -- $held; [ \"\${1:-0}\" -gt 0 ] && [ \"\${2:-1}\" -eq 0 ]"
finish
