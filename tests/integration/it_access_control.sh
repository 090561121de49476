#!/usr/bin/env bash
# Access control ([server] allow / deny): a refused client gets nothing over
# UDP and REFUSED over TCP, and none of its queries reaches the upstream;
# the most specific line wins; once the file has an allow line the default
# list (loopback) no longer applies; without any line, all of 127.0.0.0/8
# is loopback and answered. Clients other than 127.0.0.1 are made with
# kdig -b (every 127/8 address is local on Linux).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool

it_make_pki dot dot.test
it_start_unbound dot
V6=
if it_has_v6; then V6=1; fi

# server_conf LINE...: the usual [server] section with more lines in it.
server_conf() {
	local l
	it_conf_server | while IFS= read -r l; do
		if [ "$l" = "[cache]" ]; then
			printf '%s\n' "$@" ""
		fi
		printf '%s\n' "$l"
	done
}

EXTRA=()
conf() {
	server_conf "${EXTRA[@]}"
	it_conf_upstream local "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}

# from SRC [kdig args...]: one query from source address SRC, waiting at
# most 2 s (silence is the expected outcome for some).
from() {
	local src=$1
	shift
	IT_OUT=$(kdig @127.0.0.1 -p "$DS_PORT" -b "$src" +retry=0 +timeout=2 "$@" 2>&1)
}

# 1. Only 127.0.0.1 is allowed.
EXTRA=("allow = 127.0.0.1/32")
DS_PORT6=$V6
it_start_dotstub conf

from 127.0.0.1 +notcp q1.dotstub.test A
it_expect_a "127.0.0.1 is allowed (UDP)" 192.0.2.101
from 127.0.0.1 +tcp q2.dotstub.test A
it_expect_a "127.0.0.1 is allowed (TCP)" 192.0.2.102

from 127.0.0.2 +notcp q3.dotstub.test A
it_expect_rcode "127.0.0.2 over UDP gets nothing" "no answer"
from 127.0.0.2 +tcp q3.dotstub.test A
it_expect_rcode "127.0.0.2 over TCP gets REFUSED" REFUSED
it_expect_eq "REFUSED carries no answer" 0 "$(it_answer_count)"
from 127.0.0.2 +notcp www.dotstub.test ANY
it_expect_rcode "even ANY from 127.0.0.2 gets nothing" "no answer"
it_expect_eq "no query of a refused client reached the upstream" 0 \
	"$(it_upstream_queries q3.dotstub.test A)"

# Several queries on one TCP connection: all answered for 127.0.0.1, each
# one REFUSED for 127.0.0.2.
out=$(it_probe pipeline 127.0.0.1 "$DS_PORT" q4.dotstub.test q5.dotstub.test 2>&1 | sort)
it_expect_eq "pipelined queries from 127.0.0.1 are answered" \
	"q4.dotstub.test A rcode=NOERROR an=1 addrs=192.0.2.104
q5.dotstub.test A rcode=NOERROR an=1 addrs=192.0.2.105" "$out"
from 127.0.0.2 +tcp +keepopen q6.dotstub.test A q7.dotstub.test A
it_expect_eq "two queries on one refused TCP connection: two REFUSED" 2 \
	"$(printf '%s\n' "$IT_OUT" | grep -c 'status: REFUSED')"

if [ -n "$V6" ]; then
	IT_OUT=$(kdig @::1 -p "$DS_PORT" +retry=0 +timeout=2 +tcp q8.dotstub.test A 2>&1)
	it_expect_rcode "::1 is not loopback-by-default once allow lines exist" REFUSED
fi
it_still_answers "refused clients"
it_stop_dotstub TERM
it_expect_match "refusals are logged with the client's address" \
	'UDP query from 127\.0\.0\.2 dropped: not allowed by the access list \(1 so far\)' \
	"$(cat "$DS_LOG")"
it_expect_match "refusals are counted at shutdown" \
	'limits: 2 UDP queries from refused clients dropped, [0-9]+ TCP connections from refused' \
	"$(cat "$DS_LOG")"

# 2. The most specific line wins, deny or allow.
EXTRA=("allow = 127.0.0.0/8" "deny = 127.0.0.0/24" "allow = 127.0.0.2")
DS_PORT6=
it_start_dotstub conf
from 127.0.0.1 +notcp q9.dotstub.test A
it_expect_rcode "127.0.0.1: denied by 127.0.0.0/24" "no answer"
from 127.0.0.2 +notcp q9.dotstub.test A
it_expect_a "127.0.0.2: allowed by its /32 inside the denied /24" 192.0.2.109
from 127.0.0.3 +tcp q10.dotstub.test A
it_expect_rcode "127.0.0.3: denied by 127.0.0.0/24" REFUSED
from 127.1.2.3 +notcp q10.dotstub.test A
it_expect_a "127.1.2.3: allowed by 127.0.0.0/8" 192.0.2.110
it_stop_dotstub TERM

# 3. No allow or deny line: loopback, all of 127.0.0.0/8 and ::1.
EXTRA=()
DS_PORT6=$V6
it_start_dotstub conf
from 127.0.0.2 +notcp q11.dotstub.test A
it_expect_a "default list: 127.0.0.2 is loopback" 192.0.2.111
from 127.0.0.2 +tcp q12.dotstub.test A
it_expect_a "default list: 127.0.0.2 over TCP" 192.0.2.112
if [ -n "$V6" ]; then
	IT_OUT=$(kdig @::1 -p "$DS_PORT" +retry=0 +timeout=2 +notcp q13.dotstub.test A 2>&1)
	it_expect_a "default list: ::1 is loopback" 192.0.2.113
fi
it_stop_dotstub TERM
it_expect_no_match "nothing was refused" 'not allowed|limits:' "$(cat "$DS_LOG")"

it_done
