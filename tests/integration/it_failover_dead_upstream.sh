#!/usr/bin/env bash
# Failover: upstreams are tried in file order, and so are the addresses of
# one upstream. A closed port (connection refused), an upstream that
# accepts TCP but never answers (a hang, found by timeout), and every
# upstream down (SERVFAIL, still exactly one answer per query).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool

it_make_pki dot dot.test
it_start_unbound dot
auth=("tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem")
dead=$(it_free_port) # nothing listens here: connection refused

# upstream NAME ADDRESS...: an upstream section with the test's auth lines.
upstream() {
	local name=$1 a
	shift
	echo "[upstream $name]"
	for a in "$@"; do echo "address = $a"; done
	printf '%s\n' "${auth[@]}"
	echo
}

# 1. The first upstream's port is closed; the second is unbound.
conf() {
	it_conf_server
	upstream dead "127.0.0.1:$dead"
	upstream good "127.0.0.1:$UB_PORT"
}
it_start_dotstub conf
it_dig +notcp www.dotstub.test A
it_expect_a "first upstream refuses: answer from the second" 192.0.2.1
it_log "failover from the refusing upstream took $(it_reply_ms) ms"
it_dig +tcp q1.dotstub.test A
it_expect_a "next miss, with the dead upstream backed off" 192.0.2.101
it_dig +notcp q2.dotstub.test A
it_expect_a "and the one after" 192.0.2.102
it_stop_dotstub TERM

# 2. One upstream with two addresses, the first one closed.
conf() {
	it_conf_server
	upstream two "127.0.0.1:$dead" "127.0.0.1:$UB_PORT"
}
it_start_dotstub conf
it_dig +notcp q3.dotstub.test A
it_expect_a "first address refuses: answer through the second address" 192.0.2.103
it_stop_dotstub TERM

# 3. The first upstream accepts connections and then says nothing: only a
# timeout shows it is broken. The query still gets its answer from the
# second upstream within the query's deadline (query-timeout = 4s; kdig
# waits 6 s; both longer under valgrind).
hang=$(it_free_port)
it_bg "${IT_PROBE_CMD[@]}" blackhole 127.0.0.1 "$hang" --seconds 60
it_probe wait-tcp 127.0.0.1 "$hang" --timeout 5 || it_harness_error "blackhole upstream did not start"
IT_QUERY_TIMEOUT=$((4 * IT_SLOW))s
conf() {
	it_conf_server
	upstream hang "127.0.0.1:$hang"
	upstream good "127.0.0.1:$UB_PORT"
}
it_start_dotstub conf
it_dig +notcp q4.dotstub.test A
it_expect_a "first upstream hangs: answer from the second within the deadline" 192.0.2.104
it_log "failover from the hanging upstream took $(it_reply_ms) ms"
it_dig +notcp q5.dotstub.test A
it_expect_a "next miss, with the hanging upstream backed off" 192.0.2.105
it_stop_dotstub TERM

# 4. Nothing works: SERVFAIL, not silence.
IT_QUERY_TIMEOUT=$((3 * IT_SLOW))s
conf() {
	it_conf_server
	upstream dead "127.0.0.1:$dead"
	upstream hang "127.0.0.1:$hang"
}
it_start_dotstub conf
it_dig +notcp q6.dotstub.test A
it_expect_rcode "every upstream down: SERVFAIL" SERVFAIL
it_log "SERVFAIL with every upstream down took $(it_reply_ms) ms"
it_dig +tcp q6.dotstub.test A
it_expect_rcode "every upstream down, over TCP: SERVFAIL" SERVFAIL
it_stop_dotstub TERM

it_done
