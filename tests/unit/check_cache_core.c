/*
 * cache/ unit tests, the core of the cache: keys, hits and misses, TTL
 * arithmetic and expiry, replacement, eviction order and the byte budget.
 * Part of check_cache.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "dns/err.h"
#include "tests/unit/cache_test_util.h"

/* ---- keys ---- */

START_TEST(test_key_is_name_type_class_flags)
{
	static const uint8_t want[] = {3,   'w', 'w', 'w', 7, 'e', 'x', 'a', 'm',
				       'p', 'l', 'e', 0,   0, 28,  0,   1,   0x03};
	struct dst_cache_key k;

	make_key(&k, "www.example", DST_DNS_TYPE_AAAA, true, true);
	ck_assert_uint_eq(k.len, sizeof want);
	ck_assert_mem_eq(k.data, want, sizeof want);
	make_key(&k, "www.example", DST_DNS_TYPE_AAAA, true, false);
	ck_assert_uint_eq(k.data[k.len - 1], 0x01);
	make_key(&k, "www.example", DST_DNS_TYPE_AAAA, false, true);
	ck_assert_uint_eq(k.data[k.len - 1], 0x02);
}
END_TEST

/* Stores under one key variant, then checks which variants hit. */
static void check_key_variant(uint16_t qt1, bool do1, bool cd1, uint16_t qt2, bool do2, bool cd2)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k1, k2;
	uint8_t out[512];
	uint32_t ttl = 300;
	struct answer a;

	make_key(&k1, "example.com", qt1, do1, cd1);
	make_key(&k2, "example.com", qt2, do2, cd2);
	make_answer(&a, "example.com", &ttl, 1);
	ck_assert_int_eq(dst_cache_store(c, &k1, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_eq(dst_cache_lookup(c, &k2, T0, out, sizeof out), 0);
	ck_assert_int_eq(dst_cache_lookup(c, &k1, T0, out, sizeof out), (ssize_t)a.len);
	dst_cache_free(c);
}

START_TEST(test_do_bit_is_part_of_key)
{
	check_key_variant(DST_DNS_TYPE_A, true, false, DST_DNS_TYPE_A, false, false);
	check_key_variant(DST_DNS_TYPE_A, false, false, DST_DNS_TYPE_A, true, false);
}
END_TEST

START_TEST(test_cd_bit_is_part_of_key)
{
	check_key_variant(DST_DNS_TYPE_A, false, true, DST_DNS_TYPE_A, false, false);
	check_key_variant(DST_DNS_TYPE_A, true, false, DST_DNS_TYPE_A, true, true);
}
END_TEST

START_TEST(test_qtype_is_part_of_key)
{
	check_key_variant(DST_DNS_TYPE_A, false, false, DST_DNS_TYPE_AAAA, false, false);
}
END_TEST

START_TEST(test_name_is_part_of_key)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	ck_assert_int_eq(store_one(c, "a.example.com", 300, T0), 0);
	ck_assert_int_eq(lookup_one(c, "b.example.com", T0), 0);
	ck_assert_int_eq(lookup_one(c, "a.example.co", T0), 0);
	ck_assert_int_gt(lookup_one(c, "a.example.com", T0), 0);
	dst_cache_free(c);
}
END_TEST

/* ---- hits and misses ---- */

START_TEST(test_empty_cache_misses)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	ck_assert_int_eq(lookup_one(c, "example.com", T0), 0);
	ck_assert_uint_eq(stats(c).misses, 1);
	ck_assert_uint_eq(stats(c).hits, 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_hit_returns_stored_bytes)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	static const uint32_t ttls[] = {300, 600, 900};
	struct dst_cache_key k;
	uint8_t out[512];
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", ttls, 3);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	memset(out, 0xee, sizeof out);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 999, out, sizeof out), (ssize_t)a.len);
	ck_assert_mem_eq(out, a.wire, a.len);
	ck_assert_uint_eq(out[a.len], 0xee);
	ck_assert_uint_eq(stats(c).hits, 1);
	ck_assert_uint_eq(stats(c).misses, 0);
	ck_assert_uint_eq(stats(c).entries, 1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_store_copies_the_answer)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint8_t out[512], orig[2048];
	uint32_t ttl = 300;
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	memcpy(orig, a.wire, a.len);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	memset(a.wire, 0, a.len);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0, out, sizeof out), (ssize_t)a.len);
	ck_assert_mem_eq(out, orig, a.len);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_small_out_buffer_gives_enospc)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint8_t out[512];
	uint32_t ttl = 300;
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0, out, a.len - 1), DST_ENOSPC);
	ck_assert_uint_eq(stats(c).hits, 0);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0, out, a.len), (ssize_t)a.len);
	dst_cache_free(c);
}
END_TEST

/* ---- TTL arithmetic and expiry ---- */

START_TEST(test_ttl_decrements_with_age)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint8_t out[512];
	uint32_t ttl = 300;
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0 + 999, out, sizeof out), 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 300);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0 + 1000, out, sizeof out), 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 299);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0 + 120500, out, sizeof out), 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 180);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0 + 299999, out, sizeof out), 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_every_listed_ttl_is_aged)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	static const uint32_t ttls[] = {300, 60, 3600, 120};
	struct dst_cache_key k;
	uint8_t out[512];
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", ttls, 4);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 59500, out, sizeof out), (ssize_t)a.len);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 241);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[1]), 1);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[2]), 3541);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[3]), 61);
	for (size_t i = 0; i < a.len; i++)
		if (!is_ttl_byte(&a, i))
			ck_assert_msg(out[i] == a.wire[i], "byte %zu changed", i);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_unlisted_bytes_are_returned_unchanged)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	static const uint32_t ttls[] = {500, 400, 700};
	struct dst_cache_key k;
	uint8_t out[512];
	struct answer a;
	uint16_t listed[2];

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", ttls, 3);
	/* Only records 0 and 2 are listed: record 1's TTL field is plain data. */
	listed[0] = a.offs[0];
	listed[1] = a.offs[2];
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, listed, 2, T0), 0);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 10000, out, sizeof out), (ssize_t)a.len);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 490);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[1]), 400);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[2]), 690);
	a.nttl = 2;
	a.offs[1] = a.offs[2];
	for (size_t i = 0; i < a.len; i++)
		if (!is_ttl_byte(&a, i))
			ck_assert_msg(out[i] == a.wire[i], "byte %zu changed", i);
	/* record 0 lives 500 s, record 1's 400 is not a TTL to the cache */
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0 + 450000, out, sizeof out), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_unordered_ttl_offsets_are_accepted)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	static const uint32_t ttls[] = {100, 200, 300};
	struct dst_cache_key k;
	uint8_t out[512];
	uint16_t rev[3];
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", ttls, 3);
	rev[0] = a.offs[2];
	rev[1] = a.offs[0];
	rev[2] = a.offs[1];
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, rev, 3, T0), 0);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0 + 50000, out, sizeof out), 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 50);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[1]), 150);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[2]), 250);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 100000, out, sizeof out), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_expired_entry_is_miss)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	ck_assert_int_eq(store_one(c, "example.com", 60, T0), 0);
	ck_assert_int_gt(lookup_one(c, "example.com", T0 + 59999), 0);
	ck_assert_int_eq(lookup_one(c, "example.com", T0 + 60000), 0);
	ck_assert_uint_eq(stats(c).hits, 1);
	ck_assert_uint_eq(stats(c).misses, 1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_expired_entry_is_dropped_on_lookup)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	size_t empty = stats(c).bytes;

	ck_assert_int_eq(store_one(c, "example.com", 60, T0), 0);
	ck_assert_uint_eq(stats(c).entries, 1);
	ck_assert_int_eq(lookup_one(c, "example.com", T0 + 61000), 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_uint_eq(stats(c).bytes, empty);
	ck_assert_uint_eq(stats(c).evictions, 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_entry_lives_as_long_as_smallest_ttl)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	static const uint32_t ttls[] = {3600, 30, 600};
	struct dst_cache_key k;
	uint8_t out[512];
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", ttls, 3);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0 + 29999, out, sizeof out), 0);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 30000, out, sizeof out), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_min_ttl_raises_short_ttls)
{
	struct dst_cache *c = dst_cache_new(BIG, 60, 86400);
	static const uint32_t ttls[] = {5, 0, 120};
	struct dst_cache_key k;
	uint8_t out[512];
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", ttls, 3);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0, out, sizeof out), 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 60);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[1]), 60);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[2]), 120);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0 + 59999, out, sizeof out), 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 1);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 60000, out, sizeof out), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_max_ttl_caps_long_ttls)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 3600);
	static const uint32_t ttls[] = {86400, 7200, 0x7fffffff};
	struct dst_cache_key k;
	uint8_t out[512];
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", ttls, 3);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0 + 1000, out, sizeof out), 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 3599);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[1]), 3599);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[2]), 3599);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 3600000, out, sizeof out), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_max_ttl_wins_over_larger_min_ttl)
{
	struct dst_cache *c = dst_cache_new(BIG, 600, 300);
	struct dst_cache_key k;
	uint8_t out[512];
	uint32_t ttl = 30;
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0, out, sizeof out), 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 300);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_top_bit_ttl_counts_as_zero)
{
	struct dst_cache *c = dst_cache_new(BIG, 10, 86400);
	static const uint32_t ttls[] = {0x80000001u, 300};
	struct dst_cache_key k;
	uint8_t out[512];
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", ttls, 2);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0, out, sizeof out), 0);
	/* 0 raised to min_ttl, not 0x80000001 capped to max_ttl */
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 10);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[1]), 300);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 10000, out, sizeof out), 0);
	dst_cache_free(c);

	/* With no minimum, the answer has lifetime 0 and is not stored. */
	c = dst_cache_new(BIG, 0, 86400);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0, out, sizeof out), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_zero_ttl_answer_is_not_stored)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	size_t empty = stats(c).bytes;

	ck_assert_int_eq(store_one(c, "example.com", 0, T0), 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_uint_eq(stats(c).bytes, empty);
	ck_assert_int_eq(lookup_one(c, "example.com", T0), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_clock_going_backwards_gives_full_ttl)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint8_t out[512];
	uint32_t ttl = 300;
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_gt(dst_cache_lookup(c, &k, T0 - 5000, out, sizeof out), 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 300);
	dst_cache_free(c);
}
END_TEST

/* ---- replacement ---- */

START_TEST(test_replacing_entry_keeps_one)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint8_t out[512];
	uint32_t ttl = 300;
	struct answer a;
	size_t one;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	one = stats(c).bytes;
	a.wire[a.len - 1] = 99; /* a different address */
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0 + 1000), 0);
	ck_assert_uint_eq(stats(c).entries, 1);
	ck_assert_uint_eq(stats(c).bytes, one);
	ck_assert_uint_eq(stats(c).evictions, 0);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 1000, out, sizeof out), (ssize_t)a.len);
	ck_assert_mem_eq(out, a.wire, a.len);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_replacement_restarts_lifetime)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	ck_assert_int_eq(store_one(c, "example.com", 60, T0), 0);
	ck_assert_int_eq(store_one(c, "example.com", 60, T0 + 50000), 0);
	ck_assert_int_gt(lookup_one(c, "example.com", T0 + 100000), 0);
	ck_assert_int_eq(lookup_one(c, "example.com", T0 + 110000), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_zero_ttl_answer_drops_previous_entry)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	ck_assert_int_eq(store_one(c, "example.com", 300, T0), 0);
	ck_assert_int_eq(store_one(c, "example.com", 0, T0 + 1000), 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_int_eq(lookup_one(c, "example.com", T0 + 1000), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_einval_leaves_previous_entry)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint32_t ttl = 300;
	struct answer a;
	uint16_t off;

	ck_assert_int_eq(store_one(c, "example.com", 300, T0), 0);
	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	off = (uint16_t)a.len;
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, &off, 1, T0), DST_EINVAL);
	ck_assert_int_gt(lookup_one(c, "example.com", T0), 0);
	dst_cache_free(c);
}
END_TEST

/* ---- eviction and the byte budget ---- */

START_TEST(test_oldest_unused_entry_evicted_first)
{
	struct dst_cache *c = dst_cache_new(4096, 0, 86400);
	unsigned n = capacity(4096);
	char name[64];

	ck_assert_uint_ge(n, 8);
	for (unsigned i = 0; i <= n; i++)
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 300, T0 + i), 0);
	ck_assert_uint_eq(stats(c).evictions, 1);
	ck_assert_uint_eq(stats(c).entries, n);
	ck_assert_int_eq(lookup_one(c, nth_name(0, name, sizeof name), T0 + n), 0);
	for (unsigned i = 1; i <= n; i++)
		ck_assert_int_gt(lookup_one(c, nth_name(i, name, sizeof name), T0 + n), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_recent_hit_protects_entry_from_eviction)
{
	struct dst_cache *c = dst_cache_new(4096, 0, 86400);
	unsigned n = capacity(4096);
	char name[64];

	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 300, T0), 0);
	ck_assert_int_gt(lookup_one(c, nth_name(0, name, sizeof name), T0), 0);
	ck_assert_int_eq(store_one(c, nth_name(n, name, sizeof name), 300, T0), 0);
	ck_assert_uint_eq(stats(c).evictions, 1);
	ck_assert_int_gt(lookup_one(c, nth_name(0, name, sizeof name), T0), 0);
	ck_assert_int_eq(lookup_one(c, nth_name(1, name, sizeof name), T0), 0);
	ck_assert_int_gt(lookup_one(c, nth_name(2, name, sizeof name), T0), 0);
	dst_cache_free(c);
}
END_TEST

/* Stores names 0 .. n-1 and then hits each once, so every entry is marked used. */
static void store_and_use(struct dst_cache *c, unsigned n)
{
	char name[64];

	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 300, T0), 0);
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_gt(lookup_one(c, nth_name(i, name, sizeof name), T0), 0);
}

/*
 * Every entry was used since it was stored: each gets its second chance,
 * loses its mark, and the oldest is the one evicted after all.
 */
START_TEST(test_when_every_entry_was_used_the_oldest_goes)
{
	struct dst_cache *c = dst_cache_new(4096, 0, 86400);
	unsigned n = capacity(4096);
	char name[64];

	ck_assert_uint_lt(n, 32);
	store_and_use(c, n);
	ck_assert_int_eq(store_one(c, nth_name(n, name, sizeof name), 300, T0), 0);
	ck_assert_uint_eq(stats(c).evictions, 1);
	ck_assert_int_eq(lookup_one(c, nth_name(0, name, sizeof name), T0), 0);
	for (unsigned i = 1; i <= n; i++)
		ck_assert_int_gt(lookup_one(c, nth_name(i, name, sizeof name), T0), 0);
	dst_cache_free(c);
}
END_TEST

/*
 * cache.c spares at most 32 used entries per store (MAX_SPARED), so that a
 * store's cost is bounded: with every one of many entries used, the 33rd
 * oldest is evicted, used or not, and the 32 before it stay.
 */
START_TEST(test_one_store_spares_a_bounded_number)
{
	const unsigned max_spared = 32;
	struct dst_cache *c = dst_cache_new(64u << 10, 0, 86400);
	unsigned n = capacity(64u << 10);
	char name[64];

	ck_assert_uint_gt(n, 2 * max_spared);
	store_and_use(c, n);
	ck_assert_int_eq(store_one(c, nth_name(n, name, sizeof name), 300, T0), 0);
	ck_assert_uint_eq(stats(c).evictions, 1);
	ck_assert_int_eq(lookup_one(c, nth_name(max_spared, name, sizeof name), T0), 0);
	for (unsigned i = 0; i <= n; i++)
		if (i != max_spared)
			ck_assert_int_gt(lookup_one(c, nth_name(i, name, sizeof name), T0), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_byte_budget_never_exceeded_under_flood)
{
	const size_t max = 1u << 20;
	const unsigned n = 100000;
	struct dst_cache *c = dst_cache_new(max, 0, 86400);
	struct dst_cache_stats st;
	char name[64];

	for (unsigned i = 0; i < n; i++) {
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 300, T0), 0);
		dst_cache_get_stats(c, &st);
		ck_assert_msg(st.bytes <= max, "%zu bytes > %zu after %u stores", st.bytes, max,
			      i + 1);
	}
	/* The budget is used, not just respected, and every loss was an eviction. */
	ck_assert_uint_gt(st.bytes, max * 3 / 4);
	ck_assert_uint_gt(st.entries, 1000);
	ck_assert_uint_eq(st.evictions, n - st.entries);
	ck_assert_int_gt(lookup_one(c, nth_name(n - 1, name, sizeof name), T0), 0);
	ck_assert_int_eq(lookup_one(c, nth_name(0, name, sizeof name), T0), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_budget_holds_with_stale_entries)
{
	const size_t max = 1u << 20;
	const unsigned n = 100000;
	struct dst_cache *c = dst_cache_new(max, 0, 86400);
	struct dst_cache_stats st;
	unsigned flags;
	char name[64];

	dst_cache_set_stale(c, 86400000);
	/* one store every 10 ms, each living 1 s: nearly all are stale at once */
	for (unsigned i = 0; i < n; i++) {
		uint64_t now = T0 + (uint64_t)i * 10;

		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 1, now), 0);
		if (i % 7 == 0 && i >= 500)
			lookup_stale_one(c, nth_name(i - 500, name, sizeof name), now, &flags);
		dst_cache_get_stats(c, &st);
		ck_assert_msg(st.bytes <= max, "%zu bytes > %zu after %u stores", st.bytes, max,
			      i + 1);
	}
	ck_assert_uint_gt(st.bytes, max * 3 / 4);
	ck_assert_uint_gt(st.entries, 1000);
	ck_assert_uint_gt(st.stale_hits, 1000);
	ck_assert_uint_eq(st.evictions, n - st.entries);
	/* the newest stale entries are still there, the oldest long gone */
	ck_assert_int_gt(lookup_stale_one(c, nth_name(n - 200, name, sizeof name),
					  T0 + (uint64_t)n * 10, &flags),
			 0);
	ck_assert_uint_eq(flags, DST_CACHE_STALE);
	ck_assert_int_eq(
		lookup_stale_one(c, nth_name(1, name, sizeof name), T0 + (uint64_t)n * 10, &flags),
		0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_index_memory_counts_against_budget)
{
	struct dst_cache *c = dst_cache_new(64u << 20, 0, 86400);
	size_t empty = stats(c).bytes, entry;
	char name[64];

	ck_assert_uint_gt(empty, 0);
	ck_assert_int_eq(store_one(c, nth_name(0, name, sizeof name), 300, T0), 0);
	entry = stats(c).bytes - empty;
	for (unsigned i = 1; i < 1000; i++)
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 300, T0), 0);
	/* The table grew to index 1000 entries, and its growth is counted. */
	ck_assert_uint_gt(stats(c).bytes, empty + 1000 * entry);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_growing_index_keeps_every_entry_reachable)
{
	const unsigned n = 20000;
	struct dst_cache *c = dst_cache_new(64u << 20, 0, 86400);
	char name[64];

	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 300, T0), 0);
	ck_assert_uint_eq(stats(c).entries, n);
	ck_assert_uint_eq(stats(c).evictions, 0);
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_gt(lookup_one(c, nth_name(i, name, sizeof name), T0), 0);
	ck_assert_uint_eq(stats(c).hits, n);
	dst_cache_free(c);
}
END_TEST

/* Stores a 64-record answer under name/A. */
static int store_big(struct dst_cache *c, const char *name, uint64_t now_ms)
{
	struct dst_cache_key k;
	uint32_t ttls[64];
	struct answer a;

	for (size_t i = 0; i < 64; i++)
		ttls[i] = 300;
	make_key(&k, name, DST_DNS_TYPE_A, false, false);
	make_answer(&a, name, ttls, 64);
	return dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, now_ms);
}

/*
 * A cache filled with large answers has few entries and a small index; when
 * small answers replace them the cache is always full, and the index must
 * still grow (at the cost of a few entries) rather than let chains lengthen.
 * The index size is what bytes holds beyond the entries.
 */
START_TEST(test_index_grows_when_budget_is_full)
{
	const size_t max = 256u << 10;
	struct dst_cache *c = dst_cache_new(max, 0, 86400);
	struct dst_cache *probe = dst_cache_new(max, 0, 86400);
	size_t small, table_bytes;
	struct dst_cache_stats st;
	char name[64];

	ck_assert_int_eq(store_one(probe, nth_name(0, name, sizeof name), 300, T0), 0);
	small = stats(probe).bytes;
	dst_cache_clear(probe);
	small -= stats(probe).bytes;
	dst_cache_free(probe);

	for (unsigned i = 0; i < 1000; i++)
		ck_assert_int_eq(store_big(c, nth_name(1000000 + i, name, sizeof name), T0), 0);
	ck_assert_uint_lt(stats(c).entries, 300);
	for (unsigned i = 0; i < 20000; i++)
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 300, T0), 0);
	st = stats(c);
	ck_assert_uint_le(st.bytes, max);
	ck_assert_uint_gt(st.entries, 1000);
	/* every big answer is gone: only small entries remain */
	ck_assert_int_eq(lookup_one(c, nth_name(1000999, name, sizeof name), T0), 0);
	table_bytes = st.bytes - st.entries * small;
	ck_assert_uint_le(st.entries, 2 * (table_bytes / sizeof(void *)));
	dst_cache_free(c);
}
END_TEST

START_TEST(test_entry_over_an_eighth_of_budget_is_refused)
{
	struct dst_cache *c = dst_cache_new(4096, 0, 86400);
	uint32_t ttls[40];
	struct dst_cache_key k;
	struct answer a;

	for (size_t i = 0; i < 40; i++)
		ttls[i] = 300;
	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", ttls, 40); /* ~700 bytes > 4096 / 8 */
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), DST_ENOSPC);
	ck_assert_uint_eq(stats(c).entries, 0);
	/* a smaller answer still fits */
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, 200, a.offs, 5, T0), 0);
	ck_assert_uint_eq(stats(c).entries, 1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_zero_size_cache_stores_nothing)
{
	struct dst_cache *c = dst_cache_new(0, 0, 86400);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(store_one(c, "example.com", 300, T0), DST_ENOSPC);
	ck_assert_int_eq(lookup_one(c, "example.com", T0), 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_uint_eq(stats(c).bytes, 0);
	ck_assert_uint_eq(stats(c).misses, 1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_tiny_budget_is_never_exceeded)
{
	static const size_t sizes[] = {1, 100, 128, 500, 1000, 1500};

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		struct dst_cache *c = dst_cache_new(sizes[s], 0, 86400);
		char name[64];

		ck_assert_uint_le(stats(c).bytes, sizes[s]);
		for (unsigned i = 0; i < 50; i++) {
			int err = store_one(c, nth_name(i, name, sizeof name), 300, T0);

			ck_assert(err == 0 || err == DST_ENOSPC);
			ck_assert_uint_le(stats(c).bytes, sizes[s]);
		}
		dst_cache_free(c);
	}
}
END_TEST

START_TEST(test_clear_drops_every_entry)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	size_t full;
	char name[64];

	for (unsigned i = 0; i < 100; i++)
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 300, T0), 0);
	full = stats(c).bytes;
	dst_cache_clear(c);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_uint_lt(stats(c).bytes, full - 100 * 40);
	for (unsigned i = 0; i < 100; i++)
		ck_assert_int_eq(lookup_one(c, nth_name(i, name, sizeof name), T0), 0);
	ck_assert_int_eq(store_one(c, nth_name(7, name, sizeof name), 300, T0), 0);
	ck_assert_int_gt(lookup_one(c, nth_name(7, name, sizeof name), T0), 0);
	ck_assert_uint_eq(stats(c).entries, 1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_flush_under_drops_a_zone_and_every_name_under_it)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	uint8_t name[DST_DNS_MAX_NAME];
	size_t len;

	ck_assert_int_eq(store_one(c, "corp.example", 300, T0), 0);
	ck_assert_int_eq(store_one(c, "www.corp.example", 300, T0), 0);
	ck_assert_int_eq(store_one(c, "a.b.corp.example", 300, T0), 0);
	ck_assert_int_eq(store_one(c, "xcorp.example", 300, T0), 0);
	ck_assert_int_eq(store_one(c, "example", 300, T0), 0);
	ck_assert_int_eq(store_one(c, "corp.example.com", 300, T0), 0);
	ck_assert_uint_eq(stats(c).entries, 6);

	/* Whole labels only, any case: xcorp.example and the parent stay. */
	len = name_to_wire("Corp.EXAMPLE", name);
	ck_assert_uint_eq(dst_cache_flush_under(c, name, len), 3);
	ck_assert_int_eq(lookup_one(c, "corp.example", T0), 0);
	ck_assert_int_eq(lookup_one(c, "www.corp.example", T0), 0);
	ck_assert_int_eq(lookup_one(c, "a.b.corp.example", T0), 0);
	ck_assert_int_gt(lookup_one(c, "xcorp.example", T0), 0);
	ck_assert_int_gt(lookup_one(c, "example", T0), 0);
	ck_assert_int_gt(lookup_one(c, "corp.example.com", T0), 0);
	ck_assert_uint_eq(dst_cache_flush_under(c, name, len), 0);
	/* The root is every name. */
	name[0] = 0;
	ck_assert_uint_eq(dst_cache_flush_under(c, name, 1), 3);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_uint_eq(dst_cache_flush_under(c, name, 0), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_flush_name_drops_every_entry_of_that_name_only)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	struct answer a;
	uint32_t ttl = 300;
	uint8_t name[DST_DNS_MAX_NAME], out[DST_DNS_MAX_MSG];
	size_t len;

	/* www.example.com under two types and both flag variants, and two other names. */
	make_answer(&a, "www.example.com", &ttl, 1);
	make_key(&k, "www.example.com", DST_DNS_TYPE_A, false, false);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	make_key(&k, "www.example.com", DST_DNS_TYPE_AAAA, true, true);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_eq(store_one(c, "example.com", 300, T0), 0);
	ck_assert_int_eq(store_one(c, "mail.www.example.com", 300, T0), 0);
	ck_assert_uint_eq(stats(c).entries, 4);

	/* Case does not matter: the key holds the lower-cased name. */
	len = name_to_wire("WWW.Example.COM", name);
	ck_assert_uint_eq(dst_cache_flush_name(c, name, len), 2);
	ck_assert_uint_eq(stats(c).entries, 2);
	ck_assert_int_eq(lookup_one(c, "www.example.com", T0), 0);
	make_key(&k, "www.example.com", DST_DNS_TYPE_AAAA, true, true);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0, out, sizeof out), 0);
	ck_assert_int_gt(lookup_one(c, "example.com", T0), 0);
	ck_assert_int_gt(lookup_one(c, "mail.www.example.com", T0), 0);
	/* Nothing left for it: nothing dropped. */
	ck_assert_uint_eq(dst_cache_flush_name(c, name, len), 0);
	ck_assert_uint_eq(dst_cache_flush_name(c, name, 0), 0);
	dst_cache_free(c);
}
END_TEST

/* ---- TCases ---- */

TCase *cache_tcase_key(void)
{
	TCase *tc = tcase_create("key");

	tcase_add_test(tc, test_key_is_name_type_class_flags);
	tcase_add_test(tc, test_do_bit_is_part_of_key);
	tcase_add_test(tc, test_cd_bit_is_part_of_key);
	tcase_add_test(tc, test_qtype_is_part_of_key);
	tcase_add_test(tc, test_name_is_part_of_key);
	return tc;
}

TCase *cache_tcase_lookup(void)
{
	TCase *tc = tcase_create("lookup");

	tcase_add_test(tc, test_empty_cache_misses);
	tcase_add_test(tc, test_hit_returns_stored_bytes);
	tcase_add_test(tc, test_store_copies_the_answer);
	tcase_add_test(tc, test_small_out_buffer_gives_enospc);
	return tc;
}

TCase *cache_tcase_ttl(void)
{
	TCase *tc = tcase_create("ttl");

	tcase_add_test(tc, test_ttl_decrements_with_age);
	tcase_add_test(tc, test_every_listed_ttl_is_aged);
	tcase_add_test(tc, test_unlisted_bytes_are_returned_unchanged);
	tcase_add_test(tc, test_unordered_ttl_offsets_are_accepted);
	tcase_add_test(tc, test_min_ttl_raises_short_ttls);
	tcase_add_test(tc, test_max_ttl_caps_long_ttls);
	tcase_add_test(tc, test_max_ttl_wins_over_larger_min_ttl);
	tcase_add_test(tc, test_top_bit_ttl_counts_as_zero);
	tcase_add_test(tc, test_zero_ttl_answer_is_not_stored);
	tcase_add_test(tc, test_clock_going_backwards_gives_full_ttl);
	return tc;
}

TCase *cache_tcase_expiry(void)
{
	TCase *tc = tcase_create("expiry");

	tcase_add_test(tc, test_expired_entry_is_miss);
	tcase_add_test(tc, test_expired_entry_is_dropped_on_lookup);
	tcase_add_test(tc, test_entry_lives_as_long_as_smallest_ttl);
	return tc;
}

TCase *cache_tcase_replace(void)
{
	TCase *tc = tcase_create("replace");

	tcase_add_test(tc, test_replacing_entry_keeps_one);
	tcase_add_test(tc, test_replacement_restarts_lifetime);
	tcase_add_test(tc, test_zero_ttl_answer_drops_previous_entry);
	tcase_add_test(tc, test_einval_leaves_previous_entry);
	return tc;
}

TCase *cache_tcase_eviction(void)
{
	TCase *tc = tcase_create("eviction");

	tcase_add_test(tc, test_oldest_unused_entry_evicted_first);
	tcase_add_test(tc, test_when_every_entry_was_used_the_oldest_goes);
	tcase_add_test(tc, test_one_store_spares_a_bounded_number);
	tcase_add_test(tc, test_recent_hit_protects_entry_from_eviction);
	return tc;
}

TCase *cache_tcase_budget(void)
{
	TCase *tc = tcase_create("budget");

	/* the flood is 100k stores: generous for sanitizer and valgrind runs */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_byte_budget_never_exceeded_under_flood);
	tcase_add_test(tc, test_budget_holds_with_stale_entries);
	tcase_add_test(tc, test_index_memory_counts_against_budget);
	tcase_add_test(tc, test_growing_index_keeps_every_entry_reachable);
	tcase_add_test(tc, test_index_grows_when_budget_is_full);
	tcase_add_test(tc, test_entry_over_an_eighth_of_budget_is_refused);
	tcase_add_test(tc, test_zero_size_cache_stores_nothing);
	tcase_add_test(tc, test_tiny_budget_is_never_exceeded);
	tcase_add_test(tc, test_clear_drops_every_entry);
	tcase_add_test(tc, test_flush_name_drops_every_entry_of_that_name_only);
	tcase_add_test(tc, test_flush_under_drops_a_zone_and_every_name_under_it);
	return tc;
}
