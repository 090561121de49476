#!/usr/bin/env bash
# SPKI pins (RFC 7858 section 4.2): a connection is only used when the
# server's key matches one of the upstream's pin-sha256 values. A wrong
# pin makes the upstream unusable: SERVFAIL, and a log line that says why.
# Pins work alongside name checks and on their own.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool

it_make_pki dot dot.test
it_start_unbound dot
pin=$(it_pin "$IT_DIR/dot-cert.pem")
wrong=$(it_wrong_pin)
[ -n "$pin" ] || it_harness_error "could not read the server's pin with certtool"
ca="ca-file = $IT_DIR/dot-ca.pem"

it_run_auth "name, CA and the right pin" q1.dotstub.test NOERROR \
	"tls-name = dot.test" "$ca" "pin-sha256 = $pin"

it_run_auth "name and CA right, pin wrong" q2.dotstub.test SERVFAIL \
	"tls-name = dot.test" "$ca" "pin-sha256 = $wrong"
it_expect_match "the log says the pin did not match" '[Pp][Ii][Nn]' "$(cat "$DS_LOG")"

# A pin set: one of several pins matching is enough (a key rollover).
it_run_auth "pins alone, one of two matches" q3.dotstub.test NOERROR \
	"pin-sha256 = $wrong" "pin-sha256 = $pin"
# The test certificates live 2 days: the pinned one is about to expire.
it_expect_match "a warning that the pinned certificate expires within 30 days" \
	'warning: upstream [^ ]*: the pinned certificate expires in [0-9]+ days' "$(cat "$DS_LOG")"

it_run_auth "pins alone, none matches" q4.dotstub.test SERVFAIL "pin-sha256 = $wrong"
it_expect_match "the log says the pin did not match" '[Pp][Ii][Nn]' "$(cat "$DS_LOG")"

it_done
