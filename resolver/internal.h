/*
 * The daemon's wiring (the top of resolver/): server.c (creating the
 * parts, signals, freeing), reload.c and shutdown.c. Nothing in a
 * subfolder includes this: the parts know nothing of struct dst_server.
 *
 * Ownership: the server owns the configuration (and every one a reload
 * replaced, while retired), the cache, and one handle per part. Each part
 * owns its own state; the server only calls their public headers.
 */
#ifndef DST_RESOLVER_INTERNAL_H
#define DST_RESOLVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "cache/cache.h"
#include "config/config.h"
#include "resolver/admin/admin.h"

struct dst_upstreams;
struct dst_queries;
struct dst_listen;
struct dst_control;
struct dst_metrics;
struct dst_retired;
struct dst_state_dir;
struct dst_routing;
struct dst_buf;
struct dst_policy;
struct dst_zones;
struct dst_policywatch;

struct dst_server {
	uv_loop_t *loop;
	const struct dst_config *cfg;
	struct dst_cache *cache;         /* NULL: [cache] size = 0 */
	struct dst_upstreams *upstreams; /* upstream/ */
	struct dst_queries *queries;     /* query/ */
	struct dst_listen *listen;       /* listen/ */
	struct dst_control *control;     /* admin/: [server] control, or NULL */
	struct dst_metrics *metrics;     /* admin/: [server] metrics, or NULL */
	struct dst_admin_src admin;      /* what admin/ reads: kept current here */
	struct dst_policy *policy;       /* policy/: read by every loop; policywatch.c swaps it */
	struct dst_zones *zones;         /* the [zone] table the policy consults */
	struct dst_val_anchors *anchors; /* DNSSEC trust anchors (trust.c); NULL: not validating */
	struct dst_policywatch *policywatch; /* the hosts files' watches, or NULL */
	/* lifecycle */
	uv_signal_t sigint, sigterm, sighup;
	bool stopping;
	bool stopped;                /* shutdown's second half has run */
	char *config_path;           /* what a reload reads; NULL: built-in defaults */
	bool config_required;        /* a reload fails when config_path is missing */
	unsigned reloads;            /* applied so far */
	struct dst_retired *retired; /* what reloads replaced, until no query uses it */
	struct dst_routing *routing; /* runtime zones and hotspot (routes.c) */
	uv_timer_t *retire_timer;    /* exists only while something is retired */
	uv_timer_t *drain_timer;     /* these two exist only during shutdown */
	uv_check_t *drain_check;
	/* persisted state (state.c): [server] state-dir */
	struct dst_state_dir *state_dir; /* NULL: none, or it could not be opened */
	bool state_writable;             /* checked after the privilege drop */
	bool state_saved;                /* state_crc is what the file holds */
	uint32_t state_crc;              /* of the last file written, after its header */
	uv_timer_t *state_timer;         /* every state-interval; NULL: none */
	char *state_dir_default;         /* dotstub -S: for files without state-dir */
};

/* server.c: the floor of the clock (build or saved time), for the validator. */
int64_t dst_server__clock_floor(void);
/* server.c: one log line of what the limits did, if they did anything. */
void dst_server__log_stats(const struct dst_server *srv);
/* The cache cfg asks for (NULL with [cache] size = 0); DST_ENOMEM, logged, when it cannot be reserved. */
int dst_server__cache_for(const struct dst_config *cfg, struct dst_cache **out);
/* Points admin/'s view at the current configuration, cache and counters. */
void dst_server__update_admin(struct dst_server *srv);

/* state.c */
/* Opens state-dir and reads the state file into the parts; never fails (logs what it skipped). */
void dst_server__state_open(struct dst_server *srv);
/* (Re)arms the state-interval timer for srv->cfg. */
void dst_server__state_timer(struct dst_server *srv);
/* At shutdown, before the pools close: writes the state, closes the timer and the directory. */
void dst_server__state_close(struct dst_server *srv);
/* A reload replaced the cache: from's entries go into to (its stale window already set). */
int dst_server__cache_carry(struct dst_server *srv, struct dst_cache *from, struct dst_cache *to);
/* policywatch.c: the policy built at start, on reload, and when a hosts file changes. */
struct dst_server_policy_plan {
	struct dst_policy *policy;
	struct dst_zones *zones;
};
/* Builds the policy and zone table of srv->cfg and hands them to the engine and listeners. */
int dst_server__policy_start(struct dst_server *srv);
/* Builds cfg's beside the running ones (an unreadable file keeps the running table). */
int dst_server__policy_plan(struct dst_server *srv, const struct dst_config *cfg, unsigned load,
			    struct dst_server_policy_plan *pp);
void dst_server__policy_undo(struct dst_server_policy_plan *pp);
/* Swaps the plan in and frees what it replaced; the worker loops must be paused. */
void dst_server__policy_commit(struct dst_server *srv, struct dst_server_policy_plan *pp);
/* Watches the hosts files of srv->cfg (after a reload changed them). */
void dst_server__policy_rewatch(struct dst_server *srv);
/* Shutdown: the watches close. */
void dst_server__policy_stop(struct dst_server *srv);
void dst_server__policy_free(struct dst_server *srv);

/* reload.c */
/* The old generations still referenced by queries: closed and freed (at shutdown too). */
void dst_reload__retire_all(struct dst_server *srv);
void dst_reload__free_retired(struct dst_server *srv);
/*
 * Applies cfg (a view: dst_routes__view), taken whatever happens: plans
 * every part beside the running state, then commits or undoes. file: a
 * reload of the file (counted, logged as such); else a runtime change of
 * routes. Problems go to err (may be NULL). Returns 0 or a negative code.
 */
int dst_server__apply(struct dst_server *srv, struct dst_config *cfg, bool file,
		      void (*err)(void *arg, const char *msg), void *arg);

/* routes.c: runtime zones and hotspot sign-in; the running configuration is a view. */
int dst_routes__new(struct dst_server *srv);
/* Stops the hotspot timer (shutdown). */
void dst_routes__close(struct dst_server *srv);
void dst_routes__free(struct dst_server *srv);
/*
 * The view of newbase (taken; NULL: the running view's base) with the
 * runtime zones and the hotspot appended. DST_EINVAL: too many upstreams.
 */
int dst_routes__view(struct dst_server *srv, struct dst_config *newbase, struct dst_config **out);
/* Frees a view (and its base with the last view of it). */
void dst_routes__view_free(const struct dst_config *cfg);
/* The file's configuration a view was made of. */
const struct dst_config *dst_routes__base(const struct dst_config *cfg);
/* A view was committed in place of old (NULL at start): override, cache flushes. */
void dst_routes__committed(struct dst_server *srv, const struct dst_config *old);
/* The control socket's zone, zones and hotspot commands; 0: not one of them. */
int dst_routes__command(void *arg, int argc, char **argv, struct dst_buf *out);

#endif
