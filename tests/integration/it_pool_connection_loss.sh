#!/usr/bin/env bash
# A connection that dies with queries in flight: testup reads 50 queries,
# answers none and aborts the connection (close-after=50, once). dotstub
# re-sends every one of them on a fresh connection, and each of the 60
# concurrent clients gets exactly one reply, the right one. When the
# replacement connection dies the same way, the queries are not re-sent a
# second time: with no other upstream, each client gets exactly one
# SERVFAIL, promptly (not after its query timeout).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_make_pki dot dot.test
it_start_testup T dot --a hash:10 --mode close-after=50:1
IT_QUERY_TIMEOUT=4s
conf() {
	it_conf_server
	it_conf_testup tu T dot
}
it_start_dotstub conf

out=$("${IT_UDPBURST[@]}" 127.0.0.1 "$DS_PORT" --count 60 --prefix loss --a hash:10 \
	--timeout 6 --grace 1)
it_expect_match "connection aborted after 50 queries: all 60 clients get one right answer" \
	'^sent=60 answered=60 correct=60 wrong=0 missing=0 duplicates=0$' "$out"
it_expect_match "testup aborted a connection after reading 50 queries" \
	'^fault conn=1 .*what=close-after queries=50' "$(cat "$T_LOG")"
it_expect_match "having answered none" '^conn conn=1 .*event=closed by=server .*answered=0$' \
	"$(cat "$T_LOG")"
per_name=$(it_testup_names T 'qname=loss' | sort | uniq -c | awk '{ print $1 }' | sort -n |
	uniq -c | awk '{ print $2 "x" $1 }')
it_log "times each query reached testup (times x queries): $(printf '%s\n' "$per_name" | paste -sd' ' -)"
it_expect_eq "every query reached testup, none more than twice" "" \
	"$(printf '%s\n' "$per_name" | grep -vE '^[12]x' | grep .)"
it_expect_eq "all 60 names reached testup" 60 \
	"$(it_testup_names T 'qname=loss' | sort -u | grep -c .)"
it_expect_no_match "no SERVFAIL while a retry was possible" 'SERVFAIL' "$(cat "$DS_LOG")"

# Both the connection and its replacement die with 20 queries in flight.
it_testup_ctl T close-after=20:2
start=$(date +%s%N)
out=$("${IT_UDPBURST[@]}" 127.0.0.1 "$DS_PORT" --count 20 --prefix twice --rcode SERVFAIL \
	--timeout 6 --grace 1)
ms=$((($(date +%s%N) - start) / 1000000 - 1000))
it_expect_match "lost twice, no other upstream: each client gets exactly one SERVFAIL" \
	'^sent=20 answered=20 correct=20 wrong=0 missing=0 duplicates=0$' "$out"
it_log "SERVFAILs came within $ms ms"
it_expect_match "promptly, not at the 4 s query timeout" '^-?[0-9]{1,3}$|^[12][0-9]{3}$' "$ms"
it_expect_eq "testup saw two aborted connections this time" 2 \
	"$(it_testup_count T '^fault .*what=close-after queries=20')"
it_expect_eq "no query went out a third time" "" \
	"$(it_testup_names T 'qname=twice' | sort | uniq -c | awk '$1 > 2')"

# And the upstream is usable again afterwards.
it_dig +notcp after.dotstub.test A
it_expect_a "a later query is answered" \
	"$("${IT_TESTUP[@]}" addr hash:10 after.dotstub.test | awk '{ print $2 }')"

it_stop_dotstub TERM
it_done
