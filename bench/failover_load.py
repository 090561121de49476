#!/usr/bin/env python3
"""failover_load: paced UDP queries with a latency for every single one.

  failover_load.py HOST PORT --qps 100 --count 1000 --prefix P
                   [--zone dotstub.test] [--timeout 6] [--after 3]
                   [--events FILE]

Sends --count queries for unique names (P<i>.<zone>, type A, with EDNS) at
a fixed rate from one UDP socket, matching replies by ID (and question),
and waits up to --timeout seconds for the last ones. dnsperf reports
averages; this reports the tail, and which queries were lost. Only the
address given is contacted (loopback in bench/failover.sh), and every wait
is bounded.

Prints one JSON object: sent, answered, noerror, servfail, other, lost,
latency percentiles in ms (p50, p90, p99, p999, max) over all answered
queries, and the same for the queries sent --after seconds or later
("late_*"). With --events FILE, writes one line per query (i, t_sent,
latency_ms or -1, rcode) there.
"""

import argparse
import json
import random
import select
import socket
import struct
import sys
import time


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def query(qid, name):
    head = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1)
    opt = b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0)
    return head + encode_name(name) + struct.pack(">HH", 1, 1) + opt


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return round(v[k], 2)


def summary(lat):
    return {"n": len(lat), "p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99),
            "p999": pct(lat, 99.9), "max": round(max(lat), 2) if lat else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--qps", type=float, default=100)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--prefix", default="f")
    ap.add_argument("--zone", default="dotstub.test")
    ap.add_argument("--timeout", type=float, default=6.0)
    ap.add_argument("--after", type=float, default=3.0)
    ap.add_argument("--events")
    a = ap.parse_args()
    if a.count > 60000:
        sys.exit("--count: at most 60000 (one ID each)")

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.connect((a.host, a.port))
    s.setblocking(False)
    ids = random.sample(range(1, 65536), a.count)
    by_id = {qid: i for i, qid in enumerate(ids)}
    names = ["%s%d.%s" % (a.prefix, i, a.zone) for i in range(a.count)]
    sent_at = [None] * a.count
    lat = [None] * a.count
    rcode = [None] * a.count
    start = time.monotonic()
    interval = 1.0 / a.qps
    nxt = 0
    deadline = None
    while True:
        now = time.monotonic()
        while nxt < a.count and now >= start + nxt * interval:
            sent_at[nxt] = time.monotonic()
            try:
                s.send(query(ids[nxt], names[nxt]))
            except BlockingIOError:
                pass  # counted as lost if nothing comes back
            nxt += 1
            now = time.monotonic()
        if nxt == a.count and deadline is None:
            deadline = now + a.timeout
        if deadline is not None and (now >= deadline or all(r is not None for r in rcode)):
            break
        wake = start + nxt * interval if nxt < a.count else deadline
        r, _, _ = select.select([s], [], [], max(0.0, min(wake - now, 0.05)))
        if not r:
            continue
        while True:
            try:
                msg = s.recv(4096)
            except BlockingIOError:
                break
            t = time.monotonic()
            if len(msg) < 12:
                continue
            i = by_id.get(struct.unpack(">H", msg[:2])[0])
            if i is None or rcode[i] is not None or sent_at[i] is None:
                continue
            if encode_name(names[i]).lower() not in msg[12:].lower():
                continue
            rcode[i] = msg[3] & 0x0F
            lat[i] = (t - sent_at[i]) * 1000.0
    answered = [i for i in range(a.count) if rcode[i] is not None]
    all_lat = [lat[i] for i in answered]
    late_lat = [lat[i] for i in answered if sent_at[i] - start >= a.after]
    out = {
        "sent": nxt,
        "answered": len(answered),
        "noerror": sum(1 for i in answered if rcode[i] == 0),
        "servfail": sum(1 for i in answered if rcode[i] == 2),
        "other": sum(1 for i in answered if rcode[i] not in (0, 2)),
        "lost": a.count - len(answered),
        "duration_s": round(time.monotonic() - start, 2),
        "all": summary(all_lat),
        "late": summary(late_lat),
        "after_s": a.after,
    }
    if a.events:
        with open(a.events, "w") as f:
            for i in range(a.count):
                f.write("%d %.4f %.2f %s\n" % (i, sent_at[i] - start, lat[i] if lat[i] is not None
                                                else -1, rcode[i] if rcode[i] is not None else "-"))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
