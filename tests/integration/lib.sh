# shellcheck shell=bash
# Shared helpers for the integration tests; sourced (bash) by each it_*.sh.
#
# A test script sources this file, declares the tools it needs (it_need),
# builds a test PKI (it_make_pki), starts an unbound DoT upstream
# (it_start_unbound) and dotstub (it_start_dotstub), runs checks, and ends
# with it_done. Everything lives in one mktemp directory ($IT_DIR); every
# process started here is recorded and stopped by PID when the script
# exits, however it exits. Only loopback is ever used, every wait is
# bounded, and the unbound upstream only knows the local zone
# dotstub.test. (it refuses everything else, so it never recurses).
#
# Exit status, as automake's test driver reads it: 0 pass, 1 fail,
# 77 skip (a tool is missing; a failure instead when CI=true), 99 the
# harness itself could not set up (e.g. unbound would not start).
#
# Environment: DOTSTUB (the binary; default $abs_top_builddir/dotstub),
# IT_WRAPPER (prefix for dotstub, e.g. "valgrind -q --error-exitcode=99"),
# DOTSTUB_IT_ARGS (extra dotstub arguments, e.g. "-vv"), IT_SLOW (timeout
# multiplier, 4 with a wrapper, else 1), IT_KEEP=1 (keep the temp dir),
# CI=true (missing tools fail instead of skipping).

IT_NAME=$(basename "$0" .sh)
IT_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DOTSTUB=${DOTSTUB:-${abs_top_builddir:-.}/dotstub}
IT_FAILED=0
IT_PIDS=()
IT_WRAPPER=${IT_WRAPPER:-}
# Every timeout is multiplied by IT_SLOW: slow wrappers (valgrind) need
# longer to start, answer and stop. Set it by hand on a loaded machine.
if [ -z "${IT_SLOW:-}" ]; then
	if [ -n "$IT_WRAPPER" ]; then IT_SLOW=4; else IT_SLOW=1; fi
fi
IT_START_TIMEOUT=$((5 * IT_SLOW))
IT_STOP_TIMEOUT=$((5 * IT_SLOW))
# kdig waits this long for an answer: above the query-timeout the test
# configs use, so a late SERVFAIL is seen as SERVFAIL, not as silence.
IT_DIG_TIMEOUT=$((6 * IT_SLOW))

IT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dotstub-it.XXXXXX") || {
	echo "ERROR: mktemp failed"
	exit 99
}

it_log() { printf '%s: %s\n' "$IT_NAME" "$*"; }

# Stops one process: SIGTERM, a bounded wait, then SIGKILL.
it_kill_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 30 * IT_SLOW; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

it_cleanup() {
	local rc=$? pid
	for pid in "${IT_PIDS[@]}"; do
		it_kill_pid "$pid"
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		it_show_logs
	fi
	if [ "${IT_KEEP:-0}" = 1 ]; then
		it_log "kept $IT_DIR"
	else
		rm -rf "$IT_DIR"
	fi
	exit "$rc"
}
trap it_cleanup EXIT
trap 'exit 1' INT TERM HUP

# Prints the tail of every server log, for the .log file of a failed test.
it_show_logs() {
	local f
	for f in "$IT_DIR"/*.log; do
		[ -s "$f" ] || continue
		echo "----- last lines of $(basename "$f") -----"
		tail -n 40 "$f"
		echo "-----"
	done
}

# --- results ---------------------------------------------------------------

it_pass() { echo "ok: $*"; }

it_fail() {
	echo "FAIL: $*"
	IT_FAILED=1
}

# it_expect_eq WHAT EXPECTED GOT
it_expect_eq() {
	if [ "$2" = "$3" ]; then
		it_pass "$1"
	else
		it_fail "$1: expected '$2', got '$3'"
	fi
}

# it_expect_match WHAT ERE TEXT: TEXT (may be several lines) matches ERE.
it_expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		it_pass "$1"
	else
		it_fail "$1: expected a match for /$2/, got:"
		printf '%s\n' "$3" | sed 's/^/    | /' | head -n 40
	fi
}

# it_expect_no_match WHAT ERE TEXT
it_expect_no_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		it_fail "$1: expected no match for /$2/, got:"
		printf '%s\n' "$3" | sed 's/^/    | /' | head -n 40
	else
		it_pass "$1"
	fi
}

# Ends the script: pass only if no check failed and dotstub (if it is
# still meant to be running) is alive.
it_done() {
	if [ -n "${DS_PID:-}" ] && ! kill -0 "$DS_PID" 2>/dev/null; then
		it_fail "dotstub (pid $DS_PID) died during the test"
	fi
	if [ "$IT_FAILED" = 0 ]; then
		it_log "PASS"
		exit 0
	fi
	it_log "FAIL"
	exit 1
}

# it_skip_or_fail MESSAGE: 77 on a developer's machine, a failure in CI.
it_skip_or_fail() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $* (CI=true: CI must install every tool the tests use)"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

# it_need TOOL...: every tool must be on PATH. python3 is always needed.
it_need() {
	local t
	for t in python3 "$@"; do
		command -v "$t" >/dev/null 2>&1 || it_skip_or_fail "$t not found"
	done
	IT_PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	[ -x "$IT_PYTHON" ] || IT_PYTHON=python3
	IT_PROBE_CMD=("$IT_PYTHON" -S "$IT_SRCDIR/dnsprobe.py")
	if [ ! -x "$DOTSTUB" ]; then
		echo "FAIL: dotstub binary not found at $DOTSTUB (set DOTSTUB or build it)"
		exit 1
	fi
}

# Harness trouble (not dotstub's fault): hard error, 99.
it_harness_error() {
	echo "ERROR: $*"
	exit 99
}

# IT_PYTHON is python3 by its real path once it_need has run: version
# manager shims (pyenv) cost a few hundred ms per start, and the tests start
# python often. dnsprobe.py needs only the standard library, hence -S.
IT_PYTHON=python3
IT_PROBE_CMD=(python3 "$IT_SRCDIR/dnsprobe.py")
it_probe() { "${IT_PROBE_CMD[@]}" "$@"; }

it_free_port() {
	it_probe port "$@" || it_harness_error "no free loopback port"
}

it_has_v6() { it_probe has-v6; }

# it_bg COMMAND...: a background helper (blackhole upstream, idle client),
# stopped by PID at exit; its PID is left in IT_BG_PID and its output goes
# to $IT_DIR/helpers.log. COMMAND must be a program, not a shell function: a
# function would run in a subshell, and killing that would orphan the
# program (use "${IT_PROBE_CMD[@]}" instead of it_probe).
it_bg() {
	"$@" >>"$IT_DIR/helpers.log" 2>&1 &
	IT_BG_PID=$!
	IT_PIDS+=("$IT_BG_PID")
}

# --- test PKI ----------------------------------------------------------------

# it_make_pki PREFIX DNSNAME: a CA and a server certificate for DNSNAME,
# signed by that CA. Files: $IT_DIR/PREFIX-ca.pem, PREFIX-cert.pem,
# PREFIX-key.pem. ECDSA keys: fast to generate.
it_make_pki() {
	local p=$IT_DIR/$1 name=$2
	cat >"$p-ca.tmpl" <<EOF
cn = "dotstub test CA $1"
ca
cert_signing_key
expiration_days = 2
EOF
	cat >"$p-srv.tmpl" <<EOF
cn = "$name"
dns_name = "$name"
tls_www_server
signing_key
encryption_key
expiration_days = 2
EOF
	if ! { it_genkey "$p-ca.key" &&
		certtool --generate-self-signed --load-privkey "$p-ca.key" \
			--template "$p-ca.tmpl" --outfile "$p-ca.pem" >"$p-certtool.out" 2>&1 &&
		it_genkey "$p-key.pem" &&
		certtool --generate-certificate --load-privkey "$p-key.pem" \
			--load-ca-certificate "$p-ca.pem" --load-ca-privkey "$p-ca.key" \
			--template "$p-srv.tmpl" --outfile "$p-cert.pem" >>"$p-certtool.out" 2>&1; }; then
		cat "$p-certtool.out"
		it_harness_error "certtool could not make the test PKI"
	fi
}

it_genkey() {
	certtool --generate-privkey --key-type=ecdsa --outfile "$1" >/dev/null 2>&1 ||
		certtool --generate-privkey --ecc --outfile "$1" >/dev/null 2>&1
}

# it_pin CERT: the base64 SHA-256 of the certificate's SubjectPublicKeyInfo,
# as certtool prints it ("pin-sha256:...").
it_pin() {
	certtool --certificate-info --infile "$1" 2>/dev/null |
		sed -n 's/^[[:space:]]*pin-sha256:\([A-Za-z0-9+/=]*\).*/\1/p' | head -n 1
}

# A syntactically valid pin (base64 of 32 bytes) that matches no key.
it_wrong_pin() {
	"$IT_PYTHON" -S -c 'import hashlib, base64
print(base64.b64encode(hashlib.sha256(b"not the key").digest()).decode())'
}

# --- unbound, the DoT upstream ----------------------------------------------

# The local zone unbound serves. Names the tests rely on:
#   www.dotstub.test.      A 192.0.2.1, AAAA 2001:db8::1, TXT "hello" (TTL 300)
#   q1..q20.dotstub.test.  A 192.0.2.(100+i)
#   ready.dotstub.test.    A 192.0.2.254 (readiness probe only)
#   big-a.dotstub.test.    40 x A 198.51.100.1-40 (about 680 bytes: > 512, < 1232)
#   big-txt.dotstub.test.  12 x TXT of 200 characters (about 2.5 KB: > 1232)
#   anything else in dotstub.test. is NXDOMAIN (SOA minimum 60)
IT_TTL=300
IT_BIG_A_COUNT=40
IT_BIG_TXT_COUNT=12

it_zone_data() {
	local i txt
	echo '	local-zone: "." refuse'
	echo '	local-zone: "dotstub.test." static'
	echo '	local-data: "dotstub.test. 300 IN SOA ns.dotstub.test. admin.dotstub.test. 1 3600 600 86400 60"'
	echo '	local-data: "dotstub.test. 300 IN NS ns.dotstub.test."'
	echo "	local-data: \"www.dotstub.test. $IT_TTL IN A 192.0.2.1\""
	echo "	local-data: \"www.dotstub.test. $IT_TTL IN AAAA 2001:db8::1\""
	echo "	local-data: 'www.dotstub.test. $IT_TTL IN TXT \"hello\"'"
	echo "	local-data: \"ready.dotstub.test. $IT_TTL IN A 192.0.2.254\""
	for ((i = 1; i <= 20; i++)); do
		echo "	local-data: \"q$i.dotstub.test. $IT_TTL IN A 192.0.2.$((100 + i))\""
	done
	for ((i = 1; i <= IT_BIG_A_COUNT; i++)); do
		echo "	local-data: \"big-a.dotstub.test. $IT_TTL IN A 198.51.100.$i\""
	done
	for ((i = 1; i <= IT_BIG_TXT_COUNT; i++)); do
		txt=$(printf "record-%02d-%0192d" "$i" 0)
		echo "	local-data: 'big-txt.dotstub.test. $IT_TTL IN TXT \"$txt\"'"
	done
}

# it_expected_addr NAME: the A address the zone gives NAME.
it_expected_addr() {
	case $1 in
	www.dotstub.test | www.dotstub.test.) echo 192.0.2.1 ;;
	q*.dotstub.test | q*.dotstub.test.)
		local n=${1#q}
		n=${n%%.*}
		echo "192.0.2.$((100 + n))"
		;;
	*) echo "-" ;;
	esac
}

# it_unbound_server_options: the server: lines every test unbound shares
# (foreground, no chroot or user change, loopback clients, one thread,
# every query logged so tests can count what reached it).
it_unbound_server_options() {
	echo "	access-control: 127.0.0.0/8 allow"
	echo "	do-daemonize: no"
	echo "	chroot: \"\""
	echo "	username: \"\""
	echo "	pidfile: \"\""
	echo "	use-syslog: no"
	echo "	logfile: \"\""
	echo "	directory: \"$IT_DIR\""
	echo "	module-config: \"iterator\""
	echo "	num-threads: 1"
	echo "	so-reuseport: no"
	echo "	do-ip6: no"
	echo "	verbosity: 1"
	echo "	log-queries: yes"
}

# it_start_unbound PKI_PREFIX: starts unbound serving DoT with that PKI's
# certificate. Sets UB_PORT, UB_PID, UB_LOG. Every query unbound receives
# is logged (log-queries), so tests can count what reached the upstream.
it_start_unbound() {
	local p=$IT_DIR/$1 conf=$IT_DIR/unbound.conf i
	UB_LOG=$IT_DIR/unbound.log
	for _ in 1 2 3; do
		UB_PORT=$(it_free_port)
		{
			echo "server:"
			echo "	interface: 127.0.0.1@$UB_PORT"
			echo "	tls-port: $UB_PORT"
			echo "	tls-service-key: \"$p-key.pem\""
			echo "	tls-service-pem: \"$p-cert.pem\""
			it_unbound_server_options
			it_zone_data
		} >"$conf"
		: >"$UB_LOG"
		unbound -d -c "$conf" >>"$UB_LOG" 2>&1 &
		UB_PID=$!
		IT_PIDS+=("$UB_PID")
		# Poll with real DoT queries (a bare TCP connect would put a
		# failed handshake into unbound's log and confuse a reader).
		for ((i = 0; i < IT_START_TIMEOUT * 10; i++)); do
			kill -0 "$UB_PID" 2>/dev/null || break
			if it_unbound_selfcheck "$1"; then return 0; fi
			sleep 0.1
		done
		if kill -0 "$UB_PID" 2>/dev/null; then
			printf '%s\n' "$UB_SELFCHECK"
			cat "$UB_LOG"
			it_harness_error "unbound does not answer over DoT with the test PKI"
		fi
		it_kill_pid "$UB_PID"
		grep -qi 'address already in use' "$UB_LOG" || break
	done
	cat "$UB_LOG"
	it_harness_error "unbound did not start"
}

# Queries unbound directly over DoT, authenticated by the test CA and by
# the pin: proves the PKI and the zone before dotstub is blamed for anything.
# kdig's output is left in UB_SELFCHECK.
it_unbound_selfcheck() {
	local p=$IT_DIR/$1 name
	name=$(sed -n 's/^dns_name = "\(.*\)"$/\1/p' "$p-srv.tmpl")
	UB_SELFCHECK=$(kdig @127.0.0.1 -p "$UB_PORT" +retry=0 +timeout=2 +tls +tls-ca="$p-ca.pem" \
		+tls-hostname="$name" +tls-pin="$(it_pin "$p-cert.pem")" ready.dotstub.test A 2>&1)
	printf '%s\n' "$UB_SELFCHECK" | grep -q 'status: NOERROR' &&
		printf '%s\n' "$UB_SELFCHECK" | grep -q '192\.0\.2\.254'
}

# it_upstream_queries NAME TYPE: how many such queries reached unbound.
it_upstream_queries() {
	# log-queries lines look like: "info: 127.0.0.1 www.dotstub.test. A IN"
	grep -ciE "info: [0-9a-f.:]+ $1\.? $2 IN" "$UB_LOG"
}

# --- dotstub -----------------------------------------------------------------

# The [server] section every test config starts with. IT_QUERY_TIMEOUT
# and IT_TCP_IDLE_TIMEOUT (with units) override the defaults; a test that
# sets a query timeout should scale it by IT_SLOW, as the default is.
# IT_STRATEGY picks the upstream strategy: ordered unless a test says
# otherwise, because tests count which upstream got what, and "fastest"
# (the default) sends 1 query in 50 elsewhere at random. IT_SERVER_EXTRA
# (lines) is added to the section. DNSSEC validation is off unless
# IT_DNSSEC says otherwise (set and empty: no dnssec line, the default,
# validate): the test upstreams answer made-up names with no chain
# of trust from the root, which a validating dotstub rightly calls bogus;
# it_dnssec.sh serves a signed hierarchy and validates.
it_conf_server() {
	echo "[server]"
	echo "listen = 127.0.0.1:$DS_PORT"
	if [ -n "${DS_PORT6:-}" ]; then echo "listen = [::1]:$DS_PORT"; fi
	if [ -n "${IT_DNSSEC-off}" ]; then echo "dnssec = ${IT_DNSSEC-off}"; fi
	echo "query-timeout = ${IT_QUERY_TIMEOUT:-$((3 * IT_SLOW))s}"
	echo "tcp-idle-timeout = ${IT_TCP_IDLE_TIMEOUT:-10s}"
	echo "strategy = ${IT_STRATEGY:-ordered}"
	# Two loops whatever the machine's cores: every test also covers the workers.
	echo "threads = ${IT_THREADS:-2}"
	if [ -n "${IT_SERVER_EXTRA:-}" ]; then printf '%s\n' "$IT_SERVER_EXTRA"; fi
	echo
	echo "[cache]"
	echo "size = 16m"
	echo "min-ttl = 0"
	echo "max-ttl = 1d"
	echo
}

# it_conf_upstream NAME [key = value lines...]: an upstream
# section for the unbound instance, with the given authentication lines.
it_conf_upstream() {
	local name=$1 line
	shift
	echo "[upstream $name]"
	echo "address = 127.0.0.1:$UB_PORT"
	for line in "$@"; do echo "$line"; done
	echo
}

# it_start_dotstub CONF_FUNCTION: picks DS_PORT, writes the config with
# CONF_FUNCTION (called with stdout to the file; it sees DS_PORT), starts
# dotstub in the foreground in the background, and waits until it accepts
# TCP connections. Set DS_PORT6=1 beforehand to also listen on [::1].
# Sets DS_PID, DS_CONF, DS_LOG (stderr). A bind race with another test
# retries with a new port; any other early death is a test failure.
it_start_dotstub() {
	local fn=$1 v6=${DS_PORT6:+--v6}
	DS_CONF=$IT_DIR/dotstub.conf
	DS_RUNS=$((${DS_RUNS:-0} + 1))
	DS_LOG=$IT_DIR/dotstub-$DS_RUNS.log
	for _ in 1 2 3; do
		DS_PORT=$(it_free_port ${v6:+"$v6"})
		"$fn" >"$DS_CONF"
		: >"$DS_LOG"
		# shellcheck disable=SC2086 # wrapper and extra args are word lists
		$IT_WRAPPER "$DOTSTUB" -c "$DS_CONF" ${DOTSTUB_IT_ARGS:-} 2>>"$DS_LOG" &
		DS_PID=$!
		IT_PIDS+=("$DS_PID")
		# TCP accepts from listen() on, before start-up ends (worker threads,
		# privilege drop): the log's "running with" line marks its end.
		if it_probe wait-tcp 127.0.0.1 "$DS_PORT" --timeout "$IT_START_TIMEOUT" &&
			it_wait_running && kill -0 "$DS_PID" 2>/dev/null; then
			return 0
		fi
		it_kill_pid "$DS_PID"
		grep -qiE 'in use|EADDRINUSE' "$DS_LOG" || break
	done
	echo "FAIL: dotstub did not start listening on 127.0.0.1:$DS_PORT within ${IT_START_TIMEOUT}s"
	echo "----- config -----"
	cat "$DS_CONF"
	DS_PID=
	IT_FAILED=1
	exit 1
}

# it_wait_running: waits (bounded) until DS_LOG says start-up is complete.
it_wait_running() {
	local i
	for ((i = 0; i < IT_START_TIMEOUT * 10; i++)); do
		grep -q ' running with ' "$DS_LOG" && return 0
		kill -0 "$DS_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# it_stop_dotstub [SIGNAL]: sends SIGTERM (or SIGNAL) and expects a clean
# exit with status 0 within IT_STOP_TIMEOUT seconds.
it_stop_dotstub() {
	local sig=${1:-TERM} i rc
	if [ -z "${DS_PID:-}" ]; then return 0; fi
	if ! kill -0 "$DS_PID" 2>/dev/null; then
		wait "$DS_PID"
		it_fail "dotstub had already exited (status $?) before SIG$sig"
		DS_PID=
		return 1
	fi
	kill -"$sig" "$DS_PID"
	for ((i = 0; i < IT_STOP_TIMEOUT * 10; i++)); do
		kill -0 "$DS_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DS_PID" 2>/dev/null; then
		it_fail "dotstub still running ${IT_STOP_TIMEOUT}s after SIG$sig"
		kill -KILL "$DS_PID"
		wait "$DS_PID" 2>/dev/null
		DS_PID=
		return 1
	fi
	wait "$DS_PID"
	rc=$?
	it_expect_eq "dotstub exits with status 0 on SIG$sig" 0 "$rc"
	DS_PID=
}

# --- queries with kdig -------------------------------------------------------

# it_dig [kdig args...]: one query to dotstub at 127.0.0.1:DS_PORT (or,
# when the first argument is @SERVER, to that server with its own -p). The full output is in IT_OUT, kdig's status in IT_RC.
it_dig() {
	local server=(@127.0.0.1 -p "$DS_PORT")
	case ${1:-} in @*) server=() ;; esac
	IT_OUT=$(kdig "${server[@]}" +retry=0 +timeout="$IT_DIG_TIMEOUT" "$@" 2>&1)
	# shellcheck disable=SC2034 # for the scripts: kdig's own status
	IT_RC=$?
}

# Fields of the last it_dig answer.
it_rcode() {
	local r
	r=$(printf '%s\n' "$IT_OUT" | sed -n 's/.*->>HEADER<<-.*status: \([A-Z0-9]*\).*/\1/p' | head -n 1)
	echo "${r:-no answer}"
}
it_flags() { printf '%s\n' "$IT_OUT" | sed -n 's/^;; Flags: \([^;]*\);.*/\1/p' | head -n 1; }
it_has_flag() { it_flags | tr ' ' '\n' | grep -qx "$1"; }
it_answer_count() {
	printf '%s\n' "$IT_OUT" | sed -n 's/^;; Flags: .*ANSWER: \([0-9]*\);.*/\1/p' | head -n 1
}
it_reply_ms() { printf '%s\n' "$IT_OUT" | sed -n 's/^;; From .* in \([0-9.]*\) ms.*/\1/p' | head -n 1; }
it_received_bytes() { printf '%s\n' "$IT_OUT" | sed -n 's/^;; Received \([0-9]*\) B.*/\1/p' | head -n 1; }

# The records of the ANSWER section, one "NAME TTL CLASS TYPE DATA" a line.
it_answers() {
	printf '%s\n' "$IT_OUT" | awk '/^;; ANSWER SECTION:/ { on = 1; next } on && /^$/ { exit } on'
}
# it_answer_data TYPE: the sorted rdata of the answers of that type.
it_answer_data() { it_answers | awk -v t="$1" '$4 == t { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' | sort; }
# it_answer_ttl TYPE: the TTL of the first answer of that type.
it_answer_ttl() { it_answers | awk -v t="$1" '$4 == t { print $2; exit }'; }

# it_expect_rcode WHAT RCODE: checks the last it_dig and shows it on failure.
it_expect_rcode() {
	local got
	got=$(it_rcode)
	if [ "$got" = "$2" ]; then
		it_pass "$1 (status $2)"
	else
		it_fail "$1: expected status $2, got $got; kdig said:"
		printf '%s\n' "$IT_OUT" | sed 's/^/    | /' | head -n 40
	fi
}

# it_expect_www: the last it_dig is NOERROR with www's address.
it_expect_a() {
	local what=$1 want=$2
	it_expect_rcode "$what" NOERROR
	it_expect_eq "$what: A records" "$want" "$(it_answer_data A | paste -sd, -)"
}

# it_still_answers WHAT: a normal query after something nasty still works.
it_still_answers() {
	it_dig +notcp +noedns www.dotstub.test A
	it_expect_a "still answers after $1" 192.0.2.1
}

# it_run_auth WHAT QNAME RCODE AUTH_LINE...: starts a dotstub whose only
# upstream is unbound with those authentication lines, asks QNAME A once,
# expects RCODE (with QNAME's address when NOERROR), and stops it cleanly.
# DS_LOG is left pointing at this run's log.
it_run_auth() {
	local what=$1 qname=$2 rcode=$3
	shift 3
	IT_AUTH=("$@")
	it_auth_conf() {
		it_conf_server
		it_conf_upstream local "${IT_AUTH[@]}"
	}
	it_start_dotstub it_auth_conf
	it_dig +notcp "$qname" A
	if [ "$rcode" = NOERROR ]; then
		it_expect_a "$what" "$(it_expected_addr "$qname")"
	else
		it_expect_rcode "$what" "$rcode"
		it_expect_eq "$what: no answer records" 0 "$(it_answer_count)"
		it_expect_eq "$what: the query never reached the upstream" 0 \
			"$(it_upstream_queries "$qname" A)"
	fi
	it_stop_dotstub TERM
}

# --- a signed hierarchy behind unbound (DNSSEC) ----------------------------

# The zones tests/dnssec/make-zones.sh builds, as unbound auth-zones. The
# root is root.signed; the unsigned children have unsigned copies as .signed.
IT_DNSSEC_ZONES=". test. secure.test. nsec3.test. unsigned.nsec3.test. ed.test. insecure.test.
expired.test. badsig.test. nokey.test. unknownalgo.test."

# it_dnssec_upstream DIR [NOW]: builds the signed hierarchy into DIR
# (make-zones.sh; exit 77 passes through as a skip) and starts an unbound
# that resolves it, iterating from the test root, without validating, so
# broken zones reach the client as they are. Every zone is an auth-zone
# for-upstream: the iterator answers from the zone files in memory and never
# sends a query (do-not-query-address covers every address, so a missing
# zone is a quick SERVFAIL, never a packet leaving loopback). DoT on DU_PORT
# with a certificate for dns.test ($IT_DIR/dnssec-ca.pem); plain DNS
# (UDP and TCP) on DU_PLAIN_PORT for tools that forward to it. Sets
# DNSSEC_DIR, DU_PORT, DU_PLAIN_PORT, DU_PID, DU_LOG, DU_CA, DU_NAME.
# Clients must set DO to get RRSIGs (unbound answers from its cache).
it_dnssec_upstream() {
	local dir=$1 now=${2:-} conf=$IT_DIR/unbound-dnssec.conf i z file rc
	# shellcheck disable=SC2034 # for the scripts
	DNSSEC_DIR=$dir
	DU_LOG=$IT_DIR/unbound-dnssec.log
	DU_CA=$IT_DIR/dnssec-ca.pem
	DU_NAME=dns.test
	bash "$IT_SRCDIR/../dnssec/make-zones.sh" "$dir" ${now:+"$now"} >"$IT_DIR/make-zones.out" 2>&1
	rc=$?
	if [ "$rc" = 77 ]; then
		it_skip_or_fail "$(tail -n 1 "$IT_DIR/make-zones.out")"
	elif [ "$rc" != 0 ]; then
		cat "$IT_DIR/make-zones.out"
		it_harness_error "make-zones.sh failed (status $rc)"
	fi
	[ -f "$IT_DIR/dnssec-ca.pem" ] || it_make_pki dnssec "$DU_NAME"
	# Hints that name the test root's server; never used for a query.
	printf '.\t3600000\tIN\tNS\tns.root-servers.\nns.root-servers.\t3600000\tIN\tA\t192.0.2.53\n' \
		>"$dir/root.hints"
	for _ in 1 2 3; do
		DU_PORT=$(it_free_port)
		DU_PLAIN_PORT=$(it_free_port)
		[ "$DU_PORT" != "$DU_PLAIN_PORT" ] || continue
		{
			echo "server:"
			echo "	interface: 127.0.0.1@$DU_PORT"
			echo "	interface: 127.0.0.1@$DU_PLAIN_PORT"
			echo "	tls-port: $DU_PORT"
			echo "	tls-service-key: \"$IT_DIR/dnssec-key.pem\""
			echo "	tls-service-pem: \"$IT_DIR/dnssec-cert.pem\""
			it_unbound_server_options
			echo "	root-hints: \"$dir/root.hints\""
			# test. is reserved (RFC 6761): unbound answers it itself unless told.
			echo '	local-zone: "test." nodefault'
			echo "	do-not-query-address: 0.0.0.0/0"
			echo "	do-not-query-address: ::/0"
			for z in $IT_DNSSEC_ZONES; do
				file=${z%.}.signed
				[ "$z" = . ] && file=root.signed
				echo "auth-zone:"
				echo "	name: \"$z\""
				echo "	zonefile: \"$dir/$file\""
				echo "	for-upstream: yes"
				echo "	for-downstream: no"
				echo "	fallback-enabled: no"
			done
		} >"$conf"
		: >"$DU_LOG"
		unbound -d -c "$conf" >>"$DU_LOG" 2>&1 &
		DU_PID=$!
		IT_PIDS+=("$DU_PID")
		for ((i = 0; i < IT_START_TIMEOUT * 10; i++)); do
			kill -0 "$DU_PID" 2>/dev/null || break
			if it_dnssec_upstream_selfcheck; then return 0; fi
			sleep 0.1
		done
		if kill -0 "$DU_PID" 2>/dev/null; then
			printf '%s\n' "$DU_SELFCHECK"
			cat "$DU_LOG"
			it_harness_error "the DNSSEC unbound does not answer www.secure.test with its RRSIG over DoT"
		fi
		it_kill_pid "$DU_PID"
		grep -qi 'address already in use' "$DU_LOG" || break
	done
	cat "$DU_LOG"
	it_harness_error "the DNSSEC unbound did not start"
}

# The DNSSEC unbound answers www.secure.test A with its RRSIG over DoT.
it_dnssec_upstream_selfcheck() {
	DU_SELFCHECK=$(kdig @127.0.0.1 -p "$DU_PORT" +retry=0 +timeout=2 +tls +tls-ca="$DU_CA" \
		+tls-hostname="$DU_NAME" +dnssec www.secure.test A 2>&1)
	printf '%s\n' "$DU_SELFCHECK" | grep -q 'status: NOERROR' &&
		printf '%s\n' "$DU_SELFCHECK" | grep -Eq '^www\.secure\.test\.[[:space:]].*RRSIG[[:space:]]+A '
}

# it_dig_dnssec_upstream [kdig args...]: it_dig straight to the DNSSEC
# unbound over DoT (authenticated as dns.test by the test CA).
it_dig_dnssec_upstream() {
	it_dig @127.0.0.1 -p "$DU_PORT" +tls +tls-ca="$DU_CA" +tls-hostname="$DU_NAME" "$@"
}

# it_conf_dnssec_upstream NAME [key = value lines...]: an [upstream NAME]
# section for the DNSSEC unbound, authenticated by name and the test CA.
it_conf_dnssec_upstream() {
	local name=$1 line
	shift
	echo "[upstream $name]"
	echo "address = 127.0.0.1:$DU_PORT"
	echo "tls-name = $DU_NAME"
	echo "ca-file = $DU_CA"
	for line in "$@"; do echo "$line"; done
	echo
}

# The last it_dig's OPT pseudosection, read. it_ede: kdig's EDE line
# ("6 (DNSSEC Bogus): 'text'"), empty without one. it_has_do: its OPT has
# the DO flag. it_rrsig_count: RRSIG records in the answer section.
it_ede() { printf '%s\n' "$IT_OUT" | sed -n 's/^;; EDE: //p' | head -n 1; }
it_has_do() { printf '%s\n' "$IT_OUT" | grep -Eq '^;; Version: [0-9]+; flags: ([a-z]+ )*do(;| )'; }
it_rrsig_count() { it_answers | awk '$4 == "RRSIG"' | wc -l; }
