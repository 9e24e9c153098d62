#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Traffic for the rate-limit integration tests: a bounded flood, a counting
server, a burst of connection attempts and an established connection.

    rl_traffic.py sink PORT
        UDP and TCP on PORT, both families.  Counts UDP datagrams per source
        address and echoes every TCP line back.  On SIGTERM or SIGINT it
        prints the counts as one JSON object, {"10.77.0.2": 12, ...}, and
        exits 0.
    rl_traffic.py udp SRC DST PORT COUNT [RATE]
        Sends COUNT small datagrams from SRC to DST:PORT, RATE a second
        (0 or none: as fast as it can), and prints how many went out.
    rl_traffic.py syn SRC DST PORT COUNT WAIT
        Starts COUNT TCP connections from SRC to DST:PORT at once, waits
        WAIT seconds, and prints "established N of COUNT".
    rl_traffic.py echo SRC DST PORT SECONDS INTERVAL
        Connects once, then for SECONDS sends a line every INTERVAL seconds
        and reads it back.  Prints "echoed N of M"; exits 1 if one was lost.

Everything is bounded in count or time, so a test cannot hang on it.
"""
import json
import select
import selectors
import signal
import socket
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def plain(addr):
    """An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d."""
    return addr[7:] if addr.startswith("::ffff:") else addr


def dual_stack(kind, port):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    return s


def sink(port):
    counts = {}
    stopping = []
    udp = dual_stack(socket.SOCK_DGRAM, port)
    # A flood that the guard lets through must be counted, not lost to a
    # full socket buffer while this process waits for a CPU on a busy
    # machine.  FORCE works past rmem_max for root; Python does not name
    # it, 33 is its number on Linux.
    try:
        udp.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 8 << 20)
    except OSError:
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    udp.setblocking(False)
    tcp = dual_stack(socket.SOCK_STREAM, port)
    tcp.listen(256)
    tcp.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ, "udp")
    sel.register(tcp, selectors.EVENT_READ, "listen")

    def on_signal(_sig, _frame):
        stopping.append(True)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def drain_udp():
        while True:
            try:
                _, addr = udp.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            src = plain(addr[0])
            counts[src] = counts.get(src, 0) + 1

    while not stopping:
        for key, _ in sel.select(timeout=0.2):
            if key.data == "udp":
                drain_udp()
            elif key.data == "listen":
                try:
                    conn, _ = tcp.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ, "conn")
            else:
                try:
                    data = key.fileobj.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
                    continue
                try:
                    key.fileobj.sendall(data)
                except OSError:
                    pass
    # What arrived before the signal counts too.
    drain_udp()
    print(json.dumps(counts, sort_keys=True), flush=True)


def bound(src, dst, kind):
    s = socket.socket(family_of(dst), kind)
    s.bind((src, 0))
    return s


def udp_flood(src, dst, port, count, rate):
    s = bound(src, dst, socket.SOCK_DGRAM)
    payload = b"x" * 32
    sent = 0
    start = time.monotonic()
    for i in range(count):
        if rate:
            # On a schedule, not a fixed sleep: a stall makes the sender
            # catch up, so the flood lasts about COUNT/RATE seconds.
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        try:
            s.sendto(payload, (dst, port))
            sent += 1
        except OSError:
            # A full queue on the way out is the sender's loss, not a drop
            # by the guard: report only what left.
            pass
    print(sent, flush=True)


def syn_burst(src, dst, port, count, wait):
    socks = []
    for _ in range(count):
        s = bound(src, dst, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((dst, port))
        socks.append(s)
    deadline = time.monotonic() + wait
    pending = list(socks)
    established = 0
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        _, writable, _ = select.select([], pending, [], left)
        for s in writable:
            pending.remove(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                established += 1
    for s in socks:
        s.close()
    print(f"established {established} of {count}", flush=True)


def echo(src, dst, port, seconds, interval):
    s = bound(src, dst, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect((dst, port))
    s.settimeout(1)
    sent = ok = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        line = f"ping {sent}\n".encode()
        sent += 1
        try:
            s.sendall(line)
            got = b""
            while len(got) < len(line):
                chunk = s.recv(len(line) - len(got))
                if not chunk:
                    break
                got += chunk
            if got == line:
                ok += 1
        except OSError:
            pass
        time.sleep(interval)
    s.close()
    print(f"echoed {ok} of {sent}", flush=True)
    return 0 if ok == sent else 1


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "sink":
        sink(int(args[0]))
    elif cmd == "udp":
        rate = float(args[4]) if len(args) > 4 else 0
        udp_flood(args[0], args[1], int(args[2]), int(args[3]), rate)
    elif cmd == "syn":
        syn_burst(args[0], args[1], int(args[2]), int(args[3]), float(args[4]))
    elif cmd == "echo":
        return echo(args[0], args[1], int(args[2]), float(args[3]), float(args[4]))
    else:
        sys.exit(f"rl_traffic.py: unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
