/*
 * dst_dns_strip_dnssec: what a client with DO clear gets of an answer
 * fetched with DO set (RFC 4035 3.2.1), and dst_dns_count_rrsigs.
 */
#include "dns/err.h"
#include "tests/unit/dns_test_util.h"

#define SIG_B64 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define SIG(owner, covered)                                                            \
	owner " 300 IN RRSIG " covered " 13 3 300 20301231000000 20200101000000 4242 " \
	      "example.com. " SIG_B64

/* Strips p (prepared as the cache would hold it) for a query of qtype; returns the result parsed. */
static ldns_pkt *stripped(ldns_pkt *p, uint16_t qtype, size_t *out_len)
{
	size_t n;
	uint8_t *w = to_wire(p, &n);
	uint8_t out[4096];
	ssize_t r = dst_dns_strip_dnssec(w, n, qtype, out, sizeof(out));

	ck_assert_int_gt(r, 0);
	free(w);
	if (out_len)
		*out_len = (size_t)r;
	return from_wire(out, (size_t)r);
}

static size_t count_type(ldns_rr_list *l, ldns_rr_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		n += ldns_rr_get_type(ldns_rr_list_rr(l, i)) == t;
	return n;
}

START_TEST(test_signatures_and_denials_are_removed_from_every_section)
{
	ldns_pkt *p = answer_pkt(AID, 0, "www.example.com. IN A");
	add_rr(p, LDNS_SECTION_ANSWER, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, LDNS_SECTION_ANSWER, SIG("www.example.com.", "A"));
	add_rr(p, LDNS_SECTION_AUTHORITY, "example.com. 300 IN NS ns.example.com.");
	add_rr(p, LDNS_SECTION_AUTHORITY, SIG("example.com.", "NS"));
	add_rr(p, LDNS_SECTION_AUTHORITY, "a.example.com. 300 IN NSEC c.example.com. A RRSIG NSEC");
	add_rr(p, LDNS_SECTION_AUTHORITY,
	       "x.example.com. 300 IN NSEC3 1 1 1 AB 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A");
	add_rr(p, LDNS_SECTION_ADDITIONAL, "ns.example.com. 300 IN A 192.0.2.53");
	add_rr(p, LDNS_SECTION_ADDITIONAL, SIG("ns.example.com.", "A"));
	ldns_pkt *s = stripped(p, LDNS_RR_TYPE_A, NULL);

	ck_assert_uint_eq(ldns_pkt_ancount(s), 1);
	ck_assert_uint_eq(ldns_pkt_nscount(s), 1);
	ck_assert_uint_eq(ldns_pkt_arcount(s), 1);
	ck_assert_int_eq(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(s), 0)), LDNS_RR_TYPE_A);
	ck_assert_int_eq(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_authority(s), 0)),
			 LDNS_RR_TYPE_NS);
	ck_owner(ldns_pkt_additional(s), 0, "ns.example.com.");
	char *t = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_authority(s), 0), 0));
	ck_assert_str_eq(t, "ns.example.com.");
	free(t);
	ldns_pkt_free(s);
}
END_TEST

START_TEST(test_records_of_the_asked_type_stay_in_the_answer_only)
{
	ldns_pkt *p = answer_pkt(AID, 0, "example.com. IN RRSIG");
	add_rr(p, LDNS_SECTION_ANSWER, SIG("example.com.", "SOA"));
	add_rr(p, LDNS_SECTION_ANSWER, SIG("example.com.", "NS"));
	add_rr(p, LDNS_SECTION_AUTHORITY, SIG("example.com.", "NSEC"));
	ldns_pkt *s = stripped(p, LDNS_RR_TYPE_RRSIG, NULL);

	ck_assert_uint_eq(ldns_pkt_ancount(s), 2);
	ck_assert_uint_eq(count_type(ldns_pkt_answer(s), LDNS_RR_TYPE_RRSIG), 2);
	ck_assert_uint_eq(ldns_pkt_nscount(s), 0);
	ldns_pkt_free(s);
}
END_TEST

START_TEST(test_an_answer_without_dnssec_records_is_copied_unchanged)
{
	ldns_pkt *p = answer_pkt(AID, 3, "nx.example.com. IN A");
	add_rr(p, LDNS_SECTION_AUTHORITY,
	       "example.com. 300 IN SOA ns.example.com. h.example.com. 1 2 3 4 5");
	size_t n, len;
	uint8_t *w = to_wire(p, &n);
	uint8_t out[1024];

	ck_assert_int_eq(dst_dns_strip_dnssec(w, n, LDNS_RR_TYPE_A, out, sizeof(out)), (ssize_t)n);
	ck_assert_mem_eq(out, w, n);
	ck_assert_int_eq(dst_dns_strip_dnssec(w, n, LDNS_RR_TYPE_A, out, n - 1), DST_ENOSPC);
	ck_assert_uint_eq(dst_dns_count_rrsigs(w, n), 0);
	free(w);
	(void)len;
}
END_TEST

/*
 * A pointer into a removed record (here into an RRSIG's signer name) is
 * expanded, in an owner name and in RDATA (MX); one into the question is kept.
 */
START_TEST(test_a_pointer_into_a_removed_record_is_expanded)
{
	uint8_t w[512], out[512];
	size_t o = 0;
	static const uint8_t q[] = {3,   'w', 'w', 'w', 7,   'e', 'x', 'a', 'm', 'p', 'l',
				    'e', 3,   'c', 'o', 'm', 0,   0,   1,   0,   1};
	static const uint8_t hdr[] = {0, AID & 0xff, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0};

	memcpy(w, hdr, sizeof(hdr));
	w[0] = AID >> 8;
	o = sizeof(hdr);
	memcpy(w + o, q, sizeof(q));
	o += sizeof(q);
	/* RRSIG, owner -> question, signer "host.net." literal */
	static const uint8_t sig_fixed[] = {0xc0, 12, 0, 46, 0, 1, 0, 0, 1, 44};
	memcpy(w + o, sig_fixed, sizeof(sig_fixed));
	o += sizeof(sig_fixed);
	size_t rdlen_at = o;
	o += 2;
	size_t rd = o;
	static const uint8_t sig_head[] = {0, 1, 13, 3,    0, 0, 1, 44,   0x70,
					   0, 0, 0,  0x60, 0, 0, 0, 0x10, 0x92};
	memcpy(w + o, sig_head, sizeof(sig_head));
	o += sizeof(sig_head);
	size_t signer = o;
	static const uint8_t host[] = {4, 'h', 'o', 's', 't', 3, 'n', 'e', 't', 0};
	memcpy(w + o, host, sizeof(host));
	o += sizeof(host);
	memset(w + o, 0xaa, 8);
	o += 8;
	dst_dns_put16(w + rdlen_at, (uint16_t)(o - rd));
	/* A with owner -> signer */
	w[o++] = 0xc0 | (uint8_t)(signer >> 8);
	w[o++] = (uint8_t)signer;
	static const uint8_t a[] = {0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 1};
	memcpy(w + o, a, sizeof(a));
	o += sizeof(a);
	/* MX with owner -> question, exchange -> signer */
	static const uint8_t mx[] = {0xc0, 12, 0, 15, 0, 1, 0, 0, 1, 44, 0, 4, 0, 10};
	memcpy(w + o, mx, sizeof(mx));
	o += sizeof(mx);
	w[o++] = 0xc0 | (uint8_t)(signer >> 8);
	w[o++] = (uint8_t)signer;

	ck_assert_uint_eq(dst_dns_count_rrsigs(w, o), 1);
	ssize_t n = dst_dns_strip_dnssec(w, o, DST_DNS_TYPE_A, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(dst_dns_count_rrsigs(out, (size_t)n), 0);
	ldns_pkt *p = from_wire(out, (size_t)n);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	ck_owner(ldns_pkt_answer(p), 0, "host.net.");
	ck_owner(ldns_pkt_answer(p), 1, "www.example.com.");
	char *t = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 1), 1));
	ck_assert_str_eq(t, "host.net.");
	free(t);
	ldns_pkt_free(p);
	/* Cut anywhere inside, the message is malformed, never read past its end. */
	for (size_t cut = DST_DNS_HEADER_LEN; cut < o; cut++)
		ck_assert_int_lt(dst_dns_strip_dnssec(w, cut, DST_DNS_TYPE_A, out, sizeof(out)), 0);
}
END_TEST

START_TEST(test_rrsigs_are_counted_in_every_section)
{
	ldns_pkt *p = answer_pkt(AID, 0, "www.example.com. IN A");
	add_rr(p, LDNS_SECTION_ANSWER, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, LDNS_SECTION_ANSWER, SIG("www.example.com.", "A"));
	add_rr(p, LDNS_SECTION_AUTHORITY, SIG("example.com.", "NS"));
	add_rr(p, LDNS_SECTION_ADDITIONAL, SIG("ns.example.com.", "A"));
	size_t n;
	uint8_t *w = to_wire(p, &n);

	ck_assert_uint_eq(dst_dns_count_rrsigs(w, n), 3);
	free(w);
}
END_TEST

TCase *dns_tcase_strip_dnssec(void)
{
	TCase *tc = tcase_create("strip_dnssec");

	tcase_add_test(tc, test_signatures_and_denials_are_removed_from_every_section);
	tcase_add_test(tc, test_records_of_the_asked_type_stay_in_the_answer_only);
	tcase_add_test(tc, test_an_answer_without_dnssec_records_is_copied_unchanged);
	tcase_add_test(tc, test_a_pointer_into_a_removed_record_is_expanded);
	tcase_add_test(tc, test_rrsigs_are_counted_in_every_section);
	return tc;
}
