/*
 * Denial of existence: NSEC (RFC 4035 5.4) and NSEC3 (RFC 5155 8, with
 * opt-out) proofs of NXDOMAIN and NODATA, and the proof that a wildcard
 * answer's name itself does not exist. Every NSEC/NSEC3 RRset used is
 * first validated like any other RRset; then the names are compared in
 * canonical order (NSEC) or by hash (NSEC3; base32hex keeps the order).
 */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "dns/dns.h"
#include "internal.h"

static bool has_type(const ldns_rr *nsec, ldns_rr_type t)
{
	ldns_rdf *bitmap = ldns_rr_get_type(nsec) == LDNS_RR_TYPE_NSEC ? ldns_rr_rdf(nsec, 1)
								       : ldns_rr_rdf(nsec, 5);
	return bitmap && ldns_nsec_bitmap_covers_type(bitmap, t);
}

static bool sub_or_equal(const ldns_rdf *sub, const ldns_rdf *parent)
{
	return ldns_dname_compare(sub, parent) == 0 || ldns_dname_is_subdomain(sub, parent);
}

/*
 * An NSEC whose RRSIG has fewer labels than its owner was signed as the
 * wildcard *.<those labels> and sent expanded (unbound's auth-zone does so
 * for the NSEC of a wildcard). Its signature proves only what the
 * wildcard's NSEC says, so it is read with that owner again.
 */
static void unexpand_owner(ldns_rr *rr, uint8_t labels)
{
	ldns_rdf *owner = ldns_rr_owner(rr);
	uint8_t count = ldns_dname_label_count(owner);

	if (labels >= count)
		return;
	ldns_rdf *suffix = ldns_dname_clone_from(owner, (uint16_t)(count - labels));
	ldns_rdf *star = ldns_dname_new_frm_str("*");
	if (suffix && star && ldns_dname_cat(star, suffix) == LDNS_STATUS_OK) {
		ldns_rr_set_owner(rr, star);
		ldns_rdf_deep_free(owner);
		star = NULL;
	}
	ldns_rdf_deep_free(star);
	ldns_rdf_deep_free(suffix);
}

/* The records of one type in the authority section, and whether every
 * RRset among them validates: status in res. */
static ldns_rr_list *proofs(const struct dst_val_env *env, const ldns_pkt *pkt, ldns_rr_type type,
			    struct dst_val_result *res)
{
	ldns_rr_list *auth = ldns_pkt_authority(pkt);
	ldns_rr_list *out = NULL;
	struct dst_val_result sub;

	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		ldns_rr *rr = ldns_rr_list_rr(auth, i);
		uint8_t labels;
		bool seen = false;

		if (ldns_rr_get_type(rr) != type || ldns_rr_rd_count(rr) < 2)
			continue;
		if (!out)
			out = ldns_rr_list_new();
		if (!out)
			break;
		for (size_t j = 0; j < ldns_rr_list_rr_count(out); j++)
			if (ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(out, j)),
					       ldns_rr_owner(rr)) == 0)
				seen = true;
		ldns_rr_list_push_rr(out, rr);
		if (seen)
			continue;
		dst_val__rrset(env, auth, ldns_rr_owner(rr), type, &labels, &sub);
		dst_val__merge(res, &sub);
		if (type == LDNS_RR_TYPE_NSEC && sub.status == DST_VAL_SECURE)
			unexpand_owner(rr, labels);
	}
	return out;
}

/* --- NSEC ---------------------------------------------------------------- */

static bool nsec_covers(const ldns_rr *nsec, const ldns_rdf *name)
{
	const ldns_rdf *owner = ldns_rr_owner(nsec);
	const ldns_rdf *next = ldns_rr_rdf(nsec, 0);

	if (!next)
		return false;
	if (ldns_dname_compare(owner, next) < 0)
		return ldns_dname_compare(owner, name) < 0 && ldns_dname_compare(name, next) < 0;
	/* The last NSEC of the zone: next is the apex. */
	return ldns_dname_compare(owner, name) < 0 || ldns_dname_compare(name, next) < 0;
}

static const ldns_rr *nsec_matching(const ldns_rr_list *l, const ldns_rdf *name)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(l, i)), name) == 0)
			return ldns_rr_list_rr(l, i);
	return NULL;
}

static const ldns_rr *nsec_covering(const ldns_rr_list *l, const ldns_rdf *name)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (nsec_covers(ldns_rr_list_rr(l, i), name))
			return ldns_rr_list_rr(l, i);
	return NULL;
}

/* The longest ancestor of a that b is at or below. */
static ldns_rdf *common_ancestor(const ldns_rdf *a, const ldns_rdf *b)
{
	ldns_rdf *c = ldns_rdf_clone(a);

	for (int i = 0; c && i < DST_VAL_MAX_LABELS; i++) {
		ldns_rdf *up;
		if (sub_or_equal(b, c) || ldns_dname_label_count(c) == 0)
			return c;
		up = ldns_dname_left_chop(c);
		ldns_rdf_deep_free(c);
		c = up;
	}
	return c;
}

static ldns_rdf *wildcard_of(const ldns_rdf *ce)
{
	ldns_rdf *w = ldns_dname_new_frm_str("*");

	if (w && ldns_dname_cat(w, ce) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(w);
		return NULL;
	}
	return w;
}

static void nsec_proof(const ldns_rr_list *l, const ldns_rdf *qname, ldns_rr_type qtype,
		       bool nxdomain, const char *what, struct dst_val_outcome *out,
		       struct dst_val_result *res)
{
	const ldns_rr *m = nsec_matching(l, qname);
	const ldns_rr *c = nsec_covering(l, qname);
	ldns_rdf *ce = NULL, *ce2 = NULL, *wc = NULL;
	char name[256];

	dst_val__name(qname, name, sizeof(name));
	if (!nxdomain && m) {
		if (has_type(m, qtype) || has_type(m, LDNS_RR_TYPE_CNAME)) {
			dst_val__set(res, DST_VAL_BOGUS, "the NSEC at %s says %s exists", name,
				     what);
			return;
		}
		if (qtype != LDNS_RR_TYPE_DS && has_type(m, LDNS_RR_TYPE_NS) &&
		    !has_type(m, LDNS_RR_TYPE_SOA)) {
			dst_val__set(res, DST_VAL_BOGUS,
				     "the NSEC at the delegation %s cannot deny %s", name, what);
			return;
		}
		if (qtype == LDNS_RR_TYPE_DS && has_type(m, LDNS_RR_TYPE_SOA) &&
		    ldns_dname_label_count(qname) > 0) {
			dst_val__set(res, DST_VAL_BOGUS,
				     "the NSEC of the child zone %s cannot deny its DS", name);
			return;
		}
		out->nodata_ns = has_type(m, LDNS_RR_TYPE_NS) && !has_type(m, LDNS_RR_TYPE_SOA);
		dst_val__set(res, DST_VAL_SECURE, "%s", "");
		return;
	}
	if (!c) {
		dst_val__set(res, DST_VAL_BOGUS, "missing NSEC proof for %s", what);
		return;
	}
	if (sub_or_equal(qname, ldns_rr_owner(c)) && has_type(c, LDNS_RR_TYPE_NS) &&
	    !has_type(c, LDNS_RR_TYPE_SOA)) {
		dst_val__set(res, DST_VAL_BOGUS, "the NSEC at a delegation cannot deny %s", what);
		return;
	}
	/* An empty non-terminal: names exist below qname. */
	if (!nxdomain && ldns_dname_is_subdomain(ldns_rr_rdf(c, 0), qname)) {
		dst_val__set(res, DST_VAL_SECURE, "%s", "");
		return;
	}
	ce = common_ancestor(qname, ldns_rr_owner(c));
	ce2 = common_ancestor(qname, ldns_rr_rdf(c, 0));
	if (ce && ce2 && ldns_dname_label_count(ce2) > ldns_dname_label_count(ce)) {
		ldns_rdf *t = ce;
		ce = ce2;
		ce2 = t;
	}
	wc = ce ? wildcard_of(ce) : NULL;
	if (!wc) {
		dst_val__set(res, DST_VAL_BOGUS, "out of memory");
		goto done;
	}
	if (nxdomain) {
		if (nsec_matching(l, wc) || !nsec_covering(l, wc)) {
			char w[256];
			dst_val__set(res, DST_VAL_BOGUS,
				     "missing NSEC proof that no wildcard %s exists for %s",
				     dst_val__name(wc, w, sizeof(w)), what);
			goto done;
		}
		dst_val__set(res, DST_VAL_SECURE, "%s", "");
		goto done;
	}
	/* NODATA from a wildcard: qname is covered, *.ce exists without the type. */
	m = nsec_matching(l, wc);
	if (m && !has_type(m, qtype) && !has_type(m, LDNS_RR_TYPE_CNAME)) {
		dst_val__set(res, DST_VAL_SECURE, "%s", "");
		goto done;
	}
	dst_val__set(res, DST_VAL_BOGUS, "missing NSEC proof that %s has no data", what);
done:
	ldns_rdf_deep_free(ce);
	ldns_rdf_deep_free(ce2);
	ldns_rdf_deep_free(wc);
}

/* --- NSEC3 --------------------------------------------------------------- */

struct n3 {
	const ldns_rr_list *l;
	const ldns_rdf *zone; /* the owner names' parent */
	uint8_t alg;
	uint16_t iter;
	uint8_t salt_len;
	uint8_t *salt;
};

/* name's hash as lower-case base32hex text in buf (at least 104 bytes). */
static bool n3_hash(const struct n3 *p, const ldns_rdf *name, char *buf, size_t n)
{
	ldns_rdf *c = ldns_rdf_clone(name);
	ldns_rdf *h;
	size_t len;

	if (!c)
		return false;
	ldns_dname2canonical(c);
	h = ldns_nsec3_hash_name(c, p->alg, p->iter, p->salt_len, p->salt);
	ldns_rdf_deep_free(c);
	if (!h)
		return false;
	len = ldns_rdf_data(h)[0];
	if (len + 1 > n || len + 1 > ldns_rdf_size(h)) {
		ldns_rdf_deep_free(h);
		return false;
	}
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)tolower(ldns_rdf_data(h)[1 + i]);
	buf[len] = '\0';
	ldns_rdf_deep_free(h);
	return true;
}

/* The owner's hash label, lower case. */
static bool n3_owner(const ldns_rr *rr, char *buf, size_t n)
{
	const uint8_t *d = ldns_rdf_data(ldns_rr_owner(rr));
	size_t len = d[0];

	if (len == 0 || len + 1 > n)
		return false;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)tolower(d[1 + i]);
	buf[len] = '\0';
	return true;
}

static bool n3_next(const ldns_rr *rr, char *buf, size_t n)
{
	ldns_rdf *next = ldns_nsec3_next_owner(rr);
	size_t len;
	int w;

	if (!next || ldns_rdf_size(next) < 1)
		return false;
	len = ldns_rdf_data(next)[0];
	if (len + 1 > ldns_rdf_size(next))
		return false;
	w = ldns_b32_ntop_extended_hex(ldns_rdf_data(next) + 1, len, buf, n);
	if (w < 0 || (size_t)w >= n)
		return false;
	buf[w] = '\0';
	for (int i = 0; i < w; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return true;
}

static bool in_zone(const struct n3 *p, const ldns_rr *rr)
{
	ldns_rdf *parent = ldns_dname_left_chop(ldns_rr_owner(rr));
	bool same = parent && ldns_dname_compare(parent, p->zone) == 0;

	ldns_rdf_deep_free(parent);
	return same;
}

static const ldns_rr *n3_match(const struct n3 *p, const ldns_rdf *name)
{
	char h[128], o[128];

	if (!n3_hash(p, name, h, sizeof(h)))
		return NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(p->l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(p->l, i);
		if (in_zone(p, rr) && n3_owner(rr, o, sizeof(o)) && strcmp(o, h) == 0)
			return rr;
	}
	return NULL;
}

static const ldns_rr *n3_cover(const struct n3 *p, const ldns_rdf *name)
{
	char h[128], o[128], nx[128];

	if (!n3_hash(p, name, h, sizeof(h)))
		return NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(p->l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(p->l, i);
		if (!in_zone(p, rr) || !n3_owner(rr, o, sizeof(o)) || !n3_next(rr, nx, sizeof(nx)))
			continue;
		if (strcmp(o, nx) < 0 ? (strcmp(o, h) < 0 && strcmp(h, nx) < 0)
				      : (strcmp(o, h) < 0 || strcmp(h, nx) < 0))
			return rr;
	}
	return NULL;
}

/* The closest encloser proof (RFC 5155 8.3): *ce gets the closest
 * encloser, *nc_cover the NSEC3 covering the next closer name. */
static bool n3_closest_encloser(const struct n3 *p, const ldns_rdf *qname, ldns_rdf **ce,
				const ldns_rr **nc_cover)
{
	ldns_rdf *nc = ldns_rdf_clone(qname);

	*ce = NULL;
	*nc_cover = NULL;
	for (int i = 0; nc && i < DST_VAL_MAX_LABELS; i++) {
		ldns_rdf *up;

		if (ldns_dname_label_count(nc) == 0 || !sub_or_equal(nc, p->zone) ||
		    ldns_dname_compare(nc, p->zone) == 0)
			break;
		up = ldns_dname_left_chop(nc);
		if (!up)
			break;
		if (n3_match(p, up)) {
			*nc_cover = n3_cover(p, nc);
			ldns_rdf_deep_free(nc);
			if (!*nc_cover) {
				ldns_rdf_deep_free(up);
				return false;
			}
			*ce = up;
			return true;
		}
		ldns_rdf_deep_free(nc);
		nc = up;
	}
	ldns_rdf_deep_free(nc);
	return false;
}

static void nsec3_proof(const ldns_rr_list *l, const ldns_rdf *qname, ldns_rr_type qtype,
			bool nxdomain, const char *what, struct dst_val_outcome *out,
			struct dst_val_result *res)
{
	const ldns_rr *first = ldns_rr_list_rr(l, 0);
	struct n3 p = {.l = l};
	ldns_rdf *zone = ldns_dname_left_chop(ldns_rr_owner(first));
	ldns_rdf *ce = NULL, *wc = NULL;
	const ldns_rr *m, *nc_cover;
	char w[256];

	p.zone = zone;
	if (!zone || ldns_rr_rd_count(first) < 6) {
		dst_val__set(res, DST_VAL_BOGUS, "malformed NSEC3 record for %s", what);
		goto done;
	}
	p.alg = ldns_nsec3_algorithm(first);
	p.iter = ldns_nsec3_iterations(first);
	p.salt_len = ldns_nsec3_salt_length(first);
	p.salt = ldns_nsec3_salt_data(first);
	if (p.alg != 1) {
		dst_val__set(res, DST_VAL_INSECURE, "NSEC3 hash algorithm %u is not supported",
			     p.alg);
		goto done;
	}
	if (p.iter > DST_VAL_MAX_NSEC3_ITER) {
		dst_val__set(res, DST_VAL_INSECURE,
			     "NSEC3 with %u iterations (above %d, RFC 9276) proves nothing", p.iter,
			     DST_VAL_MAX_NSEC3_ITER);
		goto done;
	}
	if (!sub_or_equal(qname, zone)) {
		dst_val__set(res, DST_VAL_BOGUS, "the NSEC3 records are not of the zone of %s",
			     what);
		goto done;
	}
	if (!nxdomain && (m = n3_match(&p, qname)) != NULL) {
		if (has_type(m, qtype) || has_type(m, LDNS_RR_TYPE_CNAME)) {
			dst_val__set(res, DST_VAL_BOGUS, "the NSEC3 of %s says it exists", what);
			goto done;
		}
		if (qtype != LDNS_RR_TYPE_DS && has_type(m, LDNS_RR_TYPE_NS) &&
		    !has_type(m, LDNS_RR_TYPE_SOA)) {
			dst_val__set(res, DST_VAL_BOGUS, "the NSEC3 of a delegation cannot deny %s",
				     what);
			goto done;
		}
		out->nodata_ns = has_type(m, LDNS_RR_TYPE_NS) && !has_type(m, LDNS_RR_TYPE_SOA);
		dst_val__set(res, DST_VAL_SECURE, "%s", "");
		goto done;
	}
	if (!n3_closest_encloser(&p, qname, &ce, &nc_cover)) {
		dst_val__set(res, DST_VAL_BOGUS, "missing NSEC3 closest encloser proof for %s",
			     what);
		goto done;
	}
	if (ldns_nsec3_optout(nc_cover) && (nxdomain || qtype == LDNS_RR_TYPE_DS)) {
		/* RFC 5155 8.6 and 9.2: an opt-out span may hide unsigned
		 * delegations, so nothing under it is proven to be absent. */
		out->optout = true;
		dst_val__set(res, DST_VAL_INSECURE, "%s is in an NSEC3 opt-out span", what);
		goto done;
	}
	wc = wildcard_of(ce);
	if (!wc) {
		dst_val__set(res, DST_VAL_BOGUS, "out of memory");
		goto done;
	}
	if (nxdomain) {
		if (!n3_cover(&p, wc)) {
			dst_val__set(res, DST_VAL_BOGUS,
				     "missing NSEC3 proof that no wildcard %s exists for %s",
				     dst_val__name(wc, w, sizeof(w)), what);
			goto done;
		}
		dst_val__set(res, DST_VAL_SECURE, "%s", "");
		goto done;
	}
	m = n3_match(&p, wc);
	if (m && !has_type(m, qtype) && !has_type(m, LDNS_RR_TYPE_CNAME)) {
		dst_val__set(res, DST_VAL_SECURE, "%s", "");
		goto done;
	}
	dst_val__set(res, DST_VAL_BOGUS, "missing NSEC3 proof that %s has no data", what);
done:
	LDNS_FREE(p.salt);
	ldns_rdf_deep_free(ce);
	ldns_rdf_deep_free(wc);
	ldns_rdf_deep_free(zone);
}

/* --- entry points ---------------------------------------------------------- */

static void what_of(const ldns_rdf *qname, ldns_rr_type qtype, bool nxdomain, char *buf, size_t n)
{
	char name[256], t[DST_DNS_TEXT_LEN];

	dst_val__name(qname, name, sizeof(name));
	if (nxdomain)
		snprintf(buf, n, "%s", name);
	else
		snprintf(buf, n, "%s %s", name, dst_dns_type_name((uint16_t)qtype, t));
}

int dst_val__denial(const struct dst_val_env *env, const ldns_rdf *qname, ldns_rr_type qtype,
		    bool nxdomain, const ldns_pkt *pkt, struct dst_val_outcome *out,
		    struct dst_val_result *res)
{
	struct dst_val_result acc, sub;
	ldns_rr_list *nsec, *nsec3 = NULL;
	char what[300];

	what_of(qname, qtype, nxdomain, what, sizeof(what));
	dst_val__set(&acc, DST_VAL_SECURE, "%s", "");
	nsec = proofs(env, pkt, LDNS_RR_TYPE_NSEC, &acc);
	if (!nsec)
		nsec3 = proofs(env, pkt, LDNS_RR_TYPE_NSEC3, &acc);
	if (!nsec && !nsec3) {
		/* No proof at all: fine in an unsigned zone, which the SOA's
		 * signature (or its absence) tells. */
		ldns_rr_list *auth = ldns_pkt_authority(pkt);
		const ldns_rr *soa = NULL;
		uint8_t labels;

		for (size_t i = 0; i < ldns_rr_list_rr_count(auth) && !soa; i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(auth, i)) == LDNS_RR_TYPE_SOA)
				soa = ldns_rr_list_rr(auth, i);
		if (soa)
			dst_val__rrset(env, auth, ldns_rr_owner(soa), LDNS_RR_TYPE_SOA, &labels,
				       &sub);
		else
			dst_val__unsigned(env, qname, what, &sub);
		if (sub.status == DST_VAL_SECURE ||
		    (sub.status == DST_VAL_BOGUS && strncmp(sub.why, "missing RRSIG", 13) == 0))
			dst_val__set(&sub, DST_VAL_BOGUS, "missing NSEC or NSEC3 proof for %s",
				     what);
		*res = sub;
		return 0;
	}
	if (acc.status != DST_VAL_SECURE) {
		*res = acc;
		goto done;
	}
	if (nsec)
		nsec_proof(nsec, qname, qtype, nxdomain, what, out, res);
	else
		nsec3_proof(nsec3, qname, qtype, nxdomain, what, out, res);
done:
	ldns_rr_list_free(nsec);
	ldns_rr_list_free(nsec3);
	return 0;
}

int dst_val__wildcard_proof(const struct dst_val_env *env, const ldns_rdf *qname, uint8_t labels,
			    const ldns_pkt *pkt, struct dst_val_result *res)
{
	struct dst_val_result acc;
	ldns_rr_list *nsec, *nsec3 = NULL;
	char name[256];

	dst_val__name(qname, name, sizeof(name));
	dst_val__set(&acc, DST_VAL_SECURE, "%s", "");
	nsec = proofs(env, pkt, LDNS_RR_TYPE_NSEC, &acc);
	if (!nsec)
		nsec3 = proofs(env, pkt, LDNS_RR_TYPE_NSEC3, &acc);
	if (acc.status != DST_VAL_SECURE) {
		*res = acc;
		goto done;
	}
	if (nsec) {
		if (nsec_covering(nsec, qname))
			dst_val__set(res, DST_VAL_SECURE, "%s", "");
		else
			dst_val__set(res, DST_VAL_BOGUS,
				     "missing NSEC proof that %s does not exist (wildcard answer)",
				     name);
	} else if (nsec3) {
		/* The next closer name: qname cut to labels + 1 labels. */
		const ldns_rr *first = ldns_rr_list_rr(nsec3, 0);
		struct n3 p = {.l = nsec3};
		ldns_rdf *nc = ldns_rdf_clone(qname);
		ldns_rdf *zone = ldns_dname_left_chop(ldns_rr_owner(first));

		for (int i = 0; nc && i < DST_VAL_MAX_LABELS &&
				ldns_dname_label_count(nc) > (unsigned)labels + 1;
		     i++) {
			ldns_rdf *up = ldns_dname_left_chop(nc);
			ldns_rdf_deep_free(nc);
			nc = up;
		}
		p.zone = zone;
		if (ldns_rr_rd_count(first) >= 6) {
			p.alg = ldns_nsec3_algorithm(first);
			p.iter = ldns_nsec3_iterations(first);
			p.salt_len = ldns_nsec3_salt_length(first);
			p.salt = ldns_nsec3_salt_data(first);
		}
		if (p.alg == 1 && p.iter <= DST_VAL_MAX_NSEC3_ITER && nc && zone &&
		    n3_cover(&p, nc))
			dst_val__set(res, DST_VAL_SECURE, "%s", "");
		else
			dst_val__set(res, DST_VAL_BOGUS,
				     "missing NSEC3 proof that %s does not exist (wildcard answer)",
				     name);
		LDNS_FREE(p.salt);
		ldns_rdf_deep_free(nc);
		ldns_rdf_deep_free(zone);
	} else {
		dst_val__set(res, DST_VAL_BOGUS,
			     "missing proof that %s does not exist (wildcard answer)", name);
	}
done:
	ldns_rr_list_free(nsec);
	ldns_rr_list_free(nsec3);
	return 0;
}
