#!/usr/bin/env bash
# Persisted state ([server] state-dir): what dotstub keeps across a restart.
#  - The state file is written at shutdown, mode 0600 (TLS session data is
#    a secret), and "dotstub-control save" writes it on demand.
#  - Restarted with the upstream up, the first upstream connection resumes
#    the TLS session of the previous run (dotstub's log, its upstreams
#    report, and testup's own account of the handshake say so).
#  - Restarted with the upstream down and the cache warm: a cached name is
#    answered (with its TTL lowered by its age), and an expired one is
#    answered stale (TTL 30, serve-stale rules).
#  - A truncated, a foreign and a corrupt file are skipped with a warning
#    naming what was skipped, dotstub starts, and nothing wrong is served.
#  - As root with [server] user: a state-dir the user cannot write is
#    named in a clear error at start (dotstub runs, without saving); one
#    it can write gets a file owned by that user, also from inside a
#    chroot that does not hold the directory.
#  - A reload keeps the state: a new cache gets the cached answers, an
#    upstream rebuilt for new pool limits resumes the old pool's session.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"
it_need kdig certtool
it_need_control

it_make_pki dot dot.test
it_start_testup T dot --a 192.0.2.1
python_tells=$(python3 -c 'import ssl; print(int(hasattr(ssl.SSLObject, "session_reused")))')

STATE=$IT_DIR/state
DS_CTL=$IT_DIR/control
MAX_TTL=1d
DS_USER=
DS_CHROOT=
conf() {
	IT_SERVER_EXTRA="state-dir = $STATE
control = $DS_CTL${DS_USER:+
user = $DS_USER}${DS_CHROOT:+
chroot = $DS_CHROOT}" it_conf_server | sed "s/^max-ttl = .*/max-ttl = $MAX_TTL/"
	it_conf_testup tu T dot
}

# --- 1. written at shutdown, 0600 --------------------------------------------
it_start_dotstub conf
it_expect_match "no state file yet: starting afresh" 'state: no .*dotstub.state yet' \
	"$(cat "$DS_LOG")"
it_dig +notcp one.dotstub.test A
it_expect_a "run 1: answered" 192.0.2.1
it_expect_match "run 1: full handshake" 'upstream tu: TLS session up \(full handshake' \
	"$(cat "$DS_LOG")"
it_stop_dotstub TERM
it_expect_eq "the state file is written at shutdown, mode 0600" "600" \
	"$(stat -c %a "$STATE/dotstub.state" 2>&1)"
it_expect_match "the log says what was written" \
	'state: wrote .*dotstub.state \(at shutdown\): 1 cached answers, 1 TLS sessions' \
	"$(cat "$DS_LOG")"
it_expect_no_match "no temporary file is left" 'tmp|check' "$(ls -A "$STATE")"

# --- 2. restart with the upstream up: the first connection resumes ----------
it_start_dotstub conf
it_expect_match "run 2: the state was read" \
	'state: read .*written [0-9]+ s ago: 1 cached answers .* 1 upstreams with RTT and health, 1 TLS sessions to resume' \
	"$(cat "$DS_LOG")"
it_dig +notcp two.dotstub.test A
it_expect_a "run 2: answered" 192.0.2.1
it_expect_match "run 2: the first connection is a resumed handshake" \
	'upstream tu: TLS session up \(resumed' "$(cat "$DS_LOG")"
it_expect_eq "run 2: no full handshake" 0 "$(grep -c 'TLS session up (full handshake' "$DS_LOG")"
if [ "$python_tells" = 1 ]; then
	it_expect_eq "testup saw dotstub's first connection of run 2 resume" "resumed=1" \
		"$(grep -oE '^conn conn=2 .*event=tls resumed=[01]' "$T_LOG" | grep -oE 'resumed=[01]')"
fi
it_ctl upstreams
it_expect_match "the upstreams report counts the resumed handshake" \
	'handshakes: full 0, resumed 1' "$CTL_OUT"
it_ctl save
it_expect_eq "dotstub-control save: exit status" 0 "$CTL_RC"
it_expect_match "dotstub-control save says what it wrote" \
	'^saved: 2 cached answers, 1 TLS sessions, [0-9]+ bytes to .*dotstub.state' "$CTL_OUT"
# The same state, saved twice: the same bytes but for the header's time.
cp "$STATE/dotstub.state" "$IT_DIR/saved1"
sleep 1.1
it_ctl save
it_expect_eq "saving an unchanged state twice gives the same sections" \
	"$(tail -c +33 "$IT_DIR/saved1" | md5sum)" "$(tail -c +33 "$STATE/dotstub.state" | md5sum)"

# A reload keeps the state: a new cache (another size) gets the cached
# answers, and an upstream rebuilt for new pool limits resumes the session.
sed -i 's/^size = 16m$/size = 8m/' "$DS_CONF"
echo "max-connections = 3" >>"$DS_CONF"
it_ctl reload
it_expect_eq "reload with a new cache size and pool limits: exit status" 0 "$CTL_RC"
it_expect_match "the reload carried the cached answers into the new cache" \
	'reload: 2 cached answers carried into the new cache' "$(cat "$DS_LOG")"
it_dig +notcp one.dotstub.test A
it_expect_a "after the reload, a name cached before it" 192.0.2.1
it_expect_eq "... came from the cache (testup saw it once, in run 1)" 1 \
	"$(it_testup_count T 'qname=one\.dotstub\.test')"
it_dig +notcp three.dotstub.test A
it_expect_a "after the reload, a new name" 192.0.2.1
it_expect_eq "... over a new pool whose first connection resumed the old pool's session" 2 \
	"$(grep -c 'TLS session up (resumed' "$DS_LOG")"
it_expect_eq "... still no full handshake" 0 "$(grep -c 'TLS session up (full handshake' "$DS_LOG")"
it_stop_dotstub TERM

# --- 3. an entry that will be expired at the next start ----------------------
STATE=$IT_DIR/state-stale MAX_TTL=2s it_start_dotstub conf
it_dig +notcp stale.dotstub.test A
it_expect_a "run 3: answered" 192.0.2.1
it_dig +notcp stale.dotstub.test A
ttl=$(it_answer_ttl A)
if [ -n "$ttl" ] && [ "$ttl" -le 2 ]; then
	it_pass "run 3: cached with max-ttl's 2 s ($ttl)"
else
	it_fail "run 3: cached TTL $ttl, expected at most 2"
fi
sleep 3
it_stop_dotstub TERM

# --- 4. upstream down, cache warm -------------------------------------------
it_kill_pid "$T_PID"
it_start_dotstub conf
it_dig +notcp one.dotstub.test A
it_expect_a "run 4, upstream down: a name cached before the restart is answered" 192.0.2.1
ttl=$(it_answer_ttl A)
if [ -n "$ttl" ] && [ "$ttl" -lt 300 ] && [ "$ttl" -gt 200 ]; then
	it_pass "... with its TTL lowered by its age ($ttl)"
else
	it_fail "... TTL $ttl, expected below 300 (aged) and above 200"
fi
it_dig +notcp never.dotstub.test A
it_expect_rcode "run 4: a name never cached fails (the upstream is down)" SERVFAIL
it_stop_dotstub TERM

STATE=$IT_DIR/state-stale MAX_TTL=2s it_start_dotstub conf
it_dig +notcp stale.dotstub.test A
it_expect_a "run 5, upstream down: an expired name is answered stale" 192.0.2.1
it_expect_eq "... with the stale TTL" 30 "$(it_answer_ttl A)"
it_stop_dotstub TERM

# --- 6. damaged files: skipped with a warning, never a crash or a wrong answer
good=$IT_DIR/good.state
cp "$STATE/dotstub.state" "$good"
size=$(stat -c %s "$good")
head -c $((size - 20)) "$good" >"$STATE/dotstub.state"
it_start_dotstub conf
it_expect_match "a truncated file: the cut section is named" \
	'state: .*dotstub.state: truncated in the cache section' "$(cat "$DS_LOG")"
it_dig +notcp one.dotstub.test A
it_expect_rcode "... and its answers are not served" SERVFAIL
it_stop_dotstub TERM

printf 'not a state file at all\n' >"$STATE/dotstub.state"
it_start_dotstub conf
it_expect_match "a foreign file is skipped, named" \
	'state: .*dotstub.state: not a dotstub state file' "$(cat "$DS_LOG")"
it_stop_dotstub TERM

# One byte changed inside the cache section (the last byte of the last answer).
cp "$good" "$STATE/dotstub.state"
printf '\377' | dd of="$STATE/dotstub.state" bs=1 seek=$((size - 1)) conv=notrunc status=none
it_start_dotstub conf
it_expect_match "a corrupt section is skipped, named" \
	'state: .*dotstub.state: cache section skipped: checksum does not match' "$(cat "$DS_LOG")"
it_stop_dotstub TERM

# Another version of the format.
cp "$good" "$STATE/dotstub.state"
printf '\000\000\000\011' | dd of="$STATE/dotstub.state" bs=1 seek=8 conv=notrunc status=none
it_start_dotstub conf
it_expect_match "another version is skipped, named" \
	'state: .*dotstub.state: state file version 9, this dotstub reads version 1' \
	"$(cat "$DS_LOG")"
it_stop_dotstub TERM

# --- 7. a changed upstream's part is ignored ---------------------------------
cp "$good" "$STATE/dotstub.state"
conf_renamed() { conf | sed 's/^\[upstream tu\]/[upstream other]/'; }
it_start_dotstub conf_renamed
it_expect_match "the state of an upstream changed since is skipped, said so" \
	'state: 1 saved upstreams skipped: removed from the configuration or changed' \
	"$(cat "$DS_LOG")"
it_stop_dotstub TERM

# --- 8. after the privilege drop ---------------------------------------------
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 755 "$IT_DIR"
	chmod 644 "$IT_DIR/dot-ca.pem"
	STATE=$IT_DIR/state-root
	mkdir -m 700 "$STATE"
	DS_USER=nobody
	it_start_dotstub conf
	it_expect_match "a state-dir the user cannot write: a clear error at start" \
		"state-dir $STATE: cannot write there as uid $(id -u nobody): Permission denied; running without saving state" \
		"$(cat "$DS_LOG")"
	it_dig +notcp one.dotstub.test A
	it_expect_rcode "... and dotstub still answers" SERVFAIL
	it_stop_dotstub TERM
	it_expect_eq "... and writes nothing" "" "$(ls -A "$STATE")"

	STATE=$IT_DIR/state-nobody
	mkdir -m 700 "$STATE"
	chown nobody "$STATE"
	it_start_dotstub conf
	it_stop_dotstub TERM
	it_expect_eq "a state-dir the user can write: the file is that user's, 0600" \
		"nobody 600" "$(stat -c '%U %a' "$STATE/dotstub.state" 2>&1)"

	STATE=$IT_DIR/state-made
	it_start_dotstub conf
	it_stop_dotstub TERM
	it_expect_eq "a state-dir made by dotstub (as root) belongs to the user, 0700" \
		"nobody 700" "$(stat -c '%U %a' "$STATE" 2>&1)"
	it_expect_eq "... and the user wrote the state there" "nobody 600" \
		"$(stat -c '%U %a' "$STATE/dotstub.state" 2>&1)"

	# In a chroot that does not hold it: the directory opened before is used.
	DS_CHROOT=$IT_DIR/jail
	mkdir -m 755 "$DS_CHROOT"
	rm -f "$STATE/dotstub.state"
	# LeakSanitizer reads /proc at exit, which a chroot does not have: under
	# ASan this one run does without the leak check (as it_privilege_drop's).
	saved_asan_options=${ASAN_OPTIONS-}
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	it_start_dotstub conf
	it_ctl save
	it_expect_match "in a chroot, dotstub-control save writes to the state-dir outside it" \
		"^saved: .* bytes to $STATE/dotstub.state" "$CTL_OUT"
	it_stop_dotstub TERM
	it_expect_eq "... as the user, 0600" "nobody 600" \
		"$(stat -c '%U %a' "$STATE/dotstub.state" 2>&1)"
	it_expect_eq "... and nothing was written inside the chroot" "" "$(ls -A "$DS_CHROOT")"
	export ASAN_OPTIONS=$saved_asan_options
	DS_CHROOT=
	DS_USER=
else
	it_log "not root: the checks after a privilege drop are skipped"
fi

it_done
