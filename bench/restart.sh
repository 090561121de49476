#!/usr/bin/env bash
# The first query after a restart, with and without persisted state
# ([server] state-dir). Against unbound serving DoT on loopback (the test
# PKI, a local zone: it answers at once), dotstub is started afresh ROUNDS
# times (default 10) for each case, and the first query's round trip is
# taken from kdig (UDP, microsecond resolution):
#
#   cold          no state-dir: a full TLS handshake, then the upstream
#   resumed       state-dir holding the previous run's TLS ticket, a name
#                 not cached: a resumed handshake, then the upstream
#   warm          state-dir, a name cached by the previous run: answered
#                 from the cache, no upstream at all
#
# Each case checks what it claims: the log of every "cold" run shows a
# full handshake, of every "resumed" run a resumed one, and a "warm" run
# opens no upstream connection before answering. unbound gets a fixed
# session ticket key so that its tickets stay valid across dotstub's runs.
#
# Usage: bench/restart.sh [BUILDDIR]   (default: the current directory,
# which must hold a built dotstub). Needs kdig, certtool, unbound.
# Everything runs on loopback; every process is stopped by PID at exit.
# Prints a Markdown table of medians (ms) and the ratios to "cold".
set -u
BUILD=$(cd "${1:-.}" && pwd)
export DOTSTUB=${DOTSTUB:-$BUILD/dotstub}
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${ROUNDS:-10}
# shellcheck source=../tests/integration/lib.sh
. "$HERE/../tests/integration/lib.sh"
# shellcheck disable=SC2034 # read by lib.sh
DOTSTUB_IT_ARGS="-v"
it_need kdig certtool unbound

it_make_pki dot dot.test
head -c 80 /dev/urandom >"$IT_DIR/ticket.key"
# unbound's configuration is it_zone_data's lines after "server:": add the ticket key there.
eval "$(declare -f it_zone_data | sed '1s/it_zone_data/it_zone_data_plain/')"
it_zone_data() {
	echo "	tls-session-ticket-keys: \"$IT_DIR/ticket.key\""
	it_zone_data_plain
}
it_start_unbound dot

STATE=
conf() {
	IT_SERVER_EXTRA=${STATE:+state-dir = $STATE} it_conf_server
	it_conf_upstream ub "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}

# first_query NAME: starts dotstub, times one query for NAME, stops it; the ms in MS.
# (Not in a subshell: the harness keeps its processes and logs in variables.)
first_query() {
	it_start_dotstub conf
	it_dig +notcp "$1" A
	MS=$(printf '%s\n' "$IT_OUT" | sed -n 's/^;; From .* in \([0-9.]*\) ms$/\1/p' | head -n 1)
	it_stop_dotstub TERM >/dev/null
	[ -n "$MS" ] || it_harness_error "no answer for $1: $IT_OUT"
}

# check CASE ERE: every run's log of CASE matched ERE (a harness error otherwise).
check() {
	grep -Eq -- "$2" "$DS_LOG" || it_harness_error "$1: the log does not show /$2/: $(cat "$DS_LOG")"
}

cold=() resumed=() warm=()
for ((r = 1; r <= ROUNDS; r++)); do
	STATE=
	first_query "q$((r % 20 + 1)).dotstub.test"
	cold+=("$MS")
	check cold 'TLS session up \(full handshake'

	STATE=$IT_DIR/state-$r
	first_query www.dotstub.test # primes: a ticket and www cached
	first_query "q$((r % 20 + 1)).dotstub.test"
	resumed+=("$MS")
	check resumed 'TLS session up \(resumed'
	first_query www.dotstub.test
	warm+=("$MS")
	check warm 'state: read .* [1-9][0-9]* cached answers'
	# Answered from the cache: no connection was opened for it.
	if grep -q 'TLS session up' "$DS_LOG"; then
		it_harness_error "warm: an upstream connection was opened: $(cat "$DS_LOG")"
	fi
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
least() { printf '%s\n' "$@" | sort -g | head -n 1; }
mc=$(median "${cold[@]}") mr=$(median "${resumed[@]}") mw=$(median "${warm[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "First query after a restart, $ROUNDS restarts each, kdig's round trip (UDP);"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| case | state | handshake | answered from | median ms | vs cold | least ms | all runs (ms) |"
echo "| --- | --- | --- | --- | ---: | ---: | ---: | --- |"
printf '| cold | none | full | upstream | %s | 1 | %s | %s |\n' "$mc" "$(least "${cold[@]}")" \
	"${cold[*]}"
printf '| resumed | ticket, name not cached | resumed | upstream | %s | %s | %s | %s |\n' "$mr" \
	"$(ratio "$mr" "$mc")" "$(least "${resumed[@]}")" "${resumed[*]}"
printf '| warm | ticket and cache | none | cache | %s | %s | %s | %s |\n' "$mw" \
	"$(ratio "$mw" "$mc")" "$(least "${warm[@]}")" "${warm[*]}"
it_done >/dev/null
