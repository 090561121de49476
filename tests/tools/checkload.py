#!/usr/bin/env python3
"""checkload: a steady UDP load from many sockets that checks every answer.

  checkload.py run HOST PORT --seconds S --rate R [--sockets 16]
               [--zone dotstub.test] [--expect hash:10 | --expect 192.0.2.77]
               [--nx-zone dotstub.test] [--hot 200] [--miss 0.3] [--nx 0.1]
               [--timeout 5] [--servfails FILE] [--seed 1] [--tag run]
  checkload.py judge --servfails FILE --windows FILE [--grace 1.0]

run sends R queries a second for S seconds, spread over --sockets UDP
sockets (each its own source port, so that SO_REUSEPORT spreads them
over dotstub's loops), then waits up to --timeout for the last answers.
Each query is, at random (--seed):
  - a miss (share --miss): a name asked once, mNNN-TAG.ZONE A;
  - an NXDOMAIN (share --nx): nxNNN.NX-ZONE A, cached negatively after
    the first time (NNN among --hot);
  - else a hit: one of --hot names hNNN.ZONE A, answered from the cache
    once asked.
Every reply must carry its query's ID and question. A is answered
correctly when the A records are exactly the address --expect gives the
name (an address, or hash:OCTET as testup.py's --a computes it), NXDOMAIN
names get NXDOMAIN; SERVFAIL is counted apart, with its send and receive
times (wall clock, seconds since the epoch) written to --servfails, one
"SENT RECEIVED NAME" a line, for judge. Anything else is wrong; no reply
within --timeout is lost.

Prints one summary line:
  sent=N answered=N correct=N servfail=N wrong=N lost=N late=N hits=N misses=N nx=N
and before it one line per wrong answer (at most 20). Exit status 0 when
nothing was wrong or lost (SERVFAILs are judge's business), 1 otherwise.

judge reads the SERVFAIL times and a windows file ("START END WHAT" a
line, wall clock: when every upstream was down or frozen) and counts the
SERVFAILs whose query was outstanding during a window, END extended by
--grace; prints "servfail=N in_window=N outside=N" and each one outside
(at most 20). Exit status 1 when any is outside.

Only the address given is contacted (tests pass loopback); every wait is
bounded.
"""

import argparse
import hashlib
import os
import random
import select
import socket
import struct
import sys
import time

RCODE_NOERROR, RCODE_SERVFAIL, RCODE_NXDOMAIN = 0, 2, 3


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\x00"


def address_for(spec, qname):
    """The A address (4 bytes) spec gives qname: hash:OCTET as testup.py does, or fixed."""
    if spec.startswith("hash:"):
        digest = hashlib.sha256(qname.lower().rstrip(".").encode("ascii")).digest()
        return bytes([int(spec[5:])]) + digest[:3]
    return socket.inet_aton(spec)


def skip_name(msg, off):
    while off < len(msg):
        n = msg[off]
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n
        if n == 0:
            return off
    raise ValueError("name runs past the message")


def parse_reply(msg):
    """(id, rcode, question bytes, set of A addresses); ValueError if malformed."""
    if len(msg) < 12:
        raise ValueError("short message")
    qid, flags, qd, an = struct.unpack(">HHHH", msg[:8])
    if qd != 1:
        raise ValueError("qdcount %d" % qd)
    end = skip_name(msg, 12) + 4
    question = msg[12:end]
    off, addrs = end, set()
    for _ in range(an):
        off = skip_name(msg, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        if rtype == 1 and rdlen == 4:
            addrs.add(msg[off:off + 4])
        off += rdlen
    if off > len(msg):
        raise ValueError("records run past the message")
    return qid, flags & 0x0F, question, addrs


def cmd_run(a):
    rng = random.Random(a.seed)
    socks = []
    for _ in range(a.sockets):
        s = socket.socket(socket.AF_INET6 if ":" in a.host else socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.connect((a.host, a.port))
        s.setblocking(False)
        socks.append(s)
    by_fd = {s.fileno(): i for i, s in enumerate(socks)}
    pending = [dict() for _ in socks]  # per socket: id -> (sent, name, question, expect)
    deadlines = []  # (sent time, socket index, id), in send order
    count = dict(sent=0, answered=0, correct=0, servfail=0, wrong=0, lost=0, late=0,
                 hits=0, misses=0, nx=0)
    problems = []
    sf = open(a.servfails, "w") if a.servfails else None
    total = int(a.seconds * a.rate)
    start = time.monotonic()
    wall0 = time.time() - start
    end = start + a.seconds + a.timeout
    head = 0

    def problem(text):
        count["wrong"] += 1
        if len(problems) < 20:
            problems.append(text)

    def next_query():
        x = rng.random()
        if x < a.miss:
            count["misses"] += 1
            return "m%d-%s.%s" % (count["sent"], a.tag, a.zone), RCODE_NOERROR
        if x < a.miss + a.nx:
            count["nx"] += 1
            return "nx%d.%s" % (rng.randrange(a.hot), a.nx_zone), RCODE_NXDOMAIN
        count["hits"] += 1
        return "h%d.%s" % (rng.randrange(a.hot), a.zone), RCODE_NOERROR

    while True:
        now = time.monotonic()
        if count["sent"] >= total and not any(pending):
            break
        if now >= end:
            break
        due = min(total, int((now - start) * a.rate) + 1) if now < start + a.seconds else total
        while count["sent"] < due:
            i = count["sent"] % len(socks)
            name, rcode = next_query()
            qid = rng.randrange(65536)
            while qid in pending[i]:
                qid = rng.randrange(65536)
            qname = encode_name(name)
            question = qname + struct.pack(">HH", 1, 1)
            msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question
            try:
                socks[i].send(msg)
            except (BlockingIOError, ConnectionRefusedError):
                pass  # counted lost if no reply comes: the load must not stop
            pending[i][qid] = (now, name, question, rcode)
            deadlines.append((now, i, qid))
            count["sent"] += 1
        # Queries past their timeout are lost.
        while head < len(deadlines) and deadlines[head][0] + a.timeout < now:
            _, i, qid = deadlines[head]
            head += 1
            entry = pending[i].get(qid)
            if entry and entry[0] + a.timeout < now:
                del pending[i][qid]
                count["lost"] += 1
        if head > 100000:
            del deadlines[:head]
            head = 0
        r, _, _ = select.select(socks, [], [], 0.005)
        for s in r:
            i = by_fd[s.fileno()]
            for _ in range(64):
                try:
                    msg = s.recv(4096)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                recv = time.monotonic()
                try:
                    qid, rcode, question, addrs = parse_reply(msg)
                except (ValueError, struct.error) as e:
                    problem("unparsable reply: %s" % e)
                    continue
                entry = pending[i].pop(qid, None)
                if entry is None:
                    count["late"] += 1  # after its timeout, or a second reply
                    continue
                sent, name, want_q, want_rcode = entry
                count["answered"] += 1
                if question.lower() != want_q:
                    problem("%s: reply with another question" % name)
                elif rcode == RCODE_SERVFAIL:
                    count["servfail"] += 1
                    if sf:
                        sf.write("%.3f %.3f %s\n" % (wall0 + sent, wall0 + recv, name))
                elif rcode != want_rcode:
                    problem("%s: rcode %d, expected %d" % (name, rcode, want_rcode))
                elif rcode == RCODE_NOERROR and addrs != {address_for(a.expect, name)}:
                    problem("%s: A %s, expected %s" % (
                        name, ",".join(socket.inet_ntoa(x) for x in addrs) or "-",
                        socket.inet_ntoa(address_for(a.expect, name))))
                else:
                    count["correct"] += 1
    count["lost"] += sum(len(p) for p in pending)
    if sf:
        sf.close()
    for p in problems:
        print(p)
    print(" ".join("%s=%d" % (k, v) for k, v in count.items()))
    sys.stdout.flush()
    return 0 if count["wrong"] == 0 and count["lost"] == 0 else 1


def cmd_judge(a):
    windows = []
    with open(a.windows) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                windows.append((float(parts[0]), float(parts[1]) + a.grace))
    n = inside = 0
    outside = []
    with open(a.servfails) as f:
        for line in f:
            sent, recv, name = line.split()[:3]
            sent, recv = float(sent), float(recv)
            n += 1
            if any(sent <= w_end and recv >= w_start for w_start, w_end in windows):
                inside += 1
            else:
                outside.append((sent, recv, name))
    for sent, recv, name in outside[:20]:
        print("SERVFAIL outside the windows: %s sent %.3f answered %.3f (%.0f ms)" % (
            name, sent, recv, (recv - sent) * 1000))
    print("servfail=%d in_window=%d outside=%d" % (n, inside, len(outside)))
    return 1 if outside else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("host")
    r.add_argument("port", type=int)
    r.add_argument("--seconds", type=float, required=True)
    r.add_argument("--rate", type=float, required=True)
    r.add_argument("--sockets", type=int, default=16)
    r.add_argument("--zone", default="dotstub.test")
    r.add_argument("--nx-zone", default="dotstub.test")
    r.add_argument("--expect", default="hash:10")
    r.add_argument("--hot", type=int, default=200)
    r.add_argument("--miss", type=float, default=0.3)
    r.add_argument("--nx", type=float, default=0.1)
    r.add_argument("--timeout", type=float, default=5.0)
    r.add_argument("--servfails")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--tag", default="run")
    r.set_defaults(fn=cmd_run)
    j = sub.add_parser("judge")
    j.add_argument("--servfails", required=True)
    j.add_argument("--windows", required=True)
    j.add_argument("--grace", type=float, default=1.0)
    j.set_defaults(fn=cmd_judge)
    a = p.parse_args()
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
