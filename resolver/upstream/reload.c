/*
 * Reloading the upstreams: a plan is built beside the running set (an
 * upstream whose settings are all unchanged is kept whole, with its
 * connections, TLS session and health; any other gets a new object and
 * pool, which resumes the old pool's TLS session when only its limits
 * changed), then committed in one step or undone. Committing renumbers the
 * set; the objects of kept upstreams do not move, so queries holding them
 * need nothing rewritten but their "tried" bits (dst_queries_remap).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/err.h"
#include "resolver/upstream/internal.h"

struct dst_upstreams_plan {
	struct dst_upstreams *set;
	const struct dst_config *cfg;
	struct dst_upstream *ups[DST_UP_MAX]; /* one per cfg->upstreams: kept or built */
	bool built[DST_UP_MAX];
	size_t nups;
	int upmap[DST_UP_MAX]; /* old index -> new index, or -1 */
	unsigned kept;
	struct dst_routes *routes; /* cfg's zones */
};

/*
 * Only pool limits or timeouts changed (the same identity: the same
 * servers, authenticated the same way): the new pool resumes the old
 * one's TLS session instead of a full handshake.
 */
static void carry_session(const struct dst_upstream *old, struct dst_upstream *up)
{
	uint8_t a[DST_UP_ID_MAX], b[DST_UP_ID_MAX];
	size_t na = dst_up_identity(old->cfg, a, sizeof a),
	       nb = dst_up_identity(up->cfg, b, sizeof b);
	int64_t now = (int64_t)time(NULL), exp;
	const uint8_t *data;
	size_t len;

	if (na && na == nb && memcmp(a, b, na) == 0 && old->pool && up->pool &&
	    dst_tls_pool_session(old->pool, now, &data, &len, &exp) == 0)
		dst_tls_pool_set_session(up->pool, data, len, exp, now);
}

int dst_upstreams_plan(struct dst_upstreams *u, const struct dst_config *cfg,
		       struct dst_upstreams_plan **out)
{
	struct dst_upstreams_plan *p = calloc(1, sizeof(*p));

	*out = p;
	if (!p)
		return DST_ENOMEM;
	p->set = u;
	p->cfg = cfg;
	if (cfg->nupstreams > DST_UP_MAX)
		return DST_EINVAL;
	int e = dst_upstream__routes_new(cfg, &p->routes);
	if (e < 0)
		return e;
	for (size_t k = 0; k < u->nups; k++)
		p->upmap[k] = -1;
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		const struct dst_config_upstream *c = &cfg->upstreams[i];
		size_t k;

		for (k = 0; k < u->nups; k++)
			if (p->upmap[k] < 0 && strcmp(u->ups[k]->cfg->name, c->name) == 0)
				break;
		if (k < u->nups &&
		    dst_upstream_same_transport(u->ups[k]->cfg, u->cfg->query_timeout_ms, c,
						cfg->query_timeout_ms)) {
			/* Kept whole: pool, health and counters. */
			p->ups[i] = u->ups[k];
			p->upmap[k] = (int)i;
			p->kept++;
			p->nups++;
			continue;
		}
		int r = dst_upstream__new(u, cfg, c, &p->ups[i]);
		if (r < 0)
			return r;
		p->built[i] = true;
		p->nups++;
		/* Same name, new settings: the failure counts go on, the health starts over. */
		if (k < u->nups) {
			memcpy(p->ups[i]->fails, u->ups[k]->fails, sizeof(p->ups[i]->fails));
			carry_session(u->ups[k], p->ups[i]);
		}
	}
	return 0;
}

void dst_upstreams_plan_undo(struct dst_upstreams_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nups; i++)
		if (p->built[i])
			dst_upstream__free(p->ups[i], true);
	dst_upstream__routes_free(p->routes);
	free(p);
}

unsigned dst_upstreams_plan_kept(const struct dst_upstreams_plan *p)
{
	return p->kept;
}

size_t dst_upstreams_commit(struct dst_upstreams *u, struct dst_upstreams_plan *p,
			    const struct dst_config *old_cfg, int upmap[DST_UP_MAX],
			    struct dst_upstream **retired)
{
	int from[DST_UP_MAX];
	struct dst_selector_opts o;
	size_t nold = u->nups;

	*retired = NULL;
	for (size_t k = 0; k < nold; k++) {
		upmap[k] = p->upmap[k];
		if (p->upmap[k] >= 0)
			continue;
		/* Replaced: attempts out on it still end, but it counts for nobody's health. */
		u->ups[k]->index = DST_UPSTREAM_RETIRED;
		u->ups[k]->retired_next = *retired;
		*retired = u->ups[k];
	}
	for (size_t i = 0; i < DST_UP_MAX; i++)
		from[i] = -1;
	for (size_t k = 0; k < nold; k++)
		if (p->upmap[k] >= 0)
			from[p->upmap[k]] = (int)k;
	u->cfg = p->cfg;
	u->nups = p->nups;
	for (size_t i = 0; i < p->nups; i++) {
		struct dst_upstream *up = p->ups[i];
		const struct dst_config_upstream *c = &p->cfg->upstreams[i];
		u->ups[i] = up;
		up->index = (unsigned)i;
		up->cfg = c;
		up->label = c->host ? c->host : c->tls_name ? c->tls_name : c->name;
	}
	dst_upstream__selector_opts(u, &o);
	dst_selector_reconfigure(u->selector, &o, u->nups, from);
	dst_upstream__routes_free(u->routes);
	u->routes = p->routes;
	for (size_t i = 0; i < u->nups; i++) {
		struct dst_upstream *up = u->ups[i];
		if (from[i] >= 0)
			continue;
		up->resolved = up->resolving = false;
		up->boot_next_ms = 0;
		if (up->cfg->host && up->cfg->naddrs == 0)
			dst_selector_set_available(u->selector, (unsigned)i, false);
	}
	free(p);
	if (dst_upstream__open_bootstrap(u, old_cfg) == 0 && u->bootstrap)
		dst_upstream__refresh_names(u, uv_now(u->loop));
	dst_upstream__update_boot_next(u);
	return nold;
}

void dst_upstreams_free_retired(struct dst_upstream *list, bool close)
{
	struct dst_upstream *next;

	for (; list; list = next) {
		next = list->retired_next;
		dst_upstream__free(list, close);
	}
}
