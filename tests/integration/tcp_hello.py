#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A TCP server that greets each connection with one line and closes it.

The integration tests run it inside a server namespace so that a client in
another namespace can prove a TCP handshake got through the guard: bash's
/dev/tcp connects, reads the greeting and compares it.  It listens on one
dual-stack socket, so IPv4 and IPv6 clients reach the same process.

    tcp_hello.py PORT [GREETING]
"""
import socket
import sys


def main():
    port = int(sys.argv[1])
    greeting = (sys.argv[2] if len(sys.argv) > 2 else "hello").encode() + b"\n"
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accept IPv4 too, as ::ffff:a.b.c.d, whatever the sysctl default is.
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind(("::", port))
    srv.listen(64)
    while True:
        conn, _ = srv.accept()
        with conn:
            try:
                conn.sendall(greeting)
            except OSError:
                # A client that gave up (its test timed out) is not our error.
                pass


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
