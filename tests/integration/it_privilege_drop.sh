#!/usr/bin/env bash
# [server] user and chroot: started as root, dotstub binds its listeners,
# then runs as the configured user (uid, gid, groups, no capabilities,
# root cannot be regained), optionally inside a chroot, and still answers:
# new upstream TLS connections after the drop work, including one made
# after the upstream restarted. An unknown user, or a chroot that fails,
# stops it with status 1 and a clear message. Without root at all (only
# CAP_NET_BIND_SERVICE, as a systemd unit would give it) it binds a port
# below 1024 and runs. A reload after the drop reads the file as that
# user (applied if it can, refused if not or if the chroot hides it).
# Needs root: skipped otherwise (a failure in CI).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need unbound kdig certtool setpriv
if [ "$(id -u)" -ne 0 ]; then
	it_skip_or_fail "not running as root: cannot test dropping root"
fi
id nobody >/dev/null 2>&1 || it_harness_error "this machine has no user nobody"
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
NOBODY_GROUPS=$(id -G nobody | tr ' ' '\n' | sort -n | paste -sd' ' -)

# Under valgrind (IT_WRAPPER), its debugger FIFOs in /tmp could not be
# removed by the process once it is nobody: turn them off.
case $IT_WRAPPER in
*valgrind*--vgdb=* | '') ;;
*valgrind*) IT_WRAPPER=${IT_WRAPPER/valgrind/valgrind --vgdb=no} ;;
esac

it_make_pki dot dot.test
it_start_unbound dot
# The unprivileged run reads its config and CA file as nobody.
chmod 755 "$IT_DIR"
chmod 644 "$IT_DIR/dot-ca.pem"

DS_USER=nobody
DS_CHROOT=
conf() {
	it_conf_server | awk -v u="$DS_USER" -v c="$DS_CHROOT" '{ print }
		/^\[server\]$/ { if (u != "") print "user = " u; if (c != "") print "chroot = " c }'
	it_conf_upstream local "tls-name = dot.test" "ca-file = $IT_DIR/dot-ca.pem"
}

# it_status_field FIELD: the values of one /proc/DS_PID/status line.
status_field() {
	awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ +/, ""); print }' "/proc/$DS_PID/status"
}

# The listeners are up before the drop: wait until dotstub says it runs,
# which it does only once the drop is done.
wait_running() {
	local i
	for ((i = 0; i < IT_START_TIMEOUT * 10; i++)); do
		if grep -q "running with" "$DS_LOG"; then return 0; fi
		sleep 0.1
	done
	it_fail "dotstub did not report running within ${IT_START_TIMEOUT}s"
}

# expect_nobody WHAT: every uid and gid of dotstub is nobody's, its groups
# are nobody's, and it has no capabilities.
expect_nobody() {
	local u=$NOBODY_UID g=$NOBODY_GID
	it_expect_eq "$1: Uid (real, effective, saved, fs)" "$u $u $u $u" "$(status_field Uid | tr -s '\t ' ' ')"
	it_expect_eq "$1: Gid (real, effective, saved, fs)" "$g $g $g $g" "$(status_field Gid | tr -s '\t ' ' ')"
	it_expect_eq "$1: supplementary groups" "$NOBODY_GROUPS" \
		"$(status_field Groups | tr ' ' '\n' | sed '/^$/d' | sort -n | paste -sd' ' -)"
	it_expect_eq "$1: no effective capabilities" 0000000000000000 "$(status_field CapEff)"
	it_expect_eq "$1: no permitted capabilities" 0000000000000000 "$(status_field CapPrm)"
}

# Restarts unbound on the same port (same config file), so dotstub's pooled
# connection dies and the next miss needs a new TLS connection.
restart_unbound() {
	local i
	it_kill_pid "$UB_PID"
	unbound -d -c "$IT_DIR/unbound.conf" >>"$UB_LOG" 2>&1 &
	UB_PID=$!
	IT_PIDS+=("$UB_PID")
	for ((i = 0; i < IT_START_TIMEOUT * 10; i++)); do
		if it_unbound_selfcheck dot; then return 0; fi
		sleep 0.1
	done
	it_harness_error "unbound did not come back on port $UB_PORT"
}

# expect_answers WHAT: a miss (a new upstream connection, made after the
# drop), a cache hit over TCP, then a miss after the upstream restarted.
expect_answers() {
	local i
	it_dig +notcp www.dotstub.test A
	it_expect_a "$1: UDP query through upstream TLS" 192.0.2.1
	it_dig +tcp www.dotstub.test A
	it_expect_a "$1: TCP query (cache hit)" 192.0.2.1
	restart_unbound
	# The first query may meet the old connection's death; a few tries, bounded.
	for ((i = 0; i < 5; i++)); do
		it_dig +notcp "q$((i + 1)).dotstub.test" A
		if [ "$(it_rcode)" = NOERROR ]; then break; fi
		sleep 0.5
	done
	it_expect_a "$1: new TLS connection after the upstream restarted" \
		"$(it_expected_addr "q$((i + 1)).dotstub.test")"
}

# 1. user = nobody.
it_start_dotstub conf
wait_running
expect_nobody "user = nobody"
it_expect_match "the drop is logged" "running as user nobody" "$(cat "$DS_LOG")"
expect_answers "user = nobody"

# Reloads after the drop read the file as nobody: a readable one is applied
# (a new listener on an unprivileged port is bound as nobody), one nobody
# cannot read is refused, and dotstub goes on.
# wait_reload ERE: the log gets a line matching ERE within the start timeout.
wait_reload() {
	local i
	for ((i = 0; i < IT_START_TIMEOUT * 10; i++)); do
		if grep -Eq "$1" "$DS_LOG"; then return 0; fi
		sleep 0.1
	done
	return 1
}
PORT2=$(it_free_port)
conf | sed "s|^\[server\]\$|[server]\nlisten = 127.0.0.1:$PORT2|" >"$DS_CONF"
chmod 644 "$DS_CONF"
kill -HUP "$DS_PID"
wait_reload 'notice: reloaded ' || it_fail "user = nobody: the reload was not applied"
it_dig @127.0.0.1 -p "$PORT2" +notcp www.dotstub.test A
it_expect_a "user = nobody: a listener added by a reload answers" 192.0.2.1
chmod 600 "$DS_CONF"
kill -HUP "$DS_PID"
wait_reload "reload: $DS_CONF not usable" || it_fail "user = nobody: an unreadable file was not refused"
it_expect_match "user = nobody: the unreadable file is named" "$DS_CONF: Permission denied" "$(cat "$DS_LOG")"
it_dig +notcp www.dotstub.test A
it_expect_a "user = nobody: still answering after the refused reload" 192.0.2.1
chmod 644 "$DS_CONF"
it_stop_dotstub TERM

# 2. user = nobody and a chroot into an empty directory.
# LeakSanitizer reads /proc/self/maps at exit, and a chroot has no /proc:
# under ASan, this one run does without the leak check (the others keep it).
DS_CHROOT=$(mktemp -d "$IT_DIR/chroot.XXXXXX")
chmod 755 "$DS_CHROOT"
saved_asan_options=${ASAN_OPTIONS-}
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
it_start_dotstub conf
wait_running
expect_nobody "chroot + user = nobody"
it_expect_eq "chroot + user = nobody: root directory" "$DS_CHROOT" "$(readlink "/proc/$DS_PID/root")"
it_expect_eq "chroot + user = nobody: working directory" "$DS_CHROOT" "$(readlink "/proc/$DS_PID/cwd")"
expect_answers "chroot + user = nobody"
# Inside the chroot the file's path leads nowhere: a reload is refused.
kill -HUP "$DS_PID"
wait_reload "reload: $DS_CONF not usable" || it_fail "chroot: the reload was not refused"
it_expect_match "chroot: the missing file is named" "$DS_CONF: No such file" "$(cat "$DS_LOG")"
it_dig +notcp q9.dotstub.test A
it_expect_a "chroot: still answering after the refused reload" 192.0.2.109
it_stop_dotstub TERM
export ASAN_OPTIONS=$saved_asan_options

# run_must_fail WHAT ERE: dotstub with the current config must exit with
# status 1 (promptly, before serving) and say something matching ERE.
run_must_fail() {
	local log=$IT_DIR/fail.log rc
	DS_PORT=$(it_free_port)
	conf >"$IT_DIR/fail.conf"
	# shellcheck disable=SC2086 # wrapper and extra args are word lists
	timeout $((10 * IT_SLOW)) $IT_WRAPPER "$DOTSTUB" -c "$IT_DIR/fail.conf" ${DOTSTUB_IT_ARGS:-} \
		>"$log" 2>&1
	rc=$?
	it_expect_eq "$1: exit status" 1 "$rc"
	it_expect_match "$1: error message" "$2" "$(cat "$log")"
	it_expect_no_match "$1: never claims to be running" "running with" "$(cat "$log")"
}

# 3. Failures are fatal.
DS_CHROOT=
DS_USER=no-such-user-xyz
run_must_fail "unknown user" "error: user no-such-user-xyz: no such user"
DS_USER=nobody
DS_CHROOT=$IT_DIR/no-such-dir
run_must_fail "chroot to a missing directory" "error: chroot $IT_DIR/no-such-dir: No such file"

# 4. No root at all: nobody with only CAP_NET_BIND_SERVICE (ambient, as
# systemd's AmbientCapabilities= gives it) binds a port below 1024; user =
# nobody is then already true and fine.
low_port() {
	python3 - <<'EOF'
import random, socket, sys
ports = list(range(600, 1024))
random.shuffle(ports)
for p in ports[:200]:
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            s.bind(("127.0.0.1", p))
            s.close()
        print(p)
        sys.exit(0)
    except OSError:
        s.close()
sys.exit(1)
EOF
}
DS_CHROOT=
DS_PORT=$(low_port) || it_harness_error "no free loopback port below 1024"
conf >"$IT_DIR/unpriv.conf"
chmod 644 "$IT_DIR/unpriv.conf"
DS_LOG=$IT_DIR/dotstub-unprivileged.log
# shellcheck disable=SC2086 # wrapper and extra args are word lists
setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --init-groups \
	--inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service \
	$IT_WRAPPER "$DOTSTUB" -c "$IT_DIR/unpriv.conf" ${DOTSTUB_IT_ARGS:-} 2>"$DS_LOG" &
DS_PID=$!
IT_PIDS+=("$DS_PID")
if it_probe wait-tcp 127.0.0.1 "$DS_PORT" --timeout "$IT_START_TIMEOUT" && kill -0 "$DS_PID" 2>/dev/null; then
	it_pass "started without root on port $DS_PORT"
	wait_running
	it_expect_eq "no root: Uid" "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" \
		"$(status_field Uid | tr -s '\t ' ' ')"
	it_expect_match "no root: user = nobody is already true" \
		"running as user nobody .*as started" "$(cat "$DS_LOG")"
	it_dig +notcp www.dotstub.test A
	it_expect_a "no root: UDP query through upstream TLS" 192.0.2.1
	it_stop_dotstub TERM
else
	it_fail "dotstub did not start as nobody with CAP_NET_BIND_SERVICE on port $DS_PORT"
	DS_PID=
fi

it_done
