#!/usr/bin/env bash
# Upstream queries are padded (RFC 7830, RFC 8467) and ask for keepalive
# (RFC 7828): every query testup receives carries an OPT with the padding
# and edns-tcp-keepalive options and is a multiple of 128 bytes long, for
# short and maximal names, names whose unpadded length is exactly 128 (an
# empty padding option), UDP and TCP clients, with and without EDNS, DO and
# CD, and several types.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_make_pki dot dot.test
it_start_testup T dot
conf() {
	it_conf_server
	it_conf_testup tu T dot
}
it_start_dotstub conf

# Names of a given length in wire form (dotstub.test. takes 14 bytes): the
# unpadded upstream query is 35 bytes plus the name (header 12, type and
# class 4, OPT 11, keepalive 4, padding header 4).
names=$(python3 - <<'EOF'
import string
for n, wire in enumerate((16, 40, 93, 94, 221, 222, 255)):
    left, labels, i = wire - 14, [], 0
    while left > 0:
        take = min(64, left)
        if left - take == 1:
            take -= 1
        labels.append((string.ascii_lowercase[n] + "%d-" % wire + "x" * 63)[:take - 1])
        left -= take
    print(".".join(labels + ["dotstub.test"]))
EOF
)
sent=0
for name in $names; do
	it_dig +notcp "$name" A
	it_expect_rcode "a ${#name}-character name over UDP" NOERROR
	sent=$((sent + 1))
done
for args in "+tcp tcp1.dotstub.test A" "+notcp +noedns noedns.dotstub.test A" \
	"+notcp +dnssec do.dotstub.test A" "+notcp +cdflag cd.dotstub.test A" \
	"+notcp types.dotstub.test AAAA" "+tcp types.dotstub.test TXT" \
	"+notcp nxname.dotstub.test A" "+tcp +bufsize=4096 bigtxt.dotstub.test TXT"; do
	# shellcheck disable=SC2086 # a word list
	it_dig $args
	case $args in
	*nxname*) it_expect_rcode "query: $args" NXDOMAIN ;;
	*) it_expect_rcode "query: $args" NOERROR ;;
	esac
	sent=$((sent + 1))
done

lines=$(it_testup_queries T)
it_expect_eq "every miss reached testup once" "$sent" "$(printf '%s\n' "$lines" | grep -c .)"
lens=$(printf '%s\n' "$lines" | sed -n 's/.* len=\([0-9]*\) .*/\1/p' | sort -n | uniq | paste -sd' ' -)
it_log "query lengths seen upstream: $lens"
bad=$(printf '%s\n' "$lines" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	if (f["len"] % 128 != 0 || f["edns"] != 1 || f["pad"] != 1 || f["ka"] != 1) print }')
it_expect_eq "every upstream query: length a multiple of 128, with padding and keepalive" "" "$bad"
it_expect_match "a 255-byte name gives a 384-byte query" ' len=384 ' "$lines"
it_expect_match "an unpadded length of exactly 128 stays 128" ' len=128 qname=c93-' "$lines"

it_stop_dotstub TERM
it_done
