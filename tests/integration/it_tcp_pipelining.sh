#!/usr/bin/env bash
# DNS over TCP from clients (RFC 7766): many queries written at once on one
# connection are all answered, in any order, each matched by ID and
# question; queries split across tiny writes are reassembled; a connection
# is kept open between queries and closed once it has been idle for
# tcp-idle-timeout.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool

it_make_pki dot dot.test
it_start_unbound dot

IT_TCP_IDLE_TIMEOUT=2s
conf() {
	it_conf_server
	it_conf_upstream local "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}
it_start_dotstub conf

# The expected line of "dnsprobe.py pipeline" for each query.
expect_line() {
	local name=${1%%:*} type=A
	case $1 in *:*) type=${1#*:} ;; esac
	case $name:$type in
	nope.*) echo "$name $type rcode=NXDOMAIN an=0 addrs=-" ;;
	*:TXT) echo "$name $type rcode=NOERROR an=1 addrs=-" ;;
	*) echo "$name $type rcode=NOERROR an=1 addrs=$(it_expected_addr "$name")" ;;
	esac
}

# pipeline WHAT [--chunk N] QUERY...: pipelines and compares every answer.
pipeline() {
	local what=$1 q out expected=
	shift
	out=$(it_probe pipeline 127.0.0.1 "$DS_PORT" "$@")
	for q in "$@"; do
		case $q in --*) continue ;; [0-9]*) continue ;; esac
		expected+=$(expect_line "$q")$'\n'
	done
	it_expect_eq "$what" "${expected%$'\n'}" "$out"
}

# Cache misses: distinct names, the same question twice in the batch (to be
# joined or sent twice, but answered twice, each with its own ID), another
# type, and a negative answer, all on the wire before any answer is read.
queries=()
for i in $(seq 1 15); do queries+=("q$i.dotstub.test"); done
queries+=(www.dotstub.test www.dotstub.test www.dotstub.test:TXT nope.dotstub.test q3.dotstub.test)
pipeline "20 pipelined queries (cache misses) in one write, all answered" "${queries[@]}"

# The same again in 7-byte writes: every message straddles reads, and the
# answers now come from the cache.
pipeline "20 pipelined queries in 7-byte pieces, all answered" --chunk 7 "${queries[@]}"

# Misses and hits interleaved, one write.
pipeline "pipelined mix of cache hits and misses" \
	q16.dotstub.test q1.dotstub.test q17.dotstub.test www.dotstub.test q18.dotstub.test

# kdig reuses one connection for several queries with +keepopen.
it_dig +tcp +keepopen q19.dotstub.test A q20.dotstub.test A www.dotstub.test TXT
it_expect_eq "kdig +keepopen: three answers on one connection" 3 \
	"$(printf '%s\n' "$IT_OUT" | grep -c 'status: NOERROR')"
it_expect_no_match "kdig +keepopen: no errors" 'ERROR:|WARNING:' "$IT_OUT"

# An idle client connection is closed after tcp-idle-timeout (2 s here).
out=$(it_probe idle 127.0.0.1 "$DS_PORT" --timeout 8)
it_expect_match "an idle TCP connection is closed after about 2 s" \
	'^closed after (1\.[5-9]|[2-5]\.[0-9]) s$' "$out"
it_still_answers "idle connections were closed"

it_stop_dotstub TERM
it_done
