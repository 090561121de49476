/*
 * dns/ unit tests: the checks on an upstream answer before it is cached
 * (dst_dns_prepare_answer): ID and question match, negative answers, OPT
 * removal, compression pointers, TTL offsets. Part of check_dns.
 */
/* stdbool before ldns: ldns otherwise defines _Bool as signed char. */
#include <stdbool.h>

#include <check.h>
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "tests/unit/dns_test_util.h"

/* ------------------------------------------------------------------ */
/* prepare_answer                                                      */
/* ------------------------------------------------------------------ */

/* AID, QSTR, struct prepared and prepare() are in dns_test_util.h: hostile input uses them too. */

static void prepare_pkt(struct prepared *r, ldns_pkt *p, const struct dst_dns_query *q)
{
	size_t len;
	uint8_t *w = to_wire(p, &len);
	prepare(r, w, len, q, 64);
}

static void prepare_msg(struct prepared *r, const struct msg *m, const struct dst_dns_query *q)
{
	prepare(r, dup_bytes(m->b, m->n), m->n, q, 64);
}

/* An answer header built by hand for QNAME/A: QR, RD, RA. */
static void hand_answer(struct msg *m, uint16_t an, uint16_t ns, uint16_t ar)
{
	m_header(m, AID, 0x80 | FLAG_RD, 0x80, 1, an, ns, ar);
	m_question(m, "www.example.com", DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
}

START_TEST(test_simple_a_answer_is_accepted)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.len, r.orig_len);
	ck_assert_uint_eq(r.info.rcode, 0);
	ck_assert(!r.info.tc);
	ck_assert(!r.info.negative);
	ck_assert(!r.info.has_soa);
	ck_assert_uint_eq(r.info.min_ttl, 300);
	ck_assert_uint_eq(r.info.nttl, 1);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[0]), 300);
	free(r.wire);
}
END_TEST

START_TEST(test_question_name_is_compared_ignoring_case)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, "WWW.exAMPLE.com. IN A");
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	free(r.wire);
}
END_TEST

START_TEST(test_ttl_offsets_cover_every_record)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	const uint32_t ttls[] = {500, 400, 3600, 86400, 120, 7};
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 500 IN A 192.0.2.1");
	add_rr(p, AN, "www.example.com. 400 IN A 192.0.2.2");
	add_rr(p, NS, "example.com. 3600 IN NS ns1.example.com.");
	add_rr(p, NS, "example.com. 86400 IN NS ns2.example.net.");
	add_rr(p, AR, "ns1.example.com. 120 IN A 192.0.2.53");
	add_rr(p, AR, "ns1.example.com. 7 IN AAAA 2001:db8::53");
	ldns_pkt_set_edns_udp_size(p, 1232);
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.nttl, 6);
	for (size_t i = 0; i < 6; i++) {
		ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[i]), ttls[i]);
		if (i)
			ck_assert_uint_gt(r.ttl[i], r.ttl[i - 1]);
	}
	ck_assert_uint_eq(r.info.min_ttl, 7);
	/* Every TTL offset is exactly the records ldns finds, in order. */
	ldns_pkt *back = from_wire(r.wire, r.len);
	ck_assert_uint_eq(ldns_pkt_ancount(back) + ldns_pkt_nscount(back) + ldns_pkt_arcount(back),
			  6);
	ck_assert(!ldns_pkt_edns(back));
	ldns_pkt_free(back);
	free(r.wire);
}
END_TEST

START_TEST(test_cname_chain_with_compressed_names_is_accepted)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 3600 IN CNAME web.example.com.");
	add_rr(p, AN, "web.example.com. 600 IN CNAME cdn.example.com.");
	add_rr(p, AN, "cdn.example.com. 60 IN A 192.0.2.7");
	size_t len;
	uint8_t *w = to_wire(p, &len);
	ck_assert(has_pointer(w, len));
	prepare(&r, w, len, &q, 64);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.nttl, 3);
	ck_assert_uint_eq(r.info.min_ttl, 60);
	ck_assert(!r.info.negative);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[2]), 60);
	free(r.wire);
}
END_TEST

START_TEST(test_answer_with_wrong_id_is_mismatch)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID + 1, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, DST_EMISMATCH);
	free(r.wire);
}
END_TEST

START_TEST(test_answer_with_qr_clear_is_mismatch)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	ldns_pkt_set_qr(p, false);
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, DST_EMISMATCH);
	free(r.wire);
}
END_TEST

START_TEST(test_answer_for_another_question_is_mismatch)
{
	const char *const others[] = {"www.example.net. IN A",   "www.example.com. IN AAAA",
				      "www.example.com. CH A",   "ww.example.com. IN A",
				      "www.example.com.x. IN A", "www.example.co. IN A"};
	struct msg m;
	struct dst_dns_query q;
	client(&m, &q, false);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		struct prepared r;
		prepare_pkt(&r, answer_pkt(AID, 0, others[i]), &q);
		ck_assert_msg(r.rc == DST_EMISMATCH, "%s: %d", others[i], r.rc);
		free(r.wire);
	}
}
END_TEST

START_TEST(test_answer_without_question_is_mismatch)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	m_header(&m, AID, 0x80, 0x82, 0, 0, 0, 0);
	prepare_msg(&r, &m, &q);
	ck_assert_int_eq(r.rc, DST_EMISMATCH);
	free(r.wire);
}
END_TEST

START_TEST(test_nxdomain_with_soa_is_negative_with_minimum)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, LDNS_RCODE_NXDOMAIN, QSTR);
	add_rr(p, NS,
	       "example.com. 900 IN SOA ns1.example.com. hostmaster.example.com. "
	       "2024010101 7200 3600 1209600 300");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.rcode, DST_DNS_RCODE_NXDOMAIN);
	ck_assert(r.info.negative);
	ck_assert(r.info.has_soa);
	ck_assert_uint_eq(r.info.soa_minimum, 300);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.info.soa_ttl_off), 900);
	ck_assert_uint_eq(r.info.soa_ttl_off, r.ttl[0]);
	ck_assert_uint_eq(r.info.min_ttl, 900);
	free(r.wire);
}
END_TEST

START_TEST(test_nodata_answer_is_negative)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, NS, "example.com. 3600 IN NS ns1.example.com.");
	add_rr(p, NS, "example.com. 60 IN SOA ns1.example.com. hm.example.com. 1 2 3 4 5");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert(r.info.negative);
	ck_assert(r.info.has_soa);
	ck_assert_uint_eq(r.info.soa_minimum, 5);
	ck_assert_uint_eq(r.info.soa_ttl_off, r.ttl[1]);
	free(r.wire);
}
END_TEST

START_TEST(test_nxdomain_without_soa_has_no_soa)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	prepare_pkt(&r, answer_pkt(AID, LDNS_RCODE_NXDOMAIN, QSTR), &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert(r.info.negative);
	ck_assert(!r.info.has_soa);
	ck_assert_uint_eq(r.info.min_ttl, UINT32_MAX);
	ck_assert_uint_eq(r.info.nttl, 0);
	free(r.wire);
}
END_TEST

START_TEST(test_positive_answer_reports_no_soa)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, NS, "example.com. 60 IN SOA ns1.example.com. hm.example.com. 1 2 3 4 5");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert(!r.info.negative);
	ck_assert(!r.info.has_soa);
	ck_assert_uint_eq(r.info.min_ttl, 60);
	free(r.wire);
}
END_TEST

START_TEST(test_servfail_is_not_negative)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	prepare_pkt(&r, answer_pkt(AID, LDNS_RCODE_SERVFAIL, QSTR), &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.rcode, DST_DNS_RCODE_SERVFAIL);
	ck_assert(!r.info.negative);
	free(r.wire);
}
END_TEST

START_TEST(test_opt_is_removed_and_extended_rcode_folded)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, true);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	ldns_pkt_set_edns_udp_size(p, 1232);
	ldns_pkt_set_edns_extended_rcode(p, 1);
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.rcode, DST_DNS_RCODE_BADVERS);
	ck_assert(!r.info.negative);
	ck_assert_uint_eq(r.len, r.orig_len - DST_DNS_OPT_LEN);
	ck_assert_uint_eq(dst_dns_arcount(r.wire), 0);
	ck_assert_uint_eq(r.info.min_ttl, UINT32_MAX);
	free(r.wire);
}
END_TEST

START_TEST(test_opt_in_middle_of_additional_is_removed)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	size_t one_len, full_len;
	client(&m, &q, true);

	/* The same answer with one and with two additional records. */
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, AR, "a.example.org. 111 IN A 192.0.2.2");
	uint8_t *one = to_wire(p, &one_len);
	p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, AR, "a.example.org. 111 IN A 192.0.2.2");
	add_rr(p, AR, "b.example.net. 222 IN TXT \"after the opt\"");
	uint8_t *full = to_wire(p, &full_len);
	ck_assert_mem_eq(one + 12, full + 12, one_len - 12);

	/* Splice an OPT with a padding option in between. */
	struct msg a = {.n = 0};
	memcpy(a.b, full, one_len);
	a.n = one_len;
	m_u8(&a, 0);
	m_u16(&a, DST_DNS_TYPE_OPT);
	m_u16(&a, 4096);
	m_u32(&a, 0x01000000); /* extended rcode 1 */
	m_u16(&a, 8);
	m_u16(&a, 12);
	m_u16(&a, 4);
	m_u32(&a, 0);
	memcpy(a.b + a.n, full + one_len, full_len - one_len);
	a.n += full_len - one_len;
	dst_dns_put16(a.b + 10, 3);
	a.b[3] |= 3; /* header rcode 3 + ext 1 -> 19 */

	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.rcode, 19);
	ck_assert_uint_eq(r.len, full_len);
	ck_assert_uint_eq(dst_dns_arcount(r.wire), 2);
	/* What is left is exactly the answer without the OPT. */
	ck_assert_mem_eq(r.wire + 12, full + 12, full_len - 12);
	ck_assert_uint_eq(r.info.nttl, 3);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[0]), 300);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[1]), 111);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[2]), 222);
	free(one);
	free(full);
	free(r.wire);
}
END_TEST

START_TEST(test_pointer_after_opt_is_moved_with_its_target)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 1, 0, 3); /* question: 12..33 */
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
	m_u32(&a, 0xc0000201);
	ck_assert_uint_eq(a.n, 49);
	m_opt(&a, 1232, 0, 0, 0); /* 49..60 */
	m_u8(&a, 3);              /* ns1 + pointer to example.com at 16 */
	m_u8(&a, 'n');
	m_u8(&a, 's');
	m_u8(&a, '1');
	m_u16(&a, 0xc010);
	m_rr_head(&a, DST_DNS_TYPE_A, 100, 4);
	m_u32(&a, 0xc0000235);
	ck_assert_uint_eq(a.n, 80);
	m_u16(&a, 0xc000 | 60); /* ns1.example.com, after the OPT */
	m_rr_head(&a, DST_DNS_TYPE_CNAME, 50, 2);
	m_u16(&a, 0xc000 | 60);

	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.len, a.n - DST_DNS_OPT_LEN);
	ck_assert_uint_eq(r.info.nttl, 3);
	ck_assert_uint_eq(r.ttl[1], 70 - DST_DNS_OPT_LEN);
	ck_assert_uint_eq(r.ttl[2], 86 - DST_DNS_OPT_LEN);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[2]), 50);
	ldns_pkt *p = from_wire(r.wire, r.len);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 2);
	ck_owner(ldns_pkt_additional(p), 0, "ns1.example.com.");
	ck_owner(ldns_pkt_additional(p), 1, "ns1.example.com.");
	char *target = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_additional(p), 1), 0));
	ck_assert_str_eq(target, "ns1.example.com.");
	free(target);
	ldns_pkt_free(p);
	free(r.wire);
}
END_TEST

START_TEST(test_pointer_into_opt_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 0, 0, 2);
	m_opt(&a, 1232, 0, 0, 0); /* at 33 */
	m_u16(&a, 0xc000 | 33);
	m_rr_head(&a, DST_DNS_TYPE_A, 100, 4);
	m_u32(&a, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_two_opt_records_in_answer_are_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, true);
	hand_answer(&a, 0, 0, 2);
	m_opt(&a, 1232, 0, 0, 0);
	m_opt(&a, 1232, 0, 0, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_opt_outside_additional_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, true);
	hand_answer(&a, 0, 1, 0);
	m_opt(&a, 1232, 0, 0, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_opt_with_non_root_owner_in_answer_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, true);
	hand_answer(&a, 0, 0, 1);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_OPT, 0, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_rdlength_past_end_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 1, 0, 0);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 5);
	m_u32(&a, 0xc0000201);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_missing_records_are_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	size_t len;
	uint8_t *w = to_wire(p, &len);
	dst_dns_put16(w + 8, 1); /* claims an authority record it lacks */
	uint8_t *copy = dup_bytes(w, len);
	prepare(&r, w, len, &q, 64);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	ck_assert_mem_eq(r.wire, copy, len); /* untouched on error */
	ck_assert_uint_eq(r.len, len);
	free(copy);
	free(r.wire);
}
END_TEST

START_TEST(test_forward_compression_pointer_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 2, 0, 0);
	m_u16(&a, 0xc000 | 51); /* points at the next record's owner */
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
	m_u32(&a, 0);
	ck_assert_uint_eq(a.n, 49);
	m_name(&a, "x");
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
	m_u32(&a, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_compression_loop_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	client(&m, &q, false);
	/* A pointer to itself, to its own name's start, and two names pointing at each other. */
	for (int shape = 0; shape < 3; shape++) {
		struct msg a;
		struct prepared r;
		hand_answer(&a, 2, 0, 0);
		if (shape == 0) {
			m_u16(&a, 0xc000 | 33);
		} else if (shape == 1) {
			m_u8(&a, 1);
			m_u8(&a, 'a');
			m_u16(&a, 0xc000 | 33);
		} else {
			m_u8(&a, 1);
			m_u8(&a, 'a');
			m_u16(&a, 0xc000 | 51); /* to the second owner */
		}
		m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
		m_u32(&a, 0);
		if (shape == 2) {
			ck_assert_uint_eq(a.n, 51);
			m_u16(&a, 0xc000 | 33); /* back to the first */
		} else {
			m_u16(&a, 0xc00c);
		}
		m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
		m_u32(&a, 0);
		prepare_msg(&r, &a, &q);
		ck_assert_msg(r.rc == DST_EFORMAT, "shape %d: %d", shape, r.rc);
		free(r.wire);
	}
}
END_TEST

/*
 * An answer whose second owner name is a chain of pointers: the first
 * record's opaque RDATA holds n pointers, each to the one before, the first
 * to the question name. The owner's pointer makes n + 1 jumps in all.
 */
static int pointer_chain(const struct dst_dns_query *q, size_t n)
{
	struct msg a;
	struct prepared r;
	hand_answer(&a, 2, 0, 0);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, 65280, 60, (uint16_t)(2 * n));
	size_t base = a.n;
	m_u16(&a, 0xc00c);
	for (size_t i = 1; i < n; i++)
		m_u16(&a, (uint16_t)(0xc000 | (base + 2 * (i - 1))));
	m_u16(&a, (uint16_t)(0xc000 | (base + 2 * (n - 1))));
	m_rr_head(&a, DST_DNS_TYPE_A, 60, 4);
	m_u32(&a, 0);
	prepare_msg(&r, &a, q);
	free(r.wire);
	return r.rc;
}

START_TEST(test_long_pointer_chain_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	client(&m, &q, false);
	ck_assert_int_eq(pointer_chain(&q, 126), 0);
	ck_assert_int_eq(pointer_chain(&q, 127), DST_EFORMAT);
}
END_TEST

START_TEST(test_pointer_into_header_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 1, 0, 0);
	m_u16(&a, 0xc004);
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
	m_u32(&a, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_compressed_question_in_answer_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	m_header(&a, AID, 0x80, 0x80, 1, 0, 0, 0);
	m_u16(&a, 0xc00c);
	m_u16(&a, DST_DNS_TYPE_A);
	m_u16(&a, DST_DNS_CLASS_IN);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_trailing_garbage_is_cut)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	size_t len;
	uint8_t *w = to_wire(p, &len);
	uint8_t *big = malloc(len + 7);
	ck_assert_ptr_nonnull(big);
	memcpy(big, w, len);
	memset(big + len, 0xc0, 7);
	prepare(&r, big, len + 7, &q, 64);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.len, len);
	ck_assert_mem_eq(r.wire, w, len);
	free(w);
	free(r.wire);
}
END_TEST

START_TEST(test_ttl_with_top_bit_counts_as_zero)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 2, 0, 0);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
	m_u32(&a, 0);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_A, 0x80000010u, 4);
	m_u32(&a, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.min_ttl, 0);
	free(r.wire);
}
END_TEST

START_TEST(test_too_many_records_give_enospc_after_full_preparation)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, true);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, AN, "www.example.com. 200 IN A 192.0.2.2");
	add_rr(p, AN, "www.example.com. 100 IN A 192.0.2.3");
	ldns_pkt_set_edns_udp_size(p, 1232);
	size_t len;
	uint8_t *w = to_wire(p, &len);
	prepare(&r, w, len, &q, 2);
	ck_assert_int_eq(r.rc, DST_ENOSPC);
	ck_assert_uint_eq(r.info.nttl, 2);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[1]), 200);
	ck_assert_uint_eq(r.info.min_ttl, 100);
	ck_assert_uint_eq(r.len, len - DST_DNS_OPT_LEN);
	ck_assert_uint_eq(dst_dns_arcount(r.wire), 0);
	free(r.wire);
}
END_TEST

START_TEST(test_answer_can_be_checked_without_ttl_array)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	size_t len;
	uint8_t *w = to_wire(p, &len);
	r.wire = w;
	r.len = len;
	r.rc = dst_dns_prepare_answer(w, &r.len, AID, &q, NULL, 0, &r.info);
	ck_assert_int_eq(r.rc, DST_ENOSPC);
	ck_assert_uint_eq(r.info.nttl, 0);
	ck_assert_uint_eq(r.info.min_ttl, 300);
	free(w);
}
END_TEST

START_TEST(test_soa_with_bad_rdata_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	client(&m, &q, false);
	/* Two names then 19 or 21 bytes instead of 20. */
	for (int extra = -1; extra <= 1; extra += 2) {
		struct msg a;
		struct prepared r;
		hand_answer(&a, 0, 1, 0);
		m_u16(&a, 0xc010);
		m_rr_head(&a, DST_DNS_TYPE_SOA, 60, (uint16_t)(2 + 2 + 20 + extra));
		m_u16(&a, 0xc00c);
		m_u16(&a, 0xc010);
		for (int i = 0; i < 20 + extra; i++)
			m_u8(&a, 1);
		prepare_msg(&r, &a, &q);
		ck_assert_msg(r.rc == DST_EFORMAT, "extra %d: %d", extra, r.rc);
		free(r.wire);
	}
}
END_TEST

START_TEST(test_cname_rdata_longer_than_its_name_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 1, 0, 0);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_CNAME, 60, 3);
	m_u16(&a, 0xc010);
	m_u8(&a, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_truncated_answer_bit_is_reported)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	ldns_pkt_set_tc(p, true);
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert(r.info.tc);
	free(r.wire);
}
END_TEST

/* ------------------------------------------------------------------ */
/* TCases                                                              */
/* ------------------------------------------------------------------ */

TCase *dns_tcase_prepare_answer(void)
{
	TCase *tc = tcase_create("prepare_answer");
	tcase_add_test(tc, test_simple_a_answer_is_accepted);
	tcase_add_test(tc, test_question_name_is_compared_ignoring_case);
	tcase_add_test(tc, test_ttl_offsets_cover_every_record);
	tcase_add_test(tc, test_cname_chain_with_compressed_names_is_accepted);
	tcase_add_test(tc, test_answer_with_wrong_id_is_mismatch);
	tcase_add_test(tc, test_answer_with_qr_clear_is_mismatch);
	tcase_add_test(tc, test_answer_for_another_question_is_mismatch);
	tcase_add_test(tc, test_answer_without_question_is_mismatch);
	tcase_add_test(tc, test_nxdomain_with_soa_is_negative_with_minimum);
	tcase_add_test(tc, test_nodata_answer_is_negative);
	tcase_add_test(tc, test_nxdomain_without_soa_has_no_soa);
	tcase_add_test(tc, test_positive_answer_reports_no_soa);
	tcase_add_test(tc, test_servfail_is_not_negative);
	tcase_add_test(tc, test_opt_is_removed_and_extended_rcode_folded);
	tcase_add_test(tc, test_opt_in_middle_of_additional_is_removed);
	tcase_add_test(tc, test_pointer_after_opt_is_moved_with_its_target);
	tcase_add_test(tc, test_pointer_into_opt_is_formerr);
	tcase_add_test(tc, test_two_opt_records_in_answer_are_formerr);
	tcase_add_test(tc, test_opt_outside_additional_is_formerr);
	tcase_add_test(tc, test_opt_with_non_root_owner_in_answer_is_formerr);
	tcase_add_test(tc, test_rdlength_past_end_is_formerr);
	tcase_add_test(tc, test_missing_records_are_formerr);
	tcase_add_test(tc, test_forward_compression_pointer_is_formerr);
	tcase_add_test(tc, test_compression_loop_is_formerr);
	tcase_add_test(tc, test_long_pointer_chain_is_formerr);
	tcase_add_test(tc, test_pointer_into_header_is_formerr);
	tcase_add_test(tc, test_compressed_question_in_answer_is_formerr);
	tcase_add_test(tc, test_trailing_garbage_is_cut);
	tcase_add_test(tc, test_ttl_with_top_bit_counts_as_zero);
	tcase_add_test(tc, test_too_many_records_give_enospc_after_full_preparation);
	tcase_add_test(tc, test_answer_can_be_checked_without_ttl_array);
	tcase_add_test(tc, test_soa_with_bad_rdata_is_formerr);
	tcase_add_test(tc, test_cname_rdata_longer_than_its_name_is_formerr);
	tcase_add_test(tc, test_truncated_answer_bit_is_reported);
	return tc;
}
