/*
 * The effective configuration, printed in the file's syntax (config.h:
 * dst_config_print), for "dotstub -t -v" and the control socket's "config".
 *
 * It walks the key table, so a new key prints with no change here unless
 * it brings a new value type. Every value is written in a form its parser
 * takes back to the same field: numbers in the largest unit that divides
 * them exactly, addresses and networks in their canonical text, pins in
 * base64, words and strings as they are. A list prints one line per
 * element, allow and deny together in their file order. A key without a
 * value (an unset path, an empty list) prints as a comment line, so the
 * output parses back into an equivalent configuration.
 *
 * Each line ends with where its setting came from ("# default",
 * "# FILE:LINE"). A parsed value never holds " #" (the parser cut its line
 * there), so the comment cannot swallow part of it.
 */
#include "config/internal.h"
#include "dns/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLUMN 38     /* "key = value" is padded to this width before its origin */
#define MAX_TEXT 4200 /* "key = value": a value fits a line of the file */

struct out {
	const struct dst_config *cfg;
	size_t zone; /* the [zone] being printed, an index into cfg->zones */
	const char *file;
	dst_config_line_cb line;
	void *arg;
	char *text; /* MAX_TEXT bytes */
	char *buf;  /* a whole output line */
	size_t size;
};

static void emit(struct out *o, const char *text, struct origin og)
{
	if (og.src == ORIGIN_FILE)
		snprintf(o->buf, o->size, "%-*s  # %s:%u", COLUMN, text, o->file, og.line);
	else
		snprintf(o->buf, o->size, "%-*s  # default", COLUMN, text);
	o->line(o->arg, o->buf);
}

/*
 * The note of a key without a value. Most are fixed (the key table's);
 * those of the DNSSEC keys say what the rest of the configuration makes of
 * them, so that dotstub -t -v shows where validation is on.
 */
static const char *unset_note(const struct out *o, const struct key *k)
{
	const struct dst_config *cfg = o->cfg;

	if (k->parse == dst_config__add_trust_anchor &&
	    (!cfg->dnssec_validate || cfg->trust_anchor_file))
		return cfg->dnssec_validate ? "(none: the records of trust-anchor-file)"
					    : "(none: dnssec = off)";
	if (k->parse == dst_config__set_dnssec && k->sec == SEC_ZONE) {
		if (!cfg->dnssec_validate)
			return "(not set: not validated, as [server] dnssec = off)";
		if (!dst_config_zone_validates(cfg, (uint32_t)o->zone))
			return "(not set: not validated, as every upstream of the zone has "
			       "transport = dns)";
		return "(not set: validated, as [server] dnssec = validate)";
	}
	return k->unset ? k->unset : "(not set)";
}

/* "key = value", or the key's note as a comment when it has no value. */
static void setting(struct out *o, const char *name, const char *val, const struct key *k,
		    struct origin og)
{
	if (val)
		snprintf(o->text, MAX_TEXT, "%s = %s", name, val);
	else
		snprintf(o->text, MAX_TEXT, "# %s = %s", name, unset_note(o, k));
	emit(o, o->text, og);
}

static struct origin key_origin(const struct dst_config_origins *og, const struct key *k)
{
	return og ? og->key[k - dst_config__keys] : (struct origin){0};
}

/*
 * A repeatable key: every element of its list, when k is the list's slot
 * (allow, for the allow and deny lines that share one list), and a note
 * when the list holds none of k's own.
 */
static void print_list(struct out *o, const struct key *k, const char *base,
		       const struct dst_config_origins *og)
{
	size_t n = *(const size_t *)(base + k->off_n), slot = dst_config__slot(k), mine = 0;
	const struct origin *elem = og ? og->elem[slot] : NULL;
	char pin[2 * DST_CONFIG_PIN_LEN];
	const char *arr;

	memcpy(&arr, base + k->off, sizeof arr);
	for (size_t i = 0; i < n; i++) {
		const char *name = k->name, *val;

		if (k->parse == dst_config__add_addr) {
			val = ((const struct dst_config_addr *)(const void *)arr)[i].text;
		} else if (k->parse == dst_config__add_path) {
			val = ((char *const *)(const void *)arr)[i];
		} else if (k->parse == dst_config__add_pin) {
			dst_config__base64_encode((const uint8_t *)arr + i * DST_CONFIG_PIN_LEN,
						  DST_CONFIG_PIN_LEN, pin);
			val = pin;
		} else if (k->parse == dst_config__add_upstream_name) {
			val = ((char *const *)(const void *)arr)[i];
		} else if (k->parse == dst_config__add_trust_anchor) {
			val = ((const struct dst_config_trust_anchor *)(const void *)arr)[i].text;
		} else {
			const struct dst_config_net *net = (const void *)arr;

			val = net[i].text;
			name = net[i].deny ? "deny" : "allow";
		}
		mine += strcmp(name, k->name) == 0;
		if (&dst_config__keys[slot] == k)
			setting(o, name, val, k, elem ? elem[i] : (struct origin){0});
	}
	if (mine == 0)
		setting(o, k->name, NULL, k, key_origin(og, k));
}

static void print_key(struct out *o, const struct key *k, const char *base,
		      const struct dst_config_origins *og)
{
	const void *field = base + k->off;
	char val[300], num[32];
	const char *v;

	if (k->repeatable) {
		print_list(o, k, base, og);
		return;
	}
	if (k->parse == dst_config__set_number) {
		uint64_t n = k->units == dst_config__size_units
				     ? *(const uint64_t *)field
				     : (uint64_t) * (const uint32_t *)field * k->div;
		v = dst_config__fmt_scaled(num, n, k->units);
	} else if (k->parse == dst_config__set_choice) {
		v = k->choices[*(const uint8_t *)field];
	} else if (k->parse == dst_config__set_bool) {
		v = *(const bool *)field ? "yes" : "no";
	} else if (k->parse == dst_config__set_dnssec && k->sec == SEC_SERVER) {
		v = *(const bool *)field ? "validate" : "off";
	} else if (k->parse == dst_config__set_dnssec) {
		uint8_t d = *(const uint8_t *)field;
		v = d == DST_CONFIG_ZONE_DNSSEC_OFF        ? "off"
		    : d == DST_CONFIG_ZONE_DNSSEC_VALIDATE ? "validate"
							   : NULL;
	} else if (k->parse == dst_config__set_loopback_addr) {
		const struct dst_config_addr *a = field;
		v = a->len ? a->text : NULL;
	} else if (k->parse == dst_config__set_host_port) {
		const char *host = *(char *const *)field;
		snprintf(val, sizeof val, "%s:%u", host ? host : "",
			 *(const uint16_t *)(base + k->off_n));
		v = host ? val : NULL;
	} else {
		v = *(char *const *)field; /* names, paths, users: as parsed */
	}
	setting(o, k->name, v, k, key_origin(og, k));
}

/* The keys of one section, in table order. */
static void print_section(struct out *o, enum sec sec, const char *base,
			  const struct dst_config_origins *og)
{
	for (size_t i = 0; i < dst_config__nkeys; i++)
		if (dst_config__keys[i].sec == sec)
			print_key(o, &dst_config__keys[i], base, og);
}

int dst_config_print(const struct dst_config *cfg, dst_config_line_cb line, void *arg)
{
	struct out o = {
		.cfg = cfg, .file = cfg->file ? cfg->file : "<built-in>", .line = line, .arg = arg};

	o.size = MAX_TEXT + COLUMN + strlen(o.file) + 32;
	if (!(o.text = malloc(MAX_TEXT + o.size)))
		return DST_ENOMEM;
	o.buf = o.text + MAX_TEXT;
	line(arg, "[server]");
	print_section(&o, SEC_SERVER, (const char *)cfg, cfg->origins);
	line(arg, "");
	line(arg, "[cache]");
	print_section(&o, SEC_CACHE, (const char *)cfg, cfg->origins);
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		const struct dst_config_upstream *u = &cfg->upstreams[i];

		line(arg, "");
		snprintf(o.text, MAX_TEXT, "[upstream %s]", u->name);
		emit(&o, o.text,
		     (struct origin){.line = u->line,
				     .src = u->line ? ORIGIN_FILE : ORIGIN_DEFAULT});
		print_section(&o, SEC_UPSTREAM, (const char *)u, u->origins);
	}
	for (size_t i = 0; i < cfg->nzones; i++) {
		const struct dst_config_zone *z = &cfg->zones[i];

		o.zone = i;
		line(arg, "");
		snprintf(o.text, MAX_TEXT, "[zone %s]", z->name);
		emit(&o, o.text,
		     (struct origin){.line = z->line,
				     .src = z->line ? ORIGIN_FILE : ORIGIN_DEFAULT});
		print_section(&o, SEC_ZONE, (const char *)z, z->origins);
	}
	free(o.text);
	return 0;
}
