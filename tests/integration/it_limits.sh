#!/usr/bin/env bash
# Abuse limits: ANY gets the RFC 8482 answer without asking the upstream;
# the UDP rate limit drops (or truncates) what one client sends beyond its
# burst while other clients are still served; max-tcp-pipeline pauses a
# client without losing its queries; max-tcp-clients closes the oldest idle
# connection to make room; a client that does not read its answers is
# closed; max-pending answers SERVFAIL at once while the upstream is
# stalled. Raw sockets come from a small Python helper written below.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool

it_make_pki dot dot.test
it_start_unbound dot

# --- the helper ---------------------------------------------------------------
cat >"$IT_DIR/limits.py" <<'EOF'
"""Socket-level checks for it_limits.sh; every wait is bounded, loopback only."""
import random, socket, struct, sys, time

def query(qid, name, qtype=1):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", qtype, 1)

def header(msg):
    qid, flags = struct.unpack(">HH", msg[:4])
    return qid, flags >> 9 & 1, flags & 15

RCODES = {0: "NOERROR", 2: "SERVFAIL", 5: "REFUSED"}

def burst(host, port, src, count, name):
    """count UDP queries as fast as possible from src; counts the replies."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    sent = {}
    for i in range(count):
        q = query(1000 + i, name)
        sent[1000 + i] = len(q)
        s.sendto(q, (host, port))
    answered = tc = bigger = 0
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = s.recv(65535)
        except socket.timeout:
            break
        qid, t, _ = header(data)
        answered += 1
        tc += t
        bigger += t and len(data) > sent.get(qid, 0)
    print("answered=%d tc=%d tc_bigger_than_query=%d" % (answered, tc, bigger))

def fire(host, port, names):
    """Sends one query per name and does not wait for anything."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i, name in enumerate(names):
        s.sendto(query(2000 + i, name), (host, port))
    s.close()

def timed(host, port, name, qtype):
    """One UDP query; prints its rcode and how long it took, or noreply after 5 s."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    qid = random.randrange(65536)
    start = time.monotonic()
    s.sendto(query(qid, name, qtype), (host, port))
    try:
        while True:
            data = s.recv(65535)
            if header(data)[0] == qid:
                break
    except socket.timeout:
        print("noreply")
        return
    ms = (time.monotonic() - start) * 1000
    print("%s %s" % (RCODES.get(header(data)[2], "?"), "fast" if ms < 1000 else "slow"))

def fire_timed(host, port, args):
    """fire NAMES, 0.3 s, then timed for each name after "--", one per line.
    One process: a second interpreter's start-up on a busy machine could
    outlast the fired queries' wait and so test nothing."""
    cut = args.index("--")
    fire(host, port, args[:cut])
    time.sleep(0.3)
    for name in args[cut + 1:]:
        timed(host, port, name, 1)
        sys.stdout.flush()

def state(s, wait):
    """open, or closed (EOF or reset) within wait seconds."""
    s.settimeout(wait)
    try:
        return "closed" if s.recv(1) == b"" else "data"
    except socket.timeout:
        return "open"
    except OSError:
        return "closed"

def tcp_clients(host, port, idle):
    """Opens idle connections one by one, then one more that asks a query."""
    conns = []
    for _ in range(idle):
        conns.append(socket.create_connection((host, port), timeout=2))
        time.sleep(0.1)
    last = socket.create_connection((host, port), timeout=2)
    q = query(7, "www.dotstub.test")
    last.sendall(struct.pack(">H", len(q)) + q)
    n = struct.unpack(">H", last.recv(2))[0]
    data = b""
    while len(data) < n:
        data += last.recv(n - len(data))
    result = ["new=%s" % RCODES.get(header(data)[2], "?")]
    for i, c in enumerate(conns):
        result.append("conn%d=%s" % (i + 1, state(c, 1.0 if i == 0 else 0.2)))
    print(" ".join(result))

def no_read(host, port, name, count):
    """Sends count TXT queries over TCP and reads nothing for 3 s; then reads
    until the server closes (or 10 s pass) and says whether it did."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect((host, port))
    blob = b""
    for i in range(count):
        q = query(i, name, 16)
        blob += struct.pack(">H", len(q)) + q
    try:
        s.sendall(blob)
    except OSError:
        pass  # closed while we were still writing: fine
    time.sleep(3)
    got, deadline = 0, time.monotonic() + 10
    s.settimeout(1)
    while time.monotonic() < deadline:
        try:
            data = s.recv(1 << 16)
        except socket.timeout:
            print("still open after %d bytes" % got)
            return
        except OSError:
            break
        if not data:
            break
        got += len(data)
    print("closed" if time.monotonic() < deadline else "still open")
    sys.stderr.write("no_read: %d bytes received before the close\n" % got)

cmd, host, port, args = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
if cmd == "burst":
    burst(host, port, args[0], int(args[1]), args[2])
elif cmd == "fire":
    fire(host, port, args)
elif cmd == "fire-timed":
    fire_timed(host, port, args)
elif cmd == "timed":
    timed(host, port, args[0], 255 if args[1:] == ["ANY"] else 1)
elif cmd == "tcp-clients":
    tcp_clients(host, port, int(args[0]))
elif cmd == "no-read":
    no_read(host, port, args[0], int(args[1]))
EOF
lim() { python3 "$IT_DIR/limits.py" "$1" 127.0.0.1 "$DS_PORT" "${@:2}"; }
# The answer section with blanks squeezed: "NAME TTL CLASS TYPE DATA".
answers() { it_answers | tr -s ' \t' '  '; }

# server_conf LINE...: the usual [server] section with more lines in it.
server_conf() {
	local l
	it_conf_server | while IFS= read -r l; do
		if [ "$l" = "[cache]" ]; then
			printf '%s\n' "$@" ""
		fi
		printf '%s\n' "$l"
	done
}

EXTRA=()
conf() {
	server_conf "${EXTRA[@]}"
	it_conf_upstream local "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}

# --- 1. ANY, rate limit (drop), pipeline, client limits ----------------------
# Rate limit counts allow a token or two more than the burst of 5: tokens
# keep coming (5/s) while a slow build (valgrind) works through the burst.
EXTRA=("ratelimit = 5/s" "max-tcp-clients = 3" "max-tcp-pipeline = 2")
it_start_dotstub conf

it_dig +notcp www.dotstub.test ANY
it_expect_rcode "ANY over UDP" NOERROR
it_expect_eq "ANY: one HINFO \"RFC8482\" \"\" with TTL 3600" \
	'www.dotstub.test. 3600 IN HINFO "RFC8482" ""' "$(answers)"
it_dig +tcp nope.dotstub.test ANY
it_expect_eq "ANY over TCP, for any name" 'nope.dotstub.test. 3600 IN HINFO "RFC8482" ""' \
	"$(answers)"
it_expect_eq "no ANY query reached the upstream" 0 \
	"$(grep -ciE 'info: [0-9a-f.:]+ [a-z.]+ (ANY|TYPE255) IN' "$UB_LOG")"

out=$(lim burst 127.0.0.2 30 www.dotstub.test)
it_expect_match "30 UDP queries at once from 127.0.0.2: the burst of 5 is answered" \
	'^answered=[5-7] tc=0 ' "$out"
IT_OUT=$(kdig @127.0.0.1 -p "$DS_PORT" -b 127.0.0.3 +retry=0 +timeout=2 +notcp \
	www.dotstub.test A 2>&1)
it_expect_a "127.0.0.3 is still answered meanwhile" 192.0.2.1
IT_OUT=$(kdig @127.0.0.1 -p "$DS_PORT" -b 127.0.0.2 +retry=0 +timeout=2 +tcp \
	www.dotstub.test A 2>&1)
it_expect_a "127.0.0.2 over TCP: not rate limited" 192.0.2.1
sleep 1.2
out=$(lim burst 127.0.0.2 3 www.dotstub.test)
it_expect_match "a second later 127.0.0.2 has tokens again" '^answered=3 ' "$out"

# 20 cache misses on one connection with max-tcp-pipeline = 2: reading
# pauses at two in flight, and every query is still answered.
queries=()
expected=
for i in $(seq 1 20); do
	queries+=("q$i.dotstub.test")
	expected+="q$i.dotstub.test A rcode=NOERROR an=1 addrs=$(it_expected_addr "q$i.dotstub.test")"$'\n'
done
out=$(it_probe pipeline 127.0.0.1 "$DS_PORT" "${queries[@]}")
it_expect_eq "20 pipelined misses, at most 2 in flight: all answered" "${expected%$'\n'}" "$out"

# max-tcp-clients = 3: a fourth connection closes the oldest idle one.
out=$(lim tcp-clients 3)
it_expect_eq "a 4th TCP client: answered, and the oldest idle one is closed" \
	"new=NOERROR conn1=closed conn2=open conn3=open" "$out"

# A client that sends queries and never reads its answers (~2.5 KB each):
# closed once 256 KiB wait to be written, not left to grow.
it_dig +tcp big-txt.dotstub.test TXT
it_expect_rcode "big-txt is in the cache" NOERROR
out=$(lim no-read big-txt.dotstub.test 6000 2>>"$IT_DIR/helpers.log")
it_expect_eq "a client that does not read is closed" closed "$out"
it_still_answers "the client that did not read"

it_stop_dotstub TERM
log=$(cat "$DS_LOG")
it_expect_match "rate limiting is logged" 'UDP query from 127\.0\.0\.2 over the rate limit' "$log"
it_expect_match "pausing at max-tcp-pipeline is logged" \
	'max-tcp-pipeline \(2\): reading paused' "$log"
it_expect_match "eviction is logged" 'max-tcp-clients \(3\) reached: closed the oldest idle' "$log"
it_expect_match "the client that did not read is logged" 'answers it does not read' "$log"
it_expect_match "every limit is counted at shutdown" \
	'limits: 2[3-5] UDP queries over the rate limit, 2 ANY queries answered \(RFC 8482\), [0-9]+ TCP clients closed at max-tcp-clients, [0-9]+ TCP clients paused at max-tcp-pipeline, 1 TCP clients closed for not reading' \
	"$log"

# --- 2. ratelimit-action = truncate --------------------------------------------
EXTRA=("ratelimit = 5/s" "ratelimit-action = truncate")
it_start_dotstub conf
it_dig +notcp www.dotstub.test A
out=$(lim burst 127.0.0.2 30 www.dotstub.test)
it_expect_match "over the limit: an empty TC answer, never larger than the query" \
	'^answered=30 tc=2[3-5] tc_bigger_than_query=0$' "$out"
# kdig, like any real client, retries a TC answer over TCP.
IT_OUT=$(kdig @127.0.0.1 -p "$DS_PORT" -b 127.0.0.2 +retry=0 +timeout=2 \
	www.dotstub.test A 2>&1)
it_expect_a "127.0.0.2 over the limit: TC, then the answer over TCP" 192.0.2.1
it_stop_dotstub TERM

# --- 3. max-pending with a stalled upstream ------------------------------------
hang=$(it_free_port)
it_bg "${IT_PROBE_CMD[@]}" blackhole 127.0.0.1 "$hang" --seconds 60
it_probe wait-tcp 127.0.0.1 "$hang" --timeout 5 || it_harness_error "blackhole upstream did not start"
IT_QUERY_TIMEOUT=3s
stalled_conf() {
	server_conf "max-pending = 2"
	echo "[upstream stalled]"
	echo "address = 127.0.0.1:$hang"
	echo "tls-name = dot.test"
	echo "ca-file = $IT_DIR/dot-ca.pem"
}
it_start_dotstub stalled_conf
pending=$(lim fire-timed p1.dotstub.test p2.dotstub.test -- p3.dotstub.test p1.dotstub.test)
it_expect_eq "a third query while two wait upstream: SERVFAIL at once" "SERVFAIL fast" \
	"$(printf '%s\n' "$pending" | sed -n 1p)"
it_expect_eq "joining a waiting query counts too: SERVFAIL at once" "SERVFAIL fast" \
	"$(printf '%s\n' "$pending" | sed -n 2p)"
it_expect_eq "ANY needs no upstream: still answered" "NOERROR fast" \
	"$(lim timed p1.dotstub.test ANY)"
sleep 3.2
it_expect_eq "once the two have timed out, a query waits upstream again" "SERVFAIL slow" \
	"$(lim timed p4.dotstub.test)"
it_stop_dotstub TERM
it_expect_match "max-pending is logged" \
	'max-pending \(2 queries waiting upstream\) reached: SERVFAIL at once \(2 so far\)' \
	"$(cat "$DS_LOG")"

it_done
