/*
 * import-stubby: one entry of upstream_recursive_servers as a dotstub
 * [upstream] section (address and port, tls-name, pins, ca-file and
 * idle-timeout from the top level), or as comments where it cannot be.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/cli/stubby.h"
#include "resolver/cli/stubby_internal.h"

/* Stubby keys with no equivalent, and why; the value is named in the comment. */
static const struct {
	const char *key, *why;
} no_equivalent[] = {
	{"tls_ca_path", "dotstub reads one PEM file, not a directory: the system trust store is "
			"used; put other CAs in one file and set ca-file in the [upstream]"},
	{"tls_connection_retries", "dotstub leaves an upstream out at its first failure and "
				   "probes it again after 1s, 2s, 4s... up to max-backoff"},
	{"tls_backoff_time", "dotstub probes a failing upstream again after 1s, 2s, 4s... up "
			     "to max-backoff (default 5m), instead of leaving it alone this long"},
	{"limit_outstanding_queries", "the nearest is max-pending (queries waiting for an "
				      "upstream; beyond it a miss gets SERVFAIL)"},
	{"tls_cipher_list", "dotstub uses GnuTLS's NORMAL ciphers, not settable"},
	{"tls_ciphersuites", "dotstub uses GnuTLS's NORMAL ciphers, not settable"},
	{"tls_min_version", "dotstub uses TLS 1.2 and 1.3, not settable"},
	{"tls_max_version", "dotstub uses TLS 1.2 and 1.3, not settable"},
	{"dnssec_trust_anchors", "dotstub does not validate DNSSEC yet"},
	{"appdata_dir", "dotstub keeps no files (it fetches no trust anchor)"},
	{"trust_anchors_backoff_time", "dotstub does not validate DNSSEC yet"},
	{"trust_anchors_url", "dotstub does not validate DNSSEC yet"},
	{"trust_anchors_verify_CA", "dotstub does not validate DNSSEC yet"},
	{"trust_anchors_verify_email", "dotstub does not validate DNSSEC yet"},
	{"dnssec_allowed_skew", "dotstub does not validate DNSSEC yet"},
	{"edns_maximum_udp_payload_size", "dotstub sets the payload size itself"},
	{"edns_do_bit", "dotstub copies the client's DO bit"},
};

const char *dst_stubby__no_equivalent(const char *key)
{
	for (size_t i = 0; i < sizeof(no_equivalent) / sizeof(no_equivalent[0]); i++)
		if (strcmp(key, no_equivalent[i].key) == 0)
			return no_equivalent[i].why;
	return NULL;
}

/* --- upstreams ------------------------------------------------------------ */

/* A unique section name from the TLS name or the address. */
static void upstream_name(struct conv *c, const char *from, char out[64])
{
	char base[64];
	size_t n = 0;

	for (const char *p = from; *p && n < 56; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-')
			base[n++] = *p;
		else if (*p == ':')
			base[n++] = '-';
	}
	if (n == 0)
		base[n++] = 'u';
	base[n] = '\0';
	snprintf(out, 64, "%s", base);
	/* At most MAX_UPSTREAMS names exist, so a free suffix is found below 100. */
	for (unsigned k = 2; k < 100; k++) {
		bool taken = false;
		for (size_t i = 0; i < c->nnames; i++)
			taken |= strcmp(c->names[i], out) == 0;
		if (!taken)
			break;
		snprintf(out, 64, "%.56s-%u", base, k);
	}
	if (c->nnames < MAX_UPSTREAMS)
		snprintf(c->names[c->nnames++], 64, "%s", out);
}

struct upstream {
	const char *address, *tls_port, *tls_name;
	unsigned long address_line, port_line, name_line;
	struct dst_buf pins; /* "pin-sha256 = ..." lines */
	char pin_seen[16][48];
	size_t npins;
};

static void add_pins(struct conv *c, struct upstream *u, struct dst_buf *b, yaml_node_t *v)
{
	char why[512];

	if (!dst_stubby__is_list(c, v, "tls_pubkey_pinset", "[{digest: sha256, value: BASE64}]"))
		return;
	for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
	     i++) {
		yaml_node_t *p = dst_stubby__node(c, *i), *dv = NULL, *vv = NULL;
		if (p->type != YAML_MAPPING_NODE) {
			dst_stubby__fail(c, p,
					 "tls_pubkey_pinset: expected a mapping like "
					 "{digest: sha256, value: BASE64}");
			return;
		}
		for (yaml_node_pair_t *q = p->data.mapping.pairs.start;
		     q < p->data.mapping.pairs.top; q++) {
			const char *k = dst_stubby__scalar(c, dst_stubby__node(c, q->key),
							   "tls_pubkey_pinset");
			if (!k)
				return;
			if (strcmp(k, "digest") == 0)
				dv = dst_stubby__node(c, q->value);
			else if (strcmp(k, "value") == 0)
				vv = dst_stubby__node(c, q->value);
			else
				note(b, c, dst_stubby__line_of(dst_stubby__node(c, q->key)),
				     "tls_pubkey_pinset: %s: not converted: unknown key", k);
		}
		const char *d = dv ? dst_stubby__scalar(c, dv, "digest") : "sha256";
		const char *val = vv ? dst_stubby__scalar(c, vv, "value") : NULL;
		if (c->failed || !d)
			return;
		if (!val) {
			note(b, c, dst_stubby__line_of(p),
			     "tls_pubkey_pinset: an entry without a value");
			continue;
		}
		if (strcmp(d, "sha256") != 0) {
			note(b, c, dst_stubby__line_of(p),
			     "tls_pubkey_pinset: digest %s not converted: dotstub pins are SHA-256",
			     d);
			continue;
		}
		if (!dst_stubby__value_ok(false, "pin-sha256", val, why, sizeof(why))) {
			note(b, c, dst_stubby__line_of(vv),
			     "tls_pubkey_pinset: %s not converted: %s", val, why);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < u->npins; j++)
			dup |= strcmp(u->pin_seen[j], val) == 0;
		if (dup || u->npins == 16) {
			dst_stubby__info(
				b, c, dst_stubby__line_of(vv), "tls_pubkey_pinset: %s %s", val,
				dup ? "is listed twice" : "not converted: more than 16 pins");
			continue;
		}
		snprintf(u->pin_seen[u->npins++], sizeof(u->pin_seen[0]), "%s", val);
		dst_buf_printf(&u->pins, "pin-sha256 = %s\n", val);
	}
}

/* "9.9.9.9" and tls_port into "9.9.9.9:853" or "[2620:fe::fe]:853"; false if not an IP. */
static bool upstream_address(const char *addr, const char *port, char *out, size_t cap)
{
	unsigned char bin[16];
	bool v6 = strchr(addr, ':') != NULL;

	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
		return false;
	snprintf(out, cap, v6 ? "[%s]:%s" : "%s:%s", addr, port ? port : "853");
	return true;
}

void dst_stubby__one_upstream(struct conv *c, yaml_node_t *e, size_t index, size_t total)
{
	struct upstream u = {0};
	struct dst_buf body = {0}, notes = {0};
	char addr[128], why[512], name[64];
	bool usable = true;

	if (e->type != YAML_MAPPING_NODE) {
		dst_stubby__fail(c, e,
				 "upstream_recursive_servers: expected a mapping like "
				 "{address_data: 9.9.9.9, tls_auth_name: dns.quad9.net}");
		return;
	}
	for (yaml_node_pair_t *q = e->data.mapping.pairs.start; q < e->data.mapping.pairs.top;
	     q++) {
		yaml_node_t *kn = dst_stubby__node(c, q->key), *v = dst_stubby__node(c, q->value);
		const char *k = dst_stubby__scalar(c, kn, "upstream_recursive_servers");
		if (!k)
			goto out;
		if (strcmp(k, "tls_pubkey_pinset") == 0) {
			add_pins(c, &u, &notes, v);
		} else if (strcmp(k, "address_data") == 0) {
			u.address = dst_stubby__scalar(c, v, k);
			u.address_line = dst_stubby__line_of(v);
		} else if (strcmp(k, "tls_port") == 0) {
			u.tls_port = dst_stubby__scalar(c, v, k);
			u.port_line = dst_stubby__line_of(v);
		} else if (strcmp(k, "tls_auth_name") == 0) {
			u.tls_name = dst_stubby__scalar(c, v, k);
			u.name_line = dst_stubby__line_of(v);
		} else if (strcmp(k, "port") == 0) {
			dst_stubby__info(
				&notes, c, dst_stubby__line_of(v),
				"port: %s: the clear-text port, unused: dotstub speaks DoT only",
				dst_stubby__shown(v));
		} else {
			const char *reason = dst_stubby__no_equivalent(k);
			if (reason)
				note(&notes, c, dst_stubby__line_of(v), "%s: %s: not converted: %s",
				     k, dst_stubby__shown(v), reason);
			else
				note(&notes, c, dst_stubby__line_of(v),
				     "%s: %s: not converted: dotstub has no such upstream setting",
				     k, dst_stubby__shown(v));
		}
		if (c->failed)
			goto out;
	}

	if (!u.address) {
		note(&notes, c, dst_stubby__line_of(e),
		     "no address_data: dotstub needs an IP address");
		usable = false;
	} else if (!upstream_address(u.address, u.tls_port, addr, sizeof(addr))) {
		note(&notes, c, u.address_line,
		     "address_data: %s: not converted: dotstub needs an IP address (no host "
		     "names, no %%interface)",
		     u.address);
		usable = false;
	} else if (!dst_stubby__value_ok(false, "address", addr, why, sizeof(why))) {
		note(&notes, c, u.port_line ? u.port_line : u.address_line,
		     "address_data: %s, tls_port: %s: not converted: %s", u.address,
		     u.tls_port ? u.tls_port : "853", why);
		usable = false;
	} else {
		dst_buf_printf(&body, "address = %s\n", addr);
	}
	bool named = false;
	if (u.tls_name) {
		if (dst_stubby__value_ok(false, "tls-name", u.tls_name, why, sizeof(why))) {
			dst_buf_printf(&body, "tls-name = %s\n", u.tls_name);
			named = true;
		} else {
			note(&notes, c, u.name_line, "tls_auth_name: \"%s\" not converted: %s",
			     u.tls_name, why);
		}
	}
	if (u.pins.len)
		dst_buf_printf(&body, "%s", u.pins.data);
	if (!named && u.npins == 0) {
		note(&notes, c, dst_stubby__line_of(e),
		     "this upstream has no usable tls_auth_name or tls_pubkey_pinset: Stubby "
		     "would use it without authentication, dotstub never does; add tls-name "
		     "or pin-sha256 to use it");
		usable = false;
	}
	if (named && c->ca_file[0])
		dst_buf_printf(&body, "ca-file = %s\n", c->ca_file);
	if (c->idle_timeout[0])
		dst_buf_printf(&body, "idle-timeout = %s\n", c->idle_timeout);
	if (usable && c->nconverted == MAX_UPSTREAMS) {
		note(&notes, c, dst_stubby__line_of(e),
		     "not converted: dotstub takes at most 64 upstreams");
		usable = false;
	}

	upstream_name(c, named ? u.tls_name : (u.address ? u.address : "u"), name);
	dst_buf_printf(&c->ups, "\n");
	dst_stubby__info(&c->ups, c, dst_stubby__line_of(e),
			 "upstream_recursive_servers, entry %zu of %zu", index + 1, total);
	if (notes.len)
		dst_buf_printf(&c->ups, "%s", notes.data);
	if (usable) {
		c->nconverted++;
		dst_buf_printf(&c->ups, "[upstream %s]\n%s", name, body.data ? body.data : "");
	} else {
		/* The section as it would be, commented out, for the reader to complete. */
		dst_buf_printf(&c->ups, "# [upstream %s]\n", name);
		for (char *l = body.data, *nl; l && *l; l = nl + 1) {
			nl = strchr(l, '\n');
			dst_buf_printf(&c->ups, "# %.*s\n", (int)(nl - l), l);
		}
	}
out:
	dst_buf_free(&u.pins);
	dst_buf_free(&body);
	dst_buf_free(&notes);
}
