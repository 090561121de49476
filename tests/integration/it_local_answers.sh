#!/usr/bin/env bash
# Names answered locally, never forwarded (issue 14), against a testup
# upstream that logs every query it sees:
#   - a private reverse name (1.1.168.192.in-addr.arpa) gets NXDOMAIN with
#     the zone's SOA, AA set, and never reaches the upstream; so do
#     x.onion, printer.local, foo.invalid;
#   - localhost: A 127.0.0.1, AAAA ::1; 1.0.0.127.in-addr.arpa PTR localhost;
#   - a hosts file: A for its names, PTR for its addresses (over the
#     192.168/16 local zone), NODATA for other types; edited while running
#     (replaced by rename, then appended to), the answers change within
#     seconds; log-queries says "local"; the stats count the answers;
#   - a [zone 168.192.in-addr.arpa] routes that reverse zone to the
#     upstream again, while 10.in-addr.arpa stays local;
#   - local-zones = no: localhost goes to the upstream.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"
it_need_control

it_make_pki dot dot.test
it_start_testup P dot --a 192.0.2.1
DS_CTL=$IT_DIR/control
HOSTS=$IT_DIR/hosts
printf '192.168.1.10 nas.lan NAS\n192.168.1.10 other-name.lan\n2001:db8::10 nas.lan\nnot-an-address x\n' >"$HOSTS"

EXTRA=
conf() {
	IT_SERVER_EXTRA="control = $DS_CTL
hosts = $HOSTS
log-queries = yes
$EXTRA" it_conf_server
	it_conf_testup main P dot
	if [ -n "${ZONE:-}" ]; then printf '[zone %s]\n' "$ZONE"; fi
}

# upstream_saw NAME: how many queries for NAME reached testup P.
upstream_saw() { it_testup_count P "qname=$1\.? "; }

it_start_dotstub conf
it_expect_match "a bad hosts line is reported with FILE:LINE" \
	"$HOSTS:4: not an IPv4 or IPv6 address \"not-an-address\": line skipped" "$(cat "$DS_LOG")"

# Special-use and private names: local NXDOMAIN with the zone's SOA.
for q in "1.1.168.192.in-addr.arpa PTR 168.192.in-addr.arpa." "x.onion A onion." \
	"printer.local AAAA local." "foo.invalid A invalid." "9.9.16.172.in-addr.arpa PTR 16.172.in-addr.arpa."; do
	set -- $q
	it_dig +notcp "$1" "$2"
	it_expect_rcode "$1 $2 answered here" NXDOMAIN
	it_has_flag aa && it_pass "$1: AA set" || it_fail "$1: AA not set ($(it_flags))"
	it_expect_match "$1: the SOA of $3 in authority" "^$3[[:space:]]+10800[[:space:]]+IN[[:space:]]+SOA[[:space:]]+$3 nobody\.invalid\. 1 3600 1200 604800 10800" "$IT_OUT"
	it_expect_eq "$1 never reached the upstream" 0 "$(upstream_saw "$1")"
done

it_dig +notcp localhost A
it_expect_a "localhost A" 127.0.0.1
it_dig +notcp www.LocalHost AAAA
it_expect_eq "www.localhost AAAA" "::1" "$(it_answer_data AAAA)"
it_dig +notcp 1.0.0.127.in-addr.arpa PTR
it_expect_eq "the loopback address's PTR" "localhost." "$(it_answer_data PTR)"
it_expect_eq "localhost never reached the upstream" 0 "$(upstream_saw localhost)"

# The hosts file, over the 192.168/16 local zone.
it_dig +notcp nas.lan A
it_expect_a "a hosts name" 192.168.1.10
it_expect_eq "... with hosts-ttl (5 s)" 5 "$(it_answer_ttl A)"
it_dig +tcp NAS.LAN AAAA
it_expect_eq "its IPv6 address, over TCP" "2001:db8::10" "$(it_answer_data AAAA)"
it_dig +notcp nas.lan MX
it_expect_rcode "another type of a hosts name" NOERROR
it_expect_eq "... is NODATA" 0 "$(it_answer_count)"
it_dig +notcp 10.1.168.192.in-addr.arpa PTR
it_expect_eq "a hosts address's PTR wins over the local zone (first name of the first line)" \
	"nas.lan." "$(it_answer_data PTR)"
it_expect_eq "no hosts name reached the upstream" 0 "$(upstream_saw 'nas\.lan')"
it_dig +notcp www.dotstub.test A
it_expect_a "other names still go upstream" 192.0.2.1

# Edited while running: replaced by rename (as editors do), then appended to.
printf '192.168.1.77 nas.lan\n' >"$HOSTS.new"
mv "$HOSTS.new" "$HOSTS"
changed=
for ((i = 0; i < 30 * IT_SLOW; i++)); do
	it_dig +notcp nas.lan A
	if [ "$(it_answer_data A)" = 192.168.1.77 ]; then changed=$i; break; fi
	sleep 0.1
done
if [ -n "$changed" ]; then
	it_pass "a hosts file replaced while running is answered from within $((changed * 100)) ms"
else
	it_fail "the replaced hosts file was not picked up within $((3 * IT_SLOW)) s: $(it_answer_data A)"
fi
it_dig +notcp 77.1.168.192.in-addr.arpa PTR
it_expect_eq "... PTR from the new file" "nas.lan." "$(it_answer_data PTR)"
it_dig +notcp 10.1.168.192.in-addr.arpa PTR
it_expect_rcode "... and the old address is the local zone's again" NXDOMAIN
echo '10.9.9.9 printer.lan' >>"$HOSTS"
for ((i = 0; i < 30 * IT_SLOW; i++)); do
	it_dig +notcp printer.lan A
	[ "$(it_answer_data A)" = 10.9.9.9 ] && break
	sleep 0.1
done
it_expect_a "a line appended while running" 10.9.9.9
# A file that disappears keeps what is answered now.
rm "$HOSTS"
it_wait_log "$DS_LOG" 'hosts: a file cannot be read: the previous entries stay' $((3 * IT_SLOW)) ||
	it_fail "no word in the log about the vanished hosts file"
it_dig +notcp printer.lan A
it_expect_a "a vanished hosts file keeps its entries" 10.9.9.9

it_expect_match "log-queries says local" 'query 127\.0\.0\.1 udp nas\.lan\. A NOERROR local ' \
	"$(cat "$DS_LOG")"
it_ctl stats
local_n=$(it_ctl_field 'local answers')
if [ "${local_n:-0}" -ge 15 ]; then
	it_pass "stats count the local answers ($local_n)"
else
	it_fail "stats: local answers: ${local_n:-none}"
	printf '%s\n' "$CTL_OUT"
fi
it_stop_dotstub

# A [zone] routes a default local zone to the upstreams.
printf '192.168.1.10 nas.lan\n' >"$HOSTS"
ZONE=168.192.in-addr.arpa
it_start_dotstub conf
it_dig +notcp 2.1.168.192.in-addr.arpa PTR
it_expect_eq "with [zone 168.192.in-addr.arpa], its names reach the upstream" 1 \
	"$(upstream_saw '2\.1\.168\.192\.in-addr\.arpa')"
it_has_flag aa && it_fail "... and are not answered here (AA set)" || it_pass "... and are not answered here"
it_dig +notcp 10.1.168.192.in-addr.arpa PTR
it_expect_eq "... a hosts address in it still gets its PTR" "nas.lan." "$(it_answer_data PTR)"
it_dig +notcp 2.1.1.10.in-addr.arpa PTR
it_expect_rcode "... other local zones stay local" NXDOMAIN
it_expect_eq "... and never reach the upstream" 0 "$(upstream_saw '2\.1\.1\.10\.in-addr\.arpa')"
it_stop_dotstub

# local-zones = no: the defaults are off.
ZONE=
EXTRA="local-zones = no"
it_start_dotstub conf
it_dig +notcp localhost A
it_expect_eq "local-zones = no: localhost reaches the upstream" 1 "$(upstream_saw localhost)"
it_dig +notcp 3.1.168.192.in-addr.arpa PTR
it_expect_eq "... and so do private reverse names" 1 "$(upstream_saw '3\.1\.168\.192\.in-addr\.arpa')"
it_dig +notcp nas.lan A
it_expect_a "... while the hosts file still answers" 192.168.1.10
it_stop_dotstub
it_done
