/*
 * cache/ unit tests for what sits on top of plain TTL storage: capped
 * stores (negative answers, SERVFAIL), serve-stale, prefetch flags, and
 * the rejection of bad input. Part of check_cache.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "dns/err.h"
#include "tests/unit/cache_test_util.h"

/* ---- capped stores: negative answers and SERVFAIL ---- */

/* A SERVFAIL for name/A: header and question, no records, no TTLs. */
static void make_servfail(struct answer *a, const char *name)
{
	make_answer(a, name, NULL, 0);
	a->wire[3] = 0x82; /* RA, rcode 2 */
}

static int store_capped_one(struct dst_cache *c, const char *name, uint32_t ttl, uint32_t cap,
			    uint64_t now_ms)
{
	struct dst_cache_key k;
	struct answer a;

	make_key(&k, name, DST_DNS_TYPE_A, false, false);
	make_answer(&a, name, &ttl, 1);
	return dst_cache_store_capped(c, &k, a.wire, a.len, a.offs, a.nttl, now_ms, cap);
}

static int store_servfail(struct dst_cache *c, const char *name, uint32_t cap, uint64_t now_ms)
{
	struct dst_cache_key k;
	struct answer a;

	make_key(&k, name, DST_DNS_TYPE_A, false, false);
	make_servfail(&a, name);
	return dst_cache_store_capped(c, &k, a.wire, a.len, NULL, 0, now_ms, cap);
}

/* The one TTL of a one-record answer served for name/A, or -1 on a miss. */
static int64_t served_ttl(struct dst_cache *c, const char *name, uint64_t now_ms)
{
	struct dst_cache_key k;
	uint8_t out[DST_DNS_MAX_MSG];
	uint32_t ttl = 0;
	struct answer a;

	make_key(&k, name, DST_DNS_TYPE_A, false, false);
	make_answer(&a, name, &ttl, 1);
	if (dst_cache_lookup(c, &k, now_ms, out, sizeof out) <= 0)
		return -1;
	return dst_dns_get32(out + a.offs[0]);
}

START_TEST(test_servfail_entry_lives_at_most_its_cap)
{
	/* min_ttl would keep a positive answer for a minute: not a SERVFAIL */
	struct dst_cache *c = dst_cache_new(BIG, 60, 86400);
	struct dst_cache_key k;
	uint8_t out[512];
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_servfail(&a, "example.com");
	ck_assert_int_eq(dst_cache_store_capped(c, &k, a.wire, a.len, NULL, 0, T0, 5), 0);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0, out, sizeof out), (ssize_t)a.len);
	ck_assert_mem_eq(out, a.wire, a.len);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 4999, out, sizeof out), (ssize_t)a.len);
	ck_assert_mem_eq(out, a.wire, a.len);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 5000, out, sizeof out), 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_servfail_cap_is_bounded_by_max_ttl)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 3);

	ck_assert_int_eq(store_servfail(c, "example.com", 5, T0), 0);
	ck_assert_int_gt(lookup_one(c, "example.com", T0 + 2999), 0);
	ck_assert_int_eq(lookup_one(c, "example.com", T0 + 3000), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_answer_without_ttls_needs_a_cap)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	struct answer a;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_servfail(&a, "example.com");
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, NULL, 0, T0), DST_EINVAL);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_int_eq(dst_cache_store_capped(c, &k, a.wire, a.len, NULL, 0, T0, 5), 0);
	ck_assert_uint_eq(stats(c).entries, 1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_negative_cap_overrides_min_ttl)
{
	struct dst_cache *c = dst_cache_new(BIG, 600, 86400);

	ck_assert_int_eq(store_capped_one(c, "example.com", 3600, 300, T0), 0);
	ck_assert_int_eq(served_ttl(c, "example.com", T0), 300);
	ck_assert_int_eq(served_ttl(c, "example.com", T0 + 299999), 1);
	ck_assert_int_eq(served_ttl(c, "example.com", T0 + 300000), -1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_capped_store_does_not_apply_min_ttl)
{
	struct dst_cache *c = dst_cache_new(BIG, 60, 86400);

	ck_assert_int_eq(store_capped_one(c, "example.com", 10, 3600, T0), 0);
	ck_assert_int_eq(served_ttl(c, "example.com", T0), 10);
	ck_assert_int_eq(served_ttl(c, "example.com", T0 + 10000), -1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_capped_store_is_bounded_by_max_ttl)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 100);

	ck_assert_int_eq(store_capped_one(c, "example.com", 3600, 3600, T0), 0);
	ck_assert_int_eq(served_ttl(c, "example.com", T0), 100);
	ck_assert_int_eq(served_ttl(c, "example.com", T0 + 100000), -1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_zero_cap_stores_nothing_and_drops_previous_entry)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	ck_assert_int_eq(store_one(c, "example.com", 300, T0), 0);
	ck_assert_int_eq(store_servfail(c, "example.com", 0, T0 + 1000), 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_int_eq(store_one(c, "example.com", 300, T0), 0);
	ck_assert_int_eq(store_capped_one(c, "example.com", 300, 0, T0 + 1000), 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_int_eq(lookup_one(c, "example.com", T0 + 1000), 0);
	dst_cache_free(c);
}
END_TEST

/* ---- serve-stale ---- */

START_TEST(test_expired_entry_served_stale_within_window_with_ttl_30s)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	static const uint32_t ttls[] = {60, 3600};
	struct dst_cache_key k;
	uint8_t out[512];
	unsigned flags = 0;
	struct answer a;

	dst_cache_set_stale(c, 86400000);
	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", ttls, 2);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	for (uint64_t t = T0 + 60000; t < T0 + 86400000 + 60000; t += 3600000) {
		memset(out, 0, sizeof out);
		ck_assert_int_eq(dst_cache_lookup_stale(c, &k, t, out, sizeof out, &flags),
				 (ssize_t)a.len);
		ck_assert_uint_eq(flags, DST_CACHE_STALE);
		ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), DST_CACHE_STALE_TTL);
		/* the whole answer is stale, even the record that has not expired */
		ck_assert_uint_eq(dst_dns_get32(out + a.offs[1]), DST_CACHE_STALE_TTL);
		for (size_t i = 0; i < a.len; i++)
			if (!is_ttl_byte(&a, i))
				ck_assert_uint_eq(out[i], a.wire[i]);
	}
	ck_assert_uint_eq(stats(c).stale_hits, 24);
	ck_assert_uint_eq(stats(c).hits, 0);
	ck_assert_uint_eq(stats(c).misses, 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_stale_lookup_misses_after_window)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	size_t empty = stats(c).bytes;
	unsigned flags;

	dst_cache_set_stale(c, 10000);
	ck_assert_int_eq(store_one(c, "example.com", 60, T0), 0);
	ck_assert_int_gt(lookup_stale_one(c, "example.com", T0 + 69999, &flags), 0);
	ck_assert_uint_eq(flags, DST_CACHE_STALE);
	ck_assert_int_eq(lookup_stale_one(c, "example.com", T0 + 70000, &flags), 0);
	ck_assert_uint_eq(flags, 0);
	/* dropped, not just hidden */
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_uint_eq(stats(c).bytes, empty);
	ck_assert_uint_eq(stats(c).evictions, 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_stale_probe_changes_nothing)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;

	dst_cache_set_stale(c, 10000);
	ck_assert_int_eq(store_one(c, "example.com", 60, T0), 0);
	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	ck_assert(!dst_cache_has_stale(c, &k, T0 + 59999)); /* live: not stale */
	ck_assert(dst_cache_has_stale(c, &k, T0 + 60000));
	ck_assert(dst_cache_has_stale(c, &k, T0 + 69999));
	ck_assert(!dst_cache_has_stale(c, &k, T0 + 70000)); /* past the window */
	make_key(&k, "other.example", DST_DNS_TYPE_A, false, false);
	ck_assert(!dst_cache_has_stale(c, &k, T0 + 60000));
	/* A probe is no lookup: nothing counted, nothing dropped. */
	ck_assert_uint_eq(stats(c).stale_hits, 0);
	ck_assert_uint_eq(stats(c).hits, 0);
	ck_assert_uint_eq(stats(c).misses, 0);
	ck_assert_uint_eq(stats(c).entries, 1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_normal_lookup_misses_expired_entry_even_with_stale_on)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint8_t out[512];
	unsigned flags = 99;

	dst_cache_set_stale(c, 86400000);
	ck_assert_int_eq(store_one(c, "example.com", 60, T0), 0);
	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	ck_assert_int_eq(dst_cache_lookup(c, &k, T0 + 60000, out, sizeof out), 0);
	ck_assert_int_eq(dst_cache_lookup_ex(c, &k, T0 + 60000, out, sizeof out, &flags), 0);
	ck_assert_uint_eq(flags, 0);
	ck_assert_uint_eq(stats(c).misses, 2);
	/* kept for a stale lookup */
	ck_assert_uint_eq(stats(c).entries, 1);
	ck_assert_int_gt(lookup_stale_one(c, "example.com", T0 + 60000, &flags), 0);
	ck_assert_uint_eq(flags, DST_CACHE_STALE);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_stale_lookup_serves_live_entry_normally)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint8_t out[512];
	uint32_t ttl = 60;
	unsigned flags = 99;
	struct answer a;

	dst_cache_set_stale(c, 86400000);
	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_eq(dst_cache_lookup_stale(c, &k, T0 + 10000, out, sizeof out, &flags),
			 (ssize_t)a.len);
	ck_assert_uint_eq(flags, 0);
	ck_assert_uint_eq(dst_dns_get32(out + a.offs[0]), 50);
	ck_assert_uint_eq(stats(c).hits, 1);
	ck_assert_uint_eq(stats(c).stale_hits, 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_stale_off_drops_expired_entry_on_stale_lookup)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	unsigned flags;

	ck_assert_int_eq(store_one(c, "example.com", 60, T0), 0);
	ck_assert_int_eq(lookup_stale_one(c, "example.com", T0 + 60000, &flags), 0);
	ck_assert_uint_eq(flags, 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_servfail_entry_is_never_served_stale)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	unsigned flags;

	dst_cache_set_stale(c, 86400000);
	ck_assert_int_eq(store_servfail(c, "example.com", 5, T0), 0);
	ck_assert_int_gt(lookup_stale_one(c, "example.com", T0 + 4999, &flags), 0);
	ck_assert_int_eq(lookup_stale_one(c, "example.com", T0 + 5000, &flags), 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_negative_entry_is_served_stale)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	unsigned flags;

	dst_cache_set_stale(c, 86400000);
	ck_assert_int_eq(store_capped_one(c, "example.com", 600, 60, T0), 0);
	ck_assert_int_gt(lookup_stale_one(c, "example.com", T0 + 61000, &flags), 0);
	ck_assert_uint_eq(flags, DST_CACHE_STALE);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_store_replaces_stale_entry)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	dst_cache_set_stale(c, 86400000);
	ck_assert_int_eq(store_one(c, "example.com", 60, T0), 0);
	ck_assert_int_eq(store_one(c, "example.com", 300, T0 + 100000), 0);
	ck_assert_uint_eq(stats(c).entries, 1);
	ck_assert_int_eq(served_ttl(c, "example.com", T0 + 100000), 300);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_shorter_stale_window_applies_to_stored_entries)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	unsigned flags;

	dst_cache_set_stale(c, 86400000);
	ck_assert_int_eq(store_one(c, "example.com", 60, T0), 0);
	dst_cache_set_stale(c, 1000);
	ck_assert_int_eq(lookup_stale_one(c, "example.com", T0 + 61000, &flags), 0);
	ck_assert_uint_eq(stats(c).entries, 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_small_out_buffer_for_stale_entry_gives_enospc)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint8_t out[512];
	uint32_t ttl = 60;
	unsigned flags = 99;
	struct answer a;

	dst_cache_set_stale(c, 86400000);
	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
	ck_assert_int_eq(dst_cache_lookup_stale(c, &k, T0 + 60000, out, a.len - 1, &flags),
			 DST_ENOSPC);
	ck_assert_uint_eq(flags, 0);
	ck_assert_uint_eq(stats(c).stale_hits, 0);
	ck_assert_int_eq(dst_cache_lookup_stale(c, &k, T0 + 60000, out, a.len, &flags),
			 (ssize_t)a.len);
	dst_cache_free(c);
}
END_TEST

/* ---- prefetch ---- */

static unsigned lookup_flags(struct dst_cache *c, const char *name, uint64_t now_ms)
{
	struct dst_cache_key k;
	uint8_t out[DST_DNS_MAX_MSG];
	unsigned flags = 99;

	make_key(&k, name, DST_DNS_TYPE_A, false, false);
	ck_assert_int_gt(dst_cache_lookup_ex(c, &k, now_ms, out, sizeof out, &flags), 0);
	return flags;
}

START_TEST(test_prefetch_flag_set_once_in_last_tenth)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	ck_assert_int_eq(store_one(c, "example.com", 100, T0), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 89999), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 90000), DST_CACHE_PREFETCH);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 90000), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 99999), 0);
	ck_assert_uint_eq(stats(c).prefetches, 1);
	ck_assert_uint_eq(stats(c).hits, 5);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_prefetch_flag_reset_after_store)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	ck_assert_int_eq(store_one(c, "example.com", 100, T0), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 95000), DST_CACHE_PREFETCH);
	/* the refresh arrives */
	ck_assert_int_eq(store_one(c, "example.com", 100, T0 + 96000), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 97000), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 96000 + 90000), DST_CACHE_PREFETCH);
	ck_assert_uint_eq(stats(c).prefetches, 2);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_short_lived_entry_never_flags_prefetch)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	ck_assert_int_eq(store_one(c, "example.com", 9, T0), 0);
	for (uint64_t t = T0; t < T0 + 9000; t += 100)
		ck_assert_uint_eq(lookup_flags(c, "example.com", t), 0);
	/* 10 s is the shortest life that flags, one second before the end */
	ck_assert_int_eq(store_one(c, "example.com", 10, T0), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 8999), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 9000), DST_CACHE_PREFETCH);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_prefetch_never_flags_before_last_tenth)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	/* the last tenth of 15 s starts at 13.5 s; whole-second ages flag at 14 */
	ck_assert_int_eq(store_one(c, "example.com", 15, T0), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 13500), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 13999), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 14000), DST_CACHE_PREFETCH);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_prefetch_follows_clamped_lifetime)
{
	struct dst_cache *c = dst_cache_new(BIG, 100, 86400);

	/* TTL 5 raised to min_ttl 100: a 100 s entry, so it may flag */
	ck_assert_int_eq(store_one(c, "example.com", 5, T0), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 89999), 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 90000), DST_CACHE_PREFETCH);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_plain_lookup_leaves_prefetch_flag_for_lookup_ex)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);

	ck_assert_int_eq(store_one(c, "example.com", 100, T0), 0);
	ck_assert_int_gt(lookup_one(c, "example.com", T0 + 95000), 0);
	ck_assert_uint_eq(stats(c).prefetches, 0);
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 96000), DST_CACHE_PREFETCH);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_stale_lookup_flags_prefetch_on_live_entry)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	unsigned flags;

	dst_cache_set_stale(c, 86400000);
	ck_assert_int_eq(store_one(c, "example.com", 100, T0), 0);
	ck_assert_int_gt(lookup_stale_one(c, "example.com", T0 + 95000, &flags), 0);
	ck_assert_uint_eq(flags, DST_CACHE_PREFETCH);
	ck_assert_int_gt(lookup_stale_one(c, "example.com", T0 + 100000, &flags), 0);
	ck_assert_uint_eq(flags, DST_CACHE_STALE);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_miss_clears_flags)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint8_t out[512];
	unsigned flags = 99;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	ck_assert_int_eq(dst_cache_lookup_ex(c, &k, T0, out, sizeof out, &flags), 0);
	ck_assert_uint_eq(flags, 0);
	flags = 99;
	ck_assert_int_eq(dst_cache_lookup_stale(c, &k, T0, out, sizeof out, &flags), 0);
	ck_assert_uint_eq(flags, 0);
	ck_assert_int_eq(store_one(c, "example.com", 100, T0), 0);
	flags = 99;
	ck_assert_int_eq(dst_cache_lookup_ex(c, &k, T0 + 95000, out, 10, &flags), DST_ENOSPC);
	ck_assert_uint_eq(flags, 0);
	/* an answer that did not fit did not use up the prefetch */
	ck_assert_uint_eq(lookup_flags(c, "example.com", T0 + 95000), DST_CACHE_PREFETCH);
	dst_cache_free(c);
}
END_TEST

/* ---- stale entries and eviction ---- */

/*
 * Stores names 0 .. n-1 at T0, name 0 for 10 s and the others for 300 s,
 * and hits name 0 so that it is marked used.
 */
static void store_short_lived_first_and_use_it(struct dst_cache *c, unsigned n)
{
	char name[64];

	for (unsigned i = 0; i < n; i++) {
		uint32_t ttl = i == 0 ? 10 : 300;

		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), ttl, T0), 0);
	}
	ck_assert_int_gt(lookup_one(c, nth_name(0, name, sizeof name), T0), 0);
}

/*
 * Name 0 was used, but by the time the tail reaches it it has expired and
 * there is no stale window: it is evicted, not given a second chance, and
 * name 1 (live, never used) stays.
 */
START_TEST(test_expired_entry_gets_no_second_chance)
{
	struct dst_cache *c = dst_cache_new(4096, 0, 86400);
	unsigned n = capacity(4096);
	const uint64_t later = T0 + 20000;
	char name[64];

	store_short_lived_first_and_use_it(c, n);
	ck_assert_int_eq(store_one(c, nth_name(n, name, sizeof name), 300, later), 0);
	ck_assert_uint_eq(stats(c).evictions, 1);
	ck_assert_uint_eq(stats(c).entries, n);
	ck_assert_int_gt(lookup_one(c, nth_name(1, name, sizeof name), later), 0);
	ck_assert_int_gt(lookup_one(c, nth_name(n, name, sizeof name), later), 0);
	dst_cache_free(c);
}
END_TEST

/* The same entry within a stale window: used, so it is kept, and name 1 goes. */
START_TEST(test_used_stale_entry_gets_a_second_chance)
{
	struct dst_cache *c = dst_cache_new(4096, 0, 86400);
	unsigned n = capacity(4096), flags;
	const uint64_t later = T0 + 20000;
	char name[64];

	dst_cache_set_stale(c, 86400000);
	store_short_lived_first_and_use_it(c, n);
	ck_assert_int_eq(store_one(c, nth_name(n, name, sizeof name), 300, later), 0);
	ck_assert_uint_eq(stats(c).evictions, 1);
	ck_assert_int_gt(lookup_stale_one(c, nth_name(0, name, sizeof name), later, &flags), 0);
	ck_assert_uint_eq(flags, DST_CACHE_STALE);
	ck_assert_int_eq(lookup_one(c, nth_name(1, name, sizeof name), later), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_stale_entries_age_out_in_log_order)
{
	struct dst_cache *c = dst_cache_new(4096, 0, 86400);
	unsigned n = capacity(4096), flags;
	const uint64_t later = T0 + 20000;
	char name[64];

	dst_cache_set_stale(c, 86400000);
	/* every entry expired: nothing was used, so the oldest goes */
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 10, T0 + i), 0);
	/* serving name 0 stale is a use: it gets a second chance */
	ck_assert_int_gt(lookup_stale_one(c, nth_name(0, name, sizeof name), later, &flags), 0);
	ck_assert_int_eq(store_one(c, nth_name(n, name, sizeof name), 300, later), 0);
	ck_assert_uint_eq(stats(c).evictions, 1);
	ck_assert_int_gt(lookup_stale_one(c, nth_name(0, name, sizeof name), later, &flags), 0);
	ck_assert_int_eq(lookup_stale_one(c, nth_name(1, name, sizeof name), later, &flags), 0);
	ck_assert_int_gt(lookup_stale_one(c, nth_name(2, name, sizeof name), later, &flags), 0);
	dst_cache_free(c);
}
END_TEST

/* ---- bad input ---- */

START_TEST(test_bad_ttl_offset_is_einval)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint32_t ttl = 300;
	struct answer a;
	uint16_t off;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	off = (uint16_t)(a.len - 3);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, &off, 1, T0), DST_EINVAL);
	off = 0xffff;
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, &off, 1, T0), DST_EINVAL);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, 0, T0), DST_EINVAL);
	ck_assert_uint_eq(stats(c).entries, 0);
	/* the last 4 bytes are a valid place for a TTL */
	off = (uint16_t)(a.len - 4);
	dst_dns_put32(a.wire + off, 300);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, &off, 1, T0), 0);
	ck_assert_uint_eq(stats(c).entries, 1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_overlapping_ttl_offsets_are_einval)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint32_t ttl = 300;
	struct answer a;
	uint16_t offs[3];

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "example.com", &ttl, 1);
	offs[0] = a.offs[0];
	offs[1] = a.offs[0];
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, offs, 2, T0), DST_EINVAL);
	offs[1] = (uint16_t)(a.offs[0] + 2);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, offs, 2, T0), DST_EINVAL);
	offs[0] = (uint16_t)(a.offs[0] + 2);
	offs[1] = 0;
	offs[2] = a.offs[0];
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, offs, 3, T0), DST_EINVAL);
	ck_assert_uint_eq(stats(c).entries, 0);
	offs[1] = (uint16_t)(a.offs[0] + 4);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, offs + 1, 2, T0), 0);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_oversized_message_is_einval)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	uint8_t *big = calloc(1, DST_DNS_MAX_MSG + 1);
	struct dst_cache_key k;
	uint16_t off = 100;

	ck_assert_ptr_nonnull(big);
	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	dst_dns_put32(big + off, 300);
	ck_assert_int_eq(dst_cache_store(c, &k, big, DST_DNS_MAX_MSG + 1, &off, 1, T0), DST_EINVAL);
	ck_assert_int_eq(dst_cache_store(c, &k, big, DST_DNS_MAX_MSG, &off, 1, T0), 0);
	free(big);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_message_shorter_than_header_is_einval)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_key k;
	uint8_t wire[DST_DNS_HEADER_LEN] = {0};
	uint16_t off = 0;

	make_key(&k, "example.com", DST_DNS_TYPE_A, false, false);
	dst_dns_put32(wire, 300);
	ck_assert_int_eq(dst_cache_store_capped(c, &k, wire, 0, NULL, 0, T0, 5), DST_EINVAL);
	ck_assert_int_eq(dst_cache_store_capped(c, &k, wire, sizeof wire - 1, NULL, 0, T0, 5),
			 DST_EINVAL);
	ck_assert_int_eq(dst_cache_store(c, &k, wire, 8, &off, 1, T0), DST_EINVAL);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_int_eq(dst_cache_store(c, &k, wire, sizeof wire, &off, 1, T0), 0);
	ck_assert_uint_eq(stats(c).entries, 1);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_free_accepts_null)
{
	dst_cache_free(NULL);
}
END_TEST

/* ---- TCases ---- */

TCase *cache_tcase_capped(void)
{
	TCase *tc = tcase_create("capped");

	tcase_add_test(tc, test_servfail_entry_lives_at_most_its_cap);
	tcase_add_test(tc, test_servfail_cap_is_bounded_by_max_ttl);
	tcase_add_test(tc, test_answer_without_ttls_needs_a_cap);
	tcase_add_test(tc, test_negative_cap_overrides_min_ttl);
	tcase_add_test(tc, test_capped_store_does_not_apply_min_ttl);
	tcase_add_test(tc, test_capped_store_is_bounded_by_max_ttl);
	tcase_add_test(tc, test_zero_cap_stores_nothing_and_drops_previous_entry);
	return tc;
}

TCase *cache_tcase_stale(void)
{
	TCase *tc = tcase_create("stale");

	tcase_add_test(tc, test_expired_entry_served_stale_within_window_with_ttl_30s);
	tcase_add_test(tc, test_stale_lookup_misses_after_window);
	tcase_add_test(tc, test_stale_probe_changes_nothing);
	tcase_add_test(tc, test_normal_lookup_misses_expired_entry_even_with_stale_on);
	tcase_add_test(tc, test_stale_lookup_serves_live_entry_normally);
	tcase_add_test(tc, test_stale_off_drops_expired_entry_on_stale_lookup);
	tcase_add_test(tc, test_servfail_entry_is_never_served_stale);
	tcase_add_test(tc, test_negative_entry_is_served_stale);
	tcase_add_test(tc, test_store_replaces_stale_entry);
	tcase_add_test(tc, test_shorter_stale_window_applies_to_stored_entries);
	tcase_add_test(tc, test_small_out_buffer_for_stale_entry_gives_enospc);
	tcase_add_test(tc, test_expired_entry_gets_no_second_chance);
	tcase_add_test(tc, test_used_stale_entry_gets_a_second_chance);
	tcase_add_test(tc, test_stale_entries_age_out_in_log_order);
	return tc;
}

TCase *cache_tcase_prefetch(void)
{
	TCase *tc = tcase_create("prefetch");

	tcase_add_test(tc, test_prefetch_flag_set_once_in_last_tenth);
	tcase_add_test(tc, test_prefetch_flag_reset_after_store);
	tcase_add_test(tc, test_short_lived_entry_never_flags_prefetch);
	tcase_add_test(tc, test_prefetch_never_flags_before_last_tenth);
	tcase_add_test(tc, test_prefetch_follows_clamped_lifetime);
	tcase_add_test(tc, test_plain_lookup_leaves_prefetch_flag_for_lookup_ex);
	tcase_add_test(tc, test_stale_lookup_flags_prefetch_on_live_entry);
	tcase_add_test(tc, test_miss_clears_flags);
	return tc;
}

TCase *cache_tcase_input(void)
{
	TCase *tc = tcase_create("input");

	tcase_add_test(tc, test_bad_ttl_offset_is_einval);
	tcase_add_test(tc, test_overlapping_ttl_offsets_are_einval);
	tcase_add_test(tc, test_oversized_message_is_einval);
	tcase_add_test(tc, test_message_shorter_than_header_is_einval);
	tcase_add_test(tc, test_free_accepts_null);
	return tc;
}
