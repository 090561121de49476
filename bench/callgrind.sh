#!/bin/bash
# bench/callgrind.sh: user-space instructions per query under callgrind, for
# dotstub and the other systems, on the same loopback setup as run.sh.
#
# For each system: start it under `valgrind --tool=callgrind`, wait until it
# answers, then
#   miss: warm up with 2,000 unique names, `callgrind_control -z`, send
#         10,000 other unique names once at 500 QPS, `callgrind_control -d`;
#   hit:  send the 100 hit names (cache fill) and 2,000 more hits,
#         `callgrind_control -z`, send 20,000 queries over those 100 names at
#         500 QPS, `callgrind_control -d`;
#   idle: after the others, `callgrind_control -z`, IDLE_SECONDS with no
#         query at all, `callgrind_control -d`: what the process does on
#         its own (timers, background threads), in Ir per second;
# and divide the dump's total Ir (all threads) by the queries sent. All
# workloads run on one instance (miss, hit, idle). At 500 QPS a system's
# background work is in its per-query figure too: idle shows how much. The
# low rate keeps valgrind's slowdown from turning into timeouts; every
# dnsperf is bounded by -n 1 and by `timeout`.
#
# Run from the build dir (or set DOTSTUB, FLOOR). Environment:
#   SYSTEMS   [dotstub stubby unbound dnsdist kresd floor] (floor: hit only)
#   WORKLOADS [miss hit idle]
#   MISS_N HIT_N RATE IDLE_SECONDS  [10000 20000 500 10]
#   OUT       results dir [the newest bench/results/*, else a new one]; the
#             figures go to OUT/callgrind.jsonl and OUT/summary.md
set -u

B_SELF_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$B_SELF_DIR/lib.sh"

DOTSTUB=${DOTSTUB:-$PWD/dotstub}
FLOOR=${FLOOR:-$PWD/bench/floor}
SYSTEMS=${SYSTEMS:-dotstub stubby unbound dnsdist kresd floor}
WORKLOADS=${WORKLOADS:-miss hit idle}
MISS_N=${MISS_N:-10000}
HIT_N=${HIT_N:-20000}
RATE=${RATE:-500}
IDLE_SECONDS=${IDLE_SECONDS:-10}
WARM_MISS=2000
WARM_HIT=2000
if [ -z "${OUT:-}" ]; then
	OUT=$(ls -d "$B_SELF_DIR"/results/*/ 2>/dev/null | sort | tail -n 1)
	OUT=${OUT%/}
	[ -n "$OUT" ] || OUT=$B_SELF_DIR/results/$(date +%Y-%m-%d-%H%M)
fi
B_START_TIMEOUT=120

b_need valgrind callgrind_control unbound certtool dnsperf python3 timeout
mkdir -p "$OUT/raw" || b_die "cannot create $OUT"
CG=$OUT/callgrind.jsonl
: >"$CG"
START=$(date +%s)

D=$B_TMP/data
mkdir -p "$D"
# Names that no other file uses: w* warm-up misses, c* measured misses.
python3 - "$D" "$WARM_MISS" "$MISS_N" <<'EOF'
import sys
d, warm, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{d}/warm-miss.txt", "w") as f:
    f.writelines(f"w{i}.bench.example A\n" for i in range(warm))
with open(f"{d}/miss.txt", "w") as f:
    f.writelines(f"c{i}.bench.example A\n" for i in range(n))
EOF
"${BU[@]}" gen-hit "$D/warm-hit.txt" $((100 + WARM_HIT)) 100
"${BU[@]}" gen-hit "$D/hit.txt" "$HIT_N" 100

b_make_pki
b_start_upstream
b_log "upstream unbound (DoT) on 127.0.0.1:$UP_PORT; results in $OUT"


# measure SYSTEM WORKLOAD FILE: zero, send FILE (idle: wait), dump, record.
measure() {
	local sys=$1 wl=$2 file=$3 before dump ir sent=0 completed=0 noerror=0
	callgrind_control -z "$SUT_PID" >/dev/null 2>&1 || {
		b_log "callgrind_control -z failed for $sys"
		return 1
	}
	if [ "$wl" = idle ]; then
		sleep "$IDLE_SECONDS"
	else
		read -r sent completed noerror < <(b_send "$file")
		cp "$B_TMP/dnsperf.out" "$OUT/raw/callgrind-$sys-$wl.dnsperf.txt"
	fi
	before=$(ls "$SUT_DIR"/callgrind.out.* 2>/dev/null | wc -l)
	callgrind_control -d "$sys-$wl" "$SUT_PID" >/dev/null 2>&1
	# The dump is written by the process itself: wait for the new file.
	for ((i = 0; i < 300; i++)); do
		[ "$(ls "$SUT_DIR"/callgrind.out.* 2>/dev/null | wc -l)" -gt "$before" ] && break
		sleep 0.1
	done
	sleep 0.5
	dump=$(ls -t "$SUT_DIR"/callgrind.out.* 2>/dev/null | head -n 1)
	ir=$(sed -n 's/^summary: \([0-9]*\).*/\1/p; s/^totals: \([0-9]*\).*/\1/p' "$dump" 2>/dev/null | head -n 1)
	if [ -z "$ir" ] || { [ "$sent" = 0 ] && [ "$wl" != idle ]; }; then
		b_log "$sys $wl: no callgrind total (dump: ${dump:-none})"
		return 1
	fi
	cp "$dump" "$OUT/raw/callgrind.out.$sys-$wl"
	python3 - "$CG" "$sys" "$wl" "$sent" "$completed" "$noerror" "$ir" "$IDLE_SECONDS" <<'EOF'
import json, sys
cg, s, wl, sent, comp, ok, ir, idle = sys.argv[1:]
r = {"system": s, "workload": wl, "queries": int(sent), "answered": int(comp),
     "noerror": int(ok), "ir_total": int(ir)}
if wl == "idle":
    r["seconds"] = int(idle)
    r["ir_per_s"] = int(ir) / int(idle)
    msg = f"{int(ir):,} Ir in {idle} s without queries = {r['ir_per_s']:,.0f} Ir per second"
else:
    r["ir_per_q"] = int(ir) / int(sent)
    msg = (f"{int(ir):,} Ir / {sent} queries = {r['ir_per_q']:,.0f} Ir per query "
           f"(answered {comp}, NOERROR {ok})")
open(cg, "a").write(json.dumps(r) + "\n")
print(f"{s} {wl}: {msg}")
EOF
}

for sys in $SYSTEMS; do
	case $sys in
	dotstub | dotstub1) [ -x "$DOTSTUB" ] || { b_log "SKIP dotstub: no $DOTSTUB"; continue; } ;;
	floor) [ -x "$FLOOR" ] || { b_log "SKIP floor: no $FLOOR"; continue; } ;;
	*) command -v "$sys" >/dev/null 2>&1 || { b_log "SKIP $sys: not installed"; continue; } ;;
	esac
	b_log "starting $sys under callgrind"
	# %p: a dnsdist or kresd fork would write its own file.
	b_start "$sys" valgrind --tool=callgrind --instr-atstart=yes \
		--callgrind-out-file="$B_TMP/$sys-$((B_RUNS + 1))/callgrind.out.%p" || continue
	for wl in $WORKLOADS; do
		[ "$sys" = floor ] && [ "$wl" = miss ] && continue
		[ "$wl" = idle ] || b_send "$D/warm-$wl.txt" >/dev/null
		b_log "$(measure "$sys" "$wl" "$D/$wl.txt")"
	done
	b_stop
	cp "$SUT_LOG" "$OUT/raw/callgrind-$sys.log"
done

echo "{\"seconds\": $(($(date +%s) - START)), \"date\": \"$(date -Iseconds)\"}" >"$OUT/callgrind-meta.json"
"${BU[@]}" summarize "$OUT" || true
b_log "done in $(($(date +%s) - START)) s"
"${BU[@]}" callgrind-table "$CG"
