#!/usr/bin/env bash
# Worker loops under load while the main loop reloads and flushes: with
# threads = 2, a steady UDP load from 16 sockets (so both loops take
# queries) mixes cache hits, misses and NXDOMAINs (checkload.py) for
# LOAD_SECONDS; meanwhile dotstub gets a SIGHUP reload (which stops and
# restarts the worker loops) and a `dotstub-control flush` (the cache the
# workers read, emptied by the main loop), in turn every second. Every
# query must get its own right answer (the upstream stays up, so not even
# a SERVFAIL), both loops must have taken queries, and dotstub must stop
# cleanly.
#
# Before the load, 16 clients on 127.0.0.2, which the access list does
# not allow, make the worker loop log its warning. dotstub runs at the
# default log level here (no -v): its first line then comes after the
# worker loops started, so a worker and the main loop both log without
# anything ordering them, which the log's lazy journal check must
# survive (TSan reported it before that check was made atomic).
#
# This is the test .ci/run runs against the ThreadSanitizer build (with
# it_threads.sh): a TSan report in dotstub's log fails it, as does the
# exit status TSAN_OPTIONS gives a report. Bounded: about 15 s plain.
# LOAD_SECONDS [10] and LOAD_RATE [1000 q/s] may be changed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"
it_need certtool
it_need_control
# testup.sh asks for -v; see above for why not here.
DOTSTUB_IT_ARGS=${DOTSTUB_IT_ARGS#-v }

LOAD_SECONDS=${LOAD_SECONDS:-10}
LOAD_RATE=${LOAD_RATE:-1000}
DS_CTL=$IT_DIR/control
it_make_pki dot dot.test
it_start_testup T dot --a hash:10
conf() {
	IT_THREADS=2 IT_SERVER_EXTRA="control = $DS_CTL
allow = 127.0.0.1/32" it_conf_server
	it_conf_testup tu T dot
}
it_start_dotstub conf

# 16 queries from 127.0.0.2 (16 source ports: both loops get some).
python3 - "$DS_PORT" <<'PY'
import socket, struct, sys
q = struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x03www\x07dotstub\x04test\x00\x00\x01\x00\x01"
for _ in range(16):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.2", 0))
    s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
    s.close()
PY
if it_wait_log "$DS_LOG" 'warning: UDP query from 127\.0\.0\.2 dropped: not allowed' 5; then
	it_pass "a loop logs the queries the access list drops"
else
	it_fail "no warning for the queries from 127.0.0.2"
fi

LOAD_OUT=$IT_DIR/load.out
python3 "$IT_TOOLS/checkload.py" run 127.0.0.1 "$DS_PORT" --seconds "$LOAD_SECONDS" \
	--rate "$LOAD_RATE" --sockets 16 --expect hash:10 --timeout $((5 * IT_SLOW)) \
	--servfails "$IT_DIR/servfails.txt" >"$LOAD_OUT" 2>&1 &
load_pid=$!
IT_PIDS+=("$load_pid")

# One event a second while the load runs: reload, flush, reload, ...
reloads=0
flushes=0
for ((i = 1; i < LOAD_SECONDS; i++)); do
	sleep 1
	kill -0 "$load_pid" 2>/dev/null || break
	if ((i % 2)); then
		kill -HUP "$DS_PID"
		reloads=$((reloads + 1))
	else
		it_ctl flush
		[ "$CTL_RC" = 0 ] && flushes=$((flushes + 1))
	fi
done
it_log "during the load: $reloads reloads (SIGHUP), $flushes flushes"
if ! it_wait_pid "$load_pid" $((LOAD_SECONDS + 10 * IT_SLOW)); then
	it_fail "checkload did not end in time"
fi
summary=$(tail -n 1 "$LOAD_OUT")
it_log "load: $summary"
it_expect_match "every query got its own right answer" \
	'^sent=([0-9]+) answered=\1 correct=\1 servfail=0 wrong=0 lost=0 late=0 ' "$summary"
it_expect_match "the load mixed hits, misses and NXDOMAINs" \
	'hits=[1-9][0-9]* misses=[1-9][0-9]* nx=[1-9][0-9]*$' "$summary"
if [ "$IT_FAILED" != 0 ]; then sed 's/^/    | /' "$LOAD_OUT" | head -n 25; fi
it_expect_eq "every reload was applied" "$reloads" "$(grep -c 'notice: reloaded' "$DS_LOG")"
it_expect_eq "every flush was done" "$flushes" "$(grep -c 'control: cache flushed' "$DS_LOG")"

it_ctl stats
by_thread=$(it_ctl_field 'queries by thread')
it_log "queries by thread: $by_thread"
it_expect_match "both loops took queries" '^[1-9][0-9]* [1-9][0-9]*$' "$by_thread"

it_stop_dotstub TERM
it_expect_no_match "no ThreadSanitizer report in dotstub's log" 'ThreadSanitizer' "$(cat "$DS_LOG")"
it_done
