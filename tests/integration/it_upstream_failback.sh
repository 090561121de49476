#!/usr/bin/env bash
# Failover and failing back, strategy ordered, with two testup upstreams
# that answer different addresses (primary 192.0.2.1, secondary 192.0.2.2):
#   - the primary refuses connections: the secondary answers at once, and
#     once the primary listens again, a probe (sent with a query once the
#     1 s backoff is over) finds it and queries go back to it;
#   - the primary stalls (accepts, reads, never answers): the first query
#     costs one short attempt (750 ms before any answer was timed), the
#     queries after it go straight to the secondary;
#   - the primary answers SERVFAIL to everything: each query is retried
#     once on the secondary, and once most of the primary's recent answers
#     are SERVFAIL it counts as failing and is left alone.
# A fresh dotstub per case, so that no health state carries over.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_primary_secondary refuse
IT_QUERY_TIMEOUT=4s

# 1. Refused, then back.
it_start_dotstub conf
it_dig +notcp fb1.dotstub.test A
it_expect_a "primary refuses: answer from the secondary" 192.0.2.2
ms=$(it_dig_ms)
it_expect_match "at once (got $ms ms)" '^[0-9]{1,3}$' "$ms"
it_dig +notcp fb2.dotstub.test A
it_expect_a "next query, primary down: from the secondary" 192.0.2.2
it_testup_ctl P normal
start=$(date +%s%N)
got=
for ((i = 0; i < 20; i++)); do
	sleep 0.2
	it_dig +notcp "back$i.dotstub.test" A
	got=$(it_answer_data A)
	[ "$got" = 192.0.2.1 ] && break
done
back_ms=$((($(date +%s%N) - start) / 1000000))
it_log "the primary answered again ${back_ms} ms after it listened again"
it_expect_eq "ordered: fails back to the primary once it listens again" 192.0.2.1 "$got"
it_expect_match "within the backoff window (1.25 s at most, plus one query)" '^([0-9]{1,3}|1[0-9]{3}|2[0-4][0-9]{2})$' "$back_ms"
it_expect_match "the log says so, once" 'upstream primary is answering again' "$(cat "$DS_LOG")"
it_stop_dotstub TERM

# 2. A stall costs one short attempt.
it_testup_ctl P stall
it_start_dotstub conf
it_dig +notcp sl0.dotstub.test A
it_expect_a "primary stalls: answer from the secondary" 192.0.2.2
it_log "first query: $(it_dig_ms) ms"
slow=
for ((i = 1; i <= 5; i++)); do
	it_dig +notcp "sl$i.dotstub.test" A
	ms=$(it_dig_ms)
	[ "$(it_answer_data A)" = 192.0.2.2 ] || slow="$slow sl$i:wrong"
	[[ "$ms" =~ ^[0-9]{1,2}$ ]] || slow="$slow sl$i:${ms}ms"
done
it_expect_eq "the queries after it go straight to the secondary (< 100 ms each)" "" "$slow"
# sl1 brings the probe (a copy of its question), still out for the rest.
n=$(it_testup_queries P 'qname=sl[1-5]\.' | wc -l | tr -d ' ')
it_expect_match "the stalled primary got one probe at most, no client query" '^[01]$' "$n"
it_stop_dotstub TERM

# 3. SERVFAIL to everything.
it_testup_ctl P servfail
it_start_dotstub conf
for ((i = 0; i < 12; i++)); do
	it_dig +notcp "sf$i.dotstub.test" A
	[ "$(it_answer_data A)" = 192.0.2.2 ] || it_fail "sf$i: not answered by the secondary: $(it_rcode)"
done
it_pass "every query answered by the secondary after the primary's SERVFAIL"
asked=$(it_testup_queries P 'qname=sf([89]|1[01])\.' | wc -l | tr -d ' ')
it_log "the primary was asked $asked of the last 4 queries"
it_expect_match "once most answers were SERVFAIL, the primary is left alone" '^[01]$' "$asked"
it_expect_match "the log names the cause" 'upstream primary failed: answers SERVFAIL to most queries' \
	"$(cat "$DS_LOG")"
it_stop_dotstub TERM

it_done
