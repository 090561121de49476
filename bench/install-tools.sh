#!/bin/sh
# Installs the tools bench/run.sh and bench/callgrind.sh use (Debian 12 /
# Ubuntu), only those missing. The servers among them (unbound, stubby,
# dnsdist, knot-resolver) must not start their system services: a
# policy-rc.d that exits 101 is in place during the install (ours is removed
# afterwards; one that was already there is left alone). The bench scripts
# never use those services: they start their own instances on loopback.
set -eu

pkgs="dnsperf unbound gnutls-bin stubby dnsdist knot-resolver valgrind python3 iproute2 procps"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
policy=/usr/sbin/policy-rc.d
made_policy=no
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod 755 "$policy"
	made_policy=yes
fi
trap 'if [ "$made_policy" = yes ]; then $sudo rm -f "$policy"; fi' EXIT
$sudo apt-get update -q
# shellcheck disable=SC2086 # a word list
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
