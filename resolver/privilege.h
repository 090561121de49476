/*
 * Dropping root once the listeners are bound ([server] user and chroot).
 *
 * main() calls dst_privilege_drop exactly once, after dst_server_new (which
 * has loaded every trust store and bound every socket) and before the loop
 * runs. Nothing dotstub does afterwards needs root or a file outside the
 * chroot. See docs/hardening.md for the model.
 */
#ifndef DST_PRIVILEGE_H
#define DST_PRIVILEGE_H

/*
 * Optionally chroots to dir, then switches to user's uid, gid and
 * supplementary groups, and checks that root cannot be regained. Either
 * argument may be NULL (unset). Not being root is fine when user is unset
 * or already the current user (e.g. started with CAP_NET_BIND_SERVICE).
 * Every problem is logged; returns 0, or a negative code after which the
 * caller must exit: the process may be half-dropped.
 */
int dst_privilege_drop(const char *user, const char *dir);

#endif
