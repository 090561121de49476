/*
 * Resolving upstream host names (host = dns.quad9.net) with c-ares,
 * through the [server] bootstrap servers only: plain DNS to those
 * addresses, never the system resolver (which may be dotstub itself),
 * never /etc/hosts.
 *
 * c-ares runs on dotstub's loop: its sockets are watched with uv_poll_t
 * (through its socket-state callback) and a uv_timer_t drives its
 * retransmissions, running only while a lookup is in flight. With
 * nothing to look up, the module costs no wake-ups.
 */
#ifndef DST_RESOLVER_BOOTSTRAP_H
#define DST_RESOLVER_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "config/config.h"

#define DST_BOOTSTRAP_MAX_ADDRS 16

struct dst_bootstrap;

/*
 * The result of one lookup, called exactly once; possibly before
 * dst_bootstrap_lookup returns (a name c-ares refuses at once), so set up
 * whatever the callback looks at first. status 0: addrs (n >= 1, with the lookup's port)
 * are valid for ttl_s seconds (the smallest TTL of the records); addrs is
 * valid only during the call. Otherwise DST_ENOENT (no such name, or no
 * address), DST_ETIMEDOUT, DST_ECANCELED (dst_bootstrap_close) or another
 * code, with error saying why in words.
 */
typedef void (*dst_bootstrap_cb)(void *arg, int status, const char *error,
				 const struct sockaddr_storage *addrs, size_t n, uint32_t ttl_s);

/* Sets up c-ares with servers (n >= 1, copied). Returns 0, DST_ENOMEM or DST_EINVAL. */
int dst_bootstrap_new(uv_loop_t *loop, const struct dst_config_addr *servers, size_t n,
		      struct dst_bootstrap **out);

/* Looks up host's IPv4 and IPv6 addresses. Returns 0 or DST_ENOMEM. */
int dst_bootstrap_lookup(struct dst_bootstrap *b, const char *host, uint16_t port,
			 dst_bootstrap_cb cb, void *arg);

/*
 * Cancels every lookup (their callbacks get DST_ECANCELED before this
 * returns) and frees the module once its handles have closed. NULL: no-op.
 */
void dst_bootstrap_close(struct dst_bootstrap *b);

#endif
