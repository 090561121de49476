/*
 * Reloading the configuration (SIGHUP, or "reload" on the control socket).
 *
 * A reload is all or nothing. The file is parsed first (an invalid one
 * changes nothing); then everything the new configuration needs is built
 * beside the running one: listeners for new addresses are bound,
 * upstreams whose settings changed get new TLS pools (loading their trust
 * stores), a new cache if its settings changed, the access list, the rate
 * limiter, the control socket and /metrics if they moved. If any of that
 * fails, what was built is closed and the server goes on as before.
 * Otherwise the new pieces are swapped in, in one step.
 *
 * Queries in flight are never dropped. A listener that stays, and an
 * upstream whose settings are all unchanged, are kept as they are (the
 * upstream with its connections, TLS session and health); queries
 * keep pointing at the same upstream objects (only the numbering of what
 * they tried changes). What was
 * replaced but may still be in use by a query (a removed listener's UDP
 * socket, through which an answer is owed; an old upstream's pool, on
 * which an attempt is out; the old configuration, which both point into)
 * is retired: kept, receiving nothing new, until every query that was
 * live at the reload has passed its deadline. One timer, which exists
 * only while something is retired, then closes and frees it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/err.h"
#include "resolver/admin/control.h"
#include "resolver/admin/metrics.h"
#include "resolver/base/log.h"
#include "resolver/base/notify.h"
#include "resolver/internal.h"
#include "resolver/trust.h"
#include "resolver/listen/listen.h"
#include "resolver/policy/policy.h"
#include "resolver/query/query.h"
#include "resolver/server.h"
#include "resolver/upstream/upstream.h"

#define RETIRE_SLACK_MS 100 /* after the last deadline: the query's own timer goes first */

/* What one reload replaced, kept while queries may use it. */
struct dst_retired {
	struct dst_retired *next;
	struct dst_config *cfg;         /* the configuration replaced */
	struct dst_upstream *ups;       /* upstreams replaced: pools open for attempts out */
	struct dst_listener *listeners; /* removed: UDP still open for answers owed */
};

/* Everything a reload builds before it commits. */
struct plan {
	struct dst_config *cfg;
	struct dst_listen_plan *listen;
	struct dst_upstreams_plan *ups;
	struct dst_cache *cache;
	bool cache_new;
	struct dst_control *control;
	bool control_new;
	struct dst_metrics *metrics;
	bool metrics_new;
	struct dst_server_policy_plan policy;
	struct dst_val_anchors *anchors; /* the trust anchors from now on */
	bool anchors_new;
	bool runtime; /* runtime zones or hotspot: the files the policy read stay as read */
};

struct errs {
	void (*cb)(void *arg, const char *msg);
	void *arg;
};

static void on_config_error(void *arg, const char *msg)
{
	struct errs *e = arg;

	dst_log(DST_LOG_ERR, "%s", msg);
	if (e->cb)
		e->cb(e->arg, msg);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Closes what a failed plan built; what it took from the running server stays. */
static void undo(struct plan *p)
{
	dst_listen_plan_undo(p->listen);
	dst_upstreams_plan_undo(p->ups);
	if (p->cache_new && p->cache)
		dst_cache_free(p->cache);
	if (p->control_new)
		dst_control_close(p->control);
	if (p->metrics_new)
		dst_metrics_close(p->metrics);
	if (p->anchors_new)
		dst_trust_anchors_free(p->anchors);
	dst_server__policy_undo(&p->policy);
}

static int plan_rest(struct dst_server *srv, struct plan *p)
{
	const struct dst_config *cfg = p->cfg, *old = srv->cfg;
	int r;

	if (srv->cache && cfg->cache_size == old->cache_size &&
	    cfg->cache_min_ttl == old->cache_min_ttl && cfg->cache_max_ttl == old->cache_max_ttl) {
		p->cache = srv->cache;
	} else {
		if ((r = dst_server__cache_for(cfg, &p->cache)) < 0)
			return r;
		p->cache_new = p->cache != NULL;
	}
	if (same_str(cfg->control, old->control)) {
		p->control = srv->control;
	} else if (cfg->control) {
		r = dst_control_open(&srv->admin, cfg->control, &p->control);
		if (r < 0)
			return r;
		p->control_new = true;
	}
	if (strcmp(cfg->metrics.text, old->metrics.text) == 0) {
		p->metrics = srv->metrics;
	} else if (cfg->metrics.len) {
		r = dst_metrics_open(&srv->admin, &cfg->metrics, &p->metrics);
		if (r < 0)
			return r;
		p->metrics_new = true;
	}
	if (dst_trust_anchors_same(cfg, old)) {
		p->anchors = srv->anchors;
	} else {
		char err[512];
		if ((r = dst_trust_anchors_load(cfg, &p->anchors, err, sizeof(err))) < 0) {
			dst_log(DST_LOG_ERR, "%s", err);
			return r;
		}
		p->anchors_new = true;
	}
	return dst_server__policy_plan(srv, cfg, p->runtime ? 0 : DST_POLICY_LOAD_ALL, &p->policy);
}

static void finalize(struct dst_server *srv, struct dst_retired *r)
{
	dst_listen_close_retired(srv->listen, r->listeners);
	/* Attempts still out on an old pool are cancelled: their queries fail over. */
	dst_upstreams_free_retired(r->ups, true);
	dst_routes__view_free(r->cfg);
	free(r);
}

static void on_handle_freed(uv_handle_t *h)
{
	free(h);
}

void dst_reload__retire_all(struct dst_server *srv)
{
	struct dst_retired *r;

	if (srv->retire_timer)
		uv_close((uv_handle_t *)srv->retire_timer, on_handle_freed);
	srv->retire_timer = NULL;
	while ((r = srv->retired)) {
		srv->retired = r->next;
		finalize(srv, r);
	}
}

void dst_reload__free_retired(struct dst_server *srv)
{
	struct dst_retired *r;

	/* Only reached when the loop ended without retire_all: no handle is left. */
	while ((r = srv->retired)) {
		srv->retired = r->next;
		dst_upstreams_free_retired(r->ups, false);
		dst_routes__view_free(r->cfg);
		free(r);
	}
}

static void on_retire_timer(uv_timer_t *t)
{
	dst_reload__retire_all(t->data);
}

/* Arms the retire timer for the last deadline of the queries live now, or retires at once. */
static void schedule_retire(struct dst_server *srv)
{
	uint64_t now = uv_now(srv->loop), last = dst_queries_last_deadline(srv->queries);

	if (dst_queries_pending(srv->queries) == 0) {
		dst_reload__retire_all(srv);
		return;
	}
	if (!srv->retire_timer) {
		srv->retire_timer = malloc(sizeof(*srv->retire_timer));
		if (!srv->retire_timer) {
			dst_reload__retire_all(srv);
			return;
		}
		uv_timer_init(srv->loop, srv->retire_timer);
		srv->retire_timer->data = srv;
	}
	uv_timer_start(srv->retire_timer, on_retire_timer,
		       (last > now ? last - now : 0) + RETIRE_SLACK_MS, 0);
}

/* Swaps the plan in. Cannot fail once the retired record exists. */
static void commit(struct dst_server *srv, struct plan *p, struct dst_retired *ret)
{
	const struct dst_config *old = srv->cfg;
	int upmap[DST_UP_MAX];

	dst_listen_commit(srv->listen, p->listen, p->cache, &ret->listeners);
	size_t nold = dst_upstreams_commit(srv->upstreams, p->ups, old, upmap, &ret->ups);
	dst_queries_remap(srv->queries, upmap, nold);
	ret->cfg = (struct dst_config *)old;
	ret->next = srv->retired;
	srv->retired = ret;

	if (p->cache)
		dst_cache_set_stale(p->cache, p->cfg->cache_serve_stale_ms);
	/* A reload keeps the cached answers: into the new cache, within its limits. */
	if (srv->cache && p->cache && p->cache != srv->cache)
		dst_server__cache_carry(srv, srv->cache, p->cache);
	if (srv->cache && srv->cache != p->cache)
		dst_cache_free(srv->cache);
	srv->cache = p->cache;
	if (srv->control != p->control)
		dst_control_close(srv->control);
	srv->control = p->control;
	if (srv->metrics != p->metrics)
		dst_metrics_close(srv->metrics);
	srv->metrics = p->metrics;
	srv->cfg = p->cfg;
	dst_queries_reconfigure(srv->queries, srv->cfg, srv->cache);
	if (p->anchors != srv->anchors) {
		/* Only memory can fail here; then answers go unvalidated rather than unanswered. */
		if (dst_queries_set_anchors(srv->queries, p->anchors, dst_server__clock_floor) < 0)
			dst_log(DST_LOG_ERR, "reload: out of memory: DNSSEC validation is off");
		dst_trust_anchors_free(srv->anchors);
		srv->anchors = p->anchors;
	}
	dst_server__policy_commit(srv, &p->policy);
	dst_log_configure(p->cfg->log, p->cfg->log_level);
	dst_server__state_timer(srv);
	dst_routes__committed(srv, old);
	schedule_retire(srv);
}

static int load(struct dst_server *srv, struct dst_config **cfg, struct errs *e)
{
	int r;

	if (!srv->config_path || (!srv->config_required && access(srv->config_path, F_OK) != 0))
		r = dst_config_default(cfg);
	else
		r = dst_config_load(srv->config_path, cfg, on_config_error, e);
	if (r == 0)
		r = dst_server_config_state_dir(*cfg, srv->state_dir_default);
	return r;
}

int dst_server__apply(struct dst_server *srv, struct dst_config *cfg, bool file,
		      void (*err)(void *arg, const char *msg), void *arg)
{
	struct plan p = {.cfg = cfg, .runtime = !file};
	struct dst_retired *ret = NULL;
	const char *name = !file              ? "runtime routes"
			   : srv->config_path ? srv->config_path
					      : "built-in defaults";
	int r;

	r = dst_listen_plan(srv->listen, p.cfg, &p.listen);
	if (r == 0)
		r = dst_upstreams_plan(srv->upstreams, p.cfg, &p.ups);
	if (r == 0)
		r = plan_rest(srv, &p);
	if (r == 0 && !(ret = calloc(1, sizeof(*ret))))
		r = DST_ENOMEM;
	if (r < 0) {
		undo(&p);
		dst_routes__view_free(p.cfg);
		dst_log(DST_LOG_ERR,
			"%s%s cannot be applied (%s): still running with the "
			"previous configuration",
			file ? "reload: " : "", name, dst_strerror(r));
		if (err)
			err(arg, "the new configuration cannot be applied: see the log");
		if (file)
			dst_notify("READY=1\nSTATUS=reload failed, running with the previous "
				   "configuration");
		return r;
	}
	size_t nlisten = p.cfg->nlisten, nups = p.cfg->nupstreams;
	unsigned kept_l = dst_listen_plan_kept(p.listen), kept_u = dst_upstreams_plan_kept(p.ups);
	bool cache_new = p.cache_new;
	/* Workers hold the access list and cache that commit may free: stopped meanwhile. */
	dst_listen_workers_pause(srv->listen);
	commit(srv, &p, ret);
	dst_listen_workers_start(srv->listen);
	if (!file) {
		dst_server__update_admin(srv);
		dst_log(DST_LOG_INFO, "runtime routes applied: %zu upstreams (%u kept)", nups,
			kept_u);
		return 0;
	}
	srv->reloads++;
	dst_server__update_admin(srv);
	dst_log(DST_LOG_NOTICE,
		"reloaded %s: %zu listeners (%u kept), %zu upstreams (%u kept), "
		"cache %s",
		name, nlisten, kept_l, nups, kept_u,
		!srv->cache ? "off"
		: cache_new ? "new (answers carried over)"
			    : "kept");
	dst_notify("READY=1\nSTATUS=running (reloaded %u times)", srv->reloads);
	return 0;
}

int dst_server_reload(struct dst_server *srv, void (*err)(void *arg, const char *msg), void *arg)
{
	struct errs e = {err, arg};
	struct dst_config *base = NULL, *view = NULL;
	const char *name;
	int r;

	if (srv->stopping)
		return DST_ECANCELED;
	dst_notify_reloading();
	r = load(srv, &base, &e);
	name = srv->config_path ? srv->config_path : "built-in defaults";
	if (r < 0) {
		dst_log(DST_LOG_ERR,
			"reload: %s not usable (%s): still running with the previous "
			"configuration",
			name, dst_strerror(r));
		dst_notify(
			"READY=1\nSTATUS=reload failed, running with the previous configuration");
		return r;
	}
	if (!same_str(base->user, srv->cfg->user) || !same_str(base->chroot, srv->cfg->chroot))
		dst_log(DST_LOG_WARN, "reload: user and chroot take effect at the next start");
	if (!same_str(base->state_dir, srv->cfg->state_dir))
		dst_log(DST_LOG_WARN, "reload: state-dir takes effect at the next start (the state "
				      "is still kept in the one dotstub started with)");
	/* The runtime zones stay: the view of the new file has them too. */
	r = dst_routes__view(srv, base, &view);
	if (r < 0) {
		dst_log(DST_LOG_ERR,
			"reload: %s with the runtime zones: %s: still running with the previous "
			"configuration",
			name, r == DST_EINVAL ? "too many upstreams" : dst_strerror(r));
		if (err)
			err(arg, "the new configuration and the runtime zones have more than 64 "
				 "upstreams");
		dst_notify(
			"READY=1\nSTATUS=reload failed, running with the previous configuration");
		return r;
	}
	/* New upstreams read their ca-file or the system store anew (they may have changed). */
	dst_tls_trust_refresh();
	return dst_server__apply(srv, view, true, err, arg);
}

int dst_server_set_config_path(struct dst_server *srv, const char *path, bool required)
{
	char *p = path ? strdup(path) : NULL;

	if (path && !p)
		return DST_ENOMEM;
	free(srv->config_path);
	srv->config_path = p;
	srv->config_required = required;
	return 0;
}
