#!/usr/bin/env bash
# /metrics ([server] metrics = 127.0.0.1:PORT): the Prometheus text format,
# checked strictly by opstool.py (which first proves, with its selftest,
# that it catches the usual mistakes), with values that follow the
# traffic; promtool too when it is installed. The little HTTP server:
# 404 for other paths, 405 for other methods, 400 for junk, 431 for an
# oversized request, HEAD without a body. A non-loopback address is
# refused by dotstub -t.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"

out=$(it_ops selftest)
it_expect_eq "the format checker catches every known mistake" 0 "$?"
it_log "$out"

it_make_pki dot dot.test
it_start_unbound dot
MPORT=$(it_free_port)
conf() {
	it_conf_server | sed "s|^\[server\]\$|[server]\nmetrics = 127.0.0.1:$MPORT|"
	it_conf_upstream local "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}
it_start_dotstub conf

check_metrics() {
	if METRICS_OUT=$(it_ops metrics 127.0.0.1 "$MPORT" --dump "$IT_DIR/metrics.txt"); then
		it_pass "$1: /metrics is valid ($METRICS_OUT)"
	else
		it_fail "$1: /metrics is not valid:"
		printf '%s\n' "$METRICS_OUT" | sed 's/^/    | /'
	fi
}
# metric NAME{LABELS}: its value in the last dump.
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$IT_DIR/metrics.txt"
}

check_metrics "idle"
it_expect_eq "dotstub_info carries the version" 1 "$(metric "dotstub_info{version=\"$PACKAGE_VERSION\"}")"
it_expect_eq "no queries yet" 0 "$(metric dotstub_queries_total)"

it_dig +notcp www.dotstub.test A
it_dig +notcp www.dotstub.test A
it_dig +tcp nx.dotstub.test A
check_metrics "after traffic"
it_expect_eq "queries_total" 3 "$(metric dotstub_queries_total)"
it_expect_eq "answers_total NOERROR" 2 "$(metric 'dotstub_answers_total{rcode="NOERROR"}')"
it_expect_eq "answers_total NXDOMAIN" 1 "$(metric 'dotstub_answers_total{rcode="NXDOMAIN"}')"
it_expect_eq "cache_hits_total" 1 "$(metric dotstub_cache_hits_total)"
it_expect_eq "cache_entries" 2 "$(metric dotstub_cache_entries)"
it_expect_eq "cache_max_bytes" 16777216 "$(metric dotstub_cache_max_bytes)"
it_expect_eq "upstream_up" 1 "$(metric 'dotstub_upstream_up{upstream="local"}')"
it_expect_match "upstream_srtt_seconds, once timed" '^[0-9]+(\.[0-9]+)?(e-?[0-9]+)?$' \
	"$(metric 'dotstub_upstream_srtt_seconds{upstream="local"}')"
it_expect_eq "upstream_answers_total" 2 "$(metric 'dotstub_upstream_answers_total{upstream="local"}')"
it_expect_eq "upstream_handshakes_total full" 1 \
	"$(metric 'dotstub_upstream_handshakes_total{kind="full",upstream="local"}')"
it_expect_eq "upstream_failures_total pin" 0 \
	"$(metric 'dotstub_upstream_failures_total{cause="pin",upstream="local"}')"

if command -v promtool >/dev/null 2>&1; then
	body=$("$IT_PYTHON" -S -c 'import socket,sys
s=socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n"); d=b""
while True:
    c=s.recv(65536)
    if not c: break
    d+=c
sys.stdout.write(d.partition(b"\r\n\r\n")[2].decode())' "$MPORT")
	if printf '%s' "$body" | promtool check metrics >"$IT_DIR/promtool.out" 2>&1; then
		it_pass "promtool check metrics accepts it"
	else
		it_fail "promtool check metrics: $(cat "$IT_DIR/promtool.out")"
	fi
else
	it_log "promtool not installed: the strict checker above stands in for it"
fi

# The HTTP server's edges.
it_expect_eq "another path: 404" "HTTP/1.0 404 Not Found" \
	"$(it_ops http 127.0.0.1 "$MPORT" 'GET /other HTTP/1.1\r\nHost: x\r\n\r\n')"
it_expect_eq "a query string is ignored" "HTTP/1.0 200 OK" \
	"$(it_ops http 127.0.0.1 "$MPORT" 'GET /metrics?x=1 HTTP/1.0\r\n\r\n')"
it_expect_eq "HEAD: 200" "HTTP/1.0 200 OK" \
	"$(it_ops http 127.0.0.1 "$MPORT" 'HEAD /metrics HTTP/1.0\r\n\r\n')"
it_expect_eq "POST: 405" "HTTP/1.0 405 Method Not Allowed" \
	"$(it_ops http 127.0.0.1 "$MPORT" 'POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n')"
it_expect_eq "junk: 400" "HTTP/1.0 400 Bad Request" \
	"$(it_ops http 127.0.0.1 "$MPORT" 'hello\r\n\r\n')"
it_expect_eq "a request over 4 KiB: 431" "HTTP/1.0 431 Request Header Fields Too Large" \
	"$(it_ops http 127.0.0.1 "$MPORT" 'GET /metrics HTTP/1.0\r\n\r\n' --pad 5000)"
it_expect_eq "bare LF line ends are fine" "HTTP/1.0 200 OK" \
	"$(it_ops http 127.0.0.1 "$MPORT" 'GET /metrics HTTP/1.0\n\n')"
it_still_answers "HTTP requests"
check_metrics "after the HTTP tests"

it_stop_dotstub TERM

# Never beyond loopback.
printf '[server]\nmetrics = 0.0.0.0:9153\n[upstream u]\naddress = 127.0.0.1\ntls-name = dot.test\n' \
	>"$IT_DIR/remote.conf"
out=$(timeout 10 "$DOTSTUB" -t -c "$IT_DIR/remote.conf" 2>&1)
it_expect_eq "a non-loopback metrics address: dotstub -t fails" 1 "$?"
it_expect_match "... saying why, at FILE:LINE" "remote\.conf:2: metrics: .*not a loopback address" "$out"
it_done
