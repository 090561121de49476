/*
 * The control socket ([server] control = PATH): a Unix stream socket,
 * mode 0600, on which dotstub-control asks for one thing per connection.
 *
 * Protocol: the client sends one line, "COMMAND [ARGUMENT]\n" (at most
 * 1024 bytes, within 5 s); dotstub answers "ok\n" or "error: REASON\n",
 * then the report as text lines, and closes. Commands: status, upstreams,
 * stats, flush [NAME], reload, config, save, help (see docs/operations.md).
 */
#ifndef DST_CONTROL_H
#define DST_CONTROL_H

struct dst_admin_src;
struct dst_control;

/*
 * Creates the socket at path (a stale socket left there by a dead dotstub
 * is replaced; a live one, or anything that is not a socket, is an error)
 * and starts serving it. Errors are logged. *out is NULL on failure.
 */
int dst_control_open(const struct dst_admin_src *src, const char *path, struct dst_control **out);

/*
 * Stops listening and removes the socket file (when it still can). A
 * connection that is being answered finishes first; memory goes with the
 * last handle. NULL is a no-op.
 */
void dst_control_close(struct dst_control *ctl);

#endif
