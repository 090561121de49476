# shellcheck shell=bash
# Shared helpers for bench/run.sh and bench/callgrind.sh (sourced by bash).
#
# Everything runs on loopback, in the foreground, from a private temp dir
# ($B_TMP): a throwaway PKI (certtool), an unbound DoT upstream that answers
# every name under bench.example. with one A record (a `redirect` local-zone)
# and refuses everything else, and the system under test (SUT) forwarding to
# it. No system service is used; every process started here is recorded and
# stopped by PID on exit. No config here names a non-loopback address, root
# hints are never used, and DNSSEC trust-anchor updates are off: no process
# started here has a reason to leave the machine.

B_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BU=(python3 "$B_SRCDIR/benchutil.py")
B_ZONE=bench.example
B_TLS_NAME=dot.bench.example
B_TTL=3600
B_PIDS=()
# How long a system may take to start (seconds); valgrind sets this higher.
B_START_TIMEOUT=${B_START_TIMEOUT:-20}

B_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dotstub-bench.XXXXXX") || exit 1

b_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
b_die() {
	b_log "ERROR: $*"
	exit 1
}

# Stops one process: SIGTERM, a bounded wait (10 s), then SIGKILL.
b_kill() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || {
		wait "$pid" 2>/dev/null
		return 0
	}
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

b_cleanup() {
	local rc=$? pid
	for pid in "${B_PIDS[@]}"; do b_kill "$pid"; done
	if [ "${B_KEEP:-0}" = 1 ]; then
		b_log "kept $B_TMP"
	else
		rm -rf "$B_TMP"
	fi
	exit "$rc"
}
trap b_cleanup EXIT
trap 'exit 130' INT TERM HUP

b_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || b_die "$t not found (see bench/README.md: install it)"
	done
}

# b_ports [N]: N free loopback ports (default 1).
# shellcheck disable=SC2120 # N is optional
b_ports() { "${BU[@]}" ports "$@"; }

# b_send FILE: each line of FILE once to the system under test (SUT_PORT)
# at RATE q/s with dnsperf, bounded in time; prints "sent completed noerror".
b_send() {
	local f=$1 n
	n=$(wc -l <"$f")
	timeout $((n / RATE + 60)) dnsperf -s 127.0.0.1 -p "$SUT_PORT" -d "$f" -n 1 -c 10 -q 100 \
		-Q "$RATE" -t 10 >"$B_TMP/dnsperf.out" 2>&1
	"${BU[@]}" dnsperf "$B_TMP/dnsperf.out" |
		python3 -c 'import json,sys; r=json.load(sys.stdin); print(r.get("sent",0), r.get("completed",0), r.get("noerror",0))'
}

# --- PKI -----------------------------------------------------------------

# A CA and an ECDSA server certificate for $B_TLS_NAME. Sets B_CA, B_CERT,
# B_KEY and B_PIN (base64 SHA-256 of the server's SubjectPublicKeyInfo).
b_make_pki() {
	local d=$B_TMP/pki
	mkdir -p "$d"
	printf 'cn = "dotstub bench CA"\nca\ncert_signing_key\nexpiration_days = 2\n' >"$d/ca.tmpl"
	printf 'cn = "%s"\ndns_name = "%s"\ntls_www_server\nsigning_key\nexpiration_days = 2\n' \
		"$B_TLS_NAME" "$B_TLS_NAME" >"$d/srv.tmpl"
	{
		certtool --generate-privkey --key-type=ecdsa --outfile "$d/ca.key" &&
			certtool --generate-self-signed --load-privkey "$d/ca.key" \
				--template "$d/ca.tmpl" --outfile "$d/ca.pem" &&
			certtool --generate-privkey --key-type=ecdsa --outfile "$d/key.pem" &&
			certtool --generate-certificate --load-privkey "$d/key.pem" \
				--load-ca-certificate "$d/ca.pem" --load-ca-privkey "$d/ca.key" \
				--template "$d/srv.tmpl" --outfile "$d/cert.pem"
	} >"$d/certtool.log" 2>&1 || {
		cat "$d/certtool.log" >&2
		b_die "certtool could not make the PKI"
	}
	B_CA=$d/ca.pem B_CERT=$d/cert.pem B_KEY=$d/key.pem
	B_PIN=$(certtool --certificate-info --infile "$B_CERT" 2>/dev/null |
		sed -n 's/^[[:space:]]*pin-sha256:\([A-Za-z0-9+/=]*\).*/\1/p' | head -n 1)
	[ -n "$B_PIN" ] || b_die "no pin-sha256 in certtool's output"
}

# --- the upstream ----------------------------------------------------------

# Starts unbound as the DoT upstream. Sets UP_PORT, UP_PID, UP_LOG.
# One thread; it answers from a redirect local-zone (no cache involved) and
# refuses every other name, so it never recurses; do-not-query-address
# forbids it any outgoing query at all.
b_start_upstream() {
	local d=$B_TMP/upstream i
	mkdir -p "$d"
	UP_PORT=$(b_ports)
	UP_LOG=$d/unbound.log
	cat >"$d/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$UP_PORT
	tls-port: $UP_PORT
	tls-service-key: "$B_KEY"
	tls-service-pem: "$B_CERT"
	access-control: 127.0.0.0/8 allow
	do-daemonize: no
	chroot: ""
	username: ""
	pidfile: ""
	use-syslog: no
	logfile: ""
	directory: "$d"
	module-config: "iterator"
	num-threads: 1
	do-ip6: no
	verbosity: 0
	incoming-num-tcp: 256
	do-not-query-address: 0.0.0.0/0
	do-not-query-address: ::/0
	local-zone: "." refuse
	local-zone: "$B_ZONE." redirect
	local-data: "$B_ZONE. $B_TTL IN A 192.0.2.1"
remote-control:
	control-enable: no
EOF
	cp "$d/unbound.conf" "$B_TMP/configs-upstream.conf" 2>/dev/null
	unbound -d -c "$d/unbound.conf" >"$UP_LOG" 2>&1 &
	UP_PID=$!
	B_PIDS+=("$UP_PID")
	for ((i = 0; i < 100; i++)); do
		kill -0 "$UP_PID" 2>/dev/null || break
		if "${BU[@]}" probe "$UP_PORT" "ready.$B_ZONE" --tls "$B_CA" "$B_TLS_NAME"; then
			return 0
		fi
		sleep 0.1
	done
	cat "$UP_LOG" >&2
	b_die "the unbound DoT upstream did not answer on 127.0.0.1:$UP_PORT"
}

# --- systems under test -------------------------------------------------------

# b_conf_SYSTEM DIR PORT: writes DIR/SYSTEM.conf; b_cmd_SYSTEM DIR PORT:
# prints the command line (one word a line). Each config names only
# loopback addresses.

# dotstub takes as many threads as cores (at most 4); dotstub1 is the same with threads = 1.
# DNSSEC validation is off (DOTSTUB_DNSSEC=validate turns it on): the bench
# upstream's names are made up, with no chain of trust, and the other
# forwarders here do not validate either (bench/dnssec.sh compares that).
# DOTSTUB_SERVER_EXTRA (lines) goes into [server], DOTSTUB_EXTRA (sections)
# at the end: e.g. a blocklist and [zone]s for the policy's per-query cost.
b_conf_dotstub() {
	cat >"$1/dotstub.conf" <<EOF
[server]
listen = 127.0.0.1:$2
threads = ${3:-0}
dnssec = ${DOTSTUB_DNSSEC:-off}
${DOTSTUB_SERVER_EXTRA:-}

[cache]
size = ${DOTSTUB_CACHE:-64m}

[upstream bench]
address = 127.0.0.1:$UP_PORT
tls-name = $B_TLS_NAME
ca-file = $B_CA
pin-sha256 = $B_PIN

${DOTSTUB_EXTRA:-}
EOF
}
b_cmd_dotstub() { printf '%s\n' "$DOTSTUB" -c "$1/dotstub.conf"; }
b_conf_dotstub1() { b_conf_dotstub "$1" "$2" 1; }
b_cmd_dotstub1() { b_cmd_dotstub "$@"; }

# Stubby: strict (authentication required), pinned, TLS only, no DNSSEC
# (so no trust-anchor fetch: this getdns build has no trust_anchors_url
# setting, and nothing asks it for DNSSEC).
b_conf_stubby() {
	cat >"$1/stubby.yml" <<EOF
resolution_type: GETDNS_RESOLUTION_STUB
dns_transport_list:
  - GETDNS_TRANSPORT_TLS
tls_authentication: GETDNS_AUTHENTICATION_REQUIRED
tls_query_padding_blocksize: 128
edns_client_subnet_private: 1
round_robin_upstreams: 0
idle_timeout: 10000
appdata_dir: "$1"
tls_ca_file: "$B_CA"
listen_addresses:
  - 127.0.0.1@$2
upstream_recursive_servers:
  - address_data: 127.0.0.1
    tls_port: $UP_PORT
    tls_auth_name: "$B_TLS_NAME"
    tls_pubkey_pinset:
      - digest: "sha256"
        value: $B_PIN
EOF
}
b_cmd_stubby() { printf '%s\n' stubby -C "$1/stubby.yml"; }

# Unbound as a caching forwarder over DoT (CA + name; it has no pins).
b_conf_unbound() {
	cat >"$1/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$2
	access-control: 127.0.0.0/8 allow
	do-daemonize: no
	chroot: ""
	username: ""
	pidfile: ""
	use-syslog: no
	logfile: ""
	directory: "$1"
	module-config: "iterator"
	do-ip6: no
	do-not-query-localhost: no
	tls-cert-bundle: "$B_CA"
	verbosity: 1
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$UP_PORT#$B_TLS_NAME
	forward-tls-upstream: yes
	forward-first: no
remote-control:
	control-enable: no
EOF
}
b_cmd_unbound() { printf '%s\n' unbound -d -c "$1/unbound.conf"; }

# dnsdist: one DoT backend (CA + name), a packet cache, security polling
# off (it would otherwise look up a name on the internet), health checks
# for a name the upstream answers.
b_conf_dnsdist() {
	cat >"$1/dnsdist.conf" <<EOF
setSecurityPollSuffix("")
setLocal("127.0.0.1:$2")
newServer({address="127.0.0.1:$UP_PORT", tls="openssl", subjectName="$B_TLS_NAME",
           caStore="$B_CA", validateCertificates=true, checkName="ready.$B_ZONE."})
pc = newPacketCache(500000, {maxTTL=86400, minTTL=0})
getPool(""):setCache(pc)
EOF
}
b_cmd_dnsdist() { printf '%s\n' dnsdist --supervised --disable-syslog -C "$1/dnsdist.conf"; }

# kresd: everything forwarded over TLS to the upstream (CA + name), trust
# anchor and its RFC 5011 updates, priming and time-skew probes removed,
# tcp_pipeline raised from 100 (see BENCH-NOTES).
b_conf_kresd() {
	cat >"$1/kresd.conf" <<EOF
log_target('stderr')
trust_anchors.remove('.')
modules.unload('ta_update')
modules.unload('ta_signal_query')
modules.unload('priming')
modules.unload('detect_time_skew')
net.ipv6 = false
net.listen('127.0.0.1', $2, { kind = 'dns' })
net.tcp_pipeline(1000)
cache.open(64 * MB, 'lmdb://$1/cache')
policy.add(policy.all(policy.TLS_FORWARD({
	{ '127.0.0.1@$UP_PORT', hostname = '$B_TLS_NAME', ca_file = '$B_CA' } })))
EOF
	mkdir -p "$1/run"
}
b_cmd_kresd() { printf '%s\n' kresd -n -c "$1/kresd.conf" "$1/run"; }

b_conf_floor() { :; }
b_cmd_floor() { printf '%s\n' "$FLOOR" "$2"; }

b_version() {
	case $1 in
	dotstub | dotstub1) "$DOTSTUB" -V 2>&1 | head -n 1 ;;
	stubby) echo "$(stubby -V 2>&1 | head -n 1) (Debian package stubby $(dpkg-query -W -f '${Version}' stubby 2>/dev/null), getdns $(dpkg-query -W -f '${Version}' libgetdns10 2>/dev/null))" ;;
	unbound) unbound -V 2>&1 | sed -n 's/^Version /unbound /p' | head -n 1 ;;
	dnsdist) dnsdist --version 2>&1 | head -n 1 ;;
	kresd) kresd --version 2>&1 | head -n 1 ;;
	floor) echo "bench/floor (this tree)" ;;
	dnsperf) dnsperf -h 2>&1 | sed -n 's/^Version //p' | head -n 1 | sed 's/^/dnsperf /' ;;
	valgrind) valgrind --version ;;
	esac
}

# b_versions_json SYSTEM...: the closing "versions" member of a meta.json
# object (each system's b_version, then the upstream's), ending the object.
b_versions_json() {
	local s sep=
	printf ' "versions": {'
	for s in "$@"; do
		# shellcheck disable=SC1003 # a quote and a backslash, deleted
		printf '%s"%s": "%s"' "$sep" "$s" "$(b_version "$s" | tr -d '"\\')"
		sep=", "
	done
	printf ', "upstream": "%s"}}\n' "$(b_version unbound) (1 thread, redirect local-zone)"
}

# b_start SYSTEM [WRAPPER...]: a fresh instance of SYSTEM on a free port,
# waited for until it answers a query end to end (which also opens its
# upstream connection). Sets SUT_PID, SUT_PORT, SUT_DIR, SUT_LOG. Returns 1
# (with the log tail on stderr) if it does not come up.
B_RUNS=0
b_start() {
	local sys=$1 i
	local -a cmd
	shift
	B_RUNS=$((B_RUNS + 1))
	SUT_DIR=$B_TMP/$sys-$B_RUNS
	mkdir -p "$SUT_DIR"
	SUT_LOG=$SUT_DIR/log
	for _ in 1 2 3; do
		SUT_PORT=$(b_ports)
		"b_conf_$sys" "$SUT_DIR" "$SUT_PORT"
		mapfile -t cmd < <("b_cmd_$sys" "$SUT_DIR" "$SUT_PORT")
		"$@" "${cmd[@]}" >"$SUT_LOG" 2>&1 </dev/null &
		SUT_PID=$!
		B_PIDS+=("$SUT_PID")
		for ((i = 0; i < B_START_TIMEOUT * 10; i++)); do
			kill -0 "$SUT_PID" 2>/dev/null || break
			if "${BU[@]}" probe "$SUT_PORT" "ready.$B_ZONE" --timeout 1; then
				return 0
			fi
			sleep 0.1
		done
		b_kill "$SUT_PID"
		grep -qi 'address already in use' "$SUT_LOG" || break
	done
	b_log "$sys did not answer on 127.0.0.1:$SUT_PORT; last lines of its log:"
	tail -n 20 "$SUT_LOG" >&2
	return 1
}

b_stop() {
	b_kill "$SUT_PID"
	SUT_PID=
}
