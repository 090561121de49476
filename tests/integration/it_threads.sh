#!/usr/bin/env bash
# [server] threads: with threads = 2 the listen address has two UDP
# sockets (one per loop, one SO_REUSEPORT group); 400 concurrent UDP
# clients (400 source ports, so both loops get some) each get their own
# right answer, first as misses (a worker passes them to the main loop,
# whose socket answers) and then as cache hits (each loop answers its own
# from the one shared cache: the upstream sees every name once); the
# control socket shows both loops took queries. A reload to threads = 3
# adds a socket and a loop, one to threads = 1 leaves one socket (which
# another user cannot bind beside it), and the answers stay right
# throughout; dotstub then stops cleanly.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"
it_need certtool ss
it_need_control

ALL400='sent=400 answered=400 correct=400 wrong=0 missing=0 duplicates=0'
DS_CTL=$IT_DIR/control
THREADS=2
it_make_pki dot dot.test
it_start_testup T dot --a hash:10
conf() {
	IT_THREADS=$THREADS IT_SERVER_EXTRA="control = $DS_CTL" it_conf_server
	it_conf_testup tu T dot
}

# udp_sockets: how many UDP sockets are bound to dotstub's port.
udp_sockets() {
	ss -H -uln "sport = :$DS_PORT" | grep -c .
}

# burst PREFIX WHAT: 400 concurrent clients, each must get its own answer.
burst() {
	local out summary
	out=$("${IT_UDPBURST[@]}" 127.0.0.1 "$DS_PORT" --count 400 --prefix "$1" --a hash:10 \
		--timeout 8 --grace 0.5)
	summary=$(printf '%s\n' "$out" | tail -n 1)
	it_expect_eq "$2" "$ALL400" "$summary"
	[ "$summary" = "$ALL400" ] || printf '%s\n' "$out" | head -n 5 | sed 's/^/    | /'
}

# reload_to N: rewrites the file with threads = N and reloads.
reload_to() {
	THREADS=$1
	conf >"$DS_CONF"
	it_ctl reload
	it_expect_eq "reload to threads = $1: exit status" 0 "$CTL_RC"
}

it_start_dotstub conf
# The worker threads start after the TCP listener accepts, so the line may
# come a moment after it_start_dotstub returns (TSan made that visible).
if it_wait_log "$DS_LOG" 'info: 2 threads take UDP queries' 5; then
	it_pass "the log says how many loops take UDP queries"
else
	it_fail "the log says how many loops take UDP queries: no 'info: 2 threads take UDP queries' within 5 s"
fi
it_expect_eq "threads = 2: two UDP sockets on the listen port" 2 "$(udp_sockets)"

burst miss "threads = 2: 400 concurrent misses, each client gets its own answer"
burst miss "threads = 2: the same 400 again, from the cache, each right"
it_expect_eq "the upstream saw each name once (the second round was all hits)" 400 \
	"$(it_testup_names T 'qname=miss' | grep -c .)"

it_ctl stats
it_expect_eq "stats: 2 threads" 2 "$(it_ctl_field threads)"
by_thread=$(it_ctl_field 'queries by thread')
it_log "queries by thread: $by_thread"
it_expect_match "stats: both loops took queries" '^[1-9][0-9]* [1-9][0-9]*$' "$by_thread"
total=$(it_ctl_field queries)
it_expect_eq "stats: the loops' queries add up to the total" "$total" \
	"$(printf '%s\n' "$by_thread" | awk '{ for (i = 1; i <= NF; i++) s += $i; print s }')"
it_expect_match "stats: at least 400 cache hits" '^([4-9][0-9]{2}|[0-9]{4,})$' \
	"$(it_ctl_field 'cache hits')"

reload_to 3
it_expect_eq "threads = 3: three UDP sockets" 3 "$(udp_sockets)"
burst miss "threads = 3: 400 hits kept through the reload, each right"
burst three "threads = 3: 400 new misses, each right"
it_ctl stats
it_expect_eq "stats: 3 threads" 3 "$(it_ctl_field threads)"

reload_to 1
it_expect_eq "threads = 1: one UDP socket" 1 "$(udp_sockets)"
# Another user must not be able to bind the address and take datagrams
# (SO_REUSEADDR, which libuv sets, is cleared; SO_REUSEPORT admits only root).
if [ "$(id -u)" = 0 ]; then
	for opt in SO_REUSEADDR SO_REUSEPORT; do
		got=$(python3 - "$DS_PORT" "$opt" <<'PY'
import os, socket, sys
os.setgid(65534)
os.setuid(65534)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, getattr(socket, sys.argv[2]), 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
    print("bound")
except OSError as e:
    print("refused" if e.errno == 98 else "error %d" % e.errno)
PY
)
		it_expect_eq "another user cannot bind the listen address with $opt" refused "$got"
	done
else
	it_log "not root: the other-user bind check is skipped"
fi
burst one "threads = 1: 400 new misses, each right"
it_ctl stats
it_expect_eq "stats: 1 thread" 1 "$(it_ctl_field threads)"

it_stop_dotstub
it_done
