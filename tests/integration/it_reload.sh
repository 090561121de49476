#!/usr/bin/env bash
# Reloading the configuration under load, with two testup upstreams that
# answer different addresses (P 192.0.2.1, S 192.0.2.2) 200 ms late, so
# that queries are always in flight when a reload happens:
#   - an invalid file (SIGHUP, then dotstub-control reload) is refused with
#     its FILE:LINE problem, and dotstub goes on exactly as before (answers
#     from P, no new listener);
#   - a valid file that moves the upstream to S and adds a listener is
#     applied: new queries are answered by S, the new port answers, the
#     cache is kept (a name cached from P is still answered from it);
#   - a valid reload back removes that listener;
#   - not one query of the load (UDP, 100/s for 4 s) is lost or fails;
#   - systemd hears RELOADING=1 and READY=1 around each reload, STOPPING=1
#     at the end.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"
it_need_control

it_make_pki dot dot.test
it_start_testup P dot --a 192.0.2.1 --mode delay=200
it_start_testup S dot --a 192.0.2.2 --mode delay=200
PORT2=$(it_free_port)
DS_CTL=$IT_DIR/control
IT_QUERY_TIMEOUT=4s
server() {
	it_conf_server | sed "s|^\[server\]\$|[server]\ncontrol = $DS_CTL|"
}
conf_p() {
	server
	it_conf_testup main P dot
}
conf_s() {
	server | sed "s|^\[server\]\$|[server]\nlisten = 127.0.0.1:$PORT2|"
	it_conf_testup main S dot
}
# conf_s with a problem on its last line.
conf_bad() {
	conf_s
	echo "retries = 3"
}

it_notify_start
it_start_dotstub conf_p
if it_wait_count "$NOTIFY_OUT" '^READY=1' 1 5; then
	it_pass "systemd is told READY=1 at start"
else
	it_fail "no READY=1 at start (notify socket got: $(cat "$NOTIFY_OUT"))"
fi
it_dig +notcp cached.dotstub.test A
it_expect_a "before any reload: P answers" 192.0.2.1

it_bg "${IT_OPSTOOL[@]}" load 127.0.0.1 "$DS_PORT" --seconds 4 --rate 100 --prefix ld \
	--timeout 8 --timeline "$IT_DIR/timeline"
load_pid=$IT_BG_PID
sleep 1

# 1. An invalid file, by SIGHUP: refused, nothing changes.
conf_bad >"$DS_CONF"
bad_line=$(wc -l <"$DS_CONF")
kill -HUP "$DS_PID"
if it_wait_log "$DS_LOG" 'reload: .* not usable' 5; then
	it_pass "an invalid file is refused"
else
	it_fail "no sign of the invalid file being refused"
fi
it_expect_match "the log names FILE:LINE of the problem" "$DS_CONF:$bad_line: unknown key \"retries\"" \
	"$(cat "$DS_LOG")"
it_dig +notcp old1.dotstub.test A
it_expect_a "after the invalid reload: still P" 192.0.2.1
it_dig @127.0.0.1 -p "$PORT2" +notcp +timeout=1 old2.dotstub.test A
it_expect_rcode "after the invalid reload: the new listener is not there" "no answer"

# 2. The same file through the control socket: the reply lists the problem.
it_ctl reload
it_expect_eq "dotstub-control reload of an invalid file: exit status" 1 "$CTL_RC"
it_expect_match "... and it prints FILE:LINE" "$DS_CONF:$bad_line: unknown key" "$CTL_OUT"
it_expect_match "... and says the old configuration stays" "previous configuration" "$CTL_OUT"

# 3. A valid file: upstream S, a second listener.
conf_s >"$DS_CONF"
kill -HUP "$DS_PID"
if it_wait_log "$DS_LOG" 'notice: reloaded ' 5; then
	it_pass "a valid file is applied"
else
	it_fail "the valid file was not applied"
fi
it_dig +notcp new1.dotstub.test A
it_expect_a "after the reload: S answers" 192.0.2.2
it_dig @127.0.0.1 -p "$PORT2" +notcp new2.dotstub.test A
it_expect_a "after the reload: the new listener answers" 192.0.2.2
it_dig +notcp cached.dotstub.test A
it_expect_a "the cache was kept: a name cached from P" 192.0.2.1
it_expect_eq "... and S never saw that name" 0 "$(it_testup_count S 'qname=cached\.')"

sleep 1
# 4. Back to P through the control socket: the second listener goes.
conf_p >"$DS_CONF"
it_ctl reload
it_expect_eq "dotstub-control reload of a valid file: exit status" 0 "$CTL_RC"
it_expect_match "... and it says so" "^reloaded: $DS_CONF" "$CTL_OUT"
it_dig +notcp back1.dotstub.test A
it_expect_a "reloaded back: P answers" 192.0.2.1
it_dig @127.0.0.1 -p "$PORT2" +notcp +timeout=1 back2.dotstub.test A
it_expect_rcode "reloaded back: the removed listener is gone" "no answer"

# The load: every query answered, by P before the switch and S after.
it_wait_pid "$load_pid" 15 || it_fail "the load client did not finish"
out=$(cat "$IT_DIR/helpers.log")
it_log "load: $(printf '%s\n' "$out" | tr '\n' ' ')"
it_expect_match "no query of the load was lost" '^sent=400 answered=400 lost=0$' "$out"
it_expect_match "every answer of the load was NOERROR" '^rcode=NOERROR n=400$' "$out"
it_expect_match "P answered part of the load" '^addr=192\.0\.2\.1 ' "$out"
it_expect_match "S answered part of the load" '^addr=192\.0\.2\.2 ' "$out"

# Three reloads (two applied, two refused): RELOADING=1 and READY=1 each.
if it_wait_count "$NOTIFY_OUT" '^RELOADING=1 MONOTONIC_USEC=[0-9]+' 4 5 &&
	it_wait_count "$NOTIFY_OUT" '^READY=1' 5 5; then
	it_pass "systemd is told RELOADING=1, then READY=1, around every reload"
else
	it_fail "notify messages: $(tr '\n' '|' <"$NOTIFY_OUT")"
fi
it_stop_dotstub TERM
if it_wait_count "$NOTIFY_OUT" '^STOPPING=1' 1 5; then
	it_pass "systemd is told STOPPING=1"
else
	it_fail "no STOPPING=1 (got: $(tr '\n' '|' <"$NOTIFY_OUT"))"
fi
it_done
