#!/usr/bin/env bash
# Name authentication (RFC 8310 strict profile): the upstream's certificate
# must chain to the configured CA and be valid for tls-name. A certificate
# for another name, or from another CA, makes the upstream unusable:
# SERVFAIL, and a log line about the failed certificate check. The first
# case shows the same upstream working with the right settings.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool

it_make_pki dot dot.test
it_make_pki other dot.test # a second CA, which did not sign unbound's certificate
it_start_unbound dot
ca="ca-file = $IT_DIR/dot-ca.pem"
verify_re='[Cc]ertificate|[Vv]erif|[Hh]ost ?name|tls-name'

it_run_auth "the right name and CA" q1.dotstub.test NOERROR "tls-name = dot.test" "$ca"

it_run_auth "a tls-name the certificate is not for" q2.dotstub.test SERVFAIL \
	"tls-name = wrong.test" "$ca"
it_expect_match "the log says the certificate check failed" "$verify_re" "$(cat "$DS_LOG")"

it_run_auth "a CA the certificate does not chain to" q3.dotstub.test SERVFAIL \
	"tls-name = dot.test" "ca-file = $IT_DIR/other-ca.pem"
it_expect_match "the log says the certificate check failed" "$verify_re" "$(cat "$DS_LOG")"

# The store is read at each full handshake and only the CAs that issued
# the upstream's certificates are kept: the right one among others works,
# and the system store (without the test CA) fails closed.
cat "$IT_DIR/other-ca.pem" "$IT_DIR/dot-ca.pem" "$IT_DIR/other-ca.pem" >"$IT_DIR/bundle.pem"
it_run_auth "a bundle with the right CA among others" q5.dotstub.test NOERROR \
	"tls-name = dot.test" "ca-file = $IT_DIR/bundle.pem"
# GnuTLS also trusts a certificate that is itself in the store: a ca-file
# holding only the upstream's own (CA-issued) certificate.
it_run_auth "a ca-file holding the upstream's own certificate" q7.dotstub.test NOERROR \
	"tls-name = dot.test" "ca-file = $IT_DIR/dot-cert.pem"
it_run_auth "tls-name alone: the system store, which lacks the test CA" q6.dotstub.test SERVFAIL \
	"tls-name = dot.test"
it_expect_match "the log says the certificate check failed" "$verify_re" "$(cat "$DS_LOG")"

# The same mistake the other way round: the configuration is right, but
# the upstream presents a certificate (from the trusted CA) for another name.
it_kill_pid "$UB_PID"
it_make_pki elsewhere other.test
it_start_unbound elsewhere
it_run_auth "the upstream's certificate is for another name" q4.dotstub.test SERVFAIL \
	"tls-name = dot.test" "ca-file = $IT_DIR/elsewhere-ca.pem"
it_expect_match "the log says the certificate check failed" "$verify_re" "$(cat "$DS_LOG")"

it_done
