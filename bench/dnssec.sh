#!/bin/bash
# bench/dnssec.sh: instructions per query with DNSSEC validation on, under
# callgrind, for dotstub and for Unbound and Knot Resolver as validating
# forwarders, all over DoT to one loopback unbound serving the signed test
# hierarchy (tests/dnssec/make-zones.sh; the same idea as
# it_dnssec_upstream in tests/integration/lib.sh: auth-zones for-upstream,
# iterator only, no validation, do-not-query-address everywhere).
#
# Systems (SYSTEMS):
#   dotstub      dnssec = validate, trust-anchor-file = the test root's DS
#   dotstub-off  the same with dnssec = off (the hit baseline)
#   unbound      validator iterator, same anchor, aggressive-nsec: no
#   unbound-agg  the same with aggressive-nsec: yes (unbound's default)
#   kresd        trust_anchors.add_file(same anchor), policy.TLS_FORWARD
# Workloads, each on one instance started under callgrind:
#   vmiss: warm the key chain with WARM_N wildcard names (every thread's key
#          store), `callgrind_control -z`, MISS_N other distinct names
#          under *.wild.secure.test. (each a secure wildcard answer: the
#          A RRset, its RRSIG and the NSEC proof) at RATE, dump;
#   nxmiss: the same with distinct names nxN.secure.test. (NXDOMAIN, two
#          NSEC proofs), after WARM_N others;
#   hit:   www.secure.test A once, then HIT_N times the same at RATE;
# Ir per query = the dump's total Ir (all threads) / queries sent. The
# upstream logs every query it receives, so "up/q" says how many upstream
# queries each measured query cost (1 for a true miss, 0 for an answer
# the resolver made up from its cache, e.g. aggressive NSEC, RFC 8198).
# Then, without valgrind, QPS (optional, QPS=1): dnsperf -l QPS_SECONDS on
# QPS_N distinct wildcard names per system (indicative: a shared machine).
#
# Run from the build dir. Environment:
#   SYSTEMS [dotstub dotstub-off unbound unbound-agg kresd]
#   MISS_N HIT_N WARM_N RATE [2000 5000 200 200]; QPS [0]; QPS_SECONDS [10]
#   OUT results dir [bench/results/DATE-dnssec]: dnssec.jsonl, summary.md
#       (the table), raw/ (dumps, dnsperf outputs, configs, logs)
set -u

B_SELF_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$B_SELF_DIR/lib.sh"

DOTSTUB=${DOTSTUB:-$PWD/dotstub}
SYSTEMS=${SYSTEMS:-dotstub dotstub-off unbound unbound-agg kresd}
MISS_N=${MISS_N:-2000}
HIT_N=${HIT_N:-5000}
WARM_N=${WARM_N:-200}
RATE=${RATE:-200}
QPS=${QPS:-0}
QPS_SECONDS=${QPS_SECONDS:-10}
QPS_N=100000
OUT=${OUT:-$B_SELF_DIR/results/$(date +%Y-%m-%d-%H%M)-dnssec}
B_START_TIMEOUT=120

b_need valgrind callgrind_control unbound certtool dnsperf python3 timeout kdig ldns-keygen
mkdir -p "$OUT/raw" || b_die "cannot create $OUT"
CG=$OUT/dnssec.jsonl
: >"$CG"
START=$(date +%s)

Z=$B_TMP/zones
bash "$B_SELF_DIR/../tests/dnssec/make-zones.sh" "$Z" >"$B_TMP/make-zones.out" 2>&1 ||
	{
		cat "$B_TMP/make-zones.out" >&2
		b_die "make-zones.sh failed"
	}
ANCHOR=$Z/anchor.ds
ZONES=". test. secure.test. nsec3.test. unsigned.nsec3.test. ed.test. insecure.test."

D=$B_TMP/data
mkdir -p "$D"
python3 - "$D" "$WARM_N" "$MISS_N" "$HIT_N" "$QPS_N" <<'EOF'
import sys
d, warm, n, hit, qn = sys.argv[1], *map(int, sys.argv[2:])
def w(name, lines):
    with open(f"{d}/{name}", "w") as f:
        f.writelines(lines)
w("warm.txt", (f"w{i}.wild.secure.test A\n" for i in range(warm)))
w("vmiss.txt", (f"m{i}.wild.secure.test A\n" for i in range(n)))
w("warm-nx.txt", (f"wnx{i}.secure.test A\n" for i in range(warm)))
w("nxmiss.txt", (f"nx{i}.secure.test A\n" for i in range(n)))
w("warm-hit.txt", ["www.secure.test A\n"])
w("hit.txt", ["www.secure.test A\n"] * hit)
w("qps.txt", (f"q{i}.wild.secure.test A\n" for i in range(qn)))
EOF

b_make_pki

# The upstream: unbound, iterator only, answering the signed hierarchy from
# auth-zones (for-upstream) with hints that name an address it may not query.
start_signed_upstream() {
	local d=$B_TMP/upstream z file i
	mkdir -p "$d"
	printf '.\t3600000\tIN\tNS\tns.root-servers.\nns.root-servers.\t3600000\tIN\tA\t192.0.2.53\n' \
		>"$d/root.hints"
	UP_PORT=$(b_ports)
	UP_LOG=$d/unbound.log
	{
		cat <<EOF
server:
	interface: 127.0.0.1@$UP_PORT
	tls-port: $UP_PORT
	tls-service-key: "$B_KEY"
	tls-service-pem: "$B_CERT"
	access-control: 127.0.0.0/8 allow
	do-daemonize: no
	chroot: ""
	username: ""
	pidfile: ""
	use-syslog: no
	logfile: "$UP_LOG"
	directory: "$d"
	module-config: "iterator"
	num-threads: 1
	do-ip6: no
	verbosity: 0
	log-queries: yes
	incoming-num-tcp: 256
	root-hints: "$d/root.hints"
	local-zone: "test." nodefault
	do-not-query-address: 0.0.0.0/0
	do-not-query-address: ::/0
EOF
		for z in $ZONES; do
			file=${z%.}.signed
			[ "$z" = . ] && file=root.signed
			printf 'auth-zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$z" "$Z/$file"
			printf '\tfor-upstream: yes\n\tfor-downstream: no\n\tfallback-enabled: no\n'
		done
		printf 'remote-control:\n\tcontrol-enable: no\n'
	} >"$d/unbound.conf"
	unbound -d -c "$d/unbound.conf" >"$d/stderr" 2>&1 &
	UP_PID=$!
	B_PIDS+=("$UP_PID")
	for ((i = 0; i < 100; i++)); do
		kill -0 "$UP_PID" 2>/dev/null || break
		"${BU[@]}" probe "$UP_PORT" www.secure.test --tls "$B_CA" "$B_TLS_NAME" && return 0
		sleep 0.1
	done
	cat "$d/stderr" "$UP_LOG" >&2
	b_die "the signed upstream did not answer on 127.0.0.1:$UP_PORT"
}
up_queries() { grep -c 'info: 127\.0\.0\.1 ' "$UP_LOG" 2>/dev/null || echo 0; }

# --- the validating systems -------------------------------------------------

b_conf_dotstub-off() {
	DOTSTUB_DNSSEC=off b_conf_dotstub "$1" "$2"
}
b_cmd_dotstub-off() { b_cmd_dotstub "$@"; }
b_conf_dotstubval() {
	DOTSTUB_DNSSEC=validate DOTSTUB_SERVER_EXTRA="trust-anchor-file = $ANCHOR" b_conf_dotstub "$1" "$2"
}
b_cmd_dotstubval() { b_cmd_dotstub "$@"; }

# Unbound: validator iterator, the test root's DS as its only anchor,
# everything forwarded over DoT (CA + name); test. is an RFC 6761 name
# unbound would answer itself without nodefault.
b_conf_unboundval() {
	cat >"$1/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$2
	access-control: 127.0.0.0/8 allow
	do-daemonize: no
	chroot: ""
	username: ""
	pidfile: ""
	use-syslog: no
	logfile: ""
	directory: "$1"
	module-config: "validator iterator"
	trust-anchor-file: "$ANCHOR"
	aggressive-nsec: ${UNBOUND_AGG:-no}
	local-zone: "test." nodefault
	do-ip6: no
	do-not-query-localhost: no
	tls-cert-bundle: "$B_CA"
	verbosity: 1
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$UP_PORT#$B_TLS_NAME
	forward-tls-upstream: yes
	forward-first: no
remote-control:
	control-enable: no
EOF
}
b_cmd_unboundval() { printf '%s\n' unbound -d -c "$1/unbound.conf"; }
b_conf_unbound-agg() { UNBOUND_AGG=yes b_conf_unboundval "$@"; }
b_cmd_unbound-agg() { b_cmd_unboundval "$@"; }

# kresd: the test root's DS as its only anchor (read-only: no RFC 5011
# state), updates, priming and time-skew probes off, everything forwarded
# over DoT (CA + name), tcp_pipeline raised as in lib.sh.
b_conf_kresdval() {
	cat >"$1/kresd.conf" <<EOF
log_target('stderr')
modules.unload('ta_update')
modules.unload('ta_signal_query')
modules.unload('priming')
modules.unload('detect_time_skew')
trust_anchors.remove('.')
trust_anchors.add_file('$ANCHOR', true)
net.ipv6 = false
net.listen('127.0.0.1', $2, { kind = 'dns' })
net.tcp_pipeline(1000)
cache.open(64 * MB, 'lmdb://$1/cache')
policy.add(policy.all(policy.TLS_FORWARD({
	{ '127.0.0.1@$UP_PORT', hostname = '$B_TLS_NAME', ca_file = '$B_CA' } })))
EOF
	mkdir -p "$1/run"
}
b_cmd_kresdval() { printf '%s\n' kresd -n -c "$1/kresd.conf" "$1/run"; }

# The configuration name of a system.
conf_of() {
	case $1 in
	dotstub) echo dotstubval ;;
	unbound) echo unboundval ;;
	kresd) echo kresdval ;;
	*) echo "$1" ;;
	esac
}


# ad_check: the system answers www.secure.test with AD (it validated);
# prints "ad" or "no-ad".
ad_check() {
	kdig @127.0.0.1 -p "$SUT_PORT" +retry=0 +timeout=5 +adflag www.secure.test A 2>&1 |
		grep -Eq '^;; Flags: .*\<ad\>' && echo ad || echo no-ad
}

# measure SYSTEM WORKLOAD FILE AD: zero, send FILE, dump, record.
measure() {
	local sys=$1 wl=$2 file=$3 ad=$4 before dump ir up0 up1 sent=0 completed=0 noerror=0 i
	callgrind_control -z "$SUT_PID" >/dev/null 2>&1 || {
		b_log "callgrind_control -z failed for $sys"
		return 1
	}
	up0=$(up_queries)
	read -r sent completed noerror < <(b_send "$file")
	up1=$(up_queries)
	cp "$B_TMP/dnsperf.out" "$OUT/raw/$sys-$wl.dnsperf.txt"
	before=$(ls "$SUT_DIR"/callgrind.out.* 2>/dev/null | wc -l)
	callgrind_control -d "$sys-$wl" "$SUT_PID" >/dev/null 2>&1
	for ((i = 0; i < 300; i++)); do
		[ "$(ls "$SUT_DIR"/callgrind.out.* 2>/dev/null | wc -l)" -gt "$before" ] && break
		sleep 0.1
	done
	sleep 0.5
	dump=$(ls -t "$SUT_DIR"/callgrind.out.* 2>/dev/null | head -n 1)
	ir=$(sed -n 's/^summary: \([0-9]*\).*/\1/p; s/^totals: \([0-9]*\).*/\1/p' "$dump" 2>/dev/null | head -n 1)
	if [ -z "$ir" ] || [ "$sent" = 0 ]; then
		b_log "$sys $wl: no callgrind total (dump: ${dump:-none})"
		return 1
	fi
	cp "$dump" "$OUT/raw/callgrind.out.$sys-$wl"
	python3 - "$CG" "$sys" "$wl" "$sent" "$completed" "$noerror" "$ir" "$((up1 - up0))" "$ad" <<'EOF'
import json, sys
cg, s, wl, sent, comp, ok, ir, up, ad = sys.argv[1:]
r = {"system": s, "workload": wl, "queries": int(sent), "answered": int(comp),
     "noerror": int(ok), "ir_total": int(ir), "ir_per_q": int(ir) / int(sent),
     "upstream_queries": int(up), "ad": ad}
open(cg, "a").write(json.dumps(r) + "\n")
print(f"{s} {wl}: {int(ir):,} Ir / {sent} = {r['ir_per_q']:,.0f} Ir/q "
      f"(answered {comp}, NOERROR {ok}, upstream {up}, {ad})")
EOF
}

# sb_start SYSTEM [WRAPPER...]: b_start (lib.sh), with www.secure.test as
# the readiness probe: a system answers it only once it validates.
sb_start() {
	local sys=$1 i
	local -a cmd
	shift
	B_RUNS=$((B_RUNS + 1))
	SUT_DIR=$B_TMP/$sys-$B_RUNS
	mkdir -p "$SUT_DIR"
	SUT_LOG=$SUT_DIR/log
	SUT_PORT=$(b_ports)
	"b_conf_$sys" "$SUT_DIR" "$SUT_PORT"
	mapfile -t cmd < <("b_cmd_$sys" "$SUT_DIR" "$SUT_PORT")
	"$@" "${cmd[@]}" >"$SUT_LOG" 2>&1 </dev/null &
	SUT_PID=$!
	B_PIDS+=("$SUT_PID")
	for ((i = 0; i < B_START_TIMEOUT * 10; i++)); do
		kill -0 "$SUT_PID" 2>/dev/null || break
		"${BU[@]}" probe "$SUT_PORT" www.secure.test --timeout 1 && return 0
		sleep 0.1
	done
	b_kill "$SUT_PID"
	b_log "$sys did not answer www.secure.test on 127.0.0.1:$SUT_PORT; last lines of its log:"
	tail -n 20 "$SUT_LOG" >&2
	return 1
}

start_signed_upstream
b_log "signed upstream (DoT) on 127.0.0.1:$UP_PORT; results in $OUT"

available() {
	case $1 in
	dotstub*) [ -x "$DOTSTUB" ] ;;
	unbound*) command -v unbound >/dev/null 2>&1 ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

for sys in $SYSTEMS; do
	available "$sys" || {
		b_log "SKIP $sys: not installed"
		continue
	}
	b_log "starting $sys under callgrind"
	# --compress-strings=no: each dump names its functions itself, so
	# callgrind_annotate reads one without the others.
	sb_start "$(conf_of "$sys")" valgrind --tool=callgrind --instr-atstart=yes --compress-strings=no \
		--callgrind-out-file="$B_TMP/$(conf_of "$sys")-$((B_RUNS + 1))/callgrind.out.%p" || continue
	ad=$(ad_check)
	cp "$SUT_DIR"/*.conf "$OUT/raw/" 2>/dev/null
	b_send "$D/warm.txt" >/dev/null
	b_log "$(measure "$sys" vmiss "$D/vmiss.txt" "$ad")"
	b_send "$D/warm-nx.txt" >/dev/null
	b_log "$(measure "$sys" nxmiss "$D/nxmiss.txt" "$ad")"
	b_send "$D/warm-hit.txt" >/dev/null
	b_log "$(measure "$sys" hit "$D/hit.txt" "$ad")"
	b_stop
	cp "$SUT_LOG" "$OUT/raw/$sys.log"
done

if [ "$QPS" = 1 ]; then
	for sys in $SYSTEMS; do
		available "$sys" || continue
		sb_start "$(conf_of "$sys")" || continue
		b_send "$D/warm.txt" >/dev/null
		timeout $((QPS_SECONDS + 30)) dnsperf -s 127.0.0.1 -p "$SUT_PORT" -d "$D/qps.txt" \
			-l "$QPS_SECONDS" -c 20 -q 500 -t 5 >"$OUT/raw/$sys-qps.dnsperf.txt" 2>&1
		"${BU[@]}" dnsperf "$OUT/raw/$sys-qps.dnsperf.txt" |
			python3 -c 'import json,sys; r=json.load(sys.stdin); r["system"]=sys.argv[1]; r["workload"]="qps"; print(json.dumps(r))' "$sys" |
			tee -a "$CG" >&2
		b_stop
	done
fi

b_log "done in $(($(date +%s) - START)) s"
python3 - "$CG" <<'EOF' | tee "$OUT/summary.md"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| system | Ir/wildcard miss (NOERROR, up/q) | Ir/NXDOMAIN miss (up/q) | Ir/hit | AD | QPS (misses) |")
print("|---|---:|---:|---:|---|---:|")
by = {}
for r in rows:
    by.setdefault(r["system"], {})[r["workload"]] = r
def f(r, ok=False):
    if "ir_per_q" not in r:
        return "-"
    t = f"{r['ir_per_q']:,.0f} ("
    if ok:
        t += f"{r['noerror']}/{r['queries']}, "
    return t + f"{r['upstream_queries'] / r['queries']:.2f})"
for s, w in by.items():
    m, n, h, q = (w.get(k, {}) for k in ("vmiss", "nxmiss", "hit", "qps"))
    hit = f"{h['ir_per_q']:,.0f}" if h else "-"
    qps = f"{q.get('qps', 0):,.0f}" if q else "-"
    print(f"| {s} | {f(m, True)} | {f(n)} | {hit} | {h.get('ad', '-')} | {qps} |")
EOF
