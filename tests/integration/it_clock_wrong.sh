#!/usr/bin/env bash
# A router without a real-time clock: the system clock is before dotstub's
# build time (the clock floor, printed by dotstub -V), so it is plainly
# wrong, and the upstream's certificate looks not yet valid. dotstub runs
# under libfaketime (the test upstream, testup, does not); the
# certificates are made now, after the build, unless a case says
# otherwise.
#   - pinned upstream (tls-name, CA and pin-sha256), clock a year before
#     the floor: answers, with one warning that says the clock is wrong
#     and the certificate was excused, however many handshakes; an excused
#     session is not resumed from (each connection is checked anew); once
#     the clock is set, the excused connection takes no new query;
#   - the same upstream authenticated by name only: SERVFAIL, and the log
#     and the EDE say "clock is wrong";
#   - a chain that became valid before the floor (clock still before
#     both): answers by name only; not when its CA started after it;
#   - a chain that expired before the floor: fails even pinned ("expired");
#   - a clock in the future, past the certificate's notAfter: fails even
#     pinned, with GnuTLS's "expired", never "clock is wrong".
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

floor=$("$DOTSTUB" -V | sed -n 's/^built .*(@\([0-9]*\)).*/\1/p')
now=$(date +%s)
[ -n "$floor" ] || it_harness_error "dotstub -V does not print its build time (the clock floor)"
it_log "clock floor @$floor ($(date -u -d "@$floor")), now @$now"
# Certificates made now must start after the floor for the unpinned case to fail.
[ "$floor" -lt "$now" ] || it_harness_error "the build time is not in the past: the clock here is wrong"

# libfaketime, preloaded without the faketime command, which would stay
# between the harness and dotstub (a signal would reach it, not dotstub).
libfaketime=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
	/usr/local/lib/faketime/libfaketime.so.1; do
	if [ -f "$f" ]; then
		libfaketime=$f
		break
	fi
done
[ -n "$libfaketime" ] || it_skip_or_fail "libfaketime.so.1 not found (apt-get install faketime)"

# with_clock OFFSET: dotstub runs with its clock moved by OFFSET (libfaketime's
# "+800d", or seconds). The monotonic clock (libuv's timers) is left alone.
# ASan wants its runtime first among the libraries: told that libfaketime
# comes first.
orig_wrapper=$IT_WRAPPER
with_clock() {
	IT_WRAPPER="env LD_PRELOAD=$libfaketime FAKETIME=$1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 $orig_wrapper"
}
# A year before the floor, whenever the build was, as an offset from now.
year_before=$((floor - 365 * 86400 - now))

# dated_pki PREFIX FROM UNTIL [CA_FROM]: like it_make_pki PREFIX dot.test,
# but the CA and the server certificate are valid from FROM (the CA from
# CA_FROM if given) until UNTIL (Unix seconds).
dated_pki() {
	local p=$IT_DIR/$1 from until ca_from
	from=$(date -u -d "@$2" '+%Y-%m-%d %H:%M:%S')
	until=$(date -u -d "@$3" '+%Y-%m-%d %H:%M:%S')
	ca_from=$(date -u -d "@${4:-$2}" '+%Y-%m-%d %H:%M:%S')
	printf 'cn = "dotstub test CA %s"\nca\ncert_signing_key\nactivation_date = "%s"\nexpiration_date = "%s"\n' \
		"$1" "$ca_from" "$until" >"$p-ca.tmpl"
	printf 'cn = "dot.test"\ndns_name = "dot.test"\ntls_www_server\nsigning_key\nencryption_key\nactivation_date = "%s"\nexpiration_date = "%s"\n' \
		"$from" "$until" >"$p-srv.tmpl"
	if ! { it_genkey "$p-ca.key" &&
		certtool --generate-self-signed --load-privkey "$p-ca.key" \
			--template "$p-ca.tmpl" --outfile "$p-ca.pem" >"$p-certtool.out" 2>&1 &&
		it_genkey "$p-key.pem" &&
		certtool --generate-certificate --load-privkey "$p-key.pem" \
			--load-ca-certificate "$p-ca.pem" --load-ca-privkey "$p-ca.key" \
			--template "$p-srv.tmpl" --outfile "$p-cert.pem" >>"$p-certtool.out" 2>&1; }; then
		cat "$p-certtool.out"
		it_harness_error "certtool could not make the dated test PKI $1"
	fi
}

it_make_pki dot dot.test
pin=$(it_pin "$IT_DIR/dot-cert.pem")
[ -n "$pin" ] || it_harness_error "could not read the server's pin with certtool"
it_start_testup P dot --a 192.0.2.1
# Valid from 10 days before the floor until 2 days from now.
dated_pki early $((floor - 10 * 86400)) $((now + 2 * 86400))
it_start_testup E early --a 192.0.2.2
# Valid for 50 days, ending 50 days before the floor.
dated_pki old $((floor - 100 * 86400)) $((floor - 50 * 86400))
# The server's certificate valid from before the floor, its CA only from now.
dated_pki newca $((floor - 10 * 86400)) $((now + 2 * 86400)) "$now"
it_start_testup N newca --a 192.0.2.4
old_pin=$(it_pin "$IT_DIR/old-cert.pem")
it_start_testup O old --a 192.0.2.3

pinned_conf() { it_conf_server; it_conf_testup pinned P dot; echo "pin-sha256 = $pin"; }
named_conf() { it_conf_server; it_conf_testup named P dot; }
early_conf() { it_conf_server; it_conf_testup early E early; }
newca_conf() { it_conf_server; it_conf_testup newca N newca; }
old_conf() { it_conf_server; it_conf_testup old O old; echo "pin-sha256 = $old_pin"; }

# ede WHAT: the EDE of the last it_dig, logged.
ede() {
	IT_EDE=$(printf '%s\n' "$IT_OUT" | sed -n 's/^;; EDE: //p')
	it_log "$1: EDE $IT_EDE"
}

warning='warning: upstream pinned: system clock [-0-9T:]+Z is before dotstub.s build time [-0-9T:]+Z: the clock is wrong; accepting pinned upstream pinned whose certificate is not yet valid by it'

# 1. Pinned, a year behind: answers; one warning over two full handshakes.
with_clock "$year_before"
it_start_dotstub pinned_conf
it_dig +notcp c1.dotstub.test A
it_expect_a "pinned upstream, clock a year behind: answers" 192.0.2.1
it_expect_match "the warning says the clock is wrong and the pinned upstream was accepted" \
	"$warning" "$(cat "$DS_LOG")"
kill -USR1 "$DS_PID"
it_wait_log "$DS_LOG" 'SIGUSR1' $((3 * IT_SLOW)) || it_fail "SIGUSR1 was not logged"
it_dig +notcp c2.dotstub.test A
it_expect_a "pinned upstream, after the connection was dropped: answers" 192.0.2.1
it_expect_eq "the excused session is not resumed: two full handshakes" 2 \
	"$(grep -c 'TLS session up (full handshake' "$DS_LOG")"
it_expect_eq "the warning is given once" 1 "$(grep -cE "$warning" "$DS_LOG")"
it_stop_dotstub TERM

# 1b. The clock is set while dotstub runs (libfaketime reads the offset
# from a file at each call): the excused connection takes no new query,
# which goes to a new connection, checked strictly (and valid now). Set
# wrong again, a new handshake is excused and warned about again.
clock_file=$IT_DIR/clock-offset
echo "$year_before" >"$clock_file"
IT_WRAPPER="env LD_PRELOAD=$libfaketime FAKETIME_TIMESTAMP_FILE=$clock_file FAKETIME_NO_CACHE=1 \
FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
$orig_wrapper"
before=$(it_testup_count P 'event=accepted')
it_start_dotstub pinned_conf
it_dig +notcp s1.dotstub.test A
it_expect_a "clock set later: answers while wrong" 192.0.2.1
echo "+0" >"$clock_file"
it_dig +notcp s2.dotstub.test A
it_expect_a "clock set later: answers once right" 192.0.2.1
it_expect_eq "the query after the clock was set went on a new connection" 2 \
	"$(($(it_testup_count P 'event=accepted') - before))"
it_expect_eq "the first and second query used different connections" 2 \
	"$(it_testup_field P 'qname=s[12]\.' conn | sort -u | wc -l)"
echo "$year_before" >"$clock_file"
kill -USR1 "$DS_PID"
it_wait_log "$DS_LOG" 'SIGUSR1' $((3 * IT_SLOW)) || it_fail "SIGUSR1 was not logged"
it_dig +notcp s3.dotstub.test A
it_expect_a "clock wrong again: answers" 192.0.2.1
it_expect_eq "wrong again after it was right: warned again" 2 "$(grep -cE "$warning" "$DS_LOG")"
it_stop_dotstub TERM
with_clock "$year_before"

# 2. Name only, a year behind: fails, and says the clock is wrong.
it_start_dotstub named_conf
it_dig +notcp +edns c3.dotstub.test A
it_expect_rcode "upstream authenticated by name only, clock a year behind" SERVFAIL
ede "name only"
it_expect_match "the EDE says the clock is wrong" \
	"^23 \\([A-Za-z ]+\\): 'dot\\.test: certificate for dot\\.test not yet valid: the clock is wrong \\([-0-9T:]+Z, before dotstub.s build time [-0-9T:]+Z\\)" \
	"$IT_EDE"
it_expect_match "the log says the clock is wrong" \
	'warning: upstream named failed: certificate for dot\.test not yet valid: the clock is wrong' \
	"$(cat "$DS_LOG")"
it_expect_no_match "nothing was excused" 'accepting' "$(cat "$DS_LOG")"
it_expect_eq "testup P answered only the pinned queries" 2 "$(it_testup_queries P 'qname=c[0-9]' | wc -l)"
it_stop_dotstub TERM

# 3. Valid from before the floor: the start has passed, whatever the clock says.
it_start_dotstub early_conf
it_dig +notcp c4.dotstub.test A
it_expect_a "certificate valid from before the floor, name only: answers" 192.0.2.2
it_expect_match "the warning says an unpinned upstream was accepted" \
	'the clock is wrong; accepting unpinned upstream early whose certificate is not yet valid by it' \
	"$(cat "$DS_LOG")"
it_stop_dotstub TERM

# 3b. The same, but the CA (the trust anchor) starts after the floor:
# every certificate of the path counts, the anchor too.
it_start_dotstub newca_conf
it_dig +notcp +edns c7.dotstub.test A
it_expect_rcode "CA valid only from after the floor, name only" SERVFAIL
ede "CA after the floor"
it_expect_match "the EDE says the clock is wrong" 'not yet valid: the clock is wrong' "$IT_EDE"
it_expect_no_match "nothing was excused" 'accepting' "$(cat "$DS_LOG")"
it_stop_dotstub TERM

# 4. Expired before the floor: expired whatever the clock says, pinned or not.
it_start_dotstub old_conf
it_dig +notcp +edns c5.dotstub.test A
it_expect_rcode "certificate expired before the floor, pinned" SERVFAIL
ede "expired before the floor"
it_expect_match "the EDE says it expired before the build time" \
	"certificate for dot\\.test expired before dotstub.s build time" "$IT_EDE"
it_expect_no_match "nothing was excused" 'accepting' "$(cat "$DS_LOG")"
it_stop_dotstub TERM

# 5. A clock in the future, past the certificate's notAfter: never excused.
with_clock +800d
it_start_dotstub pinned_conf
it_dig +notcp +edns c6.dotstub.test A
it_expect_rcode "pinned upstream, clock 800 days ahead" SERVFAIL
ede "clock ahead"
it_expect_match "the EDE gives GnuTLS's reason: expired" \
	"certificate verification failed for dot\\.test: .*expired" "$IT_EDE"
it_expect_no_match "the clock ahead is not called wrong" 'clock is wrong' "$(cat "$DS_LOG")"
it_expect_no_match "nothing was excused" 'accepting' "$(cat "$DS_LOG")"
it_stop_dotstub TERM

it_expect_eq "no query reached an upstream that should have failed" 0 \
	"$(($(it_testup_queries P 'qname=c[356]' | wc -l) + $(it_testup_queries O . | wc -l) +
		$(it_testup_queries N . | wc -l)))"
it_done
