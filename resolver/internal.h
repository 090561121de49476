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
	struct dst_policywatch *policywatch; /* the hosts files' watches, or NULL */
	/* lifecycle */
	uv_signal_t sigint, sigterm, sighup;
	bool stopping;
	bool stopped;                /* shutdown's second half has run */
	char *config_path;           /* what a reload reads; NULL: built-in defaults */
	bool config_required;        /* a reload fails when config_path is missing */
	unsigned reloads;            /* applied so far */
	struct dst_retired *retired; /* what reloads replaced, until no query uses it */
	uv_timer_t *retire_timer;    /* exists only while something is retired */
	uv_timer_t *drain_timer;     /* these two exist only during shutdown */
	uv_check_t *drain_check;
};

/* server.c: one log line of what the limits did, if they did anything. */
void dst_server__log_stats(const struct dst_server *srv);
/* The cache cfg asks for (NULL with [cache] size = 0); DST_ENOMEM, logged, when it cannot be reserved. */
int dst_server__cache_for(const struct dst_config *cfg, struct dst_cache **out);
/* Points admin/'s view at the current configuration, cache and counters. */
void dst_server__update_admin(struct dst_server *srv);

/* policywatch.c: the policy built at start, on reload, and when a hosts file changes. */
struct dst_server_policy_plan {
	struct dst_policy *policy;
	struct dst_zones *zones;
};
/* Builds the policy and zone table of srv->cfg and hands them to the engine and listeners. */
int dst_server__policy_start(struct dst_server *srv);
/* Builds cfg's beside the running ones (an unreadable file keeps the running table). */
int dst_server__policy_plan(struct dst_server *srv, const struct dst_config *cfg,
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

#endif
