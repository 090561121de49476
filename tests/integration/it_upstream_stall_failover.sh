#!/usr/bin/env bash
# Failover on silence, with two testup upstreams that answer different
# addresses (primary 192.0.2.1, secondary 192.0.2.2):
#   - the primary completes the TLS handshake, reads the query and never
#     answers: the secondary answers once the primary's attempt timeout
#     has run out (750 ms while no answer has been timed yet; later 3 x
#     SRTT + 4 x RTTVAR, at least 100 ms), well within the client's
#     deadline; the silent connection is dropped; once the primary behaves
#     again a probe finds it and it answers again;
#   - the primary is merely slow (300 ms, inside its attempt timeout): its
#     answer is waited for;
#   - the primary stops listening (connection refused, switched at run
#     time): the secondary answers at once.
# A fresh dotstub per case, so that no backoff carries over.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_primary_secondary stall
IT_QUERY_TIMEOUT=4s

# 1. A stalled primary.
it_start_dotstub conf
it_dig +notcp st1.dotstub.test A
it_expect_a "primary stalls: answer from the secondary" 192.0.2.2
ms=$(it_dig_ms)
it_log "answered in $ms ms"
it_expect_match "after the primary's first attempt timeout (750 ms), well within query-timeout" \
	'^([7-9][0-9]{2}|1[0-4][0-9]{2})$' "$ms"
it_expect_eq "the primary had the query" 1 "$(it_testup_queries P 'qname=st1\.' | grep -c .)"
if it_wait_log "$P_LOG" '^conn conn=1 .*event=closed by=peer' 2; then
	it_pass "dotstub dropped the silent connection"
else
	it_fail "dotstub kept the connection that never answered"
fi
it_dig +notcp st2.dotstub.test A
it_expect_a "next query, primary backed off or stalling: from the secondary" 192.0.2.2

# The primary recovers; a probe (sent with a query once its backoff of
# about 1 s is over; the stalled probe sent with st2 took 1.5 s to fail)
# finds it, and queries go to it again.
it_testup_ctl P normal
got=
for ((i = 0; i < 12; i++)); do
	sleep 0.5
	it_dig +notcp "rec$i.dotstub.test" A
	got=$(it_answer_data A)
	[ "$got" = 192.0.2.1 ] && break
done
it_expect_eq "the recovered primary answers again within 6 s" 192.0.2.1 "$got"
it_stop_dotstub TERM

# 2. A slow primary, inside its attempt timeout.
it_testup_ctl P delay=300
it_start_dotstub conf
it_dig +notcp slow1.dotstub.test A
it_expect_a "primary 300 ms slow: its answer is waited for" 192.0.2.1
it_expect_eq "the secondary was not asked" 0 "$(it_testup_queries S 'qname=slow1\.' | grep -c .)"
it_stop_dotstub TERM

# 3. The primary closes its listening socket.
it_testup_ctl P refuse
it_start_dotstub conf
it_dig +notcp ref1.dotstub.test A
it_expect_a "primary refuses connections: answer from the secondary" 192.0.2.2
ms=$(it_dig_ms)
it_expect_match "at once (got $ms ms)" '^[0-9]{1,3}$' "$ms"
it_testup_ctl P normal
it_stop_dotstub TERM

it_done
