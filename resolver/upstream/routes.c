/*
 * Routes: the zone table of a configuration (policy/zones.h) with, for
 * each zone, the upstreams its names may go to as a bit mask over the
 * upstream indexes (which are the configuration's upstream indexes), or
 * its action. Names under no zone go to the default upstreams: those no
 * zone names. Built beside the running set by dst_upstreams_new and
 * dst_upstreams_plan, swapped in at commit; read once per query that
 * misses the cache.
 */
#include "config.h"

#include <stdlib.h>

#include "dns/err.h"
#include "resolver/upstream/internal.h"

struct dst_routes {
	struct dst_zones *zones;
	uint64_t defaults; /* the upstreams no zone names */
	size_t n;
	struct dst_route zone[]; /* by zone id = index into cfg->zones */
};

/* Whether wire name a is b or under it (both lower case, wire form). */
int dst_upstream__routes_new(const struct dst_config *cfg, struct dst_routes **out)
{
	struct dst_routes *r = calloc(1, sizeof(*r) + cfg->nzones * sizeof(r->zone[0]));
	struct dst_zone_def *defs = calloc(cfg->nzones ? cfg->nzones : 1, sizeof(*defs));
	int e = DST_ENOMEM;

	*out = NULL;
	if (!r || !defs)
		goto fail;
	for (size_t i = 0; i < cfg->nupstreams && i < DST_UP_MAX; i++)
		if (!cfg->upstreams[i].zoned)
			r->defaults |= UINT64_C(1) << i;
	r->n = cfg->nzones;
	for (size_t i = 0; i < cfg->nzones; i++) {
		const struct dst_config_zone *z = &cfg->zones[i];
		struct dst_route *rt = &r->zone[i];
		/* A zone with settings only (dnssec = off) routes as its closest routing
		 * parent: private names under a private zone must not go to the defaults. */
		size_t from =
			dst_config_zone_routes(z) ? i : dst_config_zone_enclosing(cfg, i, true);
		const struct dst_config_zone *rz = from < cfg->nzones ? &cfg->zones[from] : z;
		rt->zone = (uint32_t)i; /* its own settings (dnssec), whoever's routes */
		rt->action = rz->action;
		for (size_t k = 0; k < rz->nupstreams; k++)
			if (rz->upstreams[k] < DST_UP_MAX)
				rt->allowed |= UINT64_C(1) << rz->upstreams[k];
		if (rz->nupstreams == 0)
			rt->allowed = r->defaults;
		defs[i] = (struct dst_zone_def){
			.wire = z->wire, .len = z->wire_len, .id = (uint32_t)i};
	}
	if ((e = dst_zones_new(defs, cfg->nzones, &r->zones)) < 0)
		goto fail;
	free(defs);
	*out = r;
	return 0;
fail:
	free(defs);
	free(r);
	return e;
}

void dst_upstream__routes_free(struct dst_routes *r)
{
	if (!r)
		return;
	dst_zones_free(r->zones);
	free(r);
}

void dst_upstreams_route(const struct dst_upstreams *u, const uint8_t *qname, size_t len,
			 struct dst_route *out)
{
	const struct dst_routes *r = u->routes;
	uint32_t id = DST_ZONES_NONE;

	if (u->override) {
		*out = (struct dst_route){.allowed = u->override,
					  .action = DST_CONFIG_ZONE_FORWARD,
					  .zone = DST_ZONES_NONE};
		return;
	}
	if (r)
		id = dst_zones_match(r->zones, qname, len);
	if (!r || id >= r->n) {
		*out = (struct dst_route){
			.allowed = r ? r->defaults : UINT64_MAX,
			.action = DST_CONFIG_ZONE_FORWARD,
			.zone = DST_ZONES_NONE,
		};
		return;
	}
	*out = r->zone[id];
}

void dst_upstreams_set_override(struct dst_upstreams *u, uint64_t allowed)
{
	u->override = allowed;
}

const struct dst_zones *dst_upstreams_zones(const struct dst_upstreams *u)
{
	return u->routes ? u->routes->zones : NULL;
}
