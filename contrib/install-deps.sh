#!/bin/sh
# Installs what dotstub needs on Debian/Ubuntu, and only what is missing.
#   contrib/install-deps.sh          build dependencies
#   contrib/install-deps.sh --test   build + test dependencies (servers and clients)
# Server packages (unbound) must not start their system service: the tests
# start their own instances on free loopback ports.
set -eu

build="autoconf automake libtool pkg-config make gcc libgnutls28-dev libuv1-dev libldns-dev libc-ares-dev"
test_pkgs="check unbound knot-dnsutils dnsutils gnutls-bin python3 systemd"

pkgs=$build
[ "${1:-}" = "--test" ] && pkgs="$build $test_pkgs"

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
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
