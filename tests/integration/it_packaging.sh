#!/usr/bin/env bash
# Packaging: the systemd unit as built passes "systemd-analyze verify"
# with not a single warning; log lines carry their priority when stderr is
# the journal; the manual pages format cleanly (groff -ww);
# the OpenWrt init script turns the shipped UCI file into a dotstub.conf
# that dotstub -t accepts (and a bad UCI option into a FILE:LINE problem).
# Nothing here serves queries.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need systemd-analyze

builddir=${abs_top_builddir:-$(dirname "$DOTSTUB")}
srcdir=$(cd "$IT_SRCDIR/../.." && pwd)
unit=$builddir/contrib/systemd/dotstub.service
[ -f "$unit" ] || it_harness_error "$unit not built (make builds it)"

# --- systemd ------------------------------------------------------------------
# A known-good unit first: if even that fails, systemd-analyze cannot work
# here (no systemd in the container), which is not the unit's fault.
mkdir -p "$IT_DIR/units"
printf '[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n' >"$IT_DIR/units/probe.service"
if ! (cd "$IT_DIR/units" && systemd-analyze verify ./probe.service) >"$IT_DIR/probe.out" 2>&1 ||
	[ -s "$IT_DIR/probe.out" ]; then
	cat "$IT_DIR/probe.out"
	it_skip_or_fail "systemd-analyze verify does not work here, even on a trivial unit"
fi
sbin=$(sed -n 's|^ExecStart=\([^ ]*\)/dotstub\( .*\)\{0,1\}$|\1|p' "$unit")
it_expect_match "the unit starts dotstub from sbindir" '^/.*sbin$' "$sbin"
it_expect_eq "the unit keeps state in its StateDirectory=" \
	"StateDirectory=dotstub ExecStart=$sbin/dotstub -S /var/lib/dotstub" \
	"$(grep -E '^(StateDirectory|ExecStart)=' "$unit" | sort -r | paste -sd' ' -)"
# By the shell's kill builtin: /bin/kill (procps) is not on every system.
it_expect_eq "the unit reloads with SIGHUP, needing only /bin/sh" \
	"ExecReload=/bin/sh -c 'kill -HUP \"\$\$MAINPID\"'" "$(grep '^ExecReload=' "$unit")"
it_expect_match "the unit is Type=notify" '^Type=notify$' "$(cat "$unit")"
it_expect_match "the unit grants only CAP_NET_BIND_SERVICE" '^AmbientCapabilities=CAP_NET_BIND_SERVICE$' \
	"$(cat "$unit")"
# verify checks that the binary exists: point it at the one just built. The
# manual pages are not installed yet (--man=no; they are checked below).
sed "s|$sbin/dotstub|$DOTSTUB|g" "$unit" >"$IT_DIR/units/dotstub.service"
(cd "$IT_DIR/units" && systemd-analyze verify --man=no ./dotstub.service) >"$IT_DIR/verify.out" 2>&1
rc=$?
it_expect_eq "systemd-analyze verify: exit status" 0 "$rc"
it_expect_eq "systemd-analyze verify: no warning at all" "" "$(cat "$IT_DIR/verify.out")"

# Under systemd, stderr is the journal: JOURNAL_STREAM names it, and each
# line then starts with its syslog priority. A listener on an address this
# machine does not have fails at once, with an error line to look at.
printf '[server]\nlisten = 192.0.2.1:5300\n[upstream u]\naddress = 127.0.0.1\ntls-name = x.test\n' \
	>"$IT_DIR/journal.conf"
: >"$IT_DIR/journal.log"
stream=$(stat -c '%d:%i' "$IT_DIR/journal.log")
JOURNAL_STREAM=$stream timeout 10 "$DOTSTUB" -c "$IT_DIR/journal.conf" 2>>"$IT_DIR/journal.log"
it_expect_match "stderr as the journal: lines carry their priority" \
	'^<3>error: listen 192\.0\.2\.1:5300 \(udp\)' "$(cat "$IT_DIR/journal.log")"
out=$(timeout 10 "$DOTSTUB" -c "$IT_DIR/journal.conf" 2>&1)
it_expect_match "stderr elsewhere: plain lines" '^dotstub: error: listen 192\.0\.2\.1:5300' "$out"

# --- manual pages ---------------------------------------------------------------
if command -v groff >/dev/null 2>&1; then
	for page in dotstub.8 dotstub-control.8 dotstub.conf.5; do
		it_expect_eq "man page $page formats without a warning" "" \
			"$(groff -man -ww -z "$srcdir/docs/man/$page" 2>&1)"
	done
elif [ "${CI:-}" = true ]; then
	it_fail "groff not installed: the manual pages are not checked (CI=true: CI must install every tool the tests use)"
else
	it_log "groff not installed: the manual pages are not checked"
fi

# --- OpenWrt: UCI to dotstub.conf -----------------------------------------------
# Just enough of OpenWrt's /lib/functions.sh to run the init script's
# generator: config_load reads $UCI_DIR/NAME (uci export format) and calls
# config_cb, option_cb and list_cb as OpenWrt does.
UCI_DIR=$IT_DIR/uci
mkdir -p "$UCI_DIR"
reset_cb() {
	config_cb() { :; }
	option_cb() { :; }
	list_cb() { :; }
}
reset_cb
config_get_bool() { eval "$1=1"; }
logger() { cat >&2; }
config_load() {
	local kind name value sect=
	while read -r kind name value; do
		value=${value#\'}
		value=${value%\'}
		case $kind in
		config) sect=${value:-x}; config_cb "$name" "$sect" ;;
		option) option_cb "$name" "$value" ;;
		list) list_cb "$name" "$value" ;;
		esac
	done <"$UCI_DIR/$1"
	if [ -n "$sect" ]; then config_cb; fi
}
# shellcheck source=/dev/null # the init script, for its functions only
. "$srcdir/contrib/openwrt/files/dotstub.init"

# The shipped file, its quoted list entries and named sections.
sed -n "/^config /,\$p" "$srcdir/contrib/openwrt/files/dotstub.config" |
	sed -e 's/^\t//' -e "s/^config \([a-z]*\)\$/config \1 ''/" >"$UCI_DIR/dotstub"
dotstub_generate "$IT_DIR/openwrt.conf"
out=$(timeout 10 "$DOTSTUB" -t -c "$IT_DIR/openwrt.conf" 2>&1)
it_expect_eq "OpenWrt: the generated configuration is valid" 0 "$?"
conf=$(cat "$IT_DIR/openwrt.conf")
it_expect_match "OpenWrt: list listen -> listen lines" '^listen = 127\.0\.0\.1:5353$' "$conf"
it_expect_match "OpenWrt: option query_timeout -> query-timeout" '^query-timeout = 4s$' "$conf"
it_expect_match "OpenWrt: named upstream sections" '^\[upstream cloudflare\]$' "$conf"
it_expect_match "OpenWrt: option tls_name -> tls-name" '^tls-name = dns\.quad9\.net$' "$conf"
it_expect_no_match "OpenWrt: enabled is the init script's own" 'enabled' "$conf"

printf "config server 'server'\n\toption listen_port '53'\nconfig upstream 'u'\n\tlist address '192.0.2.1'\n\toption tls_name 'x.test'\n" |
	sed 's/^\t//' >"$UCI_DIR/dotstub"
dotstub_generate "$IT_DIR/bad.conf"
out=$(timeout 10 "$DOTSTUB" -t -c "$IT_DIR/bad.conf" 2>&1)
it_expect_eq "OpenWrt: an unknown UCI option makes the configuration invalid" 1 "$?"
it_expect_match "... with FILE:LINE" 'bad\.conf:4: unknown key "listen-port" in \[server\]' "$out"
it_done
