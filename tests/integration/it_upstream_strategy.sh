#!/usr/bin/env bash
# Selection strategies, with two healthy testup upstreams that answer
# different addresses (first 192.0.2.1, second 192.0.2.2):
#   - fastest (the default): the first is 250 ms slow, the second answers
#     at once; after measuring both, queries go to the second, except
#     about 1 in 50 sent to the other to keep its RTT known;
#   - ordered: everything to the first, however slow;
#   - round-robin: each in turn.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_make_pki dot dot.test
it_start_testup P dot --a 192.0.2.1 --mode delay=250
it_start_testup S dot --a 192.0.2.2
conf() {
	it_conf_server
	it_conf_testup slow P dot
	it_conf_testup fast S dot
}

# count PREFIX N: sends N queries PREFIX0..; prints "to-first to-second".
count() {
	local i first=0 second=0
	for ((i = 0; i < $2; i++)); do
		it_dig +notcp "$1$i.dotstub.test" A
		case $(it_answer_data A) in
		192.0.2.1) first=$((first + 1)) ;;
		192.0.2.2) second=$((second + 1)) ;;
		*) it_fail "$1$i: no answer ($(it_rcode))" ;;
		esac
	done
	echo "$first $second"
}

# 1. fastest
IT_STRATEGY=fastest
it_start_dotstub conf
read -r warm_first warm_second <<<"$(count warm 4)"
it_log "while measuring: $warm_first to the slow one, $warm_second to the fast one"
read -r first second <<<"$(count fa 40)"
it_log "fastest: $first of 40 to the slow upstream, $second to the fast one"
it_expect_match "fastest: the fast upstream gets nearly everything (at most 4 of 40 elsewhere)" \
	'^[0-4]$' "$first"
it_stop_dotstub TERM

# 2. ordered
IT_STRATEGY=ordered
it_start_dotstub conf
it_expect_eq "ordered: everything to the first upstream" "10 0" "$(count or 10)"
it_stop_dotstub TERM

# 3. round-robin
IT_STRATEGY=round-robin
it_start_dotstub conf
it_expect_eq "round-robin: each in turn" "5 5" "$(count rr 10)"
it_stop_dotstub TERM

it_done
