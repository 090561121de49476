#!/usr/bin/env bash
# Pipelining to the upstream: 500 distinct queries written at once on one
# client TCP connection all come back right (matched by ID and question,
# each with the address testup derives from its name), and they reach the
# upstream over the pool's one connection (max-connections defaults to 1;
# 2 is tolerated), many of them in flight together, each exactly once.
# Then 400 concurrent UDP clients: more queries at once than the pool has
# slots (max-inflight 128 on each of at most 2 connections), so the rest
# must wait for a free slot, not for a timeout (one TCP client alone cannot
# show that: the server lets it have only max-tcp-pipeline in flight).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need certtool

N=500
it_make_pki dot dot.test
it_start_testup T dot --a hash:10
conf() {
	it_conf_server
	it_conf_testup tu T dot
}
it_start_dotstub conf

names=()
for ((i = 1; i <= N; i++)); do names+=("pipe$i.dotstub.test"); done
"${IT_TESTUP[@]}" addr hash:10 "${names[@]}" |
	awk '{ print $1 " A rcode=NOERROR an=1 addrs=" $2 }' >"$IT_DIR/expected.txt"
start=$(date +%s%N)
it_probe pipeline 127.0.0.1 "$DS_PORT" --timeout 10 "${names[@]}" >"$IT_DIR/got.txt"
ms=$((($(date +%s%N) - start) / 1000000))
it_log "$N pipelined answers read in $ms ms"

right=$(grep -cxFf "$IT_DIR/expected.txt" "$IT_DIR/got.txt")
it_expect_eq "$N pipelined queries on one client connection: every answer right" "$N" "$right"
if [ "$right" != "$N" ]; then
	echo "    first differences (expected < > got), and a count of results:"
	diff "$IT_DIR/expected.txt" "$IT_DIR/got.txt" | grep '^[<>]' | head -n 6 | sed 's/^/    | /'
	awk '{ print $3 }' "$IT_DIR/got.txt" | sort | uniq -c | sed 's/^/    | /'
fi

lines=$(it_testup_queries T 'qname=pipe')
it_expect_eq "each query reached the upstream exactly once" "$N" \
	"$(it_testup_names T 'qname=pipe' | sort -u | grep -c .)"
it_expect_eq "and no query twice" "$N" "$(printf '%s\n' "$lines" | grep -c .)"
conns=$(printf '%s\n' "$lines" | awk '{ print $2 }' | sort | uniq -c | sort -rn)
it_log "queries per upstream connection: $(printf '%s\n' "$conns" | paste -sd' ' -)"
nconns=$(printf '%s\n' "$conns" | grep -c .)
it_expect_match "they arrived over at most 2 connections (got $nconns)" '^[12]$' "$nconns"
busiest=$(printf '%s\n' "$conns" | awk 'NR == 1 { print $1 }')
it_expect_match "at least half of them on one connection (got $busiest)" \
	'^(2[5-9][0-9]|[3-9][0-9]{2})$' "$busiest"
maxin=$(printf '%s\n' "$lines" | sed -n 's/.* inflight=\([0-9]*\) .*/\1/p' | sort -n | tail -n 1)
it_expect_match "pipelined: many queries in flight together on a connection (max $maxin)" \
	'^([2-9][0-9]|[0-9]{3,})$' "$maxin"

# More queries at once than the pool has slots.
start=$(date +%s%N)
out=$("${IT_UDPBURST[@]}" 127.0.0.1 "$DS_PORT" --count 400 --prefix burst --a hash:10 \
	--timeout 8 --grace 0.5)
ms=$((($(date +%s%N) - start) / 1000000 - 500))
it_log "400 UDP answers in $ms ms"
summary=$(printf '%s\n' "$out" | tail -n 1)
it_expect_eq "400 concurrent UDP clients (more than the pool's slots): each gets its own answer" \
	'sent=400 answered=400 correct=400 wrong=0 missing=0 duplicates=0' "$summary"
if [ "$summary" != 'sent=400 answered=400 correct=400 wrong=0 missing=0 duplicates=0' ]; then
	printf '%s\n' "$out" | head -n 5 | sed 's/^/    | /'
fi
it_expect_eq "each reached the upstream exactly once" 400 \
	"$(it_testup_queries T 'qname=burst' | grep -c .)"
it_expect_match "over at most 2 connections" '^[12]$' \
	"$(it_testup_queries T 'qname=burst' | awk '{ print $2 }' | sort -u | grep -c .)"

it_stop_dotstub TERM
it_done
