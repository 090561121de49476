#!/usr/bin/env bash
# An idle upstream connection is closed, and the next one resumes the TLS
# session (a TLS 1.3 ticket) instead of a full handshake. The idle time is
# 1 s: from "[upstream] idle-timeout = 1s" where the config parser knows
# that key, else from testup's edns-tcp-keepalive of 1 s (10 units), which
# lowers dotstub's idle timer the same way. Then the other side: testup
# closes an idle connection itself (idle-close), and the next query is
# still answered, again over a resumed session.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_make_pki dot dot.test

# Does this dotstub know idle-timeout? (-t only parses the file.)
printf '[upstream probe]\naddress = 127.0.0.1:853\ntls-name = dot.test\nidle-timeout = 1s\n' \
	>"$IT_DIR/probe.conf"
if "$DOTSTUB" -t -c "$IT_DIR/probe.conf" >"$IT_DIR/probe.out" 2>&1; then
	idle_line="idle-timeout = 1s"
	it_start_testup T dot
	it_log "idle time from idle-timeout = 1s"
else
	idle_line=
	it_start_testup T dot --mode keepalive=10
	it_log "idle-timeout not known ($(head -n 1 "$IT_DIR/probe.out")): idle time from keepalive=10"
fi
python_tells=$(python3 -c 'import ssl; print(int(hasattr(ssl.SSLObject, "session_reused")))')

conf() {
	it_conf_server
	it_conf_testup tu T dot
	if [ -n "$idle_line" ]; then
		# Appended to the section it_conf_testup just wrote.
		echo "$idle_line"
	fi
}
it_start_dotstub conf

it_dig +notcp idle1.dotstub.test A
it_expect_a "first query answered" 192.0.2.1
it_expect_match "first connection: full handshake" 'upstream tu: TLS session up \(full handshake' \
	"$(cat "$DS_LOG")"
sleep 2
it_expect_match "dotstub closed the idle connection after 1000 ms" \
	'upstream tu: closing idle connection after 1000 ms' "$(cat "$DS_LOG")"
it_dig +notcp idle2.dotstub.test A
it_expect_a "the next query is answered" 192.0.2.1
it_expect_match "second connection: resumed session" 'upstream tu: TLS session up \(resumed' \
	"$(cat "$DS_LOG")"
it_expect_eq "one full handshake in all" 1 "$(grep -c 'TLS session up (full handshake' "$DS_LOG")"
if [ "$python_tells" = 1 ]; then
	it_expect_eq "testup saw connection 2 resume" "resumed=1" \
		"$(grep -oE '^conn conn=2 .*event=tls resumed=[01]' "$T_LOG" | grep -oE 'resumed=[01]')"
fi
it_stop_dotstub TERM

# The server closes idle connections after 300 ms (no keepalive option
# this time, so dotstub's own timer is the default 10 s): the close comes
# while nothing is in flight, and the next query reconnects.
it_testup_ctl T keepalive=off idle-close=300
idle_line=
it_start_dotstub conf
it_dig +notcp idle3.dotstub.test A
it_expect_a "query before the server's idle close" 192.0.2.1
it_wait_log "$T_LOG" 'event=idle-close' 3 || it_fail "testup did not close the idle connection"
sleep 0.3
it_dig +notcp idle4.dotstub.test A
it_expect_a "query after the server closed the idle connection" 192.0.2.1
it_dig +tcp idle5.dotstub.test A
it_expect_a "and another, over TCP" 192.0.2.1
it_expect_no_match "no SERVFAIL for a connection the server closed while idle" \
	'SERVFAIL' "$(cat "$DS_LOG")"
if [ "$python_tells" = 1 ]; then
	last=$(grep -E 'event=tls ' "$T_LOG" | tail -n 1)
	it_expect_match "the reconnection resumed the session (the new dotstub's first ticket)" \
		'resumed=1' "$last"
fi

it_stop_dotstub TERM
it_done
