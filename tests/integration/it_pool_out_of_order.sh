#!/usr/bin/env bash
# Out-of-order answers (RFC 7766): testup answers each batch of pipelined
# queries in reverse order. 100 concurrent UDP clients, then 30 queries
# pipelined on one TCP client connection: every client gets its own answer
# (its ID, its question in its own letter case, and the address testup
# derives from that name, so a mix-up shows), exactly once.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need certtool

it_make_pki dot dot.test
it_start_testup T dot --a hash:10 --mode reverse=50
conf() {
	it_conf_server
	it_conf_testup tu T dot
}
it_start_dotstub conf

out=$("${IT_UDPBURST[@]}" 127.0.0.1 "$DS_PORT" --count 100 --prefix ooo --a hash:10 \
	--timeout 8 --grace 0.5)
it_expect_match "100 concurrent UDP clients, answers reversed upstream: each gets its own" \
	'^sent=100 answered=100 correct=100 wrong=0 missing=0 duplicates=0$' "$out"
batches=$(it_testup_field T '^batch ' n | paste -sd' ' -)
it_log "reversed batch sizes: $batches"
it_expect_match "testup really answered several queries out of order" \
	'(^| )([2-9]|[1-9][0-9]+)( |$)' "$batches"
it_expect_eq "each UDP query reached testup once" 100 "$(it_testup_queries T 'qname=ooo' | grep -c .)"

names=()
for ((i = 1; i <= 30; i++)); do names+=("tcpooo$i.dotstub.test"); done
"${IT_TESTUP[@]}" addr hash:10 "${names[@]}" |
	awk '{ print $1 " A rcode=NOERROR an=1 addrs=" $2 }' >"$IT_DIR/expected.txt"
it_probe pipeline 127.0.0.1 "$DS_PORT" --timeout 8 "${names[@]}" >"$IT_DIR/got.txt"
it_expect_eq "30 pipelined TCP client queries, answers reversed upstream: all right" \
	"$(cat "$IT_DIR/expected.txt")" "$(cat "$IT_DIR/got.txt")"

it_stop_dotstub TERM
it_done
