/*
 * The configuration file parser.
 *
 * The text is cut into lines. Each line is first checked to be text (valid
 * UTF-8, no NUL or control bytes, at most MAX_LINE bytes), then stripped of
 * its comment, and then either opens a section or sets a key. Keys are
 * looked up in one table (dst_config__keys, keys.c) that says which section a key
 * belongs to, whether it may repeat, and which function parses its value
 * into which field: adding a key is adding a row and, at most, a parser.
 *
 * Every problem is reported as soon as it is found and parsing goes on, so
 * one run shows as many problems as possible (up to MAX_ERRORS, diag.c). Any problem
 * makes the whole parse fail: a half-valid config is never returned. So the
 * struct under construction may hold nonsense once an error was reported
 * (a second upstream with the same name, say); it is freed, never returned.
 *
 * Ownership: the returned struct owns every string and array in it, and
 * nothing keeps a pointer into the caller's text.
 */
#include "config/internal.h"
#include "dns/dns.h"
#include "dns/err.h"

#include <assert.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (1024 * 1024) /* dst_config_load refuses larger files */

/* --- lines ---------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xBF; /* the range allowed for the second byte */
	size_t n;

	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		lo = s[0] == 0xE0 ? 0xA0 : lo;
		hi = s[0] == 0xED ? 0x9F : hi;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		lo = s[0] == 0xF0 ? 0x90 : lo;
		hi = s[0] == 0xF4 ? 0x8F : hi;
	} else {
		return 0;
	}
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* Returns NULL if the line is text, else what was found, at column *col. */
static const char *check_text(const unsigned char *s, size_t len, size_t *col)
{
	for (size_t i = 0, n; i < len; i += n) {
		*col = i + 1;
		n = 1;
		if (s[i] == 0)
			return "a NUL byte";
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return "a control character";
		if (s[i] >= 0x80 && (n = utf8_len(s + i, len - i)) == 0)
			return "bytes that are not UTF-8";
	}
	return NULL;
}

static char *trim(char *s)
{
	char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	return s;
}

/* A comment starts at a '#' that begins the line or follows a blank. */
static void strip_comment(char *s)
{
	for (char *c = s; *c; c++) {
		if (*c == '#' && (c == s || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			return;
		}
	}
}

/* Whether the current section has the key at all, even with a bad value. */
static bool has(struct parser *p, const char *key)
{
	return p->seen[dst_config__find_key(p->sec, key) - dst_config__keys] != 0;
}

/*
 * A transport = dns upstream: an address (port 53 unless written) and
 * nothing that belongs to TLS. Plain DNS proves nothing about who answers,
 * so a key that would suggest otherwise is an error, not a no-op.
 */
static void end_plain_upstream(struct parser *p, struct dst_config_upstream *u)
{
	static const char *const tls_only[] = {"tls-name", "pin-sha256", "ca-file", "host"};

	for (size_t i = 0; i < sizeof tls_only / sizeof tls_only[0]; i++)
		if (has(p, tls_only[i]))
			dst_config__perr_at(
				p, u->line,
				"[upstream %s] has transport = dns, which takes %s; expected only "
				"address (plain DNS has no TLS to check)",
				u->name, i < 3 ? "no TLS settings" : "address, not host");
	for (size_t i = 0; i < u->naddrs; i++) {
		struct dst_config_addr *a = &u->addrs[i];
		char *colon = strrchr(a->text, ':');

		if (!(u->addr_port_default & (1u << i)) || !colon)
			continue;
		((struct sockaddr_in *)&a->ss)->sin_port = htons(53); /* same offset in sin6 */
		snprintf(colon, sizeof a->text - (size_t)(colon - a->text), ":53");
	}
}

/*
 * Checks the upstream whose section just ended; problems are reported at its
 * header. A key that is there with a bad value was reported already.
 */
static void end_section(struct parser *p)
{
	struct dst_config_upstream *u;

	if (p->sec == SEC_ZONE) {
		struct dst_config_zone *z = &p->cfg->zones[p->cfg->nzones - 1];

		if (has(p, "upstream") && z->action != DST_CONFIG_ZONE_FORWARD)
			dst_config__perr_at(p, z->line,
					    "[zone %s] has both upstream and action = %s; expected "
					    "one of them",
					    z->name,
					    z->action == DST_CONFIG_ZONE_NXDOMAIN ? "nxdomain"
										  : "refuse");
		return;
	}
	if (p->sec != SEC_UPSTREAM)
		return;
	u = &p->cfg->upstreams[p->cfg->nupstreams - 1];
	if (!has(p, "address") && !has(p, "host"))
		dst_config__perr_at(p, u->line, "[upstream %s] needs an address or a host",
				    u->name);
	if (u->transport == DST_CONFIG_TRANSPORT_DNS) {
		end_plain_upstream(p, u);
		return;
	}
	if (!has(p, "tls-name") && !has(p, "pin-sha256") && !has(p, "host"))
		dst_config__perr_at(p, u->line,
				    "[upstream %s] needs tls-name or at least one pin-sha256",
				    u->name);
	/* The certificate is checked against the name the upstream was looked up by. */
	if (u->host && !u->tls_name && !has(p, "tls-name")) {
		if (!(u->tls_name = strdup(u->host)))
			p->oom = p->stop = true;
		u->origins->key[dst_config__find_key(SEC_UPSTREAM, "tls-name") - dst_config__keys] =
			u->origins->key[dst_config__find_key(SEC_UPSTREAM, "host") -
					dst_config__keys];
	}
	if (u->ca_file && !has(p, "tls-name") && !has(p, "host"))
		dst_config__perr_at(p, u->line,
				    "[upstream %s] has ca-file but no tls-name to check it against",
				    u->name);
}

static int open_upstream(struct parser *p, const char *name)
{
	struct dst_config *cfg = p->cfg;
	struct dst_config_upstream *u;
	char qb[QUOTE_MAX + 4];
	void *grown;

	p->saw_upstream = true;
	if (!*name) {
		perr(p, "[upstream] needs a name, like [upstream quad9]");
		return 0;
	}
	for (const char *c = name; *c; c++) {
		if (!dst_config__is_alnum(*c) && *c != '_' && *c != '.' && *c != '-') {
			perr(p, "upstream name \"%s\": expected letters, digits, '_', '.' and '-'",
			     dst_config__quote(qb, name));
			return 0;
		}
	}
	if (strlen(name) > MAX_NAME) {
		perr(p, "upstream name \"%s\": expected at most %d characters",
		     dst_config__quote(qb, name), MAX_NAME);
		return 0;
	}
	if (cfg->nupstreams >= DST_CONFIG_MAX_UPSTREAMS) {
		perr(p, "more than %d upstreams", DST_CONFIG_MAX_UPSTREAMS);
		return 0;
	}
	/* A repeated name is reported, but its section is still checked. */
	for (size_t i = 0; i < cfg->nupstreams; i++)
		if (strcmp(cfg->upstreams[i].name, name) == 0)
			perr(p, "duplicate upstream name \"%s\" (first at line %u)", name,
			     cfg->upstreams[i].line);
	if (!(grown = dst_config__grow(cfg->upstreams, cfg->nupstreams, sizeof *u)))
		return DST_ENOMEM;
	cfg->upstreams = grown;
	u = memset(&cfg->upstreams[cfg->nupstreams++], 0, sizeof *u);
	if (!(u->name = strdup(name)) || !(u->origins = calloc(1, sizeof *u->origins)))
		return DST_ENOMEM;
	u->line = p->line;
	u->max_connections = 2;
	u->max_inflight = 128;
	u->idle_timeout_ms = 10000;
	p->sec = SEC_UPSTREAM;
	snprintf(p->label, sizeof p->label, "[upstream %s]", name);
	return 0;
}

static int open_zone(struct parser *p, const char *name)
{
	struct dst_config *cfg = p->cfg;
	struct dst_config_zone *z;
	uint8_t wire[DST_DNS_MAX_NAME];
	char qb[QUOTE_MAX + 4], text[DST_DNS_NAME_TEXT_LEN];
	size_t len = *name ? dst_dns_name_from_text(name, wire) : 0;
	void *grown;

	if (!*name) {
		perr(p, "[zone] needs a domain name, like [zone corp.example] or [zone .]");
		return 0;
	}
	if (!len) {
		perr(p, "zone name \"%s\": expected a domain name like corp.example",
		     dst_config__quote(qb, name));
		return 0;
	}
	for (size_t i = 0; i < len; i++) /* label lengths are below 'A': only letters change */
		if (wire[i] >= 'A' && wire[i] <= 'Z')
			wire[i] = (uint8_t)(wire[i] - 'A' + 'a');
	if (!dst_dns_name_to_text(wire, len, 0, text)) {
		perr(p, "zone name \"%s\": expected a domain name", dst_config__quote(qb, name));
		return 0;
	}
	for (size_t i = 0; i < cfg->nzones; i++) {
		if (strcmp(cfg->zones[i].name, text) == 0) {
			perr(p, "duplicate [zone %s] (first at line %u)", text, cfg->zones[i].line);
			return 0;
		}
	}
	if (cfg->nzones >= DST_CONFIG_MAX_ZONES) {
		perr(p, "more than %d zones", DST_CONFIG_MAX_ZONES);
		return 0;
	}
	if (!(grown = dst_config__grow(cfg->zones, cfg->nzones, sizeof *z)))
		return DST_ENOMEM;
	cfg->zones = grown;
	z = memset(&cfg->zones[cfg->nzones++], 0, sizeof *z);
	if (!(z->name = strdup(text)) || !(z->origins = calloc(1, sizeof *z->origins)))
		return DST_ENOMEM;
	memcpy(z->wire, wire, len);
	z->wire_len = (uint16_t)len;
	z->line = p->line;
	p->sec = SEC_ZONE;
	snprintf(p->label, sizeof p->label, "[zone %.*s]", MAX_NAME, text);
	return 0;
}

/* "[server]", "[cache]", "[upstream NAME]" or "[zone NAME]". After a bad header, keys are skipped. */
static int header(struct parser *p, char *s)
{
	size_t len = strlen(s), kind_len;
	char qb[QUOTE_MAX + 4], qb2[QUOTE_MAX + 4], *inner, *rest;
	unsigned *first;

	end_section(p);
	p->sec = SEC_SKIP;
	memset(p->seen, 0, sizeof p->seen);
	if (s[len - 1] != ']') {
		perr(p,
		     "expected a section header like [server], [cache], [upstream NAME] or "
		     "[zone NAME], "
		     "got \"%s\"",
		     dst_config__quote(qb, s));
		return 0;
	}
	s[len - 1] = '\0';
	inner = trim(s + 1);
	kind_len = strcspn(inner, " \t");
	rest = trim(inner + kind_len);
	inner[kind_len] = '\0';

	if (strcmp(inner, "upstream") == 0)
		return open_upstream(p, rest);
	if (strcmp(inner, "zone") == 0)
		return open_zone(p, rest);
	if (strcmp(inner, "server") == 0 || strcmp(inner, "cache") == 0) {
		if (*rest) {
			perr(p, "[%s] takes no name, got \"%s\"", inner,
			     dst_config__quote(qb, rest));
			return 0;
		}
		first = inner[0] == 's' ? &p->server_line : &p->cache_line;
		/* Merging repeated sections would be easy, but a second [cache]
		 * is more often a paste than a plan: say so. */
		if (*first)
			perr(p, "duplicate [%s] section (first at line %u)", inner, *first);
		else
			*first = p->line;
		p->sec = inner[0] == 's' ? SEC_SERVER : SEC_CACHE;
		snprintf(p->label, sizeof p->label, "%s", dst_config__sec_names[p->sec]);
		return 0;
	}
	perr(p,
	     "unknown section [%s%s%s]; expected [server], [cache], [upstream NAME] or [zone NAME]",
	     dst_config__quote(qb, inner), *rest ? " " : "", dst_config__quote(qb2, rest));
	return 0;
}

static int key_value(struct parser *p, char *key, char *val)
{
	char qb[QUOTE_MAX + 4];
	const struct key *k;
	char *base;
	size_t i;

	if (p->sec == SEC_SKIP)
		return 0;
	if (p->sec == SEC_NONE) {
		perr(p,
		     "key \"%s\" is outside a section; expected [server], [cache] or "
		     "[upstream NAME] before it",
		     dst_config__quote(qb, key));
		return 0;
	}
	if (!(k = dst_config__find_key(p->sec, key))) {
		dst_config__unknown_key(p, key);
		return 0;
	}
	i = (size_t)(k - dst_config__keys);
	if (!k->repeatable && p->seen[i]) {
		perr(p, "%s: already set at line %u; it may appear only once per section", k->name,
		     p->seen[i]);
		return 0;
	}
	p->seen[i] = p->last[i] = p->line;
	if (!*val) {
		perr(p, "%s: missing value; expected %s", k->name, k->expect);
		return 0;
	}
	base = (char *)p->cfg;
	p->origins = p->cfg->origins;
	if (k->sec == SEC_UPSTREAM) {
		base = (char *)&p->cfg->upstreams[p->cfg->nupstreams - 1];
		p->origins = p->cfg->upstreams[p->cfg->nupstreams - 1].origins;
	} else if (k->sec == SEC_ZONE) {
		base = (char *)&p->cfg->zones[p->cfg->nzones - 1];
		p->origins = p->cfg->zones[p->cfg->nzones - 1].origins;
	}
	p->origins->key[i] = (struct origin){.line = p->line, .src = ORIGIN_FILE};
	return k->parse(p, k, val, base);
}

/* One line of text, NUL-terminated, writable. */
static int line(struct parser *p, char *s)
{
	char qb[QUOTE_MAX + 4], *eq, *key;

	strip_comment(s);
	s = trim(s);
	if (!*s)
		return 0;
	if (*s == '[')
		return header(p, s);
	if (!(eq = strchr(s, '='))) {
		perr(p, "expected \"key = value\" or a [section] header, got \"%s\"",
		     dst_config__quote(qb, s));
		return 0;
	}
	*eq = '\0';
	if (!*(key = trim(s))) {
		perr(p, "expected a key before '='");
		return 0;
	}
	return key_value(p, key, trim(eq + 1));
}

static void run(struct parser *p, const char *text, size_t len)
{
	const char *s = text, *end = text + len, *nl, *why;
	size_t n, col = 0;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		s += 3; /* a UTF-8 byte order mark, as some editors write */
	for (; s < end && !p->stop; s = nl ? nl + 1 : end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		n = (size_t)((nl ? nl : end) - s);
		p->line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (n > MAX_LINE) {
			perr(p, "line is %zu bytes long; expected at most %d", n, MAX_LINE);
		} else if ((why = check_text((const unsigned char *)s, n, &col))) {
			perr(p, "found %s at column %zu; expected text", why, col);
		} else {
			memcpy(p->buf, s, n);
			p->buf[n] = '\0';
			if (line(p, p->buf) < 0)
				p->oom = p->stop = true;
		}
	}
}

/* Two socket addresses with the same IP and port (or, with any_ip, the same port and family). */
static bool same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b,
			  bool any_ip)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       (any_ip || x->sin_addr.s_addr == y->sin_addr.s_addr);
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       (any_ip || memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0);
}

static bool is_wildcard(const struct sockaddr_storage *ss)
{
	static const uint8_t zero[16];

	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)ss)->sin_addr.s_addr == 0;
	return memcmp(&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr, zero, 16) == 0;
}

/*
 * host= needs bootstrap servers, and a bootstrap server must not be dotstub
 * itself (one of its listen addresses, or any address on a wildcard
 * listener's port): it would ask itself, with no answer to give.
 */
static void check_bootstrap(struct parser *p)
{
	struct dst_config *cfg = p->cfg;
	unsigned line = p->last[dst_config__find_key(SEC_SERVER, "bootstrap") - dst_config__keys];

	for (size_t i = 0; i < cfg->nupstreams && cfg->nbootstrap == 0; i++)
		if (cfg->upstreams[i].host)
			dst_config__perr_at(
				p, cfg->upstreams[i].line,
				"[upstream %s] has a host but [server] has no bootstrap "
				"server to resolve it; expected bootstrap = IP[:PORT]",
				cfg->upstreams[i].name);
	for (size_t i = 0; i < cfg->nbootstrap; i++)
		for (size_t k = 0; k < cfg->nlisten; k++)
			if (same_endpoint(&cfg->bootstrap[i].ss, &cfg->listen[k].ss,
					  is_wildcard(&cfg->listen[k].ss)))
				dst_config__perr_at(p, line,
						    "bootstrap: %s is dotstub's own listen address "
						    "%s; expected another DNS server",
						    cfg->bootstrap[i].text, cfg->listen[k].text);
}

/*
 * Resolves each zone's upstream names, marks the upstreams zones name (they
 * leave the default set), and refuses clear text nobody asked for: a plain
 * DNS upstream that no zone names would get every other name.
 */
static int check_zones(struct parser *p)
{
	struct dst_config *cfg = p->cfg;
	const struct key *k = dst_config__find_key(SEC_ZONE, "upstream");
	bool root_routed = false, any_default = false;

	for (size_t i = 0; i < cfg->nzones; i++) {
		struct dst_config_zone *z = &cfg->zones[i];

		if (z->nupstream_names &&
		    !(z->upstreams = calloc(z->nupstream_names, sizeof *z->upstreams)))
			return DST_ENOMEM;
		for (size_t j = 0; j < z->nupstream_names; j++) {
			const struct origin *o = z->origins->elem[dst_config__slot(k)];
			size_t u = 0;

			while (u < cfg->nupstreams &&
			       strcmp(cfg->upstreams[u].name, z->upstream_names[j]))
				u++;
			if (u == cfg->nupstreams) {
				dst_config__perr_at(p, o ? o[j].line : z->line,
						    "upstream: no [upstream %s] section",
						    z->upstream_names[j]);
				continue;
			}
			cfg->upstreams[u].zoned = true;
			z->upstreams[z->nupstreams++] = (uint16_t)u;
		}
		if (z->wire_len == 1 && z->action == DST_CONFIG_ZONE_FORWARD && z->nupstream_names)
			root_routed = true;
	}
	for (size_t u = 0; u < cfg->nupstreams; u++) {
		const struct dst_config_upstream *up = &cfg->upstreams[u];

		if (up->transport == DST_CONFIG_TRANSPORT_DNS && !up->zoned)
			dst_config__perr_at(
				p, up->line,
				"[upstream %s] has transport = dns but no [zone] names it: "
				"it would send queries in clear text; expected upstream = %s "
				"in the [zone] of the domains it serves",
				up->name, up->name);
		any_default |= !up->zoned;
	}
	if (cfg->nupstreams && !any_default && !root_routed)
		dst_config__perr_at(
			p, p->line ? p->line : 1,
			"every upstream is named by a [zone]: names outside the zones "
			"would have no upstream; expected an [upstream NAME] no zone names, "
			"or a [zone .]");
	return 0;
}

/* Checks that span sections, then fills in what the file left out. */
static int finish(struct parser *p)
{
	struct dst_config *cfg = p->cfg;
	size_t imin = (size_t)(dst_config__find_key(SEC_CACHE, "min-ttl") - dst_config__keys);
	size_t imax = (size_t)(dst_config__find_key(SEC_CACHE, "max-ttl") - dst_config__keys);
	unsigned lmin = p->last[imin], lmax = p->last[imax];
	char a[32], b[32];

	end_section(p);
	if (!p->saw_upstream)
		dst_config__perr_at(p, p->line ? p->line : 1,
				    "no upstream; expected at least one [upstream NAME] section");
	if (cfg->cache_max_ttl < cfg->cache_min_ttl)
		dst_config__perr_at(p, lmax > lmin ? lmax : lmin,
				    "max-ttl (%s%s) is less than min-ttl (%s%s)",
				    dst_config__fmt_scaled(a, cfg->cache_max_ttl * 1000ULL,
							   dst_config__duration_units),
				    lmax ? "" : ", the default",
				    dst_config__fmt_scaled(b, cfg->cache_min_ttl * 1000ULL,
							   dst_config__duration_units),
				    lmin ? "" : ", the default");
	if (cfg->nlisten == 0) {
		const struct key *k = dst_config__find_key(SEC_SERVER, "listen");
		const char *def[] = {"127.0.0.1", "::1"};
		unsigned last = p->line;

		/* Line 0: what append() records as a default. */
		p->line = 0;
		p->origins = cfg->origins;
		for (size_t i = 0; i < 2; i++)
			if (dst_config__add_addr(p, k, def[i], (char *)cfg) < 0)
				return DST_ENOMEM;
		p->line = last;
	}
	check_bootstrap(p);
	return check_zones(p);
}

/* --- public --------------------------------------------------------------- */

int dst_config_parse(const char *name, const char *text, size_t len, struct dst_config **out,
		     dst_config_error_cb err, void *arg)
{
	struct parser *p;
	struct dst_config *cfg;
	int r = 0;

	assert(name && out && (text || len == 0));
	/* The parser holds a line buffer: keep it off small thread stacks. */
	p = calloc(1, sizeof *p);
	cfg = calloc(1, sizeof *cfg);
	if (!p || !cfg || !(cfg->file = strdup(name)) ||
	    !(cfg->origins = calloc(1, sizeof *cfg->origins))) {
		free(p);
		dst_config_free(cfg);
		return DST_ENOMEM;
	}
	cfg->query_timeout_ms = 4000;
	cfg->tcp_idle_timeout_ms = 10000;
	cfg->cache_size = 16 << 20;
	cfg->cache_min_ttl = 0;
	cfg->cache_max_ttl = 86400;
	cfg->cache_negative_max_ttl = 3600;
	cfg->cache_servfail_ttl = 5;
	cfg->cache_serve_stale_ms = 86400000;
	cfg->cache_stale_timeout_ms = 1800;
	cfg->cache_prefetch = true;
	cfg->max_tcp_clients = 256;
	cfg->max_tcp_pipeline = 100;
	cfg->max_pending = 4096;
	cfg->max_backoff_ms = 5 * 60 * 1000;
	cfg->log_level = 2; /* notice */
	cfg->state_interval_ms = 3600000;
	cfg->local_zones = true;
	cfg->hosts_ttl = 5;
	cfg->dnssec_validate = dst_config__dnssec_built;
	*p = (struct parser){.file = name, .err = err, .arg = arg, .cfg = cfg};

	run(p, text, len);
	if (!p->stop)
		r = finish(p);
	if (r == 0 && p->oom)
		r = DST_ENOMEM;
	if (r == 0 && p->nerrors)
		r = DST_ECONFIG;
	free(p);
	if (r) {
		dst_config_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

/*
 * Reads the whole file, at most MAX_FILE + 1 bytes (one past the limit
 * tells "exactly at the limit" from "larger"), into *buf, growing it as
 * needed: a first malloc of the limit would make glibc raise its mmap
 * threshold for the rest of the process, and then the daemon's larger
 * blocks would come from the heap, which keeps about 150 kB more resident.
 */
static int read_all(FILE *f, char **buf, size_t *len)
{
	size_t cap = 0, n;

	*buf = NULL;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			size_t ncap = cap ? cap * 2 : 16384;
			char *nb;

			if (cap > MAX_FILE)
				return 0;
			if (ncap > MAX_FILE + 1)
				ncap = MAX_FILE + 1;
			if (!(nb = realloc(*buf, ncap)))
				return -ENOMEM;
			*buf = nb;
			cap = ncap;
		}
		n = fread(*buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			return ferror(f) ? (errno ? -errno : DST_EINVAL) : 0;
	}
}

int dst_config_load(const char *path, struct dst_config **out, dst_config_error_cb err, void *arg)
{
	char msg[4096 + 256], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r = 0;

	errno = 0;
	if (!(f = fopen(path, "re")) || (r = read_all(f, &buf, &len)) < 0) {
		r = r < 0 ? r : errno ? -errno : DST_EINVAL;
		snprintf(msg, sizeof msg, "%s: %s", path, strerror(-r));
	} else if (len > MAX_FILE) {
		r = DST_ECONFIG;
		snprintf(msg, sizeof msg, "%s: larger than %d KiB; expected a configuration file",
			 path, MAX_FILE / 1024);
	} else {
		/* An empty file still needs a buffer to point at. */
		r = dst_config_parse(path, buf ? buf : "", len, out, err, arg);
		msg[0] = '\0';
	}
	if (f)
		fclose(f);
	free(buf);
	if (msg[0] && err && r != DST_ENOMEM)
		err(arg, msg);
	return r;
}

/* The built-in upstreams, parsed like a file so that they pass the same checks. */
static const char builtin[] = "[upstream quad9]\n"
			      "address = 9.9.9.9\n"
			      "address = 149.112.112.112\n"
			      "tls-name = dns.quad9.net\n"
			      "[upstream cloudflare]\n"
			      "address = 1.1.1.1\n"
			      "address = 1.0.0.1\n"
			      "tls-name = cloudflare-dns.com\n";

/* Frees a section's origins; with keep, keeps the block, all defaults. */
static void clear_origins(struct dst_config_origins *o, bool keep)
{
	if (!o)
		return;
	for (size_t i = 0; i < MAX_KEYS; i++)
		free(o->elem[i]);
	if (keep)
		memset(o, 0, sizeof *o);
	else
		free(o);
}

int dst_config_default(struct dst_config **out)
{
	struct dst_config *cfg;
	int r = dst_config_parse("<built-in>", builtin, sizeof builtin - 1, &cfg, NULL, NULL);

	if (r)
		return r; /* DST_ENOMEM: the text itself is valid (the unit tests say so) */
	free(cfg->file);
	cfg->file = NULL;
	clear_origins(cfg->origins, true);
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		cfg->upstreams[i].line = 0;
		clear_origins(cfg->upstreams[i].origins, true);
	}
	*out = cfg;
	return 0;
}

void dst_config_free(struct dst_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		struct dst_config_upstream *u = &cfg->upstreams[i];

		free(u->name);
		free(u->addrs);
		free(u->tls_name);
		free(u->pins);
		free(u->ca_file);
		free(u->host);
		clear_origins(u->origins, false);
	}
	free(cfg->upstreams);
	for (size_t i = 0; i < cfg->nzones; i++) {
		struct dst_config_zone *z = &cfg->zones[i];

		for (size_t j = 0; j < z->nupstream_names; j++)
			free(z->upstream_names[j]);
		free(z->upstream_names);
		free(z->upstreams);
		free(z->name);
		clear_origins(z->origins, false);
	}
	free(cfg->zones);
	for (size_t i = 0; i < cfg->nhosts; i++)
		free(cfg->hosts[i]);
	free(cfg->hosts);
	free(cfg->listen);
	free(cfg->acl);
	free(cfg->user);
	free(cfg->chroot);
	free(cfg->bootstrap);
	free(cfg->control);
	free(cfg->state_dir);
	for (size_t i = 0; i < cfg->ntrust_anchors; i++)
		free(cfg->trust_anchors[i].text);
	free(cfg->trust_anchors);
	free(cfg->trust_anchor_file);
	for (size_t i = 0; i < cfg->nblocklist; i++)
		free(cfg->blocklist[i]);
	free(cfg->blocklist);
	for (size_t i = 0; i < cfg->nallowlist; i++)
		free(cfg->allowlist[i]);
	free(cfg->allowlist);
	free(cfg->file);
	clear_origins(cfg->origins, false);
	free(cfg);
}
