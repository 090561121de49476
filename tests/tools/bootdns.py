#!/usr/bin/env python3
"""bootdns: a tiny plain-DNS server (UDP) for dotstub's bootstrap tests.

Python 3 standard library only. Listens on 127.0.0.1 and answers from a
fixed table, so a test can give an upstream host name its loopback address
without any real DNS:

  bootdns.py --port PORT|auto --log FILE [--ttl 300] [--delay MS] NAME=IPV4 ...

  - NAME type A: one A record IPV4, TTL --ttl;
  - NAME type AAAA (or any other type): NOERROR with no answer (NODATA);
  - any other name: NXDOMAIN.
Names are compared without regard to case or a final dot. --delay holds
each answer that long (one at a time: a slow server, for a test that a
query waits for a first lookup).

Log (--log), one line per event: "ready port=P" once listening, then
"query t=SEC qname=NAME qtype=TYPE" for each query. Runs until SIGTERM or
--seconds (default 120). Exit status 3 when the port is taken.
"""

import argparse
import errno
import os
import random
import signal
import socket
import struct
import sys
import time


def parse_question(msg):
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack(">HHH", msg[:6])
    if qd != 1 or flags & 0x8000:
        return None
    off, labels = 12, []
    while off < len(msg) and msg[off]:
        n = msg[off]
        if n & 0xC0 or off + 1 + n > len(msg):
            return None
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    if off + 5 > len(msg):
        return None
    qtype, qclass = struct.unpack(">HH", msg[off + 1:off + 5])
    return qid, flags, ".".join(labels).lower(), qtype, msg[12:off + 5]


def answer(msg, table, ttl):
    q = parse_question(msg)
    if q is None:
        return None
    qid, flags, name, qtype, question = q
    an = b""
    if name not in table:
        rcode = 3
    else:
        rcode = 0
        if qtype == 1:
            an = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, ttl, 4) + socket.inet_aton(table[name])
    head = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1, 1 if an else 0, 0, 0)
    return head + question + an


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--ttl", type=int, default=300)
    p.add_argument("--seconds", type=float, default=120.0)
    p.add_argument("--delay", type=int, default=0, metavar="MS")
    p.add_argument("names", nargs="+", metavar="NAME=IPV4")
    args = p.parse_args()
    table = {}
    for item in args.names:
        name, _, ip = item.partition("=")
        socket.inet_aton(ip)
        table[name.lower().rstrip(".")] = ip
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rng = random.Random(os.getpid() ^ time.time_ns())
    for attempt in range(200):
        port = rng.randrange(20000, 32000) if args.port == "auto" else int(args.port)
        try:
            sock.bind(("127.0.0.1", port))
            break
        except OSError as e:
            if args.port != "auto" or e.errno != errno.EADDRINUSE or attempt == 199:
                print("bootdns: cannot listen: %s" % e, file=sys.stderr)
                return 3 if e.errno == errno.EADDRINUSE else 2
    log = open(args.log, "a", buffering=1)
    start = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.write("ready port=%d\n" % port)
    sock.settimeout(0.5)
    while time.monotonic() - start < args.seconds:
        try:
            msg, peer = sock.recvfrom(4096)
        except socket.timeout:
            continue
        q = parse_question(msg)
        if q:
            log.write("query t=%.3f qname=%s qtype=%d\n" % (time.monotonic() - start, q[2], q[3]))
        out = answer(msg, table, args.ttl)
        if out and args.delay:
            time.sleep(args.delay / 1000.0)
        if out:
            sock.sendto(out, peer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
