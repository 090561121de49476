#!/usr/bin/env bash
# README's two quick-start commands on a minimal Debian 12, as a newcomer
# runs them (issue 12): builds a root with "debootstrap --variant=minbase
# bookworm", copies a fresh clone of this repository's HEAD (committed
# work only) to /root/dotstub in it, and runs there, as root, in a chroot
# with /proc, /sys and /dev (with /dev/pts) mounted:
#
#   1. README's first command (install, build, run). The build part runs
#      as written; its last part, the run, starts dotstub in the
#      foreground, and "runs" means: within 30 s it answers a UDP query for
#      example.com on 127.0.0.1:53 and on [::1]:53 with a response (same
#      ID, QR set: SERVFAIL is expected, no upstream is reachable), accepts
#      a TCP connection on 127.0.0.1:53, and SIGTERM then stops it with exit
#      status 0 within 5 s. The run has its own network namespace with only
#      loopback up: port 53 of this machine stays free, and no query leaves
#      it.
#   2. README's second command (install the test tools, build, make check),
#      as written, with CI=true: a test that would skip for a missing tool
#      fails instead. It must pass.
#
# The commands are read from README.md's "Quick start" (the indented
# lines), so they cannot drift. Nothing in the root may start a service
# (a policy-rc.d that refuses is put in before anything is installed).
# Whatever happens, processes left in the root are stopped, the mounts
# undone and the root deleted (FRESH_KEEP=1 keeps it, unmounted).
#
# Root only. Uses debootstrap (installed with apt-get when missing), git,
# unshare, ip, mount, chroot. Bounded: FRESH_TIMEOUT_MIN (default 60)
# minutes for everything; each step gets what is left.
# Environment:
#   FRESH_MIRROR   Debian mirror (default: the one apt uses here for
#                  bookworm, from /etc/apt/sources.list*, else deb.debian.org)
#   FRESH_TARBALL  a debootstrap tarball (--make-tarball) to reuse; made
#                  there when it does not exist yet. Saves the download.
#   FRESH_DIR      where the root is made (default /var/tmp)
#   FRESH_KEEP=1   keep the root afterwards
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
deadline=$((SECONDS + ${FRESH_TIMEOUT_MIN:-60} * 60))
t0=$SECONDS

say() { printf 'fresh-check: %s\n' "$*"; }
die() {
	say "FAIL: $*"
	exit 1
}
left() { echo $((deadline - SECONDS > 1 ? deadline - SECONDS : 1)); }
elapsed() { echo "$(((SECONDS - $1) / 60)) min $(((SECONDS - $1) % 60)) s"; }

[ "$(id -u)" -eq 0 ] || die "run me as root (debootstrap, mount, chroot)"

# --- host tools ----------------------------------------------------------------
if ! command -v debootstrap >/dev/null 2>&1; then
	say "installing debootstrap"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
fi
for t in git unshare ip chroot mount timeout; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found on this machine"
done

# --- README's commands ----------------------------------------------------------
# The indented lines of the "Quick start" section of the README in HEAD
# (the one the clone gets): exactly two, the first ending with the run
# (contrib/run-dotstub.sh), the second the test suite.
mapfile -t cmds < <(git -C "$src" show HEAD:README.md |
	awk '/^## /{ on = ($0 ~ /^## Quick start/) } on && /^    [^ ]/ { sub(/^    /, ""); print }')
[ "${#cmds[@]}" -eq 2 ] || die "README.md's Quick start has ${#cmds[@]} commands, not 2: update contrib/fresh-check.sh"
build_cmd=${cmds[0]% && *}
run_cmd=${cmds[0]##* && }
test_cmd=${cmds[1]}
case $run_cmd in
contrib/run-dotstub.sh*) ;;
*) die "README's first command does not end with contrib/run-dotstub.sh: update contrib/fresh-check.sh" ;;
esac
say "README's first command:  $build_cmd && $run_cmd"
say "README's second command: $test_cmd"

# --- the mirror ----------------------------------------------------------------
# The first bookworm (not -security) source apt uses here, one-line or
# deb822 format.
host_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) == "bookworm") { print $i; exit } }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = "" }
			/(^|\n)Suites:[^\n]*[ \t]bookworm([ \t\n]|$)/ && !/(^|\n)Enabled:[ \t]*no/ {
				if (match($0, /URIs:[ \t]*[^ \t\n]+/)) {
					s = substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", s); print s; exit
				}
			}' "$f"
	done
}
mirror=${FRESH_MIRROR:-$(host_mirror | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
say "mirror: $mirror"

# --- the root, and its cleanup --------------------------------------------------
work=$(mktemp -d "${FRESH_DIR:-/var/tmp}/dotstub-fresh.XXXXXX")
root=$work/root

# Stops every process whose root is ours (by PID: TERM, then KILL).
stop_root_processes() {
	local p pids=() i
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && pids+=("${p#/proc/}")
	done
	[ "${#pids[@]}" -eq 0 ] && return 0
	say "stopping processes left in the root: ${pids[*]}"
	kill -TERM "${pids[@]}" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "${pids[@]}" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "${pids[@]}" 2>/dev/null || true
	sleep 0.5
}

mounted_under() { awk -v r="$1/" 'index($5 "/", r) == 1 { print $5 }' /proc/self/mountinfo; }

cleanup() {
	local rc=$? m
	trap - EXIT INT TERM HUP
	stop_root_processes
	for m in dev sys proc; do
		if mountpoint -q "$root/$m" 2>/dev/null; then
			umount -R "$root/$m" 2>/dev/null || umount -R -l "$root/$m" || true
		fi
	done
	if [ -n "$(mounted_under "$root")" ]; then
		# Never delete through a mount: that would be the host's /dev.
		say "still mounted under $root, not deleting $work:"
		mounted_under "$root"
		rc=1
	elif [ "${FRESH_KEEP:-0}" = 1 ]; then
		say "kept $root"
	else
		rm -rf --one-file-system "$work"
	fi
	say "total $(elapsed "$t0"), exit status $rc"
	exit "$rc"
}
trap cleanup EXIT
# A signal must not wait for the step running: timeout runs in its own
# process group (a ^C does not reach it) and bash runs traps only once a
# foreground command is done. So steps run in the background (bounded)
# and a signal stops the one running, by PID.
step_pid=
trap 'if [ -n "$step_pid" ]; then kill -TERM "$step_pid" 2>/dev/null; fi; exit 130' INT TERM HUP

# bounded SECONDS CMD...: CMD, stopped after SECONDS (KILL 10 s later).
bounded() {
	local rc=0
	timeout -k 10 "$@" &
	step_pid=$!
	wait "$step_pid" || rc=$?
	step_pid=
	return "$rc"
}

# --- 0. debootstrap -------------------------------------------------------------
t=$SECONDS
debootstrap_args=(--variant=minbase)
if [ -n "${FRESH_TARBALL:-}" ]; then
	if [ ! -f "$FRESH_TARBALL" ]; then
		say "downloading the packages into $FRESH_TARBALL"
		bounded "$(left)" debootstrap --variant=minbase --make-tarball="$FRESH_TARBALL.tmp" \
			bookworm "$work/tarball" "$mirror" >"$work/debootstrap.log" 2>&1 ||
			{ tail -n 30 "$work/debootstrap.log"; die "debootstrap --make-tarball"; }
		mv "$FRESH_TARBALL.tmp" "$FRESH_TARBALL"
		rm -rf --one-file-system "$work/tarball"
	fi
	debootstrap_args+=(--unpack-tarball="$(realpath "$FRESH_TARBALL")")
fi
say "debootstrap ${debootstrap_args[*]} bookworm"
bounded "$(left)" debootstrap "${debootstrap_args[@]}" bookworm "$root" "$mirror" \
	>"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log"; die "debootstrap"; }
say "debootstrap: $(elapsed "$t")"

# No service may start in the root: unbound's would take port 53 here.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"

# A fresh clone of the commit checked out here.
head=$(git -C "$src" rev-parse HEAD)
git clone -q --no-hardlinks --no-checkout "$src" "$root/root/dotstub"
git -C "$root/root/dotstub" checkout -q --detach "$head"
say "clone of $(git -C "$src" log -1 --format='%h %s' "$head" | cut -c 1-72)"
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
	say "note: changes not committed in $src are not part of this check"
fi

# in_root [VAR=VALUE...] -- SCRIPT: bash -c SCRIPT in the root, in the
# clone, with a clean environment as root's login would have it, bounded
# by the time left.
in_root() {
	local env=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb)
	while [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	bounded "$(left)" chroot "$root" /usr/bin/env -i "${env[@]}" /bin/bash -c "cd /root/dotstub && $2"
}

# --- 1. README's first command: build, then run ---------------------------------
t=$SECONDS
say "1. $build_cmd"
in_root -- "$build_cmd" ||
	die "README's first command (build part) failed"
say "1. build: $(elapsed "$t")"

t=$SECONDS
say "1. $run_cmd (own network namespace, loopback only)"
# The probe, in the root: bash's /dev/udp and /dev/tcp, since the root has
# no DNS client yet. Query: ID 0x5d57, RD, example.com A. Its argument is
# the run command; exec makes $! dotstub itself.
cat >"$root/root/fresh-run.sh" <<'EOF'
(eval "exec $1") >/root/run.log 2>&1 &
pid=$!
q='\x5d\x57\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01'
ask() {
	timeout 8 bash -c 'exec 3<>"/dev/udp/$1/53" && printf "$2" >&3 && head -c 4 <&3 | od -An -tx1' \
		ask "$1" "$q" 2>/dev/null
}
ok=0
while ((SECONDS < 30)); do
	kill -0 "$pid" 2>/dev/null || break
	reply=$(ask 127.0.0.1) || reply=
	case $reply in " 5d 57 "[89a-f]*) ok=1 && break ;; esac
	sleep 0.2
done
status=0
if [ "$ok" = 1 ]; then
	echo "answered on 127.0.0.1:53 (udp) after ${SECONDS} s:$reply"
	reply6=$(ask ::1) || reply6=
	case $reply6 in
	" 5d 57 "[89a-f]*) echo "answered on [::1]:53 (udp):$reply6" ;;
	*) echo "no answer on [::1]:53 (udp)" && status=1 ;;
	esac
	if timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/53' 2>/dev/null; then
		echo "accepted a TCP connection on 127.0.0.1:53"
	else
		echo "no TCP connection on 127.0.0.1:53" && status=1
	fi
else
	echo "no answer on 127.0.0.1:53 within 30 s (or dotstub exited)" && status=1
fi
if kill -0 "$pid" 2>/dev/null; then
	kill -TERM "$pid"
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "still running 5 s after SIGTERM" && status=1
		kill -KILL "$pid"
	fi
fi
wait "$pid"
rc=$?
echo "exit status after SIGTERM: $rc"
[ "$rc" -eq 0 ] || status=1
echo "----- its output (last 40 lines) -----"
tail -n 40 /root/run.log
exit "$status"
EOF
[ "$(left)" -gt 60 ] || die "out of time before the run"
# shellcheck disable=SC2016 # expanded by the inner shell
bounded 60 unshare -n -- bash -c 'ip link set lo up && exec chroot "$1" /usr/bin/env -i \
	HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
	/bin/bash -c "cd /root/dotstub && exec bash /root/fresh-run.sh \"\$0\"" "$2"' \
	unshare-lo "$root" "$run_cmd" ||
	die "README's first command: dotstub did not run as README says (see above)"
say "1. run: $(elapsed "$t")"

# --- 2. README's second command: the whole test suite ---------------------------
t=$SECONDS
say "2. $test_cmd (CI=true)"
if ! in_root CI=true -- "$test_cmd"; then
	echo "===== test-suite.log ====="
	cat "$root/root/dotstub/test-suite.log" 2>/dev/null || echo "(none: the build failed)"
	die "README's second command failed"
fi
say "2. tests: $(elapsed "$t")"
say "PASS: README's two commands work on a minimal Debian 12"
