/*
 * Trust anchors: the DS or DNSKEY records a chain starts from. Kept as a
 * list of ldns records with canonical owner names; read-only once built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dns/err.h"
#include "internal.h"

/*
 * The root zone's KSK-2017 and KSK-2024, as IANA publishes them
 * (https://data.iana.org/root-anchors/root-anchors.xml; the same as
 * Debian's dns-root-data /usr/share/dns/root.ds).
 */
static const char builtin[] =
	". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
	". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16\n";

int dst_val_anchors_new(struct dst_val_anchors **out)
{
	struct dst_val_anchors *ta = calloc(1, sizeof(*ta));

	*out = NULL;
	if (!ta)
		return DST_ENOMEM;
	ta->rrs = ldns_rr_list_new();
	if (!ta->rrs) {
		free(ta);
		return DST_ENOMEM;
	}
	*out = ta;
	return 0;
}

void dst_val_anchors_free(struct dst_val_anchors *ta)
{
	if (!ta)
		return;
	ldns_rr_list_deep_free(ta->rrs);
	free(ta);
}

size_t dst_val_anchors_count(const struct dst_val_anchors *ta)
{
	return ta ? ldns_rr_list_rr_count(ta->rrs) : 0;
}

/* One line: blank/comment (0, *rr NULL), a record (0), or an error. */
static int parse_line(const char *line, ldns_rr **rr, char *err, size_t errlen, unsigned lineno)
{
	const char *p = line;
	ldns_status st;

	*rr = NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == ';' || *p == '\n' || *p == '\r')
		return 0;
	/* No default origin: a relative owner name is an error, not a guess. */
	st = ldns_rr_new_frm_str(rr, p, 3600, NULL, NULL);
	if (st != LDNS_STATUS_OK) {
		snprintf(err, errlen, "trust anchor line %u: %s", lineno,
			 ldns_get_errorstr_by_id(st));
		*rr = NULL;
		return DST_EINVAL;
	}
	if (ldns_rr_get_type(*rr) != LDNS_RR_TYPE_DS &&
	    ldns_rr_get_type(*rr) != LDNS_RR_TYPE_DNSKEY) {
		snprintf(err, errlen, "trust anchor line %u: a DS or DNSKEY record expected",
			 lineno);
		ldns_rr_free(*rr);
		*rr = NULL;
		return DST_EINVAL;
	}
	if (ldns_rr_get_class(*rr) != LDNS_RR_CLASS_IN) {
		snprintf(err, errlen, "trust anchor line %u: class IN expected", lineno);
		ldns_rr_free(*rr);
		*rr = NULL;
		return DST_EINVAL;
	}
	ldns_dname2canonical(ldns_rr_owner(*rr));
	return 0;
}

int dst_val_anchors_add(struct dst_val_anchors *ta, const char *text, char *err, size_t errlen)
{
	ldns_rr_list *add = ldns_rr_list_new();
	const char *p = text;
	unsigned lineno = 0;
	int rc = 0;

	if (!add)
		return DST_ENOMEM;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = malloc(n + 1);
		ldns_rr *rr;

		lineno++;
		if (!line) {
			rc = DST_ENOMEM;
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		rc = parse_line(line, &rr, err, errlen, lineno);
		free(line);
		if (rc < 0)
			break;
		if (rr && !ldns_rr_list_push_rr(add, rr)) {
			ldns_rr_free(rr);
			rc = DST_ENOMEM;
			break;
		}
		p += n + (nl ? 1 : 0);
	}
	if (rc == 0 && ldns_rr_list_rr_count(add) == 0) {
		snprintf(err, errlen, "trust anchor: no DS or DNSKEY record");
		rc = DST_EINVAL;
	}
	if (rc < 0) {
		ldns_rr_list_deep_free(add);
		return rc;
	}
	/* Moved record by record: ldns_rr_list_cat would copy the pointers too,
	 * but leave add owning them. */
	while (ldns_rr_list_rr_count(add) > 0) {
		ldns_rr *rr = ldns_rr_list_pop_rr(add);
		if (!ldns_rr_list_push_rr(ta->rrs, rr)) {
			ldns_rr_free(rr);
			rc = DST_ENOMEM;
		}
	}
	ldns_rr_list_deep_free(add);
	return rc;
}

int dst_val_anchors_add_builtin(struct dst_val_anchors *ta)
{
	char err[128];

	return dst_val_anchors_add(ta, builtin, err, sizeof(err));
}

ldns_rr_list *dst_val__anchors_for(const struct dst_val_anchors *ta, const ldns_rdf *name)
{
	ldns_rr_list *out = NULL;

	if (!ta)
		return NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(ta->rrs); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ta->rrs, i);
		if (ldns_dname_compare(ldns_rr_owner(rr), name) != 0)
			continue;
		if (!out)
			out = ldns_rr_list_new();
		if (!out || !ldns_rr_list_push_rr(out, rr))
			break;
	}
	return out;
}
