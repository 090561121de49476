#!/usr/bin/env python3
"""udpburst: many concurrent UDP clients, each checking its own one answer.

  udpburst.py HOST PORT --count N --prefix P [--zone dotstub.test]
              [--a SPEC] [--rcode NOERROR] [--timeout 8] [--grace 1] [--times]

Opens N sockets and sends from each one query, P<i>.<zone> A with a
random ID and mixed letter case, all before reading anything. Then it
collects replies until every socket has one or --timeout passes, and
keeps listening for --grace seconds more to catch a second reply to any
query. Each reply must carry the query's ID and its question with the
exact letter case, and the rcode --rcode (NOERROR unless told); a
NOERROR reply must also have, with --a, exactly the A address testup
gives that name (testup.py's address_for, so a reply meant for another
client is caught).

With --times, one more line on stderr: "first replies: median=MS
max=MS", each client's first reply timed from when every query was sent.

Prints one summary line, "sent=N answered=K correct=K wrong=W missing=M
duplicates=D", and before it one line per problem. Exit status 0 when
every query got exactly one correct reply, 1 otherwise. Only the address
given is contacted (the tests pass loopback); every wait is bounded.
"""

import argparse
import os
import random
import selectors
import socket
import struct
import sys
import time

RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5}

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testup import address_for, encode_name  # noqa: E402


def mixed_case(rng, name):
    return "".join(c.upper() if c.isalpha() and rng.random() < 0.5 else c for c in name)


def question_of(msg):
    """The raw question (name bytes + type + class) of a reply, or None."""
    off = 12
    while off < len(msg) and msg[off] and not msg[off] & 0xC0:
        off += msg[off] + 1
    if off >= len(msg) or msg[off] != 0 or off + 5 > len(msg):
        return None
    return msg[12:off + 5]


def first_a(msg, qlen):
    """The first A record's address in a reply, or None (names may be compressed)."""
    (an,) = struct.unpack(">H", msg[6:8])
    off = 12 + qlen
    for _ in range(an):
        while off < len(msg) and msg[off] and not msg[off] & 0xC0:
            off += msg[off] + 1
        off += 2 if off < len(msg) and msg[off] & 0xC0 else 1
        if off + 10 > len(msg):
            return None
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        if rtype == 1 and rdlen == 4:
            return msg[off:off + 4]
        off += rdlen
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--prefix", default="c")
    p.add_argument("--zone", default="dotstub.test")
    p.add_argument("--a", help="the testup --a spec the answers must follow")
    p.add_argument("--rcode", choices=sorted(RCODES), default="NOERROR")
    p.add_argument("--timeout", type=float, default=8.0)
    p.add_argument("--times", action="store_true")
    p.add_argument("--grace", type=float, default=1.0)
    args = p.parse_args()

    rng = random.Random()
    sel = selectors.DefaultSelector()
    clients = []
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    for i in range(args.count):
        name = mixed_case(rng, "%s%d.%s" % (args.prefix, i, args.zone))
        qid = rng.randrange(65536)
        qwire = encode_name(name) + struct.pack(">HH", 1, 1)
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.setblocking(False)
        c = {"i": i, "name": name, "id": qid, "question": qwire, "sock": s, "replies": []}
        clients.append(c)
        sel.register(s, selectors.EVENT_READ, c)
    for c in clients:
        msg = struct.pack(">HHHHHH", c["id"], 0x0100, 1, 0, 0, 0) + c["question"]
        c["sock"].sendto(msg, (args.host, args.port))

    start = time.monotonic()
    deadline = start + args.timeout
    grace_end = None
    while True:
        now = time.monotonic()
        end = grace_end if grace_end is not None else deadline
        if now >= end:
            break
        for key, _ in sel.select(timeout=min(0.2, end - now)):
            c = key.data
            try:
                data, _ = c["sock"].recvfrom(65535)
            except OSError:
                continue
            c["replies"].append((time.monotonic() - start, data))
        if grace_end is None and all(c["replies"] for c in clients):
            grace_end = time.monotonic() + args.grace
    sel.close()

    if args.times:
        firsts = sorted(c["replies"][0][0] * 1000 for c in clients if c["replies"])
        if firsts:
            print("first replies: median=%.0f max=%.0f" % (firsts[len(firsts) // 2], firsts[-1]),
                  file=sys.stderr)
    answered = correct = wrong = missing = dups = 0
    for c in clients:
        c["sock"].close()
        if not c["replies"]:
            missing += 1
            print("missing: %s (id %d)" % (c["name"], c["id"]))
            continue
        answered += 1
        if len(c["replies"]) > 1:
            dups += 1
            print("duplicate: %s got %d replies" % (c["name"], len(c["replies"])))
        t, data = c["replies"][0]
        problem = None
        if len(data) < 12:
            problem = "reply shorter than a header"
        else:
            rid, flags = struct.unpack(">HH", data[:4])
            q = question_of(data)
            if rid != c["id"]:
                problem = "id %d, sent %d" % (rid, c["id"])
            elif q != c["question"]:
                problem = "question %r, sent %r" % (q, c["question"])
            elif flags & 0xF != RCODES[args.rcode]:
                problem = "rcode %d, want %s" % (flags & 0xF, args.rcode)
            elif args.a and args.rcode == "NOERROR":
                got = first_a(data, len(q))
                want = address_for(args.a, c["name"])
                if got != want:
                    problem = "address %s, want %s" % (
                        socket.inet_ntoa(got) if got else "none", socket.inet_ntoa(want))
        if problem:
            wrong += 1
            print("wrong: %s after %.2f s: %s" % (c["name"], t, problem))
        else:
            correct += 1
    print("sent=%d answered=%d correct=%d wrong=%d missing=%d duplicates=%d" % (
        args.count, answered, correct, wrong, missing, dups))
    return 0 if correct == args.count and dups == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
