#!/usr/bin/env bash
# Every pooled connection dies silently at once (issue 12): what a laptop
# sees after a Wi-Fi roam, a NAT mapping timing out, or a resume the clock
# check missed. testup's "freeze" keeps each open connection but never
# reads or answers on it again; new connections work. dotstub presumes a
# connection dead when an attempt on it times out with nothing received
# since the query was written, suspects its equally silent siblings, and
# retries the query on a fresh connection, also on an upstream it already
# tried (docs/upstream-health.md, "Connections that die silently"):
#   1. two upstreams (the default strategy), every live connection frozen:
#      the first query is answered in under 2 s, the later ones at normal
#      speed, all correctly, no SERVFAIL;
#   2. the same with one upstream; and with one upstream whose pool has
#      two connections, both frozen: the retry does not go into the
#      equally silent sibling;
#   3. two upstreams, the primary freezes with 50 queries in flight on it
#      and the secondary's idle connections are frozen too: all 50 clients
#      get their one right answer within 2 s.
# query-timeout is 4 s throughout: the bounds are well under it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_make_pki dot dot.test
# Room for a slow machine: testup stays up 5 minutes (not 2), and an idle
# connection is kept 60 s (not 10), so that the pool is still warm when
# the test freezes it.
it_start_testup P dot --a hash:10 --seconds 300
it_start_testup S dot --a hash:10 --seconds 300
IT_QUERY_TIMEOUT=4s
upstream() {
	it_conf_testup "$1" "$2" dot | sed '/^$/d'
	echo "idle-timeout = 60s"
	if [ -n "${IT_UPSTREAM_EXTRA:-}" ]; then printf '%s\n' "$IT_UPSTREAM_EXTRA"; fi
	echo
}
two() {
	it_conf_server
	upstream primary P
	upstream secondary S
}
one() {
	it_conf_server
	upstream primary P
}

# Every name the test asks, with the address testup gives it (one python
# start, not one per query).
declare -A ADDR
names=(first)
for i in {0..9}; do names+=("warm$i" "after$i"); done
for i in {0..4}; do names+=("solo-after$i" "burst-after$i" "pair-after$i"); done
names+=(solo-warm solo-first burst-warm burst-warm-s pair-first)
while read -r n a; do ADDR[$n]=$a; done < <("${IT_TESTUP[@]}" addr hash:10 "${names[@]/%/.dotstub.test}")
addr_of() { echo "${ADDR[$1]}"; }

# tls_conns TAG: TLS sessions testup TAG has had so far.
tls_conns() { it_testup_count "$1" '^conn .*event=tls '; }

# ask NAME WHAT: one query, which must get NAME's address; its time in ms
# goes to $ms.
ask() {
	it_dig +notcp "$1.dotstub.test" A
	it_expect_a "$2" "$(addr_of "$1.dotstub.test")"
	ms=$(it_dig_ms)
}

it_expect_ge() {
	if [ "$3" -ge "$2" ]; then it_pass "$1 ($3)"; else it_fail "$1: expected at least $2, got $3"; fi
}

# under_ms LIMIT MS: whether MS (whole ms, "-" for no answer) is below LIMIT.
under_ms() { [ "$2" != - ] && [ "$2" -lt "$1" ]; }

# first_within_2s: the first query after the freeze ($ms) took under 2 s.
first_within_2s() {
	if under_ms 2000 "$ms"; then
		it_pass "within 2 s (query-timeout 4 s)"
	else
		it_fail "the first query took $ms ms (bound: 2 s)"
	fi
}

# later_queries PREFIX N: N more queries, each answered right and in under
# 500 ms (a normal answer takes a few ms on loopback; the slack is for a
# busy machine, not for a timeout to hide in).
later_queries() {
	local i slow=
	for ((i = 0; i < $2; i++)); do
		ask "$1$i" "later query $i"
		under_ms 500 "$ms" || slow="$slow $1$i=${ms}ms"
		times="$times $ms"
	done
	it_log "later queries (ms):$times"
	it_expect_eq "every later query at normal speed (under 500 ms)" "" "$slow"
}

# --- 1. Two upstreams, every connection frozen --------------------------------
IT_STRATEGY=fastest
it_start_dotstub two
# The default strategy measures every upstream first: a few queries open
# a connection to each.
for ((i = 0; i < 10; i++)); do
	ask "warm$i" "warm-up query $i"
	[ "$(tls_conns P)" -ge 1 ] && [ "$(tls_conns S)" -ge 1 ] && break
done
it_expect_eq "both upstreams have a warm connection" "1 1" \
	"$(it_testup_count P '^conn .*event=tls ') $(it_testup_count S '^conn .*event=tls ')"
it_testup_ctl P freeze
it_log "primary: $IT_CTL_REPLY"
it_testup_ctl S freeze
it_log "secondary: $IT_CTL_REPLY"
it_expect_match "testup froze every connection dotstub had open" '^ok frozen [1-9]' \
	"$IT_CTL_REPLY"

ask first "the first query after every connection froze"
it_log "answered in $ms ms"
first_within_2s
for t in P S; do
	log=${t}_LOG
	if it_wait_log "${!log}" '^conn conn=1 .*event=closed by=peer' 5; then
		it_pass "dotstub closed its frozen connection to testup $t"
	else
		it_fail "dotstub kept its frozen connection to testup $t"
	fi
done
times=
later_queries after 10
it_expect_ge "dotstub opened new connections" 3 "$(($(tls_conns P) + $(tls_conns S)))"
it_stop_dotstub TERM

# --- 2. One upstream -----------------------------------------------------------
it_start_dotstub one
ask solo-warm "warm-up query"
before=$(tls_conns P)
it_testup_ctl P freeze
it_expect_match "the primary's connection froze" '^ok frozen [1-9]' "$IT_CTL_REPLY"
ask solo-first "one upstream, its connection frozen: the first query"
it_log "answered in $ms ms"
first_within_2s
times=
later_queries solo-after 5
it_expect_ge "on a new connection" $((before + 1)) "$(tls_conns P)"
it_stop_dotstub TERM

# Two connections in the pool (one query each at most), both frozen: once
# the first is presumed dead, the sibling that heard nothing since is
# suspected too, so the retry opens a fresh connection instead of waiting
# on the sibling.
IT_UPSTREAM_EXTRA=$'max-connections = 2\nmax-inflight = 1'
it_start_dotstub one
IT_UPSTREAM_EXTRA=
out=$("${IT_UDPBURST[@]}" 127.0.0.1 "$DS_PORT" --count 6 --prefix pair-warm --a hash:10 \
	--timeout 4 --grace 0.2)
it_expect_match "warm-up: six concurrent queries on two connections" \
	'^sent=6 answered=6 correct=6 wrong=0 missing=0 duplicates=0$' "$out"
it_testup_ctl P freeze
it_log "primary: $IT_CTL_REPLY"
it_expect_match "both connections of the pool froze" '^ok frozen 2 ' "$IT_CTL_REPLY"
ask pair-first "one upstream, both pooled connections frozen: the first query"
it_log "answered in $ms ms"
first_within_2s
times=
later_queries pair-after 5
it_stop_dotstub TERM

# --- 3. A freeze with 50 queries in flight ----------------------------------------
# ordered: the burst goes to the primary. The secondary gets its warm
# connection from the one query the primary answers SERVFAIL (retried there).
IT_STRATEGY=ordered
it_start_dotstub two
ask burst-warm "warm-up query (primary)"
s_before=$(tls_conns S)
it_testup_ctl P servfail
ask burst-warm-s "warm-up query (primary SERVFAIL, secondary answers)"
it_testup_ctl P normal
it_expect_eq "the secondary has a warm connection" $((s_before + 1)) "$(tls_conns S)"
it_testup_ctl S freeze
it_expect_match "the secondary's idle connection froze" '^ok frozen [1-9]' "$IT_CTL_REPLY"
it_testup_ctl P freeze-after=50
out=$("${IT_UDPBURST[@]}" 127.0.0.1 "$DS_PORT" --count 50 --prefix burst --a hash:10 \
	--timeout 2 --grace 1 --times 2>"$IT_DIR/burst-times")
it_log "burst: $out; $(cat "$IT_DIR/burst-times")"
it_expect_match "the primary froze with all 50 queries in flight" \
	'^fault conn=[0-9]+ .*what=freeze queries=[0-9]+ unanswered=50$' "$(cat "$P_LOG")"
it_expect_match "every one of the 50 clients got its one right answer within 2 s" \
	'^sent=50 answered=50 correct=50 wrong=0 missing=0 duplicates=0$' "$out"
times=
later_queries burst-after 5
it_stop_dotstub TERM

it_done
