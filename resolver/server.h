/*
 * The server: listeners, upstreams, cache and every query in between, on
 * one libuv loop. main() creates it from a config and runs the loop; the
 * loop ends after SIGINT/SIGTERM once every handle has closed. SIGHUP (or
 * the control socket's "reload") re-reads the configuration.
 */
#ifndef DST_SERVER_H
#define DST_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "config/config.h"

struct dst_server;

/*
 * Binds every listener and prepares upstreams (no upstream connection is
 * opened yet). cfg is taken: the server frees it, and every configuration
 * a reload replaces it with, in dst_server_free (or here, when no server
 * could be allocated: then *out is NULL). Problems are logged; returns 0 or
 * a negative code, after which the caller still stops, runs and frees *out.
 */
int dst_server_new(uv_loop_t *loop, struct dst_config *cfg, struct dst_server **out);

/*
 * Where a reload reads the configuration (path is copied). With required
 * false a missing file means the built-in defaults, as at start-up.
 * Returns 0 or DST_ENOMEM.
 */
int dst_server_set_config_path(struct dst_server *srv, const char *path, bool required);

/*
 * The state directory a configuration without [server] state-dir gets
 * (dotstub -S DIR, which the service unit passes): sets cfg's when it has
 * none (dir NULL: nothing). The server keeps its own copy for the
 * configurations a reload reads. Return 0 or DST_ENOMEM.
 */
int dst_server_config_state_dir(struct dst_config *cfg, const char *dir);
int dst_server_set_state_dir_default(struct dst_server *srv, const char *dir);

/*
 * Re-reads the configuration and applies it (reload.c). Invalid: every
 * problem is logged and passed to err (may be NULL) as "FILE:LINE: ...",
 * and the server goes on with the old configuration. Valid: listeners are
 * added and removed, upstreams rebuilt (an unchanged one keeps its
 * connections), the cache kept when its settings did not change; queries
 * in flight are answered. Anything that cannot be applied (a port that
 * will not bind, an unreadable ca-file) undoes the whole reload. Returns 0
 * or a negative code (DST_ECONFIG, or why it could not be applied).
 */
int dst_server_reload(struct dst_server *srv, void (*err)(void *arg, const char *msg), void *arg);

/*
 * Starts an orderly shutdown: listening stops at once, queries in flight
 * get up to 1 s to be answered, then the rest are dropped and every handle
 * closes. A second call (a second signal) ends the wait at once.
 */
void dst_server_stop(struct dst_server *srv);

/*
 * Start-up is over (privileges dropped): checks that [server] state-dir
 * can be written now, and starts writing the state every state-interval.
 * An unwritable directory is logged as an error, with what to do, and
 * returned (a negative errno); dotstub then runs without saving state.
 */
int dst_server_started(struct dst_server *srv);

/*
 * Writes the persisted state now (state.c): why goes to the log; what
 * (cap bytes, may be NULL) gets a summary of what was written. Returns 0,
 * DST_ENOENT (no state-dir, or it is not writable) or why it failed
 * (logged).
 */
int dst_server_state_save(struct dst_server *srv, const char *why, char *what, size_t cap);

/* Frees what is left once uv_run has returned. */
void dst_server_free(struct dst_server *srv);

#endif
