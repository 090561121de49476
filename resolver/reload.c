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
 * pointing at a kept upstream are moved to its new place. What was
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
#include "resolver/control.h"
#include "resolver/internal.h"
#include "resolver/base/log.h"
#include "resolver/metrics.h"
#include "resolver/base/notify.h"
#include "resolver/server.h"
#include "resolver/workers.h"

#define RETIRE_SLACK_MS 100 /* after the last deadline: the query's own timer goes first */

/* What one reload replaced, kept while queries may use it. */
struct dst_retired {
	struct dst_retired *next;
	struct dst_config *cfg;          /* the configuration replaced */
	struct dst_upstream *ups;        /* its upstreams; pool NULL where kept by the new set */
	size_t nups;
	struct dst_listener *listeners;  /* removed: UDP still open for answers owed */
};

/* Everything a reload builds before it commits. */
struct plan {
	struct dst_config *cfg;
	struct dst_listener **listeners; /* one per cfg->listen, kept or new */
	bool *listener_new;
	struct dst_upstream *ups;        /* one per cfg->upstreams */
	int *upmap;                      /* old upstream index -> new index, or -1 */
	struct dst_acl *acl;
	struct dst_ratelimit *rl;
	struct dst_cache *cache;
	bool cache_new;
	struct dst_control *control;
	bool control_new;
	struct dst_metrics *metrics;
	bool metrics_new;
	unsigned kept_listeners, kept_ups;
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

/* Whether two upstream sections would make the same TLS pool. */
static bool same_transport(const struct dst_config_upstream *a, uint32_t a_timeout,
			   const struct dst_config_upstream *b, uint32_t b_timeout)
{
	if (strcmp(a->name, b->name) != 0 || a->naddrs != b->naddrs || a->npins != b->npins ||
	    !same_str(a->tls_name, b->tls_name) || !same_str(a->ca_file, b->ca_file) ||
	    !same_str(a->host, b->host) ||
	    a->max_connections != b->max_connections || a->max_inflight != b->max_inflight ||
	    a->idle_timeout_ms != b->idle_timeout_ms || a_timeout != b_timeout ||
	    !same_str(a->host, b->host) || a->host_port != b->host_port)
		return false;
	for (size_t i = 0; i < a->naddrs; i++)
		if (strcmp(a->addrs[i].text, b->addrs[i].text) != 0)
			return false;
	return a->npins == 0 || memcmp(a->pins, b->pins, a->npins * sizeof(a->pins[0])) == 0;
}

/* Closes what a failed plan built; what it took from the running server stays. */
static void undo(struct dst_server *srv, struct plan *p)
{
	size_t nold = srv->nups;

	for (size_t i = 0; p->listeners && i < p->cfg->nlisten; i++)
		if (p->listeners[i] && p->listener_new[i])
			dst_server__listener_close(p->listeners[i]);
	for (size_t i = 0; p->ups && i < p->cfg->nupstreams; i++) {
		bool kept = false;
		for (size_t k = 0; p->upmap && k < nold; k++)
			kept |= p->upmap[k] == (int)i;
		if (!kept && p->ups[i].pool)
			dst_tls_pool_close(p->ups[i].pool);
	}
	if (p->cache_new && p->cache)
		dst_cache_free(p->cache);
	if (p->control_new)
		dst_control_close(p->control);
	if (p->metrics_new)
		dst_metrics_close(p->metrics);
	dst_acl_free(p->acl);
	dst_ratelimit_free(p->rl);
	free(p->listeners);
	free(p->listener_new);
	free(p->ups);
	free(p->upmap);
}

static int plan_listeners(struct dst_server *srv, struct plan *p)
{
	const struct dst_config *cfg = p->cfg;

	p->listeners = calloc(cfg->nlisten, sizeof(*p->listeners));
	p->listener_new = calloc(cfg->nlisten, sizeof(*p->listener_new));
	if (!p->listeners || !p->listener_new)
		return DST_ENOMEM;
	for (size_t i = 0; i < cfg->nlisten; i++) {
		for (struct dst_listener *l = srv->listeners; l && !p->listeners[i]; l = l->next)
			if (strcmp(l->addr.text, cfg->listen[i].text) == 0)
				p->listeners[i] = l;
		if (p->listeners[i]) {
			p->kept_listeners++;
			continue;
		}
		int r = dst_server__listener_open(srv, &cfg->listen[i], &p->listeners[i]);
		if (r < 0)
			return r;
		p->listener_new[i] = true;
	}
	return 0;
}

static int plan_upstreams(struct dst_server *srv, struct plan *p)
{
	const struct dst_config *cfg = p->cfg;

	if (cfg->nupstreams > DST_MAX_UPSTREAMS)
		return DST_EINVAL;
	p->ups = calloc(cfg->nupstreams, sizeof(*p->ups));
	p->upmap = malloc((srv->nups ? srv->nups : 1) * sizeof(*p->upmap));
	if (!p->ups || !p->upmap)
		return DST_ENOMEM;
	for (size_t k = 0; k < srv->nups; k++)
		p->upmap[k] = -1;
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		const struct dst_config_upstream *u = &cfg->upstreams[i];
		size_t k;

		for (k = 0; k < srv->nups; k++)
			if (p->upmap[k] < 0 && strcmp(srv->ups[k].cfg->name, u->name) == 0)
				break;
		if (k < srv->nups && same_transport(srv->ups[k].cfg, srv->cfg->query_timeout_ms, u,
						    cfg->query_timeout_ms)) {
			/* Kept whole: pool, health and counters. */
			p->ups[i] = srv->ups[k];
			p->ups[i].cfg = u;
			p->ups[i].index = (unsigned)i;
			p->upmap[k] = (int)i;
			p->kept_ups++;
			continue;
		}
		int r = dst_server__upstream_init(srv, cfg, &p->ups[i], u, (unsigned)i);
		if (r < 0)
			return r;
		/* Same name, new settings: the failure counts go on, the health starts over. */
		if (k < srv->nups)
			memcpy(p->ups[i].fails, srv->ups[k].fails, sizeof(p->ups[i].fails));
	}
	return 0;
}

static int plan_rest(struct dst_server *srv, struct plan *p)
{
	const struct dst_config *cfg = p->cfg, *old = srv->cfg;
	int r = dst_server__make_limits(cfg, &p->acl, &p->rl);

	if (r < 0)
		return r;
	if (srv->cache && cfg->cache_size == old->cache_size &&
	    cfg->cache_min_ttl == old->cache_min_ttl && cfg->cache_max_ttl == old->cache_max_ttl) {
		p->cache = srv->cache;
	} else if (cfg->cache_size) {
		p->cache = dst_cache_new(cfg->cache_size, cfg->cache_min_ttl, cfg->cache_max_ttl);
		if (!p->cache) {
			dst_log(DST_LOG_ERR, "cannot reserve %llu bytes for the cache: lower [cache] size",
				(unsigned long long)cfg->cache_size);
			return DST_ENOMEM;
		}
		p->cache_new = true;
	}
	if (same_str(cfg->control, old->control)) {
		p->control = srv->control;
	} else if (cfg->control) {
		r = dst_control_open(srv, cfg->control, &p->control);
		if (r < 0)
			return r;
		p->control_new = true;
	}
	if (strcmp(cfg->metrics.text, old->metrics.text) == 0) {
		p->metrics = srv->metrics;
	} else if (cfg->metrics.len) {
		r = dst_metrics_open(srv, &cfg->metrics, &p->metrics);
		if (r < 0)
			return r;
		p->metrics_new = true;
	}
	return 0;
}

/* Moves queries on kept upstreams to their new place, and renumbers what they tried. */
static void remap_queries(struct dst_server *srv, const struct plan *p)
{
	for (struct dst_query *q = srv->queries; q; q = q->next) {
		uint64_t tried = 0;

		for (size_t k = 0; k < srv->nups; k++)
			if ((q->tried & (UINT64_C(1) << k)) && p->upmap[k] >= 0)
				tried |= UINT64_C(1) << p->upmap[k];
		q->tried = tried;
		if (q->up && q->up >= srv->ups && q->up < srv->ups + srv->nups &&
		    p->upmap[q->up - srv->ups] >= 0)
			q->up = &p->ups[p->upmap[q->up - srv->ups]];
	}
}

static void finalize(struct dst_server *srv, struct dst_retired *r)
{
	struct dst_listener *l, *next;

	/* Nothing should still owe an answer through them; if so, it is dropped. */
	for (struct dst_query *q = srv->queries; q; q = q->next)
		for (l = r->listeners; l; l = l->next)
			if (q->udp == &l->udp)
				q->udp = NULL;
	for (l = r->listeners; l; l = next) {
		next = l->next;
		dst_server__listener_close(l);
	}
	/* Attempts still out on an old pool are cancelled: their queries fail over. */
	for (size_t i = 0; i < r->nups; i++)
		if (r->ups[i].pool)
			dst_tls_pool_close(r->ups[i].pool);
	free(r->ups);
	dst_config_free(r->cfg);
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
		free(r->ups);
		dst_config_free(r->cfg);
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
	uint64_t now = uv_now(srv->loop), last = 0;

	for (struct dst_query *q = srv->queries; q; q = q->next)
		if (q->deadline_ms > last)
			last = q->deadline_ms;
	if (!srv->queries) {
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
	struct dst_listener *l, *next, **tail, *removed = NULL;
	const struct dst_config *old = srv->cfg;

	/* Removed listeners stop receiving now; their UDP side stays for answers owed. */
	for (l = srv->listeners; l; l = next) {
		bool kept = false;
		next = l->next;
		for (size_t i = 0; i < p->cfg->nlisten; i++)
			kept |= p->listeners[i] == l;
		if (!kept) {
			dst_server__listener_quiesce(l);
			l->next = removed;
			removed = l;
		}
	}
	tail = &srv->listeners;
	for (size_t i = 0; i < p->cfg->nlisten; i++) {
		*tail = p->listeners[i];
		tail = &p->listeners[i]->next;
	}
	*tail = NULL;

	remap_queries(srv, p);
	for (size_t k = 0; k < srv->nups; k++)
		if (p->upmap[k] >= 0)
			srv->ups[k].pool = NULL; /* it lives on in the new set */
	ret->cfg = (struct dst_config *)old;
	ret->ups = srv->ups;
	ret->nups = srv->nups;
	ret->listeners = removed;
	ret->next = srv->retired;
	srv->retired = ret;
	srv->ups = p->ups;
	srv->nups = p->cfg->nupstreams;

	if (srv->cache && srv->cache != p->cache)
		dst_cache_free(srv->cache);
	srv->cache = p->cache;
	if (srv->cache)
		dst_cache_set_stale(srv->cache, p->cfg->cache_serve_stale_ms);
	if (srv->control != p->control)
		dst_control_close(srv->control);
	srv->control = p->control;
	if (srv->metrics != p->metrics)
		dst_metrics_close(srv->metrics);
	srv->metrics = p->metrics;
	dst_acl_free(srv->acl);
	dst_ratelimit_free(srv->ratelimit);
	srv->acl = p->acl;
	srv->ratelimit = p->rl;
	srv->cfg = p->cfg;
	dst_uplink_reloaded(srv, ret->ups, ret->nups, p->upmap, old);
	dst_log_configure(p->cfg->log, p->cfg->log_level);
	free(p->listeners);
	free(p->listener_new);
	free(p->upmap);
	schedule_retire(srv);
}

static int load(struct dst_server *srv, struct dst_config **cfg, struct errs *e)
{
	if (!srv->config_path || (!srv->config_required && access(srv->config_path, F_OK) != 0))
		return dst_config_default(cfg);
	return dst_config_load(srv->config_path, cfg, on_config_error, e);
}

int dst_server_reload(struct dst_server *srv, void (*err)(void *arg, const char *msg), void *arg)
{
	struct errs e = {err, arg};
	struct plan p = {0};
	struct dst_retired *ret = NULL;
	const char *name;
	int r;

	if (srv->stopping)
		return DST_ECANCELED;
	dst_notify_reloading();
	r = load(srv, &p.cfg, &e);
	name = srv->config_path ? srv->config_path : "built-in defaults";
	if (r < 0) {
		dst_log(DST_LOG_ERR, "reload: %s not usable (%s): still running with the previous "
			"configuration", name, dst_strerror(r));
		dst_notify("READY=1\nSTATUS=reload failed, running with the previous configuration");
		return r;
	}
	if (!same_str(p.cfg->user, srv->cfg->user) || !same_str(p.cfg->chroot, srv->cfg->chroot))
		dst_log(DST_LOG_WARN, "reload: user and chroot take effect at the next start");
	/* New upstreams read their ca-file or the system store anew (they may have changed). */
	dst_tls_trust_refresh();
	r = plan_listeners(srv, &p);
	if (r == 0)
		r = plan_upstreams(srv, &p);
	if (r == 0)
		r = plan_rest(srv, &p);
	if (r == 0 && !(ret = calloc(1, sizeof(*ret))))
		r = DST_ENOMEM;
	if (r < 0) {
		undo(srv, &p);
		dst_config_free(p.cfg);
		dst_log(DST_LOG_ERR, "reload: %s cannot be applied (%s): still running with the "
			"previous configuration", name, dst_strerror(r));
		if (err)
			err(arg, "the new configuration cannot be applied: see the log");
		dst_notify("READY=1\nSTATUS=reload failed, running with the previous configuration");
		return r;
	}
	size_t nlisten = p.cfg->nlisten, nups = p.cfg->nupstreams;
	unsigned kept_l = p.kept_listeners, kept_u = p.kept_ups;
	bool cache_new = p.cache_new;
	/* Workers hold the access list and cache that commit may free: stopped meanwhile. */
	dst_workers_pause(srv);
	commit(srv, &p, ret);
	dst_workers_start(srv);
	srv->reloads++;
	dst_log(DST_LOG_NOTICE, "reloaded %s: %zu listeners (%u kept), %zu upstreams (%u kept), "
		"cache %s", name, nlisten, kept_l, nups, kept_u,
		!srv->cache ? "off" : cache_new ? "new (empty)" : "kept");
	dst_notify("READY=1\nSTATUS=running (reloaded %u times)", srv->reloads);
	return 0;
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
