/*
 * What the administration part (admin/: the control socket, /metrics and
 * the reports they share) reads, and the one thing it asks of the daemon.
 * The daemon owns this struct and keeps cfg and cache current across
 * reloads; admin/ only reads it, through the parts' own getters.
 */
#ifndef DST_ADMIN_ADMIN_H
#define DST_ADMIN_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "cache/cache.h"
#include "config/config.h"

struct dst_upstreams;
struct dst_queries;
struct dst_listen;
struct dst_buf;

struct dst_admin_src {
	uv_loop_t *loop;
	const struct dst_config *cfg;      /* the running one: the file's plus runtime zones */
	const struct dst_config *file_cfg; /* the file's alone ("config" prints it) */
	struct dst_cache *cache;           /* NULL: no cache */
	struct dst_upstreams *upstreams;
	struct dst_queries *queries;
	struct dst_listen *listen;
	uint64_t start_ms; /* uv_now() when the daemon started: the uptime */
	unsigned reloads;  /* applied so far */
	/*
	 * The control socket's "reload": re-reads the configuration; each
	 * problem goes to err as "FILE:LINE: ...". Returns 0 or a negative code.
	 */
	int (*reload)(void *arg, void (*err)(void *err_arg, const char *msg), void *err_arg);
	void *reload_arg;
	/*
	 * The control socket's "save": writes the persisted state now; what
	 * (cap bytes) gets a summary. Returns 0, DST_ENOENT (no state-dir, or
	 * not writable) or why it failed. Called with reload_arg.
	 */
	int (*save)(void *arg, char *what, size_t cap);
	/*
	 * Commands the daemon serves itself (zone, zones, hotspot): writes the
	 * whole reply ("ok\n..." or "error: ...\n") and returns 1, or returns 0
	 * when argv[0] is not one of them. Called with reload_arg. NULL: none.
	 */
	int (*command)(void *arg, int argc, char **argv, struct dst_buf *out);
};

#endif
