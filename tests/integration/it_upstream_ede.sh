#!/usr/bin/env bash
# When dotstub answers SERVFAIL because its upstreams failed, an EDNS
# client learns why from an Extended DNS Error (RFC 8914): info-code 23
# (Network Error), or 22 (No Reachable Authority) when the upstreams
# answered SERVFAIL themselves, with text naming each upstream tried
# (its host, tls-name, or else section name) and what went wrong. A client
# without EDNS gets a plain SERVFAIL (no OPT to carry it).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_make_pki dot dot.test
it_make_pki other dot.test
it_start_testup P dot --a 192.0.2.1 --mode stall
it_start_testup S dot --a 192.0.2.2 --mode servfail
dead=$(it_free_port)
IT_QUERY_TIMEOUT=$((2 * IT_SLOW))s

# ede_case WHAT QNAME CODE TEXT_ERE: one query with EDNS, checks SERVFAIL and the EDE.
ede_case() {
	it_dig +notcp +edns "$2" A
	it_expect_rcode "$1" SERVFAIL
	local ede
	ede=$(printf '%s\n' "$IT_OUT" | sed -n 's/^;; EDE: //p')
	it_log "$1: EDE $ede"
	it_expect_match "$1: EDE $3" "^$3 \\([A-Za-z ]+\\): '$4'\$" "$ede"
}

# upstream NAME ADDRESS [auth lines...]
upstream() {
	local name=$1 addr=$2 line
	shift 2
	echo "[upstream $name]"
	echo "address = $addr"
	for line in "$@"; do echo "$line"; done
	echo
}
auth=("tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem")

# 1. Connection refused.
conf() { it_conf_server; upstream dead "127.0.0.1:$dead" "${auth[@]}"; }
it_start_dotstub conf
ede_case "connection refused" e1.dotstub.test 23 'dot\.test: connect failed: connection refused'
it_dig +notcp +noedns e1b.dotstub.test A
it_expect_rcode "without EDNS: plain SERVFAIL" SERVFAIL
it_expect_no_match "without EDNS: no EDE" 'EDE' "$IT_OUT"
it_stop_dotstub TERM

# 2. Timed out (the query's deadline passes while the upstream stalls).
conf() { it_conf_server; it_conf_testup stalled P dot; }
it_start_dotstub conf
ede_case "timed out" e2.dotstub.test 23 'dot\.test: timed out'
it_stop_dotstub TERM

# 3. Certificate from another CA.
conf() {
	it_conf_server
	upstream badcert "127.0.0.1:$S_PORT" "tls-name = dot.test" "ca-file = $IT_DIR/other-ca.pem"
}
it_start_dotstub conf
ede_case "certificate not trusted" e3.dotstub.test 23 \
	'dot\.test: certificate verification failed for dot\.test: .*'
it_stop_dotstub TERM

# 4. Pin mismatch (pins only: the upstream is named by its section).
conf() { it_conf_server; upstream pinned "127.0.0.1:$S_PORT" "pin-sha256 = $(it_wrong_pin)"; }
it_start_dotstub conf
ede_case "pin mismatch" e4.dotstub.test 23 'pinned: pin mismatch: .*'
it_stop_dotstub TERM

# 5. Every upstream answers SERVFAIL (retried once on another): 22.
it_testup_ctl P servfail
conf() { it_conf_server; it_conf_testup one P dot; it_conf_testup two S dot; }
it_start_dotstub conf
ede_case "all SERVFAIL" e5.dotstub.test 22 'dot\.test: answered SERVFAIL; dot\.test: answered SERVFAIL'
it_stop_dotstub TERM

# 6. Two upstreams failing differently: both named, in the order tried.
it_testup_ctl P stall
conf() { it_conf_server; upstream dead "127.0.0.1:$dead" "${auth[@]}"; it_conf_testup stalled P dot; }
it_start_dotstub conf
ede_case "refused, then timed out" e6.dotstub.test 23 \
	'dot\.test: connect failed: connection refused; dot\.test: timed out'
it_expect_eq "the log has the refusal once, not per query" 1 \
	"$(grep -c 'upstream dead failed' "$DS_LOG")"
it_stop_dotstub TERM

it_done
