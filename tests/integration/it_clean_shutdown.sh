#!/usr/bin/env bash
# SIGTERM and SIGINT stop dotstub cleanly (exit status 0) and promptly:
# idle, with a client's TCP connection open and pooled upstream
# connections, and with a query waiting on an upstream that hangs.
# (Every other test also ends with a SIGTERM and checks the status.)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"
it_need unbound kdig certtool

it_make_pki dot dot.test
it_start_unbound dot
conf() {
	it_conf_server
	it_conf_upstream local "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}

# Idle since start: nothing but the listeners.
it_start_dotstub conf
it_stop_dotstub TERM

# After traffic, with a client's idle TCP connection still open.
it_start_dotstub conf
it_dig +tcp www.dotstub.test A
it_expect_a "a query before the shutdown" 192.0.2.1
it_bg "${IT_PROBE_CMD[@]}" hold 127.0.0.1 "$DS_PORT" --seconds 20
sleep 0.3
it_stop_dotstub INT
it_start_dotstub conf
it_dig +notcp q1.dotstub.test A
it_expect_a "a query before the shutdown" 192.0.2.101
it_bg "${IT_PROBE_CMD[@]}" hold 127.0.0.1 "$DS_PORT" --seconds 20
sleep 0.3
it_stop_dotstub TERM

# With queries in flight to an upstream that never answers.
hang=$(it_free_port)
it_bg "${IT_PROBE_CMD[@]}" blackhole 127.0.0.1 "$hang" --seconds 60
it_probe wait-tcp 127.0.0.1 "$hang" --timeout 5 || it_harness_error "blackhole upstream did not start"
IT_QUERY_TIMEOUT=10s
DS_CTL=$IT_DIR/control
conf() {
	it_conf_server | sed "s|^\[server\]\$|[server]\ncontrol = $DS_CTL|"
	echo "[upstream hang]"
	echo "address = 127.0.0.1:$hang"
	echo "tls-name = dot.test"
	echo "ca-file = $IT_DIR/dot-ca.pem"
}
it_start_dotstub conf
it_bg kdig @127.0.0.1 -p "$DS_PORT" +retry=0 +timeout=8 +notcp q2.dotstub.test A
udp_client=$IT_BG_PID
it_bg kdig @127.0.0.1 -p "$DS_PORT" +retry=0 +timeout=8 +tcp q3.dotstub.test A
tcp_client=$IT_BG_PID
# The case under test needs both queries in flight when TERM comes: wait
# (bounded) until dotstub says so, rather than hoping a sleep was enough.
inflight=""
for _ in $(seq 50); do
	it_ctl status
	inflight=$(it_ctl_field "queries in flight")
	[ "$inflight" = 2 ] && break
	sleep 0.1
done
it_expect_eq "both queries are in flight before the shutdown" 2 "$inflight"
it_stop_dotstub TERM
it_kill_pid "$udp_client"
it_kill_pid "$tcp_client"

it_done
