#!/usr/bin/env bash
# Upstreams given by name (host = dot.test:PORT), resolved through a
# bootstrap server on loopback (tests/tools/bootdns.py, plain DNS):
#   - the name is looked up once at start (A and AAAA), the upstream is
#     authenticated by that name (tls-name defaults to the host) and
#     answers; the address is kept for its TTL, not looked up per query;
#   - with the bootstrap server silent, an upstream that has no address
#     is skipped in favour of one given by address;
#   - with a slow bootstrap server and nothing else to try, a query waits
#     (within its deadline) for the first lookup;
#   - alone and never resolved, it gets queries a SERVFAIL with an EDE
#     saying so, promptly.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_make_pki dot dot.test
it_start_testup T dot --a 192.0.2.1
it_start_testup S dot --a 192.0.2.2
BOOT_LOG=$IT_DIR/bootdns.log
: >"$BOOT_LOG"
it_bg python3 "$IT_TOOLS/bootdns.py" --port auto --log "$BOOT_LOG" --ttl 300 dot.test=127.0.0.1
it_wait_log "$BOOT_LOG" '^ready port=' "$IT_START_TIMEOUT" || it_harness_error "bootdns did not start"
BOOT_PORT=$(sed -n 's/^ready port=//p' "$BOOT_LOG")
silent=$(it_free_port) # nothing answers there

# host_upstream NAME TAG: an upstream by name, on testup TAG's port.
host_upstream() {
	local port=${2}_PORT
	echo "[upstream $1]"
	echo "host = dot.test:${!port}"
	echo "ca-file = $IT_DIR/dot-ca.pem"
	echo
}

# 1. Resolved through the bootstrap server.
IT_SERVER_EXTRA="bootstrap = 127.0.0.1:$BOOT_PORT"
conf() { it_conf_server; host_upstream named T; }
it_start_dotstub conf
it_dig +notcp b1.dotstub.test A
it_expect_a "an upstream given by host name answers" 192.0.2.1
it_expect_match "the bootstrap server was asked for its A record" 'qname=dot.test qtype=1$' \
	"$(cat "$BOOT_LOG")"
it_expect_match "the log says what it resolved to, and for how long" \
	'upstream named: dot.test is 127.0.0.1 for 300 s' "$(cat "$DS_LOG")"
for i in 2 3 4; do it_dig +notcp "b$i.dotstub.test" A; done
it_expect_a "more queries" 192.0.2.1
it_expect_eq "looked up once (A and AAAA), not per query" 2 "$(grep -c '^query ' "$BOOT_LOG")"
it_stop_dotstub TERM

# 2. The bootstrap server is silent: the upstream given by address answers.
IT_SERVER_EXTRA="bootstrap = 127.0.0.1:$silent"
conf() { it_conf_server; host_upstream named T; it_conf_testup byaddr S dot; }
it_start_dotstub conf
it_dig +notcp b5.dotstub.test A
it_expect_a "unresolved upstream skipped: answer from the other" 192.0.2.2
it_stop_dotstub TERM

# 3. A slow bootstrap server (400 ms per answer): the first query waits for it.
SLOW_LOG=$IT_DIR/bootdns-slow.log
: >"$SLOW_LOG"
it_bg python3 "$IT_TOOLS/bootdns.py" --port auto --log "$SLOW_LOG" --delay 400 dot.test=127.0.0.1
it_wait_log "$SLOW_LOG" '^ready port=' "$IT_START_TIMEOUT" || it_harness_error "bootdns did not start"
IT_SERVER_EXTRA="bootstrap = 127.0.0.1:$(sed -n 's/^ready port=//p' "$SLOW_LOG")"
conf() { it_conf_server; host_upstream named T; }
it_start_dotstub conf
it_dig +notcp b7.dotstub.test A
it_expect_a "the first query waits for the first lookup" 192.0.2.1
it_log "answered after $(it_dig_ms) ms"
it_stop_dotstub TERM

# 4. Alone and unresolvable: SERVFAIL with the reason, well before query-timeout.
IT_SERVER_EXTRA="bootstrap = 127.0.0.1:$silent"
IT_QUERY_TIMEOUT=$((6 * IT_SLOW))s
conf() { it_conf_server; host_upstream named T; }
it_start_dotstub conf
it_dig +notcp +edns b6.dotstub.test A
it_expect_rcode "no address for the only upstream" SERVFAIL
it_expect_match "EDE says it is not resolved" \
	"^;; EDE: 23 \\(Network Error\\): 'dot\\.test: not resolved" "$IT_OUT"
ms=$(it_dig_ms)
it_log "SERVFAIL after $ms ms"
it_expect_match "after the lookup failed, not after query-timeout (6 s)" '^[0-9]{1,4}$' "$ms"
it_expect_match "the log has the lookup failure" 'upstream named: cannot resolve dot.test through bootstrap' \
	"$(cat "$DS_LOG")"
it_stop_dotstub TERM

it_done
