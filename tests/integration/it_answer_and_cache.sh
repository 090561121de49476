#!/usr/bin/env bash
# Answers over UDP and TCP through an unbound DoT upstream, and the cache:
# a repeated question is answered without asking the upstream again, with
# the TTL lowered by the time it spent in the cache. Also negative
# answers, the letter case of the question, and the [::1] listener.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool

it_make_pki dot dot.test
it_start_unbound dot

conf() {
	it_conf_server
	it_conf_upstream local "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}
if it_has_v6; then DS_PORT6=1; fi
it_start_dotstub conf

# A miss over UDP: forwarded, answered with the upstream's TTL.
it_dig +notcp www.dotstub.test A
it_expect_a "UDP query for www.dotstub.test A" 192.0.2.1
ttl1=$(it_answer_ttl A)
if [ -n "$ttl1" ] && [ "$ttl1" -le "$IT_TTL" ] && [ "$ttl1" -ge $((IT_TTL - 2)) ]; then
	it_pass "first answer carries the upstream's TTL ($ttl1)"
else
	it_fail "first answer's TTL: expected $((IT_TTL - 2))..$IT_TTL, got '$ttl1'"
fi

# RFC 1035 TTLs are whole seconds: after 2.2 s a cached answer must show
# at least one second less (and never more).
sleep 2.2
it_dig +tcp www.dotstub.test A
it_expect_a "TCP query for the same name" 192.0.2.1
ttl2=$(it_answer_ttl A)
slack=$((2 + 2 * IT_SLOW)) # the 2.2 s, plus the time the queries took
if [ -n "$ttl2" ] && [ -n "$ttl1" ] && [ "$ttl2" -lt "$ttl1" ] && [ "$ttl2" -ge $((ttl1 - slack)) ]; then
	it_pass "cached answer's TTL went down with time ($ttl1 -> $ttl2)"
else
	it_fail "cached answer's TTL after 2.2 s: expected less than '$ttl1' (by 1..$slack), got '$ttl2'"
fi
it_expect_eq "the repeated question did not reach the upstream again" 1 \
	"$(it_upstream_queries www.dotstub.test A)"

# Other types of the same name are separate cache entries.
it_dig +tcp www.dotstub.test TXT
it_expect_rcode "TXT query" NOERROR
it_expect_eq "TXT record" '"hello"' "$(it_answer_data TXT)"
it_dig +notcp www.dotstub.test AAAA
it_expect_rcode "AAAA query" NOERROR
it_expect_eq "AAAA record" "2001:db8::1" "$(it_answer_data AAAA)"

# A negative answer is relayed (with the SOA), and cached (RFC 2308).
it_dig +notcp nope.dotstub.test A
it_expect_rcode "query for a name that does not exist" NXDOMAIN
it_expect_match "NXDOMAIN carries the zone's SOA" 'dotstub\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA' "$IT_OUT"
it_dig +notcp nope.dotstub.test A
it_expect_rcode "the same name again" NXDOMAIN
it_expect_eq "the repeated NXDOMAIN came from the negative cache" 1 \
	"$(it_upstream_queries nope.dotstub.test A)"

# The question goes back exactly as the client wrote it, on a cache hit
# (www is cached in lower case) and on a miss (q1 is not cached yet).
out=$(it_probe query 127.0.0.1 "$DS_PORT" WwW.DoTsTuB.TeSt A)
it_expect_match "cache hit keeps the client's letter case in the question" \
	'^question WwW\.DoTsTuB\.TeSt\.$' "$out"
it_expect_match "cache hit for a mixed-case name has the right address" 'addrs=192\.0\.2\.1$' "$out"
out=$(it_probe query 127.0.0.1 "$DS_PORT" Q1.DotStub.TEST A --tcp)
it_expect_match "cache miss keeps the client's letter case in the question" \
	'^question Q1\.DotStub\.TEST\.$' "$out"
it_expect_match "cache miss for a mixed-case name has the right address" 'addrs=192\.0\.2\.101$' "$out"

if [ -n "${DS_PORT6:-}" ]; then
	it_dig @::1 -p "$DS_PORT" +notcp q2.dotstub.test A
	it_expect_a "UDP query to the [::1] listener" 192.0.2.102
	it_dig @::1 -p "$DS_PORT" +tcp q2.dotstub.test A
	it_expect_a "TCP query to the [::1] listener" 192.0.2.102
else
	it_log "no IPv6 loopback here: [::1] listener not tested"
fi

it_stop_dotstub TERM
it_done
