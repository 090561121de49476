#!/usr/bin/env bash
# Chaos soak: dotstub under steady load for a long time, while its upstream
# is killed and restarted, frozen, and dotstub itself sees network
# changes, reloads and cache flushes, must answer every query (right, or
# SERVFAIL only while its upstream is really down) and must not grow
# (memory, file descriptors).
#
# Setup (all on loopback, with the integration tests' lib.sh): an unbound
# DoT upstream that also answers every NAME.soak.test. with an A record
# (TTL 30 s), and dotstub with a 1 MiB cache, so the cache is full, expiring
# and evicting all the time. Load (dnsperf):
#  - the main stream: a Zipf-like mix over 50,000 questions (workload.py,
#    fixed seed) over UDP, at half the maximum rate measured first (5 s);
#  - a flood of unique names (every one a miss) over TCP at a bounded rate;
#  - a checked stream (tests/tools/checkload.py, 16 UDP sockets, so both of
#    dotstub's loops take part): hits, misses and NXDOMAINs whose every
#    answer is compared with the zone, SERVFAILs timed.
# Chaos (SOAK_CHAOS=1, the default): every SOAK_EVENT_EVERY seconds one
# event, in turn: unbound killed (SIGKILL, by PID) and started again a
# second later on the same port; unbound frozen (SIGSTOP by PID: every
# connection stays open and nothing is answered) for SOAK_FREEZE seconds,
# then SIGCONT; a network change (SIGUSR1, dotstub's documented hook: every
# upstream connection is dropped); a reload (SIGHUP); a cache flush
# (dotstub-control flush). The times unbound was down or frozen are the
# "down windows". With SOAK_CHAOS=0, only the restarts, every SOAK_RESTART
# seconds (the soak before the chaos). VmRSS and the open fd count of
# dotstub are sampled every SOAK_SAMPLE seconds.
#
# Fails (exit 1) when a query is lost (no answer at all, in any stream),
# when the checked stream gets a wrong answer, or a SERVFAIL for a query
# that was not outstanding during a down window (its end extended by
# SOAK_SERVFAIL_GRACE: the reconnect); when VmRSS after the warm-up rises
# more than 10 % above its value at the end of the warm-up, when the fd
# count after the warm-up exceeds its warm-up value by more than
# SOAK_FD_SLACK, or when dotstub dies. dnsperf's streams cannot be timed
# query by query: their SERVFAILs are counted, not judged.
#
# Not part of `make check`. CI runs a short one (SOAK_SECONDS=90).
# Environment (defaults in brackets):
#   DOTSTUB          the binary [$abs_top_builddir/dotstub, else ./dotstub]
#   SOAK_SECONDS     how long the load runs [600]
#   SOAK_WARMUP      seconds before RSS/fd baselines are taken [SOAK_SECONDS/5, >= 15]
#   SOAK_RATE        main stream, queries/s [half of the measured maximum]
#   SOAK_MAX_RATE    cap on the measured rate [50000]
#   SOAK_FLOOD_RATE  unique-name stream, queries/s [200]
#   SOAK_FLOOD_MODE  udp or tcp [tcp]
#   SOAK_CHAOS       1: the chaos events in turn; 0: restarts only [1]
#   SOAK_EVENT_EVERY seconds between chaos events [10]
#   SOAK_FREEZE      seconds unbound stays frozen [5]
#   SOAK_CHECK_RATE  the checked stream, queries/s [500]
#   SOAK_SERVFAIL_GRACE seconds after a down window a SERVFAIL still counts [1]
#   SOAK_RESTART     SOAK_CHAOS=0: seconds between upstream restarts [30]; 0: never
#   SOAK_SAMPLE      seconds between samples [5]
#   SOAK_CACHE       dotstub's cache size [1m]
#   SOAK_FD_SLACK    fds allowed above the warm-up count [4]
#   SOAK_RSS_PCT     allowed RSS growth after warm-up, percent [10]
#   IT_KEEP=1        keep the temp dir (dnsperf outputs, logs, samples)
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

SOAK_DIR=$(cd "$(dirname "$0")" && pwd)
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_WARMUP=${SOAK_WARMUP:-$((SOAK_SECONDS / 5 > 15 ? SOAK_SECONDS / 5 : 15))}
SOAK_MAX_RATE=${SOAK_MAX_RATE:-50000}
SOAK_FLOOD_RATE=${SOAK_FLOOD_RATE:-200}
SOAK_FLOOD_MODE=${SOAK_FLOOD_MODE:-tcp}
SOAK_RESTART=${SOAK_RESTART:-30}
SOAK_CHAOS=${SOAK_CHAOS:-1}
SOAK_EVENT_EVERY=${SOAK_EVENT_EVERY:-10}
SOAK_FREEZE=${SOAK_FREEZE:-5}
SOAK_CHECK_RATE=${SOAK_CHECK_RATE:-500}
SOAK_SERVFAIL_GRACE=${SOAK_SERVFAIL_GRACE:-1}
SOAK_SAMPLE=${SOAK_SAMPLE:-5}
SOAK_CACHE=${SOAK_CACHE:-1m}
SOAK_FD_SLACK=${SOAK_FD_SLACK:-4}
SOAK_RSS_PCT=${SOAK_RSS_PCT:-10}
# dnsperf gives up on a query after this long; dotstub answers (at worst
# SERVFAIL) within its query-timeout, 3 s here.
SOAK_DNSPERF_TIMEOUT=5

it_need unbound kdig certtool dnsperf
# shellcheck source=../integration/ops.sh
. "$SOAK_DIR/../integration/ops.sh"
it_need_control
CHECKLOAD=("$IT_PYTHON" "$SOAK_DIR/../tools/checkload.py")
if [ "$SOAK_WARMUP" -ge "$SOAK_SECONDS" ]; then
	it_harness_error "SOAK_WARMUP ($SOAK_WARMUP) must be shorter than SOAK_SECONDS ($SOAK_SECONDS)"
fi

# The soak's zone, added to the integration zone: every name under
# soak.test. answers A 192.0.2.77 (unbound's redirect zone), TTL 30 s.
eval "lib_zone_data() $(declare -f it_zone_data | sed 1d)"
it_zone_data() {
	lib_zone_data
	echo '	local-zone: "soak.test." redirect'
	echo '	local-data: "soak.test. 30 IN A 192.0.2.77"'
}

# Forgets a PID that has been reaped, so the exit trap can never signal
# some later process that reuses it.
forget_pid() {
	local p keep=()
	for p in "${IT_PIDS[@]}"; do
		if [ "$p" != "$1" ]; then keep+=("$p"); fi
	done
	IT_PIDS=("${keep[@]}")
}

# Starts unbound again from its config file, on the same port.
start_unbound_again() {
	local i
	unbound -d -c "$IT_DIR/unbound.conf" >>"$UB_LOG" 2>&1 &
	UB_PID=$!
	IT_PIDS+=("$UB_PID")
	for ((i = 0; i < 100; i++)); do
		if it_unbound_selfcheck dot; then return 0; fi
		kill -0 "$UB_PID" 2>/dev/null || break
		sleep 0.1
	done
	it_harness_error "unbound did not come back on port $UB_PORT"
}

# kill_unbound SIGNAL: stops unbound by PID and reaps it.
kill_unbound() {
	kill -"$1" "$UB_PID" 2>/dev/null
	wait "$UB_PID" 2>/dev/null
	forget_pid "$UB_PID"
}

wall() { date +%s.%N | cut -c 1-14; }

# chaos_event WHAT: one event; a down window goes to $WINDOWS, every event
# to $EVENTS ("START END WHAT", wall clock).
chaos_event() {
	local t0 t1
	t0=$(wall)
	case $1 in
	restart)
		kill_unbound KILL
		sleep 1
		start_unbound_again
		;;
	freeze)
		kill -STOP "$UB_PID"
		sleep "$SOAK_FREEZE"
		kill -CONT "$UB_PID"
		;;
	netchange) kill -USR1 "$DS_PID" ;;
	reload) kill -HUP "$DS_PID" ;;
	flush)
		it_ctl flush
		[ "$CTL_RC" = 0 ] || it_fail "dotstub-control flush: $CTL_OUT"
		;;
	esac
	t1=$(wall)
	echo "$t0 $t1 $1" >>"$EVENTS"
	case $1 in restart | freeze) echo "$t0 $t1 $1" >>"$WINDOWS" ;; esac
}

it_make_pki dot dot.test
it_start_unbound dot
# Logging every query would fill the disk and eat CPU during a soak.
sed -i 's/^\tlog-queries: yes$/\tlog-queries: no/' "$IT_DIR/unbound.conf"
kill_unbound TERM
start_unbound_again

DS_CTL=$IT_DIR/control
conf() {
	IT_SERVER_EXTRA="control = $DS_CTL" it_conf_server | sed "s/^size = .*/size = $SOAK_CACHE/"
	it_conf_upstream local "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}
it_start_dotstub conf

ZIPF=$IT_DIR/zipf.txt
python3 "$SOAK_DIR/workload.py" zipf "$ZIPF" --names 50000 --lines 200000 --seed 1 ||
	it_harness_error "workload.py failed"

# dnsperf_field FILE REGEX: the first number after REGEX in dnsperf's summary.
dnsperf_field() {
	sed -n "s/^ *$2 *\([0-9.]*\).*/\1/p" "$1" | head -n 1
}
# rcode_count FILE RCODE: how many answers had that rcode ("Response codes:" line).
rcode_count() {
	local n
	n=$(sed -n 's/^ *Response codes: *//p' "$1" | tr ',' '\n' |
		awk -v r="$2" '$1 == r { print $2 }')
	echo "${n:-0}"
}

# 1. The maximum rate, measured on this machine now (or given).
if [ -z "${SOAK_RATE:-}" ]; then
	dnsperf -s 127.0.0.1 -p "$DS_PORT" -d "$ZIPF" -l 5 -c 4 -q 200 -t "$SOAK_DNSPERF_TIMEOUT" \
		>"$IT_DIR/dnsperf-max.out" 2>&1 || it_harness_error "dnsperf (max rate) failed"
	max_qps=$(dnsperf_field "$IT_DIR/dnsperf-max.out" "Queries per second:")
	max_qps=${max_qps%.*}
	measured_qps=$max_qps
	if [ -z "$max_qps" ] || [ "$max_qps" -le 0 ]; then
		cat "$IT_DIR/dnsperf-max.out"
		it_harness_error "could not measure the maximum rate"
	fi
	if [ "$max_qps" -gt "$SOAK_MAX_RATE" ]; then max_qps=$SOAK_MAX_RATE; fi
	SOAK_RATE=$((max_qps / 2))
else
	measured_qps="(not measured: SOAK_RATE given)"
fi

# 2. The soak.
flood_lines=$((SOAK_FLOOD_RATE * SOAK_SECONDS + 1000))
python3 "$SOAK_DIR/workload.py" unique "$IT_DIR/unique.txt" --lines "$flood_lines" ||
	it_harness_error "workload.py failed"

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$DS_PID/status" 2>/dev/null; }
fd_count() { find "/proc/$DS_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# Datagrams the kernel dropped because dotstub's listening socket was full
# (the last column of /proc/net/udp, for the listener's port).
udp_drops() {
	local hex
	hex=$(printf '%04X' "$DS_PORT")
	cat /proc/net/udp /proc/net/udp6 2>/dev/null |
		awk -v p=":$hex" 'substr($2, length($2) - 4) == p { n += $NF } END { print n + 0 }'
}

rss_start=$(rss_kb)
fd_start=$(fd_count)
if [ "$SOAK_CHAOS" = 1 ]; then
	chaos_what="a chaos event every ${SOAK_EVENT_EVERY}s"
else
	chaos_what="upstream restart every ${SOAK_RESTART}s"
fi
it_log "soak: ${SOAK_SECONDS}s at $SOAK_RATE q/s (udp) + $SOAK_FLOOD_RATE q/s unique ($SOAK_FLOOD_MODE)" \
	"+ $SOAK_CHECK_RATE q/s checked, $chaos_what, warm-up ${SOAK_WARMUP}s"

# At most 100 queries outstanding, like a busy real client, and far below
# what dotstub's UDP receive buffer holds, so a query the kernel drops
# before dotstub sees it would point at dotstub's socket setup (that drop
# count is reported next to the lost queries).
dnsperf -s 127.0.0.1 -p "$DS_PORT" -d "$ZIPF" -l "$SOAK_SECONDS" -Q "$SOAK_RATE" -c 4 -q 100 \
	-t "$SOAK_DNSPERF_TIMEOUT" >"$IT_DIR/dnsperf-zipf.out" 2>&1 &
perf_main=$!
IT_PIDS+=("$perf_main")
dnsperf -m "$SOAK_FLOOD_MODE" -s 127.0.0.1 -p "$DS_PORT" -d "$IT_DIR/unique.txt" -n 1 \
	-l "$SOAK_SECONDS" -Q "$SOAK_FLOOD_RATE" -c 1 -q 100 -t "$SOAK_DNSPERF_TIMEOUT" \
	>"$IT_DIR/dnsperf-unique.out" 2>&1 &
perf_flood=$!
IT_PIDS+=("$perf_flood")
# The checked stream: names under soak.test. answer 192.0.2.77 (hits among
# 2,000 names, 30 % misses), 10 % are NXDOMAIN names of dotstub.test.
"${CHECKLOAD[@]}" run 127.0.0.1 "$DS_PORT" --seconds "$SOAK_SECONDS" --rate "$SOAK_CHECK_RATE" \
	--sockets 16 --zone soak.test --expect 192.0.2.77 --nx-zone dotstub.test --hot 2000 \
	--miss 0.3 --nx 0.1 --timeout "$SOAK_DNSPERF_TIMEOUT" --servfails "$IT_DIR/servfails.txt" \
	>"$IT_DIR/checkload.out" 2>&1 &
perf_check=$!
IT_PIDS+=("$perf_check")
EVENTS=$IT_DIR/events.txt
WINDOWS=$IT_DIR/windows.txt
: >"$EVENTS"
: >"$WINDOWS"
CHAOS=(restart freeze netchange reload flush)

SAMPLES=$IT_DIR/samples.tsv
printf 't_s\trss_kb\tfds\trestarts\n' >"$SAMPLES"
restarts=0
next_restart=$SOAK_RESTART
next_event=$SOAK_EVENT_EVERY
events=0
next_sample=0
died=
start=$(date +%s)
# One tick a second, bounded: the load lasts SOAK_SECONDS, dnsperf then
# waits up to its timeout for the last answers.
for ((tick = 0; tick < SOAK_SECONDS + SOAK_DNSPERF_TIMEOUT + 30; tick++)); do
	now=$(($(date +%s) - start))
	if ! kill -0 "$DS_PID" 2>/dev/null; then
		died="dotstub died after ${now}s"
		break
	fi
	if [ "$now" -ge "$next_sample" ]; then
		printf '%s\t%s\t%s\t%s\n' "$now" "$(rss_kb)" "$(fd_count)" "$restarts" >>"$SAMPLES"
		next_sample=$((next_sample + SOAK_SAMPLE))
	fi
	# No event in the last seconds: the last answers must have an upstream.
	if [ "$SOAK_CHAOS" = 1 ] && [ "$now" -ge "$next_event" ] &&
		[ "$now" -le $((SOAK_SECONDS - 10 - SOAK_FREEZE)) ]; then
		ev=${CHAOS[events % ${#CHAOS[@]}]}
		chaos_event "$ev"
		events=$((events + 1))
		if [ "$ev" = restart ]; then restarts=$((restarts + 1)); fi
		next_event=$((next_event + SOAK_EVENT_EVERY))
	fi
	if [ "$SOAK_CHAOS" != 1 ] && [ "$SOAK_RESTART" -gt 0 ] && [ "$now" -ge "$next_restart" ] &&
		[ "$now" -le $((SOAK_SECONDS - 10)) ]; then
		kill_unbound KILL
		sleep 1
		start_unbound_again
		restarts=$((restarts + 1))
		next_restart=$((next_restart + SOAK_RESTART))
	fi
	if ! kill -0 "$perf_main" 2>/dev/null && ! kill -0 "$perf_flood" 2>/dev/null &&
		! kill -0 "$perf_check" 2>/dev/null; then
		break
	fi
	sleep 1
done
for p in "$perf_main" "$perf_flood" "$perf_check"; do
	if kill -0 "$p" 2>/dev/null; then
		it_fail "load client (pid $p) still running $((SOAK_DNSPERF_TIMEOUT + 30))s after the soak"
	fi
	it_kill_pid "$p"
	forget_pid "$p"
done
if [ -n "$died" ]; then
	it_fail "$died"
	DS_PID=
fi
# Idle again: what is left once the load has gone.
sleep 2
rss_end=$(rss_kb)
fd_end=$(fd_count)
udp_drops=$(udp_drops)

# 3. The figures.
# stream_row NAME FILE: one table row from a dnsperf output.
stream_row() {
	local sent completed lost other
	sent=$(dnsperf_field "$2" "Queries sent:")
	completed=$(dnsperf_field "$2" "Queries completed:")
	lost=$(dnsperf_field "$2" "Queries lost:")
	other=$((${completed:-0} - $(rcode_count "$2" NOERROR) - $(rcode_count "$2" NXDOMAIN) - \
		$(rcode_count "$2" SERVFAIL)))
	printf '%-14s %10s %10s %6s %10s %9s %9s %6s\n' "$1" "${sent:--}" "${completed:--}" "${lost:--}" \
		"$(rcode_count "$2" NOERROR)" "$(rcode_count "$2" NXDOMAIN)" \
		"$(rcode_count "$2" SERVFAIL)" "$other"
	TOTAL_LOST=$((TOTAL_LOST + ${lost:-1}))
	if [ -z "$sent" ] || [ "$sent" -eq 0 ]; then
		it_fail "$1: dnsperf sent nothing"
		sed 's/^/    | /' "$2" | head -n 30
	fi
}

# Baselines: the first sample at or after the warm-up.
read -r rss_base fd_base < <(awk -F'\t' -v w="$SOAK_WARMUP" 'NR > 1 && $1 >= w { print $2, $3; exit }' "$SAMPLES")
read -r rss_min rss_max fd_max < <(awk -F'\t' -v w="$SOAK_WARMUP" '
	NR > 1 && $1 >= w { if (!n++ || $2 < mn) mn = $2; if ($2 > mx) mx = $2; if ($3 > fm) fm = $3 }
	END { print mn + 0, mx + 0, fm + 0 }' "$SAMPLES")
ran=$(($(date +%s) - start))

# The checked stream's summary ("sent=N answered=N correct=N servfail=N ...").
check_summary=$(tail -n 1 "$IT_DIR/checkload.out")
check_field() { printf '%s\n' "$check_summary" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
judged=$("${CHECKLOAD[@]}" judge --servfails "$IT_DIR/servfails.txt" --windows "$WINDOWS" \
	--grace "$SOAK_SERVFAIL_GRACE" 2>&1)
judge_rc=$?
judge_summary=$(printf '%s\n' "$judged" | tail -n 1)
judge_field() { printf '%s\n' "$judge_summary" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

echo
echo "soak: ${SOAK_SECONDS}s load (${ran}s with the drain), warm-up ${SOAK_WARMUP}s," \
	"$restarts upstream restarts (SIGKILL, back after 1 s)"
if [ "$SOAK_CHAOS" = 1 ]; then
	echo "chaos: an event every ${SOAK_EVENT_EVERY}s in turn ($(awk '{ n[$3]++ } END { for (k in n) printf "%s%s %d", s++ ? ", " : "", k, n[k] }' "$EVENTS"));" \
		"freeze ${SOAK_FREEZE}s; down windows $(awk '{ t += $2 - $1 } END { printf "%.1f", t }' "$WINDOWS") s in all"
fi
echo "rate: main $SOAK_RATE q/s (measured max $measured_qps q/s over 5 s, capped at $SOAK_MAX_RATE," \
	"halved), unique $SOAK_FLOOD_RATE q/s; cache $SOAK_CACHE; $(nproc) CPUs"
echo
printf '%-14s %10s %10s %6s %10s %9s %9s %6s\n' stream sent completed lost NOERROR NXDOMAIN SERVFAIL other
TOTAL_LOST=0
stream_row "zipf/udp" "$IT_DIR/dnsperf-zipf.out"
stream_row "unique/$SOAK_FLOOD_MODE" "$IT_DIR/dnsperf-unique.out"
echo "zipf/udp achieved $(dnsperf_field "$IT_DIR/dnsperf-zipf.out" "Queries per second:") q/s," \
	"unique $(dnsperf_field "$IT_DIR/dnsperf-unique.out" "Queries per second:") q/s"
echo
echo "checked/udp (16 sockets, $SOAK_CHECK_RATE q/s): $check_summary"
printf '%s\n' "$judged" | sed 's/^/  SERVFAIL vs down windows (+'"$SOAK_SERVFAIL_GRACE"' s): /'
echo
printf '%-12s %8s %8s %8s %8s %8s\n' "" start warm-up min max idle-end
printf '%-12s %8s %8s %8s %8s %8s\n' "VmRSS (KiB)" "$rss_start" "${rss_base:--}" "$rss_min" "$rss_max" "${rss_end:--}"
printf '%-12s %8s %8s %8s %8s %8s\n' "open fds" "$fd_start" "${fd_base:--}" "-" "$fd_max" "${fd_end:--}"
echo "UDP datagrams the kernel dropped at dotstub's listener (socket buffer full): $udp_drops"
echo
echo "samples (every ${SOAK_SAMPLE}s; shown every 30s):"
awk -F'\t' 'NR == 1 || ($1 % 30) < '"$SOAK_SAMPLE"' { printf "  %6s %8s %5s %8s\n", $1, $2, $3, $4 }' "$SAMPLES"
echo

# 4. The verdict.
check_lost=$(check_field lost)
TOTAL_LOST=$((TOTAL_LOST + ${check_lost:-1}))
if [ "$TOTAL_LOST" -ne 0 ]; then
	it_fail "$TOTAL_LOST queries got no answer at all ($udp_drops dropped by the kernel at dotstub's full UDP socket)"
else
	it_pass "every query was answered"
fi
if [ -z "$(check_field sent)" ] || [ "$(check_field sent)" = 0 ]; then
	it_fail "the checked stream sent nothing: $(head -n 5 "$IT_DIR/checkload.out")"
elif [ "$(check_field wrong)" != 0 ] || [ "$(check_field late)" != 0 ]; then
	it_fail "the checked stream got wrong or duplicate answers:"
	sed 's/^/    | /' "$IT_DIR/checkload.out" | head -n 25
else
	it_pass "the checked stream: every answer right or a SERVFAIL ($(check_field correct) right, $(check_field servfail) SERVFAIL)"
fi
if [ "$judge_rc" != 0 ] || [ "$(judge_field outside)" != 0 ]; then
	it_fail "SERVFAIL while the upstream was up: $judge_summary"
else
	it_pass "every SERVFAIL came while the upstream was down or frozen ($(judge_field in_window))"
fi
if [ -z "${rss_base:-}" ]; then
	it_fail "no sample after the warm-up"
else
	limit=$((rss_base + rss_base * SOAK_RSS_PCT / 100))
	if [ "$rss_max" -gt "$limit" ]; then
		it_fail "VmRSS grew after the warm-up: $rss_base -> $rss_max KiB (limit $limit)"
	else
		it_pass "VmRSS flat after the warm-up: $rss_base -> max $rss_max KiB (limit $limit)"
	fi
	if [ "$fd_max" -gt $((fd_base + SOAK_FD_SLACK)) ]; then
		it_fail "open fds grew after the warm-up: $fd_base -> $fd_max (slack $SOAK_FD_SLACK)"
	else
		it_pass "open fds steady after the warm-up: $fd_base -> max $fd_max (slack $SOAK_FD_SLACK)"
	fi
fi
if [ -n "${fd_end:-}" ] && [ -n "${fd_base:-}" ] && [ "$fd_end" -gt "$fd_base" ]; then
	it_fail "more fds open once idle ($fd_end) than under load after the warm-up ($fd_base)"
fi
it_stop_dotstub TERM
it_done
