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
#include "config/config.h"
#include "dns/err.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_LINE 4096          /* bytes in one line, without its line end */
#define MAX_ERRORS 50          /* problems reported before giving up */
#define MAX_FILE (1024 * 1024) /* dst_config_load refuses larger files */
#define MAX_UPSTREAMS 64       /* as many as resolver/ can use (DST_MAX_UPSTREAMS) */
#define MAX_KEYS 32            /* rows in keys[] (checked at compile time) */
#define QUOTE_MAX 60           /* bytes of a value quoted back in a message */
#define MAX_NAME 63            /* bytes in an upstream's name */

/* 2 GiB on 32-bit systems, 1 TiB on 64-bit ones: both are whole units. */
#define MAX_CACHE_SIZE \
	((uint64_t)SIZE_MAX / 2 + 1 < (1ULL << 40) ? (uint64_t)SIZE_MAX / 2 + 1 : (1ULL << 40))
#define MAX_TTL_MS (2147483647ULL * 1000) /* RFC 2181: TTLs are 31-bit seconds */

enum sec { SEC_NONE, SEC_SERVER, SEC_CACHE, SEC_UPSTREAM, SEC_SKIP };

struct parser;
struct key;

struct unit {
	const char *suffix;
	uint64_t mult;
};

/* Parses val into the field k names in base; reports bad values itself. */
typedef int (*value_fn)(struct parser *p, const struct key *k, const char *val, char *base);

struct key {
	enum sec sec;
	const char *name;
	value_fn parse;
	size_t off;         /* the field, in dst_config or dst_config_upstream */
	size_t off_n;       /* for lists: the field holding the element count */
	uint64_t min, max;  /* for numbers: ms for durations, bytes for sizes; lists: length */
	const struct unit *units; /* for numbers: the suffixes */
	uint32_t div;       /* for numbers: stored value = parsed value / div */
	uint16_t port;      /* for addresses: the default port */
	bool repeatable;
	const char *expect; /* completes "KEY: expected ..." */
};

struct parser {
	const char *file;
	unsigned line;
	unsigned nerrors;
	bool stop; /* too many errors, or out of memory */
	bool oom;
	dst_config_error_cb err;
	void *arg;
	struct dst_config *cfg;
	enum sec sec;
	char label[MAX_NAME + 16];        /* the current section's header, for messages */
	unsigned server_line, cache_line; /* where the section was opened, 0: not yet */
	bool saw_upstream;                /* any [upstream ...] header, even a bad one */
	unsigned seen[MAX_KEYS];          /* line of each key in this section, for repeats */
	unsigned last[MAX_KEYS];          /* line each key was last set anywhere */
	char buf[MAX_LINE + 1];           /* the current line, NUL-terminated, cut in place */
};

/* Reports one problem at a given line; the MAX_ERRORS+1st becomes "too many errors". */
__attribute__((format(printf, 3, 4))) static void perr_at(struct parser *p, unsigned line,
							  const char *fmt, ...)
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

#define perr(p, ...) perr_at((p), (p)->line, __VA_ARGS__)

/* Returns s, or a copy cut to QUOTE_MAX bytes (on a UTF-8 boundary) and "...", in buf. */
static const char *quote(char buf[QUOTE_MAX + 4], const char *s)
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

/* The generic "KEY: expected WHAT, got "VALUE"" message, with an optional reason. */
static void bad_value(struct parser *p, const struct key *k, const char *val, const char *why)
{
	char qb[QUOTE_MAX + 4];

	perr(p, "%s: expected %s, got \"%s\"%s%s%s", k->name, k->expect, quote(qb, val),
	     why ? " (" : "", why ? why : "", why ? ")" : "");
}

/*
 * Makes room for element n of an array whose capacity is the smallest power
 * of two that holds n elements. Returns the (maybe moved) array, or NULL when
 * out of memory, in which case arr is untouched and still owned by the caller.
 */
static void *grow(void *arr, size_t n, size_t size)
{
	if (n & (n - 1))
		return arr; /* n is not a power of two: the capacity has room */
	return realloc(arr, (n ? 2 * n : 1) * size);
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* --- numbers: durations and sizes ---------------------------------------- */

/* Durations are kept in milliseconds; a bare number is seconds. */
static const struct unit duration_units[] = {
	{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
	{ "h", 3600000 }, { "d", 86400000 }, { NULL, 0 },
};

/* Sizes are bytes, with binary multiples. */
static const struct unit size_units[] = {
	{ "", 1 }, { "k", 1 << 10 }, { "m", 1 << 20 }, { "g", 1 << 30 }, { NULL, 0 },
};

/* Parses digits and a unit suffix: 0 ok, -1 not that form, -2 too large for 64 bits. */
static int parse_scaled(const char *s, const struct unit *u, uint64_t *out)
{
	uint64_t v = 0;
	bool big = false;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
			big = true;
	for (; u->suffix; u++)
		if (strcasecmp(s, u->suffix) == 0)
			return big || __builtin_mul_overflow(v, u->mult, out) ? -2 : 0;
	return -1;
}

/* Writes v in the largest unit that divides it exactly ("90s", "16m", "1500"). */
static const char *fmt_scaled(char buf[32], uint64_t v, const struct unit *u)
{
	const struct unit *best = NULL;

	for (; u->suffix; u++)
		if (*u->suffix && v && v % u->mult == 0 && (!best || u->mult > best->mult))
			best = u;
	snprintf(buf, 32, "%llu%s", (unsigned long long)(best ? v / best->mult : v),
		 best ? best->suffix : "");
	return buf;
}

/* Parses a number with units and checks it against k's limits; 0 ok, -1 reported. */
static int number(struct parser *p, const struct key *k, const char *val, const struct unit *u,
		  const char *kind, uint64_t *out)
{
	char lo[32], hi[32], qb[QUOTE_MAX + 4];
	int r = parse_scaled(val, u, out);

	if (r == -1) {
		bad_value(p, k, val, NULL);
		return -1;
	}
	if (r == -2 || *out < k->min || *out > k->max) {
		perr(p, "%s: expected %s from %s to %s, got \"%s\"", k->name, kind,
		     fmt_scaled(lo, k->min, u), fmt_scaled(hi, k->max, u), quote(qb, val));
		return -1;
	}
	return 0;
}

/*
 * Durations (uint32_t ms, or uint32_t seconds when k->div is 1000) and sizes
 * (uint64_t bytes). TTLs are seconds, so a duration with a ms part is refused.
 */
static int set_number(struct parser *p, const struct key *k, const char *val, char *base)
{
	bool size = k->units == size_units;
	char qb[QUOTE_MAX + 4];
	uint64_t v;

	if (number(p, k, val, k->units, size ? "a size" : "a duration", &v) < 0)
		return 0;
	if (v % k->div)
		perr(p, "%s: expected whole seconds, got \"%s\"", k->name, quote(qb, val));
	else if (size)
		*(uint64_t *)(base + k->off) = v;
	else
		*(uint32_t *)(base + k->off) = (uint32_t)(v / k->div);
	return 0;
}

/* --- addresses ------------------------------------------------------------ */

enum { ADDR_OK, ADDR_SYNTAX, ADDR_PORT };

/*
 * Parses "IPv4", "IPv4:PORT", "[IPv6]", "[IPv6]:PORT" or a bare "IPv6"
 * (which never has a port: "::1:53" is one IPv6 address) into a.
 */
static int parse_addr(const char *s, uint16_t defport, struct dst_config_addr *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	char host[INET6_ADDRSTRLEN], ip[INET6_ADDRSTRLEN];
	const char *start = s, *port = NULL, *colon = strchr(s, ':');
	size_t hlen = strlen(s);
	bool v6 = false;
	unsigned long pnum = defport;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':'))
			return ADDR_SYNTAX;
		start = s + 1;
		hlen = (size_t)(close - start);
		port = close[1] ? close + 2 : NULL;
		v6 = true;
	} else if (colon && strchr(colon + 1, ':')) {
		v6 = true;
	} else if (colon) {
		hlen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (hlen >= sizeof host)
		return ADDR_SYNTAX;
	memcpy(host, start, hlen);
	host[hlen] = '\0';

	if (port) {
		if (!*port)
			return ADDR_SYNTAX;
		for (pnum = 0; *port; port++) {
			if (*port < '0' || *port > '9')
				return ADDR_SYNTAX;
			if (pnum <= 65535)
				pnum = pnum * 10 + (unsigned long)(*port - '0');
		}
		if (pnum == 0 || pnum > 65535)
			return ADDR_PORT;
	}

	memset(a, 0, sizeof *a);
	sin->sin_family = v6 ? AF_INET6 : AF_INET;
	if (inet_pton(sin->sin_family, host, v6 ? (void *)&sin6->sin6_addr : &sin->sin_addr) != 1)
		return ADDR_SYNTAX;
	/* sin_port and sin6_port share their offset, by design of the sockaddr types. */
	sin->sin_port = htons((uint16_t)pnum);
	a->len = v6 ? sizeof *sin6 : sizeof *sin;
	inet_ntop(sin->sin_family, v6 ? (void *)&sin6->sin6_addr : &sin->sin_addr, ip, sizeof ip);
	snprintf(a->text, sizeof a->text, v6 ? "[%s]:%lu" : "%s:%lu", ip, pnum);
	return ADDR_OK;
}

/*
 * Appends elem (size bytes, fully initialised: it is compared with memcmp)
 * to the list k names in base; the same entry twice is a mistake, not a no-op.
 * The list's pointer is read and written with memcpy since its type varies.
 */
static int append(struct parser *p, const struct key *k, char *base, const void *elem,
		  size_t size, const char *shown)
{
	size_t *n = (size_t *)(base + k->off_n);
	char *arr;

	memcpy(&arr, base + k->off, sizeof arr);
	for (size_t i = 0; i < *n; i++) {
		if (memcmp(arr + i * size, elem, size) == 0) {
			perr(p, "%s: %s is listed twice", k->name, shown);
			return 0;
		}
	}
	if (*n >= k->max) {
		perr(p, "%s: more than %llu in one section", k->name, (unsigned long long)k->max);
		return 0;
	}
	if (!(arr = grow(arr, *n, size)))
		return DST_ENOMEM;
	memcpy(arr + (*n)++ * size, elem, size);
	memcpy(base + k->off, &arr, sizeof arr);
	return 0;
}

static int add_addr(struct parser *p, const struct key *k, const char *val, char *base)
{
	struct dst_config_addr a;
	char qb[QUOTE_MAX + 4];
	int r = parse_addr(val, k->port, &a);

	if (r == ADDR_SYNTAX) {
		bad_value(p, k, val, NULL);
		return 0;
	}
	if (r == ADDR_PORT) {
		perr(p, "%s: expected a port from 1 to 65535, got \"%s\"", k->name, quote(qb, val));
		return 0;
	}
	return append(p, k, base, &a, sizeof a, a.text);
}

/* --- names, pins, paths --------------------------------------------------- */

/* Says what is wrong with a host name of len bytes, or NULL if nothing is. */
static const char *host_problem(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0)
		return "it is empty";
	if (len > 253)
		return "longer than 253 characters";
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (label == 0)
				return "empty label";
			if (s[i - 1] == '-')
				return "a label ends with '-'";
			label = 0;
		} else if (is_alnum(c) || c == '-') {
			if (label == 0 && c == '-')
				return "a label starts with '-'";
			if (++label > 63)
				return "a label is longer than 63 characters";
		} else {
			return "only letters, digits, '-' and '.' are allowed";
		}
	}
	return NULL;
}

/* Stores a host name in lower case, without the trailing dot of an absolute name. */
static int set_host(struct parser *p, const struct key *k, const char *val, char *base)
{
	char **field = (char **)(base + k->off);
	size_t len = strlen(val);
	const char *why;
	char *s;

	if (len > 1 && val[len - 1] == '.')
		len--;
	if ((why = host_problem(val, len))) {
		bad_value(p, k, val, why);
		return 0;
	}
	if (!(s = strndup(val, len)))
		return DST_ENOMEM;
	for (char *c = s; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	free(*field);
	*field = s;
	return 0;
}

/* Appends a SHA-256 SPKI pin given in standard base64 (with padding). */
static int add_pin(struct parser *p, const struct key *k, const char *val, char *base)
{
	gnutls_datum_t in = { (unsigned char *)(uintptr_t)val, (unsigned)strlen(val) };
	gnutls_datum_t out = { NULL, 0 };
	char why[64];
	int r;

	/* GnuTLS skips stray characters such as spaces; a pin must not have any. */
	for (const char *c = val; *c; c++) {
		if (!is_alnum(*c) && *c != '+' && *c != '/' && *c != '=') {
			bad_value(p, k, val, "not base64");
			return 0;
		}
	}
	r = gnutls_base64_decode2(&in, &out);
	if (r == GNUTLS_E_MEMORY_ERROR)
		return DST_ENOMEM;
	if (r < 0) {
		bad_value(p, k, val, "not base64");
		return 0;
	}
	if (out.size != DST_CONFIG_PIN_LEN) {
		snprintf(why, sizeof why, "decodes to %u bytes", out.size);
		bad_value(p, k, val, why);
		r = 0;
	} else {
		r = append(p, k, base, out.data, DST_CONFIG_PIN_LEN, val);
	}
	gnutls_free(out.data);
	return r;
}

/* Paths must be absolute: a daemon's working directory is not the admin's. */
static int set_path(struct parser *p, const struct key *k, const char *val, char *base)
{
	char **field = (char **)(base + k->off);
	char *s;

	if (val[0] != '/') {
		bad_value(p, k, val, "not an absolute path");
		return 0;
	}
	if (!(s = strdup(val)))
		return DST_ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

/* --- the keys ------------------------------------------------------------- */

#define CFG(f) offsetof(struct dst_config, f)
#define UP(f) offsetof(struct dst_config_upstream, f)
#define DURATION "a duration like 4s, 500ms, 2m"

static const struct key keys[] = {
	{ SEC_SERVER, "listen", add_addr, CFG(listen), CFG(nlisten), .max = 64, .port = 53,
	  .repeatable = true, .expect = "an address like 127.0.0.1:53 or [::1]:53" },
	{ SEC_SERVER, "query-timeout", set_number, CFG(query_timeout_ms), 0, 1, 3600000,
	  duration_units, 1, .expect = DURATION },
	{ SEC_SERVER, "tcp-idle-timeout", set_number, CFG(tcp_idle_timeout_ms), 0, 1, 3600000,
	  duration_units, 1, .expect = DURATION },
	{ SEC_CACHE, "size", set_number, CFG(cache_size), 0, 0, MAX_CACHE_SIZE, size_units, 1,
	  .expect = "a size like 16m, 512k, 1g or 0" },
	{ SEC_CACHE, "min-ttl", set_number, CFG(cache_min_ttl), 0, 0, MAX_TTL_MS, duration_units,
	  1000, .expect = DURATION },
	{ SEC_CACHE, "max-ttl", set_number, CFG(cache_max_ttl), 0, 0, MAX_TTL_MS, duration_units,
	  1000, .expect = DURATION },
	/* resolver/ hands at most 16 addresses to tls/. */
	{ SEC_UPSTREAM, "address", add_addr, UP(addrs), UP(naddrs), .max = 16, .port = 853,
	  .repeatable = true,
	  .expect = "an IP address like 9.9.9.9, 9.9.9.9:853 or [2620:fe::fe]:853" },
	{ SEC_UPSTREAM, "tls-name", set_host, UP(tls_name),
	  .expect = "a host name like dns.quad9.net" },
	{ SEC_UPSTREAM, "pin-sha256", add_pin, UP(pins), UP(npins), .max = 16, .repeatable = true,
	  .expect = "the base64 of a 32-byte SHA-256 digest" },
	{ SEC_UPSTREAM, "ca-file", set_path, UP(ca_file), .expect = "a path like /etc/ssl/ca.pem" },
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
	char list[256] = "", hint[64] = "", qb[QUOTE_MAX + 4];
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
	perr(p, "unknown key \"%s\" in %s%s; expected %s", quote(qb, key), p->label, hint, list);
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
	if (!has(p, "address"))
		perr_at(p, u->line, "[upstream %s] needs at least one address", u->name);
	if (!has(p, "tls-name") && !has(p, "pin-sha256"))
		perr_at(p, u->line, "[upstream %s] needs tls-name or at least one pin-sha256",
			u->name);
	if (u->ca_file && !has(p, "tls-name"))
		perr_at(p, u->line, "[upstream %s] has ca-file but no tls-name to check it against",
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
		if (!is_alnum(*c) && *c != '_' && *c != '.' && *c != '-') {
			perr(p, "upstream name \"%s\": expected letters, digits, '_', '.' and '-'",
			     quote(qb, name));
			return 0;
		}
	}
	if (strlen(name) > MAX_NAME) {
		perr(p, "upstream name \"%s\": expected at most %d characters", quote(qb, name),
		     MAX_NAME);
		return 0;
	}
	if (cfg->nupstreams >= MAX_UPSTREAMS) {
		perr(p, "more than %d upstreams", MAX_UPSTREAMS);
		return 0;
	}
	/* A repeated name is reported, but its section is still checked. */
	for (size_t i = 0; i < cfg->nupstreams; i++)
		if (strcmp(cfg->upstreams[i].name, name) == 0)
			perr(p, "duplicate upstream name \"%s\" (first at line %u)", name,
			     cfg->upstreams[i].line);
	if (!(grown = grow(cfg->upstreams, cfg->nupstreams, sizeof *u)))
		return DST_ENOMEM;
	cfg->upstreams = grown;
	u = memset(&cfg->upstreams[cfg->nupstreams], 0, sizeof *u);
	if (!(u->name = strdup(name)))
		return DST_ENOMEM;
	u->line = p->line;
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
			"got \"%s\"", quote(qb, s));
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
			perr(p, "[%s] takes no name, got \"%s\"", inner, quote(qb, rest));
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
	     quote(qb, inner), *rest ? " " : "", quote(qb2, rest));
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
			"[upstream NAME] before it", quote(qb, key));
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
		perr(p, "expected \"key = value\" or a [section] header, got \"%s\"", quote(qb, s));
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
		perr_at(p, p->line ? p->line : 1,
			"no upstream; expected at least one [upstream NAME] section");
	if (cfg->cache_max_ttl < cfg->cache_min_ttl)
		perr_at(p, lmax > lmin ? lmax : lmin, "max-ttl (%s%s) is less than min-ttl (%s%s)",
			fmt_scaled(a, cfg->cache_max_ttl * 1000ULL, duration_units),
			lmax ? "" : ", the default",
			fmt_scaled(b, cfg->cache_min_ttl * 1000ULL, duration_units),
			lmin ? "" : ", the default");
	if (cfg->nlisten == 0) {
		const char *def[] = { "127.0.0.1", "::1" };

		for (size_t i = 0; i < 2; i++)
			if (add_addr(p, find_key(SEC_SERVER, "listen"), def[i], (char *)cfg) < 0)
				return DST_ENOMEM;
	}
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

int dst_config_load(const char *path, struct dst_config **out, dst_config_error_cb err, void *arg)
{
	char msg[4096 + 256], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	/* Read one byte past the limit to tell "exactly at the limit" from "larger". */
	errno = 0;
	if (!(f = fopen(path, "re")) || !(buf = malloc(MAX_FILE + 1)) ||
	    ((len = fread(buf, 1, MAX_FILE + 1, f)) <= MAX_FILE && ferror(f))) {
		r = errno ? -errno : DST_EINVAL;
		snprintf(msg, sizeof msg, "%s: %s", path, strerror(-r));
	} else if (len > MAX_FILE) {
		r = DST_ECONFIG;
		snprintf(msg, sizeof msg, "%s: larger than %d KiB; expected a configuration file",
			 path, MAX_FILE / 1024);
	} else {
		r = dst_config_parse(path, buf, len, out, err, arg);
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
	}
	free(cfg->upstreams);
	free(cfg->listen);
	free(cfg->file);
	free(cfg);
}
