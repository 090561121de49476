/*
 * "dotstub import-stubby" (see stubby.h): Stubby's YAML, parsed by libyaml
 * into a document, converted into dotstub.conf text.
 *
 * The output must behave as the Stubby file did, or say where it cannot:
 * - a Stubby key with an equivalent becomes that key, after a comment
 *   naming the Stubby line it came from;
 * - a key or value with no equivalent, or with a different meaning, becomes
 *   a "# FILE:LINE: key: ..." comment (a "note") that says why, and never
 *   a silently different setting;
 * - every value written as a dotstub key is first checked by dotstub's own
 *   parser (value_ok: a one-key configuration is parsed), so the output
 *   passes "dotstub -t" unless no upstream could be converted at all;
 * - Stubby text quoted in a comment has its control characters replaced,
 *   so a line break inside a YAML value never starts a line of its own.
 * The [server] lines are collected while the top-level keys are read in
 * file order; the upstreams come last, since some top-level keys
 * (idle_timeout, tls_ca_file) apply to each of them.
 *
 * Malformed YAML, or a value of the wrong shape (a list where Stubby wants
 * a word), is an error with NAME:LINE:COLUMN; nothing is printed then.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config.h"
#include "dns/err.h"
#include "resolver/cli/stubby.h"
#include "resolver/cli/stubby_internal.h"

unsigned long dst_stubby__line_of(const yaml_node_t *n)
{
	return (unsigned long)n->start_mark.line + 1;
}

void dst_stubby__fail(struct conv *c, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (c->failed)
		return;
	c->failed = true;
	k = snprintf(c->err, c->errcap, "%s:%lu:%lu: ", c->path, dst_stubby__line_of(n),
		     (unsigned long)n->start_mark.column + 1);
	if (k < 0 || (size_t)k >= c->errcap)
		return;
	va_start(ap, fmt);
	vsnprintf(c->err + k, c->errcap - (size_t)k, fmt, ap);
	va_end(ap);
}

/* A comment line that says where a setting came from (line 0: a default); not a difference. */
void dst_stubby__info(struct dst_buf *b, const struct conv *c, unsigned long line, const char *fmt,
		      ...)
{
	va_list ap;
	char text[1024];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* Stubby's values are quoted here: a line break in one must not end the comment. */
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (line)
		dst_buf_printf(b, "# %s:%lu: %s\n", c->name, line, text);
	else
		dst_buf_printf(b, "# %s: %s\n", c->name, text);
}

/*
 * The scalar's text, or NULL (after an error) when n is not a scalar. A
 * scalar with a NUL byte in it is returned as "" so that it fails every
 * check below.
 */
const char *dst_stubby__scalar(struct conv *c, const yaml_node_t *n, const char *key)
{
	if (!n || n->type != YAML_SCALAR_NODE) {
		if (n)
			dst_stubby__fail(c, n, "%s: expected a single value, got a %s", key,
					 n->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return "";
	return (const char *)n->data.scalar.value;
}

bool dst_stubby__is_list(struct conv *c, const yaml_node_t *n, const char *key, const char *example)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return true;
	dst_stubby__fail(c, n, "%s: expected a list like %s", key, example);
	return false;
}

yaml_node_t *dst_stubby__node(struct conv *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

/* "123" (decimal digits only) into *v; false for anything else. */
bool dst_stubby__number(const char *s, unsigned long *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !*end && errno == 0;
}

/* Milliseconds as a dotstub duration: "10s" when whole seconds, else "1500ms". */
void dst_stubby__duration(unsigned long ms, char out[32])
{
	if (ms % 1000 == 0)
		snprintf(out, 32, "%lus", ms / 1000);
	else
		snprintf(out, 32, "%lums", ms);
}

struct first_error {
	char msg[512];
	bool seen;
};

static void on_probe_error(void *arg, const char *msg)
{
	struct first_error *e = arg;
	const char *p;

	if (e->seen)
		return;
	e->seen = true;
	/* Drop the "<probe>:LINE: " prefix: the line is the probe's, not the user's. */
	p = strstr(msg, ": ");
	snprintf(e->msg, sizeof(e->msg), "%s", p ? p + 2 : msg);
}

/*
 * Whether "key = val" is accepted by dotstub's parser, in [server] or in an
 * [upstream] section: a small configuration holding that line is parsed.
 * On false, why holds the parser's message. Values that the file format
 * itself would change (blanks at the ends, " #", control characters) are
 * refused first.
 */
bool dst_stubby__value_ok(bool server, const char *key, const char *val, char *why, size_t cap)
{
	struct first_error e = {.seen = false};
	struct dst_config *cfg = NULL;
	char text[8192];
	size_t n = strlen(val);
	int k;

	for (const char *p = val; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f ||
		    (*p == '#' && p > val && p[-1] == ' ')) {
			snprintf(why, cap, "a control character or \" #\" in the value");
			return false;
		}
	}
	if (n == 0 || val[0] == ' ' || val[n - 1] == ' ') {
		snprintf(why, cap, "an empty value, or blanks at its ends");
		return false;
	}
	if (server)
		k = snprintf(text, sizeof(text),
			     "[server]\n%s = %s\n[upstream p]\naddress = 192.0.2.1\n"
			     "tls-name = p.invalid\n",
			     key, val);
	else
		k = snprintf(text, sizeof(text), "[upstream p]\n%s%s%s = %s\n",
			     strcmp(key, "address") ? "address = 192.0.2.1\n" : "",
			     strcmp(key, "tls-name") ? "tls-name = p.invalid\n" : "", key, val);
	if (k < 0 || (size_t)k >= sizeof(text)) {
		snprintf(why, cap, "too long");
		return false;
	}
	if (dst_config_parse("<probe>", text, (size_t)k, &cfg, on_probe_error, &e) == 0) {
		dst_config_free(cfg);
		return true;
	}
	snprintf(why, cap, "%s", e.seen ? e.msg : "out of memory");
	return false;
}

/* --- top-level keys ------------------------------------------------------- */

/* "127.0.0.1", "0::1@5353" into "127.0.0.1:53", "[::1]:5353"; false if not an address. */
static bool listen_text(const char *s, char *out, size_t cap, bool *loopback)
{
	char host[INET6_ADDRSTRLEN + 1], canon[INET6_ADDRSTRLEN];
	const char *at = strrchr(s, '@');
	size_t hlen = at ? (size_t)(at - s) : strlen(s);
	unsigned long port = 53;
	unsigned char bin[16];
	bool v6;

	if (hlen >= sizeof(host))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (at && (!dst_stubby__number(at + 1, &port) || port == 0 || port > 65535))
		return false;
	v6 = strchr(host, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) != 1)
		return false;
	inet_ntop(v6 ? AF_INET6 : AF_INET, bin, canon, sizeof(canon));
	*loopback = v6 ? strcmp(canon, "::1") == 0 : bin[0] == 127;
	snprintf(out, cap, v6 ? "[%s]:%lu" : "%s:%lu", canon, port);
	return true;
}

static void do_listen(struct conv *c, const char *key, yaml_node_t *v)
{
	char text[80], why[512];
	bool loopback, others = false;

	if (!dst_stubby__is_list(c, v, key, "[127.0.0.1, 0::1@5353]"))
		return;
	c->listen_set = true;
	for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
	     i++) {
		yaml_node_t *item = dst_stubby__node(c, *i);
		const char *s = dst_stubby__scalar(c, item, key);
		if (!s)
			return;
		if (!listen_text(s, text, sizeof(text), &loopback)) {
			note(&c->srv, c, dst_stubby__line_of(item),
			     "listen_addresses: \"%s\" not converted: dotstub listens on an IP "
			     "address, optionally @port (no host names, no %%interface)",
			     s);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < c->nlisten; j++)
			dup |= strcmp(c->listen[j], text) == 0;
		if (dup) {
			dst_stubby__info(&c->srv, c, dst_stubby__line_of(item),
					 "listen_addresses: %s is listed twice", s);
			continue;
		}
		if (c->nlisten == MAX_LISTEN ||
		    !dst_stubby__value_ok(true, "listen", text, why, sizeof(why))) {
			note(&c->srv, c, dst_stubby__line_of(item),
			     "listen_addresses: \"%s\" not converted: %s", s,
			     c->nlisten == MAX_LISTEN ? "more than 64 addresses" : why);
			continue;
		}
		snprintf(c->listen[c->nlisten++], sizeof(c->listen[0]), "%s", text);
		dst_stubby__info(&c->srv, c, dst_stubby__line_of(item), "listen_addresses: %s", s);
		dst_buf_printf(&c->srv, "listen = %s\n", text);
		others |= !loopback;
	}
	if (c->nlisten == 0)
		note(&c->srv, c, dst_stubby__line_of(v),
		     "listen_addresses: none could be converted, so dotstub listens on its "
		     "defaults, 127.0.0.1:53 and [::1]:53");
	if (others)
		note(&c->srv, c, dst_stubby__line_of(v),
		     "listen_addresses: Stubby answered every client that reached these "
		     "addresses; dotstub answers loopback clients, and on a private address "
		     "(RFC 1918, fc00::/7) that private range only: add \"allow = NETWORK\" "
		     "lines for other clients (docs/configuration.md, access control)");
}

static void do_strategy(struct conv *c, const char *key, yaml_node_t *v)
{
	const char *s = dst_stubby__scalar(c, v, key);

	if (!s)
		return;
	if (strcmp(s, "1") && strcmp(s, "0")) {
		note(&c->srv, c, dst_stubby__line_of(v),
		     "round_robin_upstreams: \"%s\" not understood (expected 0 or 1): "
		     "strategy = ordered, Stubby's default",
		     s);
		s = "0";
	} else {
		dst_stubby__info(&c->srv, c, dst_stubby__line_of(v), "round_robin_upstreams: %s",
				 s);
	}
	dst_buf_printf(&c->srv, "strategy = %s\n", strcmp(s, "1") ? "ordered" : "round-robin");
	c->strategy_set = true;
}

static void do_timeout(struct conv *c, const char *key, yaml_node_t *v)
{
	const char *s = dst_stubby__scalar(c, v, key);
	char d[32], why[512];
	unsigned long ms;

	if (!s)
		return;
	/* Not converted: dotstub's default applies, and the note says so. */
	c->timeout_set = true;
	if (!dst_stubby__number(s, &ms)) {
		note(&c->srv, c, dst_stubby__line_of(v),
		     "timeout: \"%s\" not converted: expected milliseconds; dotstub's default "
		     "query-timeout, 4s, applies",
		     s);
		return;
	}
	dst_stubby__duration(ms, d);
	if (!dst_stubby__value_ok(true, "query-timeout", d, why, sizeof(why))) {
		note(&c->srv, c, dst_stubby__line_of(v),
		     "timeout: %s not converted: %s; dotstub's default query-timeout, 4s, applies",
		     s, why);
		return;
	}
	dst_stubby__info(&c->srv, c, dst_stubby__line_of(v), "timeout: %s (milliseconds)", s);
	dst_buf_printf(&c->srv, "query-timeout = %s\n", d);
}

static void do_idle(struct conv *c, const char *key, yaml_node_t *v)
{
	const char *s = dst_stubby__scalar(c, v, key);
	char d[32], why[512];
	unsigned long ms;

	if (!s)
		return;
	if (!dst_stubby__number(s, &ms)) {
		note(&c->srv, c, dst_stubby__line_of(v),
		     "idle_timeout: \"%s\" not converted: expected milliseconds", s);
		return;
	}
	dst_stubby__duration(ms, d);
	if (!dst_stubby__value_ok(false, "idle-timeout", d, why, sizeof(why))) {
		note(&c->srv, c, dst_stubby__line_of(v), "idle_timeout: %s not converted: %s", s,
		     why);
		return;
	}
	dst_stubby__info(&c->srv, c, dst_stubby__line_of(v),
			 "idle_timeout: %s: idle-timeout = %s in each [upstream]", s, d);
	snprintf(c->idle_timeout, sizeof(c->idle_timeout), "%s", d);
	c->idle_line = dst_stubby__line_of(v);
}

static void do_ecs(struct conv *c, const char *key, yaml_node_t *v)
{
	const char *s = dst_stubby__scalar(c, v, key);

	if (!s)
		return;
	if (strcmp(s, "1") == 0) {
		note(&c->srv, c, dst_stubby__line_of(v),
		     "edns_client_subnet_private: 1: Stubby put an ECS option with source "
		     "prefix 0 (RFC 7871 7.1.2) in every query; dotstub's ecs = strip "
		     "replaces a client's ECS option with that one, but adds none to a query "
		     "that had none");
		dst_buf_printf(&c->srv, "ecs = strip\n");
	} else {
		note(&c->srv, c, dst_stubby__line_of(v),
		     "edns_client_subnet_private: %s: no equivalent; dotstub keeps its default, "
		     "ecs = strip (a client's ECS option never reaches the upstream)",
		     s);
	}
}

static void do_padding(struct conv *c, const char *key, yaml_node_t *v)
{
	const char *s = dst_stubby__scalar(c, v, key);

	if (!s)
		return;
	if (strcmp(s, "128") == 0)
		dst_stubby__info(
			&c->srv, c, dst_stubby__line_of(v),
			"tls_query_padding_blocksize: 128: dotstub pads every query to a multiple "
			"of 128 bytes (RFC 8467) already; nothing to set");
	else
		note(&c->srv, c, dst_stubby__line_of(v),
		     "tls_query_padding_blocksize: %s: not settable; dotstub always pads "
		     "queries to a multiple of 128 bytes (RFC 8467)",
		     s);
}

static void do_dnssec(struct conv *c, const char *key, yaml_node_t *v)
{
	const char *s = dst_stubby__scalar(c, v, key);

	if (!s)
		return;
	if (strcmp(s, "GETDNS_EXTENSION_TRUE") == 0) {
		c->dnssec_on = true;
		c->dnssec_line = dst_stubby__line_of(v);
		snprintf(c->dnssec_key, sizeof(c->dnssec_key), "%s", key);
	} else if (strcmp(s, "GETDNS_EXTENSION_FALSE") != 0) {
		note(&c->srv, c, dst_stubby__line_of(v),
		     "%s: \"%s\" not understood (expected GETDNS_EXTENSION_TRUE or "
		     "GETDNS_EXTENSION_FALSE)",
		     key, s);
	}
}

static void do_transport(struct conv *c, const char *key, yaml_node_t *v)
{
	bool clear = false;

	if (!dst_stubby__is_list(c, v, key, "[GETDNS_TRANSPORT_TLS]"))
		return;
	for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
	     i++) {
		const char *s = dst_stubby__scalar(c, dst_stubby__node(c, *i), key);
		if (!s)
			return;
		clear |= strcmp(s, "GETDNS_TRANSPORT_TLS") != 0;
	}
	if (clear)
		note(&c->srv, c, dst_stubby__line_of(v),
		     "dns_transport_list: dotstub speaks DNS-over-TLS only and never falls "
		     "back to clear-text UDP or TCP");
	else
		dst_stubby__info(&c->srv, c, dst_stubby__line_of(v),
				 "dns_transport_list: TLS only, as dotstub");
}

static void do_word(struct conv *c, const char *key, yaml_node_t *v)
{
	const char *s = dst_stubby__scalar(c, v, key);

	if (!s)
		return;
	if (strcmp(key, "resolution_type") == 0) {
		if (strcmp(s, "GETDNS_RESOLUTION_STUB") == 0)
			dst_stubby__info(&c->srv, c, dst_stubby__line_of(v),
					 "resolution_type: stub, as dotstub");
		else
			note(&c->srv, c, dst_stubby__line_of(v),
			     "resolution_type: %s: dotstub is a stub resolver only: it "
			     "forwards every query to the upstreams",
			     s);
	} else if (strcmp(s, "GETDNS_AUTHENTICATION_REQUIRED") == 0) {
		dst_stubby__info(&c->srv, c, dst_stubby__line_of(v),
				 "tls_authentication: required, as dotstub always does");
	} else {
		note(&c->srv, c, dst_stubby__line_of(v),
		     "tls_authentication: %s: dotstub has no opportunistic mode: every "
		     "upstream is authenticated by tls-name or pin-sha256, and one without "
		     "either is left out",
		     s);
	}
}

static void do_ca_file(struct conv *c, const char *key, yaml_node_t *v)
{
	const char *s = dst_stubby__scalar(c, v, key);
	char why[512];

	if (!s)
		return;
	if (!dst_stubby__value_ok(false, "ca-file", s, why, sizeof(why))) {
		note(&c->srv, c, dst_stubby__line_of(v),
		     "tls_ca_file: \"%s\" not converted: %s; the system trust store is used", s,
		     why);
		return;
	}
	dst_stubby__info(&c->srv, c, dst_stubby__line_of(v),
			 "tls_ca_file: ca-file in each [upstream] with a tls-name");
	snprintf(c->ca_file, sizeof(c->ca_file), "%s", s);
}

static void do_upstreams(struct conv *c, const char *key, yaml_node_t *v)
{
	if (dst_stubby__is_list(c, v, key,
				"[{address_data: 9.9.9.9, tls_auth_name: dns.quad9.net}]"))
		c->upstreams = v;
}

static const struct {
	const char *key;
	void (*fn)(struct conv *c, const char *key, yaml_node_t *v);
} handlers[] = {
	{"listen_addresses", do_listen},
	{"round_robin_upstreams", do_strategy},
	{"timeout", do_timeout},
	{"idle_timeout", do_idle},
	{"edns_client_subnet_private", do_ecs},
	{"tls_query_padding_blocksize", do_padding},
	{"dnssec", do_dnssec},
	{"dnssec_return_status", do_dnssec},
	{"dns_transport_list", do_transport},
	{"resolution_type", do_word},
	{"tls_authentication", do_word},
	{"tls_ca_file", do_ca_file},
	{"upstream_recursive_servers", do_upstreams},
};

/* A value for a comment: the scalar, or "(a list)" / "(a mapping)". */
const char *dst_stubby__shown(const yaml_node_t *v)
{
	if (v->type == YAML_SCALAR_NODE)
		return (const char *)v->data.scalar.value;
	return v->type == YAML_SEQUENCE_NODE ? "(a list)" : "(a mapping)";
}

static void top_key(struct conv *c, const char *key, yaml_node_t *v)
{
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(key, handlers[i].key) == 0) {
			handlers[i].fn(c, key, v);
			return;
		}
	}
	const char *why = dst_stubby__no_equivalent(key);
	if (why) {
		note(&c->srv, c, dst_stubby__line_of(v), "%s: %s: not converted: %s", key,
		     dst_stubby__shown(v), why);
		return;
	}
	note(&c->srv, c, dst_stubby__line_of(v),
	     "%s: %s: not converted: dotstub has no such setting", key, dst_stubby__shown(v));
}

/* --- the whole file ------------------------------------------------------- */

static void convert(struct conv *c, struct dst_buf *out)
{
	yaml_node_t *root = yaml_document_get_root_node(c->doc);

	if (!root) {
		c->failed = true;
		snprintf(c->err, c->errcap,
			 "%s:1:1: empty; expected Stubby's YAML configuration (a mapping of "
			 "keys such as upstream_recursive_servers)",
			 c->path);
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		dst_stubby__fail(
			c, root,
			"expected a mapping of keys such as upstream_recursive_servers, as in "
			"Stubby's stubby.yml");
		return;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = dst_stubby__node(c, p->key);
		const char *key = dst_stubby__scalar(c, kn, "a key");
		if (!key)
			return;
		for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *prev = dst_stubby__node(c, q->key);
			if (prev->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)prev->data.scalar.value, key) == 0) {
				dst_stubby__fail(c, kn, "%s: already set at line %lu", key,
						 dst_stubby__line_of(prev));
				return;
			}
		}
		top_key(c, key, dst_stubby__node(c, p->value));
		if (c->failed)
			return;
	}

	if (!c->listen_set)
		dst_stubby__info(
			&c->srv, c, 0,
			"no listen_addresses: Stubby's default and dotstub's are the same, "
			"127.0.0.1 and ::1 on port 53");
	if (!c->strategy_set) {
		dst_stubby__info(&c->srv, c, 0, "no round_robin_upstreams: Stubby's default, 0");
		dst_buf_printf(&c->srv, "strategy = ordered\n");
	}
	if (!c->timeout_set) {
		dst_stubby__info(&c->srv, c, 0,
				 "no timeout: Stubby's default, 5000 (milliseconds)");
		dst_buf_printf(&c->srv, "query-timeout = 5s\n");
	}
#if DST_DNSSEC
	if (c->dnssec_on) {
		dst_stubby__info(&c->srv, c, c->dnssec_line,
				 "%s: GETDNS_EXTENSION_TRUE: dotstub validates DNSSEC itself (the "
				 "default), from the root's built-in trust anchors",
				 c->dnssec_key);
		dst_buf_printf(&c->srv, "dnssec = validate\n");
	} else {
		dst_buf_printf(
			&c->srv,
			"# dnssec = validate  (the default: Stubby did not validate, dotstub "
			"does;\n#  dnssec = off passes answers on unchecked, as Stubby did)\n");
	}
#else
	if (c->dnssec_on)
		note(&c->srv, c, c->dnssec_line,
		     "%s: GETDNS_EXTENSION_TRUE: Stubby validated DNSSEC; this dotstub was built "
		     "without validation (./configure --disable-dnssec), so answers are passed on "
		     "unchecked. Use upstreams that validate, or a dotstub built with it",
		     c->dnssec_key);
	dst_buf_printf(&c->srv, "# dnssec = off  (this dotstub was built without DNSSEC "
				"validation: --disable-dnssec)\n");
#endif

	if (!c->upstreams ||
	    c->upstreams->data.sequence.items.top == c->upstreams->data.sequence.items.start)
		note(&c->ups, c, 0,
		     "no upstream_recursive_servers: Stubby would use the network's "
		     "resolvers in clear text; dotstub needs at least one [upstream]");
	else {
		size_t total = (size_t)(c->upstreams->data.sequence.items.top -
					c->upstreams->data.sequence.items.start);
		for (size_t i = 0; i < total && !c->failed; i++)
			dst_stubby__one_upstream(
				c, dst_stubby__node(c, c->upstreams->data.sequence.items.start[i]),
				i, total);
	}
	if (c->failed)
		return;

	dst_buf_printf(out,
		       "# dotstub.conf converted from %s by \"dotstub import-stubby\".\n"
		       "# Each \"# %s:LINE:\" comment names the Stubby setting a line comes "
		       "from,\n# or one that has no equivalent in dotstub (%u here), and why.\n"
		       "\n[server]\n%s",
		       c->path, c->name, c->notes, c->srv.data ? c->srv.data : "");
	dst_buf_printf(out, "%s", c->ups.data ? c->ups.data : "");
}

int dst_stubby_convert(const char *name, const char *text, size_t len, struct dst_buf *out,
		       char *err, size_t errcap, unsigned *notes)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct conv *c;
	const char *slash = strrchr(name, '/');
	int r = 0;

	if (notes)
		*notes = 0;
	if (!yaml_parser_initialize(&parser))
		return DST_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		if (parser.error == YAML_MEMORY_ERROR) {
			r = DST_ENOMEM;
		} else {
			snprintf(err, errcap, "%s:%lu:%lu: malformed YAML: %s%s%s", name,
				 (unsigned long)parser.problem_mark.line + 1,
				 (unsigned long)parser.problem_mark.column + 1,
				 parser.problem ? parser.problem : "unknown problem",
				 parser.context ? " " : "", parser.context ? parser.context : "");
			r = DST_ECONFIG;
		}
		yaml_parser_delete(&parser);
		return r;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		r = DST_ENOMEM;
	} else {
		c->path = name;
		c->name = slash ? slash + 1 : name;
		c->doc = &doc;
		c->err = err;
		c->errcap = errcap;
		convert(c, out);
		if (c->failed)
			r = DST_ECONFIG;
		else if (c->srv.failed || c->ups.failed || out->failed)
			r = DST_ENOMEM;
		if (notes)
			*notes = c->notes;
		dst_buf_free(&c->srv);
		dst_buf_free(&c->ups);
		free(c);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}
