#!/usr/bin/env bash
# TFTP server modes with real clients: IPv6, single-port mode, a transfer port range, the MTU cap on
# blksize, a full disk (error 3, nothing left behind) and a live SIGHUP reload.
source "$(dirname "$0")/lib.sh"
require_root
require_cmd curl tftp atftp unshare

ROOT=$WORK/root
mkdir -p "$ROOT/small" "$WORK/out"
head -c 1000000 /dev/urandom >"$ROOT/img.bin"
NS=bgt-modes-$$
ip netns add "$NS" && NETNS+=("$NS")
ip -n "$NS" link set lo up
# A loopback with an Ethernet-sized MTU, so the path MTU caps the block size.
ip -n "$NS" link set lo mtu 1500
IN="ip netns exec $NS"

# --- IPv6 and a transfer port range -----------------------------------------------------------
cat >"$WORK/v6.yaml" <<YAML
tftp:
  listen: ["127.0.0.1:0", "[::1]:0"]
  root: $ROOT
  port_range: 47000-47009
YAML
start_server V6 "$WORK/v6.yaml"
V6_PORT=$(sed -n 's/.*serving .* on \[::1\]:\([0-9]*\) .*/\1/p' "$WORK/V6.log" | head -1)
curl -sS -g -o "$WORK/out/v6" "tftp://[::1]:$V6_PORT/img.bin"
check "IPv6: curl over [::1]" same_file "$ROOT/img.bin" "$WORK/out/v6"
# Watch the transfer port the server answers from while a slow download runs.
"$BOOTGATE" get 127.0.0.1 img.bin -p "${V6_ADDR##*:}" -b 512 -o "$WORK/out/range" -q &
getpid=$!
seen=""
for _ in $(seq 200); do
  seen=$(ss -uan | awk '{print $4}' | grep -oE '127\.0\.0\.1:4700[0-9]$' | head -1)
  [ -n "$seen" ] && break
  kill -0 $getpid 2>/dev/null || break
  sleep 0.01
done
wait $getpid
check "port_range: the transfer socket was inside 47000-47009 ($seen)" [ -n "$seen" ]
check "port_range: download intact" same_file "$ROOT/img.bin" "$WORK/out/range"
stop_server "$V6_PID"

# --- single-port mode and the MTU cap (inside the namespace with MTU 1500) ------------------------
cat >"$WORK/single.yaml" <<YAML
tftp:
  listen: ["127.0.0.1:0"]
  root: $ROOT
  single_port: true
YAML
start_server SP "$WORK/single.yaml" $IN
SP_PORT=${SP_ADDR##*:}
$IN curl -sS -v --tftp-blksize 65464 -o "$WORK/out/sp" "tftp://127.0.0.1:$SP_PORT/img.bin" 2>"$WORK/out/sp.err"
check "single-port: curl download intact" same_file "$ROOT/img.bin" "$WORK/out/sp"
check "MTU 1500 caps blksize to 1468 (curl saw it in the OACK)" contains "$WORK/out/sp.err" "blksize parsed from OACK (1468)"
pids=()
for i in $(seq 20); do
  $IN atftp --option "windowsize 8" -g -r img.bin -l "$WORK/out/sp$i" 127.0.0.1 "$SP_PORT" >/dev/null 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
bad=0
for i in $(seq 20); do same_file "$ROOT/img.bin" "$WORK/out/sp$i" || bad=$((bad + 1)); done
check "single-port: 20 concurrent atftp downloads on one port intact ($bad bad)" [ $bad -eq 0 ]
check "single-port: no transfer socket besides the listening one" \
  bash -c "[ \$($IN ss -uan | grep -c '127.0.0.1:') -le 1 ]"
stop_server "$SP_PID"

# --- full disk: uploads into a 1 MiB tmpfs (in a private mount namespace) ---------------------------
cat >"$WORK/disk.yaml" <<YAML
tftp:
  listen: ["127.0.0.1:0"]
  root: $ROOT
  uploads: {enabled: true, max_size: 1GiB}
YAML
start_server FD "$WORK/disk.yaml" unshare -m --propagation private sh -c "mount -t tmpfs -o size=1m bgtest '$ROOT/small' && exec \"\$0\" \"\$@\""
FD_PORT=${FD_ADDR##*:}
head -c 3000000 /dev/urandom >"$WORK/big.up"
(cd "$WORK" && tftp 127.0.0.1 "$FD_PORT" -m binary -c put big.up small/big.up >"$WORK/out/disk.log" 2>&1)
check "full disk mid-upload: tftp-hpa gets error 3" contains "$WORK/out/disk.log" "Error code 3"
"$BOOTGATE" put 127.0.0.1 "$WORK/big.up" small/big2.up -p "$FD_PORT" -q 2>"$WORK/out/disk2.log"
check "full disk with tsize: refused up front with error 3" contains "$WORK/out/disk2.log" "server error 3"
check "full disk: nothing left in the tmpfs" \
  bash -c "[ -z \"\$(nsenter -t $FD_PID -m ls -A '$ROOT/small')\" ]"
head -c 1000 /dev/urandom >"$WORK/small.up"
"$BOOTGATE" put 127.0.0.1 "$WORK/small.up" small/ok.up -p "$FD_PORT" -q
check "after a full-disk failure the server still takes uploads" \
  bash -c "nsenter -t $FD_PID -m cmp -s '$WORK/small.up' '$ROOT/small/ok.up'"
stop_server "$FD_PID"

# --- a link without checksum offload refuses UDP GSO (EIO): windows go out datagram by datagram --------
CNS=bgt-modes-c-$$
ip netns add "$CNS" && NETNS+=("$CNS")
ip link add bgtm-s$$ type veth peer name bgtm-c$$
ip link set bgtm-s$$ netns "$NS" && ip link set bgtm-c$$ netns "$CNS"
ip -n "$NS" addr add 10.251.0.1/24 dev bgtm-s$$ && ip -n "$NS" link set bgtm-s$$ up
ip -n "$CNS" addr add 10.251.0.2/24 dev bgtm-c$$ && ip -n "$CNS" link set bgtm-c$$ up
$IN ethtool -K bgtm-s$$ tx off >/dev/null 2>&1
cat >"$WORK/nogso.yaml" <<YAML
tftp:
  listen: ["10.251.0.1:0"]
  root: $ROOT
YAML
start_server NG "$WORK/nogso.yaml" $IN
# windowsize 64 at 1400 bytes is two GSO messages per window (44 + 20): the fallback must resend both.
ip netns exec "$CNS" atftp --option "blksize 1400" --option "windowsize 64" -g -r img.bin -l "$WORK/out/nogso" 10.251.0.1 "${NG_ADDR##*:}" >/dev/null 2>&1
check "without checksum offload (no GSO) a windowed download is intact" same_file "$ROOT/img.bin" "$WORK/out/nogso"
check "(the server's link really had checksum offload off)" bash -c "$IN ethtool -k bgtm-s$$ | grep -q 'tx-checksumming: off'"
stop_server "$NG_PID"

# --- SIGHUP reload: uploads switched on live; a broken file keeps the running config -----------------
cat >"$WORK/hup.yaml" <<YAML
tftp:
  listen: ["127.0.0.1:0"]
  root: $ROOT
YAML
start_server HUP "$WORK/hup.yaml"
HUP_PORT=${HUP_ADDR##*:}
"$BOOTGATE" put 127.0.0.1 "$WORK/small.up" hup.up -p "$HUP_PORT" -q 2>"$WORK/out/hup1.log"
check "before reload: uploads refused with error 2" contains "$WORK/out/hup1.log" "server error 2"
printf 'tftp:\n  listen: ["127.0.0.1:0"]\n  root: %s\n  uploads: {enabled: true}\n' "$ROOT" >"$WORK/hup.yaml"
kill -HUP "$HUP_PID"
for _ in $(seq 50); do grep -q "reload: .* applied" "$WORK/HUP.log" && break; sleep 0.05; done
"$BOOTGATE" put 127.0.0.1 "$WORK/small.up" hup.up -p "$HUP_PORT" -q
check "after reload: upload accepted" same_file "$WORK/small.up" "$ROOT/hup.up"
printf 'tftp:\n  root: %s\n  max_blksize: 3\n' "$ROOT" >"$WORK/hup.yaml"
kill -HUP "$HUP_PID"
for _ in $(seq 50); do grep -q "keeping the running config" "$WORK/HUP.log" && break; sleep 0.05; done
check "a broken config on reload is reported with its line" grep -q "hup.yaml:3: tftp.max_blksize: 3 is out of range" "$WORK/HUP.log"
curl -sS -o "$WORK/out/after" "tftp://127.0.0.1:$HUP_PORT/img.bin"
check "and the server keeps serving" same_file "$ROOT/img.bin" "$WORK/out/after"
stop_server "$HUP_PID"
finish
