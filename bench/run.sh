#!/bin/bash
# bench/run.sh: dotstub side by side with Stubby, Unbound, dnsdist and Knot
# Resolver, all forwarding over DoT to the same local unbound, driven by
# dnsperf over UDP on loopback. See bench/README.md.
#
# Run it from a build directory (where ./dotstub and ./bench/floor are), or
# set DOTSTUB and FLOOR. Environment (defaults in brackets):
#   DURATION   seconds per dnsperf run [8]
#   ROUNDS     interleaved rounds; the summary reports medians [3]
#   SYSTEMS    systems under test [dotstub stubby unbound dnsdist kresd];
#              dotstub1 is dotstub with threads = 1 (dotstub: as many as cores);
#              floor (hit workload) and ceiling (miss workload, max mode)
#              are added unless NO_FLOOR=1 / NO_CEILING=1
#   WORKLOADS  [miss hit mixed]
#   MODES      [max fixed]: max throughput (-c CLIENTS -q OUTSTANDING) and a
#              fixed offered load (the same plus -Q RATE)
#   MIXED_MODES modes for the mixed workload [max]
#   MISS_QPS HIT_QPS MIXED_QPS  rates for the fixed mode [15000 50000 15000]
#   CLIENTS OUTSTANDING  dnsperf -c and -q [20 200]
#   QUERY_TIMEOUT dnsperf -t, seconds after which a query counts as lost [2]
#   MISS_NAMES MIXED_NAMES HIT_NAMES  [2000000 50000 100]
#   OUT        results directory [bench/results/<date-time>] (in the source tree)
#   B_KEEP=1   keep the temp dir (configs, logs)
# Every load is bounded: dnsperf -l DURATION, and `timeout` around it.
set -u

B_SELF_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$B_SELF_DIR/lib.sh"

DOTSTUB=${DOTSTUB:-$PWD/dotstub}
FLOOR=${FLOOR:-$PWD/bench/floor}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-3}
SYSTEMS=${SYSTEMS:-dotstub stubby unbound dnsdist kresd}
WORKLOADS=${WORKLOADS:-miss hit mixed}
MODES=${MODES:-max fixed}
MIXED_MODES=${MIXED_MODES:-max}
MISS_QPS=${MISS_QPS:-15000}
HIT_QPS=${HIT_QPS:-50000}
MIXED_QPS=${MIXED_QPS:-15000}
CLIENTS=${CLIENTS:-20}
OUTSTANDING=${OUTSTANDING:-200}
QUERY_TIMEOUT=${QUERY_TIMEOUT:-2}
MISS_NAMES=${MISS_NAMES:-2000000}
MIXED_NAMES=${MIXED_NAMES:-50000}
HIT_NAMES=${HIT_NAMES:-100}
OUT=${OUT:-$B_SELF_DIR/results/$(date +%Y-%m-%d-%H%M)}
CLK_TCK=$(getconf CLK_TCK)

b_need unbound certtool dnsperf python3 ss timeout
[ -x "$DOTSTUB" ] || b_die "no dotstub at $DOTSTUB (run from the build dir or set DOTSTUB)"

# Systems whose program is missing are skipped, and the summary says so.
avail=() skipped=()
for s in $SYSTEMS; do
	case $s in
	dotstub | dotstub1) avail+=("$s") ;;
	*) if command -v "$s" >/dev/null 2>&1; then avail+=("$s"); else
		b_log "SKIP $s: not installed"
		skipped+=("$s")
	fi ;;
	esac
done
if [ "${NO_FLOOR:-0}" != 1 ]; then
	if [ -x "$FLOOR" ]; then HAVE_FLOOR=1; else
		HAVE_FLOOR=0
		b_log "SKIP floor: no $FLOOR (make bench/floor)"
		skipped+=(floor)
	fi
else HAVE_FLOOR=0; fi

mkdir -p "$OUT/raw" "$OUT/configs" || b_die "cannot create $OUT"
RUNS=$OUT/runs.jsonl
: >"$RUNS"
START=$(date +%s)

# --- the machine and the versions ------------------------------------------
{
	printf '{"date": "%s", "command": "%s",\n' "$(date -Iseconds)" "$0 (DURATION=$DURATION ROUNDS=$ROUNDS)"
	printf ' "nproc": "%s", "cpu": "%s", "kernel": "%s", "os": "%s",\n' "$(nproc)" \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" "$(uname -r)" \
		"$(. /etc/os-release && echo "$PRETTY_NAME")"
	printf ' "rmem_default": "%s", "rmem_max": "%s", "loadavg_start": "%s",\n' \
		"$(sysctl -n net.core.rmem_default)" "$(sysctl -n net.core.rmem_max)" "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf ' "skipped": "%s", "dotstub_binary": "%s", "source_tree": "%s",\n' "${skipped[*]}" \
		"$DOTSTUB, built $(date -r "$DOTSTUB" '+%Y-%m-%d %H:%M')" \
		"$(git -C "$B_SELF_DIR/.." describe --always --dirty 2>/dev/null || echo unknown)"
	printf ' "rounds": %s, "duration": %s, "clients": %s, "outstanding": %s,\n' "$ROUNDS" \
		"$DURATION" "$CLIENTS" "$OUTSTANDING"
	printf ' "fixed_qps": {"miss": %s, "hit": %s, "mixed": %s},\n' "$MISS_QPS" "$HIT_QPS" "$MIXED_QPS"
	b_versions_json "${avail[@]}" floor dnsperf
} >"$OUT/meta.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT/meta.json" || b_die "bad meta.json"

# --- data files --------------------------------------------------------------
DATA=$B_TMP/data
mkdir -p "$DATA"
b_log "generating data files in $DATA"
"${BU[@]}" gen-miss "$DATA/miss.txt" "$MISS_NAMES"
"${BU[@]}" gen-hit "$DATA/hit.txt" 20000 "$HIT_NAMES"
"${BU[@]}" gen-mixed "$DATA/mixed.txt" 1000000 "$MIXED_NAMES" 42

b_make_pki
b_start_upstream
cp "$B_TMP/upstream/unbound.conf" "$OUT/configs/upstream-unbound.conf"
b_log "upstream unbound (DoT) on 127.0.0.1:$UP_PORT, pid $UP_PID"

# run_one SYSTEM WORKLOAD MODE ROUND
run_one() {
	local sys=$1 wl=$2 mode=$3 round=$4 port pid rate="" tag alive=1 rc
	local cpu0 cpu1 rss threads up0 up1 drops0 drops1 rcvbuf snmp0 snmp1 busy0 busy1
	local -a extra=()
	tag=$wl-$mode-$sys-r$round
	case $wl in miss) rate=$MISS_QPS ;; hit) rate=$HIT_QPS ;; mixed) rate=$MIXED_QPS ;; esac
	[ "$mode" = fixed ] && extra+=(-Q "$rate")
	if [ "$sys" = ceiling ]; then
		port=$UP_PORT pid=$UP_PID
		extra+=(-m dot)
	else
		b_start "$sys" || {
			"${BU[@]}" record "$RUNS" /nonexistent system="$sys" workload="$wl" mode="$mode" \
				round="$round" failed=start >/dev/null
			cp "$SUT_LOG" "$OUT/raw/$tag.log" 2>/dev/null
			return 0
		}
		port=$SUT_PORT pid=$SUT_PID
		for f in "$SUT_DIR"/*.conf "$SUT_DIR"/*.yml; do
			[ -f "$f" ] && cp "$f" "$OUT/configs/$sys-${f##*/}"
		done
	fi
	local -a cmd=(dnsperf -s 127.0.0.1 -p "$port" -d "$DATA/$wl.txt" -c "$CLIENTS"
		-q "$OUTSTANDING" -l "$DURATION" -t "$QUERY_TIMEOUT" "${extra[@]}")
	local sockport=$port
	[ "$sys" = ceiling ] && sockport=0
	read -r cpu0 _ _ up0 drops0 _ snmp0 busy0 < <("${BU[@]}" snap "$pid" "$UP_PID" "$sockport")
	# dnsperf prints a line per timed-out query: counted, not kept.
	TIMEFORMAT='%R %U %S'
	{ time timeout $((DURATION + QUERY_TIMEOUT + 30)) "${cmd[@]}" >"$OUT/raw/$tag.full" 2>&1; } \
		2>"$OUT/raw/$tag.time"
	rc=$?
	if kill -0 "$pid" 2>/dev/null; then
		read -r cpu1 rss threads up1 drops1 rcvbuf snmp1 busy1 < <("${BU[@]}" snap "$pid" "$UP_PID" "$sockport")
	else
		alive=0
		snmp1=$("${BU[@]}" snmp-rcvbuf)
	fi
	grep -v '^\[Timeout\]' "$OUT/raw/$tag.full" >"$OUT/raw/$tag.txt"
	local timeouts
	timeouts=$(grep -c '^\[Timeout\]' "$OUT/raw/$tag.full")
	rm -f "$OUT/raw/$tag.full"
	if [ "$sys" != ceiling ]; then
		b_stop
		cp "$SUT_LOG" "$OUT/raw/$tag.log"
	fi
	local -a kv=(system="$sys" workload="$wl" mode="$mode" round="$round" clk_tck="$CLK_TCK"
		dnsperf_rc="$rc" timeouts_printed="$timeouts" snmp0="$snmp0" snmp1="$snmp1"
		cmd="${cmd[*]/$DATA\//}" dnsperf_wall="$(cut -d' ' -f1 <"$OUT/raw/$tag.time")"
		dnsperf_cpu="$(awk '{print $2 + $3}' "$OUT/raw/$tag.time")")
	if [ "$alive" = 1 ]; then
		kv+=(cpu0="$cpu0" cpu1="$cpu1" rss_kb="$rss" threads="$threads" up_cpu0="$up0"
			up_cpu1="$up1" drops0="$drops0" drops1="$drops1" rcvbuf="$rcvbuf" busy0="$busy0"
			busy1="$busy1")
	else
		kv+=(failed=died)
		b_log "$sys DIED during $tag; see $OUT/raw/$tag.log"
	fi
	[ "$sys" = ceiling ] && kv+=(rss_kb= rcvbuf=-)
	[ "$wl" = mixed ] && kv+=(ideal_from="$DATA/mixed.txt")
	b_log "$tag: $("${BU[@]}" record "$RUNS" "$OUT/raw/$tag.txt" "${kv[@]}")"
}

# Interleave: every round runs every system once per cell, in an order
# rotated by the round, so drift on the machine hits all systems alike.
for ((round = 1; round <= ROUNDS; round++)); do
	for wl in $WORKLOADS; do
		modes=$MODES
		[ "$wl" = mixed ] && modes=$MIXED_MODES
		for mode in $modes; do
			list=("${avail[@]}")
			[ "$wl" = hit ] && [ "$HAVE_FLOOR" = 1 ] && list+=(floor)
			[ "$wl" = miss ] && [ "$mode" = max ] && [ "${NO_CEILING:-0}" != 1 ] && list+=(ceiling)
			n=${#list[@]}
			for ((i = 0; i < n; i++)); do
				run_one "${list[$(((i + round - 1) % n))]}" "$wl" "$mode" "$round"
			done
		done
	done
done

kill -0 "$UP_PID" 2>/dev/null || b_log "WARNING: the upstream unbound died during the run"
python3 - "$OUT/meta.json" "$(($(date +%s) - START))" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["loadavg_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
m["run_seconds"] = int(sys.argv[2])
json.dump(m, open(sys.argv[1], "w"), indent=1)
EOF
"${BU[@]}" summarize "$OUT" || b_die "summarize failed"
b_log "done in $(($(date +%s) - START)) s: $OUT/summary.md"
cat "$OUT/summary.md"
