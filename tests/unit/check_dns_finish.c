/*
 * dns/ unit tests: turning a cached answer into the reply to one client
 * (dst_dns_finish_answer): ID, name case, flags, OPT and truncation.
 * Part of check_dns.
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
/* finish_answer                                                       */
/* ------------------------------------------------------------------ */

/*
 * Prepares an ldns answer to the client query m/q into a buffer with room
 * to spare, as the cache would hold it. Returns the buffer; *len is the
 * prepared length.
 */
static uint8_t *cached(ldns_pkt *p, const struct dst_dns_query *q, size_t *len, size_t cap)
{
	size_t n;
	uint8_t *w = to_wire(p, &n);
	uint16_t ttl[128];
	struct dst_dns_answer_info info;
	ck_assert_uint_le(n, cap);
	uint8_t *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, w, n);
	free(w);
	ck_assert_int_eq(dst_dns_prepare_answer(buf, &n, AID, q, ttl, 128, &info), 0);
	*len = n;
	return buf;
}

static ldns_pkt *a_records(int n, uint8_t rcode)
{
	char rr[80];
	ldns_pkt *p = answer_pkt(AID, rcode, "WWW.EXAMPLE.COM. IN A");
	ldns_pkt_set_aa(p, true);
	ldns_pkt_set_ad(p, true);
	for (int i = 0; i < n; i++) {
		snprintf(rr, sizeof(rr), "www.example.com. 300 IN A 192.0.2.%d", i + 1);
		add_rr(p, AN, rr);
	}
	return p;
}

START_TEST(test_finish_sets_client_id_case_and_flags)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	std_query(&m, false);
	m.b[2] = 0;              /* no RD */
	m.b[3] = FLAG_CD | 0x20; /* CD, and AD: the client understands AD */
	parse_ok(&m, &q);
	uint8_t *w = cached(a_records(2, 0), &q, &len, 1024);
	ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, q.udp_size);
	ck_assert_int_eq(n, (ssize_t)len);
	ldns_pkt *p = from_wire(w, (size_t)n);
	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ck_assert(!ldns_pkt_rd(p));
	ck_assert(ldns_pkt_cd(p));
	ck_assert(ldns_pkt_aa(p));
	ck_assert(ldns_pkt_ad(p));
	ck_assert(ldns_pkt_ra(p));
	ck_assert(ldns_pkt_qr(p));
	ck_assert(!ldns_pkt_tc(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	ck_assert(!ldns_pkt_edns(p));
	ldns_pkt_free(p);
	free(w);
}
END_TEST

START_TEST(test_opt_is_appended_only_for_edns_clients)
{
	for (int edns = 0; edns <= 1; edns++) {
		struct msg m;
		struct dst_dns_query q;
		size_t len;
		client(&m, &q, edns);
		uint8_t *w = cached(a_records(1, 0), &q, &len, 1024);
		ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, q.udp_size);
		ck_assert_int_eq(n, (ssize_t)(len + (edns ? DST_DNS_OPT_LEN : 0)));
		ldns_pkt *p = from_wire(w, (size_t)n);
		ck_assert_int_eq(ldns_pkt_edns(p), edns);
		ck_assert_uint_eq(dst_dns_arcount(w), edns ? 1 : 0);
		if (edns) {
			ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), DST_DNS_OUR_UDP_SIZE);
			ck_assert(ldns_pkt_edns_do(p));
			ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
		}
		ldns_pkt_free(p);
		free(w);
	}
}
END_TEST

START_TEST(test_do_bit_is_echoed_only_when_client_set_it)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0, 0, 0);
	parse_ok(&m, &q);
	uint8_t *w = cached(a_records(1, 0), &q, &len, 1024);
	ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, q.udp_size);
	ck_assert_int_gt(n, 0);
	ldns_pkt *p = from_wire(w, (size_t)n);
	ck_assert(ldns_pkt_edns(p));
	ck_assert(!ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
	free(w);
}
END_TEST

START_TEST(test_answer_at_exact_limit_is_not_truncated)
{
	for (int edns = 0; edns <= 1; edns++) {
		struct msg m;
		struct dst_dns_query q;
		size_t len;
		client(&m, &q, edns);
		uint8_t *w = cached(a_records(5, 0), &q, &len, 1024);
		size_t full = len + (edns ? DST_DNS_OPT_LEN : 0);
		ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, full);
		ck_assert_int_eq(n, (ssize_t)full);
		ck_assert(!dst_dns_tc(w));
		ck_assert_uint_eq(dst_dns_ancount(w), 5);
		free(w);
	}
}
END_TEST

START_TEST(test_answer_one_byte_over_limit_is_truncated)
{
	for (int edns = 0; edns <= 1; edns++) {
		struct msg m;
		struct dst_dns_query q;
		size_t len;
		client(&m, &q, edns);
		uint8_t *w = cached(a_records(5, 0), &q, &len, 1024);
		size_t full = len + (edns ? DST_DNS_OPT_LEN : 0);
		ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, full - 1);
		ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4 + (edns ? DST_DNS_OPT_LEN : 0));
		ck_assert(dst_dns_tc(w));
		ldns_pkt *p = from_wire(w, (size_t)n);
		ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
		ck_assert_int_eq(ldns_pkt_edns(p), edns);
		ldns_pkt_free(p);
		free(w);
	}
}
END_TEST

/* RFC 6840 5.8: AD goes only to a client that set DO or AD in its query. */
START_TEST(test_ad_is_cleared_unless_the_client_set_do_or_ad)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;

	for (int flavour = 0; flavour < 3; flavour++) {
		std_query(&m, flavour == 2); /* flavour 2: EDNS with DO */
		if (flavour == 1)
			m.b[3] = 0x20;
		parse_ok(&m, &q);
		ck_assert(q.ad == (flavour == 1));
		ck_assert(q.do_bit == (flavour == 2));
		uint8_t *w = cached(a_records(1, 0), &q, &len, 1024);
		ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, 1024);
		ck_assert_int_gt(n, 0);
		ldns_pkt *p = from_wire(w, (size_t)n);
		ck_assert_msg(ldns_pkt_ad(p) == (flavour != 0), "flavour %d: AD %d", flavour,
			      ldns_pkt_ad(p));
		ck_assert(ldns_pkt_aa(p));
		ldns_pkt_free(p);
		free(w);
	}
}
END_TEST

START_TEST(test_large_answer_is_truncated_for_512_byte_client)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	std_query(&m, false);
	m.b[3] = 0x20; /* AD: the client understands AD */
	parse_ok(&m, &q);
	uint8_t *w = cached(a_records(40, LDNS_RCODE_NOERROR), &q, &len, 2048);
	ck_assert_uint_gt(len, 512);
	ssize_t n = dst_dns_finish_answer(w, len, 2048, m.b, &q, q.udp_size);
	ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4);
	ldns_pkt *p = from_wire(w, (size_t)n);
	ck_assert(ldns_pkt_tc(p));
	ck_assert(ldns_pkt_qr(p));
	ck_assert(ldns_pkt_aa(p));
	ck_assert(ldns_pkt_ad(p));
	ck_assert(ldns_pkt_rd(p));
	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0);
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ldns_pkt_free(p);
	free(w);
}
END_TEST

START_TEST(test_truncation_keeps_rcode_and_appends_opt)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	client(&m, &q, true);
	ldns_pkt *a = answer_pkt(AID, LDNS_RCODE_NXDOMAIN, QSTR);
	for (int i = 0; i < 8; i++)
		add_rr(a, NS, "example.com. 60 IN SOA ns1.example.com. hm.example.com. 1 2 3 4 5");
	uint8_t *w = cached(a, &q, &len, 2048);
	ssize_t n = dst_dns_finish_answer(w, len, 2048, m.b, &q, 200);
	ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN);
	ldns_pkt *p = from_wire(w, (size_t)n);
	ck_assert(ldns_pkt_tc(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert(ldns_pkt_edns(p));
	ck_assert(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
	free(w);
}
END_TEST

START_TEST(test_tcp_limit_does_not_truncate_large_answers)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	client(&m, &q, true);
	uint8_t *w = cached(a_records(100, 0), &q, &len, 4096);
	ssize_t n = dst_dns_finish_answer(w, len, 4096, m.b, &q, DST_DNS_MAX_MSG);
	ck_assert_int_eq(n, (ssize_t)(len + DST_DNS_OPT_LEN));
	ck_assert(!dst_dns_tc(w));
	ck_assert_uint_eq(dst_dns_ancount(w), 100);
	free(w);
}
END_TEST

START_TEST(test_finish_without_room_for_opt_is_enospc)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	client(&m, &q, true);
	uint8_t *w = cached(a_records(1, 0), &q, &len, 1024);
	uint8_t *before = dup_bytes(w, len);
	ck_assert_int_eq(dst_dns_finish_answer(w, len, len + DST_DNS_OPT_LEN - 1, m.b, &q, 4096),
			 DST_ENOSPC);
	ck_assert_mem_eq(w, before, len); /* nothing written */
	ck_assert_int_eq(dst_dns_finish_answer(w, len, len + DST_DNS_OPT_LEN, m.b, &q, 4096),
			 (ssize_t)(len + DST_DNS_OPT_LEN));
	free(before);
	free(w);
}
END_TEST

START_TEST(test_finish_rejects_message_shorter_than_question)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t w[64] = {0};
	client(&m, &q, false);
	size_t qend = 12 + QNAME_WIRE_LEN + 4;
	ck_assert_int_eq(dst_dns_finish_answer(w, qend - 1, sizeof(w), m.b, &q, 512), DST_EINVAL);
	ck_assert_uint_eq(w[0], 0); /* nothing written */
}
END_TEST

/* ------------------------------------------------------------------ */
/* TCases                                                              */
/* ------------------------------------------------------------------ */

TCase *dns_tcase_finish_answer(void)
{
	TCase *tc = tcase_create("finish_answer");
	tcase_add_test(tc, test_finish_sets_client_id_case_and_flags);
	tcase_add_test(tc, test_ad_is_cleared_unless_the_client_set_do_or_ad);
	tcase_add_test(tc, test_opt_is_appended_only_for_edns_clients);
	tcase_add_test(tc, test_do_bit_is_echoed_only_when_client_set_it);
	tcase_add_test(tc, test_answer_at_exact_limit_is_not_truncated);
	tcase_add_test(tc, test_answer_one_byte_over_limit_is_truncated);
	tcase_add_test(tc, test_large_answer_is_truncated_for_512_byte_client);
	tcase_add_test(tc, test_truncation_keeps_rcode_and_appends_opt);
	tcase_add_test(tc, test_tcp_limit_does_not_truncate_large_answers);
	tcase_add_test(tc, test_finish_without_room_for_opt_is_enospc);
	tcase_add_test(tc, test_finish_rejects_message_shorter_than_question);
	return tc;
}
