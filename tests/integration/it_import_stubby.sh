#!/usr/bin/env bash
# "dotstub import-stubby" on Stubby's own example file, as the Debian
# stubby package ships it (/etc/stubby/stubby.yml): the output keeps
# Stubby's listeners, strategy, idle timeout and its six pinned upstreams,
# and dotstub -t accepts it. With the upstreams' addresses swapped for a
# loopback unbound (and their pins and trust for the test PKI's, since the
# real servers' keys are not ours), a dotstub started from it answers.
# Malformed YAML exits 1 with FILE:LINE:COLUMN.
#
# The example is /etc/stubby/stubby.yml when the stubby package is
# installed and that conffile is unchanged (contrib/install-deps.sh --test
# installs stubby, its service denied, as CI does); else it is extracted
# from the package (apt-get download, dpkg-deb -x); IT_STUBBY_YML names
# another copy. Without any of these the test skips (fails in CI).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool

# --- the example ---------------------------------------------------------------
example=${IT_STUBBY_YML:-}
if [ -z "$example" ] && [ -f /etc/stubby/stubby.yml ]; then
	want_md5=$(dpkg-query -W -f='${Conffiles}\n' stubby 2>/dev/null |
		awk '$1 == "/etc/stubby/stubby.yml" { print $2 }')
	if [ -n "$want_md5" ] && [ "$(md5sum </etc/stubby/stubby.yml | cut -d' ' -f1)" = "$want_md5" ]; then
		example=/etc/stubby/stubby.yml
	else
		it_log "/etc/stubby/stubby.yml is not the file the package ships: not used"
	fi
fi
if [ -z "$example" ] && command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1; then
	mkdir -p "$IT_DIR/deb"
	if (cd "$IT_DIR/deb" && timeout 60 apt-get download -q stubby >"$IT_DIR/apt.out" 2>&1) &&
		dpkg-deb -x "$IT_DIR"/deb/stubby_*.deb "$IT_DIR/deb/root" 2>>"$IT_DIR/apt.out"; then
		example=$IT_DIR/deb/root/etc/stubby/stubby.yml
	fi
fi
if [ -z "$example" ] || [ ! -f "$example" ]; then
	it_skip_or_fail "Stubby's example stubby.yml (install stubby: contrib/install-deps.sh --test)"
fi
it_log "example: $example"
cp "$example" "$IT_DIR/stubby.yml"

# --- convert and check ---------------------------------------------------------
"$DOTSTUB" import-stubby "$IT_DIR/stubby.yml" >"$IT_DIR/converted.conf" 2>"$IT_DIR/import.err"
it_expect_eq "import-stubby exits 0 on the example" 0 "$?"
out=$(cat "$IT_DIR/converted.conf")
check=$("$DOTSTUB" -t -c "$IT_DIR/converted.conf" 2>&1)
it_expect_eq "dotstub -t accepts the output" 0 "$?"
it_expect_match "... and says ok" '^ok$' "$check"
it_expect_eq "six upstreams, as in the example" 6 "$(grep -c '^\[upstream ' "$IT_DIR/converted.conf")"
it_expect_match "round_robin_upstreams: 1 is round-robin" '^strategy = round-robin$' "$out"
it_expect_match "listen 127.0.0.1" '^listen = 127\.0\.0\.1:53$' "$out"
it_expect_match "listen 0::1 is [::1]:53" '^listen = \[::1\]:53$' "$out"
it_expect_match "idle_timeout: 10000 is idle-timeout = 10s" '^idle-timeout = 10s$' "$out"
it_expect_match "the example's timeout is commented out: Stubby's default" '^query-timeout = 5s$' "$out"
it_expect_match "the sinodun upstream with its pin" \
	'^pin-sha256 = 62lKu9HsDVbyiPenApnc4sfmSYTHOVfFgL3pyB\+cBL4=$' "$out"
it_expect_match "an IPv6 upstream in brackets" '^address = \[2001:610:1:40ba:145:100:185:15\]:853$' "$out"
if ! grep -q '^#define DST_DNSSEC 0' "${abs_top_builddir:-.}/config.h" 2>/dev/null; then
	it_expect_match "no DNSSEC in the example: dotstub's default, validate, as a comment" \
		'^# dnssec = validate  \(the default: Stubby did not validate' "$out"
else
	it_expect_match "no DNSSEC in the example, no validator here: dnssec = off, as a comment" \
		'^# dnssec = off' "$out"
fi
it_expect_no_match "no dnssec line: Stubby did not validate, and the default applies" '^dnssec' "$out"
it_expect_match "ECS privacy carried over, with its difference noted" \
	'^# stubby\.yml:[0-9]+: edns_client_subnet_private: 1: ' "$out"

# --- swapped onto a loopback upstream --------------------------------------------
# One certificate for the three names the example's upstreams use, from the test CA.
it_make_pki dot dnsovertls.sinodun.com
cat >"$IT_DIR/multi.tmpl" <<EOF
cn = "dnsovertls.sinodun.com"
dns_name = "dnsovertls.sinodun.com"
dns_name = "dnsovertls1.sinodun.com"
dns_name = "getdnsapi.net"
tls_www_server
signing_key
encryption_key
expiration_days = 2
EOF
certtool --generate-certificate --load-privkey "$IT_DIR/dot-key.pem" \
	--load-ca-certificate "$IT_DIR/dot-ca.pem" --load-ca-privkey "$IT_DIR/dot-ca.key" \
	--template "$IT_DIR/multi.tmpl" --outfile "$IT_DIR/dot-cert.pem" >"$IT_DIR/multi.out" 2>&1 ||
	it_harness_error "certtool could not make the three-name certificate"
it_start_unbound dot
pin=$(it_pin "$IT_DIR/dot-cert.pem")
[ -n "$pin" ] || it_harness_error "certtool printed no pin-sha256"

# The converted file with only addresses, pins and trust swapped: everything
# else (strategy, timeouts, names, six sections) is the import's. And
# dnssec = off: the loopback upstream's names have no chain of trust.
swapped() {
	sed -e "s|^listen = 127\.0\.0\.1:53\$|listen = 127.0.0.1:$DS_PORT\ndnssec = off|" \
		-e '/^listen = \[::1\]:53$/d' \
		-e "s|^address = .*|address = 127.0.0.1:$UB_PORT|" \
		-e "s|^pin-sha256 = .*|pin-sha256 = $pin|" \
		-e "s|^tls-name = .*|&\\nca-file = $IT_DIR/dot-ca.pem|" \
		"$IT_DIR/converted.conf"
}
it_start_dotstub swapped
it_expect_eq "the swapped file keeps six upstreams" 6 "$(grep -c '^\[upstream ' "$DS_CONF")"
for i in 1 2 3 4 5 6; do
	it_dig +notcp "q$i.dotstub.test" A
	it_expect_a "query $i answered through the loopback upstream (round-robin)" \
		"$(it_expected_addr "q$i.dotstub.test")"
done
it_stop_dotstub TERM

# --- malformed YAML --------------------------------------------------------------
head -n 40 "$IT_DIR/stubby.yml" >"$IT_DIR/broken.yml"
echo ' bad: [' >>"$IT_DIR/broken.yml"
err=$("$DOTSTUB" import-stubby "$IT_DIR/broken.yml" 2>&1 >"$IT_DIR/broken.out")
it_expect_eq "malformed YAML: exit 1" 1 "$?"
it_expect_match "malformed YAML: FILE:LINE:COLUMN" "^$IT_DIR/broken\\.yml:41:[0-9]+: malformed YAML: " "$err"
it_expect_eq "malformed YAML: nothing printed" 0 "$(wc -c <"$IT_DIR/broken.out")"
"$DOTSTUB" import-stubby "$IT_DIR/missing.yml" >/dev/null 2>"$IT_DIR/missing.err"
it_expect_eq "a missing file: exit 1" 1 "$?"
it_expect_match "a missing file: named, with the reason" 'missing\.yml: No such file or directory' \
	"$(cat "$IT_DIR/missing.err")"

it_done
