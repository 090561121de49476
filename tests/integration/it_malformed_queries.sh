#!/usr/bin/env bash
# Malformed input from clients never stops the service. A message too
# short for a header is dropped; a readable header with a bad question
# gets FORMERR with the client's ID; responses sent to us are not answered;
# unknown opcodes get NOTIMP. After each, a normal query still works.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool

it_make_pki dot dot.test
it_start_unbound dot
conf() {
	it_conf_server
	it_conf_upstream local "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}
it_start_dotstub conf

# Building blocks, in hex. ID abcd = 43981.
hdr() { printf 'abcd%s%s00000000%s' "$1" "$2" "${3:-0000}"; } # FLAGS QDCOUNT [ARCOUNT]
name_www=0377777707646f74737475620474657374 # www.dotstub.test (no root yet)
q_www=${name_www}00"00010001"              # ... A IN
label63=3f$(printf '61%.0s' $(seq 1 63))
formerr='^id=43981 qr=1 tc=0 rcode=FORMERR '

# udp WHAT EXPECTED_ERE HEX [TIMEOUT]: TIMEOUT (seconds, default 2) is also
# how long a "noreply" waits.
udp() {
	local out
	out=$(it_probe udp 127.0.0.1 "$DS_PORT" "$3" --timeout $((${4:-2} * IT_SLOW)))
	it_expect_match "$1" "$2" "$out"
}

udp "3 bytes (no header) are dropped" '^noreply$' abcd01 1
udp "an empty datagram is dropped" '^noreply$' "" 1
udp "header only, QDCOUNT=1: FORMERR" "$formerr" "$(hdr 0100 0001)"
udp "QDCOUNT=0: FORMERR" "$formerr" "$(hdr 0100 0000)"
udp "label with the reserved 01 type bits: FORMERR" "$formerr" "$(hdr 0100 0001)4061${q_www}"
udp "label running past the end: FORMERR" "$formerr" "$(hdr 0100 0001)05616263"
udp "question cut before QTYPE: FORMERR" "$formerr" "$(hdr 0100 0001)${name_www}00"
udp "compression pointer pointing at itself: FORMERR" "$formerr" "$(hdr 0100 0001)c00c00010001"
udp "compression pointer past the end: FORMERR" "$formerr" "$(hdr 0100 0001)c0ff00010001"
udp "name longer than 255 octets: FORMERR" "$formerr" \
	"$(hdr 0100 0001)${label63}${label63}${label63}${label63}${label63}0000010001"
udp "two questions: FORMERR" "$formerr" "$(hdr 0100 0002)${q_www}${q_www}"
udp "ARCOUNT=1 but no OPT record: FORMERR" "$formerr" "$(hdr 0100 0001 0001)${q_www}"
it_still_answers "bad UDP messages"

udp "a response (QR=1) is not answered" '^noreply$' "$(hdr 8180 0001)${q_www}" 1
udp "opcode STATUS: NOTIMP" '^id=43981 qr=1 tc=0 rcode=NOTIMP ' "$(hdr 1100 0001)${q_www}"
it_still_answers "a response and an unknown opcode"

# TCP: the same bad question over a connection, then broken framing.
out=$(it_probe tcp 127.0.0.1 "$DS_PORT" --timeout $((2 * IT_SLOW)) --frame "$(hdr 0100 0001)")
it_expect_match "TCP: header only, QDCOUNT=1: FORMERR" "$formerr" "$out"
out=$(it_probe tcp 127.0.0.1 "$DS_PORT" --timeout $((2 * IT_SLOW)) --frame "$(hdr 0100 0001)4061${q_www}")
it_expect_match "TCP: bad label type: FORMERR" "$formerr" "$out"
# Broken framing, each followed by the client closing its side: what the
# server does with the connection is its choice, as long as it survives.
for framing in 0000 0002abcd 012cabcd0100 00 ffff$(printf 'ab%.0s' $(seq 1 40)); do
	# zero length; shorter than a header; says 300 bytes, sends 4; half a
	# length prefix; says 65535 bytes, sends 40.
	it_probe tcp 127.0.0.1 "$DS_PORT" "$framing" --half-close --timeout 2 >/dev/null
done
it_still_answers "broken TCP framing"
it_dig +tcp q1.dotstub.test A
it_expect_a "TCP still answers after broken TCP framing" 192.0.2.101

# Random and mutated datagrams (seeded, so a failure can be replayed with
# "dnsprobe.py fuzz-udp 127.0.0.1 PORT --seed N").
seed=$((RANDOM * 32768 + RANDOM))
it_log "$(it_probe fuzz-udp 127.0.0.1 "$DS_PORT" --count 300 --seed "$seed")"
it_still_answers "300 random and mutated datagrams (seed $seed)"

it_stop_dotstub TERM
it_done
