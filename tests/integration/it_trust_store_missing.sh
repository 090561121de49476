#!/usr/bin/env bash
# A trust store that has no certificate to give stops dotstub at start-up,
# with a message that names the store and says what to do, and a fatal
# line that says what is wrong ("no usable trust store", not "Invalid
# argument"):
#   - a ca-file that does not exist, or holds no certificate;
#   - no system store for an upstream authenticated by tls-name alone:
#     dotstub runs in a private mount namespace (unshare -m as root, else
#     unshare -rm) with the system's certificate folders hidden under empty
#     tmpfs mounts; the message names the bundle configure chose
#     (--with-system-ca-file, read from the build's config.h) or GnuTLS's
#     system trust. Without a mount namespace that part is skipped (said in
#     the log).
# No upstream is needed: the store is set up before any query.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_need timeout

DS_PORT=$(it_free_port)
UB_PORT=$(it_free_port) # never contacted
HELP='install ca-certificates, or give ca-file, or pin-sha256 without tls-name'
FATAL='error: upstream u: cannot set up TLS: no usable trust store'

# start_fails WHAT [COMMAND PREFIX...]: dotstub, with $DS_CONF and behind
# the prefix, must exit with status 1 at start-up; its stderr is left in
# ERR. A dotstub that starts is stopped by timeout (status 124).
start_fails() {
	local what=$1 rc
	shift
	# shellcheck disable=SC2086 # the wrapper is a word list
	ERR=$("$@" timeout $((10 * IT_SLOW)) $IT_WRAPPER "$DOTSTUB" -c "$DS_CONF" 2>&1 >/dev/null)
	rc=$?
	printf '%s\n' "$ERR" >>"$IT_DIR/dotstub.log"
	it_expect_eq "$what: dotstub does not start" 1 "$rc"
}

# conf AUTH_LINE...: a server and one upstream "u" with those lines.
conf() {
	DS_CONF=$IT_DIR/dotstub.conf
	{
		it_conf_server
		it_conf_upstream u "$@"
	} >"$DS_CONF"
}

# 1. ca-file
conf "tls-name = dot.test" "ca-file = $IT_DIR/missing.pem"
start_fails "a ca-file that does not exist"
it_expect_match "the message names the file and why" \
	"upstream u: $IT_DIR/missing.pem: no usable CA certificate \(No such file or directory\)" "$ERR"
it_expect_match "the fatal line says the trust store is unusable" "$FATAL" "$ERR"
it_expect_no_match "no bare errno text" 'Invalid argument' "$ERR"

printf 'not a certificate\n' >"$IT_DIR/empty.pem"
conf "tls-name = dot.test" "ca-file = $IT_DIR/empty.pem"
start_fails "a ca-file without a certificate"
it_expect_match "the message says none was found" \
	"$IT_DIR/empty.pem: no usable CA certificate \(none found\)" "$ERR"
it_expect_match "the fatal line says the trust store is unusable" "$FATAL" "$ERR"

# 2. the system store
bundle=
if [ -n "${abs_top_builddir:-}" ] && [ -f "$abs_top_builddir/config.h" ]; then
	bundle=$(sed -n 's/^#define DST_SYSTEM_CA_FILE "\(.*\)"$/\1/p' "$abs_top_builddir/config.h")
fi
ns=()
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	ns=(unshare -m)
elif unshare -rm true 2>/dev/null; then
	ns=(unshare -rm)
fi
if [ ${#ns[@]} -eq 0 ]; then
	it_log "SKIPPED the system-store part: needs a private mount namespace (unshare -m or -rm)"
else
	# Every folder the system store may come from, the bundle's own too.
	hide=""
	for d in /etc/ssl /etc/pki /usr/share/pki ${bundle:+"$(dirname "$bundle")"}; do
		[ -d "$d" ] && hide="$hide $d"
	done
	cat >"$IT_DIR/hide.sh" <<-'EOF'
		# hide.sh DIR... -- COMMAND...: an empty tmpfs over each DIR (unless
		# an earlier one hid it already), then COMMAND. Mounts stay private.
		mount --make-rprivate / 2>/dev/null
		while [ "$1" != -- ]; do
			if [ -d "$1" ]; then mount -t tmpfs tmpfs "$1" || exit 99; fi
			shift
		done
		shift
		exec "$@"
	EOF
	conf "tls-name = dot.test"
	# shellcheck disable=SC2086 # hide is a word list of folders
	start_fails "no system trust store" "${ns[@]}" bash "$IT_DIR/hide.sh" $hide --
	if [ -n "$bundle" ]; then
		it_expect_match "the message names the system bundle and says what to do" \
			"upstream u: no system trust store at $bundle: $HELP" "$ERR"
	else
		it_expect_match "the message names GnuTLS's system trust and says what to do" \
			"upstream u: no system trust store \(GnuTLS's system trust is empty or unreadable\): $HELP" \
			"$ERR"
	fi
	it_expect_match "the fatal line says the trust store is unusable" "$FATAL" "$ERR"
	it_expect_no_match "no bare errno text" 'Invalid argument' "$ERR"
fi

it_done
