#!/usr/bin/env bash
# edns-tcp-keepalive from the server (RFC 7828): testup answers with a
# keepalive timeout of 500 ms (5 units of 100 ms); dotstub then closes
# that connection after 500 ms idle, not after its default 10 s, and says
# so at -v. The next query opens a new connection and is answered.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_make_pki dot dot.test
it_start_testup T dot --mode keepalive=5
conf() {
	it_conf_server
	it_conf_testup tu T dot
}
it_start_dotstub conf

it_dig +notcp ka1.dotstub.test A
it_expect_a "first query answered" 192.0.2.1
if it_wait_log "$DS_LOG" 'closing idle connection' 4; then
	it_expect_match "dotstub closes the idle connection after the server's 500 ms" \
		'upstream tu: closing idle connection after 500 ms' "$(cat "$DS_LOG")"
else
	it_fail "no 'closing idle connection' in dotstub's log within 4 s (default idle is 10 s)"
fi

# When testup saw the close, measured from the query it answered.
it_wait_log "$T_LOG" 'event=closed' 2 || true
t_query=$(it_testup_field T '^query .*qname=ka1\.' t | head -n 1)
t_close=$(it_testup_field T '^conn conn=1 .*event=closed' t | head -n 1)
it_expect_match "testup saw dotstub close connection 1" 'by=peer' \
	"$(grep -E '^conn conn=1 .*event=closed' "$T_LOG")"
idle=$(awk -v a="$t_query" -v b="$t_close" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%d", (b - a) * 1000 }')
it_log "connection closed ${idle} ms after the query arrived"
it_expect_match "closed about 500 ms after the answer (0.4 s to 3 s on a busy machine)" \
	'^([4-9][0-9]{2}|[12][0-9]{3})$' "$idle"

it_dig +notcp ka2.dotstub.test A
it_expect_a "the next query is answered on a new connection" 192.0.2.1
it_expect_eq "testup saw two connections" 2 "$(it_testup_count T 'event=tls ')"

it_stop_dotstub TERM
it_done
