#!/usr/bin/env bash
# TFTP over loopback against clients we did not write: curl, tftp-hpa, atftp. Every download is
# checked by SHA-256; errors are checked by the code or message the client printed.
source "$(dirname "$0")/lib.sh"
require_cmd curl tftp atftp sha256sum

ROOT=$WORK/root
mkdir -p "$ROOT/sub" "$WORK/out"
: >"$ROOT/empty"
for n in 511 512 513; do head -c $n /dev/urandom >"$ROOT/f$n"; done
head -c 3000000 /dev/urandom >"$ROOT/sub/img.bin"
# 65,540 blocks of 512 bytes: the block number wraps past 65535.
head -c $((65540 * 512 + 100)) /dev/urandom >"$ROOT/rollover.bin"
head -c 1048576 /dev/urandom >"$ROOT/kernel"
echo "outside the root" >"$WORK/secret.txt"
ln -s ../secret.txt "$ROOT/escape"
printf 'line one\nline two\n' >"$ROOT/text.txt"

cat >"$WORK/bootgate.yaml" <<YAML
tftp:
  listen: ["127.0.0.1:0"]
  root: $ROOT
  timeout: 1s
  retries: 3
  max_transfers: 2000
  max_transfers_per_client: 1000
  uploads: {enabled: true, overwrite: false, max_size: 8MiB}
YAML
start_server S "$WORK/bootgate.yaml"
HOST=${S_ADDR%:*}
PORT=${S_ADDR##*:}
URL=tftp://$HOST:$PORT
echo "server on $HOST port $PORT"

# --- downloads ---------------------------------------------------------------------------------
for f in empty f511 f512 f513 sub/img.bin; do
  out=$WORK/out/curl-$(basename $f)
  curl -sS -o "$out" "$URL/$f"
  check "curl $f (512)" same_file "$ROOT/$f" "$out"
  for bs in 1024 1468 8192; do
    curl -sS --tftp-blksize $bs -o "$out.$bs" "$URL/$f"
    check "curl $f --tftp-blksize $bs" same_file "$ROOT/$f" "$out.$bs"
  done
  (cd "$WORK/out" && tftp "$HOST" "$PORT" -m binary -c get "$f" "hpa-$(basename $f)" >/dev/null 2>&1)
  check "tftp-hpa $f" same_file "$ROOT/$f" "$WORK/out/hpa-$(basename $f)"
  for opts in "blksize 1428" "windowsize 8" "tsize" ; do
    out=$WORK/out/atftp-$(basename $f)-${opts// /_}
    atftp --option "$opts" -g -r "$f" -l "$out" "$HOST" "$PORT" >/dev/null 2>&1
    check "atftp --option '$opts' $f" same_file "$ROOT/$f" "$out"
  done
  out=$WORK/out/atftp-all-$(basename $f)
  atftp --option "blksize 1468" --option "windowsize 32" --option "tsize" -g -r "$f" -l "$out" "$HOST" "$PORT" >/dev/null 2>&1
  check "atftp blksize 1468 windowsize 32 tsize $f" same_file "$ROOT/$f" "$out"
done

curl -sS -o "$WORK/out/roll-curl" "$URL/rollover.bin"
check "curl: 65,540 blocks (block number rollover)" same_file "$ROOT/rollover.bin" "$WORK/out/roll-curl"
atftp --option "windowsize 16" -g -r rollover.bin -l "$WORK/out/roll-atftp" "$HOST" "$PORT" >/dev/null 2>&1
check "atftp windowsize 16: rollover" same_file "$ROOT/rollover.bin" "$WORK/out/roll-atftp"
"$BOOTGATE" get "$HOST" rollover.bin -p "$PORT" -w 64 -o "$WORK/out/roll-bg" -q
check "bootgate get -w 64: rollover" same_file "$ROOT/rollover.bin" "$WORK/out/roll-bg"

(cd "$WORK/out" && tftp "$HOST" "$PORT" -m netascii -c get text.txt text-hpa.txt >/dev/null 2>&1)
check "tftp-hpa netascii round trip" same_file "$ROOT/text.txt" "$WORK/out/text-hpa.txt"

# Leading slash and backslashes map into the root (tftp-hpa behaviour).
curl -sS -o "$WORK/out/slash" "$URL//sub/img.bin"
check "leading '/' stays in the root" same_file "$ROOT/sub/img.bin" "$WORK/out/slash"
atftp -g -r 'sub\img.bin' -l "$WORK/out/bslash" "$HOST" "$PORT" >/dev/null 2>&1
check "backslash path mapped" same_file "$ROOT/sub/img.bin" "$WORK/out/bslash"

# --- 250 concurrent downloads --------------------------------------------------------------------
pids=()
for i in $(seq 250); do
  curl -sS --tftp-blksize 1468 -o "$WORK/out/c$i" "$URL/kernel" 2>"$WORK/out/c$i.err" &
  pids+=($!)
done
bad=0
for i in $(seq 250); do
  wait "${pids[$((i - 1))]}" || bad=$((bad + 1))
  same_file "$ROOT/kernel" "$WORK/out/c$i" || bad=$((bad + 1))
done
check "250 concurrent curl downloads all identical ($bad bad)" [ "$bad" -eq 0 ]

# --- errors ----------------------------------------------------------------------------------------
curl -sS -o "$WORK/out/missing" "$URL/missing.bin" 2>"$WORK/out/missing.err"; rc=$?
check "curl: missing file is TFTP error 1 (curl exit 68, got $rc)" [ $rc -eq 68 ]
(cd "$WORK/out" && tftp "$HOST" "$PORT" -m binary -c get missing.bin m2 >"$WORK/out/m2.log" 2>&1)
check "tftp-hpa: missing file prints error code 1" contains "$WORK/out/m2.log" "Error code 1"

for name in "../secret.txt" "sub/../../secret.txt" "..\\secret.txt" "escape" "/../secret.txt"; do
  rm -f "$WORK/out/trav"
  (cd "$WORK/out" && tftp "$HOST" "$PORT" -m binary -c get "$name" trav >"$WORK/out/trav.log" 2>&1)
  check "traversal '$name' refused with error 2" contains "$WORK/out/trav.log" "Error code 2"
  check "traversal '$name' read nothing" bash -c "! grep -q 'outside the root' '$WORK/out/trav' 2>/dev/null"
done

# --- uploads -----------------------------------------------------------------------------------------
head -c 200000 /dev/urandom >"$WORK/up.bin"
(cd "$WORK" && tftp "$HOST" "$PORT" -m binary -c put up.bin up-hpa.bin >/dev/null 2>&1)
check "tftp-hpa upload" same_file "$WORK/up.bin" "$ROOT/up-hpa.bin"
atftp --option "blksize 1468" --option "windowsize 8" -p -l "$WORK/up.bin" -r up-atftp.bin "$HOST" "$PORT" >/dev/null 2>&1
check "atftp upload with windowsize 8" same_file "$WORK/up.bin" "$ROOT/up-atftp.bin"
curl -sS -T "$WORK/up.bin" "$URL/up-curl.bin"
check "curl upload" same_file "$WORK/up.bin" "$ROOT/up-curl.bin"
"$BOOTGATE" put "$HOST" "$WORK/up.bin" sub/up-bg.bin -p "$PORT" -b 1468 -w 16 -q
check "bootgate put" same_file "$WORK/up.bin" "$ROOT/sub/up-bg.bin"

(cd "$WORK" && tftp "$HOST" "$PORT" -m binary -c put up.bin up-hpa.bin >"$WORK/exists.log" 2>&1)
check "upload over an existing file refused with error 6" contains "$WORK/exists.log" "Error code 6"
(cd "$WORK" && tftp "$HOST" "$PORT" -m binary -c put up.bin ../evil.bin >"$WORK/evil.log" 2>&1)
check "upload traversal refused with error 2" contains "$WORK/evil.log" "Error code 2"
check "nothing written outside the root" [ ! -e "$WORK/evil.bin" ]
head -c $((9 * 1024 * 1024)) /dev/urandom >"$WORK/huge.bin"
"$BOOTGATE" put "$HOST" "$WORK/huge.bin" huge.bin -p "$PORT" -q 2>"$WORK/huge.err"
check "upload over uploads.max_size refused with error 3" contains "$WORK/huge.err" "server error 3"
check "no partial file after refused upload" [ ! -e "$ROOT/huge.bin" ]

# Aborted upload: the client reads from a FIFO and is killed mid-transfer. The server must time
# out and leave no file (and no temporary) behind. A whole number of 512-byte blocks goes in, so
# no short read ends the upload early; the client then blocks reading the FIFO.
mkfifo "$WORK/fifo"
(cd "$WORK" && exec tftp "$HOST" "$PORT" -m binary -c put fifo aborted.bin >/dev/null 2>&1) &
client=$!
exec 9>"$WORK/fifo"
head -c 102400 /dev/urandom >&9
for _ in $(seq 100); do grep -q '"aborted.bin"' "$WORK/S.log" && break; [ -e /proc/$client ] || break; sleep 0.05; done
sleep 0.3  # let the 100 KiB reach the server (the client blocks on the FIFO afterwards)
kill -9 $client 2>/dev/null; wait $client 2>/dev/null
exec 9>&-
for _ in $(seq 100); do grep -q 'WRQ .*"aborted.bin"' "$WORK/S.log" && break; sleep 0.1; done
check "aborted upload logged as a timeout" grep -q 'WRQ .*"aborted.bin".*outcome=timeout' "$WORK/S.log"
check "aborted upload left no file" [ ! -e "$ROOT/aborted.bin" ]
check "aborted upload left no temporary" bash -c "! ls -A '$ROOT' | grep -q bootgate"

# Every transfer has exactly one log line with its outcome.
check "log lines name client, file, mode, options, bytes, duration, outcome" \
  grep -qE 'tftp RRQ 127\.0\.0\.1:[0-9]+ "sub/img.bin" mode=octet options=\[.*\] bytes=3000000 duration=[0-9.]+ms outcome=completed' "$WORK/S.log"
stop_server "$S_PID"
check "server exits cleanly on SIGTERM" grep -q "requests," "$WORK/S.log"
finish
