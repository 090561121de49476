#!/usr/bin/env python3
"""testup: dotstub's fault-injecting DNS-over-TLS test upstream.

Python 3 standard library only (asyncio + ssl); runs with Debian 12's
python3 (3.11). Listens on 127.0.0.1 only and synthesizes every answer
itself, so a test can make it misbehave in exactly one way at a time.

  testup.py serve --cert CERT --key KEY --port PORT|auto --log FILE
                  [--control-port PORT|auto] [--stats FILE] [--mode SPEC]...
                  [--zone dotstub.test] [--a 192.0.2.1 | --a hash:OCTET]
                  [--ttl 300] [--soa-ttl 300] [--soa-min 60]
                  [--big-size 3000] [--tls any|1.2|1.3] [--seconds 300]
                  [--forward 127.0.0.1:PORT]
  testup.py ctl PORT COMMAND...    sends one control line, prints the reply
  testup.py addr A-SPEC NAME...    prints the A address serve gives NAME

Answers (names compared without regard to case; the question is echoed
byte for byte, so 0x20 case survives, and so is the ID):
  - a name under --zone whose first label starts with "nx": NXDOMAIN, with
    the zone's SOA (TTL --soa-ttl, MINIMUM --soa-min) in the authority;
  - a name whose first label starts with "big", type TXT: about --big-size
    bytes of TXT records (200 characters each);
  - any other name in the zone, type A: one A record, TTL --ttl, address
    --a (fixed), or with --a hash:OCTET the address OCTET.x.y.z where
    x.y.z are the first three bytes of SHA-256 of the lower-cased name
    without its final dot (so a mixed-up answer is detectable; the addr
    subcommand and address_for() compute the same);
  - other types in the zone: NOERROR without answers, SOA in authority;
  - names outside the zone: REFUSED. Unparsable questions: FORMERR.
A query with an OPT record gets an OPT back (payload 1232).

With --forward ADDR:PORT (a loopback address), testup synthesizes
nothing: each query is sent as it came (ID, flags, OPT with DO and CD)
over plain TCP, one connection per query, to that DNS server, and its
answer is relayed (a SERVFAIL when it does not answer within 5 s). The
answer modes below still apply (servfail answers SERVFAIL itself; delay
waits before forwarding); reverse does not keep its order (answers go
out as they come back), close-mid-answer cuts a synthesized answer, and
keepalive is not added to forwarded answers. This is how a test puts a
real resolver (an unbound serving a signed zone) behind testup's faults.

Behaviours (SPEC), given with --mode at start (repeatable) or at run
time on the control port. An answer mode replaces the previous one;
keepalive, idle-close and strip are independent settings:
  normal            answer every query at once (also reopens the listener)
  refuse            close the listening socket (new connections are
                    refused); open connections keep being answered
  stall             complete handshakes, read queries, never answer
  delay=MS          answer each query MS milliseconds after it arrived
  close-after=N     hold the answers; after reading the Nth query on a
                    connection, close it abruptly (TCP abort, no TLS
                    close_notify, nothing answered)
  close-mid-answer  for the first query on a connection, write the first
                    half of its framed answer, then abort the connection
  servfail          answer SERVFAIL (question echoed)
  freeze-after=N    hold the answers; once N queries have been read (on
                    any connections) since this was set, freeze every
                    open connection (as the "freeze" command does, so the
                    held queries are never answered) and revert to normal
  reverse[=MS]      collect queries for MS ms (default 30) after the first
                    of a batch, then answer the batch in reverse order
  keepalive=T|off   add edns-tcp-keepalive with TIMEOUT T (units of 100 ms)
                    to the OPT of every answer
  idle-close=MS|off close (TLS close_notify) a connection that has had no
                    traffic and owes no answer for MS milliseconds
  strip=TYPES|off   remove every record of these types (a comma-separated
                    list of rrsig, dnskey, ds, nsec, nsec3, or numbers)
                    from every section of every answer, forwarded or
                    synthesized, and fix the counts: strip=rrsig is an
                    upstream (a middlebox) that drops DNSSEC signatures
close-after and close-mid-answer take an optional ":K" suffix
(close-after=50:1): the fault fires K times, then the mode reverts to
normal by itself; without it the fault fires on every connection.

Control port (--control-port, 127.0.0.1): one command per line, one reply
line per command ("ok ..." or "error ..."). A command is one or more SPECs
separated by spaces, or one of: "status" (the current settings), "stats"
(the counters), "drop" (abort every open connection), "freeze" (every
open connection goes silent for good: whatever arrives on it is read and
ignored, nothing is written on it again, not even answers already owed
or an idle close; the listener and new connections behave as set: what
a client sees after a Wi-Fi roam or a NAT mapping timing out; replies
"ok frozen N unanswered=K"), "quit". A shell can
use `testup.py ctl PORT stall`, or bash's /dev/tcp.

"auto" ports are picked at random from 20000-31999, below the usual
ephemeral range (as the harness's own port picker does), until one is
free; the "ready" log line says which.

Log (--log): one line per event, key=value fields after a word:
  ready port=P control=C
  conn conn=N t=SEC event=accepted peer=ADDR
  conn conn=N t=SEC event=tls resumed=0|1 version=TLSv1.3 cipher=NAME
  conn conn=N t=SEC event=handshake-failed error=TEXT
  query conn=N t=SEC id=ID len=WIRELEN qname=NAME qtype=TYPE edns=0|1
        pad=0|1 ka=0|1 ecs=-|PREFIX/ADDRHEX inflight=K mode=MODE
  forward conn=N t=SEC id=ID qname=NAME qtype=TYPE rcode=R stripped=K
        (--forward: the relayed answer's rcode, K records removed by strip;
        rcode=timeout when the server did not answer, SERVFAIL was sent)
  fault conn=N t=SEC what=close-after|close-mid-answer queries=K
  fault conn=N t=SEC what=freeze queries=K unanswered=K
  batch conn=N t=SEC order=reverse n=K
  conn conn=N t=SEC event=closed by=peer|server reason=R queries=K answered=K
  mode t=SEC SETTINGS
t is seconds since start; len is the DNS message length (without the
2-byte prefix); pad and ka say whether the query's OPT carried the
padding (12) and edns-tcp-keepalive (11) options; inflight counts the
queries read on that connection whose answers are not written yet, this
one included (answers to the queries of one read go out in one write, so
a batch of N pipelined queries reaches inflight=N).
--stats FILE is rewritten with one line of counters ("accepted=... tls=...
resumed=... handshake_failed=... queries=... answered=... faults=...") at
every connection event, shortly after queries, and at exit.

Exit status: 0 after SIGTERM/SIGINT, "quit" or --seconds; 3 when a port is
in use (the caller picks another); 2 on other start-up errors.
"""

import argparse
import asyncio
import copy
import errno
import hashlib
import os
import random
import signal
import socket
import ssl
import struct
import sys
import time

TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
         41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 50: "NSEC3", 255: "ANY"}
STRIP_NAMES = {"rrsig": 46, "dnskey": 48, "ds": 43, "nsec": 47, "nsec3": 50}
FORWARD_TIMEOUT = 5.0
OPT_KEEPALIVE = 11
OPT_PADDING = 12
RCODE_FORMERR, RCODE_SERVFAIL, RCODE_NXDOMAIN, RCODE_REFUSED = 1, 2, 3, 5
ANSWER_MODES = ("normal", "refuse", "stall", "delay", "close-after", "close-mid-answer",
                "servfail", "reverse", "freeze-after")
EXIT_PORT_IN_USE = 3


# --- DNS wire ------------------------------------------------------------------

def address_for(spec, qname):
    """The 4-byte A address for qname (text, any case) under an --a spec."""
    if spec.startswith("hash:"):
        first = int(spec[5:])
        digest = hashlib.sha256(qname.lower().rstrip(".").encode("ascii", "replace")).digest()
        return bytes([first]) + digest[:3]
    return socket.inet_aton(spec)


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("ascii")
            out += bytes([len(raw)]) + raw
    return out + b"\x00"


def label_text(raw):
    return "".join(chr(b) if 0x21 <= b < 0x7F and b not in (0x2E, 0x5C) else "\\%03d" % b
                   for b in raw)


class Query:
    """A parsed query. Raises ValueError when even the question is unusable."""

    def __init__(self, msg):
        if len(msg) < 12:
            raise ValueError("shorter than a header")
        (self.id, self.flags, qd, an, ns, ar) = struct.unpack(">HHHHHH", msg[:12])
        self.edns = self.pad = self.ka = self.do = False
        self.ecs = "-"  # "-" none, else SOURCE-PREFIX/ADDRESS-HEX of the ECS option
        self.qname = "."
        self.qtype = 0
        self.qend = 12
        if qd != 1:
            raise ValueError("qdcount %d" % qd)
        off, labels = 12, []
        while True:
            if off >= len(msg):
                raise ValueError("name runs past the end")
            n = msg[off]
            if n & 0xC0:
                raise ValueError("compressed or bad label in the question")
            off += 1
            if n == 0:
                break
            if off + n > len(msg):
                raise ValueError("label runs past the end")
            labels.append(label_text(msg[off:off + n]))
            off += n
        if off + 4 > len(msg):
            raise ValueError("truncated question")
        self.qname = ".".join(labels) + "."
        self.qtype, self.qclass = struct.unpack(">HH", msg[off:off + 4])
        self.qend = off + 4
        self.question = msg[12:self.qend]
        self.raw = msg
        self._parse_additional(msg, an + ns, ar)

    def _parse_additional(self, msg, skip, ar):
        off = self.qend
        for i in range(skip + ar):
            while off < len(msg) and msg[off] and not msg[off] & 0xC0:
                off += msg[off] + 1
            off += 2 if off < len(msg) and msg[off] & 0xC0 else 1
            if off + 10 > len(msg):
                return
            rtype, _, ttl, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
            off += 10
            if i >= skip and rtype == 41:
                self.edns = True
                self.do = bool(ttl & 0x8000)
                o, end = off, min(off + rdlen, len(msg))
                while o + 4 <= end:
                    code, olen = struct.unpack(">HH", msg[o:o + 4])
                    self.pad |= code == OPT_PADDING
                    self.ka |= code == OPT_KEEPALIVE
                    if code == 8 and olen >= 4:
                        self.ecs = "%d/%s" % (msg[o + 6], msg[o + 8:o + 4 + olen].hex() or "none")
                    o += 4 + olen
            off += rdlen


class Answers:
    """Builds answers from the serve options."""

    def __init__(self, args):
        self.zone = args.zone.lower().rstrip(".")
        self.zone_wire = encode_name(self.zone)
        self.a = args.a
        address_for(self.a, "check.the.spec")
        self.ttl, self.soa_ttl, self.soa_min = args.ttl, args.soa_ttl, args.soa_min
        self.big_size = args.big_size

    def in_zone(self, qname):
        n = qname.lower().rstrip(".")
        return n == self.zone or n.endswith("." + self.zone)

    @staticmethod
    def rr(name_wire, rtype, ttl, rdata):
        return name_wire + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata

    def soa(self):
        z = self.zone_wire
        rdata = (encode_name("ns." + self.zone) + encode_name("admin." + self.zone) +
                 struct.pack(">IIIII", 1, 3600, 600, 86400, self.soa_min))
        return self.rr(z, 6, self.soa_ttl, rdata)

    def big_txt(self):
        out, i = [], 0
        while i * 200 < max(self.big_size, 1):
            text = ("big-%03d-" % i).encode() + b"x" * 192
            out.append(self.rr(b"\xc0\x0c", 16, self.ttl, bytes([len(text)]) + text))
            i += 1
        return out

    def build(self, q, rcode=None, keepalive=None):
        """The answer to q; rcode forces that rcode with no records."""
        an, ns = [], []
        if rcode is None:
            first = q.qname.split(".")[0].lower()
            if q.qclass != 1 or not self.in_zone(q.qname):
                rcode = RCODE_REFUSED
            elif first.startswith("nx"):
                rcode = RCODE_NXDOMAIN
                ns.append(self.soa())
            else:
                rcode = 0
                if first.startswith("big") and q.qtype in (16, 255):
                    an = self.big_txt()
                elif q.qtype == 1:
                    an.append(self.rr(b"\xc0\x0c", 1, self.ttl, address_for(self.a, q.qname)))
                else:
                    ns.append(self.soa())
        ar = []
        if q.edns:
            opts = b""
            if keepalive is not None:
                opts += struct.pack(">HHH", OPT_KEEPALIVE, 2, keepalive)
            ar.append(b"\x00" + struct.pack(">HHIH", 41, 1232, 0x8000 if q.do else 0, len(opts)) +
                      opts)
        flags = 0x8000 | (q.flags & 0x7800) | 0x0400 | (q.flags & 0x0100) | 0x0080 | (q.flags & 0x0010) | rcode
        head = struct.pack(">HHHHHH", q.id, flags, 1, len(an), len(ns), len(ar))
        return head + q.question + b"".join(an + ns + ar)


def formerr(msg):
    """Header-only FORMERR for a query whose question could not be read."""
    qid, flags = struct.unpack(">HH", msg[:4])
    return struct.pack(">HHHHHH", qid, 0x8000 | (flags & 0x7900) | RCODE_FORMERR, 0, 0, 0, 0)


def frame(msg):
    return struct.pack(">H", len(msg)) + msg


def read_name(msg, off):
    """The name at off, decompressed (wire form), and the offset after it."""
    out, end, jumps = b"", None, 0
    while True:
        if off >= len(msg):
            raise ValueError("name runs past the end")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg) or jumps > 64:
                raise ValueError("bad compression pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumps += 1
            continue
        if n & 0xC0:
            raise ValueError("bad label type")
        out += msg[off:off + 1 + n]
        off += 1 + n
        if n == 0:
            return out, end if end is not None else off


# The layout of RDATA that may hold compressed names (RFC 1035 and the
# types RFC 3597 section 4 lets old servers compress): (bytes before, names,
# bytes after); other types are copied as they are.
RDATA_NAMES = {2: (0, 1), 3: (0, 1), 4: (0, 1), 5: (0, 1), 7: (0, 1), 8: (0, 1), 9: (0, 1),
               12: (0, 1), 39: (0, 1), 6: (0, 2), 14: (0, 2), 17: (0, 2), 15: (2, 1),
               18: (2, 1), 21: (2, 1), 36: (2, 1), 33: (6, 1)}


def strip_types(msg, types):
    """msg without the records of these types, every name decompressed.

    Returns (message, records removed). The question is kept as it is."""
    (qid, flags, qd, an, ns, ar) = struct.unpack(">HHHHHH", msg[:12])
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    body, counts, removed = msg[12:off], [], 0
    for count in (an, ns, ar):
        kept = 0
        for _ in range(count):
            owner, off = read_name(msg, off)
            rtype, rclass, ttl, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
            off += 10
            rdata, end = msg[off:off + rdlen], off + rdlen
            if rtype in RDATA_NAMES:
                before, names = RDATA_NAMES[rtype]
                o = off + before
                rdata = msg[off:o]
                for _ in range(names):
                    name, o = read_name(msg, o)
                    rdata += name
                rdata += msg[o:end]
            off = end
            if rtype in types:
                removed += 1
                continue
            body += owner + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata
            kept += 1
        counts.append(kept)
    return struct.pack(">HHHHHH", qid, flags, qd, *counts) + body, removed


def parse_strip(val):
    """strip=TYPES: a frozenset of type numbers (empty for off)."""
    if val == "off":
        return frozenset()
    out = set()
    for word in val.lower().split(","):
        if word in STRIP_NAMES:
            out.add(STRIP_NAMES[word])
        elif word.isdigit() and 0 < int(word) < 65536 and int(word) != 41:
            out.add(int(word))
        else:
            raise ValueError("strip takes rrsig, dnskey, ds, nsec, nsec3 or type numbers, "
                             "comma-separated, or off")
    return frozenset(out)


async def forward_query(addr, raw):
    """Sends raw over TCP to addr (host, port); returns the answer or None."""
    w = None
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(*addr), FORWARD_TIMEOUT)
        w.write(frame(raw))
        (n,) = struct.unpack(">H", await asyncio.wait_for(r.readexactly(2), FORWARD_TIMEOUT))
        return await asyncio.wait_for(r.readexactly(n), FORWARD_TIMEOUT)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        return None
    finally:
        if w is not None:
            w.close()


# --- settings ------------------------------------------------------------------

class Settings:
    def __init__(self):
        self.mode = "normal"
        self.arg = None        # delay ms, close-after N, reverse window ms
        self.times = None      # faults left before reverting to normal (None: unlimited)
        self.keepalive = None  # 100 ms units
        self.idle_close_ms = None
        self.strip = frozenset()  # record types removed from every answer

    def describe(self):
        m = self.mode if self.arg is None else "%s=%s" % (self.mode, self.arg)
        if self.times is not None:
            m += ":%d" % self.times
        strip = ",".join(TYPES.get(t, str(t)).lower() for t in sorted(self.strip)) or "off"
        return "mode=%s keepalive=%s idle-close=%s strip=%s" % (
            m, "off" if self.keepalive is None else self.keepalive,
            "off" if self.idle_close_ms is None else self.idle_close_ms, strip)

    def apply(self, spec):
        """Applies one SPEC; raises ValueError with a reason."""
        base, colon, count = spec.partition(":")
        name, _, val = base.partition("=")
        times = None
        if colon:
            if name not in ("close-after", "close-mid-answer"):
                raise ValueError("only close-after and close-mid-answer take :K")
            times = int(count)
            if times < 1:
                raise ValueError("the :K suffix must be at least 1")
        if name == "keepalive":
            self.keepalive = None if val == "off" else int(val)
            if self.keepalive is not None and not 0 <= self.keepalive <= 65535:
                raise ValueError("keepalive is 0 to 65535 (units of 100 ms)")
            return
        if name == "idle-close":
            self.idle_close_ms = None if val == "off" else int(val)
            return
        if name == "strip":
            self.strip = parse_strip(val)
            return
        if name not in ANSWER_MODES:
            raise ValueError("unknown behaviour %r" % spec)
        arg = None
        if name in ("delay", "close-after", "freeze-after"):
            if not val:
                raise ValueError("%s needs =N" % name)
            arg = int(val)
            if arg < (0 if name == "delay" else 1):
                raise ValueError("%s=%d is out of range" % (name, arg))
        elif name == "reverse":
            arg = int(val) if val else 30
        elif val:
            raise ValueError("%s takes no value" % name)
        self.mode, self.arg, self.times = name, arg, times


# --- the server ----------------------------------------------------------------

class Upstream:
    def __init__(self, args):
        self.args = args
        self.answers = Answers(args)
        self.forward = None
        if args.forward:
            host, _, port = args.forward.rpartition(":")
            host = host.strip("[]")
            if not (host.startswith("127.") or host == "::1"):
                raise ValueError("--forward must be a loopback address")
            self.forward = (host, int(port))
        self.settings = Settings()
        for spec in args.mode:
            self.settings.apply(spec)
        self.loop = None
        self.listener = None
        self.port = self.control_port = 0
        self.conns = set()
        self.nconn = 0
        self.start = time.monotonic()
        self.stats = dict(accepted=0, tls=0, resumed=0, handshake_failed=0, queries=0,
                          answered=0, faults=0, closed_by_server=0, closed_by_peer=0)
        self.stats_handle = None
        self.read_since_set = 0  # queries read since the settings last changed (freeze-after)
        self.logf = open(args.log, "a", buffering=1)
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(args.cert, args.key)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if args.tls == "1.2":
            self.ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        elif args.tls == "1.3":
            self.ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        self.done = None

    def now(self):
        return "%.3f" % (time.monotonic() - self.start)

    def log(self, word, text):
        self.logf.write("%s %s\n" % (word, text))

    def write_stats(self):
        self.stats_handle = None
        if not self.args.stats:
            return
        tmp = self.args.stats + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.stats_line() + "\n")
        os.replace(tmp, self.args.stats)

    def stats_soon(self):
        if self.stats_handle is None and self.loop:
            self.stats_handle = self.loop.call_later(0.1, self.write_stats)

    def stats_line(self):
        return " ".join("%s=%d" % kv for kv in self.stats.items()) + " open=%d" % len(self.conns)

    def fault_fired(self):
        """Counts one fault; a mode with :K reverts to normal after K."""
        self.stats["faults"] += 1
        s = self.settings
        if s.times is not None:
            s.times -= 1
            if s.times <= 0:
                s.mode, s.arg, s.times = "normal", None, None
                self.log("mode", "t=%s %s (fault count reached)" % (self.now(), s.describe()))

    def freeze(self):
        """Freezes every open connection; returns (connections, unanswered queries)."""
        n = unanswered = 0
        for c in sorted(self.conns, key=lambda c: c.num):
            if not c.frozen:
                c.freeze()
                n += 1
                unanswered += c.inflight
        return n, unanswered

    async def open_listener(self):
        if self.listener is None:
            self.listener = await self.loop.create_server(
                lambda: Conn(self), "127.0.0.1", self.port, reuse_address=True, backlog=128)

    async def bind_first(self):
        """Binds the DoT port (or, in refuse mode, proves it free) and the control port."""
        rng = random.Random(os.getpid() ^ time.time_ns())
        for attempt in range(200):
            self.port = (rng.randrange(20000, 32000) if self.args.port == "auto"
                         else int(self.args.port))
            try:
                if self.settings.mode != "refuse":
                    await self.open_listener()
                else:
                    with socket.socket() as probe:
                        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                        probe.bind(("127.0.0.1", self.port))
                break
            except OSError as e:
                if self.args.port != "auto" or e.errno != errno.EADDRINUSE or attempt == 199:
                    raise
        if not self.args.control_port:
            return None
        for attempt in range(200):
            self.control_port = (rng.randrange(20000, 32000) if self.args.control_port == "auto"
                                 else int(self.args.control_port))
            if self.control_port == self.port:
                continue
            try:
                return await asyncio.start_server(self.on_control, "127.0.0.1", self.control_port,
                                                  reuse_address=True)
            except OSError as e:
                if self.args.control_port != "auto" or e.errno != errno.EADDRINUSE or attempt == 199:
                    raise
        raise OSError(errno.EADDRINUSE, "no free control port")

    def close_listener(self):
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    async def set_specs(self, specs):
        """Applies every SPEC of one command, or none of them."""
        settings = copy.copy(self.settings)
        for spec in specs:
            settings.apply(spec)
        self.settings = settings
        self.read_since_set = 0
        if self.settings.mode == "refuse":
            self.close_listener()
        else:
            await self.open_listener()
        self.log("mode", "t=%s %s" % (self.now(), self.settings.describe()))
        return self.settings.describe()

    async def control(self, line):
        words = line.split()
        if not words:
            return "error empty command"
        if words == ["status"]:
            return "ok " + self.settings.describe()
        if words == ["stats"]:
            return "ok " + self.stats_line()
        if words == ["drop"]:
            n = len(self.conns)
            for c in list(self.conns):
                c.abort("dropped")
            return "ok dropped %d" % n
        if words == ["freeze"]:
            n, unanswered = self.freeze()
            return "ok frozen %d unanswered=%d" % (n, unanswered)
        if words == ["quit"]:
            if not self.done.done():
                self.done.set_result(0)
            return "ok quitting"
        try:
            return "ok " + await self.set_specs(words)
        except (ValueError, OSError) as e:
            return "error %s" % e

    async def on_control(self, reader, writer):
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), 60)
                if not line:
                    break
                writer.write((await self.control(line.decode("ascii", "replace")) + "\n").encode())
                await writer.drain()
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    async def run(self):
        self.loop = asyncio.get_running_loop()
        self.done = self.loop.create_future()
        try:
            ctl = await self.bind_first()
        except OSError as e:
            print("testup: cannot listen: %s" % e, file=sys.stderr)
            return EXIT_PORT_IN_USE if e.errno == errno.EADDRINUSE else 2
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.loop.add_signal_handler(sig, lambda: self.done.done() or self.done.set_result(0))
        self.loop.call_later(self.args.seconds,
                             lambda: self.done.done() or self.done.set_result(0))
        self.log("mode", "t=%s %s" % (self.now(), self.settings.describe()))
        self.log("ready", "port=%d control=%d" % (self.port, self.control_port))
        self.write_stats()
        rc = await self.done
        self.close_listener()
        if ctl:
            ctl.close()
        for c in list(self.conns):
            c.abort("exit")
        await asyncio.sleep(0.05)
        self.write_stats()
        self.log("exit", "t=%s %s" % (self.now(), self.stats_line()))
        return rc


class Conn(asyncio.Protocol):
    """One client connection: plain TCP until start_tls has finished."""

    def __init__(self, up):
        self.up = up
        self.tcp = None
        self.t = None           # the TLS transport, once the handshake is done
        self.buf = b""
        self.num = 0
        self.queries = 0
        self.answered = 0
        self.inflight = 0
        self.held = []          # close-after: queries read, not answered
        self.batch = []         # reverse: (query) waiting for the batch timer
        self.batch_handle = None
        self.delayed = set()    # delay: timer handles of answers not yet sent
        self.forwarding = 0     # --forward: answers awaited from the server
        self.out = []           # answers built during one data_received
        self.idle_handle = None
        self.closed = False
        self.frozen = False     # silent for good: reads ignored, nothing written
        self.dying = False      # a fault has started: read nothing more
        self.closed_by = None
        self.reason = None

    # Plain TCP until the handshake is done.
    def connection_made(self, transport):
        up = self.up
        self.tcp = transport
        transport.pause_reading()
        up.nconn += 1
        self.num = up.nconn
        up.conns.add(self)
        up.stats["accepted"] += 1
        peer = transport.get_extra_info("peername")
        up.log("conn", "conn=%d t=%s event=accepted peer=%s:%s" % (self.num, up.now(), peer[0],
                                                                  peer[1]))
        up.loop.create_task(self.handshake())

    async def handshake(self):
        up = self.up
        try:
            t = await up.loop.start_tls(self.tcp, self, up.ctx, server_side=True,
                                        ssl_handshake_timeout=10)
        except (ssl.SSLError, OSError, ConnectionError, asyncio.TimeoutError) as e:
            up.stats["handshake_failed"] += 1
            up.log("conn", "conn=%d t=%s event=handshake-failed error=%s" % (
                self.num, up.now(), str(e).replace("\n", " ") or type(e).__name__))
            self.finish("handshake")
            return
        if self.closed or t is None:
            self.finish("handshake")
            return
        self.t = t
        obj = t.get_extra_info("ssl_object")
        resumed = bool(obj and obj.session_reused)
        up.stats["tls"] += 1
        up.stats["resumed"] += resumed
        up.log("conn", "conn=%d t=%s event=tls resumed=%d version=%s cipher=%s" % (
            self.num, up.now(), resumed, obj.version() if obj else "?",
            obj.cipher()[0] if obj and obj.cipher() else "?"))
        up.write_stats()
        self.arm_idle()
        if self.buf:
            self.data_received(b"")

    def data_received(self, data):
        if self.frozen:
            return  # a dead path: the bytes go nowhere
        self.buf += data
        if self.t is None or self.dying:
            return  # before the handshake returned to us; or going away
        while len(self.buf) >= 2 and not self.dying:
            (n,) = struct.unpack(">H", self.buf[:2])
            if len(self.buf) < 2 + n:
                break
            msg, self.buf = self.buf[2:2 + n], self.buf[2 + n:]
            self.on_query(msg)
        self.flush()
        self.arm_idle()

    def eof_received(self):
        self.closed_by = self.closed_by or "peer"
        return False

    def connection_lost(self, exc):
        if self.closed_by is None:
            self.closed_by = "peer"
        self.finish("reset" if exc else "eof")

    # Queries and answers.
    def on_query(self, msg):
        up, s = self.up, self.up.settings
        self.queries += 1
        up.stats["queries"] += 1
        up.stats_soon()
        try:
            q = Query(msg)
        except ValueError as e:
            up.log("query", "conn=%d t=%s len=%d malformed=%s" % (
                self.num, up.now(), len(msg), str(e).replace(" ", "_")))
            if len(msg) >= 12:
                self.inflight += 1
                self.out.append(frame(formerr(msg)))
            return
        self.inflight += 1
        mode = s.mode if s.arg is None else "%s=%s" % (s.mode, s.arg)
        up.log("query", "conn=%d t=%s id=%d len=%d qname=%s qtype=%s edns=%d pad=%d ka=%d "
               "ecs=%s inflight=%d mode=%s" % (
                   self.num, up.now(), q.id, len(msg), q.qname,
                   TYPES.get(q.qtype, "TYPE%d" % q.qtype), q.edns, q.pad, q.ka, q.ecs,
                   self.inflight, mode))
        if s.mode == "stall":
            return
        if s.mode == "freeze-after":
            up.read_since_set += 1
            if up.read_since_set >= s.arg:
                s.mode, s.arg = "normal", None
                up.freeze()
                up.log("mode", "t=%s %s (froze after %d queries)" % (
                    up.now(), s.describe(), up.read_since_set))
            return
        if s.mode == "servfail":
            self.answer(q, RCODE_SERVFAIL)
        elif s.mode == "delay":
            h = None

            def later():
                self.delayed.discard(h)
                self.answer(q)
                self.flush()
                self.arm_idle()
            h = up.loop.call_later(s.arg / 1000.0, later)
            self.delayed.add(h)
        elif s.mode == "close-after":
            self.held.append(q)
            if len(self.held) >= s.arg:
                up.log("fault", "conn=%d t=%s what=close-after queries=%d" % (
                    self.num, up.now(), len(self.held)))
                up.fault_fired()
                self.abort("close-after")
        elif s.mode == "close-mid-answer":
            wire = frame(up.answers.build(q, keepalive=s.keepalive))
            up.log("fault", "conn=%d t=%s what=close-mid-answer queries=%d bytes=%d/%d" % (
                self.num, up.now(), self.queries, len(wire) // 2, len(wire)))
            up.fault_fired()
            self.flush()
            self.t.write(wire[:len(wire) // 2])
            self.dying = True
            # Give the half frame time to leave before the abort drops buffers.
            up.loop.call_later(0.05, self.abort, "close-mid-answer")
        elif s.mode == "reverse":
            self.batch.append(q)
            if self.batch_handle is None:
                self.batch_handle = up.loop.call_later(s.arg / 1000.0, self.flush_batch)
        else:
            self.answer(q)

    def flush_batch(self):
        self.batch_handle = None
        batch, self.batch = self.batch, []
        self.up.log("batch", "conn=%d t=%s order=reverse n=%d" % (self.num, self.up.now(),
                                                                 len(batch)))
        for q in reversed(batch):
            self.answer(q)
        self.flush()
        self.arm_idle()

    def freeze(self):
        up = self.up
        self.frozen = True
        self.out = []
        self.buf = b""
        for h in list(self.delayed) + [self.batch_handle, self.idle_handle]:
            if h:
                h.cancel()
        self.delayed.clear()
        self.batch, self.batch_handle, self.idle_handle = [], None, None
        up.stats["faults"] += 1
        up.log("fault", "conn=%d t=%s what=freeze queries=%d unanswered=%d" % (
            self.num, up.now(), self.queries, self.inflight))

    def answer(self, q, rcode=None):
        if self.closed or self.dying or self.frozen:
            return
        if rcode is None and self.up.forward:
            self.forwarding += 1
            self.up.loop.create_task(self.forward_answer(q))
            return
        msg = self.up.answers.build(q, rcode, self.up.settings.keepalive)
        if self.up.settings.strip:
            msg, _ = strip_types(msg, self.up.settings.strip)
        self.out.append(frame(msg))

    async def forward_answer(self, q):
        up = self.up
        msg = await forward_query(up.forward, q.raw)
        self.forwarding -= 1
        removed, rcode = 0, "timeout"
        if msg is None or len(msg) < 12:
            msg = up.answers.build(q, RCODE_SERVFAIL)
        else:
            rcode = str(msg[3] & 0x0F)
            if up.settings.strip:
                try:
                    msg, removed = strip_types(msg, up.settings.strip)
                except (ValueError, struct.error) as e:
                    rcode = "unparsable:" + str(e).replace(" ", "_")
                    msg = up.answers.build(q, RCODE_SERVFAIL)
        up.log("forward", "conn=%d t=%s id=%d qname=%s qtype=%s rcode=%s stripped=%d" % (
            self.num, up.now(), q.id, q.qname, TYPES.get(q.qtype, "TYPE%d" % q.qtype), rcode,
            removed))
        if self.closed or self.dying or self.frozen:
            return
        self.out.append(frame(msg))
        self.flush()
        self.arm_idle()

    def flush(self):
        """Writes the answers built so far, in one write."""
        if self.frozen:
            self.out = []
        if self.out and self.t is not None and not self.closed and not self.t.is_closing():
            self.t.write(b"".join(self.out))
            self.inflight -= len(self.out)
            self.answered += len(self.out)
            self.up.stats["answered"] += len(self.out)
        self.out = []

    # Idle timer and teardown.
    def arm_idle(self):
        if self.idle_handle:
            self.idle_handle.cancel()
            self.idle_handle = None
        ms = self.up.settings.idle_close_ms
        if ms is not None and not self.closed and not self.frozen and self.t is not None:
            self.idle_handle = self.up.loop.call_later(ms / 1000.0, self.on_idle)

    def on_idle(self):
        self.idle_handle = None
        if self.closed or self.dying:
            return
        if self.delayed or self.batch or self.forwarding:
            self.arm_idle()
            return
        self.up.log("conn", "conn=%d t=%s event=idle-close after_ms=%d" % (
            self.num, self.up.now(), self.up.settings.idle_close_ms))
        self.closed_by = "server"
        self.dying = True
        self.t.close()  # close_notify, then the TCP close

    def abort(self, why):
        if self.closed:
            return
        self.closed_by = "server"
        self.dying = True
        self.reason = why
        (self.t or self.tcp).abort()
        self.finish(why)

    def finish(self, reason):
        if self.closed:
            return
        self.closed = True
        up = self.up
        for h in list(self.delayed) + [self.batch_handle, self.idle_handle]:
            if h:
                h.cancel()
        self.delayed.clear()
        up.conns.discard(self)
        by = self.closed_by or "server"
        if reason != "handshake":
            up.stats["closed_by_" + by] += 1
        up.log("conn", "conn=%d t=%s event=closed by=%s reason=%s queries=%d answered=%d" % (
            self.num, up.now(), by, self.reason or reason, self.queries, self.answered))
        up.write_stats()


# --- command line ----------------------------------------------------------------

def cmd_serve(args):
    try:
        up = Upstream(args)
    except (ValueError, OSError, ssl.SSLError) as e:
        print("testup: %s" % e, file=sys.stderr)
        return 2
    return asyncio.run(up.run())


def cmd_ctl(args):
    """Sends one control line and prints the reply; 1 when it says error."""
    line = " ".join(args.command)
    try:
        with socket.create_connection(("127.0.0.1", args.port), timeout=args.timeout) as s:
            s.sendall(line.encode() + b"\n")
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
    except OSError as e:
        print("error %s" % e)
        return 1
    text = reply.decode("ascii", "replace").strip()
    print(text)
    return 0 if text.startswith("ok") else 1


def cmd_addr(args):
    for name in args.names:
        print("%s %s" % (name, socket.inet_ntoa(address_for(args.spec, name))))
    return 0


def port_arg(text):
    if text == "auto":
        return text
    n = int(text)
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError("a port is 0 to 65535")
    return n


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    sp = sub.add_parser("serve")
    sp.add_argument("--cert", required=True)
    sp.add_argument("--key", required=True)
    sp.add_argument("--port", required=True, type=port_arg, metavar="PORT|auto")
    sp.add_argument("--control-port", default=0, type=port_arg, metavar="PORT|auto")
    sp.add_argument("--log", required=True)
    sp.add_argument("--stats")
    sp.add_argument("--mode", action="append", default=[], metavar="SPEC")
    sp.add_argument("--zone", default="dotstub.test")
    sp.add_argument("--a", default="192.0.2.1", metavar="ADDR|hash:OCTET")
    sp.add_argument("--ttl", type=int, default=300)
    sp.add_argument("--soa-ttl", type=int, default=300)
    sp.add_argument("--soa-min", type=int, default=60)
    sp.add_argument("--big-size", type=int, default=3000)
    sp.add_argument("--tls", choices=("any", "1.2", "1.3"), default="any")
    sp.add_argument("--seconds", type=float, default=300.0, help="exit after this long")
    sp.add_argument("--forward", metavar="ADDR:PORT",
                    help="relay every query to this loopback DNS server over TCP")
    sp.set_defaults(fn=cmd_serve)

    sp = sub.add_parser("ctl")
    sp.add_argument("port", type=int)
    sp.add_argument("command", nargs="+")
    sp.add_argument("--timeout", type=float, default=5.0)
    sp.set_defaults(fn=cmd_ctl)

    sp = sub.add_parser("addr")
    sp.add_argument("spec")
    sp.add_argument("names", nargs="+")
    sp.set_defaults(fn=cmd_addr)

    args = p.parse_args()
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
