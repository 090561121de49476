#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: fuzz/corpus/TARGET/NAME.

Run it from anywhere (python3 fuzz/make-seeds.py). It is deterministic and
writes only the files named below, so a seed can be changed by editing this
script and running it again; files added by hand (or saved by libFuzzer)
stay. Each seed is small: the point is one example of every shape the
parser has a branch for, from which libFuzzer mutates.

The answer and frame seeds start with control bytes that the targets
define (fuzz_answer.c: selector and time step; fuzz_frame.c: stop count and
piece sizes); the constants below must match those files.
"""
import base64
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# DNS constants
A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, OPT, TSIG = 1, 2, 5, 6, 12, 15, 16, 28, 41, 250
IN = 1
QR, AA, TC, RD, RA, AD, CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0020, 0x0010


def opcode(n):
    return n << 11


def name(text):
    """A domain name in uncompressed wire form; '.' is the root."""
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def ptr(off):
    return struct.pack(">H", 0xC000 | off)


class Msg:
    """A DNS message built front to back; here() is the next byte's offset."""

    def __init__(self, msg_id, flags, qd=0, an=0, ns=0, ar=0):
        self.b = bytearray(struct.pack(">HHHHHH", msg_id, flags, qd, an, ns, ar))

    def here(self):
        return len(self.b)

    def add(self, data):
        self.b += data
        return self

    def question(self, qname, qtype, qclass=IN):
        return self.add(qname + struct.pack(">HH", qtype, qclass))

    def rr(self, owner, rtype, ttl, rdata, rclass=IN):
        return self.add(owner + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata)

    def opt(self, udp=1232, ext_rcode=0, version=0, do=False, rdata=b""):
        ttl = ext_rcode << 24 | version << 16 | (0x8000 if do else 0)
        return self.rr(b"\0", OPT, ttl, rdata, rclass=udp)

    def bytes(self):
        return bytes(self.b)


def soa_rdata(mname, rname, minimum, serial=2024010101):
    return mname + rname + struct.pack(">IIIII", serial, 7200, 3600, 1209600, minimum)


def txt_rdata(n):
    """n bytes of TXT RDATA made of character-strings."""
    out = b""
    while n > 0:
        s = min(255, n - 1)
        out += bytes([s]) + b"t" * s
        n -= 1 + s
    return out


def write(target, fname, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------
# fuzz_query: one client message.

def query(qname, qtype, msg_id=0x1234, flags=RD, edns=None, extra=b"", qd=1, an=0, ns=0,
          ar=None):
    m = Msg(msg_id, flags, qd, an, ns, 0)
    m.question(qname, qtype)
    nar = 0
    if edns is not None:
        m.opt(**edns)
        nar = 1
    m.add(extra)
    if ar is None:
        ar = nar
    m.b[10:12] = struct.pack(">H", ar)
    return m.bytes()


def query_seeds():
    ex = name("example.com")
    w = lambda f, d: write("query", f, d)
    w("a-plain", query(ex, A))
    w("aaaa-edns", query(ex, AAAA, edns={}))
    w("aaaa-edns-do-4096", query(ex, AAAA, edns={"udp": 4096, "do": True}))
    cookie = struct.pack(">HH", 10, 8) + b"\x01\x02\x03\x04\x05\x06\x07\x08"
    w("txt-edns-cookie", query(ex, TXT, edns={"rdata": cookie}))
    w("a-mixed-case-cd", query(name("wWw.ExAmPlE.CoM"), A, flags=RD | CD, edns={}))
    w("ns-root", query(name("."), NS, flags=0))
    w("a-longest-name", query(name(".".join(["a" * 63] * 3 + ["b" * 61])), A))
    w("ptr-reverse", query(name("4.3.2.1.in-addr.arpa"), PTR, edns={"udp": 100}))
    w("any-class-chaos", query(name("version.bind"), TXT).replace(b"\x00\x10\x00\x01",
                                                                  b"\x00\x10\x00\x03"))
    w("trailing-bytes", query(ex, A) + b"\0\0\0\0")
    w("any-edns-do", query(ex, 255, edns={"do": True}))
    w("any-class-any", query(name("Example.COM"), 255).replace(b"\x00\xff\x00\x01",
                                                              b"\x00\xff\x00\xff"))
    # Errors: FORMERR, NOTIMP, BADVERS; and DROP.
    w("formerr-qdcount-2", query(ex, A, qd=2) + ex + struct.pack(">HH", AAAA, IN))
    w("formerr-qdcount-0", struct.pack(">HHHHHH", 7, RD, 0, 0, 0, 0))
    w("formerr-compressed-qname", query(ptr(12), A))
    w("formerr-ancount", query(ex, A, an=1) + ptr(12) + struct.pack(">HHIH", A, IN, 60, 4)
      + b"\1\2\3\4")
    w("formerr-truncated-question", query(ex, A)[:-3])
    w("formerr-two-opt", query(ex, A, edns={}, extra=b"\0\0\x29\x04\xd0\0\0\0\0\0\0", ar=2))
    w("formerr-opt-owner", query(ex, A, extra=ex + b"\0\x29\x04\xd0\0\0\0\0\0\0", ar=1))
    w("formerr-opt-options", query(ex, A, edns={"rdata": b"\0\x0a\0\x09abc"}))
    w("formerr-label-0x40", query(b"\x41" + b"a" * 65 + b"\0", A))
    w("notimp-update", query(ex, SOA, flags=opcode(5)))
    w("badvers-edns1", query(ex, A, edns={"version": 1, "do": True}))
    tsig = name("key.example") + struct.pack(">HHIH", TSIG, 255, 0, 4) + b"\0\0\0\0"
    w("additional-tsig-then-opt", query(ex, A, extra=tsig, edns={}, ar=2))
    w("drop-response", query(ex, A, flags=QR | RD))
    w("drop-short", b"\x12\x34\x01\x00\x00\x01")


# --------------------------------------------------------------------------
# fuzz_answer: selector byte, time-step byte, then the upstream's answer.

SEL_EDNS, SEL_DO, SEL_CD, SEL_FORCE_ID, SEL_FEW_TTLS = 0x08, 0x10, 0x20, 0x40, 0x80
CASE_A, CASE_WWW, CASE_AAAA, CASE_TXT, CASE_NX, CASE_MX, CASE_ROOT_NS, CASE_SOA = range(8)
EXPECT_ID = 0x4D2A
RESP = QR | RD | RA


def answer_seeds():
    ex = name("example.com")

    def w(fname, sel, step, msg):
        write("answer", fname, bytes([sel, step]) + msg.bytes())

    # One A record, OPT at the end: the common case.
    m = Msg(EXPECT_ID, RESP, 1, 1, 0, 1).question(ex, A)
    m.rr(ptr(12), A, 300, bytes([93, 184, 215, 14])).opt(do=True)
    w("a-one-opt-last", CASE_A | SEL_EDNS | SEL_DO, 3, m)

    # CNAME chain, names compressed into earlier RDATA; question in
    # another case than the client's.
    m = Msg(EXPECT_ID, RESP | AD, 1, 3, 0, 1).question(name("www.example.com"), A)
    ex_off = 12 + 4  # "example.com" inside the qname
    m.rr(ptr(12), CNAME, 3600, b"\1a" + ptr(ex_off))
    a_off = m.here() - 4
    m.rr(ptr(a_off), CNAME, 600, b"\1b" + ptr(ex_off))
    b_off = m.here() - 4
    m.rr(ptr(b_off), A, 60, b"\x0a\0\0\1").opt()
    w("cname-chain", CASE_WWW | SEL_EDNS, 10, m)

    m = Msg(EXPECT_ID, RESP | CD, 1, 2, 0, 0).question(ex, AAAA)
    m.rr(ptr(12), AAAA, 120, bytes(15) + b"\1").rr(ptr(12), AAAA, 90, b"\x20\x01" + bytes(14))
    w("aaaa-two-no-opt", CASE_AAAA | SEL_CD | SEL_FORCE_ID, 0, m)

    # NXDOMAIN with the zone's SOA in authority (RFC 2308).
    m = Msg(EXPECT_ID, RESP | 3, 1, 0, 1, 1).question(name("nx.example.com"), A)
    zone = 12 + 3
    m.rr(ptr(zone), SOA, 900, soa_rdata(b"\3ns1" + ptr(zone), b"\nhostmaster" + ptr(zone), 300))
    m.opt()
    w("nxdomain-soa", CASE_NX | SEL_EDNS, 200, m)

    m = Msg(EXPECT_ID, RESP | AA, 1, 0, 1, 0).question(ex, TXT)
    m.rr(ptr(12), SOA, 3600, soa_rdata(b"\3ns1" + ptr(12), b"\3dns" + ptr(12), 60))
    w("nodata-soa", CASE_TXT, 1, m)

    # OPT in the middle of additional: the records after it move, and the
    # pointer to a name after the OPT must move with them.
    m = Msg(EXPECT_ID, RESP, 1, 1, 1, 3).question(ex, A)
    m.rr(ptr(12), A, 300, b"\1\2\3\4")
    m.rr(ptr(12), NS, 300, b"\3ns1" + ptr(12))
    m.opt(udp=4096)
    ns1 = m.here()
    m.rr(b"\3ns1" + ptr(12), A, 300, b"\5\6\7\x08")
    m.rr(ptr(ns1), AAAA, 300, bytes(16))
    w("opt-in-middle", CASE_A | SEL_EDNS | SEL_DO, 2, m)

    m = Msg(EXPECT_ID, RESP, 1, 2, 0, 1).question(ex, MX)
    m.rr(ptr(12), MX, 3600, b"\0\x0a\4mail" + ptr(12))
    m.rr(ptr(12), MX, 3600, b"\0\x14\5mail2" + ptr(12)).opt()
    w("mx-compressed", CASE_MX | SEL_EDNS, 5, m)

    # The root NS set with glue: more than 512 bytes, so a client without
    # EDNS gets it truncated.
    m = Msg(EXPECT_ID, RESP, 1, 13, 0, 26).question(name("."), NS)
    offs = []
    for i in range(13):
        if i == 0:
            offs.append(m.here() + 11)
            m.rr(b"\0", NS, 518400, name("a.root-servers.net"))
        else:
            offs.append(m.here() + 11)
            m.rr(b"\0", NS, 518400, bytes([1, ord("a") + i]) + ptr(offs[0] + 2))
    for i, off in enumerate(offs):
        m.rr(ptr(off), A, 518400, bytes([198, 41, 0, i + 4]))
        m.rr(ptr(off), AAAA, 518400, b"\x20\x01\x05\x03" + bytes(11) + bytes([i]))
    w("root-ns-glue-big", CASE_ROOT_NS, 40, m)

    m = Msg(EXPECT_ID, RESP | TC, 1, 0, 0, 1).question(ex, A).opt()
    w("tc-empty", CASE_A | SEL_EDNS, 0, m)

    m = Msg(EXPECT_ID, RESP | 1, 1, 0, 0, 1).question(ex, A).opt(ext_rcode=1)
    w("ext-rcode-badvers", CASE_A | SEL_EDNS, 0, m)

    m = Msg(0x1234, RESP, 1, 1, 0, 0).question(ex, A).rr(ptr(12), A, 60, b"\1\1\1\1")
    w("mismatch-id", CASE_A, 0, m)

    m = Msg(EXPECT_ID, RESP, 1, 1, 0, 0).question(name("example.org"), A)
    m.rr(ptr(12), A, 60, b"\1\1\1\1")
    w("mismatch-question", CASE_A, 0, m)

    m = Msg(EXPECT_ID, RESP | 1, 0, 0, 0, 0)
    w("mismatch-formerr-no-question", CASE_A, 0, m)

    m = Msg(EXPECT_ID, RESP, 1, 2, 0, 0).question(ex, A)
    m.rr(ptr(12), CNAME, 60, ptr(m.here() + 14))  # points at the next record
    m.rr(ptr(12), A, 60, b"\1\1\1\1")
    w("eformat-forward-pointer", CASE_A | SEL_FORCE_ID, 0, m)

    m = Msg(EXPECT_ID, RESP, 1, 1, 0, 0).question(ex, A)
    m.rr(ptr(m.here()), A, 60, b"\1\1\1\1")
    w("eformat-pointer-loop", CASE_A, 0, m)

    m = Msg(EXPECT_ID, RESP, 1, 1, 0, 2).question(ex, A).rr(ptr(12), A, 60, b"\1\1\1\1")
    opt_at = m.here()
    m.opt()
    m.rr(ptr(opt_at), A, 60, b"\1\1\1\1")
    w("eformat-pointer-into-opt", CASE_A, 0, m)

    m = Msg(EXPECT_ID, RESP, 1, 0, 0, 1).question(ex, A)
    m.rr(ex, OPT, 0, b"", rclass=1232)
    w("eformat-opt-owner", CASE_A, 0, m)

    m = Msg(EXPECT_ID, RESP, 1, 5, 0, 1).question(ex, A)
    for i in range(5):
        m.rr(ptr(12), A, 30 + i, bytes([10, 0, 0, i]))
    m.opt()
    w("enospc-many-records", CASE_A | SEL_EDNS | SEL_FEW_TTLS, 20, m)

    # TTL edges: the top bit reads as 0 (nothing cached); above max-ttl clamps.
    m = Msg(EXPECT_ID, RESP, 1, 2, 0, 0).question(ex, A)
    m.rr(ptr(12), A, 0x80000000, b"\1\1\1\1").rr(ptr(12), A, 2, b"\2\2\2\2")
    w("ttl-top-bit", CASE_A, 1, m)
    m = Msg(EXPECT_ID, RESP, 1, 2, 0, 0).question(ex, A)
    m.rr(ptr(12), A, 100000, b"\1\1\1\1").rr(ptr(12), A, 1, b"\2\2\2\2")
    w("ttl-one-second", CASE_A, 1, m)

    m = Msg(EXPECT_ID, RESP, 1, 1, 0, 1).question(ex, A).rr(ptr(12), A, 60, b"\1\1\1\1")
    m.opt().add(b"trailing garbage")
    w("trailing-garbage", CASE_A | SEL_EDNS, 0, m)

    m = Msg(EXPECT_ID, RESP | AA, 1, 1, 0, 0).question(ex, SOA)
    m.rr(ptr(12), SOA, 3600, soa_rdata(name("ns.icann.org"), name("noc.dns.icann.org"), 3600))
    w("soa-answer", CASE_SOA | SEL_CD, 7, m)

    # 1500 bytes of TXT: over the client's 1400, under TCP's limit.
    m = Msg(EXPECT_ID, RESP, 1, 1, 0, 1).question(ex, TXT)
    m.rr(ptr(12), TXT, 300, txt_rdata(1500)).opt()
    w("txt-big", CASE_TXT | SEL_EDNS, 100, m)


# --------------------------------------------------------------------------
# fuzz_frame: stop byte, then pieces (size byte, bytes); 254 resets, 255
# takes the rest.

PIECE_RESET, PIECE_REST = 254, 255


def framed(*msgs):
    return b"".join(struct.pack(">H", len(m)) + m for m in msgs)


def pieces(stream, sizes):
    """Cuts stream into pieces of the given sizes (the last takes the rest)."""
    out, i = b"", 0
    for s in sizes:
        out += bytes([s]) + stream[i:i + s]
        i += s
    return out + bytes([PIECE_REST]) + stream[i:]


def frame_seeds():
    q1 = query(name("example.com"), A, edns={})
    q2 = query(name("example.net"), AAAA, msg_id=0x4321)
    w = lambda f, d: write("frame", f, d)
    w("one-message", b"\0" + bytes([PIECE_REST]) + framed(q1))
    w("two-in-one-piece", b"\0" + bytes([PIECE_REST]) + framed(q1, q2))
    w("split-in-prefix", b"\0" + pieces(framed(q1, q2), [1, 1, len(q1) + 1]))
    w("split-in-body", b"\0" + pieces(framed(q1, q2), [10, 20, 30]))
    w("one-byte-pieces", b"\0" + pieces(framed(q1), [1] * 20))
    w("zero-length-message", b"\0" + bytes([PIECE_REST]) + framed(b"", q1, b""))
    w("max-length-partial", b"\0" + pieces(b"\xff\xff" + bytes(400), [200, 100]))
    w("stop-after-first", b"\1" + bytes([PIECE_REST]) + framed(q1, q2, q1))
    w("empty-pieces", b"\0" + pieces(framed(q1), [0, 5, 0, 0, 7]))
    s = framed(q1)
    w("reset-mid-message", b"\0" + bytes([20]) + s[:20] + bytes([PIECE_RESET])
      + bytes([PIECE_REST]) + framed(q2))


# --------------------------------------------------------------------------
# fuzz_config: a file's text.

PIN1 = base64.b64encode(bytes(range(32))).decode()
PIN2 = base64.b64encode(bytes(range(32, 64))).decode()


def config_seeds():
    w = lambda f, text: write("config", f, text.encode() if isinstance(text, str) else text)
    w("every-key.conf", f"""# every key dotstub knows
[server]
listen = 127.0.0.1:53
listen = [::1]:53
listen = 192.168.1.1
allow = 127.0.0.0/8
allow = ::1
deny = 192.168.1.99
allow = 192.168.1.0/24
allow = fd00::/8
query-timeout = 4s
tcp-idle-timeout = 10000ms
max-tcp-clients = 100
max-tcp-pipeline = 50
max-pending = 1000
ratelimit = 20/s
ratelimit-action = truncate
ecs = pass
user = dotstub
chroot = /var/lib/dotstub

[cache]
size = 64m
min-ttl = 0
max-ttl = 1d

[upstream quad9]
address = 9.9.9.9:853
address = [2620:fe::fe]:853
tls-name = dns.quad9.net
pin-sha256 = {PIN1}
pin-sha256 = {PIN2}
ca-file = /etc/ssl/certs/ca-certificates.crt
max-connections = 4
max-inflight = 100
idle-timeout = 30s

[upstream cloudflare]
address = 1.1.1.1
tls-name = Cloudflare-DNS.com.
""")
    w("minimal.conf", "[upstream u]\naddress = 9.9.9.9\ntls-name = dns.quad9.net\n")
    w("pins-only.conf", f"[upstream pinned]\naddress = ::1\npin-sha256 = {PIN1}\n")
    w("bom-crlf.conf", "\ufeff[server]\r\nlisten = 127.0.0.1:5353\r\n[upstream a]\r\n"
      "address = 127.0.0.1:8853\r\ntls-name = localhost\r\n")
    w("comments-and-blanks.conf", """   # indented comment
[server]   # after a header
\tlisten = 127.0.0.1:53\t# after a value
query-timeout = 2m#not-a-comment

[upstream x.y-z_1]
address=10.0.0.1
tls-name=a.b
""")
    w("sizes-durations.conf", """[server]
query-timeout = 500ms
tcp-idle-timeout = 1h
[cache]
size = 0
min-ttl = 30s
max-ttl = 2h
[cache]
size = 1g
[upstream a]
address = 1.2.3.4
tls-name = a
""")
    w("errors-keys.conf", """listen = 127.0.0.1
[server]
colour = blue
address = 1.2.3.4
listen =
listen 127.0.0.1
= 5
[cache]
size = 1m
size = 2m
[nonsense]
[server extra]
[upstream]
[upstream bad/name]
[upstream ok
[upstream a]
tls-name = a.example
tls-name = b.example
[upstream a]
""")
    w("errors-values.conf", f"""[server]
listen = 127.0.0.1:0
listen = 127.0.0.1:65536
listen = 300.1.1.1
listen = [::1
listen = [::1]x
listen = 127.0.0.1:53
listen = 127.0.0.1:53
query-timeout = 0
query-timeout = 2 s
tcp-idle-timeout = 99999999999999999999999s
[cache]
size = 2t
min-ttl = 1500ms
max-ttl = 100d
[upstream a]
address = dns.quad9.net
tls-name = -bad-.example
tls-name = a..b
pin-sha256 = not base64!
pin-sha256 = {PIN1[:20]}
pin-sha256 = {base64.b64encode(bytes(20)).decode()}
ca-file = relative/path.pem
""")
    w("acl-and-limits-errors.conf", """[server]
allow = 10.0.0.1/8
allow = 10.0.0.0/33
allow = fe80::/129
deny = 0.0.0.0/0
deny = ::/0
allow = 1.2.3.4/
allow = 127.0.0.1
allow = 127.0.0.1
ratelimit = 5/m
ratelimit = 2000000
ratelimit-action = Drop
ecs = maybe
user = -root
user = ro ot
chroot = var/empty
max-tcp-clients = 0
max-pending = 1048577
[upstream a]
address = 1.1.1.1
tls-name = a
max-connections = 65
max-inflight = 0
idle-timeout = 2h
""")
    w("ttl-order.conf", "[cache]\nmin-ttl = 2h\nmax-ttl = 1h\n"
      "[upstream a]\naddress = 1.1.1.1\ntls-name = a\n")
    w("upstream-problems.conf", "[upstream none]\n[upstream nameless]\naddress = 1.1.1.1\n"
      "[upstream ca]\naddress = 1.1.1.1\npin-sha256 = " + PIN1 + "\nca-file = /ca.pem\n")
    w("binary.conf", b"[server]\nlisten = 127.0.0.1\0\n\x01bell\n\xff\xfe\n\xc0\xaf overlong\n"
      b"caf\xc3\xa9 = 1\n\xed\xa0\x80 surrogate\n[upstream a]\naddress = 1.1.1.1\n"
      b"tls-name = a\n")
    w("empty.conf", "")
    w("long-line.conf", "[upstream a]\naddress = 1.1.1.1\ntls-name = " + "a" * 4100 + "\n")
    w("too-many-errors.conf", "".join(f"bad line {i}\n" for i in range(60)))


# State file (fuzz_state.c; resolver/io/state.h, cache/persist.c,
# resolver/upstream/saved.c). Times around the target's fixed clock:
# WALL_MS 1800000000000, NOW_MS 100000 after boot (so an entry older than
# 100 s was stored before the boot, one of cache/persist.c's paths).
STATE_WALL_MS = 1800000000000


def state_file(sections, version=1, written=1800000000):
    import zlib
    body = b""
    for stype, data in sections:
        body += struct.pack(">III", stype, len(data), zlib.crc32(data)) + data
    head = b"DSTSTATE" + struct.pack(">IIqI", version, 0, written, len(sections))
    return head + struct.pack(">I", zlib.crc32(head)) + body


def cache_entry(qname, ttls, age_ms, life_s, flags=0):
    """One saved entry: an A answer for qname with one record per TTL."""
    key = name(qname) + struct.pack(">HHB", A, IN, flags)
    q = name(qname) + struct.pack(">HH", A, IN)
    wire = struct.pack(">HHHHHH", 0x1234, QR | RD | RA, 1, len(ttls), 0, 0) + q
    offs = []
    for i, ttl in enumerate(ttls):
        offs.append(len(wire) + 6)
        wire += ptr(12) + struct.pack(">HHIH", A, IN, ttl, 4) + bytes([192, 0, 2, i + 1])
    stored = STATE_WALL_MS - age_ms
    return (struct.pack(">qqHHH", stored, stored + life_s * 1000, len(key), len(wire), len(offs))
            + key + b"".join(struct.pack(">H", o) for o in offs) + wire)


def upstream_record(uname, state=0, session=b""):
    ident = b""
    for field in (uname.encode(), b"", b"\0\0", b"dns.example", b"", b"192.0.2.1:853"):
        ident += struct.pack(">H", len(field)) + field
    exp = 1800086400 if session else 0
    return (struct.pack(">H", len(ident)) + ident
            + struct.pack(">BBIIIqH", 1, state, 20000, 5000, 2000, exp, len(session)) + session)


def state_seeds():
    # Byte 0 is fuzz_state.c's control byte: 1 fixes the checksums.
    def w(fname, data, ctl=0):
        write("state", fname, bytes([ctl]) + data)

    ups = upstream_record("a") + upstream_record("b", state=2, session=bytes(range(64)))
    cache = (cache_entry("old.example", [300], 150000, 300)
             + cache_entry("multi.example", [600, 300, 900], 5000, 300, flags=1)
             + cache_entry("stale.example", [10], 60000, 10)
             + cache_entry("before-boot.example", [86400], 1000000, 86400)
             + cache_entry("expired-before-boot.example", [5], 300000, 5)
             + cache_entry("long-expired.example", [5], 200000000, 5))
    good = state_file([(1, ups), (2, cache)])
    w("good.state", good)
    w("cache-only.state", state_file([(2, cache)]))
    w("truncated.state", good[:-7])
    w("corrupt-section.state", good[:40] + bytes([good[40] ^ 1]) + good[41:])
    w("unknown-and-repeated.state", state_file([(9, b"x"), (2, cache), (2, b"")]))
    w("version-2.state", state_file([(1, ups)], version=2))
    w("bad-entry.state", state_file([(2, cache_entry("a.example", [1], 0, 300))]))
    w("empty.state", state_file([]))
    w("fixed-crcs.state", good, ctl=1)
    w("fixed-crcs-wrong.state", good[:28] + b"\0\0\0\0" + good[32:40] + b"\0\0\0\0" + good[44:],
      ctl=1)


# --------------------------------------------------------------------------
# fuzz_dnsclient: byte 0 the query's length, the query (as dotstub sends it
# upstream: one question, an OPT with keepalive and padding), the reply.

def dnsclient_seeds():
    def upstream_query(opts=b"", pad=True, ar=1):
        h = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, ar)
        q = name("www.Example.COM") + struct.pack(">HH", 1, 1)
        if not ar:
            return h + q
        rd = opts + struct.pack(">HH", 11, 0)
        if pad:
            rd += struct.pack(">HH", 12, 20) + b"\0" * 20
        return h + q + b"\0" + struct.pack(">HHIH", 41, 1232, 0, len(rd)) + rd

    def reply(qm, msg_id=None, qr=True, tc=False, qd=1):
        h = bytearray(qm[:12])
        if msg_id is not None:
            h[0:2] = struct.pack(">H", msg_id)
        h[2] = (0x80 if qr else 0) | 0x01 | (0x02 if tc else 0)
        h[3] = 0x80
        h[4:12] = struct.pack(">HHHH", qd, 1, 0, 0)
        q = qm[12:12 + len(name("www.Example.COM")) + 4]
        return bytes(h) + q + b"\xc0\x0c\0\1\0\1\0\0\1\x2c\0\4\xc0\0\2\1"

    queries = {
        "padded": upstream_query(),
        "ecs": upstream_query(opts=struct.pack(">HHHBB", 8, 4, 1, 0, 0)),
        "no-opt": upstream_query(ar=0),
    }
    for k, qm in queries.items():
        ok = reply(qm)
        for tag, r in [("ok", ok), ("wrong-id", reply(qm, msg_id=0x4321)),
                       ("no-qr", reply(qm, qr=False)), ("tc", reply(qm, tc=True)),
                       ("two-questions", reply(qm, qd=2)), ("cut", ok[:20])]:
            write("dnsclient", k + "-" + tag, bytes([len(qm)]) + qm + r)
    write("dnsclient", "empty", b"\0")
    write("dnsclient", "bad-label",
          bytes([20]) + struct.pack(">HHHHHH", 1, 0, 1, 0, 0, 1) + b"\x7fabc")


def main():
    query_seeds()
    answer_seeds()
    frame_seeds()
    config_seeds()
    state_seeds()
    dnsclient_seeds()


if __name__ == "__main__":
    main()
