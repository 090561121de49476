/*
 * dns/ unit tests for the replies dotstub builds on its own, without an
 * upstream (error responses, with and without Extended DNS Errors, and the
 * RFC 8482 answer to ANY), and for dst_strerror(). Part of check_dns.
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
/* err.c                                                               */
/* ------------------------------------------------------------------ */

START_TEST(test_every_own_code_has_a_distinct_name)
{
	const int codes[] = {DST_EFORMAT,      DST_ETLS,      DST_ECERTVERIFY,
			     DST_EPINMISMATCH, DST_EMISMATCH, DST_ESERVFAIL,
			     DST_EEOF,         DST_ECONFIG,   DST_ENOTRUST};
	const size_t n = sizeof(codes) / sizeof(codes[0]);
	for (size_t i = 0; i < n; i++) {
		const char *s = dst_strerror(codes[i]);
		ck_assert_ptr_nonnull(s);
		ck_assert_str_ne(s, dst_strerror(-99999));
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(s, dst_strerror(codes[j]));
	}
}
END_TEST

START_TEST(test_errno_codes_are_named_by_strerror)
{
	ck_assert_str_eq(dst_strerror(DST_ENOMEM), strerror(ENOMEM));
	ck_assert_str_eq(dst_strerror(DST_ETIMEDOUT), strerror(ETIMEDOUT));
	ck_assert_str_eq(dst_strerror(-EPIPE), strerror(EPIPE));
}
END_TEST

START_TEST(test_unknown_codes_still_get_a_name)
{
	ck_assert_ptr_nonnull(dst_strerror(0));
	ck_assert_ptr_nonnull(dst_strerror(5));
	ck_assert_ptr_nonnull(dst_strerror(-1999));
	ck_assert_ptr_nonnull(dst_strerror(-500));
	ck_assert_str_ne(dst_strerror(0), dst_strerror(DST_EFORMAT));
}
END_TEST

/* ------------------------------------------------------------------ */
/* error_response                                                      */
/* ------------------------------------------------------------------ */

/* Parses m (expecting an ERROR verdict) and builds its error response. */
static ldns_pkt *error_for(struct msg *m, struct dst_dns_query *q, unsigned want_rcode)
{
	uint8_t out[512];
	ck_assert_int_eq(parse(m, q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q->rcode, want_rcode);
	ssize_t n = dst_dns_error_response(m->b, q, q->rcode, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	return from_wire(out, (size_t)n);
}

START_TEST(test_formerr_echoes_id_question_and_flags)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, FLAG_CD, 1, 1, 0, 0);
	m_question(&m, QNAME, DST_DNS_TYPE_AAAA, DST_DNS_CLASS_IN);
	m_u8(&m, 0xc0); /* broken answer record */
	ldns_pkt *p = error_for(&m, &q, DST_DNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_assert(ldns_pkt_qr(p));
	ck_assert(ldns_pkt_ra(p));
	ck_assert(ldns_pkt_rd(p));
	ck_assert(ldns_pkt_cd(p));
	ck_assert(!ldns_pkt_aa(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0);
	ck_assert(!ldns_pkt_edns(p));
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ck_assert_int_eq(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)),
			 LDNS_RR_TYPE_AAAA);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_formerr_without_parsed_question_has_no_question)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, 0, 0, 1, 0, 0, 0);
	m_u8(&m, 5);
	m_u8(&m, 'a');
	ldns_pkt *p = error_for(&m, &q, DST_DNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 0);
	ck_assert(!ldns_pkt_rd(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_error_response_carries_opt_for_edns_queries)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 1, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_u16(&m, 0xc00c);
	m_rr_head(&m, DST_DNS_TYPE_A, 60, 4);
	m_u32(&m, 0xc0000201);
	m_opt(&m, 4096, 0, 0, 0x8000);
	ldns_pkt *p = error_for(&m, &q, DST_DNS_RCODE_FORMERR);
	ck_assert(ldns_pkt_edns(p));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), DST_DNS_OUR_UDP_SIZE);
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(p), 0);
	ck_assert(ldns_pkt_edns_do(p));
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_badvers_response_puts_high_rcode_bits_in_opt)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0, 1, 0);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ssize_t n = dst_dns_error_response(m.b, &q, q.rcode, out, sizeof(out));
	ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN);
	ck_assert_uint_eq(dst_dns_rcode(out), 0);
	/* OPT TTL: extended rcode 16 >> 4 = 1, version 0. */
	const uint8_t *opt = out + n - DST_DNS_OPT_LEN;
	ck_assert_uint_eq(dst_dns_get16(opt + 1), DST_DNS_TYPE_OPT);
	ck_assert_uint_eq(opt[5], 1);
	ck_assert_uint_eq(opt[6], 0);
	ldns_pkt *p = from_wire(out, (size_t)n);
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(p), 1);
	ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
	ck_assert(!ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_notimp_response_copies_opcode)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, false);
	m.b[2] |= 4 << 3;
	ldns_pkt *p = error_for(&m, &q, DST_DNS_RCODE_NOTIMP);
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_NOTIFY);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	ck_assert(ldns_pkt_rd(p));
	ck_assert(ldns_pkt_qr(p));
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_servfail_for_a_good_query)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	client(&m, &q, true);
	ssize_t n = dst_dns_error_response(m.b, &q, DST_DNS_RCODE_SERVFAIL, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ldns_pkt *p = from_wire(out, (size_t)n);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ck_assert(ldns_pkt_edns(p));
	ck_assert(ldns_pkt_edns_do(p));
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_error_response_needs_room_for_every_byte)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	client(&m, &q, true);
	size_t need = 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN;
	ck_assert_int_eq(dst_dns_error_response(m.b, &q, 2, out, need - 1), DST_ENOSPC);
	ck_assert_int_eq(dst_dns_error_response(m.b, &q, 2, out, need), (ssize_t)need);
}
END_TEST

START_TEST(test_error_response_can_be_built_over_the_query)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 1, 0, 0);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_u8(&m, 0);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ssize_t n = dst_dns_error_response(m.b, &q, q.rcode, m.b, sizeof(m.b));
	ck_assert_int_gt(n, 0);
	ldns_pkt *p = from_wire(m.b, (size_t)n);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
	ck_assert(ldns_pkt_rd(p));
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_extended_rcode_without_edns_is_refused)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	client(&m, &q, false);
	ck_assert_int_eq(dst_dns_error_response(m.b, &q, DST_DNS_RCODE_BADVERS, out, sizeof(out)),
			 DST_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* any_answer (RFC 8482)                                               */
/* ------------------------------------------------------------------ */

/* An ANY query for QNAME in class qclass, RD and CD set, optionally EDNS with DO. */
static void any_query(struct msg *m, struct dst_dns_query *q, uint16_t qclass, bool edns)
{
	m_header(m, QID, FLAG_RD, FLAG_CD, 1, 0, 0, edns ? 1 : 0);
	m_question(m, QNAME, DST_DNS_TYPE_ANY, qclass);
	if (edns)
		m_opt(m, 4096, 0, 0, 0x8000);
	parse_ok(m, q);
}

/* Builds the ANY answer into an exact-size heap copy and parses it with ldns. */
static ldns_pkt *any_answer_pkt(const struct msg *m, const struct dst_dns_query *q, size_t *len)
{
	uint8_t out[512];
	ssize_t n = dst_dns_any_answer(m->b, q, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	*len = (size_t)n;
	uint8_t *w = dup_bytes(out, *len);
	ldns_pkt *p = from_wire(w, *len);
	free(w);
	return p;
}

START_TEST(test_any_answer_is_one_rfc8482_hinfo)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	any_query(&m, &q, DST_DNS_CLASS_IN, false);
	ldns_pkt *p = any_answer_pkt(&m, &q, &len);

	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_assert(ldns_pkt_qr(p) && ldns_pkt_ra(p) && ldns_pkt_rd(p) && ldns_pkt_cd(p));
	ck_assert(!ldns_pkt_aa(p) && !ldns_pkt_tc(p) && !ldns_pkt_ad(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0);
	ck_assert(!ldns_pkt_edns(p));
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ck_assert_int_eq(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)),
			 LDNS_RR_TYPE_ANY);

	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	ck_owner(ldns_pkt_answer(p), 0, "www.Example.COM.");
	ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_HINFO);
	ck_assert_int_eq(ldns_rr_get_class(rr), LDNS_RR_CLASS_IN);
	ck_assert_uint_eq(ldns_rr_ttl(rr), 3600);
	ck_assert_uint_eq(ldns_rr_rd_count(rr), 2);
	char *cpu = ldns_rdf2str(ldns_rr_rdf(rr, 0)), *os = ldns_rdf2str(ldns_rr_rdf(rr, 1));
	ck_assert_str_eq(cpu, "\"RFC8482\"");
	ck_assert_str_eq(os, "\"\"");
	free(cpu);
	free(os);
	/* header + question + (pointer, fixed part, 9 bytes of RDATA): nothing else. */
	ck_assert_uint_eq(len, 12 + QNAME_WIRE_LEN + 4 + 2 + 10 + 9);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_any_answer_carries_opt_for_edns_queries)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	any_query(&m, &q, DST_DNS_CLASS_IN, true);
	ldns_pkt *p = any_answer_pkt(&m, &q, &len);

	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ck_assert(ldns_pkt_edns(p));
	ck_assert(ldns_pkt_edns_do(p));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), DST_DNS_OUR_UDP_SIZE);
	ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
	ck_assert_uint_eq(len, 12 + QNAME_WIRE_LEN + 4 + 21 + DST_DNS_OPT_LEN);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_any_answer_uses_the_question_class_or_in)
{
	static const struct {
		uint16_t qclass, rclass;
	} cases[] = {{3, 3}, {255, DST_DNS_CLASS_IN}, {254, DST_DNS_CLASS_IN}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msg m;
		struct dst_dns_query q;
		size_t len;
		any_query(&m, &q, cases[i].qclass, false);
		ldns_pkt *p = any_answer_pkt(&m, &q, &len);
		ck_assert_int_eq(ldns_rr_get_class(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
				 cases[i].rclass);
		ldns_pkt_free(p);
	}
}
END_TEST

START_TEST(test_any_answer_needs_room_for_every_byte)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	any_query(&m, &q, DST_DNS_CLASS_IN, true);
	size_t need = 12 + QNAME_WIRE_LEN + 4 + 21 + DST_DNS_OPT_LEN;

	memset(out, 0xa5, sizeof(out));
	ck_assert_int_eq(dst_dns_any_answer(m.b, &q, out, need - 1), DST_ENOSPC);
	for (size_t i = 0; i < sizeof(out); i++)
		ck_assert_uint_eq(out[i], 0xa5);
	ck_assert_int_eq(dst_dns_any_answer(m.b, &q, out, need), (ssize_t)need);
	ck_assert_uint_eq(out[need], 0xa5);
}
END_TEST

START_TEST(test_any_answer_can_be_built_over_the_query)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t ref[512];
	any_query(&m, &q, DST_DNS_CLASS_IN, true);
	ssize_t want = dst_dns_any_answer(m.b, &q, ref, sizeof(ref));
	ck_assert_int_gt(want, 0);
	ck_assert_int_eq(dst_dns_any_answer(m.b, &q, m.b, sizeof(m.b)), want);
	ck_assert_mem_eq(m.b, ref, (size_t)want);
}
END_TEST

START_TEST(test_any_answer_refuses_other_questions)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	client(&m, &q, false); /* QNAME/A */
	ck_assert_int_eq(dst_dns_any_answer(m.b, &q, out, sizeof(out)), DST_EINVAL);

	any_query(&m, &q, DST_DNS_CLASS_IN, false);
	q.question_end = 0;
	ck_assert_int_eq(dst_dns_any_answer(m.b, &q, out, sizeof(out)), DST_EINVAL);
}
END_TEST

START_TEST(test_any_answer_for_the_longest_name_fits_512_bytes)
{
	struct msg m;
	struct dst_dns_query q;
	char name[256] = "";
	size_t len;
	/* Labels of 63, 63, 63 and 61 bytes: 255 bytes in wire form, the most there is. */
	for (int l = 0; l < 4; l++) {
		if (l)
			strcat(name, ".");
		memset(name + strlen(name), 'a' + l, l < 3 ? 63 : 61); /* name is zero-filled */
	}
	m_header(&m, QID, 0, 0, 1, 0, 0, 1);
	m_question(&m, name, DST_DNS_TYPE_ANY, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0, 0, 0);
	parse_ok(&m, &q);
	ck_assert_uint_eq(q.qname_len, 255);
	ldns_pkt *p = any_answer_pkt(&m, &q, &len);
	ck_assert_uint_eq(len, 303);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* error_response_ede: Extended DNS Errors (RFC 8914)                  */
/* ------------------------------------------------------------------ */

/* The EDE option in a response we built: its info-code, text and length; false if none. */
static bool find_ede(const uint8_t *w, size_t n, uint16_t *code, char *text, size_t *tlen)
{
	ldns_pkt *p = from_wire(w, n);
	bool found = false;
	ldns_rdf *d = ldns_pkt_edns_data(p);
	if (d) {
		const uint8_t *o = ldns_rdf_data(d);
		size_t len = ldns_rdf_size(d);
		for (size_t i = 0; i + 4 <= len;) {
			uint16_t c = dst_dns_get16(o + i), l = dst_dns_get16(o + i + 2);
			ck_assert_uint_le(i + 4 + l, len);
			if (c == DST_DNS_EDNS_EDE) {
				ck_assert_uint_ge(l, 2);
				*code = dst_dns_get16(o + i + 4);
				*tlen = l - 2u;
				memcpy(text, o + i + 6, *tlen);
				text[*tlen] = '\0';
				found = true;
			}
			i += 4u + l;
		}
	}
	ldns_pkt_free(p);
	return found;
}

START_TEST(test_ede_carries_info_code_and_text_for_edns_clients)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	char text[512];
	uint16_t code = 0;
	size_t tlen = 0;
	static const char why[] = "dns.quad9.net: certificate expired";
	struct dst_dns_ede ede = {DST_DNS_EDE_NETWORK_ERROR, why, sizeof(why) - 1};
	client(&m, &q, true);
	ssize_t n =
		dst_dns_error_response_ede(m.b, &q, DST_DNS_RCODE_SERVFAIL, &ede, out, sizeof(out));
	ck_assert_int_eq(n,
			 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN + 6 + (ssize_t)sizeof(why) - 1);
	ldns_pkt *p = from_wire(out, (size_t)n);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_assert(ldns_pkt_edns_do(p));
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0); /* ldns keeps the OPT out of the counts */
	ldns_pkt_free(p);
	ck_assert(find_ede(out, (size_t)n, &code, text, &tlen));
	ck_assert_uint_eq(code, 23);
	ck_assert_str_eq(text, why);
}
END_TEST

START_TEST(test_ede_is_left_out_without_edns)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512], plain[512];
	struct dst_dns_ede ede = {DST_DNS_EDE_NETWORK_ERROR, "x: timed out", 12};
	client(&m, &q, false);
	ssize_t n =
		dst_dns_error_response_ede(m.b, &q, DST_DNS_RCODE_SERVFAIL, &ede, out, sizeof(out));
	ssize_t k = dst_dns_error_response(m.b, &q, DST_DNS_RCODE_SERVFAIL, plain, sizeof(plain));
	ck_assert_int_eq(n, k);
	ck_assert_mem_eq(out, plain, (size_t)k);
}
END_TEST

START_TEST(test_ede_without_text_is_just_the_info_code)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	char text[8];
	uint16_t code = 0;
	size_t tlen = 9;
	struct dst_dns_ede ede = {DST_DNS_EDE_NO_REACHABLE_AUTHORITY, NULL, 0};
	client(&m, &q, true);
	ssize_t n =
		dst_dns_error_response_ede(m.b, &q, DST_DNS_RCODE_SERVFAIL, &ede, out, sizeof(out));
	ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN + 6);
	ck_assert(find_ede(out, (size_t)n, &code, text, &tlen));
	ck_assert_uint_eq(code, 22);
	ck_assert_uint_eq(tlen, 0);
}
END_TEST

START_TEST(test_ede_text_is_cut_to_fit_at_a_character_boundary)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	char text[512], why[300];
	uint16_t code = 0;
	size_t tlen = 0, base = 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN;
	/* "é" (2 bytes) over and over: any cut must fall between two of them. */
	for (size_t i = 0; i + 1 < sizeof(why); i += 2) {
		why[i] = (char)0xc3;
		why[i + 1] = (char)0xa9;
	}
	struct dst_dns_ede ede = {DST_DNS_EDE_NETWORK_ERROR, why, sizeof(why)};
	client(&m, &q, true);
	for (size_t cap = base; cap < base + 40; cap++) {
		ssize_t n =
			dst_dns_error_response_ede(m.b, &q, DST_DNS_RCODE_SERVFAIL, &ede, out, cap);
		ck_assert_int_gt(n, 0);
		ck_assert_uint_le((size_t)n, cap);
		if (cap < base + 6) {
			ck_assert_int_eq(
				n, (ssize_t)base); /* no room for the option: plain SERVFAIL */
			continue;
		}
		ck_assert(find_ede(out, (size_t)n, &code, text, &tlen));
		ck_assert_uint_eq(code, 23);
		ck_assert_uint_eq(tlen % 2, 0);
		ck_assert_uint_ge(tlen + 1, cap - base - 6);
	}
	ck_assert_int_eq(
		dst_dns_error_response_ede(m.b, &q, DST_DNS_RCODE_SERVFAIL, &ede, out, base - 1),
		DST_ENOSPC);
}
END_TEST

/* ------------------------------------------------------------------ */
/* TCases                                                              */
/* ------------------------------------------------------------------ */

/* --- text (dns/text.c) ------------------------------------------------------- */

START_TEST(test_type_and_rcode_names_with_numbers_for_the_rest)
{
	char buf[DST_DNS_TEXT_LEN];

	ck_assert_str_eq(dst_dns_type_name(28, buf), "AAAA");
	ck_assert_str_eq(dst_dns_type_name(65, buf), "HTTPS");
	ck_assert_str_eq(dst_dns_type_name(65535, buf), "TYPE65535");
	ck_assert_str_eq(dst_dns_rcode_name(3, buf), "NXDOMAIN");
	ck_assert_str_eq(dst_dns_rcode_name(5, buf), "REFUSED");
	ck_assert_str_eq(dst_dns_rcode_name(4095, buf), "RCODE4095");
}
END_TEST

START_TEST(test_name_to_text_escapes_and_stops_at_bad_labels)
{
	char out[DST_DNS_NAME_TEXT_LEN];
	const uint8_t www[] = "\x03"
			      "www"
			      "\x07"
			      "example"
			      "\x03"
			      "com"
			      "\x00";
	const uint8_t odd[] = {2, 'a', '.', 2, ' ', '\\', 0};
	const uint8_t root[] = {0};
	const uint8_t cut[] = {3, 'w', 'w'};
	const uint8_t pointer[] = {0xc0, 0x0c};
	const uint8_t unterminated[] = {1, 'a'};

	ck_assert_uint_eq(dst_dns_name_to_text(www, sizeof(www) - 1, 0, out), 17);
	ck_assert_str_eq(out, "www.example.com.");
	ck_assert_uint_eq(dst_dns_name_to_text(odd, sizeof(odd), 0, out), sizeof(odd));
	ck_assert_str_eq(out, "a\\046.\\032\\092.");
	ck_assert_uint_eq(dst_dns_name_to_text(root, sizeof(root), 0, out), 1);
	ck_assert_str_eq(out, ".");
	ck_assert_uint_eq(dst_dns_name_to_text(cut, sizeof(cut), 0, out), 0);
	ck_assert_uint_eq(dst_dns_name_to_text(pointer, sizeof(pointer), 0, out), 0);
	ck_assert_uint_eq(dst_dns_name_to_text(unterminated, sizeof(unterminated), 0, out), 0);
}
END_TEST

START_TEST(test_name_to_text_of_the_longest_name_fits_its_buffer)
{
	uint8_t wire[DST_DNS_MAX_NAME];
	char out[DST_DNS_NAME_TEXT_LEN];
	size_t n = 0;

	/* 255 bytes of name: three labels of 63 and one of 61, every byte escaped (\DDD). */
	for (int l = 0; l < 4; l++) {
		size_t len = l < 3 ? 63 : 61;
		wire[n++] = (uint8_t)len;
		memset(wire + n, 0x01, len);
		n += len;
	}
	wire[n++] = 0;
	ck_assert_uint_eq(n, DST_DNS_MAX_NAME);
	ck_assert_uint_eq(dst_dns_name_to_text(wire, n, 0, out), n);
	ck_assert_uint_eq(strlen(out), 4 * 250 + 4);
}
END_TEST

START_TEST(test_name_from_text_takes_plain_names_only)
{
	uint8_t w[DST_DNS_MAX_NAME];
	char label64[70], long_name[300];

	ck_assert_uint_eq(dst_dns_name_from_text("www.example.com", w), 17);
	ck_assert_mem_eq(w,
			 "\x03"
			 "www"
			 "\x07"
			 "example"
			 "\x03"
			 "com"
			 "\x00",
			 17);
	ck_assert_uint_eq(dst_dns_name_from_text("www.example.com.", w), 17);
	ck_assert_uint_eq(dst_dns_name_from_text(".", w), 1);
	ck_assert_uint_eq(w[0], 0);
	ck_assert_uint_eq(dst_dns_name_from_text("a..b", w), 0);
	ck_assert_uint_eq(dst_dns_name_from_text(".a", w), 0);
	ck_assert_uint_eq(dst_dns_name_from_text("a b", w), 0);
	ck_assert_uint_eq(dst_dns_name_from_text("a\\.b", w), 0);
	memset(label64, 'x', 64);
	label64[64] = '\0';
	ck_assert_uint_eq(dst_dns_name_from_text(label64, w), 0);
	for (int i = 0; i < 128; i++)
		memcpy(long_name + 2 * i, "a.", 2);
	long_name[256] = '\0'; /* 128 labels: 257 bytes in wire form */
	ck_assert_uint_eq(dst_dns_name_from_text(long_name, w), 0);
}
END_TEST

TCase *dns_tcase_text(void)
{
	TCase *tc = tcase_create("text");
	tcase_add_test(tc, test_type_and_rcode_names_with_numbers_for_the_rest);
	tcase_add_test(tc, test_name_to_text_escapes_and_stops_at_bad_labels);
	tcase_add_test(tc, test_name_to_text_of_the_longest_name_fits_its_buffer);
	tcase_add_test(tc, test_name_from_text_takes_plain_names_only);
	return tc;
}

TCase *dns_tcase_strerror(void)
{
	TCase *tc = tcase_create("strerror");
	tcase_add_test(tc, test_every_own_code_has_a_distinct_name);
	tcase_add_test(tc, test_errno_codes_are_named_by_strerror);
	tcase_add_test(tc, test_unknown_codes_still_get_a_name);
	return tc;
}

TCase *dns_tcase_error_response(void)
{
	TCase *tc = tcase_create("error_response");
	tcase_add_test(tc, test_formerr_echoes_id_question_and_flags);
	tcase_add_test(tc, test_formerr_without_parsed_question_has_no_question);
	tcase_add_test(tc, test_error_response_carries_opt_for_edns_queries);
	tcase_add_test(tc, test_badvers_response_puts_high_rcode_bits_in_opt);
	tcase_add_test(tc, test_notimp_response_copies_opcode);
	tcase_add_test(tc, test_servfail_for_a_good_query);
	tcase_add_test(tc, test_error_response_needs_room_for_every_byte);
	tcase_add_test(tc, test_error_response_can_be_built_over_the_query);
	tcase_add_test(tc, test_extended_rcode_without_edns_is_refused);
	return tc;
}

TCase *dns_tcase_any_answer(void)
{
	TCase *tc = tcase_create("any_answer");
	tcase_add_test(tc, test_any_answer_is_one_rfc8482_hinfo);
	tcase_add_test(tc, test_any_answer_carries_opt_for_edns_queries);
	tcase_add_test(tc, test_any_answer_uses_the_question_class_or_in);
	tcase_add_test(tc, test_any_answer_needs_room_for_every_byte);
	tcase_add_test(tc, test_any_answer_can_be_built_over_the_query);
	tcase_add_test(tc, test_any_answer_refuses_other_questions);
	tcase_add_test(tc, test_any_answer_for_the_longest_name_fits_512_bytes);
	return tc;
}

TCase *dns_tcase_error_response_ede(void)
{
	TCase *tc = tcase_create("error_response_ede");
	tcase_add_test(tc, test_ede_carries_info_code_and_text_for_edns_clients);
	tcase_add_test(tc, test_ede_is_left_out_without_edns);
	tcase_add_test(tc, test_ede_without_text_is_just_the_info_code);
	tcase_add_test(tc, test_ede_text_is_cut_to_fit_at_a_character_boundary);
	return tc;
}
