# shellcheck shell=bash
# Helpers for the operations tests (reload, control socket, /metrics,
# sd_notify, shutdown, pin tool). Sourced (bash) after lib.sh and it_need,
# whose process, result and dotstub helpers these build on.
#
# DOTSTUB_CONTROL is the dotstub-control binary (default: next to
# DOTSTUB). opstool.py (next to this file) is the test client for load,
# /metrics and the service manager's notify socket.

DOTSTUB_CONTROL=${DOTSTUB_CONTROL:-$(dirname "$DOTSTUB")/dotstub-control}
IT_OPSTOOL=("$IT_PYTHON" -S "$IT_SRCDIR/opstool.py")
it_ops() { "${IT_OPSTOOL[@]}" "$@"; }

it_need_control() {
	[ -x "$DOTSTUB_CONTROL" ] ||
		it_harness_error "dotstub-control not found at $DOTSTUB_CONTROL (set DOTSTUB_CONTROL)"
}

# it_ctl ARGS...: dotstub-control on the test's socket ($DS_CTL); output
# (stdout and stderr) in CTL_OUT, status in CTL_RC. Bounded by -T.
it_ctl() {
	CTL_OUT=$("$DOTSTUB_CONTROL" -s "$DS_CTL" -T 10 "$@" 2>&1)
	# shellcheck disable=SC2034 # for the scripts
	CTL_RC=$?
}

# it_ctl_field KEY: the value of "KEY: value" in the last it_ctl output.
it_ctl_field() {
	printf '%s\n' "$CTL_OUT" | sed -n "s/^$1: //p" | head -n 1
}

# it_notify_start: a fake service manager's notify socket; messages land
# in $IT_DIR/notify.out, one a line. Exports NOTIFY_SOCKET for dotstub.
it_notify_start() {
	local i
	NOTIFY_OUT=$IT_DIR/notify.out
	: >"$NOTIFY_OUT"
	it_bg "${IT_OPSTOOL[@]}" notify-listen "$IT_DIR/notify.sock" --out "$NOTIFY_OUT" \
		--seconds 120
	for ((i = 0; i < 50; i++)); do
		[ -S "$IT_DIR/notify.sock" ] && break
		sleep 0.1
	done
	[ -S "$IT_DIR/notify.sock" ] || it_harness_error "the notify listener did not start"
	export NOTIFY_SOCKET=$IT_DIR/notify.sock
}

# it_wait_count FILE ERE N SECONDS: waits (bounded) until FILE has at
# least N lines matching ERE; status 1 on timeout.
it_wait_count() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		[ "$(grep -cE -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# it_wait_pid PID SECONDS: waits (bounded) for a background job to end;
# its status in IT_WAIT_RC (124 when it did not end in time).
it_wait_pid() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		IT_WAIT_RC=124
		return 1
	fi
	wait "$1"
	# shellcheck disable=SC2034 # for the scripts
	IT_WAIT_RC=$?
}
