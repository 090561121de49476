#!/usr/bin/env python3
"""Small DNS client for the integration tests: only the standard library.

kdig is the real client for ordinary queries; this tool does what kdig
cannot: send malformed bytes, pipeline many queries on one TCP connection
in a single write (or split into tiny writes), check that the question's
letter case survives, watch for an idle TCP connection being closed, find
free loopback ports and wait for a listener.

Every network operation talks to the address given on the command line
(the tests only ever pass loopback) and is bounded by a timeout. Output is
one line per result, meant to be compared by the shell scripts; exit
status 0 means the operation itself worked (not that the answer was right),
except where a subcommand says otherwise.
"""

import argparse
import os
import random
import socket
import struct
import sys
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("ascii")
            out += bytes([len(raw)]) + raw
    return out + b"\x00"


def build_query(qid, name, qtype="A", rd=True, edns=None):
    """A standard query; edns is the advertised UDP payload size or None."""
    flags = 0x0100 if rd else 0
    msg = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    msg += encode_name(name) + struct.pack(">HH", TYPES[qtype], 1)
    if edns:
        msg += b"\x00" + struct.pack(">HHIH", 41, edns, 0, 0)
    return msg


def read_name(msg, off):
    """Decompresses a name; returns (text, offset after the name in place)."""
    labels = []
    end = None
    jumps = 0
    while True:
        if off >= len(msg):
            raise ValueError("name runs past the end")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise ValueError("truncated pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumps += 1
            if jumps > 64:
                raise ValueError("pointer loop")
            continue
        if n & 0xC0:
            raise ValueError("bad label type")
        off += 1
        if n == 0:
            break
        if off + n > len(msg):
            raise ValueError("label runs past the end")
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n
    return ".".join(labels) + ".", (end if end is not None else off)


def parse(msg):
    """Parses a response into a dict; raises ValueError if it is malformed."""
    if len(msg) < 12:
        raise ValueError("response shorter than a header (%d bytes)" % len(msg))
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", msg[:12])
    r = {
        "id": qid, "qr": flags >> 15 & 1, "opcode": flags >> 11 & 15, "aa": flags >> 10 & 1,
        "tc": flags >> 9 & 1, "rd": flags >> 8 & 1, "ra": flags >> 7 & 1,
        "rcode": RCODES.get(flags & 15, str(flags & 15)), "qd": qd, "an": an, "ns": ns,
        "ar": ar, "questions": [], "answers": [], "size": len(msg),
    }
    off = 12
    for _ in range(qd):
        name, off = read_name(msg, off)
        if off + 4 > len(msg):
            raise ValueError("truncated question")
        qtype, qclass = struct.unpack(">HH", msg[off:off + 4])
        off += 4
        r["questions"].append((name, qtype, qclass))
    for _ in range(an):
        name, off = read_name(msg, off)
        if off + 10 > len(msg):
            raise ValueError("truncated RR header")
        rtype, rclass, ttl, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        if off + rdlen > len(msg):
            raise ValueError("truncated RDATA")
        rdata = msg[off:off + rdlen]
        off += rdlen
        if rtype == 1 and rdlen == 4:
            text = socket.inet_ntoa(rdata)
        else:
            text = rdata.hex()
        r["answers"].append((name, rtype, ttl, text))
    return r


def summary(r):
    """One comparable line: rcode, flags, counts and sorted A addresses."""
    addrs = sorted(a[3] for a in r["answers"] if a[1] == 1)
    qname = r["questions"][0][0] if r["questions"] else "-"
    return "id=%d qr=%d tc=%d rcode=%s an=%d qname=%s addrs=%s" % (
        r["id"], r["qr"], r["tc"], r["rcode"], r["an"], qname, ",".join(addrs) or "-")


def recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out")
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def cmd_port(args):
    """Prints a port free for both TCP and UDP on 127.0.0.1 (and ::1 with --v6).

    Ports come from below the usual ephemeral range so that outgoing
    connections of the servers under test cannot take them in between.
    """
    hosts = ["127.0.0.1"] + (["::1"] if args.v6 else [])
    rng = random.Random(os.getpid() ^ int(time.time() * 1000))
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        socks = []
        try:
            for host in hosts:
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    s = socket.socket(family_of(host), kind)
                    socks.append(s)
                    s.bind((host, port))
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        print(port)
        return 0
    print("no free port found", file=sys.stderr)
    return 1


def cmd_wait_tcp(args):
    """Exits 0 as soon as a TCP connect succeeds, 1 after the timeout."""
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((args.host, args.port), timeout=0.5):
                return 0
        except OSError:
            time.sleep(0.05)
    return 1


def cmd_has_v6(args):
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return 0
    except OSError:
        return 1


def send_udp(host, port, payload, timeout):
    """Returns the reply bytes, or None when nothing came within timeout."""
    with socket.socket(family_of(host), socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(payload, (host, port))
        try:
            data, _ = s.recvfrom(65535)
            return data
        except socket.timeout:
            return None


def print_reply(data):
    if data is None:
        print("noreply")
        return
    try:
        print(summary(parse(data)))
    except ValueError as e:
        print("unparsable reply (%s): %s" % (e, data[:64].hex()))


def cmd_udp(args):
    """Sends one datagram (hex given) and prints the reply's summary."""
    print_reply(send_udp(args.host, args.port, bytes.fromhex(args.hex), args.timeout))
    return 0


def cmd_tcp(args):
    """Sends raw bytes (hex, framing included or added with --frame) over TCP.

    Prints the summary of the first framed reply, "closed" when the server
    closed without answering, or "noreply" on timeout.
    """
    payload = bytes.fromhex(args.hex)
    if args.frame:
        payload = struct.pack(">H", len(payload)) + payload
    deadline = time.monotonic() + args.timeout
    with socket.create_connection((args.host, args.port), timeout=args.timeout) as s:
        s.sendall(payload)
        if args.half_close:
            s.shutdown(socket.SHUT_WR)
        try:
            (n,) = struct.unpack(">H", recv_exact(s, 2, deadline))
            print_reply(recv_exact(s, n, deadline))
        except EOFError:
            print("closed")
        except socket.timeout:
            print("noreply")
        except ConnectionResetError:
            print("closed")
    return 0


def cmd_query(args):
    """One well-formed query over UDP or TCP, printed in full detail.

    Prints the summary line, then "question NAME" with the exact letter
    case of the answer's question, then one "answer NAME TYPE TTL DATA"
    line per answer record.
    """
    msg = build_query(random.randrange(65536), args.name, args.type,
                      edns=args.edns if args.edns else None)
    if args.tcp:
        deadline = time.monotonic() + args.timeout
        with socket.create_connection((args.host, args.port), timeout=args.timeout) as s:
            s.sendall(struct.pack(">H", len(msg)) + msg)
            (n,) = struct.unpack(">H", recv_exact(s, 2, deadline))
            data = recv_exact(s, n, deadline)
    else:
        data = send_udp(args.host, args.port, msg, args.timeout)
    if data is None:
        print("noreply")
        return 1
    r = parse(data)
    if r["id"] != struct.unpack(">H", msg[:2])[0]:
        print("id mismatch: sent %d got %d" % (struct.unpack(">H", msg[:2])[0], r["id"]))
        return 1
    print(summary(r))
    for q in r["questions"]:
        print("question %s" % q[0])
    for a in r["answers"]:
        print("answer %s %d %d %s" % a)
    return 0


def cmd_pipeline(args):
    """Pipelines queries on one TCP connection, then reads every answer.

    All queries go out before any answer is read: in one write, or in
    --chunk byte pieces with a short pause between them (split reads on
    the server side). Answers may come in any order; each is matched to
    its query by ID and question. Prints one line per query, in the order
    sent: "NAME TYPE rcode=... an=... addrs=..." or "NAME TYPE missing".
    Exit status 1 if any answer is missing, unmatched or malformed.
    """
    ids = random.sample(range(65536), len(args.queries))
    wanted = {}
    blob = b""
    for qid, spec in zip(ids, args.queries):
        name, _, qtype = spec.partition(":")
        qtype = qtype or "A"
        msg = build_query(qid, name, qtype)
        wanted[qid] = (name, qtype)
        blob += struct.pack(">H", len(msg)) + msg
    got = {}
    bad = 0
    deadline = time.monotonic() + args.timeout
    with socket.create_connection((args.host, args.port), timeout=args.timeout) as s:
        if args.chunk:
            for i in range(0, len(blob), args.chunk):
                s.sendall(blob[i:i + args.chunk])
                time.sleep(0.002)
        else:
            s.sendall(blob)
        try:
            while len(got) < len(wanted):
                (n,) = struct.unpack(">H", recv_exact(s, 2, deadline))
                r = parse(recv_exact(s, n, deadline))
                if r["id"] not in wanted or r["id"] in got:
                    print("unexpected or duplicate answer id=%d" % r["id"])
                    bad += 1
                    continue
                name, qtype = wanted[r["id"]]
                q = r["questions"][0] if r["questions"] else None
                if q is None or q[0].lower() != (name.rstrip(".") + ".").lower() \
                        or q[1] != TYPES[qtype]:
                    print("answer id=%d has question %s, expected %s %s" % (r["id"], q, name, qtype))
                    bad += 1
                got[r["id"]] = r
        except (socket.timeout, EOFError, ConnectionResetError, ValueError) as e:
            print("stopped reading after %d of %d answers: %s" % (len(got), len(wanted), e))
    for qid in ids:
        name, qtype = wanted[qid]
        if qid in got:
            r = got[qid]
            addrs = sorted(a[3] for a in r["answers"] if a[1] == 1)
            print("%s %s rcode=%s an=%d addrs=%s" % (name, qtype, r["rcode"], r["an"],
                                                     ",".join(addrs) or "-"))
        else:
            print("%s %s missing" % (name, qtype))
            bad += 1
    return 1 if bad else 0


def cmd_idle(args):
    """Opens a TCP connection, sends nothing, and waits for the server to close it.

    Prints "closed after N.N s" or "still open after N s".
    """
    start = time.monotonic()
    with socket.create_connection((args.host, args.port), timeout=args.timeout) as s:
        s.settimeout(args.timeout)
        try:
            data = s.recv(1)
            if data:
                print("unexpected data")
                return 1
            print("closed after %.1f s" % (time.monotonic() - start))
        except ConnectionResetError:
            print("closed after %.1f s" % (time.monotonic() - start))
        except socket.timeout:
            print("still open after %d s" % args.timeout)
    return 0


def cmd_hold(args):
    """Holds an idle TCP connection open for --seconds (for shutdown tests)."""
    with socket.create_connection((args.host, args.port), timeout=2):
        time.sleep(args.seconds)
    return 0


def cmd_blackhole(args):
    """Listens on a TCP port, accepts connections and never answers.

    Stands in for an upstream that is up but hangs (a TLS handshake that
    never completes). Exits by itself after --seconds.
    """
    srv = socket.socket(family_of(args.host), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(16)
    held = []
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        srv.settimeout(max(0.05, min(1.0, deadline - time.monotonic())))
        try:
            conn, _ = srv.accept()
            held.append(conn)
        except socket.timeout:
            pass
    for c in held:
        c.close()
    srv.close()
    return 0


def cmd_fuzz_udp(args):
    """Sends --count random datagrams (0 to 600 bytes, some with a plausible
    header) without waiting for replies; the seed makes a run repeatable."""
    rng = random.Random(args.seed)
    with socket.socket(family_of(args.host), socket.SOCK_DGRAM) as s:
        for i in range(args.count):
            kind = i % 3
            if kind == 0:
                data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 600)))
            else:
                # A real query with random bytes flipped: gets past the
                # header checks and into the question and EDNS parsing.
                data = bytearray(build_query(rng.randrange(65536), "www.dotstub.test", "A",
                                             edns=1232 if kind == 2 else None))
                for _ in range(rng.randrange(1, 4)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
                data = bytes(data[:rng.randrange(1, len(data) + 1)])
            s.sendto(data, (args.host, args.port))
            if i % 50 == 49:
                time.sleep(0.01)
    print("sent %d datagrams, seed %d" % (args.count, args.seed))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    sp = sub.add_parser("port")
    sp.add_argument("--v6", action="store_true")
    sp.set_defaults(fn=cmd_port)

    sp = sub.add_parser("has-v6")
    sp.set_defaults(fn=cmd_has_v6)

    def target(sp, timeout=3.0):
        sp.add_argument("host")
        sp.add_argument("port", type=int)
        sp.add_argument("--timeout", type=float, default=timeout)

    sp = sub.add_parser("wait-tcp")
    target(sp, 5.0)
    sp.set_defaults(fn=cmd_wait_tcp)

    sp = sub.add_parser("udp")
    target(sp)
    sp.add_argument("hex")
    sp.set_defaults(fn=cmd_udp)

    sp = sub.add_parser("tcp")
    target(sp)
    sp.add_argument("hex")
    sp.add_argument("--frame", action="store_true", help="add the 2-byte length prefix")
    sp.add_argument("--half-close", action="store_true", help="shut down writing after sending")
    sp.set_defaults(fn=cmd_tcp)

    sp = sub.add_parser("query")
    target(sp)
    sp.add_argument("name")
    sp.add_argument("type", nargs="?", default="A")
    sp.add_argument("--tcp", action="store_true")
    sp.add_argument("--edns", type=int, default=0, help="advertised UDP payload size")
    sp.set_defaults(fn=cmd_query)

    sp = sub.add_parser("pipeline")
    target(sp, 8.0)
    sp.add_argument("queries", nargs="+", metavar="NAME[:TYPE]")
    sp.add_argument("--chunk", type=int, default=0, help="write in pieces of this many bytes")
    sp.set_defaults(fn=cmd_pipeline)

    sp = sub.add_parser("idle")
    target(sp, 10.0)
    sp.set_defaults(fn=cmd_idle)

    sp = sub.add_parser("hold")
    sp.add_argument("host")
    sp.add_argument("port", type=int)
    sp.add_argument("--seconds", type=float, default=5.0)
    sp.set_defaults(fn=cmd_hold)

    sp = sub.add_parser("blackhole")
    sp.add_argument("host")
    sp.add_argument("port", type=int)
    sp.add_argument("--seconds", type=float, default=30.0)
    sp.set_defaults(fn=cmd_blackhole)

    sp = sub.add_parser("fuzz-udp")
    sp.add_argument("host")
    sp.add_argument("port", type=int)
    sp.add_argument("--count", type=int, default=300)
    sp.add_argument("--seed", type=int, default=1)
    sp.set_defaults(fn=cmd_fuzz_udp)

    args = p.parse_args()
    try:
        return args.fn(args)
    except (OSError, ValueError, EOFError) as e:
        print("error: %s" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
