#!/usr/bin/env python3
"""Bounded UDP flood for the XDP tests and bench: TFTP RRQs (or any payload) to HOST:PORT.

Prints "flooding HOST:PORT" once it is about to send. Stops after COUNT packets, SECONDS seconds or
SIGINT/SIGTERM, whichever comes first, and prints "sent N packets in S s (P pps)". Optional --pps paces the flood (0 = as fast as possible).
"""
import argparse
import signal
import socket
import time

stop = False


def on_signal(signum, frame):  # SIGINT/SIGTERM: stop early, still print the tally
    global stop
    stop = True


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--pps", type=int, default=0)
    ap.add_argument("--payload", default="rrq", help="rrq (a TFTP read request) or a hex string")
    a = ap.parse_args()
    count = max(0, min(a.count, 50_000_000))
    seconds = max(0.0, min(a.seconds, 300.0))  # hard bounds, whatever the caller asks
    payload = b"\x00\x01flood.bin\x00octet\x00" if a.payload == "rrq" else bytes.fromhex(a.payload)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.connect((a.host, a.port))
    print(f"flooding {a.host}:{a.port}", flush=True)  # callers wait for this line
    start = time.monotonic()
    deadline = start + seconds
    sent = 0
    batch = 64 if a.pps == 0 else max(1, a.pps // 1000)
    while sent < count and not stop:
        now = time.monotonic()
        if now >= deadline:
            break
        if a.pps and sent > a.pps * (now - start):
            time.sleep(0.0005)
            continue
        for _ in range(min(batch, count - sent)):
            try:
                s.send(payload)
                sent += 1
            except OSError:  # ENOBUFS / ECONNREFUSED from an ICMP error: keep going
                pass
    took = max(time.monotonic() - start, 1e-9)
    print(f"sent {sent} packets in {took:.2f} s ({sent / took:.0f} pps)", flush=True)


if __name__ == "__main__":
    main()
