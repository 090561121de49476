#!/usr/bin/env bash
# DNSSEC validation end to end (issue 15, docs/dnssec.md): the signed
# hierarchy of tests/dnssec/make-zones.sh (its own root and trust anchor)
# served by a non-validating unbound over DoT (it_dnssec_upstream), and
# dotstub validating it with trust-anchor-file = anchor.ds.
#   0. the upstream itself, asked directly: RRSIGs with DO, DS from the
#      parent side, NSEC/NSEC3 denials, the broken zones served as they are
#      (so whatever dotstub says about them is its own verdict);
#   1. secure answers: AD for a client that set DO or AD, RRSIGs only with
#      DO (RFC 6840 5.7-5.8, RFC 4035 3.2.1); Ed25519, RSA/NSEC3, a wildcard,
#      a CNAME across zones; NSEC and NSEC3 NXDOMAIN and NODATA; the cold
#      chain within the query timeout, then a cache hit that keeps AD;
#   2. insecure (no DS, NSEC3 opt-out, an unknown DS algorithm): answered
#      without AD; bogus (expired, RRSIG over other data, DS matching no
#      key): SERVFAIL with EDE 6 and the reason; CD: the bogus data, no AD;
#   3. [zone badsig.test] dnssec = off; [server] dnssec = off;
#   4. a clock before dotstub's build time (libfaketime): validity periods
#      not enforced, so expired.test. answers;
#   5. an upstream that strips RRSIGs (testup --forward, strip=rrsig):
#      alone, SERVFAIL with EDE 10; before a good upstream, still secure.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"
it_need unbound kdig certtool ldns-keygen ldns-signzone ldns-key2ds
# A build without the validator (./configure --disable-dnssec) has nothing to test here.
if grep -q '^#define DST_DNSSEC 0' "${abs_top_builddir:-.}/config.h" 2>/dev/null; then
	echo "SKIP: built with --disable-dnssec"
	exit 77
fi

zones=$IT_DIR/zones
it_dnssec_upstream "$zones"
it_log "signed hierarchy in $zones, unbound DoT on $DU_PORT (plain $DU_PLAIN_PORT)"

# --- 0. the upstream, directly ----------------------------------------------

# up_case WHAT QNAME TYPE RCODE [kdig options]: one query straight to unbound.
up_case() {
	local what="upstream: $1" qname=$2 qtype=$3 rcode=$4
	shift 4
	it_dig_dnssec_upstream "$@" "$qname" "$qtype"
	it_expect_rcode "$what" "$rcode"
}
up_case "www.secure.test A with DO" www.secure.test A NOERROR +dnssec
it_expect_eq "upstream: www.secure.test A comes with its RRSIG" 1 "$(it_rrsig_count)"
up_case "www.secure.test A without DO" www.secure.test A NOERROR
it_expect_eq "upstream: no RRSIG without DO" 0 "$(it_rrsig_count)"
up_case "secure.test DS" secure.test DS NOERROR +dnssec
it_expect_match "upstream: the DS comes from the parent, signed by test." \
	'^secure\.test\.[[:space:]].*RRSIG[[:space:]]+DS [0-9]+ 2 [0-9]+ [0-9]+ [0-9]+ [0-9]+ test\. ' "$(it_answers)"
up_case ". DNSKEY" . DNSKEY NOERROR +dnssec
it_expect_eq "upstream: the test root's two keys" 2 "$(it_answer_data DNSKEY | wc -l)"
it_expect_eq "upstream: the root DNSKEY set is signed by the anchor's key" \
	"$(awk '{print $5}' "$zones/anchor.ds")" "$(it_answers | awk '$4 == "RRSIG" {print $11}')"
up_case "secure.test DNSKEY" secure.test DNSKEY NOERROR +dnssec
it_expect_match "upstream: the DNSKEY set comes from the child, self-signed" \
	'^secure\.test\.[[:space:]].*RRSIG[[:space:]]+DNSKEY [0-9]+ 2 [0-9]+ [0-9]+ [0-9]+ [0-9]+ secure\.test\. ' "$(it_answers)"
up_case "unsigned.nsec3.test DS (opt-out)" unsigned.nsec3.test DS NOERROR +dnssec
it_expect_match "upstream: the no-DS proof is an NSEC3 with the opt-out flag" \
	'NSEC3[[:space:]]+1 1 1 C0FFEE [0-9a-v]+ NS$' "$IT_OUT"
up_case "nx.nsec3.test A" nx.nsec3.test A NXDOMAIN +dnssec
it_expect_match "upstream: NXDOMAIN in nsec3.test. carries NSEC3 records" \
	'NSEC3[[:space:]]+1 1 1 C0FFEE ' "$IT_OUT"
up_case "nx.secure.test A" nx.secure.test A NXDOMAIN +dnssec
it_expect_match "upstream: NXDOMAIN in secure.test. carries NSEC records" \
	'^[a-z.*]+secure\.test\.[[:space:]].*NSEC[[:space:]]' "$IT_OUT"
up_case "x.wild.secure.test A (wildcard)" x.wild.secure.test A NOERROR +dnssec
it_expect_match "upstream: the wildcard answer's RRSIG has 3 labels (expanded)" \
	'RRSIG[[:space:]]+A [0-9]+ 3 ' "$(it_answers)"
it_expect_match "upstream: the wildcard answer comes with an NSEC (the no-such-name proof)" \
	'[[:space:]]NSEC[[:space:]]+www\.secure\.test\. ' "$IT_OUT"
# unbound's auth-zone (1.17) gives that NSEC (*.wild.secure.test.'s) the
# query name as its owner: a validator must take the owner from the RRSIG
# labels (as for the signature) to see that it covers the name.
if printf '%s\n' "$IT_OUT" | grep -Eq '^x\.wild\.secure\.test\.[[:space:]].*NSEC[[:space:]]'; then
	it_log "note: unbound sends the wildcard NSEC with its owner expanded to x.wild.secure.test."
fi
up_case "insecure.test DS (no DS in test.)" insecure.test DS NOERROR +dnssec
it_expect_match "upstream: the no-DS proof is an NSEC from test." \
	'^insecure\.test\.[[:space:]].*NSEC[[:space:]]+nokey\.test\. NS RRSIG NSEC' "$IT_OUT"
for broken in expired badsig nokey; do
	up_case "www.$broken.test A is served as it is" "www.$broken.test" A NOERROR +dnssec
	it_expect_eq "upstream: www.$broken.test A has its RRSIG" 1 "$(it_rrsig_count)"
	if [ "$broken" = badsig ]; then
		it_expect_eq "upstream: badsig's address is the changed one" 192.0.2.99 "$(it_answer_data A)"
	fi
done
up_case "www.unsigned.nsec3.test A (below the opt-out delegation)" www.unsigned.nsec3.test A NOERROR
it_expect_eq "upstream: www.unsigned.nsec3.test address" 192.0.2.11 "$(it_answer_data A)"
up_case "a name outside the test root" www.example.com A NXDOMAIN +dnssec
it_expect_match "upstream: the test root denies it (nothing is asked outside)" \
	'^\.[[:space:]].*SOA[[:space:]]+ns\.root-servers\. ' "$IT_OUT"

# The RRSIG-stripping upstream: testup relaying to unbound's plain port.
it_start_testup S dnssec --forward "127.0.0.1:$DU_PLAIN_PORT" --mode strip=rrsig
# shellcheck disable=SC2153 # S_PORT is set by it_start_testup
it_dig @127.0.0.1 -p "$S_PORT" +tls +tls-ca="$DU_CA" +tls-hostname="$DU_NAME" +dnssec www.secure.test A
it_expect_a "stripping upstream: www.secure.test A" 192.0.2.1
it_expect_eq "stripping upstream: no RRSIG, even with DO" 0 "$(it_rrsig_count)"
# An upstream that drops the denial proofs (NSEC and NSEC3) but keeps the signatures.
it_start_testup N dnssec --forward "127.0.0.1:$DU_PLAIN_PORT" --mode strip=nsec,nsec3
# shellcheck disable=SC2153 # N_PORT is set by it_start_testup
it_dig @127.0.0.1 -p "$N_PORT" +tls +tls-ca="$DU_CA" +tls-hostname="$DU_NAME" +dnssec nx.secure.test A
it_expect_rcode "denial-stripping upstream: nx.secure.test A" NXDOMAIN
it_expect_no_match "denial-stripping upstream: no NSEC record" 'IN[[:space:]]+NSEC[[:space:]]' "$IT_OUT"

# --- dotstub ------------------------------------------------------------------

# it_upstream_queries counts what reached UB_LOG's unbound: the DNSSEC one.
UB_LOG=$DU_LOG

# The configs. The hierarchy's own root DS is the only trust anchor;
# dnssec = validate is the default, so the main config does not say it
# (lib.sh writes dnssec = off for the other tests unless IT_DNSSEC is set;
# set and empty: no line at all).
# shellcheck disable=SC2034 # read by it_conf_server (lib.sh)
IT_DNSSEC=
anchor_line="trust-anchor-file = $zones/anchor.ds"
validating_conf() {
	IT_SERVER_EXTRA=$anchor_line it_conf_server
	it_conf_dnssec_upstream unbound
}
zone_off_conf() {
	validating_conf
	printf '[zone badsig.test]\ndnssec = off\n\n'
}
off_conf() {
	IT_SERVER_EXTRA="$anchor_line
dnssec = off" it_conf_server
	it_conf_dnssec_upstream unbound
}
# Pinned: a clock before the build time excuses a certificate that is not
# yet valid by it only for a pinned upstream (it_clock_wrong.sh).
pinned_conf() {
	IT_SERVER_EXTRA=$anchor_line it_conf_server
	it_conf_dnssec_upstream unbound "pin-sha256 = $(it_pin "$IT_DIR/dnssec-cert.pem")"
}
# Plus an anchor for a root key that is gone: a rollover the anchors did not follow.
stale_anchor_conf() {
	IT_SERVER_EXTRA="$anchor_line
trust-anchor = . IN DS 12345 13 2 0000000000000000000000000000000000000000000000000000000000000000" \
		it_conf_server
	it_conf_dnssec_upstream unbound
}
strip_only_conf() {
	IT_SERVER_EXTRA=$anchor_line it_conf_server
	printf '[upstream stripper]\naddress = 127.0.0.1:%s\ntls-name = %s\nca-file = %s\n\n' \
		"$S_PORT" "$DU_NAME" "$DU_CA"
}
strip_then_good_conf() {
	IT_SERVER_EXTRA="$anchor_line
control = $DS_CTL" it_conf_server
	printf '[upstream stripper]\naddress = 127.0.0.1:%s\ntls-name = %s\nca-file = %s\n\n' \
		"$S_PORT" "$DU_NAME" "$DU_CA"
	it_conf_dnssec_upstream unbound
}
no_denial_conf() {
	IT_SERVER_EXTRA=$anchor_line it_conf_server
	printf '[upstream nodenial]\naddress = 127.0.0.1:%s\ntls-name = %s\nca-file = %s\n\n' \
		"$N_PORT" "$DU_NAME" "$DU_CA"
}
DS_CTL=$IT_DIR/control

# start CONF_FN WHAT: starts dotstub with that config; a config dotstub
# refuses (-t) is one failure naming the case group, and status 1 (the
# group's checks are skipped rather than run against nothing).
start() {
	local out
	DS_PORT=$(it_free_port)
	"$1" >"$IT_DIR/check.conf"
	if ! out=$("$DOTSTUB" -t -c "$IT_DIR/check.conf" 2>&1); then
		it_fail "$2: dotstub -t refuses the config: $(printf '%s\n' "$out" | head -n 3)"
		return 1
	fi
	it_start_dotstub "$1"
}

# ask WHAT QNAME TYPE [kdig options]: one query to dotstub; the rcode is
# checked by the caller (some cases want SERVFAIL).
ask() {
	local qname=$2 qtype=$3
	shift 3
	it_dig "$@" "$qname" "$qtype"
}
ad() { if it_has_flag ad; then echo set; else echo clear; fi; }

# secure WHAT QNAME TYPE RCODE [DATA]: DO set; RCODE, AD, RRSIGs with the
# data (none for a denial), and TYPE's data when given.
secure() {
	local what=$1 qname=$2 qtype=$3 rcode=$4 data=${5:-}
	ask "$what" "$qname" "$qtype" +dnssec
	it_expect_rcode "secure: $what" "$rcode"
	it_expect_eq "secure: $what: AD" set "$(ad)"
	if [ -n "$data" ]; then
		it_expect_eq "secure: $what: $qtype data" "$data" "$(it_answer_data "$qtype" | paste -sd, -)"
		it_expect_match "secure: $what: RRSIGs with DO" 'RRSIG' "$(it_answers)"
	fi
}

# insecure WHAT QNAME ADDRESS: DO set; answered, AD clear.
insecure() {
	ask "$1" "$2" A +dnssec
	it_expect_a "insecure: $1" "$3"
	it_expect_eq "insecure: $1: AD" clear "$(ad)"
}

# bogus WHAT QNAME EDE_TEXT_ERE: SERVFAIL, EDE 6 whose text matches.
bogus() {
	ask "$1" "$2" A +dnssec
	it_expect_rcode "bogus: $1" SERVFAIL
	it_expect_eq "bogus: $1: no answer records" 0 "$(it_answer_count)"
	it_expect_match "bogus: $1: EDE 6 (DNSSEC Bogus) with the reason" \
		"^6 \\([A-Za-z ]+\\): '.*$3" "$(it_ede)"
}

# --- 1 and 2. validating ----------------------------------------------------

if start validating_conf "validating (trust-anchor-file)"; then
	# The cold chain first: root DNSKEY, test. DS and DNSKEY, secure.test.
	# DS and DNSKEY, then the answer, all within the query timeout.
	ask "cold" www.secure.test A +dnssec
	it_expect_rcode "cold chain: www.secure.test A" NOERROR
	ms=$(it_reply_ms)
	it_expect_eq "cold chain: answered within the query timeout (${ms:-no answer} ms)" yes \
		"$(awk -v ms="${ms:-99999}" -v max=$((3000 * IT_SLOW)) 'BEGIN { print (ms < max) ? "yes" : "no" }')"
	it_expect_eq "cold chain: AD" set "$(ad)"
	it_expect_eq "DO: www.secure.test A: one RRSIG in the answer" 1 "$(it_rrsig_count)"
	before=$(it_upstream_queries www.secure.test A)
	ask "again" www.secure.test A +dnssec
	it_expect_rcode "cache hit: www.secure.test A" NOERROR
	it_expect_eq "cache hit: AD still set" set "$(ad)"
	it_expect_eq "cache hit: RRSIG still there with DO" 1 "$(it_rrsig_count)"
	it_expect_eq "cache hit: the upstream was not asked again" "$before" \
		"$(it_upstream_queries www.secure.test A)"

	ask "AD, no DO" www.secure.test A +adflag
	it_expect_a "AD without DO: www.secure.test A" 192.0.2.1
	it_expect_eq "AD without DO: AD set (RFC 6840 5.7)" set "$(ad)"
	it_expect_eq "AD without DO: no RRSIG (RFC 4035 3.2.1)" 0 "$(it_rrsig_count)"
	ask "neither" www.secure.test A +noadflag
	it_expect_a "neither DO nor AD: www.secure.test A" 192.0.2.1
	it_expect_eq "neither DO nor AD: AD clear (RFC 6840 5.8)" clear "$(ad)"
	it_expect_eq "neither DO nor AD: no RRSIG" 0 "$(it_rrsig_count)"
	ask "EDNS, no DO" www.secure.test A +edns +noadflag
	it_expect_eq "EDNS without DO or AD: AD clear" clear "$(ad)"
	it_expect_eq "EDNS without DO: no RRSIG" 0 "$(it_rrsig_count)"

	secure "www.ed.test A (Ed25519)" www.ed.test A NOERROR 192.0.2.5
	secure "www.nsec3.test A (RSASHA256, NSEC3 zone)" www.nsec3.test A NOERROR 192.0.2.4
	secure "x.wild.secure.test A (wildcard, NSEC)" x.wild.secure.test A NOERROR 192.0.2.3
	secure "x.wild.nsec3.test TXT (wildcard, NSEC3)" x.wild.nsec3.test TXT NOERROR '"wildcard"'
	secure "cname.secure.test A (CNAME to www.ed.test.)" cname.secure.test A NOERROR 192.0.2.5
	it_expect_eq "secure: the CNAME is in the answer" www.ed.test. "$(it_answer_data CNAME)"
	secure "nx.secure.test A (NSEC NXDOMAIN)" nx.secure.test A NXDOMAIN
	it_expect_match "secure: NSEC NXDOMAIN: the proof is given with DO" 'NSEC[[:space:]]' "$IT_OUT"
	# nsec3.test. is opt-out on every record: the NSEC3 covering the next
	# closer name nx.nsec3.test. is an opt-out span, where an unsigned
	# delegation could hide, so the NXDOMAIN is insecure (RFC 5155 9.2): no AD.
	ask "NSEC3 NXDOMAIN in an opt-out span" nx.nsec3.test A +dnssec
	it_expect_rcode "insecure: nx.nsec3.test A (NSEC3 NXDOMAIN, opt-out span)" NXDOMAIN
	it_expect_eq "insecure: nx.nsec3.test A (NSEC3 NXDOMAIN, opt-out span): AD (RFC 5155 9.2)" \
		clear "$(ad)"
	it_expect_match "insecure: NSEC3 NXDOMAIN: the NSEC3 proof is given with DO" \
		'NSEC3[[:space:]]' "$IT_OUT"
	secure "www.secure.test TXT (NSEC NODATA)" www.secure.test TXT NOERROR
	it_expect_eq "secure: NODATA: no answer records" 0 "$(it_answer_count)"
	secure "www.nsec3.test TXT (NSEC3 NODATA)" www.nsec3.test TXT NOERROR
	ask "NXDOMAIN, no DO" nx.secure.test A +adflag
	it_expect_eq "NXDOMAIN with AD but no DO: AD set" set "$(ad)"
	it_expect_no_match "NXDOMAIN without DO: no NSEC or RRSIG" '[[:space:]](NSEC3?|RRSIG)[[:space:]]' "$IT_OUT"

	insecure "www.insecure.test (no DS in test.)" www.insecure.test 192.0.2.6
	insecure "www.unsigned.nsec3.test (NSEC3 opt-out)" www.unsigned.nsec3.test 192.0.2.11
	insecure "www.unknownalgo.test (DS algorithm 253, RFC 6840 5.2)" www.unknownalgo.test 192.0.2.10

	bogus "www.expired.test (expired signatures)" www.expired.test 'signature expired at '
	bogus "www.badsig.test (RRSIG over other data)" www.badsig.test 'signature does not verify'
	bogus "www.nokey.test (DS matches no DNSKEY)" www.nokey.test 'no DNSKEY matches DS for nokey\.test\.'
	it_expect_match "the log names a bogus zone's reason" 'no DNSKEY matches DS for nokey\.test\.' \
		"$(cat "$DS_LOG")"

	ask "CD" www.badsig.test A +cdflag +dnssec
	it_expect_a "CD: www.badsig.test A is forwarded, not validated" 192.0.2.99
	it_expect_eq "CD: AD clear" clear "$(ad)"
	it_expect_match "CD: the RRSIG is there with DO" 'RRSIG' "$(it_answers)"
	ask "CD, then without" www.badsig.test A +dnssec
	it_expect_rcode "after CD, the same name without CD is still bogus (cached apart)" SERVFAIL
	it_stop_dotstub TERM
fi

# --- 3. exceptions ------------------------------------------------------------

if start stale_anchor_conf "an anchor no root key matches, beside one that does"; then
	ask "stale anchor" www.secure.test A +dnssec
	it_expect_a "stale anchor beside a good one: www.secure.test A" 192.0.2.1
	it_expect_eq "stale anchor beside a good one: still secure (AD)" set "$(ad)"
	it_expect_match "stale anchor: the log says the anchors did not follow the root's keys" \
		"1 of the trust anchors for the root match no key in the root's DNSKEY set" \
		"$(cat "$DS_LOG")"
	it_stop_dotstub TERM
fi

if start zone_off_conf "[zone badsig.test] dnssec = off"; then
	ask "zone off" www.badsig.test A +dnssec
	it_expect_a "[zone badsig.test] dnssec = off: answered" 192.0.2.99
	it_expect_eq "[zone badsig.test] dnssec = off: AD clear" clear "$(ad)"
	secure "beside the exception, www.secure.test A" www.secure.test A NOERROR 192.0.2.1
	bogus "beside the exception, www.nokey.test" www.nokey.test 'no DNSKEY matches DS'
	it_stop_dotstub TERM
fi

if start off_conf "[server] dnssec = off"; then
	it_dig_dnssec_upstream +dnssec www.badsig.test A
	upstream_ad=$(ad)
	ask "off" www.badsig.test A +dnssec
	it_expect_a "dnssec = off: www.badsig.test answered" 192.0.2.99
	it_expect_eq "dnssec = off: AD as the upstream sent it" "$upstream_ad" "$(ad)"
	it_expect_eq "dnssec = off: the RRSIG passes through" 1 "$(it_rrsig_count)"
	ask "off" www.expired.test A +dnssec
	it_expect_a "dnssec = off: www.expired.test answered" 192.0.2.7
	it_stop_dotstub TERM
fi

# --- 4. a clock before the build time -------------------------------------------

floor=$("$DOTSTUB" -V | sed -n 's/^built .*(@\([0-9]*\)).*/\1/p')
libfaketime=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
	/usr/local/lib/faketime/libfaketime.so.1; do
	if [ -f "$f" ]; then
		libfaketime=$f
		break
	fi
done
if [ -z "$libfaketime" ] || [ -z "$floor" ]; then
	it_skip_or_fail "libfaketime.so.1 or dotstub's build time (dotstub -V) not found"
fi
orig_wrapper=$IT_WRAPPER
# A year before the build time, as an offset from now (see it_clock_wrong.sh).
IT_WRAPPER="env LD_PRELOAD=$libfaketime FAKETIME=$((floor - 365 * 86400 - $(date +%s))) \
FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
$orig_wrapper"
if start pinned_conf "clock a year before the build time"; then
	ask "clock wrong" www.expired.test A +dnssec
	it_expect_a "clock before the build time: www.expired.test answers (validity not enforced)" 192.0.2.7
	secure "clock before the build time: www.secure.test A" www.secure.test A NOERROR 192.0.2.1
	bogus "clock before the build time: www.badsig.test" www.badsig.test 'signature does not verify'
	it_stop_dotstub TERM
fi
IT_WRAPPER=$orig_wrapper

# --- 5. an RRSIG-stripping upstream -----------------------------------------------

if start strip_only_conf "the RRSIG-stripping upstream alone"; then
	ask "stripped" www.secure.test A +dnssec
	it_expect_rcode "stripping upstream alone: www.secure.test A" SERVFAIL
	it_expect_match "stripping upstream alone: EDE 6 or 10" "^(6|10) \\(" "$(it_ede)"
	it_expect_match "stripping upstream alone (depends on the stripping detection): EDE 10 (RRSIGs Missing)" \
		"^10 \\(" "$(it_ede)"
	it_expect_match "stripping upstream alone: the EDE text names the upstream and what it does" \
		"$DU_NAME: removes DNSSEC signatures \\(RRSIG\\)" "$(it_ede)"
	it_expect_match "stripping upstream alone: the log names it" \
		'upstream stripper removes DNSSEC signatures' "$(cat "$DS_LOG")"
	it_stop_dotstub TERM
fi
if start strip_then_good_conf "a stripping upstream, then a good one"; then
	ask "strip then good" www.secure.test A +dnssec
	it_expect_a "stripping upstream first, good one second: www.secure.test A" 192.0.2.1
	it_expect_eq "stripping upstream first, good one second: AD" set "$(ad)"
	it_ctl upstreams
	it_expect_match "dotstub-control upstreams: the stripping upstream is marked" \
		'dnssec: removes RRSIG records' "$(printf '%s\n' "$CTL_OUT" | sed -n '/^upstream stripper$/,/^$/p')"
	it_expect_no_match "dotstub-control upstreams: the good one is not" \
		'dnssec: removes' "$(printf '%s\n' "$CTL_OUT" | sed -n '/^upstream unbound$/,/^$/p')"
	ask "strip then good, another name" www.ed.test A +dnssec
	it_expect_eq "stripping upstream avoided afterwards: www.ed.test A has AD" set "$(ad)"
	it_ctl stats
	it_expect_match "stats: secure answers counted" '^dnssec secure: [1-9]' "$CTL_OUT"
	it_stop_dotstub TERM
fi
if start no_denial_conf "an upstream that drops NSEC and NSEC3"; then
	ask "no denial" nx.secure.test A +dnssec
	it_expect_rcode "no denial proof: nx.secure.test A (NXDOMAIN without NSEC)" SERVFAIL
	it_expect_match "no denial proof: EDE 6 says the proof is missing" \
		"^6 \\([A-Za-z ]+\\): 'missing NSEC" "$(it_ede)"
	it_stop_dotstub TERM
fi

it_done
