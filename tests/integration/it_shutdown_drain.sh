#!/usr/bin/env bash
# SIGTERM drains: listening stops at once, queries in flight get up to 1 s
# to be answered, then the rest are dropped and dotstub exits 0.
#   - an upstream answering in 300 ms: the UDP and TCP clients that asked
#     just before SIGTERM get their answers, and dotstub exits as soon as
#     they are answered (well before the 1 s limit);
#   - an upstream that never answers: dotstub waits the full 1 s (not
#     much more), the clients get nothing, nothing new is accepted
#     meanwhile;
#   - a second signal during the wait ends it at once.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"

it_make_pki dot dot.test
it_start_testup P dot --a 192.0.2.1 --mode delay=300
IT_QUERY_TIMEOUT=$((4 * IT_SLOW))s
conf() {
	it_conf_server
	it_conf_testup main P dot
}

# ask NAME PROTO: a kdig in the background, its output in $IT_DIR/NAME.out.
ask() {
	kdig @127.0.0.1 -p "$DS_PORT" +retry=0 +timeout=5 "+$2" "$1.dotstub.test" A \
		>"$IT_DIR/$1.out" 2>&1 &
	IT_PIDS+=($!)
	ASK_PIDS+=($!)
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# stop_timed SIGNAL: sends it and waits (bounded) for the exit; STOP_MS, STOP_RC.
stop_timed() {
	local t0
	t0=$(now_ms)
	kill -"$1" "$DS_PID"
	it_wait_pid "$DS_PID" $((5 * IT_SLOW)) || it_fail "dotstub still running 5 s after SIG$1"
	STOP_MS=$(($(now_ms) - t0))
	STOP_RC=$IT_WAIT_RC
	DS_PID=
}
wait_clients() {
	local p
	for p in "${ASK_PIDS[@]}"; do it_wait_pid "$p" 10; done
	ASK_PIDS=()
}
status_of() { sed -n 's/.*->>HEADER<<-.*status: \([A-Z]*\).*/\1/p' "$IT_DIR/$1.out" | head -n 1; }

# 1. Slow upstream: the answers owed are sent, then dotstub exits.
it_start_dotstub conf
it_dig +notcp warm.dotstub.test A # the TLS connection is up: only the 300 ms remain
ASK_PIDS=()
ask slow-udp notcp
ask slow-tcp tcp
sleep 0.1
stop_timed TERM
wait_clients
it_expect_eq "slow upstream: exit status" 0 "$STOP_RC"
it_expect_eq "slow upstream: the UDP client got its answer" NOERROR "$(status_of slow-udp)"
it_expect_eq "slow upstream: the TCP client got its answer" NOERROR "$(status_of slow-tcp)"
if [ "$STOP_MS" -lt $((950 * IT_SLOW)) ]; then
	it_pass "slow upstream: dotstub exited once they were answered ($STOP_MS ms)"
else
	it_fail "slow upstream: dotstub took $STOP_MS ms to exit"
fi

# 2. Silent upstream: 1 s, then the rest is dropped.
it_start_dotstub conf
it_dig +notcp warm2.dotstub.test A
it_testup_ctl P stall
ASK_PIDS=()
ask silent-udp notcp
sleep 0.1
t0=$(now_ms)
kill -TERM "$DS_PID"
sleep 0.3
if kdig @127.0.0.1 -p "$DS_PORT" +retry=0 +timeout=1 +tcp late.dotstub.test A >"$IT_DIR/late.out" 2>&1 &&
	grep -q 'status: ' "$IT_DIR/late.out"; then
	it_fail "a new query was answered during the drain"
else
	it_pass "no new query is taken during the drain"
fi
it_wait_pid "$DS_PID" $((5 * IT_SLOW)) || it_fail "dotstub still running 5 s after SIGTERM"
STOP_MS=$(($(now_ms) - t0))
STOP_RC=$IT_WAIT_RC
DS_PID=
wait_clients
it_expect_eq "silent upstream: exit status" 0 "$STOP_RC"
it_expect_eq "silent upstream: the client got nothing" "" "$(status_of silent-udp)"
if [ "$STOP_MS" -ge 950 ] && [ "$STOP_MS" -lt $((2500 * IT_SLOW)) ]; then
	it_pass "silent upstream: dotstub waited about 1 s ($STOP_MS ms)"
else
	it_fail "silent upstream: dotstub exited after $STOP_MS ms, expected about 1000"
fi

# 3. A second signal ends the wait.
it_start_dotstub conf
ASK_PIDS=()
ask second-udp notcp
sleep 0.1
kill -TERM "$DS_PID"
sleep 0.1
stop_timed INT
wait_clients
it_expect_eq "a second signal: exit status" 0 "$STOP_RC"
if [ "$STOP_MS" -lt $((600 * IT_SLOW)) ]; then
	it_pass "a second signal: dotstub exited at once ($STOP_MS ms)"
else
	it_fail "a second signal: dotstub took $STOP_MS ms"
fi
it_done
