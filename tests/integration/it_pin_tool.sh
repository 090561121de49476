#!/usr/bin/env bash
# "dotstub pin HOST:PORT" against the unbound DoT upstream: it prints the
# certificate the test made, the pin certtool computes for it
# (independently), whether the chain verifies for --name, and an
# [upstream] section that dotstub -t accepts (warning, at FILE:LINE, that
# it has a single pin) and that dotstub then uses to get answers. A server
# that sends its chain gets the CA's pin as the backup. Bad arguments and
# a dead port fail with a message.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool

it_make_pki dot dot.test
it_start_unbound dot
want=$(it_pin "$IT_DIR/dot-cert.pem")
[ -n "$want" ] || it_harness_error "certtool printed no pin-sha256"
# The pin as an ERE: base64 has '+' and '/'.
want_re=$(printf '%s' "$want" | sed 's/[].[\\*^$+?(){}|]/\\&/g')

out=$(timeout 20 "$DOTSTUB" pin "127.0.0.1:$UB_PORT" --name dot.test \
	--ca-file "$IT_DIR/dot-ca.pem" 2>&1)
it_expect_eq "dotstub pin: exit status" 0 "$?"
it_expect_match "it prints the pin certtool computed" "^#     pin-sha256 = $want_re\$" "$out"
it_expect_match "it prints the subject" '^# \[0\] subject: CN=dot\.test$' "$out"
it_expect_match "it prints the issuer" '^#     issuer:  CN=dotstub test CA dot$' "$out"
it_expect_match "it prints the expiry" '^#     expires: 20[0-9-]+ [0-9:]+ UTC \(in [0-9]+ days\)$' "$out"
it_expect_match "the test certificate expires in 2 days: a warning" \
	'^#     warning: this certificate expires within 30 days$' "$out"
it_expect_match "the chain verifies for the name against --ca-file" \
	"^# The chain verifies for dot\.test against $IT_DIR/dot-ca\.pem\.\$" "$out"
it_expect_match "the section has the pin" "^pin-sha256 = $want_re\$" "$out"
it_expect_match "the section has the address" "^address = 127\.0\.0\.1:$UB_PORT\$" "$out"
it_expect_match "the section has the name" '^tls-name = dot\.test$' "$out"
it_expect_match "unbound sent no chain: one pin, and the output says so" 'one pin only' "$out"

out_sys=$(timeout 20 "$DOTSTUB" pin "127.0.0.1:$UB_PORT" --name dot.test 2>&1)
it_expect_match "against the system trust store the test CA is unknown" \
	'^# The chain does NOT verify for dot\.test against the system trust store' "$out_sys"
out_bare=$(timeout 20 "$DOTSTUB" pin "127.0.0.1:$UB_PORT" 2>&1)
it_expect_match "without --name: the same pin" "^pin-sha256 = $want_re\$" "$out_bare"
it_expect_match "without --name: a section named after the address" '^\[upstream 127\.0\.0\.1\]$' "$out_bare"

# The section works: dotstub -t accepts it (with the single-pin warning), dotstub uses it.
conf() {
	it_conf_server
	printf '%s\n' "$out" | sed -n '/^\[upstream /,$p'
}
DS_PORT=$(it_free_port)
conf >"$IT_DIR/pinned.conf"
check=$(timeout 10 "$DOTSTUB" -t -c "$IT_DIR/pinned.conf" 2>&1)
it_expect_eq "dotstub -t accepts the printed section" 0 "$?"
line=$(grep -n '^\[upstream ' "$IT_DIR/pinned.conf" | cut -d: -f1)
it_expect_match "dotstub -t warns about the single pin at FILE:LINE" \
	"pinned\.conf:$line: warning: \[upstream dot\.test\] has a single pin-sha256 and no backup pin" "$check"
it_expect_match "... and still says ok" '^ok$' "$check"
it_start_dotstub conf
it_dig +notcp www.dotstub.test A
it_expect_a "dotstub answers through the printed section" 192.0.2.1
it_expect_match "dotstub logs the single pin at start" 'warning: upstream dot\.test has a single pin-sha256' \
	"$(cat "$DS_LOG")"
it_stop_dotstub TERM

# A server that sends its chain: the CA's pin comes second, as the backup.
for f in ca.pem key.pem srv.tmpl; do cp "$IT_DIR/dot-$f" "$IT_DIR/chain-$f"; done
cat "$IT_DIR/dot-cert.pem" "$IT_DIR/dot-ca.pem" >"$IT_DIR/chain-cert.pem"
it_start_unbound chain
out=$(timeout 20 "$DOTSTUB" pin "127.0.0.1:$UB_PORT" --name dot.test 2>&1)
it_expect_match "a chain: two certificates shown" '2 certificates presented' "$out"
it_expect_eq "a chain: the server's pin, then the CA's" \
	"$want $(it_pin "$IT_DIR/dot-ca.pem")" "$(printf '%s\n' "$out" | sed -n 's/^pin-sha256 = //p' | paste -sd' ')"
it_expect_match "a chain: the output says which pin is the backup" "the issuing CA's key" "$out"

# Mistakes.
timeout 10 "$DOTSTUB" pin dns.quad9.net >/dev/null 2>"$IT_DIR/err"
it_expect_eq "a host name instead of an address: exit status 2" 2 "$?"
it_expect_match "... saying what is expected" 'expected an IP address' "$(cat "$IT_DIR/err")"
dead=$(it_free_port)
timeout 20 "$DOTSTUB" pin "127.0.0.1:$dead" --timeout 2 >/dev/null 2>"$IT_DIR/err"
it_expect_eq "nothing listening: exit status 1" 1 "$?"
it_expect_match "... saying why" "127\.0\.0\.1:$dead: connect: Connection refused" "$(cat "$IT_DIR/err")"
it_done
