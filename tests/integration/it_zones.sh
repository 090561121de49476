#!/usr/bin/env bash
# Zones: split DNS to a plain-DNS server beside the DoT upstream.
#   Two real servers: unbound over DoT (the default upstream: dotstub.test)
#   and a second unbound over plain DNS on loopback (corp.test, other.test,
#   portal.test). Checked with their query logs:
#   - [zone corp.test] goes to the plain server, everything else over TLS,
#     and each server sees only its own names;
#   - a truncated plain UDP answer is asked again over TCP;
#   - action = nxdomain (with an SOA) and action = refuse are answered here;
#   - dotstub-control upstreams / zones show the plain upstream as such;
#   - a reload that changes a zone drops its cached names;
#   - runtime zones: zone add (tagged), zones, surviving a reload, zone del
#     --tag (and their cached names dropped);
#   - zone add --tls-name: DoT checked against the system store (the test CA
#     is not in it: refused with an EDE, never asked in clear text);
#   - hotspot: refused above 15m; a 3 s hotspot sends every name to the
#     plain server, warns, and ends by itself.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"
it_need_control

# A plain upstream that no zone names would carry every name in clear text: refused.
printf '[upstream a]\naddress = 127.0.0.1:853\ntls-name = dot.test\n\n[upstream lan]\naddress = 127.0.0.1\ntransport = dns\n' \
	>"$IT_DIR/unnamed.conf"
out=$("$DOTSTUB" -t -c "$IT_DIR/unnamed.conf" 2>&1)
it_expect_eq "dotstub -t refuses an unnamed transport = dns upstream" 1 "$?"
it_expect_match "... at its FILE:LINE, saying why" "^$IT_DIR/unnamed\.conf:5: .*clear text" "$out"

it_make_pki dot dot.test
it_start_unbound dot

# The plain-DNS server: unbound without TLS, its own zones and query log.
PL_LOG=$IT_DIR/unbound-plain.log
start_plain_unbound() {
	local conf=$IT_DIR/unbound-plain.conf i
	for _ in 1 2 3; do
		PL_PORT=$(it_free_port)
		{
			echo "server:"
			echo "	interface: 127.0.0.1@$PL_PORT"
			it_unbound_server_options
			echo '	local-zone: "." refuse'
			for z in corp.test other.test portal.test; do
				echo "	local-zone: \"$z.\" static"
				echo "	local-data: \"$z. 300 IN SOA ns.$z. admin.$z. 1 3600 600 86400 60\""
			done
			echo '	local-data: "www.corp.test. 300 IN A 10.0.0.1"'
			echo '	local-data: "ready.corp.test. 300 IN A 10.0.0.9"'
			echo '	local-data: "www.other.test. 300 IN A 10.0.0.2"'
			echo '	local-data: "login.portal.test. 300 IN A 10.0.0.3"'
			for ((i = 1; i <= 12; i++)); do
				printf "	local-data: 'big.corp.test. 300 IN TXT \"%s\"'\n" \
					"$(printf "record-%02d-%0190d" "$i" 0)"
			done
		} >"$conf"
		: >"$PL_LOG"
		unbound -d -c "$conf" >>"$PL_LOG" 2>&1 &
		PL_PID=$!
		IT_PIDS+=("$PL_PID")
		for ((i = 0; i < IT_START_TIMEOUT * 10; i++)); do
			kill -0 "$PL_PID" 2>/dev/null || break
			if kdig @127.0.0.1 -p "$PL_PORT" +retry=0 +timeout=1 +notcp ready.corp.test A 2>&1 |
				grep -q '10\.0\.0\.9'; then
				return 0
			fi
			sleep 0.1
		done
		it_kill_pid "$PL_PID"
		grep -qi 'address already in use' "$PL_LOG" || break
	done
	cat "$PL_LOG"
	it_harness_error "the plain-DNS unbound did not start"
}
start_plain_unbound
# How many queries for NAME TYPE reached the plain server.
plain_queries() { grep -ciE "info: [0-9a-f.:]+ $1\.? $2 IN" "$PL_LOG"; }

DS_CTL=$IT_DIR/control
MPORT=$(it_free_port)
ZONE_CORP=upstream
conf() {
	it_conf_server | sed "s|^\[server\]\$|[server]\ncontrol = $DS_CTL\nmetrics = 127.0.0.1:$MPORT|"
	it_conf_upstream tls "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
	echo "[upstream office]"
	echo "address = 127.0.0.1:$PL_PORT"
	echo "transport = dns"
	echo
	echo "[zone corp.test]"
	if [ "$ZONE_CORP" = upstream ]; then echo "upstream = office"; else echo "action = nxdomain"; fi
	echo
	echo "[zone blocked.test]"
	echo "action = nxdomain"
	echo
	echo "[zone refused.test]"
	echo "action = refuse"
	echo
	# office must stay named by a zone when corp.test is made nxdomain.
	echo "[zone office.test]"
	echo "upstream = office"
}
it_start_dotstub conf

# --- routing ---------------------------------------------------------------------------
it_dig +tcp www.dotstub.test A
it_expect_a "a name under no zone goes over TLS" 192.0.2.1
it_dig +tcp www.corp.test A
it_expect_a "a name under [zone corp.test] goes to the plain server" 10.0.0.1
it_expect_eq "the plain server saw www.corp.test once" 1 "$(plain_queries www.corp.test A)"
it_expect_eq "the TLS upstream never saw www.corp.test" 0 "$(it_upstream_queries www.corp.test A)"
it_expect_eq "the plain server never saw www.dotstub.test" 0 "$(plain_queries www.dotstub.test A)"
it_expect_eq "the TLS upstream saw www.dotstub.test" 1 "$(it_upstream_queries www.dotstub.test A)"
it_expect_eq "the plain server saw nothing but corp.test" "" \
	"$(grep -E 'info: 127' "$PL_LOG" | grep -v 'corp\.test\.')"

# 12 TXT of ~200 bytes: more than the 1232 bytes asked for over UDP.
it_dig +tcp big.corp.test TXT
it_expect_rcode "a large plain answer" NOERROR
it_expect_eq "... arrives whole" 12 "$(it_answer_count)"
it_expect_eq "... after one UDP query (truncated) and one TCP query" 2 \
	"$(plain_queries big.corp.test TXT)"

# --- action zones ----------------------------------------------------------------------
it_dig +notcp x.blocked.test A
it_expect_rcode "action = nxdomain" NXDOMAIN
it_expect_match "... with the zone's SOA" 'blocked\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA' "$IT_OUT"
it_dig +notcp refused.test AAAA
it_expect_rcode "action = refuse" REFUSED
it_expect_eq "no upstream saw the action zones" 0 \
	"$(grep -ciE 'blocked\.test|refused\.test' "$UB_LOG" "$PL_LOG" | awk -F: '{ s += $NF } END { print s }')"

# --- reports ---------------------------------------------------------------------------
it_ctl upstreams
office=$(printf '%s\n' "$CTL_OUT" | sed -n '/^upstream office$/,/^$/p')
it_expect_match "upstreams: the plain one says so" 'transport: dns \(plain, unencrypted\)' "$office"
it_expect_match "upstreams: ... and has answered" 'answers: [1-9]' "$office"
it_expect_match "upstreams: the TLS one says so" 'transport: tls' \
	"$(printf '%s\n' "$CTL_OUT" | sed -n '/^upstream tls$/,/^$/p')"
if it_ops metrics 127.0.0.1 "$MPORT" --dump "$IT_DIR/metrics.txt" >/dev/null; then
	it_expect_eq "/metrics: the plain upstream's transport" 1 \
		"$(awk '$1 == "dotstub_upstream_info{transport=\"dns\",upstream=\"office\"}" { print $2 }' "$IT_DIR/metrics.txt")"
	it_expect_eq "/metrics: the TLS one's" 1 \
		"$(awk '$1 == "dotstub_upstream_info{transport=\"tls\",upstream=\"tls\"}" { print $2 }' "$IT_DIR/metrics.txt")"
else
	it_fail "/metrics is not valid"
fi
it_ctl zones
it_expect_eq "zones: exit status" 0 "$CTL_RC"
# zone_block NAME: the lines of NAME's entry in the last "zones" output.
zone_block() { printf '%s\n' "$CTL_OUT" | awk -v z="zone $1" '$0 == z { on = 1; next } /^zone / { on = 0 } on'; }
blk=$(zone_block corp.test.)
it_expect_match "zones: a file zone with its FILE:LINE" "^  origin: file $DS_CONF:[0-9]+\$" "$blk"
it_expect_match "zones: ... its plain upstream" "^  upstreams: office \(dns 127\.0\.0\.1:$PL_PORT\)\$" "$blk"
it_expect_match "zones: an action zone" '^  action: nxdomain$' "$(zone_block blocked.test.)"

# --- a reload that changes a zone drops its cached names --------------------------------
it_dig +tcp www.corp.test A
it_expect_a "www.corp.test is cached" 10.0.0.1
it_expect_eq "... (not asked again)" 1 "$(plain_queries www.corp.test A)"
ZONE_CORP=nxdomain
conf >"$DS_CONF"
it_ctl reload
it_expect_eq "reload with corp.test now nxdomain" 0 "$CTL_RC"
it_dig +tcp www.corp.test A
it_expect_rcode "the cached answer went with the zone's change" NXDOMAIN
ZONE_CORP=upstream
conf >"$DS_CONF"
it_ctl reload
it_dig +tcp www.corp.test A
it_expect_a "and back" 10.0.0.1

# --- runtime zones ---------------------------------------------------------------------
# unbound answers test. itself (RFC 6761): NXDOMAIN from the TLS one, names from the plain one.
it_dig +tcp www.other.test A
it_expect_rcode "other.test is no zone yet: asked over TLS" NXDOMAIN
it_expect_eq "... the TLS upstream saw it" 1 "$(it_upstream_queries www.other.test A)"
it_ctl zone add Other.Test "127.0.0.1:$PL_PORT" --tag wg0
it_expect_eq "zone add: exit status" 0 "$CTL_RC"
it_dig +tcp www.other.test A
it_expect_a "a runtime zone routes at once (the cached SERVFAIL dropped)" 10.0.0.2
it_ctl zones
blk=$(zone_block other.test.)
it_expect_match "zones: a runtime zone" '^  origin: runtime$' "$blk"
it_expect_match "zones: ... its upstream" "^  upstreams: zone:other\.test\. \(dns 127\.0\.0\.1:$PL_PORT\)\$" "$blk"
it_expect_match "zones: ... its tag" '^  tag: wg0$' "$blk"
it_ctl zone add third.test 127.0.0.1:notaport
it_expect_eq "zone add with a bad address: refused" 1 "$CTL_RC"
it_expect_match "... saying why" 'not an address' "$CTL_OUT"
it_ctl reload
it_expect_eq "reload" 0 "$CTL_RC"
it_ctl flush
it_dig +tcp www.other.test A
it_expect_a "a runtime zone survives a reload" 10.0.0.2
it_ctl zone del --tag wg0
it_expect_eq "zone del --tag: exit status" 0 "$CTL_RC"
it_expect_match "... names the zone" 'deleted zone other\.test\.' "$CTL_OUT"
it_dig +tcp www.other.test A
it_expect_rcode "deleted: other.test goes over TLS again (its cached answer dropped)" NXDOMAIN
it_expect_eq "... the TLS upstream saw it again" 2 "$(it_upstream_queries www.other.test A)"
it_ctl zone del --tag wg0
it_expect_eq "zone del of nothing: an error" 1 "$CTL_RC"

# A runtime zone over a default local zone (RFC 6303's 168.192.in-addr.arpa)
# routes it instead, as a [zone] in the file does; deleted, the name is
# answered here again. (The plain server refuses the name: what matters is
# that it was asked, and only while the zone was there.)
it_dig +tcp 1.1.168.192.in-addr.arpa PTR
it_expect_rcode "a private PTR is answered here" NXDOMAIN
it_expect_eq "... never asked upstream" 0 "$(plain_queries 1.1.168.192.in-addr.arpa PTR)"
it_ctl zone add 168.192.in-addr.arpa "127.0.0.1:$PL_PORT" --tag lan0
it_expect_eq "zone add over a local zone: exit status" 0 "$CTL_RC"
it_dig +tcp 1.1.168.192.in-addr.arpa PTR
it_expect_eq "... the name goes to the zone's server" 1 "$(plain_queries 1.1.168.192.in-addr.arpa PTR)"
it_ctl zone del --tag lan0
it_dig +tcp 1.1.168.192.in-addr.arpa PTR
it_expect_rcode "zone deleted: the private PTR is answered here again" NXDOMAIN
it_expect_eq "... and not asked again" 1 "$(plain_queries 1.1.168.192.in-addr.arpa PTR)"

# --tls-name: DNS over TLS, checked against the system trust store, which does
# not know the test CA: the name is refused, and never asked in clear text.
it_ctl zone add tls.test "127.0.0.1:$UB_PORT" --tls-name dot.test
if [ "$CTL_RC" = 0 ]; then
	it_expect_match "zone add --tls-name: a DoT zone" '^zone tls\.test\.: tls 127\.0\.0\.1:' "$CTL_OUT"
	it_dig +tcp +edns www.tls.test A
	it_expect_rcode "... whose certificate the system store does not vouch for" SERVFAIL
	it_expect_match "... says why (EDE)" 'certificate|verif' "$IT_OUT"
	it_ctl upstreams
	it_expect_match "... the upstream zone:tls.test. is TLS" 'transport: tls' \
		"$(printf '%s\n' "$CTL_OUT" | sed -n '/^upstream zone:tls\.test\.$/,/^$/p')"
else
	it_expect_match "zone add --tls-name without a system trust store: refused" \
		'cannot apply' "$CTL_OUT"
fi
it_expect_eq "... and nothing asked www.tls.test in clear text" 0 "$(plain_queries www.tls.test A)"
it_expect_eq "... nor got it past the handshake" 0 "$(it_upstream_queries www.tls.test A)"
it_ctl zone del tls.test

# --- hotspot ---------------------------------------------------------------------------
it_ctl hotspot 16m "127.0.0.1:$PL_PORT"
it_expect_eq "hotspot above 15m: refused" 1 "$CTL_RC"
it_expect_match "... saying the limit" '15m' "$CTL_OUT"
it_dig +tcp login.portal.test A
it_expect_rcode "before the hotspot, the portal's name is not resolvable" NXDOMAIN
it_ctl hotspot 3s "127.0.0.1:$PL_PORT"
it_expect_eq "hotspot 3s: exit status" 0 "$CTL_RC"
it_dig +tcp login.portal.test A
it_expect_a "during the hotspot, every name goes to its server" 10.0.0.3
it_expect_match "a warning is logged" 'warning: hotspot sign-in: every name goes to 127\.0\.0\.1' \
	"$(cat "$DS_LOG")"
ended=0
for ((i = 0; i < 100 * IT_SLOW; i++)); do
	if grep -q 'hotspot sign-in expired' "$DS_LOG"; then
		ended=1
		break
	fi
	sleep 0.1
done
it_expect_eq "the hotspot ends by itself" 1 "$ended"
it_dig +tcp login.portal.test A
it_expect_rcode "afterwards, its answers are gone with it" NXDOMAIN
it_expect_eq "... (the portal's name went over TLS twice, to the plain server once)" "2 1" \
	"$(it_upstream_queries login.portal.test A) $(plain_queries login.portal.test A)"
it_ctl hotspot off
it_expect_eq "hotspot off with none on: an error" 1 "$CTL_RC"
it_ctl hotspot 10m "127.0.0.1:$PL_PORT"
it_ctl hotspot off
it_expect_eq "hotspot off ends one early" 0 "$CTL_RC"
it_dig +tcp login.portal.test A
it_expect_rcode "... at once" NXDOMAIN

it_stop_dotstub
it_done
