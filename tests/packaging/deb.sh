#!/usr/bin/env bash
# The Debian package (debian/, docs/packaging.md): builds the .deb with
# dpkg-buildpackage from a copy of the files git tracks (what a clean
# checkout holds; a new file must be git-added first), runs
# lintian on it (any error fails), then checks what is in it: the
# programs, man pages, the unit (with StateDirectory=), the conffile, that
# the installed dotstub accepts the installed /etc/dotstub/dotstub.conf,
# and what the maintainer scripts do with and without a running systemd,
# with port 53 free and held (as root, in a private mount and network
# namespace: nothing on this machine is started, stopped or changed).
#
#   tests/packaging/deb.sh                  build from this tree, then check
#   tests/packaging/deb.sh FILE.deb         check that package only
#
# Without dpkg-buildpackage or debhelper it skips (a failure when
# CI=true). Not a git checkout (a release tarball, which has no debian/):
# skips. DEB_BUILD_OPTIONS defaults to "nocheck parallel=2" (make check
# is the place for the unit suites; .ci/run sets it to run them in the build).
# IT_KEEP=1 keeps the build directory and the .deb.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
deb=${1:-}

# --- build ---------------------------------------------------------------------
if [ -z "$deb" ]; then
	if [ ! -d "$srcdir/debian" ] || ! git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1; then
		echo "SKIP: $srcdir is not a git checkout with debian/ (release tarballs do not ship it)"
		exit 77
	fi
	for t in dpkg-buildpackage dh dpkg-deb; do
		command -v "$t" >/dev/null 2>&1 ||
			it_skip_or_fail "$t not found (apt-get install dpkg-dev debhelper)"
	done
	mkdir -p "$IT_DIR/build/dotstub"
	(cd "$srcdir" && git ls-files -z --cached |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -xf - -C "$IT_DIR/build/dotstub"
	it_log "building the .deb in $IT_DIR/build (log: build.log)"
	if ! (cd "$IT_DIR/build/dotstub" &&
		DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck parallel=2} \
			timeout $((1800 * IT_SLOW)) dpkg-buildpackage -us -uc -b) >"$IT_DIR/build.log" 2>&1; then
		it_fail "dpkg-buildpackage -us -uc -b failed"
		it_done
	fi
	it_pass "dpkg-buildpackage -us -uc -b"
	debs=("$IT_DIR"/build/dotstub_*.deb)
	deb=${debs[0]}
	[ -f "$deb" ] || it_harness_error "no dotstub_*.deb in $IT_DIR/build"
fi
[ -f "$deb" ] || it_harness_error "$deb: no such file"
it_log "checking $deb ($(stat -c %s "$deb") bytes)"

# --- lintian ---------------------------------------------------------------------
if command -v lintian >/dev/null 2>&1; then
	lintian --fail-on error --display-info "$deb" >"$IT_DIR/lintian.out" 2>&1
	rc=$?
	cat "$IT_DIR/lintian.out"
	it_expect_eq "lintian: no error (exit status)" 0 "$rc"
	it_expect_no_match "lintian: no E: tag" '^E: ' "$(cat "$IT_DIR/lintian.out")"
elif [ "${CI:-}" = true ]; then
	it_fail "lintian not installed (CI=true: CI must install every tool the tests use)"
else
	it_log "lintian not installed: not run"
fi

# --- contents -----------------------------------------------------------------------
list=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/sbin/dotstub /usr/sbin/dotstub-control /etc/dotstub/dotstub.conf \
	/usr/share/man/man8/dotstub.8.gz /usr/share/man/man8/dotstub-control.8.gz \
	/usr/share/man/man5/dotstub.conf.5.gz /usr/libexec/dotstub/listen-in-use \
	/usr/share/doc/dotstub/copyright /usr/share/doc/dotstub/examples/dotstub.conf.example; do
	it_expect_match "the package holds $f" "^${f//./\\.}\$" "$list"
done
it_expect_match "the package holds the unit, in systemd's directory" \
	'^(/usr)?/lib/systemd/system/dotstub\.service$' "$list"
it_expect_no_match "no dotstub.conf.example in /etc (it is the conffile there)" \
	'^/etc/dotstub/dotstub\.conf\.example$' "$list"

mkdir -p "$IT_DIR/ctl" "$IT_DIR/root"
dpkg-deb -e "$deb" "$IT_DIR/ctl"
dpkg-deb -x "$deb" "$IT_DIR/root"
it_expect_eq "conffiles: exactly /etc/dotstub/dotstub.conf" "/etc/dotstub/dotstub.conf" \
	"$(cat "$IT_DIR/ctl/conffiles" 2>/dev/null)"
it_expect_match "Depends: ca-certificates (the trust store tls-name is checked against)" \
	'^Depends:.*ca-certificates' "$(cat "$IT_DIR/ctl/control")"
it_expect_match "Depends: the shared libraries (shlibs)" '^Depends:.*libuv1.*' "$(cat "$IT_DIR/ctl/control")"

# The installed dotstub and its installed configuration, as the unit's
# ExecStartPre runs them.
root=$IT_DIR/root
out=$("$root/usr/sbin/dotstub" -t -c "$root/etc/dotstub/dotstub.conf" 2>&1)
it_expect_eq "installed dotstub -t -c installed dotstub.conf: exit status" 0 "$?"
it_expect_eq "... says ok" "ok" "$out"
it_expect_match "the installed dotstub reads /etc/dotstub/dotstub.conf by default" \
	'default /etc/dotstub/dotstub\.conf' "$("$root/usr/sbin/dotstub" -h 2>&1)"
it_expect_match "the installed dotstub-control runs" 'usage' "$("$root/usr/sbin/dotstub-control" -h 2>&1)"
unit=$(cat "$root"/lib/systemd/system/dotstub.service "$root"/usr/lib/systemd/system/dotstub.service 2>/dev/null)
it_expect_match "the unit starts /usr/sbin/dotstub" '^ExecStart=/usr/sbin/dotstub$' "$unit"
it_expect_match "the unit checks the file first" '^ExecStartPre=/usr/sbin/dotstub -t$' "$unit"
it_expect_match "the unit provides /var/lib/dotstub" '^StateDirectory=dotstub$' "$unit"
it_expect_match "the unit runs as a dynamic user (no system user to create)" '^DynamicUser=yes$' "$unit"
if [ -n "$srcdir" ] && [ -f "$srcdir/docs/dotstub.conf.example" ]; then
	it_expect_eq "the conffile is docs/dotstub.conf.example" "" \
		"$(cmp "$root/etc/dotstub/dotstub.conf" "$srcdir/docs/dotstub.conf.example" 2>&1)"
fi

# --- maintainer scripts -------------------------------------------------------------
# Each run is in its own mount and network namespace: /run is a fresh
# tmpfs (with /run/systemd/system when "systemd" runs), /usr/libexec is the
# package's, /var/lib a tmpfs, the network only lo, and deb-systemd-helper,
# deb-systemd-invoke and systemctl are stubs that record their arguments.
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1 ||
	! command -v ss >/dev/null 2>&1 || ! unshare -mn true 2>/dev/null; then
	it_log "not root, or no unshare/ip/ss: the maintainer scripts are not run (the rest is checked)"
	it_done
fi
command -v python3 >/dev/null 2>&1 || it_skip_or_fail "python3 not found"
mkdir -p "$IT_DIR/stubs"
for s in deb-systemd-helper deb-systemd-invoke systemctl; do
	# shellcheck disable=SC2016 # $* and $CALLS belong to the stub
	printf '#!/bin/sh\necho "%s $*" >>"$CALLS"\nexit 0\n' "$s" >"$IT_DIR/stubs/$s"
	chmod 755 "$IT_DIR/stubs/$s"
done
# maint SYSTEMD(yes|no) HOLD(none|udp4|tcpany) SCRIPT ARGS...: runs it,
# sets OUT (its output), RC and CALLS_SEEN (the stubs' calls).
maint() {
	local systemd=$1 hold=$2
	shift 2
	export CALLS=$IT_DIR/calls
	: >"$CALLS"
	# shellcheck disable=SC2016 # the script runs inside the namespace
	OUT=$(unshare -mn env SYSTEMD="$systemd" HOLD="$hold" ROOT="$root" STUBS="$IT_DIR/stubs" \
		PY="$(command -v python3)" timeout $((30 * IT_SLOW)) sh -ec '
		mount -t tmpfs none /run
		if [ "$SYSTEMD" = yes ]; then mkdir -p /run/systemd/system; fi
		mount --bind "$ROOT/usr/libexec" /usr/libexec
		if [ -d /etc/dotstub ]; then mount --bind "$ROOT/etc/dotstub" /etc/dotstub; fi
		mount -t tmpfs none /var/lib
		ip link set lo up
		case $HOLD in
		udp4) "$PY" -c "import socket,sys,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((\"127.0.0.1\",53)); print(\"bound\",flush=True); time.sleep(60)" >/run/holder.out &
			holder=$! ;;
		tcpany) "$PY" -c "import socket,sys,time; s=socket.socket(socket.AF_INET6,socket.SOCK_STREAM); s.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,0); s.bind((\"::\",53)); s.listen(); print(\"bound\",flush=True); time.sleep(60)" >/run/holder.out &
			holder=$! ;;
		esac
		if [ "$HOLD" != none ]; then
			i=0
			until grep -q bound /run/holder.out 2>/dev/null; do
				i=$((i + 1)); [ $i -lt 100 ] || { echo "holder did not bind"; exit 99; }
				sleep 0.1
			done
		fi
		rc=0
		PATH=$STUBS:$PATH "$@" || rc=$?
		if [ "$HOLD" != none ]; then kill "$holder" 2>/dev/null || true; fi
		exit $rc
	' maint "$@" 2>&1)
	RC=$?
	CALLS_SEEN=$(cat "$CALLS")
}

maint no none sh "$IT_DIR/ctl/postinst" configure ""
it_expect_eq "postinst, no systemd: exit status" 0 "$RC"
it_expect_match "postinst, no systemd: the unit is enabled (deb-systemd-helper)" \
	"^deb-systemd-helper enable dotstub\.service$" "$CALLS_SEEN"
it_expect_no_match "postinst, no systemd: nothing is started" '^deb-systemd-invoke' "$CALLS_SEEN"

maint yes none sh "$IT_DIR/ctl/postinst" configure ""
it_expect_eq "postinst, systemd, port 53 free: exit status" 0 "$RC"
it_expect_match "postinst, systemd, port 53 free: enabled" "^deb-systemd-helper enable dotstub\.service$" "$CALLS_SEEN"
it_expect_match "postinst, systemd, port 53 free: started" '^deb-systemd-invoke start dotstub\.service$' "$CALLS_SEEN"

maint yes udp4 sh "$IT_DIR/ctl/postinst" configure ""
it_expect_eq "postinst, 127.0.0.1:53/udp held: exit status" 0 "$RC"
it_expect_match "postinst, 127.0.0.1:53/udp held: enabled" "^deb-systemd-helper enable dotstub\.service$" "$CALLS_SEEN"
it_expect_no_match "postinst, 127.0.0.1:53/udp held: not started" '^deb-systemd-invoke start' "$CALLS_SEEN"
it_expect_match "postinst, 127.0.0.1:53/udp held: says so" 'enabled, but NOT started' "$OUT"
it_expect_match "... names the holder" 'udp .*127\.0\.0\.1:53 .*python3' "$OUT"
it_expect_match "... and how to start dotstub" 'systemctl start dotstub' "$OUT"

maint yes tcpany sh "$IT_DIR/ctl/postinst" configure ""
it_expect_no_match "postinst, a dual-stack [::]:53/tcp listener (dnsmasq-like): not started" \
	'^deb-systemd-invoke start' "$CALLS_SEEN"
it_expect_match "... says so" 'enabled, but NOT started' "$OUT"

maint yes none sh "$IT_DIR/ctl/postinst" configure 0.0.9
it_expect_eq "postinst, upgrade: exit status" 0 "$RC"
it_expect_match "postinst, upgrade: restarted only if running (try-restart)" \
	"^deb-systemd-invoke try-restart dotstub\.service$" "$CALLS_SEEN"
it_expect_no_match "postinst, upgrade: a stopped service stays stopped" '^deb-systemd-invoke start' "$CALLS_SEEN"

maint yes none sh "$IT_DIR/ctl/prerm" remove
it_expect_eq "prerm remove: exit status" 0 "$RC"
it_expect_match "prerm remove, systemd: stopped" '^deb-systemd-invoke stop dotstub\.service$' "$CALLS_SEEN"
maint no none sh "$IT_DIR/ctl/prerm" remove
it_expect_eq "prerm remove, no systemd: nothing to stop" "" "$CALLS_SEEN"
maint yes none sh "$IT_DIR/ctl/prerm" upgrade 0.1.1
it_expect_eq "prerm upgrade: not stopped (restarted after the upgrade instead)" "" "$CALLS_SEEN"

it_done
