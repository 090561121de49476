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
#include <string.h>

#include "dns/err.h"
#include "resolver/upstream/internal.h"

struct dst_routes {
	struct dst_zones *zones;
	uint64_t defaults; /* the upstreams no zone names */
	size_t n;
	struct dst_route zone[]; /* by zone id = index into cfg->zones */
};

/* Whether wire name a is b or under it (both lower case, wire form). */
static bool under(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	for (size_t off = 0; off < alen; off += 1u + a[off]) {
		if (alen - off == blen && memcmp(a + off, b, blen) == 0)
			return true;
		if (a[off] == 0)
			break;
	}
	return false;
}

/*
 * A zone that only carries settings (dnssec = off, say) routes its names
 * as the closest enclosing zone that routes does: a [zone] under a
 * private zone must not send private names to the default upstreams.
 * -1: none encloses it (the default upstreams).
 */
static long routing_parent(const struct dst_config *cfg, size_t i)
{
	const struct dst_config_zone *z = &cfg->zones[i];
	long best = -1;

	for (size_t k = 0; k < cfg->nzones; k++) {
		const struct dst_config_zone *p = &cfg->zones[k];
		if (k == i || !dst_config_zone_routes(p) || p->wire_len >= z->wire_len ||
		    !under(z->wire, z->wire_len, p->wire, p->wire_len))
			continue;
		if (best < 0 || p->wire_len > cfg->zones[best].wire_len)
			best = (long)k;
	}
	return best;
}

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
		long from = dst_config_zone_routes(z) ? (long)i : routing_parent(cfg, i);
		const struct dst_config_zone *rz = from >= 0 ? &cfg->zones[from] : z;
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
