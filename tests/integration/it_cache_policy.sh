#!/usr/bin/env bash
# Cache policy against the project's test upstream (testup):
# - NXDOMAIN is cached for min(SOA TTL, SOA MINIMUM) (RFC 2308), capped by
#   negative-max-ttl, and the SOA's TTL counts down;
# - SERVFAIL from upstream is cached for servfail-ttl (RFC 9520);
# - an expired entry is served stale (TTL 30, RFC 8767) when the upstream
#   is down, and after stale-answer-timeout when it stalls; fresh again
#   once the upstream answers;
# - an entry asked for in the last tenth of its TTL is refreshed in the
#   background before it expires (prefetch): the upstream sees the refresh.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_ttl() { # the TTL of the first record of TYPE in the last answer
	printf '%s\n' "$IT_OUT" | awk -v t="$1" '$0 !~ /^;/ && $4 == t { print $2; exit }'
}

it_make_pki dot dot.test
it_start_testup T dot --ttl 12 --soa-ttl 300 --soa-min 7
conf() {
	echo "[server]"
	echo "listen = 127.0.0.1:$DS_PORT"
	echo "query-timeout = 3s"
	echo "dnssec = off" # testup's names have no chain of trust (lib.sh's it_conf_server)
	echo
	echo "[cache]"
	echo "size = 1m"
	echo "negative-max-ttl = 1h"
	echo "servfail-ttl = 5s"
	echo "serve-stale = 1d"
	echo "stale-answer-timeout = 500ms"
	echo
	it_conf_testup tu T dot
}
it_start_dotstub conf

# --- negative caching --------------------------------------------------------
it_dig +notcp nxone.dotstub.test A
it_expect_eq "NXDOMAIN from upstream" NXDOMAIN "$(it_rcode)"
it_expect_eq "the SOA TTL is min(SOA TTL 300, MINIMUM 7)" 7 "$(it_ttl SOA)"
sleep 1.2
it_dig +notcp nxone.dotstub.test A
it_expect_eq "NXDOMAIN again" NXDOMAIN "$(it_rcode)"
it_expect_match "the cached SOA TTL went down" '^[0-6]$' "$(it_ttl SOA)"
it_expect_eq "the upstream was asked once" 1 "$(it_testup_names T '^query .*qname=nxone\.' | wc -l)"

# --- SERVFAIL caching ---------------------------------------------------------
it_testup_ctl T servfail
it_dig +notcp sfone.dotstub.test A
it_expect_eq "SERVFAIL when the only upstream answers SERVFAIL" SERVFAIL "$(it_rcode)"
it_dig +notcp sfone.dotstub.test A
it_expect_eq "SERVFAIL again, from the cache" SERVFAIL "$(it_rcode)"
it_expect_eq "the upstream was asked once within servfail-ttl" 1 \
	"$(it_testup_names T '^query .*qname=sfone\.' | wc -l)"
it_testup_ctl T normal

# --- prefetch -----------------------------------------------------------------
it_dig +notcp pfone.dotstub.test A
it_expect_a "first answer" 192.0.2.1
sleep 11.3
it_dig +notcp pfone.dotstub.test A
it_expect_a "answered from the cache in the last tenth of the TTL" 192.0.2.1
it_wait_log "$T_LOG" 'qname=pfone\..*' 2 || true
sleep 0.5
it_expect_eq "the upstream saw the background refresh before expiry" 2 \
	"$(it_testup_names T '^query .*qname=pfone\.' | wc -l)"
sleep 1.2
it_dig +notcp pfone.dotstub.test A
it_expect_a "still answered after the original TTL ran out" 192.0.2.1
it_expect_eq "from the refreshed entry: no third upstream query" 2 \
	"$(it_testup_names T '^query .*qname=pfone\.' | wc -l)"

# --- serve-stale ---------------------------------------------------------------
# stone expires 12 s after this; meanwhile nothing else asks for it.
it_dig +notcp stone.dotstub.test A
it_expect_a "fresh answer" 192.0.2.1
it_dig +notcp sttwo.dotstub.test A
it_expect_a "fresh answer for a second name" 192.0.2.1
sleep 12.3
it_testup_ctl T stall
it_dig +notcp stone.dotstub.test A
it_expect_a "upstream stalling: the expired entry is served" 192.0.2.1
it_expect_eq "a stale answer has TTL 30" 30 "$(it_ttl A)"
ms=$(it_dig_ms)
it_expect_match "after stale-answer-timeout (500 ms), well before query-timeout" \
	'^([4-9][0-9]{2}|1[0-9]{3})$' "$ms"
# Down (connection refused, pooled connection dropped): no wait at all.
it_testup_ctl T refuse
it_testup_ctl T drop
it_dig +notcp sttwo.dotstub.test A
it_expect_a "upstream down: the expired entry is served" 192.0.2.1
it_expect_eq "with TTL 30" 30 "$(it_ttl A)"
it_expect_match "at once, not after stale-answer-timeout" '^([0-9]|[0-9][0-9]|[1-3][0-9][0-9])$' \
	"$(it_dig_ms)"
it_testup_ctl T normal
sleep 3.2 # the stalled attempt runs out (query-timeout 3 s)
it_dig +notcp stone.dotstub.test A
it_expect_a "upstream back: answered" 192.0.2.1
it_expect_eq "and fresh again (TTL from upstream, not 30)" 12 "$(it_ttl A)"

it_stop_dotstub TERM
it_done
