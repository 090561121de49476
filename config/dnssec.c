/*
 * The DNSSEC keys of the configuration: [server] dnssec, trust-anchor and
 * trust-anchor-file, [zone NAME] dnssec, and dst_config_zone_validates,
 * which says what they mean for one zone.
 *
 * config/ has no ldns: a trust anchor is kept as the text written, with its
 * line, and resolver/trust.c parses it (dotstub -t runs that too, so a bad
 * record is still reported as FILE:LINE before anything starts). Whether
 * the build has the validator comes from the build's config.h (DST_DNSSEC):
 * without it, asking for validation is an error that names the build
 * option, not a setting silently ignored.
 */
#include <config.h> /* the build's (DST_DNSSEC), not config/config.h */

#include "config/internal.h"
#include "dns/err.h"

#include <stdlib.h>
#include <string.h>

#ifndef DST_DNSSEC
#error "DST_DNSSEC is not defined: the build's config.h was not found"
#endif

const bool dst_config__dnssec_built = DST_DNSSEC;

/*
 * "validate" or "off": into the bool of [server] dnssec, or the enum
 * dst_config_zone_dnssec of a [zone]. An explicit validate in a build
 * without the validator is refused where it is written.
 */
int dst_config__set_dnssec(struct parser *p, const struct key *k, const char *val, char *base)
{
	bool validate = strcmp(val, "validate") == 0;

	if (!validate && strcmp(val, "off") != 0) {
		dst_config__bad_value(p, k, val, NULL);
		return 0;
	}
	if (validate && !dst_config__dnssec_built) {
		perr(p,
		     "%s: validate is not available: this dotstub was built without DNSSEC "
		     "validation (./configure --disable-dnssec); expected off",
		     k->name);
		return 0;
	}
	if (k->sec == SEC_SERVER)
		*(bool *)(base + k->off) = validate;
	else
		*(uint8_t *)(base + k->off) =
			validate ? DST_CONFIG_ZONE_DNSSEC_VALIDATE : DST_CONFIG_ZONE_DNSSEC_OFF;
	return 0;
}

/*
 * One more trust-anchor record, kept as written with its line. Only its
 * shape is left to resolver/trust.c; the same record twice is a mistake.
 */
int dst_config__add_trust_anchor(struct parser *p, const struct key *k, const char *val, char *base)
{
	size_t *n = (size_t *)(base + k->off_n), had = *n;
	struct dst_config_trust_anchor *list, ta;
	char qb[QUOTE_MAX + 4];
	int r;

	memcpy(&list, base + k->off, sizeof list);
	for (size_t i = 0; i < had; i++) {
		if (strcmp(list[i].text, val) == 0) {
			perr(p, "%s: \"%s\" is listed twice (first at line %u)", k->name,
			     dst_config__quote(qb, val), list[i].line);
			return 0;
		}
	}
	memset(&ta, 0, sizeof ta); /* padding too: append compares with memcmp */
	ta.line = p->line;
	if (!(ta.text = strdup(val)))
		return DST_ENOMEM;
	r = dst_config__append(p, k, base, &ta, sizeof ta, val);
	if (r || *n == had)
		free(ta.text); /* not added: out of memory, or the list is full (reported) */
	return r;
}

/* An absolute path, and its line in the unsigned field at k->off_n for trust.c's messages. */
int dst_config__set_trust_anchor_file(struct parser *p, const struct key *k, const char *val,
				      char *base)
{
	char **field = (char **)(base + k->off), *before = *field;
	int r = dst_config__set_path(p, k, val, base);

	if (r == 0 && *field != before)
		*(unsigned *)(base + k->off_n) = p->line;
	return r;
}

/* Whether wire name a is strictly under b (both lower case, wire form). */
static bool strictly_under(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	for (size_t off = 0; off < alen && a[off]; off += 1u + a[off])
		if (off > 0 && alen - off == blen && memcmp(a + off, b, blen) == 0)
			return true;
	return blen == 1 && alen > 1; /* the root encloses every other name */
}

size_t dst_config_zone_enclosing(const struct dst_config *cfg, size_t i, bool routing)
{
	const struct dst_config_zone *z = &cfg->zones[i];
	size_t best = cfg->nzones;

	for (size_t k = 0; k < cfg->nzones; k++) {
		const struct dst_config_zone *p = &cfg->zones[k];
		if (k != i && (!routing || dst_config_zone_routes(p)) &&
		    p->wire_len < z->wire_len &&
		    strictly_under(z->wire, z->wire_len, p->wire, p->wire_len) &&
		    (best == cfg->nzones || p->wire_len > cfg->zones[best].wire_len))
			best = k;
	}
	return best;
}

bool dst_config_zone_validates(const struct dst_config *cfg, uint32_t zone)
{
	const struct dst_config_zone *z;
	bool plain = true;

	if (!cfg->dnssec_validate)
		return false;
	if (zone >= cfg->nzones)
		return true;
	z = &cfg->zones[zone];
	if (z->dnssec == DST_CONFIG_ZONE_DNSSEC_OFF)
		return false;
	if (z->dnssec == DST_CONFIG_ZONE_DNSSEC_VALIDATE)
		return true;
	for (size_t i = 0; i < z->nupstreams; i++)
		if (z->upstreams[i] >= cfg->nupstreams ||
		    cfg->upstreams[z->upstreams[i]].transport != DST_CONFIG_TRANSPORT_DNS)
			plain = false;
	/* Private names (plain DNS upstreams only) have no chain of trust. */
	if (z->nupstreams > 0 && plain)
		return false;
	size_t p = dst_config_zone_enclosing(cfg, zone, false);
	if (z->nupstreams == 0)
		/* Not set, no upstreams of its own: as the zone around it. */
		return p < cfg->nzones ? dst_config_zone_validates(cfg, (uint32_t)p) : true;
	/* Its own DNS-over-TLS upstreams: validated, unless the closest zone around it
	 * that says anything says off (a negative trust anchor covers what is below). */
	for (; p < cfg->nzones; p = dst_config_zone_enclosing(cfg, p, false))
		if (cfg->zones[p].dnssec != DST_CONFIG_ZONE_DNSSEC_INHERIT)
			return cfg->zones[p].dnssec == DST_CONFIG_ZONE_DNSSEC_VALIDATE;
	return true;
}
