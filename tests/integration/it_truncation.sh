#!/usr/bin/env bash
# Truncation (RFC 1035 4.2.1, RFC 6891): an answer bigger than the client's
# UDP payload size (512 without EDNS, the advertised size with it) comes
# back over UDP with TC set and within that size, and in full over TCP.
# Checked on the miss path (answer straight from upstream) and on the hit
# path (answer from the cache).
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

# +ignore: kdig must not retry over TCP by itself on TC.
udp_truncated() {
	local what=$1 limit=$2
	shift 2
	it_dig +notcp +ignore "$@"
	it_expect_rcode "$what" NOERROR
	if it_has_flag tc; then
		it_pass "$what: TC is set"
	else
		it_fail "$what: expected the tc flag, got flags '$(it_flags)' with $(it_answer_count) answers"
	fi
	local size
	size=$(it_received_bytes)
	if [ -n "$size" ] && [ "$size" -le "$limit" ]; then
		it_pass "$what: $size bytes, within $limit"
	else
		it_fail "$what: expected at most $limit bytes, got '$size'"
	fi
}

tcp_full() {
	local what=$1 count=$2
	shift 2
	it_dig +tcp "$@"
	it_expect_rcode "$what" NOERROR
	it_expect_eq "$what: all records" "$count" "$(it_answer_count)"
	if it_has_flag tc; then it_fail "$what: TC set over TCP"; fi
}

# About 680 bytes: too big for 512, fits 1232.
udp_truncated "40 A records over UDP without EDNS (miss)" 512 +noedns big-a.dotstub.test A
tcp_full "40 A records over TCP (hit)" "$IT_BIG_A_COUNT" +noedns big-a.dotstub.test A
udp_truncated "40 A records over UDP without EDNS (hit)" 512 +noedns big-a.dotstub.test A
it_dig +notcp +ignore +bufsize=1232 big-a.dotstub.test A
it_expect_rcode "40 A records over UDP with EDNS 1232" NOERROR
it_expect_eq "40 A records over UDP with EDNS 1232: all there, no TC" \
	"$IT_BIG_A_COUNT/no tc" "$(it_answer_count)/$(it_has_flag tc && echo tc || echo no tc)"

# About 2.5 KB: too big even for 1232. First over TCP this time (miss).
tcp_full "12 long TXT records over TCP (miss)" "$IT_BIG_TXT_COUNT" big-txt.dotstub.test TXT
udp_truncated "12 long TXT records over UDP with EDNS 1232 (hit)" 1232 +bufsize=1232 big-txt.dotstub.test TXT
udp_truncated "12 long TXT records over UDP without EDNS (hit)" 512 +noedns big-txt.dotstub.test TXT
it_expect_eq "the big answers were each asked upstream once" "1 1" \
	"$(it_upstream_queries big-a.dotstub.test A) $(it_upstream_queries big-txt.dotstub.test TXT)"

# A small answer is never truncated.
it_dig +notcp +ignore +noedns www.dotstub.test A
it_expect_a "small answer over UDP without EDNS" 192.0.2.1
if it_has_flag tc; then it_fail "small answer has TC set"; fi

it_stop_dotstub TERM
it_done
