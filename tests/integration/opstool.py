#!/usr/bin/env python3
"""Operations helpers for the integration tests: only the standard library.

  opstool.py load HOST PORT --seconds S --rate R --prefix P [--timeout T]
      Sends A queries for PREFIXi.dotstub.test (i = 1, 2, ...) over UDP at
      R per second for S seconds, then waits up to T seconds for the last
      answers. Prints "sent=N answered=N lost=N" and one "rcode=... n=..."
      and "addr=... n=..." line per value seen, and, with --timeline FILE,
      "SECONDS_SINCE_START ADDRESS" per answer in that file.
  opstool.py notify-listen PATH --out FILE --seconds S
      Binds a Unix datagram socket at PATH (the $NOTIFY_SOCKET of a service
      manager) and appends every message received, newlines as spaces,
      one a line, to FILE.
  opstool.py metrics HOST PORT [--dump FILE]
      GET /metrics; checks the status, the content type and, strictly, the
      Prometheus text format 0.0.4 (as promtool check metrics would, plus
      the conventions dotstub keeps). Prints "ok families=N samples=N", or
      every problem and exit status 1. --dump writes "NAME{LABELS} VALUE"
      per sample.
  opstool.py http HOST PORT REQUEST [--pad N]
      Sends REQUEST (with \\r and \\n escapes; --pad adds N bytes of one
      header first) and prints the response's status line.
  opstool.py selftest
      Runs the format checker on known-bad texts (each must be refused)
      and a good one (which must pass).

Every socket talks to the address given (the tests pass loopback only) and
every wait is bounded.
"""

import argparse
import math
import os
import random
import re
import select
import socket
import struct
import sys
import time


def build_query(qid, name):
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        msg += bytes([len(label)]) + label.encode("ascii")
    return msg + b"\x00" + struct.pack(">HH", 1, 1)


def skip_name(msg, off):
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1
        if n == 0:
            return off
        off += n


def parse_answer(msg):
    """(id, rcode, [A addresses]) of a response."""
    qid, flags, qd, an = struct.unpack(">HHHH", msg[:8])
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    addrs = []
    for _ in range(an):
        off = skip_name(msg, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        if rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntoa(msg[off:off + 4]))
        off += rdlen
    return qid, flags & 0x0F, addrs


RCODES = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}


def cmd_load(a):
    s = socket.socket(socket.AF_INET6 if ":" in a.host else socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((a.host, a.port))
    total = int(a.seconds * a.rate)
    if total >= 65536:
        sys.exit("load: at most 65535 queries")
    ids = random.sample(range(65536), total)
    pending = {}
    rcodes, addrs, timeline = {}, {}, []
    start = time.monotonic()
    sent = 0
    deadline = start + a.seconds + a.timeout
    while time.monotonic() < deadline and (sent < total or pending):
        now = time.monotonic()
        due = min(total, int((now - start) * a.rate) + 1)
        while sent < due:
            name = "%s%d.dotstub.test" % (a.prefix, sent + 1)
            s.send(build_query(ids[sent], name))
            pending[ids[sent]] = now
            sent += 1
        wait = 0.01 if sent < total else max(0.0, deadline - time.monotonic())
        r, _, _ = select.select([s], [], [], min(wait, 0.2))
        if not r:
            continue
        try:
            msg = s.recv(4096)
        except ConnectionRefusedError:
            continue
        qid, rcode, got = parse_answer(msg)
        if qid not in pending:
            continue
        del pending[qid]
        rc = RCODES.get(rcode, str(rcode))
        rcodes[rc] = rcodes.get(rc, 0) + 1
        for x in got or ["-"]:
            addrs[x] = addrs.get(x, 0) + 1
            timeline.append("%.3f %s" % (time.monotonic() - start, x))
    print("sent=%d answered=%d lost=%d" % (sent, sent - len(pending), len(pending)))
    for k, v in sorted(rcodes.items()):
        print("rcode=%s n=%d" % (k, v))
    for k, v in sorted(addrs.items()):
        print("addr=%s n=%d" % (k, v))
    if a.timeline:
        with open(a.timeline, "w") as f:
            f.write("\n".join(timeline) + "\n")


def cmd_notify_listen(a):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(a.path):
        os.unlink(a.path)
    s.bind(a.path)
    end = time.monotonic() + a.seconds
    with open(a.out, "a") as out:
        while time.monotonic() < end:
            r, _, _ = select.select([s], [], [], 0.2)
            if r:
                msg = s.recv(4096).decode("utf-8", "replace")
                out.write(msg.replace("\n", " ") + "\n")
                out.flush()


# --- the Prometheus text format ---------------------------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE_RE = re.compile(r"^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Inf|NaN)$")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def parse_labels(text, problems, where):
    """Parses 'a="x",b="y"' (the part inside the braces); returns a dict."""
    labels, i = {}, 0
    while i < len(text):
        m = re.match(LABEL, text[i:])
        if not m:
            problems.append("%s: bad label name at %r" % (where, text[i:]))
            return labels
        name = m.group(0)
        i += len(name)
        if text[i:i + 2] != '="':
            problems.append("%s: expected =\" after label %s" % (where, name))
            return labels
        i += 2
        val = ""
        while i < len(text) and text[i] != '"':
            if text[i] == "\\":
                if i + 1 >= len(text) or text[i + 1] not in '\\"n':
                    problems.append("%s: bad escape in label %s" % (where, name))
                    return labels
                val += {"\\": "\\", '"': '"', "n": "\n"}[text[i + 1]]
                i += 2
            else:
                val += text[i]
                i += 1
        if i >= len(text):
            problems.append("%s: unterminated value of label %s" % (where, name))
            return labels
        i += 1
        if name in labels:
            problems.append("%s: label %s twice" % (where, name))
        if name.startswith("__"):
            problems.append("%s: label %s is reserved" % (where, name))
        labels[name] = val
        if i < len(text):
            if text[i] != ",":
                problems.append("%s: expected , between labels" % where)
                return labels
            i += 1
    return labels


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)] if name.endswith(suffix) else None
        if base and types.get(base) in ("histogram", "summary"):
            return base
    return name


def check_exposition(body):
    """Returns (problems, families, samples)."""
    problems, types, helps, samples, series = [], {}, {}, [], set()
    done, current = set(), None
    if not body.endswith("\n"):
        problems.append("the body does not end with a newline")
    for n, line in enumerate(body.split("\n")[:-1], 1):
        where = "line %d" % n
        if line == "":
            problems.append("%s: empty line" % where)
            continue
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % NAME, line)
            if not m:
                if re.match(r"^# (HELP|TYPE)\b", line):
                    problems.append("%s: malformed %s line" % (where, line.split()[1]))
                continue
            kind, name, rest = m.groups()
            if name in done:
                problems.append("%s: %s for %s after its samples" % (where, kind, name))
            if kind == "TYPE":
                if rest not in TYPES:
                    problems.append("%s: unknown type %r" % (where, rest))
                if name in types:
                    problems.append("%s: second TYPE for %s" % (where, name))
                if any(s[0] == name for s in samples):
                    problems.append("%s: TYPE for %s after its first sample" % (where, name))
                types[name] = rest
            else:
                if name in helps:
                    problems.append("%s: second HELP for %s" % (where, name))
                if not re.fullmatch(r"(?:[^\\]|\\[\\n])*", rest):
                    problems.append("%s: bad escape in HELP" % where)
                helps[name] = rest
            if current and current != name:
                done.add(current)
            current = name
            continue
        m = re.match(r"^(%s)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+(-?[0-9]+))?$" % NAME, line)
        if not m:
            problems.append("%s: not a sample: %r" % (where, line))
            continue
        name, ltext, value, _ = m.groups()
        labels = parse_labels(ltext or "", problems, where)
        if not VALUE_RE.match(value):
            problems.append("%s: bad value %r" % (where, value))
            continue
        fam = family_of(name, types)
        if fam in done:
            problems.append("%s: %s's samples are not together" % (where, fam))
        if current and current != fam:
            done.add(current)
        current = fam
        key = (name, tuple(sorted(labels.items())))
        if key in series:
            problems.append("%s: duplicate series %s" % (where, line))
        series.add(key)
        samples.append((name, labels, float(value)))
    for name, labels, value in samples:
        fam = family_of(name, types)
        t = types.get(fam)
        if t is None:
            problems.append("%s has no TYPE line" % fam)
        if fam not in helps:
            problems.append("%s has no HELP line" % fam)
        if t == "counter" and (not name.endswith("_total") or value < 0 or math.isnan(value)):
            problems.append("counter %s: must end in _total and never be negative" % name)
        if t == "gauge" and name.endswith("_total"):
            problems.append("gauge %s ends in _total" % name)
    return sorted(set(problems)), len(types), samples


def http_get(host, port, request, timeout=5):
    s = socket.create_connection((host, port), timeout=timeout)
    s.sendall(request)
    data = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def cmd_metrics(a):
    data = http_get(a.host, a.port, b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    problems = []
    if not lines or not re.match(r"^HTTP/1\.[01] 200 ", lines[0]):
        print("status: %r" % (lines[0] if lines else ""))
        sys.exit(1)
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    if not hdrs.get("content-type", "").startswith("text/plain; version=0.0.4"):
        problems.append("content type %r" % hdrs.get("content-type"))
    if hdrs.get("content-length") != str(len(body)):
        problems.append("content length %r for %d bytes" % (hdrs.get("content-length"), len(body)))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        problems.append("the body is not UTF-8")
        text = body.decode("utf-8", "replace")
    more, nfam, samples = check_exposition(text)
    problems += more
    if a.dump:
        with open(a.dump, "w") as f:
            for name, labels, value in samples:
                lt = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
                f.write("%s%s %s\n" % (name, "{%s}" % lt if lt else "", "%.17g" % value))
    for p in problems:
        print("problem: %s" % p)
    if problems:
        sys.exit(1)
    print("ok families=%d samples=%d" % (nfam, len(samples)))


BAD_EXPOSITIONS = [
    ("no newline at the end", "# HELP a_total x\n# TYPE a_total counter\na_total 1"),
    ("a sample without TYPE", "# HELP b x\nb 1\n"),
    ("a sample without HELP", "# TYPE b gauge\nb 1\n"),
    ("an unknown type", "# HELP b x\n# TYPE b thing\nb 1\n"),
    ("a bad value", "# HELP b x\n# TYPE b gauge\nb one\n"),
    ("a bad label escape", '# HELP b x\n# TYPE b gauge\nb{l="a\\q"} 1\n'),
    ("an unterminated label", '# HELP b x\n# TYPE b gauge\nb{l="a} 1\n'),
    ("a duplicate series", '# HELP b x\n# TYPE b gauge\nb{l="a"} 1\nb{l="a"} 2\n'),
    ("a duplicate label", '# HELP b x\n# TYPE b gauge\nb{l="a",l="b"} 1\n'),
    ("a counter not ending in _total", "# HELP c x\n# TYPE c counter\nc 1\n"),
    ("a negative counter", "# HELP c_total x\n# TYPE c_total counter\nc_total -1\n"),
    ("a gauge ending in _total", "# HELP g_total x\n# TYPE g_total gauge\ng_total 1\n"),
    ("interleaved families", "# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\n"
     "b 1\na{x=\"1\"} 2\n"),
    ("TYPE after a sample", "# HELP a x\na 1\n# TYPE a gauge\n"),
    ("two TYPE lines", "# HELP a x\n# TYPE a gauge\n# TYPE a gauge\na 1\n"),
    ("an empty line", "# HELP a x\n# TYPE a gauge\n\na 1\n"),
    ("a bad metric name", "# HELP a x\n# TYPE a gauge\n1a 1\n"),
    ("a reserved label", '# HELP a x\n# TYPE a gauge\na{__x="1"} 1\n'),
]
GOOD_EXPOSITION = ('# HELP a_total A \\\\ counter.\n# TYPE a_total counter\na_total 3\n'
                   '# HELP g x\n# TYPE g gauge\ng{l="a\\"b\\\\c\\n",m="2"} -1.5e3\n'
                   'g{l="b"} NaN\ng +Inf 1700000000000\n')


def cmd_selftest(a):
    """The checker must find each known problem and accept a good text."""
    failed = 0
    for what, text in BAD_EXPOSITIONS:
        problems, _, _ = check_exposition(text)
        if not problems:
            print("selftest: missed %s" % what)
            failed = 1
    problems, _, _ = check_exposition(GOOD_EXPOSITION)
    for p in problems:
        print("selftest: a good text was refused: %s" % p)
        failed = 1
    print("selftest %s: %d bad texts" % ("failed" if failed else "ok", len(BAD_EXPOSITIONS)))
    sys.exit(failed)


def cmd_http(a):
    req = a.request.encode("latin-1").decode("unicode_escape").encode("latin-1")
    if a.pad:
        first, _, rest = req.partition(b"\r\n")
        req = first + b"\r\nX-Pad: " + b"a" * a.pad + b"\r\n" + rest
    try:
        data = http_get(a.host, a.port, req)
    except OSError as e:
        print("error %s" % e)
        return
    print(data.split(b"\r\n", 1)[0].decode("latin-1") if data else "closed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("load")
    sp.add_argument("host")
    sp.add_argument("port", type=int)
    sp.add_argument("--seconds", type=float, default=3)
    sp.add_argument("--rate", type=float, default=100)
    sp.add_argument("--prefix", default="load")
    sp.add_argument("--timeout", type=float, default=6)
    sp.add_argument("--timeline")
    sp = sub.add_parser("notify-listen")
    sp.add_argument("path")
    sp.add_argument("--out", required=True)
    sp.add_argument("--seconds", type=float, default=60)
    sp = sub.add_parser("metrics")
    sp.add_argument("host")
    sp.add_argument("port", type=int)
    sp.add_argument("--dump")
    sp = sub.add_parser("http")
    sp.add_argument("host")
    sp.add_argument("port", type=int)
    sp.add_argument("request")
    sp.add_argument("--pad", type=int, default=0)
    sub.add_parser("selftest")
    a = ap.parse_args()
    {"load": cmd_load, "notify-listen": cmd_notify_listen, "metrics": cmd_metrics,
     "http": cmd_http, "selftest": cmd_selftest}[a.cmd](a)


if __name__ == "__main__":
    main()
