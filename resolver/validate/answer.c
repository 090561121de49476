/*
 * The answer validator: an RRset at a time along the CNAME chain, each
 * checked with the keys of the zone that signed it (the RRSIG's signer
 * name is the zone cut); unsigned data is insecure only where a zone on
 * its path is proven unsigned. What is missing is asked for (NEED) rather
 * than assumed, so the caller drives the walk down from the trust anchor.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "internal.h"

static void what_of(const ldns_rdf *owner, ldns_rr_type type, char *buf, size_t n)
{
	char name[256], t[DST_DNS_TEXT_LEN];

	snprintf(buf, n, "%s %s", dst_val__name(owner, name, sizeof(name)),
		 dst_dns_type_name((uint16_t)type, t));
}

/* The ancestors of name, name first, root last. Returns the count (0 on
 * allocation failure); free with free_names. */
static size_t ancestors(const ldns_rdf *name, ldns_rdf **out, size_t max)
{
	size_t n = 0;
	ldns_rdf *cur = ldns_rdf_clone(name);

	while (cur && n < max) {
		out[n++] = cur;
		if (ldns_dname_label_count(cur) == 0)
			break;
		cur = ldns_dname_left_chop(cur);
	}
	return n;
}

static void free_names(ldns_rdf **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ldns_rdf_deep_free(names[i]);
}

enum dst_val_status dst_val__unsigned(const struct dst_val_env *env, const ldns_rdf *owner,
				      const char *what, struct dst_val_result *res)
{
	ldns_rdf *names[DST_VAL_MAX_LABELS + 1];
	size_t n = ancestors(owner, names, DST_VAL_MAX_LABELS + 1);
	const struct dst_val_zone *z = NULL;
	size_t zi = 0;
	char zn[256];

	for (size_t i = 0; i < n && !z; i++) {
		const struct dst_val_zone *c = dst_val__lookup(env, names[i]);
		if (c && c->cut) {
			z = c;
			zi = i;
		}
	}
	if (!z) {
		/* Nothing known yet: start at the closest trust anchor. */
		for (size_t i = 0; i < n; i++) {
			ldns_rr_list *a = dst_val__anchors_for(env->anchors, names[i]);
			if (a) {
				ldns_rr_list_free(a);
				dst_val__need(res, names[i], DST_VAL_TYPE_DNSKEY);
				goto done;
			}
		}
		dst_val__set(res, DST_VAL_INSECURE, "no trust anchor at or above %s", what);
		goto done;
	}
	if (z->status != DST_VAL_SECURE) {
		dst_val__set(res, z->status, "%s", z->why);
		goto done;
	}
	/* A secure zone above: unsigned data is fine only below a proven
	 * unsigned delegation, so ask for the DS of each name down to owner
	 * that is not known yet. */
	for (size_t j = zi; j-- > 0;) {
		const struct dst_val_zone *c = dst_val__lookup(env, names[j]);
		if (!c) {
			dst_val__need(res, names[j], DST_VAL_TYPE_DS);
			goto done;
		}
	}
	dst_val__set(res, DST_VAL_BOGUS, "missing RRSIG for %s in the secure zone %s", what,
		     dst_val__name(z->name, zn, sizeof(zn)));
done:
	free_names(names, n);
	return res->status;
}

int dst_val__rrset(const struct dst_val_env *env, const ldns_rr_list *section,
		   const ldns_rdf *owner, ldns_rr_type type, uint8_t *labels,
		   struct dst_val_result *res)
{
	ldns_rr_list *rrs = dst_val__select(section, owner, type);
	ldns_rr_list *sigs = dst_val__sigs(section, owner, type);
	const ldns_rdf *signer = NULL;
	const struct dst_val_zone *z;
	char what[300], sn[256];

	what_of(owner, type, what, sizeof(what));
	*labels = 0;
	if (!rrs) {
		dst_val__set(res, DST_VAL_BOGUS, "no %s records", what);
		goto done;
	}
	if (!sigs) {
		/* A DS RRset belongs to the parent's zone. */
		ldns_rdf *at = type == LDNS_RR_TYPE_DS && ldns_dname_label_count(owner) > 0
				       ? ldns_dname_left_chop(owner)
				       : NULL;
		dst_val__unsigned(env, at ? at : owner, what, res);
		ldns_rdf_deep_free(at);
		goto done;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
		const ldns_rdf *s = ldns_rr_rrsig_signame(ldns_rr_list_rr(sigs, i));
		if (s && (ldns_dname_compare(s, owner) == 0 || ldns_dname_is_subdomain(owner, s))) {
			signer = s;
			break;
		}
	}
	if (!signer) {
		dst_val__set(res, DST_VAL_BOGUS, "the RRSIG signer of %s is not a parent of it",
			     what);
		goto done;
	}
	dst_val__name(signer, sn, sizeof(sn));
	/* A DS is the parent's: signed by the zone itself it proves nothing,
	 * and asking for that zone's DS again would never end. */
	if (type == LDNS_RR_TYPE_DS && ldns_dname_compare(signer, owner) == 0) {
		dst_val__set(res, DST_VAL_BOGUS, "%s is signed by the zone itself", what);
		goto done;
	}
	z = dst_val__lookup(env, signer);
	if (!z) {
		ldns_rr_list *a = dst_val__anchors_for(env->anchors, signer);
		dst_val__need(res, signer, a ? DST_VAL_TYPE_DNSKEY : DST_VAL_TYPE_DS);
		ldns_rr_list_free(a);
		goto done;
	}
	if (!z->cut) {
		dst_val__set(res, DST_VAL_BOGUS, "%s is signed by %s, which is not a zone cut",
			     what, sn);
		goto done;
	}
	if (z->status != DST_VAL_SECURE) {
		dst_val__set(res, z->status, "%s", z->why);
		goto done;
	}
	dst_val__verify(env, z->keys, rrs, sigs, labels, what, res);
done:
	ldns_rr_list_free(rrs);
	ldns_rr_list_free(sigs);
	return 0;
}

/* Was an RRset at owner, verified with an RRSIG of this labels field,
 * expanded from a wildcard (RFC 4035 5.3.2)? */
static bool expanded(const ldns_rdf *owner, uint8_t labels)
{
	uint8_t n = ldns_dname_label_count(owner);

	if (n > 0 && ldns_dname_is_wildcard(owner))
		n--;
	return labels < n;
}

int dst_val__answer_pkt(const struct dst_val_env *env, const ldns_rdf *qname, ldns_rr_type qtype,
			const ldns_pkt *pkt, struct dst_val_outcome *out,
			struct dst_val_result *res)
{
	ldns_rr_list *answer = ldns_pkt_answer(pkt);
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
	ldns_rdf *name = ldns_rdf_clone(qname);
	struct dst_val_result sub;
	int rc = 0;
	int step;

	memset(out, 0, sizeof(*out));
	dst_val__set(res, DST_VAL_SECURE, "%s", "");
	if (!name)
		return DST_ENOMEM;
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		dst_val__set(res, DST_VAL_BOGUS, "an answer with rcode %d carries no proof",
			     (int)rcode);
		goto done;
	}
	for (step = 0; step < DST_VAL_MAX_CHAIN; step++) {
		ldns_rr_list *rrs = dst_val__select(answer, name, qtype);
		ldns_rr_list *cname;
		uint8_t labels;

		if (rrs) {
			rc = dst_val__rrset(env, answer, name, qtype, &labels, &sub);
			if (rc == 0 && sub.status == DST_VAL_SECURE && expanded(name, labels))
				rc = dst_val__wildcard_proof(env, name, labels, pkt, &sub);
			dst_val__merge(res, &sub);
			out->final = rrs;
			break;
		}
		cname = dst_val__select(answer, name, LDNS_RR_TYPE_CNAME);
		if (cname) {
			ldns_rdf *target = ldns_rr_rdf(ldns_rr_list_rr(cname, 0), 0);
			ldns_rdf *next = target ? ldns_rdf_clone(target) : NULL;

			ldns_rr_list_free(cname);
			rc = dst_val__rrset(env, answer, name, LDNS_RR_TYPE_CNAME, &labels, &sub);
			if (rc == 0 && sub.status == DST_VAL_SECURE && expanded(name, labels))
				rc = dst_val__wildcard_proof(env, name, labels, pkt, &sub);
			dst_val__merge(res, &sub);
			if (rc < 0 || !next) {
				rc = rc < 0 ? rc : DST_ENOMEM;
				break;
			}
			ldns_rdf_deep_free(name);
			name = next;
			continue;
		}
		out->negative = true;
		out->nxdomain = rcode == LDNS_RCODE_NXDOMAIN;
		rc = dst_val__denial(env, name, qtype, out->nxdomain, pkt, out, &sub);
		dst_val__merge(res, &sub);
		break;
	}
	if (step == DST_VAL_MAX_CHAIN) {
		dst_val__set(&sub, DST_VAL_BOGUS, "CNAME chain longer than %d", DST_VAL_MAX_CHAIN);
		dst_val__merge(res, &sub);
	}
done:
	ldns_rdf_deep_free(name);
	return rc;
}

int dst_val_answer(const struct dst_val_env *env, const uint8_t *qname_wire, size_t qname_len,
		   uint16_t qtype, const uint8_t *wire, size_t len, struct dst_val_result *res)
{
	ldns_rdf *qname = NULL;
	ldns_pkt *pkt = NULL;
	struct dst_val_outcome oc;
	size_t pos = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if (ldns_wire2dname(&qname, qname_wire, qname_len, &pos) != LDNS_STATUS_OK ||
	    pos != qname_len) {
		ldns_rdf_deep_free(qname);
		return DST_EINVAL;
	}
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(qname);
		dst_val__set(res, DST_VAL_BOGUS, "malformed answer");
		return 0;
	}
	rc = dst_val__answer_pkt(env, qname, (ldns_rr_type)qtype, pkt, &oc, res);
	ldns_rr_list_free(oc.final);
	ldns_pkt_free(pkt);
	ldns_rdf_deep_free(qname);
	return rc;
}
