/*
 * Privilege drop: chroot, supplementary groups, gid, uid, in that order.
 *
 * Everything that needs root or the full file system happens before this
 * runs: dst_server_new has loaded the trust stores (GnuTLS credentials, per
 * upstream), seeded the cache and bound the :53 sockets. Names are looked up
 * (getpwnam, getgrouplist: NSS reads /etc) before chroot, because the chroot
 * usually holds no /etc at all. The order of the set*id calls matters:
 * groups and gid can only be changed while we are still uid 0.
 *
 * After the switch we verify it rather than trust the return values: real
 * and effective ids must be the target's, and setuid(0)/setgid(0) must
 * fail (they would succeed if a saved id were still 0). Any failure with
 * user set is fatal for the caller: running as root when the administrator
 * asked us not to is worse than not running.
 *
 * Not being root at all is a supported way to run (systemd User= with
 * AmbientCapabilities=CAP_NET_BIND_SERVICE): then nothing here needs root
 * unless the config asks for a chroot.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "dns/err.h"
#include "resolver/base/log.h"
#include "resolver/privilege.h"

/* What we switch to, read from the user database before any chroot. */
struct target {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
};

static int lookup(const char *user, struct target *t)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		int e = errno;
		if (e == 0 || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM) {
			dst_log(DST_LOG_ERR, "user %s: no such user", user);
			return DST_ENOENT;
		}
		dst_log(DST_LOG_ERR, "user %s: cannot look it up: %s", user, strerror(e));
		return -e;
	}
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	if (t->uid == 0) {
		dst_log(DST_LOG_ERR,
			"user %s has uid 0: that is not a privilege drop; "
			"name an unprivileged user",
			user);
		return DST_EINVAL;
	}
	/* getgrouplist says how many groups there are when the array is too small. */
	int n = 16;
	for (int tries = 0; tries < 4; tries++) {
		gid_t *g = realloc(t->groups, (size_t)n * sizeof(*g));
		if (!g)
			return DST_ENOMEM;
		t->groups = g;
		int want = n;
		if (getgrouplist(user, t->gid, t->groups, &want) >= 0) {
			t->ngroups = want;
			return 0;
		}
		n = want > n ? want : n * 2;
	}
	dst_log(DST_LOG_ERR, "user %s: cannot list its groups", user);
	return DST_EINVAL;
}

static int enter_chroot(const char *dir)
{
	if (chroot(dir) != 0) {
		int e = errno;
		dst_log(DST_LOG_ERR, "chroot %s: %s", dir, strerror(e));
		return -e;
	}
	/* Without this the old working directory stays reachable. */
	if (chdir("/") != 0) {
		int e = errno;
		dst_log(DST_LOG_ERR, "chroot %s: chdir /: %s", dir, strerror(e));
		return -e;
	}
	return 0;
}

static int fail_errno(const char *user, const char *what)
{
	int e = errno;

	dst_log(DST_LOG_ERR, "user %s: %s: %s", user, what, strerror(e));
	return e ? -e : DST_EINVAL;
}

static int switch_to(const char *user, const struct target *t)
{
	if (setgroups((size_t)t->ngroups, t->groups) != 0)
		return fail_errno(user, "setgroups");
	if (setgid(t->gid) != 0)
		return fail_errno(user, "setgid");
	if (setuid(t->uid) != 0)
		return fail_errno(user, "setuid");

	/* Trust nothing: check what the kernel says we are now. */
	if (getuid() != t->uid || geteuid() != t->uid || getgid() != t->gid ||
	    getegid() != t->gid || geteuid() == 0) {
		dst_log(DST_LOG_ERR,
			"user %s: after the switch still running as uid %u/%u gid %u/%u", user,
			(unsigned)getuid(), (unsigned)geteuid(), (unsigned)getgid(),
			(unsigned)getegid());
		return -EPERM;
	}
	if (setuid(0) == 0 || (t->gid != 0 && setgid(0) == 0)) {
		dst_log(DST_LOG_ERR, "user %s: root could be regained after the switch", user);
		return -EPERM;
	}
	return 0;
}

/* Not root: fine as long as we need not become anyone else. */
static int drop_unprivileged(const char *user, const char *dir)
{
	if (user) {
		struct target t = {0};
		int r = lookup(user, &t);
		free(t.groups);
		if (r < 0)
			return r;
		if (getuid() != t.uid || geteuid() != t.uid) {
			dst_log(DST_LOG_ERR,
				"user %s: cannot switch to it: not running as root (uid %u)", user,
				(unsigned)geteuid());
			return -EPERM;
		}
		dst_log(DST_LOG_NOTICE, "running as user %s (uid %u), as started: no switch needed",
			user, (unsigned)t.uid);
	}
	/* Possible without root with CAP_SYS_CHROOT; asked for, so it must work. */
	return dir ? enter_chroot(dir) : 0;
}

int dst_privilege_drop(const char *user, const char *dir)
{
	if (geteuid() != 0)
		return drop_unprivileged(user, dir);

	if (!user) {
		int r = dir ? enter_chroot(dir) : 0;
		if (r == 0)
			dst_log(DST_LOG_NOTICE, "running as root%s%s; set [server] user to drop it",
				dir ? " in chroot " : "", dir ? dir : "");
		return r;
	}

	struct target t = {0};
	int r = lookup(user, &t);
	if (r == 0 && dir)
		r = enter_chroot(dir);
	if (r == 0)
		r = switch_to(user, &t);
	free(t.groups);
	if (r == 0)
		dst_log(DST_LOG_NOTICE, "running as user %s (uid %u, gid %u)%s%s", user,
			(unsigned)t.uid, (unsigned)t.gid, dir ? ", chroot " : "", dir ? dir : "");
	return r;
}
