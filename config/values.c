/*
 * Value parsers for the configuration keys: numbers with units (durations,
 * sizes, counts, rates), socket addresses, networks for allow/deny, host
 * names, SPKI pins, paths, user names and words from a fixed list.
 *
 * Each parser is named in the key table (config.c), reads one value into
 * the field its key names, reports a bad value itself and returns 0; it
 * returns a negative code only when out of memory. List values are
 * appended with dst_config__append(), which refuses duplicates, enforces the list's
 * length limit and records the element's line, so every list element type
 * is fully initialised before it is compared with memcmp.
 */
#include "config/internal.h"
#include "dns/err.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_USER 32 /* bytes in a user name, as useradd allows */

bool dst_config__is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* --- numbers: durations, sizes, counts, rates ---------------------------- */

/* Durations are kept in milliseconds; a bare number is seconds. */
const struct unit dst_config__duration_units[] = {
	{"", 1000},     {"ms", 1},       {"s", 1000}, {"m", 60000},
	{"h", 3600000}, {"d", 86400000}, {NULL, 0},
};

/* Sizes are bytes, with binary multiples. */
const struct unit dst_config__size_units[] = {
	{"", 1}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {NULL, 0},
};

/* Counts are plain numbers. */
const struct unit dst_config__count_units[] = {{"", 1}, {NULL, 0}};

/* Rates are per second: "20/s", or a bare "20". */
const struct unit dst_config__rate_units[] = {{"/s", 1}, {"", 1}, {NULL, 0}};

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
const char *dst_config__fmt_scaled(char buf[32], uint64_t v, const struct unit *u)
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
		dst_config__bad_value(p, k, val, NULL);
		return -1;
	}
	if (r == -2 || *out < k->min || *out > k->max) {
		perr(p, "%s: expected %s from %s to %s, got \"%s\"", k->name, kind,
		     dst_config__fmt_scaled(lo, k->min, u), dst_config__fmt_scaled(hi, k->max, u),
		     dst_config__quote(qb, val));
		return -1;
	}
	return 0;
}

/*
 * Durations (uint32_t ms, or uint32_t seconds when k->div is 1000), sizes
 * (uint64_t bytes), counts and rates (uint32_t). TTLs are seconds, so a
 * duration with a ms part is refused.
 */
int dst_config__set_number(struct parser *p, const struct key *k, const char *val, char *base)
{
	bool size = k->units == dst_config__size_units;
	const char *kind = size                                     ? "a size"
			   : k->units == dst_config__duration_units ? "a duration"
			   : k->units == dst_config__rate_units     ? "a rate"
								    : "a number";
	char qb[QUOTE_MAX + 4];
	uint64_t v;

	if (number(p, k, val, k->units, kind, &v) < 0)
		return 0;
	if (v % k->div)
		perr(p, "%s: expected whole seconds, got \"%s\"", k->name,
		     dst_config__quote(qb, val));
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
static int parse_addr(const char *s, uint16_t defport, struct dst_config_addr *a, bool *port_given)
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
	if (port_given)
		*port_given = port != NULL;
	inet_ntop(sin->sin_family, v6 ? (void *)&sin6->sin6_addr : &sin->sin_addr, ip, sizeof ip);
	snprintf(a->text, sizeof a->text, v6 ? "[%s]:%lu" : "%s:%lu", ip, pnum);
	return ADDR_OK;
}

/*
 * Appends elem (size bytes, fully initialised: it is compared with memcmp)
 * to the list k names in base; the same entry twice is a mistake, not a no-op.
 * The list's pointer is read and written with memcpy since its type varies.
 */
int dst_config__append(struct parser *p, const struct key *k, char *base, const void *elem,
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
	/* The element's origin first: a list never has more elements than origins. */
	struct origin **og = &p->origins->elem[dst_config__slot(k)], *grown;
	if (!(grown = dst_config__grow(*og, *n, sizeof **og)))
		return DST_ENOMEM;
	*og = grown;
	grown[*n] = (struct origin){.line = p->line, .src = p->line ? ORIGIN_FILE : ORIGIN_DEFAULT};
	if (!(arr = dst_config__grow(arr, *n, size)))
		return DST_ENOMEM;
	memcpy(arr + (*n)++ * size, elem, size);
	memcpy(base + k->off, &arr, sizeof arr);
	return 0;
}

int dst_config__add_addr(struct parser *p, const struct key *k, const char *val, char *base)
{
	struct dst_config_addr a;
	char qb[QUOTE_MAX + 4];
	bool port_given = false;
	int r = parse_addr(val, k->port, &a, &port_given);

	if (r == ADDR_SYNTAX) {
		dst_config__bad_value(p, k, val, NULL);
		return 0;
	}
	if (r == ADDR_PORT) {
		perr(p, "%s: expected a port from 1 to 65535, got \"%s\"", k->name,
		     dst_config__quote(qb, val));
		return 0;
	}
	size_t before = *(size_t *)(base + k->off_n);
	r = dst_config__append(p, k, base, &a, sizeof a, a.text);
	/* An upstream's default port depends on its transport, which may come later. */
	if (k->sec == SEC_UPSTREAM && !port_given && *(size_t *)(base + k->off_n) > before)
		((struct dst_config_upstream *)(void *)base)->addr_port_default |=
			(uint16_t)(1u << before);
	return r;
}

/*
 * The name of an [upstream NAME] section (a zone's upstream = NAME). That
 * the section exists is checked once the whole file is read: it may come
 * after the zone.
 */
int dst_config__add_upstream_name(struct parser *p, const struct key *k, const char *val,
				  char *base)
{
	char ***names = (char ***)(base + k->off), qb[QUOTE_MAX + 4], *s;
	size_t n = *(size_t *)(base + k->off_n);
	int r;

	for (const char *c = val; *c; c++) {
		if (!dst_config__is_alnum(*c) && *c != '_' && *c != '.' && *c != '-') {
			dst_config__bad_value(p, k, val, "not an upstream name");
			return 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp((*names)[i], val) == 0) {
			perr(p, "%s: %s is listed twice", k->name, dst_config__quote(qb, val));
			return 0;
		}
	}
	if (!(s = strdup(val)))
		return DST_ENOMEM;
	r = dst_config__append(p, k, base, &s, sizeof s, val);
	if (r < 0 || *(size_t *)(base + k->off_n) == n)
		free(s); /* not appended: out of memory, or one too many (reported) */
	return r;
}

/* --- networks (allow, deny) ------------------------------------------------ */

enum { NET_OK, NET_SYNTAX, NET_PREFIX };

/*
 * Parses "ADDRESS" or "ADDRESS/PREFIX" (IPv4 or IPv6, no brackets, no zone)
 * into n, clearing the host bits: "192.168.1.1/24" is 192.168.1.0/24. A
 * bare address is a single host (/32 or /128).
 */
static int parse_net(const char *s, struct dst_config_net *n)
{
	char host[INET6_ADDRSTRLEN], ip[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned bits, prefix = 0;

	memset(n, 0, sizeof *n);
	if (hlen == 0 || hlen >= sizeof host)
		return NET_SYNTAX;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	n->v6 = strchr(host, ':') != NULL;
	if (inet_pton(n->v6 ? AF_INET6 : AF_INET, host, n->addr) != 1)
		return NET_SYNTAX;
	bits = n->v6 ? 128 : 32;
	if (!slash) {
		prefix = bits;
	} else {
		const char *d = slash + 1;

		if (!*d || strlen(d) > 3)
			return *d && strspn(d, "0123456789") == strlen(d) ? NET_PREFIX : NET_SYNTAX;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return NET_SYNTAX;
			prefix = prefix * 10 + (unsigned)(*d - '0');
		}
		if (prefix > bits)
			return NET_PREFIX;
	}
	n->prefix = (uint8_t)prefix;
	for (unsigned i = 0; i < 16; i++) {
		if (i * 8 >= prefix)
			n->addr[i] = 0;
		else if (i * 8 + 8 > prefix)
			n->addr[i] &= (uint8_t)(0xff << (8 - (prefix - i * 8)));
	}
	inet_ntop(n->v6 ? AF_INET6 : AF_INET, n->addr, ip, sizeof ip);
	snprintf(n->text, sizeof n->text, "%s/%u", ip, prefix);
	return NET_OK;
}

/* allow and deny lines share one list, in file order; k->flag marks deny. */
int dst_config__add_net(struct parser *p, const struct key *k, const char *val, char *base)
{
	struct dst_config_net n;
	char qb[QUOTE_MAX + 4];
	int r = parse_net(val, &n);

	if (r == NET_SYNTAX) {
		dst_config__bad_value(p, k, val, NULL);
		return 0;
	}
	if (r == NET_PREFIX) {
		perr(p, "%s: expected a prefix length from 0 to %u, got \"%s\"", k->name,
		     n.v6 ? 128 : 32, dst_config__quote(qb, val));
		return 0;
	}
	if (*(size_t *)(base + k->off_n) >= k->max) {
		perr(p, "%s: more than %llu allow and deny lines in one section", k->name,
		     (unsigned long long)k->max);
		return 0;
	}
	n.deny = k->flag;
	return dst_config__append(p, k, base, &n, sizeof n, n.text);
}

/* --- names, pins, paths, users, words ------------------------------------- */

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
		} else if (dst_config__is_alnum(c) || c == '-') {
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
int dst_config__set_host(struct parser *p, const struct key *k, const char *val, char *base)
{
	char **field = (char **)(base + k->off);
	size_t len = strlen(val);
	const char *why;
	char *s;

	if (len > 1 && val[len - 1] == '.')
		len--;
	if ((why = host_problem(val, len))) {
		dst_config__bad_value(p, k, val, why);
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

/*
 * host = NAME or NAME:PORT: a host name stored as set_host does, and its
 * port (k->port when none) in the uint16_t field at k->off_n. A name that
 * looks like an IPv4 address (its last label all digits) belongs in address.
 */
int dst_config__set_host_port(struct parser *p, const struct key *k, const char *val, char *base)
{
	const char *colon = strchr(val, ':');
	size_t len = colon ? (size_t)(colon - val) : strlen(val);
	char name[256], qb[QUOTE_MAX + 4];
	unsigned long port = k->port;

	if (colon) {
		char *end;
		port = colon[1] >= '0' && colon[1] <= '9' ? strtoul(colon + 1, &end, 10) : 0;
		if (port < 1 || port > 65535 || *end || strlen(colon + 1) > 5) {
			perr(p, "%s: expected a port from 1 to 65535, got \"%s\"", k->name,
			     dst_config__quote(qb, val));
			return 0;
		}
	}
	if (len >= sizeof(name)) {
		dst_config__bad_value(p, k, val, "longer than 253 characters");
		return 0;
	}
	memcpy(name, val, len);
	name[len] = '\0';
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
	const char *last = strrchr(name, '.');
	last = last && last[1] ? last + 1 : name;
	if (*last && strspn(last, "0123456789") == strlen(last)) {
		dst_config__bad_value(p, k, val, "an IP address belongs in address =");
		return 0;
	}
	*(uint16_t *)(base + k->off_n) = (uint16_t)port;
	return dst_config__set_host(p, k, name, base);
}

/* Appends a SHA-256 SPKI pin given in standard base64 (with padding). */
int dst_config__add_pin(struct parser *p, const struct key *k, const char *val, char *base)
{
	uint8_t pin[DST_CONFIG_PIN_LEN];
	char why[64];
	size_t n;
	int r;

	r = dst_config__base64_decode(val, strlen(val), pin, sizeof pin, &n);
	if (r == DST_EINVAL) {
		dst_config__bad_value(p, k, val, "not base64");
		return 0;
	}
	if (n != DST_CONFIG_PIN_LEN) {
		snprintf(why, sizeof why, "decodes to %zu bytes", n);
		dst_config__bad_value(p, k, val, why);
		return 0;
	}
	return dst_config__append(p, k, base, pin, DST_CONFIG_PIN_LEN, val);
}

/* Paths must be absolute: a daemon's working directory is not the admin's. */
int dst_config__set_path(struct parser *p, const struct key *k, const char *val, char *base)
{
	char **field = (char **)(base + k->off);
	char *s;

	if (val[0] != '/') {
		dst_config__bad_value(p, k, val, "not an absolute path");
		return 0;
	}
	if (!(s = strdup(val)))
		return DST_ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

/* One more absolute path in a list (blocklist, allowlist); the same path twice is a mistake. */
int dst_config__add_path(struct parser *p, const struct key *k, const char *val, char *base)
{
	size_t *n = (size_t *)(base + k->off_n), had = *n;
	char **list, *s, qb[QUOTE_MAX + 4];
	int r;

	memcpy(&list, base + k->off, sizeof list);
	if (val[0] != '/') {
		dst_config__bad_value(p, k, val, "not an absolute path");
		return 0;
	}
	for (size_t i = 0; i < had; i++) {
		if (strcmp(list[i], val) == 0) {
			perr(p, "%s: %s is listed twice", k->name, dst_config__quote(qb, val));
			return 0;
		}
	}
	if (!(s = strdup(val)))
		return DST_ENOMEM;
	r = dst_config__append(p, k, base, &s, sizeof s, val);
	if (r || *n == had)
		free(s); /* not added: out of memory, or the list is full (reported) */
	return r;
}

/*
 * A user name as useradd accepts them: letters, digits, '_', '.' and '-',
 * not starting with '-', at most 32 bytes. Whether the user exists is
 * checked when privileges are dropped, not here: parsing does no lookups.
 */
int dst_config__set_user(struct parser *p, const struct key *k, const char *val, char *base)
{
	char **field = (char **)(base + k->off);
	char *s;

	if (strlen(val) > MAX_USER) {
		dst_config__bad_value(p, k, val, "longer than 32 characters");
		return 0;
	}
	if (val[0] == '-') {
		dst_config__bad_value(p, k, val, "starts with '-'");
		return 0;
	}
	for (const char *c = val; *c; c++) {
		if (!dst_config__is_alnum(*c) && *c != '_' && *c != '.' && *c != '-') {
			dst_config__bad_value(p, k, val,
					      "only letters, digits, '_', '.' and '-' are allowed");
			return 0;
		}
	}
	if (!(s = strdup(val)))
		return DST_ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

/* One word of k->choices, stored as its index (uint8_t); words are case-sensitive. */
int dst_config__set_choice(struct parser *p, const struct key *k, const char *val, char *base)
{
	for (uint8_t i = 0; k->choices[i]; i++) {
		if (strcmp(val, k->choices[i]) == 0) {
			*(uint8_t *)(base + k->off) = i;
			return 0;
		}
	}
	dst_config__bad_value(p, k, val, NULL);
	return 0;
}

/* --- operations: control socket, metrics listener, yes/no ----------------- */

/* An absolute path that fits a Unix socket address (sun_path holds 108 bytes). */
int dst_config__set_socket_path(struct parser *p, const struct key *k, const char *val, char *base)
{
	if (val[0] == '/' && strlen(val) > 107) {
		dst_config__bad_value(p, k, val, "longer than 107 bytes");
		return 0;
	}
	return dst_config__set_path(p, k, val, base);
}

/*
 * One address on a loopback network (127.0.0.0/8 or ::1), with k->port as
 * the default port: what /metrics is served on. Statistics tell anyone who
 * can read them how busy each client network is, so they never leave the
 * machine without a proxy the administrator put there on purpose.
 */
int dst_config__set_loopback_addr(struct parser *p, const struct key *k, const char *val,
				  char *base)
{
	struct dst_config_addr *a = (struct dst_config_addr *)(base + k->off);
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
	char qb[QUOTE_MAX + 4];
	int r = parse_addr(val, k->port, a, NULL);

	if (r == ADDR_SYNTAX) {
		dst_config__bad_value(p, k, val, NULL);
	} else if (r == ADDR_PORT) {
		perr(p, "%s: expected a port from 1 to 65535, got \"%s\"", k->name,
		     dst_config__quote(qb, val));
	} else if (a->ss.ss_family == AF_INET ? (ntohl(sin->sin_addr.s_addr) >> 24) != 127
					      : !IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) {
		dst_config__bad_value(p, k, val,
				      "not a loopback address: metrics stay on this machine");
	} else {
		return 0;
	}
	memset(a, 0, sizeof *a);
	return 0;
}

/* "yes" or "no", into a bool. */
int dst_config__set_bool(struct parser *p, const struct key *k, const char *val, char *base)
{
	if (strcmp(val, "yes") == 0 || strcmp(val, "no") == 0)
		*(bool *)(base + k->off) = val[0] == 'y';
	else
		dst_config__bad_value(p, k, val, NULL);
	return 0;
}
