/*
 * Writes the seeds of the validate fuzz target (fuzz/corpus/validate/),
 * from the signed test root in validate_zone.h. Run by hand when that
 * material changes (not built by make):
 *   cc -I. -o /tmp/mvs fuzz/make-validate-seeds.c -lldns && /tmp/mvs fuzz/corpus/validate
 * Each seed is byte 0 (fuzz_validate.c's selector) and a response.
 */
#include <stdbool.h>

#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

#include "fuzz/validate_zone.h"

static ldns_rr_list *zone;

static void load(void)
{
	const char *s = fuzz_validate_root;

	zone = ldns_rr_list_new();
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		char line[512];
		ldns_rr *rr = NULL;

		memcpy(line, s, n);
		line[n] = '\0';
		s += n + (nl ? 1 : 0);
		if (ldns_rr_new_frm_str(&rr, line, 3600, NULL, NULL) == LDNS_STATUS_OK)
			ldns_rr_list_push_rr(zone, rr);
	}
}

/* Adds the records at owner of type (and the RRSIGs over them). */
static void add(ldns_pkt *p, ldns_pkt_section sec, const char *owner, ldns_rr_type type)
{
	ldns_rdf *o = ldns_dname_new_frm_str(owner);

	for (size_t i = 0; i < ldns_rr_list_rr_count(zone); i++) {
		ldns_rr *rr = ldns_rr_list_rr(zone, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (ldns_dname_compare(ldns_rr_owner(rr), o) != 0)
			continue;
		if (t == type || (t == LDNS_RR_TYPE_RRSIG &&
				  ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == type))
			ldns_pkt_push_rr(p, sec, ldns_rr_clone(rr));
	}
	ldns_rdf_deep_free(o);
}

static ldns_pkt *pkt(const char *qname, ldns_rr_type qtype, ldns_pkt_rcode rcode)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), qtype, LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, rcode);
	return p;
}

static void write_seed(const char *dir, const char *name, unsigned char sel, ldns_pkt *p)
{
	char path[512];
	uint8_t *w;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ldns_pkt2wire(&w, p, &len);
	f = fopen(path, "wb");
	fputc(sel, f);
	fwrite(w, 1, len, f);
	fclose(f);
	free(w);
	ldns_pkt_free(p);
}

int main(int argc, char **argv)
{
	ldns_pkt *p;

	if (argc != 2)
		return 2;
	load();
	/* selector: mode | qtype index << 2 (A 0, AAAA 1, DS 2, DNSKEY 3, CNAME 4, TXT 5, NS 6, SOA 7) */
	p = pkt(".", LDNS_RR_TYPE_DNSKEY, LDNS_RCODE_NOERROR);
	add(p, LDNS_SECTION_ANSWER, ".", LDNS_RR_TYPE_DNSKEY);
	write_seed(argv[1], "root-dnskey-answer", 0 | 3 << 2, p);
	p = pkt(".", LDNS_RR_TYPE_DNSKEY, LDNS_RCODE_NOERROR);
	add(p, LDNS_SECTION_ANSWER, ".", LDNS_RR_TYPE_DNSKEY);
	write_seed(argv[1], "root-dnskey-keyset", 2, p);
	p = pkt("test.", LDNS_RR_TYPE_DS, LDNS_RCODE_NOERROR);
	add(p, LDNS_SECTION_ANSWER, "test.", LDNS_RR_TYPE_DS);
	write_seed(argv[1], "test-ds-secure", 0 | 2 << 2, p);
	p = pkt("test.", LDNS_RR_TYPE_DS, LDNS_RCODE_NOERROR);
	add(p, LDNS_SECTION_ANSWER, "test.", LDNS_RR_TYPE_DS);
	write_seed(argv[1], "test-ds-build", 1 | 2 << 2, p);
	p = pkt("nothere.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN);
	add(p, LDNS_SECTION_AUTHORITY, ".", LDNS_RR_TYPE_SOA);
	add(p, LDNS_SECTION_AUTHORITY, ".", LDNS_RR_TYPE_NSEC);
	write_seed(argv[1], "nxdomain-nsec", 0, p);
	p = pkt(".", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR);
	add(p, LDNS_SECTION_AUTHORITY, ".", LDNS_RR_TYPE_SOA);
	add(p, LDNS_SECTION_AUTHORITY, ".", LDNS_RR_TYPE_NSEC);
	write_seed(argv[1], "nodata-nsec", 1 << 2, p);
	p = pkt("zzz.", LDNS_RR_TYPE_DS, LDNS_RCODE_NXDOMAIN);
	add(p, LDNS_SECTION_AUTHORITY, ".", LDNS_RR_TYPE_SOA);
	add(p, LDNS_SECTION_AUTHORITY, "test.", LDNS_RR_TYPE_NSEC);
	add(p, LDNS_SECTION_AUTHORITY, ".", LDNS_RR_TYPE_NSEC);
	write_seed(argv[1], "ds-nxdomain-build", 1 | 2 << 2, p);
	p = pkt("ns.root-servers.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR);
	add(p, LDNS_SECTION_ANSWER, "ns.root-servers.", LDNS_RR_TYPE_A);
	write_seed(argv[1], "signed-a", 0, p);
	p = pkt("ns.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR);
	add(p, LDNS_SECTION_ANSWER, "ns.test.", LDNS_RR_TYPE_A);
	write_seed(argv[1], "unsigned-a-need-ds", 0, p);
	ldns_rr_list_deep_free(zone);
	return 0;
}
