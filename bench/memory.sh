#!/bin/bash
# bench/memory.sh: memory of dotstub, unbound (caching forwarder) and kresd
# (TLS_FORWARD) side by side, on the loopback setup of bench/lib.sh (an
# unbound DoT upstream whose `redirect` local-zone answers every name under
# bench.example. with one A record, TTL 3600).
#
# For each N in COUNTS and each system, a FRESH instance (not cumulative):
#   1. start it; b_start's probe is one query end to end, so the upstream
#      connection exists; wait 2 s; read /proc/PID/status: the idle RSS,
#      and the "before" figure;
#   2. send N unique names once (q<i>.bench.example A, i = 0..N-1) with
#      dnsperf at a bounded rate (-Q RATE, -n 1, -l and `timeout`), and
#      check that every one was answered NOERROR (none lost);
#   3. wait SETTLE s, read /proc/PID/status again: (after - before) / N is
#      the RSS cost of one cached answer, everything the process keeps for
#      it included (index, allocator overhead, fragmentation);
#   4. ask SAMPLE of the names again, spread over 0..N-1, and count the
#      answers whose TTL is below 3600: those come from the cache (the
#      upstream always says 3600, and every entry is older than 1 s).
# Each system's own view is read before and after: dotstub's control socket
# (`stats`: cache entries, bytes), unbound-control `stats_noreset`
# (mem.cache.*, *.cache.count), kresd's control socket (cache.count(),
# LMDB pages in use from cache.stats().usage_percent).
#
# Every cache is large enough for 1M entries without eviction: dotstub
# `[cache] size = 1g`, unbound msg/rrset-cache-size 1g/2g, kresd an LMDB
# cache of KRESD_CACHE_MB. kresd's cache is an mmap'd LMDB file: its pages
# show in RSS as RssFile (file-backed, page cache, shared, reclaimable)
# only as far as kresd touches them; the summary gives VmRSS, RssAnon and
# the LMDB pages in use separately.
#
# Run from the build dir (or set DOTSTUB). Environment (defaults in brackets):
#   SYSTEMS   [dotstub unbound kresd dotstub_nocache]; dotstub_nocache is
#             dotstub with `size = 0`: what RSS does over N misses without a
#             cache (buffers, allocator high water), as a control
#   COUNTS    [100000 1000000]
#   RATE      dnsperf -Q [20000]
#   SAMPLE    names asked again after the fill [1000]
#   SETTLE    seconds between the end of the load and the reading [2]
#   KRESD_CACHE_MB [2048]
#   OUT       [bench/results/memory-<date-time>]
#   HEAP_STATS [1 if gdb is installed]: for dotstub, also glibc's own view
#             of its heap (gdb attaches after each RSS reading and calls
#             malloc_stats(), which prints to dotstub's stderr): bytes the
#             heap holds and bytes in allocated chunks
#   B_KEEP=1  keep the temp dir
# Every process started here is stopped by its PID on exit (lib.sh's trap).
set -u

B_SELF_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$B_SELF_DIR/lib.sh"

DOTSTUB=${DOTSTUB:-$PWD/dotstub}
SYSTEMS=${SYSTEMS:-dotstub unbound kresd dotstub_nocache}
COUNTS=${COUNTS:-100000 1000000}
RATE=${RATE:-20000}
SAMPLE=${SAMPLE:-1000}
SETTLE=${SETTLE:-2}
KRESD_CACHE_MB=${KRESD_CACHE_MB:-2048}
if command -v gdb >/dev/null 2>&1; then HEAP_STATS=${HEAP_STATS:-1}; else HEAP_STATS=0; fi
OUT=${OUT:-$B_SELF_DIR/results/memory-$(date +%Y-%m-%d-%H%M%S)}
CLIENTS=4
# At most 100 queries outstanding: a system that stalls (a hash table
# doubling, an LMDB commit) makes dnsperf wait instead of overflowing the
# kernel's default UDP receive buffer (about 200 datagrams), which lost
# 0.1-0.2% of the queries to unbound and kresd with 500.
OUTSTANDING=100
QUERY_TIMEOUT=5

b_need unbound certtool dnsperf python3 timeout awk
[ -x "$DOTSTUB" ] || b_die "no dotstub at $DOTSTUB (run from the build dir or set DOTSTUB)"

# --- configurations: lib.sh's, with large caches and a control socket ------
# The lib's writers are kept under lib_* and their output amended, so the
# systems are configured as in run.sh apart from the cache size.
eval "lib_$(declare -f b_conf_dotstub)"
eval "lib_$(declare -f b_conf_unbound)"
eval "lib_$(declare -f b_conf_kresd)"

# b_amend FILE SED_SCRIPT CHECK_REGEX: edits FILE, dies if CHECK is absent.
b_amend() {
	sed -i "$2" "$1"
	grep -q "$3" "$1" || b_die "could not amend $1 (did lib.sh change?)"
}

b_conf_dotstub() {
	lib_b_conf_dotstub "$@"
	b_amend "$1/dotstub.conf" "s|^size = .*|size = ${DOTSTUB_CACHE_SIZE:-1g}|" \
		"^size = ${DOTSTUB_CACHE_SIZE:-1g}\$"
	b_amend "$1/dotstub.conf" "s|^\[server\]\$|[server]\ncontrol = $1/control|" "^control = "
}
b_cmd_dotstub() { printf '%s\n' "$DOTSTUB" -c "$1/dotstub.conf"; }
b_conf_dotstub_nocache() { DOTSTUB_CACHE_SIZE=0 b_conf_dotstub "$@"; }
b_cmd_dotstub_nocache() { b_cmd_dotstub "$@"; }

b_conf_unbound() {
	lib_b_conf_unbound "$@"
	b_amend "$1/unbound.conf" \
		"s|^server:\$|server:\n\tmsg-cache-size: 1g\n\trrset-cache-size: 2g\n\textended-statistics: yes|" "msg-cache-size: 1g"
	b_amend "$1/unbound.conf" \
		"s|^\tcontrol-enable: no\$|\tcontrol-enable: yes\n\tcontrol-interface: $1/control|" \
		"control-interface: "
}

b_conf_kresd() {
	lib_b_conf_kresd "$@"
	b_amend "$1/kresd.conf" "s|^cache.open([^,]*,|cache.open($KRESD_CACHE_MB * MB,|" \
		"^cache.open($KRESD_CACHE_MB \\* MB,"
}

# --- helpers -------------------------------------------------------------------
MU=$B_TMP/memutil.py
cat >"$MU" <<'PY'
"""memory.sh's helpers: control sockets, the cache sample, records, summary."""
import json
import os
import random
import socket
import statistics
import struct
import sys
import time

sys.path.insert(0, os.environ["B_SRCDIR"])
import benchutil  # noqa: E402


def ctl(path, command, prompt=None, timeout=10.0):
    """One command on a Unix control socket; the reply text. prompt: read
    until the reply ends with it (kresd), else until the server closes."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    buf = b""
    if prompt:  # kresd greets with a prompt
        while not buf.endswith(prompt):
            buf += s.recv(65536)
        buf = b""
    s.sendall(command.encode() + b"\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
        if prompt and buf.endswith(prompt):
            buf = buf[: -len(prompt)]
            break
    s.close()
    return buf.decode(errors="replace")


def first_ttl(resp):
    """(rcode, ancount, TTL of the first answer RR or None)."""
    if len(resp) < 12:
        return None, 0, None
    _id, flags, qd, an = struct.unpack(">HHHH", resp[:8])
    p = 12
    for _ in range(qd):
        while resp[p] and resp[p] & 0xC0 != 0xC0:
            p += resp[p] + 1
        p += 2 if resp[p] & 0xC0 == 0xC0 else 1
        p += 4
    if an == 0:
        return flags & 0xF, 0, None
    if resp[p] & 0xC0 == 0xC0:
        p += 2
    else:
        while resp[p]:
            p += resp[p] + 1
        p += 1
    return flags & 0xF, an, struct.unpack(">I", resp[p + 4:p + 8])[0]


def sample(port, n, k, zone, ttl):
    """Asks k of the names q0..q(n-1), evenly spread, one at a time: prints
    'asked answered cached' (cached: TTL below the upstream's)."""
    idx = sorted({int(i * n / k) for i in range(k)})
    answered = cached = 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    for i in idx:
        qid = random.randrange(65536)
        s.sendto(benchutil.build_query(f"q{i}.{zone}", qid), ("127.0.0.1", port))
        try:
            while True:
                resp, _ = s.recvfrom(65535)
                if resp[:2] == struct.pack(">H", qid):
                    break
        except OSError:
            continue
        rcode, an, t = first_ttl(resp)
        if rcode == 0 and an > 0:
            answered += 1
            if t is not None and t < ttl:
                cached += 1
    print(len(idx), answered, cached)


def kv_args(args):
    d = {}
    for a in args:
        k, _, v = a.partition("=")
        try:
            d[k] = int(v)
        except ValueError:
            try:
                d[k] = float(v)
            except ValueError:
                d[k] = v
    return d


def record(jsonl, dnsperf_out, args):
    r = kv_args(args)
    if dnsperf_out != "-" and os.path.exists(dnsperf_out):
        r.update(benchutil.parse_dnsperf(dnsperf_out))
    with open(jsonl, "a") as f:
        f.write(json.dumps(r) + "\n")
    return r


NAMES = {"dotstub": "dotstub", "unbound": "unbound", "kresd": "kresd",
         "dotstub_nocache": "dotstub, cache off (control)"}


def f0(x, spec=",.0f"):
    return "-" if x is None else format(x, spec)


def cached(r):
    """Names the run put in the cache: NOERROR answers (N when none is lost)."""
    return r.get("noerror") or r["n"]


def per(r, a, b):
    """(r[b] - r[a]) / cached names, in bytes, from kB fields."""
    if r.get(a) is None or r.get(b) is None:
        return None
    return (r[b] - r[a]) * 1024 / cached(r)


def summarize(d):
    runs = [json.loads(line) for line in open(os.path.join(d, "runs.jsonl"))]
    meta = json.load(open(os.path.join(d, "meta.json")))
    counts = [int(c) for c in meta["counts"].split()]
    systems = meta["systems"].split()
    by = {(r["system"], r["n"]): r for r in runs}
    out = []
    out.append(f"# Memory per cached entry: dotstub, unbound, kresd ({meta['date']})\n")
    out.append(f"Command: `{meta['command']}` (run time {meta.get('run_seconds', '?')} s).\n")
    out.append("Each N is a fresh start of each system (not cumulative). Idle RSS: "
               "VmRSS 2 s after start-up and one query (the upstream connection open), "
               f"from the N = {counts[0]:,} run. Bytes/entry: (VmRSS after - VmRSS before) / "
               "names answered NOERROR (= N when none is lost), "
               f"read {meta['settle']} s after dnsperf sent the N unique names once at "
               f"{meta['rate']:,} QPS. RSS includes everything the process keeps per "
               "entry: index, allocator overhead and fragmentation.\n")
    hdr = ["system", "idle RSS MB", f"RSS growth at {counts[0]:,} MB"]
    hdr += [f"bytes/entry at {c:,}" for c in counts]
    hdr += ["own accounting, bytes/entry (" + " / ".join(f"{c:,}" for c in counts) + ")",
            "notes"]
    out.append("| " + " | ".join(hdr) + " |")
    out.append("|" + "---|" * len(hdr))
    for s in systems:
        first = by.get((s, counts[0]))
        if first is None:
            continue
        notes = []
        row = [NAMES.get(s, s),
               f0(first.get("rss0_kb") / 1024, ".1f") if first.get("rss0_kb") else "-",
               f0(((first.get("rss1_kb") or 0) - first["rss0_kb"]) / 1024, ".1f")
               if first.get("rss1_kb") and first.get("rss0_kb") else "-"]
        own = []
        for c in counts:
            r = by.get((s, c))
            if r is None or r.get("failed"):
                row.append("-" if r is None else f"failed ({r.get('failed')})")
                continue
            row.append(f0(per(r, "rss0_kb", "rss1_kb")))
            de = (r.get("own_entries1") or 0) - (r.get("own_entries0") or 0)
            db = (r.get("own_bytes1") or 0) - (r.get("own_bytes0") or 0)
            if s != "dotstub_nocache":
                own.append(f0(db / cached(r)) if de > 0 and db else "-")
            if s == "kresd":
                notes.append(f"{c:,}: anon {f0(per(r, 'anon0_kb', 'anon1_kb'))} + file-backed "
                             f"{f0(per(r, 'file0_kb', 'file1_kb'))} B/N; LMDB in use "
                             f"{f0(db / 1048576, '.1f')} MB for {de:,} entries")
            elif s == "unbound":
                notes.append(f"{c:,}: {de:,} msg + rrset entries, mem.cache.* "
                             f"+{f0(db / 1048576, '.1f')} MB")
            elif s == "dotstub":
                notes.append(f"{c:,}: {de:,} entries, cache bytes +{f0(db / 1048576, '.1f')} MB, "
                             f"evictions {r.get('own_evictions1', '?')}")
            if s.startswith("dotstub") and isinstance(r.get("heap_inuse1"), int):
                hu = (r["heap_inuse1"] - r["heap_inuse0"]) / cached(r)
                hs = (r["heap_system1"] - r["heap_system0"]) / cached(r)
                notes.append(f"{c:,}: glibc heap: chunks in use +{f0(hu)} B/entry, heap held "
                             f"+{f0(hs)} B/entry (free but kept: {f0(hs - hu)})")
            lost = r.get("lost")
            if lost or r.get("noerror") != r["n"] or r.get("sent") != r["n"]:
                notes.append(f"{c:,}: sent {r.get('sent')}, NOERROR {r.get('noerror')}, "
                             f"lost {lost}")
            if (s != "dotstub_nocache" and r.get("sample_asked")
                    and r.get("sample_cached") != r.get("sample_asked")):
                notes.append(f"{c:,}: only {r.get('sample_cached')} of {r['sample_asked']} "
                             "sampled names came from the cache")
        if s == "kresd":
            notes.insert(0, "RSS includes the LMDB pages kresd has touched through its "
                         "shared file mapping (RssFile: page cache, reclaimable); own figure: "
                         "growth of the LMDB pages in use per name")
        if s == "unbound":
            notes.insert(0, "own figure: growth of mem.cache.rrset + mem.cache.message "
                         "per name (unbound keeps a message and an rrset entry per name)")
        if s == "dotstub":
            notes.insert(0, "own figure: growth of `stats` cache bytes (the budget's "
                         "accounting, index included) per name")
        if s == "dotstub_nocache":
            notes.insert(0, "`[cache] size = 0`: RSS growth without any cache (buffers, "
                         "allocator high water)")
        row.append(" / ".join(own) if own else "-")
        row.append("; ".join(notes))
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("## Every run\n")
    h2 = ["system", "N", "sent", "NOERROR", "lost", "VmRSS before / after MB",
          "RssAnon before / after MB", "RssFile before / after MB", "VmHWM MB",
          "own entries", "own bytes MB", "sample: asked / cached"]
    out.append("| " + " | ".join(h2) + " |")
    out.append("|" + "---|" * len(h2))
    for r in runs:
        def mb(k):
            return f0(r[k] / 1024, ".1f") if r.get(k) is not None else "-"
        out.append("| " + " | ".join([
            NAMES.get(r["system"], r["system"]), f"{r['n']:,}", str(r.get("sent", "-")),
            str(r.get("noerror", "-")), str(r.get("lost", "-")),
            f"{mb('rss0_kb')} / {mb('rss1_kb')}", f"{mb('anon0_kb')} / {mb('anon1_kb')}",
            f"{mb('file0_kb')} / {mb('file1_kb')}", mb("hwm1_kb"),
            f"{r.get('own_entries0', '-')} -> {r.get('own_entries1', '-')}",
            f"{f0((r.get('own_bytes0') or 0) / 1048576, '.1f')} -> "
            f"{f0((r.get('own_bytes1') or 0) / 1048576, '.1f')}",
            f"{r.get('sample_asked', '-')} / {r.get('sample_cached', '-')}",
        ]) + (f" failed: {r['failed']}" if r.get("failed") else "") + " |")
    out.append("")
    out.append("## Set-up\n")
    out.append(f"- Machine: {meta['nproc']} CPUs, {meta['cpu']}, {meta['mem']}, kernel "
               f"{meta['kernel']}, {meta['os']}; glibc {meta['glibc']}. Shared with other "
               "work: timings are not meaningful here and none is quoted.")
    out.append(f"- Source tree: {meta['source_tree']}; dotstub binary: {meta['dotstub_binary']}.")
    for k, v in meta["versions"].items():
        out.append(f"- {k}: {v}")
    out.append("- Caches: dotstub `[cache] size = 1g` (the control run `size = 0`), "
               "`control = DIR/control`; unbound `msg-cache-size: 1g`, `rrset-cache-size: 2g`, "
               "remote control on a Unix socket; kresd "
               f"`cache.open({meta['kresd_cache_mb']} * MB, 'lmdb://DIR/cache')` (the LMDB file "
               "is allocated at its full size when opened, so its size on disk says nothing; "
               "pages in use = cache.stats().usage_percent x cache.current_size). Everything "
               "else as in bench/lib.sh (README.md); the files are in configs/.")
    out.append(f"- Names: `q<i>.bench.example A`, i = 0..N-1, each sent once; every answer "
               "is `q<i>.bench.example. 3600 IN A 192.0.2.1` (a `redirect` local-zone).")
    out.append("- dotstub's heap (notes, HEAP_STATS=1): glibc malloc_stats() called through "
               "`gdb -batch -p PID` right after each RSS reading; 'chunks in use' counts each "
               "allocation with its malloc header and rounding, 'heap held' what the heap keeps "
               "from the system (in use + free chunks not returned).")
    out.append("- RSS: VmRSS, RssAnon, RssFile from /proc/PID/status (kB, converted with "
               "1 MB = 1024 kB; bytes per entry use 1 kB = 1024 B).")
    out.append("")
    out.append("## Commands\n")
    out.append("```sh")
    out.append(meta["build"])
    out.append(meta["command"])
    out.append("# each load, per system and N (PORT: the system's, FILE: the N names):")
    out.append(meta["dnsperf"])
    out.append("```")
    text = "\n".join(out) + "\n"
    with open(os.path.join(d, "summary.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


def main(argv):
    cmd, a = argv[1], argv[2:]
    if cmd == "ctl":
        prompt = a[2].encode() if len(a) > 2 else None
        sys.stdout.write(ctl(a[0], a[1], prompt))
    elif cmd == "sample":
        sample(int(a[0]), int(a[1]), int(a[2]), a[3], int(a[4]))
    elif cmd == "record":
        r = record(a[0], a[1], a[2:])
        print(" ".join(f"{k}={r.get(k)}" for k in ("sent", "noerror", "lost", "rss0_kb",
                                                   "rss1_kb", "own_entries1", "sample_cached")))
    elif cmd == "summarize":
        summarize(a[0])
    elif cmd == "meta-set":
        m = json.load(open(a[0]))
        m.update(kv_args(a[1:]))
        json.dump(m, open(a[0], "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
PY
MUC=(env "B_SRCDIR=$B_SRCDIR" python3 "$MU")

# mem PID: "VmRSS RssAnon RssFile RssShmem VmHWM" in kB.
mem() {
	awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} /^RssFile:/ {f=$2} /^RssShmem:/ {s=$2}
		/^VmHWM:/ {h=$2} END {print r, a, f, s, h}' "/proc/$1/status"
}

# heap SYSTEM: "system_bytes in_use_bytes" of glibc's malloc (all arenas and
# mmapped chunks), from malloc_stats() called in the process by gdb; "- -"
# when not available. Only for dotstub, after the RSS has been read.
heap() {
	local n0
	case $1 in dotstub | dotstub_nocache) ;; *)
		echo "- -"
		return 0
		;;
	esac
	[ "$HEAP_STATS" = 1 ] || {
		echo "- -"
		return 0
	}
	n0=$(grep -c '^Total (incl. mmap):' "$SUT_LOG")
	timeout 60 gdb -q -batch -p "$SUT_PID" -ex 'call (void)malloc_stats()' >/dev/null 2>&1
	sleep 0.2
	awk -v n0="$n0" '/^Total \(incl. mmap\):/ {t++; next}
		t > n0 && /^system bytes/ {s=$NF} t > n0 && /^in use bytes/ {u=$NF}
		END {if (s == "") print "- -"; else print s, u}' "$SUT_LOG"
}

# own SYSTEM TAG: the system's own view, "entries bytes evictions"; the raw
# text goes to $OUT/raw/TAG.own.
own() {
	local sys=$1 tag=$2 raw
	raw=$OUT/raw/$tag.own
	case $sys in
	dotstub | dotstub_nocache)
		timeout 15 "${MUC[@]}" ctl "$SUT_DIR/control" stats >"$raw" 2>&1
		awk -F': ' '$1 == "cache entries" {e=$2} $1 == "cache bytes" {b=$2}
			$1 == "cache evictions" {v=$2} END {print e+0, b+0, v+0}' "$raw"
		;;
	unbound)
		timeout 15 unbound-control -c "$SUT_DIR/unbound.conf" stats_noreset >"$raw" 2>&1
		awk -F= '$1 == "msg.cache.count" || $1 == "rrset.cache.count" {e+=$2}
			$1 == "mem.cache.rrset" || $1 == "mem.cache.message" {b+=$2}
			END {print e+0, b+0, "-"}' "$raw"
		;;
	kresd)
		timeout 30 "${MUC[@]}" ctl "$SUT_DIR/run/control/$SUT_PID" \
			"string.format('%d %.0f', cache.count(), cache.stats().usage_percent / 100 * cache.current_size)" \
			'> ' >"$raw" 2>&1
		# The reply is the string, maybe quoted.
		tr -d "'\"" <"$raw" | awk 'NF >= 2 {print $1 + 0, $2 + 0, "-"; exit}'
		;;
	*) echo "- - -" ;;
	esac
}

# run_one SYSTEM N
run_one() {
	local sys=$1 n=$2 tag pid rc alive=1
	local rss0 anon0 file0 shm0 hwm0 rss1 anon1 file1 shm1 hwm1
	local e0 b0 v0 e1 b1 v1 asked=- answered=- cached=- hs0 hu0 hs1=- hu1=-
	tag=$sys-$n
	b_start "$sys" || {
		"${MUC[@]}" record "$RUNS" - system="$sys" n="$n" failed=start >/dev/null
		cp "$SUT_LOG" "$OUT/raw/$tag.log" 2>/dev/null
		return 0
	}
	pid=$SUT_PID
	for f in "$SUT_DIR"/*.conf; do
		[ -f "$f" ] && cp "$f" "$OUT/configs/$sys-${f##*/}"
	done
	sleep 2
	read -r rss0 anon0 file0 shm0 hwm0 < <(mem "$pid")
	read -r e0 b0 v0 < <(own "$sys" "$tag-before")
	read -r hs0 hu0 < <(heap "$sys")
	local -a cmd=(dnsperf -s 127.0.0.1 -p "$SUT_PORT" -d "$DATA/names-$n.txt" -n 1
		-Q "$RATE" -c "$CLIENTS" -q "$OUTSTANDING" -t "$QUERY_TIMEOUT"
		-l $((n / RATE + 60)))
	b_log "$tag: before: VmRSS $rss0 kB, own entries $e0; sending $n names at $RATE QPS"
	timeout $((n / RATE + 120)) "${cmd[@]}" >"$OUT/raw/$tag.full" 2>&1
	rc=$?
	grep -v '^\[Timeout\]' "$OUT/raw/$tag.full" >"$OUT/raw/$tag.dnsperf"
	rm -f "$OUT/raw/$tag.full"
	sleep "$SETTLE"
	if kill -0 "$pid" 2>/dev/null; then
		read -r rss1 anon1 file1 shm1 hwm1 < <(mem "$pid")
		read -r e1 b1 v1 < <(own "$sys" "$tag-after")
		read -r hs1 hu1 < <(heap "$sys")
		read -r asked answered cached < <(timeout 120 "${MUC[@]}" sample "$SUT_PORT" "$n" \
			"$SAMPLE" "$B_ZONE" "$B_TTL")
		[ "$sys" = dotstub ] && own "$sys" "$tag-after-sample" >/dev/null
	else
		alive=0
		b_log "$sys DIED during $tag"
	fi
	b_stop
	cp "$SUT_LOG" "$OUT/raw/$tag.log"
	local -a kv=(system="$sys" n="$n" dnsperf_rc="$rc" rss0_kb="$rss0" anon0_kb="$anon0"
		file0_kb="$file0" shmem0_kb="$shm0" hwm0_kb="$hwm0" own_entries0="$e0"
		own_bytes0="$b0" own_evictions0="$v0" heap_system0="$hs0" heap_inuse0="$hu0")
	if [ "$alive" = 1 ]; then
		kv+=(rss1_kb="$rss1" anon1_kb="$anon1" file1_kb="$file1" shmem1_kb="$shm1"
			hwm1_kb="$hwm1" heap_system1="$hs1" heap_inuse1="$hu1" own_entries1="$e1" own_bytes1="$b1" own_evictions1="$v1"
			sample_asked="$asked" sample_answered="$answered" sample_cached="$cached")
	else
		kv+=(failed=died)
	fi
	b_log "$tag: $("${MUC[@]}" record "$RUNS" "$OUT/raw/$tag.dnsperf" "${kv[@]}")"
}

# --- main ------------------------------------------------------------------------
avail=()
for s in $SYSTEMS; do
	case $s in
	dotstub | dotstub_nocache) avail+=("$s") ;;
	unbound | kresd)
		if command -v "$s" >/dev/null 2>&1; then avail+=("$s"); else b_log "SKIP $s: not installed"; fi
		;;
	*) b_die "unknown system $s (dotstub unbound kresd dotstub_nocache)" ;;
	esac
done
[ "${#avail[@]}" -gt 0 ] || b_die "no system to measure"

mkdir -p "$OUT/raw" "$OUT/configs" || b_die "cannot create $OUT"
RUNS=$OUT/runs.jsonl
: >"$RUNS"
START=$(date +%s)
{
	printf '{"date": "%s", "command": "%s",\n' "$(date -Iseconds)" \
		"SYSTEMS='${avail[*]}' COUNTS='$COUNTS' RATE=$RATE SAMPLE=$SAMPLE SETTLE=$SETTLE KRESD_CACHE_MB=$KRESD_CACHE_MB HEAP_STATS=$HEAP_STATS DOTSTUB=$DOTSTUB $0"
	printf ' "build": "%s",\n' "mkdir -p /tmp/b-mem && cd /tmp/b-mem && /work/main/configure -q CFLAGS='-O2 -g' && make -j2 dotstub"
	printf ' "dnsperf": "%s",\n' "timeout \$((N / $RATE + 120)) dnsperf -s 127.0.0.1 -p PORT -d FILE -n 1 -Q $RATE -c $CLIENTS -q $OUTSTANDING -t $QUERY_TIMEOUT -l \$((N / $RATE + 60))"
	printf ' "systems": "%s", "counts": "%s", "rate": %s, "settle": %s, "kresd_cache_mb": %s,\n' \
		"${avail[*]}" "$COUNTS" "$RATE" "$SETTLE" "$KRESD_CACHE_MB"
	# shellcheck source=/dev/null
	printf ' "nproc": "%s", "cpu": "%s", "mem": "%s", "kernel": "%s", "os": "%s", "glibc": "%s",\n' \
		"$(nproc)" "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
		"$(awk '/^MemTotal:/ {printf "%.0f GB RAM", $2 / 1048576}' /proc/meminfo)" \
		"$(uname -r)" "$(. /etc/os-release && echo "$PRETTY_NAME")" \
		"$(ldd --version 2>/dev/null | head -n 1 | awk '{print $NF}')"
	printf ' "source_tree": "%s", "dotstub_binary": "%s",\n' \
		"$(git -C "$B_SELF_DIR/.." describe --always --dirty 2>/dev/null || echo unknown)" \
		"$DOTSTUB, built $(date -r "$DOTSTUB" '+%Y-%m-%d %H:%M')"
	b_versions_json dotstub unbound kresd dnsperf
} >"$OUT/meta.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT/meta.json" || b_die "bad meta.json"

DATA=$B_TMP/data
mkdir -p "$DATA"
for n in $COUNTS; do
	awk -v n="$n" -v z="$B_ZONE" 'BEGIN {for (i = 0; i < n; i++) printf "q%d.%s A\n", i, z}' \
		>"$DATA/names-$n.txt"
done

b_make_pki
b_start_upstream
cp "$B_TMP/upstream/unbound.conf" "$OUT/configs/upstream-unbound.conf"
b_log "upstream unbound (DoT) on 127.0.0.1:$UP_PORT, pid $UP_PID"

for n in $COUNTS; do
	for s in "${avail[@]}"; do
		run_one "$s" "$n"
	done
done

kill -0 "$UP_PID" 2>/dev/null || b_log "WARNING: the upstream unbound died during the run"
"${MUC[@]}" meta-set "$OUT/meta.json" run_seconds=$(($(date +%s) - START))
"${MUC[@]}" summarize "$OUT" || b_die "summarize failed"
b_log "done in $(($(date +%s) - START)) s: $OUT/summary.md"
