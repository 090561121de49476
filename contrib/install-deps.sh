#!/bin/sh
# Installs what dotstub needs on Debian/Ubuntu, and only what is missing.
#   contrib/install-deps.sh          build and runtime dependencies
#   contrib/install-deps.sh --test   the same, plus every tool the tests use
# Server packages (unbound, stubby) must not start their system service:
# the tests start their own unbound on free loopback ports, and use only
# stubby's example configuration.
#
# The lists are checked on a minimal Debian 12 (debootstrap minbase) by
# contrib/fresh-check.sh, which CI runs: a tool that a minimal system lacks
# and the lists forget makes that check fail, not skip.
set -eu

build="autoconf automake libtool pkg-config make gcc libgnutls28-dev libuv1-dev libldns-dev libc-ares-dev libyaml-dev"
# Runtime: the system trust store, which an upstream with tls-name and no
# ca-file (the built-in defaults) is verified against. configure also
# looks for it, to build in its path.
runtime="ca-certificates"
# Tests: check (unit suites); unbound (upstream); kdig, dig (clients);
# certtool (test PKI); python3 (probes, test servers); systemd-analyze
# (the unit, it_packaging); groff (man pages, it_packaging); ss and ip
# (it_threads, it_network_change); setpriv and unshare (it_privilege_drop,
# it_network_change: util-linux is essential, listed for the record);
# stubby, for the example stubby.yml it ships (it_import_stubby; its
# service is denied like unbound's, and never started by the tests).
# ldnsutils: ldns-keygen and ldns-signzone, for the signed test zones
# (tests/dnssec/make-zones.sh, check_validate).
test_pkgs="check unbound knot-dnsutils dnsutils gnutls-bin python3 systemd groff-base iproute2 util-linux clang-format stubby"
test_pkgs="$test_pkgs ldnsutils"
# faketime: libfaketime, a wrong clock for dotstub alone (it_clock_wrong).
test_pkgs="$test_pkgs faketime"

pkgs="$build $runtime"
[ "${1:-}" = "--test" ] && pkgs="$pkgs $test_pkgs"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: missing packages:$missing (no apt-get here: install them by hand)" >&2
	exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# Deny service starts during the install, unless a policy is already there.
policy=/usr/sbin/policy-rc.d
made_policy=no
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod +x "$policy"
	made_policy=yes
fi
trap 'if [ "$made_policy" = yes ]; then $sudo rm -f "$policy"; fi' EXIT

echo "install-deps: installing$missing"
$sudo apt-get update -q
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
