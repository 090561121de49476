/*
 * The bytes an RRSIG signs (RFC 4034 3.1.8.1, 6.2, 6.3; RFC 4035 5.3.2):
 * its own RDATA up to the signature, then each record of the RRset in
 * canonical form (owner and, for the RFC 4034 6.2 types, names in RDATA in
 * lower case; the RRSIG's original TTL; a wildcard owner rebuilt from the
 * labels field), sorted by RDATA, duplicates once. ldns writes the
 * canonical records; the order and the wildcard are ours. No crypto here.
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "internal.h"

struct rec {
	const uint8_t *rdata;
	size_t rdlen;
	const uint8_t *wire; /* the whole record */
	size_t len;
};

/* RDATA as left-justified unsigned octet sequences (RFC 4034 6.3). */
static int by_rdata(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	size_t n = x->rdlen < y->rdlen ? x->rdlen : y->rdlen;
	int c = memcmp(x->rdata, y->rdata, n);

	if (c != 0)
		return c;
	return x->rdlen < y->rdlen ? -1 : x->rdlen > y->rdlen;
}

/* The owner the signer saw: owner itself, or for an RRSIG whose labels
 * field is below the owner's count, "*." and the rightmost labels. */
static ldns_rdf *signed_owner(const ldns_rdf *owner, uint8_t labels, const char **why)
{
	uint8_t n = ldns_dname_label_count(owner);
	const uint8_t *w = ldns_rdf_data(owner);
	size_t len = ldns_rdf_size(owner), off = 0;
	uint8_t buf[LDNS_MAX_DOMAINLEN + 2];
	ldns_rdf *out;

	if (labels > n) {
		*why = "the RRSIG labels field exceeds the owner's labels";
		return NULL;
	}
	if (labels == n) {
		out = ldns_rdf_clone(owner);
	} else {
		for (uint8_t i = 0; i < n - labels && off < len; i++)
			off += 1 + (size_t)w[off];
		if (off >= len || len - off + 2 > sizeof(buf)) {
			*why = "malformed owner name";
			return NULL;
		}
		buf[0] = 1;
		buf[1] = '*';
		memcpy(buf + 2, w + off, len - off);
		out = ldns_dname_new_frm_data((uint16_t)(len - off + 2), buf);
	}
	if (!out)
		*why = "out of memory";
	else
		ldns_dname2canonical(out);
	return out;
}

int dst_val__signed_data(const ldns_rr_list *rrset, const ldns_rr *sig, ldns_buffer *out,
			 const char **why)
{
	size_t count = ldns_rr_list_rr_count(rrset);
	ldns_rdf *labels_rdf = ldns_rr_rrsig_labels(sig), *ttl_rdf = ldns_rr_rrsig_origttl(sig);
	ldns_rdf *owner = NULL;
	ldns_buffer *tmp = NULL;
	struct rec *recs = NULL;
	size_t *ends = NULL;
	int rc = DST_ENOMEM;

	*why = "out of memory";
	if (count == 0 || !labels_rdf || !ttl_rdf) {
		*why = "malformed RRSIG";
		return DST_EINVAL;
	}
	owner = signed_owner(ldns_rr_owner(ldns_rr_list_rr(rrset, 0)),
			     ldns_rdf2native_int8(labels_rdf), why);
	if (!owner)
		return DST_EINVAL;
	tmp = ldns_buffer_new(512);
	recs = calloc(count, sizeof(*recs));
	ends = calloc(count, sizeof(*ends));
	if (!tmp || !recs || !ends)
		goto done;
	if (ldns_rrsig2buffer_wire(out, sig) != LDNS_STATUS_OK)
		goto done;
	for (size_t i = 0; i < count; i++) {
		ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(rrset, i));
		ldns_rdf *o = ldns_rdf_clone(owner);

		if (!c || !o) {
			ldns_rr_free(c);
			ldns_rdf_deep_free(o);
			goto done;
		}
		ldns_rdf_deep_free(ldns_rr_owner(c));
		ldns_rr_set_owner(c, o);
		ldns_rr_set_ttl(c, ldns_rdf2native_int32(ttl_rdf));
		ldns_status st = ldns_rr2buffer_wire_canonical(tmp, c, LDNS_SECTION_ANSWER);
		ldns_rr_free(c);
		if (st != LDNS_STATUS_OK)
			goto done;
		ends[i] = ldns_buffer_position(tmp);
	}
	/* The buffer no longer moves: point into it. Each record is the owner,
	 * 10 bytes of type, class, TTL and RDLENGTH, then the RDATA. */
	for (size_t i = 0, start = 0; i < count; start = ends[i++]) {
		size_t head = ldns_rdf_size(owner) + 10;

		recs[i].wire = ldns_buffer_begin(tmp) + start;
		recs[i].len = ends[i] - start;
		if (recs[i].len < head) {
			*why = "malformed record";
			rc = DST_EINVAL;
			goto done;
		}
		recs[i].rdata = recs[i].wire + head;
		recs[i].rdlen = recs[i].len - head;
	}
	qsort(recs, count, sizeof(*recs), by_rdata);
	for (size_t i = 0; i < count; i++) {
		if (i > 0 && by_rdata(&recs[i - 1], &recs[i]) == 0)
			continue; /* a duplicate is signed once */
		if (!ldns_buffer_reserve(out, recs[i].len))
			goto done;
		ldns_buffer_write(out, recs[i].wire, recs[i].len);
	}
	rc = ldns_buffer_status_ok(out) ? 0 : DST_ENOMEM;
	if (rc == 0)
		*why = "";
done:
	free(ends);
	free(recs);
	ldns_buffer_free(tmp);
	ldns_rdf_deep_free(owner);
	return rc;
}
