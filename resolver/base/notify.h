/*
 * The service manager's readiness protocol (sd_notify), without libsystemd:
 * datagrams of "KEY=VALUE" lines to the Unix socket named by $NOTIFY_SOCKET.
 *
 * dst_notify_open connects once, at start-up, before privileges are dropped
 * or the root is changed: later messages go through the connected socket,
 * so they still arrive from a chroot. Without $NOTIFY_SOCKET every call is
 * a no-op. Messages are best effort: a lost one is not an error.
 */
#ifndef DST_NOTIFY_H
#define DST_NOTIFY_H

/* Connects to $NOTIFY_SOCKET if set (and unsets it, so no child inherits it). */
void dst_notify_open(void);

/* Sends one message, printf-style: "READY=1\nSTATUS=running". */
void dst_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "RELOADING=1" with the MONOTONIC_USEC stamp that newer systemd asks for. */
void dst_notify_reloading(void);

void dst_notify_close(void);

#endif
