/*
 * dns/ unit tests on hostile input: every prefix and thousands of seeded
 * random mutations of a query and of an answer, checking what each verdict
 * promises rather than exact results. Part of check_dns.
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
/* Hostile input                                                       */
/* ------------------------------------------------------------------ */

static uint32_t rng_state;

static uint32_t rng(void)
{
	/* xorshift32: fixed seed per test, same sequence on every platform. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Mutates 1-4 bytes of w (n bytes) and sometimes cuts it short. */
static size_t mutate(uint8_t *w, size_t n)
{
	int k = 1 + (int)(rng() % 4);
	for (int i = 0; i < k; i++) {
		uint32_t r = rng();
		size_t at = r % n;
		switch ((r >> 16) % 4) {
		case 0:
			w[at] = (uint8_t)(r >> 24);
			break;
		case 1:
			w[at] ^= (uint8_t)(1u << ((r >> 24) % 8));
			break;
		case 2:
			w[at] = 0xc0 | (uint8_t)((r >> 24) & 1); /* compression pointers */
			break;
		default:
			w[at] = (uint8_t)(r >> 24) % 64; /* label lengths */
			break;
		}
	}
	if (rng() % 8 == 0)
		n = rng() % (n + 1);
	return n;
}

/* Checks what a query verdict promises, and that the builders cope. */
static void check_query_verdict(const uint8_t *w, size_t n, const struct dst_dns_query *q,
				enum dst_dns_verdict v)
{
	uint8_t out[600];
	switch (v) {
	case DST_DNS_QUERY_DROP:
		ck_assert(n < 12 || dst_dns_qr(w));
		break;
	case DST_DNS_QUERY_OK:
		ck_assert_uint_eq(q->question_end, 12 + q->qname_len + 4);
		ck_assert_uint_le(q->question_end, n);
		for (size_t i = 0; i < q->qname_len; i++)
			ck_assert(q->qname_lower[i] < 'A' || q->qname_lower[i] > 'Z');
		ck_assert_int_gt(dst_dns_upstream_query(w, q, 1, out, sizeof(out)), 0);
		ck_assert_int_gt(dst_dns_error_response(w, q, 2, out, sizeof(out)), 0);
		break;
	case DST_DNS_QUERY_ERROR:
		ck_assert(q->rcode == 1 || q->rcode == 4 || q->rcode == 16);
		ck_assert_uint_le(q->question_end, n);
		ck_assert_int_gt(dst_dns_error_response(w, q, q->rcode, out, sizeof(out)), 0);
		break;
	default:
		ck_abort_msg("verdict %d", v);
	}
}

START_TEST(test_every_prefix_of_a_query_is_handled)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, true);
	for (size_t n = 0; n <= m.n; n++) {
		uint8_t *w = dup_bytes(m.b, n);
		enum dst_dns_verdict v = dst_dns_parse_query(w, n, &q);
		if (n < 12)
			ck_assert_int_eq(v, DST_DNS_QUERY_DROP);
		else if (n < m.n)
			ck_assert_msg(v == DST_DNS_QUERY_ERROR && q.rcode == 1, "prefix %zu", n);
		else
			ck_assert_int_eq(v, DST_DNS_QUERY_OK);
		check_query_verdict(w, n, &q, v);
		free(w);
	}
}
END_TEST

START_TEST(test_random_mutations_of_a_query_are_handled)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, true);
	rng_state = 0x9e3779b9u;
	for (int i = 0; i < 20000; i++) {
		uint8_t *w = dup_bytes(m.b, m.n);
		size_t n = mutate(w, m.n);
		enum dst_dns_verdict v = dst_dns_parse_query(w, n, &q);
		check_query_verdict(w, n, &q, v);
		free(w);
	}
}
END_TEST

/* A realistic answer: CNAME, A records, NS + glue, OPT with padding. */
static uint8_t *rich_answer(size_t *len)
{
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 3600 IN CNAME web.example.com.");
	add_rr(p, AN, "web.example.com. 60 IN A 192.0.2.7");
	add_rr(p, AN, "web.example.com. 60 IN A 192.0.2.8");
	add_rr(p, NS, "example.com. 3600 IN NS ns1.example.com.");
	add_rr(p, NS, "example.com. 3600 IN SOA ns1.example.com. hm.example.com. 1 2 3 4 5");
	add_rr(p, AR, "ns1.example.com. 120 IN A 192.0.2.53");
	add_rr(p, AR, "ns1.example.com. 120 IN MX 10 mail.example.com.");
	ldns_pkt_set_edns_udp_size(p, 1232);
	return to_wire(p, len);
}

/* Checks what prepare_answer promises for any input. */
static void check_prepared(const uint8_t *before, size_t n, struct prepared *r,
			   const struct dst_dns_query *q, const struct msg *m)
{
	switch (r->rc) {
	case 0:
	case DST_ENOSPC: {
		ck_assert_uint_le(r->len, n);
		ck_assert_uint_le(r->info.nttl, 64);
		for (size_t i = 0; i < r->info.nttl; i++)
			ck_assert_uint_le(r->ttl[i] + 4u, r->len);
		if (r->info.has_soa)
			ck_assert_uint_le(r->info.soa_ttl_off + 4u, r->len);
		uint8_t *out = malloc(r->len + DST_DNS_OPT_LEN);
		ck_assert_ptr_nonnull(out);
		memcpy(out, r->wire, r->len);
		ssize_t f =
			dst_dns_finish_answer(out, r->len, r->len + DST_DNS_OPT_LEN, m->b, q, 512);
		ck_assert_int_gt(f, 0);
		free(out);
		break;
	}
	case DST_EFORMAT:
	case DST_EMISMATCH:
		ck_assert_uint_eq(r->len, n);
		ck_assert_mem_eq(r->wire, before, n);
		break;
	default:
		ck_abort_msg("prepare_answer returned %d", r->rc);
	}
}

START_TEST(test_every_prefix_of_an_answer_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	client(&m, &q, true);
	uint8_t *a = rich_answer(&len);
	ck_assert(has_pointer(a, len));
	for (size_t n = 0; n <= len; n++) {
		struct prepared r;
		uint8_t *w = dup_bytes(a, n);
		prepare(&r, w, n, &q, 64);
		if (n < len)
			ck_assert_msg(r.rc == DST_EFORMAT, "prefix %zu: %d", n, r.rc);
		else
			ck_assert_int_eq(r.rc, 0);
		check_prepared(a, n, &r, &q, &m);
		free(w);
	}
	free(a);
}
END_TEST

START_TEST(test_random_mutations_of_an_answer_are_handled)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	int accepted = 0;
	client(&m, &q, true);
	uint8_t *a = rich_answer(&len);
	rng_state = 0x2545f491u;
	for (int i = 0; i < 20000; i++) {
		struct prepared r;
		uint8_t *w = dup_bytes(a, len);
		size_t n = mutate(w, len);
		uint8_t *before = dup_bytes(w, n);
		prepare(&r, w, n, &q, i % 2 ? 64 : 3);
		check_prepared(before, n, &r, &q, &m);
		accepted += r.rc == 0 || r.rc == DST_ENOSPC;
		free(before);
		free(w);
	}
	/* The run must exercise the success path too, not only rejections. */
	ck_assert_int_gt(accepted, 100);
	free(a);
}
END_TEST

/* ------------------------------------------------------------------ */
/* TCases                                                              */
/* ------------------------------------------------------------------ */

TCase *dns_tcase_hostile_input(void)
{
	TCase *tc = tcase_create("hostile_input");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_every_prefix_of_a_query_is_handled);
	tcase_add_test(tc, test_random_mutations_of_a_query_are_handled);
	tcase_add_test(tc, test_every_prefix_of_an_answer_is_formerr);
	tcase_add_test(tc, test_random_mutations_of_an_answer_are_handled);
	return tc;
}
