# Helpers for the integration tests that use testup, the project's own
# fault-injecting DoT upstream (tests/tools/testup.py; its header documents
# the behaviours, the control port and the log format). Sourced (bash)
# after lib.sh, whose PKI, port, process and result helpers these build on.
#
# Each testup instance gets a short upper-case tag (P, S, ...): it_start_testup
# sets TAG_PORT, TAG_CTL (control port), TAG_LOG, TAG_STATS and TAG_PID, and
# the other helpers take the tag. Logs are named testup-TAG.log so that
# it_show_logs prints them when a test fails.

IT_TOOLS=$(cd "$IT_SRCDIR/../tools" && pwd)
IT_TESTUP=(python3 "$IT_TOOLS/testup.py")
# shellcheck disable=SC2034 # for the scripts that source this file
IT_UDPBURST=(python3 "$IT_TOOLS/udpburst.py")

# dotstub must log connection events (info) for these tests.
DOTSTUB_IT_ARGS="-v ${DOTSTUB_IT_ARGS:-}"

# it_start_testup TAG PKI [serve options...]: starts testup with PKI's
# certificate (from it_make_pki) and waits for its "ready" line. testup
# picks its own free loopback ports (--port auto) and names them there, so
# no port can be taken in between. Failing to start is a harness error (99).
it_start_testup() {
	local tag=$1 p=$IT_DIR/$2 log err pid i ready
	shift 2
	log=$IT_DIR/testup-$tag.log
	err=$IT_DIR/testup-$tag-stderr.log
	: >"$log"
	"${IT_TESTUP[@]}" serve --cert "$p-cert.pem" --key "$p-key.pem" --port auto \
		--control-port auto --log "$log" --stats "$IT_DIR/testup-$tag.stats" \
		--seconds 120 "$@" >>"$err" 2>&1 &
	pid=$!
	IT_PIDS+=("$pid")
	for ((i = 0; i < IT_START_TIMEOUT * 10; i++)); do
		ready=$(grep -m 1 '^ready ' "$log")
		[ -n "$ready" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$ready" ]; then
		cat "$err"
		it_harness_error "testup $tag did not start within ${IT_START_TIMEOUT}s"
	fi
	# ready port=P control=C
	ready=${ready#ready port=}
	printf -v "${tag}_PORT" %s "${ready%% *}"
	printf -v "${tag}_CTL" %s "${ready##*control=}"
	printf -v "${tag}_LOG" %s "$log"
	printf -v "${tag}_STATS" %s "$IT_DIR/testup-$tag.stats"
	printf -v "${tag}_PID" %s "$pid"
}

# it_testup_ctl TAG COMMAND...: one control command (testup.py's header
# lists them), sent with bash's /dev/tcp (no tool to start); the reply is
# left in IT_CTL_REPLY. A refused command, or no reply within 5 s, is a
# harness error: the test would not be testing what it says.
it_testup_ctl() {
	local tag=$1 port fd
	shift
	port=${tag}_CTL
	IT_CTL_REPLY=
	if exec {fd}<>"/dev/tcp/127.0.0.1/${!port}"; then
		printf '%s\n' "$*" >&"$fd"
		read -r -t 5 IT_CTL_REPLY <&"$fd"
		exec {fd}>&-
	fi
	case $IT_CTL_REPLY in
	ok*) ;;
	*) it_harness_error "testup $tag: '$*' got '${IT_CTL_REPLY:-no reply}'" ;;
	esac
}

# it_conf_testup NAME TAG PKI: an [upstream NAME] section for testup TAG,
# authenticated by name (PKI's certificates are made for dot.test).
it_conf_testup() {
	local port=${2}_PORT
	echo "[upstream $1]"
	echo "address = 127.0.0.1:${!port}"
	echo "tls-name = dot.test"
	echo "ca-file = $IT_DIR/$3-ca.pem"
	echo
}

# it_testup_queries TAG [ERE]: testup's query lines (matching ERE, ignoring
# case, as names are compared).
it_testup_queries() {
	local log=${1}_LOG
	grep '^query ' "${!log}" | grep -Ei -- "${2:-.}"
}

# it_testup_names TAG [ERE]: the qnames of those query lines, lower-cased,
# one a line (sort | uniq -c counts how often each reached testup).
it_testup_names() {
	it_testup_queries "$@" | sed -n 's/.* qname=\([^ ]*\) .*/\1/p' | tr '[:upper:]' '[:lower:]'
}

# it_testup_count TAG ERE: how many log lines match ERE.
it_testup_count() {
	local log=${1}_LOG
	grep -cE -- "$2" "${!log}"
}

# it_testup_field TAG ERE FIELD: the value of FIELD= on each matching line.
it_testup_field() {
	local log=${1}_LOG
	grep -E -- "$2" "${!log}" | sed -n "s/.* $3=\([^ ]*\).*/\1/p"
}

# it_wait_log FILE ERE SECONDS: waits (bounded) until FILE has a line
# matching ERE; status 1 on timeout.
it_wait_log() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -Eq -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# it_dig_ms: the round-trip time kdig reported for the last it_dig, in
# whole milliseconds ("-" when there was no answer).
it_dig_ms() {
	local ms
	ms=$(printf '%s\n' "$IT_OUT" | sed -n 's/^;; From .* in \([0-9.]*\) ms$/\1/p' | head -n 1)
	if [ -n "$ms" ]; then echo "${ms%.*}"; else echo -; fi
}

# it_primary_secondary MODE: the failover set-up. A PKI, testup P in MODE
# answering 192.0.2.1 and testup S answering 192.0.2.2 (so a test can
# tell who answered), and conf(), a configuration listing P then S.
it_primary_secondary() {
	it_make_pki dot dot.test
	it_start_testup P dot --a 192.0.2.1 --mode "$1"
	it_start_testup S dot --a 192.0.2.2
	conf() {
		it_conf_server
		it_conf_testup primary P dot
		it_conf_testup secondary S dot
	}
}
