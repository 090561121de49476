/*
 * Signatures and key sets: an RRset checked against a DNSKEY set at a
 * given time, and a zone's DNSKEY set checked against its DS records (from
 * the parent's answer, or from a trust anchor). ldns parses the records
 * and writes their canonical form (canon.c); signatures and digests are
 * GnuTLS's (crypto.c), not libcrypto's (docs/design-decisions.md: memory);
 * the checks of time, tags, algorithms and the reasons given are ours.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/err.h"
#include "dns/dns.h"
#include "internal.h"

enum dst_val_status dst_val__set(struct dst_val_result *res, enum dst_val_status status,
				 const char *fmt, ...)
{
	va_list ap;

	res->status = status;
	res->need_len = 0;
	res->need_type = 0;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	return status;
}

enum dst_val_status dst_val__need(struct dst_val_result *res, const ldns_rdf *name, uint16_t type)
{
	char buf[256];
	size_t n = ldns_rdf_size(name);

	dst_val__set(res, DST_VAL_NEED, "need %s %s", dst_val__name(name, buf, sizeof(buf)),
		     type == DST_VAL_TYPE_DS ? "DS" : "DNSKEY");
	if (n > sizeof(res->need))
		n = sizeof(res->need);
	memcpy(res->need, ldns_rdf_data(name), n);
	for (size_t i = 0; i < n; i++)
		if (res->need[i] >= 'A' && res->need[i] <= 'Z')
			res->need[i] = (uint8_t)(res->need[i] + ('a' - 'A'));
	res->need_len = n;
	res->need_type = type;
	return DST_VAL_NEED;
}

static int rank(enum dst_val_status s)
{
	switch (s) {
	case DST_VAL_SECURE:
		return 0;
	case DST_VAL_INSECURE:
		return 1;
	case DST_VAL_NEED:
		return 2;
	case DST_VAL_BOGUS:
		return 3;
	}
	return 3;
}

void dst_val__merge(struct dst_val_result *acc, const struct dst_val_result *r)
{
	if (rank(r->status) > rank(acc->status))
		*acc = *r;
}

const char *dst_val_status_name(enum dst_val_status s)
{
	switch (s) {
	case DST_VAL_SECURE:
		return "secure";
	case DST_VAL_INSECURE:
		return "insecure";
	case DST_VAL_BOGUS:
		return "bogus";
	case DST_VAL_NEED:
		return "need";
	}
	return "?";
}

/* No allocation: every validation names what it checks (for a reason it may give). */
const char *dst_val__name(const ldns_rdf *name, char *buf, size_t n)
{
	char text[DST_DNS_NAME_TEXT_LEN];

	if (!name || ldns_rdf_get_type(name) != LDNS_RDF_TYPE_DNAME ||
	    !dst_dns_name_to_text(ldns_rdf_data(name), ldns_rdf_size(name), 0, text))
		snprintf(buf, n, "?");
	else
		snprintf(buf, n, "%s", text);
	return buf;
}

const char *dst_val__time(uint32_t t, int64_t now_s, char *buf, size_t n)
{
	/* RRSIG times are 32-bit serial numbers (RFC 4034 3.1.5): the one
	 * closest to now is meant. */
	int64_t full = now_s + (int32_t)(t - (uint32_t)now_s);
	time_t tt = (time_t)full;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, n, "%u", t);
	return buf;
}

/* RFC 8624's MUST/RECOMMENDED set for validation, minus SHA-1. */
bool dst_val__alg_supported(uint8_t alg)
{
	switch (alg) {
	case DST_VAL_ALG_RSASHA256:
	case DST_VAL_ALG_RSASHA512:
	case DST_VAL_ALG_ECDSAP256SHA256:
	case DST_VAL_ALG_ECDSAP384SHA384:
	case DST_VAL_ALG_ED25519:
#if DST_VAL_HAVE_ED448
	case DST_VAL_ALG_ED448:
#endif
		return true;
	default:
		return false;
	}
}

bool dst_val__digest_supported(uint8_t digest)
{
	return digest == DST_VAL_DIGEST_SHA256 || digest == DST_VAL_DIGEST_SHA384;
}

/* rrsig_of: the RRSIGs covering type instead of the records of type. */
static ldns_rr_list *pick(const ldns_rr_list *list, const ldns_rdf *owner, ldns_rr_type type,
			  bool rrsig_of)
{
	ldns_rr_list *out = NULL;

	for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++) {
		ldns_rr *rr = ldns_rr_list_rr(list, i);
		ldns_rr_type t = ldns_rr_get_type(rr);

		if (ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		if (rrsig_of) {
			ldns_rdf *covered = ldns_rr_rrsig_typecovered(rr);
			if (t != LDNS_RR_TYPE_RRSIG || !covered ||
			    ldns_rdf2rr_type(covered) != type)
				continue;
		} else if (t != type) {
			continue;
		}
		if (!out)
			out = ldns_rr_list_new();
		if (!out || !ldns_rr_list_push_rr(out, rr))
			break;
	}
	return out;
}

ldns_rr_list *dst_val__select(const ldns_rr_list *list, const ldns_rdf *owner, ldns_rr_type type)
{
	return pick(list, owner, type, false);
}

ldns_rr_list *dst_val__sigs(const ldns_rr_list *list, const ldns_rdf *owner, ldns_rr_type type)
{
	return pick(list, owner, type, true);
}

static uint16_t key_flags(const ldns_rr *key)
{
	ldns_rdf *f = ldns_rr_dnskey_flags(key);
	return f ? ldns_rdf2native_int16(f) : 0;
}

static uint8_t rdf_u8(const ldns_rdf *r)
{
	return r ? ldns_rdf2native_int8(r) : 0;
}

enum dst_val_status dst_val__verify(const struct dst_val_env *env, const ldns_rr_list *keys,
				    ldns_rr_list *rrset, const ldns_rr_list *sigs, uint8_t *labels,
				    const char *what, struct dst_val_result *res)
{
	int64_t now_s = env->now_s;
	char t[40];
	bool have_reason = false;
	bool any_supported = false;

	for (size_t i = 0; sigs && i < ldns_rr_list_rr_count(sigs); i++) {
		ldns_rr *sig = ldns_rr_list_rr(sigs, i);
		uint8_t alg = rdf_u8(ldns_rr_rrsig_algorithm(sig));
		ldns_rdf *tag_rdf = ldns_rr_rrsig_keytag(sig);
		ldns_rdf *inc_rdf = ldns_rr_rrsig_inception(sig);
		ldns_rdf *exp_rdf = ldns_rr_rrsig_expiration(sig);
		uint16_t tag;
		uint32_t inc, exp;
		bool key_found = false;
		ldns_buffer *data = NULL;
		const char *data_why = "";
		int data_rc = 0;

		if (!tag_rdf || !inc_rdf || !exp_rdf || ldns_rr_rd_count(sig) != 9)
			continue;
		if (!dst_val__alg_supported(alg))
			continue;
		any_supported = true;
		tag = ldns_rdf2native_int16(tag_rdf);
		inc = ldns_rdf2native_int32(inc_rdf);
		exp = ldns_rdf2native_int32(exp_rdf);
		/* Our own time check first, for a reason that says when. */
		if (!env->ignore_validity && (int32_t)(exp - (uint32_t)now_s) < 0) {
			if (!have_reason)
				dst_val__set(res, DST_VAL_BOGUS,
					     "signature expired at %s (key %u, %s)",
					     dst_val__time(exp, now_s, t, sizeof(t)), tag, what);
			have_reason = true;
			continue;
		}
		if (!env->ignore_validity && (int32_t)((uint32_t)now_s - inc) < 0) {
			if (!have_reason)
				dst_val__set(res, DST_VAL_BOGUS,
					     "signature not valid before %s (key %u, %s)",
					     dst_val__time(inc, now_s, t, sizeof(t)), tag, what);
			have_reason = true;
			continue;
		}
		for (size_t k = 0; keys && k < ldns_rr_list_rr_count(keys); k++) {
			ldns_rr *key = ldns_rr_list_rr(keys, k);
			ldns_rdf *pk = ldns_rr_dnskey_key(key), *sv = ldns_rr_rdf(sig, 8);
			const char *why = "";

			/* A key that is not a zone key (RFC 4034 2.1.1) signs nothing. */
			if (ldns_rr_get_type(key) != LDNS_RR_TYPE_DNSKEY ||
			    !(key_flags(key) & LDNS_KEY_ZONE_KEY) ||
			    rdf_u8(ldns_rr_dnskey_algorithm(key)) != alg ||
			    ldns_calc_keytag(key) != tag || !pk)
				continue;
			key_found = true;
			/* The signed bytes once per RRSIG, when a key may check it. */
			if (!data) {
				data = ldns_buffer_new(512);
				data_rc = data ? dst_val__signed_data(rrset, sig, data, &data_why)
					       : DST_ENOMEM;
			}
			if (data_rc < 0)
				why = data ? data_why : "out of memory";
			else if (!sv)
				why = "malformed RRSIG";
			else if (dst_val__sig_check(env->sigs, alg, ldns_rdf_data(pk),
						    ldns_rdf_size(pk), ldns_rdf_data(sv),
						    ldns_rdf_size(sv), ldns_buffer_begin(data),
						    ldns_buffer_position(data), &why) == 0) {
				ldns_buffer_free(data);
				*labels = rdf_u8(ldns_rr_rrsig_labels(sig));
				dst_val__set(res, DST_VAL_SECURE, "%s", "");
				return DST_VAL_SECURE;
			}
			if (!have_reason)
				dst_val__set(res, DST_VAL_BOGUS,
					     "signature does not verify (key %u, %s): %s", tag,
					     what, why);
			have_reason = true;
		}
		ldns_buffer_free(data);
		if (!key_found && !have_reason) {
			dst_val__set(res, DST_VAL_BOGUS,
				     "no DNSKEY with tag %u for the RRSIG of %s", tag, what);
			have_reason = true;
		}
	}
	if (!have_reason) {
		if (any_supported || !sigs)
			dst_val__set(res, DST_VAL_BOGUS, "no valid RRSIG for %s", what);
		else
			dst_val__set(res, DST_VAL_BOGUS,
				     "no RRSIG with an algorithm dotstub checks for %s", what);
	}
	return DST_VAL_BOGUS;
}

/* --- zone objects ------------------------------------------------------ */

struct dst_val_zone *dst_val__zone_new(const ldns_rdf *name, enum dst_val_status status, bool cut,
				       ldns_rr_list *keys, uint32_t ttl, const char *why)
{
	struct dst_val_zone *z = calloc(1, sizeof(*z));

	if (!z)
		return NULL;
	z->name = ldns_rdf_clone(name);
	if (!z->name) {
		free(z);
		return NULL;
	}
	ldns_dname2canonical(z->name);
	/* A bogus zone is asked again soon (it may be fixed; Unbound's
	 * val-bogus-ttl is 60 s too); nothing is kept longer than a day. */
	if (status == DST_VAL_BOGUS && ttl > DST_VAL_BOGUS_TTL)
		ttl = DST_VAL_BOGUS_TTL;
	if (ttl > DST_VAL_MAX_TTL)
		ttl = DST_VAL_MAX_TTL;
	z->status = status;
	z->cut = cut;
	z->keys = keys;
	z->ttl = ttl;
	snprintf(z->why, sizeof(z->why), "%s", why ? why : "");
	return z;
}

void dst_val_zone_free(struct dst_val_zone *z)
{
	if (!z)
		return;
	ldns_rdf_deep_free(z->name);
	ldns_rr_list_deep_free(z->keys);
	free(z);
}

enum dst_val_status dst_val_zone_status(const struct dst_val_zone *z)
{
	return z->status;
}

bool dst_val_zone_is_cut(const struct dst_val_zone *z)
{
	return z->cut;
}

const char *dst_val_zone_why(const struct dst_val_zone *z)
{
	return z->why;
}

const uint8_t *dst_val_zone_name(const struct dst_val_zone *z, size_t *len)
{
	*len = ldns_rdf_size(z->name);
	return ldns_rdf_data(z->name);
}

unsigned dst_val_zone_unmatched_trust(const struct dst_val_zone *z)
{
	return z->status == DST_VAL_SECURE ? z->unmatched_trust : 0;
}

uint32_t dst_val_zone_ttl(const struct dst_val_zone *z)
{
	return z->ttl;
}

/* An ldns name or rdata field: the struct and its bytes. */
static size_t rdf_bytes(const ldns_rdf *r)
{
	return r ? sizeof(ldns_rdf) + ldns_rdf_size(r) : 0;
}

size_t dst_val__zone_bytes(const struct dst_val_zone *z)
{
	size_t n = sizeof(*z) + rdf_bytes(z->name);

	if (!z->keys)
		return n;
	n += sizeof(ldns_rr_list) + ldns_rr_list_rr_count(z->keys) * sizeof(ldns_rr *);
	for (size_t i = 0; i < ldns_rr_list_rr_count(z->keys); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(z->keys, i);

		n += sizeof(ldns_rr) + rdf_bytes(ldns_rr_owner(rr));
		for (size_t f = 0; f < ldns_rr_rd_count(rr); f++)
			n += sizeof(ldns_rdf *) + rdf_bytes(ldns_rr_rdf(rr, f));
	}
	return n;
}

const struct dst_val_zone *dst_val__lookup(const struct dst_val_env *env, const ldns_rdf *name)
{
	const struct dst_val_zone *z;
	ldns_rdf *c;

	if (!env->lookup)
		return NULL;
	c = ldns_rdf_clone(name);
	if (!c)
		return NULL;
	ldns_dname2canonical(c);
	z = env->lookup(env->arg, ldns_rdf_data(c), ldns_rdf_size(c));
	ldns_rdf_deep_free(c);
	return z;
}

/* --- a zone's key set ---------------------------------------------------- */

static uint32_t min_ttl(const ldns_rr_list *l, uint32_t ttl)
{
	for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_ttl(ldns_rr_list_rr(l, i)) < ttl)
			ttl = ldns_rr_ttl(ldns_rr_list_rr(l, i));
	return ttl;
}

/* Does key match trust record tr (a DS with a supported digest, or the
 * same DNSKEY)? */
static bool key_matches(const ldns_rr *key, const ldns_rr *tr)
{
	/* A DNSKEY anchor: the same flags, protocol, algorithm and key (the
	 * owner is the zone both were picked for). */
	if (ldns_rr_get_type(tr) == LDNS_RR_TYPE_DNSKEY) {
		if (ldns_rr_rd_count(key) != 4 || ldns_rr_rd_count(tr) != 4)
			return false;
		for (size_t i = 0; i < 4; i++)
			if (ldns_rdf_compare(ldns_rr_rdf(key, i), ldns_rr_rdf(tr, i)) != 0)
				return false;
		return true;
	}
	if (ldns_rr_rd_count(tr) != 4)
		return false;
	uint16_t tag = ldns_rdf2native_int16(ldns_rr_rdf(tr, 0));
	uint8_t alg = rdf_u8(ldns_rr_rdf(tr, 1));
	uint8_t digest = rdf_u8(ldns_rr_rdf(tr, 2));
	if (ldns_calc_keytag(key) != tag || rdf_u8(ldns_rr_dnskey_algorithm(key)) != alg)
		return false;
	/* RFC 4034 5.1.4: the digest of the owner (canonical) and the RDATA. */
	ldns_buffer *b = ldns_buffer_new(512);
	uint8_t d[48];
	size_t dlen = 0;
	bool same = false;

	if (!b)
		return false;
	ldns_rdf2buffer_wire_canonical(b, ldns_rr_owner(key));
	for (size_t i = 0; i < ldns_rr_rd_count(key); i++)
		ldns_rdf2buffer_wire(b, ldns_rr_rdf(key, i));
	if (ldns_buffer_status_ok(b) &&
	    dst_val__digest(digest, ldns_buffer_begin(b), ldns_buffer_position(b), d, &dlen) == 0)
		same = ldns_rdf_size(ldns_rr_rdf(tr, 3)) == dlen &&
		       memcmp(ldns_rdf_data(ldns_rr_rdf(tr, 3)), d, dlen) == 0;
	ldns_buffer_free(b);
	return same;
}

static bool trust_usable(const ldns_rr *tr)
{
	if (ldns_rr_get_type(tr) == LDNS_RR_TYPE_DNSKEY)
		return dst_val__alg_supported(rdf_u8(ldns_rr_dnskey_algorithm(tr)));
	return ldns_rr_rd_count(tr) == 4 && dst_val__alg_supported(rdf_u8(ldns_rr_rdf(tr, 1))) &&
	       dst_val__digest_supported(rdf_u8(ldns_rr_rdf(tr, 2)));
}

/*
 * The DNSKEY answer checked against trust (DS or DNSKEY records): a
 * secure zone with the whole DNSKEY set, or a bogus one with why.
 */
static int keys_from_trust(const struct dst_val_env *env, const ldns_rdf *zone,
			   const ldns_rr_list *trust, uint32_t ttl, const uint8_t *wire, size_t len,
			   struct dst_val_zone **out, struct dst_val_result *res)
{
	char zn[256], what[300];
	ldns_pkt *pkt = NULL;
	ldns_rr_list *dnskeys = NULL, *sigs = NULL, *trusted = NULL, *keys = NULL;
	uint8_t labels;
	size_t usable = 0;
	unsigned unmatched = 0;
	int rc = 0;

	dst_val__name(zone, zn, sizeof(zn));
	for (size_t i = 0; i < ldns_rr_list_rr_count(trust); i++)
		usable += trust_usable(ldns_rr_list_rr(trust, i));
	if (usable == 0) {
		dst_val__set(res, DST_VAL_INSECURE,
			     "the DS records of %s use only algorithms or digests dotstub cannot "
			     "check (RFC 6840 5.2)",
			     zn);
		goto zone;
	}
	if (!wire) {
		dst_val__need(res, zone, DST_VAL_TYPE_DNSKEY);
		return 0;
	}
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK) {
		dst_val__set(res, DST_VAL_BOGUS, "malformed DNSKEY answer for %s", zn);
		goto zone;
	}
	dnskeys = dst_val__select(ldns_pkt_answer(pkt), zone, LDNS_RR_TYPE_DNSKEY);
	sigs = dst_val__sigs(ldns_pkt_answer(pkt), zone, LDNS_RR_TYPE_DNSKEY);
	if (!dnskeys) {
		dst_val__set(res, DST_VAL_BOGUS, "no DNSKEY records for %s", zn);
		goto zone;
	}
	trusted = ldns_rr_list_new();
	if (!trusted) {
		rc = DST_ENOMEM;
		goto done;
	}
	for (size_t k = 0; k < ldns_rr_list_rr_count(dnskeys); k++) {
		ldns_rr *key = ldns_rr_list_rr(dnskeys, k);
		for (size_t i = 0; i < ldns_rr_list_rr_count(trust); i++) {
			ldns_rr *tr = ldns_rr_list_rr(trust, i);
			if (trust_usable(tr) && key_matches(key, tr)) {
				ldns_rr_list_push_rr(trusted, key);
				break;
			}
		}
	}
	if (ldns_rr_list_rr_count(trusted) == 0) {
		dst_val__set(res, DST_VAL_BOGUS, "no DNSKEY matches DS for %s", zn);
		goto zone;
	}
	/* A usable DS (or anchor) that matches no key: a rollover underway, or anchors out of date. */
	for (size_t i = 0; i < ldns_rr_list_rr_count(trust); i++) {
		ldns_rr *tr = ldns_rr_list_rr(trust, i);
		bool matched = false;
		for (size_t k = 0; k < ldns_rr_list_rr_count(dnskeys) && !matched; k++)
			matched = key_matches(ldns_rr_list_rr(dnskeys, k), tr);
		unmatched += trust_usable(tr) && !matched;
	}
	snprintf(what, sizeof(what), "%s DNSKEY", zn);
	if (dst_val__verify(env, trusted, dnskeys, sigs, &labels, what, res) != DST_VAL_SECURE) {
		/* res says why */
		goto zone;
	}
	keys = ldns_rr_list_clone(dnskeys);
	if (!keys) {
		rc = DST_ENOMEM;
		goto done;
	}
	ttl = min_ttl(dnskeys, ttl);
	/* Not kept past the first of the DNSKEY signatures to expire. */
	for (size_t i = 0; sigs && i < ldns_rr_list_rr_count(sigs); i++) {
		ldns_rdf *e = ldns_rr_rrsig_expiration(ldns_rr_list_rr(sigs, i));
		int32_t left = e ? (int32_t)(ldns_rdf2native_int32(e) - (uint32_t)env->now_s) : 0;
		if (left > 0 && (uint32_t)left < ttl)
			ttl = (uint32_t)left;
	}
	dst_val__set(res, DST_VAL_SECURE, "%s", "");
zone:
	*out = dst_val__zone_new(zone, res->status, true, keys, ttl,
				 res->status == DST_VAL_SECURE ? "" : res->why);
	if (!*out) {
		ldns_rr_list_deep_free(keys);
		rc = DST_ENOMEM;
	} else if (res->status == DST_VAL_SECURE) {
		(*out)->unmatched_trust = unmatched;
	}
done:
	ldns_rr_list_free(dnskeys);
	ldns_rr_list_free(sigs);
	ldns_rr_list_free(trusted);
	ldns_pkt_free(pkt);
	return rc;
}

/* A name's nearest ancestor (or itself) with a trust anchor. */
static bool anchored_above(const struct dst_val_anchors *ta, const ldns_rdf *name)
{
	ldns_rdf *n = ldns_rdf_clone(name);
	bool found = false;

	for (int i = 0; n && i < DST_VAL_MAX_LABELS && !found; i++) {
		ldns_rr_list *l = dst_val__anchors_for(ta, n);
		ldns_rdf *up;

		found = l != NULL;
		ldns_rr_list_free(l);
		if (ldns_dname_label_count(n) == 0)
			break;
		up = ldns_dname_left_chop(n);
		ldns_rdf_deep_free(n);
		n = up;
	}
	ldns_rdf_deep_free(n);
	return found;
}

int dst_val_zone_build(const struct dst_val_env *env, const uint8_t *zone_wire, size_t zone_len,
		       const uint8_t *ds_wire, size_t ds_len, const uint8_t *dnskey_wire,
		       size_t dnskey_len, struct dst_val_zone **out, struct dst_val_result *res)
{
	ldns_rdf *zone = NULL;
	ldns_rr_list *anchors = NULL;
	ldns_pkt *pkt = NULL;
	struct dst_val_outcome oc = {0};
	char zn[256];
	size_t pos = 0;
	int rc = 0;

	*out = NULL;
	memset(res, 0, sizeof(*res));
	if (ldns_wire2dname(&zone, zone_wire, zone_len, &pos) != LDNS_STATUS_OK || pos != zone_len)
		return DST_EINVAL;
	ldns_dname2canonical(zone);
	dst_val__name(zone, zn, sizeof(zn));

	anchors = dst_val__anchors_for(env->anchors, zone);
	if (anchors) {
		rc = keys_from_trust(env, zone, anchors, UINT32_MAX, dnskey_wire, dnskey_len, out,
				     res);
		goto done;
	}
	if (!anchored_above(env->anchors, zone)) {
		dst_val__set(res, DST_VAL_INSECURE, "no trust anchor at or above %s", zn);
		goto make;
	}
	if (!ds_wire) {
		dst_val__need(res, zone, DST_VAL_TYPE_DS);
		goto done;
	}
	if (ldns_wire2pkt(&pkt, ds_wire, ds_len) != LDNS_STATUS_OK) {
		dst_val__set(res, DST_VAL_BOGUS, "malformed DS answer for %s", zn);
		goto make;
	}
	rc = dst_val__answer_pkt(env, zone, LDNS_RR_TYPE_DS, pkt, &oc, res);
	if (rc < 0 || res->status == DST_VAL_NEED)
		goto done;
	if (res->status == DST_VAL_BOGUS)
		goto make; /* why names the record that failed */
	if (res->status == DST_VAL_INSECURE)
		goto make;
	if (oc.negative) {
		/* Proven: no DS here. A delegation (NS without SOA in the NSEC
		 * bitmap) is an unsigned zone; anything else is no cut at all. */
		if (oc.nodata_ns || oc.optout) {
			dst_val__set(res, DST_VAL_INSECURE, "no DS for %s in its parent%s", zn,
				     oc.optout ? " (NSEC3 opt-out)" : " (proven unsigned)");
			goto make;
		}
		dst_val__set(res, DST_VAL_INSECURE, "%s is not a zone cut", zn);
		*out = dst_val__zone_new(zone, DST_VAL_INSECURE, false, NULL,
					 min_ttl(ldns_pkt_authority(pkt), UINT32_MAX), res->why);
		rc = *out ? 0 : DST_ENOMEM;
		goto done;
	}
	rc = keys_from_trust(env, zone, oc.final, min_ttl(oc.final, UINT32_MAX), dnskey_wire,
			     dnskey_len, out, res);
	goto done;
make:
	*out = dst_val__zone_new(zone, res->status, true, NULL,
				 pkt ? min_ttl(ldns_pkt_authority(pkt), UINT32_MAX) : 3600,
				 res->status == DST_VAL_SECURE ? "" : res->why);
	rc = *out ? 0 : DST_ENOMEM;
done:
	ldns_rr_list_free(oc.final);
	ldns_rr_list_free(anchors);
	ldns_pkt_free(pkt);
	ldns_rdf_deep_free(zone);
	return rc;
}
