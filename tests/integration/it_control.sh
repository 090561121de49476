#!/usr/bin/env bash
# The control socket and dotstub-control, every command against a running
# dotstub whose first upstream has a wrong pin (so it fails over to the
# second, and the pin failure shows), with the query log on:
#   status, upstreams, stats, flush NAME, flush, reload, help, config (its
#   output passes dotstub -t); an unknown command; the socket's mode
#   (0600); a second dotstub on the same socket refuses to start; the
#   socket is gone after shutdown; the query log has one line per answer.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"
it_need_control

it_make_pki dot dot.test
it_start_unbound dot
DS_CTL=$IT_DIR/run/control
mkdir -p "$IT_DIR/run"
conf() {
	it_conf_server | sed "s|^\[server\]\$|[server]\ncontrol = $DS_CTL\nlog-queries = yes|"
	it_conf_upstream badpin "pin-sha256 = $(it_wrong_pin)" "pin-sha256 = $(printf '%032d' 1 | base64)"
	it_conf_upstream good "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}
it_start_dotstub conf

it_expect_eq "the socket is owner-only (0600)" 600 "$(stat -c %a "$DS_CTL")"
it_expect_eq "the socket is a socket" socket "$(stat -c %F "$DS_CTL" | sed 's/.* //')"

# status
it_ctl status
it_expect_eq "status: exit status" 0 "$CTL_RC"
it_expect_eq "status: version" "$PACKAGE_VERSION" "$(it_ctl_field version)"
it_expect_eq "status: config file" "$DS_CONF" "$(it_ctl_field config)"
it_expect_eq "status: listener" "127.0.0.1:$DS_PORT (udp, tcp)" "$(it_ctl_field listen)"
it_expect_eq "status: control socket" "$DS_CTL" "$(it_ctl_field control)"
it_expect_match "status: uptime in seconds" '^[0-9]+s$' "$(it_ctl_field uptime)"

# Traffic: a miss (the bad pin fails over to good), a hit, an NXDOMAIN.
it_dig +notcp www.dotstub.test A
it_expect_a "a query fails over from the bad pin" 192.0.2.1
it_dig +notcp www.dotstub.test A
it_expect_a "and is then answered from the cache" 192.0.2.1
it_dig +notcp nx.dotstub.test A
it_expect_rcode "an NXDOMAIN" NXDOMAIN

# upstreams: the pin failure, the good one's connection and handshake.
it_ctl upstreams
it_expect_eq "upstreams: exit status" 0 "$CTL_RC"
bad=$(printf '%s\n' "$CTL_OUT" | sed -n '/^upstream badpin$/,/^$/p')
good=$(printf '%s\n' "$CTL_OUT" | sed -n '/^upstream good$/,/^$/p')
it_expect_match "upstreams: the bad one counts a pin failure" 'failures: .*pin [1-9]' "$bad"
it_expect_match "upstreams: ... and says why" 'last error: pin mismatch' "$bad"
it_expect_match "upstreams: ... and is no longer up" 'state: (suspect|down|probing)' "$bad"
it_expect_match "upstreams: ... its authentication" 'authentication: 2 pins' "$bad"
it_expect_match "upstreams: the good one is up" 'state: up for [0-9]+ s' "$good"
it_expect_match "upstreams: ... with one connection open" 'connections open: 1' "$good"
it_expect_match "upstreams: ... after one full handshake" 'handshakes: full 1, resumed 0' "$good"
it_expect_match "upstreams: ... and has answered" 'answers: [1-9]' "$good"
it_expect_match "upstreams: ... no failures" 'failures: timeout 0, connect 0, tls 0, certificate 0, pin 0, servfail 0, other 0' "$good"
it_expect_match "upstreams: ... its smoothed RTT" 'srtt: [0-9]+\.[0-9] ms \(deviation [0-9]+\.[0-9] ms\)' "$good"

# stats
it_ctl stats
it_expect_eq "stats: exit status" 0 "$CTL_RC"
it_expect_eq "stats: queries" 3 "$(it_ctl_field queries)"
it_expect_eq "stats: cache hits" 1 "$(it_ctl_field 'cache hits')"
it_expect_match "stats: answers by rcode" 'NOERROR 2, .*NXDOMAIN 1' "$(it_ctl_field answers)"
it_expect_eq "stats: no SERVFAIL" 0 "$(it_ctl_field servfail)"
it_expect_eq "stats: cache entries" 2 "$(it_ctl_field 'cache entries')"
it_expect_match "stats: cache bytes" '^[1-9][0-9]*$' "$(it_ctl_field 'cache bytes')"
it_expect_eq "stats: rate limited" 0 "$(it_ctl_field 'rate limited')"

# flush NAME: only that name goes.
it_ctl flush www.dotstub.test
it_expect_eq "flush NAME: exit status" 0 "$CTL_RC"
it_expect_eq "flush NAME: one entry dropped" "1 entries for www.dotstub.test" "$(it_ctl_field flushed)"
before=$(it_upstream_queries www.dotstub.test A)
it_dig +notcp WWW.dotstub.test A
it_expect_a "after flush NAME, the name is asked again" 192.0.2.1
it_expect_eq "... upstream" $((before + 1)) "$(it_upstream_queries www.dotstub.test A)"
it_ctl stats
it_expect_eq "... while the other name stayed cached" 2 "$(it_ctl_field 'cache entries')"

# flush: everything goes.
it_ctl flush
it_expect_eq "flush: exit status" 0 "$CTL_RC"
it_expect_eq "flush: every entry dropped" "2 entries" "$(it_ctl_field flushed)"
it_ctl stats
it_expect_eq "flush: the cache is empty" 0 "$(it_ctl_field 'cache entries')"
it_ctl flush 'bad name'
it_expect_eq "flush with a name that is not one: exit status" 1 "$CTL_RC"

# reload (the same file), help, mistakes.
it_ctl reload
it_expect_eq "reload: exit status" 0 "$CTL_RC"
it_expect_match "reload: says what it read" "^reloaded: $DS_CONF\$" "$CTL_OUT"
it_ctl help
it_expect_eq "help: exit status" 0 "$CTL_RC"
it_expect_match "help: lists the commands" 'status, upstreams, stats, flush \[NAME\], reload, config' "$CTL_OUT"

# config: the running configuration, with origins, which dotstub -t takes back.
it_ctl config
it_expect_eq "config: exit status" 0 "$CTL_RC"
line=$(grep -n '^log-queries = yes' "$DS_CONF" | cut -d: -f1)
it_expect_eq "config: a key from the file, with its FILE:LINE" "log-queries = yes  # $DS_CONF:$line" \
	"$(printf '%s\n' "$CTL_OUT" | grep '^log-queries = ' | sed 's/   *#/  #/')"
it_expect_match "config: a key left out, as its default" '^max-pending = 4096 +# default$' "$CTL_OUT"
it_expect_match "config: the upstreams" '^\[upstream good\] +# ' "$CTL_OUT"
printf '%s\n' "$CTL_OUT" >"$IT_DIR/printed.conf"
# shellcheck disable=SC2086 # the wrapper is a word list
it_expect_eq "config: its output passes dotstub -t" ok \
	"$(timeout 10 $IT_WRAPPER "$DOTSTUB" -t -c "$IT_DIR/printed.conf" 2>/dev/null)"
it_ctl frobnicate
it_expect_eq "an unknown command: exit status" 1 "$CTL_RC"
it_expect_match "an unknown command: says so" 'unknown command "frobnicate"' "$CTL_OUT"
it_ctl status extra
it_expect_eq "status with an argument: usage, exit status 2" 2 "$CTL_RC"
it_expect_eq "dotstub-control found via the configuration file" "$DS_CONF" \
	"$("$DOTSTUB_CONTROL" -c "$DS_CONF" status 2>&1 | sed -n 's/^config: //p')"
"$DOTSTUB_CONTROL" -s "$IT_DIR/run/nothing" status >/dev/null 2>&1
it_expect_eq "no socket: exit status 3" 3 "$?"

# The query log: one line per answer, with its source.
it_expect_match "query log: a miss answered upstream" \
	"info: query 127\.0\.0\.1 udp www\.dotstub\.test\. A NOERROR upstream:good [0-9]+ms" "$(cat "$DS_LOG")"
it_expect_match "query log: a hit from the cache" \
	"info: query 127\.0\.0\.1 udp www\.dotstub\.test\. A NOERROR cache 0ms" "$(cat "$DS_LOG")"
it_expect_match "query log: the NXDOMAIN" "query 127\.0\.0\.1 udp nx\.dotstub\.test\. A NXDOMAIN upstream:good" \
	"$(cat "$DS_LOG")"
it_expect_eq "query log: one line per answer" 4 "$(grep -c 'info: query ' "$DS_LOG")"

# A second dotstub on the same control socket does not start.
first_pid=$DS_PID first_log=$DS_LOG
PORT2=$(it_free_port)
sed "s/^listen = .*/listen = 127.0.0.1:$PORT2/" "$DS_CONF" >"$IT_DIR/second.conf"
timeout 10 "$DOTSTUB" -c "$IT_DIR/second.conf" 2>"$IT_DIR/second.log"
it_expect_eq "a second dotstub on the same socket: exit status 1" 1 "$?"
it_expect_match "... saying why" 'another process is serving this socket' "$(cat "$IT_DIR/second.log")"
it_ctl status
it_expect_eq "... and the first one still answers on it" 0 "$CTL_RC"

DS_PID=$first_pid DS_LOG=$first_log
it_stop_dotstub TERM
if [ -e "$DS_CTL" ]; then it_fail "the socket is still there after shutdown"; else
	it_pass "the socket is removed at shutdown"; fi
it_done
