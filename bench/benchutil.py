#!/usr/bin/env python3
"""Helpers for bench/run.sh and bench/callgrind.sh (python3 standard library only).

Subcommands:
  ports N                         N free loopback ports (free for UDP and TCP)
  probe PORT NAME [--tls CA HOST] [--timeout S]
                                  one A query to 127.0.0.1:PORT over UDP (or
                                  DoT, checking CA and HOST); exit 0 on
                                  NOERROR with an answer
  gen-miss FILE N                 N unique names under the test zone
  gen-hit FILE N NAMES            N queries cycling over NAMES names
  gen-mixed FILE N NAMES SEED     N queries, Zipf(s=1) over NAMES names
  udp-socket PORT                 "drops rcvbuf" of the UDP socket(s) bound to
                                  127.0.0.1:PORT (drops summed; rcvbuf as the
                                  kernel reports it, i.e. doubled)
  proc PID                        "cpu_ticks vmhwm_kb threads" of a process
  snap PID UP_PID PORT            one line for run.sh: PID's cpu_ticks vmhwm_kb
                                  threads, UP_PID's cpu_ticks, PORT's UDP drops
                                  and rcvbuf (PORT 0: none), the kernel's UDP
                                  RcvbufErrors, all CPUs' busy jiffies
  dnsperf FILE                    dnsperf's summary as JSON
  snmp-rcvbuf                     the kernel's UDP RcvbufErrors counter
  record JSONL DNSPERF_OUT KEY=VALUE...
                                  appends one run (dnsperf figures, KEY=VALUE
                                  fields, derived per-query CPU) to JSONL
  summarize DIR                   DIR/runs.jsonl (+ callgrind.jsonl) -> DIR/summary.md
  callgrind-table JSONL           the instructions-per-query table
  headline DIR                    the compact per-workload table RESULTS.md quotes
"""
import bisect
import json
import os
import random
import re
import socket
import ssl
import statistics
import time
import struct
import sys

ZONE = "bench.example"


# --- ports and probes --------------------------------------------------------

def free_ports(n):
    ports, socks = [], []
    while len(ports) < n:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            t.close()
            u.close()
            continue
        socks += [t, u]
        ports.append(port)
    for s in socks:
        s.close()
    return ports


def build_query(name, qid):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)


def answer_ok(resp, qid):
    if len(resp) < 12:
        return False
    rid, flags, _qd, an = struct.unpack(">HHHH", resp[:8])
    return rid == qid and flags & 0x8000 and flags & 0xF == 0 and an > 0


def probe(port, name, tls=None, timeout=2.0):
    qid = random.randrange(65536)
    q = build_query(name, qid)
    if tls is None:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(timeout)
        try:
            s.sendto(q, ("127.0.0.1", port))
            resp, _ = s.recvfrom(65535)
        except OSError:
            return False
        finally:
            s.close()
        return answer_ok(resp, qid)
    ca, host = tls
    ctx = ssl.create_default_context(cafile=ca)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as s:
                s.sendall(struct.pack(">H", len(q)) + q)
                buf = b""
                while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
                    chunk = s.recv(65535)
                    if not chunk:
                        return False
                    buf += chunk
                return answer_ok(buf[2:], qid)
    except (OSError, ssl.SSLError):
        return False


# --- data files --------------------------------------------------------------

def gen_miss(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"m{i}.{ZONE} A\n")


def gen_hit(path, n, names):
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"h{i % names}.{ZONE} A\n")


def gen_mixed(path, n, names, seed):
    rng = random.Random(seed)
    cum, total = [], 0.0
    for rank in range(1, names + 1):
        total += 1.0 / rank
        cum.append(total)
    # Ranks are mapped to names through a seeded permutation, so popular
    # names are not also the lexically first ones.
    perm = list(range(names))
    rng.shuffle(perm)
    with open(path, "w") as f:
        for _ in range(n):
            r = bisect.bisect_left(cum, rng.random() * total)
            f.write(f"z{perm[min(r, names - 1)]}.{ZONE} A\n")


def ideal_hit_ratio(path, count):
    """1 - distinct/total over the first `count` lines of a data file (a
    perfect cache's hit ratio for a run that sent that many, in order)."""
    seen, n = set(), 0
    with open(path) as f:
        while n < count:
            for line in f:
                seen.add(line)
                n += 1
                if n >= count:
                    break
            else:
                f.seek(0)
                if not seen:
                    break
    return 1 - len(seen) / n if n else 0.0


# --- processes and sockets ---------------------------------------------------

def udp_socket(port):
    """Drops and receive buffer of UDP sockets bound to 127.0.0.1:port."""
    want = "0100007F:%04X" % port
    inodes, drops = set(), 0
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == want:
                drops += int(fields[-1])
                inodes.add(fields[9])
    rcvbuf = "-"
    if inodes:
        # /proc/net/udp has no buffer size; ss -m has (skmem rb).
        out = os.popen(f"ss -uanmH 'sport = :{port}' 2>/dev/null").read()
        m = re.findall(r"\brb(\d+)", out)
        if m:
            rcvbuf = ",".join(sorted(set(m)))
    return drops, rcvbuf


def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime (14, 15)
    hwm, threads = 0, 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return ticks, hwm, threads


# --- dnsperf output ----------------------------------------------------------

def parse_dnsperf(path):
    with open(path, errors="replace") as f:
        text = f.read()
    r = {}

    def num(pattern, key, conv=float):
        m = re.search(pattern, text)
        if m:
            r[key] = conv(m.group(1))

    num(r"Queries sent:\s+(\d+)", "sent", int)
    num(r"Queries completed:\s+(\d+)", "completed", int)
    num(r"Queries lost:\s+(\d+)", "lost", int)
    num(r"Queries interrupted:\s+(\d+)", "interrupted", int)
    num(r"Run time \(s\):\s+([\d.]+)", "runtime")
    num(r"Queries per second:\s+([\d.]+)", "qps")
    m = re.search(r"Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)", text)
    if m:
        r["lat_mean"], r["lat_min"], r["lat_max"] = map(float, m.groups())
    num(r"Latency StdDev \(s\):\s+([\d.]+)", "lat_sd")
    m = re.search(r"Response codes:\s+(.*)", text)
    codes = {}
    if m:
        for code, cnt in re.findall(r"([A-Z]+) (\d+)", m.group(1)):
            codes[code] = int(cnt)
    r["rcodes"] = codes
    r["noerror"] = codes.get("NOERROR", 0)
    return r


def cpu_clock():
    """"MONO_NS,IDLE,IRQ": a monotonic timestamp, and the jiffies all CPUs
    spent idle or in iowait (exact under NO_HZ, unlike the busy fields,
    which are sampled at the tick) and in hard or soft interrupts (sampled;
    without IRQ_TIME_ACCOUNTING that time is also in the interrupted
    processes' own figures)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal
    return f"{time.monotonic_ns()},{v[3] + v[4]},{v[5] + v[6]}"


def snmp_rcvbuf():
    with open("/proc/net/snmp") as f:
        lines = [l.split() for l in f if l.startswith("Udp:")]
    return int(lines[1][lines[0].index("RcvbufErrors")])


def record(jsonl, dnsperf_out, kv):
    r = {}
    for item in kv:
        k, _, v = item.partition("=")
        if k in ("busy0", "busy1") and "," in v:
            mono, idle, irq = v.split(",")
            r["mono" + k[-1]], r["irq" + k[-1]] = int(mono), int(irq)
            v = idle
        try:
            r[k] = int(v)
        except ValueError:
            try:
                r[k] = float(v)
            except ValueError:
                r[k] = v
    if os.path.exists(dnsperf_out):
        r.update(parse_dnsperf(dnsperf_out))
    hz = r.pop("clk_tck", 100)
    ans = r.get("noerror", 0)
    r["errors"] = r.get("completed", 0) - ans
    for key, a, b in [("cpu", "cpu0", "cpu1"), ("up_cpu", "up_cpu0", "up_cpu1"),
                      ("drops", "drops0", "drops1"), ("rcvbuf_errors_all", "snmp0", "snmp1"),
                      ("idle", "busy0", "busy1"), ("irq", "irq0", "irq1"),
                      ("mono", "mono0", "mono1")]:
        if a in r and b in r:
            r[key] = r.pop(b) - r.pop(a)
    if "cpu" in r:
        r["cpu_s"] = r.pop("cpu") / hz
        r["cpu_us_per_q"] = r["cpu_s"] * 1e6 / ans if ans else None
    if "up_cpu" in r:
        r["up_cpu_s"] = r.pop("up_cpu") / hz
        r["up_us_per_q"] = r["up_cpu_s"] * 1e6 / ans if ans else None
    # Everything else the machine did meanwhile (other processes, and kernel
    # work charged to none of these three), in % of one core: the noise
    # figure. Busy time is wall time times CPUs minus idle time.
    if "idle" in r and "mono" in r and "cpu_s" in r and \
            isinstance(r.get("dnsperf_cpu"), (int, float)):
        wall = r.pop("mono") / 1e9
        busy = wall * r.pop("ncpu", os.cpu_count()) - r.pop("idle") / hz
        sut_up = r["cpu_s"] + (r.get("up_cpu_s", 0) if r.get("system") != "ceiling" else 0)
        r["other_cpu_pct"] = 100 * (busy - sut_up - r["dnsperf_cpu"]) / wall
        irq = r.pop("irq", 0) / hz
        r["irq_cpu_pct"] = 100 * irq / wall
    if r.get("ideal_from") and r.get("sent"):
        r["ideal_hit"] = ideal_hit_ratio(r.pop("ideal_from"), r["sent"])
    with open(jsonl, "a") as f:
        f.write(json.dumps(r) + "\n")
    return r


# --- summary -----------------------------------------------------------------

ORDER = ["dotstub", "dotstub1", "stubby", "unbound", "dnsdist", "kresd", "floor", "ceiling"]
WORKLOAD_TEXT = {
    "miss": "all-miss (every name unique)",
    "hit": "all-hit (100 names, repeated)",
    "mixed": "mixed (Zipf s=1 over 50k names)",
}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, spec, none="-"):
    return none if x is None else format(x, spec)


def summarize(d):
    rp, mp = os.path.join(d, "runs.jsonl"), os.path.join(d, "meta.json")
    runs = [json.loads(line) for line in open(rp) if line.strip()] if os.path.exists(rp) else []
    meta = json.load(open(mp)) if os.path.exists(mp) else {"rounds": "-", "duration": "-"}
    cells = {}
    for r in runs:
        cells.setdefault((r["workload"], r["mode"]), {}).setdefault(r["system"], []).append(r)
    out = []
    w = out.append
    w(f"# Benchmark run {os.path.basename(os.path.normpath(d))}\n")
    if meta.get("note"):
        w(f"> Note: {meta['note']}\n")
    w("Generated by bench/run.sh (bench/benchutil.py summarize). Medians over "
      f"{meta['rounds']} interleaved rounds of {meta['duration']} s per run; every "
      "system started fresh (empty cache) for every run.\n")
    w("## Machine\n")
    for k in ["nproc", "cpu", "kernel", "os", "rmem_default", "rmem_max", "loadavg_start",
              "loadavg_end", "dotstub_binary", "source_tree", "skipped"]:
        w(f"- {k}: {meta.get(k, '?')}")
    w("\n## Versions\n")
    for k, v in meta.get("versions", {}).items():
        w(f"- {k}: {v}")
    w("")
    w("## Results\n")
    w("Columns: QPS = answered per second as dnsperf reports it (median); "
      "ratio = QPS / dotstub's QPS; CPU us/q = CPU time (user+system) of the "
      "system under test during the run divided by the NOERROR answers; "
      "lat = dnsperf's mean and max latency (medians over rounds); lost = "
      "dnsperf's lost queries (no answer within -t; median, and the worst "
      "round); err = answers other than NOERROR (median, worst); drops = the system's own UDP socket "
      "receive-buffer drops (/proc/net/udp, median); RSS = peak resident set (VmHWM, median); "
      "rcvbuf = the listening socket's receive buffer as the kernel reports "
      "it (ss -m rb, i.e. twice the requested size); up us/q = the upstream "
      "unbound's CPU per answer; dnsperf CPU % = dnsperf's own CPU time over "
      "its wall-clock time (it has a sending and a receiving thread; near 100 or above: the load generator is likely the limit); other CPU % = what the rest of the machine used meanwhile, in % of one core: busy time (wall time x CPUs minus /proc/stat idle and iowait) minus the CPU time of the system, the upstream and dnsperf. A noise figure: the machine has 2 cores and other work may run on it; a few % either way is measurement error. ceiling is "
      "dnsperf straight to the upstream over DoT (-m dot, one TLS connection "
      "per client); its CPU column (in parentheses) is the upstream's. "
      "runs = runs that completed / runs tried.\n")
    for wl in ["miss", "hit", "mixed"]:
        for mode in ["max", "fixed"]:
            cell = cells.get((wl, mode))
            if not cell:
                continue
            qps_target = meta.get("fixed_qps", {}).get(wl)
            title = WORKLOAD_TEXT[wl] + (", maximum throughput" if mode == "max"
                                         else f", fixed offered load {qps_target} QPS")
            w(f"### {title}\n")
            notes = []
            cmd = next((r["cmd"] for rs in cell.values() for r in rs if r.get("cmd")), "")
            w(f"`{cmd}` (ceiling: `-m dot` to the upstream)\n" if mode == "max" and wl == "miss"
              else f"`{cmd}`\n")
            hdr = ("| system | runs | QPS | ratio | CPU us/q | CPU ratio | lat mean ms | lat max ms "
                   "| lost (worst) | err (worst) | drops | RSS MB | rcvbuf | up us/q | dnsperf CPU % | other CPU % |")
            if wl == "mixed":
                hdr += " ideal hit % |"
            w(hdr)
            w("|" + "---|" * (hdr.count("|") - 1))
            base = [r for r in cell.get("dotstub", []) if not r.get("failed")]
            bq = med([r.get("qps") for r in base])
            bc = med([r.get("cpu_us_per_q") for r in base])
            for sysname in sorted(cell, key=lambda s: ORDER.index(s) if s in ORDER else 99):
                allr = cell[sysname]
                rs = [r for r in allr if not r.get("failed")]
                qps = med([r.get("qps") for r in rs])
                cpu = med([r.get("cpu_us_per_q") for r in rs])
                lm = med([r.get("lat_mean") for r in rs])
                lx = med([r.get("lat_max") for r in rs])
                rss = med([r["rss_kb"] / 1024 if isinstance(r.get("rss_kb"), int) else None for r in rs])
                pc = med([100 * r["dnsperf_cpu"] / r["dnsperf_wall"]
                          if isinstance(r.get("dnsperf_cpu"), (int, float)) and r.get("dnsperf_wall") else None
                          for r in rs])
                row = [
                    sysname,
                    f"{len(rs)}/{len(allr)}",
                    fmt(qps, ".0f"),
                    fmt(qps / bq if qps and bq else None, ".2f"),
                    fmt(cpu, ".1f") if sysname != "ceiling" else f"({fmt(cpu, '.1f')})",
                    fmt(cpu / bc if cpu and bc and sysname != "ceiling" else None, ".2f"),
                    fmt(lm * 1000 if lm is not None else None, ".2f"),
                    fmt(lx * 1000 if lx is not None else None, ".0f"),
                    f"{fmt(med([r.get('lost') for r in rs]), '.0f')} ({max([r.get('lost', 0) for r in rs] or [0])})",
                    f"{fmt(med([r.get('errors') for r in rs]), '.0f')} ({max([r.get('errors', 0) for r in rs] or [0])})",
                    fmt(med([r.get("drops") for r in rs]), ".0f"),
                    fmt(rss, ".1f"),
                    ",".join(sorted({str(r.get("rcvbuf", "-")) for r in rs})) or "-",
                    fmt(med([r.get("up_us_per_q") for r in rs]), ".1f"),
                    fmt(pc, ".0f"),
                    fmt(med([r.get("other_cpu_pct") for r in rs]), ".0f"),
                ]
                if wl == "mixed":
                    ih = med([r.get("ideal_hit") for r in rs])
                    row.append(fmt(ih * 100 if ih is not None else None, ".1f"))
                w("| " + " | ".join(row) + " |")
                bad = [r for r in allr if r.get("failed")]
                for r in bad:
                    notes.append(f"{sysname}, round {r['round']}: {r['failed']}")
                for r in rs:
                    other = {k: v for k, v in r.get("rcodes", {}).items() if k != "NOERROR"}
                    if other:
                        notes.append(f"{sysname}, round {r['round']}: answers other than NOERROR: {other}")
            w("")
            if notes:
                w("Notes: " + "; ".join(notes) + "\n")
            w("Per round (QPS / CPU us per query / lost): " + "; ".join(
                f"{s}: " + ", ".join(f"{fmt(r.get('qps'), '.0f')}/{fmt(r.get('cpu_us_per_q'), '.1f')}/{r.get('lost', '-')}"
                                     for r in sorted(cell[s], key=lambda r: r["round"]))
                for s in sorted(cell, key=lambda s: ORDER.index(s) if s in ORDER else 99)))
            w("")
    cg = os.path.join(d, "callgrind.jsonl")
    if os.path.exists(cg):
        w(summarize_callgrind(cg))
    times = []
    if meta.get("run_seconds"):
        times.append(f"bench/run.sh {meta['run_seconds']} s")
    cm = os.path.join(d, "callgrind-meta.json")
    if os.path.exists(cm):
        times.append(f"bench/callgrind.sh {json.load(open(cm))['seconds']} s")
    if times:
        w("Time taken: " + ", ".join(times) + ".\n")
    w("## Configurations\n")
    w("Each system's generated configuration is in configs/ next to this file "
      "(ports and temp paths vary per run).\n")
    with open(os.path.join(d, "summary.md"), "w") as f:
        f.write("\n".join(out) + "\n")


def headline(d):
    """A compact table per workload: the figures RESULTS.md quotes."""
    runs = [json.loads(l) for l in open(os.path.join(d, "runs.jsonl")) if l.strip()]
    cgp = os.path.join(d, "callgrind.jsonl")
    cg = [json.loads(l) for l in open(cgp) if l.strip()] if os.path.exists(cgp) else []
    ir = {(r["system"], r["workload"]): r.get("ir_per_q") for r in cg}
    out = []
    for wl in ["miss", "hit", "mixed"]:
        systems = sorted({r["system"] for r in runs if r["workload"] == wl},
                         key=lambda s: ORDER.index(s) if s in ORDER else 99)
        if not systems:
            continue
        modes = [m for m in ["max", "fixed"] if any(r["workload"] == wl and r["mode"] == m for r in runs)]
        hdr = ["system"]
        for m in modes:
            hdr += [f"{m}: QPS", f"{m}: x dotstub", f"{m}: CPU us/q"] if m == "max" else \
                   [f"{m}: CPU us/q", f"{m}: x dotstub"]
        hdr += ["Ir/q (callgrind)", "lost+err (worst run)", "peak RSS MB"]
        out.append(f"#### {WORKLOAD_TEXT[wl]}\n")
        out.append("| " + " | ".join(hdr) + " |")
        out.append("|" + "---|" * len(hdr))
        base = {}
        for m in modes:
            b = [r for r in runs if r["workload"] == wl and r["mode"] == m and r["system"] == "dotstub" and not r.get("failed")]
            base[m] = (med([r.get("qps") for r in b]), med([r.get("cpu_us_per_q") for r in b]))
        for s in systems:
            row = [s]
            lost, rss = [], []
            for m in modes:
                rs = [r for r in runs if r["workload"] == wl and r["mode"] == m and r["system"] == s and not r.get("failed")]
                if not rs:
                    row += ["-"] * (3 if m == "max" else 2)
                    continue
                q, c = med([r.get("qps") for r in rs]), med([r.get("cpu_us_per_q") for r in rs])
                bq, bc = base[m]
                cs = fmt(c, ".1f") if s != "ceiling" else "-"
                if m == "max":
                    row += [fmt(q, ",.0f"), fmt(q / bq if q and bq else None, ".2f"), cs]
                else:
                    row += [cs, fmt(c / bc if c and bc and s != "ceiling" else None, ".2f")]
                lost += [r.get("lost", 0) + r.get("errors", 0) for r in rs]
                rss += [r["rss_kb"] / 1024 for r in rs if isinstance(r.get("rss_kb"), int)]
            row += [fmt(ir.get((s, wl)), ",.0f"), str(max(lost) if lost else "-"),
                    fmt(max(rss) if rss else None, ".0f")]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    return "\n".join(out)


def summarize_callgrind(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    out = ["## Instructions per query (callgrind)\n",
           "User-space instructions (Ir, all threads) between `callgrind_control -z` "
           "and `callgrind_control -d`, divided by the queries sent in between "
           "(dnsperf -Q 500 -n 1; misses: 10,000 unique names; hits: 20,000 queries "
           "over 100 names warmed into the cache first).\n",
           "| system | workload | queries | answered | Ir total | Ir per query | ratio |",
           "|---|---|---|---|---|---|---|"]
    idle = [r for r in rows if r["workload"] == "idle"]
    rows = [r for r in rows if r["workload"] != "idle"]
    base = {r["workload"]: r["ir_per_q"] for r in rows if r["system"] == "dotstub" and r.get("ir_per_q")}
    for r in sorted(rows, key=lambda r: (r["workload"], ORDER.index(r["system"]) if r["system"] in ORDER else 99)):
        b = base.get(r["workload"])
        ir = r.get("ir_per_q")
        out.append(f"| {r['system']} | {r['workload']} | {r.get('queries', '-')} | {r.get('answered', '-')} "
                   f"| {r.get('ir_total', '-')} | {fmt(ir, ',.0f')} | {fmt(ir / b if ir and b else None, '.2f')} |")
    out.append("")
    if idle:
        out += ["Idle: Ir per second with no query at all (after the runs above, same "
                "process; timers and background threads). At 500 QPS, Ir per second / 500 "
                "of each per-query figure above is this background work.\n",
                "| system | seconds | Ir total | Ir per second | share of a query at 500 QPS |",
                "|---|---|---|---|---|"]
        for r in sorted(idle, key=lambda r: ORDER.index(r["system"]) if r["system"] in ORDER else 99):
            hit = next((x.get("ir_per_q") for x in rows if x["system"] == r["system"] and x["workload"] == "hit"), None)
            share = r["ir_per_s"] / 500 / hit if hit else None
            out.append(f"| {r['system']} | {r['seconds']} | {r['ir_total']} | {r['ir_per_s']:,.0f} | "
                       f"{fmt(share * 100 if share is not None else None, '.1f')}% of a hit |")
        out.append("")
    return "\n".join(out)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, a = argv[1], argv[2:]
    if cmd == "ports":
        print(" ".join(map(str, free_ports(int(a[0]) if a else 1))))
    elif cmd == "probe":
        tls, timeout = None, 2.0
        rest = a[2:]
        while rest:
            if rest[0] == "--tls":
                tls = (rest[1], rest[2])
                rest = rest[3:]
            elif rest[0] == "--timeout":
                timeout = float(rest[1])
                rest = rest[2:]
            else:
                raise SystemExit(f"probe: unknown option {rest[0]}")
        return 0 if probe(int(a[0]), a[1], tls, timeout) else 1
    elif cmd == "gen-miss":
        gen_miss(a[0], int(a[1]))
    elif cmd == "gen-hit":
        gen_hit(a[0], int(a[1]), int(a[2]))
    elif cmd == "gen-mixed":
        gen_mixed(a[0], int(a[1]), int(a[2]), int(a[3]))
    elif cmd == "ideal-hit":
        print(f"{ideal_hit_ratio(a[0], int(a[1])):.4f}")
    elif cmd == "udp-socket":
        drops, rcvbuf = udp_socket(int(a[0]))
        print(drops, rcvbuf)
    elif cmd == "proc":
        print(*proc_stat(int(a[0])))
    elif cmd == "dnsperf":
        print(json.dumps(parse_dnsperf(a[0])))
    elif cmd == "snap":
        ticks, hwm, threads = proc_stat(int(a[0]))
        up_ticks = proc_stat(int(a[1]))[0]
        drops, rcvbuf = udp_socket(int(a[2])) if int(a[2]) else (0, "-")
        print(ticks, hwm, threads, up_ticks, drops, rcvbuf, snmp_rcvbuf(), cpu_clock())
    elif cmd == "snmp-rcvbuf":
        print(snmp_rcvbuf())
    elif cmd == "record":
        r = record(a[0], a[1], a[2:])
        print(f"qps={r.get('qps')} answered={r.get('noerror')} lost={r.get('lost')} "
              f"errors={r.get('errors')} cpu_us/q={fmt(r.get('cpu_us_per_q'), '.1f')} "
              f"lat_mean_ms={fmt(r.get('lat_mean', 0) * 1000, '.2f')} drops={r.get('drops')} "
              f"rss_kb={r.get('rss_kb')}")
    elif cmd == "headline":
        print(headline(a[0]))
    elif cmd == "callgrind-table":
        print(summarize_callgrind(a[0]))
    elif cmd == "summarize":
        summarize(a[0])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
