/*
 * The configuration file parser.
 *
 * The text is cut into lines. Each line is first checked to be text (valid
 * UTF-8, no NUL or control bytes, at most MAX_LINE bytes), then stripped of
 * its comment, and then either opens a section or sets a key. Keys are
 * looked up in one table (keys[] below) that says which section a key
 * belongs to, whether it may repeat, and which function parses its value
 * into which field: adding a key is adding a row and, at most, a parser.
 *
 * Every problem is reported as soon as it is found and parsing goes on, so
 * one run shows as many problems as possible (up to MAX_ERRORS). Any problem
 * makes the whole parse fail: a half-valid config is never returned. So the
 * struct under construction may hold nonsense once an error was reported
 * (a second upstream with the same name, say); it is freed, never returned.
 *
 * Ownership: the returned struct owns every string and array in it, and
 * nothing keeps a pointer into the caller's text.
 */
#include "config/internal.h"
#include "dns/err.h"

#include <assert.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ERRORS 50          /* problems reported before giving up */
#define MAX_FILE (1024 * 1024) /* dst_config_load refuses larger files */
#define MAX_ACL 256            /* allow and deny lines together */
#define MAX_BOOTSTRAP 8        /* bootstrap servers */

/* 2 GiB on 32-bit systems, 1 TiB on 64-bit ones: both are whole units. */
#define MAX_CACHE_SIZE \
	((uint64_t)SIZE_MAX / 2 + 1 < (1ULL << 40) ? (uint64_t)SIZE_MAX / 2 + 1 : (1ULL << 40))
#define MAX_TTL_MS (2147483647ULL * 1000) /* RFC 2181: TTLs are 31-bit seconds */

void dst_config__perr_at(struct parser *p, unsigned line, const char *fmt, ...)
{
	char msg[1024], full[4096 + sizeof msg];
	va_list ap;

	if (p->stop)
		return;
	if (++p->nerrors > MAX_ERRORS) {
		p->stop = true;
		snprintf(msg, sizeof msg, "too many errors, giving up");
	} else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
	}
	snprintf(full, sizeof full, "%s:%u: %s", p->file, line, msg);
	if (p->err)
		p->err(p->arg, full);
}

const char *dst_config__quote(char buf[QUOTE_MAX + 4], const char *s)
{
	size_t n = QUOTE_MAX;

	if (strlen(s) <= QUOTE_MAX)
		return s;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	memcpy(buf, s, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

void dst_config__bad_value(struct parser *p, const struct key *k, const char *val,
			   const char *why)
{
	char qb[QUOTE_MAX + 4];

	perr(p, "%s: expected %s, got \"%s\"%s%s%s", k->name, k->expect, dst_config__quote(qb, val),
	     why ? " (" : "", why ? why : "", why ? ")" : "");
}

void *dst_config__grow(void *arr, size_t n, size_t size)
{
	if (n & (n - 1))
		return arr; /* n is not a power of two: the capacity has room */
	return realloc(arr, (n ? 2 * n : 1) * size);
}

/* --- the keys ------------------------------------------------------------- */

#define CFG(f) offsetof(struct dst_config, f)
#define UP(f) offsetof(struct dst_config_upstream, f)
#define DURATION "a duration like 4s, 500ms, 2m"
#define NETWORK "a network like 192.168.0.0/16 or fd00::/8, or an address"

static const char *const rl_actions[] = { "drop", "truncate", NULL };  /* dst_config_rl_action */
static const char *const ecs_modes[] = { "strip", "pass", NULL };        /* dst_config_ecs */
static const char *const log_targets[] = { "stderr", "syslog", NULL };   /* dst_config_log */
static const char *const log_levels[] = { "error", "warning", "notice", "info", "debug", NULL };
static const char *const strategies[] = { "fastest", "ordered", "round-robin", NULL };

#define DURATIONS dst_config__duration_units
#define COUNT(lo, hi) lo, hi, dst_config__count_units, 1, .expect = "a number"

static const struct key keys[] = {
	{ SEC_SERVER, "listen", dst_config__add_addr, CFG(listen), CFG(nlisten), .max = 64,
	  .port = 53, .repeatable = true, .expect = "an address like 127.0.0.1:53 or [::1]:53" },
	{ SEC_SERVER, "allow", dst_config__add_net, CFG(acl), CFG(nacl), .max = MAX_ACL,
	  .repeatable = true, .expect = NETWORK },
	{ SEC_SERVER, "deny", dst_config__add_net, CFG(acl), CFG(nacl), .max = MAX_ACL,
	  .repeatable = true, .flag = true, .expect = NETWORK },
	{ SEC_SERVER, "query-timeout", dst_config__set_number, CFG(query_timeout_ms), 0, 1,
	  3600000, DURATIONS, 1, .expect = DURATION },
	{ SEC_SERVER, "tcp-idle-timeout", dst_config__set_number, CFG(tcp_idle_timeout_ms), 0, 1,
	  3600000, DURATIONS, 1, .expect = DURATION },
	{ SEC_SERVER, "max-tcp-clients", dst_config__set_number, CFG(max_tcp_clients), 0,
	  COUNT(1, 65535) },
	{ SEC_SERVER, "max-tcp-pipeline", dst_config__set_number, CFG(max_tcp_pipeline), 0,
	  COUNT(1, 65535) },
	{ SEC_SERVER, "max-pending", dst_config__set_number, CFG(max_pending), 0,
	  COUNT(1, 1048576) },
	{ SEC_SERVER, "threads", dst_config__set_number, CFG(threads), 0,
	  COUNT(0, 64) },
	{ SEC_SERVER, "ratelimit", dst_config__set_number, CFG(ratelimit), 0, 0, 1000000,
	  dst_config__rate_units, 1, .expect = "a rate like 20/s, or 0 for no limit" },
	{ SEC_SERVER, "ratelimit-action", dst_config__set_choice, CFG(ratelimit_action),
	  .choices = rl_actions, .expect = "drop or truncate" },
	{ SEC_SERVER, "ecs", dst_config__set_choice, CFG(ecs), .choices = ecs_modes,
	  .expect = "strip or pass" },
	{ SEC_SERVER, "user", dst_config__set_user, CFG(user),
	  .expect = "a user name like dotstub" },
	{ SEC_SERVER, "chroot", dst_config__set_path, CFG(chroot),
	  .expect = "a directory like /var/lib/dotstub" },
	{ SEC_SERVER, "control", dst_config__set_socket_path, CFG(control),
	  .expect = "a socket path like /run/dotstub/control" },
	{ SEC_SERVER, "metrics", dst_config__set_loopback_addr, CFG(metrics), .port = 9153,
	  .expect = "a loopback address like 127.0.0.1:9153 or [::1]:9153" },
	{ SEC_SERVER, "log", dst_config__set_choice, CFG(log), .choices = log_targets,
	  .expect = "stderr or syslog" },
	{ SEC_SERVER, "log-level", dst_config__set_choice, CFG(log_level), .choices = log_levels,
	  .expect = "error, warning, notice, info or debug" },
	{ SEC_SERVER, "log-queries", dst_config__set_bool, CFG(log_queries),
	  .expect = "yes or no" },
	{ SEC_SERVER, "strategy", dst_config__set_choice, CFG(strategy), .choices = strategies,
	  .expect = "fastest, ordered or round-robin" },
	{ SEC_SERVER, "max-backoff", dst_config__set_number, CFG(max_backoff_ms), 0, 1000,
	  86400000, DURATIONS, 1, .expect = DURATION },
	{ SEC_SERVER, "bootstrap", dst_config__add_addr, CFG(bootstrap), CFG(nbootstrap),
	  .max = MAX_BOOTSTRAP, .port = 53, .repeatable = true,
	  .expect = "an address like 192.0.2.53 or [2001:db8::53]:53" },
	{ SEC_CACHE, "size", dst_config__set_number, CFG(cache_size), 0, 0, MAX_CACHE_SIZE,
	  dst_config__size_units, 1, .expect = "a size like 16m, 512k, 1g or 0" },
	{ SEC_CACHE, "min-ttl", dst_config__set_number, CFG(cache_min_ttl), 0, 0, MAX_TTL_MS,
	  DURATIONS, 1000, .expect = DURATION },
	{ SEC_CACHE, "max-ttl", dst_config__set_number, CFG(cache_max_ttl), 0, 0, MAX_TTL_MS,
	  DURATIONS, 1000, .expect = DURATION },
	{ SEC_CACHE, "negative-max-ttl", dst_config__set_number, CFG(cache_negative_max_ttl), 0, 0,
	  MAX_TTL_MS, DURATIONS, 1000, .expect = DURATION },
	{ SEC_CACHE, "servfail-ttl", dst_config__set_number, CFG(cache_servfail_ttl), 0, 0,
	  300000, DURATIONS, 1000, .expect = "a duration up to 5m (RFC 9520), or 0 for none" },
	{ SEC_CACHE, "serve-stale", dst_config__set_number, CFG(cache_serve_stale_ms), 0, 0,
	  MAX_TTL_MS, DURATIONS, 1, .expect = "a duration like 1d, or 0 to turn it off" },
	{ SEC_CACHE, "stale-answer-timeout", dst_config__set_number, CFG(cache_stale_timeout_ms),
	  0, 0, 3600000, DURATIONS, 1, .expect = DURATION },
	{ SEC_CACHE, "prefetch", dst_config__set_bool, CFG(cache_prefetch),
	  .expect = "yes or no" },
	/* resolver/ hands at most 16 addresses to tls/. */
	{ SEC_UPSTREAM, "address", dst_config__add_addr, UP(addrs), UP(naddrs), .max = 16,
	  .port = 853, .repeatable = true,
	  .expect = "an IP address like 9.9.9.9, 9.9.9.9:853 or [2620:fe::fe]:853" },
	{ SEC_UPSTREAM, "host", dst_config__set_host_port, UP(host), UP(host_port), .port = 853,
	  .expect = "a host name like dns.quad9.net, or dns.quad9.net:853" },
	{ SEC_UPSTREAM, "tls-name", dst_config__set_host, UP(tls_name),
	  .expect = "a host name like dns.quad9.net" },
	{ SEC_UPSTREAM, "pin-sha256", dst_config__add_pin, UP(pins), UP(npins), .max = 16,
	  .repeatable = true, .expect = "the base64 of a 32-byte SHA-256 digest" },
	{ SEC_UPSTREAM, "ca-file", dst_config__set_path, UP(ca_file),
	  .expect = "a path like /etc/ssl/ca.pem" },
	{ SEC_UPSTREAM, "max-connections", dst_config__set_number, UP(max_connections), 0,
	  COUNT(1, 64) },
	{ SEC_UPSTREAM, "max-inflight", dst_config__set_number, UP(max_inflight), 0,
	  COUNT(1, 65535) },
	{ SEC_UPSTREAM, "idle-timeout", dst_config__set_number, UP(idle_timeout_ms), 0, 1,
	  3600000, DURATIONS, 1, .expect = DURATION },
};
static const size_t nkeys = sizeof keys / sizeof keys[0];
_Static_assert(sizeof keys / sizeof keys[0] <= MAX_KEYS, "raise MAX_KEYS");

static const struct key *find_key(enum sec sec, const char *name)
{
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].sec == sec && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static const char *const sec_names[] = { "", "[server]", "[cache]", "[upstream NAME]", "" };

/* "unknown key "x" in [cache]; expected size, min-ttl or max-ttl", and where x belongs. */
static void unknown_key(struct parser *p, const char *key)
{
	char list[512] = "", hint[64] = "", qb[QUOTE_MAX + 4];
	const char *sep;
	size_t total = 0, done = 0;

	for (size_t i = 0; i < nkeys; i++)
		total += keys[i].sec == p->sec;
	for (size_t i = 0; i < nkeys; i++) {
		if (keys[i].sec != p->sec)
			continue;
		done++;
		sep = done == 1 ? "" : done == total ? " or " : ", ";
		strncat(list, sep, sizeof list - strlen(list) - 1);
		strncat(list, keys[i].name, sizeof list - strlen(list) - 1);
	}
	for (size_t i = 0; i < nkeys; i++) {
		if (keys[i].sec != p->sec && strcmp(keys[i].name, key) == 0) {
			snprintf(hint, sizeof hint, " (it belongs in %s)", sec_names[keys[i].sec]);
			break;
		}
	}
	perr(p, "unknown key \"%s\" in %s%s; expected %s", dst_config__quote(qb, key), p->label,
	     hint, list);
}

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
	return p->seen[find_key(p->sec, key) - keys] != 0;
}

/*
 * Checks the upstream whose section just ended; problems are reported at its
 * header. A key that is there with a bad value was reported already.
 */
static void end_section(struct parser *p)
{
	struct dst_config_upstream *u;

	if (p->sec != SEC_UPSTREAM)
		return;
	u = &p->cfg->upstreams[p->cfg->nupstreams - 1];
	if (!has(p, "address") && !has(p, "host"))
		dst_config__perr_at(p, u->line, "[upstream %s] needs an address or a host",
				    u->name);
	if (!has(p, "tls-name") && !has(p, "pin-sha256") && !has(p, "host"))
		dst_config__perr_at(p, u->line,
				    "[upstream %s] needs tls-name or at least one pin-sha256",
				    u->name);
	/* The certificate is checked against the name the upstream was looked up by. */
	if (u->host && !u->tls_name && !has(p, "tls-name") && !(u->tls_name = strdup(u->host)))
		p->oom = p->stop = true;
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
	u = memset(&cfg->upstreams[cfg->nupstreams], 0, sizeof *u);
	if (!(u->name = strdup(name)))
		return DST_ENOMEM;
	u->line = p->line;
	u->max_connections = 2;
	u->max_inflight = 128;
	u->idle_timeout_ms = 10000;
	cfg->nupstreams++;
	p->sec = SEC_UPSTREAM;
	snprintf(p->label, sizeof p->label, "[upstream %s]", name);
	return 0;
}

/* "[server]", "[cache]" or "[upstream NAME]". After a bad header, keys are skipped. */
static int header(struct parser *p, char *s)
{
	size_t len = strlen(s), kind_len;
	char qb[QUOTE_MAX + 4], qb2[QUOTE_MAX + 4], *inner, *rest;
	unsigned *first;

	end_section(p);
	p->sec = SEC_SKIP;
	memset(p->seen, 0, sizeof p->seen);
	if (s[len - 1] != ']') {
		perr(p, "expected a section header like [server], [cache] or [upstream NAME], "
			"got \"%s\"", dst_config__quote(qb, s));
		return 0;
	}
	s[len - 1] = '\0';
	inner = trim(s + 1);
	kind_len = strcspn(inner, " \t");
	rest = trim(inner + kind_len);
	inner[kind_len] = '\0';

	if (strcmp(inner, "upstream") == 0)
		return open_upstream(p, rest);
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
		snprintf(p->label, sizeof p->label, "%s", sec_names[p->sec]);
		return 0;
	}
	perr(p, "unknown section [%s%s%s]; expected [server], [cache] or [upstream NAME]",
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
		perr(p, "key \"%s\" is outside a section; expected [server], [cache] or "
			"[upstream NAME] before it", dst_config__quote(qb, key));
		return 0;
	}
	if (!(k = find_key(p->sec, key))) {
		unknown_key(p, key);
		return 0;
	}
	i = (size_t)(k - keys);
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
	if (k->sec == SEC_UPSTREAM)
		base = (char *)&p->cfg->upstreams[p->cfg->nupstreams - 1];
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
	unsigned line = p->last[find_key(SEC_SERVER, "bootstrap") - keys];

	for (size_t i = 0; i < cfg->nupstreams && cfg->nbootstrap == 0; i++)
		if (cfg->upstreams[i].host)
			dst_config__perr_at(p, cfg->upstreams[i].line,
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

/* Checks that span sections, then fills in what the file left out. */
static int finish(struct parser *p)
{
	struct dst_config *cfg = p->cfg;
	size_t imin = (size_t)(find_key(SEC_CACHE, "min-ttl") - keys);
	size_t imax = (size_t)(find_key(SEC_CACHE, "max-ttl") - keys);
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
							   DURATIONS),
				    lmax ? "" : ", the default",
				    dst_config__fmt_scaled(b, cfg->cache_min_ttl * 1000ULL,
							   DURATIONS),
				    lmin ? "" : ", the default");
	if (cfg->nlisten == 0) {
		const struct key *k = find_key(SEC_SERVER, "listen");
		const char *def[] = { "127.0.0.1", "::1" };

		for (size_t i = 0; i < 2; i++)
			if (dst_config__add_addr(p, k, def[i], (char *)cfg) < 0)
				return DST_ENOMEM;
	}
	check_bootstrap(p);
	return 0;
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
	if (!p || !cfg || !(cfg->file = strdup(name))) {
		free(p);
		free(cfg);
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
	*p = (struct parser){ .file = name, .err = err, .arg = arg, .cfg = cfg };

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

int dst_config_default(struct dst_config **out)
{
	struct dst_config *cfg;
	int r = dst_config_parse("<built-in>", builtin, sizeof builtin - 1, &cfg, NULL, NULL);

	if (r)
		return r; /* DST_ENOMEM: the text itself is valid (the unit tests say so) */
	free(cfg->file);
	cfg->file = NULL;
	for (size_t i = 0; i < cfg->nupstreams; i++)
		cfg->upstreams[i].line = 0;
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
	}
	free(cfg->upstreams);
	free(cfg->listen);
	free(cfg->acl);
	free(cfg->user);
	free(cfg->chroot);
	free(cfg->bootstrap);
	free(cfg->control);
	free(cfg->file);
	free(cfg);
}
