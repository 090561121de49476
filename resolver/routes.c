/*
 * Routes changed at run time (the top): zones added through the control
 * socket (`zone add/del`, `zones`) and hotspot sign-in (`hotspot`).
 *
 * The running configuration is a view (struct view): the file's
 * configuration (the base, shared and reference-counted) with the runtime
 * zones appended, each with an upstream of its own named zone:NAME (plain
 * DNS, or DoT with --tls-name), and the hotspot's upstream.
 * Every other field is the base's. A runtime change builds a new view of
 * the same base and applies it the way a reload applies a new file
 * (dst_server__apply): unchanged upstreams keep their objects, health and
 * connections; the view replaced is retired like an old configuration. A
 * reload builds the view of the new file with the same runtime zones, so
 * they survive it; they last until deleted or the next start.
 *
 * File zones have ids 0..base->nzones-1 (their index in the file's
 * zones), runtime zones the ids after them:
 * the upstream set's zone table uses the view's indexes as ids.
 *
 * Hotspot sign-in routes every name (also names under runtime or file
 * zones) to the given plain DNS servers for at most 15 minutes: a captive
 * portal's resolver, which is the only one that lets its sign-in page
 * resolve. It is an upstream of the view (named hotspot) that no zone
 * names, and the upstream set's override sends every name to it; the zone
 * table stays as it is (local answers keep theirs). Its start and end
 * empty the cache (a portal's answers are not to outlive it). A warning
 * is logged each minute while it lasts.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "resolver/base/buf.h"
#include "resolver/base/log.h"
#include "resolver/internal.h"
#include "resolver/upstream/upstream.h"

#define MAX_RUNTIME_ZONES 32
#define MAX_ZONE_ADDRS 8
#define MAX_TAG 32
#define HOTSPOT_MAX_S (15 * 60)
#define HOTSPOT_WARN_MS (60 * 1000)
#define HOTSPOT_NAME "hotspot"

/* A zone added at run time. */
struct rtzone {
	struct rtzone *next;
	char name[DST_DNS_MAX_NAME * 4 + 2]; /* lower case, final dot */
	uint8_t wire[DST_DNS_MAX_NAME];
	uint16_t wire_len;
	char tag[MAX_TAG + 1]; /* "" none */
	char *tls_name;        /* NULL: plain DNS */
	struct dst_config_addr addrs[MAX_ZONE_ADDRS];
	size_t naddrs;
};

struct dst_routing {
	struct rtzone *zones; /* in the order added */
	bool hotspot;
	struct dst_config_addr hs_addrs[MAX_ZONE_ADDRS];
	size_t hs_naddrs;
	uint64_t hs_until_ms;
	uv_timer_t *hs_timer;
};

/* The file's configuration, shared by the views made of it. */
struct base {
	struct dst_config *cfg;
	unsigned refs;
};

struct view {
	struct dst_config cfg; /* first: a view is used as its struct dst_config */
	struct base *base;
	size_t nrt_ups;   /* runtime upstreams (owned) after the base's */
	size_t nrt_zones; /* runtime zones (owned) after the base's */
	int hotspot;      /* the hotspot's upstream index, or -1 */
};

/* --- views ------------------------------------------------------------------------ */

static const struct view *view_of(const struct dst_config *cfg)
{
	return (const struct view *)cfg;
}

const struct dst_config *dst_routes__base(const struct dst_config *cfg)
{
	return view_of(cfg)->base->cfg;
}

void dst_routes__view_free(const struct dst_config *cfg)
{
	struct view *v = (struct view *)cfg;

	if (!v)
		return;
	for (size_t i = v->cfg.nupstreams - v->nrt_ups; i < v->cfg.nupstreams; i++) {
		free(v->cfg.upstreams[i].name);
		free(v->cfg.upstreams[i].addrs);
		free(v->cfg.upstreams[i].tls_name);
	}
	for (size_t i = v->cfg.nzones - v->nrt_zones; i < v->cfg.nzones; i++) {
		free(v->cfg.zones[i].name);
		free(v->cfg.zones[i].upstream_names);
		free(v->cfg.zones[i].upstreams);
	}
	free(v->cfg.upstreams);
	free(v->cfg.zones);
	if (--v->base->refs == 0) {
		dst_config_free(v->base->cfg);
		free(v->base);
	}
	free(v);
}

/* Appends a runtime upstream (named by no file zone); NULL when out of memory. */
static struct dst_config_upstream *add_upstream(struct view *v, const char *upname,
						const char *tls_name,
						const struct dst_config_addr *addrs, size_t naddrs)
{
	struct dst_config_upstream *u = &v->cfg.upstreams[v->cfg.nupstreams];

	memset(u, 0, sizeof(*u));
	v->cfg.nupstreams++;
	v->nrt_ups++;
	u->name = strdup(upname);
	u->addrs = malloc(naddrs * sizeof(*addrs));
	u->tls_name = tls_name ? strdup(tls_name) : NULL;
	if (!u->name || !u->addrs || (tls_name && !u->tls_name))
		return NULL;
	memcpy(u->addrs, addrs, naddrs * sizeof(*addrs));
	u->naddrs = naddrs;
	u->transport = tls_name ? DST_CONFIG_TRANSPORT_TLS : DST_CONFIG_TRANSPORT_DNS;
	u->max_connections = 2;
	u->max_inflight = 128;
	u->idle_timeout_ms = 10000;
	u->host_port = 853;
	u->zoned = true;
	return u;
}

/* Appends a runtime zone with one upstream of its own; false when out of memory. */
static bool add_zone(struct view *v, const char *zname, const uint8_t *wire, size_t wlen,
		     const char *upname, const char *tls_name, const struct dst_config_addr *addrs,
		     size_t naddrs)
{
	struct dst_config_upstream *u = add_upstream(v, upname, tls_name, addrs, naddrs);
	struct dst_config_zone *z = &v->cfg.zones[v->cfg.nzones];

	if (!u)
		return false;
	memset(z, 0, sizeof(*z));
	v->cfg.nzones++;
	v->nrt_zones++;
	z->name = strdup(zname);
	z->upstream_names = malloc(sizeof(char *));
	z->upstreams = malloc(sizeof(uint16_t));
	if (!z->name || !z->upstream_names || !z->upstreams)
		return false;
	memcpy(z->wire, wire, wlen);
	z->wire_len = (uint16_t)wlen;
	z->action = DST_CONFIG_ZONE_FORWARD;
	z->upstream_names[0] = u->name;
	z->nupstream_names = 1;
	z->upstreams[0] = (uint16_t)(v->cfg.nupstreams - 1);
	z->nupstreams = 1;
	return true;
}

static size_t count_zones(const struct dst_routing *rt)
{
	size_t n = 0;

	for (const struct rtzone *z = rt->zones; z; z = z->next)
		n++;
	return n;
}

/*
 * The view of base (NULL: the running one's base) with the runtime zones
 * and the hotspot. A new base is taken (its reference is the view's);
 * on failure it is freed. DST_EINVAL: more upstreams than a set can hold.
 */
int dst_routes__view(struct dst_server *srv, struct dst_config *newbase, struct dst_config **out)
{
	struct dst_routing *rt = srv->routing;
	struct base *b = newbase ? calloc(1, sizeof(*b)) : view_of(srv->cfg)->base;
	struct view *v = calloc(1, sizeof(*v));
	size_t nz = count_zones(rt) + rt->hotspot;

	*out = NULL;
	if (!b || !v) {
		free(v);
		if (newbase) {
			free(b);
			dst_config_free(newbase);
		}
		return DST_ENOMEM;
	}
	if (newbase)
		b->cfg = newbase;
	b->refs++;
	v->base = b;
	v->hotspot = -1;
	const struct dst_config *base = b->cfg;
	v->cfg = *base;
	v->cfg.upstreams = calloc(base->nupstreams + nz + 1, sizeof(*v->cfg.upstreams));
	v->cfg.zones = calloc(base->nzones + nz + 1, sizeof(*v->cfg.zones));
	v->cfg.nupstreams = v->cfg.nzones = 0;
	if (!v->cfg.upstreams || !v->cfg.zones) {
		dst_routes__view_free(&v->cfg);
		return DST_ENOMEM;
	}
	if (base->nupstreams)
		memcpy(v->cfg.upstreams, base->upstreams,
		       base->nupstreams * sizeof(*base->upstreams));
	if (base->nzones)
		memcpy(v->cfg.zones, base->zones, base->nzones * sizeof(*base->zones));
	v->cfg.nupstreams = base->nupstreams;
	v->cfg.nzones = base->nzones;
	if (base->nupstreams + nz > DST_UP_MAX) {
		dst_routes__view_free(&v->cfg);
		return DST_EINVAL;
	}
	for (const struct rtzone *z = rt->zones; z; z = z->next) {
		char upname[sizeof(z->name) + 8];
		snprintf(upname, sizeof(upname), "zone:%s", z->name);
		if (!add_zone(v, z->name, z->wire, z->wire_len, upname, z->tls_name, z->addrs,
			      z->naddrs)) {
			dst_routes__view_free(&v->cfg);
			return DST_ENOMEM;
		}
	}
	if (rt->hotspot) {
		/* No zone: every name is sent to it by the upstream set's override. */
		if (!add_upstream(v, HOTSPOT_NAME, NULL, rt->hs_addrs, rt->hs_naddrs)) {
			dst_routes__view_free(&v->cfg);
			return DST_ENOMEM;
		}
		v->hotspot = (int)(v->cfg.nupstreams - 1);
	}
	*out = &v->cfg;
	return 0;
}

/* --- what a change of view does to the cache ----------------------------------------- */

static bool same_upstream(const struct dst_config_upstream *a, const struct dst_config_upstream *b)
{
	if (strcmp(a->name, b->name) != 0 || a->transport != b->transport ||
	    a->naddrs != b->naddrs || (!a->tls_name) != (!b->tls_name) ||
	    (a->tls_name && strcmp(a->tls_name, b->tls_name) != 0))
		return false;
	for (size_t i = 0; i < a->naddrs; i++)
		if (strcmp(a->addrs[i].text, b->addrs[i].text) != 0)
			return false;
	return true;
}

/* Whether zone i of a routes its names as zone k of b does. */
static bool same_zone(const struct dst_config *a, size_t i, const struct dst_config *b, size_t k)
{
	const struct dst_config_zone *x = &a->zones[i], *y = &b->zones[k];

	if (x->action != y->action || x->nupstreams != y->nupstreams || x->dnssec != y->dnssec)
		return false;
	for (size_t j = 0; j < x->nupstreams; j++)
		if (!same_upstream(&a->upstreams[x->upstreams[j]], &b->upstreams[y->upstreams[j]]))
			return false;
	return true;
}

/* The last zone of cfg named like wire (a runtime zone overrides a file one), or -1. */
static long find_zone(const struct dst_config *cfg, const uint8_t *wire, size_t len)
{
	for (size_t i = cfg->nzones; i-- > 0;)
		if (cfg->zones[i].wire_len == len && memcmp(cfg->zones[i].wire, wire, len) == 0)
			return (long)i;
	return -1;
}

/* Drops the cached names of every zone of a that b lacks or routes otherwise. */
static size_t flush_changed(struct dst_cache *cache, const struct dst_config *a,
			    const struct dst_config *b)
{
	size_t n = 0;

	for (size_t i = 0; i < a->nzones; i++) {
		const struct dst_config_zone *z = &a->zones[i];
		long k = find_zone(b, z->wire, z->wire_len);
		if (find_zone(a, z->wire, z->wire_len) != (long)i)
			continue; /* overridden in a */
		if (k >= 0 && same_zone(a, i, b, (size_t)k))
			continue;
		size_t d = dst_cache_flush_under(cache, z->wire, z->wire_len);
		dst_log(DST_LOG_INFO, "zone %s changed: %zu cached entries under it dropped",
			z->name, d);
		n += d;
	}
	return n;
}

void dst_routes__committed(struct dst_server *srv, const struct dst_config *old)
{
	const struct view *v = view_of(srv->cfg);
	const struct view *o = old ? view_of(old) : NULL;
	bool hs_changed =
		(o && o->hotspot >= 0) != (v->hotspot >= 0) ||
		(o && o->hotspot >= 0 &&
		 !same_upstream(&old->upstreams[o->hotspot], &srv->cfg->upstreams[v->hotspot]));

	dst_upstreams_set_override(srv->upstreams, v->hotspot >= 0 ? UINT64_C(1) << v->hotspot : 0);
	if (!old || !srv->cache)
		return;
	if (hs_changed) {
		/* A captive portal's answers must not outlive the sign-in (nor precede it). */
		dst_cache_clear(srv->cache);
		return;
	}
	flush_changed(srv->cache, old, srv->cfg);
	flush_changed(srv->cache, srv->cfg, old);
}

/* --- commands ------------------------------------------------------------------------- */

/* Applies the runtime routes: a new view of the running base. */
static int apply_runtime(struct dst_server *srv, struct dst_buf *out)
{
	struct dst_config *view;
	int r = dst_routes__view(srv, NULL, &view);

	if (r == DST_EINVAL) {
		dst_buf_printf(out, "error: at most %d upstreams in all (file and runtime)\n",
			       DST_UP_MAX);
		return r;
	}
	if (r == 0)
		r = dst_server__apply(srv, view, false, NULL, NULL);
	if (r < 0)
		dst_buf_printf(out, "error: cannot apply the change (%s): see the log\n",
			       dst_strerror(r));
	return r;
}

/* ADDR, ADDR:PORT, [V6]:PORT or a bare V6 address. */
static bool parse_addr(const char *s, uint16_t def_port, struct dst_config_addr *a)
{
	char host[64];
	const char *port = NULL;
	unsigned long p = def_port;
	char *end;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (size_t)(close - s - 1) >= sizeof(host))
			return false;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return false;
	} else {
		const char *colon = strchr(s, ':');
		if (strlen(s) >= sizeof(host))
			return false;
		if (colon && !strchr(colon + 1, ':')) {
			memcpy(host, s, (size_t)(colon - s));
			host[colon - s] = '\0';
			port = colon + 1;
		} else {
			strcpy(host, s);
		}
	}
	if (port) {
		p = strtoul(port, &end, 10);
		if (!*port || *end || p == 0 || p > 65535)
			return false;
	}
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
	char ip[INET6_ADDRSTRLEN]; /* the address as written back: canonical, and short */
	if (uv_ip4_addr(host, (int)p, v4) == 0 && strchr(host, '.')) {
		a->len = sizeof(*v4);
		uv_ip4_name(v4, ip, sizeof(ip));
		snprintf(a->text, sizeof(a->text), "%s:%lu", ip, p);
	} else if (uv_ip6_addr(host, (int)p, v6) == 0) {
		a->len = sizeof(*v6);
		uv_ip6_name(v6, ip, sizeof(ip));
		snprintf(a->text, sizeof(a->text), "[%s]:%lu", ip, p);
	} else {
		return false;
	}
	return true;
}

static bool parse_addrs(char **w, int n, uint16_t port, struct dst_config_addr *addrs,
			size_t *naddrs, struct dst_buf *out)
{
	*naddrs = 0;
	for (int i = 0; i < n; i++) {
		if (*naddrs == MAX_ZONE_ADDRS) {
			dst_buf_printf(out, "error: at most %d servers\n", MAX_ZONE_ADDRS);
			return false;
		}
		if (!parse_addr(w[i], port, &addrs[(*naddrs)++])) {
			dst_buf_printf(out,
				       "error: \"%.80s\" is not an address like 10.8.0.1, "
				       "10.8.0.1:5353 or [fd00::1]:53\n",
				       w[i]);
			return false;
		}
	}
	if (*naddrs == 0) {
		dst_buf_printf(out, "error: expected at least one server address\n");
		return false;
	}
	return true;
}

static bool valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > MAX_TAG)
		return false;
	for (; *t; t++)
		if (!isalnum((unsigned char)*t) && !strchr("_.:@-", *t))
			return false;
	return true;
}

/* DOMAIN as wire and presentation form (lower case, final dot); false if it is no name. */
static bool parse_domain(const char *s, struct rtzone *z)
{
	size_t n = dst_dns_name_from_text(s, z->wire);
	size_t len = strlen(s);

	if (n == 0 || len + 2 > sizeof(z->name))
		return false;
	dst_dns_name_lower(z->wire, n);
	z->wire_len = (uint16_t)n;
	for (size_t i = 0; i < len; i++)
		z->name[i] = (char)tolower((unsigned char)s[i]);
	z->name[len] = '\0';
	if (len == 0 || z->name[len - 1] != '.')
		strcat(z->name, ".");
	return true;
}

static void zone_add(struct dst_server *srv, char **w, int n, struct dst_buf *out)
{
	struct dst_routing *rt = srv->routing;
	struct rtzone nz = {0};
	const char *tls_name = NULL, *tag = NULL;
	int naddr = 0;
	char *addrw[MAX_ZONE_ADDRS + 1];

	if (n < 1 || !parse_domain(w[0], &nz)) {
		dst_buf_printf(out, "error: expected zone add DOMAIN ADDR[:PORT]... "
				    "[--tls-name NAME] [--tag TAG]\n");
		return;
	}
	for (int i = 1; i < n; i++) {
		if (strcmp(w[i], "--tls-name") == 0 && i + 1 < n) {
			tls_name = w[++i];
		} else if (strcmp(w[i], "--tag") == 0 && i + 1 < n) {
			tag = w[++i];
		} else if (w[i][0] == '-') {
			dst_buf_printf(out, "error: unknown option \"%.40s\"\n", w[i]);
			return;
		} else if (naddr <= MAX_ZONE_ADDRS) {
			addrw[naddr++] = w[i];
		}
	}
	if (tag && !valid_tag(tag)) {
		dst_buf_printf(out, "error: a tag is 1 to %d letters, digits or _.:@-\n", MAX_TAG);
		return;
	}
	uint8_t check[DST_DNS_MAX_NAME];
	if (tls_name && dst_dns_name_from_text(tls_name, check) == 0) {
		dst_buf_printf(out, "error: --tls-name: \"%.80s\" is not a host name\n", tls_name);
		return;
	}
	if (!parse_addrs(addrw, naddr, tls_name ? 853 : 53, nz.addrs, &nz.naddrs, out))
		return;
	snprintf(nz.tag, sizeof(nz.tag), "%s", tag ? tag : "");

	/* Replaces a runtime zone of the same name (kept in its place), else goes last. */
	struct rtzone **pp = &rt->zones, *old = NULL;
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->wire_len == nz.wire_len &&
		    memcmp((*pp)->wire, nz.wire, nz.wire_len) == 0)
			break;
	old = *pp;
	if (!old && count_zones(rt) >= MAX_RUNTIME_ZONES) {
		dst_buf_printf(out, "error: at most %d runtime zones\n", MAX_RUNTIME_ZONES);
		return;
	}
	struct rtzone *z = malloc(sizeof(*z));
	if (!z || (tls_name && !(nz.tls_name = strdup(tls_name)))) {
		free(z);
		dst_buf_printf(out, "error: out of memory\n");
		return;
	}
	*z = nz;
	z->next = old ? old->next : NULL;
	*pp = z;
	if (apply_runtime(srv, out) < 0) {
		/* Back as it was. */
		*pp = old ? old : NULL;
		if (old)
			old->next = z->next;
		free(z->tls_name);
		free(z);
		return;
	}
	if (old) {
		free(old->tls_name);
		free(old);
	}
	char list[MAX_ZONE_ADDRS * 66] = "";
	for (size_t i = 0; i < z->naddrs; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? " " : "",
			 z->addrs[i].text);
	dst_log(DST_LOG_NOTICE, "control: zone %s %s: %s %s%s%s%s%s", z->name,
		old ? "replaced" : "added", tls_name ? "DNS over TLS to" : "plain DNS to", list,
		tls_name ? " as " : "", tls_name ? tls_name : "", z->tag[0] ? ", tag " : "",
		z->tag);
	dst_buf_printf(out, "ok\nzone %s: %s %s%s%s\n", z->name, tls_name ? "tls" : "dns", list,
		       z->tag[0] ? " tag " : "", z->tag);
}

static void zone_del(struct dst_server *srv, char **w, int n, struct dst_buf *out)
{
	struct dst_routing *rt = srv->routing;
	struct rtzone key = {0}, *gone = NULL;
	const char *tag = NULL;

	if (n == 2 && strcmp(w[0], "--tag") == 0)
		tag = w[1];
	else if (n != 1 || !parse_domain(w[0], &key)) {
		dst_buf_printf(out, "error: expected zone del DOMAIN or zone del --tag TAG\n");
		return;
	}
	for (struct rtzone **pp = &rt->zones; *pp;) {
		struct rtzone *z = *pp;
		bool match = tag ? strcmp(z->tag, tag) == 0
				 : z->wire_len == key.wire_len &&
					     memcmp(z->wire, key.wire, key.wire_len) == 0;
		if (!match) {
			pp = &z->next;
			continue;
		}
		*pp = z->next;
		z->next = gone;
		gone = z;
	}
	if (!gone) {
		dst_buf_printf(out, "error: no runtime zone %s%s\n", tag ? "tagged " : "",
			       tag ? tag : key.name);
		return;
	}
	if (apply_runtime(srv, out) < 0) {
		/* Put them back (at the end: the order only matters for the listing). */
		struct rtzone **pp = &rt->zones;
		while (*pp)
			pp = &(*pp)->next;
		*pp = gone;
		return;
	}
	dst_buf_printf(out, "ok\n");
	while (gone) {
		struct rtzone *next = gone->next;
		dst_log(DST_LOG_NOTICE, "control: zone %s deleted", gone->name);
		dst_buf_printf(out, "deleted zone %s\n", gone->name);
		free(gone->tls_name);
		free(gone);
		gone = next;
	}
}

static void list_zones(struct dst_server *srv, struct dst_buf *out)
{
	const struct dst_config *cfg = srv->cfg, *base = dst_routes__base(cfg);
	const struct dst_routing *rt = srv->routing;
	uint64_t now = uv_now(srv->loop);

	dst_buf_printf(out, "ok\n");
	if (rt->hotspot)
		dst_buf_printf(out, "hotspot: every name to plain DNS for %" PRIu64 " s more\n",
			       rt->hs_until_ms > now ? (rt->hs_until_ms - now + 999) / 1000 : 0);
	for (size_t i = 0; i < cfg->nzones; i++) {
		const struct dst_config_zone *z = &cfg->zones[i];
		bool file = i < base->nzones;
		dst_buf_printf(out, "zone %s\n  origin: ", z->name);
		if (file)
			dst_buf_printf(out, "file %s:%u\n", base->file ? base->file : "<built-in>",
				       z->line);
		else
			dst_buf_printf(out, "runtime\n");
		if (z->action != DST_CONFIG_ZONE_FORWARD) {
			dst_buf_printf(out, "  action: %s\n",
				       z->action == DST_CONFIG_ZONE_NXDOMAIN ? "nxdomain"
									     : "refuse");
			continue;
		}
		dst_buf_printf(out, "  upstreams:");
		if (z->nupstreams == 0)
			dst_buf_printf(out, " the default ones");
		for (size_t k = 0; k < z->nupstreams; k++) {
			const struct dst_config_upstream *u = &cfg->upstreams[z->upstreams[k]];
			dst_buf_printf(out, "%s %s (%s", k ? "," : "", u->name,
				       u->transport == DST_CONFIG_TRANSPORT_DNS ? "dns" : "tls");
			for (size_t a = 0; a < u->naddrs; a++)
				dst_buf_printf(out, " %s", u->addrs[a].text);
			if (u->tls_name)
				dst_buf_printf(out, " name %s", u->tls_name);
			dst_buf_printf(out, ")");
		}
		dst_buf_printf(out, "\n");
		if (!file)
			for (const struct rtzone *r = rt->zones; r; r = r->next)
				if (strcmp(r->name, z->name) == 0 && r->tag[0])
					dst_buf_printf(out, "  tag: %s\n", r->tag);
	}
}

/* --- hotspot ---------------------------------------------------------------------------- */

static void on_hs_closed(uv_handle_t *h)
{
	free(h);
}

static void hotspot_stop_timer(struct dst_routing *rt)
{
	if (rt->hs_timer)
		uv_close((uv_handle_t *)rt->hs_timer, on_hs_closed);
	rt->hs_timer = NULL;
}

static void hs_addr_list(const struct dst_routing *rt, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (size_t i = 0; i < rt->hs_naddrs; i++)
		snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? " " : "",
			 rt->hs_addrs[i].text);
}

static void hotspot_end(struct dst_server *srv, const char *why)
{
	struct dst_routing *rt = srv->routing;
	struct dst_buf ignored = {0};

	if (!rt->hotspot)
		return;
	rt->hotspot = false;
	hotspot_stop_timer(rt);
	if (apply_runtime(srv, &ignored) < 0)
		dst_log(DST_LOG_ERR, "hotspot: cannot end it: %s",
			ignored.data ? ignored.data : "?");
	else
		dst_log(DST_LOG_NOTICE, "hotspot sign-in %s: names go to their upstreams again",
			why);
	dst_buf_free(&ignored);
}

static void hs_warn(struct dst_server *srv)
{
	struct dst_routing *rt = srv->routing;
	char list[MAX_ZONE_ADDRS * 66];
	uint64_t now = uv_now(srv->loop);

	hs_addr_list(rt, list, sizeof(list));
	dst_log(DST_LOG_WARN,
		"hotspot sign-in: every name goes to %s in clear text for %" PRIu64
		" s more (dotstub-control hotspot off ends it)",
		list, rt->hs_until_ms > now ? (rt->hs_until_ms - now + 999) / 1000 : 0);
}

static void hs_arm(struct dst_server *srv);

static void on_hs_timer(uv_timer_t *t)
{
	struct dst_server *srv = t->data;
	struct dst_routing *rt = srv->routing;

	if (uv_now(srv->loop) >= rt->hs_until_ms) {
		hotspot_end(srv, "expired");
		return;
	}
	hs_warn(srv);
	hs_arm(srv);
}

/* The next wake-up: the next minute's warning, or the end. */
static void hs_arm(struct dst_server *srv)
{
	struct dst_routing *rt = srv->routing;
	uint64_t now = uv_now(srv->loop), left = rt->hs_until_ms > now ? rt->hs_until_ms - now : 0;

	uv_timer_start(rt->hs_timer, on_hs_timer, left < HOTSPOT_WARN_MS ? left : HOTSPOT_WARN_MS,
		       0);
}

/* 90, 90s, 5m, 15m: seconds, at most HOTSPOT_MAX_S; 0 when malformed. */
static unsigned long parse_duration(const char *s, bool *too_long)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10), mul = 1;

	*too_long = false;
	if (end == s || v == 0)
		return 0;
	if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mul = 60;
	else if (*end && strcmp(end, "s") != 0)
		return 0;
	if (v > HOTSPOT_MAX_S / mul) {
		*too_long = true;
		return 0;
	}
	return v * mul;
}

static void hotspot(struct dst_server *srv, char **w, int n, struct dst_buf *out)
{
	struct dst_routing *rt = srv->routing;
	bool too_long = false, was = rt->hotspot;
	unsigned long secs;
	struct dst_config_addr addrs[MAX_ZONE_ADDRS];
	size_t naddrs;
	char list[MAX_ZONE_ADDRS * 66];

	if (n == 1 && strcmp(w[0], "off") == 0) {
		if (!rt->hotspot) {
			dst_buf_printf(out, "error: no hotspot sign-in is on\n");
			return;
		}
		hotspot_end(srv, "ended (hotspot off)");
		dst_buf_printf(out, "ok\nhotspot off\n");
		return;
	}
	if (n < 2 || !(secs = parse_duration(w[0], &too_long))) {
		dst_buf_printf(out, "error: %s\n",
			       n >= 1 && too_long
				       ? "a hotspot sign-in lasts at most 15m"
				       : "expected hotspot DURATION ADDR[:PORT]... (DURATION like "
					 "90s or 5m, at most 15m) or hotspot off");
		return;
	}
	if (!parse_addrs(w + 1, n - 1, 53, addrs, &naddrs, out))
		return;
	if (!rt->hs_timer) {
		if (!(rt->hs_timer = malloc(sizeof(*rt->hs_timer)))) {
			dst_buf_printf(out, "error: out of memory\n");
			return;
		}
		uv_timer_init(srv->loop, rt->hs_timer);
		rt->hs_timer->data = srv;
	}
	struct dst_config_addr old[MAX_ZONE_ADDRS];
	size_t nold = rt->hs_naddrs;
	memcpy(old, rt->hs_addrs, sizeof(old));
	memcpy(rt->hs_addrs, addrs, sizeof(addrs));
	rt->hs_naddrs = naddrs;
	rt->hotspot = true;
	if (apply_runtime(srv, out) < 0) {
		rt->hotspot = was;
		memcpy(rt->hs_addrs, old, sizeof(old));
		rt->hs_naddrs = nold;
		if (!was)
			hotspot_stop_timer(rt);
		return;
	}
	rt->hs_until_ms = uv_now(srv->loop) + (uint64_t)secs * 1000;
	hs_addr_list(rt, list, sizeof(list));
	hs_warn(srv);
	hs_arm(srv);
	dst_buf_printf(out, "ok\nhotspot: every name goes to %s (plain DNS) for %lu s\n", list,
		       secs);
}

/* --- the control socket's hook, lifetime ---------------------------------------------------- */

int dst_routes__command(void *arg, int argc, char **argv, struct dst_buf *out)
{
	struct dst_server *srv = arg;

	if (srv->stopping && (strcmp(argv[0], "zone") == 0 || strcmp(argv[0], "hotspot") == 0)) {
		dst_buf_printf(out, "error: shutting down\n");
		return 1;
	}
	if (strcmp(argv[0], "zones") == 0 && argc == 1)
		list_zones(srv, out);
	else if (strcmp(argv[0], "zone") == 0 && argc >= 2 && strcmp(argv[1], "add") == 0)
		zone_add(srv, argv + 2, argc - 2, out);
	else if (strcmp(argv[0], "zone") == 0 && argc >= 2 && strcmp(argv[1], "del") == 0)
		zone_del(srv, argv + 2, argc - 2, out);
	else if (strcmp(argv[0], "hotspot") == 0)
		hotspot(srv, argv + 1, argc - 1, out);
	else
		return 0;
	return 1;
}

int dst_routes__new(struct dst_server *srv)
{
	srv->routing = calloc(1, sizeof(*srv->routing));
	return srv->routing ? 0 : DST_ENOMEM;
}

void dst_routes__close(struct dst_server *srv)
{
	if (srv->routing)
		hotspot_stop_timer(srv->routing);
}

void dst_routes__free(struct dst_server *srv)
{
	struct dst_routing *rt = srv->routing;

	if (!rt)
		return;
	while (rt->zones) {
		struct rtzone *z = rt->zones;
		rt->zones = z->next;
		free(z->tls_name);
		free(z);
	}
	free(rt->hs_timer); /* only when the loop ended without closing it */
	free(rt);
	srv->routing = NULL;
}
