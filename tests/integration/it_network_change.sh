#!/usr/bin/env bash
# Network changes drop the upstream connections, and the next query
# reconnects at once:
#   - SIGUSR1 (the documented test hook) simulates a change: the pooled
#     connection is closed, and the next query is answered over a new one
#     (a resumed TLS session) in well under handshake + 100 ms;
#   - a real address change seen through rtnetlink: run as root, the test
#     re-executes itself in a private network namespace (unshare -n, only
#     its own loopback inside) and adds and removes an address there.
#     Without root or unshare that part is skipped (said in the log).
# shellcheck disable=SC2317 # re-exec below
if [ -z "${IT_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
	command -v ip >/dev/null && unshare -n true 2>/dev/null; then
	IT_NETNS=1 exec unshare -n bash "$0" "$@"
fi
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool
if [ -n "${IT_NETNS:-}" ]; then
	ip link set lo up || it_harness_error "cannot bring up lo in the namespace"
fi

it_make_pki dot dot.test
it_start_testup T dot --a 192.0.2.1
conf() {
	it_conf_server
	it_conf_testup tu T dot
}
it_start_dotstub conf

# closed_conns: how many connections testup saw dotstub close.
closed_conns() { it_testup_count T '^conn .*event=closed by=peer'; }

it_dig +notcp nc1.dotstub.test A
it_expect_a "first query" 192.0.2.1
it_expect_eq "one connection so far" 1 "$(it_testup_count T 'event=accepted')"

# 1. SIGUSR1
kill -USR1 "$DS_PID"
if it_wait_log "$DS_LOG" 'SIGUSR1 \(simulated network change\): reconnecting to the upstreams' 3; then
	it_pass "SIGUSR1 is logged as a network change"
else
	it_fail "no log line for SIGUSR1"
fi
if it_wait_log "$T_LOG" '^conn conn=1 .*event=closed by=peer' 3; then
	it_pass "the pooled connection is dropped"
else
	it_fail "the pooled connection survived SIGUSR1"
fi
it_dig +notcp nc2.dotstub.test A
it_expect_a "the next query is answered" 192.0.2.1
ms=$(it_dig_ms)
it_log "first query after SIGUSR1: $ms ms (new connection, resumed session)"
it_expect_match "in well under handshake + 100 ms" '^[0-9]{1,2}$|^1[0-4][0-9]$' "$ms"
it_expect_match "over a new, resumed connection" '^conn conn=2 .*event=tls resumed=1' "$(cat "$T_LOG")"

# 2. rtnetlink
if [ -z "${IT_NETNS:-}" ]; then
	it_log "SKIPPED the rtnetlink part: needs root and unshare -n for a private network namespace"
else
	before=$(closed_conns)
	ip addr add 198.51.100.7/32 dev lo scope global ||
		it_harness_error "cannot add an address in the namespace"
	if it_wait_log "$DS_LOG" 'address added: reconnecting to the upstreams' 3; then
		it_pass "an added address is seen as a network change"
	else
		it_fail "no reaction to an added address"
	fi
	for ((i = 0; i < 30; i++)); do
		[ "$(closed_conns)" -gt "$before" ] && break
		sleep 0.1
	done
	it_expect_eq "the connection is dropped" $((before + 1)) "$(closed_conns)"
	it_dig +notcp nc3.dotstub.test A
	it_expect_a "and the next query is answered" 192.0.2.1
	ip addr del 198.51.100.7/32 dev lo
	if it_wait_log "$DS_LOG" 'address removed: reconnecting to the upstreams' 3; then
		it_pass "a removed address too"
	else
		it_fail "no reaction to a removed address"
	fi
	it_dig +notcp nc4.dotstub.test A
	it_expect_a "and the next query is answered" 192.0.2.1
	n=$(grep -c 'reconnecting to the upstreams' "$DS_LOG")
	it_expect_eq "one reconnect per change (SIGUSR1, added, removed)" 3 "$n"
fi

it_stop_dotstub TERM
it_done
