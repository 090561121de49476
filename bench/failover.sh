#!/usr/bin/env bash
# Failover measurements (docs/upstream-health.md has the figures and what
# they mean). Three scenarios, each against a fresh dotstub with two
# testup upstreams (tests/tools/testup.py) on loopback, default strategy
# (fastest), query-timeout 4s:
#
#   stall    the primary accepts, handshakes, reads and never answers; the
#            secondary is good. 1000 unique names at 100 QPS
#            (failover_load.py): every one answered? p99 overall (< 1 s)
#            and after the first 3 s, against a baseline run of the same
#            load with the secondary alone.
#   restart  both good; at 200 QPS for 15 s (3000 queries), the primary is
#            killed (SIGKILL) at 3 s and started again on its port at 8 s.
#            Lost queries (no answer, or SERVFAIL) must be zero.
#   resume   SIGUSR1 (a simulated network change / resume) drops every
#            connection; the next query's latency, 10 times, against the
#            time of one full TLS handshake with the upstream.
#
# Usage: bench/failover.sh [BUILDDIR]   (default: the current directory,
# which must hold a built dotstub). Needs python3, kdig, certtool.
# Everything runs on loopback; every process is stopped by PID at exit.
# Prints a summary table; raw JSON lines go to $FAILOVER_OUT (default
# failover-results.jsonl in the current directory).
set -u
BUILD=$(cd "${1:-.}" && pwd)
export DOTSTUB=${DOTSTUB:-$BUILD/dotstub}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${FAILOVER_OUT:-$PWD/failover-results.jsonl}
# shellcheck source=../tests/integration/lib.sh
. "$HERE/../tests/integration/lib.sh"
# shellcheck source=../tests/integration/testup.sh
. "$HERE/../tests/integration/testup.sh"
DOTSTUB_IT_ARGS=""
it_need kdig certtool
LOAD=(python3 "$HERE/failover_load.py")
IT_STRATEGY=fastest
IT_QUERY_TIMEOUT=4s
: >"$OUT"

record() { printf '{"scenario":"%s","result":%s}\n' "$1" "$2" >>"$OUT"; }
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2], {}, d))' "$1" "$2"; }

it_make_pki dot dot.test
it_start_testup P dot --a 192.0.2.1
it_start_testup S dot --a 192.0.2.2
two() { it_conf_server; it_conf_testup primary P dot; it_conf_testup secondary S dot; }
secondary_only() { it_conf_server; it_conf_testup secondary S dot; }

# --- stall ---------------------------------------------------------------------
it_log "baseline: the secondary alone, 1000 queries at 100 QPS"
it_start_dotstub secondary_only
base=$("${LOAD[@]}" 127.0.0.1 "$DS_PORT" --qps 100 --count 1000 --prefix base)
record baseline "$base"
it_stop_dotstub TERM

it_log "stall: primary stalls, 1000 queries at 100 QPS"
it_testup_ctl P stall
it_start_dotstub two
stall=$("${LOAD[@]}" 127.0.0.1 "$DS_PORT" --qps 100 --count 1000 --prefix stall --after 3 \
	--events "$IT_DIR/stall-events.txt")
record stall "$stall"
it_stop_dotstub TERM
it_testup_ctl P normal

# --- restart -------------------------------------------------------------------
it_log "restart: 200 QPS for 15 s; primary killed at 3 s, back at 8 s"
it_start_dotstub two
"${LOAD[@]}" 127.0.0.1 "$DS_PORT" --qps 200 --count 3000 --prefix rs --after 0 \
	--events "$IT_DIR/restart-events.txt" >"$IT_DIR/restart.json" &
load_pid=$!
sleep 3
kill -KILL "$P_PID"
wait "$P_PID" 2>/dev/null
it_log "primary killed"
sleep 5
P2_LOG=$IT_DIR/testup-P2.log
"${IT_TESTUP[@]}" serve --cert "$IT_DIR/dot-cert.pem" --key "$IT_DIR/dot-key.pem" \
	--port "$P_PORT" --log "$P2_LOG" --a 192.0.2.1 --seconds 60 >>"$IT_DIR/helpers.log" 2>&1 &
IT_PIDS+=("$!")
it_wait_log "$P2_LOG" '^ready ' 5 && it_log "primary back on port $P_PORT"
wait "$load_pid"
restart=$(cat "$IT_DIR/restart.json")
record restart "$restart"
back=$(grep -c '^query ' "$P2_LOG")
it_log "the restarted primary answered $back queries"
it_stop_dotstub TERM

# --- resume --------------------------------------------------------------------
it_log "resume: TLS handshake time, then SIGUSR1 and one query, 10 times"
hs=$(python3 - "$S_PORT" "$IT_DIR/dot-ca.pem" <<'EOF'
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
times = []
for _ in range(10):
    t = time.monotonic()
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="dot.test"):
            times.append((time.monotonic() - t) * 1000)
times.sort()
print("%.1f" % times[len(times) // 2])
EOF
)
it_start_dotstub two
it_dig +notcp warm.dotstub.test A
after=()
for ((i = 0; i < 10; i++)); do
	kill -USR1 "$DS_PID"
	sleep 0.4
	it_dig +notcp "resume$i.dotstub.test" A
	[ "$(it_rcode)" = NOERROR ] || it_log "resume$i: $(it_rcode)"
	after+=("$(printf '%s\n' "$IT_OUT" | sed -n 's/^;; From .* in \([0-9.]*\) ms$/\1/p')")
done
it_stop_dotstub TERM
resume=$(printf '%s\n' "${after[@]}" | sort -n | python3 -c '
import json, sys
v = [float(x) for x in sys.stdin.read().split()]
print(json.dumps({"handshake_ms": float(sys.argv[1]), "first_query_ms": v,
                  "median": v[len(v) // 2], "max": max(v)}))' "$hs")
record resume "$resume"

# --- summary -------------------------------------------------------------------
b99=$(field "$base" 'all["p99"]')
printf '\n| scenario | figure | value | target |\n| --- | --- | --- | --- |\n'
printf '| baseline (secondary alone, 100 QPS) | p50 / p99 | %s / %s ms | |\n' \
	"$(field "$base" 'all["p50"]')" "$b99"
printf '| stall (1000 at 100 QPS) | answered | %s of %s (%s NOERROR) | all |\n' \
	"$(field "$stall" 'answered')" "$(field "$stall" 'sent')" "$(field "$stall" 'noerror')"
printf '| stall | p99 / max, all queries | %s / %s ms | p99 < 1000 ms |\n' \
	"$(field "$stall" 'all["p99"]')" "$(field "$stall" 'all["max"]')"
printf '| stall | p50 / p99, queries sent after 3 s | %s / %s ms | p99 < baseline p99 + 50 ms (%s) |\n' \
	"$(field "$stall" 'late["p50"]')" "$(field "$stall" 'late["p99"]')" \
	"$(python3 -c "print(round($b99 + 50, 2))")"
printf '| restart (3000 at 200 QPS) | lost (no answer) / SERVFAIL | %s / %s | 0 / 0 |\n' \
	"$(field "$restart" 'lost')" "$(field "$restart" 'servfail')"
printf '| restart | p99 / max | %s / %s ms | |\n' \
	"$(field "$restart" 'all["p99"]')" "$(field "$restart" 'all["max"]')"
printf '| restart | queries the restarted primary answered | %s | > 0 (fail back) |\n' "$back"
printf '| resume (SIGUSR1, 10 times) | first query median / max | %s / %s ms | < handshake + 100 ms (%s) |\n' \
	"$(field "$resume" 'median')" "$(field "$resume" 'max')" \
	"$(python3 -c "print(round($hs + 100, 1))")"
printf '| resume | one full TLS handshake (median of 10) | %s ms | |\n' "$hs"
it_log "raw results: $OUT"
it_done
