#!/usr/bin/env bash
# The command line and "dotstub -t": a good config prints "ok" and exits 0
# (with -v, then the effective configuration, which -t takes back);
# a broken one prints every problem as FILE:LINE: message and exits 1,
# without starting anything. -V, -h and unknown options behave.
# Starts no servers: nothing here touches the network.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need certtool

# check NAME EXPECTED_STATUS: runs dotstub -t on $IT_DIR/NAME (written by
# the caller) with a bounded run time; output in OUT, status in RC.
check() {
	# shellcheck disable=SC2086 # the wrapper is a word list
	OUT=$(cd "$IT_DIR" && timeout 10 $IT_WRAPPER "$DOTSTUB" -t -c "$IT_DIR/$1" 2>&1)
	RC=$?
	it_expect_eq "dotstub -t $1: exit status" "$2" "$RC"
}

# expect_problem FILE LINE WHAT: the output names FILE:LINE.
expect_problem() {
	local path
	path=$(printf '%s' "$IT_DIR/$1" | sed 's/[].[\\*^$+?(){}|]/\\&/g')
	it_expect_match "$3 is reported at $1:$2" "(^|[[:space:]])$path:$2: " "$OUT"
}

# bad NAME LINE WHAT CONTENT: a config with one problem on a known line
# (line numbers count comments and blank lines).
bad() {
	printf '%s\n' "$4" >"$IT_DIR/$1"
	check "$1" 1
	expect_problem "$1" "$2" "$3"
}

it_make_pki t dot.test # a real CA file, in case -t reads it
good_upstream="[upstream local]
address = 127.0.0.1:8853
tls-name = dot.test
pin-sha256 = $(it_wrong_pin)
pin-sha256 = $(printf '%032d' 0 | base64)
ca-file = $IT_DIR/t-ca.pem"

printf '%s\n' "# a complete, valid configuration
[server]
listen = 127.0.0.1:5353
listen = [::1]:5353
query-timeout = 4s
tcp-idle-timeout = 10s

[cache]
size = 16m
min-ttl = 0
max-ttl = 1d

$good_upstream

[upstream second]
address = 127.0.0.2:853
address = [::1]:853
tls-name = dot.test" >"$IT_DIR/good.conf"
check good.conf 0
it_expect_match "a good config prints ok" '(^|[^a-z])ok([^a-z]|$)' "$OUT"
it_expect_no_match "a good config prints no problem" 'good\.conf:[0-9]+:' "$OUT"
it_expect_eq "without -v, -t prints only ok" ok "$OUT"

# -t -v: "ok", then the effective configuration, which -t takes back.
# shellcheck disable=SC2086 # the wrapper is a word list
VOUT=$(cd "$IT_DIR" && timeout 10 $IT_WRAPPER "$DOTSTUB" -t -v -c "$IT_DIR/good.conf" 2>/dev/null)
it_expect_eq "dotstub -t -v: exit status" 0 "$?"
it_expect_eq "dotstub -t -v: ok comes first" ok "$(printf '%s\n' "$VOUT" | head -n 1)"
it_expect_eq "dotstub -t -v: a key from the file, with its FILE:LINE" \
	"query-timeout = 4s  # $IT_DIR/good.conf:5" \
	"$(printf '%s\n' "$VOUT" | grep '^query-timeout = ' | sed 's/   *#/  #/')"
it_expect_eq "dotstub -t -v: a repeated key, each with its own line" \
	"listen = [::1]:5353  # $IT_DIR/good.conf:4" \
	"$(printf '%s\n' "$VOUT" | grep '^listen = \[' | sed 's/   *#/  #/')"
it_expect_match "dotstub -t -v: a key left out, as its default" '^max-pending = 4096 +# default$' \
	"$VOUT"
printf '%s\n' "$VOUT" | tail -n +2 >"$IT_DIR/printed.conf"
check printed.conf 0
it_expect_eq "the printed configuration passes dotstub -t" ok "$OUT"
# shellcheck disable=SC2086
DOUT=$(timeout 10 $IT_WRAPPER "$DOTSTUB" -t -v -c /nonexistent/none.conf 2>&1)
it_expect_eq "dotstub -t -v of a missing file: exit status" 1 "$?"
it_expect_no_match "... prints no configuration" '^\[server\]' "$DOUT"

printf '%s\n' "$good_upstream" >"$IT_DIR/minimal.conf"
check minimal.conf 0

bad unknown-key.conf 4 "an unknown key" "# comment
[server]
listen = 127.0.0.1:5353
no-such-key = 1

$good_upstream"
bad unknown-section.conf 2 "an unknown section" "
[serverr]
listen = 127.0.0.1:5353

$good_upstream"
bad bad-port.conf 2 "a port out of range" "[server]
listen = 127.0.0.1:99999

$good_upstream"
bad bad-address.conf 2 "an address that is not one" "[server]
listen = 127.0.0.300:53

$good_upstream"
bad bad-duration.conf 3 "a duration with a bad unit" "[server]
listen = 127.0.0.1:5353
query-timeout = 4 parsecs

$good_upstream"
bad bad-size.conf 2 "a cache size that is not a size" "[cache]
size = lots

$good_upstream"
bad bad-pin.conf 5 "a pin that is not base64" "[upstream local]
address = 127.0.0.1:8853
tls-name = dot.test

pin-sha256 = not*base64"
bad short-pin.conf 3 "a pin of the wrong length" "[upstream local]
address = 127.0.0.1:8853
pin-sha256 = $(printf 'sixteen bytes!!!' | base64)"
bad no-equals.conf 3 "a line without =" "[server]
listen = 127.0.0.1:5353
listen 127.0.0.1:5354

$good_upstream"
bad outside-section.conf 1 "a key before any section" "listen = 127.0.0.1:5353
$good_upstream"

# An upstream without an address: the problem must name the file and a line.
printf '[server]\nlisten = 127.0.0.1:5353\n[upstream empty]\ntls-name = dot.test\n' \
	>"$IT_DIR/no-address.conf"
check no-address.conf 1
it_expect_match "an upstream without address is reported with file and line" \
	'no-address\.conf:[0-9]+: ' "$OUT"

# Several problems: all are reported, not just the first.
bad two-problems.conf 2 "the first of two problems" "[server]
listen = 127.0.0.1:99999
query-timeout = soon

$good_upstream"
expect_problem two-problems.conf 3 "the second of two problems"

# DNSSEC: dotstub -t parses the trust anchors, so a bad one is reported
# like any other problem, at the line that holds it (or names the file).
ds_2017=". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"
# The build decides the default: validate with the validator, off without.
# shellcheck disable=SC2086 # the wrapper is a word list
if timeout 10 $IT_WRAPPER "$DOTSTUB" -t -v -c "$IT_DIR/minimal.conf" 2>/dev/null |
	grep -q '^dnssec = validate '; then
	bad bad-anchor.conf 4 "a trust-anchor that is not a DS or DNSKEY record" "[server]
trust-anchor = $ds_2017

trust-anchor = example. IN A 192.0.2.1

$good_upstream"
	it_expect_match "... and says what it expected" 'trust-anchor: a DS or DNSKEY record expected' "$OUT"
	bad missing-anchor-file.conf 2 "a missing trust-anchor-file" "[server]
trust-anchor-file = $IT_DIR/no-such-root.ds

$good_upstream"
	it_expect_match "... and names the file and why" \
		"trust-anchor-file $IT_DIR/no-such-root\\.ds: No such file or directory" "$OUT"
	printf '%s\n' "; the root" "$ds_2017" >"$IT_DIR/root.ds"
	printf '%s\n' "[server]" "trust-anchor-file = $IT_DIR/root.ds" "$good_upstream" \
		>"$IT_DIR/anchor-file.conf"
	check anchor-file.conf 0
	# shellcheck disable=SC2086 # the wrapper is a word list
	VOUT=$(timeout 10 $IT_WRAPPER "$DOTSTUB" -t -v -c "$IT_DIR/anchor-file.conf" 2>/dev/null)
	it_expect_match "dotstub -t -v shows that validation is on" '^dnssec = validate +# default$' \
		"$VOUT"
	it_expect_match "... and the anchor file" \
		"^trust-anchor-file = $IT_DIR/root\\.ds +# $IT_DIR/anchor-file\\.conf:2\$" "$VOUT"
else
	# Built with --disable-dnssec: validate is refused, naming the build option.
	bad validate-without-validator.conf 2 "dnssec = validate without the validator" "[server]
dnssec = validate

$good_upstream"
	it_expect_match "... and names the build option" '--disable-dnssec' "$OUT"
fi

check does-not-exist.conf 1
it_expect_match "a missing file is named" 'does-not-exist\.conf' "$OUT"

# Options.
out=$(timeout 10 "$DOTSTUB" -V 2>&1)
it_expect_eq "dotstub -V: exit status" 0 "$?"
if [ -n "${PACKAGE_VERSION:-}" ]; then
	it_expect_match "dotstub -V prints the version" \
		"$(printf '%s' "$PACKAGE_VERSION" | sed 's/\./\\./g')" "$out"
fi
out=$(timeout 10 "$DOTSTUB" -h 2>&1)
it_expect_eq "dotstub -h: exit status" 0 "$?"
it_expect_match "dotstub -h lists the options" '-c' "$out"
timeout 10 "$DOTSTUB" -Q >/dev/null 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
	it_pass "an unknown option fails (status $rc)"
else
	it_fail "an unknown option: expected a non-zero status (not a timeout), got $rc"
fi

it_done
